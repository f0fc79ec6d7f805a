package api_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"talentflow/internal/store"
	"talentflow/workflows"
)

func upload(t *testing.T, ts *testServer, user, name string, content []byte) (int, map[string]any) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = w.Close()
	var out map[string]any
	return ts.do(user, http.MethodPost, "/api/v1/attachments", &body{w.FormDataContentType(), buf.Bytes()}, &out), out
}

var pdf = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\nsame content")

func TestUploadsAreCheckedByContentAndSize(t *testing.T) {
	ts := newTestServer(t)
	status, out := upload(t, ts, li, "degree.exe", []byte("MZ\x90\x00 not a pdf at all"))
	assert.Equal(t, http.StatusUnprocessableEntity, status, "the type comes from the content, not the name")
	assert.Equal(t, "file", out["error"].(map[string]any)["field"])
	status, _ = upload(t, ts, li, "big.pdf", append(bytes.Clone(pdf), bytes.Repeat([]byte("x"), 11<<20)...))
	assert.Equal(t, http.StatusRequestEntityTooLarge, status)
	status, _ = upload(t, ts, li, "empty.pdf", nil)
	assert.Equal(t, http.StatusUnprocessableEntity, status)
}

func TestFilesAreOwnedByEachUploaderAndLinkedOnlyByThem(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	status, first := upload(t, ts, hrss, "学历证明.pdf", pdf)
	require.Equal(t, http.StatusCreated, status)
	status, second := upload(t, ts, lgo, "我的副本.pdf", pdf)
	require.Equal(t, http.StatusCreated, status)
	assert.Equal(t, first["sha256"], second["sha256"], "stored once by content")

	// Each uploader downloads it under the name they gave it.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/attachments/"+second["sha256"].(string), nil)
	req.Header.Set("Authorization", "Bearer "+ts.tokens[lgo])
	rec := httptest.NewRecorder()
	ts.echo.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Contains(t, rec.Header().Get("Content-Disposition"), "%E6%88%91%E7%9A%84") // 我的…

	// Someone who has only seen the hash cannot attach the file to a case.
	var out map[string]any
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(clerk, http.MethodPost, "/api/v1/cases/"+f.caseID+"/attachments",
		jsonBody(map[string]string{"sha256": first["sha256"].(string)}), &out))
	assert.Equal(t, http.StatusOK, ts.do(hrss, http.MethodPost, "/api/v1/cases/"+f.caseID+"/attachments",
		jsonBody(map[string]string{"sha256": first["sha256"].(string)}), nil))
}

func TestARefusedDecisionLinksNoFile(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	status, up := upload(t, ts, hrss, "核查记录.pdf", pdf)
	require.Equal(t, http.StatusCreated, status)
	ts.engine.refuse = temporal.NewNonRetryableApplicationError("task is no longer open", workflows.ErrTypeConflict, nil)
	decision := jsonBody(map[string]any{"outcome": "approve", "attachments": []string{up["sha256"].(string)}})
	assert.Equal(t, http.StatusConflict, ts.do(hrss, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision", decision, nil))
	var n int64
	require.NoError(t, ts.db.Model(&store.CaseAttachment{}).Where("sha256 = ?", up["sha256"]).Count(&n).Error)
	assert.Zero(t, n, "nothing half-written")

	ts.engine.refuse = nil
	ts.engine.take()
	assert.Equal(t, http.StatusOK, ts.do(hrss, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision", decision, nil))
	calls := ts.engine.take()
	require.Len(t, calls, 1)
	assert.Equal(t, []string{up["sha256"].(string)}, calls[0].Arg.(workflows.Decision).Attachments,
		"the file travels in the decision; the workflow's projection links it with the decided task")
	require.NoError(t, ts.db.Model(&store.CaseAttachment{}).Where("sha256 = ?", up["sha256"]).Count(&n).Error)
	assert.Zero(t, n, "the API itself writes no link")
}

func TestControlCharactersAreRefusedNamingTheField(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	var out struct{ Error struct{ Field string } }
	p := validProfile("B")
	p["field"] = "新材料\x00"
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(li, http.MethodPost, "/api/v1/introductions", jsonBody(p), &out))
	assert.Equal(t, "field", out.Error.Field)
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(hrss, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision",
		jsonBody(map[string]string{"outcome": "approve", "comment": "ok\x00"}), &out))
	assert.Equal(t, "comment", out.Error.Field)
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(hrss, http.MethodGet, "/api/v1/cases/x%00y", nil, &out))
	assert.Equal(t, "id", out.Error.Field)
	assert.Equal(t, http.StatusUnauthorized, ts.do("", http.MethodPost, "/api/v1/auth/login",
		jsonBody(map[string]string{"username": "a\x00", "password": "x"}), nil))
}
