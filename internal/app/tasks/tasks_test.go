package tasks_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/tasks"
	"talentflow/workflows"
)

func TestAnApproverSeesOnlyTheTasksOfTheirDepartment(t *testing.T) {
	w := apptest.New(t)
	w.CaseWithTask("case_h", "applicant.li", "hrss")
	w.CaseWithTask("case_f", "applicant.li", "fin")
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
	w := apptest.New(t)
	w.CaseWithTask("case_s", "applicant.li", "sci")
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
