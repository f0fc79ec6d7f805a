// Package storetest gives tests a migrated database of their own: a SQLite file in a temporary
// folder, or, when TALENTFLOW_TEST_POSTGRES names a PostgreSQL server (as CI does), a fresh
// database on it, dropped afterwards. The same tests thus cover the production path.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"talentflow/internal/sealed"
	"talentflow/internal/store"
)

// EnvPostgres names the server DSN that switches tests to PostgreSQL.
const EnvPostgres = "TALENTFLOW_TEST_POSTGRES"

// Open returns a migrated, empty database that lives as long as the test: the foundation's
// tables and those of the schemas given (the processes' own).
func Open(t testing.TB, schemas ...store.Schema) *store.DB {
	t.Helper()
	db, cleanup, err := OpenKept(t.TempDir(), schemas...)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(cleanup)
	return db
}

// OpenKept is Open for a database that outlives one test (a benchmark's seeded data): a SQLite
// file in dir, or a fresh PostgreSQL database; cleanup closes and drops it.
func OpenKept(dir string, schemas ...store.Schema) (*store.DB, func(), error) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dsn := filepath.Join(dir, "test.db")
	drop := func() {}
	if server := os.Getenv(EnvPostgres); server != "" {
		var err error
		if dsn, drop, err = freshDatabase(server, log); err != nil {
			return nil, nil, err
		}
	}
	db, err := store.Open(dsn, log)
	if err != nil {
		drop()
		return nil, nil, fmt.Errorf("open test database: %w", err)
	}
	cleanup := func() { db.Close(); drop() }
	if err := db.UseKeys(Keys()); err != nil {
		cleanup()
		return nil, nil, err
	}
	if _, err := db.Migrate(context.Background(), schemas...); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("migrate test database: %w", err)
	}
	return db, cleanup, nil
}

// Keys is the keyring of every test database: fixed, so that a test can check what another
// part sealed. Never a real county's keys.
func Keys() *sealed.Keyring {
	data := sha256.Sum256([]byte("talentflow test data key"))
	index := sha256.Sum256([]byte("talentflow test index key"))
	k, err := sealed.New([]sealed.Key{{ID: "test", Secret: data[:]}}, index[:])
	if err != nil {
		panic(err)
	}
	return k
}

func freshDatabase(server string, log *slog.Logger) (string, func(), error) {
	admin, err := store.Open(server, log)
	if err != nil {
		return "", nil, fmt.Errorf("postgres %s: %w", server, err)
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "tf_test_" + hex.EncodeToString(buf)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	}
	u, err := url.Parse(server)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("postgres DSN: %w", err)
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
