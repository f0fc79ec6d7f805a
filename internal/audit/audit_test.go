package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/audit"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
)

func record(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := range n {
		require.NoError(t, audit.Record(context.Background(), db, audit.Entry{At: time.Now(), Actor: "hrss.approver",
			Role: "approver", Department: "hrss", Action: "task.approve", Object: fmt.Sprintf("task/t%d", i), Outcome: "approve",
			Reason: "同意"}))
	}
}

// tamper changes one stored value behind the application's back, as an intruder with database
// access would (the append-only trigger has to go first).
func tamper(t *testing.T, db *store.DB, sql string) {
	t.Helper()
	if db.Dialect == store.Postgres {
		require.NoError(t, db.Exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").Error)
	} else {
		require.NoError(t, db.Exec("DROP TRIGGER audit_log_no_update").Error)
		require.NoError(t, db.Exec("DROP TRIGGER audit_log_no_delete").Error)
	}
	require.NoError(t, db.Exec(sql).Error)
}

func TestVerifyAcceptsAnIntactChain(t *testing.T) {
	db := storetest.Open(t)
	record(t, db, 5)
	rep, err := audit.Verify(context.Background(), db)
	require.NoError(t, err)
	assert.True(t, rep.OK)
	assert.EqualValues(t, 5, rep.Checked)
}

func TestVerifyDetectsAChangedByte(t *testing.T) {
	db := storetest.Open(t)
	record(t, db, 5)
	tamper(t, db, "UPDATE audit_log SET reason = '不同意' WHERE seq = 3")
	rep, err := audit.Verify(context.Background(), db)
	require.NoError(t, err)
	assert.False(t, rep.OK)
	assert.EqualValues(t, 3, rep.BrokenAt)
	assert.Contains(t, rep.Problem, "content")
}

func TestVerifyDetectsARemovedRow(t *testing.T) {
	db := storetest.Open(t)
	record(t, db, 5)
	if db.Dialect == store.Postgres {
		require.NoError(t, db.Exec("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").Error)
	} else {
		require.NoError(t, db.Exec("DROP TRIGGER audit_log_no_delete").Error)
	}
	require.NoError(t, db.Exec("DELETE FROM audit_log WHERE seq = 2").Error)
	rep, err := audit.Verify(context.Background(), db)
	require.NoError(t, err)
	assert.False(t, rep.OK)
	assert.EqualValues(t, 3, rep.BrokenAt)
}

func TestVerifyDetectsARewrittenChain(t *testing.T) {
	// Recomputing one row's hash after changing it still breaks the next row's link.
	db := storetest.Open(t)
	record(t, db, 3)
	var row store.AuditRecord
	require.NoError(t, db.Where("seq = 2").Take(&row).Error)
	row.Actor = "someone.else"
	tamper(t, db, fmt.Sprintf("UPDATE audit_log SET actor = 'someone.else', hash = '%s' WHERE seq = 2", audit.Hash(row)))
	rep, err := audit.Verify(context.Background(), db)
	require.NoError(t, err)
	assert.False(t, rep.OK)
	assert.EqualValues(t, 3, rep.BrokenAt)
}

func TestAppendIsIdempotentByKeyAndSerialUnderConcurrency(t *testing.T) {
	db := storetest.Open(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := audit.Entry{Actor: "system", Action: "task.escalate", Object: "task/x", DedupeKey: fmt.Sprintf("k%d", i%10)}
			assert.NoError(t, audit.Record(context.Background(), db, e))
		}()
	}
	wg.Wait()
	var n int64
	require.NoError(t, db.Model(&store.AuditRecord{}).Count(&n).Error)
	assert.EqualValues(t, 10, n, "one row per key, whatever the retries")
	rep, err := audit.Verify(context.Background(), db)
	require.NoError(t, err)
	assert.True(t, rep.OK, "concurrent writers never fork the chain: %+v", rep)
}
