package cases

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/store"
)

// ErrNotFound is the Store's answer for an unknown case or certificate.
var ErrNotFound = errors.New("not found")

// ListQuery is a case list as the Store reads it: the filter, and whose cases the caller may
// see (everything, cases with a task in Departments, and always their own applications).
type ListQuery struct {
	CaseFilter
	UserID         string
	AllDepartments bool
	Departments    []string
}

// Store is what the case use cases need of storage.
type Store interface {
	Case(ctx context.Context, id string) (store.Case, error)
	// TaskDepartments are the departments that have (or had) a task on the case.
	TaskDepartments(ctx context.Context, caseID string) ([]string, error)
	User(ctx context.Context, id string) (store.User, error)
	// Tasks are the case's tasks in the order they opened.
	Tasks(ctx context.Context, caseID string) ([]store.Task, error)
	Events(ctx context.Context, caseID string) ([]store.CaseEvent, error)
	// Audit are the audit rows about the case and its tasks, oldest first.
	Audit(ctx context.Context, caseID string) ([]store.AuditRecord, error)
	// List is one page of cases, newest first (one row more when a next page exists), and the page size.
	List(ctx context.Context, q ListQuery) ([]store.Case, int, error)
	// CloseDraft closes a case that is still a draft in state; false if it is no longer a draft.
	CloseDraft(ctx context.Context, id, state string, at time.Time) (bool, error)
	Certificate(ctx context.Context, caseID string) (store.Certificate, error)
}

// DBStore is the cases in the read model's database.
type DBStore struct{ DB *store.DB }

// Case loads a case.
func (d DBStore) Case(ctx context.Context, id string) (store.Case, error) {
	var c store.Case
	err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrNotFound
	}
	return c, err
}

// TaskDepartments lists the departments with a task on the case.
func (d DBStore) TaskDepartments(ctx context.Context, caseID string) ([]string, error) {
	var depts []string
	err := d.DB.WithContext(ctx).Model(&store.Task{}).Where("case_id = ?", caseID).Distinct().Pluck("department", &depts).Error
	return depts, err
}

// User loads a user.
func (d DBStore) User(ctx context.Context, id string) (store.User, error) {
	var u store.User
	err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return u, err
}

// Tasks lists the case's tasks as they opened.
func (d DBStore) Tasks(ctx context.Context, caseID string) ([]store.Task, error) {
	var rows []store.Task
	err := d.DB.WithContext(ctx).Where("case_id = ?", caseID).Order("opened_at, id").Find(&rows).Error
	return rows, err
}

// Events lists the case's timeline events by time.
func (d DBStore) Events(ctx context.Context, caseID string) ([]store.CaseEvent, error) {
	var events []store.CaseEvent
	err := d.DB.WithContext(ctx).Where("case_id = ?", caseID).Order("at, id").Find(&events).Error
	return events, err
}

// Audit lists the audit rows about the case and its tasks.
func (d DBStore) Audit(ctx context.Context, caseID string) ([]store.AuditRecord, error) {
	var rows []store.AuditRecord
	err := d.DB.WithContext(ctx).Where("object = ? OR object LIKE ?", "case/"+caseID, "task/"+caseID+"-t%").
		Order("seq").Find(&rows).Error
	return rows, err
}

// List reads one page of cases.
func (d DBStore) List(ctx context.Context, lq ListQuery) ([]store.Case, int, error) {
	q := d.DB.WithContext(ctx).Model(&store.Case{})
	switch {
	case lq.AllDepartments:
	case len(lq.Departments) > 0:
		q = q.Where("applicant_id = ? OR id IN (?)", lq.UserID,
			d.DB.Model(&store.Task{}).Select("case_id").Where("department IN ?", lq.Departments))
	default:
		q = q.Where("applicant_id = ?", lq.UserID)
	}
	if lq.Process != "" {
		q = q.Where("process = ?", lq.Process)
	}
	if lq.State != "" {
		q = q.Where("state = ?", lq.State)
	}
	column := "submitted_at"
	if lq.On == "closed" {
		column = "closed_at"
	}
	if from, err := domain.ParseDate(lq.From); err == nil {
		q = q.Where(column+" >= ?", from.UTC())
	}
	if to, err := domain.ParseDate(lq.To); err == nil {
		q = q.Where(column+" < ?", to.AddDate(0, 0, 1).UTC())
	}
	limit, err := app.PageQuery(&q, lq.Cursor, lq.Limit, "created_at", true)
	if err != nil {
		return nil, 0, err
	}
	var rows []store.Case
	err = q.Find(&rows).Error
	return rows, limit, err
}

// CloseDraft closes a draft in state at the given time.
func (d DBStore) CloseDraft(ctx context.Context, id, state string, at time.Time) (bool, error) {
	res := d.DB.WithContext(ctx).Model(&store.Case{}).Where("id = ? AND state = ?", id, app.StateDraft).
		Updates(map[string]any{"state": state, "closed_at": at, "updated_at": at})
	return res.RowsAffected > 0, res.Error
}

// Certificate loads the certificate a case issued.
func (d DBStore) Certificate(ctx context.Context, caseID string) (store.Certificate, error) {
	var cert store.Certificate
	err := d.DB.WithContext(ctx).Where("case_id = ?", caseID).Take(&cert).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return cert, ErrNotFound
	}
	return cert, err
}
