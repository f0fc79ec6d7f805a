package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/cases"
	intro "talentflow/internal/app/introduction"
	"talentflow/internal/config"
	"talentflow/internal/platform"
	"talentflow/internal/processes"
	"talentflow/internal/routing"
	"talentflow/internal/sealed"
	"talentflow/internal/store"
)

// envChildData makes the test binary run `talentflow dev` on that data folder instead of the
// tests, so that a test can kill it with SIGKILL and start it again.
const envChildData = "TALENTFLOW_E2E_CHILD_DATA"

// The child's application database (default: SQLite in its data folder) and its Temporal
// frontend's port (default: any free port).
const (
	envChildDatabase     = "TALENTFLOW_E2E_CHILD_DATABASE_URL"
	envChildTemporalPort = "TALENTFLOW_E2E_CHILD_TEMPORAL_PORT"
)

func runChild(dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := &config.Config{Data: dir}
	cfg.Addr = os.Getenv("TALENTFLOW_ADDR")
	cfg.Temporal.Namespace, cfg.Temporal.TaskQueue, cfg.Retention = "talentflow", "talentflow", 24*time.Hour
	cfg.TokenTTL, cfg.BcryptCost, cfg.Pollers = time.Hour, 4, 8
	cfg.TimeScale, cfg.YellowShare, cfg.LGODelayDays, cfg.CountyCode = 1, 2.0/3, 2, "YG"
	cfg.Level, cfg.Format = 0, "text"
	cfg.Database.URL = config.Secret(os.Getenv(envChildDatabase))
	port, _ := strconv.Atoi(os.Getenv(envChildTemporalPort))
	err := platform.RunDev(ctx, platform.DevOptions{Config: cfg, TemporalPort: port, UIPort: -1, DemoPassword: demoPassword})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

type child struct {
	cmd *exec.Cmd
	url string
}

// startChild runs `talentflow dev` on dir, serving addr, with env added (envChildDatabase...).
func startChild(t *testing.T, dir, addr string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), envChildData+"="+dir, "TALENTFLOW_ADDR="+addr), env...)
	logFile, err := os.Create(dir + ".log")
	require.NoError(t, err)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	require.NoError(t, cmd.Start())
	c := &child{cmd: cmd, url: "http://" + addr}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(c.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	out, _ := os.ReadFile(dir + ".log")
	t.Fatalf("talentflow dev did not become ready: %s", out)
	return nil
}

// kill ends the child with SIGKILL, as a power cut would.
func (c *child) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGKILL))
	_ = c.cmd.Wait()
}

// stop ends the child with SIGTERM; it must stop gracefully within 20 s.
func (c *child) stop(t *testing.T) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Error("talentflow dev did not stop within 20 s of SIGTERM")
		_ = c.cmd.Process.Kill()
	}
}

// childKeys is the keyring the child generated in its data folder: what a client of its
// Temporal needs to read the (encrypted) payloads.
func childKeys(t *testing.T, dir string) *sealed.Keyring {
	t.Helper()
	cfg := &config.Config{Data: dir}
	require.NoError(t, platform.DevKeys(cfg))
	keys, err := platform.Keys(cfg)
	require.NoError(t, err)
	return keys
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

func (c *child) login(t *testing.T, user string) *session {
	s := &session{t: t, base: c.url, name: user}
	var out struct{ Token string }
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/api/v1/auth/login",
		map[string]string{"username": user, "password": demoPassword}, &out))
	s.token = out.Token
	return s
}

// TestKillNineAndRestartKeepsCasesAndWorkflows kills a running `talentflow dev` with SIGKILL in
// the middle of a case and starts it again on the same data folder: the case, its tasks and
// its workflow are all still there, and the process carries on.
func TestKillNineAndRestartKeepsCasesAndWorkflows(t *testing.T) {
	dir := t.TempDir() + "/data"
	addr := freeAddr(t)
	first := startChild(t, dir, addr)

	applicant := first.login(t, "applicant.li")
	var created struct{ ID string }
	applicant.must(http.StatusCreated, http.MethodPost, "/api/v1/introductions", profile("A"), &created)
	applicant.must(http.StatusOK, http.MethodPost, "/api/v1/introductions/"+created.ID+"/submit", nil, nil)
	clerk := first.login(t, "clerk.window")
	decide(t, clerk, openTask(t, clerk, created.ID), "approve", "受理")
	hrss := first.login(t, "hrss.approver")
	decide(t, hrss, openTask(t, hrss, created.ID), "approve", "同意")

	first.kill(t)

	second := startChild(t, dir, addr)
	defer second.stop(t)

	applicant = second.login(t, "applicant.li")
	c := getCase(t, applicant, created.ID)
	assert.Equal(t, "in_review", c.State, "the case survived")
	decisions := 0
	for _, e := range c.Timeline {
		if e["kind"] == "decision" {
			decisions++
		}
	}
	assert.Equal(t, 2, decisions, "its history survived")

	// The workflow is still running: the remaining reviewers decide and the case moves on.
	for _, u := range []string{"sci.approver", "iit.approver"} {
		s := second.login(t, u)
		decide(t, s, openTask(t, s, created.ID), "approve", "同意")
	}
	assert.Equal(t, "signoff", getCase(t, applicant, created.ID).State)
}

// deadEngine is a Temporal that never answers: what a submission meets when the process dies
// between its database write and the workflow start.
type deadEngine struct{}

func (deadEngine) Start(context.Context, app.StartRequest) error { return errors.New("process killed") }
func (deadEngine) Update(context.Context, string, string, any, any) error {
	return errors.New("process killed")
}
func (deadEngine) Ping(context.Context) error { return errors.New("process killed") }
func (deadEngine) Signal(context.Context, string, string, any) error {
	return errors.New("process killed")
}

// TestAStartACrashInterruptsIsFinishedAtTheNextStart leaves a case exactly as a crash between
// the submission's write and the workflow start would — submitted, with no workflow — and
// starts `talentflow dev` again: the case starts on its own and reaches the window, and the
// applicant can act on it as usual.
func TestAStartACrashInterruptsIsFinishedAtTheNextStart(t *testing.T) {
	dir := t.TempDir() + "/data"
	addr := freeAddr(t)
	first := startChild(t, dir, addr)
	applicant := first.login(t, "applicant.li")
	var created struct{ ID string }
	applicant.must(http.StatusCreated, http.MethodPost, "/api/v1/introductions", profile("B"), &created)
	first.kill(t)

	// The submission's transaction runs and commits; then the "process" dies before the start.
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	registry, err := processes.Registry()
	require.NoError(t, err)
	cfg := &config.Config{Data: dir}
	require.NoError(t, platform.DevKeys(cfg), "the keys the child generated")
	db, err := platform.OpenDatabase(ctx, cfg, log, registry)
	require.NoError(t, err)
	var u store.User
	require.NoError(t, db.Where("username = ?", "applicant.li").Take(&u).Error)
	li := authz.NewPrincipal(u, nil)
	routes, err := routing.LoadIntroduction("")
	require.NoError(t, err)
	submit := intro.New(cases.New(&app.App{DB: db, Engine: deadEngine{}, Log: log}), routes)
	_, err = submit.SubmitIntroduction(ctx, li, created.ID)
	require.ErrorIs(t, err, app.ErrStartPending)
	require.NoError(t, db.Close())

	second := startChild(t, dir, addr)
	defer second.stop(t)
	applicant = second.login(t, "applicant.li")
	clerk := second.login(t, "clerk.window")
	deadline := time.Now().Add(30 * time.Second)
	for getCase(t, applicant, created.ID).State != "accepting" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, "accepting", getCase(t, applicant, created.ID).State, "the recorded start was finished")
	decide(t, clerk, openTask(t, clerk, created.ID), "approve", "受理")
	assert.Equal(t, "in_review", getCase(t, applicant, created.ID).State, "and the case runs as any other")
}
