// Package liaison holds the use cases of liaison-leader follow-up (领导干部联系服务专家): pairing a
// talent with a county leader and a service specialist (directly, or by deciding the pairing
// request a certification opened), the pairings each reader may see, logging contacts with the
// demands they raise, reassigning and ending pairings, rating demands, the compliance report
// and the leaders' calendar feeds.
package liaison

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
	rows "talentflow/internal/store/liaison"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

// Service is the liaison use cases.
type Service struct {
	*cases.Service
	Plan *routing.Liaison
	// Scale is TALENTFLOW_TIME_SCALE, frozen into each pairing.
	Scale float64
}

// New builds the liaison use cases and installs the checks of pairing-request decisions (the
// leader and specialist they name) and of demand forwards (the department they name).
func New(c *cases.Service, plan *routing.Liaison, scale float64) *Service {
	s := &Service{Service: c, Plan: plan, Scale: scale}
	c.Tasks.SetGuard(flow.ProcessRequest, s.checkPairingDecision)
	c.Tasks.SetGuard(flow.ProcessDemand, s.checkForward)
	return s
}

func errAlreadyPaired(cert string) *app.Error {
	return &app.Error{Kind: app.KindConflict, Code: "already_paired",
		Message: fmt.Sprintf("certificate %s already has an active pairing: reassign or end it instead", cert)}
}

// pairingError maps what rows.Prepare and rows.Create refuse to the caller's error.
func (s *Service) pairingError(ctx context.Context, err error, cert string) error {
	var fe *rows.FieldError
	var appErr *app.Error
	switch {
	case errors.As(err, &appErr):
		return appErr
	case errors.As(err, &fe):
		return app.Invalid(fe.Field, "%s", fe.Message)
	case errors.Is(err, rows.ErrAlreadyPaired):
		return errAlreadyPaired(cert)
	}
	return s.Unavailable(ctx, "the database", err)
}

// checkPairingDecision: the office's approval of a pairing request names a leader and a
// specialist who hold those roles, for a talent not paired already.
func (s *Service) checkPairingDecision(ctx context.Context, t store.Task, d workflows.Decision) (func(context.Context), error) {
	if d.Outcome != domain.OutcomeApprove {
		return nil, nil
	}
	if d.Leader == "" {
		return nil, app.Invalid("leader", "name the county leader (username of a user holding the leader role)")
	}
	if d.Specialist == "" {
		return nil, app.Invalid("specialist", "name the service specialist (username of a user holding the specialist role)")
	}
	tx := s.DB.WithContext(ctx)
	_, p, _, err := rows.Prepare(tx, rows.Request{ID: t.CaseID, TalentCaseID: strings.TrimSuffix(t.CaseID, "-liaison"),
		Leader: d.Leader, Specialist: d.Specialist, Plan: s.Plan, Now: s.Time()})
	if err != nil {
		return nil, s.pairingError(ctx, err, "")
	}
	_, active, err := rows.Active(tx, p.CertificateNo)
	switch {
	case err != nil:
		return nil, s.Unavailable(ctx, "the database", err)
	case active:
		return nil, errAlreadyPaired(p.CertificateNo)
	}
	return nil, nil
}

// checkForward: a forward names a department that exists.
func (s *Service) checkForward(ctx context.Context, t store.Task, d workflows.Decision) (func(context.Context), error) {
	if d.Outcome != domain.OutcomeForward || d.Department == "" {
		return nil, nil
	}
	var n int64
	if err := s.DB.WithContext(ctx).Model(&store.Department{}).Where("code = ?", d.Department).Count(&n).Error; err != nil {
		return nil, s.Unavailable(ctx, "the database", err)
	}
	if n == 0 {
		return nil, app.Invalid("department", "no department %q", d.Department)
	}
	return nil, nil
}

// PairingInput pairs a certified talent with a county leader and a service specialist.
type PairingInput struct {
	CertificateNo string `json:"certificate_no" validate:"required,max=40"`
	Leader        string `json:"leader" validate:"required,max=64"`
	Specialist    string `json:"specialist" validate:"required,max=64"`
}

// CreatePairing pairs a talent (the office): the pairing and its case are written with the
// recorded start of its workflow, which starts at once. One active pairing per talent (409).
func (s *Service) CreatePairing(ctx context.Context, p *authz.Principal, in PairingInput) (app.Created, error) {
	in.CertificateNo, in.Leader, in.Specialist = strings.TrimSpace(in.CertificateNo), strings.TrimSpace(in.Leader), strings.TrimSpace(in.Specialist)
	if err := app.Check(in); err != nil {
		return app.Created{}, err
	}
	by, err := s.ActingAs(ctx, p, workflows.DepartmentLGO, authz.PairingManage)
	if err != nil {
		return app.Created{}, err
	}
	id := ids.New("case")
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, row, input, err := rows.Prepare(tx, rows.Request{ID: id, CertificateNo: in.CertificateNo, Leader: in.Leader, Specialist: in.Specialist,
			By: by, Plan: s.Plan, Scale: s.Scale, Now: s.Time()})
		if err != nil {
			return err
		}
		if err := rows.Create(tx, c, row); err != nil {
			return err
		}
		return s.RecordStart(tx, app.StartRequest{CaseID: id, Process: flow.Process, WorkflowID: flow.WorkflowID(id),
			Workflow: flow.WorkflowPairing, Input: input, Category: row.Category})
	})
	if err != nil {
		return app.Created{}, s.pairingError(ctx, err, in.CertificateNo)
	}
	if err := s.LaunchAndSettle(ctx, id, flow.WorkflowID(id)); err != nil {
		return app.Created{}, err
	}
	return app.Created{ID: id}, nil
}

// PairingItem is a pairing as lists show it.
type PairingItem struct {
	ID               string          `json:"id"`
	TalentName       string          `json:"talent_name"`
	Category         domain.Category `json:"category"`
	CertificateNo    string          `json:"certificate_no"`
	Leader           string          `json:"leader"`
	LeaderName       string          `json:"leader_name"`
	Specialist       string          `json:"specialist"`
	SpecialistName   string          `json:"specialist_name"`
	State            string          `json:"state" enum:"active,ended"`
	NextDue          string          `json:"next_due"`
	Overdue          bool            `json:"overdue"`
	ContactsThisYear int             `json:"contacts_this_year"`
	DueThisYear      int             `json:"due_this_year"`
	PerYear          int             `json:"per_year"`
	LastContact      string          `json:"last_contact"`
	OpenDemands      int             `json:"open_demands"`
	StartedAt        time.Time       `json:"started_at"`
}

// PairingFilter narrows the pairings.
type PairingFilter struct {
	State   string `query:"state" validate:"omitempty,oneof=active ended"`
	Overdue string `query:"overdue" validate:"omitempty,oneof=true false"`
	Leader  string `query:"leader" validate:"max=64"`
	Cursor  string `query:"cursor"`
	Limit   int    `query:"limit" validate:"omitempty,min=1,max=200"`
}

// visiblePairings is the pairings p may read: every one for the office and auditors, their own
// for a leader or specialist.
func (s *Service) visiblePairings(ctx context.Context, p *authz.Principal) *gorm.DB {
	q := s.DB.WithContext(ctx).Model(&rows.Pairing{}).Select("case_id")
	if all, _ := s.Authz.Departments(p.Grants, p.User.ID, authz.PairingRead); all {
		return q
	}
	return q.Where("leader = ? OR specialist = ?", p.User.Username, p.User.Username)
}

// Pairings lists the pairings p may read, newest first.
func (s *Service) Pairings(ctx context.Context, p *authz.Principal, f PairingFilter) (app.Page[PairingItem], error) {
	if err := app.Check(f); err != nil {
		return app.Page[PairingItem]{}, err
	}
	sub := s.visiblePairings(ctx, p)
	if f.State != "" {
		sub = sub.Where("state = ?", f.State)
	}
	if f.Overdue != "" {
		sub = sub.Where("overdue = ?", f.Overdue == "true")
	}
	if f.Leader != "" {
		sub = sub.Where("leader = ?", f.Leader)
	}
	q := s.DB.WithContext(ctx).Model(&store.Case{}).Where("process = ? AND id IN (?)", flow.Process, sub)
	limit, err := app.PageQuery(&q, f.Cursor, f.Limit, "created_at", true)
	if err != nil {
		return app.Page[PairingItem]{}, err
	}
	var cs []store.Case
	if err := q.Find(&cs).Error; err != nil {
		return app.Page[PairingItem]{}, s.Unavailable(ctx, "the database", err)
	}
	idList := make([]string, len(cs))
	for i, c := range cs {
		idList[i] = c.ID
	}
	items, err := s.pairingItems(ctx, idList)
	if err != nil {
		return app.Page[PairingItem]{}, s.Unavailable(ctx, "the database", err)
	}
	return app.PageOf(cs, limit, func(c store.Case) (time.Time, string) { return c.CreatedAt, c.ID },
		func(c store.Case) PairingItem { return items[c.ID] }), nil
}

// year is the current calendar year in China.
func (s *Service) year() int { return s.Time().In(domain.ChinaTime).Year() }

// pairingItems builds the list items of pairings, with this year's contacts and due dates.
func (s *Service) pairingItems(ctx context.Context, idList []string) (map[string]PairingItem, error) {
	out := map[string]PairingItem{}
	if len(idList) == 0 {
		return out, nil
	}
	db := s.DB.WithContext(ctx)
	var ps []rows.Pairing
	if err := db.Where("case_id IN ?", idList).Find(&ps).Error; err != nil {
		return nil, err
	}
	year := s.year()
	from, to := fmt.Sprintf("%d-01-01", year), fmt.Sprintf("%d-12-31", year)
	var counts []struct {
		PairingID string
		N         int
		Last      string
	}
	if err := db.Model(&rows.Contact{}).Select("pairing_id, COUNT(*) AS n, MAX(date) AS last").
		Where("pairing_id IN ? AND date BETWEEN ? AND ?", idList, from, to).Group("pairing_id").Scan(&counts).Error; err != nil {
		return nil, err
	}
	var lasts []struct {
		PairingID string
		Last      string
	}
	if err := db.Model(&rows.Contact{}).Select("pairing_id, MAX(date) AS last").Where("pairing_id IN ?", idList).
		Group("pairing_id").Scan(&lasts).Error; err != nil {
		return nil, err
	}
	var open []struct {
		PairingID string
		N         int
	}
	if err := db.Model(&rows.Demand{}).Select("pairing_id, COUNT(*) AS n").Where("pairing_id IN ? AND resolved = ?", idList, false).
		Group("pairing_id").Scan(&open).Error; err != nil {
		return nil, err
	}
	var dues []rows.Due
	if err := db.Where("pairing_id IN ? AND due_on BETWEEN ? AND ?", idList, from, to).Find(&dues).Error; err != nil {
		return nil, err
	}
	names, err := s.displayNames(ctx, ps)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		item := PairingItem{ID: p.CaseID, TalentName: p.TalentName, Category: domain.Category(p.Category), CertificateNo: p.CertificateNo,
			Leader: p.Leader, LeaderName: names[p.Leader], Specialist: p.Specialist, SpecialistName: names[p.Specialist], State: p.State,
			Overdue: p.Overdue, PerYear: p.PerYear, StartedAt: p.StartedAt}
		if p.NextDue != nil {
			item.NextDue = *p.NextDue
		}
		due := map[string]bool{}
		for _, d := range dues {
			if d.PairingID == p.CaseID {
				due[d.DueOn] = true
			}
		}
		if p.State == rows.PairingActive && p.NextDue != nil {
			first, _ := domain.ParseDate(*p.NextDue)
			for _, d := range domain.DueDatesIn(first, time.Date(year, 1, 1, 0, 0, 0, 0, domain.ChinaTime),
				time.Date(year, 12, 31, 0, 0, 0, 0, domain.ChinaTime), p.PerYear) {
				due[d.Format(time.DateOnly)] = true
			}
		}
		item.DueThisYear = len(due)
		for _, c := range counts {
			if c.PairingID == p.CaseID {
				item.ContactsThisYear = c.N
			}
		}
		for _, c := range lasts {
			if c.PairingID == p.CaseID {
				item.LastContact = dateOnly(c.Last)
			}
		}
		for _, o := range open {
			if o.PairingID == p.CaseID {
				item.OpenDemands = o.N
			}
		}
		out[p.CaseID] = item
	}
	return out, nil
}

func (s *Service) displayNames(ctx context.Context, ps []rows.Pairing) (map[string]string, error) {
	var usernames []string
	for _, p := range ps {
		usernames = append(usernames, p.Leader, p.Specialist)
	}
	var users []store.User
	if err := s.DB.WithContext(ctx).Where("username IN ?", append(usernames, "")).Find(&users).Error; err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, u := range users {
		out[u.Username] = u.DisplayName
	}
	return out, nil
}

// pairing loads a pairing p may read: the office and auditors, its leader and specialist, the
// talent themself.
func (s *Service) pairing(ctx context.Context, p *authz.Principal, id string) (rows.Pairing, error) {
	var row rows.Pairing
	err := s.DB.WithContext(ctx).Where("case_id = ?", id).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return row, app.NotFound("no pairing %s", id)
	case err != nil:
		return row, s.Unavailable(ctx, "the database", err)
	case row.Leader == p.User.Username || row.Specialist == p.User.Username || row.TalentUserID == p.User.ID:
		return row, nil
	}
	if all, _ := s.Authz.Departments(p.Grants, p.User.ID, authz.PairingRead); all {
		return row, nil
	}
	if cases.Outsider(p) {
		return row, app.NotFound("no pairing %s of yours", id)
	}
	return row, app.Forbidden("pairing %s is not one of yours", id)
}

// PairingDetail is a pairing with its due dates, contacts, changes of leader and demands.
type PairingDetail struct {
	PairingItem
	EndReason string             `json:"end_reason,omitempty"`
	EndedAt   *time.Time         `json:"ended_at,omitempty"`
	Dues      []DueItem          `json:"dues"`
	Contacts  []ContactItem      `json:"contacts"`
	Leaders   []LeaderChangeItem `json:"leaders"`
	Demands   []DemandItem       `json:"demands"`
}

// DueItem is one due date of a pairing.
type DueItem struct {
	DueOn     string `json:"due_on"`
	Leader    string `json:"leader"`
	State     string `json:"state" enum:"open,done,missed"`
	Overdue   bool   `json:"overdue"`
	ContactID string `json:"contact_id,omitempty"`
	DoneOn    string `json:"done_on,omitempty"`
}

// ContactItem is a logged contact.
type ContactItem struct {
	ID       string             `json:"id"`
	Date     string             `json:"date"`
	Form     domain.ContactForm `json:"form"`
	Notes    string             `json:"notes"`
	Leader   string             `json:"leader"`
	LoggedBy string             `json:"logged_by"`
	DueOn    string             `json:"due_on,omitempty"`
}

// LeaderChangeItem is one reassignment.
type LeaderChangeItem struct {
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Pairing is one pairing as p may read it.
func (s *Service) Pairing(ctx context.Context, p *authz.Principal, id string) (PairingDetail, error) {
	row, err := s.pairing(ctx, p, id)
	if err != nil {
		return PairingDetail{}, err
	}
	return s.pairingDetail(ctx, p, row)
}

func (s *Service) pairingDetail(ctx context.Context, p *authz.Principal, row rows.Pairing) (PairingDetail, error) {
	items, err := s.pairingItems(ctx, []string{row.CaseID})
	if err != nil {
		return PairingDetail{}, s.Unavailable(ctx, "the database", err)
	}
	d := PairingDetail{PairingItem: items[row.CaseID], EndReason: row.EndReason, EndedAt: row.EndedAt, Dues: []DueItem{}, Contacts: []ContactItem{},
		Leaders: []LeaderChangeItem{}, Demands: []DemandItem{}}
	db := s.DB.WithContext(ctx)
	var dues []rows.Due
	var contacts []rows.Contact
	var changes []rows.LeaderChange
	if err := errors.Join(
		db.Where("pairing_id = ?", row.CaseID).Order("due_on").Find(&dues).Error,
		db.Where("pairing_id = ?", row.CaseID).Order("date DESC, created_at DESC").Find(&contacts).Error,
		db.Where("pairing_id = ?", row.CaseID).Order("at").Find(&changes).Error,
	); err != nil {
		return d, s.Unavailable(ctx, "the database", err)
	}
	for _, x := range dues {
		d.Dues = append(d.Dues, DueItem{DueOn: x.DueOn, Leader: x.Leader, State: x.State, Overdue: x.Overdue, ContactID: x.ContactID, DoneOn: x.DoneOn})
	}
	for _, c := range contacts {
		d.Contacts = append(d.Contacts, ContactItem{ID: c.ID, Date: c.Date, Form: domain.ContactForm(c.Form), Notes: c.Notes, Leader: c.Leader,
			LoggedBy: c.LoggedBy, DueOn: c.DueOn})
	}
	for _, c := range changes {
		d.Leaders = append(d.Leaders, LeaderChangeItem{From: c.FromUser, To: c.ToUser, Reason: c.Reason, By: c.ByUser, At: c.At})
	}
	page, err := s.demands(ctx, s.DB.WithContext(ctx).Model(&rows.Demand{}).Select("case_id").Where("pairing_id = ?", row.CaseID), DemandFilter{Limit: 200})
	if err != nil {
		return d, err
	}
	d.Demands = page.Items
	return d, nil
}

// ReassignInput hands a pairing to another leader.
type ReassignInput struct {
	Leader string `json:"leader" validate:"required,max=64"`
	Reason string `json:"reason" validate:"required,max=500"`
}

// Reassign hands a pairing to another leader (the office): the history stays, the new leader
// is reminded from now on.
func (s *Service) Reassign(ctx context.Context, p *authz.Principal, id string, in ReassignInput) (PairingDetail, error) {
	in.Leader, in.Reason = strings.TrimSpace(in.Leader), strings.TrimSpace(in.Reason)
	if err := app.Check(in); err != nil {
		return PairingDetail{}, err
	}
	by, err := s.ActingAs(ctx, p, workflows.DepartmentLGO, authz.PairingManage)
	if err != nil {
		return PairingDetail{}, err
	}
	row, err := s.pairing(ctx, p, id)
	if err != nil {
		return PairingDetail{}, err
	}
	leader, err := rows.Holder(s.DB.WithContext(ctx), "leader", in.Leader, domain.RoleLeader)
	if err != nil {
		return PairingDetail{}, s.pairingError(ctx, err, row.CertificateNo)
	}
	var status workflows.CaseStatus
	if err := s.Engine.Update(ctx, flow.WorkflowID(id), flow.UpdateReassign, flow.Reassignment{
		Leader: flow.Person{UserID: leader.ID, Username: leader.Username, Name: leader.DisplayName}, Reason: in.Reason, Actor: by}, &status); err != nil {
		return PairingDetail{}, s.EngineError(ctx, err)
	}
	return s.Pairing(ctx, p, id)
}

// End ends a pairing (the office): the talent left, or the certification was revoked.
func (s *Service) End(ctx context.Context, p *authz.Principal, id string, in app.CaseAction) (PairingDetail, error) {
	in.Reason = strings.TrimSpace(in.Reason)
	if err := app.Check(in); err != nil {
		return PairingDetail{}, err
	}
	if in.Reason == "" {
		return PairingDetail{}, app.Invalid("reason", "say why the pairing ends")
	}
	by, err := s.ActingAs(ctx, p, workflows.DepartmentLGO, authz.PairingManage)
	if err != nil {
		return PairingDetail{}, err
	}
	if _, err := s.pairing(ctx, p, id); err != nil {
		return PairingDetail{}, err
	}
	var status workflows.CaseStatus
	if err := s.Engine.Update(ctx, flow.WorkflowID(id), flow.UpdateEnd, workflows.CaseAction{Reason: in.Reason, Actor: by}, &status); err != nil {
		return PairingDetail{}, s.EngineError(ctx, err)
	}
	return s.Pairing(ctx, p, id)
}

// EndForDeparture ends the talent's active pairing, if any, because a process learned the
// talent left the county (a subsidy's departure report). A pairing ended already is fine.
func EndForDeparture(ctx context.Context, db *gorm.DB, engine app.Workflows, certificateNo, reason string) error {
	row, active, err := rows.Active(db.WithContext(ctx), certificateNo)
	if err != nil || !active {
		return err
	}
	var status workflows.CaseStatus
	err = engine.Update(ctx, flow.WorkflowID(row.CaseID), flow.UpdateEnd, workflows.CaseAction{Reason: reason, Actor: workflows.System}, &status)
	if typ, _, _, ok := workflows.Rejection(err); ok && typ == workflows.ErrTypeConflict {
		return nil
	}
	return err
}

// ContactInput is a contact to log.
type ContactInput struct {
	Date    string        `json:"date" validate:"required,datetime=2006-01-02"`
	Form    string        `json:"form" validate:"required,contactform" enum:"visit,call,meeting,event"`
	Notes   string        `json:"notes" validate:"max=2000"`
	Demands []DemandInput `json:"demands" validate:"max=10,dive"`
}

// DemandInput is one demand raised at a contact.
type DemandInput struct {
	Type   domain.DemandType `json:"type" validate:"required,demandtype"`
	Detail string            `json:"detail" validate:"required,max=1000"`
}

// ContactAnswer is the logged contact and the demands it started, each with its deadline.
type ContactAnswer struct {
	ID      string          `json:"id"`
	DueOn   string          `json:"due_on,omitempty"`
	Demands []DemandStarted `json:"demands"`
}

// DemandStarted is a demand a contact raised.
type DemandStarted struct {
	ID         string            `json:"id"`
	Type       domain.DemandType `json:"type"`
	Department string            `json:"department"`
	Deadline   *time.Time        `json:"deadline"`
}

// LogContact logs a contact of the caller's pairing (its leader, or its specialist on the
// leader's behalf); each demand starts at once, routed to its department.
func (s *Service) LogContact(ctx context.Context, p *authz.Principal, id string, in ContactInput) (ContactAnswer, authz.Acting, error) {
	in.Notes = strings.TrimSpace(in.Notes)
	for i := range in.Demands {
		in.Demands[i].Detail = strings.TrimSpace(in.Demands[i].Detail)
	}
	if err := app.Check(in); err != nil {
		return ContactAnswer{}, authz.Acting{}, err
	}
	row, err := s.pairing(ctx, p, id)
	if err != nil {
		return ContactAnswer{}, authz.Acting{}, err
	}
	who, ok := s.pairingRole(p, row)
	if !ok {
		return ContactAnswer{}, authz.Acting{}, app.Forbidden("only the pairing's leader (%s) or specialist (%s) logs its contacts", row.Leader, row.Specialist)
	}
	if row.State != rows.PairingActive {
		return ContactAnswer{}, app.Acting(who), app.Conflict("pairing %s has ended", id)
	}
	req := flow.ContactInput{ID: ids.New("ctc"), Date: in.Date, Form: domain.ContactForm(in.Form), Notes: in.Notes, Actor: who}
	for _, d := range in.Demands {
		req.Demands = append(req.Demands, flow.DemandRequest{ID: ids.New("case"), Type: d.Type, Detail: d.Detail})
	}
	var res flow.ContactResult
	if err := s.Engine.Update(ctx, flow.WorkflowID(id), flow.UpdateContact, req, &res); err != nil {
		return ContactAnswer{}, app.Acting(who), s.EngineError(ctx, err)
	}
	out := ContactAnswer{ID: res.ID, DueOn: res.DueOn, Demands: []DemandStarted{}}
	for i, d := range res.Demands {
		s.Settle(ctx, d.ID, flow.DemandWorkflowID(d.ID))
		started := DemandStarted{ID: d.ID, Type: req.Demands[i].Type, Department: d.Department}
		var t store.Task
		if err := s.DB.WithContext(ctx).Where("case_id = ? AND state = ?", d.ID, workflows.TaskOpen).Order("opened_at").Take(&t).Error; err == nil {
			started.Deadline = t.Deadline
		}
		out.Demands = append(out.Demands, started)
	}
	return out, app.Acting(who), nil
}

// pairingRole is how p acts on the pairing: as its leader or its specialist.
func (s *Service) pairingRole(p *authz.Principal, row rows.Pairing) (workflows.Actor, bool) {
	for _, g := range p.Grants {
		switch {
		case g.Role == authz.RoleLeader && row.Leader == p.User.Username,
			g.Role == authz.RoleSpecialist && row.Specialist == p.User.Username:
			return app.Actor(p, g.Role, g.Department), true
		}
	}
	return workflows.Actor{}, false
}

// Readable lets a pairing's leader and specialist read its case and its demands' cases (the
// registry's Readable).
func Readable(ctx context.Context, db *gorm.DB, caseID, userID string) (bool, error) {
	var username string
	if err := db.WithContext(ctx).Model(&store.User{}).Where("id = ?", userID).Pluck("username", &username).Error; err != nil || username == "" {
		return false, err
	}
	var n int64
	err := db.WithContext(ctx).Model(&rows.Pairing{}).Where("(leader = ? OR specialist = ?) AND (case_id = ? OR case_id IN (?))",
		username, username, caseID, db.Model(&rows.Demand{}).Select("pairing_id").Where("case_id = ?", caseID)).Count(&n).Error
	return n > 0, err
}

// dateOnly keeps the day of a date column read through an aggregate (SQLite answers a
// timestamp for MAX over dates).
func dateOnly(s string) string {
	if len(s) > len(time.DateOnly) {
		return s[:len(time.DateOnly)]
	}
	return s
}
