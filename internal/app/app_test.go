package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/identity"
	"talentflow/internal/processes"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/workflows"
)

// world is the generic use cases on a real database (SQLite, or PostgreSQL in CI) with the
// demo accounts, and an engine that records what it is asked.
type world struct {
	t      *testing.T
	app    *app.App
	db     *store.DB
	engine *engine
}

type engine struct {
	starts   []app.StartRequest
	updates  []string
	startErr error
}

func (e *engine) Start(_ context.Context, r app.StartRequest) error {
	e.starts = append(e.starts, r)
	return e.startErr
}

func (e *engine) Update(_ context.Context, _, update string, _, _ any) error {
	e.updates = append(e.updates, update)
	return nil
}

func (e *engine) Ping(context.Context) error { return nil }

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	registry, err := processes.Registry()
	require.NoError(t, err)
	db := storetest.Open(t, registry.Schemas()...)
	require.NoError(t, app.SeedDepartments(ctx, db))
	idn, err := identity.NewService(db, bytes.Repeat([]byte("k"), 32), time.Hour, 4)
	require.NoError(t, err)
	_, err = app.SeedDemoAccounts(ctx, db, idn, "Demo-Talent-2026")
	require.NoError(t, err)
	az, err := authz.New(ctx, db)
	require.NoError(t, err)
	e := &engine{}
	a := &app.App{DB: db, Authz: az, Engine: e, Processes: registry, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return &world{t: t, app: a, db: db, engine: e}
}

// as is the principal of a demo account.
func (w *world) as(username string) *authz.Principal {
	w.t.Helper()
	var u store.User
	require.NoError(w.t, w.db.Where("username = ?", username).Take(&u).Error)
	var grants []store.RoleAssignment
	require.NoError(w.t, w.db.Where("user_id = ?", u.ID).Order("granted_at, role").Find(&grants).Error)
	return authz.NewPrincipal(u, grants)
}

// caseWithTask puts a case of applicant's with one open task in dept into the read model, as
// the projection would.
func (w *world) caseWithTask(id, applicant, dept string) {
	w.t.Helper()
	now := time.Now().UTC()
	require.NoError(w.t, w.db.Create(&store.Case{ID: id, Process: "introduction", State: "in_review", Title: id,
		ApplicantID: w.as(applicant).User.ID, WorkflowID: "intro:" + id, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(w.t, w.db.Create(&store.Task{ID: id + "-t1", CaseID: id, Process: "introduction", Step: "review",
		StepName: "部门会签", Attempt: 1, Mode: "countersign", Department: dept, Role: "approver", State: workflows.TaskOpen,
		OpenedAt: now, UpdatedAt: now}).Error)
}

func kindOf(err error) app.Kind {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

func TestAnApproverSeesOnlyTheTasksOfTheirDepartment(t *testing.T) {
	w := newWorld(t)
	w.caseWithTask("case_h", "applicant.li", "hrss")
	w.caseWithTask("case_f", "applicant.li", "fin")
	ctx := context.Background()

	page, err := w.app.Tasks(ctx, w.as("hrss.approver"), app.TaskFilter{Scope: app.ScopeDepartment})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "case_h-t1", page.Items[0].ID)
	assert.Contains(t, page.Items[0].Actions, app.TaskActionName("claim"))

	_, err = w.app.Tasks(ctx, w.as("hrss.approver"), app.TaskFilter{Scope: app.ScopeDepartment, Department: "fin"})
	assert.Equal(t, app.KindForbidden, kindOf(err), "asking for another department's inbox is refused")

	all, err := w.app.Tasks(ctx, w.as("lgo.staff"), app.TaskFilter{Scope: app.ScopeDepartment})
	require.NoError(t, err)
	assert.Len(t, all.Items, 2, "the leading-group office sees every department's")
}

func TestAnotherDepartmentsTaskCannotBeDecided(t *testing.T) {
	w := newWorld(t)
	w.caseWithTask("case_s", "applicant.li", "sci")
	_, _, err := w.app.Decide(context.Background(), w.as("hrss.approver"), "case_s-t1", app.DecisionInput{Outcome: "approve"})
	assert.Equal(t, app.KindForbidden, kindOf(err))
	assert.Empty(t, w.engine.updates, "the refusal never reaches the workflow")

	item, acting, err := w.app.Decide(context.Background(), w.as("sci.approver"), "case_s-t1", app.DecisionInput{Outcome: "approve"})
	require.NoError(t, err)
	assert.Equal(t, []string{workflows.UpdateDecide}, w.engine.updates)
	assert.Equal(t, authz.Acting{Role: "approver", Department: "sci"}, acting, "the role the audit records")
	assert.Equal(t, "case_s-t1", item.ID)
	assert.Equal(t, app.CaseState("in_review"), item.CaseState)
}

func TestCasesAreVisibleToTheirApplicantAndTheDepartmentsWorkingThem(t *testing.T) {
	w := newWorld(t)
	w.caseWithTask("case_h", "applicant.li", "hrss")
	ctx := context.Background()

	own, err := w.app.Case(ctx, w.as("applicant.li"), "case_h")
	require.NoError(t, err)
	assert.Equal(t, "case_h", own.ID)
	_, err = w.app.Case(ctx, w.as("employer.hr"), "case_h")
	assert.Equal(t, app.KindNotFound, kindOf(err), "another applicant is not told the case exists")
	_, err = w.app.Case(ctx, w.as("sci.approver"), "case_h")
	assert.Equal(t, app.KindForbidden, kindOf(err), "staff of a department without a task on it are refused")
	_, err = w.app.Case(ctx, w.as("hrss.approver"), "case_h")
	assert.NoError(t, err)

	// A case action by someone who may not read the case answers its summary only.
	doc, err := w.app.CaseDocument(ctx, w.as("sci.approver"), "case_h")
	require.NoError(t, err)
	assert.Equal(t, app.CaseState("in_review"), doc.State)
	assert.Empty(t, doc.Tasks)
	assert.Nil(t, doc.Profile)

	page, err := w.app.Cases(ctx, w.as("employer.hr"), app.CaseFilter{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	_, err = w.app.Cases(ctx, w.as("lgo.staff"), app.CaseFilter{Process: "nonesuch"})
	assert.Equal(t, app.KindInvalid, kindOf(err), "only registered processes")
}

func TestARecordedStartIsLaunchedOnceAndForgotten(t *testing.T) {
	w := newWorld(t)
	w.caseWithTask("case_s", "applicant.li", "hrss")
	ctx := context.Background()
	req := app.StartRequest{CaseID: "case_s", Process: "introduction", WorkflowID: "intro:case_s",
		Workflow: "TalentIntroduction", Input: map[string]string{"case_id": "case_s"}, Category: "B"}
	require.NoError(t, w.app.RecordStart(w.db.DB, req))

	w.engine.startErr = errors.New("frontend down")
	assert.Equal(t, app.ErrStartPending, w.app.Launch(ctx, "case_s"))
	var row store.CaseStart
	require.NoError(t, w.db.Where("case_id = ?", "case_s").Take(&row).Error)
	assert.Equal(t, 1, row.Attempts)
	assert.Contains(t, row.LastError, "frontend down")

	// A start that went through before (Temporal says: already started) counts as started.
	w.engine.startErr = app.ErrAlreadyStarted
	n, err := w.app.ReconcileStarts(ctx, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var left int64
	w.db.Model(&store.CaseStart{}).Count(&left)
	assert.Zero(t, left)
	require.NoError(t, w.app.Launch(ctx, "case_s"), "nothing left to launch")
	assert.Len(t, w.engine.starts, 2)
	assert.JSONEq(t, `{"case_id":"case_s"}`, string(w.engine.starts[1].Input.(json.RawMessage)))
}

func TestNotificationsAreTheirRecipientsAlone(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	li := w.as("applicant.li")
	require.NoError(t, w.db.Create(&store.Notification{ID: "n1", UserID: li.User.ID, Kind: "info", CaseID: "c",
		Title: "通知", DedupeKey: "n1", CreatedAt: time.Now()}).Error)
	_, err := w.app.MarkNotificationRead(ctx, w.as("employer.hr"), "n1")
	assert.Equal(t, app.KindNotFound, kindOf(err))
	page, err := w.app.Notifications(ctx, li, app.NotificationFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
	_, err = w.app.MarkNotificationRead(ctx, li, "n1")
	assert.NoError(t, err)
}
