package subsidy_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	ledger "talentflow/internal/store/subsidy"
)

var (
	officer  = ledger.Actor{Actor: "fin.officer", Role: "finance", Department: "fin"}
	reviewer = ledger.Actor{Actor: "fin.reviewer", Role: "finance", Department: "fin"}
)

// fixture is a migrated database (SQLite, or PostgreSQL when TALENTFLOW_TEST_POSTGRES is set)
// with the rows the subsidies' foreign keys need: a talent, the introduction case that
// certified them, their certificate, and one policy version.
type fixture struct {
	db     *store.DB
	ledger ledger.Ledger
	policy ledger.Policy
	talent string
	cert   string
}

func newFixture(tb testing.TB, amount int64, months int, budget int64) *fixture {
	tb.Helper()
	db := storetest.Open(tb, ledger.Schema)
	f := &fixture{db: db, ledger: ledger.Ledger{DB: db}, talent: "usr_li", cert: "YG-2026-B-0001"}
	now := time.Now().UTC()
	require.NoError(tb, db.Create(&store.User{ID: f.talent, Username: "applicant.li", DisplayName: "李明", Kind: "talent", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(tb, db.Create(&store.Case{ID: "case_intro", Process: "introduction", State: "certified", Title: "李明", ApplicantID: f.talent,
		WorkflowID: "intro:case_intro", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(tb, db.Create(&store.Certificate{No: f.cert, CaseID: "case_intro", Name: "李明", Category: "B", Year: 2026, Seq: 1, IssuedAt: now}).Error)
	var err error
	f.policy, err = f.ledger.NewVersion(context.Background(), ledger.PolicyTerms{Kind: "living", Name: "高层次人才生活补贴", Year: 2026,
		Categories: []string{"B"}, AmountFen: map[string]int64{"B": amount}, Months: months, BudgetFen: budget}, "seed")
	require.NoError(tb, err)
	return f
}

// subsidies writes n submitted subsidy cases (case rows and subsidy rows, in batches) named
// prefix-00000…, each changed by edit when it is not nil, and returns their case ids.
func (f *fixture) subsidies(tb testing.TB, prefix string, n int, edit func(i int, s *ledger.Subsidy)) []string {
	tb.Helper()
	now := time.Now().UTC()
	p := f.policy
	amount := p.AmountFor("B")
	ids := make([]string, n)
	cases := make([]store.Case, n)
	subs := make([]ledger.Subsidy, n)
	for i := range n {
		id := fmt.Sprintf("%s-%05d", prefix, i)
		ids[i] = id
		cases[i] = store.Case{ID: id, Process: "subsidy", State: "submitted", Title: "李明 生活补贴", ApplicantID: f.talent,
			WorkflowID: "subsidy:" + id, CreatedAt: now, UpdatedAt: now}
		subs[i] = ledger.Subsidy{CaseID: id, ApplicantID: f.talent, TalentUserID: f.talent, TalentName: "李明", Category: "B",
			CertificateNo: f.cert, EmployerCreditCode: "91350100M000100Y43", PolicyID: p.ID, PolicyVersion: p.Version, Kind: p.Kind,
			AmountFen: amount, Months: p.Months, CommitmentFen: amount * int64(p.Periods()), AccountName: "李明",
			BankAccount: "6222020200112233446", BankName: "工商银行", NextPeriod: 1, CreatedAt: now, UpdatedAt: now}
		if edit != nil {
			edit(i, &subs[i])
		}
	}
	require.NoError(tb, f.db.CreateInBatches(cases, 500).Error)
	require.NoError(tb, f.db.CreateInBatches(subs, 500).Error)
	return ids
}

func (f *fixture) reload(tb testing.TB, caseID string) (ledger.Subsidy, ledger.Policy) {
	tb.Helper()
	var s ledger.Subsidy
	require.NoError(tb, f.db.Where("case_id = ?", caseID).Take(&s).Error)
	p, err := f.ledger.Policy(context.Background(), s.PolicyID)
	require.NoError(tb, err)
	return s, p
}

// A budget for exactly 10 commitments and 100 approvals racing for it: exactly 10 reserve,
// 90 are told the budget is exhausted, nothing is reserved by a losing approval, and the
// budget is used to the last fen but not beyond.
func TestConcurrentApprovalsNeverOverspend(t *testing.T) {
	const amount, months = 100_000, 12
	const commitment = amount * months
	f := newFixture(t, amount, months, 10*commitment)
	ctx := context.Background()
	ids := f.subsidies(t, "case_race", 100, nil)

	type result struct {
		id       string
		reserved bool
		err      error
	}
	results := make([]result, len(ids))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, id := range ids {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			ok, err := f.ledger.Reserve(ctx, id)
			results[i] = result{id, ok, err}
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()

	var won, lost []string
	for _, r := range results {
		switch {
		case r.err == nil:
			assert.True(t, r.reserved, "%s: a nil error without a reservation", r.id)
			won = append(won, r.id)
		case errors.Is(r.err, ledger.ErrBudgetExhausted):
			assert.False(t, r.reserved, r.id)
			lost = append(lost, r.id)
		default:
			t.Errorf("%s: unexpected error %v", r.id, r.err)
		}
	}
	require.Len(t, won, 10, "exactly the budget's 10 commitments are reserved")
	require.Len(t, lost, 90, "every other approval finds the budget exhausted")

	for _, r := range results {
		s, _ := f.reload(t, r.id)
		if r.err == nil {
			assert.EqualValues(t, commitment, s.ReservedFen, r.id)
		} else {
			assert.Zero(t, s.ReservedFen, "%s: a losing approval's reservation is rolled back", r.id)
		}
	}
	p, err := f.ledger.Policy(ctx, f.policy.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 10*commitment, p.ReservedFen)
	assert.Zero(t, p.PaidFen)
	assert.Zero(t, p.RemainingFen())

	// Release gives the money back exactly once.
	released, err := f.ledger.Release(ctx, won[0])
	require.NoError(t, err)
	assert.EqualValues(t, commitment, released)
	released, err = f.ledger.Release(ctx, won[0])
	require.NoError(t, err)
	assert.Zero(t, released, "a second release gives nothing back")
	p, err = f.ledger.Policy(ctx, f.policy.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 9*commitment, p.ReservedFen)
	assert.EqualValues(t, commitment, p.RemainingFen())
	s, _ := f.reload(t, won[0])
	assert.Zero(t, s.ReservedFen)
	assert.NotNil(t, s.ReleasedAt)

	// A second reservation of a reserved subsidy is a no-op; a released one is closed.
	ok, err := f.ledger.Reserve(ctx, won[1])
	require.NoError(t, err)
	assert.False(t, ok, "reserved before")
	_, err = f.ledger.Reserve(ctx, won[0])
	assert.ErrorIs(t, err, ledger.ErrReleased)

	// The released commitment is free again: one earlier loser now reserves, the next does not.
	ok, err = f.ledger.Reserve(ctx, lost[0])
	require.NoError(t, err)
	assert.True(t, ok)
	_, err = f.ledger.Reserve(ctx, lost[1])
	assert.ErrorIs(t, err, ledger.ErrBudgetExhausted)
	p, err = f.ledger.Policy(ctx, f.policy.ID)
	require.NoError(t, err)
	assert.EqualValues(t, 10*commitment, p.ReservedFen)
	assert.Zero(t, p.RemainingFen())
}

// The batch path: a due period goes into a batch, the builder cannot approve it, a second
// officer can; a line the bank failed is due again and goes into the next batch, never twice
// into one.
func TestBatchFourEyesAndFailedLineIsDueAgain(t *testing.T) {
	const amount, months = 100_000, 12
	const commitment = amount * months
	f := newFixture(t, amount, months, 100*commitment)
	ctx := context.Background()
	ids := f.subsidies(t, "case_pay", 2, nil)
	a, b := ids[0], ids[1]
	approvedAt := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, id := range ids {
		ok, err := f.ledger.Reserve(ctx, id)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, f.ledger.Start(ctx, id, approvedAt, "2026-03"))
		p, err := f.ledger.Book(ctx, ledger.Booking{CaseID: id, Seq: 1, Period: "2026-03", DueAt: approvedAt.AddDate(0, 0, 26), State: domain.PaymentDue})
		require.NoError(t, err)
		require.Equal(t, string(domain.PaymentDue), p.State)
		// Booking again answers the row already there.
		again, err := f.ledger.Book(ctx, ledger.Booking{CaseID: id, Seq: 1, Period: "2026-03", DueAt: approvedAt.AddDate(0, 0, 26), State: domain.PaymentDue})
		require.NoError(t, err)
		require.Equal(t, p.ID, again.ID)
	}
	payA := paymentOf(t, f, a, 1)

	batch, lines, err := f.ledger.BuildBatch(ctx, officer)
	require.NoError(t, err)
	require.Len(t, lines, 2)
	assert.Equal(t, 2, batch.LineCount)
	assert.EqualValues(t, 2*amount, batch.TotalFen)
	assertDistinctPayments(t, f, batch.ID)
	_, _, err = f.ledger.BuildBatch(ctx, officer)
	assert.ErrorIs(t, err, ledger.ErrNoDuePayments, "everything due is in the open batch")

	_, err = f.ledger.ConfirmBatch(ctx, batch.ID, officer, nil)
	assert.ErrorIs(t, err, ledger.ErrBatchState, "a batch not approved is not confirmed")
	_, err = f.ledger.ApproveBatch(ctx, batch.ID, officer)
	assert.ErrorIs(t, err, ledger.ErrFourEyes)
	approved, err := f.ledger.ApproveBatch(ctx, batch.ID, reviewer)
	require.NoError(t, err)
	assert.Equal(t, ledger.BatchApproved, approved.State)
	assert.Equal(t, reviewer.Actor, approved.ApprovedBy)
	_, err = f.ledger.ApproveBatch(ctx, batch.ID, reviewer)
	assert.ErrorIs(t, err, ledger.ErrBatchState, "approved once")

	var failed string
	for _, l := range lines {
		if l.PaymentID == payA.ID {
			failed = l.ID
		}
	}
	require.NotEmpty(t, failed)
	_, err = f.ledger.ConfirmBatch(ctx, batch.ID, officer, []string{"lin_nonexistent"})
	assert.ErrorIs(t, err, ledger.ErrUnknownLine)
	conf, err := f.ledger.ConfirmBatch(ctx, batch.ID, officer, []string{failed})
	require.NoError(t, err)
	require.Len(t, conf.Paid, 1)
	require.Len(t, conf.Failed, 1)
	assert.Equal(t, failed, conf.Failed[0].ID)
	assert.ElementsMatch(t, ids, conf.Cases)
	_, err = f.ledger.ConfirmBatch(ctx, batch.ID, officer, nil)
	assert.ErrorIs(t, err, ledger.ErrBatchState, "confirmed once")

	p := paymentOf(t, f, a, 1)
	assert.Equal(t, string(domain.PaymentDue), p.State, "the failed line's payment is due again")
	assert.Nil(t, p.BatchID)
	assert.Equal(t, string(domain.PaymentPaid), paymentOf(t, f, b, 1).State)
	sa, _ := f.reload(t, a)
	assert.EqualValues(t, commitment, sa.ReservedFen, "a failed payment stays reserved")
	assert.Zero(t, sa.PaidFen)
	sb, pol := f.reload(t, b)
	assert.EqualValues(t, commitment-amount, sb.ReservedFen)
	assert.EqualValues(t, amount, sb.PaidFen)
	assert.EqualValues(t, 2*commitment-amount, pol.ReservedFen)
	assert.EqualValues(t, amount, pol.PaidFen)

	second, lines2, err := f.ledger.BuildBatch(ctx, officer)
	require.NoError(t, err)
	require.Len(t, lines2, 1, "only the failed payment is due")
	assert.Equal(t, payA.ID, lines2[0].PaymentID)
	assert.NotEqual(t, batch.ID, second.ID)
	assertDistinctPayments(t, f, second.ID)
	_, err = f.ledger.ApproveBatch(ctx, second.ID, reviewer)
	require.NoError(t, err)
	_, err = f.ledger.ConfirmBatch(ctx, second.ID, officer, nil)
	require.NoError(t, err)
	assert.Equal(t, string(domain.PaymentPaid), paymentOf(t, f, a, 1).State)
	_, pol = f.reload(t, a)
	assert.EqualValues(t, 2*commitment-2*amount, pol.ReservedFen)
	assert.EqualValues(t, 2*amount, pol.PaidFen)
	_, _, err = f.ledger.BuildBatch(ctx, officer)
	assert.ErrorIs(t, err, ledger.ErrNoDuePayments)

	// Two builders racing over the next period: each payment goes into exactly one batch.
	for _, id := range ids {
		_, err := f.ledger.Book(ctx, ledger.Booking{CaseID: id, Seq: 2, Period: "2026-04", DueAt: approvedAt.AddDate(0, 1, 26), State: domain.PaymentDue})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, by := range []ledger.Actor{officer, reviewer} {
		wg.Go(func() {
			<-start
			_, _, errs[i] = f.ledger.BuildBatch(ctx, by)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			assert.ErrorIs(t, err, ledger.ErrNoDuePayments)
		}
	}
	var counts []struct {
		PaymentID string
		N         int
	}
	require.NoError(t, f.db.Model(&ledger.Line{}).Select("payment_id, COUNT(*) AS n").Group("payment_id").Scan(&counts).Error)
	byPayment := map[string]int{}
	for _, c := range counts {
		byPayment[c.PaymentID] = c.N
	}
	assert.Equal(t, 2, byPayment[payA.ID], "the failed payment: one failed line, one paid line")
	assert.Equal(t, 1, byPayment[paymentOf(t, f, b, 1).ID])
	for _, id := range ids {
		p := paymentOf(t, f, id, 2)
		assert.Equal(t, string(domain.PaymentInBatch), p.State)
		assert.Equal(t, 1, byPayment[p.ID], "period 2 of %s is in exactly one batch", id)
	}
}

func paymentOf(tb testing.TB, f *fixture, caseID string, seq int) ledger.Payment {
	tb.Helper()
	var p ledger.Payment
	require.NoError(tb, f.db.Where("case_id = ? AND seq = ?", caseID, seq).Take(&p).Error)
	return p
}

func assertDistinctPayments(tb testing.TB, f *fixture, batchID string) {
	tb.Helper()
	var lines []ledger.Line
	require.NoError(tb, f.db.Where("batch_id = ?", batchID).Find(&lines).Error)
	seen := map[string]bool{}
	for _, l := range lines {
		assert.False(tb, seen[l.PaymentID], "payment %s twice in batch %s", l.PaymentID, batchID)
		seen[l.PaymentID] = true
	}
}
