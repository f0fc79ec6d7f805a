package app

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// CaseSummary is a case in a list.
type CaseSummary struct {
	ID          string          `json:"id"`
	Process     ProcessName     `json:"process"`
	State       CaseState       `json:"state"`
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
	Profile     any              `json:"profile,omitempty"`
	Tasks       []TaskItem       `json:"tasks"`
	Timeline    []TimelineEntry  `json:"timeline"`
	Attachments []AttachmentInfo `json:"attachments"`
	// Audit lists the audit-log rows about this case, for readers of the audit log.
	Audit []AuditItem `json:"audit,omitempty"`
}

// UserRef names a user.
type UserRef struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

// TimelineEntry is one event in a case's history.
type TimelineEntry struct {
	At         time.Time `json:"at"`
	Kind       EventKind `json:"kind"`
	Step       string    `json:"step,omitempty"`
	TaskID     string    `json:"task_id,omitempty"`
	Actor      string    `json:"actor,omitempty"`
	Role       string    `json:"role,omitempty"`
	Department string    `json:"department,omitempty"`
	Outcome    string    `json:"outcome,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

func summary(c store.Case) CaseSummary {
	return CaseSummary{ID: c.ID, Process: ProcessName(c.Process), State: CaseState(c.State), CurrentStep: c.CurrentStep, StepName: c.StepName,
		Title: c.Title, Category: domain.Category(c.Category), Warning: c.Warning, CreatedAt: c.CreatedAt,
		UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt}
}

// caseAccess says whether p may read case c, and whether p works it (and so sees personal
// data unmasked): the applicant, the leading-group office, and departments with a task on it.
func (a *App) caseAccess(ctx context.Context, p *authz.Principal, c store.Case) (read, works bool, err error) {
	if c.ApplicantID == p.User.ID {
		return true, true, nil
	}
	var depts []string
	if err := a.DB.WithContext(ctx).Model(&store.Task{}).Where("case_id = ?", c.ID).Distinct().Pluck("department", &depts).Error; err != nil {
		return false, false, err
	}
	for _, d := range depts {
		role, ok := a.Authz.RoleFor(p.User.ID, d, authz.CaseRead)
		if !ok {
			continue
		}
		read = true
		if role == authz.RoleLGO || p.HoldsIn(d) {
			works = true
		}
	}
	if !read && a.Authz.Can(p.User.ID, workflows.DepartmentLGO, authz.CaseRead) {
		// County-wide readers (the LGO, auditors) see cases that have no task yet.
		role, _ := a.Authz.RoleFor(p.User.ID, workflows.DepartmentLGO, authz.CaseRead)
		return true, role == authz.RoleLGO, nil
	}
	return read, works, nil
}

// readableCase loads a case p may read (404 for an applicant asking about someone else's, 403
// for staff outside it) and says whether p works it (and so sees personal data unmasked).
func (a *App) readableCase(ctx context.Context, p *authz.Principal, id string) (store.Case, bool, error) {
	var c store.Case
	err := a.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, false, NotFound("no case %s", id)
	}
	if err != nil {
		return c, false, a.unavailable(ctx, "the database", err)
	}
	read, works, err := a.caseAccess(ctx, p, c)
	switch {
	case err != nil:
		return c, false, a.unavailable(ctx, "the database", err)
	case read:
		return c, works, nil
	case p.HasRole(authz.RoleApplicant) && len(p.Grants) == 1:
		return c, false, NotFound("no case %s of yours", id)
	}
	return c, false, Forbidden("case %s has no task in your departments", id)
}

// Case returns one case as p may see it.
func (a *App) Case(ctx context.Context, p *authz.Principal, id string) (CaseDetail, error) {
	c, works, err := a.readableCase(ctx, p, id)
	if err != nil {
		return CaseDetail{}, err
	}
	d := CaseDetail{CaseSummary: summary(c), CertificateNo: c.CertificateNo, CorrectionDeadline: c.CorrectionDeadline,
		PhaseEndsAt: c.PhaseEndsAt, SubmittedAt: c.SubmittedAt, Tasks: []TaskItem{}, Timeline: []TimelineEntry{},
		Attachments: []AttachmentInfo{}}
	db := a.DB.WithContext(ctx)
	var applicant store.User
	if err := db.Where("id = ?", c.ApplicantID).Take(&applicant).Error; err == nil {
		d.Applicant = UserRef{ID: applicant.ID, Username: applicant.Username, Name: applicant.DisplayName}
	}
	if d.Profile, err = a.Processes.Detail(ctx, db, c.Process, c.ID, works); err != nil {
		return d, a.unavailable(ctx, "the database", err)
	}
	var tasks []store.Task
	if err := db.Where("case_id = ?", c.ID).Order("opened_at, id").Find(&tasks).Error; err != nil {
		return d, a.unavailable(ctx, "the database", err)
	}
	withActions := a.actionsOf(p)
	for _, t := range tasks {
		d.Tasks = append(d.Tasks, withActions(taskItem(t, c)))
		if t.State == workflows.TaskOpen && t.Deadline != nil && (d.Deadline == nil || t.Deadline.Before(*d.Deadline)) {
			d.Deadline = t.Deadline
		}
	}
	if d.Deadline == nil {
		d.Deadline = cmp.Or(c.CorrectionDeadline, c.PhaseEndsAt)
	}
	if d.Timeline, err = a.timeline(ctx, c.ID); err != nil {
		return d, a.unavailable(ctx, "the database", err)
	}
	if d.Attachments, err = a.Files.OfCase(ctx, c.ID); err != nil {
		return d, a.unavailable(ctx, "the database", err)
	}
	if a.Authz.Can(p.User.ID, authz.Anywhere, authz.AuditRead) {
		var rows []store.AuditRecord
		if err := db.Where("object = ? OR object LIKE ?", "case/"+c.ID, "task/"+c.ID+"-t%").
			Order("seq").Find(&rows).Error; err != nil {
			return d, a.unavailable(ctx, "the database", err)
		}
		for _, r := range rows {
			d.Audit = append(d.Audit, AuditItemOf(r))
		}
	}
	return d, nil
}

// timeline merges the workflow's events and people's comments, oldest first.
func (a *App) timeline(ctx context.Context, caseID string) ([]TimelineEntry, error) {
	db := a.DB.WithContext(ctx)
	var events []store.CaseEvent
	if err := db.Where("case_id = ?", caseID).Order("at, id").Find(&events).Error; err != nil {
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
		out = append(out, TimelineEntry{At: e.At, Kind: EventKind(e.Kind), Step: e.Step, TaskID: e.TaskID, Actor: e.Actor, Role: e.Role,
			Department: e.Department, Outcome: e.Outcome, Comment: e.Comment, Detail: e.Detail})
	}
	comments, err := a.comments(ctx, "case_id", caseID)
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
	Process ProcessName `query:"process"`
	State   string      `query:"state" validate:"max=40"`
	Cursor  string      `query:"cursor"`
	Limit   int         `query:"limit" validate:"omitempty,min=1,max=200"`
}

// Page is one page of a list and the cursor of the next.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// Cases lists the cases p may see, newest first: an applicant's own; a department's cases
// with a task there; everything for county-wide readers.
func (a *App) Cases(ctx context.Context, p *authz.Principal, f CaseFilter) (Page[CaseSummary], error) {
	if err := check(f); err != nil {
		return Page[CaseSummary]{}, err
	}
	if err := a.knownProcess(f.Process); err != nil {
		return Page[CaseSummary]{}, err
	}
	q := a.DB.WithContext(ctx).Model(&store.Case{})
	all, depts := a.Authz.Departments(p.Grants, p.User.ID, authz.CaseRead)
	switch {
	case all:
	case len(depts) > 0:
		q = q.Where("applicant_id = ? OR id IN (?)", p.User.ID,
			a.DB.Model(&store.Task{}).Select("case_id").Where("department IN ?", depts))
	default:
		q = q.Where("applicant_id = ?", p.User.ID)
	}
	if f.Process != "" {
		q = q.Where("process = ?", f.Process)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	var rows []store.Case
	limit, err := pageQuery(&q, f.Cursor, f.Limit, "created_at", true)
	if err != nil {
		return Page[CaseSummary]{}, err
	}
	if err := q.Find(&rows).Error; err != nil {
		return Page[CaseSummary]{}, a.unavailable(ctx, "the database", err)
	}
	return pageOf(rows, limit, func(c store.Case) (time.Time, string) { return c.CreatedAt, c.ID }, summary), nil
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
func (a *App) Certificate(ctx context.Context, p *authz.Principal, caseID string) (CertificateView, error) {
	if _, _, err := a.readableCase(ctx, p, caseID); err != nil {
		return CertificateView{}, err
	}
	var cert store.Certificate
	err := a.DB.WithContext(ctx).Where("case_id = ?", caseID).Take(&cert).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return CertificateView{}, NotFound("case %s has no certificate (yet)", caseID)
	}
	if err != nil {
		return CertificateView{}, a.unavailable(ctx, "the database", err)
	}
	c := domain.Category(cert.Category)
	return CertificateView{No: cert.No, Name: cert.Name, Category: c, CategoryLabel: c.Label(), IssuedAt: cert.IssuedAt, CaseID: caseID}, nil
}
