// Package liaison is the liaison-leader follow-up's face (领导干部联系服务专家): its HTTP routes and
// its three entries in the process registry — the pairing request a certification opens, the
// years-long pairing, and each demand raised at a contact — assembled from their packages in
// each layer (workflows/liaison, activities/liaison, internal/app/liaison, internal/store/liaison).
package liaison

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	acts "talentflow/activities/liaison"
	"talentflow/api/httpx"
	"talentflow/authz"
	"talentflow/internal/app"
	appl "talentflow/internal/app/liaison"
	"talentflow/internal/process"
	"talentflow/internal/routing"
	rows "talentflow/internal/store/liaison"
	flow "talentflow/workflows/liaison"
)

// PairingRequest is the office's task of pairing a certified A–C talent (联系领导配对).
func PairingRequest() process.Definition {
	return process.Definition{
		Name: flow.ProcessRequest, Label: "联系领导配对",
		States:    []process.Term{{Value: "pairing", Label: "待配对"}, {Value: "paired", Label: "已配对"}},
		Steps:     []process.Term{{Value: flow.StepPairing, Label: "指定联系领导与服务专员"}},
		Events:    []process.Term{{Value: flow.EventRequested, Label: "联系领导配对"}, {Value: flow.EventPaired, Label: "结对联系"}},
		Workflows: []process.Workflow{{Name: flow.WorkflowPairingRequest, Fn: flow.LiaisonPairingRequest}},
	}
}

// Process is the pairing (领导干部联系服务专家).
func Process() process.Definition {
	return process.Definition{
		Name: flow.Process, Label: "领导干部联系服务专家",
		States: []process.Term{{Value: flow.StateActive, Label: "联系中"}, {Value: flow.StateOverdue, Label: "联系逾期"},
			{Value: flow.StateEnded, Label: "已结束"}},
		Steps: []process.Term{{Value: flow.StepContact, Label: "联系服务"}},
		Events: []process.Term{
			{Value: flow.EventPaired, Label: "结对联系"}, {Value: flow.EventReminded, Label: "联系提醒"},
			{Value: flow.EventOverdue, Label: "联系逾期"}, {Value: flow.EventOverdueNag, Label: "逾期再提醒"},
			{Value: flow.EventMissed, Label: "本期未联系"}, {Value: flow.EventContact, Label: "登记联系"},
			{Value: flow.EventDueMet, Label: "本期已联系"}, {Value: flow.EventReassigned, Label: "更换联系领导"},
			{Value: flow.EventEnded, Label: "结束结对"}, {Value: flow.EventDemandRaised, Label: "提出诉求"},
		},
		Workflows: []process.Workflow{{Name: flow.WorkflowPairing, Fn: flow.LiaisonPairing}},
		Activities: func(env process.Env) ([]process.Activity, error) {
			plan, err := routing.LoadLiaison(env.Config.LiaisonFile)
			if err != nil {
				return nil, err
			}
			a := &acts.Activities{DB: env.DB, Plan: plan, Scale: env.Config.TimeScale}
			return process.ActivitiesOf(a.Register()), nil
		},
		Schema:   &rows.Schema,
		Readable: appl.Readable,
		Detail:   pairingDetail,
		Routes: func(env process.Env) ([]httpx.Route, error) {
			s, err := service(env)
			if err != nil {
				return nil, err
			}
			return Routes(s), nil
		},
		Demo: func(ctx context.Context, env process.Env) error {
			s, err := service(env)
			if err != nil {
				return err
			}
			return s.SeedDemo(ctx)
		},
		OnTalentLeft: func(ctx context.Context, env process.Env, certificateNo, leftOn, reason string) error {
			return appl.EndForDeparture(ctx, env.DB.DB, env.Engine, certificateNo, reason)
		},
	}
}

// Demands is a demand raised at a contact (人才诉求办理).
func Demands() process.Definition {
	return process.Definition{
		Name: flow.ProcessDemand, Label: "人才诉求办理",
		States: []process.Term{
			{Value: flow.StateAnswering, Label: "部门办理"}, {Value: flow.StateVerifying, Label: "核实答复"},
			{Value: flow.StateRating, Label: "待评价"}, {Value: flow.StateComplaint, Label: "差评核实"},
			{Value: flow.StateRectifying, Label: "整改中"}, {Value: flow.StateCallback, Label: "回访再评价"},
			{Value: flow.StateResolved, Label: "已办结"},
		},
		Steps: []process.Term{
			{Value: flow.StepReply, Label: "部门办理答复"}, {Value: flow.StepVerify, Label: "人才办核实答复"},
			{Value: flow.StepRate, Label: "人才评价"}, {Value: flow.StepComplaint, Label: "差评核实"},
			{Value: flow.StepRectify, Label: "差评整改"}, {Value: flow.StepCallback, Label: "回访再评价"},
		},
		Events: []process.Term{
			{Value: flow.EventForwarded, Label: "转交部门"}, {Value: flow.EventRated, Label: "评价"},
			{Value: flow.EventDefaultRating, Label: "默认满意"}, {Value: flow.EventMistaken, Label: "申诉复核：评价不实"},
			{Value: flow.EventCallback, Label: "回访"},
		},
		Workflows: []process.Workflow{{Name: flow.WorkflowDemand, Fn: flow.LiaisonDemand}},
		Readable:  appl.Readable,
		Detail:    demandDetail,
	}
}

func service(env process.Env) (*appl.Service, error) {
	plan, err := routing.LoadLiaison(env.Config.LiaisonFile)
	if err != nil {
		return nil, err
	}
	if err := env.App.CheckDepartments(env.DB, plan.Departments()); err != nil {
		return nil, err
	}
	return appl.New(env.Cases, plan, env.Config.TimeScale), nil
}

func pairingDetail(ctx context.Context, db *gorm.DB, caseID string, _ bool) (any, error) {
	var p rows.Pairing
	if err := db.WithContext(ctx).Where("case_id = ?", caseID).Take(&p).Error; err != nil {
		return nil, nil
	}
	return map[string]any{"talent_name": p.TalentName, "certificate_no": p.CertificateNo, "leader": p.Leader, "specialist": p.Specialist,
		"per_year": p.PerYear, "next_due": p.NextDue, "overdue": p.Overdue, "state": p.State}, nil
}

func demandDetail(ctx context.Context, db *gorm.DB, caseID string, _ bool) (any, error) {
	var d rows.Demand
	if err := db.WithContext(ctx).Where("case_id = ?", caseID).Take(&d).Error; err != nil {
		return nil, nil
	}
	return map[string]any{"pairing_id": d.PairingID, "type": d.Type, "detail": d.Detail, "department": d.Department,
		"forwarded_from": d.ForwardedFrom, "score": d.Score, "rating_comment": d.RatingComment, "default_rated": d.DefaultRated,
		"poor_ratings": d.PoorRatings, "rectified": d.Rectified, "called_back": d.CalledBack}, nil
}

var office = authz.Acting{Role: authz.RoleLGO, Department: "lgo"}

// Routes are the liaison process's HTTP routes.
func Routes(s *appl.Service) []httpx.Route {
	ctx := func(c echo.Context) context.Context { return c.Request().Context() }
	return []httpx.Route{
		{ID: "createPairing", ActsAs: office, Method: http.MethodPost, Path: "/api/v1/pairings", Action: authz.PairingManage,
			Tag: "liaison", Object: "pairing", Status: http.StatusCreated,
			Summary: "Pair a certified talent with a county leader and a service specialist (lgo); the pairing's workflow starts at once. 409 already_paired when the talent has an active pairing.",
			In:      appl.PairingInput{}, Out: app.Created{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusCreated, func(in appl.PairingInput) (app.Created, error) {
					return s.CreatePairing(ctx(c), httpx.Principal(c), in)
				})
			}},
		{ID: "listPairings", Method: http.MethodGet, Path: "/api/v1/pairings", Action: authz.PairingRead,
			Tag: "liaison", Summary: "Pairings: every one for the lgo and auditors, their own for a leader or specialist; newest first.",
			Query: appl.PairingFilter{}, Out: app.Page[appl.PairingItem]{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(f appl.PairingFilter) (app.Page[appl.PairingItem], error) {
					return s.Pairings(ctx(c), httpx.Principal(c), f)
				})
			}},
		{ID: "getPairing", Method: http.MethodGet, Path: "/api/v1/pairings/:id", Action: authz.PairingRead,
			Tag: "liaison", Summary: "A pairing with its due dates, contacts, changes of leader and demands.",
			Out: appl.PairingDetail{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appl.PairingDetail](c, http.StatusOK)(s.Pairing(ctx(c), httpx.Principal(c), c.Param("id")))
			}},
		{ID: "reassignPairing", ActsAs: office, Method: http.MethodPost, Path: "/api/v1/pairings/:id/reassign", Action: authz.PairingManage,
			Tag: "liaison", Object: "case/:id", Summary: "Hand a pairing to another leader (the leader changed post): the history stays, the new leader is reminded from now on.",
			In: appl.ReassignInput{}, Out: appl.PairingDetail{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(in appl.ReassignInput) (appl.PairingDetail, error) {
					return s.Reassign(ctx(c), httpx.Principal(c), c.Param("id"), in)
				})
			}},
		{ID: "endPairing", ActsAs: office, Method: http.MethodPost, Path: "/api/v1/pairings/:id/end", Action: authz.PairingManage,
			Tag: "liaison", Object: "case/:id", Summary: "End a pairing (the talent left, the certification was revoked); what was still due is no longer due.",
			In: app.CaseAction{}, Out: appl.PairingDetail{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(in app.CaseAction) (appl.PairingDetail, error) {
					return s.End(ctx(c), httpx.Principal(c), c.Param("id"), in)
				})
			}},
		{ID: "logContact", Method: http.MethodPost, Path: "/api/v1/pairings/:id/contacts", Action: authz.ContactLog,
			Tag: "liaison", Object: "case/:id", Status: http.StatusCreated,
			Summary: "Log a contact (the pairing's leader, or its specialist on the leader's behalf): date not in the future nor before the pairing; it meets the current due date; each demand starts at once, routed to its department.",
			In:      appl.ContactInput{}, Out: appl.ContactAnswer{},
			Handler: func(c echo.Context) error {
				return httpx.WithBodyActing(c, http.StatusCreated, func(in appl.ContactInput) (appl.ContactAnswer, authz.Acting, error) {
					return s.LogContact(ctx(c), httpx.Principal(c), c.Param("id"), in)
				})
			}},
		{ID: "listDemands", Method: http.MethodGet, Path: "/api/v1/demands",
			Tag: "liaison", Summary: "Demands: every one for the lgo and auditors; otherwise those routed to your departments, your own as the talent, and those of your pairings.",
			Query: appl.DemandFilter{}, Out: app.Page[appl.DemandItem]{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(f appl.DemandFilter) (app.Page[appl.DemandItem], error) {
					return s.Demands(ctx(c), httpx.Principal(c), f)
				})
			}},
		{ID: "getDemand", Method: http.MethodGet, Path: "/api/v1/demands/:id",
			Tag: "liaison", Summary: "One demand (its timeline is the case's: GET /api/v1/cases/{id}).", Out: appl.DemandItem{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appl.DemandItem](c, http.StatusOK)(s.Demand(ctx(c), httpx.Principal(c), c.Param("id")))
			}},
		{ID: "rateDemand", Method: http.MethodPost, Path: "/api/v1/demands/:id/rating", Action: authz.DemandRate,
			Tag: "liaison", Object: "case/:id",
			Summary: "Rate a demand's handling (好差评, 1–5: the talent, or the pairing's specialist recording the talent's answer); 2 or less reopens it for the lgo.",
			In:      appl.RatingInput{}, Out: appl.DemandItem{},
			Handler: func(c echo.Context) error {
				return httpx.WithBodyActing(c, http.StatusOK, func(in appl.RatingInput) (appl.DemandItem, authz.Acting, error) {
					return s.Rate(ctx(c), httpx.Principal(c), c.Param("id"), in)
				})
			}},
		{ID: "liaisonCompliance", Method: http.MethodGet, Path: "/api/v1/liaison/compliance", Action: authz.ComplianceRead,
			Tag: "liaison", Summary: "A year's compliance: per leader and overall, contacts done against due, overdue pairings, demands open/closed/overdue, median resolution time, average rating, and the 回访 and 整改 rates against 100%.",
			Query: appl.ComplianceQuery{}, Out: appl.Compliance{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(q appl.ComplianceQuery) (appl.Compliance, error) {
					return s.Compliance(ctx(c), q)
				})
			}},
		{ID: "newCalendarFeed", Method: http.MethodPost, Path: "/api/v1/me/calendar",
			Tag: "liaison", Object: "calendar", Status: http.StatusCreated,
			Summary: "A new secret calendar URL (iCalendar) listing the next due contact of each of the caller's pairings; the previous URL stops working.",
			In:      struct{}{}, Out: appl.CalendarURL{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusCreated, func(struct{}) (appl.CalendarURL, error) {
					out, err := s.NewCalendar(ctx(c), httpx.Principal(c))
					if err == nil {
						out.URL = c.Scheme() + "://" + c.Request().Host + out.URL
					}
					return out, err
				})
			}},
		{ID: "calendarFeed", Public: true, Method: http.MethodGet, Path: appl.CalendarPath + ":file",
			Tag: "liaison", Produces: "text/calendar",
			Summary: "A calendar feed by its secret URL (no token: the URL is the key); 404 once replaced.",
			Handler: func(c echo.Context) error {
				data, err := s.CalendarFeed(ctx(c), strings.TrimSuffix(c.Param("file"), ".ics"))
				if err != nil {
					return err
				}
				c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
				return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", data)
			}},
	}
}
