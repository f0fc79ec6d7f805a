package activities

import (
	"context"
	"log/slog"
	"time"

	"talentflow/internal/calendar"
	"talentflow/workflows"
)

// Clock turns working-day time limits into instants. It reads the holiday calendar (the
// reason it is an activity, not workflow code: a corrected calendar file must not change the
// replay of a running case) and applies TALENTFLOW_TIME_SCALE to every duration it computes.
type Clock struct {
	Calendar *calendar.WorkingDayCalendar
	// Scale multiplies every duration (1: real time; 0.001: a working day lasts ~86 s).
	Scale float64
	// YellowShare and LGODelayDays are the defaults for requests that leave them zero.
	YellowShare  float64
	LGODelayDays float64
	Log          *slog.Logger
}

// Schedule returns, for each request, when the task turns yellow, red, and escalates to the
// leading-group office.
func (c *Clock) Schedule(ctx context.Context, reqs []workflows.ScheduleRequest) ([]workflows.Schedule, error) {
	out := make([]workflows.Schedule, len(reqs))
	for i, r := range reqs {
		out[i] = c.schedule(r)
		if out[i].Fallback != "" {
			c.Log.WarnContext(ctx, "deadline counted without holiday data", "fallback", out[i].Fallback)
		}
	}
	return out, nil
}

func (c *Clock) schedule(r workflows.ScheduleRequest) workflows.Schedule {
	share := r.YellowShare
	if share <= 0 || share >= 1 {
		share = c.YellowShare
	}
	lgoDelay := r.LGODelayDays
	if lgoDelay == 0 {
		lgoDelay = c.LGODelayDays
	}
	remaining := max(r.LimitDays-r.ConsumedDays, 0)
	var fallback calendar.Fallback
	at := func(days float64) time.Time {
		t, fb := c.Calendar.Deadline(r.Start, days)
		fallback = fallback.Merge(fb)
		return c.scaled(r.Start, t)
	}
	s := workflows.Schedule{Deadline: at(remaining)}
	if share > 0 && r.LimitDays > 0 {
		s.YellowAt = at(max(share*r.LimitDays-r.ConsumedDays, 0))
	}
	if lgoDelay > 0 {
		s.LGOAt = at(remaining + lgoDelay)
	}
	s.Fallback = fallback.String()
	return s
}

// Measure returns the working days each interval of (scaled) process time holds.
func (c *Clock) Measure(ctx context.Context, req workflows.MeasureRequest) (workflows.MeasureResult, error) {
	out := workflows.MeasureResult{WorkingDays: make([]float64, len(req.Intervals))}
	for i, iv := range req.Intervals {
		to := iv.From.Add(time.Duration(float64(iv.To.Sub(iv.From)) / c.scale()))
		out.WorkingDays[i], _ = c.Calendar.Elapsed(iv.From, to)
	}
	return out, nil
}

// WorkingHours is how many working hours lie between two instants of (scaled) process time,
// a working day counting eight.
func (c *Clock) WorkingHours(from, to time.Time) float64 {
	days, _ := c.Calendar.Elapsed(from, from.Add(time.Duration(float64(to.Sub(from))/c.scale())))
	return days * 8
}

// scaled maps an instant of calendar time to the moment it happens under the time scale.
func (c *Clock) scaled(start, t time.Time) time.Time {
	return start.Add(time.Duration(float64(t.Sub(start)) * c.scale()))
}

func (c *Clock) scale() float64 {
	if c.Scale <= 0 {
		return 1
	}
	return c.Scale
}
