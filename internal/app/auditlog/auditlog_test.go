package auditlog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/auditlog"
	"talentflow/internal/audit"
)

func TestTheAuditLogListsNewestFirstByObjectAndPages(t *testing.T) {
	w := apptest.New(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	for i := range 5 {
		require.NoError(t, audit.Record(ctx, w.DB, audit.Entry{At: at.Add(time.Duration(i) * time.Minute), Actor: "hrss.approver",
			Role: "approver", Department: "hrss", Action: "task.approve", Object: fmt.Sprintf("task/case_a-t%d", i), Outcome: "approve"}))
	}
	require.NoError(t, audit.Record(ctx, w.DB, audit.Entry{At: at, Actor: "lgo.staff", Action: "case.certify", Object: "case/case_b"}))
	log := auditlog.New(w.DB, w.App.Unavailable)

	page, err := log.List(ctx, auditlog.AuditFilter{Object: "task", Limit: 3})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	assert.Equal(t, "task/case_a-t4", page.Items[0].Object, "newest first")
	assert.NotZero(t, page.NextBefore)
	rest, err := log.List(ctx, auditlog.AuditFilter{Object: "task", Limit: 3, Before: page.NextBefore})
	require.NoError(t, err)
	assert.Len(t, rest.Items, 2)
	assert.Zero(t, rest.NextBefore, "the last page")

	byActor, err := log.List(ctx, auditlog.AuditFilter{Actor: "lgo.staff"})
	require.NoError(t, err)
	require.Len(t, byActor.Items, 1)
	assert.Equal(t, "case/case_b", byActor.Items[0].Object)

	_, err = log.List(ctx, auditlog.AuditFilter{From: "2026-13-01"})
	var appErr *app.Error
	require.True(t, errors.As(err, &appErr))
	assert.Equal(t, "from", appErr.Field)

	rep, err := log.Verify(ctx)
	require.NoError(t, err)
	assert.True(t, rep.OK)
}
