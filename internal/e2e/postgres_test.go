package e2e_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// envRequirePostgres makes a test that needs PostgreSQL's server binaries fail, instead of
// skipping, where they are missing (CI sets it: there the outage test must run).
const envRequirePostgres = "TALENTFLOW_REQUIRE_POSTGRES"

// postgres is a private PostgreSQL server of one test: its own cluster in a temporary folder
// on a free loopback port, which the test may stop and start again.
type postgres struct {
	bin, data, log string
	port           int
	asPostgres     bool // running as root: the server runs as the postgres user
}

// startPostgres initialises and starts a throwaway cluster (initdb + pg_ctl, as .ci/postgres.sh
// does) and removes it when the test ends. Without Debian's server binaries the test is
// skipped, or fails when TALENTFLOW_REQUIRE_POSTGRES is set.
func startPostgres(t *testing.T) *postgres {
	t.Helper()
	unavailable := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv(envRequirePostgres) != "" {
			t.Fatalf("%s (%s is set)", msg, envRequirePostgres)
		}
		t.Skipf("%s: install Debian's postgresql package to run this test (set %s to make this a failure)", msg, envRequirePostgres)
	}
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		unavailable("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
	}
	slices.SortFunc(bins, func(a, b string) int { return majorOf(a) - majorOf(b) })
	pg := &postgres{bin: filepath.Dir(bins[len(bins)-1]), asPostgres: os.Geteuid() == 0}

	// Not t.TempDir: its parents are private to root, and the server may run as postgres.
	dir, err := os.MkdirTemp("", "tf-pg-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	pg.data, pg.log = filepath.Join(dir, "data"), filepath.Join(dir, "server.log")
	if pg.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			unavailable("running as root and there is no postgres user to run the server as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pg.port = l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	pg.run(t, "initdb", "-D", pg.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
	pg.start(t)
	t.Cleanup(func() { _ = pg.command("pg_ctl", "-D", pg.data, "-m", "immediate", "stop").Run() })
	return pg
}

func majorOf(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// DSN is the connection string of the cluster's postgres database.
func (pg *postgres) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// start starts the server and waits until it accepts connections.
func (pg *postgres) start(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.data, "-l", pg.log, "-w", "-t", "30", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
			pg.port, filepath.Dir(pg.data)), "start")
}

// stop stops the server as an operator would for maintenance: `pg_ctl stop -m fast` rolls back
// open transactions and closes every connection.
func (pg *postgres) stop(t *testing.T) {
	t.Helper()
	pg.run(t, "pg_ctl", "-D", pg.data, "-m", "fast", "-w", "stop")
}

func (pg *postgres) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(pg.bin, name)
	if pg.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

func (pg *postgres) run(t *testing.T, name string, args ...string) {
	t.Helper()
	began := time.Now()
	out, err := pg.command(name, args...).CombinedOutput()
	if err != nil {
		logTail, _ := os.ReadFile(pg.log)
		t.Fatalf("%s %v: %v\n%s\nserver log:\n%s", name, args, err, out, logTail)
	}
	t.Logf("postgres: %s %s took %s", name, args[len(args)-1], time.Since(began).Round(time.Millisecond))
}
