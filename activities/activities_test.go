package activities_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/activities"
	"talentflow/internal/app"
	"talentflow/internal/calendar"
	"talentflow/internal/inbox"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/workflows"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func seeded(t *testing.T) *store.DB {
	db := storetest.Open(t)
	require.NoError(t, app.SeedDepartments(context.Background(), db))
	now := time.Now().UTC()
	for _, u := range []struct{ id, name, role, dept string }{
		{"usr_li", "applicant.li", "applicant", "public"},
		{"usr_a", "hrss.a", "approver", "hrss"},
		{"usr_b", "hrss.b", "approver", "hrss"},
		{"usr_h", "hrss.head", "dept_head", "hrss"},
		{"usr_l", "lgo.staff", "lgo", "lgo"},
	} {
		require.NoError(t, db.Create(&store.User{ID: u.id, Username: u.name, DisplayName: u.name, PasswordHash: "x", Kind: "staff",
			CreatedAt: now, UpdatedAt: now}).Error)
		require.NoError(t, db.Create(&store.RoleAssignment{UserID: u.id, Role: u.role, Department: u.dept, GrantedBy: "t", GrantedAt: now}).Error)
	}
	return db
}

func projection(rev int64, state string) workflows.Projection {
	now := time.Now().UTC()
	return workflows.Projection{
		Case: &workflows.CaseView{ID: "case_p", Process: "introduction", State: state, ApplicantID: "usr_li", Rev: rev, WorkflowID: "intro:case_p"},
		Tasks: []workflows.TaskView{{ID: "case_p-t1", CaseID: "case_p", Process: "introduction", Step: "review", StepName: "审核",
			Attempt: 1, Mode: workflows.ModeSingle, Department: "hrss", Role: "approver", State: state, OpenedAt: now, Rev: rev}},
		Events: []workflows.Event{{ID: fmt.Sprintf("case_p-e%d", rev), CaseID: "case_p", At: now, Kind: "step_opened"}},
		Audit:  []workflows.AuditEntry{{DedupeKey: fmt.Sprintf("case_p-a%d", rev), At: now, Actor: "system", Action: "x", Object: "case/case_p"}},
		Notifications: []workflows.NotificationRequest{{Key: fmt.Sprintf("case_p-n%d", rev), Kind: workflows.NotifyReminder,
			To: []workflows.Recipient{{Department: "hrss", Role: "approver"}, {Username: "hrss.a"}}, CaseID: "case_p", Title: "提醒"}},
	}
}

func TestProjectionIsIdempotentAndNeverGoesBackwards(t *testing.T) {
	db := seeded(t)
	p := &activities.Projector{DB: db, Log: quiet}
	ctx := context.Background()
	_, err := p.Project(ctx, projection(2, "open"))
	require.NoError(t, err)
	_, err = p.Project(ctx, projection(2, "open")) // a retry
	require.NoError(t, err)
	_, err = p.Project(ctx, projection(1, "stale")) // an older write arriving late
	require.NoError(t, err)

	var c store.Case
	require.NoError(t, db.Where("id = ?", "case_p").Take(&c).Error)
	assert.Equal(t, "open", c.State)
	var task store.Task
	require.NoError(t, db.Where("id = ?", "case_p-t1").Take(&task).Error)
	assert.Equal(t, "open", task.State)
	assert.EqualValues(t, 2, task.Rev)

	var events, audits, notes int64
	db.Model(&store.CaseEvent{}).Count(&events)
	db.Model(&store.AuditRecord{}).Count(&audits)
	db.Model(&store.Notification{}).Where("kind = ?", workflows.NotifyReminder).Count(&notes)
	assert.EqualValues(t, 2, events, "rev 1 and rev 2, each once")
	assert.EqualValues(t, 2, audits)
	assert.EqualValues(t, 4, notes, "two approvers, twice; hrss.a named twice in one request gets one copy")
}

// TestTheEndOfATaskIsFinal: after a crash, a workflow task whose completion was lost may have
// written a revision the re-run never reaches again (the re-run met a decision sooner). The
// write that ends the task still wins, and nothing moves an ended task or case back.
func TestTheEndOfATaskIsFinal(t *testing.T) {
	db := seeded(t)
	p := &activities.Projector{DB: db, Log: quiet}
	ctx := context.Background()
	_, err := p.Project(ctx, projection(4, "open")) // the lost run's write, a revision too far
	require.NoError(t, err)
	done := projection(3, workflows.TaskDone) // the re-run decided earlier
	now := time.Now().UTC()
	done.Case.State, done.Case.Closed, done.Case.ClosedAt = "certified", true, &now
	_, err = p.Project(ctx, done)
	require.NoError(t, err)
	_, err = p.Project(ctx, projection(5, "open")) // anything later cannot reopen it
	require.NoError(t, err)

	var task store.Task
	require.NoError(t, db.Where("id = ?", "case_p-t1").Take(&task).Error)
	assert.Equal(t, workflows.TaskDone, task.State)
	assert.EqualValues(t, 3, task.Rev)
	var c store.Case
	require.NoError(t, db.Where("id = ?", "case_p").Take(&c).Error)
	assert.Equal(t, "certified", c.State)
	assert.NotNil(t, c.ClosedAt)
}

func TestADecisionAndItsFilesAreWrittenTogether(t *testing.T) {
	db := seeded(t)
	p := &activities.Projector{DB: db, Log: quiet}
	ctx := context.Background()
	decided := projection(1, workflows.TaskDone)
	sum := strings.Repeat("ab", 32)
	decided.Attachments = []workflows.AttachmentLink{{CaseID: "case_p", TaskID: "case_p-t1", SHA256: sum, AddedBy: "usr_a", At: time.Now()}}

	// The file is not stored: the link cannot be written, so the decided task is not either.
	_, err := p.Project(ctx, decided)
	require.Error(t, err)
	var tasks int64
	db.Model(&store.Task{}).Where("id = ?", "case_p-t1").Count(&tasks)
	assert.Zero(t, tasks, "no decided task without its files")

	require.NoError(t, db.Create(&store.Attachment{SHA256: sum, Size: 3, ContentType: "application/pdf", Name: "核查记录.pdf",
		UploadedBy: "usr_a", CreatedAt: time.Now()}).Error)
	_, err = p.Project(ctx, decided) // the retry
	require.NoError(t, err)
	var link store.CaseAttachment
	require.NoError(t, db.Where("case_id = ? AND sha256 = ?", "case_p", sum).Take(&link).Error)
	assert.Equal(t, "case_p-t1", link.TaskID)
	var task store.Task
	require.NoError(t, db.Where("id = ?", "case_p-t1").Take(&task).Error)
	assert.Equal(t, workflows.TaskDone, task.State)
}

func TestRecipientsResolveUsersAndRoles(t *testing.T) {
	db := seeded(t)
	users, err := inbox.Recipients(db.DB, []workflows.Recipient{{Role: "lgo"}, {Department: "hrss", Role: "dept_head"}, {Username: "hrss.head"}})
	require.NoError(t, err)
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	assert.Equal(t, []string{"lgo.staff", "hrss.head"}, names)
}

func TestClockScalesDurationsButNotWorkingDayArithmetic(t *testing.T) {
	cal, err := calendar.Default()
	require.NoError(t, err)
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Zone) // Monday
	req := []workflows.ScheduleRequest{{Start: start, LimitDays: 3}}
	real := &activities.Clock{Calendar: cal, Scale: 1, YellowShare: 2.0 / 3, LGODelayDays: 2, Log: quiet}
	fast := &activities.Clock{Calendar: cal, Scale: 0.001, YellowShare: 2.0 / 3, LGODelayDays: 2, Log: quiet}
	r, _ := real.Schedule(context.Background(), req)
	f, _ := fast.Schedule(context.Background(), req)
	assert.Equal(t, time.Date(2026, 3, 6, 0, 0, 0, 0, calendar.Zone), r[0].Deadline.In(calendar.Zone))
	assert.Equal(t, start.Add(time.Duration(float64(r[0].Deadline.Sub(start))*0.001)), f[0].Deadline)
	assert.True(t, f[0].YellowAt.Before(f[0].Deadline) && f[0].Deadline.Before(f[0].LGOAt))

	m, _ := fast.Measure(context.Background(), workflows.MeasureRequest{Intervals: []workflows.Interval{{From: start, To: f[0].Deadline}}})
	assert.InDelta(t, 3, m.WorkingDays[0], 1e-6, "measuring scaled time gives back working days")
}

func TestWebhookDeliveryIsSignedAndRetriedOnFailure(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	fail := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got, bodies = append(got, r), append(bodies, b)
		if fail {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	d := &activities.Deliverer{WebhookURL: srv.URL, WebhookSecret: []byte("shh")}
	del := workflows.Delivery{Key: "case_1-n1", Users: []string{"hrss.a"},
		Notice: workflows.NotificationRequest{Kind: workflows.NotifyEscalation, CaseID: "case_1", Title: "红牌督办"}}
	assert.Error(t, d.Webhook(context.Background(), del), "a failing receiver makes the activity retry")
	fail = false
	require.NoError(t, d.Webhook(context.Background(), del))
	assert.Equal(t, []string{workflows.ChannelWebhook}, d.Channels())
	require.Len(t, got, 2)
	assert.Equal(t, activities.Sign([]byte("shh"), bodies[1]), got[1].Header.Get(activities.SignatureHeader))
	assert.Equal(t, "case_1-n1", got[1].Header.Get("X-Talentflow-Delivery"))
	var payload map[string]any
	require.NoError(t, json.Unmarshal(bodies[1], &payload))
	assert.Equal(t, "红牌督办", payload["title"])
}
