// Package introduction is the talent introduction process's face: its HTTP routes and its
// entry in the process registry, which assembles the process from its packages in each layer
// (workflows/introduction, activities/introduction, internal/app/introduction,
// internal/store/introduction).
package introduction

import (
	"net/http"

	"github.com/labstack/echo/v4"

	acts "talentflow/activities/introduction"
	"talentflow/api/httpx"
	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/cases"
	intro "talentflow/internal/app/introduction"
	"talentflow/internal/process"
	"talentflow/internal/routing"
	storeintro "talentflow/internal/store/introduction"
	flow "talentflow/workflows/introduction"
)

// Process is the talent introduction and certification (人才引进认定).
func Process() process.Definition {
	return process.Definition{
		Name: flow.Process, Label: "人才引进认定",
		States: []process.Term{
			{Value: flow.IntroAccepting, Label: "窗口受理"}, {Value: flow.IntroInReview, Label: "部门会签"},
			{Value: flow.IntroSignOff, Label: "审定"}, {Value: flow.IntroNotice, Label: "公示中"},
			{Value: flow.IntroObjection, Label: "异议处理"}, {Value: flow.IntroCertifying, Label: "制证中"},
			{Value: flow.IntroCertified, Label: "已认定"},
		},
		Steps: []process.Term{
			{Value: flow.StepWindow, Label: "窗口受理"}, {Value: flow.StepReview, Label: "部门会签"},
			{Value: flow.StepSignOff, Label: "领导小组办公室审定"}, {Value: flow.StepObjection, Label: "公示异议处理"},
			{Value: "notice", Label: "公示"}, {Value: "certificate", Label: "证书制发"}, {Value: "certified", Label: "已认定"},
		},
		Events: []process.Term{
			{Value: flow.EventNoticeStarted, Label: "公示开始"}, {Value: flow.EventObjection, Label: "公示异议"},
			{Value: flow.EventNoticeResumed, Label: "公示恢复"}, {Value: flow.EventCertified, Label: "颁发证书"},
			{Value: flow.EventPairingRequest, Label: "联系领导配对"},
		},
		Workflows: []process.Workflow{{Name: flow.WorkflowIntroduction, Fn: flow.TalentIntroduction}},
		Activities: func(env process.Env) ([]process.Activity, error) {
			c := &acts.Certifier{DB: env.DB, CountyCode: env.Config.CountyCode}
			return []process.Activity{{Name: flow.ActivityIssueCertificate, Fn: c.IssueCertificate}}, nil
		},
		Schema:   &storeintro.Schema,
		OnClosed: acts.OnClosed,
		Detail:   intro.Detail,
		Routes: func(env process.Env) ([]httpx.Route, error) {
			plan, err := routing.LoadIntroduction(env.Config.RoutingFile)
			if err != nil {
				return nil, err
			}
			if err := env.App.CheckDepartments(env.DB, plan.Departments()); err != nil {
				return nil, err
			}
			return Routes(intro.New(env.Cases, plan)), nil
		},
	}
}

// Routes are the introduction's HTTP routes.
func Routes(s *intro.Service) []httpx.Route {
	return []httpx.Route{
		{ID: "createIntroduction", ActsAs: authz.Acting{Role: authz.RoleApplicant}, Method: http.MethodPost, Path: "/api/v1/introductions", Action: authz.CaseApply,
			Tag: "introduction", Object: "case", Summary: "Save a draft talent introduction application.",
			In: intro.IntroductionProfile{}, Out: app.Created{}, Status: http.StatusCreated,
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusCreated, func(in intro.IntroductionProfile) (app.Created, error) {
					return s.CreateIntroduction(c.Request().Context(), httpx.Principal(c), in)
				})
			}},
		{ID: "updateIntroduction", ActsAs: authz.Acting{Role: authz.RoleApplicant}, Method: http.MethodPut, Path: "/api/v1/introductions/:id", Action: authz.CaseApply,
			Tag: "introduction", Object: "case/:id", Summary: "Edit a draft, or an application returned for correction.",
			In: intro.IntroductionProfile{}, Out: cases.CaseDetail{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(in intro.IntroductionProfile) (cases.CaseDetail, error) {
					ctx, p := c.Request().Context(), httpx.Principal(c)
					if err := s.UpdateIntroduction(ctx, p, c.Param("id"), in); err != nil {
						return cases.CaseDetail{}, err
					}
					return s.Case(ctx, p, c.Param("id"))
				})
			}},
		{ID: "submitIntroduction", ActsAs: authz.Acting{Role: authz.RoleApplicant}, Method: http.MethodPost, Path: "/api/v1/introductions/:id/submit", Action: authz.CaseApply,
			Tag: "introduction", Object: "case/:id",
			Summary: "Submit a draft: starts the case (409 if this person has an open application in this category; 503 start_pending if the workflow service is down: the submission is kept and starts on its own).",
			Out:     cases.CaseDetail{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[cases.CaseDetail](c, http.StatusOK)(s.SubmitIntroduction(c.Request().Context(), httpx.Principal(c), c.Param("id")))
			}},
		{ID: "resubmitIntroduction", ActsAs: authz.Acting{Role: authz.RoleApplicant}, Method: http.MethodPost, Path: "/api/v1/introductions/:id/resubmit", Action: authz.CaseApply,
			Tag: "introduction", Object: "case/:id", Summary: "Resubmit an application returned for correction.",
			In: app.CaseAction{}, Out: cases.CaseDetail{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(in app.CaseAction) (cases.CaseDetail, error) {
					return s.ResubmitIntroduction(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
				})
			}},
		{ID: "objectToCase", Method: http.MethodPost, Path: "/api/v1/cases/:id/objections", Action: authz.CaseObject,
			Tag: "cases", Object: "case/:id", Summary: "File an objection during public notice: pauses the notice, opens an LGO task.",
			In: app.CaseAction{}, Out: cases.CaseDetail{},
			Handler: func(c echo.Context) error {
				return httpx.WithBodyActing(c, http.StatusOK, func(in app.CaseAction) (cases.CaseDetail, authz.Acting, error) {
					return s.ObjectToCase(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
				})
			}},
	}
}
