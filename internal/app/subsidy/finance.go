package subsidy

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/audit"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
	flow "talentflow/workflows/subsidy"
)

// PaymentFilter selects ledger rows.
type PaymentFilter struct {
	State  domain.PaymentState `query:"state" validate:"omitempty,paymentstate"`
	CaseID string              `query:"case_id" validate:"max=40"`
	Cursor string              `query:"cursor" validate:"max=200"`
	Limit  int                 `query:"limit" validate:"min=0,max=200"`
}

// LedgerItem is a ledger row with whom it pays (masked).
type LedgerItem struct {
	Payment
	TalentName    string             `json:"talent_name"`
	PolicyID      string             `json:"policy_id"`
	PolicyVersion int                `json:"policy_version"`
	Kind          domain.SubsidyKind `json:"kind"`
	BankAccount   string             `json:"bank_account"`
}

// Payments lists the ledger (finance, the lgo, auditors), newest due first.
func (s *Service) Payments(ctx context.Context, f PaymentFilter) (app.Page[LedgerItem], error) {
	if err := app.Check(f); err != nil {
		return app.Page[LedgerItem]{}, err
	}
	q := s.DB.WithContext(ctx).Model(&ledger.Payment{})
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.CaseID != "" {
		q = q.Where("case_id = ?", f.CaseID)
	}
	limit, err := app.PageQuery(&q, f.Cursor, f.Limit, "due_at", false)
	if err != nil {
		return app.Page[LedgerItem]{}, app.Invalid("cursor", "cursor is not one this list gave")
	}
	var rows []ledger.Payment
	if err := q.Find(&rows).Error; err != nil {
		return app.Page[LedgerItem]{}, s.Unavailable(ctx, "the database", err)
	}
	subs, err := s.subsidiesOf(ctx, rows)
	if err != nil {
		return app.Page[LedgerItem]{}, err
	}
	return app.PageOf(rows, limit, func(p ledger.Payment) (time.Time, string) { return p.DueAt, p.ID }, func(p ledger.Payment) LedgerItem {
		sub := subs[p.CaseID]
		return LedgerItem{Payment: payment(p), TalentName: domain.MaskName(sub.TalentName), PolicyID: sub.PolicyID,
			PolicyVersion: sub.PolicyVersion, Kind: domain.SubsidyKind(sub.Kind), BankAccount: domain.MaskBankAccount(sub.BankAccount)}
	}), nil
}

func (s *Service) subsidiesOf(ctx context.Context, rows []ledger.Payment) (map[string]ledger.Subsidy, error) {
	ids := map[string]bool{}
	var list []string
	for _, p := range rows {
		if !ids[p.CaseID] {
			ids[p.CaseID] = true
			list = append(list, p.CaseID)
		}
	}
	out := map[string]ledger.Subsidy{}
	if len(list) == 0 {
		return out, nil
	}
	var subs []ledger.Subsidy
	if err := s.DB.WithContext(ctx).Where("case_id IN ?", list).Find(&subs).Error; err != nil {
		return nil, s.Unavailable(ctx, "the database", err)
	}
	for _, sub := range subs {
		out[sub.CaseID] = sub
	}
	return out, nil
}

// BatchLine is one line of a batch.
type BatchLine struct {
	ID          string `json:"id"`
	LineNo      int    `json:"line_no"`
	PaymentID   string `json:"payment_id"`
	CaseID      string `json:"case_id"`
	Period      string `json:"period"`
	TalentName  string `json:"talent_name"`
	BankAccount string `json:"bank_account"`
	AmountFen   int64  `json:"amount_fen"`
	NettedFen   int64  `json:"netted_fen"`
	State       string `json:"state" enum:"pending,paid,failed"`
}

// BatchDoc is a payment batch (代发批次).
type BatchDoc struct {
	ID          string      `json:"id"`
	State       string      `json:"state" enum:"built,approved,confirmed"`
	BuiltBy     string      `json:"built_by"`
	ApprovedBy  string      `json:"approved_by,omitempty"`
	ConfirmedBy string      `json:"confirmed_by,omitempty"`
	LineCount   int         `json:"line_count"`
	TotalFen    int64       `json:"total_fen"`
	CreatedAt   time.Time   `json:"created_at"`
	ApprovedAt  *time.Time  `json:"approved_at,omitempty"`
	ConfirmedAt *time.Time  `json:"confirmed_at,omitempty"`
	Lines       []BatchLine `json:"lines"`
}

func actor(p *authz.Principal, requestID string) ledger.Actor {
	return audit.Entry{Actor: p.User.Username, Role: authz.RoleFinance, Department: "fin", RequestID: requestID}
}

// BuildBatch puts every due payment not in an open batch into a new batch (经办).
func (s *Service) BuildBatch(ctx context.Context, p *authz.Principal, requestID string) (BatchDoc, error) {
	b, _, err := s.Ledger.BuildBatch(ctx, actor(p, requestID))
	switch {
	case errors.Is(err, ledger.ErrNoDuePayments):
		return BatchDoc{}, &app.Error{Kind: app.KindConflict, Code: "nothing_due", Message: "no payment is due: there is nothing to batch"}
	case err != nil:
		return BatchDoc{}, s.Unavailable(ctx, "the ledger", err)
	}
	return s.Batch(ctx, b.ID)
}

// Batches lists the batches, newest first.
func (s *Service) Batches(ctx context.Context) (app.Page[BatchDoc], error) {
	var rows []ledger.Batch
	if err := s.DB.WithContext(ctx).Order("created_at DESC, id DESC").Limit(100).Find(&rows).Error; err != nil {
		return app.Page[BatchDoc]{}, s.Unavailable(ctx, "the database", err)
	}
	page := app.Page[BatchDoc]{Items: []BatchDoc{}}
	for _, b := range rows {
		page.Items = append(page.Items, batchDoc(b))
	}
	return page, nil
}

func batchDoc(b ledger.Batch) BatchDoc {
	return BatchDoc{ID: b.ID, State: b.State, BuiltBy: b.BuiltBy, ApprovedBy: b.ApprovedBy, ConfirmedBy: b.ConfirmedBy,
		LineCount: b.LineCount, TotalFen: b.TotalFen, CreatedAt: b.CreatedAt, ApprovedAt: b.ApprovedAt, ConfirmedAt: b.ConfirmedAt,
		Lines: []BatchLine{}}
}

type fullLine struct {
	line    ledger.Line
	payment ledger.Payment
	sub     ledger.Subsidy
}

func (s *Service) lines(ctx context.Context, batchID string) (ledger.Batch, []fullLine, error) {
	var b ledger.Batch
	db := s.DB.WithContext(ctx)
	if err := db.Where("id = ?", batchID).Take(&b).Error; err != nil {
		return b, nil, app.NotFound("no payment batch %s", batchID)
	}
	var lines []ledger.Line
	if err := db.Where("batch_id = ?", batchID).Order("line_no").Find(&lines).Error; err != nil {
		return b, nil, s.Unavailable(ctx, "the database", err)
	}
	var pids []string
	for _, l := range lines {
		pids = append(pids, l.PaymentID)
	}
	var pays []ledger.Payment
	if err := db.Where("id IN ?", append(pids, "")).Find(&pays).Error; err != nil {
		return b, nil, s.Unavailable(ctx, "the database", err)
	}
	byID := map[string]ledger.Payment{}
	for _, p := range pays {
		byID[p.ID] = p
	}
	subs, err := s.subsidiesOf(ctx, pays)
	if err != nil {
		return b, nil, err
	}
	out := make([]fullLine, len(lines))
	for i, l := range lines {
		p := byID[l.PaymentID]
		out[i] = fullLine{line: l, payment: p, sub: subs[p.CaseID]}
	}
	return b, out, nil
}

// Batch is one batch with its lines (accounts masked).
func (s *Service) Batch(ctx context.Context, id string) (BatchDoc, error) {
	b, lines, err := s.lines(ctx, id)
	if err != nil {
		return BatchDoc{}, err
	}
	doc := batchDoc(b)
	for _, l := range lines {
		doc.Lines = append(doc.Lines, BatchLine{ID: l.line.ID, LineNo: l.line.LineNo, PaymentID: l.payment.ID, CaseID: l.payment.CaseID,
			Period: l.payment.Period, TalentName: domain.MaskName(l.sub.TalentName), BankAccount: domain.MaskBankAccount(l.sub.BankAccount),
			AmountFen: l.line.AmountFen, NettedFen: l.line.NettedFen, State: l.line.State})
	}
	return doc, nil
}

// ApproveBatch is the second finance officer's review (复核); the builder gets 403.
func (s *Service) ApproveBatch(ctx context.Context, p *authz.Principal, id, requestID string) (BatchDoc, error) {
	_, err := s.Ledger.ApproveBatch(ctx, id, actor(p, requestID))
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return BatchDoc{}, app.NotFound("no payment batch %s", id)
	case errors.Is(err, ledger.ErrFourEyes):
		return BatchDoc{}, &app.Error{Kind: app.KindForbidden, Code: "four_eyes", Message: "you built batch " + id + ": a second finance officer approves it (经办/复核分离)"}
	case errors.Is(err, ledger.ErrBatchState):
		return BatchDoc{}, app.Conflict("%s", err.Error())
	case err != nil:
		return BatchDoc{}, s.Unavailable(ctx, "the ledger", err)
	}
	return s.Batch(ctx, id)
}

// BankFile is an approved batch as the bank's batch-payment template (批量代发) wants it: CSV in
// UTF-8 with a BOM so that Excel opens it, a header, one row per line with the amount in yuan
// with exactly two decimals and the payment's business key as the remark, and a control row
// with the line count and total that must match the rows above it. The payee account appears
// in full here and nowhere else, and each download is audited before it is handed out.
func (s *Service) BankFile(ctx context.Context, p *authz.Principal, id string) ([]byte, string, error) {
	b, lines, err := s.lines(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if b.State == ledger.BatchBuilt {
		return nil, "", &app.Error{Kind: app.KindConflict, Code: "not_approved", Message: "batch " + id + " is not approved yet: a second finance officer reviews it first"}
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	payer := s.Plan.Payer
	_ = w.Write([]string{"序号", "付款账号", "付款户名", "付款行", "收款账号", "收款户名", "收款行", "金额（元）", "用途", "备注"})
	var total int64
	for _, l := range lines {
		total += l.line.AmountFen
		_ = w.Write([]string{fmt.Sprint(l.line.LineNo), payer.Account, payer.Name, payer.Bank, l.sub.BankAccount, l.sub.AccountName,
			l.sub.BankName, domain.FormatYuan(l.line.AmountFen), purpose(l), BusinessKey(l.payment)})
	}
	_ = w.Write([]string{"合计", "", "", "", "", "", "", domain.FormatYuan(total), fmt.Sprintf("笔数 %d", len(lines)), "批次 " + b.ID})
	w.Flush()
	if total != b.TotalFen || len(lines) != b.LineCount {
		return nil, "", s.Unavailable(ctx, "the ledger", fmt.Errorf("batch %s: lines sum to %d fen in %d lines, the batch says %d in %d", b.ID, total, len(lines), b.TotalFen, b.LineCount))
	}
	if err := w.Error(); err != nil {
		return nil, "", err
	}
	if err := s.AuditReveal(ctx, p, authz.Acting{Role: authz.RoleFinance, Department: "fin"}, "payment-batch/"+b.ID,
		fmt.Sprintf("bank_account of %d payees (bank file)", len(lines))); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), fmt.Sprintf("talentflow-%s.csv", b.ID), nil
}

func purpose(l fullLine) string {
	label := domain.SubsidyKind(l.sub.Kind).Label()
	if l.line.NettedFen > 0 {
		return fmt.Sprintf("%s %s（已抵扣追回 %s 元）", label, l.payment.Period, domain.FormatYuan(l.line.NettedFen))
	}
	return label + " " + l.payment.Period
}

// BusinessKey is a payment's unique key in the ledger and the bank file: subsidy and period.
func BusinessKey(p ledger.Payment) string { return fmt.Sprintf("%s/%02d", p.CaseID, p.Seq) }

// Confirmation is the bank's result on a batch: the lines that failed.
type Confirmation struct {
	Failed []string `json:"failed" validate:"max=10000,dive,max=40"`
}

// ConfirmBatch records the bank's result: every line not named failed is paid; a failed
// payment is due again. The cases whose ledger changed are told, and a recovery item netted
// against a paid line closes its recovery task.
func (s *Service) ConfirmBatch(ctx context.Context, p *authz.Principal, id string, in Confirmation, requestID string) (BatchDoc, error) {
	if err := app.Check(in); err != nil {
		return BatchDoc{}, err
	}
	res, err := s.Ledger.ConfirmBatch(ctx, id, actor(p, requestID), in.Failed)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		return BatchDoc{}, app.NotFound("no payment batch %s", id)
	case errors.Is(err, ledger.ErrUnknownLine):
		return BatchDoc{}, app.Invalid("failed", "%s", err.Error())
	case errors.Is(err, ledger.ErrBatchState):
		return BatchDoc{}, app.Conflict("%s", err.Error())
	case err != nil:
		return BatchDoc{}, s.Unavailable(ctx, "the ledger", err)
	}
	for caseID := range res.Recovered {
		s.closeRecoveryTask(ctx, caseID)
	}
	for _, caseID := range res.Cases {
		if err := s.Engine.Signal(ctx, flow.WorkflowID(caseID), flow.SignalLedger, nil); err != nil {
			// The case looks at its ledger again within a week in any case.
			s.Log.WarnContext(ctx, "could not tell a subsidy its ledger changed", "case", caseID, "err", err)
		}
	}
	return s.Batch(ctx, id)
}

// closeRecoveryTask decides the open recovery task of a case whose recovery items were netted.
func (s *Service) closeRecoveryTask(ctx context.Context, caseID string) {
	out, err := s.Ledger.Outstanding(ctx, caseID)
	if err != nil || out.Recoveries > 0 {
		return
	}
	var t store.Task
	if err := s.DB.WithContext(ctx).Where("case_id = ? AND step = ? AND state = ?", caseID, flow.StepRecovery, workflows.TaskOpen).
		Take(&t).Error; err != nil {
		return
	}
	d := workflows.Decision{TaskID: t.ID, Outcome: domain.OutcomeApprove, Comment: "已在后续补贴发放中抵扣",
		Actor: workflows.Actor{Username: "system", Name: "系统", Role: t.Role, Department: t.Department}}
	if err := s.Engine.Update(ctx, flow.WorkflowID(caseID), workflows.UpdateDecide, d, nil); err != nil {
		s.Log.WarnContext(ctx, "could not close a netted recovery task", "case", caseID, "err", err)
	}
}

// Recoveries lists recovery items and held periods for the lgo and finance.
type Recoveries struct {
	Recoveries []Recovery   `json:"recoveries"`
	Held       []LedgerItem `json:"held"`
}

// RecoveryItems lists the open recovery items (and the recovered, with all) and held periods.
func (s *Service) RecoveryItems(ctx context.Context) (Recoveries, error) {
	out := Recoveries{Recoveries: []Recovery{}, Held: []LedgerItem{}}
	var recs []ledger.Recovery
	if err := s.DB.WithContext(ctx).Order("created_at DESC").Limit(500).Find(&recs).Error; err != nil {
		return out, s.Unavailable(ctx, "the database", err)
	}
	var subs []ledger.Subsidy
	names := map[string]string{}
	if err := s.DB.WithContext(ctx).Select("case_id", "talent_name").Find(&subs).Error; err != nil {
		return out, s.Unavailable(ctx, "the database", err)
	}
	for _, sub := range subs {
		names[sub.CaseID] = sub.TalentName
	}
	for _, r := range recs {
		out.Recoveries = append(out.Recoveries, recovery(r, names[r.CaseID]))
	}
	held, err := s.Payments(ctx, PaymentFilter{State: domain.PaymentHeld, Limit: 200})
	if err != nil {
		return out, err
	}
	out.Held = held.Items
	return out, nil
}

// BudgetRow is one policy's budget for its year.
type BudgetRow struct {
	PolicyID     string             `json:"policy_id"`
	Name         string             `json:"name"`
	Kind         domain.SubsidyKind `json:"kind"`
	Version      int                `json:"version"`
	Year         int                `json:"year"`
	BudgetFen    int64              `json:"budget_fen"`
	ReservedFen  int64              `json:"reserved_fen"`
	PaidFen      int64              `json:"paid_fen"`
	RemainingFen int64              `json:"remaining_fen"`
}

// BudgetQuery selects the budget table's year.
type BudgetQuery struct {
	Year int `query:"year" validate:"omitempty,min=2000,max=2100"`
}

// Budgets is the budget table: per policy and year, budget, reserved, paid, remaining.
func (s *Service) Budgets(ctx context.Context, q BudgetQuery) (app.Page[BudgetRow], error) {
	if err := app.Check(q); err != nil {
		return app.Page[BudgetRow]{}, err
	}
	db := s.DB.WithContext(ctx).Order("year DESC, kind, version DESC")
	if q.Year != 0 {
		db = db.Where("year = ?", q.Year)
	}
	var rows []ledger.Policy
	if err := db.Find(&rows).Error; err != nil {
		return app.Page[BudgetRow]{}, s.Unavailable(ctx, "the database", err)
	}
	page := app.Page[BudgetRow]{Items: []BudgetRow{}}
	for _, p := range rows {
		page.Items = append(page.Items, BudgetRow{PolicyID: p.ID, Name: p.Name, Kind: domain.SubsidyKind(p.Kind), Version: p.Version, Year: p.Year,
			BudgetFen: p.BudgetFen, ReservedFen: p.ReservedFen, PaidFen: p.PaidFen, RemainingFen: p.RemainingFen()})
	}
	return page, nil
}

// ForecastQuery is how many months ahead.
type ForecastQuery struct {
	Months int `query:"months" validate:"omitempty,min=1,max=60"`
}

// ForecastMonth is what falls due in one month.
type ForecastMonth struct {
	Month     string `json:"month"`
	AmountFen int64  `json:"amount_fen"`
}

// Forecast is the coming months' outflow.
type Forecast struct {
	Months   []ForecastMonth `json:"months"`
	TotalFen int64           `json:"total_fen"`
}

// Forecast is the next months' outflow from the active schedules — what finance must hold in
// cash: every period of a running subsidy not yet booked, plus what is booked and unpaid, by
// the month it falls due (this month first; anything overdue counts in this month).
func (s *Service) Forecast(ctx context.Context, q ForecastQuery) (Forecast, error) {
	if err := app.Check(q); err != nil {
		return Forecast{}, err
	}
	if q.Months == 0 {
		q.Months = 12
	}
	from := domain.PeriodOf(s.Time().In(domain.ChinaTime))
	sums, err := s.Ledger.Forecast(ctx, from, q.Months)
	if err != nil {
		return Forecast{}, s.Unavailable(ctx, "the database", err)
	}
	out := Forecast{Months: make([]ForecastMonth, q.Months)}
	for i := range out.Months {
		m := domain.AddPeriods(from, i)
		out.Months[i] = ForecastMonth{Month: m, AmountFen: sums[m]}
		out.TotalFen += sums[m]
	}
	return out, nil
}

// TalentLedger is every payment of one talent.
type TalentLedger struct {
	CertificateNo string       `json:"certificate_no"`
	TalentName    string       `json:"talent_name"`
	Payments      []LedgerItem `json:"payments"`
	PaidFen       int64        `json:"paid_fen"`
}

// TalentPayments is the per-talent report: every payment with period, state, batch and policy
// version.
func (s *Service) TalentPayments(ctx context.Context, certificateNo string) (TalentLedger, error) {
	out := TalentLedger{CertificateNo: certificateNo, Payments: []LedgerItem{}}
	var subs []ledger.Subsidy
	if err := s.DB.WithContext(ctx).Where("certificate_no = ?", certificateNo).Find(&subs).Error; err != nil {
		return out, s.Unavailable(ctx, "the database", err)
	}
	if len(subs) == 0 {
		return out, app.NotFound("no subsidy for certificate %s", certificateNo)
	}
	out.TalentName = domain.MaskName(subs[0].TalentName)
	for _, sub := range subs {
		page, err := s.Payments(ctx, PaymentFilter{CaseID: sub.CaseID, Limit: 200})
		if err != nil {
			return out, err
		}
		out.Payments = append(out.Payments, page.Items...)
		out.PaidFen += sub.PaidFen
	}
	sort.SliceStable(out.Payments, func(i, j int) bool { return out.Payments[i].DueAt.Before(out.Payments[j].DueAt) })
	return out, nil
}
