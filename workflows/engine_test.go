package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

var (
	hrssAlice = staff("hrss.alice", workflows.RoleApprover, "hrss")
	hrssBob   = staff("hrss.bob", workflows.RoleApprover, "hrss")
	sciCarol  = staff("sci.carol", workflows.RoleApprover, "sci")
	iitDan    = staff("iit.dan", workflows.RoleApprover, "iit")
	eduEve    = staff("edu.eve", workflows.RoleApprover, "edu")
	lgoStaff  = staff("lgo.staff", workflows.RoleLGO, "lgo")
)

func single(dept string, limit float64) stepConfig {
	return stepConfig{Key: "review", Name: "审核", Mode: workflows.ModeSingle, Departments: []string{dept}, LimitDays: limit}
}

func TestDeadlineSkipsHolidayWeekAndCountsMakeUpSaturday(t *testing.T) {
	// Started the day before National Day: Oct 1–7 are off, Oct 10 (Sat) is a make-up workday.
	h := newHarness(t, at("2026-09-30 10:00"))
	h.After(time.Minute, func() {
		task := h.RM.Task(t, "review", "hrss")
		require.NotNil(t, task.Deadline)
		assert.Equal(t, at("2026-10-11 00:00"), task.Deadline.In(cst), "Oct 8, Oct 9 and the make-up Saturday Oct 10")
		assert.Equal(t, at("2026-10-10 00:00"), task.YellowAt.In(cst), "yellow after 2 of 3 working days")
	})
	h.After(13*24*time.Hour, func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) })

	res := h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 3)}})

	assert.True(t, res.Approved)
	red := h.RM.EventsOf(workflows.EventWarningRed)
	require.Len(t, red, 1)
	assert.Equal(t, at("2026-10-11 00:00"), red[0].At.In(cst), "the red card fires on a durable timer at the deadline")
}

func TestYellowThenRedThenEscalationToDeptHeadAndLGO(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00")) // a Monday
	h.After(9*24*time.Hour, func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) })

	res := h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 3)}})
	require.True(t, res.Approved)

	yellow := h.RM.EventsOf(workflows.EventWarningYellow)
	red := h.RM.EventsOf(workflows.EventWarningRed)
	escalated := h.RM.EventsOf(workflows.EventEscalated)
	require.Len(t, yellow, 1)
	require.Len(t, red, 1)
	require.Len(t, escalated, 2)
	assert.Equal(t, at("2026-03-05 00:00"), yellow[0].At.In(cst), "2/3 of 3 working days: end of Wednesday")
	assert.Equal(t, at("2026-03-06 00:00"), red[0].At.In(cst), "deadline: end of the third working day, Thursday")
	assert.Equal(t, at("2026-03-06 00:00"), escalated[0].At.In(cst))
	assert.Equal(t, "to dept_head", escalated[0].Detail)
	assert.Equal(t, at("2026-03-10 00:00"), escalated[1].At.In(cst), "two more working days (Fri, Mon) before the LGO hears")
	assert.Equal(t, "to lgo", escalated[1].Detail)

	reminders := h.RM.NotificationsOf(workflows.NotifyReminder)
	require.NotEmpty(t, reminders)
	assert.Equal(t, []workflows.Recipient{{Department: "hrss", Role: workflows.RoleApprover}}, reminders[0].To,
		"an unclaimed task reminds every approver of the department")
	escalations := h.RM.NotificationsOf(workflows.NotifyEscalation)
	require.Len(t, escalations, 2)
	assert.Equal(t, []workflows.Recipient{{Department: "hrss", Role: workflows.RoleDeptHead}}, escalations[0].To)
	assert.Equal(t, []workflows.Recipient{{Role: workflows.RoleLGO}}, escalations[1].To)
}

func TestDecisionStopsTheWarningTimers(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.After(2*24*time.Hour, func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) })
	require.True(t, h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 3)}}).Approved)
	assert.Empty(t, h.RM.EventsOf(workflows.EventWarningYellow))
	assert.Empty(t, h.RM.EventsOf(workflows.EventWarningRed))
}

func TestClockPausesWhileReturnedToApplicant(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00")) // Monday; 5 working days: due end of Monday 03-09
	// Wednesday noon: 1.5 working days used (the clock started Tuesday 00:00).
	h.After(2*24*time.Hour+3*time.Hour, func() {
		h.Decide("review", "hrss", domain.OutcomeReturn, "缺少学历认证报告", hrssAlice)
	})
	// The applicant takes 12 days; none of them count against hrss.
	h.After(14*24*time.Hour+time.Hour, func() {
		assert.Equal(t, workflows.StateReturned, h.RM.CaseView("case_test").State)
		h.OK(workflows.UpdateResubmit, workflows.CaseAction{Reason: "已补充", Actor: applicant})
	})
	h.After(14*24*time.Hour+2*time.Hour, func() {
		task := h.RM.Task(t, "review", "hrss")
		assert.Equal(t, 2, task.Attempt)
		// Resubmitted Monday 03-16 10:00; 3.5 days remain: Tue, Wed, Thu and half of Friday.
		assert.Equal(t, at("2026-03-20 12:00"), task.Deadline.In(cst))
		assert.Equal(t, workflows.WarningNone, task.Warning)
		h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice)
	})

	res := h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}})

	assert.True(t, res.Approved)
	assert.Empty(t, h.RM.EventsOf(workflows.EventWarningRed), "no deadline passed while the case was with the applicant")
	assert.Len(t, h.RM.EventsOf(workflows.EventResubmitted), 1)
}

func TestResubmitDeadlineExpiryClosesCase(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.After(time.Hour, func() { h.Decide("review", "hrss", domain.OutcomeReturn, "材料不全", hrssAlice) })
	h.After(2*time.Hour, func() {
		h.Rejected(workflows.UpdateResubmit, workflows.CaseAction{Actor: hrssAlice}, workflows.ErrTypeForbidden)
	})

	res := h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}, CorrectionDays: 5})

	assert.Equal(t, workflows.StateExpired, res.State)
	assert.True(t, res.Expired)
	expired := h.RM.EventsOf(workflows.EventExpired)
	require.Len(t, expired, 1)
	assert.Equal(t, at("2026-03-10 00:00"), expired[0].At.In(cst), "five working days after Monday's return")
	assert.True(t, h.RM.CaseView("case_test").Closed)
}

func countersign(depts ...string) stepConfig {
	return stepConfig{Key: "review", Name: "会签", Mode: workflows.ModeCountersign, Departments: depts, LimitDays: 5}
}

func TestCountersignOneRejectionDecides(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	var iit workflows.TaskView
	h.Script(time.Hour,
		func() {
			iit = h.RM.Task(t, "review", "iit")
			h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice)
		},
		func() { h.Decide("review", "sci", domain.OutcomeReject, "技术水平不符合", sciCarol) },
		func() {
			h.DecideRefused(workflows.Decision{TaskID: iit.ID, Outcome: domain.OutcomeApprove, Actor: iitDan}, workflows.ErrTypeConflict, "")
		},
	)

	res := h.runSteps(stepsInput{Steps: []stepConfig{countersign("hrss", "sci", "iit")}})

	assert.Equal(t, workflows.StateRejected, res.State)
	assert.Equal(t, workflows.TaskCancelled, h.RM.Task(t, "review", "iit").State)
}

func TestCountersignWaitForAllCollectsEveryOpinion(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() { h.Decide("review", "hrss", domain.OutcomeReject, "资格不符", hrssAlice) },
		func() {
			assert.Equal(t, workflows.TaskOpen, h.RM.Task(t, "review", "sci").State, "a rejection does not end the step")
			h.Decide("review", "sci", domain.OutcomeApprove, "", sciCarol)
		},
	)
	step := countersign("hrss", "sci")
	step.WaitForAll = true

	res := h.runSteps(stepsInput{Steps: []stepConfig{step}})

	assert.Equal(t, workflows.StateRejected, res.State)
	assert.Equal(t, workflows.TaskDone, h.RM.Task(t, "review", "sci").State)
}

func TestCountersignNeedsEveryApproval(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) },
		func() {
			assert.Equal(t, "in_review", h.RM.CaseView("case_test").State, "still waiting for sci")
			h.Decide("review", "sci", domain.OutcomeApprove, "", sciCarol)
		},
	)
	assert.True(t, h.runSteps(stepsInput{Steps: []stepConfig{countersign("hrss", "sci")}}).Approved)
}

func TestAnyOfFirstDecisionWins(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.After(time.Hour, func() {
		hrss := h.RM.Task(t, "review", "hrss")
		h.Decide("review", "sci", domain.OutcomeApprove, "", sciCarol)
		h.DecideRefused(workflows.Decision{TaskID: hrss.ID, Outcome: domain.OutcomeReject, Comment: "不同意", Actor: hrssAlice},
			workflows.ErrTypeConflict, "")
	})

	res := h.runSteps(stepsInput{Steps: []stepConfig{{Key: "review", Name: "或签", Mode: workflows.ModeAnyOf,
		Departments: []string{"hrss", "sci"}, LimitDays: 5}}})

	assert.True(t, res.Approved)
	assert.Equal(t, workflows.TaskCancelled, h.RM.Task(t, "review", "hrss").State)
}

func TestVoteThreshold(t *testing.T) {
	vote := func(t *testing.T, decisions ...domain.Outcome) (stepsResult, *harness) {
		h := newHarness(t, at("2026-03-02 09:00"))
		voters := []workflows.Actor{hrssAlice, sciCarol, iitDan}
		var actions []func()
		for i, o := range decisions {
			comment := ""
			if o == domain.OutcomeReject {
				comment = "反对"
			}
			actions = append(actions, func() { h.Decide("vote", voters[i].Department, o, comment, voters[i]) })
		}
		h.Script(time.Hour, actions...)
		res := h.runSteps(stepsInput{Steps: []stepConfig{{Key: "vote", Name: "票签", Mode: workflows.ModeVote,
			Departments: []string{"hrss", "sci", "iit"}, Threshold: 2, LimitDays: 5}}})
		return res, h
	}

	t.Run("two approvals of three carry the step and close the third ballot", func(t *testing.T) {
		res, h := vote(t, domain.OutcomeApprove, domain.OutcomeApprove)
		assert.True(t, res.Approved)
		assert.Equal(t, workflows.TaskCancelled, h.RM.Task(t, "vote", "iit").State)
	})
	t.Run("one rejection leaves the threshold reachable", func(t *testing.T) {
		res, _ := vote(t, domain.OutcomeApprove, domain.OutcomeReject, domain.OutcomeApprove)
		assert.True(t, res.Approved)
	})
	t.Run("two rejections make the threshold unreachable", func(t *testing.T) {
		res, h := vote(t, domain.OutcomeReject, domain.OutcomeReject)
		assert.Equal(t, workflows.StateRejected, res.State)
		assert.Equal(t, workflows.TaskCancelled, h.RM.Task(t, "vote", "iit").State)
	})
}

func TestSequentialSignersActInOrder(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() {
			open := h.RM.OpenTasks()
			require.Len(t, open, 1)
			assert.Equal(t, "hrss", open[0].Department, "only the first signer works until they approve")
			h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice)
		},
		func() {
			open := h.RM.OpenTasks()
			require.Len(t, open, 1)
			assert.Equal(t, "sci", open[0].Department)
			h.Decide("review", "sci", domain.OutcomeApprove, "", sciCarol)
		},
	)
	res := h.runSteps(stepsInput{Steps: []stepConfig{{Key: "review", Name: "依次审核", Mode: workflows.ModeSequential,
		Departments: []string{"hrss", "sci"}, LimitDays: 3}}})
	assert.True(t, res.Approved)
}

func TestWithdrawWhileStepOpen(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() {
			h.Rejected(workflows.UpdateWithdraw, workflows.CaseAction{Reason: "不再申请", Actor: hrssAlice}, workflows.ErrTypeForbidden)
			h.OK(workflows.UpdateWithdraw, workflows.CaseAction{Reason: "不再申请", Actor: applicant})
		},
	)

	res := h.runSteps(stepsInput{Steps: []stepConfig{countersign("hrss", "sci")}})

	assert.Equal(t, workflows.StateWithdrawn, res.State)
	assert.Empty(t, h.RM.OpenTasks())
	assert.Equal(t, workflows.TaskCancelled, h.RM.Task(t, "review", "sci").State)
	assert.Equal(t, workflows.StateWithdrawn, h.RM.CaseView("case_test").State)
	assert.Len(t, h.RM.EventsOf(workflows.EventWithdrawn), 1)
}

func TestDelegateHandsTaskToAnotherUserOfTheDepartment(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	var task workflows.TaskView
	h.Script(time.Hour,
		func() {
			task = h.RM.Task(t, "review", "hrss")
			h.OK(workflows.UpdateClaim, workflows.TaskAction{TaskID: task.ID, Actor: hrssAlice})
		},
		func() {
			assert.Equal(t, "hrss.alice", h.RM.Task(t, "review", "hrss").Assignee)
			h.Rejected(workflows.UpdateClaim, workflows.TaskAction{TaskID: task.ID, Actor: hrssBob}, workflows.ErrTypeConflict)
			h.OK(workflows.UpdateDelegate, workflows.Delegation{TaskID: task.ID, To: "hrss.bob", Reason: "出差", Actor: hrssAlice})
		},
		func() {
			assert.Equal(t, "hrss.bob", h.RM.Task(t, "review", "hrss").Assignee)
			h.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Actor: hrssAlice}, workflows.ErrTypeConflict, "")
		},
		func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssBob) },
	)

	res := h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}})

	assert.True(t, res.Approved)
	assert.Equal(t, "hrss.bob", h.RM.Task(t, "review", "hrss").DecidedBy)
	assert.Len(t, h.RM.EventsOf(workflows.EventDelegated), 1)
	assigned := h.RM.NotificationsOf(workflows.NotifyAssigned)
	assert.Equal(t, []workflows.Recipient{{Username: "hrss.bob"}}, assigned[len(assigned)-1].To)
}

func TestAddSignerToOpenCountersign(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	var first workflows.TaskView
	h.Script(time.Hour,
		func() {
			first = h.RM.Task(t, "review", "hrss")
			h.OK(workflows.UpdateAddSigner, workflows.SignerRequest{TaskID: first.ID, Department: "edu", Reason: "涉及高校", Actor: lgoStaff})
		},
		func() {
			h.Rejected(workflows.UpdateAddSigner, workflows.SignerRequest{TaskID: first.ID, Department: "edu", Actor: lgoStaff}, workflows.ErrTypeConflict)
			h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice)
		},
		func() { h.Decide("review", "sci", domain.OutcomeApprove, "", sciCarol) },
		func() {
			assert.Equal(t, workflows.TaskOpen, h.RM.Task(t, "review", "edu").State, "the added signer must still sign")
			assert.Equal(t, "in_review", h.RM.CaseView("case_test").State)
			h.Decide("review", "edu", domain.OutcomeApprove, "", eduEve)
		},
	)

	assert.True(t, h.runSteps(stepsInput{Steps: []stepConfig{countersign("hrss", "sci")}}).Approved)
	assert.Len(t, h.RM.EventsOf(workflows.EventSignerAdded), 1)
}

func TestAddSignerOnlyToCountersignOrVote(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() {
			task := h.RM.Task(t, "review", "hrss")
			h.Rejected(workflows.UpdateAddSigner, workflows.SignerRequest{TaskID: task.ID, Department: "edu", Actor: lgoStaff}, workflows.ErrTypeConflict)
		},
		func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) },
	)
	assert.True(t, h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}}).Approved)
}

func TestReturnToChosenStepResumesAtTheReturningStep(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	clerk := staff("clerk", workflows.RoleClerk, "gsc")
	h.Script(time.Hour,
		func() { h.Decide("window", "gsc", domain.OutcomeApprove, "", clerk) },
		func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) },
		func() {
			signoff := h.RM.Task(t, "signoff", "lgo")
			h.DecideRefused(workflows.Decision{TaskID: signoff.ID, Outcome: domain.OutcomeReturn, Comment: "请复核",
				ReturnTo: "review", Actor: lgoStaff}, workflows.ErrTypeInvalid, "return_to")
			h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: signoff.ID, Outcome: domain.OutcomeReturn, Comment: "请复核受理材料",
				ReturnTo: "window", Actor: lgoStaff})
		},
		func() {
			assert.Equal(t, "window", h.RM.CaseView("case_test").CurrentStep)
			h.Decide("window", "gsc", domain.OutcomeApprove, "已复核", clerk)
		},
		func() {
			open := h.RM.OpenTasks()
			require.Len(t, open, 1)
			assert.Equal(t, "signoff", open[0].Step, "back at the returning step; review is not run again")
			assert.Equal(t, 2, open[0].Attempt)
			h.Decide("signoff", "lgo", domain.OutcomeApprove, "", lgoStaff)
		},
	)

	res := h.runSteps(stepsInput{Steps: []stepConfig{
		{Key: "window", Name: "受理", Mode: workflows.ModeSingle, Departments: []string{"gsc"}, LimitDays: 2},
		{Key: "review", Name: "审核", Mode: workflows.ModeSingle, Departments: []string{"hrss"}, LimitDays: 5},
		{Key: "signoff", Name: "审定", Mode: workflows.ModeSingle, Departments: []string{"lgo"}, LimitDays: 5, ReturnTargets: []string{"window"}},
	}})

	assert.True(t, res.Approved)
	var steps []string
	for _, id := range h.RM.Order {
		steps = append(steps, h.RM.Tasks[id].Step)
	}
	assert.Equal(t, []string{"window", "review", "signoff", "window", "signoff"}, steps)
}

func TestDecisionValidationNamesTheField(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() {
			task := h.RM.Task(t, "review", "hrss")
			d := func(o domain.Outcome, comment string, by workflows.Actor) workflows.Decision {
				return workflows.Decision{TaskID: task.ID, Outcome: o, Comment: comment, Actor: by}
			}
			h.DecideRefused(d(domain.OutcomeReturn, " ", hrssAlice), workflows.ErrTypeInvalid, "comment")
			h.DecideRefused(d(domain.OutcomeReject, "", hrssAlice), workflows.ErrTypeInvalid, "comment")
			withTarget := d(domain.OutcomeReturn, "回到受理", hrssAlice)
			withTarget.ReturnTo = "window"
			h.DecideRefused(withTarget, workflows.ErrTypeInvalid, "return_to")
			h.DecideRefused(d(domain.OutcomeDowngrade, "降级", hrssAlice), workflows.ErrTypeInvalid, "outcome")
			h.DecideRefused(d(domain.OutcomeApprove, "", sciCarol), workflows.ErrTypeForbidden, "")
			missing := d(domain.OutcomeApprove, "", hrssAlice)
			missing.TaskID = "case_test-t99"
			h.DecideRefused(missing, workflows.ErrTypeNotFound, "")
		},
		func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) },
	)
	assert.True(t, h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}}).Approved)
	assert.Len(t, h.RM.EventsOf(workflows.EventDecision), 1, "refused decisions leave no trace in the timeline")
}

func TestConcurrentDecisionsOnOneTaskExactlyOneWins(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.After(time.Hour, func() {
		task := h.RM.Task(t, "review", "hrss")
		h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Actor: hrssAlice})
		for _, who := range []workflows.Actor{hrssBob, hrssAlice, hrssBob} {
			h.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeReject, Comment: "迟到的决定", Actor: who},
				workflows.ErrTypeConflict, "")
		}
	})
	require.True(t, h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}}).Approved)
	assert.Len(t, h.RM.EventsOf(workflows.EventDecision), 1, "completed exactly once")
}

func TestDecisionsAreAudited(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.After(time.Hour, func() { h.Decide("review", "hrss", domain.OutcomeReject, "不符合条件", hrssAlice) })
	h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 5)}})

	require.NotEmpty(t, h.RM.Audit)
	a := h.RM.Audit[0]
	assert.Equal(t, "hrss.alice", a.Actor)
	assert.Equal(t, workflows.RoleApprover, a.Role)
	assert.Equal(t, "hrss", a.Department)
	assert.Equal(t, "task.reject", a.Action)
	assert.Equal(t, "不符合条件", a.Reason)
	keys := map[string]bool{}
	for _, e := range h.RM.Audit {
		assert.False(t, keys[e.DedupeKey], "audit keys are unique: %s", e.DedupeKey)
		keys[e.DedupeKey] = true
	}
}

func TestStepCopiesItsResultToCC(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	h.After(time.Hour, func() {
		assert.Empty(t, h.RM.NotificationsOf(workflows.NotifyCC), "copies go out when the step ends")
		h.Decide("review", "hrss", domain.OutcomeReject, "资格不符", hrssAlice)
	})
	step := single("hrss", 5)
	step.CC = []workflows.Recipient{{Department: "lgo", Role: workflows.RoleLGO}, {Username: "leader.wang"}}
	h.runSteps(stepsInput{Steps: []stepConfig{step}})

	cc := h.RM.NotificationsOf(workflows.NotifyCC)
	require.Len(t, cc, 1)
	assert.Equal(t, step.CC, cc[0].To)
	assert.Equal(t, h.RM.Task(t, "review", "hrss").ID, cc[0].TaskID, "the copy points at the decided task")
	assert.Contains(t, cc[0].Title, "不同意")
	assert.Equal(t, "资格不符", cc[0].Body)
}

func TestOutboundNotificationsAreDeliveredByTheirOwnWorkflow(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	// The projection reports that reminders also leave by webhook: each becomes a delivery
	// workflow whose activity retries on its own, so the case never waits for a receiver.
	h.Env.RegisterActivityWithOptions(func(ctx context.Context, p workflows.Projection) (workflows.ProjectionResult, error) {
		res, _ := h.RM.Project(ctx, p)
		for _, n := range p.Notifications {
			if n.Kind == workflows.NotifyReminder {
				res.Deliveries = append(res.Deliveries, workflows.Delivery{Key: n.Key, Notice: n, Users: []string{"hrss.alice"},
					Channels: []string{workflows.ChannelWebhook, workflows.ChannelEmail}})
			}
		}
		return res, nil
	}, activity.RegisterOptions{Name: workflows.ActivityProject})
	var delivered, mailed []workflows.Delivery
	h.Env.RegisterActivityWithOptions(func(_ context.Context, d workflows.Delivery) error {
		delivered = append(delivered, d)
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityDeliverWebhook})
	h.Env.RegisterActivityWithOptions(func(_ context.Context, d workflows.Delivery) error {
		mailed = append(mailed, d)
		return nil
	}, activity.RegisterOptions{Name: workflows.ActivityDeliverEmail})
	h.After(4*24*time.Hour, func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) })

	require.True(t, h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 3)}}).Approved)
	require.Len(t, delivered, 2, "the yellow reminder and the red one")
	require.Len(t, mailed, 2, "each channel is its own activity")
	assert.Equal(t, []string{"hrss.alice"}, delivered[0].Users)
	assert.Contains(t, delivered[0].Notice.Title, "黄牌")
}

func TestUrgeRemindsWhoeverWorksTheTask(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	var task workflows.TaskView
	h.Script(time.Hour,
		func() {
			task = h.RM.Task(t, "review", "hrss")
			h.OK(workflows.UpdateUrge, workflows.Urge{TaskID: task.ID, Comment: "请今日办结", Actor: lgoStaff})
		},
		func() {
			assert.Equal(t, 1, h.RM.Task(t, "review", "hrss").UrgeCount)
			h.OK(workflows.UpdateClaim, workflows.TaskAction{TaskID: task.ID, Actor: hrssAlice})
		},
		func() {
			h.OK(workflows.UpdateUrge, workflows.Urge{TaskID: task.ID, Comment: "再次催办", Actor: lgoStaff})
		},
		func() { h.Decide("review", "hrss", domain.OutcomeApprove, "", hrssAlice) },
		func() {
			h.Rejected(workflows.UpdateUrge, workflows.Urge{TaskID: task.ID, Actor: lgoStaff}, workflows.ErrTypeConflict)
		},
		func() { h.Decide("review", "sci", domain.OutcomeApprove, "", sciCarol) },
	)
	require.True(t, h.runSteps(stepsInput{Steps: []stepConfig{countersign("hrss", "sci")}}).Approved)
	urges := h.RM.NotificationsOf(workflows.NotifyUrge)
	require.Len(t, urges, 2)
	assert.Equal(t, []workflows.Recipient{{Department: "hrss", Role: workflows.RoleApprover}}, urges[0].To, "unclaimed: the department")
	assert.Equal(t, []workflows.Recipient{{Username: "hrss.alice"}}, urges[1].To, "claimed: the assignee")
	assert.Len(t, h.RM.EventsOf(workflows.EventUrged), 2)
	assert.Equal(t, 2, h.RM.Task(t, "review", "hrss").UrgeCount)
}

func TestADecisionsFilesAreProjectedWithTheDecidedTask(t *testing.T) {
	h := newHarness(t, at("2026-03-02 09:00"))
	sum := strings.Repeat("cd", 32)
	h.After(time.Hour, func() {
		task := h.RM.Task(t, "review", "hrss")
		h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove,
			Attachments: []string{sum}, Actor: hrssAlice})
	})
	require.True(t, h.runSteps(stepsInput{Steps: []stepConfig{single("hrss", 3)}}).Approved)
	require.Len(t, h.RM.Attachments, 1)
	link := h.RM.Attachments[0]
	assert.Equal(t, "case_test", link.CaseID)
	assert.Equal(t, hrssAlice.UserID, link.AddedBy)
	with := h.RM.AttachedWith[sum]
	require.NotEmpty(t, with)
	assert.Equal(t, link.TaskID, with[0].ID)
	assert.Equal(t, workflows.TaskDone, with[0].State, "the file and the decided task are one write")
}
