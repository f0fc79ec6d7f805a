package bench

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"talentflow/workflows"
)

// The bare side of liaison: a case is a pairing request (bareCase with FinishPairing, opened
// before the timed part as a certificate opens the real one), the pairing it starts
// (barePairing) and the demand its contact raises (bareDemand). Each mirrors the events the
// real workflow records for the same Updates, read off a real case's histories: the same
// local activities (no-ops), search-attribute upserts, timers, activities and child starts.
const (
	barePairingWorkflow = "BenchBarePairing"
	bareDemandWorkflow  = "BenchBareDemand"
	bareContact         = "log_contact"
	bareRate            = "rate"
)

func barePairingID(requestID string) string { return requestID + "/pairing" }
func bareDemandID(pairingID string) string  { return pairingID + "/demand" }

// barePairing begins as a pairing does (the rows, the index, the rows, the timer of its next
// alarm), takes one contact — which waits until the pairing has begun, writes the contact,
// starts the demand as a child workflow and writes the events — then, the due date met,
// writes the next period and continues as new into a run that writes and waits on its timer.
func barePairing(ctx workflow.Context, shape BareShape) (string, error) {
	c := &bare{shape: shape}
	begun, contacted := false, false
	if err := workflow.SetUpdateHandlerWithOptions(ctx, bareContact, func(ctx workflow.Context) (string, error) {
		contacted = true
		if err := workflow.Await(ctx, func() bool { return begun }); err != nil {
			return "", err
		}
		if err := c.project(ctx); err != nil {
			return "", err
		}
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: bareDemandID(workflow.GetInfo(ctx).WorkflowExecution.ID),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON})
		if err := workflow.ExecuteChildWorkflow(child, bareDemandWorkflow, shape).GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return "", err
		}
		for range 2 {
			if err := c.project(ctx); err != nil {
				return "", err
			}
		}
		return "met", nil
	}, workflow.UpdateHandlerOptions{Validator: func(workflow.Context) error {
		if contacted {
			return fmt.Errorf("the bench logs one contact per pairing")
		}
		return nil
	}}); err != nil {
		return "", err
	}
	if err := c.project(ctx); err != nil {
		return "", err
	}
	if err := c.index(ctx, "active"); err != nil {
		return "", err
	}
	if err := c.project(ctx); err != nil {
		return "", err
	}
	workflow.NewTimer(ctx, bareNotice) // the next reminder: never fires in a run
	begun = true
	if err := workflow.Await(ctx, func() bool { return contacted && workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	if err := c.project(ctx); err != nil {
		return "", err
	}
	return "", workflow.NewContinueAsNewError(ctx, barePairingNextWorkflow)
}

const barePairingNextWorkflow = "BenchBarePairingNext"

// barePairingNext is a pairing's next period: its rows, then the timer of its next alarm.
func barePairingNext(ctx workflow.Context) (string, error) {
	c := &bare{}
	if err := c.project(ctx); err != nil {
		return "", err
	}
	workflow.NewTimer(ctx, bareNotice)
	return "", workflow.Await(ctx, func() bool { return false })
}

// bareDemand opens the department's reply (the calendar, the index, its deadline timer, the
// rows); the reply (Update decide, task 1) writes it and opens the office's verification; the
// verification (task 2) asks the calendar for the rating's deadline and starts its timer; the
// rating (Update rate) writes it, indexes, and the demand completes.
func bareDemand(ctx workflow.Context, shape BareShape) (string, error) {
	c := &bare{shape: shape}
	var deadline workflow.CancelFunc
	open := func(ctx workflow.Context) {
		tctx, cancel := workflow.WithCancel(ctx)
		workflow.NewTimer(tctx, bareSLA)
		deadline = cancel
	}
	stage, ready, rated := 0, false, false
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateSettled, func(ctx workflow.Context) (string, error) {
		return "settled", workflow.Await(ctx, func() bool { return ready })
	}); err != nil {
		return "", err
	}
	run := func(ctx workflow.Context, ops ...func(workflow.Context) error) error {
		for _, op := range ops {
			if err := op(ctx); err != nil {
				return err
			}
		}
		return nil
	}
	project := c.project
	schedule := func(ctx workflow.Context) error { return c.schedule(ctx, 1) }
	index := func(state string) func(workflow.Context) error {
		return func(ctx workflow.Context) error { return c.index(ctx, state) }
	}
	timer := func(ctx workflow.Context) error { open(ctx); return nil }
	if err := workflow.SetUpdateHandlerWithOptions(ctx, bareDecide, func(ctx workflow.Context, d BareDecision) (string, error) {
		deadline()
		if stage++; stage == 1 {
			return "verifying", run(ctx, project, project, schedule, index("verifying"), timer, project)
		}
		return "rating", run(ctx, project, index("rating"), schedule, project, timer)
	}, workflow.UpdateHandlerOptions{Validator: func(_ workflow.Context, d BareDecision) error {
		if stage >= 2 || d.Task != stage+1 {
			return fmt.Errorf("task %d is not open", d.Task)
		}
		return nil
	}}); err != nil {
		return "", err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, bareRate, func(ctx workflow.Context) (string, error) {
		rated = true
		return "resolved", run(ctx, project, project, project, index("resolved"), project)
	}, workflow.UpdateHandlerOptions{Validator: func(workflow.Context) error {
		if stage < 2 || rated {
			return fmt.Errorf("the demand waits for no rating")
		}
		return nil
	}}); err != nil {
		return "", err
	}
	if err := run(ctx, schedule, index("answering"), timer, project); err != nil {
		return "", err
	}
	ready = true
	if err := workflow.Await(ctx, func() bool { return rated && workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	return "resolved", nil
}

// prepareLiaison starts the bare pairing requests before the timed part, as certification
// opens the real ones before it: a start and the settled Update each.
func (b *bareSide) prepareLiaison(ctx context.Context, n, concurrency int) error {
	side := drive(ctx, "bare requests (untimed)", n, concurrency, nil, func(ctx context.Context, i int) (int, error) {
		return 0, b.start(ctx, "", i, time.Now())
	})
	if side.Failed > 0 {
		return fmt.Errorf("bare side: %d pairing requests failed to start; the first: %s", side.Failed, side.FirstError)
	}
	return nil
}

// runLiaison decides request i (its pairing starts), logs the pairing's contact (its demand
// starts; the client waits until the demand is settled, as the API's contact does), decides
// the demand's reply and verification, and rates it: five Updates, as the full side's five
// human steps.
func (b *bareSide) runLiaison(ctx context.Context, i int) (int, error) {
	id := b.caseID(i)
	pairing := barePairingID(id)
	demand := bareDemandID(pairing)
	if err := b.update(ctx, "bare decide", id, bareDecide, BareDecision{Task: 1}, time.Now()); err != nil {
		return 0, err
	}
	began := time.Now()
	if err := b.update(ctx, "", pairing, bareContact, nil, began); err != nil {
		return 1, err
	}
	if err := b.update(ctx, "bare contact", demand, workflows.UpdateSettled, nil, began); err != nil {
		return 2, err
	}
	for task := 1; task <= 2; task++ {
		if err := b.update(ctx, "bare decide", demand, bareDecide, BareDecision{Task: task}, time.Now()); err != nil {
			return 1 + task, err
		}
	}
	if err := b.update(ctx, "bare rate", demand, bareRate, nil, time.Now()); err != nil {
		return 4, err
	}
	return liaisonHumanSteps, nil
}
