package app

import (
	"context"
	"strings"
	"time"

	"talentflow/authz"
	"talentflow/internal/audit"
	"talentflow/internal/domain"
	"talentflow/internal/store"
)

// AuditItem is one audit-log row.
type AuditItem struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Action     string    `json:"action"`
	Object     string    `json:"object"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason"`
	RequestID  string    `json:"request_id,omitempty"`
	Hash       string    `json:"hash"`
}

func auditItem(r store.AuditRecord) AuditItem {
	return AuditItem{Seq: r.Seq, At: r.At, Actor: r.Actor, Role: r.Role, Department: r.Department, Action: r.Action,
		Object: r.Object, Outcome: r.Outcome, Reason: r.Reason, RequestID: r.RequestID, Hash: r.Hash}
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
	Items []AuditItem `json:"items"`
	// NextBefore continues the listing (0: no more rows).
	NextBefore int64 `json:"next_before"`
}

// AuditLog lists audit rows for auditors and the leading-group office.
func (a *App) AuditLog(ctx context.Context, p *authz.Principal, f AuditFilter) (AuditPage, error) {
	if err := check(f); err != nil {
		return AuditPage{}, err
	}
	q := a.DB.WithContext(ctx).Model(&store.AuditRecord{})
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
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	var rows []store.AuditRecord
	if err := q.Order("seq DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return AuditPage{}, a.unavailable(ctx, "the database", err)
	}
	page := AuditPage{Items: []AuditItem{}}
	for i, r := range rows {
		if i == limit {
			page.NextBefore = rows[i-1].Seq
			break
		}
		page.Items = append(page.Items, auditItem(r))
	}
	return page, nil
}

// VerifyAudit recomputes the whole hash chain.
func (a *App) VerifyAudit(ctx context.Context) (audit.Report, error) {
	rep, err := audit.Verify(ctx, a.DB)
	if err != nil {
		return rep, a.unavailable(ctx, "the database", err)
	}
	return rep, nil
}
