// Package introduction is process 1, talent introduction and certification (人才引进认定), and
// the liaison pairing request that follows a certification: their workflows and payload types.
package introduction

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
	"talentflow/workflows/liaison"
)

// Process names as stored on cases and tasks.
const (
	Process = "introduction"
)

// Workflow type names, registered explicitly so that a rename of a Go function never orphans a
// running case; and the names of this process's activities, update and timeline events.
const (
	WorkflowIntroduction     = "TalentIntroduction"
	ActivityIssueCertificate = "IssueCertificate" // CertificateRequest → Certificate
	UpdateObject             = "object"           // workflows.CaseAction → workflows.CaseStatus (public-notice objection)
)

// Timeline events of this process, besides the engine's.
const (
	EventNoticeStarted  = "notice_started"
	EventObjection      = "objection"
	EventNoticeResumed  = "notice_resumed"
	EventCertified      = "certified"
	EventPairingRequest = "pairing_requested"
)

// WorkflowID is the id of a talent introduction case's workflow.
func WorkflowID(caseID string) string { return "intro:" + caseID }

// Case states of a talent introduction (人才引进认定), besides the engine's own.
const (
	IntroAccepting  = "accepting"  // 窗口受理
	IntroInReview   = "in_review"  // 部门会签
	IntroSignOff    = "signoff"    // 领导小组办公室审定
	IntroNotice     = "notice"     // 公示
	IntroObjection  = "objection"  // 公示异议处理
	IntroCertifying = "certifying" // 证书制发
	IntroCertified  = "certified"
)

// Step keys of a talent introduction.
const (
	StepWindow    = "window"
	StepReview    = "review"
	StepSignOff   = "signoff"
	StepObjection = "objection"
)

// IntroductionInput starts a talent introduction case.
type IntroductionInput struct {
	CaseID    string           `json:"case_id"`
	Applicant workflows.Actor  `json:"applicant"`
	Name      string           `json:"name"` // the talent's name, for titles
	Category  domain.Category  `json:"category"`
	Plan      IntroductionPlan `json:"plan"`
}

// IntroductionPlan is the routing and the time limits in force when the case was submitted,
// frozen into the case so that a later change of the routing file never moves a running case.
type IntroductionPlan struct {
	Window         DepartmentLimit   `json:"window"`
	Reviewers      []DepartmentLimit `json:"reviewers"`
	SignOff        DepartmentLimit   `json:"signoff"`
	NoticeDays     float64           `json:"notice_days"`
	CorrectionDays float64           `json:"correction_days"`
	ObjectionDays  float64           `json:"objection_days"`
}

// DepartmentLimit is a department with its time limit in working days.
type DepartmentLimit struct {
	Department string  `json:"department"`
	LimitDays  float64 `json:"limit_days"`
}

// IntroductionResult is how a talent introduction ended.
type IntroductionResult struct {
	State         string          `json:"state"`
	Category      domain.Category `json:"category"`
	CertificateNo string          `json:"certificate_no,omitempty"`
}

// CertificateRequest asks for the certificate of a certified case (idempotent by case).
type CertificateRequest struct {
	CaseID   string          `json:"case_id"`
	Category domain.Category `json:"category"`
	IssuedAt time.Time       `json:"issued_at"`
}

// Certificate is an issued 人才认定证书.
type Certificate struct {
	No string `json:"no"`
}

// IntroductionTitle is how cases and tasks name a talent introduction.
func IntroductionTitle(name string) string { return name + " 人才引进认定" }

// WorkflowID is the id of the case's workflow.
func (in IntroductionInput) WorkflowID() string { return WorkflowID(in.CaseID) }

func (in IntroductionInput) validate() error {
	var errs []error
	if in.CaseID == "" || in.Applicant.UserID == "" {
		errs = append(errs, errors.New("case id and applicant are required"))
	}
	if !in.Category.Valid() {
		errs = append(errs, fmt.Errorf("category %q is not A–E", in.Category))
	}
	p := in.Plan
	if p.Window.Department == "" || p.SignOff.Department == "" || len(p.Reviewers) == 0 {
		errs = append(errs, errors.New("the plan needs a window, reviewers and a sign-off department"))
	}
	if p.NoticeDays <= 0 || p.CorrectionDays <= 0 {
		errs = append(errs, errors.New("the plan needs positive notice and correction periods"))
	}
	return errors.Join(errs...)
}

var certificateOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// TalentIntroduction is process 1: window acceptance → parallel department review (会签) →
// leading-group office sign-off (confirm, downgrade or reject) → public notice (公示, paused by
// objections) → certificate → follow-on (a liaison pairing request for A–C). The applicant may
// withdraw until the certificate is issued.
func TalentIntroduction(ctx workflow.Context, in IntroductionInput) (IntroductionResult, error) {
	if err := in.validate(); err != nil {
		return IntroductionResult{}, temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{
		ID:        in.CaseID,
		Process:   Process,
		Title:     IntroductionTitle(in.Name),
		Applicant: in.Applicant,
		Category:  in.Category,
	})
	if err != nil {
		return IntroductionResult{}, err
	}
	intro := &introduction{Case: c, in: in, category: in.Category}
	if err := c.OnCaseAction(ctx, UpdateObject, intro.validateObjection, intro.recordObjection); err != nil {
		return IntroductionResult{}, err
	}
	state, err := c.Run(intro.run)
	return IntroductionResult{State: state, Category: intro.category, CertificateNo: intro.certificateNo}, err
}

type introduction struct {
	*workflows.Case
	in            IntroductionInput
	category      domain.Category
	certificateNo string
	noticeOpen    bool
	objections    []workflows.CaseAction
}

func (p *introduction) run(ctx workflow.Context) (string, error) {
	p.AllowWithdraw(true)
	p.Event(ctx, workflows.Event{Kind: workflows.EventSubmitted, Actor: p.in.Applicant.Username, Role: p.in.Applicant.Role,
		Detail: "category " + string(p.category)})

	flow, err := p.RunFlow(ctx, p.steps(ctx), p.in.Plan.CorrectionDays)
	if err != nil {
		return "", err
	}
	switch {
	case flow.Expired:
		return workflows.StateExpired, nil
	case !flow.Approved:
		return workflows.StateRejected, nil
	}
	if signoff := flow.Results[StepSignOff]; signoff.Outcome == domain.OutcomeDowngrade {
		p.category = signoff.Category
		p.View().Category = p.category
	}

	upheld, err := p.publicNotice(ctx)
	if err != nil || upheld {
		return workflows.StateRejected, err
	}

	p.AllowWithdraw(false)
	return IntroCertified, p.certify(ctx)
}

// Versions of the introduction workflow's code, for cases started before a change.
const (
	// versionSignOffCC: the sign-off's decision is copied to the reviewing departments.
	versionSignOffCC = "signoff-cc"
)

// steps are the approval steps; reviewers come from the routing plan of the category.
func (p *introduction) steps(ctx workflow.Context) []workflows.StepSpec {
	plan := p.in.Plan
	reviewers := make([]workflows.Signer, len(plan.Reviewers))
	var reviewerDepts []workflows.Recipient
	copyReviewers := workflow.GetVersion(ctx, versionSignOffCC, workflow.DefaultVersion, 1) >= 1
	for i, r := range plan.Reviewers {
		reviewers[i] = workflows.Signer{Department: r.Department, Role: workflows.RoleApprover, LimitDays: r.LimitDays}
		if copyReviewers {
			reviewerDepts = append(reviewerDepts, workflows.Recipient{Department: r.Department, Role: workflows.RoleApprover})
		}
	}
	return []workflows.StepSpec{
		{
			Key: StepWindow, Name: "窗口受理", State: IntroAccepting, Mode: workflows.ModeSingle,
			Signers:   []workflows.Signer{{Department: plan.Window.Department, Role: workflows.RoleClerk}},
			LimitDays: plan.Window.LimitDays,
		},
		{
			Key: StepReview, Name: "部门会签", State: IntroInReview, Mode: workflows.ModeCountersign,
			Signers: reviewers,
		},
		{
			Key: StepSignOff, Name: "领导小组办公室审定", State: IntroSignOff, Mode: workflows.ModeSingle,
			Signers:   []workflows.Signer{{Department: plan.SignOff.Department, Role: workflows.RoleLGO}},
			LimitDays: plan.SignOff.LimitDays,
			Outcomes: []workflows.OutcomeRule{
				{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove},
				{Outcome: domain.OutcomeDowngrade, Class: domain.OutcomeApprove, ReasonRequired: true},
				{Outcome: domain.OutcomeReject, Class: domain.OutcomeReject, ReasonRequired: true},
				{Outcome: domain.OutcomeReturn, Class: domain.OutcomeReturn, ReasonRequired: true},
			},
			ReturnTargets: []string{StepReview, StepWindow},
			Check:         p.checkDowngrade,
			// The departments that reviewed the case get a copy of the office's decision (抄送).
			CC: reviewerDepts,
		},
	}
}

// checkDowngrade: a downgrade names a category below the claimed one; other outcomes name none.
func (p *introduction) checkDowngrade(d workflows.Decision) error {
	if d.Outcome != domain.OutcomeDowngrade {
		if d.Category != "" {
			return workflows.Invalid("category", "only a downgrade names a category")
		}
		return nil
	}
	if !d.Category.Valid() || !d.Category.Below(p.category) {
		return workflows.Invalid("category", "a downgrade needs a category below %s, got %q", p.category, d.Category)
	}
	return nil
}

// publicNotice runs the 公示 for NoticeDays working days. An objection pauses the clock and
// puts an uphold-or-dismiss task before the leading-group office; a dismissed objection resumes
// the notice for its remaining time. It reports whether an objection was upheld.
func (p *introduction) publicNotice(ctx workflow.Context) (upheld bool, err error) {
	remaining := p.in.Plan.NoticeDays
	for round := 1; remaining > 1e-9; round++ {
		start := workflow.Now(ctx)
		end := p.Deadlines(ctx, workflows.ScheduleRequest{Start: start, LimitDays: remaining, LGODelayDays: -1})[0].Deadline
		p.SetState(IntroNotice, "notice", "公示")
		p.View().PhaseEndsAt = workflows.TimePtr(end)
		kind := EventNoticeStarted
		if round > 1 {
			kind = EventNoticeResumed
		}
		p.Event(ctx, workflows.Event{Kind: kind, Detail: "until " + workflows.FormatTime(end)})
		p.noticeOpen = true
		if err := p.Commit(ctx); err != nil {
			return false, err
		}
		timeout := end.Sub(workflow.Now(ctx))
		if timeout <= 0 {
			timeout = -1
		}
		objected, err := p.Wait(ctx, timeout, func() bool { return len(p.objections) > 0 })
		p.noticeOpen = false
		if err != nil {
			return false, err
		}
		if !objected {
			break
		}
		remaining -= p.WorkingDays(ctx, []workflows.Interval{{From: start, To: workflow.Now(ctx)}})[0]
		p.View().PhaseEndsAt = nil
		res, err := p.RunStep(ctx, workflows.StepSpec{
			Key: StepObjection, Name: "公示异议处理", State: IntroObjection, Mode: workflows.ModeSingle,
			Signers:   []workflows.Signer{{Department: p.in.Plan.SignOff.Department, Role: workflows.RoleLGO}},
			LimitDays: p.in.Plan.ObjectionDays,
			Outcomes: []workflows.OutcomeRule{
				{Outcome: domain.OutcomeUphold, Class: domain.OutcomeReject, ReasonRequired: true},
				{Outcome: domain.OutcomeDismiss, Class: domain.OutcomeApprove, ReasonRequired: true},
			},
		})
		p.objections = nil
		if err != nil {
			return false, err
		}
		if res.Class == domain.OutcomeReject {
			return true, nil
		}
	}
	p.View().PhaseEndsAt = nil
	return false, nil
}

func (p *introduction) validateObjection(a workflows.CaseAction) error {
	switch {
	case !p.noticeOpen:
		return workflows.Conflict("case %s is not in public notice", p.ID())
	case len(p.objections) > 0:
		return workflows.Conflict("the notice of case %s is already paused for an objection", p.ID())
	case strings.TrimSpace(a.Reason) == "":
		return workflows.Invalid("reason", "an objection needs its grounds")
	}
	return nil
}

func (p *introduction) recordObjection(ctx workflow.Context, a workflows.CaseAction) {
	p.objections = append(p.objections, a)
	p.Event(ctx, workflows.Event{Kind: EventObjection, Actor: a.Actor.Username, Role: a.Actor.Role, Department: a.Actor.Department, Comment: a.Reason})
	p.Audit(ctx, a.Actor, "case.object", "case/"+p.ID(), "objection filed", a.Reason)
}

// certify issues the certificate and starts the follow-on work.
func (p *introduction) certify(ctx workflow.Context) error {
	p.SetState(IntroCertifying, "certificate", "证书制发")
	if err := p.Commit(ctx); err != nil {
		return err
	}
	var cert Certificate
	req := CertificateRequest{CaseID: p.ID(), Category: p.category, IssuedAt: workflow.Now(ctx)}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, certificateOptions),
		ActivityIssueCertificate, req).Get(ctx, &cert); err != nil {
		return err
	}
	p.certificateNo = cert.No
	v := p.View()
	v.CertificateNo = cert.No
	v.CurrentStep, v.StepName = "certified", "已认定"
	p.Event(ctx, workflows.Event{Kind: EventCertified, Detail: cert.No})
	p.Audit(ctx, workflows.System, "case.certify", "case/"+p.ID(), cert.No, fmt.Sprintf("category %s", p.category))
	p.Notify(workflows.NotifyInfo, "", "人才认定证书已颁发", fmt.Sprintf("证书编号 %s（%s类 %s）", cert.No, p.category, p.category.Label()), p.Applicant())

	if p.category.NeedsLiaison() {
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        liaison.PairingRequestWorkflowID(p.ID()),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		f := workflow.ExecuteChildWorkflow(child, liaison.WorkflowPairingRequest, liaison.PairingRequestInput{
			TalentCaseID: p.ID(), TalentName: p.in.Name, Category: p.category,
			Applicant: p.in.Applicant, Department: p.in.Plan.SignOff.Department, LimitDays: p.in.Plan.SignOff.LimitDays,
		})
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			return err
		}
		p.Event(ctx, workflows.Event{Kind: EventPairingRequest, Detail: liaison.PairingRequestCaseID(p.ID())})
	}
	return nil
}
