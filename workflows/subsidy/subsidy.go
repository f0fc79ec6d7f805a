// Package subsidy is process 2, subsidy disbursement (人才补贴发放): the approval chain
// (employment confirmation → hrss review → finance approval with a budget reservation) and the
// disbursement that follows — one payment for a one-time grant, one per period on durable
// timers for a monthly subsidy, each period preceded by the employer's re-confirmation of
// employment. A long schedule continues as new after every period, so its history stays small
// for the years it runs. The money itself lives in the ledger (internal/store/subsidy); this
// workflow decides when each period is booked and in which state, and the ledger's business
// key (subsidy, period) makes every booking idempotent.
package subsidy

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// Process is how cases and tasks name this process.
const Process = "subsidy"

// Names of the workflow, its activities, update and signal.
const (
	WorkflowSubsidy = "SubsidyDisbursement"

	ActivityReserve     = "ReserveBudget"       // case id → bool (reserved now); BudgetExhausted error
	ActivityStart       = "StartSchedule"       // ScheduleStart → nothing
	ActivityBook        = "BookPayment"         // Booking → BookedPayment
	ActivityReleaseHeld = "ReleaseHeldPayments" // case id → []period
	ActivityCancelHeld  = "CancelHeldPayments"  // case id → []period
	ActivityDepart      = "RecordDeparture"     // DepartureRecord → DepartureResult
	ActivityOutstanding = "OutstandingPayments" // case id → Outstanding
	ActivityRepaid      = "RecordRepayment"     // RepaymentRecord → int64 fen

	// UpdateDepart reports the talent's departure (人才外流): DepartureAction → CaseStatus.
	UpdateDepart = "depart"
	// SignalLedger says the case's ledger changed outside the workflow (a batch was confirmed).
	SignalLedger = "ledger"

	// ErrBudgetExhausted is the application error type of a refused reservation.
	ErrBudgetExhausted = "BudgetExhausted"
)

// WorkflowID is the id of a subsidy case's workflow.
func WorkflowID(caseID string) string { return "subsidy:" + caseID }

// Case states of a subsidy, besides the engine's.
const (
	StateConfirming = "confirming" // 用人单位在职确认
	StateReviewing  = "reviewing"  // 人社局审核
	StateApproving  = "approving"  // 财政局审批（预算占用）
	StateDisbursing = "disbursing" // 发放中
	StateRecovering = "recovering" // 离职后追回多发资金
	StateCompleted  = "completed"  // 发放完毕
	StateStopped    = "stopped"    // 离职停发，已结清
)

// Step keys.
const (
	StepEmployment = "employment" // 在职确认
	StepReview     = "review"     // 人社局审核
	StepFinance    = "finance"    // 财政局审批
	StepReconfirm  = "reconfirm"  // 发放前在职复核
	StepRecovery   = "recovery"   // 追回登记
)

// Timeline events.
const (
	EventBudgetReserved  = "budget_reserved"
	EventBudgetExhausted = "budget_exhausted"
	EventPaymentDue      = "payment_due"
	EventPaymentHeld     = "payment_held"
	EventHeldReleased    = "held_released"
	EventDeparture       = "departure"
	EventRecovery        = "recovery_opened"
	EventRecovered       = "recovered"
	EventLedger          = "ledger_settled"
)

// Terms is the policy version the case is bound to, frozen at submission: a later version
// never changes a running case.
type Terms struct {
	PolicyID  string             `json:"policy_id"`
	Version   int                `json:"version"`
	Kind      domain.SubsidyKind `json:"kind"`
	Name      string             `json:"name"`
	AmountFen int64              `json:"amount_fen"` // per period
	Months    int                `json:"months"`     // 0: one-time
}

// Periods is how many payments the terms make.
func (t Terms) Periods() int { return max(t.Months, 1) }

// Plan is who works each step and the time limits, frozen at submission.
type Plan struct {
	// Employer is the department whose clerks confirm employment ("emp-<credit code>", role
	// employer), or hrss when the employer has no clerk on the platform.
	EmployerDepartment string  `json:"employer_department"`
	EmployerRole       string  `json:"employer_role"`
	ReviewDepartment   string  `json:"review_department"`
	FinanceDepartment  string  `json:"finance_department"`
	LGODepartment      string  `json:"lgo_department"`
	LimitDays          float64 `json:"limit_days"`           // each approval step, working days
	ReconfirmLimitDays float64 `json:"reconfirm_limit_days"` // each re-confirmation, working days
	// ReconfirmLeadDays is how many calendar days before a period is due its re-confirmation opens.
	ReconfirmLeadDays float64 `json:"reconfirm_lead_days"`
	CorrectionDays    float64 `json:"correction_days"`
	// Scale is TALENTFLOW_TIME_SCALE: it shortens the months between payments (the periods'
	// names stay calendar months).
	Scale float64 `json:"scale"`
}

// Input starts (or, with Schedule set, continues) a subsidy case.
type Input struct {
	CaseID         string          `json:"case_id"`
	Applicant      workflows.Actor `json:"applicant"`
	TalentUsername string          `json:"talent_username"`
	TalentName     string          `json:"talent_name"`
	Category       domain.Category `json:"category"`
	Terms          Terms           `json:"terms"`
	Plan           Plan            `json:"plan"`
	// Engine and Schedule are carried over by continue-as-new.
	Engine   *workflows.CaseSnapshot `json:"engine,omitempty"`
	Schedule *Schedule               `json:"schedule,omitempty"`
}

// Schedule is the disbursement's state, all a new run needs.
type Schedule struct {
	// Start is when finance approved; FirstPeriod is period 1's month.
	Start       time.Time `json:"start"`
	FirstPeriod string    `json:"first_period"`
	// Next is the next period to book (1-based); ConfirmedThrough the last period whose
	// employment is confirmed.
	Next             int `json:"next"`
	ConfirmedThrough int `json:"confirmed_through"`
	// Held counts the periods booked held and not yet released.
	Held int `json:"held"`
	// LeftOn is a reported departure (YYYY-MM-DD).
	LeftOn string `json:"left_on,omitempty"`
	// Recoveries counts the recovery items opened.
	Recoveries int `json:"recoveries"`
}

// Period is the month of period seq.
func (s *Schedule) Period(seq int) string { return domain.AddPeriods(s.FirstPeriod, seq-1) }

// After reports whether a period lies after the month of the departure.
func (s *Schedule) After(period string) bool { return s.LeftOn != "" && period > s.LeftOn[:7] }

// DueAt is when period seq falls due: seq-1 calendar months after the start, scaled.
func (in Input) DueAt(seq int) time.Time {
	s := in.Schedule
	span := s.Start.AddDate(0, seq-1, 0).Sub(s.Start)
	return s.Start.Add(time.Duration(float64(span) * in.scale()))
}

func (in Input) scale() float64 {
	if in.Plan.Scale <= 0 {
		return 1
	}
	return in.Plan.Scale
}

// Title is how cases and tasks name a subsidy.
func Title(talent, policy string) string { return talent + " " + policy }

// ScheduleStart marks the schedule begun.
type ScheduleStart struct {
	CaseID      string    `json:"case_id"`
	At          time.Time `json:"at"`
	FirstPeriod string    `json:"first_period"`
}

// Booking books one period in the ledger (idempotent by case and period).
type Booking struct {
	CaseID string              `json:"case_id"`
	Seq    int                 `json:"seq"`
	Period string              `json:"period"`
	DueAt  time.Time           `json:"due_at"`
	State  domain.PaymentState `json:"state"`
}

// BookedPayment is the ledger row as booked.
type BookedPayment struct {
	ID    string              `json:"id"`
	State domain.PaymentState `json:"state"`
}

// DepartureAction reports a departure.
type DepartureAction struct {
	LeftOn string          `json:"left_on"`
	Reason string          `json:"reason"`
	Actor  workflows.Actor `json:"actor"`
}

// DepartureRecord asks the ledger to stop the periods after leftOn.
type DepartureRecord struct {
	CaseID string `json:"case_id"`
	LeftOn string `json:"left_on"`
}

// DepartureResult is what the departure changed in the ledger.
type DepartureResult struct {
	Cancelled   []string `json:"cancelled"`
	Recoveries  int      `json:"recoveries"`
	RecoverFen  int64    `json:"recover_fen"`
	ReleasedFen int64    `json:"released_fen"`
}

// Outstanding is what keeps a subsidy open: payments not settled, recovery items not recovered.
type Outstanding struct {
	Payments   int64 `json:"payments"`
	Recoveries int64 `json:"recoveries"`
	RecoverFen int64 `json:"recover_fen"`
}

// RepaymentRecord marks the case's open recovery items repaid.
type RepaymentRecord struct {
	CaseID    string `json:"case_id"`
	Reference string `json:"reference"`
}

func (in Input) validate() error {
	var errs []error
	if in.CaseID == "" || in.Applicant.UserID == "" {
		errs = append(errs, errors.New("case id and applicant are required"))
	}
	if in.Terms.PolicyID == "" || in.Terms.AmountFen <= 0 || in.Terms.Months < 0 {
		errs = append(errs, errors.New("the terms need a policy, a positive amount and months ≥ 0"))
	}
	p := in.Plan
	if p.EmployerDepartment == "" || p.ReviewDepartment == "" || p.FinanceDepartment == "" || p.LGODepartment == "" {
		errs = append(errs, errors.New("the plan needs the employer, review, finance and lgo departments"))
	}
	return errors.Join(errs...)
}

// ledgerOptions: each ledger activity is one short transaction; a worker that dies in one is
// noticed after StartToCloseTimeout and the activity runs again, idempotently, elsewhere.
var ledgerOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: []string{ErrBudgetExhausted}},
}

// recheckEvery is how often a case waiting on its ledger looks again even without a signal.
const recheckEvery = 7 * 24 * time.Hour

// SubsidyDisbursement is process 2. See the package comment.
func SubsidyDisbursement(ctx workflow.Context, in Input) (string, error) {
	if err := in.validate(); err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{
		ID: in.CaseID, Process: Process, Title: Title(in.TalentName, in.Terms.Name),
		Applicant: in.Applicant, Category: in.Category, Restore: in.Engine,
	})
	if err != nil {
		return "", err
	}
	s := &subsidy{Case: c, in: in}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDepart, s.depart,
		workflow.UpdateHandlerOptions{Validator: s.validateDeparture}); err != nil {
		return "", err
	}
	ledger := workflow.GetSignalChannel(ctx, SignalLedger)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			ledger.Receive(ctx, nil)
			s.ledgerChanged = true
		}
	})
	return c.Run(s.run)
}

type subsidy struct {
	*workflows.Case
	in Input

	departure     *DepartureAction
	ledgerChanged bool
	// reconfirm is the open re-confirmation of employment, if any.
	reconfirm       workflow.Future
	reconfirmSeq    int
	reconfirmResult *workflows.StepResult
}

func (p *subsidy) io(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, ledgerOptions)
}

func (p *subsidy) run(ctx workflow.Context) (string, error) {
	if p.in.Schedule == nil {
		p.AllowWithdraw(true)
		p.Event(ctx, workflows.Event{Kind: workflows.EventSubmitted, Actor: p.in.Applicant.Username, Role: p.in.Applicant.Role,
			Detail: fmt.Sprintf("%s v%d, %s × %d", p.in.Terms.Name, p.in.Terms.Version, domain.FormatYuan(p.in.Terms.AmountFen), p.in.Terms.Periods())})
		state, approved, err := p.approve(ctx)
		if err != nil || !approved {
			return state, err
		}
	}
	return p.disburse(ctx)
}

// approve runs the approval chain and reserves the budget. Finance's approval normally
// reserved it already (the API reserves before it lets the decision through, so an exhausted
// budget is refused to the officer at once); the workflow reserves again, idempotently, and if
// the budget ran out in between, the case goes back to finance instead of paying.
func (p *subsidy) approve(ctx workflow.Context) (string, bool, error) {
	plan := p.in.Plan
	limit := plan.LimitDays
	steps := []workflows.StepSpec{
		{Key: StepEmployment, Name: "用人单位在职确认", State: StateConfirming, Mode: workflows.ModeSingle,
			Signers: []workflows.Signer{{Department: plan.EmployerDepartment, Role: plan.EmployerRole}}, LimitDays: limit},
		{Key: StepReview, Name: "人社局审核", State: StateReviewing, Mode: workflows.ModeSingle,
			Signers: []workflows.Signer{{Department: plan.ReviewDepartment, Role: workflows.RoleApprover}}, LimitDays: limit,
			ReturnTargets: []string{StepEmployment}},
		p.financeStep(),
	}
	flow, err := p.RunFlow(ctx, steps, plan.CorrectionDays)
	switch {
	case err != nil:
		return "", false, err
	case flow.Expired:
		return workflows.StateExpired, false, nil
	case !flow.Approved:
		return workflows.StateRejected, false, nil
	}
	for {
		var reserved bool
		err := workflow.ExecuteActivity(p.io(ctx), ActivityReserve, p.ID()).Get(ctx, &reserved)
		var appErr *temporal.ApplicationError
		if err == nil {
			p.Event(ctx, workflows.Event{Kind: EventBudgetReserved, Detail: domain.FormatYuan(p.in.Terms.AmountFen*int64(p.in.Terms.Periods())) + " 元"})
			break
		}
		if !errors.As(err, &appErr) || appErr.Type() != ErrBudgetExhausted {
			return "", false, err
		}
		p.Event(ctx, workflows.Event{Kind: EventBudgetExhausted, Detail: "the policy's budget for the year cannot cover this subsidy"})
		p.Notify(workflows.NotifyEscalation, "", "补贴预算不足："+p.Info().Title, "该政策年度预算不足以覆盖本笔补贴，请追加预算或不予批准。",
			workflows.Recipient{Department: plan.FinanceDepartment, Role: domain.RoleFinance})
		res, err := p.RunStep(ctx, p.financeStep())
		if err != nil {
			return "", false, err
		}
		if res.Class != domain.OutcomeApprove {
			return workflows.StateRejected, false, nil
		}
	}
	now := workflow.Now(ctx)
	sched := &Schedule{Start: now, FirstPeriod: domain.PeriodOf(now), Next: 1, ConfirmedThrough: 1}
	if err := workflow.ExecuteActivity(p.io(ctx), ActivityStart, ScheduleStart{CaseID: p.ID(), At: now, FirstPeriod: sched.FirstPeriod}).Get(ctx, nil); err != nil {
		return "", false, err
	}
	p.in.Schedule = sched
	return "", true, nil
}

func (p *subsidy) financeStep() workflows.StepSpec {
	return workflows.StepSpec{Key: StepFinance, Name: "财政局审批", State: StateApproving, Mode: workflows.ModeSingle,
		Signers:   []workflows.Signer{{Department: p.in.Plan.FinanceDepartment, Role: domain.RoleFinance}},
		LimitDays: p.in.Plan.LimitDays, ReturnTargets: []string{StepReview}}
}

// disburse books each period when it falls due, in the state its employment confirmation
// allows, and continues as new after each period.
func (p *subsidy) disburse(ctx workflow.Context) (string, error) {
	sched := p.in.Schedule
	periods := p.in.Terms.Periods()
	p.SetState(StateDisbursing, "disbursing", "发放中")
	for sched.Next <= periods {
		seq := sched.Next
		period := sched.Period(seq)
		if sched.After(period) {
			break
		}
		if err := p.awaitDue(ctx, seq); err != nil {
			return "", err
		}
		due := p.in.DueAt(seq)
		if sched.After(period) {
			break
		}
		state := domain.PaymentDue
		// A departure report confirms the employment up to the day the talent left.
		if seq > sched.ConfirmedThrough && sched.LeftOn == "" {
			state = domain.PaymentHeld
		}
		var booked BookedPayment
		if err := workflow.ExecuteActivity(p.io(ctx), ActivityBook, Booking{CaseID: p.ID(), Seq: seq, Period: period,
			DueAt: due, State: state}).Get(ctx, &booked); err != nil {
			return "", err
		}
		sched.Next = seq + 1
		p.AllowWithdraw(false)
		p.Audit(ctx, workflows.System, "ledger.book", "payment/"+booked.ID, string(booked.State),
			fmt.Sprintf("%s/%02d %s %d fen", p.ID(), seq, period, p.in.Terms.AmountFen))
		switch booked.State {
		case domain.PaymentDue:
			p.Event(ctx, workflows.Event{Kind: EventPaymentDue, Detail: fmt.Sprintf("%s 第%d期 %s 元", period, seq, domain.FormatYuan(p.in.Terms.AmountFen))})
			p.Notify(workflows.NotifyInfo, "", fmt.Sprintf("补贴待发放：%s %s", p.in.Terms.Name, period),
				fmt.Sprintf("第%d期 %s 元已列入待发放，财政局将随下一批次发放。", seq, domain.FormatYuan(p.in.Terms.AmountFen)),
				workflows.Recipient{Username: p.in.TalentUsername})
		case domain.PaymentHeld:
			sched.Held++
			p.Event(ctx, workflows.Event{Kind: EventPaymentHeld, Detail: fmt.Sprintf("%s 第%d期：用人单位未按时确认在职", period, seq)})
			p.Notify(workflows.NotifyEscalation, "", "补贴暂停发放："+p.Info().Title,
				fmt.Sprintf("%s 第%d期因用人单位未按时确认在职而暂停发放（不盲目发放），请督促确认。", period, seq),
				workflows.Recipient{Department: p.in.Plan.LGODepartment, Role: workflows.RoleLGO})
		}
		if err := p.Commit(ctx); err != nil {
			return "", err
		}
		if sched.Next <= periods && p.reconfirm == nil && p.departure == nil {
			return "", p.ContinueAsNew(ctx, WorkflowSubsidy, func(s workflows.CaseSnapshot) any {
				next := p.in
				next.Engine = &s
				return next
			})
		}
	}
	return p.settle(ctx)
}

// awaitDue waits until period seq falls due. Before a later period the employer re-confirms
// employment: the re-confirmation opens ReconfirmLeadDays ahead, unless one is open already or
// an earlier confirmation covers the period.
func (p *subsidy) awaitDue(ctx workflow.Context, seq int) error {
	sched := p.in.Schedule
	due := p.in.DueAt(seq)
	for {
		if sched.After(sched.Period(seq)) {
			return nil // the talent left before this period: it is never paid
		}
		needs := seq > sched.ConfirmedThrough && sched.LeftOn == "" && p.reconfirm == nil
		if needs && !workflow.Now(ctx).Before(p.reconfirmOpens(seq)) {
			p.openReconfirm(ctx, seq)
			needs = false
		}
		if !workflow.Now(ctx).Before(due) {
			return nil
		}
		next := due
		if needs {
			next = p.reconfirmOpens(seq)
		}
		if err := p.until(ctx, next); err != nil {
			return err
		}
	}
}

// until waits for t, taking in what happens meanwhile: a re-confirmation's answer, a departure.
func (p *subsidy) until(ctx workflow.Context, t time.Time) error {
	for {
		if err := p.takeIn(ctx); err != nil {
			return err
		}
		d := t.Sub(workflow.Now(ctx))
		if d <= 0 {
			return nil
		}
		changed, err := p.Wait(ctx, d, func() bool { return p.reconfirmResult != nil || (p.departure != nil && p.in.Schedule.LeftOn == "") })
		if err != nil {
			return err
		}
		if changed {
			// Let the caller look again at what the change means for its period.
			return p.takeIn(ctx)
		}
	}
}

// takeIn handles a re-confirmation that was answered and a departure that was reported.
func (p *subsidy) takeIn(ctx workflow.Context) error {
	sched := p.in.Schedule
	if res := p.reconfirmResult; res != nil {
		p.reconfirmResult, p.reconfirm = nil, nil
		if res.Class == domain.OutcomeApprove {
			// The confirmation covers every period whose re-confirmation window has opened.
			sched.ConfirmedThrough = max(sched.ConfirmedThrough, p.reconfirmSeq, sched.Next-1)
			for k := sched.Next; k <= p.in.Terms.Periods() && !workflow.Now(ctx).Before(p.reconfirmOpens(k)); k++ {
				sched.ConfirmedThrough = k
			}
			if sched.Held > 0 {
				var periods []string
				if err := workflow.ExecuteActivity(p.io(ctx), ActivityReleaseHeld, p.ID()).Get(ctx, &periods); err != nil {
					return err
				}
				sched.Held = 0
				p.Event(ctx, workflows.Event{Kind: EventHeldReleased, Detail: fmt.Sprintf("%v", periods)})
				p.Audit(ctx, workflows.System, "ledger.release_held", "case/"+p.ID(), "due", fmt.Sprintf("%v", periods))
			}
		} else {
			// The employer says the talent no longer works there: a departure as of today.
			if p.departure == nil {
				p.departure = &DepartureAction{LeftOn: workflow.Now(ctx).Format(time.DateOnly), Reason: res.Comment,
					Actor: workflows.Actor{Username: "employer", Role: p.in.Plan.EmployerRole, Department: p.in.Plan.EmployerDepartment}}
				if n := len(res.Decisions); n > 0 {
					p.departure.Actor.Username = res.Decisions[n-1].Actor.Username
				}
			}
			if sched.Held > 0 {
				if err := workflow.ExecuteActivity(p.io(ctx), ActivityCancelHeld, p.ID()).Get(ctx, nil); err != nil {
					return err
				}
				sched.Held = 0
			}
		}
		if err := p.Commit(ctx); err != nil {
			return err
		}
	}
	if p.departure != nil && sched.LeftOn == "" {
		return p.stop(ctx)
	}
	return nil
}

// reconfirmOpens is when the re-confirmation before period seq opens.
func (p *subsidy) reconfirmOpens(seq int) time.Time {
	return p.in.DueAt(seq).Add(-time.Duration(p.in.Plan.ReconfirmLeadDays * float64(24*time.Hour) * p.in.scale()))
}

func (p *subsidy) openReconfirm(ctx workflow.Context, seq int) {
	p.reconfirmSeq = seq
	spec := workflows.StepSpec{Key: StepReconfirm, Name: fmt.Sprintf("发放前在职确认（%s）", p.in.Schedule.Period(seq)), Mode: workflows.ModeSingle,
		Signers:   []workflows.Signer{{Department: p.in.Plan.EmployerDepartment, Role: p.in.Plan.EmployerRole}},
		LimitDays: p.in.Plan.ReconfirmLimitDays,
		Outcomes: []workflows.OutcomeRule{
			{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove},
			// 不在职: the talent left; the comment says when and why.
			{Outcome: domain.OutcomeReject, Class: domain.OutcomeReject, ReasonRequired: true},
		}}
	p.reconfirm = p.Go(ctx, func(ctx workflow.Context) error {
		res, err := p.RunStep(ctx, spec)
		if err == nil {
			p.reconfirmResult = &res
		}
		return err
	})
	p.SetState(StateDisbursing, "disbursing", "发放中")
}

func (p *subsidy) validateDeparture(ctx workflow.Context, a DepartureAction) error {
	switch {
	case p.in.Schedule == nil:
		return workflows.Conflict("subsidy %s is not being paid yet: withdraw or reject it instead", p.ID())
	case p.departure != nil:
		return workflows.Conflict("a departure of %s is already recorded for subsidy %s", p.departure.LeftOn, p.ID())
	}
	// Days are China's: just after midnight there, "today" is already tomorrow in UTC.
	left, err := domain.ParseDate(a.LeftOn)
	switch {
	case err != nil:
		return workflows.Invalid("left_on", "left_on is a date YYYY-MM-DD, got %q", a.LeftOn)
	case left.After(domain.Date(workflow.Now(ctx))):
		return workflows.Invalid("left_on", "left_on %s is in the future: report a departure once it happened", a.LeftOn)
	}
	return nil
}

func (p *subsidy) depart(ctx workflow.Context, a DepartureAction) (workflows.CaseStatus, error) {
	p.departure = &a
	p.Event(ctx, workflows.Event{Kind: EventDeparture, Actor: a.Actor.Username, Role: a.Actor.Role, Department: a.Actor.Department,
		Comment: a.Reason, Detail: "left on " + a.LeftOn})
	p.Audit(ctx, a.Actor, "subsidy.departure", "case/"+p.ID(), "left on "+a.LeftOn, a.Reason)
	// Answer once the process has stopped the schedule in the ledger.
	if err := workflow.Await(ctx, func() bool { return p.in.Schedule.LeftOn != "" }); err != nil {
		return workflows.CaseStatus{}, err
	}
	return p.Status(), nil
}

// stop records the departure in the ledger and opens the recovery of what was overpaid.
func (p *subsidy) stop(ctx workflow.Context) error {
	sched, a := p.in.Schedule, p.departure
	var res DepartureResult
	if err := workflow.ExecuteActivity(p.io(ctx), ActivityDepart, DepartureRecord{CaseID: p.ID(), LeftOn: a.LeftOn}).Get(ctx, &res); err != nil {
		return err
	}
	// The report confirms the employment up to the day the talent left: held periods until
	// then were made due by the ledger, later ones are not paid.
	sched.LeftOn, sched.ConfirmedThrough, sched.Held = a.LeftOn, p.in.Terms.Periods(), 0
	p.Audit(ctx, workflows.System, "ledger.stop", "case/"+p.ID(), fmt.Sprintf("released %d fen", res.ReleasedFen),
		fmt.Sprintf("left on %s; cancelled %v; %d recovery items", a.LeftOn, res.Cancelled, res.Recoveries))
	p.Event(ctx, workflows.Event{Kind: EventDeparture, Detail: fmt.Sprintf("stopped after %s: %d periods cancelled, %s 元 released",
		a.LeftOn[:7], len(res.Cancelled), domain.FormatYuan(res.ReleasedFen))})
	p.Notify(workflows.NotifyInfo, "", "补贴停发："+p.Info().Title, fmt.Sprintf("已登记 %s 离职，此后各期不再发放。", a.LeftOn),
		workflows.Recipient{Username: p.in.TalentUsername}, workflows.Recipient{Department: p.in.Plan.LGODepartment, Role: workflows.RoleLGO})
	return p.Commit(ctx)
}

// settle waits, once every period is booked, until the ledger has nothing outstanding: every
// payment paid or cancelled, every recovery item recovered. A paid period after a departure
// opens a recovery task for finance (the lgo is told and follows it).
func (p *subsidy) settle(ctx workflow.Context) (string, error) {
	sched := p.in.Schedule
	var recovery workflow.Future
	var recoveryDone *workflows.StepResult
	for {
		if err := p.takeIn(ctx); err != nil {
			return "", err
		}
		p.ledgerChanged = false
		var outstanding Outstanding
		if err := workflow.ExecuteActivity(p.io(ctx), ActivityOutstanding, p.ID()).Get(ctx, &outstanding); err != nil {
			return "", err
		}
		if recoveryDone != nil {
			if recoveryDone.Class == domain.OutcomeApprove {
				var fen int64
				if err := workflow.ExecuteActivity(p.io(ctx), ActivityRepaid, RepaymentRecord{CaseID: p.ID(), Reference: recoveryDone.Comment}).Get(ctx, &fen); err != nil {
					return "", err
				}
				p.Event(ctx, workflows.Event{Kind: EventRecovered, Detail: domain.FormatYuan(fen) + " 元"})
				p.Audit(ctx, workflows.System, "ledger.repaid", "case/"+p.ID(), fmt.Sprintf("%d fen", fen), recoveryDone.Comment)
				outstanding.Recoveries = 0
			}
			recovery, recoveryDone = nil, nil
			continue
		}
		if outstanding.Recoveries > 0 && recovery == nil {
			sched.Recoveries++
			p.Event(ctx, workflows.Event{Kind: EventRecovery, Detail: domain.FormatYuan(outstanding.RecoverFen) + " 元"})
			p.Notify(workflows.NotifyEscalation, "", "补贴追回："+p.Info().Title,
				fmt.Sprintf("离职后多发 %s 元，需追回（财政局登记退款，或在其后续补贴中抵扣）。", domain.FormatYuan(outstanding.RecoverFen)),
				workflows.Recipient{Department: p.in.Plan.LGODepartment, Role: workflows.RoleLGO})
			spec := workflows.StepSpec{Key: StepRecovery, Name: fmt.Sprintf("追回多发补贴 %s 元", domain.FormatYuan(outstanding.RecoverFen)),
				State: StateRecovering, Mode: workflows.ModeSingle,
				Signers:   []workflows.Signer{{Department: p.in.Plan.FinanceDepartment, Role: domain.RoleFinance}},
				LimitDays: p.in.Plan.LimitDays * 4,
				Outcomes: []workflows.OutcomeRule{
					// approve: the repayment was received; the comment names the receipt.
					{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove, ReasonRequired: true},
				}}
			recovery = p.Go(ctx, func(ctx workflow.Context) error {
				res, err := p.RunStep(ctx, spec)
				if err == nil {
					recoveryDone = &res
				}
				return err
			})
		}
		if outstanding.Payments == 0 && outstanding.Recoveries == 0 && recovery == nil && (p.reconfirm == nil || sched.LeftOn != "") {
			if sched.LeftOn != "" {
				return StateStopped, nil
			}
			return StateCompleted, nil
		}
		if _, err := p.Wait(ctx, time.Duration(float64(recheckEvery)*p.in.scale()), func() bool {
			return p.ledgerChanged || recoveryDone != nil || p.reconfirmResult != nil || (p.departure != nil && sched.LeftOn == "")
		}); err != nil {
			return "", err
		}
	}
}
