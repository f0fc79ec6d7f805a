// Package monitoring is the leading group's view across the three processes (督办): per
// department open, yellow and red tasks, decided tasks with their median and p90 handling time
// in working hours and the share decided on time; per process cases by state and a weekly
// trend; subsidy budgets; liaison contacts; demands — each number with the link to the list
// behind it. Everything is read from indexed tables and the daily aggregates the projection
// keeps (task_stats), never from Temporal.
package monitoring

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/app"
	appl "talentflow/internal/app/liaison"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
)

// Service is the monitoring use cases.
type Service struct {
	*app.App
	// County names the county on reports; Labels name processes and states.
	County string
	Labels Labels
}

// New is the monitoring use cases.
func New(a *app.App, county string, labels Labels) *Service {
	return &Service{App: a, County: county, Labels: labels}
}

// Query is the period and the filters of the dashboard.
type Query struct {
	// From and To are days (China time), both included; by default the 90 days to today.
	From       string          `query:"from" validate:"omitempty,datetime=2006-01-02"`
	To         string          `query:"to" validate:"omitempty,datetime=2006-01-02"`
	Department string          `query:"department" validate:"max=40"`
	Process    app.ProcessName `query:"process"`
}

// Period is a query's days and instants.
type Period struct {
	From, To     string    // YYYY-MM-DD
	Start, Until time.Time // [Start, Until)
}

// Resolve checks a query and fills in its period.
func (s *Service) Resolve(q Query) (Period, error) {
	if err := app.Check(q); err != nil {
		return Period{}, err
	}
	if err := s.KnownProcess(q.Process); err != nil {
		return Period{}, err
	}
	today := domain.Date(s.Time())
	to, from := today, today.AddDate(0, 0, -89)
	if q.To != "" {
		to, _ = domain.ParseDate(q.To)
	}
	if q.From != "" {
		from, _ = domain.ParseDate(q.From)
	} else if q.To != "" {
		from = to.AddDate(0, 0, -89)
	}
	if from.After(to) {
		return Period{}, app.Invalid("from", "from %s is after to %s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	if to.Sub(from) > 3*366*24*time.Hour {
		return Period{}, app.Invalid("from", "a period is at most three years")
	}
	return Period{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Start: from.UTC(), Until: to.AddDate(0, 0, 1).UTC()}, nil
}

// Dashboard is the leading group's page.
type Dashboard struct {
	From        string          `json:"from"`
	To          string          `json:"to"`
	Departments []DepartmentRow `json:"departments"`
	Processes   []ProcessRow    `json:"processes"`
	Subsidies   []SubsidyRow    `json:"subsidies"`
	Liaison     LiaisonSummary  `json:"liaison"`
	Demands     DemandSummary   `json:"demands"`
}

// Drill names, for each number of a row, the API list behind it.
type Drill map[string]string

// DepartmentRow is one department's tasks: open now (and of those yellow and red), decided in
// the period, how long they took in working hours, the share decided by their deadline.
type DepartmentRow struct {
	Department  string   `json:"department"`
	Name        string   `json:"name"`
	Open        int64    `json:"open"`
	Yellow      int64    `json:"yellow"`
	Red         int64    `json:"red"`
	Done        int64    `json:"done"`
	MedianHours *float64 `json:"median_hours"`
	P90Hours    *float64 `json:"p90_hours"`
	OnTimePct   *float64 `json:"on_time_pct"`
	Drill       Drill    `json:"drill"`
}

// ProcessRow is one process's cases by state now, and started and finished per week of the
// period.
type ProcessRow struct {
	Process  app.ProcessName  `json:"process"`
	States   map[string]int64 `json:"states"`
	Started  int64            `json:"started"`
	Finished int64            `json:"finished"`
	Weeks    []WeekRow        `json:"weeks"`
	Drill    Drill            `json:"drill"`
}

// WeekRow is one week (from its Monday) of a process's trend.
type WeekRow struct {
	Week     string `json:"week"`
	Started  int64  `json:"started"`
	Finished int64  `json:"finished"`
}

// SubsidyRow is one policy version's budget.
type SubsidyRow struct {
	PolicyID    string             `json:"policy_id"`
	Name        string             `json:"name"`
	Kind        domain.SubsidyKind `json:"kind"`
	Version     int                `json:"version"`
	Year        int                `json:"year"`
	BudgetFen   int64              `json:"budget_fen"`
	ReservedFen int64              `json:"reserved_fen"`
	PaidFen     int64              `json:"paid_fen"`
	Drill       Drill              `json:"drill"`
}

// LiaisonSummary is the liaison compliance of the year the period ends in.
type LiaisonSummary struct {
	Year            int                     `json:"year"`
	ContactsDone    int                     `json:"contacts_done"`
	ContactsDue     int                     `json:"contacts_due"`
	OverduePairings int                     `json:"overdue_pairings"`
	Leaders         []appl.LeaderCompliance `json:"leaders"`
	Drill           Drill                   `json:"drill"`
}

// DemandSummary is the demands raised in the period.
type DemandSummary struct {
	Open        int64    `json:"open"`
	Closed      int64    `json:"closed"`
	Overdue     int64    `json:"overdue"`
	AvgRating   *float64 `json:"avg_rating"`
	MedianHours *float64 `json:"median_resolution_hours"`
	Drill       Drill    `json:"drill"`
}

// Dashboard reads the leading group's page for the period and filters.
func (s *Service) Dashboard(ctx context.Context, p *authz.Principal, q Query) (Dashboard, error) {
	per, err := s.Resolve(q)
	if err != nil {
		return Dashboard{}, err
	}
	d, err := Read(ctx, s.DB.DB, per, q.Department, string(q.Process))
	if err != nil {
		return Dashboard{}, s.Unavailable(ctx, "the database", err)
	}
	return d, nil
}

// Read computes the dashboard from the read model (also for the joint-meeting report).
func Read(ctx context.Context, gdb *gorm.DB, per Period, department, process string) (Dashboard, error) {
	db := gdb.WithContext(ctx)
	d := Dashboard{From: per.From, To: per.To}
	var err error
	if d.Departments, err = departments(db, per, department, process); err != nil {
		return d, fmt.Errorf("departments: %w", err)
	}
	if d.Processes, err = processes(db, per, process); err != nil {
		return d, fmt.Errorf("processes: %w", err)
	}
	if d.Subsidies, err = subsidies(db, per); err != nil {
		return d, fmt.Errorf("subsidies: %w", err)
	}
	year, _ := domain.ParseDate(per.To)
	c, err := appl.ComplianceOf(ctx, gdb, year.Year())
	if err != nil {
		return d, fmt.Errorf("liaison: %w", err)
	}
	d.Liaison = LiaisonSummary{Year: c.Year, ContactsDone: c.Total.ContactsDone, ContactsDue: c.Total.ContactsDue,
		OverduePairings: c.Total.Overdue, Leaders: c.Leaders,
		Drill: Drill{"overdue_pairings": "/api/v1/pairings?overdue=true", "contacts": fmt.Sprintf("/api/v1/liaison/compliance?year=%d", c.Year)}}
	if d.Demands, err = demands(db, per, department); err != nil {
		return d, fmt.Errorf("demands: %w", err)
	}
	return d, nil
}

func link(path string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		if params[i+1] != "" {
			v.Set(params[i], params[i+1])
		}
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

func departments(db *gorm.DB, per Period, department, process string) ([]DepartmentRow, error) {
	var names []store.Department
	if err := db.Find(&names).Error; err != nil {
		return nil, err
	}
	byCode := map[string]*DepartmentRow{}
	row := func(code string) *DepartmentRow {
		if byCode[code] == nil {
			byCode[code] = &DepartmentRow{Department: code}
		}
		return byCode[code]
	}
	// Open now, by warning: the covering index (state, department, warning).
	open := db.Model(&store.Task{}).Select("department, warning, COUNT(*) AS n").Where("state = ?", workflows.TaskOpen)
	if department != "" {
		open = open.Where("department = ?", department)
	}
	if process != "" {
		open = open.Where("process = ?", process)
	}
	var counts []struct {
		Department, Warning string
		N                   int64
	}
	if err := open.Group("department, warning").Scan(&counts).Error; err != nil {
		return nil, err
	}
	for _, c := range counts {
		r := row(c.Department)
		r.Open += c.N
		switch c.Warning {
		case workflows.WarningYellow:
			r.Yellow += c.N
		case workflows.WarningRed:
			r.Red += c.N
		}
	}
	// Decided in the period: the daily aggregates.
	sums, err := store.SumStats(db, per.From, per.To, department, process)
	if err != nil {
		return nil, err
	}
	for code, st := range sums {
		row(code).Done = st.Done
	}
	out := []DepartmentRow{}
	for code, r := range byCode {
		for _, n := range names {
			if n.Code == code {
				r.Name = n.Name
			}
		}
		st := sums[code]
		r.MedianHours = quantile(st.Hist, 0.5)
		r.P90Hours = quantile(st.Hist, 0.9)
		if st.Timed > 0 {
			r.OnTimePct = round1(100 * float64(st.OnTime) / float64(st.Timed))
		}
		base := link("/api/v1/tasks", "scope", "department", "department", code, "process", process)
		r.Drill = Drill{
			"open":   base + "&state=open",
			"yellow": base + "&state=open&warning=yellow",
			"red":    base + "&state=open&warning=red",
			"done":   base + "&state=done&from=" + per.From + "&to=" + per.To,
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b DepartmentRow) int {
		// The latest first: most red, then most yellow, then most open.
		if a.Red != b.Red {
			return int(b.Red - a.Red)
		}
		if a.Yellow != b.Yellow {
			return int(b.Yellow - a.Yellow)
		}
		if a.Open != b.Open {
			return int(b.Open - a.Open)
		}
		return cmpString(a.Department, b.Department)
	})
	return out, nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// quantile reads the q-quantile of a handling-time histogram (nil when it is empty).
func quantile(h [store.Buckets]int64, q float64) *float64 {
	var total int64
	for _, n := range h {
		total += n
	}
	if total == 0 {
		return nil
	}
	need := max(int64(q*float64(total)+0.5), 1)
	var seen int64
	for b, n := range h {
		seen += n
		if seen >= need {
			return round1(store.BucketHours(b))
		}
	}
	return round1(store.BucketHours(store.Buckets - 1))
}

func round1(v float64) *float64 {
	r := float64(int64(v*10+0.5)) / 10
	return &r
}

func processes(db *gorm.DB, per Period, process string) ([]ProcessRow, error) {
	// Cases by state: the counts the database's triggers keep.
	q := db.Table("case_counts").Select("process, state, n").Where("n > 0")
	if process != "" {
		q = q.Where("process = ?", process)
	}
	var counts []struct {
		Process, State string
		N              int64
	}
	if err := q.Scan(&counts).Error; err != nil {
		return nil, err
	}
	byName := map[string]*ProcessRow{}
	rowOf := func(name string) *ProcessRow {
		if byName[name] == nil {
			byName[name] = &ProcessRow{Process: app.ProcessName(name), States: map[string]int64{}, Weeks: []WeekRow{},
				Drill: Drill{"cases": link("/api/v1/cases", "process", name)}}
		}
		return byName[name]
	}
	for _, c := range counts {
		rowOf(c.Process).States[c.State] += c.N
	}
	weeks := weekStarts(per)
	q = db.Model(&store.CaseStat{}).Select("process, day, SUM(started) AS started, SUM(finished) AS finished").
		Where("day BETWEEN ? AND ?", per.From, per.To)
	if process != "" {
		q = q.Where("process = ?", process)
	}
	var days []store.CaseStat
	if err := q.Group("process, day").Scan(&days).Error; err != nil {
		return nil, err
	}
	for _, d := range days {
		r := rowOf(d.Process)
		if len(r.Weeks) == 0 {
			for _, w := range weeks {
				r.Weeks = append(r.Weeks, WeekRow{Week: w})
			}
		}
		w := &r.Weeks[weekIndex(weeks, d.Day)]
		w.Started, w.Finished = w.Started+d.Started, w.Finished+d.Finished
		r.Started, r.Finished = r.Started+d.Started, r.Finished+d.Finished
	}
	out := []ProcessRow{}
	for _, r := range byName {
		if len(r.Weeks) == 0 {
			for _, w := range weeks {
				r.Weeks = append(r.Weeks, WeekRow{Week: w})
			}
		}
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ProcessRow) int { return cmpString(string(a.Process), string(b.Process)) })
	return out, nil
}

// weekStarts are the Mondays of the weeks the period touches.
func weekStarts(per Period) []string {
	from, _ := domain.ParseDate(per.From)
	to, _ := domain.ParseDate(per.To)
	monday := from.AddDate(0, 0, -((int(from.Weekday()) + 6) % 7))
	var out []string
	for d := monday; !d.After(to); d = d.AddDate(0, 0, 7) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}

func weekIndex(weeks []string, day string) int {
	i, found := slices.BinarySearch(weeks, day)
	if !found {
		i--
	}
	return min(max(i, 0), len(weeks)-1)
}

func subsidies(db *gorm.DB, per Period) ([]SubsidyRow, error) {
	from, _ := domain.ParseDate(per.From)
	to, _ := domain.ParseDate(per.To)
	var ps []ledger.Policy
	if err := db.Where("year BETWEEN ? AND ?", from.Year(), to.Year()).Order("year, kind, version").Find(&ps).Error; err != nil {
		return nil, err
	}
	out := []SubsidyRow{}
	for _, p := range ps {
		out = append(out, SubsidyRow{PolicyID: p.ID, Name: p.Name, Kind: domain.SubsidyKind(p.Kind), Version: p.Version, Year: p.Year,
			BudgetFen: p.BudgetFen, ReservedFen: p.ReservedFen, PaidFen: p.PaidFen,
			Drill: Drill{"budget": link("/api/v1/subsidy-budgets", "year", fmt.Sprint(p.Year)), "paid": "/api/v1/payments?state=paid"}})
	}
	return out, nil
}

func demands(db *gorm.DB, per Period, department string) (DemandSummary, error) {
	q := db.Model(&rows.Demand{}).Select("demands.resolved, demands.score, demands.created_at, demands.resolved_at, cases.warning").
		Joins("JOIN cases ON cases.id = demands.case_id").Where("demands.created_at >= ? AND demands.created_at < ?", per.Start, per.Until)
	if department != "" {
		q = q.Where("demands.department = ?", department)
	}
	var ds []struct {
		Resolved   bool
		Score      int
		CreatedAt  time.Time
		ResolvedAt *time.Time
		Warning    string
	}
	if err := q.Scan(&ds).Error; err != nil {
		return DemandSummary{}, err
	}
	out := DemandSummary{Drill: Drill{"open": link("/api/v1/demands", "status", "open", "department", department),
		"overdue": link("/api/v1/demands", "status", "open", "overdue", "true", "department", department),
		"closed":  link("/api/v1/demands", "status", "closed", "department", department)}}
	var tally appl.DemandTally
	for _, d := range ds {
		tally.Add(rows.Demand{Resolved: d.Resolved, Score: d.Score, CreatedAt: d.CreatedAt, ResolvedAt: d.ResolvedAt}, d.Warning == workflows.WarningRed)
	}
	st := tally.Stats()
	out.Open, out.Closed, out.Overdue = int64(st.DemandsOpen), int64(st.DemandsClosed), int64(st.DemandsOverdue)
	out.AvgRating, out.MedianHours = st.AvgRating, st.MedianHours
	return out, nil
}
