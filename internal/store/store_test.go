package store_test

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	"talentflow/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openTest(t *testing.T) *store.DB { return storetest.Open(t) }

// migrationRoots are the foundation's migrations and every process's own.
var migrationRoots = []string{"migrations", "introduction/migrations"}

func TestMigrationsOfBothDialectsMatch(t *testing.T) {
	for _, root := range migrationRoots {
		t.Run(root, func(t *testing.T) { migrationsMatch(t, root) })
	}
}

func migrationsMatch(t *testing.T, root string) {
	versions := func(dialect string) []string {
		var out []string
		entries, err := fs.ReadDir(os.DirFS(root), dialect)
		require.NoError(t, err)
		for _, e := range entries {
			out = append(out, e.Name())
		}
		sort.Strings(out)
		return out
	}
	assert.Equal(t, versions("sqlite"), versions("postgres"), "every migration exists for SQLite and PostgreSQL")

	tables := regexp.MustCompile(`(CREATE|ALTER) TABLE (?:IF NOT EXISTS )?(\w+)`)
	columns := regexp.MustCompile(`(?m)^\s*(?:ALTER TABLE \w+ ADD COLUMN )?(\w+)\s+(TEXT|BIGINT|INTEGER|BOOLEAN|TIMESTAMP|TIMESTAMPTZ)\b`)
	for _, name := range versions("sqlite") {
		lite, err := os.ReadFile(filepath.Join(root, "sqlite", name))
		require.NoError(t, err)
		pg, err := os.ReadFile(filepath.Join(root, "postgres", name))
		require.NoError(t, err)
		assert.Equal(t, tables.FindAllString(string(lite), -1), tables.FindAllString(string(pg), -1), name)
		norm := func(b []byte) []string {
			var out []string
			for _, m := range columns.FindAllStringSubmatch(string(b), -1) {
				out = append(out, m[1]+" "+strings.TrimSuffix(m[2], "TZ"))
			}
			return out
		}
		assert.Equal(t, norm(lite), norm(pg), "%s: same columns and types", name)
	}
}

func TestMigrateIsIdempotentAndVersioned(t *testing.T) {
	db := openTest(t)
	applied, err := db.Migrate(context.Background())
	require.NoError(t, err)
	assert.Empty(t, applied, "a second start applies nothing")
	v, err := db.SchemaVersion(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 12, v)
}

func TestProcessSchemasKeepTheirOwnVersions(t *testing.T) {
	db := storetest.Open(t, storeintro.Schema)
	applied, err := db.Migrate(context.Background(), storeintro.Schema)
	require.NoError(t, err)
	assert.Empty(t, applied, "a second start applies nothing")
	require.NoError(t, db.Exec("SELECT case_id, open_key FROM introductions").Error, "the process's table exists")
	var n int64
	require.NoError(t, db.Table("goose_db_version_introduction").Where("version_id > 0").Count(&n).Error)
	assert.EqualValues(t, 2, n, "versioned in the process's own table (the SQL file, then the data migration)")
}

func TestSQLiteRunsInWALMode(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "wal.db"), quiet)
	require.NoError(t, err)
	defer db.Close()
	var mode string
	require.NoError(t, db.Raw("PRAGMA journal_mode").Scan(&mode).Error)
	assert.Equal(t, "wal", mode)
	var fk int
	require.NoError(t, db.Raw("PRAGMA foreign_keys").Scan(&fk).Error)
	assert.Equal(t, 1, fk)
}

func TestAuditLogRejectsUpdateAndDelete(t *testing.T) {
	db := openTest(t)
	require.NoError(t, db.Exec(`INSERT INTO audit_log (seq, at, actor, role, department, action, object, outcome, reason,
		request_id, prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, 'a', 'r', 'd', 'x', 'o', 'ok', '', '', 'p', 'h')`).Error)
	assert.ErrorContains(t, db.Exec("UPDATE audit_log SET reason = 'changed'").Error, "append-only")
	assert.ErrorContains(t, db.Exec("DELETE FROM audit_log").Error, "append-only")
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	db := openTest(t)
	require.NoError(t, db.Create(&store.Department{Code: "x", Name: "X"}).Error)
	err := db.Create(&store.Department{Code: "x", Name: "X again"}).Error
	assert.True(t, store.IsUniqueViolation(err), "%v", err)
}
