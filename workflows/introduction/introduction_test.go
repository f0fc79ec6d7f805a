package introduction_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/calendar"
	"talentflow/internal/domain"
	"talentflow/workflows"
	"talentflow/workflows/introduction"
	"talentflow/workflows/liaison"
	"talentflow/workflows/workflowtest"
)

// harness runs a talent introduction on the shared harness, with the pairing requests it started.
type harness struct {
	*workflowtest.Harness
	pairings []liaison.PairingRequestInput
}

var (
	cst       = workflowtest.Zone
	at        = workflowtest.At
	staff     = workflowtest.Staff
	applicant = workflowtest.Applicant
	hrssAlice = staff("hrss.alice", workflows.RoleApprover, "hrss")
	lgoStaff  = staff("lgo.staff", workflows.RoleLGO, "lgo")
)

var (
	clerk    = staff("clerk.window", workflows.RoleClerk, "gsc")
	reviewer = map[string]workflows.Actor{
		"hrss": staff("hrss.approver", workflows.RoleApprover, "hrss"),
		"sci":  staff("sci.approver", workflows.RoleApprover, "sci"),
		"iit":  staff("iit.approver", workflows.RoleApprover, "iit"),
		"edu":  staff("edu.approver", workflows.RoleApprover, "edu"),
	}
)

// reviewersOf mirrors the default routing: A–C technical merit by sci, E graduates by edu.
func reviewersOf(c domain.Category) []string {
	switch c {
	case domain.CategoryD:
		return []string{"hrss", "iit"}
	case domain.CategoryE:
		return []string{"hrss", "edu"}
	}
	return []string{"hrss", "sci", "iit"}
}

func introInput(c domain.Category) introduction.IntroductionInput {
	plan := introduction.IntroductionPlan{
		Window:         introduction.DepartmentLimit{Department: "gsc", LimitDays: 2},
		SignOff:        introduction.DepartmentLimit{Department: "lgo", LimitDays: 5},
		NoticeDays:     5,
		CorrectionDays: 10,
		ObjectionDays:  3,
	}
	for _, d := range reviewersOf(c) {
		plan.Reviewers = append(plan.Reviewers, introduction.DepartmentLimit{Department: d, LimitDays: 5})
	}
	return introduction.IntroductionInput{CaseID: "case_intro", Applicant: applicant, Name: "李明", Category: c, Plan: plan}
}

// introHarness runs a talent introduction with a fake certificate office.
func introHarness(t *testing.T, start time.Time) *harness {
	h := &harness{Harness: workflowtest.NewHarness(t, start)}
	issued := map[string]int{}
	h.Env.RegisterActivityWithOptions(func(_ context.Context, req introduction.CertificateRequest) (introduction.Certificate, error) {
		key := fmt.Sprintf("%d-%s", req.IssuedAt.In(calendar.Zone).Year(), req.Category)
		issued[key]++
		return introduction.Certificate{No: fmt.Sprintf("YG-%s-%04d", key, issued[key])}, nil
	}, activity.RegisterOptions{Name: introduction.ActivityIssueCertificate})
	h.Env.RegisterWorkflowWithOptions(introduction.TalentIntroduction, workflow.RegisterOptions{Name: introduction.WorkflowIntroduction})
	// The pairing request waits for a person; here it only has to be started, with the talent.
	h.Env.OnWorkflow(liaison.LiaisonPairingRequest, mock.Anything, mock.Anything).Return(
		func(_ workflow.Context, in liaison.PairingRequestInput) (string, error) {
			h.pairings = append(h.pairings, in)
			return "paired", nil
		})
	return h
}

func (h *harness) runIntro(in introduction.IntroductionInput) introduction.IntroductionResult {
	h.T.Helper()
	h.Env.ExecuteWorkflow(introduction.TalentIntroduction, in)
	require.True(h.T, h.Env.IsWorkflowCompleted(), "workflow did not complete")
	require.NoError(h.T, h.Env.GetWorkflowError())
	var res introduction.IntroductionResult
	require.NoError(h.T, h.Env.GetWorkflowResult(&res))
	h.Verify()
	return res
}

// approveThrough decides window, every review and the sign-off with approve, one per minute.
func (h *harness) approveThrough(start time.Duration, c domain.Category) time.Duration {
	actions := []func(){func() {
		h.Decide(introduction.StepWindow, "gsc", domain.OutcomeApprove, "材料齐全，予以受理", clerk)
	}}
	for _, d := range reviewersOf(c) {
		actions = append(actions, func() { h.Decide(introduction.StepReview, d, domain.OutcomeApprove, "", reviewer[d]) })
	}
	actions = append(actions, func() { h.Decide(introduction.StepSignOff, "lgo", domain.OutcomeApprove, "同意认定", lgoStaff) })
	h.Script(start, actions...)
	return start + time.Duration(len(actions))*time.Minute
}

func TestIntroductionHappyPathPerCategory(t *testing.T) {
	for _, c := range []domain.Category{domain.CategoryA, domain.CategoryB, domain.CategoryC, domain.CategoryD, domain.CategoryE} {
		t.Run(string(c), func(t *testing.T) {
			h := introHarness(t, at("2026-03-02 09:00"))
			done := h.approveThrough(time.Hour, c)
			h.After(done+time.Minute, func() {
				v := h.RM.CaseView("case_intro")
				assert.Equal(t, introduction.IntroNotice, v.State)
				require.NotNil(t, v.PhaseEndsAt)
				// Signed off Monday 10:0x; five working days of notice: Tue–Mon, ends Tuesday 00:00.
				assert.Equal(t, at("2026-03-10 00:00"), v.PhaseEndsAt.In(cst))
			})

			res := h.runIntro(introInput(c))

			assert.Equal(t, introduction.IntroCertified, res.State)
			assert.Equal(t, c, res.Category)
			assert.Equal(t, "YG-2026-"+string(c)+"-0001", res.CertificateNo)
			v := h.RM.CaseView("case_intro")
			assert.Equal(t, res.CertificateNo, v.CertificateNo)
			assert.True(t, v.Closed)
			certified := h.RM.EventsOf(introduction.EventCertified)
			require.Len(t, certified, 1)
			assert.Equal(t, at("2026-03-10 00:00"), certified[0].At.In(cst), "issued when the notice ends")

			cc := h.RM.NotificationsOf(workflows.NotifyCC)
			require.Len(t, cc, 1, "the office's decision is copied to the reviewing departments")
			assert.Len(t, cc[0].To, len(reviewersOf(c)))

			reviewed := map[string]bool{}
			for _, id := range h.RM.Order {
				if tv := h.RM.Tasks[id]; tv.Step == introduction.StepReview {
					reviewed[tv.Department] = true
				}
			}
			assert.Len(t, reviewed, len(reviewersOf(c)), "routing by category decides who countersigns")

			if c.NeedsLiaison() {
				require.Len(t, h.pairings, 1, "A–C talents get a liaison pairing request")
				assert.Equal(t, liaison.PairingRequestInput{TalentCaseID: "case_intro", TalentName: "李明", Category: c,
					Applicant: applicant, Department: "lgo", LimitDays: 5}, h.pairings[0])
				assert.Len(t, h.RM.EventsOf(introduction.EventPairingRequest), 1)
			} else {
				assert.Empty(t, h.pairings)
				assert.Empty(t, h.RM.EventsOf(introduction.EventPairingRequest))
			}
		})
	}
}

func TestIntroductionReturnAndResubmit(t *testing.T) {
	h := introHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() { h.Decide(introduction.StepWindow, "gsc", domain.OutcomeReturn, "缺少劳动合同", clerk) },
		func() {
			v := h.RM.CaseView("case_intro")
			assert.Equal(t, workflows.StateReturned, v.State)
			require.NotNil(t, v.CorrectionDeadline)
			assert.Equal(t, at("2026-03-17 00:00"), v.CorrectionDeadline.In(cst), "ten working days to correct")
		},
	)
	h.After(3*24*time.Hour, func() {
		h.OK(workflows.UpdateResubmit, workflows.CaseAction{Reason: "已补充劳动合同", Actor: applicant})
	})
	h.approveThrough(3*24*time.Hour+time.Hour, domain.CategoryB)

	res := h.runIntro(introInput(domain.CategoryB))

	assert.Equal(t, introduction.IntroCertified, res.State)
	windows := 0
	for _, id := range h.RM.Order {
		if h.RM.Tasks[id].Step == introduction.StepWindow {
			windows++
		}
	}
	assert.Equal(t, 2, windows, "the window that returned the case checks the correction")
}

func TestIntroductionResubmitDeadlineExpiry(t *testing.T) {
	h := introHarness(t, at("2026-03-02 09:00"))
	h.After(time.Hour, func() { h.Decide(introduction.StepWindow, "gsc", domain.OutcomeReturn, "缺少劳动合同", clerk) })

	res := h.runIntro(introInput(domain.CategoryB))

	assert.Equal(t, workflows.StateExpired, res.State)
	assert.Empty(t, res.CertificateNo)
	assert.Equal(t, workflows.StateExpired, h.RM.CaseView("case_intro").State)
}

func TestIntroductionDepartmentRejection(t *testing.T) {
	h := introHarness(t, at("2026-03-02 09:00"))
	h.Script(time.Hour,
		func() { h.Decide(introduction.StepWindow, "gsc", domain.OutcomeApprove, "", clerk) },
		func() { h.Decide(introduction.StepReview, "hrss", domain.OutcomeApprove, "", reviewer["hrss"]) },
		func() {
			h.Decide(introduction.StepReview, "sci", domain.OutcomeReject, "技术水平达不到B类标准", reviewer["sci"])
		},
	)

	res := h.runIntro(introInput(domain.CategoryB))

	assert.Equal(t, workflows.StateRejected, res.State)
	assert.Empty(t, res.CertificateNo)
	assert.Equal(t, workflows.TaskCancelled, h.RM.Task(t, introduction.StepReview, "iit").State)
	assert.Empty(t, h.RM.EventsOf(introduction.EventCertified))
}

func TestIntroductionDowngrade(t *testing.T) {
	h := introHarness(t, at("2026-03-02 09:00"))
	h.approveThroughReview(time.Hour, domain.CategoryB)
	h.After(2*time.Hour, func() {
		task := h.RM.Task(t, introduction.StepSignOff, "lgo")
		d := workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeDowngrade, Comment: "业绩更符合C类", Actor: lgoStaff}
		up := d
		up.Category = domain.CategoryA
		h.DecideRefused(up, workflows.ErrTypeInvalid, "category")
		noReason := d
		noReason.Category, noReason.Comment = domain.CategoryC, ""
		h.DecideRefused(noReason, workflows.ErrTypeInvalid, "comment")
		approveWithCategory := workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Category: domain.CategoryC, Actor: lgoStaff}
		h.DecideRefused(approveWithCategory, workflows.ErrTypeInvalid, "category")
		d.Category = domain.CategoryC
		h.OK(workflows.UpdateDecide, d)
	})

	res := h.runIntro(introInput(domain.CategoryB))

	assert.Equal(t, introduction.IntroCertified, res.State)
	assert.Equal(t, domain.CategoryC, res.Category)
	assert.Equal(t, "YG-2026-C-0001", res.CertificateNo)
	assert.Equal(t, domain.CategoryC, h.RM.CaseView("case_intro").Category)
	require.Len(t, h.pairings, 1, "C still gets a liaison leader")
	assert.Equal(t, domain.CategoryC, h.pairings[0].Category)
}

// approveThroughReview approves the window and every review, leaving the sign-off open.
func (h *harness) approveThroughReview(start time.Duration, c domain.Category) {
	actions := []func(){func() { h.Decide(introduction.StepWindow, "gsc", domain.OutcomeApprove, "", clerk) }}
	for _, d := range reviewersOf(c) {
		actions = append(actions, func() { h.Decide(introduction.StepReview, d, domain.OutcomeApprove, "", reviewer[d]) })
	}
	h.Script(start, actions...)
}

func objection(reason string) workflows.CaseAction {
	return workflows.CaseAction{Reason: reason, Actor: staff("hrss.approver", workflows.RoleApprover, "hrss")}
}

func TestIntroductionObjectionUpheld(t *testing.T) {
	h := introHarness(t, at("2026-03-02 09:00"))
	h.approveThrough(time.Hour, domain.CategoryB)
	h.After(2*24*time.Hour, func() { h.OK(introduction.UpdateObject, objection("举报：学历证书存疑")) })
	h.Script(2*24*time.Hour+time.Hour,
		func() {
			assert.Equal(t, introduction.IntroObjection, h.RM.CaseView("case_intro").State)
			h.Rejected(introduction.UpdateObject, objection("第二份异议"), workflows.ErrTypeConflict)
			h.Decide(introduction.StepObjection, "lgo", domain.OutcomeUphold, "经核实学历证书系伪造", lgoStaff)
		},
	)

	res := h.runIntro(introInput(domain.CategoryB))

	assert.Equal(t, workflows.StateRejected, res.State)
	assert.Empty(t, res.CertificateNo)
	assert.Len(t, h.RM.EventsOf(introduction.EventObjection), 1)
}

func TestIntroductionObjectionDismissedResumesNotice(t *testing.T) {
	h := introHarness(t, at("2026-03-02 09:00"))
	h.approveThrough(time.Hour, domain.CategoryB)
	// Notice runs from Tuesday 03-03; the objection comes Thursday 03-05 12:00: 2.5 days used.
	h.After(3*24*time.Hour+3*time.Hour, func() { h.OK(introduction.UpdateObject, objection("举报：业绩造假")) })
	h.Script(3*24*time.Hour+4*time.Hour,
		func() {
			v := h.RM.CaseView("case_intro")
			assert.Equal(t, introduction.IntroObjection, v.State)
			assert.Nil(t, v.PhaseEndsAt, "the notice clock stands still")
		},
	)
	// The LGO dismisses it Monday 03-09 10:00; 2.5 days remain: Tue, Wed, half of Thursday.
	h.After(7*24*time.Hour+time.Hour, func() {
		h.Decide(introduction.StepObjection, "lgo", domain.OutcomeDismiss, "经核实举报不实", lgoStaff)
	})
	h.After(7*24*time.Hour+2*time.Hour, func() {
		v := h.RM.CaseView("case_intro")
		assert.Equal(t, introduction.IntroNotice, v.State)
		require.NotNil(t, v.PhaseEndsAt)
		assert.Equal(t, at("2026-03-12 12:00"), v.PhaseEndsAt.In(cst))
	})

	res := h.runIntro(introInput(domain.CategoryB))

	assert.Equal(t, introduction.IntroCertified, res.State)
	assert.Len(t, h.RM.EventsOf(introduction.EventNoticeResumed), 1)
	certified := h.RM.EventsOf(introduction.EventCertified)
	require.Len(t, certified, 1)
	assert.Equal(t, at("2026-03-12 12:00"), certified[0].At.In(cst))
}

func TestIntroductionWithdraw(t *testing.T) {
	t.Run("during review", func(t *testing.T) {
		h := introHarness(t, at("2026-03-02 09:00"))
		h.Script(time.Hour,
			func() { h.Decide(introduction.StepWindow, "gsc", domain.OutcomeApprove, "", clerk) },
			func() {
				h.OK(workflows.UpdateWithdraw, workflows.CaseAction{Reason: "已在他处就业", Actor: applicant})
			},
		)
		res := h.runIntro(introInput(domain.CategoryB))
		assert.Equal(t, workflows.StateWithdrawn, res.State)
		assert.Empty(t, h.RM.OpenTasks())
	})
	t.Run("during public notice", func(t *testing.T) {
		h := introHarness(t, at("2026-03-02 09:00"))
		h.approveThrough(time.Hour, domain.CategoryB)
		h.After(2*24*time.Hour, func() {
			h.OK(workflows.UpdateWithdraw, workflows.CaseAction{Reason: "个人原因", Actor: applicant})
		})
		res := h.runIntro(introInput(domain.CategoryB))
		assert.Equal(t, workflows.StateWithdrawn, res.State)
		assert.Empty(t, res.CertificateNo, "no certificate after a withdrawal")
	})
}
