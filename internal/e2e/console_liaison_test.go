package e2e_test

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
	lflow "talentflow/workflows/liaison"
)

// phone turns the tab into a 390×844 phone screen (portrait, touch, 2× pixels).
func (b *browser) phone() {
	b.t.Helper()
	b.do(chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)))
}

// fitsWidth reports whether the page needs no horizontal scrolling.
func (b *browser) fitsWidth() bool {
	b.t.Helper()
	return evalIn[bool](b, `document.documentElement.scrollWidth <= window.innerWidth`)
}

// allLabelled reports whether every form control under root has a label with text.
func (b *browser) allLabelled(root string) bool {
	b.t.Helper()
	controls := fmt.Sprintf("%[1]s input:not([type=hidden]), %[1]s select, %[1]s textarea", root)
	return evalIn[bool](b, fmt.Sprintf(`(() => { const all = [...document.querySelectorAll(%s)];
		return all.length > 0 && all.every((el) => el.labels && el.labels.length > 0 && el.labels[0].textContent.trim().length > 0); })()`,
		strconv.Quote(controls)))
}

type consolePairingDoc struct {
	ID               string `json:"id"`
	Leader           string `json:"leader"`
	Specialist       string `json:"specialist"`
	State            string `json:"state"`
	NextDue          string `json:"next_due"`
	ContactsThisYear int    `json:"contacts_this_year"`
	OpenDemands      int    `json:"open_demands"`
	Contacts         []struct {
		ID, Date, Form, DueOn string
	} `json:"contacts"`
	Demands []struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Department string `json:"department"`
		State      string `json:"state"`
		Rating     *int   `json:"rating"`
	} `json:"demands"`
}

// waitConsolePairing polls the pairing until it has its first due date.
func waitConsolePairing(t *testing.T, s *session, id string) consolePairingDoc {
	t.Helper()
	var p consolePairingDoc
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if s.call(http.MethodGet, "/api/v1/pairings/"+id, nil, &p) == http.StatusOK && p.NextDue != "" {
			return p
		}
	}
	t.Fatalf("pairing %s did not start: %+v", id, p)
	return p
}

// TestConsoleLiaisonFromPairingToRatingAndCompliance walks process 3 through the console: the
// office pairs a newly certified talent by deciding the pairing request (leader and specialist
// chosen, no comment needed); the leader, on a phone, logs a visit raising a school-place
// demand and sees the due date it met and where the demand went; the demand reaches 教育局's
// inbox, which replies; after the office verifies, the talent rates it; the office reads the
// compliance report.
func TestConsoleLiaisonFromPairingToRatingAndCompliance(t *testing.T) {
	introID, cert := certify(t)
	require.NotEmpty(t, cert)
	lgo := login(t, "lgo.staff")
	requestID := lflow.PairingRequestCaseID(introID)
	taskID := waitForTask(t, lgo, requestID)

	// The office decides the pairing request: leader and specialist are chosen from lists.
	office := newBrowser(t)
	office.login("lgo.staff")
	office.open("#/case/"+requestID, sel(`document.querySelector('#decision-form[data-task-id=%q]') && document.querySelector('#decision-leader')`, taskID))
	assert.False(t, evalIn[bool](office, `document.querySelector('#decision-pairing-fields').hidden`), "approving shows the leader and specialist fields")
	assert.Equal(t, "（选填）", office.text("#decision-comment-req"), "approving a pairing needs no comment")
	leaders := evalIn[[]string](office, `[...document.querySelectorAll('#decision-leader option')].map(o => o.value)`)
	assert.Contains(t, leaders, "leader.wang")
	assert.NotContains(t, leaders, "specialist.zhao")
	assert.Contains(t, evalIn[[]string](office, `[...document.querySelectorAll('#decision-specialist option')].map(o => o.value)`), "specialist.zhao")
	office.do(chromedp.Click(chromedp.CSS("#decision-submit")))
	office.waitFor("the missing leader", `document.querySelector('[data-error-for="leader"]')?.textContent.length > 0`)
	office.do(
		chromedp.SetValue(chromedp.CSS("#decision-leader"), "leader.wang"),
		chromedp.SetValue(chromedp.CSS("#decision-specialist"), "specialist.zhao"),
		chromedp.Click(chromedp.CSS("#decision-submit")),
	)
	office.waitFor("the decided pairing request", `document.querySelector('#flash.ok') && !document.querySelector('#decision-form') && document.querySelector('#case-state')`)
	pairingID := lflow.RequestedPairingID(introID)
	p := waitConsolePairing(t, lgo, pairingID)
	assert.Equal(t, "leader.wang", p.Leader)
	assert.Equal(t, "specialist.zhao", p.Specialist)

	office.open("#/liaison", sel(`document.querySelector('#pairings-table tr[data-pairing-id=%q]')`, pairingID))
	assert.Contains(t, office.text(sel(`#pairings-table tr[data-pairing-id=%q]`, pairingID)), "王副县长")
	assert.True(t, evalIn[bool](office, `!!document.querySelector('#pairing-new-form #np-cert') && !!document.querySelector('#pairings-overdue')`),
		"the office can pair a talent and filter overdue pairings")
	assert.True(t, office.allLabelled("#pairing-new-form"))
	office.screenshot("liaison-office")

	// The leader, on a phone, sees the talent's card and logs a visit with one demand.
	leader := newBrowser(t)
	leader.phone()
	leader.login("leader.wang")
	card := sel(`#my-pairings article[data-pairing-id=%q]`, pairingID)
	leader.waitFor("the leader's pairing card", sel(`location.hash === '#/liaison' && document.querySelector(%q)`, card))
	nav := evalIn[[]string](leader, `[...document.querySelectorAll('#nav a')].map(a => a.getAttribute('href'))`)
	assert.Equal(t, []string{"#/liaison", "#/demands", "#/compliance", "#/notifications"}, nav)
	assert.Contains(t, leader.text(card), p.NextDue)
	assert.Contains(t, leader.text(card), "还剩")
	assert.True(t, leader.fitsWidth(), "the cards fit a 390 px screen")
	leader.screenshot("liaison-leader-cards")

	leader.do(chromedp.Click(chromedp.CSS(card + ` button[data-action="log-contact"]`)))
	leader.waitFor("the contact form", `document.querySelector('#contact-form #contact-date')`)
	assert.Equal(t, time.Now().In(domain.ChinaTime).Format(time.DateOnly), leader.attr("#contact-date", "value"), "the date defaults to today (China)")
	leader.do(
		chromedp.SetValue(chromedp.CSS("#contact-kind"), "visit"),
		chromedp.SendKeys(chromedp.CSS("#contact-notes"), "走访企业研发中心，了解项目进展（网页登记）"),
		chromedp.Click(chromedp.CSS("#contact-add-demand")),
	)
	leader.waitFor("a demand row", `document.querySelector('#demand-type-0') && document.querySelector('#demand-detail-0')`)
	assert.True(t, leader.allLabelled("#contact-form"), "every field of the contact form has a label")
	leader.do(
		chromedp.SetValue(chromedp.CSS("#demand-type-0"), "school"),
		chromedp.SendKeys(chromedp.CSS("#demand-detail-0"), "子女明年秋季入学，希望就近安排学位（网页登记）"),
	)
	assert.True(t, leader.fitsWidth(), "the contact form fits a 390 px screen")
	leader.screenshot("liaison-leader-form")
	leader.do(chromedp.Click(chromedp.CSS("#contact-submit")))
	leader.waitFor("the logged contact", `document.querySelector('#flash.ok') && document.querySelector('#contact-result li[data-demand-id]')`)
	flash := leader.text("#flash")
	assert.Contains(t, flash, "完成 "+p.NextDue+" 到期的联系任务", "the flash names the due date met")
	assert.Contains(t, flash, "子女入学 → 县教育局", "the flash names the demand's department")
	assert.Contains(t, flash, "办理时限")
	assert.Equal(t, p.NextDue, leader.attr("#contact-result", "data-due-on"))
	demandID := leader.attr("#contact-result li[data-demand-id]", "data-demand-id")
	require.NotEmpty(t, demandID)
	assert.Equal(t, "1", leader.attr(card+` [data-contacts]`, "data-contacts"))
	assert.Equal(t, "1", leader.attr(card+` [data-open-demands]`, "data-open-demands"))
	leader.screenshot("liaison-leader-logged")

	leader.open("#/pairing?id="+pairingID, sel(`document.querySelector('#pairing-detail') && document.querySelector('#pairing-demands tr[data-demand-id=%q]')`, demandID))
	assert.Contains(t, leader.text("#pairing-contacts"), "走访企业研发中心")
	assert.Contains(t, leader.text("#pairing-dues"), p.NextDue)
	assert.Contains(t, leader.text(sel(`#pairing-demands tr[data-demand-id=%q]`, demandID)), "县教育局")
	assert.Equal(t, "#/case/"+demandID, leader.attr(sel(`#pairing-demands tr[data-demand-id=%q] a.case-link`, demandID), "href"))
	assert.False(t, evalIn[bool](leader, `!!document.querySelector('#reassign-form')`), "only the office reassigns")
	assert.True(t, leader.fitsWidth(), "the pairing page fits a 390 px screen")
	leader.screenshot("liaison-leader-pairing")

	// 订阅日历 gives a secret iCalendar URL that answers without a token.
	leader.open("#/liaison", `document.querySelector('#calendar-subscribe')`)
	leader.do(chromedp.Click(chromedp.CSS("#calendar-subscribe")))
	leader.waitFor("the calendar URL", `document.querySelector('#calendar-url')?.value.length > 0`)
	feed := evalIn[string](leader, `document.querySelector('#calendar-url').value`)
	assert.True(t, strings.HasPrefix(feed, shared.URL), feed)
	assert.Contains(t, leader.text("#calendar-card"), "旧地址随即失效")
	resp, err := http.Get(feed)
	require.NoError(t, err)
	ics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(ics), "BEGIN:VEVENT")
	leader.screenshot("liaison-leader-calendar")

	// The leader's other pages also fit the phone: the demands of the pairings, and compliance.
	leader.open("#/demands", sel(`document.querySelector('#demands-rows tr[data-demand-id=%q]')`, demandID))
	assert.Contains(t, leader.text(sel(`#demands-rows tr[data-demand-id=%q]`, demandID)), "县教育局")
	assert.True(t, leader.fitsWidth(), "the demands fit a 390 px screen")
	leader.screenshot("liaison-leader-demands")
	leader.open("#/compliance", `document.querySelector('#compliance-table tr[data-leader="leader.wang"]')`)
	assert.True(t, leader.fitsWidth(), "the compliance report fits a 390 px screen")
	leader.screenshot("liaison-leader-compliance")

	var got consolePairingDoc
	lgo.must(http.StatusOK, http.MethodGet, "/api/v1/pairings/"+pairingID, nil, &got)
	require.Len(t, got.Contacts, 1)
	assert.Equal(t, "visit", got.Contacts[0].Form)
	require.Len(t, got.Demands, 1)
	assert.Equal(t, demandID, got.Demands[0].ID)
	assert.Equal(t, "edu", got.Demands[0].Department)

	// 教育局 finds the demand in its inbox; a reply step offers forwarding, with a department.
	edu := newBrowser(t)
	edu.login("edu.approver")
	row := sel(`#inbox-rows tr[data-case-id=%q]`, demandID)
	edu.open("#/inbox?scope=department", sel(`document.querySelector('#tab-department.active') && document.querySelector(%q)`, row))
	assert.Contains(t, edu.text(row), "诉求：子女入学")
	assert.Contains(t, edu.text(row), "县教育局")
	edu.screenshot("liaison-edu-inbox")
	edu.do(chromedp.Click(chromedp.CSS(row + ` a[data-action="open"]`)))
	edu.waitFor("the reply form", `document.querySelector('#decision-form') && document.querySelector('#case-demand')`)
	assert.Equal(t, []string{"approve", "forward"}, evalIn[[]string](edu, `[...document.querySelectorAll('#decision-outcome option')].map(o => o.value)`))
	edu.do(chromedp.SetValue(chromedp.CSS("#decision-outcome"), "forward"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#decision-outcome').dispatchEvent(new Event('change', {bubbles: true}))`))
	assert.False(t, evalIn[bool](edu, `document.querySelector('#decision-department-field').hidden`), "a forward names the department")
	departments := evalIn[[]string](edu, `[...document.querySelectorAll('#decision-department option')].map(o => o.value)`)
	assert.Contains(t, departments, "housing")
	assert.NotContains(t, departments, "edu", "not to itself")
	edu.do(chromedp.SetValue(chromedp.CSS("#decision-outcome"), "approve"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#decision-outcome').dispatchEvent(new Event('change', {bubbles: true}))`))
	assert.Equal(t, "答复意见", edu.text("#decision-comment-label"))
	assert.Equal(t, "（必填）", edu.text("#decision-comment-req"))
	edu.do(chromedp.SendKeys(chromedp.CSS("#decision-comment"), "已协调县实验小学，明年秋季安排入学（网页答复）"))
	edu.screenshot("liaison-edu-reply")
	edu.do(chromedp.Click(chromedp.CSS("#decision-submit")))
	edu.waitFor("the reply sent", `document.querySelector('#flash.ok') && !document.querySelector('#decision-form')`)

	// The talent's browser is ready before the office verifies: the rating window is short on
	// the scaled clock.
	talent := newBrowser(t)
	talent.login("applicant.li")
	assert.Contains(t, evalIn[[]string](talent, `[...document.querySelectorAll('#nav a')].map(a => a.getAttribute('href'))`), "#/demands")
	decide(t, lgo, waitForTask(t, lgo, demandID), "approve", "答复属实")
	waitForState(t, lgo, demandID, "rating", 30*time.Second)

	rateButton := sel(`#demands-rows tr[data-demand-id=%q][data-state="rating"] button[data-action="rate"]`, demandID)
	talent.open("#/demands", sel(`document.querySelector(%q)`, rateButton))
	talent.do(chromedp.Click(chromedp.CSS(rateButton)))
	talent.waitFor("the rating form", sel(`document.querySelector('#rating-form[data-demand-id=%q]')`, demandID))
	assert.Equal(t, []string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"},
		evalIn[[]string](talent, `[...document.querySelectorAll('#rating-form .rating-choice')].map(l => l.textContent.trim())`))
	assert.True(t, talent.allLabelled("#rating-form"))
	talent.do(
		chromedp.Click(chromedp.CSS(`label[for="rating-5"]`)),
		chromedp.SendKeys(chromedp.CSS("#rating-comment"), "学位落实很快，感谢（网页评价）"),
	)
	talent.screenshot("liaison-talent-rating")
	talent.do(chromedp.Click(chromedp.CSS("#rating-submit")))
	talent.waitFor("the rating sent", `document.querySelector('#flash.ok') && !document.querySelector('#rating-form')`)
	assert.Contains(t, talent.text("#flash"), "非常满意")
	waitForState(t, lgo, demandID, "resolved", 20*time.Second)
	talent.open("#/demands?status=closed", sel(`document.querySelector('#demands-rows tr[data-demand-id=%q][data-state="resolved"] [data-rating="5"]')`, demandID))
	assert.Contains(t, talent.text(sel(`#demands-rows tr[data-demand-id=%q]`, demandID)), "非常满意")
	talent.screenshot("liaison-talent-rated")

	// The office reads the year's compliance: per leader, totals, and the 好差评 loop's rates.
	report := newBrowser(t)
	report.login("lgo.staff")
	report.open("#/compliance", `document.querySelector('#compliance-table tr[data-leader="leader.wang"]') && document.querySelector('#rate-callback')`)
	wang := report.text(`#compliance-table tr[data-leader="leader.wang"]`)
	assert.Contains(t, wang, "王副县长")
	done := evalIn[int](report, `+document.querySelector('#compliance-table tr[data-leader="leader.wang"] [data-done]').dataset.done`)
	assert.GreaterOrEqual(t, done, 1, "the visit counts")
	assert.Contains(t, report.text("#compliance-demands"), "回访率")
	assert.Contains(t, report.text("#compliance-demands"), "整改率")
	assert.Contains(t, report.text("#compliance-demands"), "目标 100%")
	assert.NotEmpty(t, report.text(`#compliance-total [data-total="contacts_due"]`))
	report.screenshot("liaison-compliance")

	report.open("#/pairing?id="+pairingID, `document.querySelector('#reassign-form') && document.querySelector('#end-form')`)
	assert.True(t, report.allLabelled("#pairing-manage"))
	assert.Contains(t, report.text(sel(`#pairing-demands tr[data-demand-id=%q]`, demandID)), "非常满意")
	report.screenshot("liaison-office-pairing")
}
