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
