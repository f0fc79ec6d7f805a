package monitoring_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"talentflow/activities"
	"talentflow/internal/app"
	"talentflow/internal/app/apptest"
	"talentflow/internal/app/monitoring"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	ledger "talentflow/internal/store/subsidy"
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

	s := monitoring.New(w.App, "阳谷县", monitoring.Labels{})
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
	assert.Equal(t, 5.0, *hrss.MedianHours, "median of 1..10 hours")
	assert.Equal(t, 10.0, *hrss.P90Hours, "p90 of 1..10 hours: 9 lies in the bucket up to 10")
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

	// A case's first write by its workflow starts it in the trend, its close finishes it: once.
	p := &activities.Projector{DB: w.DB, Log: slog.New(slog.DiscardHandler)}
	view := workflows.CaseView{ID: "case_trend", Process: "subsidy", State: "confirming", Title: "t",
		ApplicantID: w.As("applicant.li").User.ID, WorkflowID: "subsidy:case_trend", Rev: 1}
	for range 2 {
		_, err = p.Project(ctx, workflows.Projection{Case: &view})
		require.NoError(t, err)
	}
	view.Rev, view.State, view.Closed = 2, "completed", true
	for range 2 {
		_, err = p.Project(ctx, workflows.Projection{Case: &view})
		require.NoError(t, err)
	}
	today := time.Now().In(domain.ChinaTime).Format(time.DateOnly)
	d, err = s.Dashboard(ctx, w.As("lgo.staff"), monitoring.Query{From: today, To: today, Process: "subsidy"})
	require.NoError(t, err)
	require.Len(t, d.Processes, 1)
	assert.Equal(t, [2]int64{1, 1}, [2]int64{d.Processes[0].Started, d.Processes[0].Finished})
	assert.Equal(t, int64(1), d.Processes[0].States["completed"])

	_, err = s.Dashboard(ctx, w.As("lgo.staff"), monitoring.Query{From: "2026-04-01", To: "2026-03-01"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err))
	_, err = s.Dashboard(ctx, w.As("lgo.staff"), monitoring.Query{Process: "nope"})
	assert.Equal(t, app.KindInvalid, apptest.Kind(err))
}

func TestQuantilesReadFromHandlingTimeBuckets(t *testing.T) {
	for _, h := range []float64{0, 0.3, 1, 7.9, 8, 30, 300} {
		b := store.HourBucket(h)
		rep := store.BucketHours(b)
		assert.GreaterOrEqual(t, rep, h, "a bucket stands for at most its upper end")
		if h > 1 {
			assert.InEpsilon(t, h, rep, 0.35, "%g hours stands as %g", h, rep)
		}
	}
	assert.Equal(t, store.Buckets-1, store.HourBucket(5000), "the longest land in the last bucket")
	_ = domain.ChinaTime
}

// TestTheJointMeetingWorkbookMatchesTheDashboard opens the quarter's XLSX again and finds the
// dashboard's figures in it, with money in yuan; the CSV carries the same tables.
func TestTheJointMeetingWorkbookMatchesTheDashboard(t *testing.T) {
	w := apptest.New(t)
	ctx := context.Background()
	now := time.Now().UTC()
	require.NoError(t, w.DB.Create(&store.Case{ID: "case_m", Process: "introduction", State: "in_review", Title: "m",
		ApplicantID: w.As("applicant.li").User.ID, WorkflowID: "intro:case_m", CreatedAt: now, UpdatedAt: now}).Error)
	day := time.Date(2026, 2, 2, 1, 0, 0, 0, time.UTC)
	project(t, w.DB,
		task("t1", "hrss", workflows.TaskDone, "", day, 2, 8), task("t2", "hrss", workflows.TaskDone, "", day, 4, 3),
		task("t3", "hrss", workflows.TaskOpen, workflows.WarningRed, day, 0, 0))
	require.NoError(t, w.DB.Create(&ledger.Policy{ID: "pol_living", Kind: "living", Name: "高层次人才生活补贴", Version: 1, Year: 2026,
		Categories: "A,B", AmountFen: `{"A":2000000,"B":1000000}`, Months: 36, BudgetFen: 123456789, ReservedFen: 2000000, PaidFen: 1000050,
		CreatedBy: "seed", CreatedAt: now}).Error)
	s := monitoring.New(w.App, "阳谷县", monitoring.Labels{Processes: map[string]string{"introduction": "人才引进认定"}})
	lgo := w.As("lgo.staff")
	d, err := s.Dashboard(ctx, lgo, monitoring.Query{From: "2026-01-01", To: "2026-03-31"})
	require.NoError(t, err)
	var hrss monitoring.DepartmentRow
	for _, r := range d.Departments {
		if r.Department == "hrss" {
			hrss = r
		}
	}
	require.Equal(t, int64(2), hrss.Done)

	r, err := s.QuarterlyReport(ctx, lgo, monitoring.ReportQuery{Year: 2026, Quarter: 1, Format: "xlsx"})
	require.NoError(t, err)
	assert.Equal(t, "talent-work-2026-Q1.xlsx", r.Filename)
	f, err := excelize.OpenReader(bytes.NewReader(r.Data))
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{"部门绩效", "流程吞吐", "补贴支出", "联系考核"}, f.GetSheetList())
	title, _ := f.GetCellValue("部门绩效", "A1")
	assert.Equal(t, "阳谷县人才工作联席会 2026年第1季度（2026-01-01 至 2026-03-31）", title)
	sheet, err := f.GetRows("部门绩效")
	require.NoError(t, err)
	var row []string
	for _, r := range sheet[2:] {
		if strings.Contains(r[0], "（hrss）") {
			row = r
		}
	}
	require.NotNil(t, row, "hrss has a row")
	assert.Equal(t, []string{fmt.Sprint(hrss.Open), fmt.Sprint(hrss.Yellow), fmt.Sprint(hrss.Red), fmt.Sprint(hrss.Done)}, row[1:5])
	assert.Equal(t, fmt.Sprintf("%.1f", *hrss.MedianHours), row[5])
	assert.Equal(t, fmt.Sprintf("%.1f", *hrss.OnTimePct), row[7])
	budget, err := f.GetCellValue("补贴支出", "D3")
	require.NoError(t, err)
	assert.Equal(t, "1,234,567.89", budget, "fen shown in yuan")
	paid, _ := f.GetCellValue("补贴支出", "F3")
	assert.Equal(t, "10,000.50", paid)
	procs, _ := f.GetRows("流程吞吐")
	assert.Equal(t, "人才引进认定", procs[2][0])

	c, err := s.QuarterlyReport(ctx, lgo, monitoring.ReportQuery{Year: 2026, Quarter: 1, Format: "csv"})
	require.NoError(t, err)
	text := string(c.Data)
	assert.True(t, strings.HasPrefix(text, "\ufeff阳谷县人才工作联席会"), "UTF-8 with BOM and the title")
	assert.Contains(t, text, "补贴支出\n补贴政策,年度")
	assert.Contains(t, text, "高层次人才生活补贴,2026,1,1234567.89,20000.00,10000.50,0.8", "yuan with two decimals")
	assert.Contains(t, text, "县人力资源和社会保障局（hrss）,1,0,1,2,2.0,4.0,50.0")

	_, err = s.QuarterlyReport(ctx, lgo, monitoring.ReportQuery{Year: 2026, Quarter: 5})
	assert.Equal(t, "quarter", apptestField(err))
}

func apptestField(err error) string {
	var e *app.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
