package e2e_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dashboardDoc is the part of GET /api/v1/dashboard the console tests compare with the page.
type dashboardDoc struct {
	From, To    string
	Departments []struct {
		Department string
		Open       int
		Done       int
	}
}

func (d dashboardDoc) open(department string) int {
	for _, r := range d.Departments {
		if r.Department == department {
			return r.Open
		}
	}
	return 0
}

// dashValue reads a department's number from the dashboard's table (0 when the department has
// no row: it has no task at all).
func (b *browser) dashValue(department, metric string) int {
	b.t.Helper()
	return evalIn[int](b, sel(`(() => { const el = document.querySelector('#dash-departments tr[data-department=%q] [data-metric=%q]');
		return el ? +el.dataset.value : 0; })()`, department, metric))
}

// dashReady waits until the dashboard has drawn its figures.
func (b *browser) dashReady() {
	b.t.Helper()
	b.waitFor("the dashboard", `location.hash.startsWith('#/dashboard') && document.querySelector('#dash-departments') && !document.querySelector('#view .progress-note')`)
}

// TestConsoleDashboardCountChangesAndDrillsDown: the office lands on the dashboard, reads a
// department's open tasks, sees the count fall once that department's approver decides, follows
// a bar and a number into the inbox filtered to them, sees the case's steps as a diagram, and
// switches the console to English and back.
func TestConsoleDashboardCountChangesAndDrillsDown(t *testing.T) {
	applicant, clerk, hrss, lgo := login(t, "applicant.li"), login(t, "clerk.window"), login(t, "hrss.approver"), login(t, "lgo.staff")
	id := submit(t, applicant, "E")
	decide(t, clerk, openTask(t, clerk, id), "approve", "受理")
	hrssTask := waitForTask(t, hrss, id)

	b := newBrowser(t)
	b.login("lgo.staff")
	assert.Equal(t, "#/dashboard", evalIn[string](b, `location.hash`), "the dashboard is the office's home page")
	assert.Equal(t, "#/dashboard", b.attr("#nav a.active", "href"))
	b.dashReady()
	before := b.dashValue("hrss", "open")
	var api dashboardDoc
	lgo.must(http.StatusOK, http.MethodGet, "/api/v1/dashboard", nil, &api)
	assert.Equal(t, api.open("hrss"), before, "the page shows the API's count")
	require.GreaterOrEqual(t, before, 1, "the new case's review task is open at 人社局")
	assert.Equal(t, api.From, b.attr("#dash-period", "data-from"))
	assert.True(t, evalIn[bool](b, `document.querySelectorAll('#dash-bars a.seg-link').length > 0 && document.querySelectorAll('#dash-budgets .gauge').length > 0
		&& !!document.querySelector('#dash-trend') && !!document.querySelector('#report-xlsx') && !!document.querySelector('#report-csv')`),
		"bars, budget gauges, the trend line and the report buttons are drawn")
	assert.True(t, evalIn[bool](b, `[...document.querySelectorAll('#dash-bars a')].every((a) => a.tabIndex === 0 && a.getAttribute('aria-label'))`),
		"every bar is a labelled link reachable by keyboard")
	b.screenshot("dashboard")

	// The joint-meeting report downloads in both formats, with a progress note while it is made.
	b.do(chromedp.Evaluate[chromedp.Void](`window.progressSeen = [];
		new MutationObserver(() => { const p = document.querySelector('#report-progress .progress-text'); if (p) window.progressSeen.push(p.textContent); })
			.observe(document.querySelector('#report-progress'), { childList: true, subtree: true, characterData: true })`))
	for _, format := range []string{"xlsx", "csv"} {
		b.do(chromedp.Click(chromedp.CSS("#report-" + format)))
		b.waitFor("the "+format+" report", sel(`document.querySelector('#flash.ok')?.textContent.includes('.%s') && document.querySelector('#report-progress').hidden`, format))
		assert.Contains(t, b.text("#flash"), "已下载联席会报告")
	}
	seen := evalIn[[]string](b, `window.progressSeen`)
	require.NotEmpty(t, seen, "a progress note showed while the report was made")
	assert.Contains(t, seen[0], "联席会报告")

	// 人社局's approver decides; the office refreshes and the open count has fallen by one.
	decide(t, hrss, hrssTask, "approve", "同意（看板测试）")
	want := before - 1
	for deadline := time.Now().Add(20 * time.Second); ; {
		b.do(chromedp.Click(chromedp.CSS("#dash-refresh")))
		b.dashReady()
		if b.dashValue("hrss", "open") == want || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	assert.Equal(t, want, b.dashValue("hrss", "open"), "the decided task left 人社局's open count")
	assert.GreaterOrEqual(t, b.dashValue("hrss", "done"), 1)
	b.screenshot("dashboard-after-decision")

	// A bar of 教育局 (whose review task of the case is still open) opens its tasks in the inbox.
	bar := `#dash-bars a.seg-link[data-department="edu"]`
	b.waitFor("教育局's bar", sel(`document.querySelector(%q)`, bar))
	kind := b.attr(bar, "data-metric")
	b.do(chromedp.Click(chromedp.CSS(bar)))
	b.waitFor("the inbox filtered to 教育局", `location.hash.startsWith('#/inbox?') && document.querySelector('#inbox-rows tr[data-task-id]')`)
	hash := evalIn[string](b, `location.hash`)
	for _, part := range []string{"scope=department", "department=edu", "state=open"} {
		assert.Contains(t, hash, part)
	}
	if kind != "open" {
		assert.Contains(t, hash, "warning="+kind)
	}
	assert.Equal(t, "edu", b.attr("#inbox-department option:checked", "value"))
	assert.True(t, b.attr("#tab-department", "aria-selected") == "true")
	assert.True(t, evalIn[bool](b, `[...document.querySelectorAll('#inbox-rows tr[data-task-id]')].every((tr) => tr.dataset.department === 'edu' && tr.dataset.state === 'open')`),
		"only 教育局's open tasks are listed")
	b.screenshot("dashboard-drill-bar")

	// 人社局's 期内办结 number opens the tasks it decided in the period, the new decision among them.
	b.open("#/dashboard", `document.querySelector('#dash-departments tr[data-department="hrss"] a[data-metric="done"]') && !document.querySelector('#view .progress-note')`)
	b.do(chromedp.Click(chromedp.CSS(`#dash-departments tr[data-department="hrss"] a[data-metric="done"]`)))
	b.waitFor("人社局's decided tasks", sel(`location.hash.includes('state=done') && document.querySelector('#inbox-rows tr[data-task-id=%q][data-state="done"]')`, hrssTask))
	assert.Contains(t, evalIn[string](b, `location.hash`), "department=hrss")
	assert.Contains(t, b.text("#inbox-period"), api.To, "the period's end is shown as a filter")
	b.screenshot("dashboard-drill-done")

	// The case page draws the steps: the window done, the department review current.
	b.open("#/case/"+id, `document.querySelector('#case-steps li[data-step="review"]')`)
	assert.Equal(t, "done", b.attr(`#case-steps li[data-step="window"]`, "data-state"))
	assert.Equal(t, "current", b.attr(`#case-steps li[data-step="review"]`, "data-state"))
	assert.Equal(t, "step", b.attr(`#case-steps li[data-step="review"]`, "aria-current"))
	assert.Contains(t, b.text(`#case-steps li[data-step="window"]`), "窗口受理")
	assert.Contains(t, b.text(`#case-steps li[data-step="window"] .step-time`), "用时")
	assert.Contains(t, b.text(`#case-steps li[data-step="review"] .step-time`), "已用")
	assert.Contains(t, b.text(`#case-steps li[data-step="review"]`), "1/2", "one of the two reviews is done")
	assert.Equal(t, []string{"window", "review"}, evalIn[[]string](b, `[...document.querySelectorAll('#case-steps li[data-step]')].map((li) => li.dataset.step)`))
	b.screenshot("dashboard-case-steps")

	// A server error reads in Chinese with the server's words after it.
	b.open("#/dashboard?from=2026-12-31&to=2026-01-01", `document.querySelector('#flash.error')`)
	assert.Contains(t, b.text("#flash"), "输入有误（422）")
	assert.Contains(t, b.text("#flash"), "after", "the server's message follows")

	// English: the navigation, the page title and the buttons change, and the choice is kept.
	b.open("#/dashboard", `document.querySelector('#dash-departments') && !document.querySelector('#view .progress-note')`)
	b.do(chromedp.Click(chromedp.CSS("#lang-en")))
	b.waitFor("the English navigation", `document.querySelector('#nav a[href="#/dashboard"]')?.textContent.trim() === 'Dashboard'`)
	b.waitFor("the English dashboard", `document.querySelector('#view h1')?.textContent === 'Dashboard' && !document.querySelector('#view .progress-note')`)
	nav := evalIn[[]string](b, `[...document.querySelectorAll('#nav a')].map((a) => a.firstChild.textContent.trim())`)
	assert.Equal(t, []string{"Dashboard", "Inbox", "Cases", "Funds", "Liaison", "Demands", "Compliance", "Notifications", "Audit log"}, nav)
	assert.Equal(t, "en", evalIn[string](b, `document.documentElement.lang`))
	assert.Equal(t, "true", b.attr("#lang-en", "aria-pressed"))
	assert.Equal(t, "Refresh", strings.TrimSpace(b.text("#dash-refresh")))
	assert.Equal(t, "Download Excel (XLSX)", strings.TrimSpace(b.text("#report-xlsx")))
	assert.Contains(t, b.text("#dash-departments thead"), "Open")
	b.screenshot("dashboard-en")
	b.do(chromedp.Navigate("about:blank"), chromedp.Navigate(shared.URL+"/#/inbox?scope=department"))
	b.waitFor("the English inbox after a reload", `document.querySelector('#view h1')?.textContent === 'Inbox' && document.querySelector('#tab-claimable')?.textContent.trim() === 'Claimable'`)
	b.screenshot("dashboard-en-inbox")
	b.do(chromedp.Click(chromedp.CSS("#lang-zh")))
	b.waitFor("the Chinese navigation", `document.querySelector('#nav a[href="#/dashboard"]')?.textContent.trim() === '督办看板' && document.querySelector('#view h1')?.textContent === '待办事项'`)
	assert.Equal(t, "zh-CN", evalIn[string](b, `document.documentElement.lang`))
	assert.Equal(t, "zh", evalIn[string](b, `localStorage.getItem('tf.lang')`))
}

// TestConsoleInboxBulkClaimReportsConflicts: an approver ticks two claimable tasks; the
// department head takes one of them first; 批量认领 claims the other and reports the conflict.
func TestConsoleInboxBulkClaimReportsConflicts(t *testing.T) {
	applicant, clerk, hrss, head := login(t, "applicant.li"), login(t, "clerk.window"), login(t, "hrss.approver"), login(t, "hrss.head")
	var cases, tasks []string
	for range 2 {
		id := submit(t, applicant, "E")
		decide(t, clerk, openTask(t, clerk, id), "approve", "受理")
		cases, tasks = append(cases, id), append(tasks, waitForTask(t, hrss, id))
	}
	row := func(id string) string { return sel(`#inbox-rows tr[data-task-id=%q]`, id) }

	b := newBrowser(t)
	b.login("hrss.approver")
	b.open("#/inbox?scope=claimable&process=introduction", `document.querySelector('#inbox-rows tr:not(.empty)') && document.querySelector('#tab-claimable.active')`)
	// The newest tasks come last: load more pages until both are listed.
	both := sel(`document.querySelector(%q) && document.querySelector(%q)`, row(tasks[0])+` input.row-check`, row(tasks[1])+` input.row-check`)
	for range 20 {
		if evalIn[bool](b, `!!(`+both+`)`) || !evalIn[bool](b, `document.querySelector('#inbox-more')?.hidden === false`) {
			break
		}
		b.do(chromedp.Click(chromedp.CSS("#inbox-more")))
		time.Sleep(300 * time.Millisecond)
	}
	b.waitFor("both tasks with a tick box", both)
	assert.Equal(t, "introduction", b.attr("#inbox-process option:checked", "value"))
	assert.True(t, evalIn[bool](b, `document.querySelector('#inbox-bulk-claim').disabled`), "nothing to claim before a tick")
	hours := b.attr(row(tasks[0])+` [data-hours-left]`, "data-hours-left")
	_, err := strconv.Atoi(hours)
	assert.NoError(t, err, "the deadline shows the time left")
	assert.Contains(t, b.attr(row(tasks[0])+` [data-hours-left]`, "title"), "日历")
	b.do(chromedp.Click(chromedp.CSS(row(tasks[0])+` input.row-check`)), chromedp.Click(chromedp.CSS(row(tasks[1])+` input.row-check`)))
	b.waitFor("two ticked", `document.querySelector('#inbox-selected')?.dataset.count === '2' && !document.querySelector('#inbox-bulk-claim').disabled`)
	b.screenshot("dashboard-inbox-bulk-ticked")

	// The department head claims the second task before the approver clicks.
	head.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+tasks[1]+"/claim", nil, nil)
	b.do(chromedp.Click(chromedp.CSS("#inbox-bulk-claim")))
	b.waitFor("the bulk claim's report", `document.querySelector('#flash.error') && document.querySelector('#flash').textContent.includes('已认领 1 件')`)
	flash := b.text("#flash")
	assert.Contains(t, flash, "1 件已被他人认领或已办结（冲突）")
	b.waitFor("the refreshed list", sel(`!document.querySelector(%q) && !document.querySelector(%q)`, row(tasks[0]), row(tasks[1])))
	b.screenshot("dashboard-inbox-bulk-claimed")

	assert.Equal(t, "hrss.approver", findTask(t, getCase(t, hrss, cases[0]), tasks[0])["assignee"])
	assert.Equal(t, "hrss.head", findTask(t, getCase(t, hrss, cases[1]), tasks[1])["assignee"])
}
