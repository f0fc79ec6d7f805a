package devstack_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/devstack"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func start(t testing.TB, file string, pragmas map[string]string) (*devstack.Stack, client.Client) {
	t.Helper()
	s, err := devstack.Start(devstack.Options{DatabaseFile: file, UIPort: -1, Namespace: "bench", Logger: quiet,
		LogLevel: slog.LevelError, Pragmas: pragmas})
	require.NoError(t, err)
	c, err := client.Dial(client.Options{HostPort: s.FrontendAddress(), Namespace: "bench", Logger: nopLogger{}})
	require.NoError(t, err)
	return s, c
}

func TestFileDatabaseRunsInWALMode(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.db")
	s, c := start(t, file, nil)
	defer s.Stop()
	defer c.Close()
	mode, err := s.JournalMode(context.Background())
	require.NoError(t, err)
	require.Equal(t, "wal", mode, "the journal_mode pragma reached SQLite")
}

// signalThenActivity waits for one signal, runs one activity, and completes: the unit of work of
// the throughput benchmark.
func signalThenActivity(ctx workflow.Context) (string, error) {
	var name string
	workflow.GetSignalChannel(ctx, "go").Receive(ctx, &name)
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var out string
	err := workflow.ExecuteActivity(ctx, "Greet", name).Get(ctx, &out)
	return out, err
}

func greet(_ context.Context, name string) (string, error) { return "hello " + name, nil }

// BenchmarkThroughput runs b.N one-signal, one-activity workflows with 8 pollers per kind, on a
// SQLite file with talentflow's pragmas, on a file with SQLite's default journal, and in memory,
// and reports completed workflows per second. Compare the sub-benchmarks of one run:
//
//	go test -run '^$' -bench Throughput -benchtime 1000x ./internal/devstack/
func BenchmarkThroughput(b *testing.B) {
	for _, setup := range []struct {
		name    string
		file    bool
		pragmas map[string]string
	}{
		{"file-wal", true, nil},
		{"file-default-journal", true, map[string]string{}},
		{"memory", false, nil},
	} {
		b.Run(setup.name, func(b *testing.B) {
			file := ""
			if setup.file {
				file = filepath.Join(b.TempDir(), "temporal.db")
			}
			s, c := start(b, file, setup.pragmas)
			defer s.Stop()
			defer c.Close()
			w := worker.New(c, "bench", worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8})
			w.RegisterWorkflow(signalThenActivity)
			w.RegisterActivityWithOptions(greet, activity.RegisterOptions{Name: "Greet"})
			require.NoError(b, w.Start())
			defer w.Stop()

			ctx := context.Background()
			b.ResetTimer()
			began := time.Now()
			var wg sync.WaitGroup
			sem := make(chan struct{}, 64)
			for i := range b.N {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					id := fmt.Sprintf("bench-%s-%d", setup.name, i)
					run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "bench"}, signalThenActivity)
					if err != nil {
						b.Error(err)
						return
					}
					if err := c.SignalWorkflow(ctx, id, run.GetRunID(), "go", "talentflow"); err != nil {
						b.Error(err)
						return
					}
					if err := run.Get(ctx, nil); err != nil {
						b.Error(err)
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(began).Seconds(), "workflows/s")
		})
	}
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Info(string, ...any)  {}
func (nopLogger) Warn(string, ...any)  {}
func (nopLogger) Error(string, ...any) {}
