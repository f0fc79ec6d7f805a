// Package temporalserver runs Temporal's own server services (frontend, history, matching,
// worker) from go.temporal.io/server on PostgreSQL — `talentflow temporal-server` — and creates
// or upgrades Temporal's schemas with the server module's schema tooling and embedded schema
// files — `talentflow migrate --temporal-db-url`. Several processes on one database form one
// cluster: they find each other through the database's membership table and gossip on their
// membership ports.
//
// It and internal/devstack are the only packages of the product that import go.temporal.io/server.
package temporalserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/temporal"
)

// ClusterName is the name of the one cluster talentflow runs.
const ClusterName = "active"

// DefaultHistoryShards is the number of history shards of a new cluster. It is fixed when the
// cluster is created (the first server start writes it into the database) and cannot change later;
// 512 carries a province (docs/operations.md, "Sizing").
const DefaultHistoryShards = 512

// Services are the server's services, in the order they start.
var Services = []string{"frontend", "history", "matching", "worker"}

// portOffsets place each service's gRPC port relative to the port base; its membership (gossip)
// port is 300 below it: with base 7233, the frontend listens on 7233 and gossips on 6933, as
// Temporal's own defaults do.
var portOffsets = map[string]int{"frontend": 0, "history": 1, "matching": 2, "worker": 6}

const (
	httpPortOffset       = 10
	membershipPortOffset = -300
)

// Options configures a server process.
type Options struct {
	// DatabaseURL is Temporal's default store: postgres://user:password@host:port/temporal?sslmode=disable.
	DatabaseURL string
	// VisibilityDatabase is the database of the visibility store on the same server.
	VisibilityDatabase string
	// Services to run in this process; empty runs all four.
	Services []string
	// BindIP the services listen on; BroadcastAddress is what the other members dial (required
	// when BindIP is 0.0.0.0 or ::).
	BindIP           string
	BroadcastAddress string
	// PortBase is the frontend's gRPC port; the others follow it (see portOffsets).
	PortBase int
	// HistoryShards of a new cluster; an existing cluster keeps its own.
	HistoryShards int32
	// MaxConns bounds each service's connection pool to each store (default 20). A process
	// running all four services opens up to 8 × MaxConns connections.
	MaxConns int
	// MetricsAddr serves the server's Prometheus metrics; empty serves none.
	MetricsAddr string
	Logger      *slog.Logger
	LogLevel    slog.Level
	// ExitOnFatal ends the process on the server's fatal errors (the standalone command).
	ExitOnFatal bool
}

// Ports are the ports a service listens on.
type Ports struct{ GRPC, Membership, HTTP int }

// PortsOf returns the ports of service for a port base.
func PortsOf(base int, service string) Ports {
	p := Ports{GRPC: base + portOffsets[service]}
	p.Membership = p.GRPC + membershipPortOffset
	if service == "frontend" {
		p.HTTP = base + httpPortOffset
	}
	return p
}

// Server is a running set of Temporal services.
type Server struct {
	server   temporal.Server
	logLevel *slog.LevelVar
	frontend string
}

// FrontendAddress is the frontend's host:port, empty when this process runs no frontend.
func (s *Server) FrontendAddress() string { return s.frontend }

// Stop stops the services gracefully.
func (s *Server) Stop() {
	s.logLevel.Set(slog.LevelError)
	_ = s.server.Stop()
}

// Start starts the chosen services and returns once they run.
func Start(o Options) (*Server, error) {
	if err := o.normalise(); err != nil {
		return nil, err
	}
	conf, err := o.serverConfig()
	if err != nil {
		return nil, err
	}
	level := &slog.LevelVar{}
	level.Set(o.LogLevel)
	server, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(o.Services),
		temporal.WithLogger(Logger(o.Logger, level, o.ExitOnFatal)),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("temporal server: %w", err)
	}
	if err := server.Start(); err != nil {
		return nil, fmt.Errorf("temporal server: start: %w", err)
	}
	s := &Server{server: server, logLevel: level}
	if slices.Contains(o.Services, "frontend") {
		s.frontend = net.JoinHostPort(o.BroadcastAddress, strconv.Itoa(PortsOf(o.PortBase, "frontend").GRPC))
	}
	return s, nil
}

func (o *Options) normalise() error {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if len(o.Services) == 0 {
		o.Services = Services
	}
	for _, s := range o.Services {
		if !slices.Contains(Services, s) {
			return fmt.Errorf("services: unknown service %q (choose from %s)", s, strings.Join(Services, ", "))
		}
	}
	if o.VisibilityDatabase == "" {
		o.VisibilityDatabase = "temporal_visibility"
	}
	if o.BindIP == "" {
		o.BindIP = "127.0.0.1"
	}
	if o.BroadcastAddress == "" {
		if ip := net.ParseIP(o.BindIP); ip == nil || ip.IsUnspecified() {
			return errors.New("broadcast-address: required when binding to " + o.BindIP + " (the address the other members dial)")
		}
		o.BroadcastAddress = o.BindIP
	}
	if o.PortBase <= 300 || o.PortBase+httpPortOffset > 65535 {
		return fmt.Errorf("port-base: %d leaves no room for the services' ports (%d…%d and membership ports 300 below)",
			o.PortBase, o.PortBase, o.PortBase+httpPortOffset)
	}
	if o.HistoryShards <= 0 {
		o.HistoryShards = DefaultHistoryShards
	}
	return nil
}

func (o *Options) serverConfig() (*config.Config, error) {
	stores := map[string]config.DataStore{}
	for name, database := range map[string]string{"default": "", "visibility": o.VisibilityDatabase} {
		sql, err := SQLConfig(o.DatabaseURL, database)
		if err != nil {
			return nil, err
		}
		if o.MaxConns > 0 {
			sql.MaxConns, sql.MaxIdleConns = o.MaxConns, o.MaxConns
		}
		stores[name] = config.DataStore{SQL: sql}
	}
	frontend := PortsOf(o.PortBase, "frontend")
	conf := BaseConfig(o.BroadcastAddress, frontend.GRPC, frontend.HTTP, "")
	if o.MetricsAddr != "" {
		conf.Global.Metrics = &metrics.Config{Prometheus: &metrics.PrometheusConfig{
			Framework: metrics.FrameworkOpentelemetry, ListenAddress: o.MetricsAddr, HandlerPath: "/metrics"}}
	}
	conf.Persistence.DefaultStore = "default"
	conf.Persistence.VisibilityStore = "visibility"
	conf.Persistence.NumHistoryShards = o.HistoryShards
	conf.Persistence.DataStores = stores
	conf.Services = map[string]config.Service{}
	for _, name := range Services {
		p := PortsOf(o.PortBase, name)
		var svc config.Service
		svc.RPC.GRPCPort, svc.RPC.MembershipPort, svc.RPC.HTTPPort = p.GRPC, p.Membership, p.HTTP
		svc.RPC.BindOnIP = o.BindIP
		conf.Services[name] = svc
	}
	// PublicClient stays empty: the system workers find a frontend through membership, so a
	// process running only the worker service needs no address of one.
	return conf, nil
}

// BaseConfig is what every talentflow Temporal server shares, the embedded one included: one
// cluster named ClusterName whose frontend members reach at broadcast, no cross-cluster
// redirection, no archival. clusterID may be empty (the first start picks one).
func BaseConfig(broadcast string, frontendGRPC, frontendHTTP int, clusterID string) *config.Config {
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = broadcast
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        ClusterName,
		CurrentClusterName:       ClusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{ClusterName: {
			Enabled:                true,
			InitialFailoverVersion: 1,
			RPCAddress:             net.JoinHostPort(broadcast, strconv.Itoa(frontendGRPC)),
			HTTPAddress:            net.JoinHostPort(broadcast, strconv.Itoa(frontendHTTP)),
			ClusterID:              clusterID,
		}},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	return &conf
}

// SQLConfig turns a postgres:// URL into the server's SQL store configuration (pgx driver), on
// database instead of the URL's own when database is not empty. Query parameters such as sslmode
// pass through as connection attributes.
func SQLConfig(rawURL, database string) (*config.SQL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return nil, errors.New("temporal-db-url: want postgres://user:password@host:port/database")
	}
	if database == "" {
		database = strings.TrimPrefix(u.Path, "/")
	}
	if database == "" {
		return nil, errors.New("temporal-db-url: names no database (…/temporal)")
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "5432")
	}
	password, _ := u.User.Password()
	attrs := map[string]string{}
	for k, v := range u.Query() {
		attrs[k] = v[len(v)-1]
	}
	return &config.SQL{
		PluginName:        postgresql.PluginNamePGX,
		User:              u.User.Username(),
		Password:          password,
		DatabaseName:      database,
		ConnectAddr:       host,
		ConnectProtocol:   "tcp",
		ConnectAttributes: attrs,
		MaxConns:          20,
		MaxIdleConns:      20,
		MaxConnLifetime:   time.Hour,
	}, nil
}
