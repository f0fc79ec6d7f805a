// Package devstack runs a complete Temporal server (frontend, history, matching, worker) and its
// Web UI inside the talentflow process, persisted in one SQLite file: the `talentflow dev` stack.
//
// It and internal/temporalserver are the only packages of the product that import
// go.temporal.io/server, so that everything else links small and tests fast.
package devstack

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/primitives/timestamp"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"talentflow/internal/temporalserver"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver used to check pragmas
)

// clusterID must stay the same across restarts of one database file.
const clusterID = "9b6a1c52-3f0e-4d5e-8f1b-2a7c9e4d6b10"

// Options configures the embedded stack. Zero values are filled with sensible defaults.
type Options struct {
	// DatabaseFile is the SQLite file for all Temporal state; empty runs in memory (tests, benchmarks).
	DatabaseFile string
	// IP the services bind to. Default 127.0.0.1.
	IP string
	// FrontendPort for the gRPC frontend the SDK talks to; 0 picks a free port.
	FrontendPort int
	// UIPort for the Temporal Web UI; 0 picks a free port, -1 disables the UI.
	UIPort int
	// CodecEndpoint is the payload codec the Web UI decodes payloads with, from the browser
	// with its cookies ("": payloads are shown as stored).
	CodecEndpoint string
	// Namespace registered at start, with Retention for closed workflows.
	Namespace string
	Retention time.Duration
	// SearchAttributes registered with the namespace when it is first created.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs at LogLevel and above (the server is chatty).
	Logger   *slog.Logger
	LogLevel slog.Level
	// Pragmas replace the measured SQLite settings (for benchmarks comparing them).
	Pragmas map[string]string
}

// Stack is a running embedded Temporal server.
type Stack struct {
	server       temporal.Server
	logLevel     *slog.LevelVar
	ui           *uiserver.Server
	frontendAddr string
	uiURL        string
	dbFile       string
}

// FrontendAddress is the host:port of the gRPC frontend.
func (s *Stack) FrontendAddress() string { return s.frontendAddr }

// UIURL is the Web UI's base URL, empty when the UI is disabled.
func (s *Stack) UIURL() string { return s.uiURL }

// Start builds the schema on a new database file, registers the namespace, and starts all
// services. It returns once the frontend accepts connections.
func Start(opts Options) (*Stack, error) {
	if opts.IP == "" {
		opts.IP = "127.0.0.1"
	}
	if opts.Namespace == "" {
		return nil, errors.New("devstack: namespace is required")
	}
	if opts.Retention <= 0 {
		opts.Retention = 365 * 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}

	// A port in use makes the server log Fatal and exit the whole process, so check first.
	frontendPort, err := claimPort(opts.IP, opts.FrontendPort)
	if err != nil {
		return nil, fmt.Errorf("temporal frontend port: %w", err)
	}
	ports := map[string]int{"frontend": frontendPort}
	for _, svc := range []string{"frontend-http", "history", "matching", "worker"} {
		if ports[svc], err = claimPort(opts.IP, 0); err != nil {
			return nil, err
		}
	}
	uiPort := -1
	if opts.UIPort >= 0 {
		if uiPort, err = claimPort(opts.IP, opts.UIPort); err != nil {
			return nil, fmt.Errorf("temporal UI port: %w", err)
		}
	}

	sqlConf, err := prepareDatabase(opts)
	if err != nil {
		return nil, err
	}

	conf := serverConfig(opts, sqlConf, ports)
	hosts := map[primitives.ServiceName]static.Hosts{}
	for name, svc := range map[primitives.ServiceName]string{
		primitives.FrontendService: "frontend", primitives.HistoryService: "history",
		primitives.MatchingService: "matching", primitives.WorkerService: "worker",
	} {
		hosts[name] = static.SingleLocalHost(net.JoinHostPort(opts.IP, strconv.Itoa(ports[svc])))
	}
	logLevel := &slog.LevelVar{}
	logLevel.Set(opts.LogLevel)
	dyn := dynamicconfig.StaticClient{
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8192,
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		// The server floors every new timer at now + this shift (1 s by default), and its timer
		// queue reads at most 20 times a second. One process, one clock, one shard: 20 ms and
		// 500 reads/s let short timers (a scaled clock's deadlines; the durable-update
		// checkpoint's first form, a 1 ms timer, which took a decision from p50 1,030 ms to
		// 110 ms) fire when they are due.
		dynamicconfig.TimerProcessorMaxTimeShift.Key(): 20 * time.Millisecond,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():   500,
	}
	server, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(temporalserver.Logger(opts.Logger, logLevel, false)),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("devstack: build server: %w", err)
	}
	if err := server.Start(); err != nil {
		return nil, fmt.Errorf("devstack: start server: %w", err)
	}

	s := &Stack{
		server:       server,
		logLevel:     logLevel,
		frontendAddr: net.JoinHostPort(opts.IP, strconv.Itoa(frontendPort)),
		dbFile:       opts.DatabaseFile,
	}
	if uiPort > 0 {
		s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(&uiconfig.Config{
			Host:                opts.IP,
			Port:                uiPort,
			TemporalGRPCAddress: s.frontendAddr,
			EnableUI:            true,
			DefaultNamespace:    opts.Namespace,
			CORS:                uiconfig.CORS{CookieInsecure: true},
			HideLogs:            true,
			DisableNewsFetch:    true,
			// Decisions go through talentflow's audited API, never around it.
			DisableWriteActions: true,
			Codec:               uiconfig.Codec{Endpoint: opts.CodecEndpoint, IncludeCredentials: opts.CodecEndpoint != ""},
		}))
		go func() {
			if err := s.ui.Start(); err != nil {
				opts.Logger.Error("temporal web UI stopped", "err", err)
			}
		}()
		s.uiURL = "http://" + net.JoinHostPort(opts.IP, strconv.Itoa(uiPort))
	}
	return s, nil
}

// Stop shuts the UI and all services down. The server's internal pollers complain while their
// peers stop; those warnings are silenced.
func (s *Stack) Stop() {
	s.logLevel.Set(slog.LevelError)
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.server.Stop()
}

// JournalMode reports SQLite's journal mode on the database file as the server opened it
// ("wal" when the pragmas took effect). Empty for an in-memory stack.
func (s *Stack) JournalMode(ctx context.Context) (string, error) {
	if s.dbFile == "" {
		return "", nil
	}
	return journalMode(ctx, s.dbFile)
}

func journalMode(ctx context.Context, file string) (string, error) {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var mode string
	err = db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	return mode, err
}

// sqlitePragmas are measured settings (see README, "Embedded Temporal"): WAL lets readers run
// beside the single writer, synchronous=NORMAL is durable across process crashes in WAL mode,
// and one connection avoids SQLITE_BUSY storms. Keys carry NO leading underscore: the plugin
// turns each into a _pragma parameter itself.
var sqlitePragmas = map[string]string{
	"journal_mode": "wal",
	"synchronous":  "normal",
	"busy_timeout": "10000",
}

func prepareDatabase(opts Options) (*config.SQL, error) {
	conf := &config.SQL{PluginName: sqliteplugin.PluginName, MaxConns: 1, MaxIdleConns: 1}
	if opts.DatabaseFile == "" {
		conf.ConnectAttributes = map[string]string{"mode": "memory", "cache": "shared"}
		conf.DatabaseName = "talentflow-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	} else {
		conf.ConnectAttributes = map[string]string{"mode": "rwc"}
		conf.DatabaseName = opts.DatabaseFile
		pragmas := sqlitePragmas
		if opts.Pragmas != nil {
			pragmas = opts.Pragmas
		}
		for k, v := range pragmas {
			conf.ConnectAttributes[k] = v
		}
		if err := os.MkdirAll(filepath.Dir(opts.DatabaseFile), 0o750); err != nil {
			return nil, fmt.Errorf("devstack: data folder: %w", err)
		}
		if _, err := os.Stat(opts.DatabaseFile); errors.Is(err, os.ErrNotExist) {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, fmt.Errorf("devstack: create temporal schema: %w", err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(temporalserver.ClusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devstack: namespace config: %w", err)
	}
	// NewNamespaceConfig hard-codes 24 h; closed cases must stay visible much longer. An existing
	// namespace is left as it is here: EnsureNamespace corrects its retention through the API.
	ns.Detail.Config.Retention = timestamp.DurationPtr(opts.Retention)
	if err := sqliteschema.CreateNamespaces(conf, ns); err != nil {
		return nil, fmt.Errorf("devstack: register namespace: %w", err)
	}
	return conf, nil
}

func serverConfig(opts Options, sqlConf *config.SQL, ports map[string]int) *config.Config {
	conf := temporalserver.BaseConfig(opts.IP, ports["frontend"], ports["frontend-http"], clusterID)
	conf.Persistence.DefaultStore = "sqlite-default"
	conf.Persistence.VisibilityStore = "sqlite-default"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{"sqlite-default": {SQL: sqlConf}}
	service := func(svc string) config.Service {
		var c config.Service
		c.RPC.GRPCPort = ports[svc]
		c.RPC.BindOnIP = opts.IP
		return c
	}
	fe := service("frontend")
	fe.RPC.HTTPPort = ports["frontend-http"]
	conf.Services = map[string]config.Service{
		"frontend": fe, "history": service("history"), "matching": service("matching"), "worker": service("worker"),
	}
	conf.PublicClient.HostPort = net.JoinHostPort(opts.IP, strconv.Itoa(ports["frontend"]))
	return conf
}

// claimPort returns port when it is free, or a free port when port is 0.
func claimPort(ip string, port int) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return 0, fmt.Errorf("%s:%d is not free (%w); choose another port or 0 for any free one", ip, port, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
