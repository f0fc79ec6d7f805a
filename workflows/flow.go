package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
)

// FlowResult is how a sequence of steps ended.
type FlowResult struct {
	// Approved: every step approved. Otherwise Last is the rejection, or Expired is set.
	Approved bool
	Expired  bool
	Last     StepResult
	// Results holds each step's latest result by step key.
	Results map[string]StepResult
}

// RunFlow runs steps in order. A return to the applicant waits for the correction (the case
// closes as expired after correctionDays working days without one) and then resumes the step
// that returned it. A return to an earlier step (驳回到指定节点) runs that step again and then
// jumps straight back to the step that returned it.
func (c *Case) RunFlow(ctx workflow.Context, steps []StepSpec, correctionDays float64) (FlowResult, error) {
	index := func(key string) int {
		for i, s := range steps {
			if s.Key == key {
				return i
			}
		}
		return -1
	}
	out := FlowResult{Results: map[string]StepResult{}}
	i, back := 0, -1
	for i < len(steps) {
		res, err := c.RunStep(ctx, steps[i])
		if err != nil {
			return out, err
		}
		out.Last = res
		out.Results[res.Step] = res
		switch res.Class {
		case domain.OutcomeApprove:
			if back > i {
				i, back = back, -1
			} else {
				i++
			}
		case domain.OutcomeReject:
			return out, nil
		case domain.OutcomeReturn:
			if j := index(res.ReturnTo); j >= 0 && j < i {
				c.Event(ctx, Event{Kind: EventReturned, Step: steps[i].Key, Actor: res.By.Username, Role: res.By.Role,
					Comment: res.Comment, Detail: "to step " + res.ReturnTo})
				back = max(back, i)
				i = j
				continue
			}
			resubmitted, err := c.AwaitCorrection(ctx, correctionDays, res)
			if err != nil {
				return out, err
			}
			if !resubmitted {
				out.Expired = true
				return out, nil
			}
		}
	}
	out.Approved = true
	return out, nil
}

// AwaitCorrection hands the case back to the applicant (退回补正) until they resubmit or
// days working days pass. The time limits of the tasks it interrupted do not run meanwhile.
// It reports whether the applicant resubmitted in time.
func (c *Case) AwaitCorrection(ctx workflow.Context, days float64, res StepResult) (bool, error) {
	now := workflow.Now(ctx)
	deadline := c.Deadlines(ctx, ScheduleRequest{Start: now, LimitDays: days, LGODelayDays: -1})[0].Deadline
	previous := c.view.State
	c.correction = &correction{}
	v := c.View()
	v.State, v.CorrectionDeadline = StateReturned, TimePtr(deadline)
	c.Event(ctx, Event{Kind: EventReturned, Step: res.Step, Actor: res.By.Username, Role: res.By.Role, Department: res.By.Department,
		Comment: res.Comment, Detail: "to the applicant until " + FormatTime(deadline)})
	c.Notify(NotifyInfo, "", fmt.Sprintf("退回补正：%s", c.info.Title),
		fmt.Sprintf("退回原因：%s。请于 %s 前修改并重新提交，逾期未提交的申请将关闭。", res.Comment, FormatTime(deadline)), c.Applicant())
	if err := c.Commit(ctx); err != nil {
		return false, err
	}

	timeout := deadline.Sub(workflow.Now(ctx))
	if timeout == 0 {
		timeout = -1
	}
	ok, err := c.Wait(ctx, timeout, func() bool { return c.correction.resubmitted })
	c.correction = nil
	v = c.View()
	v.CorrectionDeadline = nil
	if err != nil {
		return false, err
	}
	if !ok {
		c.Event(ctx, Event{Kind: EventExpired, Actor: System.Username, Detail: "no resubmission by " + FormatTime(deadline)})
		c.Audit(ctx, System, "case.expire", "case/"+c.info.ID, StateExpired, "the correction deadline passed without a resubmission")
		return false, nil
	}
	v.State = previous
	return true, nil
}
