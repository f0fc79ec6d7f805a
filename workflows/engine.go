package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
)

// Case is the human-task engine running inside one case workflow. A process builds it with
// NewCase, then composes steps: RunStep for one approval step, RunFlow for a sequence with
// returns, AwaitCorrection while the applicant corrects. The engine owns the tasks, their
// working-day deadlines and warnings, the decision updates, and the read-model projection.
type Case struct {
	info CaseInfo
	view CaseView

	steps []*stepRun
	tasks []*task

	// seq numbers tasks, events, notifications and audit entries across every run of the case
	// (continue-as-new carries it), so that each id and dedupe key is unique for the case's life.
	seq Sequences
	// runs counts the runs before this one (continue-as-new).
	runs int

	pending pendingWrites

	withdrawable bool
	withdrawn    *CaseAction
	correction   *correction
	// closing: the process has ended and nothing more may be asked of it; closed: its final
	// state is also in the read model (update handlers waiting to answer may now answer).
	closing, closed bool

	// flow is the process body's context; withdraw cancels it.
	flow       workflow.Context
	cancelFlow workflow.CancelFunc
	// active counts the process coroutines (the body and those started with Go) that are
	// working rather than waiting; waiters are the conditions the others wait on. The case has
	// settled, and update handlers may answer, when none works and no waiter's condition holds.
	active    int
	waiters   []waiter
	waiterSeq int
	// indexed is what the search attributes last said.
	indexed [4]string
	logger  interface {
		Warn(string, ...any)
		Error(string, ...any)
	}
}

// CaseInfo identifies a case and its applicant.
type CaseInfo struct {
	ID        string
	Process   string
	Title     string
	Applicant Actor
	Category  domain.Category
	// Restore is the state an earlier run handed over by continue-as-new (nil: a new case).
	Restore *CaseSnapshot
	// ContinueAfterEvents is the history length past which ShouldContinueAsNew says yes even
	// if the server has not suggested it yet (0: DefaultContinueAfterEvents).
	ContinueAfterEvents int
}

type pendingWrites struct {
	tasks         []*task
	events        []Event
	audit         []AuditEntry
	notifications []NotificationRequest
	attachments   []AttachmentLink
	caseChanged   bool
}

type correction struct {
	resubmitted bool
}

type waiter struct {
	id   int
	cond func() bool
}

// Case states the engine itself sets; processes add their own.
const (
	StateReturned  = "returned"  // back with the applicant for correction (退回补正)
	StateWithdrawn = "withdrawn" // the applicant withdrew (撤回)
	StateExpired   = "expired"   // no resubmission before the correction deadline
	StateRejected  = "rejected"
)

var projectOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	// The read model must catch up whatever happens: retry until the database is back.
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// NewCase sets up the engine for the running workflow: it registers the query and update
// handlers, so call it first thing in the workflow function.
func NewCase(ctx workflow.Context, info CaseInfo) (*Case, error) {
	c := &Case{
		info: info,
		view: CaseView{
			ID:          info.ID,
			Process:     info.Process,
			Title:       info.Title,
			ApplicantID: info.Applicant.UserID,
			Category:    info.Category,
			WorkflowID:  workflow.GetInfo(ctx).WorkflowExecution.ID,
		},
		logger: workflow.GetLogger(ctx),
		// The process body is at work from the start.
		active: 1,
	}
	c.flow, c.cancelFlow = workflow.WithCancel(ctx)
	if info.Restore != nil {
		c.restore(*info.Restore)
	}
	if err := c.registerHandlers(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Run executes the process body and closes the case with the state it returns. If the
// applicant withdraws meanwhile, the body's context is cancelled and the case closes as
// withdrawn. Run returns once every update handler has answered.
func (c *Case) Run(body func(ctx workflow.Context) (finalState string, err error)) (string, error) {
	final, err := body(c.flow)
	switch {
	case c.withdrawn != nil:
		final, err = StateWithdrawn, nil
	case err != nil:
		return "", err
	}
	ctx := c.io(c.flow)
	c.finish(ctx, final)
	err = c.Commit(ctx)
	c.closed = true
	if err != nil {
		return final, err
	}
	// Let handlers that are still waiting for the case to settle see it closed and answer.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return final, nil
}

// io derives, from the calling coroutine's context, one that survives a withdrawal (the
// read model must still be written) and carries the local-activity options.
func (c *Case) io(ctx workflow.Context) workflow.Context {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	return workflow.WithLocalActivityOptions(ctx, projectOptions)
}

// finish closes every task still open or paused and marks the case closed.
func (c *Case) finish(ctx workflow.Context, state string) {
	now := workflow.Now(ctx)
	for _, t := range c.tasks {
		if t.State == TaskOpen || t.State == TaskPaused {
			c.cancelTask(ctx, t, now)
		}
	}
	c.closing = true
	c.view.State = state
	c.view.Closed = true
	c.view.ClosedAt = &now
	c.view.Warning = WarningNone
	c.Event(ctx, Event{Kind: EventClosed, Detail: state})
	c.pending.caseChanged = true
}

// ID is the case id.
func (c *Case) ID() string { return c.info.ID }

// Info returns what the case was started with.
func (c *Case) Info() CaseInfo { return c.info }

// View gives the process the case row to change (state, category, certificate number...);
// changes are written at the next Commit.
func (c *Case) View() *CaseView {
	c.pending.caseChanged = true
	return &c.view
}

// SetState moves the case to state at step (key and display name).
func (c *Case) SetState(state, step, stepName string) {
	v := c.View()
	v.State, v.CurrentStep, v.StepName = state, step, stepName
}

// AllowWithdraw opens or closes the applicant's right to withdraw (撤回).
func (c *Case) AllowWithdraw(allowed bool) { c.withdrawable = allowed }

// Event appends a timeline entry; ID and time are filled in.
func (c *Case) Event(ctx workflow.Context, e Event) {
	c.seq.Event++
	e.ID = fmt.Sprintf("%s-e%d", c.info.ID, c.seq.Event)
	e.CaseID = c.info.ID
	if e.At.IsZero() {
		e.At = workflow.Now(ctx)
	}
	c.pending.events = append(c.pending.events, e)
}

// Audit appends a decision to the audit log; its key makes retried writes idempotent.
func (c *Case) Audit(ctx workflow.Context, actor Actor, action, object, outcome, reason string) {
	c.seq.Audit++
	c.pending.audit = append(c.pending.audit, AuditEntry{
		DedupeKey:  fmt.Sprintf("%s-a%d", c.info.ID, c.seq.Audit),
		At:         workflow.Now(ctx),
		Actor:      actor.Username,
		Role:       actor.Role,
		Department: actor.Department,
		Action:     action,
		Object:     object,
		Outcome:    outcome,
		Reason:     reason,
	})
}

// Notify puts a notification in the recipients' inboxes at the next Commit.
func (c *Case) Notify(kind, taskID, title, body string, to ...Recipient) {
	if len(to) == 0 {
		return
	}
	c.seq.Notice++
	c.pending.notifications = append(c.pending.notifications, NotificationRequest{
		Key:    fmt.Sprintf("%s-n%d", c.info.ID, c.seq.Notice),
		Kind:   kind,
		To:     to,
		CaseID: c.info.ID,
		TaskID: taskID,
		Title:  title,
		Body:   body,
	})
}

// Applicant is the recipient for the case's applicant.
func (c *Case) Applicant() Recipient { return Recipient{Username: c.info.Applicant.Username} }

// Commit writes everything changed since the last Commit to the read model in one local
// activity, and hands notifications that leave the system to durable delivery workflows.
func (c *Case) Commit(ctx workflow.Context) error {
	p := c.takePending()
	if p == nil {
		return nil
	}
	ctx = c.io(ctx)
	c.index(ctx)
	var res ProjectionResult
	if err := workflow.ExecuteLocalActivity(ctx, ActivityProject, *p).Get(ctx, &res); err != nil {
		c.logger.Error("read-model projection failed", "case", c.info.ID, "err", err)
		return err
	}
	for _, d := range res.Deliveries {
		c.startDelivery(ctx, d)
	}
	return nil
}

// index upserts the search attributes that changed.
func (c *Case) index(ctx workflow.Context) {
	now := [4]string{c.view.Process, c.view.State, c.view.CurrentStep, string(c.view.Category)}
	if now == c.indexed {
		return
	}
	keys := []temporal.SearchAttributeKeyKeyword{SearchProcess, SearchState, SearchStep, SearchCategory}
	var updates []temporal.SearchAttributeUpdate
	for i, k := range keys {
		if now[i] != c.indexed[i] && now[i] != "" {
			updates = append(updates, k.ValueSet(now[i]))
		}
	}
	c.indexed = now
	if len(updates) > 0 {
		if err := workflow.UpsertTypedSearchAttributes(ctx, updates...); err != nil {
			c.logger.Warn("search attributes not updated", "case", c.info.ID, "err", err)
		}
	}
}

func (c *Case) takePending() *Projection {
	w := &c.pending
	if !w.caseChanged && len(w.tasks) == 0 && len(w.events) == 0 && len(w.audit) == 0 && len(w.notifications) == 0 &&
		len(w.attachments) == 0 {
		return nil
	}
	p := &Projection{Events: w.events, Audit: w.audit, Notifications: w.notifications, Attachments: w.attachments}
	c.view.Rev++
	c.view.Warning = c.worstWarning()
	view := c.view
	p.Case = &view
	for _, t := range w.tasks {
		t.dirty = false
		p.Tasks = append(p.Tasks, t.TaskView)
	}
	c.pending = pendingWrites{}
	return p
}

func (c *Case) worstWarning() string {
	worst := WarningNone
	for _, t := range c.tasks {
		if t.State != TaskOpen {
			continue
		}
		if t.Warning == WarningRed {
			return WarningRed
		}
		if t.Warning == WarningYellow {
			worst = WarningYellow
		}
	}
	return worst
}

func (c *Case) startDelivery(ctx workflow.Context, d Delivery) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        DeliveryWorkflowID(d.Key),
		ParentClosePolicy: parentClosePolicyAbandon,
	})
	f := workflow.ExecuteChildWorkflow(ctx, DeliverNotification, d)
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		c.logger.Warn("notification delivery not started", "key", d.Key, "err", err)
	}
}

// schedule asks the calendar for the alarms of each request, in order.
func (c *Case) Deadlines(ctx workflow.Context, reqs ...ScheduleRequest) []Schedule {
	ctx = c.io(ctx)
	var out []Schedule
	if err := workflow.ExecuteLocalActivity(ctx, ActivitySchedule, reqs).Get(ctx, &out); err != nil {
		c.logger.Error("deadline schedule failed", "case", c.info.ID, "err", err)
	}
	if len(out) != len(reqs) {
		out = make([]Schedule, len(reqs))
	}
	for _, s := range out {
		if s.Fallback != "" {
			c.Event(ctx, Event{Kind: EventCalendar, Detail: s.Fallback})
			break
		}
	}
	return out
}

// measure asks the calendar how many working days each interval holds.
func (c *Case) WorkingDays(ctx workflow.Context, intervals []Interval) []float64 {
	if len(intervals) == 0 {
		return nil
	}
	ctx = c.io(ctx)
	var r MeasureResult
	if err := workflow.ExecuteLocalActivity(ctx, ActivityMeasure, MeasureRequest{Intervals: intervals}).Get(ctx, &r); err != nil {
		c.logger.Error("working-time measure failed", "case", c.info.ID, "err", err)
	}
	if len(r.WorkingDays) != len(intervals) {
		return make([]float64, len(intervals))
	}
	return r.WorkingDays
}

// wait blocks the calling process coroutine until cond holds (or timeout passes, if positive).
// While it blocks, the coroutine counts as waiting: once every process coroutine waits on a
// condition that does not hold, the case has settled for update handlers waiting to answer.
func (c *Case) Wait(ctx workflow.Context, timeout time.Duration, cond func() bool) (bool, error) {
	c.waiterSeq++
	id := c.waiterSeq
	c.waiters = append(c.waiters, waiter{id: id, cond: cond})
	c.active--
	defer func() {
		c.active++
		c.waiters = slices.DeleteFunc(c.waiters, func(w waiter) bool { return w.id == id })
	}()
	if timeout > 0 {
		return workflow.AwaitWithTimeout(ctx, timeout, cond)
	}
	if timeout < 0 { // already past
		return cond(), nil
	}
	return true, workflow.Await(ctx, cond)
}

// settled reports whether the process has absorbed every change: it is closed, or each of its
// coroutines waits on a condition that does not hold yet.
func (c *Case) settled() bool {
	if c.closed {
		return true
	}
	if c.active > 0 {
		return false
	}
	for _, w := range c.waiters {
		if w.cond() {
			return false
		}
	}
	return true
}

// settle makes an update handler wait until the process has absorbed what the handler
// changed, so that the caller reads a read model that already shows the consequences (the
// next step's tasks, the closed case).
func (c *Case) settle(ctx workflow.Context) {
	_ = workflow.Await(ctx, c.settled)
}

// Go runs fn as another process coroutine beside the body, for steps that run at the same
// time (a pairing's open demands while it waits for the next contact). The case settles only
// when fn waits too; the future resolves with fn's error once it returns.
func (c *Case) Go(ctx workflow.Context, fn func(ctx workflow.Context) error) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	c.active++
	workflow.Go(ctx, func(ctx workflow.Context) {
		err := fn(ctx)
		c.active--
		set.Set(nil, err)
	})
	return f
}

// Join waits until every future (of Go) is ready and returns the first error among them. The
// body must join its coroutines through Join, not Future.Get, so that the case counts as
// settled while it waits.
func (c *Case) Join(ctx workflow.Context, futures ...workflow.Future) error {
	if _, err := c.Wait(ctx, 0, func() bool {
		for _, f := range futures {
			if !f.IsReady() {
				return false
			}
		}
		return true
	}); err != nil {
		return err
	}
	var errs []error
	for _, f := range futures {
		errs = append(errs, f.Get(ctx, nil))
	}
	return errors.Join(errs...)
}

// Status is the live state answered by QueryStatus.
func (c *Case) Status() CaseStatus {
	s := CaseStatus{
		CaseID:      c.info.ID,
		State:       c.view.State,
		CurrentStep: c.view.CurrentStep,
		StepName:    c.view.StepName,
		Closed:      c.closed,
		OpenTasks:   []TaskView{},
	}
	for _, t := range c.tasks {
		if t.State == TaskOpen {
			s.OpenTasks = append(s.OpenTasks, t.TaskView)
		}
	}
	return s
}

func (c *Case) taskByID(id string) *task {
	for _, t := range c.tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func (c *Case) stepByKey(key string) *stepRun {
	for i := len(c.steps) - 1; i >= 0; i-- {
		if c.steps[i].spec.Key == key {
			return c.steps[i]
		}
	}
	return nil
}

func (c *Case) touch(t *task) {
	t.Rev++
	if !t.dirty {
		t.dirty = true
		c.pending.tasks = append(c.pending.tasks, t)
	}
}
