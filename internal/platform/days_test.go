package platform

import (
	"math"
	"testing"
	"time"

	"talentflow/internal/calendar"
)

// TestWorkingDaysLeftCountTheHolidayCalendar: days left are counted as the engine counts a
// task's limit (the calendar's Elapsed: holidays and weekends out, make-up days in), negative
// once the deadline passed, and in process time under the time scale.
func TestWorkingDaysLeftCountTheHolidayCalendar(t *testing.T) {
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	cst := time.FixedZone("CST", 8*3600)
	left := workingDaysLeft(cal, 1)
	now := time.Date(2026, 4, 30, 12, 0, 0, 0, cst)
	deadline := time.Date(2026, 5, 12, 0, 0, 0, 0, cst)
	want, _ := cal.Elapsed(now, deadline)
	if got := left(now, deadline); got != math.Round(want*10)/10 || got < 4 || got > 6 {
		t.Errorf("working days left across Labour Day = %v (calendar %v)", got, want)
	}
	plain := time.Date(2026, 5, 12, 0, 0, 0, 0, cst).Sub(now).Hours() / 24
	if left(now, deadline) >= plain-3 {
		t.Errorf("the Labour Day holiday must not count: %v working days in %v calendar days", left(now, deadline), plain)
	}
	if got := left(deadline.Add(72*time.Hour), deadline); got > -1 {
		t.Errorf("three days after the deadline counts negative, got %v", got)
	}
	scaled := workingDaysLeft(cal, 0.001)
	if got := scaled(now, now.Add(time.Duration(float64(deadline.Sub(now))*0.001))); math.Abs(got-left(now, deadline)) > 1 {
		t.Errorf("scaled: %v, unscaled %v", got, left(now, deadline))
	}
}
