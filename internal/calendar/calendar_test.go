package calendar_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/calendar"
)

// at parses "2006-01-02" or "2006-01-02 15:04" as China Standard Time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	layout := time.DateOnly
	if len(s) > len(layout) {
		layout = "2006-01-02 15:04"
	}
	v, err := time.ParseInLocation(layout, s, calendar.Zone)
	require.NoError(t, err)
	return v
}

func defaultCalendar(t testing.TB) *calendar.WorkingDayCalendar {
	t.Helper()
	c, err := calendar.Default()
	require.NoError(t, err)
	return c
}

func TestDefaultKnowsEmbeddedYears(t *testing.T) {
	assert.Equal(t, []int{2026}, defaultCalendar(t).KnownYears())
}

func TestMakeUpWeekendDayIsWorkingDay(t *testing.T) {
	c := defaultCalendar(t)
	for _, day := range []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"} {
		t.Run(day, func(t *testing.T) {
			d := at(t, day)
			require.Contains(t, []time.Weekday{time.Saturday, time.Sunday}, d.Weekday(), "test data: a make-up day is a weekend day")
			working, known := c.IsWorkingDay(d)
			assert.True(t, working)
			assert.True(t, known)
		})
	}
}

func TestHolidayWeekdayIsNotWorkingDay(t *testing.T) {
	c := defaultCalendar(t)
	days := []string{
		"2026-01-01", "2026-01-02",
		"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23",
		"2026-04-06",
		"2026-05-01", "2026-05-04", "2026-05-05",
		"2026-06-19",
		"2026-09-25",
		"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07",
	}
	for _, day := range days {
		t.Run(day, func(t *testing.T) {
			d := at(t, day)
			require.NotContains(t, []time.Weekday{time.Saturday, time.Sunday}, d.Weekday(), "test data: a weekday")
			working, known := c.IsWorkingDay(d)
			assert.False(t, working)
			assert.True(t, known)
		})
	}
}

func TestOrdinaryDaysFollowTheWeek(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		day     string
		working bool
	}{
		{"2026-03-04", true},  // Wednesday
		{"2026-03-06", true},  // Friday
		{"2026-03-07", false}, // Saturday
		{"2026-03-08", false}, // Sunday
		{"2026-10-03", false}, // Saturday inside National Day
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			working, known := c.IsWorkingDay(at(t, tt.day))
			assert.Equal(t, tt.working, working)
			assert.True(t, known)
		})
	}
}

func TestWorkingDayCountOf2026(t *testing.T) {
	// 261 weekdays, minus 19 weekday holidays, plus 6 make-up workdays.
	c := defaultCalendar(t)
	count := 0
	for d := at(t, "2026-01-01"); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
		if working, _ := c.IsWorkingDay(d); working {
			count++
		}
	}
	assert.Equal(t, 248, count)
}

func TestDayIsTakenInChinaStandardTime(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name    string
		instant time.Time
		working bool
	}{
		{"UTC evening of Sep 30 is Oct 1 in CST", time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC), false},
		{"last second of Sep 30 in CST", time.Date(2026, 9, 30, 15, 59, 59, 0, time.UTC), true},
		{"UTC evening of Oct 7 is Oct 8 in CST", time.Date(2026, 10, 7, 16, 0, 0, 0, time.UTC), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			working, _ := c.IsWorkingDay(tt.instant)
			assert.Equal(t, tt.working, working)
		})
	}

	// Start Oct 8 01:00 CST (still Oct 7, a holiday, in UTC): Oct 8 is the start day and does
	// not count, so one working day is Oct 9.
	got, _ := c.Deadline(time.Date(2026, 10, 7, 17, 0, 0, 0, time.UTC), 1)
	assert.Equal(t, at(t, "2026-10-10"), got)
	assert.Equal(t, calendar.Zone, got.Location())
}

func TestDeadline(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name        string
		start       string
		workingDays float64
		want        string
	}{
		// The rule of the product: the start day does not count; N days end at the end of the
		// N-th working day after it.
		{"StartDayDoesNotCount", "2026-03-04 10:00", 1, "2026-03-06"},
		{"StartDayDoesNotCountEvenAtMidnight", "2026-03-04 00:00", 1, "2026-03-06"},
		{"StartOnWeekendCountsFromMonday", "2026-03-07 10:00", 1, "2026-03-10"},
		{"WeekendIsSkipped", "2026-03-05 10:00", 2, "2026-03-10"},
		{"AcrossNationalDayWithMakeUpSaturday", "2026-09-30 10:00", 3, "2026-10-11"},
		{"MakeUpSundayBeforeNationalDay", "2026-09-18 10:00", 1, "2026-09-21"},
		{"IntoSpringFestivalMakeUpSaturday", "2026-02-12 10:00", 2, "2026-02-15"},
		{"AcrossWholeSpringFestival", "2026-02-13 10:00", 2, "2026-02-25"},
		{"AcrossSpringFestivalToSecondMakeUpSaturday", "2026-02-13 10:00", 6, "2026-03-01"},
		{"StartOnHoliday", "2026-10-03 10:00", 1, "2026-10-09"},
		{"AcrossNewYearMakeUpSunday", "2025-12-31 10:00", 1, "2026-01-05"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, fallback := c.Deadline(at(t, tt.start), tt.workingDays)
			assert.Equal(t, at(t, tt.want), got)
			assert.Equal(t, calendar.Zone, got.Location())
			assert.False(t, fallback.Used, fallback.String())
		})
	}
}

func TestFractionalDeadline(t *testing.T) {
	// Start Wed 2026-03-04: working days Thu 05, Fri 06, Mon 09, Tue 10, Wed 11, Thu 12, Fri 13.
	c := defaultCalendar(t)
	start := at(t, "2026-03-04 10:00")
	tests := []struct {
		name        string
		workingDays float64
		want        string
	}{
		{"HalfDayIsNoonOfFirstWorkingDay", 0.5, "2026-03-05 12:00"},
		{"TwoThirdsOfThree", 2.0 / 3 * 3, "2026-03-07 00:00"},
		{"TwoThirdsOfFive", 2.0 / 3 * 5, "2026-03-10 08:00"},
		{"TwoThirdsOfTen", 2.0 / 3 * 10, "2026-03-13 16:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := c.Deadline(start, tt.workingDays)
			assert.Equal(t, at(t, tt.want), got)
		})
	}
}

func TestDeadlineOfNothingIsStart(t *testing.T) {
	c := defaultCalendar(t)
	start := time.Date(2026, 3, 4, 2, 0, 0, 0, time.UTC)
	for _, w := range []float64{0, -1, math.Inf(-1), math.NaN()} {
		got, fallback := c.Deadline(start, w)
		assert.Equal(t, start, got, "workingDays %v", w)
		assert.False(t, fallback.Used)
	}
}

func TestDeadlineIsCappedAtMaxWorkingDays(t *testing.T) {
	c := defaultCalendar(t)
	start := at(t, "2026-03-04 10:00")
	capped, _ := c.Deadline(start, calendar.MaxWorkingDays)
	for _, w := range []float64{calendar.MaxWorkingDays + 1, 1e12, math.Inf(1)} {
		got, fallback := c.Deadline(start, w)
		assert.Equal(t, capped, got, "workingDays %v", w)
		assert.True(t, fallback.Used)
	}
	elapsed, _ := c.Elapsed(start, start.AddDate(1000, 0, 0))
	assert.Equal(t, float64(calendar.MaxWorkingDays), elapsed)
}

func TestElapsedIsZeroOnStartDayAndHolidays(t *testing.T) {
	c := defaultCalendar(t)
	tests := []struct {
		name     string
		from, to string
		want     float64
	}{
		{"RestOfStartDay", "2026-03-04 10:00", "2026-03-04 23:59", 0},
		{"EndOfStartDay", "2026-03-04 10:00", "2026-03-05 00:00", 0},
		{"BeforeStart", "2026-03-04 10:00", "2026-03-02 10:00", 0},
		{"NationalDay", "2026-09-30 10:00", "2026-10-07 23:00", 0},
		{"WeekendAfterStartDay", "2026-03-06 10:00", "2026-03-09 00:00", 0},
		{"QuarterOfFirstWorkingDayAfterHolidays", "2026-09-30 10:00", "2026-10-08 06:00", 0.25},
		{"HalfOfFirstWorkingDay", "2026-03-04 10:00", "2026-03-05 12:00", 0.5},
		{"HolidayInTheMiddleDoesNotCount", "2026-09-29 10:00", "2026-10-09 00:00", 2},
		{"MakeUpSaturdayCounts", "2026-02-13 10:00", "2026-02-15 00:00", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := c.Elapsed(at(t, tt.from), at(t, tt.to))
			assert.InDelta(t, tt.want, got, 1e-12)
		})
	}
}

func TestElapsedInverseOfDeadline(t *testing.T) {
	c := defaultCalendar(t)
	workingDays := []float64{1e-6, 0.25, 0.5, 1, 2.0 / 3 * 5, 5, 7.5, 20, 2.0 / 3 * 30, 100, 365.7}
	// Start instants every 37h13m from mid-December 2025 to March 2027, so they hit every hour
	// of the day and every kind of day: holidays, make-up days, weekends, and the 2027 fallback.
	end := at(t, "2027-03-01")
	for start := at(t, "2025-12-15 00:07"); start.Before(end); start = start.Add(37*time.Hour + 13*time.Minute) {
		for _, w := range workingDays {
			deadline, _ := c.Deadline(start, w)
			got, _ := c.Elapsed(start, deadline)
			if math.Abs(got-w) > 1e-9 {
				t.Fatalf("start %v, %v working days: deadline %v, elapsed %v", start, w, deadline, got)
			}
			// Just before the deadline, less time has elapsed.
			before, _ := c.Elapsed(start, deadline.Add(-time.Second))
			if !(before < w) {
				t.Fatalf("start %v, %v working days: elapsed %v one second before deadline %v", start, w, before, deadline)
			}
		}
	}
}

func TestUnknownYearFallsBackToWeekdaysAndSaysSo(t *testing.T) {
	c := defaultCalendar(t)

	// Wed 2026-12-30: Thu 31, Fri 2027-01-01 (counted), Mon 4, Tue 5, Wed 6.
	got, fallback := c.Deadline(at(t, "2026-12-30 10:00"), 5)
	assert.Equal(t, at(t, "2027-01-07"), got)
	assert.True(t, fallback.Used)
	assert.Equal(t, []int{2027}, fallback.Years)
	assert.Equal(t, "no holiday calendar for 2027: counted Monday–Friday only", fallback.String())

	elapsed, fallback := c.Elapsed(at(t, "2026-12-30 10:00"), got)
	assert.InDelta(t, 5, elapsed, 1e-12)
	assert.Equal(t, []int{2027}, fallback.Years)

	working, known := c.IsWorkingDay(at(t, "2027-01-01"))
	assert.True(t, working, "2027-01-01 is a Friday")
	assert.False(t, known)

	_, fallback = c.Deadline(at(t, "2026-12-01 10:00"), 5)
	assert.False(t, fallback.Used)
	assert.Empty(t, fallback.Years)
	assert.Empty(t, fallback.String())

	_, fallback = c.Deadline(at(t, "2026-12-30 10:00"), 300)
	assert.Equal(t, []int{2027, 2028}, fallback.Years)
	assert.Equal(t, "no holiday calendar for 2027, 2028: counted Monday–Friday only", fallback.String())
}

func TestZeroCalendarCountsWeekdays(t *testing.T) {
	var c calendar.WorkingDayCalendar
	got, fallback := c.Deadline(at(t, "2026-09-30 10:00"), 3)
	assert.Equal(t, at(t, "2026-10-06"), got)
	assert.Equal(t, []int{2026}, fallback.Years)
	assert.Empty(t, c.KnownYears())
}

func BenchmarkDeadline(b *testing.B) {
	c := defaultCalendar(b)
	start := at(b, "2026-09-15 10:00")
	b.ReportAllocs()
	for b.Loop() {
		c.Deadline(start, 20)
	}
}

func BenchmarkElapsed(b *testing.B) {
	c := defaultCalendar(b)
	from, to := at(b, "2026-09-15 10:00"), at(b, "2026-10-20 15:00")
	b.ReportAllocs()
	for b.Loop() {
		c.Elapsed(from, to)
	}
}

func TestFallbackMergeKeepsEveryMissingYearOnce(t *testing.T) {
	a := calendar.Fallback{Used: true, Years: []int{2028}}
	b := calendar.Fallback{Used: true, Years: []int{2027, 2028}}
	got := a.Merge(b)
	assert.True(t, got.Used)
	assert.Equal(t, []int{2027, 2028}, got.Years)
	assert.False(t, calendar.Fallback{}.Merge(calendar.Fallback{}).Used)
}
