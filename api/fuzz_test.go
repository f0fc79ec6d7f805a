package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

// junk is what a careless or hostile client sends where a value belongs.
var junk = []any{
	"", " ", "x", "%", "../..", "名字", strings.Repeat("长", 300), "1e3", "-1", "0", "99999999999999999999", "null",
	"2026-13-45", "<script>", "' OR 1=1 --", "\u00ad", "a\tb", true, false, 0, -1, 1.5, 1e300, nil,
	[]any{}, []any{"x", 1}, map[string]any{}, map[string]any{"x": []any{nil}},
}

func (r *fuzzer) value() any { return junk[r.rnd.IntN(len(junk))] }

type fuzzer struct {
	rnd *rand.Rand
}

// body makes a JSON body for a schema with junk in its fields, or something that is not the
// object at all.
func (r *fuzzer) body(schema *openapi3.SchemaRef) []byte {
	switch r.rnd.IntN(6) {
	case 0:
		return []byte(`{"unclosed": `)
	case 1:
		b, _ := json.Marshal(r.value())
		return b
	}
	obj := map[string]any{}
	if schema != nil && schema.Value != nil {
		for name := range schema.Value.Properties {
			if r.rnd.IntN(3) > 0 {
				obj[name] = r.value()
			}
		}
	}
	b, _ := json.Marshal(obj)
	return b
}

func (r *fuzzer) text() string {
	v := r.value()
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// TestEveryRouteSurvivesJunk sends every operation of the OpenAPI document junk path
// parameters, query parameters and bodies, as several demo users: no answer is a 5xx, and every
// 4xx is the JSON error shape, naming the field when it is a 422.
func TestEveryRouteSurvivesJunk(t *testing.T) {
	ts := newTestServer(t)
	ts.fixtures()
	var doc openapi3.T
	require.Equal(t, http.StatusOK, ts.do("", http.MethodGet, "/api/openapi.json", nil, &doc))
	r := &fuzzer{rnd: rand.New(rand.NewPCG(2026, 12))}
	users := []string{lgo, admin, li, hrss, leader, spec, fin}
	sent := 0
	statuses := map[int]int{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if path == "/api/v1/auth/logout" {
				continue // it would end the session the other requests use
			}
			var body *openapi3.SchemaRef
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					body = mt.Schema
				}
			}
			for i := range 24 {
				p := path
				for _, prm := range append(item.Parameters, op.Parameters...) {
					if prm.Value != nil && prm.Value.In == "path" {
						p = strings.ReplaceAll(p, "{"+prm.Value.Name+"}", url.PathEscape(r.text()))
					}
				}
				q := url.Values{}
				for _, prm := range op.Parameters {
					if prm.Value != nil && prm.Value.In == "query" && r.rnd.IntN(2) == 0 {
						q.Add(prm.Value.Name, r.text())
						if r.rnd.IntN(5) == 0 {
							q.Add(prm.Value.Name, r.text()) // given twice
						}
					}
				}
				target := p
				if len(q) > 0 {
					target += "?" + q.Encode()
				}
				var rd *bytes.Reader
				if method != http.MethodGet {
					rd = bytes.NewReader(r.body(body))
				} else {
					rd = bytes.NewReader(nil)
				}
				req := httptest.NewRequest(method, target, rd)
				req.Header.Set("Content-Type", "application/json")
				user := users[(i+sent)%len(users)]
				req.Header.Set("Authorization", "Bearer "+ts.tokens[user])
				rec := httptest.NewRecorder()
				ts.echo.ServeHTTP(rec, req)
				sent++
				statuses[rec.Code]++
				what := fmt.Sprintf("%s %s as %s: %d %s", method, target, user, rec.Code, truncate(rec.Body.String(), 300))
				if rec.Code >= 500 {
					t.Errorf("5xx: %s", what)
					continue
				}
				if rec.Code < 400 {
					continue
				}
				var e struct {
					Error struct{ Code, Message, Field string } `json:"error"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Errorf("not the JSON error shape: %s", what)
					continue
				}
				if rec.Code == http.StatusUnprocessableEntity && e.Error.Field == "" {
					t.Errorf("a 422 names no field: %s", what)
				}
			}
		}
	}
	t.Logf("%d junk requests, answered %v", sent, statuses)
	require.Greater(t, sent, 1000)
	require.Greater(t, statuses[http.StatusUnprocessableEntity]+statuses[http.StatusBadRequest], 100, "the junk reaches the handlers' checks")
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
