// Package introduction holds the use cases of the talent introduction process: drafts, their
// profile rules, submission (one open application per person and category), resubmission after
// a return, objections during the public notice, and the profile a case page shows.
package introduction

import (
	"context"
	"errors"
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
	storeintro "talentflow/internal/store/introduction"
	"talentflow/workflows"
	flow "talentflow/workflows/introduction"
)

// Service is the introduction's use cases on top of the generic ones.
type Service struct {
	*cases.Service
	Routing *routing.Introduction
	Store   Store
}

// New is the introduction's use cases on the case use cases' database.
func New(c *cases.Service, plan *routing.Introduction) *Service {
	return &Service{Service: c, Routing: plan, Store: DBStore{DB: c.DB, Record: c.RecordStart}}
}

// IntroductionProfile is a talent introduction application's profile (人才引进认定申请).
type IntroductionProfile struct {
	Name               string           `json:"name" validate:"required,max=50"`
	IDNumber           string           `json:"id_number" validate:"required,citizenid"`
	Phone              string           `json:"phone" validate:"required,phone"`
	Education          domain.Education `json:"education" validate:"required,education"`
	Title              domain.Title     `json:"title" validate:"required,title"`
	Field              string           `json:"field" validate:"required,max=100"`
	EmployerCreditCode string           `json:"employer_credit_code" validate:"required,creditcode"`
	Category           domain.Category  `json:"category" validate:"required,category"`
}

func (p *IntroductionProfile) normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.IDNumber = domain.NormalizeCitizenID(p.IDNumber)
	p.Phone = domain.NormalizePhone(p.Phone)
	p.Field = strings.TrimSpace(p.Field)
	p.EmployerCreditCode = domain.NormalizeCreditCode(p.EmployerCreditCode)
}

// CreateIntroduction saves a draft application; drafts are not workflows yet.
func (a *Service) CreateIntroduction(ctx context.Context, p *authz.Principal, in IntroductionProfile) (app.Created, error) {
	in.normalize()
	if err := app.Check(in); err != nil {
		return app.Created{}, err
	}
	now := a.Time()
	id := ids.New("case")
	c := store.Case{ID: id, Process: flow.Process, State: app.StateDraft, Title: flow.IntroductionTitle(in.Name),
		ApplicantID: p.User.ID, Category: string(in.Category), WorkflowID: flow.WorkflowID(id),
		CreatedAt: now, UpdatedAt: now}
	if err := a.Store.CreateDraft(ctx, c, *profileRow(id, p.User.ID, in, now)); err != nil {
		return app.Created{}, a.Unavailable(ctx, "the database", err)
	}
	return app.Created{ID: id}, nil
}

func profileRow(caseID, applicantID string, in IntroductionProfile, now time.Time) *storeintro.Profile {
	return &storeintro.Profile{CaseID: caseID, ApplicantID: applicantID, Name: in.Name, IDNumber: in.IDNumber,
		Phone: in.Phone, Education: string(in.Education), Title: string(in.Title), Field: in.Field,
		EmployerCreditCode: in.EmployerCreditCode, Category: string(in.Category), CreatedAt: now, UpdatedAt: now}
}

// UpdateIntroduction edits the profile of a draft, or of an application returned for
// correction (the category cannot change once submitted).
func (a *Service) UpdateIntroduction(ctx context.Context, p *authz.Principal, id string, in IntroductionProfile) error {
	in.normalize()
	if err := app.Check(in); err != nil {
		return err
	}
	err := a.Store.Change(ctx, id, p.User.ID, func(c store.Case, old storeintro.Profile) (Write, error) {
		switch {
		case c.State == workflows.StateReturned && in.Category != domain.Category(old.Category):
			return Write{}, app.Invalid("category", "the category cannot change after submission; withdraw and apply again")
		case c.State != app.StateDraft && c.State != workflows.StateReturned:
			return Write{}, app.Conflict("application %s is %s: only drafts and returned applications can be edited", id, c.State)
		}
		row := profileRow(id, p.User.ID, in, a.Time())
		row.CreatedAt, row.OpenKey = old.CreatedAt, old.OpenKey
		if c.State == workflows.StateReturned {
			key, err := a.openKey(in.IDNumber, in.Category)
			if err != nil {
				return Write{}, err
			}
			row.OpenKey = key
		}
		return Write{Profile: row}, nil
	})
	return a.storeError(ctx, id, err)
}

// openKey claims the person-and-category slot by the blind index of the ID number: the
// column is unique, yet holds no ID number.
func (a *Service) openKey(idNumber string, c domain.Category) (*string, error) {
	if a.DB.Keys == nil {
		return nil, store.ErrNoKeys
	}
	k := storeintro.OpenKey(a.DB.Keys, idNumber, string(c))
	return &k, nil
}

// storeError turns the Store's answers into the caller's: 404 for another person's
// application, 409 for a second open one, the rules' own errors as they are, 503 otherwise.
func (a *Service) storeError(ctx context.Context, id string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return app.NotFound("no application %s of yours", id)
	case errors.Is(err, ErrDuplicate):
		return &app.Error{Kind: app.KindConflict, Code: "duplicate_application",
			Message: "this person already has an open application in this category"}
	}
	return a.DBError(ctx, err)
}

// SubmitIntroduction turns a draft into a running case. One transaction claims the
// person-and-category slot (one open application each), marks the case submitted and records
// the start of its workflow with the routing in force now; the workflow is started after the
// commit, and a start that a crash or an outage interrupts is finished later (see
// app.RecordStart). Submitting a case that is submitted but not yet started starts it.
func (a *Service) SubmitIntroduction(ctx context.Context, p *authz.Principal, id string) (cases.CaseDetail, error) {
	err := a.Store.Change(ctx, id, p.User.ID, func(c store.Case, in storeintro.Profile) (Write, error) {
		switch {
		case c.State == app.StateSubmitted:
			return Write{}, nil // recorded before; the launch below finishes it
		case c.State != app.StateDraft:
			return Write{}, app.Conflict("application %s is already %s", id, c.State)
		}
		now := a.Time()
		category := domain.Category(in.Category)
		key, err := a.openKey(in.IDNumber, category)
		if err != nil {
			return Write{}, err
		}
		return Write{OpenKey: key, SubmittedAt: &now, Start: &app.StartRequest{
			CaseID: id, Process: flow.Process, WorkflowID: flow.WorkflowID(id), Workflow: flow.WorkflowIntroduction,
			Category: string(category),
			Input: flow.IntroductionInput{CaseID: id, Applicant: app.Actor(p, authz.RoleApplicant, ""), Name: in.Name,
				Category: category, Plan: a.Routing.Plan(category)},
		}}, nil
	})
	if err := a.storeError(ctx, id, err); err != nil {
		return cases.CaseDetail{}, err
	}
	// Answer once the case has opened its first task, so the caller sees it under way.
	if err := a.LaunchAndSettle(ctx, id, flow.WorkflowID(id)); err != nil {
		return cases.CaseDetail{}, err
	}
	return a.Case(ctx, p, id)
}

// ResubmitIntroduction sends a returned application back into the process, as corrected.
func (a *Service) ResubmitIntroduction(ctx context.Context, p *authz.Principal, id string, in app.CaseAction) (cases.CaseDetail, error) {
	if err := app.Check(in); err != nil {
		return cases.CaseDetail{}, err
	}
	c, _, err := a.Store.Application(ctx, id, p.User.ID)
	if err != nil {
		return cases.CaseDetail{}, a.storeError(ctx, id, err)
	}
	if c.State != workflows.StateReturned {
		return cases.CaseDetail{}, app.Conflict("application %s is %s, not returned for correction", id, c.State)
	}
	var status workflows.CaseStatus
	if err := a.Engine.Update(ctx, c.WorkflowID, workflows.UpdateResubmit,
		workflows.CaseAction{Reason: in.Reason, Actor: app.Actor(p, authz.RoleApplicant, "")}, &status); err != nil {
		return cases.CaseDetail{}, a.EngineError(ctx, err)
	}
	return a.Case(ctx, p, id)
}

// ObjectToCase files an objection against a case in public notice (公示异议), as received by
// the staff member filing it. Cases in notice are public, so anyone who may object may; the
// answer is the case document as the filer may see it (see app.CaseDocument).
func (a *Service) ObjectToCase(ctx context.Context, p *authz.Principal, id string, in app.CaseAction) (cases.CaseDetail, authz.Acting, error) {
	var status workflows.CaseStatus
	if err := app.Check(in); err != nil {
		return cases.CaseDetail{}, authz.Acting{}, err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return cases.CaseDetail{}, authz.Acting{}, app.Invalid("reason", "reason is required: state the grounds of the objection")
	}
	role, dept := a.objectingRole(p)
	if role == "" {
		return cases.CaseDetail{}, authz.Acting{}, app.Forbidden("your roles cannot file objections")
	}
	acting := authz.ActingAs(role, dept)
	c, err := a.Store.Case(ctx, id)
	if err != nil {
		return cases.CaseDetail{}, acting, app.NotFound("no case %s", id)
	}
	if c.State != flow.IntroNotice {
		return cases.CaseDetail{}, acting, app.Conflict("case %s is not in public notice (it is %s)", id, c.State)
	}
	if err := a.Engine.Update(ctx, c.WorkflowID, flow.UpdateObject,
		workflows.CaseAction{Reason: in.Reason, Actor: app.Actor(p, role, dept)}, &status); err != nil {
		return cases.CaseDetail{}, acting, a.EngineError(ctx, err)
	}
	doc, err := a.CaseDocument(ctx, p, id)
	return doc, acting, err
}

func (a *Service) objectingRole(p *authz.Principal) (string, string) {
	for _, g := range p.Grants {
		if role, ok := a.Authz.RoleFor(p.User.ID, g.Department, authz.CaseObject); ok {
			return role, g.Department
		}
	}
	return "", ""
}

// IntroductionView is a profile as shown to one reader: personal data masked unless the
// reader is the applicant or works the case.
type IntroductionView struct {
	Name               string           `json:"name"`
	IDNumber           string           `json:"id_number"`
	Phone              string           `json:"phone"`
	Education          domain.Education `json:"education"`
	EducationLabel     string           `json:"education_label"`
	Title              domain.Title     `json:"title"`
	TitleLabel         string           `json:"title_label"`
	Field              string           `json:"field"`
	EmployerCreditCode string           `json:"employer_credit_code"`
	Category           domain.Category  `json:"category"`
	CategoryLabel      string           `json:"category_label"`
	Masked             bool             `json:"masked"`
}

// Detail is the profile of an introduction case as a case page shows it (nil for none).
func Detail(ctx context.Context, db *gorm.DB, caseID string, unmasked bool) (any, error) {
	var in storeintro.Profile
	err := db.WithContext(ctx).Where("case_id = ?", caseID).Take(&in).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil
	case err != nil:
		return nil, err
	}
	v := introductionView(in, !unmasked)
	return &v, nil
}

// Revealed names the fields the view shows in full (app.Revealing): a read of them is audited.
func (v *IntroductionView) Revealed() string {
	if v.Masked {
		return ""
	}
	return "id_number, phone"
}

func introductionView(in storeintro.Profile, masked bool) IntroductionView {
	v := IntroductionView{Name: in.Name, IDNumber: in.IDNumber, Phone: in.Phone, Education: domain.Education(in.Education),
		Title: domain.Title(in.Title), Field: in.Field, EmployerCreditCode: in.EmployerCreditCode,
		Category: domain.Category(in.Category), Masked: masked}
	v.EducationLabel, v.TitleLabel, v.CategoryLabel = v.Education.Label(), v.Title.Label(), v.Category.Label()
	if masked {
		v.IDNumber, v.Phone = domain.MaskCitizenID(in.IDNumber), domain.MaskPhone(in.Phone)
	}
	return v
}
