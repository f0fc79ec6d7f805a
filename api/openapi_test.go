package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
)

// served fetches /api/openapi.json the way a client does.
func served(t *testing.T, ts *testServer) *openapi3.T {
	t.Helper()
	var raw json.RawMessage
	require.Equal(t, http.StatusOK, ts.do("", http.MethodGet, "/api/openapi.json", nil, &raw))
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()), "the served document is valid OpenAPI 3")
	return doc
}

func TestOpenAPIDescribesExactlyTheRegisteredRoutes(t *testing.T) {
	ts := newTestServer(t)
	doc := served(t, ts)
	param := regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	var routes, documented []string
	for _, r := range ts.echo.Routes() {
		if r.Path == "/" || strings.HasPrefix(r.Path, "/console.") {
			continue // the web console's static files
		}
		routes = append(routes, r.Method+" "+param.ReplaceAllString(r.Path, "{$1}"))
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	assert.Equal(t, routes, documented)
}

var updateGolden = flag.Bool("update", false, "rewrite testdata/openapi.golden.json from the served document")

// TestOpenAPIMatchesTheReviewedGoldenCopy compares the served document with the copy checked in
// under testdata, so that every change of the HTTP contract shows up in review as a diff of
// that file. After an intended change: go test ./api -run GoldenCopy -update.
func TestOpenAPIMatchesTheReviewedGoldenCopy(t *testing.T) {
	ts := newTestServer(t)
	var raw json.RawMessage
	require.Equal(t, http.StatusOK, ts.do("", http.MethodGet, "/api/openapi.json", nil, &raw))
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, raw, "", "  "))
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", "openapi.golden.json")
	if *updateGolden {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, pretty.Bytes(), 0o644))
	}
	golden, err := os.ReadFile(path)
	require.NoError(t, err, "no golden copy: run go test ./api -run GoldenCopy -update and review it")
	assert.JSONEq(t, string(golden), pretty.String(), "the HTTP contract changed: review and run with -update")
}

func TestOpenAPIDeclaresEveryVocabularyAsEnum(t *testing.T) {
	ts := newTestServer(t)
	doc := served(t, ts)
	profile := doc.Components.Schemas["IntroductionProfile"].Value
	for field, want := range map[string][]string{
		"category":  domain.CategoryValues(),
		"education": domain.EducationValues(),
		"title":     domain.TitleValues(),
	} {
		assert.ElementsMatch(t, want, enumOf(profile.Properties[field]), field)
	}
	assert.Subset(t, profile.Required, []string{"name", "id_number", "category"})
	decision := doc.Components.Schemas["DecisionInput"].Value
	assert.ElementsMatch(t, domain.OutcomeValues(), enumOf(decision.Properties["outcome"]))
	var scope []string
	for _, p := range doc.Paths.Find("/api/v1/tasks").Get.Parameters {
		if p.Value.Name == "scope" {
			scope = enumOf(p.Value.Schema)
		}
	}
	assert.Equal(t, []string{"mine", "department", "claimable", "done", "cc"}, scope)
	summary := doc.Components.Schemas["CaseSummary"].Value
	assert.Equal(t, []string{"introduction", "subsidy", "pairing_request", "liaison", "demand"}, enumOf(summary.Properties["process"]), "processes from the registry")
	policy := doc.Components.Schemas["PolicyInput"].Value
	assert.Equal(t, domain.SubsidyKindValues(), enumOf(policy.Properties["kind"]), "subsidy kinds")
	pay := doc.Components.Schemas["Payment"].Value
	assert.Equal(t, domain.PaymentStateValues(), enumOf(pay.Properties["state"]), "payment states")
	assert.Subset(t, enumOf(summary.Properties["state"]), []string{"draft", "submitted", "returned", "notice", "certified", "paired"})
	timeline := doc.Components.Schemas["TimelineEntry"].Value
	assert.Subset(t, enumOf(timeline.Properties["kind"]), []string{"decision", "comment", "notice_started", "certified"})
	login := doc.Paths.Find("/api/v1/auth/login").Post
	assert.Nil(t, login.Security, "login is public")
	assert.NotNil(t, doc.Paths.Find("/api/v1/me").Get.Security, "everything else needs the bearer token")
}

func enumOf(ref *openapi3.SchemaRef) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	var out []string
	for _, v := range ref.Value.Enum {
		out = append(out, v.(string))
	}
	return out
}
