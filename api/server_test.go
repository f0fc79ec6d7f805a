package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"talentflow/api"
	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/attachments"
	"talentflow/internal/app/auditlog"
	"talentflow/internal/app/cases"
	"talentflow/internal/app/monitoring"
	"talentflow/internal/app/notifications"
	"talentflow/internal/app/users"
	"talentflow/internal/config"
	"talentflow/internal/identity"
	"talentflow/internal/process"
	"talentflow/internal/processes"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/internal/temporalx"
	"talentflow/workflows"
)

const demoPassword = "Demo-Talent-2026"

// codecOrigin is the Temporal Web UI the test server lets call its codec endpoint.
const codecOrigin = "http://127.0.0.1:8233"

// fakeEngine accepts every start and update without running a workflow: these tests are about
// HTTP, authorization, validation and the read model, not about the processes.
type fakeEngine struct {
	mu     sync.Mutex
	calls  []engineCall
	starts []app.StartRequest
	// refuse, when set, is the answer to every update (as a workflow validator would give it).
	refuse error
	// startErr fails starts (as an unreachable frontend would).
	startErr error
}

// engineCall is what the API asked of the engine: a start ("start") or an update, of which
// workflow, with what argument.
type engineCall struct {
	Name, WorkflowID string
	Arg              any
}

func (f *fakeEngine) Start(_ context.Context, req app.StartRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, engineCall{Name: "start", WorkflowID: req.WorkflowID, Arg: req.Input})
	f.starts = append(f.starts, req)
	return f.startErr
}

func (f *fakeEngine) Update(_ context.Context, workflowID, update string, arg, out any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, engineCall{Name: update, WorkflowID: workflowID, Arg: arg})
	// An added signer's task: the fake answers with the task the request was made on.
	if r, ok := arg.(workflows.SignerRequest); ok && f.refuse == nil {
		*out.(*workflows.TaskView) = workflows.TaskView{ID: r.TaskID}
	}
	return f.refuse
}

func (f *fakeEngine) Ping(context.Context) error                        { return nil }
func (f *fakeEngine) Signal(context.Context, string, string, any) error { return nil }

// take returns the calls since the last take and forgets them.
func (f *fakeEngine) take() []engineCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.calls
	f.calls = nil
	return out
}

// testServer is the API on a fresh SQLite database with the demo accounts.
type testServer struct {
	t      *testing.T
	echo   *echo.Echo
	server *api.Server
	db     *store.DB
	engine *fakeEngine
	tokens map[string]string
	ids    map[string]string // username → user id
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return newTestServerWith(t)
}

// newTestServerWith runs the API with the built-in processes and extra ones.
func newTestServerWith(t *testing.T, extra ...process.Definition) *testServer {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	registry, err := process.New(append(processes.Definitions(), extra...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = processes.Registry() }) // the vocabulary of the real processes again
	db := storetest.Open(t, registry.Schemas()...)
	require.NoError(t, app.SeedDepartments(ctx, db))
	idn, err := identity.NewService(db, bytes.Repeat([]byte("k"), 32), time.Hour, 4)
	require.NoError(t, err)
	_, err = app.SeedDemoAccounts(ctx, db, idn, demoPassword)
	require.NoError(t, err)
	az, err := authz.New(ctx, db)
	require.NoError(t, err)
	engine := &fakeEngine{}
	a := &app.App{DB: db, Authz: az, Engine: engine, Processes: registry, Log: log}
	cs := cases.New(a)
	files := attachments.New(cs, filepath.Join(t.TempDir(), "files"), 10<<20)
	a.Files = files
	routes, err := registry.Routes(process.Env{DB: db, Log: log, Config: &config.Config{Process: config.Process{CountyCode: "YG"}}, App: a, Cases: cs})
	require.NoError(t, err)
	srv := &api.Server{
		App: a, Inbox: notifications.New(db, a.Unavailable), Audit: auditlog.New(db, a.Unavailable), Users: users.New(db, az, idn, a.Unavailable), Files: files, Cases: cs, Tasks: cs.Tasks, Processes: registry, ProcessRoutes: routes, Monitoring: monitoring.New(a, "阳谷县", monitoring.Labels{}),
		Identity: idn, Authz: az, DB: db, Log: log, Registry: prometheus.NewRegistry(),
		Ready:        func(context.Context) map[string]error { return map[string]error{"database": nil, "temporal": nil} },
		Console:      api.Console(),
		PayloadCodec: temporalx.Codec{Keys: storetest.Keys()}, CodecOrigins: []string{codecOrigin},
	}
	ts := &testServer{t: t, echo: srv.Handler(), server: srv, db: db, engine: engine, tokens: map[string]string{}, ids: map[string]string{}}
	for _, d := range app.DemoAccounts {
		var out struct{ Token string }
		status := ts.do("", http.MethodPost, "/api/v1/auth/login", jsonBody(map[string]string{"username": d.Username, "password": demoPassword}), &out)
		require.Equal(t, http.StatusOK, status, d.Username)
		ts.tokens[d.Username] = out.Token
		var u store.User
		require.NoError(t, db.Where("username = ?", d.Username).Take(&u).Error)
		ts.ids[d.Username] = u.ID
	}
	return ts
}

// body is a request body with its content type.
type body struct {
	contentType string
	data        []byte
}

func jsonBody(v any) *body {
	b, _ := json.Marshal(v)
	return &body{"application/json", b}
}

// pdfUpload is a multipart upload of a tiny PDF.
func pdfUpload(name string) *body {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", name)
	_, _ = fw.Write([]byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n" + name))
	_ = w.Close()
	return &body{w.FormDataContentType(), buf.Bytes()}
}

// do sends a request as user ("" = anonymous) and decodes the JSON answer into out.
func (ts *testServer) do(user, method, path string, b *body, out any) int {
	ts.t.Helper()
	var rd io.Reader
	req := httptest.NewRequest(method, path, rd)
	if b != nil {
		req = httptest.NewRequest(method, path, bytes.NewReader(b.data))
		req.Header.Set("Content-Type", b.contentType)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+ts.tokens[user])
	}
	rec := httptest.NewRecorder()
	ts.echo.ServeHTTP(rec, req)
	if out != nil && rec.Body.Len() > 0 {
		_ = json.Unmarshal(rec.Body.Bytes(), out)
	}
	return rec.Code
}

// raw sends a request as user and returns the recorder.
func (ts *testServer) raw(user, method, path string) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+ts.tokens[user])
	}
	rec := httptest.NewRecorder()
	ts.echo.ServeHTTP(rec, req)
	return rec
}
