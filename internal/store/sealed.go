package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"talentflow/internal/sealed"
)

// Personal data at rest. A model field tagged `gorm:"serializer:sealed"` is written encrypted
// with the database's keyring (AES-256-GCM, bound to the column's name) and read back in the
// clear; the keyring travels in each statement's context, put there by callbacks of this
// database only, so two databases in one process never share keys. Without a keyring a sealed
// field refuses to be written: personal data never reaches the disk in the clear.

// ErrNoKeys is the error of a sealed field written or read without a keyring.
var ErrNoKeys = errors.New("personal data needs the data keys (TALENTFLOW_DATA_KEYS, TALENTFLOW_INDEX_KEY)")

func init() { schema.RegisterSerializer("sealed", sealedField{}) }

type keysKey struct{}

// keysOf is the keyring a statement runs with (nil: none).
func keysOf(ctx context.Context) *sealed.Keyring {
	k, _ := ctx.Value(keysKey{}).(*sealed.Keyring)
	return k
}

// sealedField is the gorm serializer of sealed columns (strings).
type sealedField struct{}

// Value seals the field's value for the column it is written to.
func (sealedField) Value(ctx context.Context, field *schema.Field, _ reflect.Value, v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("sealed column %s: want a string, got %T", field.DBName, v)
	}
	if s == "" {
		return "", nil
	}
	keys := keysOf(ctx)
	if keys == nil {
		return nil, fmt.Errorf("write %s: %w", field.DBName, ErrNoKeys)
	}
	return keys.Seal(s, field.DBName)
}

// Scan opens the column's value into the field.
func (sealedField) Scan(ctx context.Context, field *schema.Field, dst reflect.Value, dbValue any) error {
	var s string
	switch v := dbValue.(type) {
	case nil:
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("sealed column %s: unexpected %T", field.DBName, dbValue)
	}
	if sealed.IsSealed(s) {
		keys := keysOf(ctx)
		if keys == nil {
			return fmt.Errorf("read %s: %w", field.DBName, ErrNoKeys)
		}
		var err error
		if s, err = keys.Open(s, field.DBName); err != nil {
			return fmt.Errorf("read %s: %w", field.DBName, err)
		}
	}
	field.ReflectValueOf(ctx, dst).SetString(s)
	return nil
}

// UseKeys gives the database its keyring: sealed fields are encrypted with it, and Keys
// computes blind indexes. Call it once, before Migrate (which seals rows written before their
// column was sealed).
func (db *DB) UseKeys(k *sealed.Keyring) error {
	if db.Keys != nil {
		return errors.New("the database has its keys already")
	}
	db.Keys = k
	withKeys := func(tx *gorm.DB) {
		ctx := tx.Statement.Context
		if ctx == nil {
			ctx = context.Background()
		}
		tx.Statement.Context = context.WithValue(ctx, keysKey{}, k)
	}
	cb := db.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().Before("*").Register("talentflow:keys", withKeys),
		"query":  cb.Query().Before("*").Register("talentflow:keys", withKeys),
		"update": cb.Update().Before("*").Register("talentflow:keys", withKeys),
		"delete": cb.Delete().Before("*").Register("talentflow:keys", withKeys),
		"row":    cb.Row().Before("*").Register("talentflow:keys", withKeys),
		"raw":    cb.Raw().Before("*").Register("talentflow:keys", withKeys),
	} {
		if err != nil {
			return fmt.Errorf("keys callback (%s): %w", name, err)
		}
	}
	return nil
}

// Index is the blind index of a value (hex HMAC-SHA256 with the index key), for columns that
// need uniqueness or lookup without holding the value.
func (db *DB) Index(purpose, value string) (string, error) {
	if db.Keys == nil {
		return "", ErrNoKeys
	}
	return db.Keys.Index(purpose, value), nil
}

// Blind-index purposes.
const (
	IndexCitizenID = "citizen_id"
)

// DataMigration is a migration written in Go that rewrites rows, numbered in its schema's
// sequence: the goose provider runs it in a transaction in order with the SQL files.
type DataMigration struct {
	Version int64
	Up      func(ctx context.Context, r Rows) error
}

// Rows is what a data migration works with: its transaction, the dialect and the keys (nil
// when the database was opened without them: a migration that finds rows to seal then fails).
type Rows struct {
	Tx      *sql.Tx
	Dialect Dialect
	Keys    *sealed.Keyring
	// rewritten collects the tables whose rows were rewritten (see DB.scrub).
	rewritten map[string]bool
}

// Rewrote notes that rows of table were rewritten: their old values, in the clear, are
// scrubbed from the database files once the migrations are done.
func (r Rows) Rewrote(table string) {
	if r.rewritten != nil {
		r.rewritten[table] = true
	}
}

// P is the n-th bind parameter (from 1) in the dialect's syntax.
func (r Rows) P(n int) string {
	if r.Dialect == Postgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// SealColumn seals every value of table.column still in the clear (written before the column
// was sealed), finding rows by their key column, and says how many it sealed.
func (r Rows) SealColumn(ctx context.Context, table, key, column string) (int, error) {
	rows, err := r.Tx.QueryContext(ctx, fmt.Sprintf(`SELECT %s, %s FROM %s WHERE %s <> '' AND %s NOT LIKE 'sealed:%%'`,
		key, column, table, column, column))
	if err != nil {
		return 0, fmt.Errorf("seal %s.%s: %w", table, column, err)
	}
	type row struct{ key, value string }
	var plain []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.key, &x.value); err != nil {
			rows.Close()
			return 0, err
		}
		plain = append(plain, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(plain) > 0 && r.Keys == nil {
		return 0, fmt.Errorf("seal %d rows of %s.%s: %w", len(plain), table, column, ErrNoKeys)
	}
	update := fmt.Sprintf(`UPDATE %s SET %s = %s WHERE %s = %s`, table, column, r.P(1), key, r.P(2))
	for _, x := range plain {
		s, err := r.Keys.Seal(x.value, column)
		if err != nil {
			return 0, err
		}
		if _, err := r.Tx.ExecContext(ctx, update, s, x.key); err != nil {
			return 0, fmt.Errorf("seal %s.%s: %w", table, column, err)
		}
	}
	if len(plain) > 0 {
		r.Rewrote(table)
	}
	return len(plain), nil
}

// scrub removes what the sealing migrations left of the old values: an UPDATE leaves the
// previous row version in SQLite's free space and write-ahead log, and in PostgreSQL's dead
// tuples. SQLite is rebuilt (VACUUM) and its log truncated; PostgreSQL's tables are rewritten
// (VACUUM FULL). Backups and PostgreSQL's WAL archive from before keep what they hold.
func (db *DB) scrub(ctx context.Context, tables map[string]bool) error {
	sqlDB := db.WithContext(ctx)
	if db.Dialect == SQLite {
		if err := sqlDB.Exec("VACUUM").Error; err != nil {
			return fmt.Errorf("scrub the values sealed: %w", err)
		}
		return sqlDB.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
	}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	slices.Sort(names)
	for _, t := range names {
		if err := sqlDB.Exec("VACUUM FULL " + t).Error; err != nil {
			return fmt.Errorf("scrub the values sealed in %s: %w", t, err)
		}
	}
	return nil
}

// foundation is the foundation's schema: its SQL files, then version 12, which seals the
// phones of users and the ID numbers of certified talents.
var foundation = Schema{FS: migrations, Data: []DataMigration{{Version: 12, Up: func(ctx context.Context, r Rows) error {
	if _, err := r.SealColumn(ctx, "users", "id", "phone"); err != nil {
		return err
	}
	_, err := r.SealColumn(ctx, "talents", "id", "id_number")
	return err
}}}}
