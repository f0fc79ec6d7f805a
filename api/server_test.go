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
	"talentflow/internal/identity"
	"talentflow/internal/routing"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/workflows"
)

const demoPassword = "Demo-Talent-2026"

// fakeEngine accepts every start and update without running a workflow: these tests are about
// HTTP, authorization, validation and the read model, not about the processes.
type fakeEngine struct {
	mu      sync.Mutex
	updates []string
	starts  []workflows.IntroductionInput
	// refuse, when set, is the answer to every update (as a workflow validator would give it).
	refuse error
	// startErr fails starts; started is what Started then says.
	startErr error
	started  bool
}

func (f *fakeEngine) StartIntroduction(_ context.Context, in workflows.IntroductionInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, in)
	return f.startErr
}

func (f *fakeEngine) Update(_ context.Context, _, update string, _, _ any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, update)
	return f.refuse
}

func (f *fakeEngine) Ping(context.Context) error { return nil }

func (f *fakeEngine) Started(context.Context, string) (bool, error) { return f.started, nil }

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
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db := storetest.Open(t)
	require.NoError(t, app.SeedDepartments(ctx, db))
	idn, err := identity.NewService(db, bytes.Repeat([]byte("k"), 32), time.Hour, 4)
	require.NoError(t, err)
	_, err = app.SeedDemoAccounts(ctx, db, idn, demoPassword)
	require.NoError(t, err)
	az, err := authz.New(ctx, db)
	require.NoError(t, err)
	routes, err := routing.LoadIntroduction("")
	require.NoError(t, err)
	engine := &fakeEngine{}
	srv := &api.Server{
		App: &app.App{DB: db, Authz: az, Engine: engine, Routing: routes, Log: log,
			Attachments: app.AttachmentStore{Dir: filepath.Join(t.TempDir(), "files"), MaxBytes: 10 << 20}},
		Identity: idn, Authz: az, DB: db, Log: log, Registry: prometheus.NewRegistry(),
		Ready:   func(context.Context) map[string]error { return map[string]error{"database": nil, "temporal": nil} },
		Console: api.Console(),
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
