package liaison

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/domain"
	"talentflow/internal/routing"
	"talentflow/internal/store"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

// FieldError is a pairing that cannot be made as asked, naming the request's field at fault.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Message }

func fieldError(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Request is a pairing to make: a talent (by certificate, or by the introduction case that
// certified them), a leader and a specialist by username.
type Request struct {
	ID            string
	CertificateNo string
	TalentCaseID  string
	Leader        string
	Specialist    string
	By            workflows.Actor
	Plan          *routing.Liaison
	Scale         float64
	Now           time.Time
}

// Prepare checks a pairing request against the read model — the talent certified and in force,
// the leader holding the leader role, the specialist the specialist role — and builds the rows
// and the workflow input. It writes nothing.
func Prepare(tx *gorm.DB, r Request) (store.Case, Pairing, flow.PairingInput, error) {
	var (
		c  store.Case
		p  Pairing
		in flow.PairingInput
		t  store.Talent
	)
	q := tx.Where("certificate_no = ?", r.CertificateNo)
	if r.CertificateNo == "" {
		q = tx.Where("case_id = ?", r.TalentCaseID)
	}
	err := q.Take(&t).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return c, p, in, fieldError("certificate_no", "no talent certificate %s", r.CertificateNo+r.TalentCaseID)
	case err != nil:
		return c, p, in, err
	case t.Status != "active":
		return c, p, in, fieldError("certificate_no", "certificate %s is %s, not in force", t.CertificateNo, t.Status)
	}
	var talent store.User
	if err := tx.Where("id = ?", t.UserID).Take(&talent).Error; err != nil {
		return c, p, in, err
	}
	leader, err := holder(tx, "leader", r.Leader, domain.RoleLeader)
	if err != nil {
		return c, p, in, err
	}
	specialist, err := holder(tx, "specialist", r.Specialist, domain.RoleSpecialist)
	if err != nil {
		return c, p, in, err
	}
	cat := domain.Category(t.Category)
	plan := r.Plan
	title := flow.PairingTitle(t.Name, cat)
	now := r.Now.UTC()
	c = store.Case{ID: r.ID, Process: flow.Process, State: flow.StateActive, CurrentStep: flow.StepContact, StepName: "联系服务",
		Title: title, ApplicantID: t.UserID, Category: t.Category, WorkflowID: flow.WorkflowID(r.ID), CreatedAt: now, UpdatedAt: now, SubmittedAt: &now}
	p = Pairing{CaseID: r.ID, TalentUserID: t.UserID, TalentUsername: talent.Username, TalentName: t.Name, Category: t.Category,
		CertificateNo: t.CertificateNo, Leader: leader.Username, Specialist: specialist.Username, PerYear: plan.PerYear(cat),
		State: PairingActive, CreatedBy: r.By.Username, StartedAt: now, UpdatedAt: now}
	in = flow.PairingInput{CaseID: r.ID, Category: cat, CertificateNo: t.CertificateNo,
		Talent:     flow.Person{UserID: talent.ID, Username: talent.Username, Name: t.Name},
		Leader:     flow.Person{UserID: leader.ID, Username: leader.Username, Name: leader.DisplayName},
		Specialist: flow.Person{UserID: specialist.ID, Username: specialist.Username, Name: specialist.DisplayName},
		Cadence: flow.Cadence{PerYear: plan.PerYear(cat), RemindDaysBefore: plan.RemindDaysBefore, OverdueEveryDays: plan.OverdueRemindEveryDays,
			FirstDueAfterDays: plan.FirstDueAfterDays, EscalateTo: plan.EscalateTo},
		Demands: flow.DemandPlan{Routes: plan.Demands, LimitDays: plan.DemandLimitDays, VerifyLimitDays: plan.VerifyLimitDays,
			RectifyLimitDays: plan.RectifyLimitDays, RatingDays: plan.RatingDays, Office: plan.EscalateTo},
		By: r.By, Scale: r.Scale}
	return c, p, in, nil
}

// Holder finds an active user by username who holds role somewhere; field names the request's
// field when there is none.
func Holder(tx *gorm.DB, field, username, role string) (store.User, error) {
	return holder(tx, field, username, role)
}

func holder(tx *gorm.DB, field, username, role string) (store.User, error) {
	var u store.User
	if username == "" {
		return u, fieldError(field, "name the %s by username", field)
	}
	err := tx.Where("username = ? AND disabled = ?", username, false).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, fieldError(field, "no active user %q", username)
	}
	if err != nil {
		return u, err
	}
	var n int64
	if err := tx.Model(&store.RoleAssignment{}).Where("user_id = ? AND role = ?", u.ID, role).Count(&n).Error; err != nil {
		return u, err
	}
	if n == 0 {
		return u, fieldError(field, "%s does not hold the %s role", username, role)
	}
	return u, nil
}

// Active is the talent's active pairing, if any.
func Active(tx *gorm.DB, certificateNo string) (Pairing, bool, error) {
	var p Pairing
	err := tx.Where("open_key = ?", certificateNo).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return p, false, nil
	}
	return p, err == nil, err
}
