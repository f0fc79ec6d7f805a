package workflows_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"talentflow/activities"
	"talentflow/internal/calendar"
	"talentflow/internal/domain"
	"talentflow/workflows"
)

// cst is China Standard Time, where the tests read deadlines.
var cst = calendar.Zone

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cst)
	if err != nil {
		panic(err)
	}
	return t
}

// readModel stands in for the database behind the projection activity: it keeps what the
// engine projected, so tests assert on what the API would serve.
type readModel struct {
	mu            sync.Mutex
	cases         map[string]workflows.CaseView
	tasks         map[string]workflows.TaskView
	order         []string
	events        []workflows.Event
	audit         []workflows.AuditEntry
	notifications []workflows.NotificationRequest
	projections   int
	// caseRevs is every case revision projected, in order; storedRevs the stored revision after
	// each projection. taskClashes counts task revisions (and eventClashes event ids) that
	// arrived twice with different content: a reused key the database would silently drop.
	caseRevs     []int64
	storedRevs   []int64
	taskClashes  int
	taskRevs     map[string]workflows.TaskView
	eventClashes int
}

func newReadModel() *readModel {
	return &readModel{cases: map[string]workflows.CaseView{}, tasks: map[string]workflows.TaskView{},
		taskRevs: map[string]workflows.TaskView{}}
}

func (rm *readModel) Project(_ context.Context, p workflows.Projection) (workflows.ProjectionResult, error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.projections++
	if p.Case != nil {
		rm.caseRevs = append(rm.caseRevs, p.Case.Rev)
		if p.Case.Rev > rm.cases[p.Case.ID].Rev {
			rm.cases[p.Case.ID] = *p.Case
		}
		rm.storedRevs = append(rm.storedRevs, rm.cases[p.Case.ID].Rev)
	}
	for _, t := range p.Tasks {
		old, seen := rm.tasks[t.ID]
		if !seen {
			rm.order = append(rm.order, t.ID)
		}
		if t.Rev > old.Rev {
			rm.tasks[t.ID] = t
		}
		key := fmt.Sprintf("%s@%d", t.ID, t.Rev)
		if prev, seen := rm.taskRevs[key]; seen && !reflect.DeepEqual(prev, t) {
			rm.taskClashes++
		}
		rm.taskRevs[key] = t
	}
	for _, e := range p.Events {
		i := slices.IndexFunc(rm.events, func(x workflows.Event) bool { return x.ID == e.ID })
		switch {
		case i < 0:
			rm.events = append(rm.events, e)
		case rm.events[i] != e:
			rm.eventClashes++
		}
	}
	rm.audit = append(rm.audit, p.Audit...)
	rm.notifications = append(rm.notifications, p.Notifications...)
	return workflows.ProjectionResult{}, nil
}

// task returns the newest task of step in department (any state).
func (rm *readModel) task(t *testing.T, step, dept string) workflows.TaskView {
	t.Helper()
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for i := len(rm.order) - 1; i >= 0; i-- {
		tv := rm.tasks[rm.order[i]]
		if tv.Step == step && tv.Department == dept {
			return tv
		}
	}
	t.Fatalf("no task of step %s in %s; tasks: %v", step, dept, rm.describe())
	return workflows.TaskView{}
}

func (rm *readModel) openTasks() []workflows.TaskView {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []workflows.TaskView
	for _, id := range rm.order {
		if tv := rm.tasks[id]; tv.State == workflows.TaskOpen {
			out = append(out, tv)
		}
	}
	return out
}

func (rm *readModel) caseView(id string) workflows.CaseView {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.cases[id]
}

func (rm *readModel) eventsOf(kind string) []workflows.Event {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []workflows.Event
	for _, e := range rm.events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (rm *readModel) notificationsOf(kind string) []workflows.NotificationRequest {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []workflows.NotificationRequest
	for _, n := range rm.notifications {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func (rm *readModel) describe() string {
	var b strings.Builder
	for _, id := range rm.order {
		t := rm.tasks[id]
		fmt.Fprintf(&b, "[%s %s/%s %s %s] ", t.ID, t.Step, t.Department, t.State, t.Outcome)
	}
	return b.String()
}

// harness runs one case workflow in Temporal's test environment with time skipping.
type harness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	rm      *readModel
	replies []*reply
	// pairings are the liaison pairing requests a certification started.
	pairings []workflows.PairingRequestInput
}

func newHarness(t *testing.T, start time.Time) *harness {
	t.Helper()
	return newHarnessOn(t, start, newReadModel())
}

// newHarnessOn runs on an existing read model: the next run of a case that continued as new.
func newHarnessOn(t *testing.T, start time.Time, rm *readModel) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(nopLogger{})
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	cal, err := calendar.Default()
	require.NoError(t, err)
	clock := &activities.Clock{Calendar: cal, Scale: 1, YellowShare: 2.0 / 3, LGODelayDays: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	env.RegisterActivityWithOptions(rm.Project, activity.RegisterOptions{Name: workflows.ActivityProject})
	env.RegisterActivityWithOptions(clock.Schedule, activity.RegisterOptions{Name: workflows.ActivitySchedule})
	env.RegisterActivityWithOptions(clock.Measure, activity.RegisterOptions{Name: workflows.ActivityMeasure})
	env.RegisterWorkflow(workflows.DeliverNotification)
	env.RegisterWorkflowWithOptions(stepsProcess, workflow.RegisterOptions{Name: "StepsProcess"})
	return &harness{t: t, env: env, rm: rm}
}

// after runs fn once d of workflow time has passed since the start.
func (h *harness) after(d time.Duration, fn func()) {
	h.env.RegisterDelayedCallback(fn, d)
}

// script runs the actions one minute apart from start: updates complete asynchronously, so an
// action that depends on the previous one's effect goes in the next slot.
func (h *harness) script(start time.Duration, actions ...func()) {
	for i, a := range actions {
		h.after(start+time.Duration(i)*time.Minute, a)
	}
}

// reply is the eventual answer to an update.
type reply struct {
	name string
	done bool
	err  error
	// want: "" for success, else the rejection type; field: the field the rejection names
	want, field string
}

// send sends an update; its answer arrives after the current callback returns.
func (h *harness) send(name string, arg any, want, field string) *reply {
	r := &reply{name: name, want: want, field: field}
	h.replies = append(h.replies, r)
	h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   func(err error) { r.err, r.done = err, true },
		OnComplete: func(_ any, err error) { r.err, r.done = err, true },
	}, arg)
	return r
}

// ok sends an update that must succeed; rejected one that must be refused with errType.
func (h *harness) ok(name string, arg any) *reply { return h.send(name, arg, "", "") }
func (h *harness) rejected(name string, arg any, errType string) *reply {
	return h.send(name, arg, errType, "")
}

// decide sends a decision on the newest task of step in dept.
func (h *harness) decide(step, dept string, outcome domain.Outcome, comment string, by workflows.Actor) *reply {
	task := h.rm.task(h.t, step, dept)
	return h.ok(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: outcome, Comment: comment, Actor: by})
}

// decideRefused sends a decision that must be refused with errType (naming field, if given).
func (h *harness) decideRefused(d workflows.Decision, errType, field string) *reply {
	return h.send(workflows.UpdateDecide, d, errType, field)
}

// verify checks every update got the answer the test expected.
func (h *harness) verify() {
	h.t.Helper()
	for _, r := range h.replies {
		if !assert.True(h.t, r.done, "update %s got no answer", r.name) {
			continue
		}
		if r.want == "" {
			assert.NoError(h.t, r.err, "update %s", r.name)
			continue
		}
		typ, msg, field, ok := workflows.Rejection(r.err)
		if assert.True(h.t, ok, "update %s: want a %s rejection, got %v", r.name, r.want, r.err) {
			assert.Equal(h.t, r.want, typ, "update %s: %s", r.name, msg)
			if r.field != "" {
				assert.Equal(h.t, r.field, field, "update %s names the field", r.name)
			}
		}
	}
}

func staff(username, role, dept string) workflows.Actor {
	return workflows.Actor{UserID: "usr_" + username, Username: username, Name: username, Role: role, Department: dept}
}

var applicant = workflows.Actor{UserID: "usr_li", Username: "applicant.li", Name: "李明", Role: workflows.RoleApplicant}

// stepsInput configures stepsProcess, a minimal process that runs a sequence of steps, so that
// engine rules are tested apart from any real process.
type stepsInput struct {
	CaseID         string
	Steps          []stepConfig
	CorrectionDays float64
}

type stepConfig struct {
	Key, Name     string
	Mode          workflows.Mode
	Departments   []string
	Users         []string
	Threshold     int
	WaitForAll    bool
	LimitDays     float64
	ReturnTargets []string
	CC            []workflows.Recipient
}

type stepsResult struct {
	State     string
	Approved  bool
	Expired   bool
	LastStep  string
	LastClass domain.Outcome
}

func stepsProcess(ctx workflow.Context, in stepsInput) (stepsResult, error) {
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: in.CaseID, Process: "test", Title: "测试案件", Applicant: applicant})
	if err != nil {
		return stepsResult{}, err
	}
	var out stepsResult
	state, err := c.Run(func(ctx workflow.Context) (string, error) {
		c.AllowWithdraw(true)
		var specs []workflows.StepSpec
		for _, s := range in.Steps {
			spec := workflows.StepSpec{Key: s.Key, Name: s.Name, Mode: s.Mode, Threshold: s.Threshold,
				WaitForAll: s.WaitForAll, LimitDays: s.LimitDays, ReturnTargets: s.ReturnTargets, State: "in_" + s.Key, CC: s.CC}
			for i, d := range s.Departments {
				sg := workflows.Signer{Department: d}
				if i < len(s.Users) {
					sg.User = s.Users[i]
				}
				spec.Signers = append(spec.Signers, sg)
			}
			specs = append(specs, spec)
		}
		flow, err := c.RunFlow(ctx, specs, in.CorrectionDays)
		if err != nil {
			return "", err
		}
		out.Approved, out.Expired = flow.Approved, flow.Expired
		out.LastStep, out.LastClass = flow.Last.Step, flow.Last.Class
		switch {
		case flow.Expired:
			return workflows.StateExpired, nil
		case flow.Approved:
			return "approved", nil
		}
		return workflows.StateRejected, nil
	})
	out.State = state
	return out, err
}

func (h *harness) runSteps(in stepsInput) stepsResult {
	h.t.Helper()
	if in.CaseID == "" {
		in.CaseID = "case_test"
	}
	if in.CorrectionDays == 0 {
		in.CorrectionDays = 10
	}
	h.env.ExecuteWorkflow("StepsProcess", in)
	require.True(h.t, h.env.IsWorkflowCompleted(), "workflow did not complete")
	require.NoError(h.t, h.env.GetWorkflowError())
	var res stepsResult
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	h.verify()
	return res
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}
