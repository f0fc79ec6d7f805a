// Package liaison is the liaison process's part of the read model: pairings, their due dates,
// contacts and changes of leader, demands with their 好差评 trail, and the calendar feeds. The
// pairing and demand workflows write it through ProjectPairing and ProjectDemand, each one idempotent
// transaction; the use cases create pairings and read it.
package liaison

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/store"
	flow "talentflow/workflows/liaison"
)

//go:embed migrations
var migrations embed.FS

// Schema is this process's migrations, applied after the foundation's.
var Schema = store.Schema{Name: "liaison", FS: store.MigrationsOf(migrations, "migrations")}

// Pairing states.
const (
	PairingActive = "active"
	PairingEnded  = "ended"
)

// Pairing is a talent paired with a county leader and a service specialist.
type Pairing struct {
	CaseID         string `gorm:"primaryKey"`
	TalentUserID   string
	TalentUsername string
	TalentName     string
	Category       string
	CertificateNo  string
	Leader         string
	Specialist     string
	PerYear        int
	State          string
	NextDue        *string
	Overdue        bool
	OpenKey        *string
	EndReason      string
	CreatedBy      string
	StartedAt      time.Time
	EndedAt        *time.Time
	UpdatedAt      time.Time
}

// TableName names the table.
func (Pairing) TableName() string { return "pairings" }

// Due is one due date of a pairing's contacts.
type Due struct {
	PairingID string `gorm:"primaryKey"`
	DueOn     string `gorm:"primaryKey"`
	Leader    string
	State     string
	Overdue   bool
	ContactID string
	DoneOn    string
	UpdatedAt time.Time
}

// TableName names the table.
func (Due) TableName() string { return "pairing_dues" }

// LeaderChange is one reassignment of a pairing.
type LeaderChange struct {
	ID        string `gorm:"primaryKey"`
	PairingID string
	FromUser  string
	ToUser    string
	Reason    string
	ByUser    string
	At        time.Time
}

// TableName names the table.
func (LeaderChange) TableName() string { return "pairing_leaders" }

// Contact is a logged contact.
type Contact struct {
	ID        string `gorm:"primaryKey"`
	PairingID string
	Date      string
	Form      string
	Notes     string
	Leader    string
	LoggedBy  string
	Role      string
	DueOn     string
	CreatedAt time.Time
}

// TableName names the table.
func (Contact) TableName() string { return "contacts" }

// Demand is a demand (诉求) raised at a contact.
type Demand struct {
	CaseID        string `gorm:"primaryKey"`
	PairingID     string
	ContactID     string
	TalentUserID  string
	Leader        string
	Specialist    string
	Type          string
	Detail        string
	Department    string
	ForwardedFrom string
	Score         int
	RatingComment string
	RatedBy       string
	DefaultRated  bool
	PoorRatings   int
	Verified      int
	Mistaken      int
	Rectified     int
	CalledBack    int
	Resolved      bool
	ResolvedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName names the table.
func (Demand) TableName() string { return "demands" }

// CalendarFeed is a user's secret calendar URL, kept as the hash of its token.
type CalendarFeed struct {
	UserID    string `gorm:"primaryKey"`
	TokenHash string
	CreatedAt time.Time
}

// TableName names the table.
func (CalendarFeed) TableName() string { return "calendar_feeds" }

// ErrAlreadyPaired says the talent has an active pairing.
var ErrAlreadyPaired = errors.New("the talent has an active pairing")

// Create writes a new pairing and its case row in tx. A talent with an active pairing gets
// ErrAlreadyPaired (the open key is unique).
func Create(tx *gorm.DB, c store.Case, p Pairing) error {
	key := p.CertificateNo
	p.OpenKey = &key
	if err := tx.Create(&c).Error; err != nil {
		return err
	}
	err := tx.Create(&p).Error
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("%w: certificate %s", ErrAlreadyPaired, p.CertificateNo)
	}
	return err
}

// Store writes what the liaison workflows record.
type Store struct {
	DB *store.DB
}

// ProjectPairing applies one pairing record in one transaction; every part is an upsert or an insert
// that a retry finds done.
func (s Store) ProjectPairing(ctx context.Context, r flow.PairingRecord) error {
	at := r.At.UTC()
	return s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		up := map[string]any{"updated_at": at}
		if r.NextDue != "" {
			up["next_due"] = r.NextDue
		}
		if r.Overdue != nil {
			up["overdue"] = *r.Overdue
		}
		if r.Leader != nil {
			up["leader"] = r.Leader.To
			change := LeaderChange{ID: r.PairingID + "-l" + strconv.FormatInt(at.UnixNano(), 36), PairingID: r.PairingID,
				FromUser: r.Leader.From, ToUser: r.Leader.To, Reason: r.Leader.Reason, ByUser: r.Leader.By, At: at}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&change).Error; err != nil {
				return fmt.Errorf("leader change: %w", err)
			}
		}
		if r.Ended {
			up["state"], up["open_key"], up["ended_at"], up["end_reason"], up["overdue"] = PairingEnded, nil, at, r.EndReason, false
			up["next_due"] = nil
			// What was still due is no longer due.
			if err := tx.Where("pairing_id = ? AND state = ?", r.PairingID, flow.DueOpen).Delete(&Due{}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&Pairing{}).Where("case_id = ?", r.PairingID).Updates(up).Error; err != nil {
			return fmt.Errorf("pairing %s: %w", r.PairingID, err)
		}
		if c := r.Contact; c != nil {
			row := Contact{ID: c.ID, PairingID: r.PairingID, Date: c.Date, Form: string(c.Form), Notes: c.Notes, Leader: c.Leader,
				LoggedBy: c.LoggedBy, Role: c.Role, DueOn: c.DueOn, CreatedAt: at}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return fmt.Errorf("contact: %w", err)
			}
			if len(c.Demands) > 0 {
				var p Pairing
				if err := tx.Where("case_id = ?", r.PairingID).Take(&p).Error; err != nil {
					return err
				}
				rows := make([]Demand, len(c.Demands))
				for i, d := range c.Demands {
					rows[i] = Demand{CaseID: d.ID, PairingID: r.PairingID, ContactID: c.ID, TalentUserID: p.TalentUserID, Leader: p.Leader,
						Specialist: p.Specialist, Type: string(d.Type), Detail: d.Detail, Department: d.Department, CreatedAt: at, UpdatedAt: at}
				}
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
					return fmt.Errorf("demands: %w", err)
				}
			}
		}
		if d := r.Due; d != nil {
			row := Due{PairingID: r.PairingID, DueOn: d.DueOn, Leader: d.Leader, State: d.State, Overdue: d.Overdue, ContactID: d.ContactID,
				DoneOn: d.DoneOn, UpdatedAt: at}
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "pairing_id"}, {Name: "due_on"}},
				DoUpdates: clause.AssignmentColumns([]string{"leader", "state", "overdue", "contact_id", "done_on", "updated_at"}),
			}).Create(&row).Error; err != nil {
				return fmt.Errorf("due %s: %w", d.DueOn, err)
			}
		}
		return nil
	})
}

// ProjectDemand writes a demand's row as its workflow knows it now.
func (s Store) ProjectDemand(ctx context.Context, r flow.DemandRecord) error {
	up := map[string]any{"department": r.Department, "forwarded_from": r.ForwardedFrom, "score": r.Score, "rating_comment": r.Comment,
		"rated_by": r.RatedBy, "default_rated": r.Default, "poor_ratings": r.PoorRatings, "verified": r.Verified, "mistaken": r.Mistaken,
		"rectified": r.Rectified, "called_back": r.CalledBack, "resolved": r.Resolved, "updated_at": r.At.UTC()}
	if r.Resolved {
		up["resolved_at"] = r.At.UTC()
	}
	res := s.DB.WithContext(ctx).Model(&Demand{}).Where("case_id = ?", r.CaseID).Updates(up)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("no demand %s", r.CaseID)
	}
	return nil
}
