package introduction_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	actsintro "talentflow/activities/introduction"
	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/introduction"
	"talentflow/internal/domain"
	"talentflow/internal/routing"
	"talentflow/internal/sealed"
	"talentflow/internal/store"
	flow "talentflow/workflows/introduction"
)

func service(t *testing.T) (*introduction.Service, *apptest.Engine, *authz.Principal) {
	t.Helper()
	w := apptest.New(t)
	plan, err := routing.LoadIntroduction("")
	require.NoError(t, err)
	return introduction.New(w.Cases, plan), w.Engine, w.As("applicant.li")
}

func profile(idSeq string, c domain.Category) introduction.IntroductionProfile {
	return introduction.IntroductionProfile{Name: "王芳", IDNumber: domain.MakeCitizenID("371521", "19900215", idSeq),
		Phone: "13905350000", Education: "master", Title: "intermediate", Field: "生物医药",
		EmployerCreditCode: "91350100M000100Y43", Category: c}
}

func code(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestSubmittingRecordsTheStartWithTheRoutingInForce(t *testing.T) {
	s, e, li := service(t)
	ctx := context.Background()
	draft, err := s.CreateIntroduction(ctx, li, profile("501", domain.CategoryB))
	require.NoError(t, err)
	doc, err := s.SubmitIntroduction(ctx, li, draft.ID)
	require.NoError(t, err)
	assert.Equal(t, app.CaseState("submitted"), doc.State, "the workflow's first projection moves it on")
	require.Len(t, e.Starts, 1)
	start := e.Starts[0]
	assert.Equal(t, flow.WorkflowIntroduction, start.Workflow)
	assert.Equal(t, flow.WorkflowID(draft.ID), start.WorkflowID)
	var in flow.IntroductionInput
	require.NoError(t, json.Unmarshal(start.Input.(json.RawMessage), &in))
	var reviewers []string
	for _, r := range in.Plan.Reviewers {
		reviewers = append(reviewers, r.Department)
	}
	assert.Equal(t, []string{"hrss", "sci", "iit"}, reviewers, "category B: hrss, sci and iit review")
	var left int64
	s.DB.Model(&store.CaseStart{}).Count(&left)
	assert.Zero(t, left, "launched and forgotten")
}

func TestOneOpenApplicationPerPersonAndCategory(t *testing.T) {
	s, e, li := service(t)
	ctx := context.Background()
	first, err := s.CreateIntroduction(ctx, li, profile("502", domain.CategoryB))
	require.NoError(t, err)
	second, err := s.CreateIntroduction(ctx, li, profile("502", domain.CategoryB))
	require.NoError(t, err)
	other, err := s.CreateIntroduction(ctx, li, profile("502", domain.CategoryC))
	require.NoError(t, err)

	_, err = s.SubmitIntroduction(ctx, li, first.ID)
	require.NoError(t, err)
	_, err = s.SubmitIntroduction(ctx, li, second.ID)
	assert.Equal(t, "duplicate_application", code(err))
	var c store.Case
	require.NoError(t, s.DB.Where("id = ?", second.ID).Take(&c).Error)
	assert.Equal(t, app.StateDraft, c.State, "the refused submission left the draft as it was")
	_, err = s.SubmitIntroduction(ctx, li, other.ID)
	assert.NoError(t, err, "another category is another application")
	assert.Len(t, e.Starts, 2)

	// Once the first case closes, its slot is free again.
	require.NoError(t, actsintro.OnClosed(s.DB.DB, first.ID))
	_, err = s.SubmitIntroduction(ctx, li, second.ID)
	assert.NoError(t, err)
}

func TestAReturnedApplicationKeepsItsCategory(t *testing.T) {
	s, _, li := service(t)
	ctx := context.Background()
	draft, err := s.CreateIntroduction(ctx, li, profile("503", domain.CategoryB))
	require.NoError(t, err)
	require.NoError(t, s.DB.Model(&store.Case{}).Where("id = ?", draft.ID).Update("state", "returned").Error)
	err = s.UpdateIntroduction(ctx, li, draft.ID, profile("503", domain.CategoryC))
	var e *app.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "category", e.Field)
	p := profile("503", domain.CategoryB)
	p.Field = "新材料"
	assert.NoError(t, s.UpdateIntroduction(ctx, li, draft.ID, p), "other fields may be corrected")

	_, err = s.CreateIntroduction(ctx, li, introduction.IntroductionProfile{Name: "王芳", IDNumber: "11010519491231002"})
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "id_number", e.Field, "a bad citizen ID is named")
}

func TestTheOpenApplicationSlotHoldsABlindIndexNotTheIDNumber(t *testing.T) {
	s, _, li := service(t)
	ctx := context.Background()
	p := profile("504", domain.CategoryB)
	draft, err := s.CreateIntroduction(ctx, li, p)
	require.NoError(t, err)
	_, err = s.SubmitIntroduction(ctx, li, draft.ID)
	require.NoError(t, err)
	var raw struct{ IDNumber, Phone, OpenKey string }
	require.NoError(t, s.DB.Raw(`SELECT id_number, phone, open_key FROM introductions WHERE case_id = ?`, draft.ID).Scan(&raw).Error)
	for name, v := range map[string]string{"id_number": raw.IDNumber, "phone": raw.Phone, "open_key": raw.OpenKey} {
		assert.NotContains(t, v, p.IDNumber, name)
		assert.NotContains(t, v, p.Phone, name)
	}
	assert.True(t, sealed.IsSealed(raw.IDNumber) && sealed.IsSealed(raw.Phone), "sealed at rest")
	assert.Equal(t, s.DB.Keys.Index(store.IndexCitizenID, p.IDNumber)+"|B", raw.OpenKey)
}

func TestTheApproverSeesTheProfileInFullAndTheReadIsAudited(t *testing.T) {
	w := apptest.New(t)
	plan, err := routing.LoadIntroduction("")
	require.NoError(t, err)
	s := introduction.New(w.Cases, plan)
	ctx := app.WithRequestID(context.Background(), "req-1")
	li := w.As("applicant.li")
	p := profile("505", domain.CategoryB)
	draft, err := s.CreateIntroduction(ctx, li, p)
	require.NoError(t, err)
	_, err = s.SubmitIntroduction(ctx, li, draft.ID)
	require.NoError(t, err)
	require.NoError(t, w.DB.Create(&store.Task{ID: draft.ID + "-t1", CaseID: draft.ID, Process: flow.Process, Step: "review",
		Department: "hrss", Role: "approver", State: "open", OpenedAt: w.App.Time(), UpdatedAt: w.App.Time()}).Error)
	reveals := func() []store.AuditRecord {
		var rows []store.AuditRecord
		require.NoError(t, w.DB.Where("action = ? AND object = ?", app.ActionReveal, "case/"+draft.ID).Order("seq").Find(&rows).Error)
		return rows
	}
	view := func(who string) *introduction.IntroductionView {
		doc, err := s.Case(ctx, w.As(who), draft.ID)
		require.NoError(t, err, who)
		return doc.Profile.(*introduction.IntroductionView)
	}

	own := view("applicant.li")
	assert.Equal(t, p.IDNumber, own.IDNumber, "the applicant sees what they typed")
	assert.Empty(t, reveals(), "reading one's own application is not a disclosure")

	full := view("hrss.approver")
	assert.Equal(t, p.IDNumber, full.IDNumber, "the reviewer works the case")
	assert.Equal(t, p.Phone, full.Phone)
	rows := reveals()
	require.Len(t, rows, 1, "the full read is audited")
	assert.Equal(t, "hrss.approver", rows[0].Actor)
	assert.Equal(t, "req-1", rows[0].RequestID)
	assert.Contains(t, rows[0].Reason, "id_number")
	assert.NotContains(t, rows[0].Reason, p.IDNumber)

	masked := view("auditor")
	assert.True(t, masked.Masked)
	assert.Equal(t, domain.MaskCitizenID(p.IDNumber), masked.IDNumber, "an auditor reads the case masked")
	assert.Len(t, reveals(), 1, "a masked read is no disclosure")
	view("hrss.approver")
	assert.Len(t, reveals(), 2, "every full read")
}
