package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
)

// Mode is how the signers of a step decide together.
type Mode string

// Step modes.
const (
	ModeSingle      Mode = "single"      // one signer decides
	ModeSequential  Mode = "sequential"  // signers in order; each must approve before the next
	ModeCountersign Mode = "countersign" // 会签: all must approve; one rejection decides unless WaitForAll
	ModeAnyOf       Mode = "any_of"      // 或签: the first decision decides for all
	ModeVote        Mode = "vote"        // 票签: Threshold approvals carry the step
)

// Signer is who works one task of a step: anyone holding Role in Department, or one named user.
type Signer struct {
	Department string
	Role       string  // default RoleApprover
	User       string  // username; empty: any holder of Role in Department may claim the task
	LimitDays  float64 // working days; 0: the step's LimitDays
}

// OutcomeRule offers one outcome on a step and says which class it counts as.
type OutcomeRule struct {
	Outcome        domain.Outcome
	Class          domain.Outcome // OutcomeApprove, OutcomeReject or OutcomeReturn
	ReasonRequired bool
}

// DefaultOutcomes: approve; reject and return, each with a reason.
var DefaultOutcomes = []OutcomeRule{
	{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove},
	{Outcome: domain.OutcomeReject, Class: domain.OutcomeReject, ReasonRequired: true},
	{Outcome: domain.OutcomeReturn, Class: domain.OutcomeReturn, ReasonRequired: true},
}

// StepSpec declares one approval step of a process.
type StepSpec struct {
	Key   string // stable within the process: "window", "review", "signoff"
	Name  string // what people see: 窗口受理, 部门会签
	State string // the case state while this step runs (optional)
	Mode  Mode
	// Signers in order (the order matters for ModeSequential).
	Signers []Signer
	// Threshold is the number of approvals that carry a ModeVote step.
	Threshold int
	// WaitForAll makes a countersign collect every signer's opinion before deciding; by default
	// the first rejection decides at once.
	WaitForAll bool
	// LimitDays is each task's time limit in working days (0: no deadline).
	LimitDays float64
	// YellowShare of the limit after which a task turns yellow (0: configured default).
	YellowShare float64
	// LGODelayDays after the deadline before escalating to the leading-group office
	// (0: configured default, negative: never).
	LGODelayDays float64
	// Outcomes offered (nil: DefaultOutcomes).
	Outcomes []OutcomeRule
	// ReturnTargets are earlier steps a return may send the case to, besides the applicant.
	ReturnTargets []string
	// CC receive a copy (抄送) when the step ends.
	CC []Recipient
	// Check is the process's own rule on a decision (e.g. a downgrade must name a lower
	// category); it runs in the update validator and must not block.
	Check func(Decision) error `json:"-"`
}

func (s *StepSpec) outcomes() []OutcomeRule {
	if s.Outcomes == nil {
		return DefaultOutcomes
	}
	return s.Outcomes
}

func (s *StepSpec) rule(o domain.Outcome) (OutcomeRule, bool) {
	for _, r := range s.outcomes() {
		if r.Outcome == o {
			return r, true
		}
	}
	return OutcomeRule{}, false
}

func (s *StepSpec) validate() error {
	var errs []error
	if s.Key == "" || s.Name == "" {
		errs = append(errs, errors.New("step needs a key and a name"))
	}
	if len(s.Signers) == 0 {
		errs = append(errs, fmt.Errorf("step %s has no signers", s.Key))
	}
	switch s.Mode {
	case ModeSingle:
		if len(s.Signers) != 1 {
			errs = append(errs, fmt.Errorf("single step %s needs exactly one signer", s.Key))
		}
	case ModeVote:
		if s.Threshold < 1 || s.Threshold > len(s.Signers) {
			errs = append(errs, fmt.Errorf("vote step %s: threshold %d out of 1..%d", s.Key, s.Threshold, len(s.Signers)))
		}
	case ModeSequential, ModeCountersign, ModeAnyOf:
	default:
		errs = append(errs, fmt.Errorf("step %s: unknown mode %q", s.Key, s.Mode))
	}
	for _, sg := range s.Signers {
		if sg.Department == "" {
			errs = append(errs, fmt.Errorf("step %s: a signer has no department", s.Key))
		}
	}
	return errors.Join(errs...)
}

// StepResult is how a step ended: the deciding outcome and who decided.
type StepResult struct {
	Step     string
	Outcome  domain.Outcome // as chosen (e.g. downgrade)
	Class    domain.Outcome // approve, reject or return
	ReturnTo string         // for a return: ReturnToApplicant or a step key
	Comment  string
	Category domain.Category // for a downgrade
	By       Actor
	// Decisions are every decision taken in this run of the step, in order.
	Decisions []Decision
}

const (
	stepRunning   = "running"
	stepSuspended = "suspended" // returned; resumes where it stopped
	stepDone      = "done"
)

type stepRun struct {
	spec      StepSpec
	round     int
	status    string
	signers   []*signer
	next      int // ModeSequential: index of the signer at work
	result    *StepResult
	decisions []Decision
	// restored: carried over from the previous run, not yet taken up by the process body.
	restored bool
}

type signer struct {
	Signer
	// consumed working days of this signer's limit, over earlier openings of its task
	consumed float64
	attempts int
	task     *task
	verdict  domain.Outcome // "", approve or reject
}

func (sg *signer) limit(s *stepRun) float64 {
	if sg.LimitDays > 0 {
		return sg.LimitDays
	}
	return s.spec.LimitDays
}

type task struct {
	TaskView
	step   *stepRun
	signer *signer
	sched  Schedule
	// clockFrom is when this task's time limit last started running.
	clockFrom time.Time
	stopWatch workflow.CancelFunc
	dirty     bool
}

// RunStep runs one approval step to its result. A step that ended in a return is suspended:
// running it again resumes it where it stopped (the returning signer gets a new task, paused
// tasks reopen, approvals already given stand), with the working time used so far deducted
// from each limit.
func (c *Case) RunStep(ctx workflow.Context, spec StepSpec) (StepResult, error) {
	if err := spec.validate(); err != nil {
		return StepResult{}, err
	}
	s := c.stepByKey(spec.Key)
	var opened []*task
	switch {
	case s != nil && s.restored && s.status == stepRunning:
		// Carried over by continue-as-new: its tasks and their timers are already live; the
		// process body takes the step up again where the last run left it.
		s.restored = false
		s.spec = spec
	case s != nil && s.status == stepRunning:
		return StepResult{}, fmt.Errorf("step %s is already running", spec.Key)
	case s == nil || s.status != stepSuspended:
		round := 1
		if s != nil {
			round = s.round + 1
		}
		s = &stepRun{spec: spec, round: round, status: stepRunning}
		for _, sg := range spec.Signers {
			if sg.Role == "" {
				sg.Role = RoleApprover
			}
			s.signers = append(s.signers, &signer{Signer: sg})
		}
		c.steps = append(c.steps, s)
		c.Event(ctx, Event{Kind: EventStepOpened, Step: spec.Key, Detail: fmt.Sprintf("%s (%s, round %d)", spec.Name, spec.Mode, round)})
		if spec.Mode == ModeSingle || spec.Mode == ModeSequential {
			opened = append(opened, c.openTask(ctx, s, s.signers[0]))
		} else {
			for _, sg := range s.signers {
				opened = append(opened, c.openTask(ctx, s, sg))
			}
		}
	default:
		s.status, s.result = stepRunning, nil
		opened = c.resumeStep(ctx, s)
	}
	if spec.State != "" {
		c.view.State = spec.State
	}
	c.view.CurrentStep, c.view.StepName = spec.Key, spec.Name
	c.pending.caseChanged = true
	c.arm(ctx, opened...)
	if err := c.Commit(ctx); err != nil {
		return StepResult{}, err
	}

	if _, err := c.Wait(ctx, 0, func() bool { return s.result != nil }); err != nil {
		return StepResult{}, err
	}
	res := *s.result
	if res.Class == domain.OutcomeReturn {
		s.status = stepSuspended
	} else {
		s.status = stepDone
		if len(spec.CC) > 0 {
			c.Notify(NotifyCC, res.Decisions[len(res.Decisions)-1].TaskID,
				fmt.Sprintf("抄送：%s「%s」%s", c.info.Title, spec.Name, res.Outcome.Label()), res.Comment, spec.CC...)
			if err := c.Commit(ctx); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}

// resumeStep reopens a suspended step: paused tasks reopen, and signers whose task ended in
// the return get a new one.
func (c *Case) resumeStep(ctx workflow.Context, s *stepRun) []*task {
	var opened []*task
	now := workflow.Now(ctx)
	for i, sg := range s.signers {
		if sg.verdict != "" || (s.spec.Mode == ModeSequential && i != s.next) {
			continue
		}
		if sg.task != nil && sg.task.State == TaskPaused {
			t := sg.task
			t.State, t.clockFrom = TaskOpen, now
			c.touch(t)
			opened = append(opened, t)
			continue
		}
		opened = append(opened, c.openTask(ctx, s, sg))
	}
	c.Event(ctx, Event{Kind: EventStepOpened, Step: s.spec.Key, Detail: s.spec.Name + " (resumed)"})
	return opened
}

// openTask creates the task of one signer (its deadline comes from arm).
func (c *Case) openTask(ctx workflow.Context, s *stepRun, sg *signer) *task {
	c.seq.Task++
	sg.attempts++
	now := workflow.Now(ctx)
	t := &task{
		TaskView: TaskView{
			ID:         fmt.Sprintf("%s-t%d", c.info.ID, c.seq.Task),
			CaseID:     c.info.ID,
			Process:    c.info.Process,
			Step:       s.spec.Key,
			StepName:   s.spec.Name,
			Attempt:    sg.attempts,
			Mode:       s.spec.Mode,
			Department: sg.Department,
			Role:       sg.Role,
			Assignee:   sg.User,
			State:      TaskOpen,
			OpenedAt:   now,
		},
		step:      s,
		signer:    sg,
		clockFrom: now,
	}
	for _, r := range s.spec.outcomes() {
		t.Outcomes = append(t.Outcomes, r.Outcome)
		if r.Class == domain.OutcomeReturn && t.ReturnTargets == nil {
			t.ReturnTargets = append([]string{ReturnToApplicant}, s.spec.ReturnTargets...)
		}
	}
	sg.task = t
	c.tasks = append(c.tasks, t)
	c.touch(t)
	c.Event(ctx, Event{Kind: EventTaskOpened, TaskID: t.ID, Step: t.Step, Department: t.Department, Actor: t.Assignee})
	c.Notify(NotifyAssigned, t.ID, fmt.Sprintf("新待办：%s「%s」", c.info.Title, s.spec.Name), "", c.workers(t))
	return t
}

// workers is who should act on t: its assignee, else every holder of its role in its department.
func (c *Case) workers(t *task) Recipient {
	if t.Assignee != "" {
		return Recipient{Username: t.Assignee}
	}
	return Recipient{Department: t.Department, Role: t.Role}
}

// arm computes the deadlines of freshly opened tasks in one calendar call and starts their
// warning timers.
func (c *Case) arm(ctx workflow.Context, tasks ...*task) {
	var reqs []ScheduleRequest
	var armed []*task
	for _, t := range tasks {
		limit := t.signer.limit(t.step)
		if limit <= 0 {
			continue
		}
		reqs = append(reqs, ScheduleRequest{
			Start:        t.clockFrom,
			LimitDays:    limit,
			ConsumedDays: t.signer.consumed,
			YellowShare:  t.step.spec.YellowShare,
			LGODelayDays: t.step.spec.LGODelayDays,
		})
		armed = append(armed, t)
	}
	if len(reqs) == 0 {
		return
	}
	for i, sched := range c.Deadlines(ctx, reqs...) {
		t := armed[i]
		if t.State != TaskOpen { // decided while the calendar answered
			continue
		}
		t.sched = sched
		t.Deadline = TimePtr(sched.Deadline)
		t.YellowAt = TimePtr(sched.YellowAt)
		c.touch(t)
		c.watch(t)
	}
}

// applyDecision records a decision and applies the step's mode. It never blocks, so that a
// concurrent update's validator already sees the task closed; it returns the tasks the
// decision opened (to arm) and paused (to measure).
func (c *Case) applyDecision(ctx workflow.Context, t *task, rule OutcomeRule, d Decision) (opened, paused []*task) {
	now := workflow.Now(ctx)
	s, sg := t.step, t.signer
	c.closeTask(t, TaskDone, now)
	t.Outcome, t.Comment, t.DecidedBy, t.DecidedAt = d.Outcome, d.Comment, d.Actor.Username, &now
	if t.Assignee == "" {
		t.Assignee = d.Actor.Username
	}
	s.decisions = append(s.decisions, d)
	for _, sum := range d.Attachments {
		c.pending.attachments = append(c.pending.attachments, AttachmentLink{CaseID: c.info.ID, TaskID: t.ID, SHA256: sum,
			AddedBy: d.Actor.UserID, At: now})
	}
	c.Event(ctx, Event{Kind: EventDecision, TaskID: t.ID, Step: t.Step, Actor: d.Actor.Username, Role: d.Actor.Role,
		Department: d.Actor.Department, Outcome: d.Outcome, Comment: d.Comment, Detail: decisionDetail(d)})
	c.Audit(ctx, d.Actor, "task."+string(d.Outcome), "task/"+t.ID, string(rule.Class), d.Comment)

	decide := func(class domain.Outcome, by Decision) {
		s.result = &StepResult{Step: s.spec.Key, Outcome: by.Outcome, Class: class, ReturnTo: by.ReturnTo,
			Comment: by.Comment, Category: by.Category, By: by.Actor, Decisions: slices.Clone(s.decisions)}
		if class == domain.OutcomeReturn && s.result.ReturnTo == "" {
			s.result.ReturnTo = ReturnToApplicant
		}
	}
	if rule.Class == domain.OutcomeReturn {
		decide(domain.OutcomeReturn, d)
		paused = append(c.pauseOthers(ctx, s, now), t)
		return nil, paused
	}
	sg.verdict = rule.Class

	switch s.spec.Mode {
	case ModeSingle, ModeAnyOf:
		decide(rule.Class, d)
	case ModeSequential:
		if rule.Class == domain.OutcomeReject || s.next == len(s.signers)-1 {
			decide(rule.Class, d)
		} else {
			s.next++
			opened = append(opened, c.openTask(ctx, s, s.signers[s.next]))
		}
	case ModeCountersign:
		if rule.Class == domain.OutcomeReject && !s.spec.WaitForAll {
			decide(domain.OutcomeReject, d)
			break
		}
		if all, firstReject := s.tally(); all {
			if firstReject != nil {
				decide(domain.OutcomeReject, *firstReject)
			} else {
				decide(domain.OutcomeApprove, d)
			}
		}
	case ModeVote:
		approvals, rejections := s.count()
		switch {
		case approvals >= s.spec.Threshold:
			decide(domain.OutcomeApprove, d)
		case rejections > len(s.signers)-s.spec.Threshold:
			decide(domain.OutcomeReject, d)
		}
	}
	if s.result != nil {
		c.cancelOthers(ctx, s, now)
	}
	return opened, nil
}

// tally reports whether every signer has decided, and the first rejection if any.
func (s *stepRun) tally() (all bool, firstReject *Decision) {
	for _, sg := range s.signers {
		if sg.verdict == "" {
			return false, nil
		}
	}
	for i := range s.decisions {
		if r, _ := s.spec.rule(s.decisions[i].Outcome); r.Class == domain.OutcomeReject {
			return true, &s.decisions[i]
		}
	}
	return true, nil
}

func (s *stepRun) count() (approvals, rejections int) {
	for _, sg := range s.signers {
		switch sg.verdict {
		case domain.OutcomeApprove:
			approvals++
		case domain.OutcomeReject:
			rejections++
		}
	}
	return approvals, rejections
}

// pauseOthers pauses the step's other open tasks while the case is returned.
func (c *Case) pauseOthers(ctx workflow.Context, s *stepRun, now time.Time) []*task {
	var paused []*task
	for _, t := range c.tasks {
		if t.step == s && t.State == TaskOpen {
			c.closeTask(t, TaskPaused, now)
			paused = append(paused, t)
		}
	}
	return paused
}

// cancelOthers ends the step's remaining open tasks once the step has its result.
func (c *Case) cancelOthers(ctx workflow.Context, s *stepRun, now time.Time) {
	for _, t := range c.tasks {
		if t.step == s && (t.State == TaskOpen || t.State == TaskPaused) {
			c.cancelTask(ctx, t, now)
		}
	}
}

func (c *Case) cancelTask(ctx workflow.Context, t *task, now time.Time) {
	c.closeTask(t, TaskCancelled, now)
	c.Event(ctx, Event{Kind: EventClosed, TaskID: t.ID, Step: t.Step, Department: t.Department, Detail: "task cancelled"})
}

// closeTask takes a task out of the open state and stops its warning timers.
func (c *Case) closeTask(t *task, state string, now time.Time) {
	t.State = state
	if t.stopWatch != nil {
		t.stopWatch()
		t.stopWatch = nil
	}
	c.touch(t)
}

// recordConsumed adds the working time each task's clock ran to its signer's account.
func (c *Case) recordConsumed(ctx workflow.Context, tasks []*task) {
	if len(tasks) == 0 {
		return
	}
	now := workflow.Now(ctx)
	intervals := make([]Interval, len(tasks))
	for i, t := range tasks {
		intervals[i] = Interval{From: t.clockFrom, To: now}
	}
	for i, days := range c.WorkingDays(ctx, intervals) {
		tasks[i].signer.consumed += days
	}
}

func decisionDetail(d Decision) string {
	switch {
	case d.Category != "":
		return "category → " + string(d.Category)
	case d.Outcome == domain.OutcomeReturn && d.ReturnTo != "" && d.ReturnTo != ReturnToApplicant:
		return "returned to step " + d.ReturnTo
	}
	return ""
}

func TimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
