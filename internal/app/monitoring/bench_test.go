package monitoring_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/monitoring"
	"talentflow/internal/app/tasks"
	"talentflow/internal/processes"
	"talentflow/internal/seed"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
)

// The benchmarks run on a database seeded once per run with TALENTFLOW_BENCH_CASES cases (default
// 100,000) and about ten tasks each: SQLite, or PostgreSQL with TALENTFLOW_TEST_POSTGRES.
//
//	go test ./internal/app/monitoring/ -run '^$' -bench . -benchtime 200x
var (
	seeded     *store.DB
	seededOnce sync.Once
)

func seededDB(b *testing.B) *store.DB {
	seededOnce.Do(func() {
		ctx := context.Background()
		registry, err := processes.Registry()
		if err != nil {
			b.Fatal(err)
		}
		dir, err := os.MkdirTemp("", "talentflow-bench-*")
		if err != nil {
			b.Fatal(err)
		}
		db, _, err := storetest.OpenKept(dir, registry.Schemas()...) // kept for every benchmark of the run
		if err != nil {
			b.Fatal(err)
		}
		if err := app.SeedDepartments(ctx, db); err != nil {
			b.Fatal(err)
		}
		n := 100_000
		if v, err := strconv.Atoi(os.Getenv("TALENTFLOW_BENCH_CASES")); err == nil && v > 0 {
			n = v
		}
		began := time.Now()
		if err := seed.Run(ctx, db, seed.Options{Cases: n, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		var tasksN int64
		db.Model(&store.Task{}).Count(&tasksN)
		b.Logf("seeded %d cases and %d tasks on %s in %s", n, tasksN, db.Dialect, time.Since(began).Round(time.Second))
		seeded = db
	})
	if seeded == nil {
		b.Fatal("seeding failed")
	}
	return seeded
}

// measure runs fn b.N times and reports the median and 95th percentile latency.
func measure(b *testing.B, fn func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

func BenchmarkDashboardQuarter(b *testing.B) {
	db := seededDB(b)
	s := monitoring.New(&app.App{DB: db, Processes: mustRegistry(b)}, "", monitoring.Labels{})
	per, err := s.Resolve(monitoring.Query{})
	if err != nil {
		b.Fatal(err)
	}
	measure(b, func() error {
		_, err := monitoring.Read(context.Background(), db.DB, per, "", "")
		return err
	})
}

func BenchmarkDashboardYearOneDepartment(b *testing.B) {
	db := seededDB(b)
	s := monitoring.New(&app.App{DB: db, Processes: mustRegistry(b)}, "", monitoring.Labels{})
	to := time.Now()
	per, err := s.Resolve(monitoring.Query{From: to.AddDate(-1, 0, 0).Format(time.DateOnly), To: to.Format(time.DateOnly)})
	if err != nil {
		b.Fatal(err)
	}
	measure(b, func() error {
		_, err := monitoring.Read(context.Background(), db.DB, per, "hrss", "")
		return err
	})
}

func BenchmarkDepartmentInbox(b *testing.B) {
	db := seededDB(b)
	ctx := context.Background()
	now := time.Now().UTC()
	u := store.User{ID: "usr_bench_hrss", Username: "bench.hrss", DisplayName: "人社审核", Kind: "staff", CreatedAt: now, UpdatedAt: now}
	grant := store.RoleAssignment{UserID: u.ID, Role: "approver", Department: "hrss", GrantedBy: "bench", GrantedAt: now}
	if err := db.Where("id = ?", u.ID).FirstOrCreate(&u).Error; err != nil {
		b.Fatal(err)
	}
	if err := db.Where("user_id = ?", u.ID).FirstOrCreate(&grant).Error; err != nil {
		b.Fatal(err)
	}
	az, err := authz.New(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	a := &app.App{DB: db, Authz: az, Processes: mustRegistry(b), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	svc := tasks.New(a)
	p := authz.NewPrincipal(u, []store.RoleAssignment{grant})
	measure(b, func() error {
		page, err := svc.Tasks(ctx, p, tasks.TaskFilter{Scope: tasks.ScopeDepartment, State: "open"})
		if err == nil && len(page.Items) == 0 {
			b.Fatal("an empty inbox measures nothing")
		}
		return err
	})
}

func mustRegistry(b *testing.B) app.Processes {
	r, err := processes.Registry()
	if err != nil {
		b.Fatal(err)
	}
	return r
}
