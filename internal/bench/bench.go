// Package bench measures talentflow against bare Temporal in one run: it drives cases end to
// end through the HTTP API as the demo users do, then the same workflow shape with bare SDK
// Updates on the same embedded server, and reports throughput, latencies and memory.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"talentflow/internal/platform"
)

// Options of a bench run.
type Options struct {
	Cases       int
	Concurrency int
	// Process is the process driven: introduction, subsidy or liaison.
	Process string
	// Category of the introductions (A–E; B by default: three steps, five decisions). Subsidies
	// and liaison use category-C talents whatever it says.
	Category string
	// TimeScale of the embedded stack (TALENTFLOW_TIME_SCALE); 0: the dev default (1) for
	// introductions, DefaultCertifyScale for subsidies and liaison, whose certificates follow a
	// five-working-day notice.
	TimeScale float64
	// URL of a running talentflow to drive instead of an embedded one; TemporalAddress and
	// Namespace then name its Temporal frontend for the bare side (empty: no bare side).
	URL             string
	TemporalAddress string
	Namespace       string
	// Data is the embedded stack's data folder (kept); empty: a temporary one, removed.
	Data string
	// Password of the demo accounts.
	Password string
	// SkipBare runs the full side only.
	SkipBare bool
	// BareCheckpoint is the bare side's durable checkpoint (BareShape.Checkpoint; default
	// "activity", talentflow's).
	BareCheckpoint string
	// CPUProfile, if set, receives a CPU profile of the full side, and CPUProfile+".bare" one
	// of the bare side.
	CPUProfile string
	// Progress receives the progress line (stderr); nil: none.
	Progress io.Writer
}

// Result of a bench run. Its JSON is the last line of `talentflow bench --json`.
type Result struct {
	Process     string `json:"process"`
	Category    string `json:"category,omitempty"`
	Cases       int    `json:"cases"`
	Concurrency int    `json:"concurrency"`
	// CompletedAt says when a case counts as completed, on both sides.
	CompletedAt string `json:"completed_at"`
	Target      string `json:"target"`
	// TimeScale is the embedded stack's TALENTFLOW_TIME_SCALE (0: --url, unknown).
	TimeScale float64   `json:"time_scale,omitempty"`
	Shape     BareShape `json:"shape"`
	// HumanSteps is the number of human steps (decisions, and for liaison the contact and the
	// rating) of a case; each is one Update on the bare side.
	HumanSteps int `json:"human_steps"`

	FullCasesPerS     float64 `json:"full_cases_per_s"`
	FullDecisionsPerS float64 `json:"full_decisions_per_s"`
	BareCasesPerS     float64 `json:"bare_cases_per_s"`
	BareDecisionsPerS float64 `json:"bare_decisions_per_s"`
	// Ratio is full over bare completed cases per second (0 without a bare side).
	Ratio float64 `json:"ratio"`

	DecideP50 float64 `json:"decide_p50_ms"`
	DecideP95 float64 `json:"decide_p95_ms"`
	DecideP99 float64 `json:"decide_p99_ms"`
	SubmitP50 float64 `json:"submit_p50_ms"`
	SubmitP99 float64 `json:"submit_p99_ms"`

	FullMsPerCase    float64 `json:"full_ms_per_case"`
	FullCPUMsPerCase float64 `json:"full_cpu_ms_per_case"`
	BareCPUMsPerCase float64 `json:"bare_cpu_ms_per_case"`
	PeakRSSMiB       float64 `json:"peak_rss_mib"`

	Full      Side                   `json:"full"`
	Bare      *Side                  `json:"bare,omitempty"`
	Endpoints map[string]Percentiles `json:"endpoints"`
	// Notes say what the run could not do (no bare side against --url without a frontend).
	Notes []string `json:"notes,omitempty"`
}

// Run starts the stack (unless Options.URL names one), drives the full side, then the bare
// side, and reports both. A run in which any case failed returns its result and an error.
func Run(ctx context.Context, o Options) (*Result, error) {
	if o.Cases < 1 || o.Concurrency < 1 {
		return nil, errors.New("cases and concurrency must be at least 1")
	}
	if o.Process == "" {
		o.Process = "introduction"
	}
	if o.Category == "" {
		o.Category = "B"
	}
	if o.Password == "" {
		o.Password = platform.DefaultDemoPassword
	}
	proc, ok := processes[o.Process]
	if !ok {
		return nil, fmt.Errorf("process %q: want introduction, subsidy or liaison", o.Process)
	}
	pl, err := proc.plan(o)
	if err != nil {
		return nil, err
	}
	res := &Result{Process: o.Process, Category: pl.category, Cases: o.Cases, Concurrency: o.Concurrency,
		CompletedAt: proc.completedAt, HumanSteps: pl.humanSteps}
	if proc.certified && o.TimeScale == 0 {
		o.TimeScale = DefaultCertifyScale
	}
	shape := BareShape{Process: o.Process, Checkpoint: o.BareCheckpoint, Steps: pl.steps, Finish: pl.finish}
	switch shape.Checkpoint {
	case "":
		shape.Checkpoint = CheckpointActivity
	case CheckpointTimer, CheckpointActivity, CheckpointNone:
	default:
		return nil, fmt.Errorf("bare checkpoint %q: want timer, activity or none", shape.Checkpoint)
	}
	res.Shape = shape

	base, address, namespace, pollers := o.URL, o.TemporalAddress, o.Namespace, 8
	if base == "" {
		dir := o.Data
		if dir == "" {
			if dir, err = tempData(); err != nil {
				return nil, err
			}
			defer os.RemoveAll(dir)
		}
		cfg, err := DevConfig(dir)
		if err != nil {
			return nil, err
		}
		if o.TimeScale > 0 {
			cfg.TimeScale = o.TimeScale
		}
		stack, err := startEmbedded(ctx, cfg, o.Password)
		if err != nil {
			return nil, err
		}
		defer stack.stop()
		base, address, namespace, pollers = stack.URL, stack.TemporalAddress, stack.Namespace, stack.Pollers
		res.Target = "embedded talentflow dev (SQLite, WAL) in this process, data " + dir
		res.TimeScale = cfg.TimeScale
	} else {
		base = strings.TrimRight(base, "/")
		res.Target = base
	}
	if namespace == "" {
		namespace = "talentflow"
	}

	lat := newLatencies()
	r := &runner{o: o, h: newHTTPClient(o.Concurrency), base: base, lat: lat, users: map[string]*apiClient{}, res: res}
	runCase, err := proc.ready(ctx, r, pl)
	if err != nil {
		return nil, err
	}
	if proc.certified {
		res.Notes = append(res.Notes, fmt.Sprintf("untimed: %d category-C certificates prepared through the API first (introductions driven to notice, the notice waited out on the scaled clock)", o.Cases))
	}

	stopProfile, err := profile(o.CPUProfile)
	if err != nil {
		return nil, err
	}
	res.Full = drive(ctx, "full", o.Cases, o.Concurrency, o.Progress, runCase)
	stopProfile()

	var bare *bareSide
	switch {
	case o.SkipBare:
		res.Notes = append(res.Notes, "bare side skipped (--skip-bare)")
	case address == "":
		res.Notes = append(res.Notes, "no bare side: --url without --temporal-address")
	default:
		if bare, err = startBare(address, namespace, pollers, shape, fmt.Sprint(time.Now().UnixNano()), lat); err != nil {
			return nil, err
		}
		defer bare.stop()
		if shape.Finish == FinishPairing {
			if err := bare.prepareLiaison(ctx, o.Cases, o.Concurrency); err != nil {
				return nil, err
			}
		}
	}
	if bare != nil && ctx.Err() == nil {
		stopProfile, err := profile(suffix(o.CPUProfile, ".bare"))
		if err != nil {
			return nil, err
		}
		side := drive(ctx, "bare", o.Cases, o.Concurrency, o.Progress, bare.runCase)
		stopProfile()
		res.Bare = &side
	}

	res.summarize(lat)
	var errs []error
	if res.Full.Failed > 0 {
		errs = append(errs, fmt.Errorf("%d full cases failed; the first: %s", res.Full.Failed, res.Full.FirstError))
	}
	if res.Bare != nil && res.Bare.Failed > 0 {
		errs = append(errs, fmt.Errorf("%d bare cases failed; the first: %s", res.Bare.Failed, res.Bare.FirstError))
	}
	if ctx.Err() != nil {
		errs = append(errs, ctx.Err())
	}
	return res, errors.Join(errs...)
}

func (r *Result) summarize(lat *latencies) {
	r.Endpoints = lat.summary()
	r.FullCasesPerS, r.FullDecisionsPerS = r.Full.CasesPerS, r.Full.DecisionsPerS
	r.FullMsPerCase, r.FullCPUMsPerCase = r.Full.MsPerCase, r.Full.CPUMsPerCase
	if r.Bare != nil {
		r.BareCasesPerS, r.BareDecisionsPerS, r.BareCPUMsPerCase = r.Bare.CasesPerS, r.Bare.DecisionsPerS, r.Bare.CPUMsPerCase
		if r.BareCasesPerS > 0 {
			r.Ratio = round(r.FullCasesPerS/r.BareCasesPerS, 3)
		}
	}
	// The start's latency: the submission of an introduction, the application of a subsidy,
	// the contact that starts a liaison demand.
	d, s := r.Endpoints["decide"], r.Endpoints[processes[r.Process].start]
	r.DecideP50, r.DecideP95, r.DecideP99 = d.P50, d.P95, d.P99
	r.SubmitP50, r.SubmitP99 = s.P50, s.P99
	r.PeakRSSMiB = peakRSSMiB()
}

// WriteText prints the result for a person.
func (r *Result) WriteText(w io.Writer) {
	fmt.Fprintf(w, "talentflow bench: %d %s cases (category %s, %d human steps each), %d clients, bare checkpoint %s\n",
		r.Cases, r.Process, r.Category, r.HumanSteps, r.Concurrency, r.Shape.Checkpoint)
	fmt.Fprintf(w, "  target     %s\n  completed  at the %s\n", r.Target, r.CompletedAt)
	side := func(name string, s Side) {
		fmt.Fprintf(w, "  %-5s %5d done %3d failed in %7.2fs: %7.2f cases/s %8.2f decisions/s  %8.1f ms/case  %7.1f CPU ms/case\n",
			name, s.Completed, s.Failed, s.Seconds, s.CasesPerS, s.DecisionsPerS, s.MsPerCase, s.CPUMsPerCase)
	}
	side("full", r.Full)
	if r.Bare != nil {
		side("bare", *r.Bare)
		fmt.Fprintf(w, "  ratio full/bare: %.3f\n", r.Ratio)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	names := make([]string, 0, len(r.Endpoints))
	for n := range r.Endpoints {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(w, "  %-12s %7s %9s %9s %9s %9s\n", "endpoint", "count", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, n := range names {
		p := r.Endpoints[n]
		fmt.Fprintf(w, "  %-12s %7d %9.1f %9.1f %9.1f %9.1f\n", n, p.Count, p.P50, p.P95, p.P99, p.Max)
	}
	fmt.Fprintf(w, "  peak RSS %.1f MiB (this process: server, worker, API and clients)\n", r.PeakRSSMiB)
}

// WriteJSON prints the result as one line of JSON.
func (r *Result) WriteJSON(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// profile starts a CPU profile into path (nothing if empty) and returns its stop.
func profile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func suffix(path, s string) string {
	if path == "" {
		return ""
	}
	return path + s
}
