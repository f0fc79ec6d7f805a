package api_test

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/workflow"
	"gorm.io/gorm"

	"talentflow/activities"
	"talentflow/api/httpx"
	"talentflow/authz"
	"talentflow/internal/app/cases"
	"talentflow/internal/process"
	tfworker "talentflow/worker"
	"talentflow/workflows"
)

// demoProcess is a trivial process declared the way a real one is: adding it touches no generic
// file, only this definition (in a real process: its folders and one line in internal/processes).
func demoProcess(closed *[]string) process.Definition {
	return process.Definition{
		Name: "demo", Label: "演示流程",
		States: []process.Term{{Value: "demo_waiting", Label: "等待演示"}},
		Steps:  []process.Term{{Value: "demo_step", Label: "演示环节"}},
		Events: []process.Term{{Value: "demo_event", Label: "演示事件"}},
		Workflows: []process.Workflow{{Name: "DemoProcess", Fn: func(ctx workflow.Context, caseID string) (string, error) {
			c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: caseID, Process: "demo", Title: "演示"})
			if err != nil {
				return "", err
			}
			return c.Run(func(ctx workflow.Context) (string, error) { return "done", nil })
		}}},
		OnClosed: func(_ *gorm.DB, caseID string) error { *closed = append(*closed, caseID); return nil },
		Detail: func(context.Context, *gorm.DB, string, bool) (any, error) {
			return map[string]string{"demo": "profile"}, nil
		},
		Routes: func(process.Env) ([]httpx.Route, error) {
			return []httpx.Route{{ID: "demoPing", Method: http.MethodGet, Path: "/api/v1/demo/ping", Action: authz.CaseRead,
				Tag: "demo", Summary: "The demo process answers.", Out: map[string]string{},
				Handler: func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"demo": "pong"}) }}}, nil
		},
	}
}

func TestAProcessDeclaredInTheRegistryReachesEveryLayer(t *testing.T) {
	var closed []string
	def := demoProcess(&closed)
	ts := newTestServerWith(t, def)

	// Its routes are served, authorised and documented; its vocabulary is in the enums.
	var pong map[string]string
	require.Equal(t, http.StatusOK, ts.do(lgo, http.MethodGet, "/api/v1/demo/ping", nil, &pong))
	assert.Equal(t, "pong", pong["demo"])
	assert.Equal(t, http.StatusForbidden, ts.do(li, http.MethodGet, "/api/v1/demo/ping", nil, nil))
	doc := served(t, ts)
	require.NotNil(t, doc.Paths.Find("/api/v1/demo/ping"), "documented")
	summary := doc.Components.Schemas["CaseSummary"].Value
	assert.Contains(t, enumOf(summary.Properties["process"]), "demo")
	assert.Contains(t, enumOf(summary.Properties["state"]), "demo_waiting")

	// The console's labels come with it.
	var vocab struct {
		Processes, States, Steps, Events []struct{ Value, Label string }
	}
	require.Equal(t, http.StatusOK, ts.do(lgo, http.MethodGet, "/api/v1/vocabularies", nil, &vocab))
	assert.Contains(t, vocab.Processes, struct{ Value, Label string }{"demo", "演示流程"})
	assert.Contains(t, vocab.States, struct{ Value, Label string }{"demo_waiting", "等待演示"})
	assert.Contains(t, vocab.Steps, struct{ Value, Label string }{"demo_step", "演示环节"})
	assert.Contains(t, vocab.Events, struct{ Value, Label string }{"demo_event", "演示事件"})

	// The case and task filters accept it; the worker registers its workflow by name.
	assert.Equal(t, http.StatusOK, ts.do(lgo, http.MethodGet, "/api/v1/cases?process=demo", nil, nil))
	assert.Equal(t, http.StatusUnprocessableEntity, ts.do(lgo, http.MethodGet, "/api/v1/cases?process=nonesuch", nil, nil))
	registered := &recordingRegistry{}
	tfworker.RegisterWorkflows(registered, ts.server.Processes)
	assert.Contains(t, registered.names, "DemoProcess")
	assert.Contains(t, registered.names, "TalentIntroduction")

	// Its close hook runs in the projection when one of its cases closes.
	projector := &activities.Projector{DB: ts.db, Log: slog.New(slog.DiscardHandler), OnClosed: ts.server.Processes.OnClosed()}
	_, err := projector.Project(t.Context(), workflows.Projection{Case: &workflows.CaseView{ID: "case_demo", Process: "demo",
		State: "done", Closed: true, ApplicantID: ts.ids[li], WorkflowID: "demo:case_demo", Rev: 1}})
	require.NoError(t, err)
	assert.Equal(t, []string{"case_demo"}, closed)
	var c cases.CaseDetail
	require.Equal(t, http.StatusOK, ts.do(lgo, http.MethodGet, "/api/v1/cases/case_demo", nil, &c))
	assert.Equal(t, map[string]any{"demo": "profile"}, c.Profile, "and its detail view fills the case page")
}

type recordingRegistry struct{ names []string }

func (r *recordingRegistry) RegisterWorkflowWithOptions(_ any, o workflow.RegisterOptions) {
	r.names = append(r.names, o.Name)
}
