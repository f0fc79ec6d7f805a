// Package temporalx connects talentflow to a Temporal frontend: dialing with slog logging and
// Prometheus metrics, making sure the namespace and search attributes exist, and the app's
// Workflows implementation.
package temporalx

import (
	"cmp"
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
	"talentflow/internal/sealed"
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
	// Keys encrypt every payload the client sends (see Codec); required.
	Keys *sealed.Keyring
}

// Dial connects to the frontend, retrying until it answers or Wait passes. Every payload is
// encrypted with Keys (NewDataConverter). The SDK logs through slog at warning level and above
// (its debug lines are per timer and activity).
func Dial(ctx context.Context, o Options) (client.Client, error) {
	if o.Keys == nil {
		return nil, errors.New("temporal client without data keys: workflow payloads would be stored in the clear")
	}
	opts := client.Options{
		HostPort:          o.Address,
		Namespace:         o.Namespace,
		Logger:            sdklog.NewStructuredLogger(slog.New(minLevel{o.Logger.Handler().WithAttrs([]slog.Attr{slog.String("component", "temporal-sdk")}), slog.LevelWarn})),
		DataConverter:     NewDataConverter(o.Keys),
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: GrpcCompression()},
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

// GrpcCompression is the clients' gRPC compression: none. Every payload is encrypted (Codec),
// so gzip finds almost nothing to shrink; the SDK's default gzip cost 4.5 % of all CPU of the
// embedded stack under load (both ends: the server answers in the caller's encoding).
func GrpcCompression() client.GrpcCompression { return &client.GrpcCompressionNone{} }

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
//
// No call hangs on a frontend that is down: the SDK retries an unreachable frontend until the
// call's context ends (10 s for a start or a signal, a minute for an update), so every call
// here runs with a deadline (CallTimeout, UpdateTimeout) and, while it waits, the frontend's
// health is checked every ProbeInterval; a frontend that does not answer its health check ends
// the call at once with app.ErrTemporalUnavailable. A slow workflow on a healthy frontend is
// left its full deadline.
type Engine struct {
	Client    client.Client
	TaskQueue string
	// CallTimeout bounds a start or a signal (default 10 s); UpdateTimeout an update, which
	// waits for the workflow's answer (default 20 s); ProbeInterval is how often a call that
	// has not answered yet checks the frontend (default 1 s).
	CallTimeout, UpdateTimeout, ProbeInterval time.Duration
}

var _ app.Workflows = (*Engine)(nil)

// Start starts a case workflow by its registered type name; a duplicate start is rejected.
func (e *Engine) Start(ctx context.Context, req app.StartRequest) error {
	attrs := []temporal.SearchAttributeUpdate{workflows.SearchProcess.ValueSet(req.Process)}
	if req.Category != "" {
		attrs = append(attrs, workflows.SearchCategory.ValueSet(req.Category))
	}
	err := e.guard(ctx, cmp.Or(e.CallTimeout, 10*time.Second), func(ctx context.Context) error {
		_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID:                       req.WorkflowID,
			TaskQueue:                e.TaskQueue,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
			TypedSearchAttributes:    temporal.NewSearchAttributes(attrs...),
		}, req.Workflow, req.Input)
		return err
	})
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
	return e.guard(ctx, cmp.Or(e.UpdateTimeout, 20*time.Second), func(ctx context.Context) error {
		h, err := e.Client.UpdateWorkflow(ctx, opts)
		if err != nil {
			return err
		}
		return h.Get(ctx, out)
	})
}

// Signal tells a running workflow something it need not answer.
func (e *Engine) Signal(ctx context.Context, workflowID, name string, arg any) error {
	return e.guard(ctx, cmp.Or(e.CallTimeout, 10*time.Second), func(ctx context.Context) error {
		return e.Client.SignalWorkflow(ctx, workflowID, "", name, arg)
	})
}

// Ping checks the frontend: its gRPC health check, which the SDK does not retry, so a frontend
// that is down answers at once.
func (e *Engine) Ping(ctx context.Context) error {
	_, err := e.Client.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}

// guard runs call with a deadline of timeout, checking the frontend's health while it waits.
// A frontend found down — by the health check, or by the call's own gRPC Unavailable — ends the
// call with app.ErrTemporalUnavailable (wrapping the cause, for the log). The call is only
// abandoned when the frontend refuses the health check (or misses three in a row): an update a
// healthy frontend is still carrying is never cut off by a slow probe, since abandoning it
// would tell the caller "not done" about a decision that may yet be taken.
func (e *Engine) guard(ctx context.Context, timeout time.Duration, call func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	probe := time.NewTicker(cmp.Or(e.ProbeInterval, time.Second))
	defer probe.Stop()
	failed := 0
	for {
		select {
		case err := <-done:
			var unavailable *serviceerror.Unavailable
			if errors.As(err, &unavailable) {
				return fmt.Errorf("%w: %w", app.ErrTemporalUnavailable, err)
			}
			if err != nil && ctx.Err() != nil {
				// The deadline passed: unreachable frontend, or a slow workflow? Ask.
				if perr := e.probe(context.WithoutCancel(ctx)); perr != nil {
					return fmt.Errorf("%w: %w (health check: %v)", app.ErrTemporalUnavailable, err, perr)
				}
			}
			return err
		case <-probe.C:
			perr := e.probe(ctx)
			if perr == nil || ctx.Err() != nil {
				failed = 0
				continue
			}
			// A refused or broken connection is the frontend down; a health check that only
			// timed out may be a busy frontend, so that takes three in a row.
			var unavailable *serviceerror.Unavailable
			if failed++; errors.As(perr, &unavailable) || failed >= 3 {
				cancel()
				<-done
				return fmt.Errorf("%w: health check: %v", app.ErrTemporalUnavailable, perr)
			}
		}
	}
}

// probe is one health check of at most a second.
func (e *Engine) probe(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return e.Ping(ctx)
}
