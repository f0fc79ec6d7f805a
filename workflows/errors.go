package workflows

import (
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
)

// Error types a case workflow rejects an update with. They cross the wire as application
// errors; the API maps each type to one HTTP status.
const (
	ErrTypeConflict  = "Conflict"  // the task or case is no longer in a state that allows this (409)
	ErrTypeInvalid   = "Invalid"   // the request itself is wrong; Field names the culprit (422)
	ErrTypeNotFound  = "NotFound"  // no such task in this case (404)
	ErrTypeForbidden = "Forbidden" // this actor may not do this here (403)
)

// RejectionDetail travels as the application error's details.
type RejectionDetail struct {
	Field string `json:"field,omitempty"`
}

// Conflict rejects an update: the task or case no longer allows it.
func Conflict(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeConflict, nil)
}

// Invalid rejects an update whose input breaks a rule, naming the field.
func Invalid(field, format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeInvalid, nil,
		RejectionDetail{Field: field})
}

// NotFound rejects an update about a task the case does not have.
func NotFound(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeNotFound, nil)
}

// Forbidden rejects an update the actor may not make here.
func Forbidden(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrTypeForbidden, nil)
}

// Rejection unpacks an update rejection: its type (one of ErrType*), message and field.
// ok is false for any other error.
func Rejection(err error) (errType, message, field string, ok bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return "", "", "", false
	}
	switch appErr.Type() {
	case ErrTypeConflict, ErrTypeInvalid, ErrTypeNotFound, ErrTypeForbidden:
	default:
		return "", "", "", false
	}
	var d RejectionDetail
	if appErr.HasDetails() {
		_ = appErr.Details(&d)
	}
	return appErr.Type(), appErr.Message(), d.Field, true
}
