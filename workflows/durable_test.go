package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"talentflow/workflows"
)

// updateThenWrite accepts an Update whose handler writes through a local activity, as every
// decision does, and answers the workflow time once the write is done.
func updateThenWrite(ctx workflow.Context) (time.Time, error) {
	var wrote time.Time
	done := false
	err := workflow.SetUpdateHandler(ctx, "decide", func(ctx workflow.Context) error {
		ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Second})
		if err := workflow.ExecuteLocalActivity(ctx, "write").Get(ctx, nil); err != nil {
			return err
		}
		wrote, done = workflow.Now(ctx), true
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	err = workflow.Await(ctx, func() bool { return done })
	return wrote, err
}

func write(context.Context) error { return nil }

// TestAWriteAfterAnUpdateWaitsUntilTheUpdateIsRecorded: the local activity of an accepted
// Update runs in a later workflow task than the one that accepted it (after a 1 ms timer), so
// a lost workflow task can never leave a write behind for an Update that never happened.
func TestAWriteAfterAnUpdateWaitsUntilTheUpdateIsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name        string
		interceptor bool
		wait        time.Duration
	}{{"with DurableUpdates", true, time.Millisecond}, {"without", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			if tc.interceptor {
				env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{workflows.DurableUpdates()}})
			}
			env.RegisterWorkflow(updateThenWrite)
			env.RegisterActivityWithOptions(write, activity.RegisterOptions{Name: "write"})
			start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			env.SetStartTime(start)
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow("decide", "u1", &testsuite.TestUpdateCallback{
					OnReject: func(err error) { t.Errorf("rejected: %v", err) },
				})
			}, time.Hour)
			env.ExecuteWorkflow(updateThenWrite)
			require.NoError(t, env.GetWorkflowError())
			var wrote time.Time
			require.NoError(t, env.GetWorkflowResult(&wrote))
			assert.Equal(t, start.Add(time.Hour).Add(tc.wait), wrote)
		})
	}
}
