package liaison_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
	"talentflow/workflows/workflowtest"
)

var (
	eduChen = workflowtest.Staff("edu.approver", workflows.RoleApprover, "edu")
	psbLiu  = workflowtest.Staff("psb.approver", workflows.RoleApprover, "psb")
	asLi    = workflows.Actor{UserID: li.UserID, Username: li.Username, Name: li.Name, Role: domain.RoleApplicant, Department: "public"}
)

// demandRun runs one demand as its own workflow, with its row's writes kept.
type demandRun struct {
	*workflowtest.Harness
	mu   sync.Mutex
	rows []flow.DemandRecord
}

func newDemand(t *testing.T, start time.Time) *demandRun {
	d := &demandRun{Harness: workflowtest.NewHarness(t, start)}
	d.Env.RegisterWorkflowWithOptions(flow.LiaisonDemand, workflow.RegisterOptions{Name: flow.WorkflowDemand})
	d.Env.RegisterActivityWithOptions(func(_ context.Context, r flow.DemandRecord) error {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.rows = append(d.rows, r)
		return nil
	}, activity.RegisterOptions{Name: flow.ActivityProjectDemand})
	return d
}

func (d *demandRun) exec(dept string) string {
	d.Env.ExecuteWorkflow(flow.WorkflowDemand, flow.DemandInput{CaseID: "case_dem", PairingID: "case_pair", ContactID: "ctc1", Talent: li,
		Leader: wang, Specialist: zhao, Type: domain.DemandSchool, Detail: "子女入学", Department: dept,
		Plan: flow.DemandPlan{Routes: routes(), LimitDays: 10, VerifyLimitDays: 3, RectifyLimitDays: 5, RatingDays: 10, Office: "lgo"}, By: asZhao})
	require.True(d.T, d.Env.IsWorkflowCompleted())
	require.NoError(d.T, d.Env.GetWorkflowError())
	d.Verify()
	var state string
	require.NoError(d.T, d.Env.GetWorkflowResult(&state))
	return state
}

func (d *demandRun) last() flow.DemandRecord {
	d.mu.Lock()
	defer d.mu.Unlock()
	require.NotEmpty(d.T, d.rows)
	return d.rows[len(d.rows)-1]
}

func (d *demandRun) rate(score int, by workflows.Actor) *workflowtest.Reply {
	return d.OK(flow.UpdateRate, flow.Rating{Score: score, Comment: "评价", Actor: by})
}

// TestADemandIsAnsweredSentBackAnsweredAgainVerifiedAndRatedPoorlyThenRectifiedAndCalledBack
// walks the whole 好差评 loop: the reply is sent back once by the office, the second reply is
// verified, the talent rates it 2 (差评), the office finds the complaint true, the department
// rectifies, the talent is called back and rates 5. The case keeps the whole trail.
func TestADemandIsAnsweredSentBackAnsweredAgainVerifiedAndRatedPoorlyThenRectifiedAndCalledBack(t *testing.T) {
	d := newDemand(t, at("2026-03-02 09:00"))
	d.Script(time.Hour,
		func() {
			assert.Equal(t, 10.0, taskLimit(d, "reply"), "the department's limit from the plan")
			d.DecideRefused(workflows.Decision{TaskID: d.RM.Task(t, "reply", "edu").ID, Outcome: domain.OutcomeApprove, Actor: eduChen},
				workflows.ErrTypeInvalid, "comment")
			d.Decide("reply", "edu", domain.OutcomeApprove, "已协调学位", eduChen)
		},
		func() {
			d.Send(flow.UpdateRate, flow.Rating{Score: 5, Actor: asLi}, workflows.ErrTypeConflict, "")
			d.Decide("verify", "lgo", domain.OutcomeReturn, "答复未说明具体学校", lgoStaff)
		},
		func() { d.Decide("reply", "edu", domain.OutcomeApprove, "已安排县实验小学学位", eduChen) },
		func() { d.Decide("verify", "lgo", domain.OutcomeApprove, "", lgoStaff) },
		func() {
			d.Send(flow.UpdateRate, flow.Rating{Score: 6, Actor: asLi}, workflows.ErrTypeInvalid, "score")
			d.rate(2, asLi)
		},
		func() { d.Decide("complaint", "lgo", domain.OutcomeApprove, "核实属实", lgoStaff) },
		func() { d.Decide("rectify", "edu", domain.OutcomeApprove, "改为就近学校", eduChen) },
		func() { d.rate(5, asZhao) },
	)
	assert.Equal(t, flow.StateResolved, d.exec("edu"))
	last := d.last()
	assert.Equal(t, flow.DemandRecord{CaseID: "case_dem", Department: "edu", Score: 5, Comment: "评价", RatedBy: "specialist.zhao",
		PoorRatings: 1, Verified: 1, Rectified: 1, CalledBack: 1, Resolved: true, At: last.At}, last)
	var kinds []string
	for _, e := range d.RM.Events {
		switch e.Kind {
		case workflows.EventReturned, flow.EventRated, flow.EventCallback:
			kinds = append(kinds, e.Kind)
		}
	}
	assert.Equal(t, []string{workflows.EventReturned, flow.EventRated, flow.EventCallback, flow.EventRated}, kinds)
	assert.NotEmpty(t, d.RM.NotificationsOf(workflows.NotifyEscalation), "a poor rating is escalated to the office")
	assert.Equal(t, flow.StateResolved, d.RM.CaseView("case_dem").State)
}

func taskLimit(d *demandRun, step string) float64 {
	for _, tv := range d.RM.OpenTasks() {
		if tv.Step == step && tv.Deadline != nil {
			return float64(workingDaysBetween(tv.OpenedAt, *tv.Deadline))
		}
	}
	return 0
}

// workingDaysBetween counts Monday–Friday days after from up to to (enough for March 2026).
func workingDaysBetween(from, to time.Time) int {
	n := 0
	for d := from.In(workflowtest.Zone).AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			n++
		}
	}
	return n
}

// TestADemandIsForwardedOnceAndCountsAsSatisfiedWithoutARating: the department forwards it to a
// better one with a reason (a second forward is refused), the new department replies, the
// office verifies, and a talent who does not rate within 10 working days counts as satisfied.
func TestADemandIsForwardedOnceAndCountsAsSatisfiedWithoutARating(t *testing.T) {
	d := newDemand(t, at("2026-03-02 09:00"))
	d.Script(time.Hour,
		func() {
			task := d.RM.Task(t, "reply", "edu")
			d.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeForward, Comment: "户籍问题", Actor: eduChen},
				workflows.ErrTypeInvalid, "department")
			d.OK(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeForward, Comment: "属户籍问题",
				Department: "psb", Actor: eduChen})
		},
		func() {
			task := d.RM.Task(t, "reply", "psb")
			d.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeForward, Comment: "再转", Department: "hrss", Actor: psbLiu},
				workflows.ErrTypeInvalid, "outcome")
			d.Decide("reply", "psb", domain.OutcomeApprove, "已办理落户", psbLiu)
		},
		func() { d.Decide("verify", "lgo", domain.OutcomeApprove, "", lgoStaff) },
	)
	assert.Equal(t, flow.StateResolved, d.exec("edu"))
	last := d.last()
	assert.Equal(t, "psb", last.Department)
	assert.Equal(t, "edu", last.ForwardedFrom)
	assert.Equal(t, flow.DefaultScore, last.Score)
	assert.True(t, last.Default)
	require.Len(t, d.RM.EventsOf(flow.EventDefaultRating), 1)
	// Rating window: 10 working days after the verification on Monday 2 March (the day it
	// starts does not count): the default rating comes when 16 March ends.
	rated := d.RM.EventsOf(flow.EventDefaultRating)[0].At.In(workflowtest.Zone)
	assert.Equal(t, "2026-03-17 00:00", rated.Format("2006-01-02 15:04"))
	assert.Len(t, d.RM.EventsOf(flow.EventForwarded), 1)
}

// TestAMistakenPoorRatingIsClosedByTheOffice: a 非常不满意 rating that the office finds
// mistaken (申诉复核) closes the demand without rectification.
func TestAMistakenPoorRatingIsClosedByTheOffice(t *testing.T) {
	d := newDemand(t, at("2026-03-02 09:00"))
	d.Script(time.Hour,
		func() { d.Decide("reply", "edu", domain.OutcomeApprove, "已协调", eduChen) },
		func() { d.Decide("verify", "lgo", domain.OutcomeApprove, "", lgoStaff) },
		func() { d.rate(1, asLi) },
		func() {
			task := d.RM.Task(t, "complaint", "lgo")
			d.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeReject, Actor: lgoStaff}, workflows.ErrTypeInvalid, "comment")
			d.Decide("complaint", "lgo", domain.OutcomeReject, "经核实学位已按政策安排，评价与事实不符", lgoStaff)
		},
	)
	assert.Equal(t, flow.StateResolved, d.exec("edu"))
	last := d.last()
	assert.Equal(t, 1, last.Mistaken)
	assert.Equal(t, 0, last.Rectified)
	assert.Len(t, d.RM.EventsOf(flow.EventMistaken), 1)
}

// TestAnUnansweredDemandTurnsYellowThenRedAndEscalates: the engine's red/yellow warnings apply
// to a department that does not reply within its limit.
func TestAnUnansweredDemandTurnsYellowThenRedAndEscalates(t *testing.T) {
	d := newDemand(t, at("2026-03-02 09:00"))
	d.After(20*24*time.Hour, func() { d.Decide("reply", "edu", domain.OutcomeApprove, "迟复", eduChen) })
	d.After(20*24*time.Hour+time.Hour, func() { d.Decide("verify", "lgo", domain.OutcomeApprove, "", lgoStaff) })
	d.After(20*24*time.Hour+2*time.Hour, func() { d.rate(4, asLi) })
	assert.Equal(t, flow.StateResolved, d.exec("edu"))
	assert.Len(t, d.RM.EventsOf(workflows.EventWarningYellow), 1)
	assert.Len(t, d.RM.EventsOf(workflows.EventWarningRed), 1)
	var heads int
	for _, n := range d.RM.NotificationsOf(workflows.NotifyEscalation) {
		for _, r := range n.To {
			if r.Department == "edu" && r.Role == workflows.RoleDeptHead {
				heads++
			}
		}
	}
	assert.Equal(t, 1, heads, "the department head is told when it turns red")
}
