package store

import (
	"fmt"
	"math"
	"sort"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// TaskStat is one row of the daily aggregates of decided tasks: a day, a department, a
// process and a handling-time bucket, with how many tasks were decided and on time.
type TaskStat struct {
	Day        string `gorm:"primaryKey"`
	Department string `gorm:"primaryKey"`
	Process    string `gorm:"primaryKey"`
	Bucket     int    `gorm:"primaryKey"`
	Done       int64
	Timed      int64
	OnTime     int64
}

// TableName names the table.
func (TaskStat) TableName() string { return "task_stats" }

// hourEdges are the upper edges, in working hours, of the handling-time buckets: half an hour
// apart for the first day, then growing, so that a median or p90 read from the buckets is
// within about a tenth of the true value.
var hourEdges = []float64{0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5, 8, 9, 10, 11, 12, 14, 16, 18, 20,
	22, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80, 96, 112, 128, 144, 160, 200, 240, 320, 400, 480, 640, 800, 1200, 1600}

// HourBucket is the bucket of a handling time in working hours.
func HourBucket(hours float64) int {
	return sort.SearchFloat64s(hourEdges, math.Max(hours, 0))
}

// BucketHours is the handling time a bucket stands for: the upper end of its range (a
// median read as "at most this long").
func BucketHours(b int) float64 {
	if b >= len(hourEdges) {
		return hourEdges[len(hourEdges)-1] * 1.25
	}
	return hourEdges[max(b, 0)]
}

// StatDay is the day (China time) a decision counts on.
func StatDay(t time.Time) string { return t.In(chinaTime).Format(time.DateOnly) }

var chinaTime = time.FixedZone("CST", 8*3600)

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
	row := TaskStat{Day: StatDay(*t.DecidedAt), Department: t.Department, Process: t.Process, Bucket: HourBucket(hours), Done: 1}
	if t.Deadline != nil {
		row.Timed = 1
		if !t.DecidedAt.After(*t.Deadline) {
			row.OnTime = 1
		}
	}
	err := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "day"}, {Name: "department"}, {Name: "process"}, {Name: "bucket"}},
		DoUpdates: clause.Set{
			{Column: clause.Column{Name: "done"}, Value: gorm.Expr("task_stats.done + ?", row.Done)},
			{Column: clause.Column{Name: "timed"}, Value: gorm.Expr("task_stats.timed + ?", row.Timed)},
			{Column: clause.Column{Name: "on_time"}, Value: gorm.Expr("task_stats.on_time + ?", row.OnTime)},
		},
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("task stats: %w", err)
	}
	return nil
}

type taskCounted struct {
	TaskID string `gorm:"primaryKey"`
}

func (taskCounted) TableName() string { return "task_counted" }
