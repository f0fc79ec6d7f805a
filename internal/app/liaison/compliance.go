package liaison

import (
	"context"
	"maps"
	"math"

	"gorm.io/gorm"
	"slices"
	"time"

	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

// ComplianceQuery names the year.
type ComplianceQuery struct {
	Year int `query:"year" validate:"omitempty,min=2000,max=2100"`
}

// Compliance is how the leaders kept their contacts in a year, and how demands were handled.
type Compliance struct {
	Year    int                `json:"year"`
	Leaders []LeaderCompliance `json:"leaders"`
	Total   ComplianceTotal    `json:"total"`
	Demands DemandCompliance   `json:"demands"`
}

// ComplianceTotal sums the leaders.
type ComplianceTotal struct {
	Pairings     int `json:"pairings"`
	ContactsDone int `json:"contacts_done"`
	ContactsDue  int `json:"contacts_due"`
	Overdue      int `json:"overdue"`
}

// LeaderCompliance is one leader's year: pairings held, contacts done against those due (every
// due date of the year, past and coming), pairings overdue now, and their talents' demands.
type LeaderCompliance struct {
	Leader       string `json:"leader"`
	Name         string `json:"name"`
	Pairings     int    `json:"pairings"`
	ContactsDone int    `json:"contacts_done"`
	ContactsDue  int    `json:"contacts_due"`
	Missed       int    `json:"missed"`
	Overdue      int    `json:"overdue"`
	DemandStats
}

// DemandStats are the demands raised in the year.
type DemandStats struct {
	DemandsOpen    int      `json:"demands_open"`
	DemandsClosed  int      `json:"demands_closed"`
	DemandsOverdue int      `json:"demands_overdue"`
	MedianHours    *float64 `json:"median_resolution_hours"`
	AvgRating      *float64 `json:"avg_rating"`
}

// DemandCompliance is the year's demands overall with the 好差评 loop's rates against their
// 100% targets: every poor rating verified, every verified complaint rectified (整改率), every
// rectification followed by a call-back (回访率).
type DemandCompliance struct {
	DemandStats
	PoorRatings     int      `json:"poor_ratings"`
	Verified        int      `json:"verified"`
	Rectified       int      `json:"rectified"`
	CalledBack      int      `json:"called_back"`
	RectifyRatePct  *float64 `json:"rectify_rate_pct"`
	CallbackRatePct *float64 `json:"callback_rate_pct"`
	TargetPct       float64  `json:"target_pct"`
}

// Compliance reports a year (this one by default).
func (s *Service) Compliance(ctx context.Context, q ComplianceQuery) (Compliance, error) {
	if err := app.Check(q); err != nil {
		return Compliance{}, err
	}
	year := q.Year
	if year == 0 {
		year = s.year()
	}
	out, err := ComplianceOf(ctx, s.DB.DB, year)
	if err != nil {
		return Compliance{}, s.Unavailable(ctx, "the database", err)
	}
	return out, nil
}

// ComplianceOf computes a year's compliance from the read model (also for the leading
// group's dashboard and the joint-meeting report).
func ComplianceOf(ctx context.Context, gdb *gorm.DB, year int) (Compliance, error) {
	db := gdb.WithContext(ctx)
	jan1 := time.Date(year, 1, 1, 0, 0, 0, 0, domain.ChinaTime)
	dec31 := time.Date(year, 12, 31, 0, 0, 0, 0, domain.ChinaTime)
	from, to := jan1.Format(time.DateOnly), dec31.Format(time.DateOnly)
	out := Compliance{Year: year, Leaders: []LeaderCompliance{}, Demands: DemandCompliance{TargetPct: 100}}
	by := map[string]*LeaderCompliance{}
	leader := func(name string) *LeaderCompliance {
		if by[name] == nil {
			by[name] = &LeaderCompliance{Leader: name}
		}
		return by[name]
	}

	// Pairings active at some time in the year, under their leader now (narrow rows).
	var ps []struct {
		CaseID, Leader, State string
		NextDue               *string
		PerYear               int
		Overdue               bool
	}
	if err := db.Model(&rows.Pairing{}).Select("case_id, leader, state, next_due, per_year, overdue").
		Where("started_at < ? AND (ended_at IS NULL OR ended_at >= ?)", dec31.AddDate(0, 0, 1).UTC(), jan1.UTC()).Scan(&ps).Error; err != nil {
		return out, err
	}
	// Due dates reached so far, counted in the database.
	var dues []struct {
		Leader, State string
		N             int
	}
	if err := db.Model(&rows.Due{}).Select("leader, state, COUNT(*) AS n").Where("due_on BETWEEN ? AND ?", from, to).
		Group("leader, state").Scan(&dues).Error; err != nil {
		return out, err
	}
	for _, d := range dues {
		l := leader(d.Leader)
		l.ContactsDue += d.N
		switch d.State {
		case flow.DueDone:
			l.ContactsDone += d.N
		case flow.DueMissed:
			l.Missed += d.N
		}
	}
	for _, p := range ps {
		l := leader(p.Leader)
		l.Pairings++
		if p.State != rows.PairingActive || p.NextDue == nil {
			continue
		}
		if p.Overdue {
			l.Overdue++
		}
		// Due dates still to come in the year are due too; the next one has its row already.
		next, _ := domain.ParseDate(*p.NextDue)
		coming := domain.DueDatesIn(next, jan1, dec31, p.PerYear)
		if n := len(coming); n > 0 && coming[0].Equal(next) {
			coming = coming[1:]
		}
		l.ContactsDue += len(coming)
	}

	// Demands raised in the year, by the leader of the pairing when raised.
	var ds []struct {
		Leader     string
		Resolved   bool
		Score      int
		CreatedAt  time.Time
		ResolvedAt *time.Time
		Warning    string
		Poor       int `gorm:"column:poor_ratings"`
		Verified   int
		Rectified  int
		CalledBack int
	}
	if err := db.Table("demands").Select("demands.leader, demands.resolved, demands.score, demands.created_at, demands.resolved_at, "+
		"cases.warning, demands.poor_ratings, demands.verified, demands.rectified, demands.called_back").
		Joins("JOIN cases ON cases.id = demands.case_id").
		Where("demands.created_at >= ? AND demands.created_at < ?", jan1.UTC(), dec31.AddDate(0, 0, 1).UTC()).Scan(&ds).Error; err != nil {
		return out, err
	}
	all := DemandTally{}
	acc := map[string]*DemandTally{}
	for _, d := range ds {
		if acc[d.Leader] == nil {
			acc[d.Leader] = &DemandTally{}
		}
		row := rows.Demand{Resolved: d.Resolved, Score: d.Score, CreatedAt: d.CreatedAt, ResolvedAt: d.ResolvedAt}
		for _, a := range []*DemandTally{&all, acc[d.Leader]} {
			a.Add(row, d.Warning == workflows.WarningRed)
		}
		leader(d.Leader)
		out.Demands.PoorRatings += d.Poor
		out.Demands.Verified += d.Verified
		out.Demands.Rectified += d.Rectified
		out.Demands.CalledBack += d.CalledBack
	}
	out.Demands.DemandStats = all.Stats()
	out.Demands.RectifyRatePct = pct(out.Demands.Rectified, out.Demands.Verified)
	out.Demands.CallbackRatePct = pct(out.Demands.CalledBack, out.Demands.Rectified)

	var users []store.User
	if err := db.Where("username IN ?", append(slices.Sorted(maps.Keys(by)), "")).Find(&users).Error; err != nil {
		return out, err
	}
	for _, name := range slices.Sorted(maps.Keys(by)) {
		l := by[name]
		for _, u := range users {
			if u.Username == name {
				l.Name = u.DisplayName
			}
		}
		if a := acc[name]; a != nil {
			l.DemandStats = a.Stats()
		}
		out.Leaders = append(out.Leaders, *l)
		out.Total.Pairings += l.Pairings
		out.Total.ContactsDone += l.ContactsDone
		out.Total.ContactsDue += l.ContactsDue
		out.Total.Overdue += l.Overdue
	}
	return out, nil
}

// DemandTally adds up demands: open, closed, overdue, ratings and resolution times.
type DemandTally struct {
	open, closed, overdue int
	hours                 []float64
	ratingSum, rated      int
}

// Add counts one demand (red: its current step is overdue).
func (a *DemandTally) Add(d rows.Demand, red bool) {
	if d.Resolved {
		a.closed++
		if d.ResolvedAt != nil {
			a.hours = append(a.hours, d.ResolvedAt.Sub(d.CreatedAt).Hours())
		}
	} else {
		a.open++
		if red {
			a.overdue++
		}
	}
	if d.Score > 0 {
		a.ratingSum += d.Score
		a.rated++
	}
}

// Stats are the tally's figures.
func (a *DemandTally) Stats() DemandStats {
	st := DemandStats{DemandsOpen: a.open, DemandsClosed: a.closed, DemandsOverdue: a.overdue}
	if n := len(a.hours); n > 0 {
		h := slices.Clone(a.hours)
		slices.Sort(h)
		m := h[n/2]
		if n%2 == 0 {
			m = (h[n/2-1] + h[n/2]) / 2
		}
		m = round1(m)
		st.MedianHours = &m
	}
	if a.rated > 0 {
		avg := round1(float64(a.ratingSum) / float64(a.rated))
		st.AvgRating = &avg
	}
	return st
}

func pct(part, whole int) *float64 {
	if whole == 0 {
		return nil
	}
	v := round1(100 * float64(part) / float64(whole))
	return &v
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }
