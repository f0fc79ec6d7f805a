package e2e_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"talentflow/internal/domain"
)

type pairingDoc struct {
	ID               string `json:"id"`
	Leader           string `json:"leader"`
	State            string `json:"state"`
	NextDue          string `json:"next_due"`
	Overdue          bool   `json:"overdue"`
	ContactsThisYear int    `json:"contacts_this_year"`
	Dues             []struct {
		DueOn   string `json:"due_on"`
		State   string `json:"state"`
		Overdue bool   `json:"overdue"`
	} `json:"dues"`
}

type noticeDoc struct {
	Items []struct {
		Kind   string `json:"kind"`
		CaseID string `json:"case_id"`
		Title  string `json:"title"`
	} `json:"items"`
}

// waitNotice polls s's notifications until one of kind about caseID arrives.
func waitNotice(t *testing.T, s *session, kind, caseID string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		var page noticeDoc
		s.must(http.StatusOK, http.MethodGet, "/api/v1/notifications?limit=200", nil, &page)
		for _, n := range page.Items {
			if n.Kind == kind && n.CaseID == caseID {
				return n.Title
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no %s notification about %s reached %s in %s", kind, caseID, s.name, within)
	return ""
}

func waitPairing(t *testing.T, s *session, id string, within time.Duration, ok func(pairingDoc) bool) pairingDoc {
	t.Helper()
	deadline := time.Now().Add(within)
	var p pairingDoc
	for time.Now().Before(deadline) {
		s.must(http.StatusOK, http.MethodGet, "/api/v1/pairings/"+id, nil, &p)
		if ok(p) {
			return p
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("pairing %s did not get there in %s: %+v", id, within, p)
	return p
}

// TestALiaisonFromCertificateToPairingToARatedDemand runs process 3 over HTTP on the embedded
// server with days lasting under two seconds (and, in this stack, contacts due monthly): a
// certificate's pairing request is decided with a leader and a specialist, which starts the
// pairing; the leader is reminded before the contact falls due; nobody logs one, so the office
// is told when it passes; the leader logs it late with a demand; 教育局 replies, the office
// verifies, the talent rates it; compliance and the leader's calendar show it all.
func TestALiaisonFromCertificateToPairingToARatedDemand(t *testing.T) {
	t.Parallel()
	introID, cert := certify(t)
	lgo, wang, zhao, edu, li := login(t, "lgo.staff"), login(t, "leader.wang"), login(t, "specialist.zhao"), login(t, "edu.approver"), login(t, "applicant.li")

	// The pairing request: the office names the leader and the specialist.
	request := waitForTask(t, lgo, introID+"-liaison")
	var refused errorBody
	lgo.must(http.StatusUnprocessableEntity, http.MethodPost, "/api/v1/tasks/"+request+"/decision",
		map[string]string{"outcome": "approve", "leader": "hrss.approver", "specialist": "specialist.zhao"}, &refused)
	assert.Equal(t, "leader", refused.Error.Field)
	lgo.must(http.StatusOK, http.MethodPost, "/api/v1/tasks/"+request+"/decision",
		map[string]string{"outcome": "approve", "leader": "leader.wang", "specialist": "specialist.zhao"}, nil)
	id := introID + "-pairing"
	p := waitPairing(t, wang, id, 30*time.Second, func(p pairingDoc) bool { return p.NextDue != "" })
	assert.Equal(t, "leader.wang", p.Leader)
	// A second pairing of the same talent is refused.
	lgo.must(http.StatusConflict, http.MethodPost, "/api/v1/pairings",
		map[string]string{"certificate_no": cert, "leader": "leader.wang", "specialist": "specialist.zhao"}, &refused)
	assert.Equal(t, "already_paired", refused.Error.Code)

	// The leader's list and phone calendar show the next contact.
	var list struct{ Items []pairingDoc }
	wang.must(http.StatusOK, http.MethodGet, "/api/v1/pairings", nil, &list)
	assert.True(t, containsPairing(list.Items, id))
	var cal struct{ URL string }
	wang.must(http.StatusCreated, http.MethodPost, "/api/v1/me/calendar", map[string]string{}, &cal)
	resp, err := http.Get(cal.URL)
	require.NoError(t, err)
	ics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/calendar")
	assert.Contains(t, string(ics), "DTSTART;VALUE=DATE:"+strings.ReplaceAll(p.NextDue, "-", ""))

	// Reminded before the due date (the specialist copied), escalated to the office after it.
	title := waitNotice(t, wang, "reminder", id, 90*time.Second)
	assert.Contains(t, title, "联系提醒")
	waitNotice(t, zhao, "reminder", id, 10*time.Second)
	escalation := waitNotice(t, lgo, "escalation", id, 90*time.Second)
	assert.Contains(t, escalation, "联系逾期")
	p = waitPairing(t, lgo, id, 10*time.Second, func(p pairingDoc) bool { return p.Overdue })
	overdueDue := p.NextDue
	var rep struct {
		Total struct{ Overdue int } `json:"total"`
	}
	lgo.must(http.StatusOK, http.MethodGet, "/api/v1/liaison/compliance", nil, &rep)
	assert.GreaterOrEqual(t, rep.Total.Overdue, 1)

	// The contact, late, with a demand: it meets the overdue date, and the demand goes to 教育局.
	today := time.Now().In(domain.ChinaTime).Format(time.DateOnly)
	var logged struct {
		ID      string `json:"id"`
		DueOn   string `json:"due_on"`
		Demands []struct {
			ID         string     `json:"id"`
			Department string     `json:"department"`
			Deadline   *time.Time `json:"deadline"`
		} `json:"demands"`
	}
	wang.must(http.StatusCreated, http.MethodPost, "/api/v1/pairings/"+id+"/contacts", map[string]any{"date": today, "form": "visit",
		"notes": "走访企业，了解研发进展", "demands": []map[string]string{{"type": "school", "detail": "子女明年秋季入学"}}}, &logged)
	assert.Equal(t, overdueDue, logged.DueOn)
	require.Len(t, logged.Demands, 1)
	demand := logged.Demands[0]
	assert.Equal(t, "edu", demand.Department)
	require.NotNil(t, demand.Deadline, "the department's deadline is known at once")
	p = waitPairing(t, wang, id, 10*time.Second, func(p pairingDoc) bool { return !p.Overdue && p.NextDue > overdueDue })

	// 教育局 replies, the office verifies, the talent rates.
	decide(t, edu, waitForTask(t, edu, demand.ID), "approve", "已协调县实验小学学位")
	decide(t, lgo, waitForTask(t, lgo, demand.ID), "approve", "")
	waitForState(t, li, demand.ID, "rating", 10*time.Second)
	li.must(http.StatusOK, http.MethodPost, "/api/v1/demands/"+demand.ID+"/rating", map[string]any{"score": 5, "comment": "非常满意"}, nil)
	resolved := waitForState(t, wang, demand.ID, "resolved", 10*time.Second)
	kinds := map[string]int{}
	for _, e := range resolved.Timeline {
		kinds[e["kind"].(string)]++
	}
	assert.Equal(t, 1, kinds["rated"])
	var d struct {
		Rating *int   `json:"rating"`
		State  string `json:"state"`
	}
	li.must(http.StatusOK, http.MethodGet, "/api/v1/demands/"+demand.ID, nil, &d)
	require.NotNil(t, d.Rating)
	assert.Equal(t, 5, *d.Rating)

	var full struct {
		Leaders []struct {
			Leader        string   `json:"leader"`
			ContactsDone  int      `json:"contacts_done"`
			DemandsClosed int      `json:"demands_closed"`
			AvgRating     *float64 `json:"avg_rating"`
		} `json:"leaders"`
	}
	wang.must(http.StatusOK, http.MethodGet, "/api/v1/liaison/compliance", nil, &full)
	for _, l := range full.Leaders {
		if l.Leader == "leader.wang" {
			assert.GreaterOrEqual(t, l.ContactsDone, 1)
			assert.GreaterOrEqual(t, l.DemandsClosed, 1)
			require.NotNil(t, l.AvgRating)
		}
	}
	// The pairing continued as new when the contact met its date; each run stays short.
	lengths := runLengths(t, "liaison:"+id)
	assert.GreaterOrEqual(t, len(lengths), 2, "one run per cycle")
	for _, n := range lengths {
		assert.Less(t, n, 200, "runs of the pairing: %v", lengths)
	}
	t.Logf("pairing history runs: %v events", lengths)
	recordHistory(t, "demand:"+demand.ID, "demand-rated")

	// The office ends the pairing.
	lgo.must(http.StatusOK, http.MethodPost, "/api/v1/pairings/"+id+"/end", map[string]string{"reason": "人才调离本县"}, nil)
	waitPairing(t, lgo, id, 10*time.Second, func(p pairingDoc) bool { return p.State == "ended" })
	recordRun(t, "liaison:"+id, firstRun(t, "liaison:"+id), "liaison-pairing-reminded-overdue-contact")
	recordRun(t, "liaison:"+id, "", "liaison-pairing-continued-ended")
}

// firstRun is the id of a workflow's first run, following continue-as-new back from the latest.
func firstRun(t *testing.T, workflowID string) string {
	t.Helper()
	for runID := ""; ; {
		it := shared.Temporal.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		require.True(t, it.HasNext())
		e, err := it.Next()
		require.NoError(t, err)
		a := e.GetWorkflowExecutionStartedEventAttributes()
		if a.GetContinuedExecutionRunId() == "" {
			return a.GetOriginalExecutionRunId()
		}
		runID = a.GetContinuedExecutionRunId()
	}
}

func containsPairing(items []pairingDoc, id string) bool {
	for _, p := range items {
		if p.ID == id {
			return true
		}
	}
	return false
}
