// Package auditlog is reading the audit log: the auditors' and the office's filtered listing,
// newest first, and the verification of its hash chain. Its storage is the Log interface.
package auditlog

import (
	"context"
	"strings"
	"time"

	"talentflow/internal/app"
	"talentflow/internal/audit"
	"talentflow/internal/domain"
	"talentflow/internal/store"
)

// Log is what reading the audit log needs of storage.
type Log interface {
	// Rows are the rows the filter selects, newest first, one more than a page.
	Rows(ctx context.Context, f AuditFilter) ([]store.AuditRecord, error)
	Verify(ctx context.Context) (audit.Report, error)
}

// DBLog is the audit log in the read model's database.
type DBLog struct{ DB *store.DB }

// Service holds the audit-log use cases.
type Service struct {
	Log  Log
	Fail func(ctx context.Context, what string, err error) *app.Error
}

// New is the audit log on the database; fail reports storage failures (503).
func New(db *store.DB, fail func(ctx context.Context, what string, err error) *app.Error) *Service {
	return &Service{Log: DBLog{DB: db}, Fail: fail}
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Actor  string `query:"actor" validate:"max=64"`
	Action string `query:"action" validate:"max=100"`
	Object string `query:"object" validate:"max=200"`
	From   string `query:"from" validate:"omitempty,datetime=2006-01-02"`
	To     string `query:"to" validate:"omitempty,datetime=2006-01-02"`
	// Before continues a listing below this sequence number.
	Before int64 `query:"before" validate:"min=0"`
	Limit  int   `query:"limit" validate:"omitempty,min=1,max=500"`
}

// AuditPage is a page of the audit log, newest first.
type AuditPage struct {
	Items []app.AuditItem `json:"items"`
	// NextBefore continues the listing (0: no more rows).
	NextBefore int64 `json:"next_before"`
}

// List lists audit rows for auditors and the leading-group office.
func (s *Service) List(ctx context.Context, f AuditFilter) (AuditPage, error) {
	if err := app.Check(f); err != nil {
		return AuditPage{}, err
	}
	rows, err := s.Log.Rows(ctx, f)
	if err != nil {
		return AuditPage{}, s.Fail(ctx, "the database", err)
	}
	limit := pageSize(f)
	page := AuditPage{Items: []app.AuditItem{}}
	for i, r := range rows {
		if i == limit {
			page.NextBefore = rows[i-1].Seq
			break
		}
		page.Items = append(page.Items, app.AuditItemOf(r))
	}
	return page, nil
}

// Verify recomputes the whole hash chain.
func (s *Service) Verify(ctx context.Context) (audit.Report, error) {
	rep, err := s.Log.Verify(ctx)
	if err != nil {
		return rep, s.Fail(ctx, "the database", err)
	}
	return rep, nil
}

func pageSize(f AuditFilter) int {
	if f.Limit == 0 {
		return 100
	}
	return f.Limit
}

// Rows are the audit rows the filter selects, newest first, one more than a page.
func (l DBLog) Rows(ctx context.Context, f AuditFilter) ([]store.AuditRecord, error) {
	q := l.DB.WithContext(ctx).Model(&store.AuditRecord{})
	if f.Actor != "" {
		q = q.Where("actor = ?", f.Actor)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Object != "" {
		q = q.Where("object = ? OR object LIKE ?", f.Object, strings.TrimSuffix(f.Object, "/")+"/%")
	}
	if f.From != "" {
		from, _ := time.ParseInLocation(time.DateOnly, f.From, domain.ChinaTime)
		q = q.Where("at >= ?", from.UTC())
	}
	if f.To != "" {
		to, _ := time.ParseInLocation(time.DateOnly, f.To, domain.ChinaTime)
		q = q.Where("at < ?", to.AddDate(0, 0, 1).UTC())
	}
	if f.Before > 0 {
		q = q.Where("seq < ?", f.Before)
	}
	var rows []store.AuditRecord
	err := q.Order("seq DESC").Limit(pageSize(f) + 1).Find(&rows).Error
	return rows, err
}

// Verify recomputes the chain.
func (l DBLog) Verify(ctx context.Context) (audit.Report, error) { return audit.Verify(ctx, l.DB) }
