// Package introduction is the talent introduction process's part of the read model: the
// application profiles (introductions) and their migrations for SQLite and PostgreSQL.
package introduction

import (
	"embed"
	"time"

	"talentflow/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Schema is this process's migrations, applied after the foundation's.
var Schema = store.Schema{Name: "introduction", FS: store.MigrationsOf(migrations, "migrations")}

// Profile is the profile of a talent introduction application (人才引进认定).
type Profile struct {
	CaseID             string `gorm:"primaryKey"`
	ApplicantID        string
	Name               string
	IDNumber           string `gorm:"column:id_number"`
	Phone              string
	Education          string
	Title              string
	Field              string
	EmployerCreditCode string
	Category           string
	OpenKey            *string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// TableName keeps the table's name.
func (Profile) TableName() string { return "introductions" }
