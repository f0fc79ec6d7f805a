package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"talentflow/internal/app"
	"talentflow/internal/config"
	"talentflow/internal/devstack"
	"talentflow/workflows"
)

// DefaultDemoPassword is the demo accounts' password unless TALENTFLOW_DEMO_PASSWORD says
// otherwise; it meets the password rules.
const DefaultDemoPassword = "Demo-Talent-2026"

// DevOptions configure the one-process dev stack.
type DevOptions struct {
	Config       *config.Config
	TemporalPort int // 0: any free port
	UIPort       int // 0: any free port; -1: no Temporal Web UI
	DemoPassword string
	// Out receives the banner with the URLs and demo logins.
	Out io.Writer
}

// RunDev starts everything in this process — the Temporal server on a SQLite file in the data
// folder, the app database, the worker, the API and web console, the demo accounts — and
// serves until ctx ends; then it stops them in reverse order.
func RunDev(ctx context.Context, o DevOptions) error {
	started := time.Now()
	cfg := o.Config
	log := NewLogger(cfg.Log, os.Stderr)
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return fmt.Errorf("data folder %s: %w", cfg.Data, err)
	}
	listener, err := Listen(cfg.Addr)
	if err != nil {
		return err
	}
	defer listener.Close()

	stack, err := devstack.Start(devstack.Options{
		DatabaseFile:     filepath.Join(cfg.Data, "temporal.db"),
		FrontendPort:     o.TemporalPort,
		UIPort:           o.UIPort,
		Namespace:        cfg.Temporal.Namespace,
		Retention:        cfg.Retention,
		SearchAttributes: workflows.SearchAttributes(),
		CodecEndpoint:    codecEndpoint(listener.Addr()),
		Logger:           log,
		LogLevel:         max(cfg.Level, slog.LevelWarn),
	})
	if err != nil {
		return err
	}
	defer stack.Stop()
	if mode, err := stack.JournalMode(ctx); err != nil || mode != "wal" {
		log.Warn("temporal database is not in WAL mode", "journal_mode", mode, "err", err)
	}
	cfg.Temporal.Address = stack.FrontendAddress()

	secret, err := TokenSecret(cfg, true)
	if err != nil {
		return err
	}
	if err := DevKeys(cfg); err != nil {
		return err
	}
	svc, err := Connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer svc.Close()
	api, err := NewAPI(ctx, cfg, svc, secret, true)
	if err != nil {
		return err
	}
	created, err := app.SeedDemoAccounts(ctx, svc.DB, api.Identity, o.DemoPassword)
	if err != nil {
		return fmt.Errorf("demo accounts: %w", err)
	}
	if err := api.Authz.Reload(ctx); err != nil {
		return err
	}
	w, err := NewWorker(cfg, svc)
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	defer w.Stop()
	if err := svc.Processes.Demo(ctx, api.Env); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	api.Server.TemporalUI = stack.UIURL()
	if ui := stack.UIURL(); ui != "" {
		api.Server.CodecOrigins = append(api.Server.CodecOrigins, ui, strings.Replace(ui, "127.0.0.1", "localhost", 1))
	}
	// Cases whose start a crash interrupted (recorded, never started) start now.
	go api.Server.App.KeepReconcilingStarts(ctx, 30*time.Second)

	if o.Out != nil {
		banner(o, listener.Addr().String(), stack, created, time.Since(started))
	}
	return ServeListener(ctx, listener, api.Server.Handler(), log)
}

// codecEndpoint is where the embedded Web UI (in the browser) reaches the API's payload codec.
func codecEndpoint(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/api/v1/temporal-codec"
}

func banner(o DevOptions, addr string, stack *devstack.Stack, created int, took time.Duration) {
	cfg := o.Config
	var b strings.Builder
	fmt.Fprintf(&b, "\ntalentflow dev is ready (%s)\n", took.Round(time.Millisecond))
	fmt.Fprintf(&b, "  web console + API   http://%s/   (OpenAPI: http://%s/api/openapi.json)\n", addr, addr)
	if stack.UIURL() != "" {
		fmt.Fprintf(&b, "  Temporal Web UI     %s/namespaces/%s/workflows\n", stack.UIURL(), cfg.Temporal.Namespace)
	}
	fmt.Fprintf(&b, "  Temporal frontend   %s (namespace %s)\n", stack.FrontendAddress(), cfg.Temporal.Namespace)
	fmt.Fprintf(&b, "  data                %s\n", cfg.Data)
	if cfg.TimeScale != 1 {
		day := time.Duration(float64(24*time.Hour) * cfg.TimeScale).Round(time.Second)
		fmt.Fprintf(&b, "  time scale          %g (a calendar day lasts %s)\n", cfg.TimeScale, day)
	}
	password := "the value of TALENTFLOW_DEMO_PASSWORD"
	if o.DemoPassword == DefaultDemoPassword {
		password = DefaultDemoPassword
	}
	fmt.Fprintf(&b, "  demo logins         password %s (%d created now)\n", password, created)
	for _, a := range app.DemoAccounts {
		roles := make([]string, len(a.Roles))
		for i, r := range a.Roles {
			roles[i] = r[0] + "@" + r[1]
		}
		fmt.Fprintf(&b, "    %-15s %-28s %s\n", a.Username, strings.Join(roles, " "), a.Name)
	}
	fmt.Fprintln(o.Out, b.String())
}
