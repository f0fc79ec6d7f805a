package api_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/store"
)

func TestTheConsoleRunsNoInlineScriptAndAPIAnswersAreNotCached(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	page := ts.raw("", http.MethodGet, "/")
	csp := page.Header().Get("Content-Security-Policy")
	require.NotEmpty(t, csp)
	assert.Contains(t, csp, "script-src 'self';")
	assert.NotContains(t, csp, "unsafe-inline")
	assert.NotContains(t, page.Body.String(), "<script>", "the page loads its script from a file")

	// The certificate's inline style is allowed by its hash, and nothing else inline is.
	cert := ts.raw(li, http.MethodGet, "/api/v1/cases/"+f.caseID+"/certificate")
	require.Equal(t, http.StatusOK, cert.Code)
	body := cert.Body.String()
	start, end := strings.Index(body, "<style>")+len("<style>"), strings.Index(body, "</style>")
	require.Greater(t, end, start)
	sum := sha256.Sum256([]byte(body[start:end]))
	assert.Contains(t, csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")

	for _, path := range []string{"/api/v1/me", "/api/v1/cases/" + f.caseID, "/api/v1/tasks?scope=mine"} {
		rec := ts.raw(li, http.MethodGet, path)
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"), path)
	}
}

// TestPersonalDataTypedWhereItDoesNotBelongIsMasked: a citizen ID typed as a login name does
// not enter the audit log whole, and one in a URL path does not enter the access log whole.
func TestPersonalDataTypedWhereItDoesNotBelongIsMasked(t *testing.T) {
	ts := newTestServer(t)
	var logged bytes.Buffer
	ts.server.Log = slog.New(slog.NewJSONHandler(&logged, nil))
	ts.server.Registry = prometheus.NewRegistry() // a second handler registers its metrics anew
	ts.echo = ts.server.Handler()
	const id = "11010519491231002X"
	assert.Equal(t, http.StatusUnauthorized, ts.do("", http.MethodPost, "/api/v1/auth/login", jsonBody(map[string]string{"username": id, "password": "x"}), nil))
	ts.do(fin, http.MethodGet, "/api/v1/talents/"+id+"/payments", nil, nil)
	var rows []store.AuditRecord
	require.NoError(t, ts.db.Where("action = ?", "login").Find(&rows).Error)
	require.NotEmpty(t, rows)
	for _, r := range rows {
		assert.NotContains(t, r.Actor+r.Reason+r.Object, id)
	}
	assert.Contains(t, rows[len(rows)-1].Actor, "110105********002X")
	assert.NotContains(t, logged.String(), id, "the access log")
	assert.Contains(t, logged.String(), "110105********002X")
}
