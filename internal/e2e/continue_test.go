package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"talentflow/activities"
	"talentflow/internal/calendar"
	"talentflow/internal/processes"
	"talentflow/internal/store"
	tfworker "talentflow/worker"
	"talentflow/workflows"
	"talentflow/workflows/workflowtest"
)

// TestACaseContinuesAsNewOnTheRealServerWithoutLosingAnUpdate runs a four-run case
// (workflowtest.CyclesProcess) on the embedded server, deciding each run's step through the
// HTTP API while another update on the standing task is sent at the same moment: every update
// is answered, nothing is written twice, and the histories of a run that handed over and of
// one that took over are recorded for the replay tests.
func TestACaseContinuesAsNewOnTheRealServerWithoutLosingAnUpdate(t *testing.T) {
	ctx := context.Background()
	const queue = "talentflow-e2e-cycles"
	registry, err := processes.Registry()
	require.NoError(t, err)
	cal, err := calendar.Default()
	require.NoError(t, err)
	quiet := shared.log
	w := tfworker.New(shared.Temporal, queue, 4, tfworker.Activities{
		Projector: &activities.Projector{DB: shared.DB, Log: quiet, OnClosed: registry.OnClosed()},
		Clock:     &activities.Clock{Calendar: cal, Scale: 0.00002, YellowShare: 2.0 / 3, LGODelayDays: 2, Log: quiet},
		Deliverer: &activities.Deliverer{DB: shared.DB},
	}, registry, nil)
	w.RegisterWorkflowWithOptions(workflowtest.CyclesProcess, workflow.RegisterOptions{Name: workflowtest.CyclesWorkflow})
	w.RegisterWorkflowWithOptions(workflowtest.Sleeper, workflow.RegisterOptions{Name: workflowtest.SleeperWorkflow})
	require.NoError(t, w.Start())
	defer w.Stop()

	var li store.User
	require.NoError(t, shared.DB.Where("username = ?", "applicant.li").Take(&li).Error)
	caseID := fmt.Sprintf("case_cycles_%d", time.Now().UnixNano())
	run, err := shared.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "cycles:" + caseID, TaskQueue: queue},
		workflowtest.CyclesWorkflow, workflowtest.CyclesInput{CaseID: caseID, Cycles: 4,
			Applicant: workflows.Actor{UserID: li.ID, Username: li.Username, Name: li.DisplayName, Role: "applicant"}})
	require.NoError(t, err)
	firstRun := run.GetRunID()

	hrss, sci, lgo := login(t, "hrss.approver"), login(t, "sci.approver"), login(t, "lgo.staff")
	waitTask := func(s *session, step string) string {
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var page taskPage
			s.must(http.StatusOK, http.MethodGet, "/api/v1/tasks?scope=claimable&limit=200", nil, &page)
			for _, it := range page.Items {
				if it["case_id"] == caseID && it["step"] == step {
					return it["id"].(string)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("no open task of step %s", step)
		return ""
	}
	standing := waitTask(sci, "standing")
	for n := 1; n <= 4; n++ {
		cycle := waitTask(hrss, fmt.Sprintf("cycle%d", n))
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			statuses[0] = hrss.call(http.MethodPost, "/api/v1/tasks/"+cycle+"/decision", map[string]string{"outcome": "approve"}, nil)
		}()
		go func() { // at the moment the decision ends the run
			defer wg.Done()
			statuses[1] = lgo.call(http.MethodPost, "/api/v1/tasks/"+standing+"/urge", map[string]string{"comment": fmt.Sprintf("第%d次催办", n)}, nil)
		}()
		wg.Wait()
		assert.Equal(t, []int{http.StatusOK, http.StatusOK}, statuses, "cycle %d: the decision and the urge both answered", n)
	}
	sci.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+standing+"/decision", map[string]string{"outcome": "approve"}, nil)

	var state string
	require.NoError(t, shared.Temporal.GetWorkflow(ctx, "cycles:"+caseID, "").Get(ctx, &state), "the last run ends the case")
	assert.Equal(t, "done", state)

	var c store.Case
	require.NoError(t, shared.DB.Where("id = ?", caseID).Take(&c).Error)
	assert.Equal(t, "done", c.State)
	var task store.Task
	require.NoError(t, shared.DB.Where("id = ?", standing).Take(&task).Error)
	assert.Equal(t, 4, task.UrgeCount, "every urge reached the standing task, none twice")
	var tasks, urges, audits int64
	shared.DB.Model(&store.Task{}).Where("case_id = ?", caseID).Count(&tasks)
	shared.DB.Model(&store.CaseEvent{}).Where("case_id = ? AND kind = ?", caseID, "urged").Count(&urges)
	shared.DB.Model(&store.AuditRecord{}).Where("object = ? AND action = ?", "task/"+standing, "task.urge").Count(&audits)
	assert.EqualValues(t, 5, tasks, "four cycle tasks and the standing one")
	assert.EqualValues(t, 4, urges)
	assert.EqualValues(t, 4, audits)

	recordRun(t, "cycles:"+caseID, firstRun, "cycles-first-run-continued-as-new")
	recordRun(t, "cycles:"+caseID, "", "cycles-last-run-restored")

	// A case continues as new by itself once its history passes the configured length.
	sleeper, err := shared.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sleeper:" + caseID, TaskQueue: queue},
		workflowtest.SleeperWorkflow, workflowtest.SleeperInput{CaseID: caseID + "_sleeper", ContinueAfterEvents: 30, Nap: time.Millisecond,
			Applicant: workflows.Actor{UserID: li.ID, Username: li.Username, Role: "applicant"}})
	require.NoError(t, err)
	require.NoError(t, shared.Temporal.GetWorkflow(ctx, "sleeper:"+caseID, "").Get(ctx, &state))
	assert.Equal(t, "continued", state, "the first run handed over past 30 events")
	first := shared.Temporal.GetWorkflowHistory(ctx, "sleeper:"+caseID, sleeper.GetRunID(), false, 0)
	events := 0
	for first.HasNext() {
		_, err := first.Next()
		require.NoError(t, err)
		events++
	}
	assert.GreaterOrEqual(t, events, 30)
	assert.Less(t, events, 50, "and soon after")
}
