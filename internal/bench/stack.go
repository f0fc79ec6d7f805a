package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/alecthomas/kong"

	"talentflow/internal/config"
	"talentflow/internal/platform"
)

// embedded is a talentflow dev stack started by the bench in this process.
type embedded struct {
	URL             string
	TemporalAddress string
	Namespace       string
	Pollers         int
	Data            string
	stop            func() error
}

// DevConfig is the configuration `talentflow dev` gets from its defaults and TALENTFLOW_*
// variables (parsed by kong from config.Config's tags, so the two never drift), on data
// folder dir, logging warnings as text. The bench starts exactly that, on free ports.
func DevConfig(dir string) (*config.Config, error) {
	var cli struct {
		config.Config `embed:""`
	}
	k, err := kong.New(&cli, kong.Name("talentflow-bench"))
	if err != nil {
		return nil, err
	}
	if _, err := k.Parse(nil); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	cfg := &cli.Config
	cfg.Data = dir
	cfg.Level, cfg.Format = max(cfg.Level, slog.LevelWarn), "text"
	return cfg, nil
}

// startEmbedded runs platform.RunDev — the embedded Temporal server on a SQLite file, the app
// database, the worker, the API and the demo accounts — on cfg with free ports, and returns
// once /readyz answers 200.
func startEmbedded(ctx context.Context, cfg *config.Config, password string) (*embedded, error) {
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	temporalPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- platform.RunDev(ctx, platform.DevOptions{Config: cfg, TemporalPort: temporalPort, UIPort: -1,
			DemoPassword: password, Out: io.Discard})
	}()
	e := &embedded{URL: "http://" + cfg.Addr, TemporalAddress: net.JoinHostPort("127.0.0.1", strconv.Itoa(temporalPort)),
		Namespace: cfg.Temporal.Namespace, Pollers: cfg.Pollers, Data: cfg.Data}
	e.stop = func() error {
		cancel()
		return <-done
	}
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case err := <-done:
			cancel()
			return nil, errors.Join(errors.New("talentflow dev stopped before it was ready"), err)
		case <-deadline:
			_ = e.stop()
			return nil, errors.New("talentflow dev was not ready within 2 minutes")
		case <-time.After(100 * time.Millisecond):
		}
		if ready(ctx, e.URL) {
			return e, nil
		}
	}
}

// ready reports whether the stack serves (/healthz) and its dependencies answer (/readyz).
func ready(ctx context.Context, base string) bool {
	return get(ctx, base+"/healthz") == http.StatusOK && get(ctx, base+"/readyz") == http.StatusOK
}

func get(ctx context.Context, url string) int {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// freePort asks the kernel for a free TCP port on the loopback address (the embedded Temporal
// server exits the process on a port in use, so the bench never guesses one).
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tempData makes a fresh data folder.
func tempData() (string, error) { return os.MkdirTemp("", "talentflow-bench-*") }
