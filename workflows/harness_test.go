package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
	"talentflow/workflows/workflowtest"
)

// The engine's tests drive stepsProcess (below) on the shared harness.
type harness struct{ *workflowtest.Harness }

var (
	cst       = workflowtest.Zone
	at        = workflowtest.At
	staff     = workflowtest.Staff
	applicant = workflowtest.Applicant
)

func newHarness(t *testing.T, start time.Time) *harness {
	return newHarnessOn(t, start, workflowtest.NewReadModel())
}

func newHarnessOn(t *testing.T, start time.Time, rm *workflowtest.ReadModel) *harness {
	h := &harness{workflowtest.NewHarnessOn(t, start, rm)}
	h.Env.RegisterWorkflowWithOptions(stepsProcess, workflow.RegisterOptions{Name: "StepsProcess"})
	return h
}

// stepsInput configures stepsProcess, a minimal process that runs a sequence of steps, so that
// engine rules are tested apart from any real process.
type stepsInput struct {
	CaseID         string
	Steps          []stepConfig
	CorrectionDays float64
}

type stepConfig struct {
	Key, Name     string
	Mode          workflows.Mode
	Departments   []string
	Users         []string
	Threshold     int
	WaitForAll    bool
	LimitDays     float64
	ReturnTargets []string
	CC            []workflows.Recipient
}

type stepsResult struct {
	State     string
	Approved  bool
	Expired   bool
	LastStep  string
	LastClass domain.Outcome
}

func stepsProcess(ctx workflow.Context, in stepsInput) (stepsResult, error) {
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: in.CaseID, Process: "test", Title: "测试案件", Applicant: applicant})
	if err != nil {
		return stepsResult{}, err
	}
	var out stepsResult
	state, err := c.Run(func(ctx workflow.Context) (string, error) {
		c.AllowWithdraw(true)
		var specs []workflows.StepSpec
		for _, s := range in.Steps {
			spec := workflows.StepSpec{Key: s.Key, Name: s.Name, Mode: s.Mode, Threshold: s.Threshold,
				WaitForAll: s.WaitForAll, LimitDays: s.LimitDays, ReturnTargets: s.ReturnTargets, State: "in_" + s.Key, CC: s.CC}
			for i, d := range s.Departments {
				sg := workflows.Signer{Department: d}
				if i < len(s.Users) {
					sg.User = s.Users[i]
				}
				spec.Signers = append(spec.Signers, sg)
			}
			specs = append(specs, spec)
		}
		flow, err := c.RunFlow(ctx, specs, in.CorrectionDays)
		if err != nil {
			return "", err
		}
		out.Approved, out.Expired = flow.Approved, flow.Expired
		out.LastStep, out.LastClass = flow.Last.Step, flow.Last.Class
		switch {
		case flow.Expired:
			return workflows.StateExpired, nil
		case flow.Approved:
			return "approved", nil
		}
		return workflows.StateRejected, nil
	})
	out.State = state
	return out, err
}

func (h *harness) runSteps(in stepsInput) stepsResult {
	h.T.Helper()
	if in.CaseID == "" {
		in.CaseID = "case_test"
	}
	if in.CorrectionDays == 0 {
		in.CorrectionDays = 10
	}
	h.Env.ExecuteWorkflow("StepsProcess", in)
	require.True(h.T, h.Env.IsWorkflowCompleted(), "workflow did not complete")
	require.NoError(h.T, h.Env.GetWorkflowError())
	var res stepsResult
	require.NoError(h.T, h.Env.GetWorkflowResult(&res))
	h.Verify()
	return res
}
