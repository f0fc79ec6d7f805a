package e2e_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/activities"
	"talentflow/internal/domain"
)

type taskItem struct {
	ID, CaseID, Process, Step, Department, Assignee, State, Warning string
	Deadline                                                        *string
}

type taskPage struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

type caseDetail struct {
	ID            string           `json:"id"`
	Process       string           `json:"process"`
	State         string           `json:"state"`
	CurrentStep   string           `json:"current_step"`
	Category      string           `json:"category"`
	CertificateNo string           `json:"certificate_no"`
	Timeline      []map[string]any `json:"timeline"`
	Tasks         []map[string]any `json:"tasks"`
	Profile       map[string]any   `json:"profile"`
}

var seq atomic.Int64

// profile is a valid application for a fresh person (so duplicate checks never collide).
func profile(category string) map[string]any {
	n := seq.Add(1) + 100
	return map[string]any{
		"name": "测试人才", "id_number": domain.MakeCitizenID("371521", "19880101", fmt.Sprintf("%03d", n%1000)),
		"phone": "13905351234", "education": "doctorate", "title": "senior", "field": "新材料",
		"employer_credit_code": "91350100M000100Y43", "category": category,
	}
}

// submit creates and submits an application as the applicant and returns the case id.
func submit(t *testing.T, applicant *session, category string) string {
	t.Helper()
	var created struct{ ID string }
	applicant.must(http.StatusCreated, http.MethodPost, "/api/v1/introductions", profile(category), &created)
	var c caseDetail
	applicant.must(http.StatusOK, http.MethodPost, "/api/v1/introductions/"+created.ID+"/submit", nil, &c)
	require.Equal(t, "accepting", c.State, "submit answers once the window task is open")
	return created.ID
}

// openTask finds the open task of caseID in the user's claimable inbox.
func openTask(t *testing.T, s *session, caseID string) string {
	t.Helper()
	var page taskPage
	s.must(http.StatusOK, http.MethodGet, "/api/v1/tasks?scope=claimable&limit=200", nil, &page)
	for _, it := range page.Items {
		if it["case_id"] == caseID {
			return it["id"].(string)
		}
	}
	t.Fatalf("%s has no open task of case %s", s.name, caseID)
	return ""
}

func decide(t *testing.T, s *session, taskID, outcome, comment string) map[string]any {
	t.Helper()
	var out map[string]any
	s.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+taskID+"/decision", map[string]any{"outcome": outcome, "comment": comment}, &out)
	return out
}

func getCase(t *testing.T, s *session, id string) caseDetail {
	t.Helper()
	var c caseDetail
	s.must(http.StatusOK, http.MethodGet, "/api/v1/cases/"+id, nil, &c)
	return c
}

// TestCategoryBCaseFromSubmissionToCertificateAsEachDemoRole takes one category-B case through
// every step over HTTP, logged in as each demo role in turn. The stack runs with a scaled clock
// (a working day lasts under two seconds), so the five-working-day public notice ends by
// itself while the test watches.
func TestCategoryBCaseFromSubmissionToCertificateAsEachDemoRole(t *testing.T) {
	applicant := login(t, "applicant.li")
	id := submit(t, applicant, "B")

	clerk := login(t, "clerk.window")
	decide(t, clerk, openTask(t, clerk, id), "approve", "材料齐全，予以受理")

	// hrss: the head urges, the approver decides; finance may not touch hrss's task.
	hrss, head, fin := login(t, "hrss.approver"), login(t, "hrss.head"), login(t, "fin.officer")
	hrssTask := openTask(t, hrss, id)
	head.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+hrssTask+"/urge", map[string]string{"comment": "请今天办结"}, nil)
	assert.Equal(t, http.StatusForbidden, fin.call(http.MethodPost, "/api/v1/tasks/"+hrssTask+"/decision",
		map[string]any{"outcome": "approve"}, nil))
	var inbox struct{ Items []map[string]any }
	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/notifications?kind=urge", nil, &inbox)
	require.NotEmpty(t, inbox.Items, "the urge reached the approver's inbox")
	// The urge also went out by the signed webhook, through its own delivery workflow.
	var calls []webhookCall
	for range 100 {
		if calls = shared.Webhook.find("urge", hrssTask); len(calls) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.NotEmpty(t, calls, "the urge reached the webhook")
	assert.Equal(t, activities.Sign([]byte(webhookSecret), calls[0].Body), calls[0].Signature)
	decide(t, hrss, hrssTask, "approve", "学历、职称经核实")
	for _, u := range []string{"sci.approver", "iit.approver"} {
		s := login(t, u)
		decide(t, s, openTask(t, s, id), "approve", "同意")
	}
	edu := login(t, "edu.approver")
	var eduTasks taskPage
	edu.must(http.StatusOK, http.MethodGet, "/api/v1/tasks?scope=department", nil, &eduTasks)
	for _, it := range eduTasks.Items {
		assert.NotEqual(t, id, it["case_id"], "edu does not review category B")
	}

	lgo := login(t, "lgo.staff")
	res := decide(t, lgo, openTask(t, lgo, id), "approve", "同意认定")
	assert.Equal(t, "notice", res["case_state"], "the decided task answers with its case's new state")
	assert.Equal(t, "done", res["state"])

	// The reviewing departments get a copy of the office's decision (抄送).
	var copied taskPage
	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/tasks?scope=cc", nil, &copied)
	require.NotEmpty(t, copied.Items)
	assert.Equal(t, "signoff", copied.Items[0]["step"])

	// The leader and the admin look on; the auditor checks the chain.
	leader := login(t, "leader.wang")
	leader.must(http.StatusOK, http.MethodGet, "/api/v1/me", nil, nil)
	admin := login(t, "admin")
	var users []map[string]any
	admin.must(http.StatusOK, http.MethodGet, "/api/v1/users", nil, &users)
	assert.NotEmpty(t, users)

	c := waitForState(t, applicant, id, "certified", 90*time.Second)
	assert.Regexp(t, `^YG-\d{4}-B-\d{4}$`, c.CertificateNo)
	assert.Len(t, c.Tasks, 5, "window, three reviews and the sign-off")
	kinds := map[string]int{}
	for _, e := range c.Timeline {
		kinds[e["kind"].(string)]++
	}
	assert.Equal(t, 5, kinds["decision"])
	assert.Equal(t, 1, kinds["notice_started"])
	assert.Equal(t, 1, kinds["certified"])
	assert.Equal(t, 1, kinds["urged"])

	req, _ := http.NewRequest(http.MethodGet, shared.URL+"/api/v1/cases/"+id+"/certificate", nil)
	req.Header.Set("Authorization", "Bearer "+applicant.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(page), c.CertificateNo)

	// Category B gets a liaison pairing request: a task for the leading-group office, decided
	// with the leader and the specialist, which starts the pairing.
	pairing := id + "-liaison"
	lgoPairing := waitForTask(t, lgo, pairing)
	lgo.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+lgoPairing+"/decision",
		map[string]string{"outcome": "approve", "leader": "leader.wang", "specialist": "specialist.zhao"}, nil)
	assert.Equal(t, "paired", getCase(t, lgo, pairing).State)
	started := waitForState(t, lgo, id+"-pairing", "active", 30*time.Second)
	assert.Equal(t, "liaison", started.Process)

	auditor := login(t, "auditor")
	var seen struct {
		Profile map[string]any   `json:"profile"`
		Audit   []map[string]any `json:"audit"`
	}
	auditor.must(http.StatusOK, http.MethodGet, "/api/v1/cases/"+id, nil, &seen)
	assert.Contains(t, seen.Profile["id_number"], "********", "an auditor reads personal data masked")
	assert.NotEmpty(t, seen.Audit)
	var verify struct{ OK bool }
	auditor.must(http.StatusOK, http.MethodGet, "/api/v1/audit/verify", nil, &verify)
	assert.True(t, verify.OK)

	recordHistory(t, "intro:"+id, "introduction-certified-B")
	recordHistory(t, "pairing-request:"+id, "pairing-request-started-pairing")
}

// waitForState polls the case until it reaches state.
func waitForState(t *testing.T, s *session, id, state string, within time.Duration) caseDetail {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		c := getCase(t, s, id)
		if c.State == state {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("case %s is %s after %s, want %s", id, c.State, within, state)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// waitForTask polls s's claimable inbox for a task of caseID.
func waitForTask(t *testing.T, s *session, caseID string) string {
	t.Helper()
	for range 100 {
		var page taskPage
		s.must(http.StatusOK, http.MethodGet, "/api/v1/tasks?scope=claimable&limit=200", nil, &page)
		for _, it := range page.Items {
			if it["case_id"] == caseID {
				return it["id"].(string)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no task of %s appeared for %s", caseID, s.name)
	return ""
}

func TestFiftyConcurrentDecisionsOnOneTaskExactlyOneWins(t *testing.T) {
	applicant := login(t, "employer.hr")
	id := submit(t, applicant, "D")
	clerk := login(t, "clerk.window")
	taskID := openTask(t, clerk, id)

	var wg sync.WaitGroup
	statuses := make([]int, 50)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = clerk.call(http.MethodPost, "/api/v1/tasks/"+taskID+"/decision",
				map[string]any{"outcome": "approve", "comment": fmt.Sprintf("第%d位", i)}, nil)
		}()
	}
	wg.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	assert.Equal(t, 1, counts[http.StatusOK], "exactly one decision wins: %v", counts)
	assert.Equal(t, 49, counts[http.StatusConflict], "the others are told the task is no longer open: %v", counts)

	c := getCase(t, applicant, id)
	decisions := 0
	for _, e := range c.Timeline {
		if e["kind"] == "decision" {
			decisions++
		}
	}
	assert.Equal(t, 1, decisions)
	assert.Equal(t, "in_review", c.State)
	recordHistory(t, "intro:"+id, "introduction-concurrent-decisions")
}

func TestBadInputNamesTheFieldAndWritesNothing(t *testing.T) {
	applicant := login(t, "applicant.li")
	var before []map[string]any
	var page struct{ Items []map[string]any }
	applicant.must(http.StatusOK, http.MethodGet, "/api/v1/cases?limit=200", nil, &page)
	before = page.Items

	cases := []struct {
		name, field string
		mutate      func(map[string]any)
	}{
		{"citizen id check digit", "id_number", func(p map[string]any) {
			id := p["id_number"].(string)
			last := "0"
			if id[17] == '0' {
				last = "1"
			}
			p["id_number"] = id[:17] + last
		}},
		{"credit code charset", "employer_credit_code", func(p map[string]any) { p["employer_credit_code"] = "91350100M000100YI3" }},
		{"unknown category", "category", func(p map[string]any) { p["category"] = "F" }},
		{"education vocabulary", "education", func(p map[string]any) { p["education"] = "phd" }},
		{"phone format", "phone", func(p map[string]any) { p["phone"] = "12345" }},
		{"missing name", "name", func(p map[string]any) { delete(p, "name") }},
		{"wrong type", "category", func(p map[string]any) { p["category"] = 7 }},
		{"unknown field", "salary", func(p map[string]any) { p["salary"] = 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := profile("B")
			tc.mutate(p)
			var out struct {
				Error struct{ Code, Message, Field string }
			}
			status := applicant.call(http.MethodPost, "/api/v1/introductions", p, &out)
			assert.True(t, status >= 400 && status < 500, "status %d", status)
			assert.Equal(t, tc.field, out.Error.Field, out.Error.Message)
			assert.NotEmpty(t, out.Error.Message)
		})
	}
	applicant.must(http.StatusOK, http.MethodGet, "/api/v1/cases?limit=200", nil, &page)
	assert.Len(t, page.Items, len(before), "no half-written application")
	assert.Equal(t, http.StatusBadRequest, applicant.call(http.MethodPost, "/api/v1/introductions", "not an object", nil))
}

func TestDuplicateOpenApplicationIsAConflict(t *testing.T) {
	applicant := login(t, "applicant.li")
	p := profile("C")
	var first, second struct{ ID string }
	applicant.must(http.StatusCreated, http.MethodPost, "/api/v1/introductions", p, &first)
	applicant.must(http.StatusCreated, http.MethodPost, "/api/v1/introductions", p, &second)
	applicant.must(http.StatusOK, http.MethodPost, "/api/v1/introductions/"+first.ID+"/submit", nil, nil)
	var out struct{ Error struct{ Code string } }
	assert.Equal(t, http.StatusConflict, applicant.call(http.MethodPost, "/api/v1/introductions/"+second.ID+"/submit", nil, &out))
	assert.Equal(t, "duplicate_application", out.Error.Code)
	assert.Equal(t, "draft", getCase(t, applicant, second.ID).State, "the refused submission left the draft as it was")

	// Once the first is withdrawn, the person may apply again.
	applicant.must(http.StatusOK, http.MethodPost, "/api/v1/cases/"+first.ID+"/withdraw", map[string]string{"reason": "重新申请"}, nil)
	applicant.must(http.StatusOK, http.MethodPost, "/api/v1/introductions/"+second.ID+"/submit", nil, nil)
	recordHistory(t, "intro:"+first.ID, "introduction-withdrawn")
}

func TestApplicantSeesOnlyOwnCases(t *testing.T) {
	li := login(t, "applicant.li")
	hr := login(t, "employer.hr")
	id := submit(t, li, "E")
	assert.Equal(t, http.StatusNotFound, hr.call(http.MethodGet, "/api/v1/cases/"+id, nil, nil))
	var page struct{ Items []map[string]any }
	hr.must(http.StatusOK, http.MethodGet, "/api/v1/cases?limit=200", nil, &page)
	for _, c := range page.Items {
		assert.NotEqual(t, id, c["id"])
	}
	assert.True(t, strings.HasPrefix(id, "case_"))
}

// TestReturnForCorrectionThenResubmitThenRejection: the window returns the application, the
// applicant corrects the profile and resubmits, the window accepts, iit rejects.
func TestReturnForCorrectionThenResubmitThenRejection(t *testing.T) {
	applicant := login(t, "employer.hr")
	id := submit(t, applicant, "D")
	clerk := login(t, "clerk.window")
	decide(t, clerk, openTask(t, clerk, id), "return", "缺少劳动合同扫描件")
	c := getCase(t, applicant, id)
	require.Equal(t, "returned", c.State)
	var withDeadline struct{ Deadline, CorrectionDeadline *string }
	applicant.must(http.StatusOK, http.MethodGet, "/api/v1/cases/"+id, nil, &withDeadline)
	require.NotNil(t, withDeadline.Deadline, "a returned case shows when the correction is due")

	p := profile("D")
	p["field"] = "装备制造（已补充劳动合同）"
	applicant.must(http.StatusOK, http.MethodPut, "/api/v1/introductions/"+id, p, nil)
	var out map[string]any
	assert.Equal(t, http.StatusUnprocessableEntity, applicant.call(http.MethodPut, "/api/v1/introductions/"+id,
		profile("A"), &out), "the category cannot change after submission")
	applicant.must(http.StatusOK, http.MethodPost, "/api/v1/introductions/"+id+"/resubmit", map[string]string{"reason": "已补充"}, nil)
	require.Equal(t, "accepting", getCase(t, applicant, id).State)

	decide(t, clerk, openTask(t, clerk, id), "approve", "")
	hrss := login(t, "hrss.approver")
	decide(t, hrss, openTask(t, hrss, id), "approve", "")
	iit := login(t, "iit.approver")
	decide(t, iit, openTask(t, iit, id), "reject", "与我县主导产业关联度不足")
	c = getCase(t, applicant, id)
	assert.Equal(t, "rejected", c.State)
	assert.Empty(t, c.CertificateNo)
	recordHistory(t, "intro:"+id, "introduction-returned-resubmitted-rejected")
}
