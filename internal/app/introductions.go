package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/domain"
	"talentflow/internal/ids"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// Case states before a workflow exists.
const (
	StateDraft     = "draft"
	StateSubmitted = "submitted"
)

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

// Created answers the creation of an object.
type Created struct {
	ID string `json:"id"`
}

// CreateIntroduction saves a draft application; drafts are not workflows yet.
func (a *App) CreateIntroduction(ctx context.Context, p *authz.Principal, in IntroductionProfile) (Created, error) {
	in.normalize()
	if err := check(in); err != nil {
		return Created{}, err
	}
	now := a.now()
	id := ids.New("case")
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c := store.Case{ID: id, Process: workflows.ProcessIntroduction, State: StateDraft, Title: workflows.IntroductionTitle(in.Name),
			ApplicantID: p.User.ID, Category: string(in.Category), WorkflowID: workflows.IntroductionWorkflowID(id),
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return tx.Create(profileRow(id, p.User.ID, in, now)).Error
	})
	if err != nil {
		return Created{}, a.unavailable(ctx, "the database", err)
	}
	authz.SetActing(ctx, authz.RoleApplicant, "")
	return Created{ID: id}, nil
}

func profileRow(caseID, applicantID string, in IntroductionProfile, now time.Time) *store.Introduction {
	return &store.Introduction{CaseID: caseID, ApplicantID: applicantID, Name: in.Name, IDNumber: in.IDNumber,
		Phone: in.Phone, Education: string(in.Education), Title: string(in.Title), Field: in.Field,
		EmployerCreditCode: in.EmployerCreditCode, Category: string(in.Category), CreatedAt: now, UpdatedAt: now}
}

// ownIntroduction loads an application of the caller's, or 404 (other people's cases are not
// acknowledged to exist).
func (a *App) ownIntroduction(ctx context.Context, tx *gorm.DB, p *authz.Principal, id string) (store.Case, store.Introduction, error) {
	var c store.Case
	var in store.Introduction
	err := tx.WithContext(ctx).Where("id = ? AND process = ?", id, workflows.ProcessIntroduction).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && c.ApplicantID != p.User.ID) {
		return c, in, NotFound("no application %s of yours", id)
	}
	if err != nil {
		return c, in, a.unavailable(ctx, "the database", err)
	}
	if err := tx.WithContext(ctx).Where("case_id = ?", id).Take(&in).Error; err != nil {
		return c, in, a.unavailable(ctx, "the database", err)
	}
	return c, in, nil
}

// UpdateIntroduction edits the profile of a draft, or of an application returned for
// correction (the category cannot change once submitted).
func (a *App) UpdateIntroduction(ctx context.Context, p *authz.Principal, id string, in IntroductionProfile) error {
	in.normalize()
	if err := check(in); err != nil {
		return err
	}
	authz.SetActing(ctx, authz.RoleApplicant, "")
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, old, err := a.ownIntroduction(ctx, tx, p, id)
		if err != nil {
			return err
		}
		switch {
		case c.State == workflows.StateReturned && in.Category != domain.Category(old.Category):
			return Invalid("category", "the category cannot change after submission; withdraw and apply again")
		case c.State != StateDraft && c.State != workflows.StateReturned:
			return Conflict("application %s is %s: only drafts and returned applications can be edited", id, c.State)
		}
		row := profileRow(id, p.User.ID, in, a.now())
		row.CreatedAt, row.OpenKey = old.CreatedAt, old.OpenKey
		if c.State == workflows.StateReturned {
			row.OpenKey = openKey(in.IDNumber, in.Category)
		}
		if err := tx.Save(row).Error; err != nil {
			if isUnique(err) {
				return duplicateApplication()
			}
			return err
		}
		return tx.Model(&store.Case{}).Where("id = ?", id).Updates(map[string]any{
			"title": workflows.IntroductionTitle(in.Name), "category": string(in.Category), "updated_at": a.now()}).Error
	})
	if err != nil {
		return a.dbError(ctx, err)
	}
	return nil
}

func openKey(idNumber string, c domain.Category) *string {
	k := idNumber + "|" + string(c)
	return &k
}

func duplicateApplication() *Error {
	return &Error{Kind: KindConflict, Code: "duplicate_application",
		Message: "this person already has an open application in this category"}
}

// SubmitIntroduction turns a draft into a running case: it claims the person-and-category slot
// (one open application each), then starts the workflow with the routing in force now.
func (a *App) SubmitIntroduction(ctx context.Context, p *authz.Principal, id string) (CaseDetail, error) {
	authz.SetActing(ctx, authz.RoleApplicant, "")
	var profile store.Introduction
	err := a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, in, err := a.ownIntroduction(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if c.State != StateDraft {
			return Conflict("application %s is already %s", id, c.State)
		}
		profile = in
		now := a.now()
		if err := tx.Model(&store.Introduction{}).Where("case_id = ?", id).
			Update("open_key", openKey(in.IDNumber, domain.Category(in.Category))).Error; err != nil {
			if isUnique(err) {
				return duplicateApplication()
			}
			return err
		}
		return tx.Model(&store.Case{}).Where("id = ? AND state = ?", id, StateDraft).
			Updates(map[string]any{"state": StateSubmitted, "submitted_at": now, "updated_at": now}).Error
	})
	if err != nil {
		return CaseDetail{}, a.dbError(ctx, err)
	}
	category := domain.Category(profile.Category)
	start := workflows.IntroductionInput{
		CaseID:    id,
		Applicant: actor(p, authz.RoleApplicant, ""),
		Name:      profile.Name,
		Category:  category,
		Plan:      a.Routing.Plan(category),
	}
	if err := a.Engine.StartIntroduction(ctx, start); err != nil {
		if errors.Is(err, ErrAlreadyStarted) {
			return CaseDetail{}, Conflict("application %s is already submitted", id)
		}
		if err := a.undoSubmit(context.WithoutCancel(ctx), start.WorkflowID(), id, err); err != nil {
			return CaseDetail{}, err
		}
	}
	// Answer once the case has opened its first task, so the caller sees it under way.
	var status workflows.CaseStatus
	if err := a.Engine.Update(ctx, start.WorkflowID(), workflows.UpdateSettled, nil, &status); err != nil {
		a.Log.WarnContext(ctx, "case started but did not settle in time", "case", id, "err", err)
	}
	return a.Case(ctx, p, id)
}

// undoSubmit handles a start that failed: if the workflow does not exist, the application goes
// back to draft (and gives up its open-application slot) so that the applicant can submit again;
// if it does exist after all (the start timed out but went through), the submission stands; if
// nobody can tell, nothing is undone.
func (a *App) undoSubmit(ctx context.Context, workflowID, id string, startErr error) error {
	started, err := a.Engine.Started(ctx, workflowID)
	switch {
	case err == nil && started:
		return nil
	case err != nil:
		a.Log.ErrorContext(ctx, "submission state unknown", "case", id, "start_err", startErr, "err", err)
		return &Error{Kind: KindUnavailable, Code: "unavailable",
			Message: "the workflow service did not confirm the submission; reload the application before trying again"}
	}
	err = a.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&store.Introduction{}).Where("case_id = ?", id).Update("open_key", nil).Error; err != nil {
			return err
		}
		return tx.Model(&store.Case{}).Where("id = ? AND state = ?", id, StateSubmitted).
			Updates(map[string]any{"state": StateDraft, "submitted_at": nil}).Error
	})
	if err != nil {
		a.Log.ErrorContext(ctx, "could not return the application to draft", "case", id, "err", err)
	}
	return a.unavailable(ctx, "the workflow service", startErr)
}

// dbError passes application errors through and hides database failures.
func (a *App) dbError(ctx context.Context, err error) error {
	var appErr *Error
	if errors.As(err, &appErr) {
		return appErr
	}
	return a.unavailable(ctx, "the database", err)
}

func isUnique(err error) bool { return store.IsUniqueViolation(err) }

// CaseAction is a reason given for withdrawing, resubmitting or objecting.
type CaseAction struct {
	Reason string `json:"reason" validate:"max=500"`
}

// ResubmitIntroduction sends a returned application back into the process, as corrected.
func (a *App) ResubmitIntroduction(ctx context.Context, p *authz.Principal, id string, in CaseAction) (CaseDetail, error) {
	if err := check(in); err != nil {
		return CaseDetail{}, err
	}
	c, _, err := a.ownIntroduction(ctx, a.DB.DB, p, id)
	if err != nil {
		return CaseDetail{}, err
	}
	if c.State != workflows.StateReturned {
		return CaseDetail{}, Conflict("application %s is %s, not returned for correction", id, c.State)
	}
	authz.SetActing(ctx, authz.RoleApplicant, "")
	var status workflows.CaseStatus
	if err := a.Engine.Update(ctx, c.WorkflowID, workflows.UpdateResubmit,
		workflows.CaseAction{Reason: in.Reason, Actor: actor(p, authz.RoleApplicant, "")}, &status); err != nil {
		return CaseDetail{}, a.engineError(ctx, err)
	}
	return a.Case(ctx, p, id)
}

// WithdrawCase withdraws the caller's application: a draft is simply closed, a running case is
// withdrawn through its workflow (until the certificate is issued).
func (a *App) WithdrawCase(ctx context.Context, p *authz.Principal, id string, in CaseAction) (CaseDetail, error) {
	if err := check(in); err != nil {
		return CaseDetail{}, err
	}
	authz.SetActing(ctx, authz.RoleApplicant, "")
	var c store.Case
	if err := a.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil || c.ApplicantID != p.User.ID {
		return CaseDetail{}, NotFound("no case %s of yours", id)
	}
	if c.State == StateDraft {
		now := a.now()
		res := a.DB.WithContext(ctx).Model(&store.Case{}).Where("id = ? AND state = ?", id, StateDraft).
			Updates(map[string]any{"state": workflows.StateWithdrawn, "closed_at": now, "updated_at": now})
		if res.Error != nil {
			return CaseDetail{}, a.dbError(ctx, res.Error)
		}
		if res.RowsAffected == 0 {
			return CaseDetail{}, Conflict("case %s changed meanwhile; reload it", id)
		}
		return a.Case(ctx, p, id)
	}
	if c.ClosedAt != nil {
		return CaseDetail{}, Conflict("case %s is closed (%s)", id, c.State)
	}
	var status workflows.CaseStatus
	if err := a.Engine.Update(ctx, c.WorkflowID, workflows.UpdateWithdraw,
		workflows.CaseAction{Reason: in.Reason, Actor: actor(p, authz.RoleApplicant, "")}, &status); err != nil {
		return CaseDetail{}, a.engineError(ctx, err)
	}
	return a.Case(ctx, p, id)
}

// ObjectToCase files an objection against a case in public notice (公示异议), as received by
// the staff member filing it. Cases in notice are public, so anyone who may object may; the
// answer is the case's new status (the filer need not be able to read the whole case).
func (a *App) ObjectToCase(ctx context.Context, p *authz.Principal, id string, in CaseAction) (workflows.CaseStatus, error) {
	var status workflows.CaseStatus
	if err := check(in); err != nil {
		return status, err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return status, Invalid("reason", "reason is required: state the grounds of the objection")
	}
	role, dept := a.objectingRole(p)
	if role == "" {
		return status, Forbidden("your roles cannot file objections")
	}
	authz.SetActing(ctx, role, dept)
	var c store.Case
	if err := a.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return status, NotFound("no case %s", id)
	}
	if c.State != workflows.IntroNotice {
		return status, Conflict("case %s is not in public notice (it is %s)", id, c.State)
	}
	if err := a.Engine.Update(ctx, c.WorkflowID, workflows.UpdateObject,
		workflows.CaseAction{Reason: in.Reason, Actor: actor(p, role, dept)}, &status); err != nil {
		return status, a.engineError(ctx, err)
	}
	return status, nil
}

func (a *App) objectingRole(p *authz.Principal) (string, string) {
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

func introductionView(in store.Introduction, masked bool) IntroductionView {
	v := IntroductionView{Name: in.Name, IDNumber: in.IDNumber, Phone: in.Phone, Education: domain.Education(in.Education),
		Title: domain.Title(in.Title), Field: in.Field, EmployerCreditCode: in.EmployerCreditCode,
		Category: domain.Category(in.Category), Masked: masked}
	v.EducationLabel, v.TitleLabel, v.CategoryLabel = v.Education.Label(), v.Title.Label(), v.Category.Label()
	if masked {
		v.IDNumber, v.Phone = domain.MaskCitizenID(in.IDNumber), domain.MaskPhone(in.Phone)
	}
	return v
}
