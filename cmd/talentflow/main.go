// Command talentflow runs the talent-work approval platform: `talentflow dev` starts everything
// in one process; `api`, `worker` and `migrate` run the same code against an external Temporal
// cluster and database.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/alecthomas/kong"
)

// CLI is the command line: one subcommand per way of running.
type CLI struct {
	Dev            DevCmd            `cmd:"" help:"Run everything in one process: embedded Temporal on SQLite, API, worker, web console, demo accounts."`
	API            APICmd            `cmd:"" name:"api" help:"Serve the HTTP API and web console against an external Temporal and database."`
	Worker         WorkerCmd         `cmd:"" help:"Run the Temporal worker against an external Temporal and database."`
	Migrate        MigrateCmd        `cmd:"" help:"Apply database migrations, seed departments, register the Temporal namespace and search attributes."`
	TemporalServer TemporalServerCmd `cmd:"" name:"temporal-server" help:"Run Temporal's server services (all or some) on PostgreSQL; several processes on one database form one cluster."`
	Seed           SeedCmd           `cmd:"" help:"Write a county's history of fake cases and tasks into an EMPTY test database, to measure the dashboard and inboxes at volume."`
	Healthcheck    HealthcheckCmd    `cmd:"" help:"GET a URL and exit 0 on a 2xx answer (the container's healthcheck: the image has no shell)."`
	Backup         BackupCmd         `cmd:"" help:"Copy the data folder of talentflow dev while it runs: both SQLite databases (VACUUM INTO), the token key, the attachments."`
	Bench          BenchCmd          `cmd:"" help:"Drive cases end to end through the HTTP API, then the same workflow shape with bare SDK Updates on the same embedded server; print cases/s, latencies and peak RSS."`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var cli CLI
	k := kong.Parse(&cli,
		kong.Name("talentflow"),
		kong.Description("人才工作协同审批平台 — talent introduction, subsidies and liaison follow-up as durable processes."),
		kong.UsageOnError(),
		kong.BindTo(ctx, (*context.Context)(nil)),
	)
	if err := k.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "talentflow:", err)
		os.Exit(1)
	}
}
