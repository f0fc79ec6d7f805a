package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
