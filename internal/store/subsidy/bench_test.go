package subsidy_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
	ledger "talentflow/internal/store/subsidy"
)

// Both benchmarks run on SQLite, or on PostgreSQL when TALENTFLOW_TEST_POSTGRES is set; the
// sub-benchmark is named after the dialect (…/sqlite, …/postgres).

// reservers is how many approvals race at once.
const reservers = 16

// BenchmarkReserveUnderContention: 16 goroutines reserve distinct subsidies of one policy at
// once, every reservation a conditional update of the same policy row.
func BenchmarkReserveUnderContention(b *testing.B) {
	const amount, months = 100_000, 36
	f := newFixture(b, amount, months, 1<<50) // a budget no run exhausts
	ctx := context.Background()
	run := 0
	b.Run(string(f.db.Dialect), func(b *testing.B) {
		// Fresh subsidies for this run, one per reservation, written outside the timer.
		run++
		ids := f.subsidies(b, fmt.Sprintf("case_r%d", run), b.N, nil)
		before, err := f.ledger.Policy(ctx, f.policy.ID)
		require.NoError(b, err)
		var next atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		for range reservers {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= len(ids) {
						return
					}
					ok, err := f.ledger.Reserve(ctx, ids[i])
					if err != nil || !ok {
						b.Errorf("reserve %s: %v, %v", ids[i], ok, err)
					}
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reservations/s")
		after, err := f.ledger.Policy(ctx, f.policy.ID)
		require.NoError(b, err)
		require.EqualValues(b, int64(b.N)*amount*months, after.ReservedFen-before.ReservedFen)
	})
}

// BenchmarkForecastWith10000ActiveSchedules: the 12-month forecast over 10,000 running
// 36-month schedules, begun over the last 30 months, every tenth with a reported departure,
// and with the period before each one's next booked and due.
func BenchmarkForecastWith10000ActiveSchedules(b *testing.B) {
	const amount, months, n = 100_000, 36, 10_000
	f := newFixture(b, amount, months, 1<<50)
	ctx := context.Background()
	started := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	ids := f.subsidies(b, "case_fc", n, func(i int, s *ledger.Subsidy) {
		back := i % 30 // begun 0..29 months before 2026-11
		first := domain.AddPeriods("2026-11", -back)
		s.FirstPeriod = &first
		at := started
		s.StartedAt = &at
		s.NextPeriod = back + 1
		s.ReservedFen = s.CommitmentFen
		if i%10 == 3 {
			left := domain.AddPeriods("2026-12", i%18) + "-15"
			s.LeftOn = &left
		}
	})
	var due []ledger.Payment
	now := time.Now().UTC()
	for i, id := range ids {
		back := i % 30
		if back == 0 {
			continue
		}
		due = append(due, ledger.Payment{ID: fmt.Sprintf("pay_fc_%05d", i), CaseID: id, Seq: back,
			Period: domain.AddPeriods("2026-11", -1), DueAt: started, AmountFen: amount, State: string(domain.PaymentDue),
			CreatedAt: now, UpdatedAt: now})
	}
	require.NoError(b, f.db.CreateInBatches(due, 1000).Error)
	// The forecast sees every schedule.
	got, err := f.ledger.Forecast(ctx, "2026-12", 12)
	require.NoError(b, err)
	require.Len(b, got, 12)

	b.Run(string(f.db.Dialect), func(b *testing.B) {
		b.ResetTimer()
		for range b.N {
			if _, err := f.ledger.Forecast(ctx, "2026-12", 12); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/op")
	})
}
