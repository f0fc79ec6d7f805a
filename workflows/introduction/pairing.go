package introduction

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// PairingRequestInput asks the leading-group office to pair a newly certified A–C talent with a
// county-level leader (每名高层次人才均由一名县级领导干部对接).
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

// LiaisonPairingRequest is the visible leading-group-office task that stands in for the liaison
// process until that process exists: the office names the leader and service specialist in its
// decision, and the case closes as paired.
func LiaisonPairingRequest(ctx workflow.Context, in PairingRequestInput) (string, error) {
	if in.TalentCaseID == "" || in.Department == "" {
		return "", temporal.NewNonRetryableApplicationError("talent case and department are required", "InvalidInput", nil)
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{
		ID:        PairingRequestCaseID(in.TalentCaseID),
		Process:   ProcessPairing,
		Title:     fmt.Sprintf("%s（%s类）联系领导配对", in.TalentName, in.Category),
		Applicant: in.Applicant,
		Category:  in.Category,
	})
	if err != nil {
		return "", err
	}
	return c.Run(func(ctx workflow.Context) (string, error) {
		c.Event(ctx, workflows.Event{Kind: EventPairingRequest, Detail: "for case " + in.TalentCaseID})
		_, err := c.RunStep(ctx, workflows.StepSpec{
			Key: "pairing", Name: "指定联系领导与服务专员", State: "pairing", Mode: workflows.ModeSingle,
			Signers:   []workflows.Signer{{Department: in.Department, Role: workflows.RoleLGO}},
			LimitDays: in.LimitDays,
			Outcomes: []workflows.OutcomeRule{
				// The comment names the leader and the service specialist.
				{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove, ReasonRequired: true},
			},
		})
		if err != nil {
			return "", err
		}
		return "paired", nil
	})
}
