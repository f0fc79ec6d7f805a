package liaison_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	appl "talentflow/internal/app/liaison"
	"talentflow/internal/app/tasks"
	"talentflow/internal/domain"
	"talentflow/internal/routing"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

type world struct {
	*apptest.World
	s *appl.Service
}

func newWorld(t *testing.T) *world {
	w := &world{World: apptest.New(t)}
	plan, err := routing.LoadLiaison("")
	require.NoError(t, err)
	w.s = appl.New(w.Cases, plan, 1)
	// A second county leader.
	now := time.Now().UTC()
	require.NoError(t, w.DB.Create(&store.User{ID: "usr_sun", Username: "leader.sun", DisplayName: "孙副县长", Kind: "staff", CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, w.DB.Create(&store.RoleAssignment{UserID: "usr_sun", Role: "leader", Department: "county", GrantedBy: "test", GrantedAt: now}).Error)
	return w
}

// certified registers a certified talent of username's.
func (w *world) certified(username, cert string, c domain.Category) {
	t := w.T
	now := time.Now().UTC()
	u := w.As(username).User
	caseID := "case_" + cert
	require.NoError(t, w.DB.Create(&store.Case{ID: caseID, Process: "introduction", State: "certified", Title: "李明", ApplicantID: u.ID,
		WorkflowID: "intro:" + caseID, CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, w.DB.Create(&store.Certificate{No: cert, CaseID: caseID, Name: "李明", Category: string(c), Year: 2026, Seq: 1, IssuedAt: now}).Error)
	require.NoError(t, w.DB.Create(&store.Talent{ID: "tal_" + cert, UserID: u.ID, CaseID: caseID, Name: "李明", IDNumber: "x", Category: string(c),
		CertificateNo: cert, Status: "active", SubsidyEligible: true, CertifiedAt: now}).Error)
}

// pairing writes an active pairing as CreatePairing does, without its workflow.
func (w *world) pairing(id, cert, leader, specialist, nextDue string, overdue bool) {
	t := w.T
	now := time.Now().UTC()
	var talent store.Talent
	require.NoError(t, w.DB.Where("certificate_no = ?", cert).Take(&talent).Error)
	require.NoError(t, w.DB.Transaction(func(tx *gorm.DB) error {
		return rows.Create(tx, store.Case{ID: id, Process: flow.Process, State: flow.StateActive, Title: id, ApplicantID: talent.UserID,
			WorkflowID: flow.WorkflowID(id), CreatedAt: now, UpdatedAt: now},
			rows.Pairing{CaseID: id, TalentUserID: talent.UserID, TalentUsername: "applicant.li", TalentName: "李明", Category: talent.Category,
				CertificateNo: cert, Leader: leader, Specialist: specialist, PerYear: 2, State: rows.PairingActive, NextDue: &nextDue,
				Overdue: overdue, CreatedBy: "lgo.staff", StartedAt: now.AddDate(0, -8, 0), UpdatedAt: now})
	}))
}

// demand writes a demand of a pairing, routed to dept, as its workflow would.
func (w *world) demand(id, pairing, dept string, score int, resolvedAfter time.Duration) {
	t := w.T
	now := time.Now().UTC()
	var p rows.Pairing
	require.NoError(t, w.DB.Where("case_id = ?", pairing).Take(&p).Error)
	contact := "ctc_" + id
	require.NoError(t, w.DB.Create(&rows.Contact{ID: contact, PairingID: pairing, Date: "2026-03-01", Form: "visit", Leader: p.Leader,
		LoggedBy: p.Leader, Role: "leader", CreatedAt: now}).Error)
	state := flow.StateAnswering
	var resolvedAt *time.Time
	if resolvedAfter > 0 {
		state = flow.StateResolved
		at := now.Add(resolvedAfter)
		resolvedAt = &at
	}
	require.NoError(t, w.DB.Create(&store.Case{ID: id, Process: flow.ProcessDemand, State: state, Title: id, ApplicantID: p.TalentUserID,
		WorkflowID: flow.DemandWorkflowID(id), CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, w.DB.Create(&rows.Demand{CaseID: id, PairingID: pairing, ContactID: contact, TalentUserID: p.TalentUserID, Leader: p.Leader,
		Specialist: p.Specialist, Type: "school", Detail: "子女入学", Department: dept, Score: score, Resolved: resolvedAfter > 0,
		ResolvedAt: resolvedAt, CreatedAt: now, UpdatedAt: now}).Error)
}

func field(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

func code(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func TestPairingATalentChecksTheLeaderAndSpecialistAndAllowsOneActivePairing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	lgo := w.As("lgo.staff")
	for _, tc := range []struct {
		in    appl.PairingInput
		field string
	}{
		{appl.PairingInput{CertificateNo: "YG-2026-B-0009", Leader: "leader.wang", Specialist: "specialist.zhao"}, "certificate_no"},
		{appl.PairingInput{CertificateNo: "YG-2026-B-0001", Leader: "hrss.approver", Specialist: "specialist.zhao"}, "leader"},
		{appl.PairingInput{CertificateNo: "YG-2026-B-0001", Leader: "leader.wang", Specialist: "nobody"}, "specialist"},
		{appl.PairingInput{CertificateNo: "YG-2026-B-0001", Leader: "leader.wang"}, "specialist"},
	} {
		_, err := w.s.CreatePairing(ctx, lgo, tc.in)
		assert.Equal(t, app.KindInvalid, apptest.Kind(err), "%+v", tc.in)
		assert.Equal(t, tc.field, field(err), "%+v: %v", tc.in, err)
	}
	_, err := w.s.CreatePairing(ctx, w.As("leader.wang"), appl.PairingInput{CertificateNo: "YG-2026-B-0001", Leader: "leader.wang", Specialist: "specialist.zhao"})
	assert.Equal(t, app.KindForbidden, apptest.Kind(err), "only the office pairs")

	// Ten offices at once: exactly one pairing, the others 409 already_paired.
	var mu sync.Mutex
	var created []string
	var conflicts int
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := w.s.CreatePairing(ctx, lgo, appl.PairingInput{CertificateNo: "YG-2026-B-0001", Leader: "leader.wang", Specialist: "specialist.zhao"})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				created = append(created, got.ID)
			} else if code(err) == "already_paired" {
				conflicts++
			} else {
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	require.Len(t, created, 1)
	assert.Equal(t, 9, conflicts)
	var p rows.Pairing
	require.NoError(t, w.DB.Where("case_id = ?", created[0]).Take(&p).Error)
	assert.Equal(t, "leader.wang", p.Leader)
	require.Len(t, w.Engine.Starts, 1)
	in := w.Engine.Starts[0]
	assert.Equal(t, flow.WorkflowPairing, in.Workflow)
	assert.Equal(t, flow.WorkflowID(created[0]), in.WorkflowID)
	var pin flow.PairingInput
	require.NoError(t, json.Unmarshal(in.Input.(json.RawMessage), &pin))
	assert.Equal(t, 2, pin.Cadence.PerYear)
	assert.Equal(t, []int{14, 3}, pin.Cadence.RemindDaysBefore)
	assert.Equal(t, "psb", pin.Demands.Routes["hukou"], "the routing is frozen into the pairing")
}

func TestLeadersAndSpecialistsSeeOnlyTheirOwnPairings(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.certified("employer.hr", "YG-2026-A-0001", domain.CategoryA)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	w.pairing("pair_sun", "YG-2026-A-0001", "leader.sun", "specialist.zhao", "2026-12-31", true)
	sees := func(user string) []string {
		page, err := w.s.Pairings(ctx, w.As(user), appl.PairingFilter{})
		require.NoError(t, err, user)
		var out []string
		for _, p := range page.Items {
			out = append(out, p.ID)
		}
		return out
	}
	assert.Equal(t, []string{"pair_wang"}, sees("leader.wang"))
	assert.Equal(t, []string{"pair_sun"}, sees("leader.sun"))
	assert.ElementsMatch(t, []string{"pair_wang", "pair_sun"}, sees("specialist.zhao"))
	assert.ElementsMatch(t, []string{"pair_wang", "pair_sun"}, sees("lgo.staff"))
	assert.ElementsMatch(t, []string{"pair_wang", "pair_sun"}, sees("auditor"))
	page, err := w.s.Pairings(ctx, w.As("lgo.staff"), appl.PairingFilter{Overdue: "true"})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "pair_sun", page.Items[0].ID)

	_, err = w.s.Pairing(ctx, w.As("leader.wang"), "pair_sun")
	assert.Equal(t, app.KindForbidden, apptest.Kind(err))
	_, err = w.s.Pairing(ctx, w.As("applicant.li"), "pair_sun")
	assert.Equal(t, app.KindNotFound, apptest.Kind(err), "a talent is not told another's pairing exists")
	d, err := w.s.Pairing(ctx, w.As("applicant.li"), "pair_wang")
	require.NoError(t, err, "the talent sees their own pairing")
	assert.Equal(t, "王副县长", d.LeaderName)

	// The pairing's case page: its leader may read it, another leader may not.
	require.NoError(t, w.Cases.ReadableCase(ctx, w.As("leader.wang"), "pair_wang"))
	assert.Error(t, w.Cases.ReadableCase(ctx, w.As("leader.wang"), "pair_sun"))
}

func TestDemandsAreSeenByTheirDepartmentTheTalentAndThePairingsPeople(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.certified("employer.hr", "YG-2026-A-0001", domain.CategoryA)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	w.pairing("pair_sun", "YG-2026-A-0001", "leader.sun", "specialist.zhao", "2026-12-31", false)
	w.demand("dem_edu", "pair_wang", "edu", 0, 0)
	w.demand("dem_psb", "pair_sun", "psb", 0, 0)
	sees := func(user string) []string {
		page, err := w.s.Demands(ctx, w.As(user), appl.DemandFilter{})
		require.NoError(t, err, user)
		out := []string{}
		for _, d := range page.Items {
			out = append(out, d.ID)
		}
		return out
	}
	assert.Equal(t, []string{"dem_edu"}, sees("edu.approver"), "routed to edu")
	assert.Equal(t, []string{"dem_edu"}, sees("applicant.li"), "the talent's own")
	assert.Equal(t, []string{"dem_edu"}, sees("leader.wang"), "from the leader's own pairing")
	assert.Equal(t, []string{"dem_psb"}, sees("leader.sun"))
	assert.Equal(t, []string{}, sees("hrss.approver"))
	assert.ElementsMatch(t, []string{"dem_edu", "dem_psb"}, sees("lgo.staff"))
	assert.ElementsMatch(t, []string{"dem_edu", "dem_psb"}, sees("auditor"))

	_, err := w.s.Demand(ctx, w.As("hrss.approver"), "dem_edu")
	assert.Equal(t, app.KindForbidden, apptest.Kind(err))
	_, err = w.s.Demand(ctx, w.As("employer.hr"), "dem_edu")
	assert.Equal(t, app.KindNotFound, apptest.Kind(err))
	item, err := w.s.Demand(ctx, w.As("edu.approver"), "dem_edu")
	require.NoError(t, err)
	assert.Equal(t, "李明", item.TalentName)
	assert.Equal(t, "子女入学", item.TypeLabel)
}

func TestOnlyThePairingsLeaderOrSpecialistLogsAContactAndBadInputNamesTheField(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	ok := appl.ContactInput{Date: "2026-03-01", Form: "visit", Notes: "走访", Demands: []appl.DemandInput{{Type: "school", Detail: "子女入学"}}}
	_, _, err := w.s.LogContact(ctx, w.As("leader.sun"), "pair_wang", ok)
	assert.Equal(t, app.KindForbidden, apptest.Kind(err))
	for _, tc := range []struct {
		change func(*appl.ContactInput)
		field  string
	}{
		{func(c *appl.ContactInput) { c.Date = "2026/03/01" }, "date"},
		{func(c *appl.ContactInput) { c.Form = "letter" }, "form"},
		{func(c *appl.ContactInput) { c.Demands = []appl.DemandInput{{Type: "pony", Detail: "x"}} }, "demands[0].type"},
		{func(c *appl.ContactInput) { c.Demands = []appl.DemandInput{{Type: "school"}} }, "demands[0].detail"},
	} {
		in := ok
		tc.change(&in)
		_, _, err := w.s.LogContact(ctx, w.As("leader.wang"), "pair_wang", in)
		assert.Equal(t, tc.field, field(err), "%v", err)
	}
	assert.Empty(t, w.Engine.Updates, "nothing bad reaches the workflow")
	_, acting, err := w.s.LogContact(ctx, w.As("specialist.zhao"), "pair_wang", ok)
	require.NoError(t, err)
	assert.Equal(t, "specialist", acting.Role)
	assert.Equal(t, []string{flow.UpdateContact}, w.Engine.Updates)
}

func TestADemandIsRatedByTheTalentOrTheSpecialist(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	w.demand("dem_edu", "pair_wang", "edu", 0, 0)
	_, _, err := w.s.Rate(ctx, w.As("applicant.li"), "dem_edu", appl.RatingInput{Score: 0})
	assert.Equal(t, "score", field(err))
	_, _, err = w.s.Rate(ctx, w.As("applicant.li"), "dem_edu", appl.RatingInput{Score: 6})
	assert.Equal(t, "score", field(err))
	_, _, err = w.s.Rate(ctx, w.As("edu.approver"), "dem_edu", appl.RatingInput{Score: 5})
	assert.Equal(t, app.KindForbidden, apptest.Kind(err), "the department does not rate itself")
	_, acting, err := w.s.Rate(ctx, w.As("applicant.li"), "dem_edu", appl.RatingInput{Score: 2, Comment: "太远"})
	require.NoError(t, err)
	assert.Equal(t, "applicant", acting.Role)
	_, acting, err = w.s.Rate(ctx, w.As("specialist.zhao"), "dem_edu", appl.RatingInput{Score: 5})
	require.NoError(t, err)
	assert.Equal(t, "specialist", acting.Role)
	assert.Equal(t, []string{flow.UpdateRate, flow.UpdateRate}, w.Engine.Updates)
}

func TestComplianceCountsContactsDoneAgainstDuePerLeader(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.certified("employer.hr", "YG-2026-A-0001", domain.CategoryA)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	w.pairing("pair_sun", "YG-2026-A-0001", "leader.sun", "specialist.zhao", "2026-12-31", true)
	now := time.Now().UTC()
	for _, d := range []rows.Due{
		{PairingID: "pair_wang", DueOn: "2026-06-30", Leader: "leader.wang", State: flow.DueDone, ContactID: "c1", DoneOn: "2026-05-01", UpdatedAt: now},
		{PairingID: "pair_wang", DueOn: "2026-12-31", Leader: "leader.wang", State: flow.DueOpen, UpdatedAt: now},
		{PairingID: "pair_sun", DueOn: "2026-06-30", Leader: "leader.sun", State: flow.DueMissed, Overdue: true, UpdatedAt: now},
		{PairingID: "pair_sun", DueOn: "2026-12-31", Leader: "leader.sun", State: flow.DueOpen, Overdue: true, UpdatedAt: now},
		{PairingID: "pair_wang", DueOn: "2025-12-31", Leader: "leader.wang", State: flow.DueDone, UpdatedAt: now},
	} {
		require.NoError(t, w.DB.Create(&d).Error)
	}
	w.demand("dem1", "pair_wang", "edu", 5, 10*time.Hour)
	w.demand("dem2", "pair_wang", "edu", 3, 30*time.Hour)
	w.demand("dem3", "pair_sun", "psb", 0, 0)
	require.NoError(t, w.DB.Model(&store.Case{}).Where("id = ?", "dem3").Update("warning", workflows.WarningRed).Error)
	require.NoError(t, w.DB.Model(&rows.Demand{}).Where("case_id = ?", "dem1").
		Updates(map[string]any{"poor_ratings": 1, "verified": 1, "rectified": 1, "called_back": 0}).Error)

	rep, err := w.s.Compliance(ctx, appl.ComplianceQuery{Year: time.Now().In(domain.ChinaTime).Year()})
	require.NoError(t, err)
	byLeader := map[string]appl.LeaderCompliance{}
	for _, l := range rep.Leaders {
		byLeader[l.Leader] = l
	}
	wang, sun := byLeader["leader.wang"], byLeader["leader.sun"]
	// The test runs in the year of the rows only when that year is 2026; otherwise the counts
	// are of the next due dates alone.
	if rep.Year == 2026 {
		assert.Equal(t, [3]int{1, 2, 0}, [3]int{wang.ContactsDone, wang.ContactsDue, wang.Overdue}, "wang: June done, December open")
		assert.Equal(t, [4]int{0, 2, 1, 1}, [4]int{sun.ContactsDone, sun.ContactsDue, sun.Missed, sun.Overdue})
		assert.Equal(t, appl.ComplianceTotal{Pairings: 2, ContactsDone: 1, ContactsDue: 4, Overdue: 1}, rep.Total)
	}
	assert.Equal(t, 1, wang.Pairings)
	assert.Equal(t, [3]int{0, 2, 0}, [3]int{wang.DemandsOpen, wang.DemandsClosed, wang.DemandsOverdue})
	require.NotNil(t, wang.MedianHours)
	assert.Equal(t, 20.0, *wang.MedianHours)
	require.NotNil(t, wang.AvgRating)
	assert.Equal(t, 4.0, *wang.AvgRating)
	assert.Equal(t, [2]int{1, 1}, [2]int{sun.DemandsOpen, sun.DemandsOverdue})
	require.NotNil(t, rep.Demands.RectifyRatePct)
	assert.Equal(t, 100.0, *rep.Demands.RectifyRatePct)
	require.NotNil(t, rep.Demands.CallbackRatePct)
	assert.Equal(t, 0.0, *rep.Demands.CallbackRatePct, "rectified but not called back: 回访率 0% against 100%")
	assert.Equal(t, 100.0, rep.Demands.TargetPct)
}

func TestACalendarURLListsTheNextContactsAndTheOldOneStopsWorking(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	first, err := w.s.NewCalendar(ctx, w.As("leader.wang"))
	require.NoError(t, err)
	token := strings.TrimSuffix(strings.TrimPrefix(first.URL, appl.CalendarPath), ".ics")
	feed, err := w.s.CalendarFeed(ctx, token)
	require.NoError(t, err)
	ics := string(feed)
	assert.Contains(t, ics, "BEGIN:VCALENDAR")
	assert.Equal(t, 1, strings.Count(ics, "BEGIN:VEVENT"))
	assert.Contains(t, ics, "DTSTART;VALUE=DATE:20261231")
	assert.Contains(t, ics, "联系服务专家：李明（B类）")
	assert.Contains(t, ics, "TRIGGER:-P14D")
	var stored rows.CalendarFeed
	require.NoError(t, w.DB.Where("user_id = ?", w.As("leader.wang").User.ID).Take(&stored).Error)
	assert.NotContains(t, stored.TokenHash, token, "only the hash is kept")

	second, err := w.s.NewCalendar(ctx, w.As("leader.wang"))
	require.NoError(t, err)
	assert.NotEqual(t, first.URL, second.URL)
	_, err = w.s.CalendarFeed(ctx, token)
	assert.Equal(t, app.KindNotFound, apptest.Kind(err), "the old URL stops working")
	other, err := w.s.NewCalendar(ctx, w.As("hrss.approver"))
	require.NoError(t, err)
	feed, err = w.s.CalendarFeed(ctx, strings.TrimSuffix(strings.TrimPrefix(other.URL, appl.CalendarPath), ".ics"))
	require.NoError(t, err)
	assert.NotContains(t, string(feed), "BEGIN:VEVENT", "no pairings, no events")
}

func TestAPairingRequestIsDecidedWithALeaderAndASpecialistWhoHoldThoseRoles(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	now := time.Now().UTC()
	reqID := flow.PairingRequestCaseID("case_YG-2026-B-0001")
	require.NoError(t, w.DB.Create(&store.Case{ID: reqID, Process: flow.ProcessRequest, State: "pairing", Title: "配对",
		ApplicantID: w.As("applicant.li").User.ID, WorkflowID: flow.PairingRequestWorkflowID("case_YG-2026-B-0001"), CreatedAt: now, UpdatedAt: now}).Error)
	require.NoError(t, w.DB.Create(&store.Task{ID: reqID + "-t1", CaseID: reqID, Process: flow.ProcessRequest, Step: flow.StepPairing, StepName: "配对",
		Attempt: 1, Mode: "single", Department: "lgo", Role: "lgo", State: workflows.TaskOpen, OpenedAt: now, UpdatedAt: now}).Error)
	lgo := w.As("lgo.staff")
	decide := func(in tasks.DecisionInput) error {
		_, _, err := w.Cases.Tasks.Decide(ctx, lgo, reqID+"-t1", in)
		return err
	}
	assert.Equal(t, "leader", field(decide(tasks.DecisionInput{Outcome: "approve", Specialist: "specialist.zhao"})))
	assert.Equal(t, "leader", field(decide(tasks.DecisionInput{Outcome: "approve", Leader: "edu.approver", Specialist: "specialist.zhao"})))
	assert.Equal(t, "specialist", field(decide(tasks.DecisionInput{Outcome: "approve", Leader: "leader.wang", Specialist: "leader.sun"})))
	w.pairing("pair_direct", "YG-2026-B-0001", "leader.sun", "specialist.zhao", "2026-12-31", false)
	assert.Equal(t, "already_paired", code(decide(tasks.DecisionInput{Outcome: "approve", Leader: "leader.wang", Specialist: "specialist.zhao"})))
	assert.Empty(t, w.Engine.Updates, "no refused decision reaches the workflow")
	require.NoError(t, w.DB.Model(&rows.Pairing{}).Where("case_id = ?", "pair_direct").Update("open_key", nil).Error)
	require.NoError(t, decide(tasks.DecisionInput{Outcome: "approve", Leader: "leader.wang", Specialist: "specialist.zhao"}))
	assert.Equal(t, []string{workflows.UpdateDecide}, w.Engine.Updates)
}

// TestADepartureReportedForTheTalentsSubsidyEndsTheirPairing: the subsidy's departure reaches
// the liaison process, which ends the talent's active pairing; a talent without one is fine.
func TestADepartureReportedForTheTalentsSubsidyEndsTheirPairing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	require.NoError(t, appl.EndForDeparture(ctx, w.DB.DB, w.Engine, "YG-2026-B-0009", "离职"))
	assert.Empty(t, w.Engine.Updates)
	require.NoError(t, appl.EndForDeparture(ctx, w.DB.DB, w.Engine, "YG-2026-B-0001", "人才离职（补贴登记离职 2026-06-15）"))
	assert.Equal(t, []string{flow.UpdateEnd}, w.Engine.Updates)
}

func TestOverdueDemandsAreTheOpenOnesPastTheirDeadline(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.certified("applicant.li", "YG-2026-B-0001", domain.CategoryB)
	w.pairing("pair_wang", "YG-2026-B-0001", "leader.wang", "specialist.zhao", "2026-12-31", false)
	w.demand("dem_late", "pair_wang", "edu", 0, 0)
	w.demand("dem_fine", "pair_wang", "edu", 0, 0)
	require.NoError(t, w.DB.Model(&store.Case{}).Where("id = ?", "dem_late").Update("warning", workflows.WarningRed).Error)
	page, err := w.s.Demands(ctx, w.As("lgo.staff"), appl.DemandFilter{Overdue: true})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "dem_late", page.Items[0].ID)
	assert.Equal(t, workflows.WarningRed, page.Items[0].Warning)
}
