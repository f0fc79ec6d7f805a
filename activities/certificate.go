package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/calendar"
	"talentflow/internal/ids"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Certifier issues talent certificates (人才认定证书) and registers the certified talent.
type Certifier struct {
	DB *store.DB
	// CountyCode prefixes certificate numbers: YG-2026-A-0001.
	CountyCode string
}

// IssueCertificate gives the case its certificate: a number sequential per year and category,
// and a talent record that makes the person eligible for subsidies. Issuing twice for one case
// returns the first certificate.
func (c *Certifier) IssueCertificate(ctx context.Context, req workflows.CertificateRequest) (workflows.Certificate, error) {
	var out workflows.Certificate
	err := c.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing store.Certificate
		err := tx.Where("case_id = ?", req.CaseID).Take(&existing).Error
		if err == nil {
			out.No = existing.No
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var intro store.Introduction
		if err := tx.Where("case_id = ?", req.CaseID).Take(&intro).Error; err != nil {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("no application profile for case %s", req.CaseID), "NoProfile", err)
		}
		year := req.IssuedAt.In(calendar.Zone).Year()
		seq, err := nextInSequence(tx, fmt.Sprintf("certificate:%d:%s", year, req.Category))
		if err != nil {
			return err
		}
		cert := store.Certificate{
			No:     fmt.Sprintf("%s-%d-%s-%04d", c.CountyCode, year, req.Category, seq),
			CaseID: req.CaseID, Name: intro.Name, Category: string(req.Category), Year: year, Seq: int(seq),
			IssuedAt: req.IssuedAt.UTC(),
		}
		if err := tx.Create(&cert).Error; err != nil {
			return err
		}
		talent := store.Talent{
			ID: ids.New("tal"), UserID: intro.ApplicantID, CaseID: req.CaseID, Name: intro.Name, IDNumber: intro.IDNumber,
			Category: string(req.Category), CertificateNo: cert.No, Status: "active", SubsidyEligible: true,
			CertifiedAt: req.IssuedAt.UTC(),
		}
		if err := tx.Create(&talent).Error; err != nil {
			return err
		}
		out.No = cert.No
		return nil
	})
	return out, err
}

// nextInSequence increments a named counter and returns its new value, atomically.
func nextInSequence(tx *gorm.DB, name string) (int64, error) {
	row := store.Counter{Name: name, Value: 1}
	err := tx.Clauses(
		clause.OnConflict{
			Columns:   []clause.Column{{Name: "name"}},
			DoUpdates: clause.Set{{Column: clause.Column{Name: "value"}, Value: gorm.Expr("counters.value + 1")}},
		},
		clause.Returning{Columns: []clause.Column{{Name: "value"}}},
	).Create(&row).Error
	return row.Value, err
}
