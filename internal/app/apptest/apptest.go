// Package apptest gives use-case tests the generic application on a real, migrated database
// (SQLite, or PostgreSQL when TALENTFLOW_TEST_POSTGRES is set) with the departments, the demo
// accounts and every registered process's tables, behind an engine that records what it is asked.
package apptest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/attachments"
	"talentflow/internal/app/cases"
	"talentflow/internal/identity"
	"talentflow/internal/processes"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/workflows"
)

// Engine records starts and updates; StartErr fails starts.
type Engine struct {
	mu       sync.Mutex
	Starts   []app.StartRequest
	Updates  []string
	StartErr error
}

// Start records a start.
func (e *Engine) Start(_ context.Context, r app.StartRequest) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Starts = append(e.Starts, r)
	return e.StartErr
}

// Update records an update's name.
func (e *Engine) Update(_ context.Context, _, update string, _, _ any) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Updates = append(e.Updates, update)
	return nil
}

// Ping answers.
func (e *Engine) Ping(context.Context) error { return nil }

// Signal is not needed by the use-case tests.
func (e *Engine) Signal(context.Context, string, string, any) error { return nil }

// World is the application under test.
type World struct {
	T      *testing.T
	App    *app.App
	Cases  *cases.Service
	DB     *store.DB
	Engine *Engine
}

// New builds a world for one test.
func New(t *testing.T) *World {
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
	e := &Engine{}
	a := &app.App{DB: db, Authz: az, Engine: e, Processes: registry, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cs := cases.New(a)
	a.Files = attachments.New(cs, filepath.Join(t.TempDir(), "files"), 10<<20)
	return &World{T: t, App: a, Cases: cs, DB: db, Engine: e}
}

// As is the principal of a demo account, as the API would build it.
func (w *World) As(username string) *authz.Principal {
	w.T.Helper()
	var u store.User
	require.NoError(w.T, w.DB.Where("username = ?", username).Take(&u).Error)
	var grants []store.RoleAssignment
	require.NoError(w.T, w.DB.Where("user_id = ?", u.ID).Order("granted_at, role").Find(&grants).Error)
	return authz.NewPrincipal(u, grants)
}

// Kind is the kind of an application error (0 for any other error).
func Kind(err error) app.Kind {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// CaseWithTask puts a case of applicant's with one open task (id-t1) in dept into the read
// model, as the projection would.
func (w *World) CaseWithTask(id, applicant, dept string) {
	w.T.Helper()
	now := time.Now().UTC()
	require.NoError(w.T, w.DB.Create(&store.Case{ID: id, Process: "introduction", State: "in_review", Title: id,
		ApplicantID: w.As(applicant).User.ID, WorkflowID: "intro:" + id, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(w.T, w.DB.Create(&store.Task{ID: id + "-t1", CaseID: id, Process: "introduction", Step: "review",
		StepName: "部门会签", Attempt: 1, Mode: "countersign", Department: dept, Role: "approver", State: workflows.TaskOpen,
		OpenedAt: now, UpdatedAt: now}).Error)
}
