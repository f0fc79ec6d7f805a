// Package topology_test runs talentflow as production does — PostgreSQL, two Temporal server
// processes forming one cluster, two workers and two API nodes, all of them the real
// `talentflow` binary on loopback ports — and kills processes under load.
package topology_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/workflows"
)

// postgresServer is the server CI starts (.ci/postgres.sh); without it the test skips, unless
// PostgreSQL is required.
func postgresServer(t *testing.T) string {
	server := os.Getenv(storetest.EnvPostgres)
	if server == "" {
		if os.Getenv("TALENTFLOW_REQUIRE_POSTGRES") != "" {
			t.Fatalf("%s is not set but PostgreSQL is required", storetest.EnvPostgres)
		}
		t.Skipf("the production topology needs PostgreSQL: set %s (scripts/test does)", storetest.EnvPostgres)
	}
	return server
}

// databases creates the cluster's three databases on the server and drops them afterwards:
// talentflow's read model and Temporal's default and visibility stores (the last two are
// created by `talentflow migrate`, named here so that cleanup finds them).
type databases struct{ App, Temporal, Visibility string }

func newDatabases(t *testing.T, server string) (databases, *store.DB) {
	buf := make([]byte, 4)
	_, _ = rand.Read(buf)
	prefix := "tf_topo_" + hex.EncodeToString(buf)
	names := databases{App: prefix + "_app", Temporal: prefix + "_temporal", Visibility: prefix + "_visibility"}
	admin, err := store.Open(server, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	require.NoError(t, admin.Exec("CREATE DATABASE "+names.App).Error)
	t.Cleanup(func() {
		for _, db := range []string{names.App, names.Temporal, names.Visibility} {
			admin.Exec("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)")
		}
		admin.Close()
	})
	app, err := store.Open(dsnOn(t, server, names.App), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { app.Close() })
	return names, app
}

func dsnOn(t *testing.T, server, database string) string {
	u, err := url.Parse(server)
	require.NoError(t, err)
	u.Path = "/" + database
	return u.String()
}

// buildBinary compiles cmd/talentflow once per test run (from Go's build cache when warm).
func buildBinary(t *testing.T) string {
	bin := filepath.Join(t.TempDir(), "talentflow")
	cmd := exec.Command("go", "build", "-o", bin, "talentflow/cmd/talentflow")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// proc is one talentflow process of the topology, restartable with the same arguments.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	log  string
	// ready answers nil once the process serves.
	ready func() error

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// start runs the process and waits until it serves.
func (p *proc) start() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(f, "\n=== start %s %s\n", time.Now().Format(time.TimeOnly), strings.Join(p.args, " "))
	cmd := command(p.bin, p.args, p.env)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	done := make(chan struct{})
	p.mu.Lock()
	p.cmd, p.done = cmd, done
	p.mu.Unlock()
	go func() { _ = cmd.Wait(); f.Close(); close(done) }()
	deadline := time.Now().Add(90 * time.Second)
	for {
		err := p.ready()
		if err == nil {
			return nil
		}
		exited := false
		select {
		case <-done:
			exited = true
		default:
		}
		if exited || time.Now().After(deadline) {
			out, _ := os.ReadFile(p.log)
			return fmt.Errorf("%s did not become ready (exited: %v, %v):\n%s", p.name, exited, err, tail(out, 4000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// mustStart starts the process and stops it when the test ends.
func (p *proc) mustStart(t *testing.T) {
	t.Helper()
	require.NoError(t, p.start())
	t.Cleanup(p.stop)
}

// command runs the binary with the environment plus env.
func command(bin string, args, env []string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// kill ends the process with SIGKILL, as a power cut would: no shutdown code runs.
func (p *proc) kill(t *testing.T) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
	t.Logf("%s killed with SIGKILL", p.name)
}

// stop ends the process with SIGTERM at the end of the test (SIGKILL after 15 s).
func (p *proc) stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// freePortBase finds a base port whose Temporal ports (base…base+10 and 300 below) are free.
func freePortBase(t *testing.T, from int) int {
	for base := from; base < from+2000; base += 37 {
		free := true
		for _, off := range []int{0, 1, 2, 6, 10, -300, -299, -298, -294} {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(base+off))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free port range for a Temporal server")
	return 0
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// httpOK is a readiness check: GET url answers 200.
func httpOK(url string) func() error {
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s answers %d", url, resp.StatusCode)
		}
		return nil
	}
}

// tcpOpen is a readiness check: the port accepts connections.
func tcpOpen(addr string) func() error {
	return func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}
}

// agreeWithWorkflows checks every case the query selects (id, workflow_id, state) against its
// workflow: the same state, the same open tasks, and no failed execution. It answers how many
// cases it checked.
func agreeWithWorkflows(t *testing.T, tc client.Client, db *store.DB, query string) int {
	t.Helper()
	var rows []struct{ ID, WorkflowID, State string }
	require.NoError(t, db.Raw(query).Scan(&rows).Error)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	for _, r := range rows {
		v, err := tc.QueryWorkflow(ctx, r.WorkflowID, "", workflows.QueryStatus)
		require.NoError(t, err, r.WorkflowID)
		var st workflows.CaseStatus
		require.NoError(t, v.Get(&st))
		assert.Equal(t, r.State, st.State, "case %s: read model and workflow agree", r.ID)
		var open []string
		for _, task := range st.OpenTasks {
			if task.State == workflows.TaskOpen {
				open = append(open, task.ID)
			}
		}
		var rowsOpen []string
		require.NoError(t, db.Raw(`SELECT id FROM tasks WHERE case_id = ? AND state = 'open'`, r.ID).Scan(&rowsOpen).Error)
		assert.ElementsMatch(t, open, rowsOpen, "case %s: the same open tasks", r.ID)
		d, err := tc.DescribeWorkflowExecution(ctx, r.WorkflowID, "")
		require.NoError(t, err)
		assert.NotEqual(t, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, d.WorkflowExecutionInfo.Status, r.WorkflowID)
	}
	return len(rows)
}
