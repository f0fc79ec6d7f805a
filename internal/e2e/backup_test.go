package e2e_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/backup"
	flow "talentflow/workflows/introduction"
)

// TestOnlineBackupRestoresACaseInFlightWithItsTasksAndWorkflow backs up a running `talentflow
// dev` (as `talentflow backup` does) in the middle of a case, lets the case move on, stops it,
// and starts a fresh `talentflow dev` on a copy of the backup: the case is there as it was at
// the backup, with its open review tasks and its running workflow, and goes on to sign-off.
func TestOnlineBackupRestoresACaseInFlightWithItsTasksAndWorkflow(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	data, saved, restored := filepath.Join(root, "data"), filepath.Join(root, "backup"), filepath.Join(root, "restored")
	first := startChild(t, data, freeAddr(t))

	applicant := first.login(t, "applicant.li")
	id := submit(t, applicant, "B")
	clerk := first.login(t, "clerk.window")
	decide(t, clerk, openTask(t, clerk, id), "approve", "受理")
	hrss := first.login(t, "hrss.approver")
	decide(t, hrss, openTask(t, hrss, id), "approve", "同意")

	began := time.Now()
	m, err := backup.Run(ctx, backup.Options{Data: data, To: saved})
	require.NoError(t, err)
	t.Logf("backup of a running talentflow dev: %s, %d attempt(s), %+v", time.Since(began).Round(time.Millisecond), m.Attempts, m.Files)
	assert.GreaterOrEqual(t, m.OpenTasks, int64(2), "the case's review tasks of sci and iit")
	assert.GreaterOrEqual(t, m.RunningWorkflows, int64(1))
	assert.Empty(t, m.CasesWithoutWorkflow, "every open case has its workflow in the Temporal copy")

	// The case goes on after the backup; the restore must not know it.
	sci := first.login(t, "sci.approver")
	decide(t, sci, openTask(t, sci, id), "approve", "备份之后的决定")
	first.stop(t)

	// Restore: the backup, copied, is the new data folder.
	require.NoError(t, os.CopyFS(restored, os.DirFS(saved)))
	temporal, err := backup.OpenCopy(filepath.Join(restored, backup.TemporalFile))
	require.NoError(t, err)
	running, err := backup.RunningWorkflows(ctx, temporal, flow.WorkflowID(id))
	require.NoError(t, err)
	require.NoError(t, temporal.Close())
	assert.EqualValues(t, 1, running, "the case's workflow is in the backup, running")

	second := startChild(t, restored, freeAddr(t))
	defer second.stop(t)
	applicant = second.login(t, "applicant.li")
	c := getCase(t, applicant, id)
	assert.Equal(t, "in_review", c.State, "the case is back as it was at the backup")
	var decisions []string
	for _, e := range c.Timeline {
		if e["kind"] == "decision" {
			comment, _ := e["comment"].(string)
			decisions = append(decisions, comment)
		}
	}
	assert.Equal(t, []string{"受理", "同意"}, decisions, "the decisions before the backup, not the one after")

	// Its open tasks are in the inboxes and its workflow takes their decisions: the case
	// moves on to the leading-group office's sign-off.
	for _, u := range []string{"sci.approver", "iit.approver"} {
		s := second.login(t, u)
		decide(t, s, openTask(t, s, id), "approve", "恢复后同意")
	}
	assert.Equal(t, "signoff", getCase(t, applicant, id).State)
	lgo := second.login(t, "lgo.staff")
	assert.NotEmpty(t, openTask(t, lgo, id), "the next step's task is open")
}
