package main

import (
	"context"
	"errors"
	"os"
	"strings"

	"talentflow/internal/config"
	"talentflow/internal/platform"
	"talentflow/internal/temporalserver"
)

// TemporalServerCmd is `talentflow temporal-server`.
type TemporalServerCmd struct {
	Store            config.TemporalStore `embed:""`
	Services         []string             `name:"services" default:"frontend,history,matching,worker" env:"TALENTFLOW_TEMPORAL_SERVICES" help:"Temporal services this process runs (frontend, history, matching, worker)."`
	BindIP           string               `name:"bind-ip" default:"127.0.0.1" env:"TALENTFLOW_TEMPORAL_BIND_IP" help:"Address the services listen on."`
	BroadcastAddress string               `name:"broadcast-address" env:"TALENTFLOW_TEMPORAL_BROADCAST_ADDRESS" help:"Address the other cluster members dial (default: bind-ip; required with 0.0.0.0)."`
	PortBase         int                  `name:"port-base" default:"7233" env:"TALENTFLOW_TEMPORAL_PORT_BASE" help:"Frontend gRPC port; history +1, matching +2, worker +6, frontend HTTP +10; each membership port 300 below its gRPC port."`
	HistoryShards    int32                `name:"history-shards" default:"512" env:"TALENTFLOW_TEMPORAL_HISTORY_SHARDS" help:"History shards of a NEW cluster; fixed when the cluster is created, ignored afterwards."`
	MaxConns         int                  `name:"db-max-conns" default:"20" env:"TALENTFLOW_TEMPORAL_DB_MAX_CONNS" help:"Connections each service may open to each store (all four services: up to 8 × this)."`
	MetricsAddr      string               `name:"metrics-addr" env:"TALENTFLOW_TEMPORAL_METRICS_ADDR" help:"Serve the server's Prometheus metrics on this address (/metrics)."`
	Log              config.Log           `embed:""`
}

// Run serves the chosen Temporal services until interrupted. The schemas must exist: run
// `talentflow migrate --temporal-db-url … --temporal-schema-only` first.
func (c *TemporalServerCmd) Run(ctx context.Context) error {
	if c.Store.URL == "" {
		return errors.New("temporal-db-url (TALENTFLOW_TEMPORAL_DB_URL) is required")
	}
	log := platform.NewLogger(c.Log, os.Stderr)
	server, err := temporalserver.Start(temporalserver.Options{
		DatabaseURL: c.Store.URL.Reveal(), VisibilityDatabase: c.Store.VisibilityDB, Services: c.Services,
		BindIP: c.BindIP, BroadcastAddress: c.BroadcastAddress, PortBase: c.PortBase,
		HistoryShards: c.HistoryShards, MaxConns: c.MaxConns, MetricsAddr: c.MetricsAddr, Logger: log, LogLevel: c.Log.Level,
		ExitOnFatal: true,
	})
	if err != nil {
		return err
	}
	log.Info("temporal server running", "services", strings.Join(c.Services, ","),
		"frontend", server.FrontendAddress(), "port_base", c.PortBase)
	<-ctx.Done()
	log.Info("temporal server stopping")
	server.Stop()
	return nil
}
