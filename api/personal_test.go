package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/store"
)

func TestTheBankFileShowsFullAccountsAndEachDownloadIsAudited(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	page := ts.raw(fin, http.MethodGet, "/api/v1/payment-batches/"+f.approvedBatch)
	require.Equal(t, http.StatusOK, page.Code)
	assert.NotContains(t, page.Body.String(), "6222020200112233446", "the batch page masks the account")

	rec := ts.raw(fin, http.MethodGet, "/api/v1/payment-batches/"+f.approvedBatch+"/bank.csv")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), "6222020200112233446", "the bank needs the account whole")
	var rows []store.AuditRecord
	require.NoError(t, ts.db.Where("action = ?", app.ActionReveal).Find(&rows).Error)
	require.Len(t, rows, 1)
	assert.Equal(t, fin, rows[0].Actor)
	assert.Equal(t, "payment-batch/"+f.approvedBatch, rows[0].Object)
	assert.Equal(t, "finance", rows[0].Role)
	assert.NotEmpty(t, rows[0].RequestID, "the row names the request")
	assert.Equal(t, rec.Header().Get("X-Request-Id"), rows[0].RequestID)
}
