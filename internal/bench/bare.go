package bench

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/temporalx"
	tfworker "talentflow/worker"
	"talentflow/workflows"
)

// The bare side: the same workflow shape driven by SDK calls alone, with no HTTP, no
// authorization, no audit and no read model. Names are the bench's own, on a task queue of its
// own, so the bare worker never takes a talentflow task.
const (
	bareTaskQueue     = "talentflow-bench-bare"
	bareWorkflow      = "BenchBareCase"
	bareDecide        = "decide"
	bareProject       = "BenchProject"
	bareSchedule      = "BenchSchedule"
	bareSLA           = 100 * time.Hour    // a task's deadline timer: never fires in a run
	bareNotice        = 7 * 24 * time.Hour // the public notice: never fires in a run
	bareCallTimeout   = time.Minute        // one start or update
	bareVersionChange = "bench-bare-shape" // a GetVersion marker, as the real workflow records one

	// The regular (not local) activities of a subsidy's approval and a pairing request's
	// decision, no-ops here; and the workflows a finish continues or starts.
	bareReserve            = "BenchReserveBudget"
	bareStartSchedule      = "BenchStartSchedule"
	bareBook               = "BenchBookPayment"
	bareCreatePairing      = "BenchCreatePairing"
	bareDisbursingWorkflow = "BenchBareDisbursing"
)

// BareShape is what a bare case does: Steps[i] tasks open at once in step i (a countersign
// step has several); each task is decided by one Update.
type BareShape struct {
	Process string `json:"process"`
	Steps   []int  `json:"steps"`
	// Checkpoint is how a decision's first read-model write waits until the Update is
	// recorded: "activity" (talentflow's: the worker's durable-update interceptor and its no-op
	// activity), "timer" (a one-millisecond timer, the checkpoint's first form) or "none" (no
	// wait: the shape before the checkpoint existed).
	Checkpoint string `json:"checkpoint"`
	// Finish is what the case does after its last step: "" (an introduction's public notice),
	// FinishDisburse (a subsidy's reservation, schedule and first booking, then continue-as-new)
	// or FinishPairing (a liaison pairing request's pairing and its demand).
	Finish string `json:"finish,omitempty"`
}

// Finishes of the bare side.
const (
	FinishDisburse = "disburse"
	FinishPairing  = "pairing"
)

// Checkpoints of the bare side.
const (
	CheckpointTimer    = "timer"
	CheckpointActivity = "activity"
	CheckpointNone     = "none"
)

// Decisions is the number of Updates that take a case through its human steps.
func (s BareShape) Decisions() int {
	n := 0
	for _, k := range s.Steps {
		n += k
	}
	return n
}

// BareDecision decides task Task (numbered from 1 across the case, in opening order).
type BareDecision struct {
	Task int `json:"task"`
}

// bareCase is the bare workflow. It mirrors what the engine records for an introduction (read
// off a real case's history): opening a step asks the calendar (a local activity), indexes the
// state (a search-attribute upsert), starts one deadline timer per task and writes the read
// model (a local activity); a decision is an Update with a validator that cancels its task's
// timer and writes the read model (a local activity, behind the durable checkpoint of
// talentflow's worker interceptor unless BareShape.Checkpoint says otherwise);
// the decision that completes a step opens the next; after the last step the case writes the
// copy to the reviewers, asks the calendar for the notice's end, indexes, writes, and starts
// the notice timer. Both local activities are no-ops, and payloads are a few bytes.
func bareCase(ctx workflow.Context, shape BareShape) (string, error) {
	c := &bare{shape: shape, step: -1}
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateSettled, func(ctx workflow.Context) (string, error) {
		// As the engine's: answers once the case waits for people.
		return "settled", workflow.Await(ctx, func() bool { return c.step >= 0 && !c.busy })
	}); err != nil {
		return "", err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, bareDecide, c.decide,
		workflow.UpdateHandlerOptions{Validator: c.validate}); err != nil {
		return "", err
	}
	workflow.GetVersion(ctx, bareVersionChange, workflow.DefaultVersion, 1)
	if err := c.openStep(ctx); err != nil {
		return "", err
	}
	if shape.Finish != "" {
		return c.finishBody(ctx)
	}
	// The case then waits out its notice, as a real case does; the bench never waits for it.
	if err := workflow.Await(ctx, func() bool { return c.done && workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	return "notice", workflow.Await(ctx, func() bool { return false })
}

type bareTask struct {
	open  bool
	timer workflow.CancelFunc
}

// bare is one bare case's state.
type bare struct {
	shape      BareShape
	tasks      []*bareTask
	step       int
	openInStep int
	busy, done bool
	// finishing: the last decision was taken and the body runs the shape's Finish.
	finishing bool
}

func (c *bare) project(ctx workflow.Context) error {
	return workflow.ExecuteLocalActivity(bareIO(ctx), bareProject, len(c.tasks)).Get(ctx, nil)
}

func (c *bare) schedule(ctx workflow.Context, n int) error {
	return workflow.ExecuteLocalActivity(bareIO(ctx), bareSchedule, n).Get(ctx, nil)
}

func (c *bare) index(ctx workflow.Context, state string) error {
	return workflow.UpsertTypedSearchAttributes(ctx, workflows.SearchState.ValueSet(state))
}

// bareIO carries the engine's local-activity options.
func bareIO(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute}})
}

// openStep opens the next step's tasks: the calendar, the index, a deadline timer per task,
// the read model.
func (c *bare) openStep(ctx workflow.Context) error {
	c.busy = true
	defer func() { c.busy = false }()
	c.step++
	c.openInStep = c.shape.Steps[c.step]
	if err := c.schedule(ctx, c.openInStep); err != nil {
		return err
	}
	if err := c.index(ctx, fmt.Sprint("bench-step-", c.step)); err != nil {
		return err
	}
	for range c.openInStep {
		tctx, cancel := workflow.WithCancel(ctx)
		c.tasks = append(c.tasks, &bareTask{open: true, timer: cancel})
		workflow.NewTimer(tctx, bareSLA) // cancelled by its decision
	}
	return c.project(ctx)
}

// finish ends the human steps: the copy to the reviewers, the calendar for the notice's end,
// the index, the read model, the notice timer.
func (c *bare) finish(ctx workflow.Context) error {
	if err := c.project(ctx); err != nil {
		return err
	}
	if err := c.schedule(ctx, 1); err != nil {
		return err
	}
	if err := c.index(ctx, "notice"); err != nil {
		return err
	}
	if err := c.project(ctx); err != nil {
		return err
	}
	workflow.NewTimer(ctx, bareNotice)
	c.done = true
	return nil
}

func (c *bare) validate(_ workflow.Context, d BareDecision) error {
	if d.Task < 1 || d.Task > len(c.tasks) || !c.tasks[d.Task-1].open {
		return fmt.Errorf("task %d is not open", d.Task)
	}
	return nil
}

// decide closes the task (cancelling its timer), writes the read model, and opens the next
// step or ends the human steps when this decision completes its step.
func (c *bare) decide(ctx workflow.Context, d BareDecision) (string, error) {
	t := c.tasks[d.Task-1]
	t.open = false
	t.timer()
	last := c.openInStep == 1 && c.step+1 == len(c.shape.Steps)
	if last && c.shape.Finish != "" {
		// As the engine's: the decision ends the flow in memory at once, so the body goes on
		// (its activities scheduled beside the checkpoint) while the handler writes its
		// decision, and the handler answers once the body has settled.
		c.finishing = true
	}
	if c.shape.Checkpoint == CheckpointTimer {
		if err := workflow.NewTimer(ctx, time.Millisecond).Get(ctx, nil); err != nil {
			return "", err
		}
	}
	if err := c.project(ctx); err != nil {
		return "", err
	}
	if c.openInStep--; c.openInStep > 0 {
		return "review", nil
	}
	if c.step+1 < len(c.shape.Steps) {
		return "next", c.openStep(ctx)
	}
	if c.shape.Finish != "" {
		return c.shape.Finish, workflow.Await(ctx, func() bool { return c.done })
	}
	return "notice", c.finish(ctx)
}

// finishBody is the body of a shape with a Finish, once its last decision is taken.
//
// FinishDisburse mirrors a subsidy's finance approval (read off a real case's history): the
// ReserveBudget, StartSchedule and BookPayment activities one after another, the index (the
// case disbursing) and the read model; once the handler has answered, the run continues as new
// into one that waits on a timer for period 2's re-confirmation.
//
// FinishPairing mirrors a pairing request's decision: a GetVersion marker, the CreatePairing
// activity, the pairing started as a child workflow (abandoned on close), the index, the read
// model; then the request completes.
func (c *bare) finishBody(ctx workflow.Context) (string, error) {
	if err := workflow.Await(ctx, func() bool { return c.finishing }); err != nil {
		return "", err
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute}})
	switch c.shape.Finish {
	case FinishDisburse:
		for _, a := range []string{bareReserve, bareStartSchedule, bareBook} {
			if err := workflow.ExecuteActivity(actx, a, 0).Get(ctx, nil); err != nil {
				return "", err
			}
		}
	case FinishPairing:
		workflow.GetVersion(ctx, bareVersionChange+"-pairing", workflow.DefaultVersion, 1)
		if err := workflow.ExecuteActivity(actx, bareCreatePairing, 0).Get(ctx, nil); err != nil {
			return "", err
		}
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: barePairingID(workflow.GetInfo(ctx).WorkflowExecution.ID),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON})
		if err := workflow.ExecuteChildWorkflow(child, barePairingWorkflow, c.shape).GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("bare finish %q", c.shape.Finish)
	}
	if err := c.index(ctx, c.shape.Finish); err != nil {
		return "", err
	}
	if err := c.project(ctx); err != nil {
		return "", err
	}
	c.done = true
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	if c.shape.Finish == FinishDisburse {
		return "", workflow.NewContinueAsNewError(ctx, bareDisbursingWorkflow)
	}
	return "paired", nil
}

// bareDisbursing is a bare subsidy's next run: as the real one, it starts the timer until
// period 2's re-confirmation opens, which no run of the bench reaches.
func bareDisbursing(ctx workflow.Context) (string, error) {
	workflow.NewTimer(ctx, bareNotice)
	return "", workflow.Await(ctx, func() bool { return false })
}

func bareNoop(context.Context, int) error { return nil }

// bareSide runs the bare worker on the same Temporal server and namespace as talentflow.
type bareSide struct {
	client client.Client
	worker sdkworker.Worker
	shape  BareShape
	run    string
	lat    *latencies
}

func startBare(address, namespace string, pollers int, shape BareShape, run string, lat *latencies) (*bareSide, error) {
	c, err := client.Dial(client.Options{HostPort: address, Namespace: namespace,
		ConnectionOptions: client.ConnectionOptions{GrpcCompression: temporalx.GrpcCompression()},
		Logger:            slogAdapter{slog.New(slog.DiscardHandler)}})
	if err != nil {
		return nil, fmt.Errorf("bare side: dial %s: %w", address, err)
	}
	// The same worker options as talentflow's worker: pollers and (with the activity
	// checkpoint) the durable-update interceptor and its no-op activity.
	opts := sdkworker.Options{MaxConcurrentWorkflowTaskPollers: pollers, MaxConcurrentActivityTaskPollers: pollers}
	if shape.Checkpoint == CheckpointActivity {
		opts.Interceptors = tfworker.Interceptors()
	}
	w := sdkworker.New(c, bareTaskQueue, opts)
	w.RegisterWorkflowWithOptions(bareCase, workflow.RegisterOptions{Name: bareWorkflow})
	w.RegisterActivityWithOptions(bareNoop, activity.RegisterOptions{Name: bareProject})
	w.RegisterActivityWithOptions(bareNoop, activity.RegisterOptions{Name: bareSchedule})
	for _, a := range []string{bareReserve, bareStartSchedule, bareBook, bareCreatePairing} {
		w.RegisterActivityWithOptions(bareNoop, activity.RegisterOptions{Name: a})
	}
	w.RegisterWorkflowWithOptions(bareDisbursing, workflow.RegisterOptions{Name: bareDisbursingWorkflow})
	w.RegisterWorkflowWithOptions(barePairing, workflow.RegisterOptions{Name: barePairingWorkflow})
	w.RegisterWorkflowWithOptions(bareDemand, workflow.RegisterOptions{Name: bareDemandWorkflow})
	w.RegisterWorkflowWithOptions(barePairingNext, workflow.RegisterOptions{Name: barePairingNextWorkflow})
	w.RegisterActivityWithOptions(workflows.Checkpoint, activity.RegisterOptions{Name: workflows.ActivityCheckpoint})
	if err := w.Start(); err != nil {
		c.Close()
		return nil, fmt.Errorf("bare side: worker: %w", err)
	}
	return &bareSide{client: c, worker: w, shape: shape, run: run, lat: lat}, nil
}

func (b *bareSide) stop() {
	b.worker.Stop()
	b.client.Close()
}

// runCase runs bare case i: for a pairing request (already started by prepareLiaison), its
// liaison Updates; otherwise it starts the case, waits for it to settle (as a submission
// does), then decides each task in order, one Update each.
func (b *bareSide) runCase(ctx context.Context, i int) (int, error) {
	if b.shape.Finish == FinishPairing {
		return b.runLiaison(ctx, i)
	}
	id := b.caseID(i)
	if err := b.start(ctx, "bare submit", i, time.Now()); err != nil {
		return 0, err
	}
	decisions := 0
	for task := 1; task <= b.shape.Decisions(); task++ {
		if err := b.update(ctx, "bare decide", id, bareDecide, BareDecision{Task: task}, time.Now()); err != nil {
			return decisions, err
		}
		decisions++
	}
	return decisions, nil
}

func (b *bareSide) caseID(i int) string { return fmt.Sprintf("bench-bare:%s-%d", b.run, i) }

// start starts bare case i and waits for it to settle; endpoint names the latency ("": none).
func (b *bareSide) start(ctx context.Context, endpoint string, i int, began time.Time) error {
	id := b.caseID(i)
	sctx, cancel := context.WithTimeout(ctx, bareCallTimeout)
	_, err := b.client.ExecuteWorkflow(sctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: bareTaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		TypedSearchAttributes:    temporal.NewSearchAttributes(workflows.SearchProcess.ValueSet(b.shape.Process)),
	}, bareWorkflow, b.shape)
	cancel()
	if err != nil {
		return fmt.Errorf("bare start %s: %w", id, err)
	}
	return b.update(ctx, endpoint, id, workflows.UpdateSettled, nil, began)
}

func (b *bareSide) update(ctx context.Context, endpoint, id, name string, arg any, began time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, bareCallTimeout)
	defer cancel()
	opts := client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name, WaitForStage: client.WorkflowUpdateStageCompleted}
	if arg != nil {
		opts.Args = []any{arg}
	}
	h, err := b.client.UpdateWorkflow(ctx, opts)
	if err == nil {
		var out string
		err = h.Get(ctx, &out)
	}
	if err != nil {
		return fmt.Errorf("bare %s %s: %w", name, id, err)
	}
	if endpoint != "" {
		b.lat.add(endpoint, time.Since(began))
	}
	return nil
}

// slogAdapter routes the SDK's log lines into slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(msg string, kv ...any) { a.l.Debug(msg, kv...) }
func (a slogAdapter) Info(msg string, kv ...any)  { a.l.Info(msg, kv...) }
func (a slogAdapter) Warn(msg string, kv ...any)  { a.l.Warn(msg, kv...) }
func (a slogAdapter) Error(msg string, kv ...any) { a.l.Error(msg, kv...) }
