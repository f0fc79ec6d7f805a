package main

import (
	"context"
	"fmt"
	"os"

	"talentflow/internal/bench"
	"talentflow/internal/config"
)

// BenchCmd is `talentflow bench`.
type BenchCmd struct {
	Cases           int           `name:"cases" default:"100" help:"How many cases to drive end to end (on each side)."`
	Concurrency     int           `name:"concurrency" default:"8" help:"Clients driving cases at once; each takes the next case when it has finished one."`
	Process         string        `name:"process" default:"introduction" enum:"introduction,subsidy,liaison" help:"The process to drive: introduction (application to public notice); subsidy (living allowance: application, employment, hrss review, finance approval to the first booked period); liaison (pairing decision, a contact with one demand, the department's reply, the office's verification, the talent's rating). Subsidy and liaison first prepare a category-C certificate per case, untimed, on a scaled clock (--time-scale)."`
	Category        string        `name:"category" default:"B" enum:"A,B,C,D,E" help:"Category of the introductions (B: window, three reviewers, sign-off)."`
	TimeScale       float64       `name:"time-scale" help:"TALENTFLOW_TIME_SCALE of the embedded stack (default: 1 for introduction, 0.00002 for subsidy and liaison, whose certificates follow a five-working-day notice)."`
	JSON            bool          `name:"json" help:"Print the result as one JSON object on the last line."`
	URL             string        `name:"url" help:"Drive a running talentflow at this base URL instead of starting one (its demo accounts must exist)."`
	TemporalAddress string        `name:"temporal-address" help:"With --url: the Temporal frontend of that talentflow, for the bare side (none: no bare side)."`
	Namespace       string        `name:"temporal-namespace" default:"talentflow" help:"With --url: the Temporal namespace for the bare side."`
	Data            string        `name:"data" help:"Data folder of the embedded stack, kept after the run (default: a temporary folder, removed)."`
	DemoPassword    config.Secret `name:"demo-password" default:"Demo-Talent-2026" env:"TALENTFLOW_DEMO_PASSWORD" help:"Password of the demo accounts."`
	SkipBare        bool          `name:"skip-bare" help:"Drive the full side only."`
	BareCheckpoint  string        `name:"bare-checkpoint" default:"activity" enum:"activity,timer,none" help:"How the bare side makes an accepted Update durable before its first read-model write: activity (talentflow's checkpoint, a no-op activity), timer (a 1 ms timer, the checkpoint's first form) or none (what it cost before the checkpoint)."`
	CPUProfile      string        `name:"cpuprofile" help:"Write a CPU profile of the full side here (and of the bare side to <file>.bare); read it with go tool pprof."`
}

// Run drives the full side, then the bare side, and prints the comparison.
func (c *BenchCmd) Run(ctx context.Context) error {
	res, err := bench.Run(ctx, bench.Options{Cases: c.Cases, Concurrency: c.Concurrency, Process: c.Process,
		Category: c.Category, TimeScale: c.TimeScale, URL: c.URL, TemporalAddress: c.TemporalAddress, Namespace: c.Namespace, Data: c.Data,
		Password: c.DemoPassword.Reveal(), SkipBare: c.SkipBare, BareCheckpoint: c.BareCheckpoint, CPUProfile: c.CPUProfile, Progress: os.Stderr})
	if res != nil {
		res.WriteText(os.Stdout)
		if c.JSON {
			if jerr := res.WriteJSON(os.Stdout); jerr != nil {
				return jerr
			}
		}
	}
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	return nil
}
