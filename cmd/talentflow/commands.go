package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"talentflow/internal/app"
	"talentflow/internal/config"
	"talentflow/internal/identity"
	"talentflow/internal/platform"
	"talentflow/internal/processes"
	"talentflow/internal/seed"
	"talentflow/internal/store"
	"talentflow/internal/temporalserver"
)

// DevCmd is `talentflow dev`.
type DevCmd struct {
	config.Config `embed:""`
	TemporalPort  int           `name:"temporal-port" default:"7233" env:"TALENTFLOW_TEMPORAL_PORT" help:"Port of the embedded Temporal frontend (0: any free port)."`
	UIPort        int           `name:"ui-port" default:"8233" env:"TALENTFLOW_UI_PORT" help:"Port of the Temporal Web UI (0: any free port, -1: no UI)."`
	DemoPassword  config.Secret `name:"demo-password" default:"Demo-Talent-2026" env:"TALENTFLOW_DEMO_PASSWORD" help:"Password of every demo account."`
}

// Run starts the whole platform in this process and serves until interrupted.
func (d *DevCmd) Run(ctx context.Context) error {
	return platform.RunDev(ctx, platform.DevOptions{Config: &d.Config, TemporalPort: d.TemporalPort,
		UIPort: d.UIPort, DemoPassword: d.DemoPassword.Reveal(), Out: os.Stdout})
}

// APICmd is `talentflow api`.
type APICmd struct {
	config.Config `embed:""`
	Console       bool `name:"console" default:"true" negatable:"" env:"TALENTFLOW_CONSOLE" help:"Serve the web console."`
}

// Run serves the API against the configured Temporal frontend and database.
func (c *APICmd) Run(ctx context.Context) error {
	cfg := &c.Config
	log := platform.NewLogger(cfg.Log, os.Stderr)
	secret, err := platform.TokenSecret(cfg, false)
	if err != nil {
		return err
	}
	listener, err := platform.Listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer listener.Close()
	svc, err := platform.Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	api, err := platform.NewAPI(ctx, cfg, svc, secret, c.Console)
	if err == nil {
		// Outside dev mode the public demo password only serves to choose a new one.
		api.Identity.MustChange = func(pw string) bool { return pw == platform.DefaultDemoPassword }
	}
	if err != nil {
		return err
	}
	go api.Authz.ReloadEvery(ctx, 30*time.Second, log)
	go api.Server.App.KeepReconcilingStarts(ctx, 30*time.Second)
	log.Info("talentflow api ready", "addr", listener.Addr().String(), "temporal", cfg.Temporal.Address,
		"database", string(svc.DB.Dialect))
	return platform.ServeListener(ctx, listener, api.Server.Handler(), log)
}

// WorkerCmd is `talentflow worker`.
type WorkerCmd struct {
	config.Config `embed:""`
	MetricsAddr   string `name:"metrics-addr" default:"127.0.0.1:9464" env:"TALENTFLOW_METRICS_ADDR" help:"Where the worker serves /metrics and /healthz."`
}

// Run polls the task queue until interrupted.
func (c *WorkerCmd) Run(ctx context.Context) error {
	cfg := &c.Config
	log := platform.NewLogger(cfg.Log, os.Stderr)
	svc, err := platform.Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	w, err := platform.NewWorker(cfg, svc)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	log.Info("talentflow worker polling", "task_queue", cfg.Temporal.TaskQueue, "temporal", cfg.Temporal.Address)
	return platform.ServeMetrics(ctx, c.MetricsAddr, svc.Registry, log)
}

// MigrateCmd is `talentflow migrate`.
type MigrateCmd struct {
	config.Config      `embed:""`
	TemporalStore      config.TemporalStore `embed:""`
	TemporalSchemaOnly bool                 `name:"temporal-schema-only" help:"Only create or upgrade Temporal's schemas (before its server first starts)."`
	SkipTemporal       bool                 `name:"skip-temporal" help:"Only migrate the database."`
	AdminPassword      config.Secret        `name:"admin-password" env:"TALENTFLOW_ADMIN_PASSWORD" help:"Create the first administrator 'admin' with this password if nobody holds the admin role."`
	DemoPassword       config.Secret        `name:"demo-accounts-password" env:"TALENTFLOW_DEMO_ACCOUNTS_PASSWORD" help:"Staging only: create the demo accounts (one per role) with this password. Never on a county's production database."`
}

// Run creates or upgrades Temporal's schemas (with --temporal-db-url), applies talentflow's
// migrations and prepares the Temporal namespace. Every step is idempotent.
func (c *MigrateCmd) Run(ctx context.Context) error {
	cfg := &c.Config
	if err := cfg.Validate(); err != nil {
		return err
	}
	if c.TemporalStore.URL != "" {
		log := platform.NewLogger(cfg.Log, os.Stderr)
		versions, err := temporalserver.SetupSchemas(c.TemporalStore.URL.Reveal(), c.TemporalStore.VisibilityDB, log)
		if err != nil {
			return err
		}
		log.Info("temporal schemas up to date", "versions", versions)
	} else if c.TemporalSchemaOnly {
		return errors.New("temporal-schema-only needs temporal-db-url (TALENTFLOW_TEMPORAL_DB_URL)")
	}
	if c.TemporalSchemaOnly {
		return nil
	}
	db, log, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	version, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	log.Info("database schema up to date", "version", version, "dialect", string(db.Dialect))
	if c.AdminPassword != "" {
		created, err := app.BootstrapAdmin(ctx, db, c.AdminPassword.Reveal(), cfg.BcryptCost)
		if err != nil {
			return fmt.Errorf("first administrator: %w", err)
		}
		if created {
			log.Info("created the first administrator", "username", "admin")
		}
	}
	if c.DemoPassword != "" {
		if c.DemoPassword.Reveal() == platform.DefaultDemoPassword {
			return errors.New("demo-accounts-password: choose a password other than the published demo one")
		}
		idn, err := identity.NewService(db, make([]byte, 32), cfg.TokenTTL, cfg.BcryptCost)
		if err != nil {
			return err
		}
		created, err := app.SeedDemoAccounts(ctx, db, idn, c.DemoPassword.Reveal())
		if err != nil {
			return fmt.Errorf("demo accounts: %w", err)
		}
		log.Info("demo accounts ready", "created", created)
	}
	if c.SkipTemporal {
		return nil
	}
	temporal, err := platform.DialTemporal(ctx, cfg, log, nil)
	if err != nil {
		return errors.Join(err, errors.New("pass --skip-temporal to migrate only the database"))
	}
	temporal.Close()
	log.Info("temporal namespace ready", "namespace", cfg.Temporal.Namespace, "retention", cfg.Retention)
	return nil
}

// SeedCmd is `talentflow seed`.
type SeedCmd struct {
	config.Config `embed:""`
	Cases         int  `name:"cases" default:"100000" help:"How many cases (with about ten tasks each)."`
	Yes           bool `name:"yes-this-is-a-test-database" help:"Required: the rows are fake and have no workflows behind them."`
}

// Run migrates the database and writes the history, with a progress line.
func (c *SeedCmd) Run(ctx context.Context) error {
	if !c.Yes {
		return errors.New("seed writes fake cases: pass --yes-this-is-a-test-database to a database nobody works in")
	}
	db, log, err := openMigrated(ctx, &c.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	began := time.Now()
	err = seed.Run(ctx, db, seed.Options{Cases: c.Cases, Seed: uint64(began.UnixNano()), Progress: func(done, total int) {
		fmt.Fprintf(os.Stderr, "\rseeding: %d / %d cases (%d%%), %s", done, total, 100*done/total, time.Since(began).Round(time.Second))
	}})
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return err
	}
	log.Info("seeded", "cases", c.Cases, "took", time.Since(began).Round(time.Second).String())
	return nil
}

// openMigrated opens the configured database with every process's migrations applied.
func openMigrated(ctx context.Context, cfg *config.Config) (*store.DB, *slog.Logger, error) {
	log := platform.NewLogger(cfg.Log, os.Stderr)
	registry, err := processes.Registry()
	if err != nil {
		return nil, nil, err
	}
	db, err := platform.OpenDatabase(ctx, cfg, log, registry)
	return db, log, err
}
