package subsidy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/audit"
	"talentflow/internal/domain"
	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// Ledger errors.
var (
	ErrBudgetExhausted = errors.New("the policy's budget for the year is exhausted")
	ErrNotFound        = errors.New("not found")
	ErrReleased        = errors.New("the subsidy's reservation was released: it is closed")
	ErrFourEyes        = errors.New("a batch is approved by a second finance officer, not its builder")
	ErrBatchState      = errors.New("the batch is not in the state this needs")
	ErrNoDuePayments   = errors.New("no payment is due")
	ErrUnknownLine     = errors.New("a failed line is not a line of this batch")
)

// Ledger is every change of money, each in one transaction.
type Ledger struct {
	DB *store.DB
}

// Actor is who changes the ledger through a batch, as the audit log records them; each batch
// operation appends its audit entries in its own transaction.
type Actor = audit.Entry

func (l Ledger) audit(ctx context.Context, tx *gorm.DB, by Actor, action, object, outcome, reason string) error {
	e := by
	e.Action, e.Object, e.Outcome, e.Reason = action, object, outcome, reason
	return audit.Append(ctx, l.DB, tx, e)
}

func (l Ledger) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return l.DB.WithContext(ctx).Transaction(fn)
}

func (l Ledger) now() time.Time { return l.DB.NowFunc() }

// Reserve reserves the subsidy's whole commitment against its policy's budget. Both updates
// carry their condition: the subsidy's (nothing reserved yet, not released) makes a second
// call a no-op, the policy's (enough remains) makes an overspend impossible however many
// approvals race. It reports whether this call reserved (false: reserved before).
func (l Ledger) Reserve(ctx context.Context, caseID string) (bool, error) {
	reserved := false
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var s Subsidy
		if err := tx.Where("case_id = ?", caseID).Take(&s).Error; err != nil {
			return notFound(err)
		}
		switch {
		case s.ReleasedAt != nil:
			return ErrReleased
		case s.ReservedFen > 0 || s.PaidFen > 0:
			return nil
		}
		res := tx.Model(&Subsidy{}).Where("case_id = ? AND reserved_fen = 0 AND paid_fen = 0 AND released_at IS NULL", caseID).
			Updates(map[string]any{"reserved_fen": s.CommitmentFen, "updated_at": l.now()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		res = tx.Model(&Policy{}).Where("id = ? AND budget_fen - reserved_fen - paid_fen >= ?", s.PolicyID, s.CommitmentFen).
			Update("reserved_fen", gorm.Expr("reserved_fen + ?", s.CommitmentFen))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrBudgetExhausted
		}
		reserved = true
		return nil
	})
	return reserved, err
}

// Unreserve gives back a reservation Reserve made that its decision did not keep (the task
// was decided by someone else first). Only a subsidy that has paid nothing is touched.
func (l Ledger) Unreserve(ctx context.Context, caseID string) error {
	return l.tx(ctx, func(tx *gorm.DB) error {
		var s Subsidy
		if err := tx.Where("case_id = ?", caseID).Take(&s).Error; err != nil {
			return notFound(err)
		}
		res := tx.Model(&Subsidy{}).Where("case_id = ? AND reserved_fen = ? AND paid_fen = 0 AND started_at IS NULL", caseID, s.ReservedFen).
			Updates(map[string]any{"reserved_fen": 0, "updated_at": l.now()})
		if res.Error != nil || res.RowsAffected == 0 || s.ReservedFen == 0 {
			return res.Error
		}
		return tx.Model(&Policy{}).Where("id = ?", s.PolicyID).Update("reserved_fen", gorm.Expr("reserved_fen - ?", s.ReservedFen)).Error
	})
}

// Start marks the schedule begun at the finance approval, with period 1 in firstPeriod.
func (l Ledger) Start(ctx context.Context, caseID string, at time.Time, firstPeriod string) error {
	return l.DB.WithContext(ctx).Model(&Subsidy{}).Where("case_id = ? AND started_at IS NULL", caseID).
		Updates(map[string]any{"started_at": at, "first_period": firstPeriod, "updated_at": l.now()}).Error
}

// Release gives back what the subsidy reserved and will not pay (rejected, withdrawn, stopped,
// or fully paid), exactly once: the release is stamped on the subsidy in the same
// transaction. What sits in an open batch stays reserved until the bank answers for it.
func (l Ledger) Release(ctx context.Context, caseID string) (int64, error) {
	var released int64
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var err error
		released, err = ReleaseTx(tx, caseID, l.now())
		return err
	})
	return released, err
}

// ReleaseTx is Release inside the caller's transaction (the projection's, as the case closes).
func ReleaseTx(tx *gorm.DB, caseID string, now time.Time) (int64, error) {
	var s Subsidy
	if err := tx.Where("case_id = ?", caseID).Take(&s).Error; err != nil {
		return 0, notFound(err)
	}
	if s.ReleasedAt != nil {
		return 0, nil
	}
	var inBatch int64
	if err := tx.Model(&Payment{}).Where("case_id = ? AND state = ?", caseID, domain.PaymentInBatch).
		Select("COALESCE(SUM(amount_fen), 0)").Scan(&inBatch).Error; err != nil {
		return 0, err
	}
	released := max(s.ReservedFen-inBatch, 0)
	res := tx.Model(&Subsidy{}).Where("case_id = ? AND released_at IS NULL", caseID).
		Updates(map[string]any{"reserved_fen": s.ReservedFen - released, "released_at": now, "open_key": nil, "updated_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return 0, res.Error
	}
	// Periods never reached are cancelled with the schedule.
	if err := tx.Model(&Payment{}).Where("case_id = ? AND state IN ?", caseID,
		[]string{string(domain.PaymentScheduled), string(domain.PaymentHeld), string(domain.PaymentDue)}).
		Updates(map[string]any{"state": domain.PaymentCancelled, "updated_at": now}).Error; err != nil {
		return 0, err
	}
	if released == 0 {
		return 0, nil
	}
	return released, tx.Model(&Policy{}).Where("id = ?", s.PolicyID).Update("reserved_fen", gorm.Expr("reserved_fen - ?", released)).Error
}

// Booking is one period the workflow books.
type Booking struct {
	CaseID string    `json:"case_id"`
	Seq    int       `json:"seq"`
	Period string    `json:"period"`
	DueAt  time.Time `json:"due_at"`
	// State is due (employment confirmed) or held (not confirmed in time).
	State domain.PaymentState `json:"state"`
}

// Book writes the period's row once: the row's business key (subsidy, period) is unique, so a
// retry after a crash finds the row and answers it. A held period booked again as due is
// released; a period after a reported departure is booked cancelled.
func (l Ledger) Book(ctx context.Context, b Booking) (Payment, error) {
	var p Payment
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var s Subsidy
		if err := tx.Where("case_id = ?", b.CaseID).Take(&s).Error; err != nil {
			return notFound(err)
		}
		state := b.State
		if s.After(b.Period) || s.ReleasedAt != nil {
			state = domain.PaymentCancelled
		}
		now := l.now()
		row := Payment{ID: ids.New("pay"), CaseID: b.CaseID, Seq: b.Seq, Period: b.Period, DueAt: b.DueAt,
			AmountFen: s.AmountFen, State: string(state), CreatedAt: now, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "case_id"}, {Name: "seq"}}, DoNothing: true}).
			Create(&row).Error; err != nil {
			return err
		}
		if state == domain.PaymentDue {
			if err := tx.Model(&Payment{}).Where("case_id = ? AND seq = ? AND state = ?", b.CaseID, b.Seq, domain.PaymentHeld).
				Updates(map[string]any{"state": domain.PaymentDue, "updated_at": now}).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&Subsidy{}).Where("case_id = ? AND next_period <= ?", b.CaseID, b.Seq).
			Updates(map[string]any{"next_period": b.Seq + 1, "updated_at": now}).Error; err != nil {
			return err
		}
		return tx.Where("case_id = ? AND seq = ?", b.CaseID, b.Seq).Take(&p).Error
	})
	return p, err
}

// ReleaseHeld makes every held period of the subsidy due (a late employment confirmation).
func (l Ledger) ReleaseHeld(ctx context.Context, caseID string) ([]string, error) {
	var periods []string
	err := l.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Payment{}).Where("case_id = ? AND state = ?", caseID, domain.PaymentHeld).
			Order("seq").Pluck("period", &periods).Error; err != nil {
			return err
		}
		return tx.Model(&Payment{}).Where("case_id = ? AND state = ?", caseID, domain.PaymentHeld).
			Updates(map[string]any{"state": domain.PaymentDue, "updated_at": l.now()}).Error
	})
	return periods, err
}

// Departure is what a reported departure changed.
type Departure struct {
	LeftOn     string     `json:"left_on"`
	Cancelled  []string   `json:"cancelled"` // periods that will never be paid
	Recoveries []Recovery `json:"recoveries"`
	// ReleasedFen is the reservation given back for the periods after the departure.
	ReleasedFen int64 `json:"released_fen"`
}

// Depart records that the talent left on leftOn (YYYY-MM-DD): no period after that month is
// paid — booked ones are cancelled, paid ones become recovery items — and what was reserved
// for those periods goes back to the budget. Only the first report counts; a second one
// answers what the first did.
func (l Ledger) Depart(ctx context.Context, caseID, leftOn string) (Departure, error) {
	var out Departure
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var s Subsidy
		if err := tx.Where("case_id = ?", caseID).Take(&s).Error; err != nil {
			return notFound(err)
		}
		now := l.now()
		first := s.LeftOn == nil
		if first {
			res := tx.Model(&Subsidy{}).Where("case_id = ? AND left_on IS NULL", caseID).
				Updates(map[string]any{"left_on": leftOn, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			first = res.RowsAffected == 1
			s.LeftOn = &leftOn
		}
		out.LeftOn = *s.LeftOn
		var booked []Payment
		if err := tx.Where("case_id = ?", caseID).Order("seq").Find(&booked).Error; err != nil {
			return err
		}
		bySeq := map[int]Payment{}
		for _, p := range booked {
			bySeq[p.Seq] = p
		}
		if s.FirstPeriod == nil {
			return nil // not approved yet: nothing reserved per period
		}
		var release int64
		for seq := 1; seq <= s.Periods(); seq++ {
			period := s.Period(seq)
			p, ok := bySeq[seq]
			if !s.After(period) {
				// Worked until then: a period held for want of a confirmation is due now.
				if ok && p.State == string(domain.PaymentHeld) {
					if err := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, p.State).
						Updates(map[string]any{"state": domain.PaymentDue, "updated_at": now}).Error; err != nil {
						return err
					}
				}
				continue
			}
			switch {
			case !ok:
				release += s.AmountFen // never booked; Book will book it cancelled
			case p.State == string(domain.PaymentScheduled) || p.State == string(domain.PaymentHeld) || p.State == string(domain.PaymentDue):
				res := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, p.State).
					Updates(map[string]any{"state": domain.PaymentCancelled, "updated_at": now})
				if res.Error != nil {
					return res.Error
				}
				if res.RowsAffected == 1 {
					release += p.AmountFen
				}
				out.Cancelled = append(out.Cancelled, period)
			case p.State == string(domain.PaymentCancelled):
				out.Cancelled = append(out.Cancelled, period)
			case p.State == string(domain.PaymentPaid) || p.State == string(domain.PaymentRecovering) || p.State == string(domain.PaymentRecovered):
				r, err := recoverPayment(tx, s, p, now)
				if err != nil {
					return err
				}
				out.Recoveries = append(out.Recoveries, r)
			}
			// in_batch: with the bank; ConfirmBatch recovers it if paid, releases it if failed.
		}
		if !first || release == 0 || s.ReleasedAt != nil {
			return nil
		}
		out.ReleasedFen = release
		return giveBack(tx, s, release)
	})
	return out, err
}

// CancelHeld cancels every held period (the employer said the talent no longer works there).
func (l Ledger) CancelHeld(ctx context.Context, caseID string) ([]string, error) {
	var periods []string
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var s Subsidy
		if err := tx.Where("case_id = ?", caseID).Take(&s).Error; err != nil {
			return notFound(err)
		}
		var held []Payment
		if err := tx.Where("case_id = ? AND state = ?", caseID, domain.PaymentHeld).Order("seq").Find(&held).Error; err != nil {
			return err
		}
		var release int64
		for _, p := range held {
			res := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, domain.PaymentHeld).
				Updates(map[string]any{"state": domain.PaymentCancelled, "updated_at": l.now()})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 1 {
				periods = append(periods, p.Period)
				release += p.AmountFen
			}
		}
		if release == 0 || s.ReleasedAt != nil {
			return nil
		}
		return giveBack(tx, s, release)
	})
	return periods, err
}

// recoverPayment turns a paid period after the departure into a recovery item (idempotent).
func recoverPayment(tx *gorm.DB, s Subsidy, p Payment, now time.Time) (Recovery, error) {
	if err := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, domain.PaymentPaid).
		Updates(map[string]any{"state": domain.PaymentRecovering, "updated_at": now}).Error; err != nil {
		return Recovery{}, err
	}
	// The money is the county's again only once recovered; until then it counts as paid.
	r := Recovery{ID: ids.New("rcv"), CaseID: s.CaseID, PaymentID: p.ID, TalentUserID: s.TalentUserID,
		AmountFen: p.AmountFen, State: RecoveryOpen, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "payment_id"}}, DoNothing: true}).Create(&r).Error; err != nil {
		return Recovery{}, err
	}
	err := tx.Where("payment_id = ?", p.ID).Take(&r).Error
	return r, err
}

// Repaid marks the subsidy's open recovery items recovered by a repayment finance recorded.
func (l Ledger) Repaid(ctx context.Context, caseID, reference string) (int64, error) {
	var total int64
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var open []Recovery
		if err := tx.Where("case_id = ? AND state = ?", caseID, RecoveryOpen).Find(&open).Error; err != nil {
			return err
		}
		now := l.now()
		for _, r := range open {
			if err := settleRecovery(tx, r, RecoveredRepaid, reference, now); err != nil {
				return err
			}
			total += r.AmountFen
		}
		return nil
	})
	return total, err
}

func settleRecovery(tx *gorm.DB, r Recovery, how, reference string, now time.Time) error {
	if err := tx.Model(&Recovery{}).Where("id = ? AND state <> ?", r.ID, RecoveryRecovered).
		Updates(map[string]any{"state": RecoveryRecovered, "how": how, "reference": reference, "resolved_at": now}).Error; err != nil {
		return err
	}
	return tx.Model(&Payment{}).Where("id = ? AND state = ?", r.PaymentID, domain.PaymentRecovering).
		Updates(map[string]any{"state": domain.PaymentRecovered, "updated_at": now}).Error
}

// Outstanding is what keeps a subsidy open.
type Outstanding struct {
	Payments   int64 `json:"payments"`   // scheduled, held, due or in a batch
	Recoveries int64 `json:"recoveries"` // recovery items not recovered
	RecoverFen int64 `json:"recover_fen"`
}

// Outstanding counts what keeps a subsidy open: payments not yet paid or cancelled, and
// recovery items not recovered.
func (l Ledger) Outstanding(ctx context.Context, caseID string) (Outstanding, error) {
	var out Outstanding
	db := l.DB.WithContext(ctx)
	if err := db.Model(&Payment{}).Where("case_id = ? AND state IN ?", caseID, []string{string(domain.PaymentScheduled),
		string(domain.PaymentHeld), string(domain.PaymentDue), string(domain.PaymentInBatch)}).
		Count(&out.Payments).Error; err != nil {
		return out, err
	}
	var rows []Recovery
	if err := db.Where("case_id = ? AND state <> ?", caseID, RecoveryRecovered).Find(&rows).Error; err != nil {
		return out, err
	}
	for _, r := range rows {
		out.Recoveries++
		out.RecoverFen += r.AmountFen
	}
	return out, nil
}

// BuildBatch puts every due payment not in an open batch into a new batch. Each payment moves
// from due to in_batch by a conditional update, so two builders racing never put one payment
// into two batches. An open recovery item of the same talent smaller than a line is netted
// against it (抵扣): the line pays the difference.
func (l Ledger) BuildBatch(ctx context.Context, by Actor) (Batch, []Line, error) {
	var b Batch
	var lines []Line
	err := l.tx(ctx, func(tx *gorm.DB) error {
		var due []Payment
		if err := tx.Where("state = ?", domain.PaymentDue).Order("due_at, case_id, seq").Find(&due).Error; err != nil {
			return err
		}
		if len(due) == 0 {
			return ErrNoDuePayments
		}
		now := l.now()
		b = Batch{ID: ids.New("bat"), State: BatchBuilt, BuiltBy: by.Actor, CreatedAt: now}
		if err := tx.Create(&b).Error; err != nil {
			return err
		}
		talents, err := talentsOf(tx, due)
		if err != nil {
			return err
		}
		netted := map[string]bool{}
		for _, p := range due {
			res := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, domain.PaymentDue).
				Updates(map[string]any{"state": domain.PaymentInBatch, "batch_id": b.ID, "updated_at": now})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				continue
			}
			line := Line{ID: ids.New("lin"), BatchID: b.ID, LineNo: len(lines) + 1, PaymentID: p.ID, AmountFen: p.AmountFen, State: LinePending}
			var open []Recovery
			if err := tx.Where("talent_user_id = ? AND state = ?", talents[p.CaseID], RecoveryOpen).Order("created_at").Find(&open).Error; err != nil {
				return err
			}
			var netting []string
			for _, r := range open {
				if !netted[r.ID] && r.AmountFen < line.AmountFen {
					netted[r.ID] = true
					line.AmountFen -= r.AmountFen
					line.NettedFen += r.AmountFen
					netting = append(netting, r.ID)
				}
			}
			if err := tx.Create(&line).Error; err != nil {
				return err
			}
			if len(netting) > 0 {
				if err := tx.Model(&Recovery{}).Where("id IN ? AND state = ?", netting, RecoveryOpen).
					Updates(map[string]any{"state": RecoveryNetting, "line_id": line.ID}).Error; err != nil {
					return err
				}
			}
			lines = append(lines, line)
			b.LineCount++
			b.TotalFen += line.AmountFen
			if err := l.audit(ctx, tx, by, "ledger.in_batch", "payment/"+p.ID, "in batch "+b.ID,
				fmt.Sprintf("line %d: %s fen (netted %d)", line.LineNo, fmt.Sprint(line.AmountFen), line.NettedFen)); err != nil {
				return err
			}
		}
		if len(lines) == 0 {
			return ErrNoDuePayments
		}
		if err := l.audit(ctx, tx, by, "ledger.batch_built", "batch/"+b.ID, "built",
			fmt.Sprintf("%d lines, %d fen", b.LineCount, b.TotalFen)); err != nil {
			return err
		}
		return tx.Model(&Batch{}).Where("id = ?", b.ID).Updates(map[string]any{"line_count": b.LineCount, "total_fen": b.TotalFen}).Error
	})
	return b, lines, err
}

func talentsOf(tx *gorm.DB, payments []Payment) (map[string]string, error) {
	var caseIDs []string
	for _, p := range payments {
		if !slices.Contains(caseIDs, p.CaseID) {
			caseIDs = append(caseIDs, p.CaseID)
		}
	}
	var subs []Subsidy
	if err := tx.Where("case_id IN ?", caseIDs).Find(&subs).Error; err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range subs {
		out[s.CaseID] = s.TalentUserID
	}
	return out, nil
}

// ApproveBatch is the second finance officer's review (复核): never the builder's own.
func (l Ledger) ApproveBatch(ctx context.Context, id string, by Actor) (Batch, error) {
	var b Batch
	err := l.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&b).Error; err != nil {
			return notFound(err)
		}
		switch {
		case b.BuiltBy == by.Actor:
			return ErrFourEyes
		case b.State != BatchBuilt:
			return fmt.Errorf("%w: batch %s is %s", ErrBatchState, id, b.State)
		}
		now := l.now()
		res := tx.Model(&Batch{}).Where("id = ? AND state = ?", id, BatchBuilt).
			Updates(map[string]any{"state": BatchApproved, "approved_by": by.Actor, "approved_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: batch %s was approved meanwhile", ErrBatchState, id)
		}
		b.State, b.ApprovedBy, b.ApprovedAt = BatchApproved, by.Actor, &now
		return l.audit(ctx, tx, by, "ledger.batch_approved", "batch/"+id, "approved",
			fmt.Sprintf("built by %s: %d lines, %d fen", b.BuiltBy, b.LineCount, b.TotalFen))
	})
	return b, err
}

// Confirmed is what the bank's answer on a batch changed.
type Confirmed struct {
	Batch  Batch
	Paid   []Line
	Failed []Line
	// Cases whose ledger changed, for their workflows to look again.
	Cases []string
	// Recovered are recovery items settled by netting, by case.
	Recovered map[string][]Recovery
}

// ConfirmBatch records the bank's result: the failed lines' payments are due again (for a
// later batch), every other line is paid. Paid money moves from reserved to paid on the
// subsidy and on the policy; a line paid for a period after a reported departure becomes a
// recovery item; a netted recovery item is recovered when its line is paid.
func (l Ledger) ConfirmBatch(ctx context.Context, id string, by Actor, failed []string) (Confirmed, error) {
	out := Confirmed{Recovered: map[string][]Recovery{}}
	err := l.tx(ctx, func(tx *gorm.DB) error {
		b := &out.Batch
		if err := tx.Where("id = ?", id).Take(b).Error; err != nil {
			return notFound(err)
		}
		if b.State != BatchApproved {
			return fmt.Errorf("%w: batch %s is %s; only an approved batch can be confirmed", ErrBatchState, id, b.State)
		}
		var lines []Line
		if err := tx.Where("batch_id = ?", id).Order("line_no").Find(&lines).Error; err != nil {
			return err
		}
		for _, f := range failed {
			if !slices.ContainsFunc(lines, func(x Line) bool { return x.ID == f }) {
				return fmt.Errorf("%w: %s", ErrUnknownLine, f)
			}
		}
		now := l.now()
		res := tx.Model(&Batch{}).Where("id = ? AND state = ?", id, BatchApproved).
			Updates(map[string]any{"state": BatchConfirmed, "confirmed_by": by.Actor, "confirmed_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%w: batch %s was confirmed meanwhile", ErrBatchState, id)
		}
		b.State, b.ConfirmedBy, b.ConfirmedAt = BatchConfirmed, by.Actor, &now
		for _, line := range lines {
			var p Payment
			if err := tx.Where("id = ?", line.PaymentID).Take(&p).Error; err != nil {
				return err
			}
			var s Subsidy
			if err := tx.Where("case_id = ?", p.CaseID).Take(&s).Error; err != nil {
				return err
			}
			if !slices.Contains(out.Cases, s.CaseID) {
				out.Cases = append(out.Cases, s.CaseID)
			}
			if slices.Contains(failed, line.ID) {
				if err := l.failLine(tx, line, p, s, now); err != nil {
					return err
				}
				if err := l.audit(ctx, tx, by, "ledger.failed", "payment/"+p.ID, "failed: due again",
					fmt.Sprintf("batch %s line %d", id, line.LineNo)); err != nil {
					return err
				}
				out.Failed = append(out.Failed, line)
				continue
			}
			recovered, err := l.payLine(tx, line, p, s, now)
			if err != nil {
				return err
			}
			if err := l.audit(ctx, tx, by, "ledger.paid", "payment/"+p.ID, "paid",
				fmt.Sprintf("batch %s line %d: %d fen", id, line.LineNo, line.AmountFen)); err != nil {
				return err
			}
			for _, r := range recovered {
				out.Recovered[r.CaseID] = append(out.Recovered[r.CaseID], r)
				if !slices.Contains(out.Cases, r.CaseID) {
					out.Cases = append(out.Cases, r.CaseID)
				}
			}
			out.Paid = append(out.Paid, line)
		}
		return l.audit(ctx, tx, by, "ledger.batch_confirmed", "batch/"+id, "confirmed",
			fmt.Sprintf("%d paid, %d failed", len(out.Paid), len(out.Failed)))
	})
	return out, err
}

func (l Ledger) failLine(tx *gorm.DB, line Line, p Payment, s Subsidy, now time.Time) error {
	if err := tx.Model(&Line{}).Where("id = ?", line.ID).Update("state", LineFailed).Error; err != nil {
		return err
	}
	next := domain.PaymentDue
	if s.ReleasedAt != nil || s.After(p.Period) {
		next = domain.PaymentCancelled
	}
	if err := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, domain.PaymentInBatch).
		Updates(map[string]any{"state": next, "batch_id": nil, "updated_at": now}).Error; err != nil {
		return err
	}
	if next == domain.PaymentCancelled {
		// The schedule ended while this line was with the bank: give its share back now.
		if err := giveBack(tx, s, p.AmountFen); err != nil {
			return err
		}
	}
	// Recovery items that were to be netted against this line are open again.
	return tx.Model(&Recovery{}).Where("line_id = ? AND state = ?", line.ID, RecoveryNetting).
		Updates(map[string]any{"state": RecoveryOpen, "line_id": nil}).Error
}

func (l Ledger) payLine(tx *gorm.DB, line Line, p Payment, s Subsidy, now time.Time) ([]Recovery, error) {
	if err := tx.Model(&Line{}).Where("id = ?", line.ID).Update("state", LinePaid).Error; err != nil {
		return nil, err
	}
	if err := tx.Model(&Payment{}).Where("id = ? AND state = ?", p.ID, domain.PaymentInBatch).
		Updates(map[string]any{"state": domain.PaymentPaid, "paid_at": now, "updated_at": now}).Error; err != nil {
		return nil, err
	}
	// The whole gross amount counts as paid on this subsidy; a netted share is the recovery's.
	if err := tx.Model(&Subsidy{}).Where("case_id = ?", s.CaseID).Updates(map[string]any{
		"reserved_fen": gorm.Expr("reserved_fen - ?", p.AmountFen), "paid_fen": gorm.Expr("paid_fen + ?", p.AmountFen), "updated_at": now}).Error; err != nil {
		return nil, err
	}
	if err := tx.Model(&Policy{}).Where("id = ?", s.PolicyID).Updates(map[string]any{
		"reserved_fen": gorm.Expr("reserved_fen - ?", p.AmountFen), "paid_fen": gorm.Expr("paid_fen + ?", p.AmountFen)}).Error; err != nil {
		return nil, err
	}
	var recovered []Recovery
	if s.After(p.Period) {
		// Paid by the bank for a period after the departure: a new recovery item, whose task
		// the case's workflow opens when it looks at its ledger again.
		if _, err := recoverPayment(tx, s, p, now); err != nil {
			return nil, err
		}
	}
	var netting []Recovery
	if err := tx.Where("line_id = ? AND state = ?", line.ID, RecoveryNetting).Find(&netting).Error; err != nil {
		return nil, err
	}
	for _, r := range netting {
		if err := settleRecovery(tx, r, RecoveredNetted, "netted in batch line "+line.ID, now); err != nil {
			return nil, err
		}
		recovered = append(recovered, r)
	}
	return recovered, nil
}

// giveBack returns fen of the subsidy's reservation to its policy's budget.
func giveBack(tx *gorm.DB, s Subsidy, fen int64) error {
	if err := tx.Model(&Subsidy{}).Where("case_id = ?", s.CaseID).Update("reserved_fen", gorm.Expr("reserved_fen - ?", fen)).Error; err != nil {
		return err
	}
	return tx.Model(&Policy{}).Where("id = ?", s.PolicyID).Update("reserved_fen", gorm.Expr("reserved_fen - ?", fen)).Error
}

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// Forecast sums, by month from the period from for months months, what the active schedules
// will pay: booked payments not yet paid (overdue ones in the first month) and the periods not
// yet booked, up to a reported departure. Two queries, whatever the number of schedules.
func (l Ledger) Forecast(ctx context.Context, from string, months int) (map[string]int64, error) {
	until := domain.AddPeriods(from, months-1)
	out := map[string]int64{}
	add := func(period string, fen int64) {
		if period < from {
			period = from
		}
		if period <= until {
			out[period] += fen
		}
	}
	db := l.DB.WithContext(ctx)
	var open []struct {
		Period    string
		AmountFen int64
	}
	if err := db.Model(&Payment{}).Select("period, amount_fen").Where("state IN ?", []string{string(domain.PaymentScheduled),
		string(domain.PaymentHeld), string(domain.PaymentDue), string(domain.PaymentInBatch)}).Find(&open).Error; err != nil {
		return nil, err
	}
	for _, p := range open {
		add(p.Period, p.AmountFen)
	}
	var subs []Subsidy
	if err := db.Select("case_id", "amount_fen", "months", "first_period", "next_period", "left_on").
		Where("first_period IS NOT NULL AND released_at IS NULL").Find(&subs).Error; err != nil {
		return nil, err
	}
	for _, s := range subs {
		for seq := s.NextPeriod; seq <= s.Periods(); seq++ {
			period := s.Period(seq)
			if period > until || s.After(period) {
				break
			}
			add(period, s.AmountFen)
		}
	}
	return out, nil
}

// Subsidy is one subsidy's row.
func (l Ledger) Subsidy(ctx context.Context, caseID string) (Subsidy, error) {
	var s Subsidy
	err := l.DB.WithContext(ctx).Where("case_id = ?", caseID).Take(&s).Error
	return s, notFound(err)
}
