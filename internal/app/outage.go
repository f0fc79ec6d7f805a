package app

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"

	"talentflow/internal/store"
)

// A dependency that is down is the one failure the caller can do nothing about but wait: the
// API answers 503 with one of these codes and a Retry-After header, never a 500, and the
// request does not hang — the database is dialled with a connect timeout, every request has a
// deadline, and the Temporal calls give up within seconds once the frontend stops answering
// (temporalx.Engine). Outage is the one place that recognises such failures.

// RetryAfterOutage is what the caller is told to wait before trying again.
const RetryAfterOutage = 5 * time.Second

// ErrDatabaseUnavailable answers a request the database could not serve: it is unreachable,
// restarting or did not answer in time. The request's own transaction did not commit.
var ErrDatabaseUnavailable = &Error{Kind: KindUnavailable, Code: "database_unavailable", RetryAfter: RetryAfterOutage,
	Message: "the database cannot be reached at the moment; try again shortly"}

// ErrTemporalUnavailable answers a request the workflow service (the Temporal frontend) could
// not serve: it is unreachable or did not answer in time.
var ErrTemporalUnavailable = &Error{Kind: KindUnavailable, Code: "temporal_unavailable", RetryAfter: RetryAfterOutage,
	Message: "the workflow service (Temporal) cannot be reached at the moment; try again shortly"}

// Outage recognises a failure that means a dependency is down — the Temporal frontend
// unreachable (gRPC Unavailable, or the engine's own verdict ErrTemporalUnavailable) or the
// database unreachable (store.IsUnreachable) — and returns the error the caller sees; nil for
// any other error. The Temporal test comes first: its errors are not the database's.
func Outage(err error) *Error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) && ae.Kind == KindUnavailable &&
		(ae.Code == ErrDatabaseUnavailable.Code || ae.Code == ErrTemporalUnavailable.Code) {
		return ae
	}
	var unavailable *serviceerror.Unavailable
	if errors.As(err, &unavailable) {
		return ErrTemporalUnavailable
	}
	if store.IsUnreachable(err) {
		return ErrDatabaseUnavailable
	}
	return nil
}

// Detached is ctx without its cancellation or deadline, bounded by a deadline of its own (5 s):
// for the writes a request owes even when it ran out of time — its audit row, the record of a
// start — which a database that does not answer must still not hold forever.
func Detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
}

// logOutage logs a dependency failure once, at warning level: an outage is expected to end.
func (a *App) logOutage(ctx context.Context, what string, out *Error, err error) {
	if a.Log != nil {
		a.Log.WarnContext(ctx, what+" unavailable", "code", out.Code, "err", err)
	}
}
