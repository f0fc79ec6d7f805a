package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
)

// DefaultContinueAfterEvents is the history length past which a case continues as new even if
// the server has not suggested it yet. Temporal's hard limits are far higher (50,000 events);
// a short history keeps replays after a worker restart fast.
const DefaultContinueAfterEvents = 2000

// Sequences number what a case writes: task ids, timeline event ids, notification keys and
// audit dedupe keys are "<case>-t<n>", "-e<n>", "-n<n>", "-a<n>". They run on across runs, so
// that no id is ever reused and no write is silently dropped as a duplicate.
type Sequences struct {
	Task   int `json:"task"`
	Event  int `json:"event"`
	Notice int `json:"notice"`
	Audit  int `json:"audit"`
}

// CaseSnapshot is the engine's whole state of a case, handed from one run to the next by
// continue-as-new: the case row, every step and task with its signers, deadlines and warnings,
// the row revisions and the sequences. Open tasks stay open; their alarms are re-armed from
// their schedules, so a timer that was pending fires at the same time in the next run.
type CaseSnapshot struct {
	View         CaseView       `json:"view"`
	Seq          Sequences      `json:"seq"`
	Steps        []StepSnapshot `json:"steps"`
	Tasks        []TaskSnapshot `json:"tasks"`
	Withdrawable bool           `json:"withdrawable"`
	Indexed      [4]string      `json:"indexed"`
	// Runs is how many runs came before the one that starts from this snapshot.
	Runs int `json:"runs"`
}

// StepSnapshot is one step run as carried over.
type StepSnapshot struct {
	Spec      StepSpec         `json:"spec"`
	Round     int              `json:"round"`
	Status    string           `json:"status"`
	Next      int              `json:"next"`
	Result    *StepResult      `json:"result,omitempty"`
	Decisions []Decision       `json:"decisions,omitempty"`
	Signers   []SignerSnapshot `json:"signers"`
}

// SignerSnapshot is one signer of a step as carried over.
type SignerSnapshot struct {
	Signer   Signer         `json:"signer"`
	Consumed float64        `json:"consumed"`
	Attempts int            `json:"attempts"`
	Task     string         `json:"task,omitempty"`
	Verdict  domain.Outcome `json:"verdict,omitempty"`
}

// TaskSnapshot is one task as carried over, with the step and signer it belongs to.
type TaskSnapshot struct {
	View      TaskView  `json:"view"`
	Step      int       `json:"step"`
	Signer    int       `json:"signer"`
	Schedule  Schedule  `json:"schedule"`
	ClockFrom time.Time `json:"clock_from"`
}

// Runs is how many runs of this case came before the current one.
func (c *Case) Runs() int { return c.runs }

// ShouldContinueAsNew says whether the process should hand over to a new run at its next safe
// point: the server suggests it, or the history has grown past the case's limit.
func (c *Case) ShouldContinueAsNew(ctx workflow.Context) bool {
	info := workflow.GetInfo(ctx)
	limit := c.info.ContinueAfterEvents
	if limit <= 0 {
		limit = DefaultContinueAfterEvents
	}
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() >= limit
}

// ContinueAsNew ends this run and starts the next one of the same workflow with the input that
// next builds from the engine's snapshot. Before it hands over it lets every update handler in
// flight answer (an update is never lost in the hand-over) and writes everything pending to
// the read model. Return its error from the process body.
func (c *Case) ContinueAsNew(ctx workflow.Context, wf any, next func(CaseSnapshot) any) error {
	if c.correction != nil {
		return errors.New("a case cannot continue as new while it waits for the applicant's correction")
	}
	// Waiting here counts as settled, so handlers blocked in settle can answer and finish.
	if _, err := c.Wait(ctx, 0, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if err := c.Commit(ctx); err != nil {
		return err
	}
	return workflow.NewContinueAsNewError(ctx, wf, next(c.snapshot()))
}

// snapshot captures the engine's state for the next run.
func (c *Case) snapshot() CaseSnapshot {
	snap := CaseSnapshot{View: c.view, Seq: c.seq, Withdrawable: c.withdrawable, Indexed: c.indexed, Runs: c.runs + 1}
	stepIndex := map[*stepRun]int{}
	signerIndex := map[*signer]int{}
	for i, s := range c.steps {
		stepIndex[s] = i
		ss := StepSnapshot{Spec: s.spec, Round: s.round, Status: s.status, Next: s.next, Result: s.result, Decisions: s.decisions}
		for j, sg := range s.signers {
			signerIndex[sg] = j
			sn := SignerSnapshot{Signer: sg.Signer, Consumed: sg.consumed, Attempts: sg.attempts, Verdict: sg.verdict}
			if sg.task != nil {
				sn.Task = sg.task.ID
			}
			ss.Signers = append(ss.Signers, sn)
		}
		snap.Steps = append(snap.Steps, ss)
	}
	for _, t := range c.tasks {
		snap.Tasks = append(snap.Tasks, TaskSnapshot{View: t.TaskView, Step: stepIndex[t.step], Signer: signerIndex[t.signer],
			Schedule: t.sched, ClockFrom: t.clockFrom})
	}
	return snap
}

// restore takes up the state of the previous run and re-arms the alarms of open tasks.
func (c *Case) restore(snap CaseSnapshot) {
	c.view, c.seq, c.withdrawable, c.indexed, c.runs = snap.View, snap.Seq, snap.Withdrawable, snap.Indexed, snap.Runs
	for _, ss := range snap.Steps {
		s := &stepRun{spec: ss.Spec, round: ss.Round, status: ss.Status, next: ss.Next, result: ss.Result,
			decisions: ss.Decisions, restored: ss.Status == stepRunning}
		for _, sn := range ss.Signers {
			s.signers = append(s.signers, &signer{Signer: sn.Signer, consumed: sn.Consumed, attempts: sn.Attempts, verdict: sn.Verdict})
		}
		c.steps = append(c.steps, s)
	}
	for _, ts := range snap.Tasks {
		s := c.steps[ts.Step]
		t := &task{TaskView: ts.View, step: s, signer: s.signers[ts.Signer], sched: ts.Schedule, clockFrom: ts.ClockFrom}
		c.tasks = append(c.tasks, t)
	}
	for i, ss := range snap.Steps {
		for j, sn := range ss.Signers {
			if sn.Task != "" {
				c.steps[i].signers[j].task = c.taskByID(sn.Task)
			}
		}
	}
	for _, t := range c.tasks {
		if t.State == TaskOpen && !t.sched.Deadline.IsZero() {
			c.watch(t)
		}
	}
}
