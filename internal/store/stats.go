package store

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// HourEdges are the upper edges, in working hours, of the handling-time histogram kept per day,
// department and process (task_stats.b00 … b30; b31 counts the longer ones): half an hour
// apart in the first two hours, then growing, so that a median or p90 read from it is within a
// bucket of the true value.
var HourEdges = []float64{0.5, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32, 40, 48, 56, 64, 80, 96,
	120, 160, 200, 240, 320, 400, 800}

// Buckets is how many buckets the histogram has.
const Buckets = 32

// HourBucket is the bucket of a handling time in working hours.
func HourBucket(hours float64) int {
	return sort.SearchFloat64s(HourEdges, math.Max(hours, 0))
}

// BucketHours is the handling time a bucket stands for: the upper end of its range (a median
// read as "at most this long").
func BucketHours(b int) float64 {
	if b >= len(HourEdges) {
		return HourEdges[len(HourEdges)-1] * 1.25
	}
	return HourEdges[max(b, 0)]
}

// StatDay is the day (China time) a decision counts on.
func StatDay(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

var chinaTime = time.FixedZone("CST", 8*3600)

// DayStat is one row of task_stats: the tasks of a department and process decided on a day.
type DayStat struct {
	Day, Department, Process string
	Done, Timed, OnTime      int64
	Hist                     [Buckets]int64
}

// Add counts one decided task.
func (s *DayStat) Add(hours float64, deadline *time.Time, decided time.Time) {
	s.Done++
	s.Hist[HourBucket(hours)]++
	if deadline != nil {
		s.Timed++
		if !decided.After(*deadline) {
			s.OnTime++
		}
	}
}

func bucketColumns() []string {
	cols := make([]string, Buckets)
	for i := range cols {
		cols[i] = fmt.Sprintf("b%02d", i)
	}
	return cols
}

// CountDecision adds a decided task to the daily aggregates, once: a task already counted (a
// retried or replayed projection) changes nothing.
func CountDecision(tx *gorm.DB, t Task) error {
	if t.DecidedAt == nil || t.State != "done" {
		return nil
	}
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&taskCounted{TaskID: t.ID})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	hours := 0.0
	if t.WorkingHours != nil {
		hours = *t.WorkingHours
	}
	var s DayStat
	s.Add(hours, t.Deadline, *t.DecidedAt)
	b := fmt.Sprintf("b%02d", HourBucket(hours))
	err := tx.Exec("INSERT INTO task_stats (day, department, process, done, timed, on_time, "+b+") VALUES (?, ?, ?, 1, ?, ?, 1) "+
		"ON CONFLICT (day, department, process) DO UPDATE SET done = task_stats.done + 1, timed = task_stats.timed + excluded.timed, "+
		"on_time = task_stats.on_time + excluded.on_time, "+b+" = task_stats."+b+" + 1",
		StatDay(*t.DecidedAt), t.Department, t.Process, s.Timed, s.OnTime).Error
	if err != nil {
		return fmt.Errorf("task stats: %w", err)
	}
	return nil
}

// InsertDayStats writes whole rows of task_stats (seeding).
func InsertDayStats(tx *gorm.DB, rows []DayStat) error {
	cols := append([]string{"day", "department", "process", "done", "timed", "on_time"}, bucketColumns()...)
	for len(rows) > 0 {
		n := min(len(rows), 200)
		var sb strings.Builder
		args := make([]any, 0, n*len(cols))
		sb.WriteString("INSERT INTO task_stats (" + strings.Join(cols, ", ") + ") VALUES ")
		place := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		for i, r := range rows[:n] {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(place)
			args = append(args, r.Day, r.Department, r.Process, r.Done, r.Timed, r.OnTime)
			for _, h := range r.Hist {
				args = append(args, h)
			}
		}
		if err := tx.Exec(sb.String(), args...).Error; err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// SumStats adds up the days from..to (YYYY-MM-DD, included) per department, optionally of one
// department and one process.
func SumStats(db *gorm.DB, from, to, department, process string) (map[string]DayStat, error) {
	sums := make([]string, Buckets)
	for i, c := range bucketColumns() {
		sums[i] = "SUM(" + c + ")"
	}
	q := "SELECT department, SUM(done), SUM(timed), SUM(on_time), " + strings.Join(sums, ", ") +
		" FROM task_stats WHERE day BETWEEN ? AND ?"
	args := []any{from, to}
	if department != "" {
		q += " AND department = ?"
		args = append(args, department)
	}
	if process != "" {
		q += " AND process = ?"
		args = append(args, process)
	}
	rows, err := db.Raw(q+" GROUP BY department", args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]DayStat{}
	for rows.Next() {
		var s DayStat
		dest := []any{&s.Department, &s.Done, &s.Timed, &s.OnTime}
		for i := range s.Hist {
			dest = append(dest, &s.Hist[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[s.Department] = s
	}
	return out, rows.Err()
}

type taskCounted struct {
	TaskID string `gorm:"primaryKey"`
}

func (taskCounted) TableName() string { return "task_counted" }

// CountCase adds a case to the day's cases started or finished ("started", "finished") of its
// process, once.
func CountCase(tx *gorm.DB, caseID, process, kind string, at time.Time) error {
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&caseCounted{CaseID: caseID, Kind: kind})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	started, finished := 0, 0
	if kind == "finished" {
		finished = 1
	} else {
		started = 1
	}
	return tx.Exec("INSERT INTO case_stats (day, process, started, finished) VALUES (?, ?, ?, ?) "+
		"ON CONFLICT (day, process) DO UPDATE SET started = case_stats.started + excluded.started, finished = case_stats.finished + excluded.finished",
		StatDay(at), process, started, finished).Error
}

// CaseStat is one day's cases started and finished of a process.
type CaseStat struct {
	Day      string `gorm:"primaryKey"`
	Process  string `gorm:"primaryKey"`
	Started  int64
	Finished int64
}

// TableName names the table.
func (CaseStat) TableName() string { return "case_stats" }

type caseCounted struct {
	CaseID string `gorm:"primaryKey"`
	Kind   string `gorm:"primaryKey"`
}

func (caseCounted) TableName() string { return "case_counted" }
