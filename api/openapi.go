package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strings"

	"talentflow/api/httpx"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"
	"github.com/labstack/echo/v4"
)

// Enumerated is implemented by string types with a fixed vocabulary.
type Enumerated interface{ EnumValues() []string }

var enumerated = reflect.TypeFor[Enumerated]()

// customizeSchema puts what the Go types say into the schema: vocabularies as enums (from
// EnumValues, a `validate:"oneof=..."` rule, or an `enum:"a,b"` tag) and required fields.
func customizeSchema(name string, t reflect.Type, tag reflect.StructTag, schema *openapi3.Schema) error {
	if t.Implements(enumerated) {
		schema.Enum = anySlice(reflect.Zero(t).Interface().(Enumerated).EnumValues())
	}
	rules := tag.Get("validate")
	for _, rule := range strings.Split(rules, ",") {
		if values, ok := strings.CutPrefix(rule, "oneof="); ok {
			schema.Enum = anySlice(strings.Fields(values))
		}
	}
	if e := tag.Get("enum"); e != "" {
		schema.Enum = anySlice(strings.Split(e, ","))
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" && strings.Contains(","+f.Tag.Get("validate")+",", ",required,") {
				schema.Required = append(schema.Required, name)
			}
		}
	}
	return nil
}

func anySlice(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// schemaName names component schemas: Page[...tasks.TaskItem] becomes PageTaskItem.
func schemaName(t reflect.Type) string {
	name := t.Name()
	if i := strings.Index(name, "["); i >= 0 {
		inner := name[i+1 : len(name)-1]
		inner = inner[strings.LastIndex(inner, ".")+1:]
		name = name[:i] + inner
	}
	return nonWord.ReplaceAllString(name, "")
}

var pathParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath turns echo's /tasks/:id into OpenAPI's /tasks/{id}.
func openAPIPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

// OpenAPI builds the document from the route table, so it cannot drift from the routes.
func (s *Server) OpenAPI() (*openapi3.T, error) {
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Info: &openapi3.Info{Title: "talentflow API", Version: "1.0.0",
			Description: "人才工作协同审批平台 — talent introduction and certification, human tasks, notifications, audit. " +
				"Every /api/v1 route except login needs Authorization: Bearer <token>. Errors are {\"error\": {\"code\", \"message\", \"field\"}}."},
		Paths: openapi3.NewPaths(),
		Components: &openapi3.Components{
			Schemas: openapi3.Schemas{},
			SecuritySchemes: openapi3.SecuritySchemes{
				"bearer": &openapi3.SecuritySchemeRef{Value: openapi3.NewJWTSecurityScheme()},
			},
		},
	}
	gen := openapi3gen.NewGenerator(
		openapi3gen.SchemaCustomizer(customizeSchema),
		openapi3gen.CreateTypeNameGenerator(schemaName),
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{
			ExportComponentSchemas: true, ExportTopLevelSchema: true, ExportGenerics: true}),
	)
	schema := func(v any) (*openapi3.SchemaRef, error) { return gen.NewSchemaRefForValue(v, doc.Components.Schemas) }
	errRef, err := schema(ErrorBody{})
	if err != nil {
		return nil, err
	}
	for _, r := range s.routes() {
		op := &openapi3.Operation{OperationID: r.ID, Summary: r.Summary, Tags: []string{r.Tag}, Responses: openapi3.NewResponses()}
		if r.Action != "" {
			op.Extensions = map[string]any{"x-required-action": string(r.Action)}
		}
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			op.AddParameter(openapi3.NewPathParameter(m[1]).WithSchema(openapi3.NewStringSchema()))
		}
		if r.Query != nil {
			if err := queryParameters(op, r.Query, schema); err != nil {
				return nil, fmt.Errorf("%s: %w", r.ID, err)
			}
		}
		switch {
		case r.Upload > 0:
			file := openapi3.NewObjectSchema().WithProperty("file", openapi3.NewStringSchema().WithFormat("binary"))
			file.Required = []string{"file"}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).
				WithContent(openapi3.NewContentWithFormDataSchema(file))}
		case r.In != nil:
			ref, err := schema(r.In)
			if err != nil {
				return nil, fmt.Errorf("%s body: %w", r.ID, err)
			}
			op.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().WithRequired(true).WithJSONSchemaRef(ref)}
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		ok := openapi3.NewResponse().WithDescription(http.StatusText(status))
		switch {
		case r.Produces != "":
			ok.Content = openapi3.NewContentWithSchema(openapi3.NewStringSchema(), []string{r.Produces})
		case r.Out != nil:
			ref, err := schema(r.Out)
			if err != nil {
				return nil, fmt.Errorf("%s response: %w", r.ID, err)
			}
			ok.WithJSONSchemaRef(ref)
		}
		op.AddResponse(status, ok)
		for _, code := range errorStatuses(r) {
			resp := openapi3.NewResponse().WithDescription(http.StatusText(code)).WithJSONSchemaRef(errRef)
			if code == http.StatusServiceUnavailable {
				resp.WithDescription(unavailableDescription)
				resp.Headers = openapi3.Headers{"Retry-After": retryAfterHeader()}
			}
			op.AddResponse(code, resp)
		}
		if r.ID == "readyz" {
			ref, err := schema(Readiness{})
			if err != nil {
				return nil, err
			}
			op.AddResponse(http.StatusServiceUnavailable, openapi3.NewResponse().
				WithDescription("A dependency does not answer: checks names it (database, temporal) as unavailable.").WithJSONSchemaRef(ref))
		}
		if !r.Public {
			op.Security = &openapi3.SecurityRequirements{{"bearer": []string{}}}
		}
		doc.AddOperation(openAPIPath(r.Path), r.Method, op)
	}
	return doc, nil
}

// unavailableDescription is every route's 503: the codes a dependency outage answers.
const unavailableDescription = "Service Unavailable: a dependency is down or did not answer in time — " +
	"database_unavailable (the database), temporal_unavailable (the workflow service), timeout (the case or the request " +
	"did not finish in time), start_pending (a submission is recorded and starts on its own when the workflow service " +
	"is back), catching_up (the case is re-running its last step after a restart), unavailable (another dependency). Retry-After says when to try again; never a 500."

func retryAfterHeader() *openapi3.HeaderRef {
	return &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: "Seconds to wait before trying again.",
		Schema:      openapi3.NewIntegerSchema().NewRef(),
	}}}
}

// errorStatuses are the error answers a route can give.
func errorStatuses(r httpx.Route) []int {
	if r.Public && r.ID != "login" {
		return nil
	}
	codes := []int{http.StatusBadRequest, http.StatusUnprocessableEntity}
	if r.Public {
		return append(codes, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable)
	}
	codes = append(codes, http.StatusUnauthorized, http.StatusForbidden)
	if strings.Contains(r.Path, ":") {
		codes = append(codes, http.StatusNotFound)
	}
	if r.Method != http.MethodGet {
		codes = append(codes, http.StatusConflict)
	}
	// Every authenticated request reads the database (the session, the principal).
	return append(codes, http.StatusServiceUnavailable)
}

// queryParameters declares each `query`-tagged field of q as a query parameter.
func queryParameters(op *openapi3.Operation, q any, schema func(any) (*openapi3.SchemaRef, error)) error {
	t := reflect.TypeOf(q)
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("query")
		if name == "" {
			continue
		}
		ref, err := schema(reflect.Zero(f.Type).Interface())
		if err != nil {
			return err
		}
		s := *ref.Value
		_ = customizeSchema(name, f.Type, f.Tag, &s)
		op.AddParameter(openapi3.NewQueryParameter(name).WithSchema(&s))
	}
	return nil
}

func (s *Server) openapi(c echo.Context) error {
	s.openapiOnce.Do(func() {
		doc, err := s.OpenAPI()
		if err != nil {
			s.openapiErr = err
			return
		}
		s.openapiJSON, s.openapiErr = json.Marshal(doc)
	})
	if s.openapiErr != nil {
		return s.openapiErr
	}
	return c.JSONBlob(http.StatusOK, s.openapiJSON)
}
