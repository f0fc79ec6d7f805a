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
// decision does, and answers once the write is done.
func updateThenWrite(ctx workflow.Context) error {
	done := false
	err := workflow.SetUpdateHandler(ctx, "decide", func(ctx workflow.Context) error {
		ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: time.Second})
		if err := workflow.ExecuteLocalActivity(ctx, "write").Get(ctx, nil); err != nil {
			return err
		}
		done = true
		return nil
	})
	if err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return done })
}

// TestAWriteAfterAnUpdateWaitsUntilTheUpdateIsRecorded: the local activity of an accepted
// Update runs after the checkpoint activity, that is in a later workflow task than the one that
// accepted the Update, so a lost workflow task can never leave a write behind for an Update
// that never happened.
func TestAWriteAfterAnUpdateWaitsUntilTheUpdateIsRecorded(t *testing.T) {
	for _, tc := range []struct {
		name        string
		interceptor bool
		ran         []string
	}{{"with DurableUpdates", true, []string{"checkpoint", "write"}}, {"without", false, []string{"write"}}} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			if tc.interceptor {
				env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{workflows.DurableUpdates()}})
			}
			var ran []string
			env.RegisterWorkflow(updateThenWrite)
			env.RegisterActivityWithOptions(func(ctx context.Context) error {
				ran = append(ran, "write")
				return nil
			}, activity.RegisterOptions{Name: "write"})
			env.RegisterActivityWithOptions(func(ctx context.Context) error {
				ran = append(ran, "checkpoint")
				return workflows.Checkpoint(ctx)
			}, activity.RegisterOptions{Name: workflows.ActivityCheckpoint})
			env.RegisterDelayedCallback(func() {
				env.UpdateWorkflow("decide", "u1", &testsuite.TestUpdateCallback{
					OnReject: func(err error) { t.Errorf("rejected: %v", err) },
				})
			}, time.Hour)
			env.ExecuteWorkflow(updateThenWrite)
			require.NoError(t, env.GetWorkflowError())
			assert.Equal(t, tc.ran, ran)
		})
	}
}
