// Package e2e_test drives talentflow end to end: the embedded Temporal server, the worker, the
// API and the web console, in this process, through HTTP, exactly as `talentflow dev` runs
// them. It is the one test package that links the Temporal server.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"talentflow/activities"
	"talentflow/internal/app"
	"talentflow/internal/config"
	"talentflow/internal/devstack"
	"talentflow/internal/platform"
	"talentflow/internal/store"
	"talentflow/workflows"
)

const demoPassword = "Demo-Talent-2026"

// stack is one running talentflow, shared by the tests of this package.
type stack struct {
	URL      string
	DB       *store.DB
	Temporal client.Client
	// Webhook receives every outbound notification, as a county's message gateway would.
	Webhook *webhookReceiver
	// WebUI is an origin standing for the Temporal Web UI's: allowed to call the codec endpoint.
	WebUI string
	log   *slog.Logger
	dir   string
	stop  func()
}

// webhookReceiver records signed webhook calls.
type webhookReceiver struct {
	mu     sync.Mutex
	calls  []webhookCall
	server *httptest.Server
}

type webhookCall struct {
	Body      []byte
	Signature string
}

const webhookSecret = "e2e-webhook-secret"

func newWebhookReceiver() *webhookReceiver {
	w := &webhookReceiver{}
	w.server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		w.calls = append(w.calls, webhookCall{Body: body, Signature: r.Header.Get(activities.SignatureHeader)})
		w.mu.Unlock()
	}))
	return w
}

// find returns the calls whose JSON body has the given kind and task id.
func (w *webhookReceiver) find(kind, taskID string) []webhookCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []webhookCall
	for _, c := range w.calls {
		var b struct {
			Kind   string `json:"kind"`
			TaskID string `json:"task_id"`
		}
		if json.Unmarshal(c.Body, &b) == nil && b.Kind == kind && b.TaskID == taskID {
			out = append(out, c)
		}
	}
	return out
}

var shared *stack

func TestMain(m *testing.M) {
	if dir := os.Getenv(envChildData); dir != "" {
		os.Exit(runChild(dir))
	}
	s, err := startStack(os.Getenv("TALENTFLOW_E2E_KEEP") != "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e stack:", err)
		os.Exit(1)
	}
	shared = s
	code := m.Run()
	s.stop()
	os.Exit(code)
}

// startStack starts the embedded Temporal server on a SQLite file, the worker and the API with
// the web console, with demo accounts, in a temporary data folder.
func startStack(keep bool) (*stack, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "talentflow-e2e-*")
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TALENTFLOW_E2E_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	cfg := &config.Config{Data: dir}
	cfg.Temporal.Namespace, cfg.Temporal.TaskQueue, cfg.Retention = "talentflow", "talentflow-e2e", 24*time.Hour
	cfg.TokenTTL, cfg.BcryptCost, cfg.Pollers = time.Hour, 4, 8
	// A working day lasts 1.7 s: the five-day public notice ends within a test.
	cfg.TimeScale, cfg.YellowShare, cfg.LGODelayDays, cfg.CountyCode = 0.00002, 2.0/3, 2, "YG"
	cfg.TokenSecret = config.Secret(strings.Repeat("e2e-secret-", 4))
	if err := platform.DevKeys(cfg); err != nil { // as talentflow dev: generated in the data folder
		return nil, err
	}
	hook := newWebhookReceiver()
	cfg.WebhookURL, cfg.WebhookSecret = hook.server.URL, webhookSecret
	if cfg.LiaisonFile, err = liaisonFile(dir); err != nil {
		return nil, err
	}

	ds, err := devstack.Start(devstack.Options{DatabaseFile: filepath.Join(dir, "temporal.db"), UIPort: -1,
		Namespace: cfg.Temporal.Namespace, Retention: cfg.Retention, SearchAttributes: workflows.SearchAttributes(),
		Logger: log, LogLevel: slog.LevelError})
	if err != nil {
		return nil, err
	}
	cfg.Temporal.Address = ds.FrontendAddress()
	svc, err := platform.Connect(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	db, tc := svc.DB, svc.Temporal
	api, err := platform.NewAPI(ctx, cfg, svc, []byte(cfg.TokenSecret), true)
	if err != nil {
		return nil, err
	}
	if _, err := app.SeedDemoAccounts(ctx, db, api.Identity, demoPassword); err != nil {
		return nil, err
	}
	if err := api.Authz.Reload(ctx); err != nil {
		return nil, err
	}
	var w sdkworker.Worker
	if w, err = platform.NewWorker(cfg, svc); err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, err
	}
	webUI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>Temporal Web UI</title>")
	}))
	api.Server.CodecOrigins = []string{webUI.URL}
	srv := httptest.NewServer(api.Server.Handler())
	return &stack{URL: srv.URL, DB: db, Temporal: tc, Webhook: hook, WebUI: webUI.URL, log: log, dir: dir, stop: func() {
		srv.Close()
		webUI.Close()
		hook.server.Close()
		w.Stop()
		svc.Close()
		ds.Stop()
		if !keep {
			os.RemoveAll(dir)
		}
	}}, nil
}

// liaisonFile is the reviewed liaison file with monthly contacts, the first due at least five
// days after a pairing starts: on the scaled clock a contact falls due within about a minute
// whatever the date the tests run, with its 3-day reminder still ahead.
func liaisonFile(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join("..", "routing", "liaison.yaml"))
	if err != nil {
		return "", err
	}
	text := strings.Replace(string(data), "  default: 2 ", "  default: 12", 1)
	text = strings.Replace(text, "first_due_after_days: 30", "first_due_after_days: 5", 1)
	if text == string(data) {
		return "", fmt.Errorf("the liaison file changed shape: update liaisonFile")
	}
	path := filepath.Join(dir, "liaison.yaml")
	return path, os.WriteFile(path, []byte(text), 0o600)
}

// session is a logged-in demo user.
type session struct {
	t     testing.TB
	base  string
	token string
	name  string
}

func login(t testing.TB, username string) *session {
	t.Helper()
	s := &session{t: t, base: shared.URL, name: username}
	var out struct{ Token string }
	status := s.call(http.MethodPost, "/api/v1/auth/login", map[string]string{"username": username, "password": demoPassword}, &out)
	require.Equal(t, http.StatusOK, status, "login %s", username)
	s.token = out.Token
	return s
}

// call sends a JSON request and decodes the JSON answer into out (if not nil); it returns the
// status code.
func (s *session) call(method, path string, body, out any) int {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(s.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	require.NoError(s.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	if out != nil && len(data) > 0 {
		require.NoError(s.t, json.Unmarshal(data, out), "decode %s %s: %s", method, path, data)
	}
	return resp.StatusCode
}

// must sends a request that has to answer want.
func (s *session) must(want int, method, path string, body, out any) {
	s.t.Helper()
	var raw json.RawMessage
	status := s.call(method, path, body, &raw)
	require.Equal(s.t, want, status, "%s %s as %s: %s", method, path, s.name, raw)
	if out != nil {
		require.NoError(s.t, json.Unmarshal(raw, out))
	}
}
