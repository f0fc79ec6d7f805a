// Package app is talentflow's application layer: one method per use case (submit an
// application, decide a task, list an inbox...), taking the authenticated principal and typed
// input, enforcing object-level permissions, and returning DTOs or *Error values.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Workflows is what the application needs from Temporal.
type Workflows interface {
	// Start starts a case workflow; a second start of the same case fails with
	// ErrAlreadyStarted.
	Start(ctx context.Context, req StartRequest) error
	// Update sends an update and waits for its answer into out.
	Update(ctx context.Context, workflowID, update string, arg, out any) error
	// Signal tells a running workflow something it need not answer.
	Signal(ctx context.Context, workflowID, name string, arg any) error
	// Ping checks the frontend answers.
	Ping(ctx context.Context) error
}

// StartRequest starts the workflow of a case: its type by registered name and its input.
type StartRequest struct {
	CaseID     string
	Process    string
	WorkflowID string
	Workflow   string
	Input      any
	// Category is the talent category the case concerns (a search attribute), if any.
	Category string
}

// ErrAlreadyStarted is returned by Start for a case that already has a workflow.
var ErrAlreadyStarted = errors.New("workflow already started")

// Processes is what the generic use cases know of the processes (the registry implements it).
type Processes interface {
	// Known reports whether a process of that name is registered.
	Known(name string) bool
	// Detail is the process's own part of a case page (an application profile...), nil if it
	// has none; unmasked says the reader works the case and may see personal data in full.
	Detail(ctx context.Context, db *gorm.DB, process, caseID string, unmasked bool) (any, error)
	// Readable says whether a user the generic rules do not let read a case may read it all
	// the same, by the process's own rule (a pairing's leader and specialist).
	Readable(ctx context.Context, db *gorm.DB, process, caseID, userID string) (bool, error)
}

// App holds the dependencies of every use case.
type App struct {
	DB        *store.DB
	Authz     *authz.Authorizer
	Engine    Workflows
	Processes Processes
	Files     Files
	Log       *slog.Logger
	Now       func() time.Time
	// WorkingDaysLeft counts the working days from now to a deadline on the holiday calendar
	// (negative when it passed; nil: not shown).
	WorkingDaysLeft func(now, deadline time.Time) float64
}

// Time is the current time in UTC, as the use cases see it.
func (a *App) Time() time.Time { return a.now() }

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// Kind classifies an application error; the API maps each kind to one HTTP status.
type Kind int

// Error kinds.
const (
	KindInvalid      Kind = iota + 1 // 422: the input breaks a rule; Field names it
	KindBadRequest                   // 400: the request cannot be read
	KindUnauthorized                 // 401
	KindForbidden                    // 403
	KindNotFound                     // 404
	KindConflict                     // 409: the object is not in a state that allows this
	KindTooLarge                     // 413
	KindLocked                       // 429: the account is locked for a while
	KindUnavailable                  // 503: a dependency is down
)

// Error is an error the caller may see: a kind, a stable code, a message, the field at fault.
type Error struct {
	Kind       Kind
	Code       string
	Message    string
	Field      string
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// Invalid reports input that breaks a rule, naming the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid", Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports an object that does not exist (or that the caller may not know of).
func NotFound(format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: fmt.Sprintf(format, args...)}
}

// Forbidden reports an action the caller's roles do not allow here.
func Forbidden(format string, args ...any) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

// Conflict reports an object not in a state that allows the action.
func Conflict(format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Code: "conflict", Message: fmt.Sprintf(format, args...)}
}

// Unavailable wraps a dependency failure without leaking its details to the caller; the
// details are logged. A dependency that is down (see Outage) answers database_unavailable or
// temporal_unavailable; so does a database call whose deadline passed (waiting for a pooled
// connection ends with the bare context error) — every caller but EngineError, which sorts out
// its own deadlines first, names a store on the database. Anything else is "unavailable".
func (a *App) Unavailable(ctx context.Context, what string, err error) *Error {
	out := Outage(err)
	if out == nil && errors.Is(err, context.DeadlineExceeded) {
		out = ErrDatabaseUnavailable
	}
	if out != nil {
		a.logOutage(ctx, what, out, err)
		return out
	}
	a.Log.ErrorContext(ctx, what+" failed", "err", err)
	return &Error{Kind: KindUnavailable, Code: "unavailable", Message: what + " is unavailable; try again shortly"}
}

// ErrCaseTimeout answers a workflow that is reachable but did not answer in time (its worker is
// busy or down).
var ErrCaseTimeout = &Error{Kind: KindUnavailable, Code: "timeout", RetryAfter: RetryAfterOutage,
	Message: "the case did not answer in time; try again"}

// ErrCaseCatchingUp answers an action on a task the read model shows but its workflow does not
// have yet: after a crash the workflow re-runs a workflow task whose read-model write survived,
// and an Update can arrive before it has got that far again. It gets there on its own.
var ErrCaseCatchingUp = &Error{Kind: KindUnavailable, Code: "catching_up", RetryAfter: RetryAfterOutage,
	Message: "the case is catching up after a restart; try again in a moment"}

// EngineError turns a workflow update failure into an application error: a rejection keeps its
// meaning (409, 422...), a finished workflow is a conflict, anything else is unavailability.
func (a *App) EngineError(ctx context.Context, err error) error {
	if typ, msg, field, ok := workflows.Rejection(err); ok {
		switch typ {
		case workflows.ErrTypeConflict:
			return &Error{Kind: KindConflict, Code: "conflict", Message: msg}
		case workflows.ErrTypeInvalid:
			return &Error{Kind: KindInvalid, Code: "invalid", Message: msg, Field: field}
		case workflows.ErrTypeNotFound:
			// The callers found the task in the read model: the workflow is behind it.
			a.Log.WarnContext(ctx, "workflow behind the read model", "err", msg)
			return ErrCaseCatchingUp
		case workflows.ErrTypeForbidden:
			return &Error{Kind: KindForbidden, Code: "forbidden", Message: msg}
		}
	}
	if out := Outage(err); out != nil {
		a.logOutage(ctx, "the workflow service", out, err)
		return out
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return Conflict("the case is no longer running")
	}
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return ErrCaseTimeout
	}
	return a.Unavailable(ctx, "the workflow service", err)
}

// Acting is the role an actor acts in, for the audit log.
func Acting(who workflows.Actor) authz.Acting { return authz.ActingAs(who.Role, who.Department) }

// Actor is how the workflows see the principal acting in role within dept.
func Actor(p *authz.Principal, role, dept string) workflows.Actor {
	return workflows.Actor{UserID: p.User.ID, Username: p.User.Username, Name: p.User.DisplayName, Role: role, Department: dept}
}

// ActingAs finds the role that lets p do act in dept, or a 403 naming the department.
func (a *App) ActingAs(ctx context.Context, p *authz.Principal, dept string, act authz.Action) (workflows.Actor, error) {
	role, ok := a.Authz.RoleFor(p.User.ID, dept, act)
	if !ok {
		return workflows.Actor{}, Forbidden("%s is not allowed in department %s", act, dept)
	}
	return Actor(p, role, dept), nil
}
