// Package subsidy holds the subsidy process's activities: each is one ledger transaction
// (internal/store/subsidy), idempotent by its business key, so a retry after a worker crash
// between the write and the workflow's acknowledgement changes nothing. It also holds what the
// read model does when cases close: a closed subsidy gives back its unpaid reservation, and a
// certification puts the talent's apply-free offers (免申即享) in their inbox.
package subsidy

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"talentflow/internal/domain"
	ledger "talentflow/internal/store/subsidy"
	flow "talentflow/workflows/subsidy"
)

// Activities are the ledger's activities.
type Activities struct {
	Ledger ledger.Ledger
	// TalentLeft tells the other processes a departure was recorded (nil: nobody listens).
	TalentLeft func(ctx context.Context, certificateNo, leftOn, reason string) error
}

// Register lists the activities by the names the workflow calls them.
func (a *Activities) Register() map[string]any {
	return map[string]any{
		flow.ActivityReserve: a.ReserveBudget, flow.ActivityStart: a.StartSchedule, flow.ActivityBook: a.BookPayment,
		flow.ActivityReleaseHeld: a.ReleaseHeldPayments, flow.ActivityCancelHeld: a.CancelHeldPayments,
		flow.ActivityDepart: a.RecordDeparture, flow.ActivityOutstanding: a.OutstandingPayments, flow.ActivityRepaid: a.RecordRepayment,
	}
}

// ReserveBudget reserves the subsidy's commitment (a second call is a no-op).
func (a *Activities) ReserveBudget(ctx context.Context, caseID string) (bool, error) {
	reserved, err := a.Ledger.Reserve(ctx, caseID)
	if errors.Is(err, ledger.ErrBudgetExhausted) {
		return false, temporal.NewNonRetryableApplicationError(err.Error(), flow.ErrBudgetExhausted, err)
	}
	return reserved, nonRetryable(err)
}

// StartSchedule marks the schedule begun.
func (a *Activities) StartSchedule(ctx context.Context, s flow.ScheduleStart) error {
	return a.Ledger.Start(ctx, s.CaseID, s.At, s.FirstPeriod)
}

// BookPayment books one period (idempotent by subsidy and period).
func (a *Activities) BookPayment(ctx context.Context, b flow.Booking) (flow.BookedPayment, error) {
	p, err := a.Ledger.Book(ctx, ledger.Booking{CaseID: b.CaseID, Seq: b.Seq, Period: b.Period, DueAt: b.DueAt, State: b.State})
	if err != nil {
		return flow.BookedPayment{}, nonRetryable(err)
	}
	return flow.BookedPayment{ID: p.ID, State: domain.PaymentState(p.State)}, nil
}

// ReleaseHeldPayments makes the held periods due.
func (a *Activities) ReleaseHeldPayments(ctx context.Context, caseID string) ([]string, error) {
	return a.Ledger.ReleaseHeld(ctx, caseID)
}

// CancelHeldPayments cancels the held periods.
func (a *Activities) CancelHeldPayments(ctx context.Context, caseID string) ([]string, error) {
	return a.Ledger.CancelHeld(ctx, caseID)
}

// RecordDeparture stops the periods after the departure.
func (a *Activities) RecordDeparture(ctx context.Context, r flow.DepartureRecord) (flow.DepartureResult, error) {
	d, err := a.Ledger.Depart(ctx, r.CaseID, r.LeftOn)
	if err != nil {
		return flow.DepartureResult{}, nonRetryable(err)
	}
	if a.TalentLeft != nil {
		// A talent who left the county also leaves their liaison pairing; a retry finds the
		// ledger's departure recorded already and tells them again, which they take calmly.
		sub, err := a.Ledger.Subsidy(ctx, r.CaseID)
		if err != nil {
			return flow.DepartureResult{}, nonRetryable(err)
		}
		if err := a.TalentLeft(ctx, sub.CertificateNo, r.LeftOn, "人才离职（补贴登记离职 "+r.LeftOn+"）"); err != nil {
			return flow.DepartureResult{}, err
		}
	}
	out := flow.DepartureResult{Cancelled: d.Cancelled, Recoveries: len(d.Recoveries), ReleasedFen: d.ReleasedFen}
	for _, r := range d.Recoveries {
		out.RecoverFen += r.AmountFen
	}
	return out, nil
}

// OutstandingPayments says what keeps the subsidy open.
func (a *Activities) OutstandingPayments(ctx context.Context, caseID string) (flow.Outstanding, error) {
	o, err := a.Ledger.Outstanding(ctx, caseID)
	return flow.Outstanding{Payments: o.Payments, Recoveries: o.Recoveries, RecoverFen: o.RecoverFen}, err
}

// RecordRepayment marks the open recovery items repaid.
func (a *Activities) RecordRepayment(ctx context.Context, r flow.RepaymentRecord) (int64, error) {
	return a.Ledger.Repaid(ctx, r.CaseID, r.Reference)
}

func nonRetryable(err error) error {
	if errors.Is(err, ledger.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", err)
	}
	return err
}

// OnClosed runs in the projection's transaction when a subsidy closes: whatever it reserved
// and did not pay goes back to the budget, once, and the talent may apply for the kind again.
func OnClosed(tx *gorm.DB, caseID string) error {
	_, err := ledger.ReleaseTx(tx, caseID, tx.NowFunc())
	if errors.Is(err, ledger.ErrNotFound) {
		return nil
	}
	return err
}

// Follows makes a certification's apply-free offers (免申即享) when a talent introduction
// closes certified (see ledger.Offer).
func Follows(tx *gorm.DB, process, caseID string) error {
	if process != "introduction" {
		return nil
	}
	_, err := ledger.MakeOffers(tx, caseID)
	return err
}
