package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/store"
	"talentflow/workflows"
)

// Starting a case is crash-safe: the transaction that submits a case also records the start of
// its workflow (RecordStart); after the commit, Launch starts it and deletes the record. A crash
// or an unreachable Temporal between the two leaves the record, and ReconcileStarts — at every
// start-up and then periodically — finishes it. Temporal rejects a second start of the same
// workflow id, so a start is never doubled, whoever gets there first.

// RecordStart records, inside tx, that the case's workflow is to be started.
func (a *App) RecordStart(tx *gorm.DB, req StartRequest) error {
	input, err := json.Marshal(req.Input)
	if err != nil {
		return fmt.Errorf("start input of case %s: %w", req.CaseID, err)
	}
	return tx.Create(&store.CaseStart{CaseID: req.CaseID, Process: req.Process, WorkflowID: req.WorkflowID,
		Workflow: req.Workflow, Input: string(input), Category: req.Category, CreatedAt: a.now()}).Error
}

// ErrStartPending answers a submission whose workflow could not be started yet: it is recorded
// and starts on its own once the workflow service answers.
var ErrStartPending = &Error{Kind: KindUnavailable, Code: "start_pending", RetryAfter: RetryAfterOutage,
	Message: "the workflow service did not answer: the submission is recorded and starts on its own as soon as the service is back"}

// Launch starts the recorded workflow of a case, if one is still recorded, and deletes the
// record. A workflow that exists already counts as started.
func (a *App) Launch(ctx context.Context, caseID string) error {
	var row store.CaseStart
	err := a.DB.WithContext(ctx).Where("case_id = ?", caseID).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil
	case err != nil:
		return a.Unavailable(ctx, "the database", err)
	}
	return a.launch(ctx, row)
}

func (a *App) launch(ctx context.Context, row store.CaseStart) error {
	err := a.Engine.Start(ctx, StartRequest{CaseID: row.CaseID, Process: row.Process, WorkflowID: row.WorkflowID,
		Workflow: row.Workflow, Input: json.RawMessage(row.Input), Category: row.Category})
	// The record is kept up to date even when the request ran out of time.
	rctx, cancel := Detached(ctx)
	defer cancel()
	db := a.DB.WithContext(rctx)
	if err != nil && !errors.Is(err, ErrAlreadyStarted) {
		a.Log.WarnContext(ctx, "case workflow not started yet", "case", row.CaseID, "err", err)
		if uerr := db.Model(&store.CaseStart{}).Where("case_id = ?", row.CaseID).
			Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": truncate(err.Error(), 500)}).Error; uerr != nil {
			a.Log.WarnContext(ctx, "start attempt not recorded", "case", row.CaseID, "err", uerr)
		}
		return ErrStartPending
	}
	if err := db.Where("case_id = ?", row.CaseID).Delete(&store.CaseStart{}).Error; err != nil {
		// Harmless: the next reconciliation finds the workflow started and deletes it then.
		a.Log.WarnContext(ctx, "start record not deleted", "case", row.CaseID, "err", err)
	}
	return nil
}

// ReconcileStarts starts every recorded start older than minAge (younger ones are probably
// being launched by the request that recorded them) and reports how many it started.
func (a *App) ReconcileStarts(ctx context.Context, minAge time.Duration) (int, error) {
	var rows []store.CaseStart
	if err := a.DB.WithContext(ctx).Where("created_at <= ?", a.now().Add(-minAge)).Order("created_at").
		Limit(500).Find(&rows).Error; err != nil {
		return 0, err
	}
	started := 0
	for _, row := range rows {
		if err := a.launch(ctx, row); err != nil {
			return started, err // the service is down: try again at the next round
		}
		started++
	}
	if started > 0 {
		a.Log.InfoContext(ctx, "recorded case starts finished", "count", started)
	}
	return started, nil
}

// KeepReconcilingStarts runs ReconcileStarts now (everything recorded before this process
// started is stale) and then every interval until ctx ends.
func (a *App) KeepReconcilingStarts(ctx context.Context, interval time.Duration) {
	for minAge := time.Duration(0); ; minAge = interval / 2 {
		if _, err := a.ReconcileStarts(ctx, minAge); err != nil && ctx.Err() == nil {
			a.Log.WarnContext(ctx, "recorded case starts not finished yet", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// Settle waits until a case's workflow waits for people again (its first tasks are in the read
// model), so that a caller who just started or changed it sees it under way. A workflow that
// is slow to answer is only logged: the case goes on.
func (a *App) Settle(ctx context.Context, caseID, workflowID string) {
	var status workflows.CaseStatus
	if err := a.Engine.Update(ctx, workflowID, workflows.UpdateSettled, nil, &status); err != nil {
		a.Log.WarnContext(ctx, "case started but did not settle in time", "case", caseID, "err", err)
	}
}

// LaunchAndSettle starts the recorded workflow of a case and waits until it has settled.
func (a *App) LaunchAndSettle(ctx context.Context, caseID, workflowID string) error {
	if err := a.Launch(ctx, caseID); err != nil {
		return err
	}
	a.Settle(ctx, caseID, workflowID)
	return nil
}
