package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/bench"
)

// TestATinyBenchReportsBothSidesInItsJSONLine runs the whole bench on its own embedded stack —
// three category-D introductions (four decisions each) through HTTP by two clients, then the
// same shape with bare Updates — and reads the JSON line the command prints last. It asserts
// what every run must show, never how fast the machine was.
func TestATinyBenchReportsBothSidesInItsJSONLine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := bench.Run(ctx, bench.Options{Cases: 3, Concurrency: 2, Category: "D"})
	require.NoError(t, err)
	jsonLine(t, res)

	assert.Equal(t, []int{1, 2, 1}, res.Shape.Steps, "window, hrss and iit, the office")
	assert.Equal(t, 3, res.Full.Completed)
	assert.Equal(t, 12, res.Full.Decisions, "four decisions a case")
	require.NotNil(t, res.Bare)
	assert.Equal(t, 3, res.Bare.Completed)
	assert.Equal(t, 12, res.Bare.Decisions)
	for _, e := range []string{"create", "submit", "inbox", "decide", "bare submit", "bare decide"} {
		assert.Positive(t, res.Endpoints[e].Count, "latencies of %s", e)
	}
}

// jsonLine prints res as the command does and reads back its last line, which must be one
// JSON object with the figures every run has.
func jsonLine(t *testing.T, res *bench.Result) map[string]any {
	t.Helper()
	var out bytes.Buffer
	res.WriteText(&out)
	require.NoError(t, res.WriteJSON(&out))
	lines := bytes.Split(bytes.TrimSpace(out.Bytes()), []byte("\n"))
	var got map[string]any
	require.NoError(t, json.Unmarshal(lines[len(lines)-1], &got), "the last line is one JSON object")
	for _, k := range []string{"full_cases_per_s", "bare_cases_per_s", "ratio", "decide_p50_ms", "decide_p99_ms", "peak_rss_mib"} {
		v, ok := got[k].(float64)
		require.True(t, ok, "%s is a number in %s", k, lines[len(lines)-1])
		assert.Greater(t, v, 0.0, k)
	}
	assert.LessOrEqual(t, got["decide_p50_ms"], got["decide_p99_ms"])
	return got
}

// tinyRun runs a small bench of process and checks what every run must show.
func tinyRun(t *testing.T, process string, humanSteps int) *bench.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := bench.Run(ctx, bench.Options{Cases: 3, Concurrency: 2, Process: process})
	require.NoError(t, err)
	got := jsonLine(t, res)
	assert.Positive(t, got["submit_p50_ms"])
	assert.Equal(t, process, got["process"])
	assert.EqualValues(t, humanSteps, got["human_steps"])
	assert.Positive(t, res.TimeScale, "a scaled clock for the certificates")

	assert.Equal(t, 3, res.Full.Completed)
	assert.Zero(t, res.Full.Failed)
	assert.Equal(t, 3*humanSteps, res.Full.Decisions)
	require.NotNil(t, res.Bare)
	assert.Equal(t, 3, res.Bare.Completed)
	assert.Zero(t, res.Bare.Failed)
	assert.Equal(t, 3*humanSteps, res.Bare.Decisions, "one Update per human step")
	return res
}

// TestATinySubsidyBenchCompletesBothSides prepares three certificates (untimed), then drives
// three living allowances from the application to finance's approval (employment, review,
// finance) and the same shape bare.
func TestATinySubsidyBenchCompletesBothSides(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded Temporal server")
	}
	res := tinyRun(t, "subsidy", 3)
	assert.Equal(t, []int{1, 1, 1}, res.Shape.Steps)
	assert.Equal(t, bench.FinishDisburse, res.Shape.Finish)
	for _, e := range []string{"apply", "inbox", "decide", "bare submit", "bare decide"} {
		assert.Positive(t, res.Endpoints[e].Count, "latencies of %s", e)
	}
}

// TestATinyLiaisonBenchCompletesBothSides prepares three certificates (their pairing requests
// open, untimed), then takes each through the office's pairing, a contact with a demand, the
// reply, the verification and the rating, and the same shape bare.
func TestATinyLiaisonBenchCompletesBothSides(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded Temporal server")
	}
	res := tinyRun(t, "liaison", 5)
	assert.Equal(t, bench.FinishPairing, res.Shape.Finish)
	for _, e := range []string{"contact", "rate", "inbox", "decide", "bare contact", "bare decide", "bare rate"} {
		assert.Positive(t, res.Endpoints[e].Count, "latencies of %s", e)
	}
}
