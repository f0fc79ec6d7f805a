package app

import (
	"context"
	"fmt"

	"talentflow/authz"
	"talentflow/internal/audit"
)

// Personal data (ID numbers, phones, bank accounts) is masked wherever it is shown, except to
// a reader whose work needs it whole: the staff working an application see its profile, the
// bank file carries the payee accounts. Each such read is audited, before the data leaves:
// a read that cannot be audited is refused.

// ActionReveal is the audit action of a read that showed personal data in full.
const ActionReveal = "revealPersonalData"

// Revealing is a view that may carry personal data in full (a profile shown unmasked).
type Revealing interface {
	// Revealed names the fields shown in full ("" when everything is masked).
	Revealed() string
}

// AuditReveal records that p read the personal data of object in full (what names the
// fields), and fails when the audit log cannot be written.
func (a *App) AuditReveal(ctx context.Context, p *authz.Principal, acting authz.Acting, object, what string) error {
	if acting.Role == "" {
		acting.Role, acting.Department = p.PrimaryRole()
	}
	err := audit.Record(ctx, a.DB, audit.Entry{Actor: p.User.Username, Role: acting.Role, Department: acting.Department,
		Action: ActionReveal, Object: object, Outcome: "ok", Reason: "shown in full: " + what, RequestID: RequestID(ctx)})
	if err != nil {
		return a.Unavailable(ctx, "the audit log", fmt.Errorf("audit a read of personal data: %w", err))
	}
	return nil
}

type requestIDKey struct{}

// WithRequestID carries the HTTP request's id to the use cases (for the audit rows they write).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id WithRequestID put in ctx ("" if none).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}
