// Package store owns talentflow's relational read model: the schema (versioned SQL migrations for
// SQLite and PostgreSQL), the gorm models, and opening a database from one DSN.
package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/libtnb/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/utils"

	"talentflow/internal/sealed"
)

//go:embed migrations
var migrations embed.FS

// Dialect names the SQL database behind a DB.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the application database.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// Keys seal personal data (see UseKeys); nil until given.
	Keys *sealed.Keyring
}

// Open connects to dsn: "postgres://..." (or "postgresql://") for PostgreSQL, otherwise a SQLite
// file path, optionally prefixed "sqlite:". SQLite runs in WAL mode with immediate transactions
// so that concurrent writers queue instead of failing.
func Open(dsn string, log *slog.Logger) (*DB, error) {
	gcfg := &gorm.Config{
		Logger:                                   newGormLogger(log),
		NowFunc:                                  func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		DisableForeignKeyConstraintWhenMigrating: true,
		TranslateError:                           true,
	}
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err := gorm.Open(postgres.Open(withConnectTimeout(dsn)), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// A connection PostgreSQL closed (a restart, a fail-over) is discarded by database/sql
		// the next time it is taken (pgx reports it bad); new ones are dialled as needed, so
		// the pool recovers on its own once the server is back. Connections are also renewed
		// every half hour, so a server that moved behind the same name is found again.
		sqlDB, _ := db.DB()
		// Idle connections are kept up to the limit: database/sql keeps two by default, so a
		// busy pool closed and redialled connections (and re-prepared their statements).
		sqlDB.SetMaxOpenConns(16)
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return &DB{DB: db, Dialect: Postgres}, nil
	default:
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return nil, errors.New("database DSN is empty")
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("database folder: %w", err)
		}
		db, err := gorm.Open(sqlite.Open(sqliteDSN(path)), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(4)
		sqlDB.SetMaxIdleConns(4) // as for PostgreSQL: no redialling under load
		return &DB{DB: db, Dialect: SQLite}, nil
	}
}

func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(ON)&_txlock=immediate"
}

// MigrationsOf is the migrations folder dir of a process's embedded files (a schema's FS).
func MigrationsOf(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Schema is a set of migrations beyond the foundation: a process's own read-model tables.
// FS holds a folder per dialect (sqlite/, postgres/) of goose files; their versions are
// tracked in a table of their own, so each process numbers its migrations from 1.
type Schema struct {
	Name string
	FS   fs.FS
	// Data are migrations written in Go that rewrite rows (sealing a column's personal data),
	// numbered in the same sequence as FS's files.
	Data []DataMigration
}

// Migrate applies every pending migration of the database's dialect — the foundation's, then
// each schema's in order — and returns the versions applied. On PostgreSQL a session lock lets
// several processes start at once.
func (db *DB) Migrate(ctx context.Context, schemas ...Schema) ([]int64, error) {
	var applied []int64
	rewritten := map[string]bool{}
	for _, sc := range append([]Schema{foundation}, schemas...) {
		p, err := db.migrator(sc, rewritten)
		if err != nil {
			return nil, err
		}
		results, err := p.Up(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate %s: %w", cmp.Or(sc.Name, "foundation"), err)
		}
		for _, r := range results {
			applied = append(applied, r.Source.Version)
		}
	}
	if len(rewritten) > 0 {
		if err := db.scrub(ctx, rewritten); err != nil {
			return applied, err
		}
	}
	return applied, nil
}

// SchemaVersion is the newest applied migration of the foundation.
func (db *DB) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := db.migrator(foundation, nil)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

func (db *DB) migrator(sc Schema, rewritten map[string]bool) (*goose.Provider, error) {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return nil, err
	}
	root := string(db.Dialect)
	if sc.Name == "" {
		root = "migrations/" + root
	}
	fsys, err := fs.Sub(sc.FS, root)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	var opts []goose.ProviderOption
	if sc.Name != "" {
		opts = append(opts, goose.WithTableName("goose_db_version_"+sc.Name))
	}
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	var data []*goose.Migration
	for _, m := range sc.Data {
		up := m.Up
		data = append(data, goose.NewGoMigration(m.Version, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			return up(ctx, Rows{Tx: tx, Dialect: db.Dialect, Keys: db.Keys, rewritten: rewritten})
		}}, nil))
	}
	opts = append(opts, goose.WithGoMigrations(data...), goose.WithDisableGlobalRegistry(true))
	return goose.NewProvider(dialect, sqlDB, fsys, opts...)
}

// NextInSequence increments a named counter and returns its new value, atomically, inside tx
// (certificate numbers per year and category, batch numbers...).
func NextInSequence(tx *gorm.DB, name string) (int64, error) {
	row := Counter{Name: name, Value: 1}
	err := tx.Clauses(
		clause.OnConflict{
			Columns:   []clause.Column{{Name: "name"}},
			DoUpdates: clause.Set{{Column: clause.Column{Name: "value"}, Value: gorm.Expr("counters.value + 1")}},
		},
		clause.Returning{Columns: []clause.Column{{Name: "value"}}},
	).Create(&row).Error
	return row.Value, err
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Close releases the connections.
func (db *DB) Close() error {
	sqlDB, err := db.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// IsUniqueViolation reports whether err is a unique-constraint violation on either dialect.
func IsUniqueViolation(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey) ||
		err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// gormLogger sends slow queries and errors to slog; ordinary queries are not logged, so personal
// data in query arguments never reaches the log.
type gormLogger struct {
	log *slog.Logger
}

func newGormLogger(l *slog.Logger) logger.Interface {
	if l == nil {
		l = slog.Default()
	}
	return gormLogger{log: l.With("component", "db")}
}

func (g gormLogger) LogMode(logger.LogLevel) logger.Interface { return g }
func (g gormLogger) Info(ctx context.Context, msg string, args ...any) {
	g.log.InfoContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	g.log.WarnContext(ctx, fmt.Sprintf(msg, args...))
}
func (g gormLogger) Error(ctx context.Context, msg string, args ...any) {
	g.log.ErrorContext(ctx, fmt.Sprintf(msg, args...))
}

const slowQuery = 500 * time.Millisecond

func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !IsUniqueViolation(err):
		g.log.ErrorContext(ctx, "query failed", "err", err, "elapsed", elapsed)
	case elapsed > slowQuery:
		// The statement text carries bound values (personal data among them): log where the
		// query comes from instead.
		_, rows := fc()
		g.log.WarnContext(ctx, "slow query", "elapsed", elapsed, "rows", rows, "at", utils.FileWithLineNum())
	}
}
