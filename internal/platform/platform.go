// Package platform assembles talentflow's parts from the configuration: logging, the database
// (migrated at start), identity, the authorizer, the Temporal client and worker, and the HTTP
// server. The commands in cmd/talentflow pick the parts they run.
package platform

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"talentflow/activities"
	"talentflow/api"
	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/attachments"
	"talentflow/internal/app/auditlog"
	"talentflow/internal/app/cases"
	"talentflow/internal/app/monitoring"
	"talentflow/internal/app/notifications"
	"talentflow/internal/app/users"
	"talentflow/internal/calendar"
	"talentflow/internal/config"
	"talentflow/internal/identity"
	"talentflow/internal/process"
	"talentflow/internal/processes"
	"talentflow/internal/store"
	"talentflow/internal/temporalx"
	"talentflow/worker"
)

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.Level}
	if cfg.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// NewRegistry is the Prometheus registry for every metric of the process.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// OpenDatabase opens the application database with the data keys (personal data is sealed
// at rest) and applies pending migrations: the foundation's, then each process's.
func OpenDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger, processes *process.Registry) (*store.DB, error) {
	keys, err := Keys(cfg)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(cfg.DatabaseURL(), log)
	if err != nil {
		return nil, err
	}
	if err := db.UseKeys(keys); err != nil {
		db.Close()
		return nil, err
	}
	applied, err := db.Migrate(ctx, processes.Schemas()...)
	if err != nil {
		db.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("database migrated", "dialect", db.Dialect, "applied", applied)
	}
	if err := app.SeedDepartments(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("seed departments: %w", err)
	}
	return db, nil
}

// TokenSecret is the configured secret, or in dev mode one generated once and kept (0600) in the
// data folder so that tokens survive a restart.
func TokenSecret(cfg *config.Config, dev bool) ([]byte, error) {
	if cfg.TokenSecret != "" {
		return []byte(cfg.TokenSecret.Reveal()), nil
	}
	if !dev {
		return nil, errors.New("token-secret (TALENTFLOW_TOKEN_SECRET) is required outside dev mode")
	}
	path := filepath.Join(cfg.Data, "token.key")
	if b, err := os.ReadFile(path); err == nil && len(b) >= 64 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(buf)
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return nil, err
	}
	return []byte(secret), nil
}

// DialTemporal connects to the frontend, with every payload encrypted by the data keys, and
// makes sure the namespace is ready.
func DialTemporal(ctx context.Context, cfg *config.Config, log *slog.Logger, reg prometheus.Registerer) (client.Client, error) {
	keys, err := Keys(cfg)
	if err != nil {
		return nil, err
	}
	c, err := temporalx.Dial(ctx, temporalx.Options{Address: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace,
		Logger: log, Registry: reg, Wait: 60 * time.Second, Keys: keys})
	if err != nil {
		return nil, err
	}
	if err := temporalx.EnsureNamespace(ctx, c, cfg.Temporal.Namespace, cfg.Retention); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// NewWorker builds the Temporal worker with every activity's dependencies.
func NewWorker(cfg *config.Config, svc *Services) (sdkworker.Worker, error) {
	db, log := svc.DB, svc.Log
	cal, err := calendar.Load(cfg.CalendarDir)
	if err != nil {
		return nil, fmt.Errorf("holiday calendar: %w", err)
	}
	log.Info("holiday calendar loaded", "years", cal.KnownYears())
	deliverer := &activities.Deliverer{DB: db, WebhookURL: cfg.WebhookURL, WebhookSecret: []byte(cfg.WebhookSecret.Reveal()),
		SMTPAddr: cfg.SMTPAddr, SMTPFrom: cfg.SMTPFrom}
	if cfg.SMTPUser != "" {
		host, _, _ := strings.Cut(cfg.SMTPAddr, ":")
		deliverer.SMTPAuth = smtp.PlainAuth("", cfg.SMTPUser, cfg.SMTPPassword.Reveal(), host)
	}
	clock := &activities.Clock{Calendar: cal, Scale: cfg.TimeScale, YellowShare: cfg.YellowShare,
		LGODelayDays: cfg.LGODelayDays, Log: log}
	acts := worker.Activities{
		Projector: &activities.Projector{DB: db, Channels: deliverer.Channels(), Log: log, OnClosed: svc.Processes.OnClosed(),
			Hours: clock.WorkingHours},
		Clock:     clock,
		Deliverer: deliverer,
	}
	engine := &temporalx.Engine{Client: svc.Temporal, TaskQueue: cfg.Temporal.TaskQueue}
	own, err := svc.Processes.Activities(process.Env{DB: db, Log: log, Config: cfg, Engine: engine})
	if err != nil {
		return nil, err
	}
	return worker.New(svc.Temporal, cfg.Temporal.TaskQueue, cfg.Pollers, acts, svc.Processes, own), nil
}

// API is the HTTP side of talentflow.
type API struct {
	Server   *api.Server
	Identity *identity.Service
	Authz    *authz.Authorizer
	// Env is what the processes' parts were built from (for their demo data).
	Env process.Env
}

// NewAPI builds the HTTP server on the database and the Temporal client.
func NewAPI(ctx context.Context, cfg *config.Config, svc *Services, secret []byte, console bool) (*API, error) {
	db, log := svc.DB, svc.Log
	idn, err := identity.NewService(db, secret, cfg.TokenTTL, cfg.BcryptCost)
	if err != nil {
		return nil, err
	}
	idn.IdleTimeout = cfg.IdleTimeout
	az, err := authz.New(ctx, db)
	if err != nil {
		return nil, err
	}
	engine := &temporalx.Engine{Client: svc.Temporal, TaskQueue: cfg.Temporal.TaskQueue}
	a := &app.App{DB: db, Authz: az, Engine: engine, Processes: svc.Processes, Log: log}
	cal, err := calendar.Load(cfg.CalendarDir)
	if err != nil {
		return nil, fmt.Errorf("holiday calendar: %w", err)
	}
	a.WorkingDaysLeft = workingDaysLeft(cal, cfg.TimeScale)
	cs := cases.New(a)
	files := attachments.New(cs, cfg.AttachmentDir(), 10<<20)
	a.Files = files
	env := process.Env{DB: db, Log: log, Config: cfg, App: a, Cases: cs, Engine: engine}
	routes, err := svc.Processes.Routes(env)
	if err != nil {
		return nil, err
	}
	srv := &api.Server{App: a, Inbox: notifications.New(db, a.Unavailable), Audit: auditlog.New(db, a.Unavailable), Users: users.New(db, az, idn, a.Unavailable), Files: files, Cases: cs, Tasks: cs.Tasks, Identity: idn, Authz: az, DB: db, Log: log, Registry: svc.Registry,
		Processes: svc.Processes, ProcessRoutes: routes, Monitoring: newMonitoring(a, cfg, svc.Processes),
		Ready:        api.Checks(map[string]func(context.Context) error{"database": db.Ping, "temporal": engine.Ping}),
		PayloadCodec: temporalx.Codec{Keys: db.Keys}, CodecOrigins: cfg.CodecOrigins}
	for _, cidr := range cfg.TrustedProxies {
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", cidr, err)
		}
		srv.TrustedProxies = append(srv.TrustedProxies, n)
	}
	if console {
		srv.Console = api.Console()
	}
	return &API{Server: srv, Identity: idn, Authz: az, Env: env}, nil
}

// Listen claims the HTTP address early, so that a port in use fails the start at once.
func Listen(addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set --addr or TALENTFLOW_ADDR)", addr, err)
	}
	return l, nil
}

// ServeListener runs the HTTP server until ctx ends, then drains requests for up to 10 seconds.
func ServeListener(ctx context.Context, l net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(JSONProtocolErrors(l)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}

// ServeMetrics serves /metrics and /healthz for a process without the API (the worker).
func ServeMetrics(ctx context.Context, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	l, err := Listen(addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})
	return ServeListener(ctx, l, mux, log)
}

// Services are the connections every long-running talentflow process holds.
type Services struct {
	Log       *slog.Logger
	Registry  *prometheus.Registry
	Processes *process.Registry
	DB        *store.DB
	Temporal  client.Client
}

// Connect validates the configuration, opens the migrated database and dials Temporal.
func Connect(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Services, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Services{Log: log, Registry: NewRegistry()}
	var err error
	if s.Processes, err = processes.Registry(); err != nil {
		return nil, err
	}
	if s.DB, err = OpenDatabase(ctx, cfg, log, s.Processes); err != nil {
		return nil, err
	}
	if s.Temporal, err = DialTemporal(ctx, cfg, log, s.Registry); err != nil {
		s.DB.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the connections.
func (s *Services) Close() {
	s.Temporal.Close()
	s.DB.Close()
}

// newMonitoring is the leading group's dashboard and report, with the registry's labels.
func newMonitoring(a *app.App, cfg *config.Config, processes *process.Registry) *monitoring.Service {
	procs, states := processes.Labels()
	return monitoring.New(a, cfg.CountyName, monitoring.Labels{Processes: procs, States: states})
}

// workingDaysLeft counts working days between now and a deadline in process time (durations
// are scaled by TALENTFLOW_TIME_SCALE), to one decimal.
func workingDaysLeft(cal *calendar.WorkingDayCalendar, scale float64) func(now, deadline time.Time) float64 {
	if scale <= 0 {
		scale = 1
	}
	return func(now, deadline time.Time) float64 {
		from, to, sign := now, deadline, 1.0
		if deadline.Before(now) {
			from, to, sign = deadline, now, -1
		}
		days, _ := cal.Elapsed(from, from.Add(time.Duration(float64(to.Sub(from))/scale)))
		return sign * math.Round(days*10) / 10
	}
}
