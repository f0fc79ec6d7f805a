package e2e_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"talentflow/activities"
	subacts "talentflow/activities/subsidy"
	"talentflow/internal/calendar"
	"talentflow/internal/domain"
	"talentflow/internal/process"
	"talentflow/internal/processes"
	"talentflow/internal/store"
	ledger "talentflow/internal/store/subsidy"
	tfworker "talentflow/worker"
	"talentflow/workflows"
	flow "talentflow/workflows/subsidy"
)

const payeeAccount = "6222020200112233446" // a UnionPay number with a valid Luhn digit

type subsidyDoc struct {
	ID            string `json:"id"`
	State         string `json:"state"`
	PolicyVersion int    `json:"policy_version"`
	AmountFen     int64  `json:"amount_fen"`
	ReservedFen   int64  `json:"reserved_fen"`
	PaidFen       int64  `json:"paid_fen"`
	BankAccount   string `json:"bank_account"`
	Payments      []struct {
		ID        string `json:"id"`
		Period    string `json:"period"`
		AmountFen int64  `json:"amount_fen"`
		State     string `json:"state"`
	} `json:"payments"`
}

// certify takes a fresh category-C application of applicant.li through to its certificate.
func certify(t *testing.T) (caseID, certificate string) {
	li := login(t, "applicant.li")
	id := submit(t, li, "C")
	for _, u := range []string{"clerk.window", "hrss.approver", "sci.approver", "iit.approver", "lgo.staff"} {
		s := login(t, u)
		decide(t, s, waitForTask(t, s, id), "approve", "同意")
	}
	c := waitForState(t, li, id, "certified", 90*time.Second)
	return id, c.CertificateNo
}

func waitSubsidy(t *testing.T, s *session, id string, within time.Duration, ok func(subsidyDoc) bool) subsidyDoc {
	t.Helper()
	deadline := time.Now().Add(within)
	var d subsidyDoc
	for time.Now().Before(deadline) {
		s.must(http.StatusOK, http.MethodGet, "/api/v1/subsidies/"+id, nil, &d)
		if ok(d) {
			return d
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("subsidy %s did not get there in %s: %+v", id, within, d)
	return d
}

// TestASubsidyFromCertificateToAPaidBatchAndADeparture runs process 2 over HTTP on the embedded
// server, with months lasting under a minute: a certificate brings apply-free offers; the
// talent accepts the living allowance with only a bank account; the employer's clerk, hrss and
// finance approve (finance's approval reserves the 36-month commitment); period 1 falls due,
// one finance officer builds the batch, a second approves it, the bank file balances, the bank
// pays; the employer re-confirms before period 2, then reports the talent's departure: the
// rest of the schedule stops and its reservation returns to the budget.
func TestASubsidyFromCertificateToAPaidBatchAndADeparture(t *testing.T) {
	t.Parallel()
	_, cert := certify(t)
	li := login(t, "applicant.li")

	var mine struct {
		Offers []struct {
			Certificate string `json:"certificate_no"`
			PolicyID    string `json:"policy_id"`
			Kind        string `json:"kind"`
			AccountName string `json:"account_name"`
			State       string `json:"state"`
			AmountFen   int64  `json:"amount_fen"`
		}
	}
	li.must(http.StatusOK, http.MethodGet, "/api/v1/me/subsidies", nil, &mine)
	var offer string
	for _, o := range mine.Offers {
		if o.Certificate == cert && o.Kind == "living" && o.State == "offered" {
			offer = o.PolicyID
			assert.EqualValues(t, 500_000, o.AmountFen, "category C living allowance, pre-filled")
			assert.Equal(t, "测试人才", o.AccountName, "the payee name is pre-filled")
		}
	}
	require.NotEmpty(t, offer, "the certificate brought an apply-free offer of the living allowance: %+v", mine.Offers)

	apply := map[string]string{"certificate_no": cert, "policy_id": offer, "account_name": "测试人才",
		"bank_account": "6222 0202 0011 2233 445", "bank_name": "中国工商银行阳谷支行"}
	var bad errorBody
	assert.Equal(t, http.StatusUnprocessableEntity, li.call(http.MethodPost, "/api/v1/subsidies", apply, &bad))
	assert.Equal(t, "bank_account", bad.Error.Field, "a mistyped card number is refused by its check digit")
	apply["bank_account"] = payeeAccount
	var created struct{ ID string }
	li.must(http.StatusCreated, http.MethodPost, "/api/v1/subsidies", apply, &created)
	id := created.ID
	assert.Equal(t, http.StatusConflict, li.call(http.MethodPost, "/api/v1/subsidies", apply, nil), "one open application per kind")

	hr, hrss, fin, reviewer := login(t, "employer.hr"), login(t, "hrss.approver"), login(t, "fin.officer"), login(t, "fin.reviewer")
	decide(t, hr, waitForTask(t, hr, id), "approve", "在我单位全职工作")
	decide(t, hrss, waitForTask(t, hrss, id), "approve", "社保记录一致")
	decide(t, fin, waitForTask(t, fin, id), "approve", "同意拨付")

	d := waitSubsidy(t, li, id, 20*time.Second, func(d subsidyDoc) bool { return len(d.Payments) == 1 && d.Payments[0].State == "due" })
	assert.EqualValues(t, 36*500_000, d.ReservedFen, "the whole commitment is reserved")
	assert.Equal(t, "***************3446", d.BankAccount, "masked everywhere but the bank file")

	var batch struct {
		ID       string `json:"id"`
		TotalFen int64  `json:"total_fen"`
		Lines    []struct {
			ID        string `json:"id"`
			PaymentID string `json:"payment_id"`
			AmountFen int64  `json:"amount_fen"`
		} `json:"lines"`
	}
	fin.must(http.StatusCreated, http.MethodPost, "/api/v1/payment-batches", map[string]any{}, &batch)
	var line string
	for _, l := range batch.Lines {
		if l.PaymentID == d.Payments[0].ID {
			line = l.ID
		}
	}
	require.NotEmpty(t, line, "the due payment is in the batch")
	assert.Equal(t, http.StatusConflict, fin.call(http.MethodGet, "/api/v1/payment-batches/"+batch.ID+"/bank.csv", nil, nil), "no bank file before review")
	var refused errorBody
	assert.Equal(t, http.StatusForbidden, fin.call(http.MethodPost, "/api/v1/payment-batches/"+batch.ID+"/approve", map[string]any{}, &refused))
	assert.Equal(t, "four_eyes", refused.Error.Code)
	reviewer.must(http.StatusOK, http.MethodPost, "/api/v1/payment-batches/"+batch.ID+"/approve", map[string]any{}, nil)

	file := download(t, fin, "/api/v1/payment-batches/"+batch.ID+"/bank.csv")
	require.True(t, bytes.HasPrefix(file, []byte("\uFEFF")), "UTF-8 with BOM, so Excel opens it")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(file, []byte("\uFEFF")))).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, len(batch.Lines)+2, "header, lines, control row")
	assert.Equal(t, []string{"序号", "付款账号", "付款户名", "付款行", "收款账号", "收款户名", "收款行", "金额（元）", "用途", "备注"}, rows[0])
	var sum int64
	var mineRow []string
	for _, r := range rows[1 : len(rows)-1] {
		var yuan, cents int64
		_, err := fmt.Sscanf(r[7], "%d.%02d", &yuan, &cents)
		require.NoError(t, err, "amount %q has two decimals", r[7])
		sum += yuan*100 + cents
		if strings.HasPrefix(r[9], id+"/") {
			mineRow = r
		}
	}
	control := rows[len(rows)-1]
	assert.Equal(t, "合计", control[0])
	assert.Equal(t, domain.FormatYuan(sum), control[7], "the control total is the sum of the lines")
	assert.Equal(t, fmt.Sprintf("笔数 %d", len(batch.Lines)), control[8])
	assert.EqualValues(t, batch.TotalFen, sum)
	require.NotNil(t, mineRow)
	assert.Equal(t, payeeAccount, mineRow[4], "the bank file carries the full account")
	assert.Equal(t, "5000.00", mineRow[7])
	assert.Equal(t, id+"/01", mineRow[9], "remark = the payment's business key")

	fin.must(http.StatusOK, http.MethodPost, "/api/v1/payment-batches/"+batch.ID+"/confirm", map[string]any{"failed": []string{}}, nil)
	d = waitSubsidy(t, li, id, 5*time.Second, func(d subsidyDoc) bool { return d.Payments[0].State == "paid" })
	assert.EqualValues(t, 500_000, d.PaidFen)

	// Before period 2 the employer re-confirms employment from the inbox.
	decide(t, hr, waitForStep(t, hr, id, flow.StepReconfirm, 90*time.Second), "approve", "仍在职")
	d = waitSubsidy(t, li, id, 90*time.Second, func(d subsidyDoc) bool { return len(d.Payments) == 2 && d.Payments[1].State == "due" })
	// The read model shows period 2 a moment before its run continues as new; a departure in
	// that moment is taken in by run 2 (also right, but not the shape this test checks).
	waitRuns(t, flow.WorkflowID(id), 3, 30*time.Second)

	// The talent leaves: reported today, period 2 (next month's) and the rest are not paid.
	var after subsidyDoc
	hr.must(http.StatusOK, http.MethodPost, "/api/v1/subsidies/"+id+"/departure",
		map[string]string{"left_on": time.Now().In(calendar.Zone).Format(time.DateOnly), "reason": "合同到期离职"}, &after)
	// A departure is several steps (the ledger's stop, the release, the close); on a loaded
	// two-core CI machine they took over 20 s once.
	d = waitSubsidy(t, li, id, 60*time.Second, func(d subsidyDoc) bool { return d.State == flow.StateStopped })
	assert.Equal(t, "cancelled", d.Payments[1].State)
	assert.EqualValues(t, 500_000, d.PaidFen)
	assert.Zero(t, d.ReservedFen, "what will not be paid went back to the budget")

	c := getCase(t, li, id)
	kinds := map[string]int{}
	for _, e := range c.Timeline {
		kinds[e["kind"].(string)]++
	}
	assert.Equal(t, 1, kinds[flow.EventBudgetReserved])
	assert.Equal(t, 2, kinds[flow.EventPaymentDue])
	assert.GreaterOrEqual(t, kinds[flow.EventDeparture], 1)
	// Each period is a run of its own: the history of none grows with the schedule.
	lengths := runLengths(t, flow.WorkflowID(id))
	assert.Len(t, lengths, 3, "approval and period 1; period 2; the wait for period 3, cut short by the departure")
	for i, n := range lengths {
		assert.Less(t, n, 300, "run %d has %d events", i+1, n)
	}
	recordHistory(t, flow.WorkflowID(id), "subsidy-paid-then-departed")
}

// waitRuns waits until a workflow has continued as new into its n-th run.
func waitRuns(t *testing.T, workflowID string, n int, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); len(runLengths(t, workflowID)) < n; time.Sleep(100 * time.Millisecond) {
		require.True(t, time.Now().Before(deadline), "%s never reached run %d", workflowID, n)
	}
}

// runLengths is the number of history events of each run of a workflow, oldest run first,
// following continue-as-new back from the latest run.
func runLengths(t *testing.T, workflowID string) []int {
	t.Helper()
	var out []int
	for runID := ""; ; {
		it := shared.Temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		n, prev := 0, ""
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			if a := e.GetWorkflowExecutionStartedEventAttributes(); a != nil {
				prev = a.GetContinuedExecutionRunId()
			}
			n++
		}
		out = append([]int{n}, out...)
		if prev == "" {
			return out
		}
		runID = prev
	}
}

type errorBody struct {
	Error struct{ Code, Message, Field string } `json:"error"`
}

func download(t *testing.T, s *session, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, shared.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/csv")
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func waitForStep(t *testing.T, s *session, caseID, step string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var page taskPage
		s.must(http.StatusOK, http.MethodGet, "/api/v1/tasks?scope=claimable&limit=200", nil, &page)
		for _, it := range page.Items {
			if it["case_id"] == caseID && it["step"] == step {
				return it["id"].(string)
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s got no %s task of %s in %s", s.name, step, caseID, within)
	return ""
}

// TestAWorkerKilledBetweenBookingAndAcknowledgementBooksOnce books a period on a worker that
// dies right after the ledger committed the row and before the workflow heard back; the
// activity runs again on a fresh worker when its time-out passes. The ledger holds one row
// and one amount, and the case goes on.
func TestAWorkerKilledBetweenBookingAndAcknowledgementBooksOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const queue = "talentflow-e2e-crash"
	registry, err := processes.Registry()
	require.NoError(t, err)
	cal, err := calendar.Default()
	require.NoError(t, err)
	base := tfworker.Activities{
		Projector: &activities.Projector{DB: shared.DB, Log: shared.log, OnClosed: registry.OnClosed()},
		Clock:     &activities.Clock{Calendar: cal, Scale: 0.00002, YellowShare: 2.0 / 3, LGODelayDays: 2, Log: shared.log},
		Deliverer: &activities.Deliverer{DB: shared.DB},
	}
	real := &subacts.Activities{Ledger: ledger.Ledger{DB: shared.DB}}
	acts := func(book any) []process.Activity {
		var out []process.Activity
		for name, fn := range real.Register() {
			if name == flow.ActivityBook && book != nil {
				fn = book
			}
			out = append(out, process.Activity{Name: name, Fn: fn})
		}
		return out
	}
	var booked, crashes atomic.Int32
	dead := make(chan struct{})
	t.Cleanup(func() { close(dead) })
	dying := func(ctx context.Context, b flow.Booking) (flow.BookedPayment, error) {
		out, err := real.BookPayment(ctx, b)
		if err != nil {
			return out, err
		}
		booked.Add(1)
		crashes.Add(1)
		// The process dies here: the row is committed, no answer ever leaves. The server
		// notices when the attempt's start-to-close time-out passes and retries elsewhere.
		<-dead
		return out, nil
	}
	w1 := tfworker.New(shared.Temporal, queue, 2, base, registry, acts(dying))
	require.NoError(t, w1.Start())

	id, in := startedSubsidy(t)
	_, err = shared.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: flow.WorkflowID(id), TaskQueue: queue}, flow.WorkflowSubsidy, in)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return crashes.Load() == 1 }, 20*time.Second, 20*time.Millisecond, "the period was booked")
	go w1.Stop() // it cannot finish: its activity never returns

	w2 := tfworker.New(shared.Temporal, queue, 2, base, registry, acts(nil))
	require.NoError(t, w2.Start())
	defer w2.Stop()
	require.Eventually(t, func() bool {
		var n int64
		shared.DB.Model(&store.CaseEvent{}).Where("case_id = ? AND kind = ?", id, flow.EventPaymentDue).Count(&n)
		return n == 1
	}, 40*time.Second, 100*time.Millisecond, "the retried booking was acknowledged on the new worker")

	var rows []ledger.Payment
	require.NoError(t, shared.DB.Where("case_id = ?", id).Find(&rows).Error)
	require.Len(t, rows, 1, "one row for the period, whatever the retries")
	assert.EqualValues(t, 1_000_000, rows[0].AmountFen)
	assert.Equal(t, string(domain.PaymentDue), rows[0].State)
	assert.EqualValues(t, 1, booked.Load(), "the dying worker booked once")
	require.NoError(t, shared.Temporal.TerminateWorkflow(ctx, flow.WorkflowID(id), "", "test over"))
}

// startedSubsidy writes a subsidy approved just now (rows as the approval left them) and the
// input of its disbursement, for tests that start at the first payment.
func startedSubsidy(t *testing.T) (string, flow.Input) {
	t.Helper()
	var li store.User
	require.NoError(t, shared.DB.Where("username = ?", "applicant.li").Take(&li).Error)
	var pol ledger.Policy
	require.NoError(t, shared.DB.Where("kind = ?", "living").Order("version DESC").Take(&pol).Error)
	now := time.Now().UTC()
	id := fmt.Sprintf("case_crash_%d", now.UnixNano())
	certCase := id + "_intro"
	certNo := "YG-CRASH-" + id[len(id)-6:]
	require.NoError(t, shared.DB.Create(&store.Case{ID: certCase, Process: "introduction", State: "certified", Title: "测试", ApplicantID: li.ID,
		WorkflowID: "intro:" + certCase, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, shared.DB.Create(&store.Certificate{No: certNo, CaseID: certCase, Name: "测试人才", Category: "B", Year: 2026, Seq: 9, IssuedAt: now}).Error)
	require.NoError(t, shared.DB.Create(&store.Case{ID: id, Process: flow.Process, State: flow.StateDisbursing, Title: "测试人才 生活补贴",
		ApplicantID: li.ID, Category: "B", WorkflowID: flow.WorkflowID(id), CreatedAt: now, UpdatedAt: now}).Error)
	first := domain.PeriodOf(now.In(calendar.Zone))
	// As finance's approval left it: the commitment reserved against the policy.
	require.NoError(t, shared.DB.Model(&ledger.Policy{}).Where("id = ?", pol.ID).
		Update("reserved_fen", gorm.Expr("reserved_fen + ?", 36_000_000)).Error)
	require.NoError(t, shared.DB.Create(&ledger.Subsidy{CaseID: id, ApplicantID: li.ID, TalentUserID: li.ID, TalentName: "测试人才", Category: "B",
		CertificateNo: certNo, PolicyID: pol.ID, PolicyVersion: pol.Version, Kind: "living", AmountFen: 1_000_000, Months: 36,
		CommitmentFen: 36_000_000, ReservedFen: 36_000_000, AccountName: "测试人才", BankAccount: payeeAccount, BankName: "工商银行", StartedAt: &now, FirstPeriod: &first,
		NextPeriod: 1, CreatedAt: now, UpdatedAt: now}).Error)
	in := flow.Input{CaseID: id, Applicant: workflows.Actor{UserID: li.ID, Username: li.Username, Role: "applicant"}, TalentUsername: li.Username,
		TalentName: "测试人才", Category: "B",
		Terms: flow.Terms{PolicyID: pol.ID, Version: pol.Version, Kind: "living", Name: pol.Name, AmountFen: 1_000_000, Months: 36},
		Plan: flow.Plan{EmployerDepartment: "hrss", EmployerRole: "approver", ReviewDepartment: "hrss", FinanceDepartment: "fin", LGODepartment: "lgo",
			LimitDays: 5, ReconfirmLimitDays: 5, ReconfirmLeadDays: 10, CorrectionDays: 10, Scale: 0.00002},
		Schedule: &flow.Schedule{Start: now, FirstPeriod: first, Next: 1, ConfirmedThrough: 1}}
	return id, in
}
