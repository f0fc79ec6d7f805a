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
	"talentflow/workflows/workflowtest"
)

// TestCaseContinuesAsNewWithoutLosingOrDuplicatingAnything runs a case through three
// continue-as-new hand-overs. Each run has a decision, yellow and red warnings and their
// notifications; a task opened in the first run stays open throughout, and its alarms, armed in
// run 1, fire in runs 2 and 3. Updates sent at the moment of the hand-over are answered.
func TestCaseContinuesAsNewWithoutLosingOrDuplicatingAnything(t *testing.T) {
	rm := workflowtest.NewReadModel()
	in := workflowtest.CyclesInput{CaseID: "case_long", Cycles: 4}
	start := at("2026-03-02 09:00") // a Monday
	var standingID string
	var replies []*workflowtest.Reply
	var runs []int
	for run := 1; ; run++ {
		require.LessOrEqual(t, run, 4, "the case should have finished after four runs")
		h := newHarnessOn(t, start, rm)
		h.Env.RegisterWorkflowWithOptions(workflowtest.CyclesProcess, workflow.RegisterOptions{Name: workflowtest.CyclesWorkflow})
		cycle := fmt.Sprintf("cycle%d", run)
		h.After(8*24*time.Hour, func() {
			standingID = h.RM.Task(t, "standing", "sci").ID
			h.Decide(cycle, "hrss", domain.OutcomeApprove, "", hrssAlice)
			// Sent at the same moment: the decision ends the run, these must not be lost.
			switch run {
			case 2:
				h.OK(workflows.UpdateUrge, workflows.Urge{TaskID: standingID, Comment: "请尽快办理", Actor: lgoStaff})
			case 3:
				h.OK(workflows.UpdateClaim, workflows.TaskAction{TaskID: standingID, Actor: sciCarol})
			case 4:
				h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: standingID, Outcome: domain.OutcomeApprove, Actor: sciCarol})
			}
		})
		h.Env.ExecuteWorkflow(workflowtest.CyclesWorkflow, in)
		require.True(t, h.Env.IsWorkflowCompleted())
		replies = append(replies, h.Replies...)
		if in.Engine != nil {
			runs = append(runs, in.Engine.Runs)
		}
		err := h.Env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if run < 4 {
			require.ErrorAs(t, err, &can, "run %d continues as new", run)
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			start = h.Env.Now()
			continue
		}
		require.NoError(t, err)
		var state string
		require.NoError(t, h.Env.GetWorkflowResult(&state))
		assert.Equal(t, "done", state)
		break
	}
	for _, r := range replies {
		require.True(t, r.Done, "update %s answered", r.Name)
		require.NoError(t, r.Err, "update %s", r.Name)
	}
	assert.Equal(t, []int{1, 2, 3}, runs, "each snapshot counts the runs before it")

	assert.Zero(t, rm.EventClashes, "no timeline event id was reused")
	assert.Zero(t, rm.TaskClashes, "no task revision was reused")
	sorted := slices.Sorted(slices.Values(rm.CaseRevs))
	assert.Equal(t, len(sorted), len(slices.Compact(sorted)), "no case revision was used twice: %v", rm.CaseRevs)
	assert.True(t, slices.IsSorted(rm.StoredRevs), "the stored case revision only grows: %v", rm.StoredRevs)
	assert.Equal(t, sorted[len(sorted)-1], rm.CaseView("case_long").Rev)

	keys := map[string]bool{}
	for _, a := range rm.Audit {
		assert.False(t, keys[a.DedupeKey], "audit key %s used twice", a.DedupeKey)
		keys[a.DedupeKey] = true
	}
	notices := map[string]bool{}
	for _, n := range rm.Notifications {
		assert.False(t, notices[n.Key], "notification key %s used twice", n.Key)
		notices[n.Key] = true
	}

	// Every task: four cycle confirmations and the standing one, all decided.
	require.Len(t, rm.Order, 5, rm.Describe())
	for _, id := range rm.Order {
		assert.Equal(t, workflows.TaskDone, rm.Tasks[id].State, id)
	}
	// Each cycle's task turned yellow and red in its own run; the standing task's alarms, armed
	// in run 1, fired on time in later runs.
	assert.Len(t, rm.EventsOf(workflows.EventWarningYellow), 5)
	assert.Len(t, rm.EventsOf(workflows.EventWarningRed), 5)
	standing := rm.Tasks[standingID]
	assert.Equal(t, at("2026-03-19 00:00"), standing.Deadline.In(cst), "12 working days from Monday 2 March")
	var standingRed []workflows.Event
	for _, e := range rm.EventsOf(workflows.EventWarningRed) {
		if e.TaskID == standingID {
			standingRed = append(standingRed, e)
		}
	}
	require.Len(t, standingRed, 1)
	assert.Equal(t, at("2026-03-19 00:00"), standingRed[0].At.In(cst), "the red card fired at the deadline, two runs later")
	escalated := 0
	for _, e := range rm.EventsOf(workflows.EventEscalated) {
		if e.TaskID == standingID && e.Detail == "to lgo" {
			escalated++
		}
	}
	assert.Equal(t, 1, escalated, "and the office heard of it once")

	// The updates sent at the hand-overs left their marks.
	actions := map[string]int{}
	for _, a := range rm.Audit {
		actions[a.Action]++
	}
	assert.Equal(t, 1, actions["task.urge"])
	assert.Equal(t, 1, actions["task.claim"])
	assert.Equal(t, 5, actions["task.approve"])
	assert.Equal(t, 10, actions["task.escalate"], "each of the five overdue tasks went to its department head, then to the office")
	assert.Equal(t, "done", rm.CaseView("case_long").State)
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
	h.Env.RegisterWorkflowWithOptions(twoStepsProcess, workflow.RegisterOptions{Name: "TwoSteps"})
	var housing, lab workflows.TaskView
	h.After(time.Hour, func() {
		housing, lab = h.RM.Task(t, "housing", "hrss"), h.RM.Task(t, "lab", "sci")
		assert.Equal(t, workflows.TaskOpen, housing.State)
		assert.Equal(t, workflows.TaskOpen, lab.State)
		assert.Equal(t, at("2026-03-05 00:00"), housing.Deadline.In(cst), "2 working days")
		assert.Equal(t, at("2026-03-10 00:00"), lab.Deadline.In(cst), "5 working days")
		// Deciding one step while the other waits answers at once (the case has settled).
		h.Decide("lab", "sci", domain.OutcomeApprove, "", sciCarol)
	})
	h.After(2*time.Hour, func() {
		assert.Equal(t, workflows.TaskDone, h.RM.Task(t, "lab", "sci").State)
		assert.Equal(t, workflows.TaskOpen, h.RM.Task(t, "housing", "hrss").State, "the other step still waits")
		var status workflows.CaseStatus
		require.NoError(t, queryStatus(h, &status))
		require.Len(t, status.OpenTasks, 1)
		assert.Equal(t, housing.ID, status.OpenTasks[0].ID)
	})
	h.After(4*24*time.Hour, func() { h.Decide("housing", "hrss", domain.OutcomeApprove, "", hrssAlice) })
	h.Env.ExecuteWorkflow("TwoSteps", "case_two")
	require.True(t, h.Env.IsWorkflowCompleted())
	require.NoError(t, h.Env.GetWorkflowError())
	h.Verify()
	red := h.RM.EventsOf(workflows.EventWarningRed)
	require.Len(t, red, 1, "only the step left waiting past its deadline turned red")
	assert.Equal(t, housing.ID, red[0].TaskID)
	assert.Equal(t, at("2026-03-05 00:00"), red[0].At.In(cst))
	assert.Equal(t, "done", h.RM.CaseView("case_two").State)
}

func queryStatus(h *harness, out *workflows.CaseStatus) error {
	v, err := h.Env.QueryWorkflow(workflows.QueryStatus)
	if err != nil {
		return err
	}
	return v.Get(out)
}
