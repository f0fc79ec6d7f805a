package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"talentflow/internal/temporalx"
)

// envRecord names the folder where e2e tests save the histories of the workflows they ran, for
// the replay tests in workflows/ (run with TALENTFLOW_RECORD_HISTORIES=$PWD/workflows/testdata/histories).
const envRecord = "TALENTFLOW_RECORD_HISTORIES"

// recordHistory saves a workflow's history as JSON when recording is on.
func recordHistory(t *testing.T, workflowID, name string) {
	t.Helper()
	recordRun(t, workflowID, "", name)
}

// recordRun saves one run's history ("": the latest run) as JSON when recording is on.
func recordRun(t *testing.T, workflowID, runID, name string) {
	t.Helper()
	dir := os.Getenv(envRecord)
	if dir == "" {
		return
	}
	it := shared.Temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, e)
	}
	// Payloads are stored encrypted (temporalx.Codec): the file gets them decoded, so that the
	// replay tests replay it with the SDK's default converter and no keys.
	require.NoError(t, temporalx.DecodeHistory(context.Background(), shared.DB.Keys, &h))
	data, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".json"), data, 0o644))
}
