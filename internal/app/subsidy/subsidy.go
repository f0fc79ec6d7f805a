// Package subsidy holds the use cases of subsidy disbursement (人才补贴发放): versioned
// policies, applications (from the talent or the employer's clerk, or by accepting an
// apply-free offer), the finance approval's budget reservation, departures, the ledger as
// finance works it (batches with four eyes, the bank file, the bank's result), and the reports.
package subsidy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/cases"
	"talentflow/internal/domain"
	"talentflow/internal/ids"
	"talentflow/internal/routing"
	"talentflow/internal/store"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
	flow "talentflow/workflows/subsidy"
)

// Service is the subsidy use cases.
type Service struct {
	*cases.Service
	Plan   *routing.Subsidy
	Ledger ledger.Ledger
	// Scale is TALENTFLOW_TIME_SCALE, frozen into each case's plan.
	Scale float64
}

// New builds the subsidy use cases and installs the finance approval's budget guard.
func New(c *cases.Service, plan *routing.Subsidy, scale float64) *Service {
	s := &Service{Service: c, Plan: plan, Ledger: ledger.Ledger{DB: c.DB}, Scale: scale}
	c.Tasks.SetGuard(flow.Process, s.reserveOnApproval)
	return s
}

// BudgetExhausted is the refusal of a finance approval the budget cannot cover.
func budgetExhausted(p ledger.Policy) *app.Error {
	return &app.Error{Kind: app.KindConflict, Code: "budget_exhausted",
		Message: fmt.Sprintf("the %d budget of policy %s (v%d) is exhausted: %s yuan remain; the application waits for finance",
			p.Year, p.Name, p.Version, domain.FormatYuan(p.RemainingFen()))}
}

// reserveOnApproval reserves the whole commitment when finance approves, before the decision
// reaches the workflow: a budget that cannot cover it refuses the approval (409
// budget_exhausted) and the task stays open. The workflow reserves again, idempotently.
func (s *Service) reserveOnApproval(ctx context.Context, t store.Task, d workflows.Decision) (func(context.Context), error) {
	if t.Step != flow.StepFinance || d.Outcome != domain.OutcomeApprove {
		return nil, nil
	}
	reserved, err := s.Ledger.Reserve(ctx, t.CaseID)
	switch {
	case errors.Is(err, ledger.ErrBudgetExhausted):
		var sub ledger.Subsidy
		if err := s.DB.WithContext(ctx).Where("case_id = ?", t.CaseID).Take(&sub).Error; err != nil {
			return nil, s.Unavailable(ctx, "the database", err)
		}
		p, err := s.Ledger.Policy(ctx, sub.PolicyID)
		if err != nil {
			return nil, s.Unavailable(ctx, "the database", err)
		}
		return nil, budgetExhausted(p)
	case errors.Is(err, ledger.ErrReleased):
		return nil, app.Conflict("subsidy %s is closed", t.CaseID)
	case err != nil:
		return nil, s.Unavailable(ctx, "the ledger", err)
	case !reserved:
		return nil, nil
	}
	return func(ctx context.Context) {
		if err := s.Ledger.Unreserve(ctx, t.CaseID); err != nil {
			s.Log.ErrorContext(ctx, "unreserve after a refused decision failed", "case", t.CaseID, "err", err)
		}
	}, nil
}

// PolicyItem is a policy version with its budget for its year.
type PolicyItem struct {
	ID           string             `json:"id"`
	Kind         domain.SubsidyKind `json:"kind"`
	KindLabel    string             `json:"kind_label"`
	Name         string             `json:"name"`
	Version      int                `json:"version"`
	Year         int                `json:"year"`
	Categories   []domain.Category  `json:"categories"`
	AmountFen    map[string]int64   `json:"amount_fen"`
	Months       int                `json:"months"`
	BudgetFen    int64              `json:"budget_fen"`
	ReservedFen  int64              `json:"reserved_fen"`
	PaidFen      int64              `json:"paid_fen"`
	RemainingFen int64              `json:"remaining_fen"`
	Current      bool               `json:"current"`
}

func policyItem(p ledger.Policy, current bool) PolicyItem {
	item := PolicyItem{ID: p.ID, Kind: domain.SubsidyKind(p.Kind), KindLabel: domain.SubsidyKind(p.Kind).Label(), Name: p.Name,
		Version: p.Version, Year: p.Year, Categories: []domain.Category{}, AmountFen: p.Amounts(), Months: p.Months,
		BudgetFen: p.BudgetFen, ReservedFen: p.ReservedFen, PaidFen: p.PaidFen, RemainingFen: p.RemainingFen(), Current: current}
	for _, c := range p.CategoryList() {
		item.Categories = append(item.Categories, domain.Category(c))
	}
	return item
}

// PolicyFilter selects policies.
type PolicyFilter struct {
	// All lists every version, not only the one in force of each kind.
	All bool `query:"all"`
}

// Policies lists the policies in force (or every version), with their budgets.
func (s *Service) Policies(ctx context.Context, f PolicyFilter) (app.Page[PolicyItem], error) {
	rows, err := s.Ledger.Policies(ctx, f.All)
	if err != nil {
		return app.Page[PolicyItem]{}, s.Unavailable(ctx, "the database", err)
	}
	current := map[string]int{}
	for _, p := range rows {
		current[p.Kind] = max(current[p.Kind], p.Version)
	}
	page := app.Page[PolicyItem]{Items: []PolicyItem{}}
	for _, p := range rows {
		page.Items = append(page.Items, policyItem(p, current[p.Kind] == p.Version))
	}
	return page, nil
}

// PolicyInput is a new version of a policy.
type PolicyInput struct {
	Kind       domain.SubsidyKind `json:"kind" validate:"required,subsidykind"`
	Name       string             `json:"name" validate:"required,max=100"`
	Year       int                `json:"year" validate:"required,min=2000,max=2100"`
	Categories []domain.Category  `json:"categories" validate:"required,min=1,dive,category"`
	AmountFen  map[string]int64   `json:"amount_fen" validate:"required"`
	Months     int                `json:"months" validate:"min=0,max=120"`
	BudgetFen  int64              `json:"budget_fen" validate:"min=0"`
}

// PolicyVersion is the answer to a new version.
type PolicyVersion struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// CreatePolicy writes a new version of a policy's kind; running cases keep theirs.
func (s *Service) CreatePolicy(ctx context.Context, p *authz.Principal, in PolicyInput) (PolicyVersion, error) {
	in.Name = strings.TrimSpace(in.Name)
	if err := app.Check(in); err != nil {
		return PolicyVersion{}, err
	}
	for _, c := range in.Categories {
		if in.AmountFen[string(c)] <= 0 {
			return PolicyVersion{}, app.Invalid("amount_fen", "category %s is eligible and needs a positive amount in fen", c)
		}
	}
	for c := range in.AmountFen {
		if !domain.Category(c).Valid() {
			return PolicyVersion{}, app.Invalid("amount_fen", "%q is not a category (A–E)", c)
		}
		found := false
		for _, x := range in.Categories {
			found = found || string(x) == c
		}
		if !found {
			return PolicyVersion{}, app.Invalid("amount_fen", "category %s has an amount but is not among categories", c)
		}
	}
	terms := ledger.PolicyTerms{Kind: string(in.Kind), Name: in.Name, Year: in.Year, AmountFen: in.AmountFen, Months: in.Months, BudgetFen: in.BudgetFen}
	for _, c := range in.Categories {
		terms.Categories = append(terms.Categories, string(c))
	}
	pol, err := s.Ledger.NewVersion(ctx, terms, p.User.Username)
	switch {
	case errors.Is(err, ledger.ErrVersionRace):
		return PolicyVersion{}, app.Conflict("%s", err.Error())
	case err != nil:
		return PolicyVersion{}, s.Unavailable(ctx, "the database", err)
	}
	return PolicyVersion{ID: pol.ID, Version: pol.Version}, nil
}

// SeedPolicies writes the defaults of the subsidy file at first start.
func (s *Service) SeedPolicies(ctx context.Context) (int, error) {
	year := s.Time().In(domain.ChinaTime).Year()
	var terms []ledger.PolicyTerms
	for _, p := range s.Plan.Policies {
		t := ledger.PolicyTerms{Kind: string(p.Kind), Name: p.Name, Year: p.Year, AmountFen: p.AmountFen, Months: p.Months, BudgetFen: p.BudgetFen}
		if t.Year == 0 {
			t.Year = year
		}
		for _, c := range p.Categories {
			t.Categories = append(t.Categories, string(c))
		}
		terms = append(terms, t)
	}
	return s.Ledger.SeedPolicies(ctx, terms)
}

// Application is a subsidy application.
type Application struct {
	CertificateNo string `json:"certificate_no" validate:"required,max=40"`
	PolicyID      string `json:"policy_id" validate:"required,max=40"`
	AccountName   string `json:"account_name" validate:"required,max=50"`
	BankAccount   string `json:"bank_account" validate:"required,bankaccount"`
	BankName      string `json:"bank_name" validate:"required,max=100"`
}

func (a *Application) normalize() {
	a.CertificateNo = strings.TrimSpace(a.CertificateNo)
	a.PolicyID = strings.TrimSpace(a.PolicyID)
	a.AccountName = strings.TrimSpace(a.AccountName)
	a.BankAccount = domain.NormalizeBankAccount(a.BankAccount)
	a.BankName = strings.TrimSpace(a.BankName)
}

// talentOf finds the certified talent of a certificate and checks the caller may apply for
// them: the talent themself, or a clerk bound to the talent's employer.
func (s *Service) talentOf(ctx context.Context, p *authz.Principal, certificateNo string) (store.Talent, string, error) {
	var t store.Talent
	err := s.DB.WithContext(ctx).Where("certificate_no = ?", certificateNo).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return t, "", app.Invalid("certificate_no", "no talent certificate %s", certificateNo)
	}
	if err != nil {
		return t, "", s.Unavailable(ctx, "the database", err)
	}
	if t.Status != "active" {
		return t, "", app.Invalid("certificate_no", "certificate %s is %s, not in force", certificateNo, t.Status)
	}
	var employer string
	if err := s.DB.WithContext(ctx).Table("introductions").Where("case_id = ?", t.CaseID).
		Pluck("employer_credit_code", &employer).Error; err != nil {
		return t, "", s.Unavailable(ctx, "the database", err)
	}
	mine := t.UserID == p.User.ID || (p.User.EmployerCreditCode != "" && p.User.EmployerCreditCode == employer)
	if !mine {
		return t, "", app.Forbidden("certificate %s is neither yours nor one of your employer's talents", certificateNo)
	}
	return t, employer, nil
}

// plan is the routing frozen into a new case: the employer's clerks confirm employment if the
// employer has any on the platform, hrss (from social-insurance records) otherwise.
func (s *Service) plan(ctx context.Context, employer string) (flow.Plan, error) {
	pl := s.Plan
	out := flow.Plan{EmployerDepartment: pl.ReviewDepartment, EmployerRole: authz.RoleApprover,
		ReviewDepartment: pl.ReviewDepartment, FinanceDepartment: pl.FinanceDepartment, LGODepartment: pl.LGODepartment,
		LimitDays: pl.LimitDays, ReconfirmLimitDays: pl.ReconfirmLimitDays, ReconfirmLeadDays: pl.ReconfirmLeadDays,
		CorrectionDays: pl.CorrectionDays, Scale: s.Scale}
	if employer == "" {
		return out, nil
	}
	var clerks int64
	if err := s.DB.WithContext(ctx).Model(&store.RoleAssignment{}).
		Where("role = ? AND department = ?", authz.RoleEmployer, store.EmployerDepartment(employer)).Count(&clerks).Error; err != nil {
		return out, err
	}
	if clerks > 0 {
		out.EmployerDepartment, out.EmployerRole = store.EmployerDepartment(employer), authz.RoleEmployer
	}
	return out, nil
}

// Apply starts a subsidy case at once: the certificate must be the caller's (or their
// employer's talent's), in force and of an eligible category; the policy the version in force
// of its kind; the payee account the talent's own. One open application per talent and kind.
func (s *Service) Apply(ctx context.Context, p *authz.Principal, in Application) (app.Created, error) {
	in.normalize()
	if err := app.Check(in); err != nil {
		return app.Created{}, err
	}
	t, employer, err := s.talentOf(ctx, p, in.CertificateNo)
	if err != nil {
		return app.Created{}, err
	}
	pol, err := s.Ledger.Policy(ctx, in.PolicyID)
	if errors.Is(err, ledger.ErrNotFound) {
		return app.Created{}, app.Invalid("policy_id", "no subsidy policy %s", in.PolicyID)
	}
	if err != nil {
		return app.Created{}, s.Unavailable(ctx, "the database", err)
	}
	current, err := ledger.CurrentPolicies(s.DB.WithContext(ctx).Where("kind = ?", pol.Kind))
	if err != nil {
		return app.Created{}, s.Unavailable(ctx, "the database", err)
	}
	if len(current) == 1 && current[0].ID != pol.ID {
		return app.Created{}, app.Invalid("policy_id", "policy %s is version %d, superseded by version %d (%s): apply under the version in force",
			pol.ID, pol.Version, current[0].Version, current[0].ID)
	}
	amount := pol.AmountFor(domain.Category(t.Category))
	if amount <= 0 {
		return app.Created{}, app.Invalid("policy_id", "category %s is not eligible for %s (eligible: %s)", t.Category, pol.Name, pol.Categories)
	}
	if in.AccountName != t.Name {
		return app.Created{}, app.Invalid("account_name", "the payee account must be in the talent's own name (%s)", domain.MaskName(t.Name))
	}
	plan, err := s.plan(ctx, employer)
	if err != nil {
		return app.Created{}, s.Unavailable(ctx, "the database", err)
	}
	var talentUser store.User
	if err := s.DB.WithContext(ctx).Where("id = ?", t.UserID).Take(&talentUser).Error; err != nil {
		return app.Created{}, s.Unavailable(ctx, "the database", err)
	}
	now := s.Time()
	id := ids.New("case")
	terms := flow.Terms{PolicyID: pol.ID, Version: pol.Version, Kind: domain.SubsidyKind(pol.Kind), Name: pol.Name, AmountFen: amount, Months: pol.Months}
	applicant := app.Actor(p, authz.RoleApplicant, "public")
	c := store.Case{ID: id, Process: flow.Process, State: app.StateSubmitted, Title: flow.Title(t.Name, pol.Name),
		ApplicantID: p.User.ID, Category: t.Category, WorkflowID: flow.WorkflowID(id), CreatedAt: now, UpdatedAt: now, SubmittedAt: &now}
	key := t.CertificateNo + "|" + pol.Kind
	row := ledger.Subsidy{CaseID: id, ApplicantID: p.User.ID, TalentUserID: t.UserID, TalentName: t.Name, Category: t.Category,
		CertificateNo: t.CertificateNo, EmployerCreditCode: employer, PolicyID: pol.ID, PolicyVersion: pol.Version, Kind: pol.Kind,
		AmountFen: amount, Months: pol.Months, CommitmentFen: amount * int64(pol.Periods()), AccountName: in.AccountName,
		BankAccount: in.BankAccount, BankName: in.BankName, OpenKey: &key, NextPeriod: 1, CreatedAt: now, UpdatedAt: now}
	start := app.StartRequest{CaseID: id, Process: flow.Process, WorkflowID: flow.WorkflowID(id), Workflow: flow.WorkflowSubsidy,
		Category: t.Category, Input: flow.Input{CaseID: id, Applicant: applicant, TalentUsername: talentUser.Username,
			TalentName: t.Name, Category: domain.Category(t.Category), Terms: terms, Plan: plan}}
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Model(&ledger.Offer{}).Where("certificate_no = ? AND kind = ? AND state = ?", t.CertificateNo, pol.Kind, ledger.OfferOpen).
			Updates(map[string]any{"state": ledger.OfferAccepted, "case_id": id}).Error; err != nil {
			return err
		}
		return s.RecordStart(tx, start)
	})
	switch {
	case store.IsUniqueViolation(err):
		return app.Created{}, &app.Error{Kind: app.KindConflict, Code: "duplicate_application",
			Message: fmt.Sprintf("certificate %s already has an open %s application", t.CertificateNo, domain.SubsidyKind(pol.Kind).Label())}
	case err != nil:
		return app.Created{}, s.Unavailable(ctx, "the database", err)
	}
	if err := s.LaunchAndSettle(ctx, id, flow.WorkflowID(id)); err != nil {
		return app.Created{}, err
	}
	return app.Created{ID: id}, nil
}

// Payment is one period of a subsidy as people read it.
type Payment struct {
	ID         string              `json:"id"`
	CaseID     string              `json:"case_id"`
	Seq        int                 `json:"seq"`
	Period     string              `json:"period"`
	DueAt      time.Time           `json:"due_at"`
	AmountFen  int64               `json:"amount_fen"`
	State      domain.PaymentState `json:"state"`
	StateLabel string              `json:"state_label"`
	BatchID    string              `json:"batch_id,omitempty"`
	PaidAt     *time.Time          `json:"paid_at,omitempty"`
}

func payment(p ledger.Payment) Payment {
	out := Payment{ID: p.ID, CaseID: p.CaseID, Seq: p.Seq, Period: p.Period, DueAt: p.DueAt, AmountFen: p.AmountFen,
		State: domain.PaymentState(p.State), StateLabel: domain.PaymentState(p.State).Label(), PaidAt: p.PaidAt}
	if p.BatchID != nil {
		out.BatchID = *p.BatchID
	}
	return out
}

// Recovery is a recovery item (追回).
type Recovery struct {
	ID         string     `json:"id"`
	CaseID     string     `json:"case_id"`
	PaymentID  string     `json:"payment_id"`
	TalentName string     `json:"talent_name"`
	AmountFen  int64      `json:"amount_fen"`
	State      string     `json:"state" enum:"open,netting,recovered"`
	How        string     `json:"how,omitempty" enum:",repaid,netted"`
	Reference  string     `json:"reference,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// SubsidyDetail is a subsidy as its readers see it; the bank account is masked.
type SubsidyDetail struct {
	ID                 string             `json:"id"`
	State              app.CaseState      `json:"state"`
	Title              string             `json:"title"`
	TalentName         string             `json:"talent_name"`
	Category           domain.Category    `json:"category"`
	CertificateNo      string             `json:"certificate_no"`
	EmployerCreditCode string             `json:"employer_credit_code"`
	PolicyID           string             `json:"policy_id"`
	PolicyVersion      int                `json:"policy_version"`
	Kind               domain.SubsidyKind `json:"kind"`
	AmountFen          int64              `json:"amount_fen"`
	Months             int                `json:"months"`
	CommitmentFen      int64              `json:"commitment_fen"`
	ReservedFen        int64              `json:"reserved_fen"`
	PaidFen            int64              `json:"paid_fen"`
	AccountName        string             `json:"account_name"`
	BankAccount        string             `json:"bank_account"`
	BankName           string             `json:"bank_name"`
	StartedAt          *time.Time         `json:"started_at,omitempty"`
	LeftOn             string             `json:"left_on,omitempty"`
	Payments           []Payment          `json:"payments"`
	Recoveries         []Recovery         `json:"recoveries"`
}

// mayRead: the applicant, the talent, the employer's clerks, or whoever reads subsidies
// county-wide (finance, the lgo, auditors), or works one of the case's tasks.
func (s *Service) mayRead(ctx context.Context, p *authz.Principal, sub ledger.Subsidy) error {
	switch {
	case sub.ApplicantID == p.User.ID || sub.TalentUserID == p.User.ID:
		return nil
	case sub.EmployerCreditCode != "" && p.User.EmployerCreditCode == sub.EmployerCreditCode:
		return nil
	}
	if all, _ := s.Authz.Departments(p.Grants, p.User.ID, authz.SubsidyRead); all {
		return nil
	}
	return s.ReadableCase(ctx, p, sub.CaseID)
}

func (s *Service) subsidy(ctx context.Context, p *authz.Principal, id string) (ledger.Subsidy, error) {
	var sub ledger.Subsidy
	err := s.DB.WithContext(ctx).Where("case_id = ?", id).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return sub, app.NotFound("no subsidy %s", id)
	}
	if err != nil {
		return sub, s.Unavailable(ctx, "the database", err)
	}
	return sub, s.mayRead(ctx, p, sub)
}

// Subsidy is one subsidy with its payments and recovery items.
func (s *Service) Subsidy(ctx context.Context, p *authz.Principal, id string) (SubsidyDetail, error) {
	sub, err := s.subsidy(ctx, p, id)
	if err != nil {
		return SubsidyDetail{}, err
	}
	return s.detail(ctx, sub)
}

func (s *Service) detail(ctx context.Context, sub ledger.Subsidy) (SubsidyDetail, error) {
	var c store.Case
	if err := s.DB.WithContext(ctx).Where("id = ?", sub.CaseID).Take(&c).Error; err != nil {
		return SubsidyDetail{}, s.Unavailable(ctx, "the database", err)
	}
	d := SubsidyDetail{ID: sub.CaseID, State: app.CaseState(c.State), Title: c.Title, TalentName: sub.TalentName, Category: domain.Category(sub.Category),
		CertificateNo: sub.CertificateNo, EmployerCreditCode: sub.EmployerCreditCode, PolicyID: sub.PolicyID, PolicyVersion: sub.PolicyVersion,
		Kind: domain.SubsidyKind(sub.Kind), AmountFen: sub.AmountFen, Months: sub.Months, CommitmentFen: sub.CommitmentFen,
		ReservedFen: sub.ReservedFen, PaidFen: sub.PaidFen, AccountName: sub.AccountName, BankAccount: domain.MaskBankAccount(sub.BankAccount),
		BankName: sub.BankName, StartedAt: sub.StartedAt, Payments: []Payment{}, Recoveries: []Recovery{}}
	if sub.LeftOn != nil {
		d.LeftOn = *sub.LeftOn
	}
	var pays []ledger.Payment
	if err := s.DB.WithContext(ctx).Where("case_id = ?", sub.CaseID).Order("seq").Find(&pays).Error; err != nil {
		return SubsidyDetail{}, s.Unavailable(ctx, "the database", err)
	}
	for _, p := range pays {
		d.Payments = append(d.Payments, payment(p))
	}
	var recs []ledger.Recovery
	if err := s.DB.WithContext(ctx).Where("case_id = ?", sub.CaseID).Order("created_at").Find(&recs).Error; err != nil {
		return SubsidyDetail{}, s.Unavailable(ctx, "the database", err)
	}
	for _, r := range recs {
		d.Recoveries = append(d.Recoveries, recovery(r, sub.TalentName))
	}
	return d, nil
}

func recovery(r ledger.Recovery, talent string) Recovery {
	return Recovery{ID: r.ID, CaseID: r.CaseID, PaymentID: r.PaymentID, TalentName: domain.MaskName(talent), AmountFen: r.AmountFen,
		State: r.State, How: r.How, Reference: r.Reference, CreatedAt: r.CreatedAt, ResolvedAt: r.ResolvedAt}
}

// Departure reports that the talent left.
type Departure struct {
	LeftOn string `json:"left_on" validate:"required,datetime=2006-01-02"`
	Reason string `json:"reason" validate:"required,max=500"`
}

// Depart reports a departure (人才外流): the employer's clerk (of this talent's employer) or
// hrss. No period after left_on is paid; a period already paid becomes a recovery item.
func (s *Service) Depart(ctx context.Context, p *authz.Principal, id string, in Departure) (SubsidyDetail, authz.Acting, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if err := app.Check(in); err != nil {
		return SubsidyDetail{}, authz.Acting{}, err
	}
	var sub ledger.Subsidy
	err := s.DB.WithContext(ctx).Where("case_id = ?", id).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return SubsidyDetail{}, authz.Acting{}, app.NotFound("no subsidy %s", id)
	}
	if err != nil {
		return SubsidyDetail{}, authz.Acting{}, s.Unavailable(ctx, "the database", err)
	}
	var who workflows.Actor
	if sub.EmployerCreditCode != "" {
		who, err = s.ActingAs(ctx, p, store.EmployerDepartment(sub.EmployerCreditCode), authz.SubsidyDepart)
	}
	if who.Role == "" {
		who, err = s.ActingAs(ctx, p, s.Plan.ReviewDepartment, authz.SubsidyDepart)
	}
	if err != nil {
		return SubsidyDetail{}, authz.Acting{}, app.Forbidden("only the talent's employer or %s reports a departure", s.Plan.ReviewDepartment)
	}
	var status workflows.CaseStatus
	if err := s.Engine.Update(ctx, flow.WorkflowID(id), flow.UpdateDepart,
		flow.DepartureAction{LeftOn: in.LeftOn, Reason: in.Reason, Actor: who}, &status); err != nil {
		return SubsidyDetail{}, app.Acting(who), s.EngineError(ctx, err)
	}
	if err := s.DB.WithContext(ctx).Where("case_id = ?", id).Take(&sub).Error; err != nil {
		return SubsidyDetail{}, app.Acting(who), s.Unavailable(ctx, "the database", err)
	}
	d, err := s.detail(ctx, sub)
	return d, app.Acting(who), err
}

// MySubsidies is the caller's subsidies (as talent, applicant or employer's clerk), their
// apply-free offers and the policies they may apply for.
type MySubsidies struct {
	Subsidies []SubsidyDetail `json:"subsidies"`
	Offers    []OfferItem     `json:"offers"`
	Talents   []TalentEntry   `json:"talents"`
}

// OfferItem is an apply-free offer (免申即享), pre-filled.
type OfferItem struct {
	ID            string             `json:"id"`
	CertificateNo string             `json:"certificate_no"`
	PolicyID      string             `json:"policy_id"`
	PolicyName    string             `json:"policy_name"`
	Kind          domain.SubsidyKind `json:"kind"`
	AmountFen     int64              `json:"amount_fen"`
	Months        int                `json:"months"`
	AccountName   string             `json:"account_name"`
	State         string             `json:"state" enum:"offered,accepted"`
	CaseID        string             `json:"case_id,omitempty"`
}

// TalentEntry is a certified talent the caller may apply for.
type TalentEntry struct {
	CertificateNo string          `json:"certificate_no"`
	Name          string          `json:"name"`
	Category      domain.Category `json:"category"`
}

// Mine lists what the caller's console shows: subsidies, offers, certificates.
func (s *Service) Mine(ctx context.Context, p *authz.Principal) (MySubsidies, error) {
	out := MySubsidies{Subsidies: []SubsidyDetail{}, Offers: []OfferItem{}, Talents: []TalentEntry{}}
	db := s.DB.WithContext(ctx)
	var talents []store.Talent
	q := db.Where("user_id = ? AND status = ?", p.User.ID, "active")
	if code := p.User.EmployerCreditCode; code != "" {
		q = db.Where("status = ? AND (user_id = ? OR case_id IN (?))", "active", p.User.ID,
			db.Table("introductions").Select("case_id").Where("employer_credit_code = ?", code))
	}
	if err := q.Order("certified_at").Find(&talents).Error; err != nil {
		return out, s.Unavailable(ctx, "the database", err)
	}
	var certs []string
	for _, t := range talents {
		out.Talents = append(out.Talents, TalentEntry{CertificateNo: t.CertificateNo, Name: t.Name, Category: domain.Category(t.Category)})
		certs = append(certs, t.CertificateNo)
	}
	var subs []ledger.Subsidy
	if err := db.Where("applicant_id = ? OR talent_user_id = ? OR certificate_no IN ?", p.User.ID, p.User.ID, append(certs, "")).
		Order("created_at DESC").Find(&subs).Error; err != nil {
		return out, s.Unavailable(ctx, "the database", err)
	}
	for _, sub := range subs {
		d, err := s.detail(ctx, sub)
		if err != nil {
			return out, err
		}
		out.Subsidies = append(out.Subsidies, d)
	}
	var offers []ledger.Offer
	if err := db.Where("certificate_no IN ?", append(certs, "")).Order("created_at").Find(&offers).Error; err != nil {
		return out, s.Unavailable(ctx, "the database", err)
	}
	names := map[string]string{}
	for _, t := range talents {
		names[t.CertificateNo] = t.Name
	}
	for _, o := range offers {
		pol, err := s.Ledger.Policy(ctx, o.PolicyID)
		if err != nil {
			return out, s.Unavailable(ctx, "the database", err)
		}
		item := OfferItem{ID: o.ID, CertificateNo: o.CertificateNo, PolicyID: o.PolicyID, PolicyName: pol.Name, Kind: domain.SubsidyKind(o.Kind),
			AmountFen: o.AmountFen, Months: pol.Months, AccountName: names[o.CertificateNo], State: o.State}
		if o.CaseID != nil {
			item.CaseID = *o.CaseID
		}
		out.Offers = append(out.Offers, item)
	}
	return out, nil
}

// Detail is the subsidy's part of its case page (the registry's Detail).
func CaseDetail(ctx context.Context, db *gorm.DB, caseID string, unmasked bool) (any, error) {
	var sub ledger.Subsidy
	err := db.WithContext(ctx).Where("case_id = ?", caseID).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"policy_id": sub.PolicyID, "policy_version": sub.PolicyVersion, "kind": sub.Kind, "kind_label": domain.SubsidyKind(sub.Kind).Label(),
		"talent_name": sub.TalentName, "certificate_no": sub.CertificateNo, "amount_fen": sub.AmountFen, "months": sub.Months,
		"commitment_fen": sub.CommitmentFen, "reserved_fen": sub.ReservedFen, "paid_fen": sub.PaidFen,
		"account_name": sub.AccountName, "bank_account": domain.MaskBankAccount(sub.BankAccount), "bank_name": sub.BankName,
	}, nil
}
