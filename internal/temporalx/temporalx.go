// Package temporalx connects talentflow to a Temporal frontend: dialing with slog logging and
// Prometheus metrics, making sure the namespace and search attributes exist, and the app's
// Workflows implementation.
package temporalx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkotel "go.temporal.io/sdk/contrib/opentelemetry"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"talentflow/internal/app"
	"talentflow/workflows"
)

// Options configure a client.
type Options struct {
	Address   string
	Namespace string
	Logger    *slog.Logger
	// Registry receives the SDK's metrics (nil: none).
	Registry prometheus.Registerer
	// Wait is how long Dial keeps retrying a frontend that does not answer yet.
	Wait time.Duration
}

// Dial connects to the frontend, retrying until it answers or Wait passes. The SDK logs through
// slog at warning level and above (its debug lines are per timer and activity).
func Dial(ctx context.Context, o Options) (client.Client, error) {
	opts := client.Options{
		HostPort:  o.Address,
		Namespace: o.Namespace,
		Logger:    sdklog.NewStructuredLogger(slog.New(minLevel{o.Logger.Handler().WithAttrs([]slog.Attr{slog.String("component", "temporal-sdk")}), slog.LevelWarn})),
	}
	if o.Registry != nil {
		exporter, err := otelprom.New(otelprom.WithRegisterer(o.Registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
		if err != nil {
			return nil, fmt.Errorf("metrics exporter: %w", err)
		}
		meter := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter)).Meter("temporal-sdk")
		opts.MetricsHandler = sdkotel.NewMetricsHandler(sdkotel.MetricsHandlerOptions{
			Meter:   meter,
			OnError: func(err error) { o.Logger.Warn("temporal metric not recorded", "err", err) },
		})
	}
	deadline := time.Now().Add(o.Wait)
	for {
		c, err := client.DialContext(ctx, opts)
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("temporal at %s: %w", o.Address, err)
		}
		o.Logger.Info("waiting for temporal", "address", o.Address, "err", err)
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// minLevel drops records below a level.
type minLevel struct {
	slog.Handler
	level slog.Level
}

func (m minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= m.level && m.Handler.Enabled(ctx, l)
}

func (m minLevel) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevel{m.Handler.WithAttrs(attrs), m.level}
}

func (m minLevel) WithGroup(name string) slog.Handler {
	return minLevel{m.Handler.WithGroup(name), m.level}
}

// EnsureNamespace registers the namespace with retention if it is missing, corrects the
// retention of an existing one, and adds the search attributes the workflows set.
func EnsureNamespace(ctx context.Context, c client.Client, name string, retention time.Duration) error {
	svc := c.WorkflowService()
	desc, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: name})
	var nf *serviceerror.NamespaceNotFound
	switch {
	case errors.As(err, &nf):
		if _, err := svc.RegisterNamespace(ctx, &workflowservice.RegisterNamespaceRequest{
			Namespace: name, WorkflowExecutionRetentionPeriod: durationpb.New(retention),
		}); err != nil {
			return fmt.Errorf("register namespace %s: %w", name, err)
		}
	case err != nil:
		return fmt.Errorf("describe namespace %s: %w", name, err)
	case desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() != retention:
		if _, err := svc.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
			Namespace: name,
			Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(retention)},
		}); err != nil {
			return fmt.Errorf("set retention of %s: %w", name, err)
		}
	}
	// A namespace just registered takes a few seconds to reach the server's namespace cache.
	var existing *operatorservice.ListSearchAttributesResponse
	for wait := 500 * time.Millisecond; ; wait *= 2 {
		existing, err = c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: name})
		if !errors.As(err, &nf) || wait > 16*time.Second {
			break
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for k, v := range workflows.SearchAttributes() {
		if _, ok := existing.GetCustomAttributes()[k]; !ok {
			missing[k] = v
		}
	}
	if len(missing) > 0 {
		if _, err := c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: name, SearchAttributes: missing,
		}); err != nil {
			return fmt.Errorf("add search attributes: %w", err)
		}
	}
	return nil
}

// Engine runs the case workflows for the app.
type Engine struct {
	Client    client.Client
	TaskQueue string
}

var _ app.Workflows = (*Engine)(nil)

// Start starts a case workflow by its registered type name; a duplicate start is rejected.
func (e *Engine) Start(ctx context.Context, req app.StartRequest) error {
	attrs := []temporal.SearchAttributeUpdate{workflows.SearchProcess.ValueSet(req.Process)}
	if req.Category != "" {
		attrs = append(attrs, workflows.SearchCategory.ValueSet(req.Category))
	}
	_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       req.WorkflowID,
		TaskQueue:                e.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes:    temporal.NewSearchAttributes(attrs...),
	}, req.Workflow, req.Input)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return app.ErrAlreadyStarted
	}
	return err
}

// Update sends an update and waits until the workflow has answered it.
func (e *Engine) Update(ctx context.Context, workflowID, update string, arg, out any) error {
	opts := client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		UpdateName:   update,
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if arg != nil {
		opts.Args = []any{arg}
	}
	h, err := e.Client.UpdateWorkflow(ctx, opts)
	if err != nil {
		return err
	}
	return h.Get(ctx, out)
}

// Signal tells a running workflow something it need not answer.
func (e *Engine) Signal(ctx context.Context, workflowID, name string, arg any) error {
	return e.Client.SignalWorkflow(ctx, workflowID, "", name, arg)
}

// Ping checks the frontend.
func (e *Engine) Ping(ctx context.Context) error {
	_, err := e.Client.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
