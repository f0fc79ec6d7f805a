package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
)

// registerHandlers installs the live-status query and the updates people act through. Each
// update has a validator (no side effects, no blocking) so a caller learns at once that a task
// is no longer open; handlers change state before their first blocking call, so that of two
// concurrent decisions on one task exactly one is accepted.
func (c *Case) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (CaseStatus, error) { return c.Status(), nil }); err != nil {
		return err
	}
	updates := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateDecide, c.decide, c.validateDecision},
		{UpdateClaim, c.claim, c.validateClaim},
		{UpdateUnclaim, c.unclaim, c.validateUnclaim},
		{UpdateDelegate, c.delegate, c.validateDelegation},
		{UpdateAddSigner, c.addSigner, c.validateSigner},
		{UpdateUrge, c.urge, c.validateUrge},
		{UpdateWithdraw, c.withdraw, c.validateWithdraw},
		{UpdateResubmit, c.resubmit, c.validateResubmit},
	}
	// settled answers once the case waits for people again: a caller that just started the
	// case reads a read model that already shows the first tasks.
	if err := workflow.SetUpdateHandler(ctx, UpdateSettled, func(ctx workflow.Context) (CaseStatus, error) {
		return c.answer(ctx), nil
	}); err != nil {
		return err
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler,
			workflow.UpdateHandlerOptions{Validator: u.validator}); err != nil {
			return err
		}
	}
	return nil
}

// OnCaseAction registers a process-specific case update (such as a public-notice objection):
// validate must not block; apply changes state and may block. The update answers once the
// case has settled.
func (c *Case) OnCaseAction(ctx workflow.Context, name string, validate func(CaseAction) error, apply func(workflow.Context, CaseAction)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, a CaseAction) (CaseStatus, error) {
			apply(ctx, a)
			return c.answer(ctx), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a CaseAction) error {
			if c.closing {
				return Conflict("case %s is closed", c.info.ID)
			}
			return validate(a)
		}})
}

// answer commits what a handler changed, waits until the case has settled, and reports it.
func (c *Case) answer(ctx workflow.Context) CaseStatus {
	_ = c.Commit(ctx)
	c.settle(ctx)
	return c.Status()
}

// openTask returns the task if the actor may act on it now.
func (c *Case) actionableTask(id string, actor Actor) (*task, error) {
	t := c.taskByID(id)
	switch {
	case t == nil:
		return nil, NotFound("task %s is not part of case %s", id, c.info.ID)
	case t.State == TaskPaused:
		return nil, Conflict("task %s is paused while the case is returned for correction", id)
	case t.State != TaskOpen:
		return nil, Conflict("task %s is no longer open: it is %s", id, t.State)
	case actor.Department != t.Department:
		return nil, Forbidden("task %s belongs to department %s", id, t.Department)
	}
	return t, nil
}

func (c *Case) validateDecision(ctx workflow.Context, d Decision) error {
	t, err := c.actionableTask(d.TaskID, d.Actor)
	if err != nil {
		return err
	}
	if t.Assignee != "" && t.Assignee != d.Actor.Username {
		return Conflict("task %s is claimed by %s", t.ID, t.Assignee)
	}
	spec := &t.step.spec
	rule, ok := spec.rule(d.Outcome)
	if !ok {
		offered := make([]string, 0, len(spec.outcomes()))
		for _, r := range spec.outcomes() {
			offered = append(offered, string(r.Outcome))
		}
		return Invalid("outcome", "outcome %q is not offered at step %s; choose one of %s", d.Outcome, spec.Key, strings.Join(offered, ", "))
	}
	if rule.ReasonRequired && strings.TrimSpace(d.Comment) == "" {
		return Invalid("comment", "a %s needs a reason in the comment", d.Outcome)
	}
	if rule.Class == domain.OutcomeReturn && d.ReturnTo != "" && d.ReturnTo != ReturnToApplicant {
		target := c.stepByKey(d.ReturnTo)
		if !slices.Contains(spec.ReturnTargets, d.ReturnTo) || target == nil || target.status != stepDone {
			allowed := append([]string{ReturnToApplicant}, spec.ReturnTargets...)
			return Invalid("return_to", "step %s can return to %s, not %q", spec.Key, strings.Join(allowed, ", "), d.ReturnTo)
		}
	}
	if spec.Check != nil {
		return spec.Check(d)
	}
	return nil
}

func (c *Case) decide(ctx workflow.Context, d Decision) (DecisionResult, error) {
	t := c.taskByID(d.TaskID)
	rule, _ := t.step.spec.rule(d.Outcome)
	opened, measured := c.applyDecision(ctx, t, rule, d)
	c.recordConsumed(ctx, measured)
	c.arm(ctx, opened...)
	status := c.answer(ctx)
	return DecisionResult{Task: t.TaskView, Case: status}, nil
}

func (c *Case) validateClaim(ctx workflow.Context, a TaskAction) error {
	t, err := c.actionableTask(a.TaskID, a.Actor)
	if err != nil {
		return err
	}
	if t.Assignee != "" && t.Assignee != a.Actor.Username {
		return Conflict("task %s is already claimed by %s", t.ID, t.Assignee)
	}
	return nil
}

func (c *Case) claim(ctx workflow.Context, a TaskAction) (TaskView, error) {
	t := c.taskByID(a.TaskID)
	if t.Assignee != a.Actor.Username {
		t.Assignee = a.Actor.Username
		c.touch(t)
		c.Event(ctx, Event{Kind: EventClaimed, TaskID: t.ID, Step: t.Step, Actor: a.Actor.Username, Role: a.Actor.Role, Department: t.Department})
		c.Audit(ctx, a.Actor, "task.claim", "task/"+t.ID, "claimed", "")
	}
	c.answer(ctx)
	return t.TaskView, nil
}

func (c *Case) validateUnclaim(ctx workflow.Context, a TaskAction) error {
	t, err := c.actionableTask(a.TaskID, a.Actor)
	if err != nil {
		return err
	}
	switch {
	case t.Assignee == "":
		return Conflict("task %s is not claimed", t.ID)
	case t.signer.User != "" && t.Assignee == t.signer.User:
		return Conflict("task %s is assigned to %s by name; delegate it instead", t.ID, t.Assignee)
	case t.Assignee != a.Actor.Username && a.Actor.Role != RoleDeptHead && a.Actor.Role != RoleLGO:
		return Forbidden("only %s or a department head may release task %s", t.Assignee, t.ID)
	}
	return nil
}

func (c *Case) unclaim(ctx workflow.Context, a TaskAction) (TaskView, error) {
	t := c.taskByID(a.TaskID)
	prev := t.Assignee
	t.Assignee = ""
	c.touch(t)
	c.Event(ctx, Event{Kind: EventUnclaimed, TaskID: t.ID, Step: t.Step, Actor: a.Actor.Username, Role: a.Actor.Role, Department: t.Department, Detail: "released by " + prev})
	c.Audit(ctx, a.Actor, "task.unclaim", "task/"+t.ID, "released", "")
	c.answer(ctx)
	return t.TaskView, nil
}

func (c *Case) validateDelegation(ctx workflow.Context, d Delegation) error {
	t, err := c.actionableTask(d.TaskID, d.Actor)
	if err != nil {
		return err
	}
	switch {
	case d.To == "":
		return Invalid("to", "name the user to delegate to")
	case d.To == t.Assignee:
		return Invalid("to", "task %s is already with %s", t.ID, d.To)
	case t.Assignee != "" && t.Assignee != d.Actor.Username && d.Actor.Role != RoleDeptHead && d.Actor.Role != RoleLGO:
		return Forbidden("task %s is with %s; only they or a department head may delegate it", t.ID, t.Assignee)
	}
	return nil
}

func (c *Case) delegate(ctx workflow.Context, d Delegation) (TaskView, error) {
	t := c.taskByID(d.TaskID)
	t.Assignee = d.To
	t.signer.User = d.To
	c.touch(t)
	c.Event(ctx, Event{Kind: EventDelegated, TaskID: t.ID, Step: t.Step, Actor: d.Actor.Username, Role: d.Actor.Role,
		Department: t.Department, Comment: d.Reason, Detail: "to " + d.To})
	c.Audit(ctx, d.Actor, "task.delegate", "task/"+t.ID, "delegated to "+d.To, d.Reason)
	c.Notify(NotifyAssigned, t.ID, fmt.Sprintf("转办：%s「%s」", c.info.Title, t.StepName),
		fmt.Sprintf("%s 将此待办转交给您。%s", d.Actor.Name, d.Reason), Recipient{Username: d.To})
	c.answer(ctx)
	return t.TaskView, nil
}

func (c *Case) validateSigner(ctx workflow.Context, r SignerRequest) error {
	t := c.taskByID(r.TaskID)
	if t == nil {
		return NotFound("task %s is not part of case %s", r.TaskID, c.info.ID)
	}
	s := t.step
	switch {
	case c.closing || t.State != TaskOpen || s.status != stepRunning || s.result != nil:
		return Conflict("step %s is not open", s.spec.Key)
	case s.spec.Mode != ModeCountersign && s.spec.Mode != ModeVote:
		return Conflict("step %s is %s: signers can only be added to a countersign or vote", s.spec.Key, s.spec.Mode)
	case r.Department == "":
		return Invalid("department", "name the department of the new signer")
	}
	for _, sg := range s.signers {
		if sg.Department == r.Department && sg.User == r.User {
			return Conflict("department %s already signs step %s", r.Department, s.spec.Key)
		}
	}
	return nil
}

func (c *Case) addSigner(ctx workflow.Context, r SignerRequest) (TaskView, error) {
	s := c.taskByID(r.TaskID).step
	sg := &signer{Signer: Signer{Department: r.Department, Role: RoleApprover, User: r.User}}
	s.signers = append(s.signers, sg)
	t := c.openTask(ctx, s, sg)
	c.Event(ctx, Event{Kind: EventSignerAdded, TaskID: t.ID, Step: s.spec.Key, Actor: r.Actor.Username, Role: r.Actor.Role,
		Department: r.Department, Comment: r.Reason})
	c.Audit(ctx, r.Actor, "step.add_signer", "case/"+c.info.ID, "added "+r.Department, r.Reason)
	c.arm(ctx, t)
	c.answer(ctx)
	return t.TaskView, nil
}

// validateUrge: any open task may be urged; who may urge where is the API's decision.
func (c *Case) validateUrge(ctx workflow.Context, u Urge) error {
	t := c.taskByID(u.TaskID)
	switch {
	case t == nil:
		return NotFound("task %s is not part of case %s", u.TaskID, c.info.ID)
	case t.State != TaskOpen:
		return Conflict("task %s is %s; only open tasks can be urged", t.ID, t.State)
	}
	return nil
}

func (c *Case) urge(ctx workflow.Context, u Urge) (TaskView, error) {
	t := c.taskByID(u.TaskID)
	t.UrgeCount++
	c.touch(t)
	c.Event(ctx, Event{Kind: EventUrged, TaskID: t.ID, Step: t.Step, Actor: u.Actor.Username, Role: u.Actor.Role,
		Department: u.Actor.Department, Comment: u.Comment, Detail: "to " + t.Department})
	c.Audit(ctx, u.Actor, "task.urge", "task/"+t.ID, "urged", u.Comment)
	c.Notify(NotifyUrge, t.ID, fmt.Sprintf("催办：%s「%s」", c.info.Title, t.StepName),
		fmt.Sprintf("%s 催办：%s", u.Actor.Name, u.Comment), c.workers(t))
	c.answer(ctx)
	return t.TaskView, nil
}

func (c *Case) validateWithdraw(ctx workflow.Context, a CaseAction) error {
	switch {
	case a.Actor.UserID != c.info.Applicant.UserID:
		return Forbidden("only the applicant may withdraw case %s", c.info.ID)
	case c.closing || c.withdrawn != nil:
		return Conflict("case %s is closed", c.info.ID)
	case !c.withdrawable:
		return Conflict("case %s can no longer be withdrawn (state %s)", c.info.ID, c.view.State)
	}
	return nil
}

func (c *Case) withdraw(ctx workflow.Context, a CaseAction) (CaseStatus, error) {
	c.withdrawn = &a
	c.Event(ctx, Event{Kind: EventWithdrawn, Actor: a.Actor.Username, Role: a.Actor.Role, Comment: a.Reason})
	c.Audit(ctx, a.Actor, "case.withdraw", "case/"+c.info.ID, StateWithdrawn, a.Reason)
	c.cancelFlow()
	return c.answer(ctx), nil
}

func (c *Case) validateResubmit(ctx workflow.Context, a CaseAction) error {
	switch {
	case a.Actor.UserID != c.info.Applicant.UserID:
		return Forbidden("only the applicant may resubmit case %s", c.info.ID)
	case c.correction == nil || c.correction.resubmitted:
		return Conflict("case %s is not waiting for a correction", c.info.ID)
	}
	return nil
}

func (c *Case) resubmit(ctx workflow.Context, a CaseAction) (CaseStatus, error) {
	c.correction.resubmitted = true
	c.Event(ctx, Event{Kind: EventResubmitted, Actor: a.Actor.Username, Role: a.Actor.Role, Comment: a.Reason})
	c.Audit(ctx, a.Actor, "case.resubmit", "case/"+c.info.ID, "resubmitted", a.Reason)
	return c.answer(ctx), nil
}

// Answer commits what a process's own update handler changed, waits until the case has
// settled, and reports it: how such a handler answers, like the engine's own.
func (c *Case) Answer(ctx workflow.Context) CaseStatus { return c.answer(ctx) }
