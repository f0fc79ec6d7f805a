package introduction

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/app"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	flow "talentflow/workflows/introduction"
)

// Store errors.
var (
	ErrNotFound  = errors.New("no such application of this applicant")
	ErrDuplicate = errors.New("the person already has an open application in this category")
)

// Write is what one change of an application writes, all in one transaction.
type Write struct {
	// Profile replaces the profile (and the case's title and category follow it).
	Profile *storeintro.Profile
	// OpenKey claims the person-and-category slot (unique among open applications).
	OpenKey *string
	// SubmittedAt marks a draft submitted.
	SubmittedAt *time.Time
	// Start records the start of the case's workflow (app.RecordStart).
	Start *app.StartRequest
}

// Store is what the introduction's use cases need of storage.
type Store interface {
	CreateDraft(ctx context.Context, c store.Case, p storeintro.Profile) error
	// Application loads an introduction of the applicant's with its profile (ErrNotFound otherwise).
	Application(ctx context.Context, id, applicantID string) (store.Case, storeintro.Profile, error)
	// Change runs decide on the application's current rows and writes what it returns, in one
	// transaction (ErrNotFound, ErrDuplicate, or decide's own error).
	Change(ctx context.Context, id, applicantID string, decide func(store.Case, storeintro.Profile) (Write, error)) error
	Case(ctx context.Context, id string) (store.Case, error)
}

// DBStore keeps applications in the read model's database.
type DBStore struct {
	DB *store.DB
	// Record writes a recorded start inside the transaction (the app's RecordStart).
	Record func(tx *gorm.DB, req app.StartRequest) error
}

// CreateDraft stores a draft case and its profile.
func (d DBStore) CreateDraft(ctx context.Context, c store.Case, p storeintro.Profile) error {
	return d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return tx.Create(&p).Error
	})
}

// Application loads an application of the applicant's.
func (d DBStore) Application(ctx context.Context, id, applicantID string) (store.Case, storeintro.Profile, error) {
	return application(d.DB.WithContext(ctx), id, applicantID)
}

func application(tx *gorm.DB, id, applicantID string) (store.Case, storeintro.Profile, error) {
	var c store.Case
	var p storeintro.Profile
	err := tx.Where("id = ? AND process = ?", id, flow.Process).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && c.ApplicantID != applicantID) {
		return c, p, ErrNotFound
	}
	if err != nil {
		return c, p, err
	}
	err = tx.Where("case_id = ?", id).Take(&p).Error
	return c, p, err
}

// Change writes one decided change of an application.
func (d DBStore) Change(ctx context.Context, id, applicantID string, decide func(store.Case, storeintro.Profile) (Write, error)) error {
	return d.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, p, err := application(tx, id, applicantID)
		if err != nil {
			return err
		}
		w, err := decide(c, p)
		if err != nil {
			return err
		}
		if w.Profile != nil {
			if err := tx.Save(w.Profile).Error; err != nil {
				return duplicateOr(err)
			}
			if err := tx.Model(&store.Case{}).Where("id = ?", id).Updates(map[string]any{
				"title": flow.IntroductionTitle(w.Profile.Name), "category": w.Profile.Category, "updated_at": w.Profile.UpdatedAt}).Error; err != nil {
				return err
			}
		}
		if w.OpenKey != nil {
			if err := tx.Model(&storeintro.Profile{}).Where("case_id = ?", id).Update("open_key", w.OpenKey).Error; err != nil {
				return duplicateOr(err)
			}
		}
		if w.SubmittedAt != nil {
			if err := tx.Model(&store.Case{}).Where("id = ? AND state = ?", id, app.StateDraft).
				Updates(map[string]any{"state": app.StateSubmitted, "submitted_at": *w.SubmittedAt, "updated_at": *w.SubmittedAt}).Error; err != nil {
				return err
			}
		}
		if w.Start != nil {
			return d.Record(tx, *w.Start)
		}
		return nil
	})
}

func duplicateOr(err error) error {
	if store.IsUniqueViolation(err) {
		return ErrDuplicate
	}
	return err
}

// Case loads a case.
func (d DBStore) Case(ctx context.Context, id string) (store.Case, error) {
	var c store.Case
	err := d.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	return c, err
}
