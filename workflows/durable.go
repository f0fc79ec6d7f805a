package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// An Update lives only in memory until the workflow task that accepted it completes: if the
// history host or the worker dies first, the Update is gone and its caller gets an error to retry.
// A local activity runs inside that same workflow task, so a read-model write it makes would
// survive the lost Update — the read model would show a decision the workflow never took, and
// a retried decision would find the task already done there. The topology test met exactly
// that: a task open in the read model and unknown to its workflow after a history node was
// killed.
//
// DurableUpdates closes the gap for every process at once: after a workflow accepts an Update,
// the next local activity of that workflow first waits for a checkpoint that completes the
// workflow task, which records the accepted Update; the write happens in a later task, when the
// Update is durable. The checkpoint is a no-op activity on the workflow's own task queue
// (ActivityCheckpoint), which the server hands back eagerly in its answer to the completed task.
// Its first form, a one-millisecond timer, cost a second per decision on a server with
// Temporal's default timer shift and still replays (GetVersion "durable-update" 1); histories
// from before the rule replay without either (DefaultVersion).
func DurableUpdates() interceptor.WorkerInterceptor { return &durableUpdates{} }

const (
	durableUpdateChange = "durable-update"
	durableByTimer      = 1 // a one-millisecond timer
	durableByActivity   = 2 // a no-op activity (ActivityCheckpoint)
)

// ActivityCheckpoint is the no-op activity of DurableUpdates; every worker registers it.
const ActivityCheckpoint = "DurableCheckpoint"

// Checkpoint is ActivityCheckpoint: running it is all it does.
func Checkpoint(context.Context) error { return nil }

// checkpointOptions: the checkpoint runs on the workflow's task queue, so the server can hand
// it to the worker that completed the workflow task (eager execution). It does nothing, so a
// short timeout only bounds how long a checkpoint handed to a worker that then died holds its
// decision up (30 s held the crash suite's lanes past a scaled clock's rating deadline); one
// that times out while slow is simply run again.
var checkpointOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 3 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 5 * time.Second},
}

type durableUpdates struct {
	interceptor.WorkerInterceptorBase
}

func (*durableUpdates) InterceptWorkflow(_ workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	in := &durableInbound{}
	in.Next = next
	return in
}

// durableInbound notes each accepted Update; one instance serves one workflow run.
type durableInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	// pending: an Update was accepted and no checkpoint has been reached since.
	pending bool
	// checkpoint is ready once the running checkpoint (activity or timer) has completed.
	checkpoint workflow.Future
}

func (i *durableInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	out := &durableOutbound{in: i}
	out.Next = outbound
	return i.Next.Init(out)
}

func (i *durableInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	// UpdateSettled changes nothing: it only waits for what durable events already caused.
	if in.Name != UpdateSettled {
		i.pending = true
	}
	return i.Next.ExecuteUpdate(ctx, in)
}

type durableOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	in *durableInbound
}

func (o *durableOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	o.awaitDurable(ctx)
	return o.Next.ExecuteLocalActivity(ctx, activityType, args...)
}

// awaitDurable returns once every Update accepted so far is recorded in the history.
func (o *durableOutbound) awaitDurable(ctx workflow.Context) {
	in := o.in
	for {
		if in.checkpoint != nil {
			_ = in.checkpoint.Get(ctx, nil)
			continue
		}
		if !in.pending {
			return
		}
		in.pending = false
		var wait workflow.Future
		switch o.Next.GetVersion(ctx, durableUpdateChange, workflow.DefaultVersion, durableByActivity) {
		case workflow.DefaultVersion:
			return
		case durableByTimer:
			wait = o.Next.NewTimer(ctx, time.Millisecond)
		default:
			wait = o.Next.ExecuteActivity(workflow.WithActivityOptions(ctx, checkpointOptions), ActivityCheckpoint)
		}
		f, set := workflow.NewFuture(ctx)
		in.checkpoint = f
		err := wait.Get(ctx, nil)
		in.checkpoint = nil
		set.Set(nil, err)
	}
}
