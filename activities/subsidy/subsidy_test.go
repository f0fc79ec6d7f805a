package subsidy_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	acts "talentflow/activities/subsidy"
	"talentflow/internal/audit"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
	flow "talentflow/workflows/subsidy"
	"talentflow/workflows/workflowtest"
)

const employerDept = "emp-91350100M000100Y43"

var (
	at         = workflowtest.At
	clerkZhang = workflowtest.Staff("employer.hr", domain.RoleEmployer, employerDept)
	hrssChen   = workflowtest.Staff("hrss.approver", domain.RoleApprover, "hrss")
	finWu      = workflowtest.Staff("fin.officer", domain.RoleFinance, "fin")
	officer    = audit.Entry{Actor: "fin.officer", Role: "finance", Department: "fin"}
	reviewer   = audit.Entry{Actor: "fin.reviewer", Role: "finance", Department: "fin"}
)

// world is a subsidy's workflow on the real ledger: a migrated database (SQLite, or PostgreSQL
// when TALENTFLOW_TEST_POSTGRES is set) behind the process's own activities.
type world struct {
	t      *testing.T
	db     *store.DB
	ledger ledger.Ledger
	rm     *workflowtest.ReadModel
	policy ledger.Policy
	talent string // the talent's user id
	n      int
	// left records what the other processes were told of departures (certificate left_on).
	left []string
}

func newWorld(t *testing.T, months int, amount, budget int64) *world {
	db := storetest.Open(t, ledger.Schema)
	w := &world{t: t, db: db, ledger: ledger.Ledger{DB: db}, rm: workflowtest.NewReadModel(), talent: "usr_li"}
	now := time.Now().UTC()
	require.NoError(t, db.Create(&store.User{ID: w.talent, Username: "applicant.li", DisplayName: "李明", Kind: "talent", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&store.Case{ID: "case_intro", Process: "introduction", State: "certified", Title: "李明", ApplicantID: w.talent,
		WorkflowID: "intro:case_intro", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, db.Create(&store.Certificate{No: "YG-2026-B-0001", CaseID: "case_intro", Name: "李明", Category: "B", Year: 2026, Seq: 1, IssuedAt: now}).Error)
	var err error
	w.policy, err = w.ledger.NewVersion(context.Background(), ledger.PolicyTerms{Kind: "living", Name: "高层次人才生活补贴", Year: 2026,
		Categories: []string{"B"}, AmountFen: map[string]int64{"B": amount}, Months: months, BudgetFen: budget}, "seed")
	require.NoError(t, err)
	return w
}

// subsidy writes a submitted subsidy case and returns its workflow input.
func (w *world) subsidy() flow.Input {
	w.n++
	id := fmt.Sprintf("case_sub%d", w.n)
	now := time.Now().UTC()
	p := w.policy
	amount := p.AmountFor("B")
	require.NoError(w.t, w.db.Create(&store.Case{ID: id, Process: flow.Process, State: "submitted", Title: "李明 生活补贴", ApplicantID: w.talent,
		WorkflowID: flow.WorkflowID(id), CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(w.t, w.db.Create(&ledger.Subsidy{CaseID: id, ApplicantID: w.talent, TalentUserID: w.talent, TalentName: "李明", Category: "B",
		CertificateNo: "YG-2026-B-0001", EmployerCreditCode: "91350100M000100Y43", PolicyID: p.ID, PolicyVersion: p.Version, Kind: p.Kind,
		AmountFen: amount, Months: p.Months, CommitmentFen: amount * int64(p.Periods()), AccountName: "李明", BankAccount: "6222020200112233446",
		BankName: "工商银行", NextPeriod: 1, CreatedAt: now, UpdatedAt: now}).Error)
	return flow.Input{CaseID: id, Applicant: workflowtest.Applicant, TalentUsername: "applicant.li", TalentName: "李明", Category: "B",
		Terms: flow.Terms{PolicyID: p.ID, Version: p.Version, Kind: domain.SubsidyKind(p.Kind), Name: p.Name, AmountFen: amount, Months: p.Months},
		Plan: flow.Plan{EmployerDepartment: employerDept, EmployerRole: domain.RoleEmployer, ReviewDepartment: "hrss", FinanceDepartment: "fin",
			LGODepartment: "lgo", LimitDays: 5, ReconfirmLimitDays: 5, ReconfirmLeadDays: 10, CorrectionDays: 10, Scale: 1}}
}

// run executes the case through every run it continues into; perRun schedules each run's
// actions (relative to the run's start). It returns the final state and the number of runs.
func (w *world) run(in flow.Input, start time.Time, perRun func(h *workflowtest.Harness, run int)) (string, int) {
	t := w.t
	a := &acts.Activities{Ledger: w.ledger, TalentLeft: func(_ context.Context, cert, leftOn, _ string) error {
		w.left = append(w.left, cert+" "+leftOn)
		return nil
	}}
	for run := 1; ; run++ {
		require.LessOrEqual(t, run, 100, "runaway continue-as-new")
		h := workflowtest.NewHarnessOn(t, start, w.rm)
		h.Env.RegisterWorkflowWithOptions(flow.SubsidyDisbursement, workflow.RegisterOptions{Name: flow.WorkflowSubsidy})
		for name, fn := range a.Register() {
			h.Env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
		}
		perRun(h, run)
		h.Env.ExecuteWorkflow(flow.WorkflowSubsidy, in)
		require.True(t, h.Env.IsWorkflowCompleted())
		h.Verify()
		err := h.Env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if err != nil && !errorsAsCAN(err) {
			t.Logf("run %d ended with %v\n%s", run, err, w.rm.Describe())
		}
		if err != nil && assertCAN(t, err, &can) {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			start = h.Env.Now()
			continue
		}
		require.NoError(t, err)
		var state string
		require.NoError(t, h.Env.GetWorkflowResult(&state))
		return state, run
	}
}

func errorsAsCAN(err error) bool {
	var can *workflow.ContinueAsNewError
	return errors.As(err, &can)
}

func assertCAN(t *testing.T, err error, can **workflow.ContinueAsNewError) bool {
	t.Helper()
	require.ErrorAs(t, err, can, "a run ends by continuing as new or not at all")
	return true
}

// approve decides the three approval steps, a minute apart, from an hour into the run.
func approve(h *workflowtest.Harness) {
	h.Script(time.Hour,
		func() { h.Decide(flow.StepEmployment, employerDept, domain.OutcomeApprove, "在职", clerkZhang) },
		func() { h.Decide(flow.StepReview, "hrss", domain.OutcomeApprove, "符合条件", hrssChen) },
		func() { h.Decide(flow.StepFinance, "fin", domain.OutcomeApprove, "同意拨付", finWu) },
	)
}

// pay runs a batch over everything due, as two finance officers, with the bank paying all.
func (w *world) pay(h *workflowtest.Harness) {
	ctx := context.Background()
	b, _, err := w.ledger.BuildBatch(ctx, officer)
	if err == ledger.ErrNoDuePayments {
		return
	}
	require.NoError(w.t, err)
	_, err = w.ledger.ApproveBatch(ctx, b.ID, reviewer)
	require.NoError(w.t, err)
	_, err = w.ledger.ConfirmBatch(ctx, b.ID, officer, nil)
	require.NoError(w.t, err)
	h.Env.SignalWorkflow(flow.SignalLedger, nil)
}

func (w *world) payments(caseID string) []ledger.Payment {
	var out []ledger.Payment
	require.NoError(w.t, w.db.Where("case_id = ?", caseID).Order("seq").Find(&out).Error)
	return out
}

func (w *world) reload(id string) (ledger.Subsidy, ledger.Policy) {
	var s ledger.Subsidy
	require.NoError(w.t, w.db.Where("case_id = ?", id).Take(&s).Error)
	var p ledger.Policy
	require.NoError(w.t, w.db.Where("id = ?", s.PolicyID).Take(&p).Error)
	return s, p
}

// The whole 36-month living allowance: approval, then a payment every month, each preceded by
// the employer's re-confirmation; a run per period (continue-as-new), every period paid once.
// A new policy version published in month 5 changes nothing for this case.
func TestAThirtySixMonthScheduleContinuesAsNewEachPeriodAndPaysEachOnce(t *testing.T) {
	w := newWorld(t, 36, 1_000_000, 100_000_000)
	in := w.subsidy()
	var newVersion ledger.Policy
	state, runs := w.run(in, at("2026-03-02 09:00"), func(h *workflowtest.Harness, run int) {
		if run == 1 {
			approve(h)
			return
		}
		h.After(25*24*time.Hour, func() { h.Decide(flow.StepReconfirm, employerDept, domain.OutcomeApprove, "仍在职", clerkZhang) })
		h.After(26*24*time.Hour, func() { w.pay(h) })
		h.After(45*24*time.Hour, func() { w.pay(h) })
		if run == 5 {
			h.After(time.Hour, func() {
				var err error
				newVersion, err = w.ledger.NewVersion(context.Background(), ledger.PolicyTerms{Kind: "living", Name: "生活补贴（新）", Year: 2026,
					Categories: []string{"B"}, AmountFen: map[string]int64{"B": 2_000_000}, Months: 12, BudgetFen: 1_000_000_000}, "lgo.staff")
				require.NoError(t, err)
			})
		}
	})
	assert.Equal(t, flow.StateCompleted, state)
	assert.Equal(t, 36, runs, "one run per period: the history of each stays one period long")
	assert.Equal(t, 2, newVersion.Version)

	pays := w.payments(in.CaseID)
	require.Len(t, pays, 36)
	for i, p := range pays {
		assert.Equal(t, i+1, p.Seq)
		assert.Equal(t, domain.AddPeriods("2026-03", i), p.Period)
		assert.Equal(t, string(domain.PaymentPaid), p.State, "period %s", p.Period)
		assert.EqualValues(t, 1_000_000, p.AmountFen, "the version bound at submission, not version 2")
	}
	sub, pol := w.reload(in.CaseID)
	assert.EqualValues(t, 36_000_000, sub.PaidFen)
	assert.Zero(t, sub.ReservedFen)
	assert.EqualValues(t, 36_000_000, pol.PaidFen)
	assert.Zero(t, pol.ReservedFen)
	assert.Len(t, w.rm.EventsOf(flow.EventPaymentDue), 36)
	assert.Empty(t, w.rm.EventsOf(flow.EventPaymentHeld))
	assert.Zero(t, w.rm.TaskClashes, "no task id reused across 36 runs")
	assert.Zero(t, w.rm.EventClashes, "no event id reused across 36 runs")
}

// An employer that does not re-confirm in time: the period is held (never paid blindly) and
// the leading-group office is told; the late confirmation releases it.
func TestAMissedConfirmationHoldsThePeriodUntilALateOneReleasesIt(t *testing.T) {
	w := newWorld(t, 3, 1_000_000, 100_000_000)
	in := w.subsidy()
	var heldSeen, dueAfter string
	state, runs := w.run(in, at("2026-03-02 09:00"), func(h *workflowtest.Harness, run int) {
		switch run {
		case 1:
			approve(h)
		case 2:
			// Period 2 falls due on 2 April unconfirmed; the confirmation comes on the 6th.
			h.After(35*24*time.Hour, func() {
				heldSeen = w.payments(in.CaseID)[1].State
				h.Decide(flow.StepReconfirm, employerDept, domain.OutcomeApprove, "补确认：仍在职", clerkZhang)
			})
			h.After(36*24*time.Hour, func() { dueAfter = w.payments(in.CaseID)[1].State })
			h.After(37*24*time.Hour, func() { w.pay(h) })
			// Period 3 has a re-confirmation of its own (opens 22 April), answered in time.
			h.After(55*24*time.Hour, func() { h.Decide(flow.StepReconfirm, employerDept, domain.OutcomeApprove, "仍在职", clerkZhang) })
			h.After(65*24*time.Hour, func() { w.pay(h) })
		}
	})
	assert.Equal(t, flow.StateCompleted, state)
	assert.Equal(t, 2, runs, "no hand-over while a re-confirmation is open; the last period ends the schedule")
	assert.Equal(t, string(domain.PaymentHeld), heldSeen, "held when the due date came without a confirmation")
	assert.Equal(t, string(domain.PaymentDue), dueAfter, "released by the late confirmation")
	require.Len(t, w.rm.EventsOf(flow.EventPaymentHeld), 1)
	require.Len(t, w.rm.EventsOf(flow.EventHeldReleased), 1)
	var toLGO int
	for _, n := range w.rm.NotificationsOf(workflows.NotifyEscalation) {
		for _, r := range n.To {
			if r.Department == "lgo" {
				toLGO++
			}
		}
	}
	assert.GreaterOrEqual(t, toLGO, 1, "the leading-group office is told of the held period")
	for _, p := range w.payments(in.CaseID) {
		assert.Equal(t, string(domain.PaymentPaid), p.State)
	}
}

// A departure in June reported in August: the July period was already paid and becomes a
// recovery item; August to February are never booked and their reservation returns to the
// budget. Finance records the repayment on the recovery task and the case closes as stopped.
func TestADepartureMidScheduleStopsPaymentsAndRecoversWhatWasOverpaid(t *testing.T) {
	w := newWorld(t, 12, 1_000_000, 100_000_000)
	in := w.subsidy()
	var reply *workflowtest.Reply
	state, runs := w.run(in, at("2026-03-02 09:00"), func(h *workflowtest.Harness, run int) {
		switch {
		case run == 1:
			approve(h)
		case run < 6:
			h.After(25*24*time.Hour, func() { h.Decide(flow.StepReconfirm, employerDept, domain.OutcomeApprove, "仍在职", clerkZhang) })
			h.After(26*24*time.Hour, func() { w.pay(h) })
		case run == 6:
			// Period 5 (2026-07) was booked as run 5 ended: it is paid, then the report comes.
			h.After(2*time.Hour, func() { w.pay(h) })
			h.After(3*time.Hour, func() {
				reply = h.OK(flow.UpdateDepart, flow.DepartureAction{LeftOn: "2026-06-15", Reason: "调离本县", Actor: clerkZhang})
			})
			h.After(4*time.Hour, func() {
				h.Decide(flow.StepRecovery, "fin", domain.OutcomeApprove, "已退回，收据号 TH-2026-018", finWu)
			})
		}
	})
	require.NotNil(t, reply)
	assert.Equal(t, flow.StateStopped, state)
	assert.Equal(t, 6, runs)
	assert.Equal(t, []string{"YG-2026-B-0001 2026-06-15"}, w.left, "the other processes (the liaison pairing) are told the talent left")
	pays := w.payments(in.CaseID)
	require.Len(t, pays, 5, "nothing booked after the report")
	for _, p := range pays[:4] {
		assert.Equal(t, string(domain.PaymentPaid), p.State, p.Period)
	}
	assert.Equal(t, string(domain.PaymentRecovered), pays[4].State, "July was paid after the departure month")
	var recs []ledger.Recovery
	require.NoError(t, w.db.Where("case_id = ?", in.CaseID).Find(&recs).Error)
	require.Len(t, recs, 1)
	assert.Equal(t, ledger.RecoveredRepaid, recs[0].How)
	assert.Equal(t, "已退回，收据号 TH-2026-018", recs[0].Reference)
	sub, pol := w.reload(in.CaseID)
	assert.Equal(t, "2026-06-15", *sub.LeftOn)
	assert.EqualValues(t, 5_000_000, sub.PaidFen, "paid out, of which 1,000,000 recovered")
	assert.Zero(t, sub.ReservedFen, "August to February released")
	assert.Zero(t, pol.ReservedFen)
	assert.Len(t, w.rm.EventsOf(flow.EventRecovery), 1)
	assert.Len(t, w.rm.EventsOf(flow.EventRecovered), 1)
}

// A budget that cannot cover the commitment: the approval does not pay, the case goes back to
// finance with a warning, and once the budget is raised a new approval reserves it.
func TestAnExhaustedBudgetSendsTheCaseBackToFinanceWithoutPaying(t *testing.T) {
	w := newWorld(t, 0, 5_000_000, 3_000_000) // a one-time grant of 50,000 yuan, 30,000 budgeted
	in := w.subsidy()
	state, runs := w.run(in, at("2026-03-02 09:00"), func(h *workflowtest.Harness, run int) {
		if run == 1 {
			approve(h)
			h.After(2*time.Hour, func() {
				assert.Empty(t, w.payments(in.CaseID), "nothing booked without a reservation")
				assert.Equal(t, flow.StateApproving, w.rm.CaseView(in.CaseID).State, "back with finance")
				require.NoError(t, w.db.Model(&ledger.Policy{}).Where("id = ?", w.policy.ID).Update("budget_fen", 10_000_000).Error)
				h.Decide(flow.StepFinance, "fin", domain.OutcomeApprove, "预算已追加", finWu)
			})
			h.After(3*time.Hour, func() { w.pay(h) })
		}
	})
	assert.Equal(t, flow.StateCompleted, state)
	assert.Equal(t, 1, runs, "a one-time grant has no later period to continue into")
	require.Len(t, w.rm.EventsOf(flow.EventBudgetExhausted), 1)
	_, pol := w.reload(in.CaseID)
	assert.EqualValues(t, 5_000_000, pol.PaidFen)
	assert.Zero(t, pol.ReservedFen)
}

// A rejection by hrss ends the case before finance: nothing is reserved or booked.
func TestARejectedApplicationReservesNothing(t *testing.T) {
	w := newWorld(t, 36, 1_000_000, 100_000_000)
	in := w.subsidy()
	state, _ := w.run(in, at("2026-03-02 09:00"), func(h *workflowtest.Harness, run int) {
		h.Script(time.Hour,
			func() { h.Decide(flow.StepEmployment, employerDept, domain.OutcomeApprove, "在职", clerkZhang) },
			func() { h.Decide(flow.StepReview, "hrss", domain.OutcomeReject, "社保记录不符", hrssChen) },
		)
	})
	assert.Equal(t, workflows.StateRejected, state)
	assert.Empty(t, w.payments(in.CaseID))
	_, pol := w.reload(in.CaseID)
	assert.Zero(t, pol.ReservedFen)
}

// An overpayment on one subsidy is netted against the same talent's next payment on another:
// the bank line pays the difference, and the recovery is settled when the bank pays it.
func TestARecoveryIsNettedAgainstTheTalentsNextPayment(t *testing.T) {
	w := newWorld(t, 12, 300_000, 100_000_000)
	ctx := context.Background()
	rent, living := w.subsidy(), w.subsidy()
	for _, id := range []string{rent.CaseID, living.CaseID} {
		_, err := w.ledger.Reserve(ctx, id)
		require.NoError(t, err)
		require.NoError(t, w.ledger.Start(ctx, id, time.Now(), "2026-03"))
	}
	book := func(id string, seq int) {
		_, err := w.ledger.Book(ctx, ledger.Booking{CaseID: id, Seq: seq, Period: domain.AddPeriods("2026-03", seq-1), DueAt: time.Now(), State: domain.PaymentDue})
		require.NoError(t, err)
	}
	book(rent.CaseID, 1)
	book(rent.CaseID, 2)
	b, _, err := w.ledger.BuildBatch(ctx, officer)
	require.NoError(t, err)
	_, err = w.ledger.ApproveBatch(ctx, b.ID, reviewer)
	require.NoError(t, err)
	_, err = w.ledger.ConfirmBatch(ctx, b.ID, officer, nil)
	require.NoError(t, err)

	// Left in March: April's rent was overpaid.
	d, err := w.ledger.Depart(ctx, rent.CaseID, "2026-03-20")
	require.NoError(t, err)
	require.Len(t, d.Recoveries, 1)
	assert.EqualValues(t, 10*300_000, d.ReleasedFen, "May to February are given back")

	// The same talent's living allowance raises a bigger payment: the next batch nets it.
	require.NoError(t, w.db.Model(&ledger.Subsidy{}).Where("case_id = ?", living.CaseID).Update("amount_fen", 1_000_000).Error)
	book(living.CaseID, 1)
	b2, lines, err := w.ledger.BuildBatch(ctx, officer)
	require.NoError(t, err)
	require.Len(t, lines, 1)
	assert.EqualValues(t, 700_000, lines[0].AmountFen, "1,000,000 less the 300,000 to recover")
	assert.EqualValues(t, 300_000, lines[0].NettedFen)
	assert.EqualValues(t, 700_000, b2.TotalFen)
	_, err = w.ledger.ApproveBatch(ctx, b2.ID, reviewer)
	require.NoError(t, err)
	res, err := w.ledger.ConfirmBatch(ctx, b2.ID, officer, nil)
	require.NoError(t, err)
	require.Len(t, res.Recovered[rent.CaseID], 1)
	var r ledger.Recovery
	require.NoError(t, w.db.Where("case_id = ?", rent.CaseID).Take(&r).Error)
	assert.Equal(t, ledger.RecoveredNetted, r.How)
	assert.Equal(t, ledger.RecoveryRecovered, r.State)
	out, err := w.ledger.Outstanding(ctx, rent.CaseID)
	require.NoError(t, err)
	assert.Zero(t, out.Recoveries+out.Payments, "the rent subsidy has nothing outstanding")
	pays := w.payments(rent.CaseID)
	assert.Equal(t, string(domain.PaymentRecovered), pays[1].State)
}
