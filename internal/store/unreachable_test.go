package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/store"
)

// TestUnreachableDatabaseErrorsAreRecognised: the failures that mean "the database is down or
// did not answer" are told apart from the ones that mean "the database refused this query".
func TestUnreachableDatabaseErrorsAreRecognised(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	_, connectErr := pgconn.Connect(context.Background(), "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=1")
	require.Error(t, connectErr)
	for name, tc := range map[string]struct {
		err  error
		down bool
	}{
		"connection refused":          {refused, true},
		"pgx connect error":           {connectErr, true},
		"connection reset mid-query":  {fmt.Errorf("query: %w", syscall.ECONNRESET), true},
		"server shutting down":        {&pgconn.PgError{Severity: "FATAL", Code: "57P01"}, true},
		"server still starting":       {&pgconn.PgError{Severity: "FATAL", Code: "57P03"}, true},
		"connection exception":        {&pgconn.PgError{Code: "08006"}, true},
		"too many connections":        {&pgconn.PgError{Code: "53300"}, true},
		"bad connection":              {driver.ErrBadConn, true},
		"unique violation":            {&pgconn.PgError{Code: "23505"}, false},
		"syntax error":                {&pgconn.PgError{Code: "42601"}, false},
		"no rows":                     {sql.ErrNoRows, false},
		"a bare deadline is not ours": {context.DeadlineExceeded, false},
	} {
		t.Run(name, func(t *testing.T) { assert.Equal(t, tc.down, store.IsUnreachable(tc.err), "%v", tc.err) })
	}
}

// TestSQLiteBusyBeyondItsTimeoutIsUnreachable: a writer that waited out SQLite's busy timeout
// behind another writer answers SQLITE_BUSY, which counts as the database being unavailable.
func TestSQLiteBusyBeyondItsTimeoutIsUnreachable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(50)&_txlock=immediate")
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	holder, waiter := open(), open()
	_, err := holder.Exec("CREATE TABLE t (x int)")
	require.NoError(t, err)
	tx, err := holder.Begin()
	require.NoError(t, err)
	defer tx.Rollback()
	_, err = tx.Exec("INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	began := time.Now()
	_, err = waiter.Exec("INSERT INTO t VALUES (2)")
	require.Error(t, err)
	assert.Less(t, time.Since(began), 5*time.Second)
	assert.True(t, store.IsUnreachable(err), "%v", err)
	assert.False(t, store.IsUnreachable(errors.New("UNIQUE constraint failed: t.x")))
}
