// Package liaison holds the liaison process's activities: writing a pairing's and a demand's
// rows, and making the pairing a decided pairing request names. Each is idempotent: a retry
// after a crash between the write and the workflow's acknowledgement finds the write done.
package liaison

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"talentflow/internal/routing"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	flow "talentflow/workflows/liaison"
)

// Activities are the liaison process's activities.
type Activities struct {
	DB    *store.DB
	Plan  *routing.Liaison
	Scale float64
}

// Register lists the activities by the names the workflows call them.
func (a *Activities) Register() map[string]any {
	s := rows.Store{DB: a.DB}
	return map[string]any{
		flow.ActivityCreatePairing:  a.CreatePairing,
		flow.ActivityProjectPairing: s.ProjectPairing,
		flow.ActivityProjectDemand:  s.ProjectDemand,
	}
}

// CreatePairing writes the pairing a pairing request's decision names and answers its workflow
// input. A pairing already written under the same id (a retry) is answered again; a talent
// paired meanwhile by other means fails with flow.ErrAlreadyPaired.
func (a *Activities) CreatePairing(ctx context.Context, r flow.PairingRequestResult) (flow.PairingInput, error) {
	var in flow.PairingInput
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var exists int64
		if err := tx.Model(&rows.Pairing{}).Where("case_id = ?", r.PairingID).Count(&exists).Error; err != nil {
			return err
		}
		c, p, built, err := rows.Prepare(tx, rows.Request{ID: r.PairingID, TalentCaseID: r.TalentCaseID, Leader: r.Leader,
			Specialist: r.Specialist, By: r.By, Plan: a.Plan, Scale: a.Scale, Now: time.Now()})
		if err != nil {
			return err
		}
		in = built
		if exists > 0 {
			return nil
		}
		return rows.Create(tx, c, p)
	})
	var fe *rows.FieldError
	switch {
	case errors.Is(err, rows.ErrAlreadyPaired):
		return in, temporal.NewNonRetryableApplicationError(err.Error(), flow.ErrAlreadyPaired, err)
	case errors.As(err, &fe):
		return in, temporal.NewNonRetryableApplicationError(fe.Message, "NotFound", err)
	}
	return in, err
}
