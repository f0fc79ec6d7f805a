package subsidy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// ErrVersionRace means another version of the kind was created at the same moment.
var ErrVersionRace = errors.New("another version of this policy was created at the same time; try again")

// PolicyTerms is a policy version as written: what the defaults file and the API give.
type PolicyTerms struct {
	Kind       string
	Name       string
	Year       int
	Categories []string
	AmountFen  map[string]int64
	Months     int
	BudgetFen  int64
}

// CurrentPolicies are the newest version of each kind.
func CurrentPolicies(tx *gorm.DB) ([]Policy, error) {
	var out []Policy
	err := tx.Where("version = (SELECT MAX(p2.version) FROM subsidy_policies p2 WHERE p2.kind = subsidy_policies.kind)").
		Order("kind").Find(&out).Error
	return out, err
}

// Policies lists every version, newest first within each kind.
func (l Ledger) Policies(ctx context.Context, all bool) ([]Policy, error) {
	if !all {
		return CurrentPolicies(l.DB.WithContext(ctx))
	}
	var out []Policy
	err := l.DB.WithContext(ctx).Order("kind, version DESC").Find(&out).Error
	return out, err
}

// Policy loads one version.
func (l Ledger) Policy(ctx context.Context, id string) (Policy, error) {
	var p Policy
	err := l.DB.WithContext(ctx).Where("id = ?", id).Take(&p).Error
	return p, notFound(err)
}

// NewVersion writes a new version of the kind: the next number, in one transaction. Running
// cases keep the version they were bound to.
func (l Ledger) NewVersion(ctx context.Context, t PolicyTerms, by string) (Policy, error) {
	var p Policy
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var err error
		p, err = newVersion(tx, t, by)
		return err
	})
	return p, err
}

func newVersion(tx *gorm.DB, t PolicyTerms, by string) (Policy, error) {
	var latest int
	if err := tx.Model(&Policy{}).Where("kind = ?", t.Kind).Select("COALESCE(MAX(version), 0)").Scan(&latest).Error; err != nil {
		return Policy{}, err
	}
	amounts, _ := json.Marshal(t.AmountFen)
	p := Policy{ID: ids.New("pol"), Kind: t.Kind, Name: t.Name, Version: latest + 1, Year: t.Year,
		Categories: strings.Join(t.Categories, ","), AmountFen: string(amounts), Months: t.Months, BudgetFen: t.BudgetFen,
		CreatedBy: by, CreatedAt: tx.NowFunc()}
	if err := tx.Create(&p).Error; err != nil {
		if store.IsUniqueViolation(err) {
			return Policy{}, ErrVersionRace
		}
		return Policy{}, err
	}
	return p, nil
}

// SeedPolicies writes the defaults as version 1 of each kind when there is no policy yet
// (first start); after that, policies are data the lgo and admin version.
func (l Ledger) SeedPolicies(ctx context.Context, defaults []PolicyTerms) (int, error) {
	n := 0
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var count int64
		if err := tx.Model(&Policy{}).Count(&count).Error; err != nil || count > 0 {
			return err
		}
		for _, t := range defaults {
			if _, err := newVersion(tx, t, "seed"); err != nil {
				return fmt.Errorf("policy %s: %w", t.Kind, err)
			}
			n++
		}
		return nil
	})
	return n, err
}
