package e2e_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
	"talentflow/internal/ids"
	ledger "talentflow/internal/store/subsidy"
)

// TestConsoleFinancePaysABatchWithFourEyes: a due payment; one finance officer builds the
// batch in the console and cannot approve it himself; a second approves; the first downloads
// the bank file and records the bank's answer; the line shows paid, and the budget table and
// the talent's 我的补贴 show the money.
func TestConsoleFinancePaysABatchWithFourEyes(t *testing.T) {
	id, _ := startedSubsidy(t)
	now := time.Now().UTC()
	pay := ledger.Payment{ID: ids.New("pay"), CaseID: id, Seq: 1, Period: domain.PeriodOf(now), DueAt: now, AmountFen: 1_000_000,
		State: string(domain.PaymentDue), CreatedAt: now, UpdatedAt: now}
	require.NoError(t, shared.DB.Create(&pay).Error)
	line := sel(`#batch-detail tr[data-line-id]`)

	b := newBrowser(t)
	b.login("fin.officer")
	b.open("#/batches", `document.querySelector('#build-form button:not([disabled])')`)
	b.do(chromedp.Click(chromedp.CSS("#build-form button")))
	b.waitFor("the new batch", `document.querySelector('#batch-detail[data-batch-state="built"]') && document.querySelector('#flash.ok')`)
	batchID := b.attr("#batch-detail", "data-batch-id")
	assert.Contains(t, b.text("#batch-detail"), "经办 fin.officer")
	b.do(chromedp.Click(chromedp.CSS("#approve-batch")))
	b.waitFor("the four-eyes refusal", `document.querySelector('#flash.error')`)
	assert.Contains(t, b.text("#flash"), "经办与复核须由不同人员完成")
	b.screenshot("subsidy-batch-built")

	second := newBrowser(t)
	second.login("fin.reviewer")
	second.open("#/batches?id="+batchID, `document.querySelector('#approve-batch')`)
	second.do(chromedp.Click(chromedp.CSS("#approve-batch")))
	second.waitFor("the approved batch", `document.querySelector('#batch-detail[data-batch-state="approved"]')`)

	b.open("#/batches?reload=1&id="+batchID, `document.querySelector('#confirm-batch') && document.querySelector('#download-batch')`)
	b.do(chromedp.Click(chromedp.CSS("#download-batch")))
	b.waitFor("the download", `document.querySelector('#flash.ok') && document.querySelector('#flash').textContent.includes('银行代发文件')`)
	b.screenshot("subsidy-batch-approved")
	b.do(chromedp.Click(chromedp.CSS("#confirm-batch")))
	b.waitFor("the confirmed batch", `document.querySelector('#batch-detail[data-batch-state="confirmed"]')`)
	assert.Equal(t, "paid", b.attr(sel(`%s [data-line-state]`, line), "data-line-state"))
	var paid ledger.Payment
	require.NoError(t, shared.DB.Where("id = ?", pay.ID).Take(&paid).Error)
	assert.Equal(t, string(domain.PaymentPaid), paid.State)
	b.screenshot("subsidy-batch-confirmed")

	b.open("#/funds", `document.querySelector('#budget-table tbody tr') && document.querySelector('#forecast')`)
	assert.Contains(t, b.text("#budget-table"), "高层次人才生活补贴")
	assert.Contains(t, b.text("#budget-table"), "¥")
	b.screenshot("subsidy-funds")

	talent := newBrowser(t)
	talent.login("applicant.li")
	talent.open("#/subsidies", `document.querySelector('#view h1') && document.querySelector('#apply-card')`)
	assert.Contains(t, talent.text("#view"), "我的补贴与发放记录")
	assert.Contains(t, talent.text("#view"), "已发放")
	talent.screenshot("subsidy-talent")
}
