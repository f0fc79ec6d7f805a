package bench

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Percentiles of one endpoint's latencies, in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P95   float64 `json:"p95_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// latencies collects request durations per endpoint. A sorted slice is exact and small enough:
// 2,000 cases make about 25,000 samples.
type latencies struct {
	mu sync.Mutex
	by map[string][]time.Duration
}

func newLatencies() *latencies { return &latencies{by: map[string][]time.Duration{}} }

func (l *latencies) add(endpoint string, d time.Duration) {
	l.mu.Lock()
	l.by[endpoint] = append(l.by[endpoint], d)
	l.mu.Unlock()
}

// summary gives the percentiles of every endpoint, by the nearest-rank method.
func (l *latencies) summary() map[string]Percentiles {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]Percentiles, len(l.by))
	for name, ds := range l.by {
		s := slices.Clone(ds)
		slices.Sort(s)
		out[name] = Percentiles{Count: len(s), P50: ms(rank(s, 0.50)), P95: ms(rank(s, 0.95)), P99: ms(rank(s, 0.99)),
			Max: ms(s[len(s)-1])}
	}
	return out
}

// rank is the nearest-rank percentile q of sorted samples.
func rank(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 2) }

func round(v float64, digits int) float64 {
	p := 1.0
	for range digits {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// peakRSSMiB is the process's peak resident set: VmHWM from /proc/self/status, else
// getrusage's maximum RSS.
func peakRSSMiB() float64 {
	if f, err := os.Open("/proc/self/status"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64); err == nil {
					return round(kb/1024, 1)
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		return round(float64(ru.Maxrss)/1024, 1) // Linux reports kilobytes
	}
	return 0
}

// cpuTime is the CPU time (user + system) this process has used so far: the embedded server,
// the worker, the API and the bench's own clients together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
