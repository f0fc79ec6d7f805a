package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
)

// The console tests drive the web console in headless Chromium against the shared stack. They
// prepare data through the API (faster, and independent of the page under test) and check the
// outcome both in the page and through the API.

const chromiumPath = "/usr/bin/chromium"

// browser is one headless Chromium tab on the console.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab, with the test's deadline

	mu         sync.Mutex
	exceptions []string
}

// newBrowser starts Chromium for t, or skips t when it is not installed (set
// TALENTFLOW_REQUIRE_BROWSER to make a missing browser a failure, as CI does).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("TALENTFLOW_REQUIRE_BROWSER") != "" {
			t.Fatalf("TALENTFLOW_REQUIRE_BROWSER is set but there is no Chromium at %s: %v", chromiumPath, err)
		}
		t.Skipf("no Chromium at %s: skipping the web console test (apt-get install -y chromium; set TALENTFLOW_REQUIRE_BROWSER=1 to fail instead)", chromiumPath)
	}
	// Start the browser; a second attempt covers a rare failed fork of Chromium's helpers.
	var tabCtx context.Context
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		if tabCtx, err = startChromium(t); err == nil {
			break
		}
		t.Logf("Chromium did not start (attempt %d): %v", attempt, err)
	}
	require.NoError(t, err, "start Chromium")
	b := &browser{t: t}
	go func() {
		for m, err := range chromedp.Console(tabCtx) {
			if err != nil {
				return
			}
			if m.IsException() {
				b.mu.Lock()
				b.exceptions = append(b.exceptions, m.Text)
				b.mu.Unlock()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(tabCtx, 60*time.Second)
	t.Cleanup(cancel)
	b.ctx = ctx
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		assert.Empty(t, b.exceptions, "the console threw JavaScript exceptions")
	})
	return b
}

// startChromium launches a headless Chromium with a fresh profile and opens a blank tab. The
// first action runs on a context without a deadline: chromedp ties the browser's life to it.
func startChromium(t *testing.T) (context.Context, error) {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	if err := chromedp.Do(tabCtx, chromedp.Navigate("about:blank")); err != nil {
		cancelTab()
		cancelAlloc()
		return nil, err
	}
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	return tabCtx, nil
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, steps...))
}

// eval runs a JavaScript expression in the page and decodes its value.
func evalIn[T any](b *browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	require.NoError(b.t, err, "evaluate %s", expr)
	return v
}

// waitFor waits until the JavaScript expression is truthy; what names it in the failure. A
// poll that meets the page between two documents (a navigation replaced the execution context
// it evaluated in) starts again on the new one, within the same 30 s.
func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var err error
	for {
		_, err = chromedp.Run(b.ctx, chromedp.Poll[chromedp.Void](expr,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil || !betweenDocuments(err) || time.Until(deadline) < 100*time.Millisecond {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		flash, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector('#flash') || {}).textContent || ''`))
		hash, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`location.hash`))
		b.t.Fatalf("waiting for %s: %v (page %s, flash %q)", what, err, hash, flash)
	}
}

// betweenDocuments reports the DevTools errors of an evaluation whose execution context a
// navigation destroyed.
func betweenDocuments(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "Cannot find context with specified id") ||
		strings.Contains(msg, "Execution context was destroyed")
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return evalIn[string](b, fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ''`, strconv.Quote(sel)))
}

func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	return evalIn[string](b, fmt.Sprintf(`(document.querySelector(%s) || {getAttribute: () => ''}).getAttribute(%s) || ''`,
		strconv.Quote(sel), strconv.Quote(name)))
}

// login loads the console afresh, signs in through the login form and waits for the header.
func (b *browser) login(username string) {
	b.t.Helper()
	b.do(
		chromedp.Navigate("about:blank"), // a fragment-only navigation would not load the page
		chromedp.Navigate(shared.URL+"/#/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), username),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demoPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#topbar")),
	)
	b.waitFor("the first page after login", `!location.hash.startsWith('#/login') && document.querySelector('#view h1')`)
}

// open goes to a console route and waits until ready (a JavaScript expression) holds.
func (b *browser) open(hash, ready string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`location.hash = ` + strconv.Quote(hash)))
	b.waitFor(hash, ready)
}

// screenshotDir is the folder the console tests save their screenshots in: the one
// TALENTFLOW_SCREENSHOTS names (a relative path is relative to this package's folder), else
// talentflow-screenshots in the temporary folder (/tmp/talentflow-screenshots).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("TALENTFLOW_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "talentflow-screenshots")
	}
	require.NoError(t, os.MkdirAll(dir, 0o755))
	return dir
}

// screenshot saves the whole page as <screenshotDir>/<name>.png for a human to look at.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err)
	path := filepath.Join(screenshotDir(b.t), name+".png")
	require.NoError(b.t, os.WriteFile(path, png, 0o644))
	b.t.Logf("screenshot: %s", path)
}

func sel(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// findTask returns the task of the case with id taskID.
func findTask(t *testing.T, c caseDetail, taskID string) map[string]any {
	t.Helper()
	for _, task := range c.Tasks {
		if task["id"] == taskID {
			return task
		}
	}
	t.Fatalf("case %s has no task %s", c.ID, taskID)
	return nil
}

func TestConsoleApproverDecidesFromInbox(t *testing.T) {
	applicant, clerk, hrss := login(t, "applicant.li"), login(t, "clerk.window"), login(t, "hrss.approver")
	id := submit(t, applicant, "B")
	decide(t, clerk, openTask(t, clerk, id), "approve", "材料齐全，予以受理")
	taskID := openTask(t, hrss, id)
	row := sel(`#inbox-rows tr[data-task-id=%q]`, taskID)

	b := newBrowser(t)
	b.login("hrss.approver")
	assert.Contains(t, b.text("#user-roles"), "成员单位审核人@县人力资源和社会保障局")

	// The department inbox lists the task; so does the claimable one, with a claim button.
	b.open("#/inbox?scope=department", sel(`document.querySelector('#tab-department.active') && document.querySelector(%q)`, row))
	var summary struct{ Title string }
	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/cases/"+id, nil, &summary)
	assert.Contains(t, b.text(row), summary.Title)
	b.open("#/inbox?scope=claimable", sel(`document.querySelector('#tab-claimable.active') && document.querySelector(%q)`, row+` button[data-action="claim"]`))
	assert.Contains(t, b.text(row), "县人力资源和社会保障局")
	assert.Contains(t, b.text(row), "未认领")
	b.screenshot("inbox")

	// Claim it: it moves to 我的待办 with the approver as assignee.
	b.do(chromedp.Click(chromedp.CSS(row + ` button[data-action="claim"]`)))
	b.waitFor("the claimed task in 我的待办", sel(`document.querySelector('#tab-mine.active') && document.querySelector(%q)`, row))
	assert.Contains(t, b.text(row), "hrss.approver")
	assert.Contains(t, b.attr("#flash", "class"), "ok")

	// Open the case and approve with a comment.
	b.do(chromedp.Click(chromedp.CSS(row + ` a[data-action="open"]`)))
	b.waitFor("the decision form", sel(`document.querySelector('#decision-form[data-task-id=%q]')`, taskID))
	assert.Equal(t, "in_review", b.attr("#case-state", "data-state"))
	options := evalIn[[]string](b, `[...document.querySelectorAll('#decision-outcome option')].map(o => o.value)`)
	assert.Equal(t, []string{"approve", "reject", "return"}, options, "a review step offers approve, reject and return")
	b.screenshot("case")
	comment := "学历、职称经核实，同意（网页办理）"
	b.do(
		chromedp.SetValue(chromedp.CSS("#decision-outcome"), "approve"),
		chromedp.SendKeys(chromedp.CSS("#decision-comment"), comment),
		chromedp.Click(chromedp.CSS("#decision-submit")),
	)
	b.waitFor("the case page after the decision", `document.querySelector('#flash.ok') && !document.querySelector('#decision-form') && document.querySelector('#case-state') && document.querySelector('#timeline')`)

	state := b.attr("#case-state", "data-state")
	assert.Contains(t, []string{"in_review", "signoff"}, state)
	assert.True(t, evalIn[bool](b, sel(`[...document.querySelectorAll('#timeline li[data-kind="decision"]')].some(li => li.textContent.includes(%q) && li.textContent.includes('同意'))`, comment)),
		"the timeline shows the decision with its comment")
	assert.Equal(t, "done", b.attr(sel(`#case-tasks tr[data-task-id=%q]`, taskID), "data-state"))

	task := findTask(t, getCase(t, hrss, id), taskID)
	assert.Equal(t, "done", task["state"])
	assert.Equal(t, "approve", task["outcome"])
	assert.Equal(t, "hrss.approver", task["decided_by"])
	assert.Equal(t, comment, task["comment"])
}

func TestConsoleShowsConflictWhenSomeoneElseDecidedFirst(t *testing.T) {
	applicant, clerk := login(t, "applicant.li"), login(t, "clerk.window")
	id := submit(t, applicant, "D")
	taskID := openTask(t, clerk, id)

	b := newBrowser(t)
	b.login("clerk.window")
	b.open("#/case/"+id, sel(`document.querySelector('#decision-form[data-task-id=%q]')`, taskID))
	b.do(chromedp.SendKeys(chromedp.CSS("#decision-comment"), "材料齐全，予以受理"))

	// A colleague at the window decides the same task first.
	decide(t, clerk, taskID, "approve", "已由同事受理")

	b.do(chromedp.Click(chromedp.CSS("#decision-submit")))
	b.waitFor("the refreshed case page with the conflict", sel(`document.querySelector('#flash.error') && document.querySelector('#case-tasks tr[data-task-id=%q][data-state="done"]')`, taskID))
	flash := b.text("#flash")
	assert.Contains(t, flash, "已被他人处理")
	assert.Contains(t, flash, "409")
	assert.Contains(t, flash, taskID, "the server's message names the task")
	assert.Equal(t, "alert", b.attr("#flash", "role"))
	assert.False(t, evalIn[bool](b, `!!document.querySelector('#decision-form')`), "no form for a task that is no longer open")
	b.screenshot("conflict")

	c := getCase(t, clerk, id)
	decisions := 0
	for _, e := range c.Timeline {
		if e["kind"] == "decision" {
			decisions++
		}
	}
	assert.Equal(t, 1, decisions, "only the colleague's decision counts")
	assert.Equal(t, "已由同事受理", findTask(t, c, taskID)["comment"])
}

func TestConsoleApplicantApplyShowsFieldError(t *testing.T) {
	applicant := login(t, "applicant.li")
	valid := domain.MakeCitizenID("371521", "19900315", fmt.Sprintf("%03d", seq.Add(1)%1000))
	last := byte('0')
	if valid[17] == '0' {
		last = '1'
	}
	bad := valid[:17] + string(last)
	var before struct{ Items []map[string]any }
	applicant.must(http.StatusOK, http.MethodGet, "/api/v1/cases?limit=200", nil, &before)

	b := newBrowser(t)
	b.login("applicant.li")
	b.waitFor("the application form", `location.hash === '#/apply' && document.querySelector('#apply-form')`)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#apply-name"), "王小青"),
		chromedp.SendKeys(chromedp.CSS("#apply-id_number"), bad),
		chromedp.SendKeys(chromedp.CSS("#apply-phone"), "13905351234"),
		chromedp.SetValue(chromedp.CSS("#apply-education"), "master"),
		chromedp.SetValue(chromedp.CSS("#apply-title"), "intermediate"),
		chromedp.SendKeys(chromedp.CSS("#apply-field"), "生物医药"),
		chromedp.SendKeys(chromedp.CSS("#apply-employer_credit_code"), "91350100M000100Y43"),
		chromedp.SetValue(chromedp.CSS("#apply-category"), "E"),
		chromedp.Click(chromedp.CSS("#apply-submit")),
	)

	// The server's 422 names id_number; the console shows its message next to that field.
	b.waitFor("the id_number error", `document.querySelector('[data-error-for="id_number"]')?.textContent.length > 0`)
	msg := b.text(`[data-error-for="id_number"]`)
	assert.Contains(t, msg, "id_number")
	assert.True(t, evalIn[bool](b, `(() => { const f = document.querySelector('#apply-id_number').closest('.field');
		return f.classList.contains('invalid') && f.contains(document.querySelector('[data-error-for="id_number"]')); })()`),
		"the error sits in the id_number field, which is marked invalid")
	assert.Equal(t, "true", b.attr("#apply-id_number", "aria-invalid"))
	assert.Contains(t, b.attr("#flash", "class"), "error")
	for _, other := range []string{"name", "phone", "employer_credit_code", "category"} {
		assert.Empty(t, b.text(sel(`[data-error-for=%q]`, other)), "no error on %s", other)
	}
	b.screenshot("apply-error")
	var after struct{ Items []map[string]any }
	applicant.must(http.StatusOK, http.MethodGet, "/api/v1/cases?limit=200", nil, &after)
	assert.Len(t, after.Items, len(before.Items), "the refused application wrote nothing")

	// Fix the check digit and submit: the case page shows the case at the window.
	b.do(
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#apply-id_number').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#apply-id_number"), valid),
		chromedp.Click(chromedp.CSS("#apply-submit")),
	)
	b.waitFor("the new case page", `location.hash.startsWith('#/case/') && document.querySelector('#case-state')`)
	assert.Equal(t, "accepting", b.attr("#case-state", "data-state"))
	assert.Equal(t, "窗口受理", strings.TrimSpace(b.text("#case-state")))
	assert.Contains(t, b.attr("#flash", "class"), "ok")
	caseID := strings.TrimPrefix(evalIn[string](b, `location.hash`), "#/case/")

	c := getCase(t, applicant, caseID)
	assert.Equal(t, "accepting", c.State)
	assert.Equal(t, valid, c.Profile["id_number"])
	assert.Equal(t, "E", c.Category)
}

func TestConsoleSignoffOffersDowngradeToALowerCategoryOnly(t *testing.T) {
	applicant, clerk, lgo := login(t, "applicant.li"), login(t, "clerk.window"), login(t, "lgo.staff")
	id := submit(t, applicant, "B")
	decide(t, clerk, openTask(t, clerk, id), "approve", "受理")
	for _, u := range []string{"hrss.approver", "sci.approver", "iit.approver"} {
		s := login(t, u)
		decide(t, s, openTask(t, s, id), "approve", "同意")
	}
	taskID := waitForTask(t, lgo, id)

	b := newBrowser(t)
	b.login("lgo.staff")
	b.open("#/case/"+id, sel(`document.querySelector('#decision-form[data-task-id=%q]')`, taskID))
	assert.Equal(t, "signoff", b.attr("#case-state", "data-state"))
	options := evalIn[[]string](b, `[...document.querySelectorAll('#decision-outcome option')].map(o => o.value)`)
	assert.Equal(t, []string{"approve", "downgrade", "reject", "return"}, options)
	assert.False(t, evalIn[bool](b, `document.querySelector('#decision-category').offsetParent !== null`), "no category before a downgrade is chosen")

	// Returning at sign-off offers the earlier steps.
	b.do(chromedp.SetValue(chromedp.CSS("#decision-outcome"), "return"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#decision-outcome').dispatchEvent(new Event('change', {bubbles: true}))`))
	assert.Equal(t, []string{"applicant", "review", "window"},
		evalIn[[]string](b, `[...document.querySelectorAll('#decision-return-to option')].map(o => o.value)`))

	// A downgrade of a category-B claim offers C, D and E, and needs a reason.
	b.do(chromedp.SetValue(chromedp.CSS("#decision-outcome"), "downgrade"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#decision-outcome').dispatchEvent(new Event('change', {bubbles: true}))`))
	assert.Equal(t, []string{"C", "D", "E"}, evalIn[[]string](b, `[...document.querySelectorAll('#decision-category option')].map(o => o.value)`))
	b.do(chromedp.Click(chromedp.CSS("#decision-submit")))
	b.waitFor("the missing reason", `document.querySelector('[data-error-for="comment"]')?.textContent.length > 0`)
	b.screenshot("signoff")

	b.do(chromedp.SetValue(chromedp.CSS("#decision-category"), "C"),
		chromedp.SendKeys(chromedp.CSS("#decision-comment"), "业绩条件更符合高端人才标准，降级认定"),
		chromedp.Click(chromedp.CSS("#decision-submit")))
	b.waitFor("the case after sign-off", `document.querySelector('#flash.ok') && !document.querySelector('#decision-form') && document.querySelector('#case-state')`)
	assert.Contains(t, []string{"notice", "certifying", "certified"}, b.attr("#case-state", "data-state"))
	task := findTask(t, getCase(t, lgo, id), taskID)
	assert.Equal(t, "downgrade", task["outcome"])
}

func TestConsoleNotificationsListAnUrgeAndMarkRead(t *testing.T) {
	applicant, clerk, head, hrss := login(t, "applicant.li"), login(t, "clerk.window"), login(t, "hrss.head"), login(t, "hrss.approver")
	id := submit(t, applicant, "D")
	decide(t, clerk, openTask(t, clerk, id), "approve", "受理")
	taskID := openTask(t, hrss, id)
	head.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+taskID+"/urge", map[string]string{"comment": "请今日办结（网页测试）"}, nil)
	var inbox struct{ Items []map[string]any }
	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/notifications?kind=urge&unread=true", nil, &inbox)
	var urgeID string
	for _, n := range inbox.Items {
		if n["task_id"] == taskID {
			urgeID = n["id"].(string)
		}
	}
	require.NotEmpty(t, urgeID, "the urge reached the approver")
	item := sel(`#notifications li[data-notification-id=%q]`, urgeID)

	b := newBrowser(t)
	b.login("hrss.approver")
	b.waitFor("the unread badge", `document.querySelector('#unread-count')?.hidden === false`)
	b.open("#/notifications", sel(`document.querySelector(%q)`, item))
	assert.Equal(t, "false", b.attr(item, "data-read"))
	assert.Contains(t, b.text(item), "催办")
	assert.Contains(t, b.text(item), "请今日办结（网页测试）")
	assert.Equal(t, "#/case/"+id, b.attr(item+` a[data-action="open-case"]`, "href"))
	b.screenshot("notifications")

	// 标为已读 on the one item, then 全部标为已读 for the rest.
	b.do(chromedp.Click(chromedp.CSS(item + ` button[data-action="read"]`)))
	b.waitFor("the item marked read", sel(`document.querySelector(%q)?.dataset.read === 'true'`, item))
	b.do(chromedp.Click(chromedp.CSS("#notifications-read-all")))
	b.waitFor("the refreshed list", `document.querySelector('#flash.ok') !== null`)
	b.waitFor("the badge cleared", `document.querySelector('#unread-count')?.hidden === true`)
	var unread struct{ Unread int64 }
	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/notifications?unread=true", nil, &unread)
	assert.Zero(t, unread.Unread)

	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/notifications?limit=200", nil, &inbox)
	for _, n := range inbox.Items {
		if n["id"] == urgeID {
			assert.NotNil(t, n["read_at"], "the urge is read")
		}
	}
}

func TestConsoleLoginErrorNavigationByPermissionAndLogout(t *testing.T) {
	b := newBrowser(t)
	b.do(
		chromedp.Navigate(shared.URL+"/#/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), "leader.wang"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "not-the-password"),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	b.waitFor("the login error", `document.querySelector('#flash.error')`)
	assert.Contains(t, b.text("#flash"), "登录失败")
	assert.Contains(t, b.text("#flash"), "wrong username or password", "the server's message is shown")
	assert.Equal(t, "#/login", evalIn[string](b, `location.hash`))
	b.screenshot("login-error")

	// A county leader lands on their talents: no task inbox, no application form.
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#login-password').value = ''`))
	b.login("leader.wang")
	assert.Equal(t, "#/liaison", evalIn[string](b, `location.hash`))
	assert.Equal(t, []string{"#/liaison", "#/demands", "#/compliance", "#/notifications"},
		evalIn[[]string](b, `[...document.querySelectorAll('#nav a')].map(a => a.getAttribute('href'))`))
	assert.Contains(t, b.text("#user-roles"), "县级领导@")
	b.open("#/inbox", `document.querySelector('#view h1')?.textContent === '无权访问'`)
	assert.NotEmpty(t, evalIn[string](b, `sessionStorage.getItem('tf.token') || ''`))

	// Logging out forgets the token; a deep link then asks for the login first and returns to it.
	b.do(chromedp.Click(chromedp.CSS("#logout")))
	b.waitFor("the login form", `location.hash === '#/login' && document.querySelector('#login-form')`)
	assert.Empty(t, evalIn[string](b, `sessionStorage.getItem('tf.token') || ''`))
	assert.True(t, evalIn[bool](b, `document.querySelector('#topbar').hidden`))
	b.open("#/notifications?unread=true", `location.hash === '#/login' && document.querySelector('#login-form')`)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#login-username"), "leader.wang"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), demoPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
	)
	b.waitFor("the deep link after login", `location.hash === '#/notifications?unread=true' && document.querySelector('#notifications-unread')?.checked`)
}

func TestConsoleApplicantOpensTheCertificateInANewTab(t *testing.T) {
	applicant, lgo := login(t, "applicant.li"), login(t, "lgo.staff")
	id := submit(t, applicant, "B")
	for _, u := range []string{"clerk.window", "hrss.approver", "sci.approver", "iit.approver"} {
		s := login(t, u)
		decide(t, s, waitForTask(t, s, id), "approve", "同意")
	}
	decide(t, lgo, waitForTask(t, lgo, id), "approve", "同意认定")
	no := waitForState(t, applicant, id, "certified", 90*time.Second).CertificateNo
	require.NotEmpty(t, no)

	b := newBrowser(t)
	b.login("applicant.li")
	b.open("#/case/"+id, `document.querySelector('#certificate-open')`)
	assert.Equal(t, "certified", b.attr("#case-state", "data-state"))
	assert.Contains(t, b.text("#applicant-actions"), no)
	assert.False(t, evalIn[bool](b, `!!document.querySelector('#withdraw')`), "no withdrawal once certified")

	opened := chromedp.WaitNewTarget(b.ctx, func(info *target.Info) bool { return info.Type == "page" })
	b.do(chromedp.Click(chromedp.CSS("#certificate-open")))
	var tabID target.ID
	select {
	case tabID = <-opened:
	case <-b.ctx.Done():
		t.Fatal("the certificate did not open a tab")
	}
	tab, cancel := chromedp.NewContext(b.ctx, chromedp.WithTargetID(tabID))
	defer cancel()
	// The tab starts blank and then loads the blob: page, which replaces the JavaScript context.
	shown := false
	for deadline := time.Now().Add(20 * time.Second); !shown && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		shown, _ = chromedp.Run(tab, chromedp.Evaluate[bool](
			sel(`location.protocol === 'blob:' && !!document.body && document.body.textContent.includes(%q)`, no)))
	}
	require.True(t, shown, "the new tab shows the certificate %s", no)
	title, err := chromedp.Run(tab, chromedp.Title())
	require.NoError(t, err)
	assert.Contains(t, title, "人才认定证书")
	styled, err := chromedp.Run(tab, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.frame')).borderTopStyle`))
	require.NoError(t, err)
	assert.Equal(t, "double", styled, "the Content-Security-Policy lets the certificate's own style apply")
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(screenshotDir(t), "certificate.png"), png, 0o644))
}
