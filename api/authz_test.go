package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"talentflow/api"
	"talentflow/internal/app/cases"
	"talentflow/internal/app/tasks"
	"talentflow/internal/app/users"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	rowsl "talentflow/internal/store/liaison"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
	flow "talentflow/workflows/introduction"
	lflow "talentflow/workflows/liaison"
	subflow "talentflow/workflows/subsidy"
)

// fixtures are read-model objects the route walk acts on: a case of applicant.li under review
// with an open hrss task (claimed by hrss.approver) and a done window task, a case in public
// notice, a returned case, a draft, a notification of li's, a file li uploaded.
type fixtures struct {
	caseID, noticeCase, returnedCase, draftID, draftToSubmit, hrssTask, notification, sha string
	// A subsidy of li's being paid, with one due payment; a batch built by someone else and
	// one approved; the policies li's category B may apply for.
	subsidy, builtBatch, approvedBatch string
	policies                           []string
	// li's pairing with leader.wang and specialist.zhao, one of its demands (routed to edu and
	// waiting for li's rating), a certificate without a pairing, a calendar token.
	pairing, demand, unpairedCert, calendarToken string
}

func (ts *testServer) fixtures() fixtures {
	t := ts.t
	now := time.Now().UTC()
	li := ts.ids["applicant.li"]
	f := fixtures{caseID: "case_walk", noticeCase: "case_notice", returnedCase: "case_returned", hrssTask: "case_walk-t2"}
	for _, c := range []struct{ id, state string }{{f.caseID, flow.IntroInReview}, {f.noticeCase, flow.IntroNotice}, {f.returnedCase, workflows.StateReturned}} {
		require.NoError(t, ts.db.Create(&store.Case{ID: c.id, Process: flow.Process, State: c.state,
			Title: "李明 人才引进认定", ApplicantID: li, Category: "B", WorkflowID: "intro:" + c.id, CreatedAt: now, UpdatedAt: now}).Error)
		require.NoError(t, ts.db.Create(&storeintro.Profile{CaseID: c.id, ApplicantID: li, Name: "李明",
			IDNumber: domain.MakeCitizenID("371521", "19880101", fmt.Sprintf("%03d", len(c.id))), Phone: "13905351234",
			Education: "doctorate", Title: "senior", Field: "新材料", EmployerCreditCode: "91350100M000100Y43", Category: "B",
			CreatedAt: now, UpdatedAt: now}).Error)
	}
	tasks := []store.Task{
		{ID: "case_walk-t1", CaseID: f.caseID, Process: "introduction", Step: "window", StepName: "窗口受理", Attempt: 1, Mode: "single",
			Department: "gsc", Role: "clerk", Assignee: "clerk.window", State: workflows.TaskDone, OpenedAt: now, UpdatedAt: now},
		{ID: f.hrssTask, CaseID: f.caseID, Process: "introduction", Step: "review", StepName: "部门会签", Attempt: 1, Mode: "countersign",
			Department: "hrss", Role: "approver", Assignee: "hrss.approver", State: workflows.TaskOpen, OpenedAt: now, UpdatedAt: now},
	}
	require.NoError(t, ts.db.Create(&tasks).Error)
	require.NoError(t, ts.db.Create(&store.Certificate{No: "YG-2026-B-0001", CaseID: f.caseID, Name: "李明", Category: "B", Year: 2026, Seq: 1, IssuedAt: now}).Error)
	f.notification = "walk-note"
	require.NoError(t, ts.db.Create(&store.Notification{ID: f.notification, UserID: li, Kind: "info", CaseID: f.caseID,
		Title: "测试", DedupeKey: f.notification, CreatedAt: now}).Error)

	ts.subsidyFixtures(&f, now)
	ts.liaisonFixtures(&f, now)

	var draft struct{ ID string }
	require.Equal(t, http.StatusCreated, ts.do("applicant.li", http.MethodPost, "/api/v1/introductions", jsonBody(validProfile("B")), &draft))
	f.draftID = draft.ID
	require.Equal(t, http.StatusCreated, ts.do("applicant.li", http.MethodPost, "/api/v1/introductions", jsonBody(validProfile("B")), &draft))
	f.draftToSubmit = draft.ID
	var att struct{ SHA256 string }
	require.Equal(t, http.StatusCreated, ts.do("applicant.li", http.MethodPost, "/api/v1/attachments", pdfUpload("degree.pdf"), &att))
	f.sha = att.SHA256
	require.NoError(t, ts.db.Create(&store.CaseAttachment{CaseID: f.caseID, SHA256: f.sha, AddedBy: li, AddedAt: now}).Error)
	return f
}

func (ts *testServer) subsidyFixtures(f *fixtures, now time.Time) {
	t := ts.t
	li := ts.ids["applicant.li"]
	require.NoError(t, ts.db.Create(&store.Talent{ID: "tal_walk", UserID: li, CaseID: f.caseID, Name: "李明", IDNumber: "x",
		Category: "B", CertificateNo: "YG-2026-B-0001", Status: "active", SubsidyEligible: true, CertifiedAt: now}).Error)
	var policies []ledger.Policy
	require.NoError(t, ts.db.Order("kind").Find(&policies).Error)
	for _, p := range policies {
		if p.AmountFor("B") > 0 {
			f.policies = append(f.policies, p.ID)
		}
	}
	require.GreaterOrEqual(t, len(f.policies), 3, "the default policies B may apply for")
	f.subsidy = "case_sub"
	first := "2026-01"
	require.NoError(t, ts.db.Create(&store.Case{ID: f.subsidy, Process: subflow.Process, State: subflow.StateDisbursing,
		Title: "李明 生活补贴", ApplicantID: li, Category: "B", WorkflowID: subflow.WorkflowID(f.subsidy), CreatedAt: now, UpdatedAt: now}).Error)
	var living ledger.Policy
	require.NoError(t, ts.db.Where("kind = ?", "living").Take(&living).Error)
	require.NoError(t, ts.db.Create(&ledger.Subsidy{CaseID: f.subsidy, ApplicantID: li, TalentUserID: li, TalentName: "李明", Category: "B",
		CertificateNo: "YG-2026-B-0001", EmployerCreditCode: "91350100M000100Y43", PolicyID: living.ID, PolicyVersion: 1, Kind: "living",
		AmountFen: 1000000, Months: 36, CommitmentFen: 36000000, ReservedFen: 35000000, PaidFen: 1000000, AccountName: "李明", BankAccount: "6222020200112233446", BankName: "工商银行",
		StartedAt: &now, FirstPeriod: &first, NextPeriod: 4, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, ts.db.Model(&living).Updates(map[string]any{"reserved_fen": 35000000, "paid_fen": 1000000}).Error)
	for i, state := range []string{"paid", "in_batch", "due"} {
		require.NoError(t, ts.db.Create(&ledger.Payment{ID: fmt.Sprintf("pay_walk%d", i+1), CaseID: f.subsidy, Seq: i + 1,
			Period: domain.AddPeriods(first, i), DueAt: now, AmountFen: 1000000, State: state, CreatedAt: now, UpdatedAt: now}).Error)
	}
	f.builtBatch, f.approvedBatch = "bat_built", "bat_approved"
	require.NoError(t, ts.db.Create(&ledger.Batch{ID: f.builtBatch, State: ledger.BatchBuilt, BuiltBy: "someone.else", CreatedAt: now}).Error)
	require.NoError(t, ts.db.Create(&ledger.Batch{ID: f.approvedBatch, State: ledger.BatchApproved, BuiltBy: "someone.else",
		ApprovedBy: "fin.reviewer", LineCount: 1, TotalFen: 1000000, CreatedAt: now, ApprovedAt: &now}).Error)
	batch := f.approvedBatch
	require.NoError(t, ts.db.Model(&ledger.Payment{}).Where("id = ?", "pay_walk2").Update("batch_id", batch).Error)
	require.NoError(t, ts.db.Create(&ledger.Line{ID: "lin_walk", BatchID: batch, LineNo: 1, PaymentID: "pay_walk2", AmountFen: 1000000,
		State: ledger.LinePending}).Error)
}

func (ts *testServer) liaisonFixtures(f *fixtures, now time.Time) {
	t := ts.t
	li := ts.ids["applicant.li"]
	f.pairing, f.demand, f.unpairedCert, f.calendarToken = "case_pairing", "case_demand", "YG-2026-C-0001", "walk-calendar-token"
	require.NoError(t, ts.db.Transaction(func(tx *gorm.DB) error {
		return rowsl.Create(tx, store.Case{ID: f.pairing, Process: lflow.Process, State: lflow.StateActive, Title: "李明（B类）联系服务",
			ApplicantID: li, Category: "B", WorkflowID: lflow.WorkflowID(f.pairing), CreatedAt: now, UpdatedAt: now},
			rowsl.Pairing{CaseID: f.pairing, TalentUserID: li, TalentUsername: "applicant.li", TalentName: "李明", Category: "B",
				CertificateNo: "YG-2026-B-0001", Leader: leader, Specialist: spec, PerYear: 2, State: rowsl.PairingActive, CreatedBy: lgo,
				StartedAt: now, UpdatedAt: now})
	}))
	require.NoError(t, ts.db.Create(&rowsl.Contact{ID: "ctc_walk", PairingID: f.pairing, Date: "2026-03-01", Form: "visit", Notes: "走访",
		Leader: leader, LoggedBy: leader, Role: "leader", CreatedAt: now}).Error)
	require.NoError(t, ts.db.Create(&store.Case{ID: f.demand, Process: lflow.ProcessDemand, State: lflow.StateRating, Title: "李明 诉求：子女入学",
		ApplicantID: li, WorkflowID: lflow.DemandWorkflowID(f.demand), CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, ts.db.Create(&rowsl.Demand{CaseID: f.demand, PairingID: f.pairing, ContactID: "ctc_walk", TalentUserID: li,
		Leader: leader, Specialist: spec, Type: "school", Detail: "子女入学", Department: "edu", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, ts.db.Create(&store.Certificate{No: f.unpairedCert, CaseID: f.noticeCase, Name: "王芳", Category: "C", Year: 2026, Seq: 1, IssuedAt: now}).Error)
	require.NoError(t, ts.db.Create(&store.Talent{ID: "tal_walk2", UserID: ts.ids[hr], CaseID: f.noticeCase, Name: "王芳", IDNumber: "x",
		Category: "C", CertificateNo: f.unpairedCert, Status: "active", CertifiedAt: now}).Error)
	sum := sha256.Sum256([]byte(f.calendarToken))
	require.NoError(t, ts.db.Create(&rowsl.CalendarFeed{UserID: ts.ids["fin.reviewer"], TokenHash: hex.EncodeToString(sum[:]), CreatedAt: now}).Error)
}

var profileSeq atomic.Int64

func validProfile(category string) map[string]any {
	return map[string]any{"name": "王芳", "id_number": domain.MakeCitizenID("371521", "19900215", fmt.Sprintf("%03d", 500+profileSeq.Add(1))),
		"phone": "13905350000", "education": "master", "title": "intermediate", "field": "生物医药",
		"employer_credit_code": "91350100M000100Y43", "category": category}
}

// expectation says, for one route, which demo users succeed (2xx) and which are told the object
// does not exist (404); every other logged-in user gets 403 and the anonymous caller 401.
type expectation struct {
	path     string
	body     func() *body
	ok       []string
	notFound []string
	public   bool
	// engine is what an allowed call asks of the workflow engine ("start" or an update name),
	// in order; a refused call must ask nothing.
	engine []string
	// logsOut: the call ends the caller's session; the walk logs them in again.
	logsOut bool
}

const (
	li, hr, clerk, hrss, head, sci, iit, edu, fin, lgo, leader, spec, auditor, admin = "applicant.li", "employer.hr",
		"clerk.window", "hrss.approver", "hrss.head", "sci.approver", "iit.approver", "edu.approver", "fin.officer",
		"lgo.staff", "leader.wang", "specialist.zhao", "auditor", "admin"
)

var everyone = []string{li, hr, clerk, hrss, head, sci, iit, edu, fin, lgo, leader, spec, auditor, admin}

// routeTable is who may call what. A route missing here fails the test: adding a route means
// deciding, in this table, who may use it.
func routeTable(f fixtures) map[string]expectation {
	var n atomic.Int64
	unique := func(prefix string) string { return fmt.Sprintf("%s%d", prefix, n.Add(1)) }
	js := func(v any) func() *body { return func() *body { return jsonBody(v) } }
	reason := js(map[string]string{"reason": "测试"})
	caseReaders := []string{li, clerk, hrss, head, lgo, auditor}
	return map[string]expectation{
		"GET /healthz":          {path: "/healthz", public: true},
		"GET /readyz":           {path: "/readyz", public: true},
		"GET /metrics":          {path: "/metrics", public: true},
		"GET /api/openapi.json": {path: "/api/openapi.json", public: true},
		"POST /api/v1/auth/login": {path: "/api/v1/auth/login", public: true,
			body: js(map[string]string{"username": clerk, "password": demoPassword})},

		"GET /api/v1/me":           {path: "/api/v1/me", ok: everyone},
		"POST /api/v1/auth/logout": {path: "/api/v1/auth/logout", ok: everyone, body: js(map[string]string{}), logsOut: true},
		"GET /api/v1/vocabularies": {path: "/api/v1/vocabularies", ok: everyone},
		"GET /api/v1/departments":  {path: "/api/v1/departments", ok: everyone},
		"POST /api/v1/departments": {path: "/api/v1/departments", ok: []string{admin},
			body: func() *body { return jsonBody(map[string]string{"code": unique("dept"), "name": "新单位"}) }},
		"GET /api/v1/users": {path: "/api/v1/users", ok: []string{head, lgo, auditor, admin}},
		"POST /api/v1/users": {path: "/api/v1/users", ok: []string{admin}, body: func() *body {
			return jsonBody(map[string]string{"username": unique("new.user"), "name": "新用户", "password": "Strong-Pass-1", "kind": "staff"})
		}},
		"POST /api/v1/users/:id/roles": {path: "/api/v1/users/{edu}/roles", ok: []string{admin},
			body: js(map[string]string{"role": "approver", "department": "health"})},
		"DELETE /api/v1/users/:id/roles/:role/:department": {path: "/api/v1/users/{edu}/roles/approver/edu", ok: []string{admin}},
		"POST /api/v1/users/:id/unlock":                    {path: "/api/v1/users/{edu}/unlock", ok: []string{admin}, body: js(map[string]string{})},
		"POST /api/v1/me/password": {path: "/api/v1/me/password", ok: everyone,
			body: js(map[string]string{"current_password": demoPassword, "new_password": "Another-Pass-1"})},

		"POST /api/v1/introductions": {path: "/api/v1/introductions", ok: []string{li, hr},
			body: func() *body { return jsonBody(validProfile("C")) }},
		"PUT /api/v1/introductions/:id": {path: "/api/v1/introductions/" + f.draftID, ok: []string{li}, notFound: []string{hr},
			body: func() *body { return jsonBody(validProfile("B")) }},
		"POST /api/v1/introductions/:id/submit":   {path: "/api/v1/introductions/" + f.draftToSubmit + "/submit", ok: []string{li}, notFound: []string{hr}, engine: []string{"start", workflows.UpdateSettled}},
		"POST /api/v1/introductions/:id/resubmit": {path: "/api/v1/introductions/" + f.returnedCase + "/resubmit", ok: []string{li}, notFound: []string{hr}, body: reason, engine: []string{workflows.UpdateResubmit}},

		"GET /api/v1/cases":                   {path: "/api/v1/cases", ok: everyone},
		"GET /api/v1/cases/:id":               {path: "/api/v1/cases/" + f.caseID, ok: caseReaders, notFound: []string{hr}},
		"POST /api/v1/cases/:id/withdraw":     {path: "/api/v1/cases/" + f.caseID + "/withdraw", ok: []string{li}, notFound: []string{hr}, body: reason, engine: []string{workflows.UpdateWithdraw}},
		"POST /api/v1/cases/:id/objections":   {path: "/api/v1/cases/" + f.noticeCase + "/objections", ok: []string{clerk, hrss, head, sci, iit, edu, lgo, leader, spec}, body: reason, engine: []string{flow.UpdateObject}},
		"POST /api/v1/cases/:id/attachments":  {path: "/api/v1/cases/" + f.caseID + "/attachments", ok: []string{li, clerk, hrss, head, lgo}, notFound: []string{hr}, body: js(map[string]string{"sha256": f.sha})},
		"GET /api/v1/cases/:id/certificate":   {path: "/api/v1/cases/" + f.caseID + "/certificate", ok: caseReaders, notFound: []string{hr}},
		"GET /api/v1/tasks":                   {path: "/api/v1/tasks?scope=department", ok: []string{hr, clerk, hrss, head, sci, iit, edu, fin, lgo, auditor}},
		"POST /api/v1/tasks/:id/claim":        {path: "/api/v1/tasks/" + f.hrssTask + "/claim", ok: []string{hrss, head}, engine: []string{workflows.UpdateClaim}},
		"POST /api/v1/tasks/:id/unclaim":      {path: "/api/v1/tasks/" + f.hrssTask + "/unclaim", ok: []string{hrss, head, lgo}, engine: []string{workflows.UpdateUnclaim}},
		"POST /api/v1/tasks/:id/decision":     {path: "/api/v1/tasks/" + f.hrssTask + "/decision", ok: []string{hrss, head}, body: js(map[string]string{"outcome": "approve"}), engine: []string{workflows.UpdateDecide}},
		"POST /api/v1/tasks/:id/delegate":     {path: "/api/v1/tasks/" + f.hrssTask + "/delegate", ok: []string{hrss, head, lgo}, body: js(map[string]string{"to": head}), engine: []string{workflows.UpdateDelegate}},
		"POST /api/v1/tasks/:id/urge":         {path: "/api/v1/tasks/" + f.hrssTask + "/urge", ok: []string{head, lgo}, body: js(map[string]string{"comment": "请尽快"}), engine: []string{workflows.UpdateUrge}},
		"POST /api/v1/tasks/:id/signers":      {path: "/api/v1/tasks/" + f.hrssTask + "/signers", ok: []string{head, lgo}, body: js(map[string]string{"department": "edu"}), engine: []string{workflows.UpdateAddSigner}},
		"GET /api/v1/tasks/:id/comments":      {path: "/api/v1/tasks/" + f.hrssTask + "/comments", ok: []string{hrss, head, lgo, auditor}},
		"POST /api/v1/tasks/:id/comments":     {path: "/api/v1/tasks/" + f.hrssTask + "/comments", ok: []string{hrss, head, lgo}, body: js(map[string]string{"body": "已核对"})},
		"GET /api/v1/notifications":           {path: "/api/v1/notifications", ok: everyone},
		"POST /api/v1/notifications/:id/read": {path: "/api/v1/notifications/" + f.notification + "/read", ok: []string{li}, notFound: others(li)},
		"POST /api/v1/notifications/read-all": {path: "/api/v1/notifications/read-all", ok: everyone},
		"POST /api/v1/attachments":            {path: "/api/v1/attachments", ok: []string{li, hr, clerk, hrss, head, sci, iit, edu, lgo}, body: func() *body { return pdfUpload(unique("file") + ".pdf") }},
		"GET /api/v1/attachments/:sha256":     {path: "/api/v1/attachments/" + f.sha, ok: caseReaders},
		"GET /api/v1/audit":                   {path: "/api/v1/audit", ok: []string{lgo, auditor}},
		"GET /api/v1/audit/verify":            {path: "/api/v1/audit/verify", ok: []string{lgo, auditor}},

		// Workflow payloads in the clear are for the operator alone.
		"POST /api/v1/temporal-codec/decode":  {path: "/api/v1/temporal-codec/decode", ok: []string{admin}, body: js(map[string]any{"payloads": []any{}})},
		"POST /api/v1/temporal-codec/session": {path: "/api/v1/temporal-codec/session", ok: []string{admin}, body: js(map[string]any{})},

		"GET /api/v1/subsidy-policies": {path: "/api/v1/subsidy-policies", ok: everyone},
		"POST /api/v1/subsidy-policies": {path: "/api/v1/subsidy-policies", ok: []string{lgo, admin}, body: js(map[string]any{
			"kind": "rent", "name": "人才租房补贴（调整）", "year": 2026, "categories": []string{"D"}, "amount_fen": map[string]int{"D": 150000},
			"months": 24, "budget_fen": 1000000})},
		"POST /api/v1/subsidies": {path: "/api/v1/subsidies", ok: []string{li, hr}, engine: []string{"start", workflows.UpdateSettled},
			body: func() *body {
				// Each allowed caller applies under another kind: one open application per kind.
				i := int(n.Add(1)) % len(f.policies)
				return jsonBody(map[string]string{"certificate_no": "YG-2026-B-0001", "policy_id": f.policies[i],
					"account_name": "李明", "bank_account": "6222020200112233446", "bank_name": "工商银行阳谷支行"})
			}},
		"GET /api/v1/me/subsidies":                  {path: "/api/v1/me/subsidies", ok: everyone},
		"GET /api/v1/subsidies/:id":                 {path: "/api/v1/subsidies/" + f.subsidy, ok: []string{li, hr, fin, lgo, auditor}},
		"POST /api/v1/subsidies/:id/departure":      {path: "/api/v1/subsidies/" + f.subsidy + "/departure", ok: []string{hr, hrss}, body: js(map[string]string{"left_on": "2026-02-28", "reason": "离职"}), engine: []string{subflow.UpdateDepart}},
		"GET /api/v1/payments":                      {path: "/api/v1/payments?state=due", ok: []string{fin, lgo, auditor}},
		"GET /api/v1/payment-batches":               {path: "/api/v1/payment-batches", ok: []string{fin, lgo, auditor}},
		"POST /api/v1/payment-batches":              {path: "/api/v1/payment-batches", ok: []string{fin}, body: js(map[string]string{})},
		"GET /api/v1/payment-batches/:id":           {path: "/api/v1/payment-batches/" + f.builtBatch, ok: []string{fin, lgo, auditor}},
		"POST /api/v1/payment-batches/:id/approve":  {path: "/api/v1/payment-batches/" + f.builtBatch + "/approve", ok: []string{fin}, body: js(map[string]string{})},
		"GET /api/v1/payment-batches/:id/bank.csv":  {path: "/api/v1/payment-batches/" + f.approvedBatch + "/bank.csv", ok: []string{fin}},
		"POST /api/v1/payment-batches/:id/confirm":  {path: "/api/v1/payment-batches/" + f.approvedBatch + "/confirm", ok: []string{fin}, body: js(map[string]any{"failed": []string{}})},
		"GET /api/v1/subsidy-recoveries":            {path: "/api/v1/subsidy-recoveries", ok: []string{fin, lgo, auditor}},
		"GET /api/v1/subsidy-budgets":               {path: "/api/v1/subsidy-budgets", ok: []string{fin, lgo, auditor}},
		"GET /api/v1/subsidy-forecast":              {path: "/api/v1/subsidy-forecast?months=12", ok: []string{fin, lgo, auditor}},
		"GET /api/v1/talents/:certificate/payments": {path: "/api/v1/talents/YG-2026-B-0001/payments", ok: []string{fin, lgo, auditor}},

		"POST /api/v1/pairings": {path: "/api/v1/pairings", ok: []string{lgo}, engine: []string{"start", workflows.UpdateSettled},
			body: js(map[string]string{"certificate_no": f.unpairedCert, "leader": leader, "specialist": spec})},
		"GET /api/v1/pairings":     {path: "/api/v1/pairings", ok: []string{lgo, leader, spec, auditor}},
		"GET /api/v1/pairings/:id": {path: "/api/v1/pairings/" + f.pairing, ok: []string{lgo, leader, spec, auditor}},
		"POST /api/v1/pairings/:id/reassign": {path: "/api/v1/pairings/" + f.pairing + "/reassign", ok: []string{lgo},
			body: js(map[string]string{"leader": leader, "reason": "换届调整"}), engine: []string{lflow.UpdateReassign}},
		"POST /api/v1/pairings/:id/end": {path: "/api/v1/pairings/" + f.pairing + "/end", ok: []string{lgo}, body: reason, engine: []string{lflow.UpdateEnd}},
		"POST /api/v1/pairings/:id/contacts": {path: "/api/v1/pairings/" + f.pairing + "/contacts", ok: []string{leader, spec},
			body: js(map[string]any{"date": "2026-03-02", "form": "call", "notes": "电话了解科研进展"}), engine: []string{lflow.UpdateContact}},
		"GET /api/v1/demands":     {path: "/api/v1/demands", ok: everyone},
		"GET /api/v1/demands/:id": {path: "/api/v1/demands/" + f.demand, ok: []string{li, edu, lgo, leader, spec, auditor}, notFound: []string{hr}},
		"POST /api/v1/demands/:id/rating": {path: "/api/v1/demands/" + f.demand + "/rating", ok: []string{li, spec}, notFound: []string{hr},
			body: js(map[string]any{"score": 5, "comment": "满意"}), engine: []string{lflow.UpdateRate}},
		"GET /api/v1/liaison/compliance": {path: "/api/v1/liaison/compliance?year=2026", ok: []string{lgo, leader, auditor}},
		"POST /api/v1/me/calendar":       {path: "/api/v1/me/calendar", ok: everyone, body: js(map[string]string{})},
		"GET /calendar/:file":            {path: "/calendar/" + f.calendarToken + ".ics", public: true},
		"GET /api/v1/dashboard":          {path: "/api/v1/dashboard?from=2026-01-01&to=2026-12-31", ok: []string{lgo, leader, auditor}},
		"GET /api/v1/reports/quarterly":  {path: "/api/v1/reports/quarterly?year=2026&quarter=4&format=csv", ok: []string{lgo, leader, auditor}},

		"GET /":            {path: "/", public: true},
		"GET /console.js":  {path: "/console.js", public: true},
		"GET /console.css": {path: "/console.css", public: true},
	}
}

func others(except ...string) []string {
	var out []string
	for _, u := range everyone {
		if !slices.Contains(except, u) {
			out = append(out, u)
		}
	}
	return out
}

// TestEveryRouteAnswersEachRoleAsTheTableSays walks every route echo has registered, as the
// anonymous caller and as each demo account (applicants, each department's staff, the LGO,
// the leader, finance, the auditor, the admin), and checks 401 / 403 / 404 / 2xx.
func TestEveryRouteAnswersEachRoleAsTheTableSays(t *testing.T) {
	ts := newTestServer(t)
	table := routeTable(ts.fixtures())

	var routes []string
	for _, r := range ts.echo.Routes() {
		routes = append(routes, r.Method+" "+r.Path)
	}
	sort.Strings(routes)
	routes = slices.Compact(routes)
	for _, key := range routes {
		exp, ok := table[key]
		if !assert.True(t, ok, "route %s has no entry in the authorization table: decide who may call it", key) {
			continue
		}
		method := strings.Fields(key)[0]
		path := strings.ReplaceAll(exp.path, "{edu}", ts.ids[edu])
		call := func(user string) int {
			var b *body
			if exp.body != nil {
				b = exp.body()
			}
			var out map[string]any
			return ts.do(user, method, path, b, &out)
		}
		t.Run(key, func(t *testing.T) {
			if exp.public {
				status := call("")
				assert.True(t, status >= 200 && status < 300, "anonymous %s: %d", key, status)
				return
			}
			assert.Equal(t, http.StatusUnauthorized, call(""), "anonymous")
			grants := key == "POST /api/v1/users/:id/roles" || key == "DELETE /api/v1/users/:id/roles/:role/:department"
			if grants {
				defer ts.resetEduGrants()
			}
			for _, user := range everyone {
				if grants {
					ts.resetEduGrants()
				}
				ts.engine.take()
				status := call(user)
				calls := ts.engine.take()
				if exp.logsOut {
					ts.relogin(user)
				}
				switch {
				case slices.Contains(exp.ok, user):
					assert.True(t, status >= 200 && status < 300, "%s should be allowed %s, got %d", user, key, status)
					assert.Equal(t, exp.engine, callNames(calls), "%s %s asks the engine", user, key)
					for _, c := range calls {
						if c.Name != "start" && strings.Count(path, "/") > 3 {
							assert.True(t, strings.HasSuffix(c.WorkflowID, ":"+pathCase(path)), "%s %s acts on the case's own workflow, not %s", user, key, c.WorkflowID)
						}
						assertActor(t, c.Arg, user)
					}
				case slices.Contains(exp.notFound, user):
					assert.Equal(t, http.StatusNotFound, status, "%s must not learn that the object exists", user)
				default:
					assert.Equal(t, http.StatusForbidden, status, "%s must be refused %s", user, key)
				}
				if !slices.Contains(exp.ok, user) {
					assert.Empty(t, calls, "a refused %s by %s must not reach the engine", key, user)
				}
			}
		})
	}
	for key := range table {
		if !slices.Contains(routes, key) {
			t.Errorf("the table names %s, which is not a route", key)
		}
	}
}

// resetEduGrants puts edu.approver back to exactly approver@edu.
func (ts *testServer) resetEduGrants() {
	id := ts.ids[edu]
	ts.db.Where("user_id = ?", id).Delete(&store.RoleAssignment{})
	ts.db.Create(&store.RoleAssignment{UserID: id, Role: "approver", Department: "edu", GrantedBy: "test", GrantedAt: time.Now()})
	require.NoError(ts.t, ts.server.Authz.Reload(ts.t.Context()))
}

func TestStateChangingRequestsAreAuditedWithActingRole(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	require.Equal(t, http.StatusOK, ts.do(hrss, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision", jsonBody(map[string]string{"outcome": "approve"}), nil))
	require.Equal(t, http.StatusForbidden, ts.do(sci, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision", jsonBody(map[string]string{"outcome": "approve"}), nil))
	require.Equal(t, http.StatusUnauthorized, ts.do("", http.MethodPost, "/api/v1/auth/login", jsonBody(map[string]string{"username": hrss, "password": "wrong"}), nil))

	var rows []store.AuditRecord
	require.NoError(t, ts.db.Where("action IN ?", []string{"decideTask", "login"}).Order("seq").Find(&rows).Error)
	byActor := map[string]store.AuditRecord{}
	for _, r := range rows {
		byActor[r.Actor+"/"+r.Action+"/"+r.Outcome] = r
	}
	ok := byActor["hrss.approver/decideTask/ok"]
	assert.Equal(t, "approver", ok.Role)
	assert.Equal(t, "hrss", ok.Department)
	assert.Equal(t, "task/"+f.hrssTask, ok.Object)
	refused := byActor["sci.approver/decideTask/Forbidden"]
	assert.Contains(t, refused.Reason, "hrss")
	assert.Contains(t, byActor, "hrss.approver/login/Unauthorized", "a failed login is recorded against the name tried")

	// A route that always acts in one role declares it; a use case whose role depends on the
	// object returns it (an objection by a department head is filed as dept_head@hrss).
	require.Equal(t, http.StatusOK, ts.do(li, http.MethodPost, "/api/v1/introductions/"+f.draftToSubmit+"/submit", nil, nil))
	require.Equal(t, http.StatusOK, ts.do(head, http.MethodPost, "/api/v1/cases/"+f.noticeCase+"/objections",
		jsonBody(map[string]string{"reason": "学历存疑"}), nil))
	for action, want := range map[string][2]string{"submitIntroduction": {"applicant", ""}, "objectToCase": {"dept_head", "hrss"}} {
		var row store.AuditRecord
		require.NoError(t, ts.db.Where("action = ? AND outcome = ?", action, "ok").Take(&row).Error, action)
		assert.Equal(t, want, [2]string{row.Role, row.Department}, action)
	}

	var report struct{ OK bool }
	require.Equal(t, http.StatusOK, ts.do(auditor, http.MethodGet, "/api/v1/audit/verify", nil, &report))
	assert.True(t, report.OK)
}

// relogin logs user in again (after a logout).
func (ts *testServer) relogin(user string) {
	var out struct{ Token string }
	require.Equal(ts.t, http.StatusOK, ts.do("", http.MethodPost, "/api/v1/auth/login",
		jsonBody(map[string]string{"username": user, "password": demoPassword}), &out), user)
	ts.tokens[user] = out.Token
}

// TestAPublicDemoPasswordOutsideDevModeOnlyServesToChooseANewOne: the token it gets reaches the
// password change and nothing else; after the change the new password logs in normally.
func TestAPublicDemoPasswordOutsideDevModeOnlyServesToChooseANewOne(t *testing.T) {
	ts := newTestServer(t)
	ts.server.Identity.MustChange = func(pw string) bool { return pw == demoPassword }
	var login struct {
		Token              string
		MustChangePassword bool `json:"must_change_password"`
	}
	require.Equal(t, http.StatusOK, ts.do("", http.MethodPost, "/api/v1/auth/login", jsonBody(map[string]string{"username": hrss, "password": demoPassword}), &login))
	assert.True(t, login.MustChangePassword)
	ts.tokens[hrss] = login.Token
	var refused struct{ Error api.ErrorDetail }
	assert.Equal(t, http.StatusForbidden, ts.do(hrss, http.MethodGet, "/api/v1/tasks?scope=department", nil, &refused))
	assert.Equal(t, "password_change_required", refused.Error.Code)
	assert.Equal(t, http.StatusOK, ts.do(hrss, http.MethodGet, "/api/v1/me", nil, nil))
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(hrss, http.MethodPost, "/api/v1/me/password",
		jsonBody(map[string]string{"current_password": demoPassword, "new_password": "short"}), &refused))
	assert.Equal(t, "new_password", refused.Error.Field)
	require.Equal(t, http.StatusOK, ts.do(hrss, http.MethodPost, "/api/v1/me/password",
		jsonBody(map[string]string{"current_password": demoPassword, "new_password": "Hrss-Own-Pass-9"}), nil))
	login.MustChangePassword = false
	require.Equal(t, http.StatusOK, ts.do("", http.MethodPost, "/api/v1/auth/login", jsonBody(map[string]string{"username": hrss, "password": "Hrss-Own-Pass-9"}), &login))
	assert.False(t, login.MustChangePassword, "a password of one's own is not restricted")
	ts.tokens[hrss] = login.Token
	assert.Equal(t, http.StatusOK, ts.do(hrss, http.MethodGet, "/api/v1/tasks?scope=department", nil, nil))
}

// TestAnIdleOrLoggedOutSessionIsRefused: the API refuses a token whose session was idle too
// long, or logged out.
func TestAnIdleOrLoggedOutSessionIsRefused(t *testing.T) {
	ts := newTestServer(t)
	var out struct{ Error api.ErrorDetail }
	require.Equal(t, http.StatusOK, ts.do(hrss, http.MethodPost, "/api/v1/auth/logout", jsonBody(map[string]string{}), nil))
	assert.Equal(t, http.StatusUnauthorized, ts.do(hrss, http.MethodGet, "/api/v1/me", nil, &out))
	assert.Equal(t, "session_ended", out.Error.Code)

	ts.server.Identity.IdleTimeout = 30 * time.Minute
	later := time.Now().Add(31 * time.Minute)
	ts.server.Identity.Now = func() time.Time { return later }
	assert.Equal(t, http.StatusUnauthorized, ts.do(sci, http.MethodGet, "/api/v1/me", nil, &out), "idle for 31 minutes")
}

// TestLoginLocksANameFromOneAddressOnly: five wrong passwords lock the name from that address
// (a forged X-Forwarded-For changes nothing), a name that does not exist answers the same, and
// the owner logging in from elsewhere is not locked out; an administrator lifts the lockout.
func TestLoginLocksANameFromOneAddressOnly(t *testing.T) {
	ts := newTestServer(t)
	try := func(username, password, addr, forwarded string) (int, string) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login",
			strings.NewReader(fmt.Sprintf(`{"username":%q,"password":%q}`, username, password)))
		req.Header.Set("Content-Type", "application/json")
		req.RemoteAddr = addr + ":40000"
		if forwarded != "" {
			req.Header.Set("X-Forwarded-For", forwarded)
		}
		rec := httptest.NewRecorder()
		ts.echo.ServeHTTP(rec, req)
		var out struct{ Error api.ErrorDetail }
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out.Error.Code
	}
	const attacker, desk = "203.0.113.9", "192.0.2.44"
	for _, name := range []string{iit, "nobody.at.all"} {
		var codes []int
		for range 6 {
			code, _ := try(name, "Wrong-Pass-1", attacker, "")
			codes = append(codes, code)
		}
		assert.Equal(t, []int{401, 401, 401, 401, 429, 429}, codes, "%s: an existing and an unknown name answer alike", name)
	}
	code, errCode := try(iit, demoPassword, attacker, "198.51.100.1")
	assert.Equal(t, http.StatusTooManyRequests, code, "a forged X-Forwarded-For is not another address")
	assert.Equal(t, "account_locked", errCode)
	code, _ = try(iit, demoPassword, desk, "")
	assert.Equal(t, http.StatusOK, code, "the owner at their own desk is not locked out")

	lockedOf := func() bool {
		var list []struct {
			Username string
			Locked   bool
		}
		require.Equal(t, http.StatusOK, ts.do(admin, http.MethodGet, "/api/v1/users", nil, &list))
		for _, u := range list {
			if u.Username == iit {
				return u.Locked
			}
		}
		t.Fatalf("%s is not listed", iit)
		return false
	}
	assert.True(t, lockedOf(), "the user list shows the lockout")
	var lifted struct{ Lifted int64 }
	require.Equal(t, http.StatusOK, ts.do(admin, http.MethodPost, "/api/v1/users/"+ts.ids[iit]+"/unlock", jsonBody(map[string]string{}), &lifted))
	assert.Equal(t, int64(1), lifted.Lifted)
	code, _ = try(iit, demoPassword, attacker, "")
	assert.Equal(t, http.StatusOK, code, "lifted by the administrator")
	assert.False(t, lockedOf())
}

func TestMeListsRolesPerDepartment(t *testing.T) {
	ts := newTestServer(t)
	var me users.Me
	require.Equal(t, http.StatusOK, ts.do(head, http.MethodGet, "/api/v1/me", nil, &me))
	assert.Equal(t, []users.Role{{Role: "dept_head", Department: "hrss", DepartmentName: "县人力资源和社会保障局"}}, me.Roles)
	assert.Contains(t, me.Permissions, "task:urge")
	assert.NotContains(t, me.Permissions, "audit:read")
	assert.Equal(t, "138****0004", me.Phone, "personal data masked")
}

func TestErrorsAreJSONNamingTheField(t *testing.T) {
	ts := newTestServer(t)
	var out struct{ Error api.ErrorDetail }
	p := validProfile("B")
	p["employer_credit_code"] = "91350100M000100Y44"
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(li, http.MethodPost, "/api/v1/introductions", jsonBody(p), &out))
	assert.Equal(t, "employer_credit_code", out.Error.Field)
	assert.Contains(t, out.Error.Message, "check")
	assert.Equal(t, http.StatusNotFound, ts.do(li, http.MethodGet, "/api/v1/nope", nil, &out))
	assert.Equal(t, "not_found", out.Error.Code)
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(hrss, http.MethodGet, "/api/v1/tasks?scope=everything", nil, &out))
	assert.Equal(t, "scope", out.Error.Field)
	for query, field := range map[string]string{
		"/api/v1/tasks?limit=abc": "limit", "/api/v1/tasks?limit=1e3": "limit", "/api/v1/notifications?unread=maybe": "unread",
		"/api/v1/audit?before=-x": "before", "/api/v1/tasks?scope=mine&scope=done": "scope",
	} {
		out.Error = api.ErrorDetail{}
		user := hrss
		if field == "before" {
			user = auditor
		}
		assert.Equal(t, http.StatusUnprocessableEntity, ts.do(user, http.MethodGet, query, nil, &out), query)
		assert.Equal(t, field, out.Error.Field, query)
		assert.NotContains(t, out.Error.Message, "strconv", "no Go internals in the message")
	}
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(hrss, http.MethodPost, "/api/v1/tasks/x/decision", jsonBody(map[string]string{"outcome": "maybe"}), &out))
	assert.Equal(t, "outcome", out.Error.Field)
}

func TestTasksTellEachCallerTheActionsAndOutcomesOnOffer(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	require.NoError(t, ts.db.Model(&store.Task{}).Where("id = ?", f.hrssTask).
		Updates(map[string]any{"outcomes": "approve,reject,return", "return_targets": "applicant"}).Error)
	actions := func(user string) ([]string, tasks.TaskItem) {
		var c cases.CaseDetail
		require.Equal(t, http.StatusOK, ts.do(user, http.MethodGet, "/api/v1/cases/"+f.caseID, nil, &c))
		for _, task := range c.Tasks {
			if task.ID == f.hrssTask {
				var out []string
				for _, a := range task.Actions {
					out = append(out, string(a))
				}
				return out, task
			}
		}
		t.Fatalf("no task %s", f.hrssTask)
		return nil, tasks.TaskItem{}
	}
	mine, task := actions(hrss)
	assert.Equal(t, []string{"release", "decide", "delegate", "comment"}, mine, "the claimer")
	assert.Equal(t, []domain.Outcome{"approve", "reject", "return"}, task.Outcomes)
	assert.Equal(t, []string{"applicant"}, task.ReturnTargets)
	headActions, _ := actions(head)
	assert.Equal(t, []string{"release", "delegate", "urge", "add_signer", "comment"}, headActions, "the head may not decide a task claimed by another")
	lgoActions, _ := actions(lgo)
	assert.Equal(t, []string{"release", "delegate", "urge", "add_signer", "comment"}, lgoActions)
	clerkActions, _ := actions(clerk)
	assert.Empty(t, clerkActions, "another department's task")
}

func TestAStartThatFailsIsKeptAndFinishedLater(t *testing.T) {
	ts := newTestServer(t)
	var draft struct{ ID string }
	require.Equal(t, http.StatusCreated, ts.do(li, http.MethodPost, "/api/v1/introductions", jsonBody(validProfile("B")), &draft))

	ts.engine.startErr = errors.New("connection reset")
	var out struct{ Error api.ErrorDetail }
	assert.Equal(t, http.StatusServiceUnavailable, ts.do(li, http.MethodPost, "/api/v1/introductions/"+draft.ID+"/submit", nil, &out))
	assert.Equal(t, "start_pending", out.Error.Code)
	var c cases.CaseDetail
	require.Equal(t, http.StatusOK, ts.do(li, http.MethodGet, "/api/v1/cases/"+draft.ID, nil, &c))
	assert.EqualValues(t, "submitted", c.State, "the submission is kept")
	var pending int64
	ts.db.Model(&store.CaseStart{}).Where("case_id = ?", draft.ID).Count(&pending)
	assert.EqualValues(t, 1, pending, "with its start recorded")

	// The service is back: the reconciler (at start-up and every 30 s) finishes the start with
	// the input recorded at submission.
	ts.engine.startErr = nil
	n, err := ts.server.App.ReconcileStarts(t.Context(), 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.Len(t, ts.engine.starts, 2)
	assert.Equal(t, ts.engine.starts[0].WorkflowID, ts.engine.starts[1].WorkflowID)
	assert.Equal(t, "TalentIntroduction", ts.engine.starts[1].Workflow)
	var in flow.IntroductionInput
	require.NoError(t, json.Unmarshal(ts.engine.starts[1].Input.(json.RawMessage), &in))
	assert.Equal(t, draft.ID, in.CaseID)
	assert.Equal(t, li, in.Applicant.Username)
	assert.NotEmpty(t, in.Plan.Reviewers, "the routing in force at submission")
	ts.db.Model(&store.CaseStart{}).Where("case_id = ?", draft.ID).Count(&pending)
	assert.Zero(t, pending)

	// Submitting again now is a conflict, not a second case.
	assert.Equal(t, http.StatusOK, ts.do(li, http.MethodPost, "/api/v1/introductions/"+draft.ID+"/submit", nil, nil),
		"a submitted case answers its document; nothing is recorded or started again")
	assert.Len(t, ts.engine.starts, 2)
}

func callNames(calls []engineCall) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Name)
	}
	return out
}

// pathCase is the case a route's path is about: the case itself, or the case of a task.
func pathCase(path string) string {
	parts := strings.Split(path, "/")
	id := parts[4]
	if parts[3] == "tasks" {
		id = id[:strings.LastIndex(id, "-t")]
	}
	return id
}

// assertActor checks that an update's payload names the caller as its actor: the API never
// acts on a case in someone else's name.
func assertActor(t *testing.T, arg any, user string) {
	t.Helper()
	var actor workflows.Actor
	switch a := arg.(type) {
	case workflows.Decision:
		actor = a.Actor
	case workflows.TaskAction:
		actor = a.Actor
	case workflows.Delegation:
		actor = a.Actor
	case workflows.Urge:
		actor = a.Actor
	case workflows.SignerRequest:
		actor = a.Actor
	case workflows.CaseAction:
		actor = a.Actor
	case subflow.DepartureAction:
		actor = a.Actor
	case lflow.ContactInput:
		actor = a.Actor
	case lflow.Reassignment:
		actor = a.Actor
	case lflow.Rating:
		actor = a.Actor
	default:
		return // a start's input, a settle without payload
	}
	assert.Equal(t, user, actor.Username, "the update carries the caller as actor")
}
