package workflows_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// cyclesInput drives cyclesProcess, a years-long process in miniature: one confirmation step
// per cycle, a continue-as-new after each, and a standing step that stays open across them all.
type cyclesInput struct {
	CaseID string
	Cycles int
	Done   int
	Engine *workflows.CaseSnapshot
}

var standingStep = workflows.StepSpec{Key: "standing", Name: "长期事项", Mode: workflows.ModeSingle,
	Signers: []workflows.Signer{{Department: "sci"}}, LimitDays: 12}

func cycleStep(n int) workflows.StepSpec {
	return workflows.StepSpec{Key: fmt.Sprintf("cycle%d", n), Name: fmt.Sprintf("第%d期确认", n), Mode: workflows.ModeSingle,
		Signers: []workflows.Signer{{Department: "hrss"}}, LimitDays: 3}
}

func cyclesProcess(ctx workflow.Context, in cyclesInput) (string, error) {
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: in.CaseID, Process: "test", Title: "长期案件",
		Applicant: applicant, Restore: in.Engine})
	if err != nil {
		return "", err
	}
	return c.Run(func(ctx workflow.Context) (string, error) {
		standing := c.Go(ctx, func(ctx workflow.Context) error {
			_, err := c.RunStep(ctx, standingStep)
			return err
		})
		for in.Done < in.Cycles {
			if _, err := c.RunStep(ctx, cycleStep(in.Done+1)); err != nil {
				return "", err
			}
			in.Done++
			if in.Done < in.Cycles {
				return "", c.ContinueAsNew(ctx, "CyclesProcess", func(s workflows.CaseSnapshot) any {
					in.Engine = &s
					return in
				})
			}
		}
		if err := c.Join(ctx, standing); err != nil {
			return "", err
		}
		return "done", nil
	})
}

// TestCaseContinuesAsNewWithoutLosingOrDuplicatingAnything runs a case through three
// continue-as-new hand-overs. Each run has a decision, yellow and red warnings and their
// notifications; a task opened in the first run stays open throughout, and its alarms, armed in
// run 1, fire in runs 2 and 3. Updates sent at the moment of the hand-over are answered.
func TestCaseContinuesAsNewWithoutLosingOrDuplicatingAnything(t *testing.T) {
	rm := newReadModel()
	in := cyclesInput{CaseID: "case_long", Cycles: 4}
	start := at("2026-03-02 09:00") // a Monday
	var standingID string
	var replies []*reply
	var runs []int
	for run := 1; ; run++ {
		require.LessOrEqual(t, run, 4, "the case should have finished after four runs")
		h := newHarnessOn(t, start, rm)
		h.env.RegisterWorkflowWithOptions(cyclesProcess, workflow.RegisterOptions{Name: "CyclesProcess"})
		cycle := fmt.Sprintf("cycle%d", run)
		h.after(8*24*time.Hour, func() {
			standingID = h.rm.task(t, "standing", "sci").ID
			h.decide(cycle, "hrss", domain.OutcomeApprove, "", hrssAlice)
			// Sent at the same moment: the decision ends the run, these must not be lost.
			switch run {
			case 2:
				h.ok(workflows.UpdateUrge, workflows.Urge{TaskID: standingID, Comment: "请尽快办理", Actor: lgoStaff})
			case 3:
				h.ok(workflows.UpdateClaim, workflows.TaskAction{TaskID: standingID, Actor: sciCarol})
			case 4:
				h.ok(workflows.UpdateDecide, workflows.Decision{TaskID: standingID, Outcome: domain.OutcomeApprove, Actor: sciCarol})
			}
		})
		h.env.ExecuteWorkflow("CyclesProcess", in)
		require.True(t, h.env.IsWorkflowCompleted())
		replies = append(replies, h.replies...)
		if in.Engine != nil {
			runs = append(runs, in.Engine.Runs)
		}
		err := h.env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if run < 4 {
			require.ErrorAs(t, err, &can, "run %d continues as new", run)
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			start = h.env.Now()
			continue
		}
		require.NoError(t, err)
		var state string
		require.NoError(t, h.env.GetWorkflowResult(&state))
		assert.Equal(t, "done", state)
		break
	}
	for _, r := range replies {
		require.True(t, r.done, "update %s answered", r.name)
		require.NoError(t, r.err, "update %s", r.name)
	}
	assert.Equal(t, []int{1, 2, 3}, runs, "each snapshot counts the runs before it")

	assert.Zero(t, rm.eventClashes, "no timeline event id was reused")
	assert.Zero(t, rm.taskClashes, "no task revision was reused")
	sorted := slices.Sorted(slices.Values(rm.caseRevs))
	assert.Equal(t, len(sorted), len(slices.Compact(sorted)), "no case revision was used twice: %v", rm.caseRevs)
	assert.True(t, slices.IsSorted(rm.storedRevs), "the stored case revision only grows: %v", rm.storedRevs)
	assert.Equal(t, sorted[len(sorted)-1], rm.caseView("case_long").Rev)

	keys := map[string]bool{}
	for _, a := range rm.audit {
		assert.False(t, keys[a.DedupeKey], "audit key %s used twice", a.DedupeKey)
		keys[a.DedupeKey] = true
	}
	notices := map[string]bool{}
	for _, n := range rm.notifications {
		assert.False(t, notices[n.Key], "notification key %s used twice", n.Key)
		notices[n.Key] = true
	}

	// Every task: four cycle confirmations and the standing one, all decided.
	require.Len(t, rm.order, 5, rm.describe())
	for _, id := range rm.order {
		assert.Equal(t, workflows.TaskDone, rm.tasks[id].State, id)
	}
	// Each cycle's task turned yellow and red in its own run; the standing task's alarms, armed
	// in run 1, fired on time in later runs.
	assert.Len(t, rm.eventsOf(workflows.EventWarningYellow), 5)
	assert.Len(t, rm.eventsOf(workflows.EventWarningRed), 5)
	standing := rm.tasks[standingID]
	assert.Equal(t, at("2026-03-19 00:00"), standing.Deadline.In(cst), "12 working days from Monday 2 March")
	var standingRed []workflows.Event
	for _, e := range rm.eventsOf(workflows.EventWarningRed) {
		if e.TaskID == standingID {
			standingRed = append(standingRed, e)
		}
	}
	require.Len(t, standingRed, 1)
	assert.Equal(t, at("2026-03-19 00:00"), standingRed[0].At.In(cst), "the red card fired at the deadline, two runs later")
	escalated := 0
	for _, e := range rm.eventsOf(workflows.EventEscalated) {
		if e.TaskID == standingID && e.Detail == "to lgo" {
			escalated++
		}
	}
	assert.Equal(t, 1, escalated, "and the office heard of it once")

	// The updates sent at the hand-overs left their marks.
	actions := map[string]int{}
	for _, a := range rm.audit {
		actions[a.Action]++
	}
	assert.Equal(t, 1, actions["task.urge"])
	assert.Equal(t, 1, actions["task.claim"])
	assert.Equal(t, 5, actions["task.approve"])
	assert.Equal(t, 10, actions["task.escalate"], "each of the five overdue tasks went to its department head, then to the office")
	assert.Equal(t, "done", rm.caseView("case_long").State)
}

// twoStepsProcess opens two independent steps at once, each in its own coroutine.
func twoStepsProcess(ctx workflow.Context, caseID string) (string, error) {
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: caseID, Process: "test", Title: "并行案件", Applicant: applicant})
	if err != nil {
		return "", err
	}
	return c.Run(func(ctx workflow.Context) (string, error) {
		step := func(key, dept string, days float64) workflow.Future {
			return c.Go(ctx, func(ctx workflow.Context) error {
				_, err := c.RunStep(ctx, workflows.StepSpec{Key: key, Name: key, Mode: workflows.ModeSingle,
					Signers: []workflows.Signer{{Department: dept}}, LimitDays: days})
				return err
			})
		}
		if err := c.Join(ctx, step("housing", "hrss", 2), step("lab", "sci", 5)); err != nil {
			return "", err
		}
		return "done", nil
	})
}

func TestTwoStepsWaitAtOnceEachWithItsOwnDeadline(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00")) // a Monday
	h.env.RegisterWorkflowWithOptions(twoStepsProcess, workflow.RegisterOptions{Name: "TwoSteps"})
	var housing, lab workflows.TaskView
	h.after(time.Hour, func() {
		housing, lab = h.rm.task(t, "housing", "hrss"), h.rm.task(t, "lab", "sci")
		assert.Equal(t, workflows.TaskOpen, housing.State)
		assert.Equal(t, workflows.TaskOpen, lab.State)
		assert.Equal(t, at("2026-03-05 00:00"), housing.Deadline.In(cst), "2 working days")
		assert.Equal(t, at("2026-03-10 00:00"), lab.Deadline.In(cst), "5 working days")
		// Deciding one step while the other waits answers at once (the case has settled).
		h.decide("lab", "sci", domain.OutcomeApprove, "", sciCarol)
	})
	h.after(2*time.Hour, func() {
		assert.Equal(t, workflows.TaskDone, h.rm.task(t, "lab", "sci").State)
		assert.Equal(t, workflows.TaskOpen, h.rm.task(t, "housing", "hrss").State, "the other step still waits")
		var status workflows.CaseStatus
		require.NoError(t, queryStatus(h, &status))
		require.Len(t, status.OpenTasks, 1)
		assert.Equal(t, housing.ID, status.OpenTasks[0].ID)
	})
	h.after(4*24*time.Hour, func() { h.decide("housing", "hrss", domain.OutcomeApprove, "", hrssAlice) })
	h.env.ExecuteWorkflow("TwoSteps", "case_two")
	require.True(t, h.env.IsWorkflowCompleted())
	require.NoError(t, h.env.GetWorkflowError())
	h.verify()
	red := h.rm.eventsOf(workflows.EventWarningRed)
	require.Len(t, red, 1, "only the step left waiting past its deadline turned red")
	assert.Equal(t, housing.ID, red[0].TaskID)
	assert.Equal(t, at("2026-03-05 00:00"), red[0].At.In(cst))
	assert.Equal(t, "done", h.rm.caseView("case_two").State)
}

func queryStatus(h *harness, out *workflows.CaseStatus) error {
	v, err := h.env.QueryWorkflow(workflows.QueryStatus)
	if err != nil {
		return err
	}
	return v.Get(out)
}
