// Package seed writes a realistic county's worth of history straight into the read model —
// cases of every process, their tasks (open, warned, decided with handling times), the daily
// aggregates the projection would have kept, subsidy policies, pairings with due dates and
// demands — so that the dashboard and the inboxes can be measured at volume (`talentflow seed`,
// and the monitoring benchmarks). The rows have no workflows behind them: never seed a
// database people work in.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/domain"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	ledger "talentflow/internal/store/subsidy"
	"talentflow/workflows"
)

// Options size the history.
type Options struct {
	Cases        int       // cases in all (default 100,000)
	TasksPerCase int       // tasks per case on average (default 10)
	Until        time.Time // the history ends here (default now); it spans two years
	Seed         uint64    // the random source's seed (same seed, same rows)
	// Progress, if set, is told how many cases are written so far.
	Progress func(done, total int)
}

// Departments the tasks are spread over (the default member units).
var Departments = []string{"gsc", "hrss", "sci", "iit", "lgo", "fin", "edu", "health", "housing", "psb", "tax"}

// User is the applicant every seeded case belongs to.
const User = "usr_seed"

type weighted struct {
	process string
	share   float64
	open    []string // states of cases still open
	closed  []string // final states
}

var mix = []weighted{
	{"introduction", 0.45, []string{"accepting", "in_review", "signoff", "notice"}, []string{"certified", "certified", "certified", "rejected", "withdrawn"}},
	{"subsidy", 0.30, []string{"confirming", "reviewing", "approving", "disbursing", "disbursing", "disbursing"}, []string{"completed", "stopped", "rejected"}},
	{"pairing_request", 0.05, []string{"pairing"}, []string{"paired"}},
	{"liaison", 0.05, []string{"active", "active", "overdue"}, []string{"ended"}},
	{"demand", 0.15, []string{"answering", "verifying", "rating"}, []string{"resolved"}},
}

// Run writes the history. It refuses a database that already has seeded rows.
func Run(ctx context.Context, db *store.DB, o Options) error {
	if o.Cases <= 0 {
		o.Cases = 100_000
	}
	if o.TasksPerCase <= 0 {
		o.TasksPerCase = 10
	}
	if o.Until.IsZero() {
		o.Until = time.Now().UTC()
	}
	var n int64
	if err := db.WithContext(ctx).Model(&store.User{}).Where("id = ?", User).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return errors.New("this database holds seeded rows already")
	}
	now := time.Now().UTC()
	if err := db.WithContext(ctx).Create(&store.User{ID: User, Username: "seed.applicant", DisplayName: "测试申请人", Kind: "talent",
		CreatedAt: now, UpdatedAt: now}).Error; err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(o.Seed, 2026))
	span := 2 * 365 * 24 * time.Hour
	start := o.Until.Add(-span)
	stats := map[[3]string]*store.DayStat{}
	caseDays := map[[2]string]*store.CaseStat{}
	countCase := func(day, process string, started, finished int64) {
		k := [2]string{day, process}
		if caseDays[k] == nil {
			caseDays[k] = &store.CaseStat{Day: day, Process: process}
		}
		caseDays[k].Started += started
		caseDays[k].Finished += finished
	}
	const batch = 1000
	for done := 0; done < o.Cases; done += batch {
		var cases []store.Case
		var tasks []store.Task
		for i := done; i < min(done+batch, o.Cases); i++ {
			c, ts := oneCase(r, i, start, span, o)
			cases = append(cases, c)
			countCase(store.StatDay(c.CreatedAt), c.Process, 1, 0)
			if c.ClosedAt != nil {
				countCase(store.StatDay(*c.ClosedAt), c.Process, 0, 1)
			}
			tasks = append(tasks, ts...)
			for _, t := range ts {
				if t.DecidedAt == nil || t.State != workflows.TaskDone {
					continue
				}
				k := [3]string{store.StatDay(*t.DecidedAt), t.Department, t.Process}
				s := stats[k]
				if s == nil {
					s = &store.DayStat{Day: k[0], Department: k[1], Process: k[2]}
					stats[k] = s
				}
				s.Add(*t.WorkingHours, t.Deadline, *t.DecidedAt)
			}
		}
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.CreateInBatches(cases, 200).Error; err != nil {
				return err
			}
			return tx.CreateInBatches(tasks, 200).Error
		})
		if err != nil {
			return fmt.Errorf("cases %d–%d: %w", done, done+len(cases), err)
		}
		if o.Progress != nil {
			o.Progress(done+len(cases), o.Cases)
		}
	}
	all := make([]store.DayStat, 0, len(stats))
	for _, s := range stats {
		all = append(all, *s)
	}
	if err := store.InsertDayStats(db.WithContext(ctx), all); err != nil {
		return fmt.Errorf("task stats: %w", err)
	}
	days := make([]store.CaseStat, 0, len(caseDays))
	for _, d := range caseDays {
		days = append(days, *d)
	}
	if err := db.WithContext(ctx).CreateInBatches(days, 500).Error; err != nil {
		return fmt.Errorf("case stats: %w", err)
	}
	if db.Dialect == store.SQLite {
		// Seeding writes hundreds of megabytes through the WAL: fold it into the file.
		if err := db.WithContext(ctx).Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error; err != nil {
			return err
		}
	}
	return liaisonAndSubsidies(ctx, db, r, o, start)
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func oneCase(r *rand.Rand, i int, start time.Time, span time.Duration, o Options) (store.Case, []store.Task) {
	x, w := r.Float64(), mix[len(mix)-1]
	for _, m := range mix {
		if x < m.share {
			w = m
			break
		}
		x -= m.share
	}
	created := start.Add(time.Duration(r.Int64N(int64(span))))
	id := fmt.Sprintf("seed-%07d", i)
	// The older a case, the likelier it is finished.
	age := o.Until.Sub(created)
	open := r.Float64() > float64(age)/float64(45*24*time.Hour)
	c := store.Case{ID: id, Process: w.process, Title: "测试案件 " + id, ApplicantID: User, Category: string(domain.CategoryValues()[r.IntN(5)]),
		WorkflowID: "seed:" + id, CreatedAt: created, UpdatedAt: created, SubmittedAt: &created}
	n := 1 + r.IntN(2*o.TasksPerCase-1)
	at := created
	var tasks []store.Task
	for k := range n {
		opened := at
		dept := Departments[r.IntN(len(Departments))]
		limit := time.Duration(3+r.IntN(8)) * 24 * time.Hour
		deadline := opened.Add(limit)
		// Handling times: most within a working day or two, a long tail past the deadline.
		hours := r.ExpFloat64() * 10
		decided := opened.Add(time.Duration(hours * 3 * float64(time.Hour)))
		t := store.Task{ID: fmt.Sprintf("%s-t%d", id, k+1), CaseID: id, Process: w.process, Step: "step", StepName: "办理",
			Attempt: 1, Mode: "single", Department: dept, Role: "approver", OpenedAt: opened, Deadline: &deadline, Rev: 1,
			UpdatedAt: opened, Outcomes: "approve,reject,return"}
		last := k == n-1
		if open && last {
			t.State = workflows.TaskOpen
			switch over := o.Until.Sub(opened); {
			case over > limit:
				t.Warning = workflows.WarningRed
			case over > limit*2/3:
				t.Warning = workflows.WarningYellow
			}
		} else {
			if decided.After(o.Until) {
				decided = o.Until.Add(-time.Minute)
			}
			t.State, t.Outcome, t.DecidedBy, t.DecidedAt = workflows.TaskDone, "approve", "seed.approver", &decided
			t.WorkingHours = &hours
			at = decided
		}
		tasks = append(tasks, t)
	}
	if open {
		c.State = pick(r, w.open)
	} else {
		c.State = pick(r, w.closed)
		closed := at
		c.ClosedAt = &closed
	}
	c.UpdatedAt = at
	return c, tasks
}

// liaisonAndSubsidies writes a subsidy policy per kind with budgets and payments made, and a
// thousand pairings with their due dates and demands.
func liaisonAndSubsidies(ctx context.Context, db *store.DB, r *rand.Rand, o Options, start time.Time) error {
	now := time.Now().UTC()
	year := o.Until.In(domain.ChinaTime).Year()
	var policies []ledger.Policy
	for i, k := range domain.SubsidyKindValues() {
		budget := int64(50_000_000 + r.IntN(200_000_000))
		paid := budget * int64(20+r.IntN(50)) / 100
		policies = append(policies, ledger.Policy{ID: fmt.Sprintf("seed-pol-%d", i), Kind: k, Name: "测试政策 " + k, Version: 1000 + i, Year: year,
			Categories: "A,B,C", AmountFen: `{"A":1000000,"B":500000,"C":300000}`, Months: 12, BudgetFen: budget,
			ReservedFen: (budget - paid) / 3, PaidFen: paid, CreatedBy: "seed", CreatedAt: now})
	}
	if err := db.WithContext(ctx).Create(&policies).Error; err != nil {
		return fmt.Errorf("policies: %w", err)
	}
	leaders := []string{"leader.wang", "leader.li", "leader.zhang", "leader.liu", "leader.chen"}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range 1000 {
			id := fmt.Sprintf("seed-pair-%04d", i)
			started := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
			leader := pick(r, leaders)
			next := fmt.Sprintf("%d-12-31", year)
			overdue := r.IntN(10) == 0
			c := store.Case{ID: id, Process: "liaison", State: "active", Title: "测试结对", ApplicantID: User, WorkflowID: "seed:" + id,
				CreatedAt: started, UpdatedAt: started}
			cert := fmt.Sprintf("SEED-%04d", i)
			p := rows.Pairing{CaseID: id, TalentUserID: User, TalentUsername: "seed.applicant", TalentName: "测试人才", Category: "B",
				CertificateNo: cert, Leader: leader, Specialist: "specialist.zhao", PerYear: 2, State: rows.PairingActive, NextDue: &next,
				Overdue: overdue, OpenKey: &cert, CreatedBy: "seed", StartedAt: started, UpdatedAt: now}
			if err := tx.Create(&c).Error; err != nil {
				return err
			}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
			due := rows.Due{PairingID: id, DueOn: fmt.Sprintf("%d-06-30", year), Leader: leader, State: "done", UpdatedAt: now}
			if r.IntN(5) == 0 {
				due.State = "missed"
			}
			open := rows.Due{PairingID: id, DueOn: next, Leader: leader, State: "open", Overdue: overdue, UpdatedAt: now}
			if err := tx.Create(&[]rows.Due{due, open}).Error; err != nil {
				return err
			}
			if i%2 == 0 {
				ctc := rows.Contact{ID: id + "-c", PairingID: id, Date: fmt.Sprintf("%d-05-01", year), Form: "visit", Leader: leader,
					LoggedBy: leader, Role: "leader", CreatedAt: now}
				if err := tx.Create(&ctc).Error; err != nil {
					return err
				}
				resolved := r.IntN(3) > 0
				d := rows.Demand{CaseID: id + "-d", PairingID: id, ContactID: ctc.ID, TalentUserID: User, Leader: leader,
					Specialist: "specialist.zhao", Type: pick(r, domain.DemandTypeValues()), Detail: "测试诉求", Department: pick(r, Departments),
					Resolved: resolved, CreatedAt: o.Until.Add(-time.Duration(r.IntN(80*24)) * time.Hour), UpdatedAt: now}
				if resolved {
					d.Score = 1 + r.IntN(5)
					at := d.CreatedAt.Add(time.Duration(24+r.IntN(300)) * time.Hour)
					d.ResolvedAt = &at
				}
				dc := store.Case{ID: d.CaseID, Process: "demand", State: "answering", Title: "测试诉求", ApplicantID: User, WorkflowID: "seed:" + d.CaseID,
					CreatedAt: d.CreatedAt, UpdatedAt: now}
				if resolved {
					dc.State, dc.ClosedAt = "resolved", d.ResolvedAt
				}
				if err := tx.Create(&dc).Error; err != nil {
					return err
				}
				if err := tx.Create(&d).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
}
