package cases_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/cases"
	"talentflow/internal/store"
)

func TestCasesAreVisibleToTheirApplicantAndTheDepartmentsWorkingThem(t *testing.T) {
	w := apptest.New(t)
	w.CaseWithTask("case_h", "applicant.li", "hrss")
	ctx := context.Background()

	own, err := w.Cases.Case(ctx, w.As("applicant.li"), "case_h")
	require.NoError(t, err)
	assert.Equal(t, "case_h", own.ID)
	_, err = w.Cases.Case(ctx, w.As("employer.hr"), "case_h")
	assert.Equal(t, app.KindNotFound, apptest.Kind(err), "another applicant is not told the case exists")
	_, err = w.Cases.Case(ctx, w.As("sci.approver"), "case_h")
	assert.Equal(t, app.KindForbidden, apptest.Kind(err), "staff of a department without a task on it are refused")
	_, err = w.Cases.Case(ctx, w.As("hrss.approver"), "case_h")
	assert.NoError(t, err)

	// A case action by someone who may not read the case answers its summary only.
	doc, err := w.Cases.CaseDocument(ctx, w.As("sci.approver"), "case_h")
	require.NoError(t, err)
	assert.Equal(t, app.CaseState("in_review"), doc.State)
	assert.Empty(t, doc.Tasks)
	assert.Nil(t, doc.Profile)

	page, err := w.Cases.Cases(ctx, w.As("employer.hr"), cases.CaseFilter{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	_, err = w.Cases.Cases(ctx, w.As("lgo.staff"), cases.CaseFilter{Process: "nonesuch"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err), "only registered processes")
}

func TestARecordedStartIsLaunchedOnceAndForgotten(t *testing.T) {
	w := apptest.New(t)
	w.CaseWithTask("case_s", "applicant.li", "hrss")
	ctx := context.Background()
	req := app.StartRequest{CaseID: "case_s", Process: "introduction", WorkflowID: "intro:case_s",
		Workflow: "TalentIntroduction", Input: map[string]string{"case_id": "case_s"}, Category: "B"}
	require.NoError(t, w.App.RecordStart(w.DB.DB, req))

	w.Engine.StartErr = errors.New("frontend down")
	assert.Equal(t, app.ErrStartPending, w.App.Launch(ctx, "case_s"))
	var row store.CaseStart
	require.NoError(t, w.DB.Where("case_id = ?", "case_s").Take(&row).Error)
	assert.Equal(t, 1, row.Attempts)
	assert.Contains(t, row.LastError, "frontend down")

	// A start that went through before (Temporal says: already started) counts as started.
	w.Engine.StartErr = app.ErrAlreadyStarted
	n, err := w.App.ReconcileStarts(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var left int64
	w.DB.Model(&store.CaseStart{}).Count(&left)
	assert.Zero(t, left)
	require.NoError(t, w.App.Launch(ctx, "case_s"), "nothing left to launch")
	assert.Len(t, w.Engine.Starts, 2)
	assert.JSONEq(t, `{"case_id":"case_s"}`, string(w.Engine.Starts[1].Input.(json.RawMessage)))
}

// TestCasesFilterOnTheWeekTheyWereSubmittedOrClosed: the dashboard's weekly trend drills down
// to the cases submitted (or closed) in a period of China-time days.
func TestCasesFilterOnTheWeekTheyWereSubmittedOrClosed(t *testing.T) {
	w := apptest.New(t)
	ctx := context.Background()
	li := w.As("applicant.li").User.ID
	at := func(s string) *time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, time.FixedZone("CST", 8*3600))
		require.NoError(t, err)
		v = v.UTC() // as the read model keeps times
		return &v
	}
	for _, c := range []struct {
		id                string
		submitted, closed *time.Time
	}{
		{"c_mon", at("2026-03-02 00:30"), at("2026-03-20 10:00")}, // Monday just after midnight, China time
		{"c_sun", at("2026-03-08 23:50"), nil},
		{"c_next", at("2026-03-09 00:10"), at("2026-03-04 09:00")},
	} {
		require.NoError(t, w.DB.Create(&store.Case{ID: c.id, Process: "introduction", State: "in_review", Title: c.id, ApplicantID: li,
			WorkflowID: "intro:" + c.id, CreatedAt: *c.submitted, UpdatedAt: *c.submitted, SubmittedAt: c.submitted, ClosedAt: c.closed}).Error)
	}
	ids := func(f cases.CaseFilter) []string {
		page, err := w.Cases.Cases(ctx, w.As("lgo.staff"), f)
		require.NoError(t, err)
		var out []string
		for _, c := range page.Items {
			out = append(out, c.ID)
		}
		return out
	}
	assert.ElementsMatch(t, []string{"c_mon", "c_sun"}, ids(cases.CaseFilter{From: "2026-03-02", To: "2026-03-08"}))
	assert.ElementsMatch(t, []string{"c_next"}, ids(cases.CaseFilter{From: "2026-03-02", To: "2026-03-08", On: "closed"}))
	err := app.Check(cases.CaseFilter{From: "2026/03/02"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err))
}
