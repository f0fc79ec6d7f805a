package cases_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

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
