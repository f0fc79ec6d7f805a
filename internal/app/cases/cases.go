// Package cases is the cases of every process as people read them: the case document (tasks,
// timeline, attachments, the process's own detail, audit rows for auditors), lists, who may
// read what, withdrawal, and the certificate of a certified talent.
package cases

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/tasks"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Service holds the case use cases.
type Service struct {
	*app.App
	Tasks *tasks.Service
	Store Store
}

// New builds the case and task use cases on the generic application.
func New(a *app.App) *Service { return &Service{App: a, Tasks: tasks.New(a), Store: DBStore{DB: a.DB}} }

// CaseSummary is a case in a list.
type CaseSummary struct {
	ID          string          `json:"id"`
	Process     app.ProcessName `json:"process"`
	State       app.CaseState   `json:"state"`
	CurrentStep string          `json:"current_step"`
	StepName    string          `json:"step_name"`
	Title       string          `json:"title"`
	Category    domain.Category `json:"category,omitempty"`
	Warning     string          `json:"warning" enum:",yellow,red"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	ClosedAt    *time.Time      `json:"closed_at,omitempty"`
}

// CaseDetail is one case with everything a reader may see of it.
type CaseDetail struct {
	CaseSummary
	CertificateNo string `json:"certificate_no,omitempty"`
	// Deadline is when the current step is due: the earliest open task's deadline, else the
	// applicant's correction deadline, else the end of the public notice.
	Deadline           *time.Time `json:"deadline,omitempty"`
	CorrectionDeadline *time.Time `json:"correction_deadline,omitempty"`
	// PhaseEndsAt is when the current timed phase without tasks ends (a public notice...).
	PhaseEndsAt *time.Time `json:"phase_ends_at,omitempty"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty"`
	Applicant   UserRef    `json:"applicant"`
	// Profile is the process's own part of the case (an introduction's application profile),
	// personal data masked unless the reader works the case.
	Profile     any                  `json:"profile,omitempty"`
	Tasks       []tasks.TaskItem     `json:"tasks"`
	Timeline    []TimelineEntry      `json:"timeline"`
	Attachments []app.AttachmentInfo `json:"attachments"`
	// Audit lists the audit-log rows about this case, for readers of the audit log.
	Audit []app.AuditItem `json:"audit,omitempty"`
}

// UserRef names a user.
type UserRef struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// TimelineEntry is one event in a case's history.
type TimelineEntry struct {
	At         time.Time     `json:"at"`
	Kind       app.EventKind `json:"kind"`
	Step       string        `json:"step,omitempty"`
	TaskID     string        `json:"task_id,omitempty"`
	Actor      string        `json:"actor,omitempty"`
	Role       string        `json:"role,omitempty"`
	Department string        `json:"department,omitempty"`
	Outcome    string        `json:"outcome,omitempty"`
	Comment    string        `json:"comment,omitempty"`
	Detail     string        `json:"detail,omitempty"`
}

func summary(c store.Case) CaseSummary {
	return CaseSummary{ID: c.ID, Process: app.ProcessName(c.Process), State: app.CaseState(c.State), CurrentStep: c.CurrentStep, StepName: c.StepName,
		Title: c.Title, Category: domain.Category(c.Category), Warning: c.Warning, CreatedAt: c.CreatedAt,
		UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt}
}

// caseAccess says whether p may read case c, and whether p works it (and so sees personal
// data unmasked): the applicant, the leading-group office, and departments with a task on it.
func (s *Service) caseAccess(ctx context.Context, p *authz.Principal, c store.Case) (read, works bool, err error) {
	if c.ApplicantID == p.User.ID {
		return true, true, nil
	}
	depts, err := s.Store.TaskDepartments(ctx, c.ID)
	if err != nil {
		return false, false, err
	}
	for _, d := range depts {
		role, ok := s.Authz.RoleFor(p.User.ID, d, authz.CaseRead)
		if !ok {
			continue
		}
		read = true
		if role == authz.RoleLGO || p.HoldsIn(d) {
			works = true
		}
	}
	if !read && s.Authz.Can(p.User.ID, workflows.DepartmentLGO, authz.CaseRead) {
		// County-wide readers (the LGO, auditors) see cases that have no task yet.
		role, _ := s.Authz.RoleFor(p.User.ID, workflows.DepartmentLGO, authz.CaseRead)
		return true, role == authz.RoleLGO, nil
	}
	if !read {
		// The process's own readers: a pairing's leader and specialist, for example.
		if read, err = s.Processes.Readable(ctx, s.DB.DB, c.Process, c.ID, p.User.ID); err != nil {
			return false, false, err
		}
	}
	return read, works, nil
}

// readableCase loads a case p may read (404 for an applicant asking about someone else's, 403
// for staff outside it) and says whether p works it (and so sees personal data unmasked).
func (s *Service) readableCase(ctx context.Context, p *authz.Principal, id string) (store.Case, bool, error) {
	c, err := s.Store.Case(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return c, false, app.NotFound("no case %s", id)
	}
	if err != nil {
		return c, false, s.Unavailable(ctx, "the database", err)
	}
	read, works, err := s.caseAccess(ctx, p, c)
	switch {
	case err != nil:
		return c, false, s.Unavailable(ctx, "the database", err)
	case read:
		return c, works, nil
	case Outsider(p):
		return c, false, app.NotFound("no case %s of yours", id)
	}
	return c, false, app.Forbidden("case %s has no task in your departments", id)
}

// Case returns one case as p may see it.
func (s *Service) Case(ctx context.Context, p *authz.Principal, id string) (CaseDetail, error) {
	c, works, err := s.readableCase(ctx, p, id)
	if err != nil {
		return CaseDetail{}, err
	}
	d := CaseDetail{CaseSummary: summary(c), CertificateNo: c.CertificateNo, CorrectionDeadline: c.CorrectionDeadline,
		PhaseEndsAt: c.PhaseEndsAt, SubmittedAt: c.SubmittedAt, Tasks: []tasks.TaskItem{}, Timeline: []TimelineEntry{},
		Attachments: []app.AttachmentInfo{}}
	if applicant, err := s.Store.User(ctx, c.ApplicantID); err == nil {
		d.Applicant = UserRef{ID: applicant.ID, Username: applicant.Username, Name: applicant.DisplayName}
	}
	// The process's own part of the case comes from its own tables.
	if d.Profile, err = s.Processes.Detail(ctx, s.DB.DB, c.Process, c.ID, works); err != nil {
		return d, s.Unavailable(ctx, "the database", err)
	}
	// Staff who work the case see the applicant's personal data in full: each such read is
	// audited (the applicant reading their own application is not).
	if r, ok := d.Profile.(app.Revealing); ok && c.ApplicantID != p.User.ID {
		if what := r.Revealed(); what != "" {
			if err := s.AuditReveal(ctx, p, authz.Acting{}, "case/"+c.ID, what); err != nil {
				return CaseDetail{}, err
			}
		}
	}
	rows, err := s.Store.Tasks(ctx, c.ID)
	if err != nil {
		return d, s.Unavailable(ctx, "the database", err)
	}
	withActions := s.Tasks.ActionsOf(p)
	for _, t := range rows {
		d.Tasks = append(d.Tasks, withActions(tasks.Item(t, c)))
		if t.State == workflows.TaskOpen && t.Deadline != nil && (d.Deadline == nil || t.Deadline.Before(*d.Deadline)) {
			d.Deadline = t.Deadline
		}
	}
	if d.Deadline == nil {
		d.Deadline = cmp.Or(c.CorrectionDeadline, c.PhaseEndsAt)
	}
	if d.Timeline, err = s.timeline(ctx, c.ID); err != nil {
		return d, s.Unavailable(ctx, "the database", err)
	}
	if d.Attachments, err = s.Files.OfCase(ctx, c.ID); err != nil {
		return d, s.Unavailable(ctx, "the database", err)
	}
	if s.Authz.Can(p.User.ID, authz.Anywhere, authz.AuditRead) {
		rows, err := s.Store.Audit(ctx, c.ID)
		if err != nil {
			return d, s.Unavailable(ctx, "the database", err)
		}
		for _, r := range rows {
			d.Audit = append(d.Audit, app.AuditItemOf(r))
		}
	}
	return d, nil
}

// timeline merges the workflow's events and people's comments, oldest first.
func (s *Service) timeline(ctx context.Context, caseID string) ([]TimelineEntry, error) {
	events, err := s.Store.Events(ctx, caseID)
	if err != nil {
		return nil, err
	}
	// Events of one workflow step share a timestamp; their number keeps them in order.
	slices.SortStableFunc(events, func(x, y store.CaseEvent) int {
		if c := x.At.Compare(y.At); c != 0 {
			return c
		}
		return cmp.Compare(eventOrder(x.ID), eventOrder(y.ID))
	})
	out := make([]TimelineEntry, 0, len(events))
	for _, e := range events {
		out = append(out, TimelineEntry{At: e.At, Kind: app.EventKind(e.Kind), Step: e.Step, TaskID: e.TaskID, Actor: e.Actor, Role: e.Role,
			Department: e.Department, Outcome: e.Outcome, Comment: e.Comment, Detail: e.Detail})
	}
	comments, err := s.Tasks.Comments(ctx, "case_id", caseID)
	if err != nil {
		return nil, err
	}
	for _, c := range comments {
		out = append(out, TimelineEntry{At: c.CreatedAt, Kind: workflows.EventComment, TaskID: c.TaskID, Actor: c.Author, Comment: c.Body})
	}
	slices.SortStableFunc(out, func(x, y TimelineEntry) int { return x.At.Compare(y.At) })
	return out, nil
}

// eventOrder is an event's position in its case: the workflow numbers events case-e1, -e2...
// (urges and comments, written by the API, have none and sort after events of the same time).
func eventOrder(id string) int {
	i := strings.LastIndex(id, "-e")
	if i < 0 {
		return math.MaxInt
	}
	n, err := strconv.Atoi(id[i+2:])
	if err != nil {
		return math.MaxInt
	}
	return n
}

// CaseFilter selects cases in a list.
type CaseFilter struct {
	Process app.ProcessName `query:"process"`
	State   string          `query:"state" validate:"max=40"`
	// From and To (days, China time, both included) keep the cases submitted — or, with
	// on=closed, closed — in that period: the dashboard's weekly trend drills down with them.
	From   string `query:"from" validate:"omitempty,datetime=2006-01-02"`
	To     string `query:"to" validate:"omitempty,datetime=2006-01-02"`
	On     string `query:"on" validate:"omitempty,oneof=submitted closed"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit" validate:"omitempty,min=1,max=200"`
}

// Cases lists the cases p may see, newest first: an applicant's own; a department's cases
// with a task there; everything for county-wide readers.
func (s *Service) Cases(ctx context.Context, p *authz.Principal, f CaseFilter) (app.Page[CaseSummary], error) {
	if err := app.Check(f); err != nil {
		return app.Page[CaseSummary]{}, err
	}
	if err := s.KnownProcess(f.Process); err != nil {
		return app.Page[CaseSummary]{}, err
	}
	all, depts := s.Authz.Departments(p.Grants, p.User.ID, authz.CaseRead)
	rows, limit, err := s.Store.List(ctx, ListQuery{CaseFilter: f, UserID: p.User.ID, AllDepartments: all, Departments: depts})
	if err != nil {
		var appErr *app.Error
		if errors.As(err, &appErr) {
			return app.Page[CaseSummary]{}, appErr // a bad cursor
		}
		return app.Page[CaseSummary]{}, s.Unavailable(ctx, "the database", err)
	}
	return app.PageOf(rows, limit, func(c store.Case) (time.Time, string) { return c.CreatedAt, c.ID }, summary), nil
}

// CertificateView is what a printed certificate shows.
type CertificateView struct {
	No            string          `json:"no"`
	Name          string          `json:"name"`
	Category      domain.Category `json:"category"`
	CategoryLabel string          `json:"category_label"`
	IssuedAt      time.Time       `json:"issued_at"`
	CaseID        string          `json:"case_id"`
}

// Certificate returns the certificate of a certified case the caller may read.
func (s *Service) Certificate(ctx context.Context, p *authz.Principal, caseID string) (CertificateView, error) {
	if _, _, err := s.readableCase(ctx, p, caseID); err != nil {
		return CertificateView{}, err
	}
	cert, err := s.Store.Certificate(ctx, caseID)
	if errors.Is(err, ErrNotFound) {
		return CertificateView{}, app.NotFound("case %s has no certificate (yet)", caseID)
	}
	if err != nil {
		return CertificateView{}, s.Unavailable(ctx, "the database", err)
	}
	c := domain.Category(cert.Category)
	return CertificateView{No: cert.No, Name: cert.Name, Category: c, CategoryLabel: c.Label(), IssuedAt: cert.IssuedAt, CaseID: caseID}, nil
}

// WithdrawCase withdraws the caller's application: a draft is simply closed, a running case is
// withdrawn through its workflow (until the certificate is issued).
func (s *Service) WithdrawCase(ctx context.Context, p *authz.Principal, id string, in app.CaseAction) (CaseDetail, error) {
	if err := app.Check(in); err != nil {
		return CaseDetail{}, err
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil || c.ApplicantID != p.User.ID {
		return CaseDetail{}, app.NotFound("no case %s of yours", id)
	}
	if c.State == app.StateDraft {
		closed, err := s.Store.CloseDraft(ctx, id, workflows.StateWithdrawn, s.Time())
		if err != nil {
			return CaseDetail{}, s.Unavailable(ctx, "the database", err)
		}
		if !closed {
			return CaseDetail{}, app.Conflict("case %s changed meanwhile; reload it", id)
		}
		return s.Case(ctx, p, id)
	}
	if c.ClosedAt != nil {
		return CaseDetail{}, app.Conflict("case %s is closed (%s)", id, c.State)
	}
	var status workflows.CaseStatus
	if err := s.Engine.Update(ctx, c.WorkflowID, workflows.UpdateWithdraw,
		workflows.CaseAction{Reason: in.Reason, Actor: app.Actor(p, authz.RoleApplicant, "")}, &status); err != nil {
		return CaseDetail{}, s.EngineError(ctx, err)
	}
	return s.Case(ctx, p, id)
}

// CaseDocument is the answer of every case action: the case as p may read it, or, for a caller
// who acted on a case they may not read (an objection filed by staff outside it), the case's
// summary alone.
func (s *Service) CaseDocument(ctx context.Context, p *authz.Principal, id string) (CaseDetail, error) {
	d, err := s.Case(ctx, p, id)
	var appErr *app.Error
	if !errors.As(err, &appErr) || (appErr.Kind != app.KindForbidden && appErr.Kind != app.KindNotFound) {
		return d, err
	}
	c, err := s.Store.Case(ctx, id)
	if err != nil {
		return CaseDetail{}, s.Unavailable(ctx, "the database", err)
	}
	return CaseDetail{CaseSummary: summary(c), Tasks: []tasks.TaskItem{}, Timeline: []TimelineEntry{}, Attachments: []app.AttachmentInfo{}}, nil
}

// ReadableCase reports whether p may read case id (an error says why not: 404 or 403).
func (s *Service) ReadableCase(ctx context.Context, p *authz.Principal, id string) error {
	_, _, err := s.readableCase(ctx, p, id)
	return err
}

// Outsider is a talent or an employer's clerk, who is not told whether another's case (or
// pairing, or demand) exists.
func Outsider(p *authz.Principal) bool {
	for _, g := range p.Grants {
		if g.Role != authz.RoleApplicant && g.Role != authz.RoleEmployer {
			return false
		}
	}
	return len(p.Grants) > 0
}
