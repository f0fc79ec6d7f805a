// Package subsidy is the subsidy disbursement process's part of the read model and its ledger:
// versioned policies with their budgets, subsidy cases, one payment row per subsidy and period,
// bank batches, recovery items and apply-free offers. Every change of money happens here, in
// one database transaction each, with conditions in the SQL itself so that no race, retry or
// crash books a payment twice or pushes a budget below zero.
package subsidy

import (
	"context"
	"embed"
	"encoding/json"
	"strings"
	"time"

	"talentflow/internal/domain"
	"talentflow/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Schema is this process's migrations, applied after the foundation's.
var Schema = store.Schema{Name: "subsidy", FS: store.MigrationsOf(migrations, "migrations"),
	Data: []store.DataMigration{{Version: 2, Up: func(ctx context.Context, r store.Rows) error {
		// Version 2 seals the bank accounts of existing subsidies.
		_, err := r.SealColumn(ctx, "subsidies", "case_id", "bank_account")
		return err
	}}}}

// Policy is one version of a subsidy policy with its budget for its year.
type Policy struct {
	ID          string `gorm:"primaryKey"`
	Kind        string
	Name        string
	Version     int
	Year        int
	Categories  string // comma-separated
	AmountFen   string // JSON: category → fen per period
	Months      int
	BudgetFen   int64
	ReservedFen int64
	PaidFen     int64
	CreatedBy   string
	CreatedAt   time.Time
}

// TableName names the table.
func (Policy) TableName() string { return "subsidy_policies" }

// CategoryList is the eligible categories.
func (p Policy) CategoryList() []string {
	if p.Categories == "" {
		return nil
	}
	return strings.Split(p.Categories, ",")
}

// Amounts is the amount per category.
func (p Policy) Amounts() map[string]int64 {
	out := map[string]int64{}
	_ = json.Unmarshal([]byte(p.AmountFen), &out)
	return out
}

// AmountFor is the amount per period for a category (0: not eligible).
func (p Policy) AmountFor(c domain.Category) int64 {
	for _, x := range p.CategoryList() {
		if x == string(c) {
			return p.Amounts()[string(c)]
		}
	}
	return 0
}

// Periods is how many payments the policy makes (1 for a one-time grant).
func (p Policy) Periods() int { return max(p.Months, 1) }

// RemainingFen is what the budget still allows.
func (p Policy) RemainingFen() int64 { return p.BudgetFen - p.ReservedFen - p.PaidFen }

// Subsidy is one subsidy application (a case of process subsidy).
type Subsidy struct {
	CaseID             string `gorm:"primaryKey"`
	ApplicantID        string
	TalentUserID       string
	TalentName         string
	Category           string
	CertificateNo      string
	EmployerCreditCode string
	PolicyID           string
	PolicyVersion      int
	Kind               string
	AmountFen          int64
	Months             int
	CommitmentFen      int64
	ReservedFen        int64
	PaidFen            int64
	AccountName        string
	BankAccount        string `gorm:"serializer:sealed"` // personal data, encrypted at rest
	BankName           string
	OpenKey            *string
	StartedAt          *time.Time
	FirstPeriod        *string
	NextPeriod         int
	LeftOn             *string
	ReleasedAt         *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// TableName names the table.
func (Subsidy) TableName() string { return "subsidies" }

// Periods is how many payments the subsidy makes.
func (s Subsidy) Periods() int { return max(s.Months, 1) }

// Period is the label (YYYY-MM) of period seq ("" before the schedule began).
func (s Subsidy) Period(seq int) string {
	if s.FirstPeriod == nil {
		return ""
	}
	return domain.AddPeriods(*s.FirstPeriod, seq-1)
}

// After reports whether a period lies after the month of a reported departure.
func (s Subsidy) After(period string) bool { return s.LeftOn != nil && period > (*s.LeftOn)[:7] }

// Payment is one row of the ledger: one period of one subsidy.
type Payment struct {
	ID        string `gorm:"primaryKey"`
	CaseID    string
	Seq       int
	Period    string
	DueAt     time.Time
	AmountFen int64
	State     string
	BatchID   *string
	PaidAt    *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName names the table.
func (Payment) TableName() string { return "subsidy_payments" }

// Batch is a payment batch for the bank (代发批次).
type Batch struct {
	ID          string `gorm:"primaryKey"`
	State       string
	BuiltBy     string
	ApprovedBy  string
	ConfirmedBy string
	LineCount   int
	TotalFen    int64
	CreatedAt   time.Time
	ApprovedAt  *time.Time
	ConfirmedAt *time.Time
}

// TableName names the table.
func (Batch) TableName() string { return "payment_batches" }

// Batch states.
const (
	BatchBuilt     = "built"
	BatchApproved  = "approved"
	BatchConfirmed = "confirmed"
)

// Line is one line of a batch.
type Line struct {
	ID        string `gorm:"primaryKey"`
	BatchID   string
	LineNo    int
	PaymentID string
	AmountFen int64
	NettedFen int64
	State     string
}

// TableName names the table.
func (Line) TableName() string { return "payment_batch_lines" }

// Line states.
const (
	LinePending = "pending"
	LinePaid    = "paid"
	LineFailed  = "failed"
)

// Recovery is an overpayment to recover (追回): a period paid after the talent left.
type Recovery struct {
	ID           string `gorm:"primaryKey"`
	CaseID       string
	PaymentID    string
	TalentUserID string
	AmountFen    int64
	State        string
	How          string
	LineID       *string
	Reference    string
	CreatedAt    time.Time
	ResolvedAt   *time.Time
}

// TableName names the table.
func (Recovery) TableName() string { return "subsidy_recoveries" }

// Recovery states and ways.
const (
	RecoveryOpen      = "open"
	RecoveryNetting   = "netting"
	RecoveryRecovered = "recovered"
	RecoveredRepaid   = "repaid"
	RecoveredNetted   = "netted"
)

// Offer is an apply-free offer (免申即享): a policy a newly certified talent is eligible for.
type Offer struct {
	ID            string `gorm:"primaryKey"`
	TalentUserID  string
	CertificateNo string
	PolicyID      string
	Kind          string
	AmountFen     int64
	State         string
	CaseID        *string
	CreatedAt     time.Time
}

// TableName names the table.
func (Offer) TableName() string { return "subsidy_offers" }

// Offer states.
const (
	OfferOpen     = "offered"
	OfferAccepted = "accepted"
)
