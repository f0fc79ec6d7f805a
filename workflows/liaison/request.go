package liaison

import (
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// PairingRequestInput asks the leading-group office to pair a newly certified A–C talent with a
// county-level leader and a service specialist (每名高层次人才均由一名县级领导干部对接).
type PairingRequestInput struct {
	TalentCaseID string          `json:"talent_case_id"`
	TalentName   string          `json:"talent_name"`
	Category     domain.Category `json:"category"`
	Applicant    workflows.Actor `json:"applicant"`
	Department   string          `json:"department"` // the leading-group office
	LimitDays    float64         `json:"limit_days"`
}

// PairingRequestCaseID is the case id of the pairing request that follows a certification.
func PairingRequestCaseID(talentCaseID string) string { return talentCaseID + "-liaison" }

// PairingRequestWorkflowID is the id of the pairing request's workflow of an introduction case.
func PairingRequestWorkflowID(talentCaseID string) string { return "pairing-request:" + talentCaseID }

// RequestedPairingID is the id of the pairing a pairing request starts.
func RequestedPairingID(talentCaseID string) string { return talentCaseID + "-pairing" }

var createOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{ErrAlreadyPaired, "NotFound"}},
}

// LiaisonPairingRequest is the leading-group office's task of pairing a certified talent: its
// decision names the leader and the specialist (structured fields the API has checked), and
// the pairing starts as a workflow of its own that outlives the request.
func LiaisonPairingRequest(ctx workflow.Context, in PairingRequestInput) (string, error) {
	if in.TalentCaseID == "" || in.Department == "" {
		return "", temporal.NewNonRetryableApplicationError("talent case and department are required", "InvalidInput", nil)
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{
		ID:        PairingRequestCaseID(in.TalentCaseID),
		Process:   ProcessRequest,
		Title:     fmt.Sprintf("%s（%s类）联系领导配对", in.TalentName, in.Category),
		Applicant: in.Applicant,
		Category:  in.Category,
	})
	if err != nil {
		return "", err
	}
	return c.Run(func(ctx workflow.Context) (string, error) {
		c.Event(ctx, workflows.Event{Kind: EventRequested, Detail: "for case " + in.TalentCaseID})
		step := workflows.StepSpec{
			Key: StepPairing, Name: "指定联系领导与服务专员", State: "pairing", Mode: workflows.ModeSingle,
			Signers:   []workflows.Signer{{Department: in.Department, Role: workflows.RoleLGO}},
			LimitDays: in.LimitDays,
			Outcomes:  []workflows.OutcomeRule{{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove}},
			Check: func(d workflows.Decision) error {
				switch {
				case d.Leader == "":
					return workflows.Invalid("leader", "name the county leader (a user holding the leader role)")
				case d.Specialist == "":
					return workflows.Invalid("specialist", "name the service specialist (a user holding the specialist role)")
				}
				return nil
			},
		}
		var pin PairingInput
		for {
			res, err := c.RunStep(ctx, step)
			if err != nil {
				return "", err
			}
			// Requests decided before the liaison process existed closed here.
			if workflow.GetVersion(ctx, "start-pairing", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				return "paired", nil
			}
			d := res.Decisions[len(res.Decisions)-1]
			err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, createOptions), ActivityCreatePairing, PairingRequestResult{
				PairingID: RequestedPairingID(in.TalentCaseID), TalentCaseID: in.TalentCaseID, Leader: d.Leader, Specialist: d.Specialist, By: d.Actor,
			}).Get(ctx, &pin)
			var appErr *temporal.ApplicationError
			switch {
			case errors.As(err, &appErr) && appErr.Type() == ErrAlreadyPaired:
				c.Event(ctx, workflows.Event{Kind: EventPaired, Detail: "the talent was paired meanwhile: " + appErr.Message()})
				return "paired", nil
			case errors.As(err, &appErr) && appErr.Type() == "NotFound":
				// The people named no longer fit (a role was revoked meanwhile): ask again.
				c.Event(ctx, workflows.Event{Kind: workflows.EventReturned, Step: StepPairing, Detail: appErr.Message()})
				continue
			case err != nil:
				return "", err
			}
			break
		}
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        WorkflowID(pin.CaseID),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		f := workflow.ExecuteChildWorkflow(child, WorkflowPairing, pin)
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return "", err
		}
		c.Event(ctx, workflows.Event{Kind: EventPaired, Actor: pin.By.Username, Detail: pin.CaseID})
		return "paired", nil
	})
}
