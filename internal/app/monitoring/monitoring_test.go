package monitoring_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/activities"
	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/monitoring"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	"talentflow/workflows"
)

// project writes tasks as the engine's projection does, with handling times measured as
// whole hours of wall-clock time (the calendar is the clock's business, tested elsewhere).
func project(t *testing.T, db *store.DB, tasks ...workflows.TaskView) {
	p := &activities.Projector{DB: db, Log: slog.New(slog.DiscardHandler), Hours: func(from, to time.Time) float64 { return to.Sub(from).Hours() }}
	for _, tv := range tasks {
		tv.Rev++
		_, err := p.Project(context.Background(), workflows.Projection{Tasks: []workflows.TaskView{tv}})
		require.NoError(t, err)
	}
}

func task(id, dept, state, warning string, opened time.Time, hours float64, deadlineAfter float64) workflows.TaskView {
	tv := workflows.TaskView{ID: id, CaseID: "case_m", Process: "introduction", Step: "review", StepName: "会签", Attempt: 1,
		Mode: workflows.ModeSingle, Department: dept, Role: "approver", State: state, Warning: warning, OpenedAt: opened}
	if deadlineAfter > 0 {
		tv.Deadline = workflows.TimePtr(opened.Add(time.Duration(deadlineAfter * float64(time.Hour))))
	}
	if state == workflows.TaskDone {
		tv.DecidedAt = workflows.TimePtr(opened.Add(time.Duration(hours * float64(time.Hour))))
	}
	return tv
}

// TestTheDashboardCountsOpenWarnedAndDecidedTasksPerDepartment: open tasks by warning now;
// tasks decided in the period with their median and p90 handling time and the share decided
// by the deadline; a projection retried counts a decision once; a decision outside the period
// does not count.
func TestTheDashboardCountsOpenWarnedAndDecidedTasksPerDepartment(t *testing.T) {
	w := apptest.New(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, w.DB.Create(&store.Case{ID: "case_m", Process: "introduction", State: "in_review", Title: "m",
		ApplicantID: w.As("applicant.li").User.ID, WorkflowID: "intro:case_m", CreatedAt: now, UpdatedAt: now}).Error)
	day := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // Monday 09:00 China time
	var tasks []workflows.TaskView
	// hrss: ten decided tasks taking 1..10 hours, deadlines of 5 hours: five on time.
	for i := 1; i <= 10; i++ {
		tasks = append(tasks, task("hrss-d"+string(rune('a'+i)), "hrss", workflows.TaskDone, "", day, float64(i), 5))
	}
	tasks = append(tasks,
		task("hrss-o1", "hrss", workflows.TaskOpen, "", day, 0, 0),
		task("hrss-o2", "hrss", workflows.TaskOpen, workflows.WarningYellow, day, 0, 0),
		task("hrss-o3", "hrss", workflows.TaskOpen, workflows.WarningRed, day, 0, 0),
		task("sci-o1", "sci", workflows.TaskOpen, workflows.WarningRed, day, 0, 0),
		task("sci-o2", "sci", workflows.TaskOpen, workflows.WarningRed, day, 0, 0),
		// Decided long before the period: not counted as done in it.
		task("sci-old", "sci", workflows.TaskDone, "", day.AddDate(-1, 0, 0), 3, 0),
	)
	project(t, w.DB, tasks...)
	project(t, w.DB, tasks[0], tasks[1]) // a retried projection

	s := monitoring.New(w.App)
	d, err := s.Dashboard(ctx, w.As("lgo.staff"), monitoring.Query{From: "2026-03-01", To: "2026-03-31"})
	require.NoError(t, err)
	rows := map[string]monitoring.DepartmentRow{}
	for _, r := range d.Departments {
		rows[r.Department] = r
	}
	hrss, sci := rows["hrss"], rows["sci"]
	assert.Equal(t, [5]int64{3, 1, 1, 10, 0}, [5]int64{hrss.Open, hrss.Yellow, hrss.Red, hrss.Done, 0})
	require.NotNil(t, hrss.MedianHours)
	require.NotNil(t, hrss.P90Hours)
	assert.InDelta(t, 5.5, *hrss.MedianHours, 1, "median of 1..10 hours")
	assert.InDelta(t, 9, *hrss.P90Hours, 1.5, "p90 of 1..10 hours")
	require.NotNil(t, hrss.OnTimePct)
	assert.Equal(t, 50.0, *hrss.OnTimePct)
	assert.Equal(t, int64(2), sci.Red)
	assert.Zero(t, sci.Done)
	assert.Nil(t, sci.MedianHours)
	assert.Equal(t, "sci", d.Departments[0].Department, "the department with most red first")
	assert.Contains(t, hrss.Drill["red"], "department=hrss")
	assert.Contains(t, hrss.Drill["red"], "warning=red")
	assert.Equal(t, "县人力资源和社会保障局", hrss.Name)

	// A department filter.
	d, err = s.Dashboard(ctx, w.As("leader.wang"), monitoring.Query{From: "2026-03-01", To: "2026-03-31", Department: "sci"})
	require.NoError(t, err)
	require.Len(t, d.Departments, 1)
	assert.Equal(t, "sci", d.Departments[0].Department)

	// The process row: cases by state, the weeks of the period.
	var intro monitoring.ProcessRow
	for _, p := range d.Processes {
		if p.Process == "introduction" {
			intro = p
		}
	}
	assert.Equal(t, int64(1), intro.States["in_review"])
	assert.Len(t, intro.Weeks, 6, "March 2026 touches six weeks from Monday 23 February")

	_, err = s.Dashboard(ctx, w.As("lgo.staff"), monitoring.Query{From: "2026-04-01", To: "2026-03-01"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err))
	_, err = s.Dashboard(ctx, w.As("lgo.staff"), monitoring.Query{Process: "nope"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err))
}

func TestQuantilesReadFromHandlingTimeBuckets(t *testing.T) {
	for _, h := range []float64{0, 0.3, 1, 7.9, 8, 30, 500, 5000} {
		b := store.HourBucket(h)
		rep := store.BucketHours(b)
		if h > 1 && h < 1600 {
			assert.InEpsilon(t, h, rep, 0.35, "%g hours stands as %g", h, rep)
		}
	}
	_ = domain.ChinaTime
}
