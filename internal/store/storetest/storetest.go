// Package storetest gives tests a migrated database of their own: a SQLite file in a temporary
// folder, or, when TALENTFLOW_TEST_POSTGRES names a PostgreSQL server (as CI does), a fresh
// database on it, dropped afterwards. The same tests thus cover the production path.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"talentflow/internal/store"
)

// EnvPostgres names the server DSN that switches tests to PostgreSQL.
const EnvPostgres = "TALENTFLOW_TEST_POSTGRES"

// Open returns a migrated, empty database that lives as long as the test: the foundation's
// tables and those of the schemas given (the processes' own).
func Open(t testing.TB, schemas ...store.Schema) *store.DB {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dsn := filepath.Join(t.TempDir(), "test.db")
	if server := os.Getenv(EnvPostgres); server != "" {
		dsn = freshDatabase(t, server, log)
	}
	db, err := store.Open(dsn, log)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background(), schemas...); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return db
}

func freshDatabase(t testing.TB, server string, log *slog.Logger) string {
	t.Helper()
	admin, err := store.Open(server, log)
	if err != nil {
		t.Fatalf("postgres %s: %v", server, err)
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "tf_test_" + hex.EncodeToString(buf)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("postgres DSN: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}
