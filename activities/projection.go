// Package activities holds everything the workflows do to the outside world: the read-model
// projection, the calendar clock, certificates, notification delivery. Each activity is a
// method on a struct holding its dependencies, idempotent by a business key.
package activities

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/audit"
	"talentflow/internal/domain"
	"talentflow/internal/inbox"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Projector writes the workflows' state into the relational read model the API serves.
type Projector struct {
	DB *store.DB
	// Channels are the outbound channels notifications also leave by (none: in-app only).
	Channels []string
	Log      *slog.Logger
	// OnClosed is the processes' read-model changes when a case closes (the registry's); it
	// runs in the projection's transaction.
	OnClosed func(tx *gorm.DB, process, caseID string) error
	// Hours measures a decided task's handling time in working hours (nil: not measured).
	Hours func(from, to time.Time) float64
}

// Project applies one projection in one transaction. Case and task rows only move forward
// (their revision must grow); events, audit entries and notifications are written once by key.
// Retries and replays are therefore harmless.
func (p *Projector) Project(ctx context.Context, pr workflows.Projection) (workflows.ProjectionResult, error) {
	var res workflows.ProjectionResult
	err := p.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		if pr.Case != nil {
			if err := p.upsertCase(tx, pr.Case, now); err != nil {
				return err
			}
		}
		for _, t := range pr.Tasks {
			if err := p.upsertTask(tx, t, now); err != nil {
				return err
			}
		}
		if len(pr.Events) > 0 {
			rows := make([]store.CaseEvent, len(pr.Events))
			for i, e := range pr.Events {
				rows[i] = store.CaseEvent{ID: e.ID, CaseID: e.CaseID, TaskID: e.TaskID, At: e.At.UTC(), Kind: e.Kind,
					Step: e.Step, Actor: e.Actor, Role: e.Role, Department: e.Department, Outcome: string(e.Outcome),
					Comment: e.Comment, Detail: e.Detail}
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
				return fmt.Errorf("timeline: %w", err)
			}
		}
		if len(pr.Audit) > 0 {
			entries := make([]audit.Entry, len(pr.Audit))
			for i, a := range pr.Audit {
				entries[i] = audit.Entry{At: a.At, Actor: a.Actor, Role: a.Role, Department: a.Department,
					Action: a.Action, Object: a.Object, Outcome: a.Outcome, Reason: a.Reason, DedupeKey: a.DedupeKey}
			}
			if err := audit.Append(ctx, p.DB, tx, entries...); err != nil {
				return err
			}
		}
		for _, l := range pr.Attachments {
			link := store.CaseAttachment{CaseID: l.CaseID, SHA256: l.SHA256, TaskID: l.TaskID, AddedBy: l.AddedBy, AddedAt: l.At.UTC()}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&link).Error; err != nil {
				return fmt.Errorf("attachment %s: %w", l.SHA256, err)
			}
		}
		for _, n := range pr.Notifications {
			users, err := inbox.Put(tx, n, now)
			if err != nil {
				return err
			}
			if len(p.Channels) > 0 && len(users) > 0 && n.Kind != workflows.NotifyAssigned {
				res.Deliveries = append(res.Deliveries, workflows.Delivery{Key: n.Key, Notice: n, Users: users, Channels: p.Channels})
			}
		}
		return nil
	})
	return res, err
}

func (p *Projector) upsertCase(tx *gorm.DB, v *workflows.CaseView, now time.Time) error {
	row := store.Case{
		ID: v.ID, Process: v.Process, State: v.State, CurrentStep: v.CurrentStep, StepName: v.StepName,
		Title: v.Title, ApplicantID: v.ApplicantID, Category: string(v.Category), CertificateNo: v.CertificateNo,
		CorrectionDeadline: utc(v.CorrectionDeadline), PhaseEndsAt: utc(v.PhaseEndsAt), Warning: v.Warning,
		WorkflowID: v.WorkflowID, Rev: v.Rev, CreatedAt: now, UpdatedAt: now, ClosedAt: utc(v.ClosedAt),
	}
	if row.State != "" && row.SubmittedAt == nil {
		row.SubmittedAt = &now
	}
	res := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"state", "current_step", "step_name", "category", "certificate_no",
			"correction_deadline", "phase_ends_at", "warning", "workflow_id", "rev", "updated_at", "closed_at"}),
		// A newer revision wins; a closed case stays closed, and a write that closes it wins even
		// with an older revision (see upsertTask).
		Where: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "cases.closed_at IS NULL AND " +
			"(cases.rev < excluded.rev OR excluded.closed_at IS NOT NULL)"}}},
	}).Create(&row)
	if res.Error != nil {
		return fmt.Errorf("case %s: %w", v.ID, res.Error)
	}
	// The first write of a case's workflow starts it in the monitoring trend; its close ends it.
	if v.Rev == 1 {
		if err := store.CountCase(tx, v.ID, v.Process, "started", now); err != nil {
			return fmt.Errorf("case %s started: %w", v.ID, err)
		}
	}
	if v.Closed {
		if err := store.CountCase(tx, v.ID, v.Process, "finished", now); err != nil {
			return fmt.Errorf("case %s finished: %w", v.ID, err)
		}
	}
	if v.Closed && p.OnClosed != nil {
		if err := p.OnClosed(tx, v.Process, v.ID); err != nil {
			return fmt.Errorf("case %s closed: %w", v.ID, err)
		}
	}
	return nil
}

func (p *Projector) upsertTask(tx *gorm.DB, t workflows.TaskView, now time.Time) error {
	row := store.Task{
		ID: t.ID, CaseID: t.CaseID, Process: t.Process, Step: t.Step, StepName: t.StepName, Attempt: t.Attempt,
		Mode: string(t.Mode), Department: t.Department, Role: t.Role, Assignee: t.Assignee, State: t.State,
		Outcome: string(t.Outcome), Comment: t.Comment, DecidedBy: t.DecidedBy, DecidedAt: utc(t.DecidedAt),
		OpenedAt: t.OpenedAt.UTC(), Deadline: utc(t.Deadline), YellowAt: utc(t.YellowAt), Warning: t.Warning,
		Escalation: t.Escalation, UrgeCount: t.UrgeCount, Rev: t.Rev, UpdatedAt: now,
		Outcomes: joinOutcomes(t.Outcomes), ReturnTargets: strings.Join(t.ReturnTargets, ","),
	}
	if row.DecidedAt != nil && p.Hours != nil {
		h := p.Hours(row.OpenedAt, *row.DecidedAt)
		row.WorkingHours = &h
	}
	err := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"assignee", "state", "outcome", "comment", "decided_by", "decided_at",
			"deadline", "yellow_at", "warning", "escalation", "urge_count", "rev", "updated_at", "working_hours"}),
		// A newer revision wins, except that a task's end is final: a done or cancelled row never
		// changes again, and the write that ends an open task wins even with an older revision.
		// Revisions alone are not enough after a crash: a workflow task whose completion was lost
		// can have written a revision that the re-run, meeting a decision earlier than the lost
		// run did, never reaches again (the crash suite found an open row of a certified case).
		Where: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "tasks.state NOT IN ('done', 'cancelled') AND " +
			"(tasks.rev < excluded.rev OR excluded.state IN ('done', 'cancelled'))"}}},
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("task %s: %w", t.ID, err)
	}
	return store.CountDecision(tx, row)
}

func joinOutcomes(os []domain.Outcome) string {
	parts := make([]string, len(os))
	for i, o := range os {
		parts[i] = string(o)
	}
	return strings.Join(parts, ",")
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
