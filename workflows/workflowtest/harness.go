// Package workflowtest runs case workflows in Temporal's test environment with time skipping,
// behind a fake read model that keeps what the engine projected, for every process's tests.
package workflowtest

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
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"talentflow/activities"
	"talentflow/internal/calendar"
	"talentflow/internal/domain"
	"talentflow/workflows"
)

// Zone is China Standard Time, where the tests read deadlines.
var Zone = calendar.Zone

// At is a time in China Standard Time, "2006-01-02 15:04".
func At(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, Zone)
	if err != nil {
		panic(err)
	}
	return t
}

// ReadModel stands in for the database behind the projection activity: it keeps what the
// engine projected, so tests assert on what the API would serve.
type ReadModel struct {
	mu            sync.Mutex
	Cases         map[string]workflows.CaseView
	Tasks         map[string]workflows.TaskView
	Order         []string
	Events        []workflows.Event
	Audit         []workflows.AuditEntry
	Notifications []workflows.NotificationRequest
	Projections   int
	// caseRevs is every case revision projected, in order; storedRevs the stored revision after
	// each projection. taskClashes counts task revisions (and eventClashes event ids) that
	// arrived twice with different content: a reused key the database would silently drop.
	CaseRevs     []int64
	StoredRevs   []int64
	TaskClashes  int
	TaskRevs     map[string]workflows.TaskView
	EventClashes int
	// Attachments are the files decisions cited; AttachedWith, the task rows written in the
	// same projection as each file.
	Attachments  []workflows.AttachmentLink
	AttachedWith map[string][]workflows.TaskView
}

// NewReadModel is an empty read model.
func NewReadModel() *ReadModel {
	return &ReadModel{Cases: map[string]workflows.CaseView{}, Tasks: map[string]workflows.TaskView{},
		TaskRevs: map[string]workflows.TaskView{}, AttachedWith: map[string][]workflows.TaskView{}}
}

func (rm *ReadModel) Project(_ context.Context, p workflows.Projection) (workflows.ProjectionResult, error) {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	rm.Projections++
	if p.Case != nil {
		rm.CaseRevs = append(rm.CaseRevs, p.Case.Rev)
		if p.Case.Rev > rm.Cases[p.Case.ID].Rev {
			rm.Cases[p.Case.ID] = *p.Case
		}
		rm.StoredRevs = append(rm.StoredRevs, rm.Cases[p.Case.ID].Rev)
	}
	for _, t := range p.Tasks {
		old, seen := rm.Tasks[t.ID]
		if !seen {
			rm.Order = append(rm.Order, t.ID)
		}
		if t.Rev > old.Rev {
			rm.Tasks[t.ID] = t
		}
		key := fmt.Sprintf("%s@%d", t.ID, t.Rev)
		if prev, seen := rm.TaskRevs[key]; seen && !reflect.DeepEqual(prev, t) {
			rm.TaskClashes++
		}
		rm.TaskRevs[key] = t
	}
	for _, e := range p.Events {
		i := slices.IndexFunc(rm.Events, func(x workflows.Event) bool { return x.ID == e.ID })
		switch {
		case i < 0:
			rm.Events = append(rm.Events, e)
		case rm.Events[i] != e:
			rm.EventClashes++
		}
	}
	rm.Audit = append(rm.Audit, p.Audit...)
	for _, l := range p.Attachments {
		rm.Attachments = append(rm.Attachments, l)
		rm.AttachedWith[l.SHA256] = p.Tasks
	}
	rm.Notifications = append(rm.Notifications, p.Notifications...)
	return workflows.ProjectionResult{}, nil
}

// task returns the newest task of step in department (any state).
func (rm *ReadModel) Task(t *testing.T, step, dept string) workflows.TaskView {
	t.Helper()
	rm.mu.Lock()
	defer rm.mu.Unlock()
	for i := len(rm.Order) - 1; i >= 0; i-- {
		tv := rm.Tasks[rm.Order[i]]
		if tv.Step == step && tv.Department == dept {
			return tv
		}
	}
	t.Fatalf("no task of step %s in %s; tasks: %v", step, dept, rm.Describe())
	return workflows.TaskView{}
}

func (rm *ReadModel) OpenTasks() []workflows.TaskView {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []workflows.TaskView
	for _, id := range rm.Order {
		if tv := rm.Tasks[id]; tv.State == workflows.TaskOpen {
			out = append(out, tv)
		}
	}
	return out
}

func (rm *ReadModel) CaseView(id string) workflows.CaseView {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	return rm.Cases[id]
}

func (rm *ReadModel) EventsOf(kind string) []workflows.Event {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []workflows.Event
	for _, e := range rm.Events {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func (rm *ReadModel) NotificationsOf(kind string) []workflows.NotificationRequest {
	rm.mu.Lock()
	defer rm.mu.Unlock()
	var out []workflows.NotificationRequest
	for _, n := range rm.Notifications {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func (rm *ReadModel) Describe() string {
	var b strings.Builder
	for _, id := range rm.Order {
		t := rm.Tasks[id]
		fmt.Fprintf(&b, "[%s %s/%s %s %s] ", t.ID, t.Step, t.Department, t.State, t.Outcome)
	}
	return b.String()
}

// Harness runs one case workflow in Temporal's test environment with time skipping.
type Harness struct {
	T       *testing.T
	Env     *testsuite.TestWorkflowEnvironment
	RM      *ReadModel
	Replies []*Reply
}

func NewHarness(t *testing.T, start time.Time) *Harness {
	t.Helper()
	return NewHarnessOn(t, start, NewReadModel())
}

// NewHarnessOn runs on an existing read model: the next run of a case that continued as new.
func NewHarnessOn(t *testing.T, start time.Time, rm *ReadModel) *Harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(nopLogger{})
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{workflows.DurableUpdates()}})
	cal, err := calendar.Default()
	require.NoError(t, err)
	clock := &activities.Clock{Calendar: cal, Scale: 1, YellowShare: 2.0 / 3, LGODelayDays: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	env.RegisterActivityWithOptions(workflows.Checkpoint, activity.RegisterOptions{Name: workflows.ActivityCheckpoint})
	env.RegisterActivityWithOptions(rm.Project, activity.RegisterOptions{Name: workflows.ActivityProject})
	env.RegisterActivityWithOptions(clock.Schedule, activity.RegisterOptions{Name: workflows.ActivitySchedule})
	env.RegisterActivityWithOptions(clock.Measure, activity.RegisterOptions{Name: workflows.ActivityMeasure})
	env.RegisterWorkflow(workflows.DeliverNotification)
	return &Harness{T: t, Env: env, RM: rm}
}

// After runs fn once d of workflow time has passed since the start.
func (h *Harness) After(d time.Duration, fn func()) {
	h.Env.RegisterDelayedCallback(fn, d)
}

// Script runs the actions one minute apart from start: updates complete asynchronously, so an
// action that depends on the previous one's effect goes in the next slot.
func (h *Harness) Script(start time.Duration, actions ...func()) {
	for i, a := range actions {
		h.After(start+time.Duration(i)*time.Minute, a)
	}
}

// Reply is the eventual answer to an update.
type Reply struct {
	Name string
	Done bool
	Err  error
	// Want: "" for success, else the rejection type; Field: the field the rejection names.
	Want, Field string
}

// Send sends an update; its answer arrives after the current callback returns.
func (h *Harness) Send(name string, arg any, want, field string) *Reply {
	r := &Reply{Name: name, Want: want, Field: field}
	h.Replies = append(h.Replies, r)
	h.Env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   func(err error) { r.Err, r.Done = err, true },
		OnComplete: func(_ any, err error) { r.Err, r.Done = err, true },
	}, arg)
	return r
}

// OK sends an update that must succeed; rejected one that must be refused with errType.
func (h *Harness) OK(name string, arg any) *Reply { return h.Send(name, arg, "", "") }
func (h *Harness) Rejected(name string, arg any, errType string) *Reply {
	return h.Send(name, arg, errType, "")
}

// Decide sends a decision on the newest task of step in dept.
func (h *Harness) Decide(step, dept string, outcome domain.Outcome, comment string, by workflows.Actor) *Reply {
	task := h.RM.Task(h.T, step, dept)
	return h.OK(workflows.UpdateDecide, workflows.Decision{TaskID: task.ID, Outcome: outcome, Comment: comment, Actor: by})
}

// DecideRefused sends a decision that must be refused with errType (naming field, if given).
func (h *Harness) DecideRefused(d workflows.Decision, errType, field string) *Reply {
	return h.Send(workflows.UpdateDecide, d, errType, field)
}

// Verify checks every update got the answer the test expected.
func (h *Harness) Verify() {
	h.T.Helper()
	for _, r := range h.Replies {
		if !assert.True(h.T, r.Done, "update %s got no answer", r.Name) {
			continue
		}
		if r.Want == "" {
			assert.NoError(h.T, r.Err, "update %s", r.Name)
			continue
		}
		typ, msg, field, ok := workflows.Rejection(r.Err)
		if assert.True(h.T, ok, "update %s: want a %s rejection, got %v", r.Name, r.Want, r.Err) {
			assert.Equal(h.T, r.Want, typ, "update %s: %s", r.Name, msg)
			if r.Field != "" {
				assert.Equal(h.T, r.Field, field, "update %s names the field", r.Name)
			}
		}
	}
}

// Staff is a member of staff acting in role at dept.
func Staff(username, role, dept string) workflows.Actor {
	return workflows.Actor{UserID: "usr_" + username, Username: username, Name: username, Role: role, Department: dept}
}

// Applicant is the talent applying in the tests.
var Applicant = workflows.Actor{UserID: "usr_li", Username: "applicant.li", Name: "李明", Role: workflows.RoleApplicant}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}
