package tasks_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/tasks"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// world is the task use cases on a real database with the demo accounts.
type world struct{ *apptest.World }

func newWorld(t *testing.T) *world { return &world{apptest.New(t)} }

// caseWithTask puts a case of applicant's with one open task in dept into the read model, as
// the projection would.
func (w *world) caseWithTask(id, applicant, dept string) {
	w.T.Helper()
	now := time.Now().UTC()
	require.NoError(w.T, w.DB.Create(&store.Case{ID: id, Process: "introduction", State: "in_review", Title: id,
		ApplicantID: w.As(applicant).User.ID, WorkflowID: "intro:" + id, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(w.T, w.DB.Create(&store.Task{ID: id + "-t1", CaseID: id, Process: "introduction", Step: "review",
		StepName: "部门会签", Attempt: 1, Mode: "countersign", Department: dept, Role: "approver", State: workflows.TaskOpen,
		OpenedAt: now, UpdatedAt: now}).Error)
}

func TestAnApproverSeesOnlyTheTasksOfTheirDepartment(t *testing.T) {
	w := newWorld(t)
	w.caseWithTask("case_h", "applicant.li", "hrss")
	w.caseWithTask("case_f", "applicant.li", "fin")
	ctx := context.Background()

	page, err := w.Cases.Tasks.Tasks(ctx, w.As("hrss.approver"), tasks.TaskFilter{Scope: tasks.ScopeDepartment})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "case_h-t1", page.Items[0].ID)
	assert.Contains(t, page.Items[0].Actions, tasks.TaskActionName("claim"))

	_, err = w.Cases.Tasks.Tasks(ctx, w.As("hrss.approver"), tasks.TaskFilter{Scope: tasks.ScopeDepartment, Department: "fin"})
	assert.Equal(t, app.KindForbidden, apptest.Kind(err), "asking for another department's inbox is refused")

	all, err := w.Cases.Tasks.Tasks(ctx, w.As("lgo.staff"), tasks.TaskFilter{Scope: tasks.ScopeDepartment})
	require.NoError(t, err)
	assert.Len(t, all.Items, 2, "the leading-group office sees every department's")
}

func TestAnotherDepartmentsTaskCannotBeDecided(t *testing.T) {
	w := newWorld(t)
	w.caseWithTask("case_s", "applicant.li", "sci")
	_, _, err := w.Cases.Tasks.Decide(context.Background(), w.As("hrss.approver"), "case_s-t1", tasks.DecisionInput{Outcome: "approve"})
	assert.Equal(t, app.KindForbidden, apptest.Kind(err))
	assert.Empty(t, w.Engine.Updates, "the refusal never reaches the workflow")

	item, acting, err := w.Cases.Tasks.Decide(context.Background(), w.As("sci.approver"), "case_s-t1", tasks.DecisionInput{Outcome: "approve"})
	require.NoError(t, err)
	assert.Equal(t, []string{workflows.UpdateDecide}, w.Engine.Updates)
	assert.Equal(t, authz.Acting{Role: "approver", Department: "sci"}, acting, "the role the audit records")
	assert.Equal(t, "case_s-t1", item.ID)
	assert.Equal(t, app.CaseState("in_review"), item.CaseState)
}
