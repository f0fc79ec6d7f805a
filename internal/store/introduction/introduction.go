// Package introduction is the talent introduction process's part of the read model: the
// application profiles (introductions) and their migrations for SQLite and PostgreSQL.
package introduction

import (
	"context"
	"embed"
	"fmt"
	"strings"
	"time"

	"talentflow/internal/sealed"
	"talentflow/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Schema is this process's migrations, applied after the foundation's: version 2 seals the
// ID numbers and phones of existing applications and turns their open keys into blind indexes.
var Schema = store.Schema{Name: "introduction", FS: store.MigrationsOf(migrations, "migrations"),
	Data: []store.DataMigration{{Version: 2, Up: sealProfiles}}}

// OpenKey is the value of open_key for an open application: the blind index of the person's
// ID number (never the number itself) and the category, unique among open applications.
func OpenKey(keys *sealed.Keyring, idNumber, category string) string {
	return keys.Index(store.IndexCitizenID, idNumber) + "|" + category
}

// sealProfiles rewrites the open keys written before they were blind (the ID number in the
// clear), then seals id_number and phone.
func sealProfiles(ctx context.Context, r store.Rows) error {
	rows, err := r.Tx.QueryContext(ctx, `SELECT case_id, id_number, category, open_key FROM introductions WHERE open_key IS NOT NULL`)
	if err != nil {
		return err
	}
	type row struct{ id, idNumber, category, key string }
	var clear []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.idNumber, &x.category, &x.key); err != nil {
			rows.Close()
			return err
		}
		if index, _, _ := strings.Cut(x.key, "|"); len(index) != 64 {
			clear = append(clear, x)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(clear) > 0 && r.Keys == nil {
		return fmt.Errorf("blind open keys of %d applications: %w", len(clear), store.ErrNoKeys)
	}
	if len(clear) > 0 {
		r.Rewrote("introductions")
	}
	for _, x := range clear {
		id, err := r.Keys.Open(x.idNumber, "id_number")
		if err != nil {
			return err
		}
		if _, err := r.Tx.ExecContext(ctx, `UPDATE introductions SET open_key = `+r.P(1)+` WHERE case_id = `+r.P(2),
			OpenKey(r.Keys, id, x.category), x.id); err != nil {
			return err
		}
	}
	for _, column := range []string{"id_number", "phone"} {
		if _, err := r.SealColumn(ctx, "introductions", "case_id", column); err != nil {
			return err
		}
	}
	return nil
}

// Profile is the profile of a talent introduction application (人才引进认定).
type Profile struct {
	CaseID             string `gorm:"primaryKey"`
	ApplicantID        string
	Name               string
	IDNumber           string `gorm:"column:id_number;serializer:sealed"` // personal data, encrypted at rest
	Phone              string `gorm:"serializer:sealed"`
	Education          string
	Title              string
	Field              string
	EmployerCreditCode string
	Category           string
	// OpenKey is "<blind index of the ID number>|<category>" while the application is open.
	OpenKey   *string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName keeps the table's name.
func (Profile) TableName() string { return "introductions" }
