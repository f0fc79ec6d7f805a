package liaison

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// projectOptions: a pairing's and a demand's rows are written by local activities that retry
// until the database is back, like the engine's projection.
var projectOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
}

// PairingTitle is how cases and notifications name a pairing.
func PairingTitle(talent string, c domain.Category) string {
	return fmt.Sprintf("%s（%s类）联系服务", talent, c)
}

func (in PairingInput) validate() error {
	var errs []error
	if in.CaseID == "" || in.Talent.UserID == "" || in.Leader.Username == "" || in.Specialist.Username == "" {
		errs = append(errs, errors.New("a pairing needs an id, a talent, a leader and a specialist"))
	}
	if in.Cadence.PerYear <= 0 || in.Cadence.OverdueEveryDays <= 0 || in.Cadence.EscalateTo == "" {
		errs = append(errs, errors.New("the cadence needs contacts per year, an overdue reminder interval and an office"))
	}
	if len(in.Demands.Routes) == 0 || in.Demands.Office == "" {
		errs = append(errs, errors.New("the demand plan needs routes and an office"))
	}
	return errors.Join(errs...)
}

func talentActor(p Person) workflows.Actor {
	return workflows.Actor{UserID: p.UserID, Username: p.Username, Name: p.Name, Role: workflows.RoleApplicant}
}

// LiaisonPairing is one pairing of a talent with a county leader and a service specialist, for
// as long as it lasts. See the package comment.
func LiaisonPairing(ctx workflow.Context, in PairingInput) (string, error) {
	if err := in.validate(); err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{
		ID: in.CaseID, Process: Process, Title: PairingTitle(in.Talent.Name, in.Category),
		Applicant: talentActor(in.Talent), Category: in.Category, Restore: in.Engine, ContinueAfterEvents: in.ContinueAfterEvents,
	})
	if err != nil {
		return "", err
	}
	p := &pairing{Case: c, in: in, st: in.State}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateContact, p.logContact,
		workflow.UpdateHandlerOptions{Validator: p.validateContact}); err != nil {
		return "", err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateReassign, p.reassign,
		workflow.UpdateHandlerOptions{Validator: p.validateReassign}); err != nil {
		return "", err
	}
	if err := c.OnCaseAction(ctx, UpdateEnd, p.validateEnd, p.end); err != nil {
		return "", err
	}
	return c.Run(p.run)
}

type pairing struct {
	*workflows.Case
	in PairingInput
	st *PairingState
	// ending: the office ended the pairing; busy: the body is changing the schedule (an alarm
	// or an advance), which a contact waits for, so that it meets the due date that holds.
	ending *workflows.CaseAction
	busy   bool
}

func (p *pairing) scale() float64 {
	if p.in.Scale <= 0 {
		return 1
	}
	return p.in.Scale
}

// clock maps process time (due dates, reminders) to the workflow's clock: TALENTFLOW_TIME_SCALE
// shortens every span from the pairing's start.
func (p *pairing) clock(t time.Time) time.Time {
	o := p.st.Origin
	return o.Add(time.Duration(float64(t.Sub(o)) * p.scale()))
}

// now is the process time.
func (p *pairing) now(ctx workflow.Context) time.Time {
	o := p.st.Origin
	return o.Add(time.Duration(float64(workflow.Now(ctx).Sub(o)) / p.scale()))
}

func day(s string) time.Time {
	d, _ := domain.ParseDate(s)
	return d
}

// record writes the pairing's rows.
func (p *pairing) record(ctx workflow.Context, r PairingRecord) error {
	r.PairingID, r.At = p.ID(), workflow.Now(ctx)
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOptions), ActivityProjectPairing, r).Get(ctx, nil)
}

func (p *pairing) leader() workflows.Recipient {
	return workflows.Recipient{Username: p.in.Leader.Username}
}

func (p *pairing) specialist() workflows.Recipient {
	return workflows.Recipient{Username: p.in.Specialist.Username}
}

func (p *pairing) office() workflows.Recipient {
	return workflows.Recipient{Department: p.in.Cadence.EscalateTo, Role: workflows.RoleLGO}
}

func (p *pairing) run(ctx workflow.Context) (string, error) {
	if p.st == nil {
		if err := p.begin(ctx); err != nil {
			return "", err
		}
	}
	p.show()
	if err := p.Commit(ctx); err != nil {
		return "", err
	}
	for {
		if p.ending != nil {
			return p.finish(ctx)
		}
		if p.st.Met {
			p.busy = true
			if err := p.advance(ctx); err != nil {
				return "", err
			}
			p.busy = false
			return "", p.continueAsNew(ctx)
		}
		at, fire := p.nextAlarm()
		if wait := p.clock(at).Sub(workflow.Now(ctx)); wait > 0 {
			woken, err := p.Wait(ctx, wait, func() bool { return p.st.Met || p.ending != nil })
			if err != nil {
				return "", err
			}
			if woken {
				continue
			}
		}
		cycle := p.st.Cycle
		p.busy = true
		if err := fire(ctx); err != nil {
			return "", err
		}
		if err := p.Commit(ctx); err != nil {
			return "", err
		}
		p.busy = false
		if p.st.Cycle != cycle || p.ShouldContinueAsNew(ctx) {
			return "", p.continueAsNew(ctx)
		}
	}
}

func (p *pairing) continueAsNew(ctx workflow.Context) error {
	return p.ContinueAsNew(ctx, WorkflowPairing, func(s workflows.CaseSnapshot) any {
		next := p.in
		next.Engine, next.State = &s, p.st
		return next
	})
}

// begin starts a new pairing: its first due date, the first rows, the people told.
func (p *pairing) begin(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	cad := p.in.Cadence
	first, err := domain.FirstDueDate(now, cad.PerYear, cad.FirstDueAfterDays)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), "InvalidInput", nil)
	}
	started := domain.Date(now).Format(time.DateOnly)
	p.st = &PairingState{Origin: now, Started: started, Due: first.Format(time.DateOnly), Opens: started}
	p.skipPastReminders(ctx)
	by := p.in.By
	p.Event(ctx, workflows.Event{Kind: EventPaired, Actor: by.Username, Role: by.Role, Department: by.Department,
		Detail: fmt.Sprintf("leader %s, specialist %s; %d contacts a year; first due %s", p.in.Leader.Username,
			p.in.Specialist.Username, cad.PerYear, p.st.Due)})
	p.Audit(ctx, by, "pairing.start", "case/"+p.ID(), "paired",
		fmt.Sprintf("%s with leader %s and specialist %s", p.in.CertificateNo, p.in.Leader.Username, p.in.Specialist.Username))
	title := "联系服务专家：" + p.Info().Title
	body := fmt.Sprintf("您已与%s（%s类人才）结对联系，每年至少联系 %d 次，首次联系请于 %s 前完成。服务专员：%s。",
		p.in.Talent.Name, p.in.Category, cad.PerYear, p.st.Due, p.in.Specialist.Name)
	p.Notify(workflows.NotifyInfo, "", title, body, p.leader())
	p.Notify(workflows.NotifyInfo, "", title, fmt.Sprintf("您作为服务专员协助%s联系%s，首次联系截至 %s。", p.in.Leader.Name, p.in.Talent.Name, p.st.Due), p.specialist())
	p.Notify(workflows.NotifyInfo, "", "已为您确定联系领导", fmt.Sprintf("县级领导%s将与您结对联系，服务专员%s负责日常对接。", p.in.Leader.Name, p.in.Specialist.Name),
		workflows.Recipient{Username: p.in.Talent.Username})
	f := false
	return p.record(ctx, PairingRecord{NextDue: p.st.Due, Overdue: &f, Due: p.dueRow(DueOpen)})
}

func (p *pairing) dueRow(state string) *DueRecord {
	return &DueRecord{DueOn: p.st.Due, Leader: p.in.Leader.Username, State: state, Overdue: p.st.Overdue}
}

// show puts the pairing's state on its case row: active or overdue, waiting for a contact due
// on the current date (the phase ends when that date passes, on the scaled clock).
func (p *pairing) show() {
	state := StateActive
	if p.st.Overdue {
		state = StateOverdue
	}
	p.SetState(state, StepContact, "联系服务（截至 "+p.st.Due+"）")
	p.View().PhaseEndsAt = workflows.TimePtr(p.clock(p.dueAt()))
}

// dueAt is when the current due date has passed: midnight after it.
func (p *pairing) dueAt() time.Time { return day(p.st.Due).AddDate(0, 0, 1) }

// remindAt is when the reminder days before the due date goes: 09:00 that day.
func (p *pairing) remindAt(days int) time.Time {
	return day(p.st.Due).Add(9*time.Hour).AddDate(0, 0, -days)
}

func (p *pairing) reminders() []int {
	r := slices.Clone(p.in.Cadence.RemindDaysBefore)
	slices.Sort(r)
	slices.Reverse(r)
	return r
}

// skipPastReminders marks as sent the reminders of the current due date whose time has passed
// already (a cycle that begins close to its due date).
func (p *pairing) skipPastReminders(ctx workflow.Context) {
	now := p.now(ctx)
	for _, r := range p.reminders() {
		if !p.remindAt(r).After(now) && !slices.Contains(p.st.Reminded, r) {
			p.st.Reminded = append(p.st.Reminded, r)
		}
	}
}

// nextAlarm is what happens next if nobody logs a contact: a reminder, the due date passing,
// a weekly overdue reminder, or the next due date passing too.
func (p *pairing) nextAlarm() (time.Time, func(workflow.Context) error) {
	if !p.st.Overdue {
		for _, r := range p.reminders() {
			if !slices.Contains(p.st.Reminded, r) {
				return p.remindAt(r), func(ctx workflow.Context) error { return p.remind(ctx, r) }
			}
		}
		return p.dueAt(), p.markOverdue
	}
	next, _ := domain.NextDueDate(day(p.st.Due), p.in.Cadence.PerYear)
	if missAt := next.AddDate(0, 0, 1); !p.st.NextNag.Before(missAt) {
		return missAt, p.miss
	}
	return p.st.NextNag, p.nag
}

func (p *pairing) remind(ctx workflow.Context, days int) error {
	p.st.Reminded = append(p.st.Reminded, days)
	p.Event(ctx, workflows.Event{Kind: EventReminded, Detail: fmt.Sprintf("%d days before %s", days, p.st.Due)})
	title := fmt.Sprintf("联系提醒：%s 还有 %d 天到期", p.Info().Title, days)
	body := fmt.Sprintf("请于 %s 前联系服务%s（走访、电话、座谈或活动均可），并在平台登记。", p.st.Due, p.in.Talent.Name)
	p.Notify(workflows.NotifyReminder, "", title, body, p.leader())
	p.Notify(workflows.NotifyReminder, "", "抄送 "+title, fmt.Sprintf("请协助%s按期联系%s。", p.in.Leader.Name, p.in.Talent.Name), p.specialist())
	return nil
}

func (p *pairing) markOverdue(ctx workflow.Context) error {
	p.st.Overdue = true
	p.st.NextNag = p.dueAt().AddDate(0, 0, p.in.Cadence.OverdueEveryDays)
	p.escalate(ctx)
	t := true
	return p.record(ctx, PairingRecord{Overdue: &t, Due: p.dueRow(DueOpen)})
}

// escalate tells the leader, the specialist and the office that the current due date passed
// without a contact.
func (p *pairing) escalate(ctx workflow.Context) {
	p.show()
	p.Event(ctx, workflows.Event{Kind: EventOverdue, Detail: "no contact by " + p.st.Due})
	p.Audit(ctx, workflows.System, "pairing.overdue", "case/"+p.ID(), p.in.Leader.Username, "no contact logged by "+p.st.Due)
	title := fmt.Sprintf("联系逾期：%s 应于 %s 前联系", p.Info().Title, p.st.Due)
	p.Notify(workflows.NotifyReminder, "", title, "本期联系服务专家已逾期，请尽快联系并登记。", p.leader(), p.specialist())
	p.Notify(workflows.NotifyEscalation, "", title, fmt.Sprintf("联系领导%s本期未按时联系%s，请督办。", p.in.Leader.Name, p.in.Talent.Name), p.office())
}

func (p *pairing) nag(ctx workflow.Context) error {
	p.st.NextNag = p.st.NextNag.AddDate(0, 0, p.in.Cadence.OverdueEveryDays)
	p.Event(ctx, workflows.Event{Kind: EventOverdueNag, Detail: "still no contact for " + p.st.Due})
	p.Notify(workflows.NotifyReminder, "", fmt.Sprintf("联系仍逾期：%s（截至 %s）", p.Info().Title, p.st.Due),
		"本期联系服务专家仍未登记，请尽快联系。", p.leader(), p.specialist())
	return nil
}

// miss: the next due date passed too. The current one is missed; the next one is now due and
// overdue at once.
func (p *pairing) miss(ctx workflow.Context) error {
	p.Event(ctx, workflows.Event{Kind: EventMissed, Detail: p.st.Due})
	p.Audit(ctx, workflows.System, "pairing.missed", "case/"+p.ID(), p.in.Leader.Username, "no contact for the period due "+p.st.Due)
	if err := p.record(ctx, PairingRecord{Due: p.dueRow(DueMissed)}); err != nil {
		return err
	}
	next, _ := domain.NextDueDate(day(p.st.Due), p.in.Cadence.PerYear)
	p.st.Opens = p.dueAt().Format(time.DateOnly)
	p.st.Due = next.Format(time.DateOnly)
	p.st.Cycle++
	p.st.Reminded = nil
	p.skipPastReminders(ctx)
	p.escalate(ctx)
	t := true
	return p.record(ctx, PairingRecord{NextDue: p.st.Due, Overdue: &t, Due: p.dueRow(DueOpen)})
}

// advance moves to the next due date once a contact met the current one.
func (p *pairing) advance(ctx workflow.Context) error {
	next, _ := domain.NextDueDate(day(p.st.Due), p.in.Cadence.PerYear)
	p.st.Met = false
	p.st.Opens = p.dueAt().Format(time.DateOnly)
	p.st.Due = next.Format(time.DateOnly)
	p.st.Cycle++
	p.st.Overdue = false
	p.st.NextNag = time.Time{}
	p.st.Reminded = nil
	p.skipPastReminders(ctx)
	p.show()
	f := false
	return p.record(ctx, PairingRecord{NextDue: p.st.Due, Overdue: &f, Due: p.dueRow(DueOpen)})
}

func (p *pairing) closed() bool { return p.ending != nil || p.Status().Closed }

func (p *pairing) validateContact(ctx workflow.Context, in ContactInput) error {
	if p.st == nil {
		return workflows.Conflict("pairing %s is starting: try again in a moment", p.ID())
	}
	if p.closed() {
		return workflows.Conflict("pairing %s has ended", p.ID())
	}
	if in.Actor.Username != p.in.Leader.Username && in.Actor.Username != p.in.Specialist.Username {
		return workflows.Forbidden("only the pairing's leader (%s) or specialist (%s) logs its contacts", p.in.Leader.Username, p.in.Specialist.Username)
	}
	if in.ID == "" {
		return workflows.Invalid("id", "a contact needs an id")
	}
	d, err := domain.ParseDate(in.Date)
	switch {
	case err != nil:
		return workflows.Invalid("date", "date is a day YYYY-MM-DD, got %q", in.Date)
	case d.After(domain.Date(p.now(ctx))):
		return workflows.Invalid("date", "date %s is in the future: log a contact once it happened", in.Date)
	case d.Before(day(p.st.Started)):
		return workflows.Invalid("date", "date %s is before the pairing began on %s", in.Date, p.st.Started)
	case !in.Form.Valid():
		return workflows.Invalid("form", "form must be one of %s", strings.Join(domain.ContactFormValues(), ", "))
	}
	for i, dm := range in.Demands {
		if p.in.Demands.Routes[dm.Type] == "" {
			return workflows.Invalid(fmt.Sprintf("demands[%d].type", i), "demand type must be one of %s", strings.Join(domain.DemandTypeValues(), ", "))
		}
		if dm.ID == "" || strings.TrimSpace(dm.Detail) == "" {
			return workflows.Invalid(fmt.Sprintf("demands[%d].detail", i), "a demand needs an id and a detail")
		}
	}
	return nil
}

// logContact records a contact: it meets the current due date if it happened on or after the
// day that period opened (logging early is allowed; two contacts in one period count once), and
// each demand it raised starts as a workflow of its own, routed to its department.
func (p *pairing) logContact(ctx workflow.Context, in ContactInput) (ContactResult, error) {
	res := ContactResult{ID: in.ID, Demands: []DemandStarted{}}
	// Let an alarm or an advance in progress finish: the contact meets the due date that holds.
	if err := workflow.Await(ctx, func() bool { return !p.busy }); err != nil {
		return res, err
	}
	meets := !p.st.Met && !day(in.Date).Before(day(p.st.Opens))
	rec := ContactRecord{ID: in.ID, Date: in.Date, Form: in.Form, Notes: in.Notes, Leader: p.in.Leader.Username,
		LoggedBy: in.Actor.Username, Role: in.Actor.Role}
	r := PairingRecord{Contact: &rec}
	if meets {
		rec.DueOn, res.DueOn = p.st.Due, p.st.Due
		r.Due = p.dueRow(DueDone)
		r.Due.ContactID, r.Due.DoneOn = in.ID, in.Date
	}
	for _, dm := range in.Demands {
		rec.Demands = append(rec.Demands, DemandRow{ID: dm.ID, Type: dm.Type, Detail: strings.TrimSpace(dm.Detail), Department: p.in.Demands.Routes[dm.Type]})
	}
	if err := p.record(ctx, r); err != nil {
		return res, err
	}
	p.st.Contacts++
	a := in.Actor
	detail := fmt.Sprintf("%s %s", in.Date, in.Form.Label())
	if meets {
		detail += "; meets the contact due " + p.st.Due
	}
	p.Event(ctx, workflows.Event{Kind: EventContact, Actor: a.Username, Role: a.Role, Department: a.Department, Comment: in.Notes, Detail: detail})
	p.Audit(ctx, a, "pairing.contact", "case/"+p.ID(), string(in.Form), detail)
	for _, dm := range rec.Demands {
		child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:        DemandWorkflowID(dm.ID),
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		f := workflow.ExecuteChildWorkflow(child, WorkflowDemand, DemandInput{CaseID: dm.ID, PairingID: p.ID(), ContactID: in.ID,
			Talent: p.in.Talent, Leader: p.in.Leader, Specialist: p.in.Specialist, Type: dm.Type, Detail: dm.Detail,
			Department: dm.Department, Plan: p.in.Demands, By: a})
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			return res, err
		}
		p.Event(ctx, workflows.Event{Kind: EventDemandRaised, Actor: a.Username, Department: dm.Department,
			Detail: fmt.Sprintf("%s %s → %s", dm.ID, dm.Type.Label(), dm.Department)})
		res.Demands = append(res.Demands, DemandStarted{ID: dm.ID, Department: dm.Department})
	}
	if meets {
		p.Event(ctx, workflows.Event{Kind: EventDueMet, Detail: p.st.Due})
		// Part of the state, so that a hand-over that follows carries it.
		p.st.Met = true
	}
	p.Answer(ctx)
	return res, nil
}

func (p *pairing) validateReassign(ctx workflow.Context, r Reassignment) error {
	switch {
	case p.closed():
		return workflows.Conflict("pairing %s has ended", p.ID())
	case r.Leader.Username == "":
		return workflows.Invalid("leader", "name the new leader")
	case r.Leader.Username == p.in.Leader.Username:
		return workflows.Invalid("leader", "%s is the pairing's leader already", r.Leader.Username)
	case strings.TrimSpace(r.Reason) == "":
		return workflows.Invalid("reason", "a reassignment needs a reason")
	}
	return nil
}

// reassign hands the pairing to another leader: the history stays, the current due date and
// every reminder from now on are the new leader's.
func (p *pairing) reassign(ctx workflow.Context, r Reassignment) (workflows.CaseStatus, error) {
	old := p.in.Leader
	p.in.Leader = r.Leader
	p.Event(ctx, workflows.Event{Kind: EventReassigned, Actor: r.Actor.Username, Role: r.Actor.Role, Department: r.Actor.Department,
		Comment: r.Reason, Detail: old.Username + " → " + r.Leader.Username})
	p.Audit(ctx, r.Actor, "pairing.reassign", "case/"+p.ID(), r.Leader.Username, r.Reason)
	p.Notify(workflows.NotifyInfo, "", "联系服务专家：新增结对 "+p.Info().Title,
		fmt.Sprintf("因%s，由您接续联系%s，本期联系截至 %s。", r.Reason, p.in.Talent.Name, p.st.Due), p.leader())
	p.Notify(workflows.NotifyInfo, "", "联系服务专家：结对调整 "+p.Info().Title,
		fmt.Sprintf("%s已改由%s联系（%s）。", p.in.Talent.Name, r.Leader.Name, r.Reason), workflows.Recipient{Username: old.Username}, p.specialist())
	if err := p.record(ctx, PairingRecord{Leader: &LeaderChange{From: old.Username, To: r.Leader.Username, Reason: r.Reason, By: r.Actor.Username},
		Due: p.dueRow(DueOpen)}); err != nil {
		return workflows.CaseStatus{}, err
	}
	return p.Answer(ctx), nil
}

func (p *pairing) validateEnd(a workflows.CaseAction) error {
	switch {
	case p.ending != nil:
		return workflows.Conflict("pairing %s is ending", p.ID())
	case strings.TrimSpace(a.Reason) == "":
		return workflows.Invalid("reason", "say why the pairing ends (the talent left, the certification was revoked...)")
	}
	return nil
}

func (p *pairing) end(ctx workflow.Context, a workflows.CaseAction) {
	p.ending = &a
	p.Event(ctx, workflows.Event{Kind: EventEnded, Actor: a.Actor.Username, Role: a.Actor.Role, Department: a.Actor.Department, Comment: a.Reason})
	p.Audit(ctx, a.Actor, "pairing.end", "case/"+p.ID(), StateEnded, a.Reason)
}

// finish ends the pairing: its open due date is no longer due.
func (p *pairing) finish(ctx workflow.Context) (string, error) {
	if err := p.record(ctx, PairingRecord{Ended: true, EndReason: p.ending.Reason}); err != nil {
		return "", err
	}
	p.Notify(workflows.NotifyInfo, "", "结对联系结束："+p.Info().Title, "结束原因："+p.ending.Reason, p.leader(), p.specialist())
	p.View().PhaseEndsAt = nil
	return StateEnded, nil
}
