package temporalx_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"talentflow/internal/app"
	"talentflow/internal/temporalx"
)

// frontend is the least of a Temporal frontend the SDK needs to connect, with a health service
// and updates that never finish (a workflow whose worker is busy).
type frontend struct {
	workflowservice.UnimplementedWorkflowServiceServer
	server *grpc.Server
	addr   string
}

func (frontend) GetSystemInfo(context.Context, *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	return &workflowservice.GetSystemInfoResponse{}, nil
}

func (frontend) UpdateWorkflowExecution(ctx context.Context, _ *workflowservice.UpdateWorkflowExecutionRequest) (*workflowservice.UpdateWorkflowExecutionResponse, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func startFrontend(t *testing.T) *frontend {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &frontend{server: grpc.NewServer(), addr: l.Addr().String()}
	workflowservice.RegisterWorkflowServiceServer(f.server, f)
	hs := health.NewServer()
	hs.SetServingStatus("temporal.api.workflowservice.v1.WorkflowService", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(f.server, hs)
	go func() { _ = f.server.Serve(l) }()
	t.Cleanup(f.server.Stop)
	return f
}

func engineOn(t *testing.T, f *frontend) *temporalx.Engine {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: f.addr})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return &temporalx.Engine{Client: c, TaskQueue: "q", CallTimeout: 8 * time.Second, UpdateTimeout: 8 * time.Second,
		ProbeInterval: 200 * time.Millisecond}
}

// TestACallToAStoppedFrontendFailsWithinSecondsAsTemporalUnavailable: the SDK would retry a
// frontend that went away for 10 s (a start, a signal) or a minute (an update); the engine
// gives up as soon as the frontend's health check is refused, with temporal_unavailable.
func TestACallToAStoppedFrontendFailsWithinSecondsAsTemporalUnavailable(t *testing.T) {
	f := startFrontend(t)
	e := engineOn(t, f)
	require.NoError(t, e.Ping(context.Background()))
	f.server.Stop()

	calls := map[string]func(context.Context) error{
		"start": func(ctx context.Context) error {
			return e.Start(ctx, app.StartRequest{CaseID: "c1", Process: "introduction", WorkflowID: "intro:c1", Workflow: "W"})
		},
		"update": func(ctx context.Context) error { return e.Update(ctx, "intro:c1", "decide", nil, nil) },
		"signal": func(ctx context.Context) error { return e.Signal(ctx, "intro:c1", "ledger", nil) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			began := time.Now()
			err := call(context.Background())
			took := time.Since(began)
			require.ErrorIs(t, err, app.ErrTemporalUnavailable)
			assert.Less(t, took, 3*time.Second, "failed fast")
			assert.Equal(t, "temporal_unavailable", app.Outage(err).Code)
			t.Logf("%s failed after %s: %v", name, took.Round(time.Millisecond), err)
		})
	}
	assert.Error(t, e.Ping(context.Background()), "the readiness check says so too")
}

// TestASlowWorkflowOnAHealthyFrontendIsATimeoutNotAnOutage: an update the frontend carries but
// the workflow does not answer runs to its deadline and is not reported as an outage.
func TestASlowWorkflowOnAHealthyFrontendIsATimeoutNotAnOutage(t *testing.T) {
	f := startFrontend(t)
	e := engineOn(t, f)
	e.UpdateTimeout = 1500 * time.Millisecond
	began := time.Now()
	err := e.Update(context.Background(), "intro:c1", "decide", nil, nil)
	require.Error(t, err)
	assert.GreaterOrEqual(t, time.Since(began), 1400*time.Millisecond, "the healthy frontend kept the call")
	assert.False(t, errors.Is(err, app.ErrTemporalUnavailable), "not an outage: %v", err)
	a := &app.App{Log: slog.New(slog.DiscardHandler)}
	var answer *app.Error
	require.ErrorAs(t, a.EngineError(context.Background(), err), &answer)
	assert.Equal(t, "timeout", answer.Code)
}
