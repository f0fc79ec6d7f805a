// Package introduction holds the talent introduction process's activities: issuing the
// certificate and registering the talent, and what the read model does when a case closes.
package introduction

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"talentflow/internal/calendar"
	"talentflow/internal/ids"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	"talentflow/workflows/introduction"
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
func (c *Certifier) IssueCertificate(ctx context.Context, req introduction.CertificateRequest) (introduction.Certificate, error) {
	var out introduction.Certificate
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
		var intro storeintro.Profile
		if err := tx.Where("case_id = ?", req.CaseID).Take(&intro).Error; err != nil {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("no application profile for case %s", req.CaseID), "NoProfile", err)
		}
		year := req.IssuedAt.In(calendar.Zone).Year()
		seq, err := store.NextInSequence(tx, fmt.Sprintf("certificate:%d:%s", year, req.Category))
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

// OnClosed runs in the projection's transaction when a case of this process closes: a closed
// application no longer blocks a new one for the same person and category.
func OnClosed(tx *gorm.DB, caseID string) error {
	return tx.Model(&storeintro.Profile{}).Where("case_id = ?", caseID).Update("open_key", nil).Error
}
