package liaison_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
	"talentflow/workflows/workflowtest"
)

func requestHarness(t *testing.T, create func(context.Context, flow.PairingRequestResult) (flow.PairingInput, error)) (*workflowtest.Harness, *[]flow.PairingInput) {
	h := workflowtest.NewHarness(t, at("2026-03-10 09:00"))
	h.Env.RegisterWorkflowWithOptions(flow.LiaisonPairingRequest, workflow.RegisterOptions{Name: flow.WorkflowPairingRequest})
	h.Env.RegisterWorkflowWithOptions(flow.LiaisonPairing, workflow.RegisterOptions{Name: flow.WorkflowPairing})
	h.Env.RegisterActivityWithOptions(create, activity.RegisterOptions{Name: flow.ActivityCreatePairing})
	var started []flow.PairingInput
	h.Env.OnWorkflow(flow.WorkflowPairing, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in flow.PairingInput) (string, error) {
		started = append(started, in)
		return flow.StateEnded, nil
	})
	return h, &started
}

func requestInput() flow.PairingRequestInput {
	return flow.PairingRequestInput{TalentCaseID: "case_intro", TalentName: "李明", Category: domain.CategoryB,
		Applicant: workflowtest.Applicant, Department: "lgo", LimitDays: 5}
}

// TestDecidingAPairingRequestWithALeaderAndASpecialistStartsThePairing: the office's task asks
// for both names as structured fields; its approval writes the pairing and starts its
// workflow, which outlives the request.
func TestDecidingAPairingRequestWithALeaderAndASpecialistStartsThePairing(t *testing.T) {
	var asked []flow.PairingRequestResult
	h, started := requestHarness(t, func(_ context.Context, r flow.PairingRequestResult) (flow.PairingInput, error) {
		asked = append(asked, r)
		in := pairingInput(domain.CategoryB, 2)
		in.CaseID = r.PairingID
		return in, nil
	})
	h.Script(time.Hour,
		func() {
			task := h.RM.Task(t, flow.StepPairing, "lgo")
			h.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Specialist: "specialist.zhao", Actor: lgoStaff},
				workflows.ErrTypeInvalid, "leader")
			h.DecideRefused(workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Leader: "leader.wang", Actor: lgoStaff},
				workflows.ErrTypeInvalid, "specialist")
			h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Leader: "leader.wang",
				Specialist: "specialist.zhao", Actor: lgoStaff})
		},
	)
	h.Env.ExecuteWorkflow(flow.WorkflowPairingRequest, requestInput())
	require.True(t, h.Env.IsWorkflowCompleted())
	require.NoError(t, h.Env.GetWorkflowError())
	h.Verify()
	require.Equal(t, []flow.PairingRequestResult{{PairingID: "case_intro-pairing", TalentCaseID: "case_intro", Leader: "leader.wang",
		Specialist: "specialist.zhao", By: lgoStaff}}, asked)
	require.Len(t, *started, 1)
	assert.Equal(t, "case_intro-pairing", (*started)[0].CaseID)
	v := h.RM.CaseView(flow.PairingRequestCaseID("case_intro"))
	assert.Equal(t, "paired", v.State)
	assert.Equal(t, flow.ProcessRequest, v.Process)
	assert.Len(t, h.RM.EventsOf(flow.EventPaired), 1)
}

// TestAPairingRequestForATalentPairedMeanwhileClosesWithoutASecondPairing: the office paired the
// talent directly while the request waited; the request's decision finds the pairing and
// starts none.
func TestAPairingRequestForATalentPairedMeanwhileClosesWithoutASecondPairing(t *testing.T) {
	h, started := requestHarness(t, func(context.Context, flow.PairingRequestResult) (flow.PairingInput, error) {
		return flow.PairingInput{}, temporal.NewNonRetryableApplicationError("certificate YG-2026-B-0001 has an active pairing", flow.ErrAlreadyPaired, nil)
	})
	h.Script(time.Hour, func() {
		task := h.RM.Task(t, flow.StepPairing, "lgo")
		h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: domain.OutcomeApprove, Leader: "leader.wang",
			Specialist: "specialist.zhao", Actor: lgoStaff})
	})
	h.Env.ExecuteWorkflow(flow.WorkflowPairingRequest, requestInput())
	require.NoError(t, h.Env.GetWorkflowError())
	h.Verify()
	assert.Empty(t, *started)
	assert.Equal(t, "paired", h.RM.CaseView(flow.PairingRequestCaseID("case_intro")).State)
}
