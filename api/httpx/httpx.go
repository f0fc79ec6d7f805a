// Package httpx is what every route of the API shares: the route declaration that the router,
// the OpenAPI document, the audit log and the authorization test all read, and the helpers that
// turn a request into a typed use-case call and its result into JSON.
package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"talentflow/authz"
	"talentflow/internal/app"
)

// ActingKey is where a handler leaves, for the audit middleware, the role a request acted in.
const ActingKey = "talentflow.acting"

// PrincipalKey is where the authentication middleware leaves the caller in the echo context.
const PrincipalKey = "talentflow.principal"

// Principal is the authenticated caller of a request (nil on public routes).
func Principal(c echo.Context) *authz.Principal {
	p, _ := c.Get(PrincipalKey).(*authz.Principal)
	return p
}

// Route is one operation: how it is reached, what it needs, what it takes and gives. The echo
// router, the OpenAPI document, the audit log and the authorization test all read this table.
type Route struct {
	ID     string // operationId; also the audit action
	Method string
	Path   string
	// Action is the domain action the route needs somewhere; "" with Public false means any
	// authenticated user (the application layer scopes what they see).
	Action authz.Action
	Public bool
	// Upload is the multipart size limit in bytes (0: a JSON body of at most 1 MiB).
	Upload int64
	// Object is the audit object, with :params from the path ("task/:id").
	Object  string
	Tag     string
	Summary string
	// In, Query and Out are zero values of the body, query and response types (nil: none).
	In, Query, Out any
	Status         int
	// Produces is the media type of a non-JSON response.
	Produces string
	// ActsAs is the role the route always acts in, for the audit log (zero: the use case says,
	// or the caller's first grant).
	ActsAs  authz.Acting
	Handler echo.HandlerFunc
}

// AuditObject is the audit object of a request on this route.
func (r Route) AuditObject(c echo.Context) string {
	if r.Object == "" {
		return r.Path
	}
	out := r.Object
	for _, name := range c.ParamNames() {
		out = strings.ReplaceAll(out, ":"+name, c.Param(name))
	}
	return out
}

// Bind decodes a JSON body strictly (unknown fields are errors) into in.
func Bind(c echo.Context, in any) error {
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(in); err != nil {
		if errors.Is(err, io.EOF) {
			return &app.Error{Kind: app.KindBadRequest, Code: "empty_body", Message: "the request needs a JSON body"}
		}
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return &app.Error{Kind: app.KindTooLarge, Code: "too_large", Message: "the request body is too large"}
		}
		return badJSON(err)
	}
	if dec.More() {
		return &app.Error{Kind: app.KindBadRequest, Code: "bad_json", Message: "the body must hold one JSON object"}
	}
	return nil
}

// BindQuery decodes query parameters into in (fields tagged `query`): strings, whole numbers
// and booleans; a value of the wrong type answers 422 naming the parameter.
func BindQuery(c echo.Context, in any) error {
	v := reflect.ValueOf(in).Elem()
	t := v.Type()
	params := c.QueryParams()
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("query")
		values, given := params[name]
		if name == "" || !given {
			continue
		}
		if len(values) > 1 {
			return app.Invalid(name, "give %s once, not %d times", name, len(values))
		}
		raw, field := values[0], v.Field(i)
		switch field.Kind() {
		case reflect.String:
			field.SetString(raw)
		case reflect.Int, reflect.Int64:
			n, err := strconv.ParseInt(raw, 10, 64)
			if err != nil || field.OverflowInt(n) {
				return app.Invalid(name, "%s must be a whole number, not %q", name, truncate(raw, 40))
			}
			field.SetInt(n)
		case reflect.Bool:
			b, err := strconv.ParseBool(raw)
			if err != nil {
				return app.Invalid(name, "%s must be true or false, not %q", name, truncate(raw, 40))
			}
			field.SetBool(b)
		default:
			return fmt.Errorf("query parameter %s: unsupported kind %s", name, field.Kind())
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// badJSON explains a body that cannot be decoded, naming the field where possible.
func badJSON(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return &app.Error{Kind: app.KindBadRequest, Code: "bad_json", Message: "the request body must be a JSON object"}
	case errors.As(err, &typeErr):
		return &app.Error{Kind: app.KindInvalid, Code: "invalid", Field: typeErr.Field,
			Message: fmt.Sprintf("%s must be a %s, not %s", typeErr.Field, typeErr.Type, typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return &app.Error{Kind: app.KindBadRequest, Code: "bad_json", Message: fmt.Sprintf("malformed JSON at byte %d", syntaxErr.Offset)}
	}
	if field, ok := unknownField(err); ok {
		return &app.Error{Kind: app.KindInvalid, Code: "unknown_field", Field: field, Message: "unknown field " + field}
	}
	return &app.Error{Kind: app.KindBadRequest, Code: "bad_json", Message: "the request body must be a JSON object"}
}

func unknownField(err error) (string, bool) {
	var f string
	if _, e := fmt.Sscanf(err.Error(), "json: unknown field %q", &f); e == nil {
		return f, true
	}
	return "", false
}

// Reply writes a use case's result as JSON with status, or returns its error.
func Reply[T any](c echo.Context, status int) func(T, error) error {
	return func(out T, err error) error {
		if err != nil {
			return err
		}
		return c.JSON(status, out)
	}
}

// WithBody decodes the JSON body into In and runs fn.
func WithBody[In, Out any](c echo.Context, status int, fn func(In) (Out, error)) error {
	var in In
	if err := Bind(c, &in); err != nil {
		return err
	}
	return Reply[Out](c, status)(fn(in))
}

// WithQuery decodes the query string into Q and runs fn.
func WithQuery[Q, Out any](c echo.Context, fn func(Q) (Out, error)) error {
	var q Q
	if err := BindQuery(c, &q); err != nil {
		return err
	}
	return Reply[Out](c, http.StatusOK)(fn(q))
}

// ReplyActing is Reply for a use case that also says which role the request acted in.
func ReplyActing[T any](c echo.Context, status int) func(T, authz.Acting, error) error {
	return func(out T, as authz.Acting, err error) error {
		if as != (authz.Acting{}) {
			c.Set(ActingKey, as)
		}
		return Reply[T](c, status)(out, err)
	}
}

// WithBodyActing decodes the JSON body into In and runs fn, which says the acting role.
func WithBodyActing[In, Out any](c echo.Context, status int, fn func(In) (Out, authz.Acting, error)) error {
	var in In
	if err := Bind(c, &in); err != nil {
		return err
	}
	return ReplyActing[Out](c, status)(fn(in))
}
