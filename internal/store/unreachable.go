package store

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnreachable reports whether err means the database cannot be reached or did not answer in
// time — as opposed to a query it refused (a constraint, a syntax error): PostgreSQL refusing or
// dropping connections (connection refused or reset, a connect error, the server shutting down
// or still starting, too many connections), a connection that broke mid-query, a query the
// driver gave up on when its deadline passed (pgx's timeout, SQLite's interrupt), or SQLite still
// locked by another writer after its busy timeout. A bare context error is not the database's
// to claim: it may come from anything the request waited on. The API
// answers these 503 database_unavailable (see app.Outage).
func IsUnreachable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || // connection exception
			pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03" || // admin/crash shutdown, cannot connect now
			pgErr.Code == "53300" // too many connections
	}
	var connectErr *pgconn.ConnectError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var sqliteErr interface{ Code() int }
	switch {
	case errors.As(err, &connectErr), pgconn.Timeout(err),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, sql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &opErr), errors.As(err, &dnsErr):
		return true
	case errors.As(err, &sqliteErr):
		code := sqliteErr.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked || code == sqliteInterrupt
	}
	// pgx reports a connection it closed after a failure as "conn closed".
	return strings.Contains(err.Error(), "conn closed")
}

// SQLite's primary result codes for a database another connection holds, and for a query
// interrupted because its deadline passed.
const (
	sqliteBusy      = 5
	sqliteLocked    = 6
	sqliteInterrupt = 9
)

// connectTimeout bounds a PostgreSQL connection attempt when the DSN does not say otherwise: a
// host that drops packets would otherwise hold a request for the operating system's TCP timeout
// (minutes), not a few seconds.
const connectTimeout = "5"

// withConnectTimeout adds connect_timeout to a postgres:// DSN that has none (textually, so the
// rest of the DSN reaches pgx exactly as written).
func withConnectTimeout(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Query().Has("connect_timeout") {
		return dsn // pgx reports a malformed DSN itself
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "connect_timeout=" + connectTimeout
}
