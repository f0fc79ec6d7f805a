// Package calendar owns the mainland China working-day calendar (public holidays and 调休 make-up
// workdays, one YAML file per year) and the working clock that turns working-day periods into deadlines.
package calendar

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"talentflow/internal/domain"
)

// Zone is China Standard Time (UTC+8, no daylight saving). Every day boundary in this package —
// which calendar day an instant falls on, when a working day starts and ends — is computed in
// Zone. A fixed zone keeps the package independent of the tzdata database.
var Zone = domain.ChinaTime

// MaxWorkingDays caps the working time handled by the working clock: Deadline treats a longer
// period as MaxWorkingDays, and Elapsed stops counting at MaxWorkingDays. Real approval deadlines
// are at most a few hundred working days; the cap only bounds the work done for absurd inputs.
const MaxWorkingDays = 3650

const (
	secondsPerDay = 24 * 60 * 60
	fullDay       = 24 * time.Hour
)

// WorkingDayCalendar decides which calendar days are working days and runs the working clock
// used for deadlines.
//
// For a year it has data for, a day is a working day unless it is a public holiday, and a
// weekend day is a working day if it is a make-up workday (调休); otherwise Monday–Friday are
// working days. For a year it has no data for, Monday–Friday are working days and the results
// report a Fallback.
//
// The working clock runs only during working days, each counted whole from 00:00 to 24:00 in
// Zone. As in Chinese administrative practice (期间开始的日不计算在内), the day on which a period
// starts does not count: the clock starts at 00:00 of the first working day after the calendar
// day of the start instant.
//
// A WorkingDayCalendar is immutable and safe for concurrent use. The zero value has no data, so
// every day falls back to Monday–Friday.
type WorkingDayCalendar struct {
	years map[int]*YearCalendar
}

// New returns a calendar made of the given years. It is an error for two of them to declare the
// same year.
func New(years ...*YearCalendar) (*WorkingDayCalendar, error) {
	c := &WorkingDayCalendar{years: make(map[int]*YearCalendar, len(years))}
	for _, y := range years {
		if other, dup := c.years[y.Year]; dup {
			return nil, errorf("year %d is declared by both %s and %s", y.Year, other.File, y.File)
		}
		c.years[y.Year] = y
	}
	return c, nil
}

// KnownYears returns, in ascending order, the years the calendar has holiday data for.
func (c *WorkingDayCalendar) KnownYears() []int {
	return slices.Sorted(maps.Keys(c.years))
}

// IsWorkingDay reports whether the calendar day (in Zone) that day falls on is a working day,
// and whether the calendar has data for its year. Without data, Monday–Friday are working days.
func (c *WorkingDayCalendar) IsWorkingDay(day time.Time) (working, known bool) {
	working, _, known = c.status(dayOf(day))
	return working, known
}

// Deadline returns the instant, in Zone, at which workingDays of working time have elapsed on
// the working clock started by start (see WorkingDayCalendar):
//
//   - N whole days end at 00:00 of the calendar day after the N-th working day following start's
//     calendar day, i.e. at the end of the N-th working day.
//   - A fraction is a share of a working day's 24 hours: 3⅓ days end at 08:00 of the 4th working day.
//   - workingDays <= 0 (or NaN) returns start itself, unchanged.
//   - workingDays above MaxWorkingDays (including +Inf) is treated as MaxWorkingDays.
//
// The Fallback reports years, among the days walked, that the calendar has no data for.
func (c *WorkingDayCalendar) Deadline(start time.Time, workingDays float64) (time.Time, Fallback) {
	var fallback Fallback
	if !(workingDays > 0) {
		return start, fallback
	}
	workingDays = min(workingDays, MaxWorkingDays)

	// The deadline falls within the n-th working day after start's calendar day.
	n := math.Ceil(workingDays)
	day := dayOf(start)
	for left := int(n); left > 0; {
		day++
		if c.isWorking(day, &fallback) {
			left--
		}
	}
	share := workingDays - (n - 1) // of the n-th working day, in (0, 1]
	return startOfDay(day).Add(time.Duration(math.Round(share * float64(fullDay)))), fallback
}

// Elapsed returns the working time, in working days, that has elapsed at to on the working clock
// started by from (see WorkingDayCalendar); it is the inverse of Deadline. It is 0 while to is
// still on from's calendar day or on the non-working days that follow it, and before from. A
// working day in progress counts in proportion to the part of its 24 hours that has passed. The
// result is at most MaxWorkingDays.
//
// The Fallback reports years, among the days walked, that the calendar has no data for.
func (c *WorkingDayCalendar) Elapsed(from, to time.Time) (workingDays float64, fallback Fallback) {
	first, last := dayOf(from)+1, dayOf(to)
	for day := first; day < last && workingDays < MaxWorkingDays; day++ {
		if c.isWorking(day, &fallback) {
			workingDays++
		}
	}
	if last >= first && workingDays < MaxWorkingDays {
		if part := to.Sub(startOfDay(last)); part > 0 && c.isWorking(last, &fallback) {
			workingDays += float64(part) / float64(fullDay)
		}
	}
	return min(workingDays, MaxWorkingDays), fallback
}

// isWorking reports whether day is a working day, noting its year in fallback if the calendar
// has no data for it.
func (c *WorkingDayCalendar) isWorking(day int64, fallback *Fallback) bool {
	working, year, known := c.status(day)
	if !known {
		fallback.note(year)
	}
	return working
}

func (c *WorkingDayCalendar) status(day int64) (working bool, year int, known bool) {
	date := time.Unix(day*secondsPerDay, 0).UTC()
	year = date.Year()
	if y, ok := c.years[year]; ok {
		return y.isWorking(date.YearDay() - 1), year, true
	}
	return isWeekday(date.Weekday()), year, false
}

// dayOf returns the number of the calendar day, in Zone, that t falls on, counted from 1970-01-01.
func dayOf(t time.Time) int64 {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay
}

// startOfDay returns 00:00 in Zone of the calendar day numbered as by dayOf.
func startOfDay(day int64) time.Time {
	y, m, d := time.Unix(day*secondsPerDay, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}

func isWeekday(d time.Weekday) bool {
	return d != time.Saturday && d != time.Sunday
}

// Fallback reports that some of the days a computation looked at lay in years the calendar has
// no holiday data for. For those years Monday–Friday were counted as working days, ignoring
// public holidays and make-up workdays, so the result may be off by those; callers should log
// it and show it as a warning on the case.
type Fallback struct {
	Used  bool  // some day lay in a year without data
	Years []int // those years, ascending
}

// String describes the fallback for a log line or a case warning, e.g. "no holiday calendar for
// 2027: counted Monday–Friday only". It is empty when no fallback was used.
func (f Fallback) String() string {
	if !f.Used {
		return ""
	}
	var b strings.Builder
	b.WriteString("no holiday calendar for ")
	for i, y := range f.Years {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(y))
	}
	b.WriteString(": counted Monday–Friday only")
	return b.String()
}

// note records year; days are walked in ascending order, so Years stays sorted.
func (f *Fallback) note(year int) {
	if n := len(f.Years); n > 0 && f.Years[n-1] == year {
		return
	}
	f.Used = true
	f.Years = append(f.Years, year)
}

// Merge returns the fallback of two computations together: every year either lacked.
func (f Fallback) Merge(other Fallback) Fallback {
	f.Years = slices.Clone(f.Years)
	for _, y := range other.Years {
		if !slices.Contains(f.Years, y) {
			f.Years = append(f.Years, y)
		}
	}
	f.Used = f.Used || other.Used
	slices.Sort(f.Years)
	return f
}
