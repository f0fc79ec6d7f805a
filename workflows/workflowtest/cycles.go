package workflowtest

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"talentflow/workflows"
)

// CyclesInput drives CyclesProcess, a years-long process in miniature: one confirmation step
// per cycle, a continue-as-new after each, and a standing step that stays open across them all.
type CyclesInput struct {
	CaseID string
	Cycles int
	Done   int
	Engine *workflows.CaseSnapshot
	// Applicant is whose case it is (default: Applicant).
	Applicant workflows.Actor
}

// StandingStep is the step that stays open across every run.
var StandingStep = workflows.StepSpec{Key: "standing", Name: "长期事项", Mode: workflows.ModeSingle,
	Signers: []workflows.Signer{{Department: "sci"}}, LimitDays: 12}

// CycleStep is the confirmation step of cycle n.
func CycleStep(n int) workflows.StepSpec {
	return workflows.StepSpec{Key: fmt.Sprintf("cycle%d", n), Name: fmt.Sprintf("第%d期确认", n), Mode: workflows.ModeSingle,
		Signers: []workflows.Signer{{Department: "hrss"}}, LimitDays: 3}
}

// CyclesWorkflow is CyclesProcess's registered type name.
const CyclesWorkflow = "CyclesProcess"

// CyclesProcess runs In.Cycles confirmation steps, one per run, continuing as new after each,
// beside a standing step that stays open throughout. The engine's tests run it with time
// skipping, the end-to-end tests on the real server, and the replay tests replay its histories.
func CyclesProcess(ctx workflow.Context, in CyclesInput) (string, error) {
	if in.Applicant.UserID == "" {
		in.Applicant = Applicant
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: in.CaseID, Process: "test", Title: "长期案件",
		Applicant: in.Applicant, Restore: in.Engine})
	if err != nil {
		return "", err
	}
	return c.Run(func(ctx workflow.Context) (string, error) {
		standing := c.Go(ctx, func(ctx workflow.Context) error {
			_, err := c.RunStep(ctx, StandingStep)
			return err
		})
		for in.Done < in.Cycles {
			if _, err := c.RunStep(ctx, CycleStep(in.Done+1)); err != nil {
				return "", err
			}
			in.Done++
			if in.Done < in.Cycles {
				return "", c.ContinueAsNew(ctx, CyclesWorkflow, func(s workflows.CaseSnapshot) any {
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

// SleeperWorkflow is Sleeper's registered type name.
const SleeperWorkflow = "Sleeper"

// SleeperInput configures Sleeper.
type SleeperInput struct {
	CaseID string
	// ContinueAfterEvents is the case's history limit; Nap, how long each sleep lasts.
	ContinueAfterEvents int
	Nap                 time.Duration
	// Runs counts the runs so far.
	Runs int
	// Applicant is whose case it is (default: Applicant).
	Applicant workflows.Actor
}

// Sleeper naps until its case says the history has grown past its limit, then continues as
// new; the second run ends the case. It shows ShouldContinueAsNew on a real server (the test
// environment does not count history events).
func Sleeper(ctx workflow.Context, in SleeperInput) (string, error) {
	if in.Applicant.UserID == "" {
		in.Applicant = Applicant
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: in.CaseID, Process: "test", Title: "长期案件",
		Applicant: in.Applicant, ContinueAfterEvents: in.ContinueAfterEvents})
	if err != nil {
		return "", err
	}
	return c.Run(func(ctx workflow.Context) (string, error) {
		if in.Runs > 0 {
			return "continued", nil
		}
		for range 1000 {
			if c.ShouldContinueAsNew(ctx) {
				in.Runs++
				return "", c.ContinueAsNew(ctx, SleeperWorkflow, func(workflows.CaseSnapshot) any { return in })
			}
			if err := workflow.Sleep(ctx, in.Nap); err != nil {
				return "", err
			}
		}
		return "never continued", nil
	})
}
