package api

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"talentflow/internal/app"
)

// ErrorBody is every error response: {"error": {"code", "message", "field"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong, and which field of the request is at fault.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

var statusOf = map[app.Kind]int{
	app.KindInvalid:      http.StatusUnprocessableEntity,
	app.KindBadRequest:   http.StatusBadRequest,
	app.KindUnauthorized: http.StatusUnauthorized,
	app.KindForbidden:    http.StatusForbidden,
	app.KindNotFound:     http.StatusNotFound,
	app.KindConflict:     http.StatusConflict,
	app.KindTooLarge:     http.StatusRequestEntityTooLarge,
	app.KindLocked:       http.StatusTooManyRequests,
	app.KindUnavailable:  http.StatusServiceUnavailable,
}

// classify maps any error to the status and body the client sees. Unknown errors become a 500
// with a generic message: internal details never leave the server (they are logged).
func classify(err error) (int, ErrorDetail, *app.Error) {
	var ae *app.Error
	if errors.As(err, &ae) {
		return statusOf[ae.Kind], ErrorDetail{Code: ae.Code, Message: ae.Message, Field: ae.Field}, ae
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		if s, ok := he.Message.(string); ok && s != "" {
			msg = s
		}
		code := map[int]string{
			http.StatusNotFound: "not_found", http.StatusMethodNotAllowed: "method_not_allowed",
			http.StatusRequestEntityTooLarge: "too_large", http.StatusUnauthorized: "unauthorized",
			http.StatusForbidden: "forbidden", http.StatusBadRequest: "bad_request",
		}[he.Code]
		if code == "" {
			code = "error"
		}
		return he.Code, ErrorDetail{Code: code, Message: msg}, nil
	}
	// A dependency that is down is a 503 whichever layer let its error through, and so is a
	// request that ran out of time: never a 500.
	if out := app.Outage(err); out != nil {
		return classify(out)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return classify(errRequestTimeout)
	}
	return http.StatusInternalServerError, ErrorDetail{Code: "internal", Message: "internal error; it has been logged"}, nil
}

// errRequestTimeout answers a request that did not finish within its deadline (requestTimeout).
var errRequestTimeout = &app.Error{Kind: app.KindUnavailable, Code: "timeout", RetryAfter: app.RetryAfterOutage,
	Message: "the request did not finish in time; try again"}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, detail, ae := classify(err)
	if status >= 500 {
		s.Log.ErrorContext(c.Request().Context(), "request failed", "err", err, "status", status,
			"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
	}
	if ae != nil && ae.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ae.RetryAfter.Seconds()))))
	}
	c.Set(errorKey, detail)
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	_ = c.JSON(status, ErrorBody{Error: detail})
}

const errorKey = "talentflow.error"
