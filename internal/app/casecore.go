package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"talentflow/internal/store"
)

// Case states before a workflow exists.
const (
	StateDraft     = "draft"
	StateSubmitted = "submitted"
)

// Created answers the creation of an object.
type Created struct {
	ID string `json:"id"`
}

// DBError passes application errors through and hides database failures.
func (a *App) DBError(ctx context.Context, err error) error {
	var appErr *Error
	if errors.As(err, &appErr) {
		return appErr
	}
	return a.Unavailable(ctx, "the database", err)
}

// CaseAction is a reason given for withdrawing, resubmitting or objecting.
type CaseAction struct {
	Reason string `json:"reason" validate:"max=500"`
}

// Check validates a use case's input by its struct tags; the error names the field.
func Check(v any) error { return check(v) }

// ProcessName names a registered process; CaseState and EventKind are the states and timeline
// kinds of every process. Their values come from the registry (see SetVocabulary), so the
// OpenAPI document lists exactly the processes this binary runs.
type (
	ProcessName string
	CaseState   string
	EventKind   string
)

// Vocabulary is what the registry says of every process together.
type Vocabulary struct {
	Processes, States, Events []string
}

var registered Vocabulary

// SetVocabulary is called once at start-up by the process registry.
func SetVocabulary(v Vocabulary) { registered = v }

// EnumValues lists the registered processes (for the OpenAPI enum).
func (ProcessName) EnumValues() []string { return registered.Processes }

// EnumValues lists every case state (for the OpenAPI enum).
func (CaseState) EnumValues() []string { return registered.States }

// EnumValues lists every timeline kind (for the OpenAPI enum).
func (EventKind) EnumValues() []string { return registered.Events }

// KnownProcess fails (422 naming process) unless p is empty or a registered process.
func (a *App) KnownProcess(p ProcessName) error {
	if p != "" && !a.Processes.Known(string(p)) {
		return Invalid("process", "process must be one of %s", strings.Join(registered.Processes, ", "))
	}
	return nil
}

// CheckDepartments fails unless every department code exists (a routing file naming an
// unknown department is a configuration error, found at start-up).
func (a *App) CheckDepartments(db *store.DB, codes []string) error {
	var found []string
	if err := db.Model(&store.Department{}).Where("code IN ?", codes).Pluck("code", &found).Error; err != nil {
		return err
	}
	for _, c := range codes {
		if !slices.Contains(found, c) {
			return fmt.Errorf("the routing names department %q, which does not exist: create it first", c)
		}
	}
	return nil
}
