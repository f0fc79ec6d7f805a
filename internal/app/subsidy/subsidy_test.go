package subsidy_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	appsub "talentflow/internal/app/subsidy"
	"talentflow/internal/app/tasks"
	"talentflow/internal/domain"
	"talentflow/internal/routing"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
	flow "talentflow/workflows/subsidy"
)

const card = "6222020200112233446"

type world struct {
	*apptest.World
	s *appsub.Service
}

func newWorld(t *testing.T) *world {
	w := &world{World: apptest.New(t)}
	plan, err := routing.LoadSubsidy("")
	require.NoError(t, err)
	w.s = appsub.New(w.Cases, plan, 1)
	n, err := w.s.SeedPolicies(context.Background())
	require.NoError(t, err)
	require.Equal(t, len(plan.Policies), n)
	return w
}

// certified registers a certified talent of the user's, employed by the demo employer.
func (w *world) certified(username, cert string, c domain.Category, status string) {
	t := w.T
	now := time.Now().UTC()
	u := w.As(username).User
	caseID := "case_" + cert
	require.NoError(t, w.DB.Create(&store.Case{ID: caseID, Process: "introduction", State: "certified", Title: "李明", ApplicantID: u.ID,
		WorkflowID: "intro:" + caseID, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, w.DB.Create(&storeintro.Profile{CaseID: caseID, ApplicantID: u.ID, Name: "李明", IDNumber: "x", Phone: "x",
		Education: "doctorate", Title: "senior", Field: "新材料", EmployerCreditCode: app.DemoEmployerCreditCode, Category: string(c),
		CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, w.DB.Create(&store.Certificate{No: cert, CaseID: caseID, Name: "李明", Category: string(c), Year: 2026, Seq: 1, IssuedAt: now}).Error)
	require.NoError(t, w.DB.Create(&store.Talent{ID: "tal_" + cert, UserID: u.ID, CaseID: caseID, Name: "李明", IDNumber: "x", Category: string(c),
		CertificateNo: cert, Status: status, SubsidyEligible: true, CertifiedAt: now}).Error)
}

func (w *world) policy(kind string) ledger.Policy {
	var p ledger.Policy
	require.NoError(w.T, w.DB.Where("kind = ?", kind).Order("version DESC").Take(&p).Error)
	return p
}

func field(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func TestAnApplicationIsCheckedBeforeAnythingIsWritten(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB, "active")
	w.certified("applicant.li", "YG-2026-B-0002", domain.CategoryB, "revoked")
	living, allowance := w.policy("living"), w.policy("allowance")
	ok := appsub.Application{CertificateNo: "YG-2026-B-0001", PolicyID: living.ID, AccountName: "李明", BankAccount: card, BankName: "工商银行"}
	li := w.As("applicant.li")

	for name, tc := range map[string]struct {
		change func(*appsub.Application)
		kind   app.Kind
		field  string
	}{
		"no such certificate":  {func(a *appsub.Application) { a.CertificateNo = "YG-2026-B-9999" }, app.KindInvalid, "certificate_no"},
		"revoked certificate":  {func(a *appsub.Application) { a.CertificateNo = "YG-2026-B-0002" }, app.KindInvalid, "certificate_no"},
		"no such policy":       {func(a *appsub.Application) { a.PolicyID = "pol_nope" }, app.KindInvalid, "policy_id"},
		"category not covered": {func(a *appsub.Application) { a.PolicyID = allowance.ID }, app.KindInvalid, "policy_id"},
		"another payee":        {func(a *appsub.Application) { a.AccountName = "张三" }, app.KindInvalid, "account_name"},
		"Luhn":                 {func(a *appsub.Application) { a.BankAccount = "6222020200112233445" }, app.KindInvalid, "bank_account"},
		"letters":              {func(a *appsub.Application) { a.BankAccount = "6222O20200112233446" }, app.KindInvalid, "bank_account"},
		"too short":            {func(a *appsub.Application) { a.BankAccount = "62220202" }, app.KindInvalid, "bank_account"},
		"no bank":              {func(a *appsub.Application) { a.BankName = "" }, app.KindInvalid, "bank_name"},
	} {
		t.Run(name, func(t *testing.T) {
			in := ok
			tc.change(&in)
			_, err := w.s.Apply(ctx, li, in)
			assert.Equal(t, tc.kind, apptest.Kind(err), "%v", err)
			assert.Equal(t, tc.field, field(err), "%v", err)
		})
	}
	_, err := w.s.Apply(ctx, w.As("hrss.approver"), ok)
	assert.Equal(t, app.KindForbidden, apptest.Kind(err), "someone else's certificate")
	var n int64
	require.NoError(t, w.DB.Model(&ledger.Subsidy{}).Count(&n).Error)
	assert.Zero(t, n, "nothing half-written")

	// Spaces typed between digit groups are fine; the employer's clerk may apply for them.
	in := ok
	in.BankAccount = "6222 0202 0011 2233 446"
	created, err := w.s.Apply(ctx, w.As("employer.hr"), in)
	require.NoError(t, err)
	assert.Len(t, w.Engine.Starts, 1, "the case starts at once")
	assert.Equal(t, []string{workflows.UpdateSettled}, w.Engine.Updates)
	_, err = w.s.Apply(ctx, li, ok)
	assert.Equal(t, app.KindConflict, apptest.Kind(err), "one open application per talent and kind")

	d, err := w.s.Subsidy(ctx, li, created.ID)
	require.NoError(t, err, "the talent reads a subsidy their employer applied for")
	assert.Equal(t, "***************3446", d.BankAccount)
	assert.EqualValues(t, 36*1_000_000, d.CommitmentFen)

	// The employment confirmation goes to the employer's clerks.
	var in0 flow.Input
	require.NoError(t, json.Unmarshal(w.Engine.Starts[0].Input.(json.RawMessage), &in0))
	assert.Equal(t, store.EmployerDepartment(app.DemoEmployerCreditCode), in0.Plan.EmployerDepartment)
	assert.Equal(t, domain.RoleEmployer, in0.Plan.EmployerRole)
	assert.Equal(t, 1, in0.Terms.Version, "bound to the version in force")

	// A new version supersedes the one in force: applying under the old one is refused.
	v2, err := w.s.CreatePolicy(ctx, w.As("lgo.staff"), appsub.PolicyInput{Kind: "rent", Name: "人才租房补贴（2027）", Year: 2027,
		Categories: []domain.Category{"B"}, AmountFen: map[string]int64{"B": 200_000}, Months: 24, BudgetFen: 10_000_000})
	require.NoError(t, err)
	assert.Equal(t, 2, v2.Version)
	in = ok
	var v1 ledger.Policy
	require.NoError(t, w.DB.Where("kind = ? AND version = 1", "rent").Take(&v1).Error)
	in.PolicyID = v1.ID
	_, err = w.s.Apply(ctx, li, in)
	assert.Equal(t, "policy_id", field(err), "superseded by version 2: %v", err)
}

func TestAPolicyVersionNamesTheFieldAtFault(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	good := appsub.PolicyInput{Kind: "rent", Name: "租房补贴", Year: 2027, Categories: []domain.Category{"B"},
		AmountFen: map[string]int64{"B": 100_000}, Months: 12, BudgetFen: 1}
	for name, tc := range map[string]struct {
		change func(*appsub.PolicyInput)
		field  string
	}{
		"kind":           {func(p *appsub.PolicyInput) { p.Kind = "bonus" }, "kind"},
		"category":       {func(p *appsub.PolicyInput) { p.Categories = []domain.Category{"Z"} }, "categories[0]"},
		"missing amount": {func(p *appsub.PolicyInput) { p.AmountFen = map[string]int64{"C": 5} }, "amount_fen"},
		"months":         {func(p *appsub.PolicyInput) { p.Months = 121 }, "months"},
		"budget":         {func(p *appsub.PolicyInput) { p.BudgetFen = -1 }, "budget_fen"},
	} {
		t.Run(name, func(t *testing.T) {
			in := good
			tc.change(&in)
			_, err := w.s.CreatePolicy(ctx, w.As("lgo.staff"), in)
			assert.Equal(t, app.KindInvalid, apptest.Kind(err))
			assert.Equal(t, tc.field, field(err), "%v", err)
		})
	}
}

// 100 finance approvals at once against a budget for 10: exactly 10 go through to the
// workflow, 90 are refused with budget_exhausted and their tasks stay open for finance.
func TestConcurrentFinanceApprovalsNeverOverspendTheBudget(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB, "active")
	settling := w.policy("settling") // one-time, 8,000,000 fen for B
	require.NoError(t, w.DB.Model(&ledger.Policy{}).Where("id = ?", settling.ID).Update("budget_fen", 10*8_000_000).Error)
	li := w.As("applicant.li")
	now := time.Now().UTC()
	var taskIDs []string
	for i := range 100 {
		id := "case_fin" + string(rune('A'+i/26)) + string(rune('a'+i%26))
		require.NoError(t, w.DB.Create(&store.Case{ID: id, Process: flow.Process, State: flow.StateApproving, Title: id, ApplicantID: li.User.ID,
			WorkflowID: flow.WorkflowID(id), CreatedAt: now, UpdatedAt: now}).Error)
		require.NoError(t, w.DB.Create(&ledger.Subsidy{CaseID: id, ApplicantID: li.User.ID, TalentUserID: li.User.ID, TalentName: "李明", Category: "B",
			CertificateNo: "YG-2026-B-0001", PolicyID: settling.ID, PolicyVersion: 1, Kind: "settling", AmountFen: 8_000_000, CommitmentFen: 8_000_000,
			AccountName: "李明", BankAccount: card, BankName: "工商银行", NextPeriod: 1, CreatedAt: now, UpdatedAt: now}).Error)
		require.NoError(t, w.DB.Create(&store.Task{ID: id + "-t3", CaseID: id, Process: flow.Process, Step: flow.StepFinance, StepName: "财政局审批",
			Attempt: 1, Mode: "single", Department: "fin", Role: "finance", State: workflows.TaskOpen, OpenedAt: now, UpdatedAt: now}).Error)
		taskIDs = append(taskIDs, id+"-t3")
	}
	fin := w.As("fin.officer")
	var wg sync.WaitGroup
	errs := make([]error, len(taskIDs))
	gate := make(chan struct{})
	for i, id := range taskIDs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			_, _, errs[i] = w.Cases.Tasks.Decide(ctx, fin, id, tasks.DecisionInput{Outcome: domain.OutcomeApprove, Comment: "同意"})
		}()
	}
	close(gate)
	wg.Wait()
	approved, exhausted := 0, 0
	for _, err := range errs {
		var e *app.Error
		switch {
		case err == nil:
			approved++
		case errors.As(err, &e) && e.Code == "budget_exhausted":
			exhausted++
			assert.Contains(t, e.Message, "exhausted")
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	assert.Equal(t, 10, approved)
	assert.Equal(t, 90, exhausted)
	p := w.policy("settling")
	assert.EqualValues(t, 10*8_000_000, p.ReservedFen)
	assert.Zero(t, p.RemainingFen())
	decided := 0
	for _, c := range w.Engine.Updates {
		if c == workflows.UpdateDecide {
			decided++
		}
	}
	assert.Equal(t, 10, decided, "only covered approvals reach the workflows")
}
