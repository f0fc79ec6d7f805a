package liaison_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
	"talentflow/workflows/workflowtest"
)

var (
	at       = workflowtest.At
	wang     = flow.Person{UserID: "usr_wang", Username: "leader.wang", Name: "王副县长"}
	sun      = flow.Person{UserID: "usr_sun", Username: "leader.sun", Name: "孙副县长"}
	zhao     = flow.Person{UserID: "usr_zhao", Username: "specialist.zhao", Name: "赵阳"}
	li       = flow.Person{UserID: "usr_li", Username: "applicant.li", Name: "李明"}
	lgoStaff = workflowtest.Staff("lgo.staff", workflows.RoleLGO, "lgo")
	asWang   = workflows.Actor{UserID: wang.UserID, Username: wang.Username, Name: wang.Name, Role: domain.RoleLeader, Department: "county"}
	asZhao   = workflows.Actor{UserID: zhao.UserID, Username: zhao.Username, Name: zhao.Name, Role: domain.RoleSpecialist, Department: "lgo"}
	asSun    = workflows.Actor{UserID: sun.UserID, Username: sun.Username, Name: sun.Name, Role: domain.RoleLeader, Department: "county"}
)

func routes() map[domain.DemandType]string {
	return map[domain.DemandType]string{"school": "edu", "hukou": "psb", "housing": "housing", "lab": "sci", "funding": "fin",
		"medical": "health", "spouse_job": "hrss", "other": "lgo"}
}

func pairingInput(category domain.Category, perYear int) flow.PairingInput {
	return flow.PairingInput{CaseID: "case_pair", Talent: li, Category: category, CertificateNo: "YG-2026-B-0001", Leader: wang, Specialist: zhao,
		Cadence: flow.Cadence{PerYear: perYear, RemindDaysBefore: []int{14, 3}, OverdueEveryDays: 7, FirstDueAfterDays: 30, EscalateTo: "lgo"},
		Demands: flow.DemandPlan{Routes: routes(), LimitDays: 10, VerifyLimitDays: 3, RectifyLimitDays: 5, RatingDays: 10, Office: "lgo"},
		By:      lgoStaff, Scale: 1}
}

// pairingWorld runs a pairing through every run it continues into, with the pairing's writes
// and the demands it starts recorded.
type pairingWorld struct {
	t  *testing.T
	rm *workflowtest.ReadModel

	mu      sync.Mutex
	records []flow.PairingRecord
	demands []flow.DemandInput
	// runs holds, per run, the process time it began and the projections it made.
	runStarts   []time.Time
	projections []int
}

// act is something that happens at a moment of process time; done once it happened.
type act struct {
	at   time.Time
	fn   func(h *workflowtest.Harness)
	done bool
}

func (w *pairingWorld) project(_ context.Context, r flow.PairingRecord) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.records = append(w.records, r)
	return nil
}

// run executes the pairing from start, continuing as new as often as it does, performing each
// act in whichever run is live at its time. It returns the final state and the number of runs.
func (w *pairingWorld) run(in flow.PairingInput, start time.Time, acts []*act) (string, int) {
	t := w.t
	for run := 1; ; run++ {
		require.LessOrEqual(t, run, 60, "runaway continue-as-new")
		h := workflowtest.NewHarnessOn(t, start, w.rm)
		h.Env.RegisterWorkflowWithOptions(flow.LiaisonPairing, workflow.RegisterOptions{Name: flow.WorkflowPairing})
		h.Env.RegisterWorkflowWithOptions(flow.LiaisonDemand, workflow.RegisterOptions{Name: flow.WorkflowDemand})
		h.Env.OnWorkflow(flow.WorkflowDemand, mock.Anything, mock.Anything).Return(func(_ workflow.Context, d flow.DemandInput) (string, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			w.demands = append(w.demands, d)
			return flow.StateResolved, nil
		})
		h.Env.RegisterActivityWithOptions(w.project, activity.RegisterOptions{Name: flow.ActivityProjectPairing})
		for _, a := range acts {
			if a.done || a.at.Before(start) {
				continue
			}
			h.After(a.at.Sub(start), func() { a.done = true; a.fn(h) })
		}
		before := w.rm.Projections
		w.runStarts = append(w.runStarts, start)
		h.Env.ExecuteWorkflow(flow.WorkflowPairing, in)
		require.True(t, h.Env.IsWorkflowCompleted())
		h.Verify()
		w.projections = append(w.projections, w.rm.Projections-before)
		err := h.Env.GetWorkflowError()
		var can *workflow.ContinueAsNewError
		if errors.As(err, &can) {
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &in))
			start = h.Env.Now()
			continue
		}
		require.NoError(t, err)
		var state string
		require.NoError(t, h.Env.GetWorkflowResult(&state))
		return state, run
	}
}

func contact(h *workflowtest.Harness, id, date string, by workflows.Actor, demands ...flow.DemandRequest) {
	h.OK(flow.UpdateContact, flow.ContactInput{ID: id, Date: date, Form: domain.ContactVisit, Notes: "走访", Demands: demands, Actor: by})
}

// eventTimes lists, in CST, when the timeline events of kind happened.
func eventTimes(rm *workflowtest.ReadModel, kind string) []string {
	var out []string
	for _, e := range rm.EventsOf(kind) {
		out = append(out, e.At.In(workflowtest.Zone).Format("2006-01-02 15:04")+" "+e.Detail)
	}
	return out
}

func (w *pairingWorld) dues() map[string]flow.DueRecord {
	out := map[string]flow.DueRecord{}
	for _, r := range w.records {
		if r.Due != nil {
			out[r.Due.DueOn] = *r.Due
		}
	}
	return out
}

func recipients(n workflows.NotificationRequest) string {
	var names []string
	for _, r := range n.To {
		names = append(names, r.Username+r.Department)
	}
	return strings.Join(names, ",")
}

// TestTwoYearsOfAPairingRemindOnTheRightDaysEscalateOverdueAndContinueEachCycle follows a
// pairing with two contacts due a year from January 2026 to January 2028: reminders 14 and 3
// days before each due date still open, the office told the morning after a due date passes,
// weekly reminders while overdue, a late contact meeting the overdue date, early contacts
// meeting theirs (so no reminder for those), one run per cycle.
func TestTwoYearsOfAPairingRemindOnTheRightDaysEscalateOverdueAndContinueEachCycle(t *testing.T) {
	w := &pairingWorld{t: t, rm: workflowtest.NewReadModel()}
	acts := []*act{
		{at: at("2026-07-20 10:00"), fn: func(h *workflowtest.Harness) { contact(h, "ctc1", "2026-07-20", asWang) }},
		{at: at("2026-12-01 10:00"), fn: func(h *workflowtest.Harness) {
			contact(h, "ctc2", "2026-12-01", asZhao, flow.DemandRequest{ID: "dem1", Type: "school", Detail: "子女入学"},
				flow.DemandRequest{ID: "dem2", Type: "hukou", Detail: "落户"})
		}},
		{at: at("2027-06-10 10:00"), fn: func(h *workflowtest.Harness) { contact(h, "ctc3", "2027-06-09", asWang) }},
		{at: at("2028-01-20 10:00"), fn: func(h *workflowtest.Harness) {
			h.OK(flow.UpdateEnd, workflows.CaseAction{Reason: "人才调离本县", Actor: lgoStaff})
		}},
	}
	state, runs := w.run(pairingInput(domain.CategoryB, 2), at("2026-01-10 09:00"), acts)
	assert.Equal(t, flow.StateEnded, state)

	assert.Equal(t, []string{
		"2026-06-16 09:00 14 days before 2026-06-30", "2026-06-27 09:00 3 days before 2026-06-30",
		// 2026-12-31 and 2027-06-30 were met early: nobody is reminded of them.
		"2027-12-17 09:00 14 days before 2027-12-31", "2027-12-28 09:00 3 days before 2027-12-31",
	}, eventTimes(w.rm, flow.EventReminded))
	assert.Equal(t, []string{"2026-07-01 00:00 no contact by 2026-06-30", "2028-01-01 00:00 no contact by 2027-12-31"},
		eventTimes(w.rm, flow.EventOverdue))
	assert.Equal(t, []string{"2026-07-08 00:00 still no contact for 2026-06-30", "2026-07-15 00:00 still no contact for 2026-06-30",
		"2028-01-08 00:00 still no contact for 2027-12-31", "2028-01-15 00:00 still no contact for 2027-12-31"},
		eventTimes(w.rm, flow.EventOverdueNag))

	// Reminders go to the leader, copies to the specialist; escalations to the office.
	var escalations []string
	for _, n := range w.rm.NotificationsOf(workflows.NotifyEscalation) {
		escalations = append(escalations, recipients(n))
		assert.Equal(t, "case_pair", n.CaseID)
	}
	assert.Equal(t, []string{"lgo", "lgo"}, escalations)
	var remindedLeader, remindedSpecialist int
	for _, n := range w.rm.NotificationsOf(workflows.NotifyReminder) {
		r := recipients(n)
		remindedLeader += strings.Count(r, "leader.wang")
		remindedSpecialist += strings.Count(r, "specialist.zhao")
	}
	assert.Equal(t, 4+2+4, remindedLeader, "4 reminders, 2 overdue notices, 4 weekly reminders")
	assert.Equal(t, remindedLeader, remindedSpecialist, "the specialist is copied on each")

	dues := w.dues()
	assert.Equal(t, flow.DueRecord{DueOn: "2026-06-30", Leader: "leader.wang", State: flow.DueDone, Overdue: true, ContactID: "ctc1", DoneOn: "2026-07-20"}, dues["2026-06-30"])
	assert.Equal(t, flow.DueDone, dues["2026-12-31"].State)
	assert.False(t, dues["2026-12-31"].Overdue)
	assert.Equal(t, "ctc3", dues["2027-06-30"].ContactID)
	assert.NotContains(t, dues, "2028-06-30", "an ended pairing has nothing more due")
	assert.True(t, w.records[len(w.records)-1].Ended)

	// The demands started as child workflows, routed by type.
	require.Len(t, w.demands, 2)
	assert.Equal(t, []string{"dem1 edu", "dem2 psb"}, []string{w.demands[0].CaseID + " " + w.demands[0].Department, w.demands[1].CaseID + " " + w.demands[1].Department})
	assert.Equal(t, "case_pair", w.demands[0].PairingID)
	assert.Equal(t, "specialist.zhao", w.demands[0].By.Username)

	// One run per cycle met (three contacts), and the last until the end; each run is short.
	assert.Equal(t, 4, runs)
	for i, n := range w.projections {
		assert.LessOrEqual(t, n, 25, "run %d wrote %d projections: the history of a run stays bounded", i+1, n)
	}
	v := w.rm.CaseView("case_pair")
	assert.Equal(t, flow.StateEnded, v.State)
	assert.Equal(t, 0, w.rm.EventClashes+w.rm.TaskClashes, "no id reused across runs")
}

// TestAReassignedPairingRemindsTheNewLeaderAndAMissedPeriodStaysMissed: the leader changes post
// in March; June's reminders go to the new leader; June passes with no contact (overdue), then
// December too: June is missed and December is overdue at once; a January contact meets
// December late.
func TestAReassignedPairingRemindsTheNewLeaderAndAMissedPeriodStaysMissed(t *testing.T) {
	w := &pairingWorld{t: t, rm: workflowtest.NewReadModel()}
	acts := []*act{
		{at: at("2026-03-01 10:00"), fn: func(h *workflowtest.Harness) {
			h.Send(flow.UpdateReassign, flow.Reassignment{Leader: wang, Reason: "same", Actor: lgoStaff}, workflows.ErrTypeInvalid, "leader")
			h.OK(flow.UpdateReassign, flow.Reassignment{Leader: sun, Reason: "王副县长调任", Actor: lgoStaff})
		}},
		{at: at("2026-03-02 10:00"), fn: func(h *workflowtest.Harness) {
			h.Send(flow.UpdateContact, flow.ContactInput{ID: "x", Date: "2026-03-02", Form: domain.ContactCall, Actor: asWang}, workflows.ErrTypeForbidden, "")
		}},
		{at: at("2027-01-05 10:00"), fn: func(h *workflowtest.Harness) { contact(h, "ctc1", "2027-01-05", asSun) }},
		{at: at("2027-02-01 10:00"), fn: func(h *workflowtest.Harness) {
			h.OK(flow.UpdateEnd, workflows.CaseAction{Reason: "认定资格撤销", Actor: lgoStaff})
		}},
	}
	state, _ := w.run(pairingInput(domain.CategoryB, 2), at("2026-01-10 09:00"), acts)
	assert.Equal(t, flow.StateEnded, state)
	for _, n := range w.rm.NotificationsOf(workflows.NotifyReminder) {
		assert.NotContains(t, recipients(n), "leader.wang", "after the reassignment only the new leader is reminded: %s", n.Title)
	}
	dues := w.dues()
	assert.Equal(t, flow.DueRecord{DueOn: "2026-06-30", Leader: "leader.sun", State: flow.DueMissed, Overdue: true}, dues["2026-06-30"])
	assert.Equal(t, flow.DueRecord{DueOn: "2026-12-31", Leader: "leader.sun", State: flow.DueDone, Overdue: true, ContactID: "ctc1", DoneOn: "2027-01-05"}, dues["2026-12-31"])
	assert.Equal(t, []string{"2026-07-01 00:00 no contact by 2026-06-30", "2027-01-01 00:00 no contact by 2026-12-31"}, eventTimes(w.rm, flow.EventOverdue))
	assert.Len(t, w.rm.EventsOf(flow.EventMissed), 1)
	var changes []flow.LeaderChange
	for _, r := range w.records {
		if r.Leader != nil {
			changes = append(changes, *r.Leader)
		}
	}
	assert.Equal(t, []flow.LeaderChange{{From: "leader.wang", To: "leader.sun", Reason: "王副县长调任", By: "lgo.staff"}}, changes)
	assert.NotEmpty(t, w.rm.EventsOf(flow.EventReassigned))
}

// TestContactRules: a contact in the future, before the pairing, or by someone who is neither
// its leader nor its specialist is refused naming the field; a second contact in a period that
// was met already counts as an extra contact, not as the next period's.
func TestContactRules(t *testing.T) {
	w := &pairingWorld{t: t, rm: workflowtest.NewReadModel()}
	refused := func(h *workflowtest.Harness, in flow.ContactInput, typ, field string) {
		h.Send(flow.UpdateContact, in, typ, field)
	}
	acts := []*act{
		{at: at("2026-03-02 10:00"), fn: func(h *workflowtest.Harness) {
			refused(h, flow.ContactInput{ID: "a", Date: "2026-03-03", Form: domain.ContactVisit, Actor: asWang}, workflows.ErrTypeInvalid, "date")
			refused(h, flow.ContactInput{ID: "b", Date: "2026-01-09", Form: domain.ContactVisit, Actor: asWang}, workflows.ErrTypeInvalid, "date")
			refused(h, flow.ContactInput{ID: "c", Date: "2026/03/01", Form: domain.ContactVisit, Actor: asWang}, workflows.ErrTypeInvalid, "date")
			refused(h, flow.ContactInput{ID: "d", Date: "2026-03-01", Form: "letter", Actor: asWang}, workflows.ErrTypeInvalid, "form")
			refused(h, flow.ContactInput{ID: "e", Date: "2026-03-01", Form: domain.ContactVisit, Actor: asSun}, workflows.ErrTypeForbidden, "")
			refused(h, flow.ContactInput{ID: "f", Date: "2026-03-01", Form: domain.ContactVisit, Actor: asWang,
				Demands: []flow.DemandRequest{{ID: "d1", Type: "pony", Detail: "x"}}}, workflows.ErrTypeInvalid, "demands[0].type")
			contact(h, "ctc1", "2026-03-01", asWang) // early: meets 30 June
		}},
		{at: at("2026-03-05 10:00"), fn: func(h *workflowtest.Harness) { contact(h, "ctc2", "2026-03-04", asZhao) }},
		{at: at("2026-03-10 10:00"), fn: func(h *workflowtest.Harness) {
			h.OK(flow.UpdateEnd, workflows.CaseAction{Reason: "测试结束", Actor: lgoStaff})
		}},
	}
	_, _ = w.run(pairingInput(domain.CategoryB, 2), at("2026-01-10 09:00"), acts)
	var contacts []string
	for _, r := range w.records {
		if r.Contact != nil {
			contacts = append(contacts, r.Contact.ID+" meets "+r.Contact.DueOn)
		}
	}
	assert.Equal(t, []string{"ctc1 meets 2026-06-30", "ctc2 meets "}, contacts, "the second contact of a met period is an extra one")
	assert.Equal(t, flow.DueOpen, w.dues()["2026-12-31"].State)
}

// TestATopTalentIsContactedQuarterly: category A's cadence (4 a year) makes quarterly due dates.
func TestATopTalentIsContactedQuarterly(t *testing.T) {
	w := &pairingWorld{t: t, rm: workflowtest.NewReadModel()}
	acts := []*act{{at: at("2026-10-05 10:00"), fn: func(h *workflowtest.Harness) {
		h.OK(flow.UpdateEnd, workflows.CaseAction{Reason: "测试结束", Actor: lgoStaff})
	}}}
	_, _ = w.run(pairingInput(domain.CategoryA, 4), at("2026-01-10 09:00"), acts)
	var overdue []string
	for _, e := range w.rm.EventsOf(flow.EventOverdue) {
		overdue = append(overdue, e.Detail)
	}
	assert.Equal(t, []string{"no contact by 2026-03-31", "no contact by 2026-06-30", "no contact by 2026-09-30"}, overdue)
	assert.Equal(t, 2, len(w.rm.EventsOf(flow.EventMissed)), "March and June were missed")
}

// TestTheTimeScaleShortensEveryWait: at TALENTFLOW_TIME_SCALE 0.001 the first due date (30 June,
// from 10 January) passes after about 4 hours of workflow time, and the due dates keep their
// calendar names.
func TestTheTimeScaleShortensEveryWait(t *testing.T) {
	w := &pairingWorld{t: t, rm: workflowtest.NewReadModel()}
	in := pairingInput(domain.CategoryB, 2)
	in.Scale = 0.001
	start := at("2026-01-10 09:00")
	acts := []*act{{at: start.Add(6 * time.Hour), fn: func(h *workflowtest.Harness) {
		h.OK(flow.UpdateEnd, workflows.CaseAction{Reason: "测试结束", Actor: lgoStaff})
	}}}
	_, _ = w.run(in, start, acts)
	overdue := w.rm.EventsOf(flow.EventOverdue)
	require.Len(t, overdue, 1)
	assert.Equal(t, "no contact by 2026-06-30", overdue[0].Detail)
	span := at("2026-07-01 00:00").Sub(start)
	assert.WithinDuration(t, start.Add(time.Duration(float64(span)*0.001)), overdue[0].At, time.Second)
}
