package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Side is what one side of the comparison achieved.
type Side struct {
	Completed     int     `json:"completed"`
	Failed        int     `json:"failed"`
	Decisions     int     `json:"decisions"`
	Seconds       float64 `json:"seconds"`
	CasesPerS     float64 `json:"cases_per_s"`
	DecisionsPerS float64 `json:"decisions_per_s"`
	// MsPerCase is wall time per completed case at this concurrency (1000 / CasesPerS).
	MsPerCase float64 `json:"ms_per_case"`
	// CPUMsPerCase is this process's CPU time (server, worker, API and clients together) per
	// completed case: the cost per case, less sensitive to other load on the machine.
	CPUMsPerCase float64 `json:"cpu_ms_per_case"`
	// FirstError is the first failure's message, if any case failed.
	FirstError string `json:"first_error,omitempty"`
}

// drive runs cases 0..n-1 on concurrency clients; each client takes the next case number when
// it has finished one. runCase returns the decisions the case took. A progress line goes to
// progress (if not nil) twice a second.
func drive(ctx context.Context, label string, n, concurrency int, progress io.Writer,
	runCase func(ctx context.Context, i int) (int, error)) Side {
	var next, completed, failed, decisions atomic.Int64
	var firstErr atomic.Value
	began, cpuBegan := time.Now(), cpuTime()
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	if progress != nil {
		ticker.Add(1)
		go func() {
			defer ticker.Done()
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			line := func() {
				s := time.Since(began).Seconds()
				fmt.Fprintf(progress, "\r%s: %d/%d cases, %d failed, %.1f cases/s, %.1f decisions/s, %.0fs   ",
					label, completed.Load(), n, failed.Load(), float64(completed.Load())/s, float64(decisions.Load())/s, s)
			}
			for {
				select {
				case <-stop:
					line()
					fmt.Fprintln(progress)
					return
				case <-t.C:
					line()
				}
			}
		}()
	}
	var wg sync.WaitGroup
	var last atomic.Int64 // when the last case completed, in ns since began
	for range min(concurrency, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				d, err := runCase(ctx, i)
				decisions.Add(int64(d))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				completed.Add(1)
				last.Store(int64(time.Since(began)))
			}
		}()
	}
	wg.Wait()
	cpu := cpuTime() - cpuBegan
	close(stop)
	ticker.Wait()
	s := Side{Completed: int(completed.Load()), Failed: int(failed.Load()), Decisions: int(decisions.Load())}
	elapsed := time.Duration(last.Load())
	if elapsed <= 0 {
		elapsed = time.Since(began)
	}
	s.Seconds = round(elapsed.Seconds(), 3)
	if s.Completed > 0 {
		s.CasesPerS = round(float64(s.Completed)/elapsed.Seconds(), 2)
		s.DecisionsPerS = round(float64(s.Decisions)/elapsed.Seconds(), 2)
		s.MsPerCase = round(float64(elapsed.Milliseconds())/float64(s.Completed), 2)
		s.CPUMsPerCase = round(float64(cpu.Milliseconds())/float64(s.Completed), 2)
	}
	if e, ok := firstErr.Load().(string); ok {
		s.FirstError = e
	}
	return s
}
