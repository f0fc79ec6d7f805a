package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/processes"
	tfworker "talentflow/worker"
	"talentflow/workflows/workflowtest"
)

// TestReplayRecordedHistories replays histories recorded from real runs on the embedded server
// (testdata/histories, written by the e2e tests with TALENTFLOW_RECORD_HISTORIES set). A change
// to workflow code that would break a running case fails here; guard such changes with
// workflow.GetVersion and record new histories.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/histories/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "no recorded histories")
	registry, err := processes.Registry()
	require.NoError(t, err)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{Interceptors: tfworker.Interceptors()})
			require.NoError(t, err)
			tfworker.RegisterWorkflows(replayer, registry)
			replayer.RegisterWorkflowWithOptions(workflowtest.CyclesProcess, workflow.RegisterOptions{Name: workflowtest.CyclesWorkflow})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, f))
		})
	}
}
