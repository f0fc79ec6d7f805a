package api_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"

	"talentflow/api"
	"talentflow/internal/app"
	"talentflow/internal/store"
)

// A frontend that is down answers the SDK's calls with gRPC Unavailable (after temporalx.Engine
// gave up waiting for it); this is what the API makes of it.
var frontendDown = serviceerror.NewUnavailable("connection error: dial tcp 127.0.0.1:7233: connect: connection refused")

// TestADecisionWhileTemporalIsDownAnswers503TemporalUnavailable: not a 500, not a hang, the JSON
// error shape with its code and a Retry-After; and the task is still open for a retry.
func TestADecisionWhileTemporalIsDownAnswers503TemporalUnavailable(t *testing.T) {
	ts := newTestServer(t)
	f := ts.fixtures()
	ts.engine.refuse = frontendDown
	rec := ts.rawJSON(hrss, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision", `{"outcome":"approve"}`)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.JSONEq(t, `{"error":{"code":"temporal_unavailable","message":"`+app.ErrTemporalUnavailable.Message+`"}}`, rec.Body.String())
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
	var state string
	require.NoError(t, ts.db.Model(&store.Task{}).Where("id = ?", f.hrssTask).Pluck("state", &state).Error)
	assert.Equal(t, "open", state, "nothing changed: the task is still open")

	ts.engine.refuse = nil
	assert.Equal(t, http.StatusOK, ts.do(hrss, http.MethodPost, "/api/v1/tasks/"+f.hrssTask+"/decision",
		jsonBody(map[string]string{"outcome": "approve"}), nil), "the frontend is back: the same decision goes through")
}

// TestASubmissionWhileTemporalIsDownIsRecordedNotLost: a submission the frontend cannot start
// is kept with its start recorded (503 start_pending, Retry-After), and started by the
// reconciler once the frontend is back — the submission is not half-written, it is whole and
// pending.
func TestASubmissionWhileTemporalIsDownIsRecordedNotLost(t *testing.T) {
	ts := newTestServer(t)
	var draft struct{ ID string }
	require.Equal(t, http.StatusCreated, ts.do(li, http.MethodPost, "/api/v1/introductions", jsonBody(validProfile("B")), &draft))
	ts.engine.startErr = frontendDown
	rec := ts.rawJSON(li, http.MethodPost, "/api/v1/introductions/"+draft.ID+"/submit", "")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), `"code":"start_pending"`)
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
	var pending int64
	require.NoError(t, ts.db.Model(&store.CaseStart{}).Where("case_id = ?", draft.ID).Count(&pending).Error)
	assert.EqualValues(t, 1, pending)

	ts.engine.startErr = nil
	n, err := ts.server.App.ReconcileStarts(t.Context(), 0)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "started once the frontend answers")
}

// TestOutagesAreRecognisedInOnePlace: each way a dependency fails maps to its code; other
// failures stay what they were.
func TestOutagesAreRecognisedInOnePlace(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		code string
	}{
		"grpc unavailable":          {frontendDown, "temporal_unavailable"},
		"engine verdict":            {errors.Join(app.ErrTemporalUnavailable, context.DeadlineExceeded), "temporal_unavailable"},
		"lazy client first dial":    {errors.Join(errors.New("failed reaching server"), frontendDown), "temporal_unavailable"},
		"postgres refused":          {&net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, "database_unavailable"},
		"postgres shutting down":    {&pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}, "database_unavailable"},
		"a constraint is no outage": {errors.New("UNIQUE constraint failed: users.username"), ""},
	} {
		t.Run(name, func(t *testing.T) {
			out := app.Outage(tc.err)
			if tc.code == "" {
				assert.Nil(t, out)
				return
			}
			require.NotNil(t, out)
			assert.Equal(t, tc.code, out.Code)
			assert.Equal(t, app.KindUnavailable, out.Kind)
		})
	}
}

// TestReadyzNamesTheDependencyThatIsDownWithinThreeSeconds: a database check that hangs does not
// hold /readyz beyond its 3 s, nor make Temporal look down; the answer names each dependency.
func TestReadyzNamesTheDependencyThatIsDownWithinThreeSeconds(t *testing.T) {
	ts := newTestServer(t)
	ts.server.Ready = api.Checks(map[string]func(context.Context) error{
		"database": func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, // a server that never answers
		"temporal": func(context.Context) error { return nil },
	})
	began := time.Now()
	var out api.Readiness
	assert.Equal(t, http.StatusServiceUnavailable, ts.do("", http.MethodGet, "/readyz", nil, &out))
	assert.Less(t, time.Since(began), 4*time.Second)
	assert.Equal(t, api.Readiness{OK: false, Checks: map[string]string{"database": "unavailable", "temporal": "ok"}}, out)

	ts.server.Ready = api.Checks(map[string]func(context.Context) error{
		"database": func(context.Context) error { return nil },
		"temporal": func(ctx context.Context) error { return frontendDown },
	})
	assert.Equal(t, http.StatusServiceUnavailable, ts.do("", http.MethodGet, "/readyz", nil, &out))
	assert.Equal(t, map[string]string{"database": "ok", "temporal": "unavailable"}, out.Checks)
}

// TestTheConsoleHasWordsForTheOutageCodes: the console's error table names both outages.
func TestTheConsoleHasWordsForTheOutageCodes(t *testing.T) {
	js, err := os.ReadFile("console/console.js")
	require.NoError(t, err)
	for _, code := range []string{app.ErrDatabaseUnavailable.Code, app.ErrTemporalUnavailable.Code, "timeout", "start_pending"} {
		assert.True(t, strings.Contains(string(js), "\n  "+code+": ['"), "ERRORS has %s", code)
	}
}

// rawJSON sends a JSON body ("" for none) as user and returns the recorder (headers included).
func (ts *testServer) rawJSON(user, method, path, body string) *httptest.ResponseRecorder {
	ts.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+ts.tokens[user])
	rec := httptest.NewRecorder()
	ts.echo.ServeHTTP(rec, req)
	return rec
}
