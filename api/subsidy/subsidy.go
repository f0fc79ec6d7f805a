// Package subsidy is the subsidy disbursement process's face: its HTTP routes and its entry in
// the process registry, which assembles the process from its packages in each layer
// (workflows/subsidy, activities/subsidy, internal/app/subsidy, internal/store/subsidy).
package subsidy

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	acts "talentflow/activities/subsidy"
	"talentflow/api/httpx"
	"talentflow/authz"
	"talentflow/internal/app"
	appsub "talentflow/internal/app/subsidy"
	"talentflow/internal/process"
	"talentflow/internal/routing"
	ledger "talentflow/internal/store/subsidy"
	flow "talentflow/workflows/subsidy"
)

// Process is the subsidy disbursement (人才补贴发放).
func Process() process.Definition {
	return process.Definition{
		Name: flow.Process, Label: "人才补贴发放",
		States: []process.Term{
			{Value: flow.StateConfirming, Label: "在职确认"}, {Value: flow.StateReviewing, Label: "人社审核"},
			{Value: flow.StateApproving, Label: "财政审批"}, {Value: flow.StateDisbursing, Label: "发放中"},
			{Value: flow.StateRecovering, Label: "追回中"}, {Value: flow.StateCompleted, Label: "发放完毕"},
			{Value: flow.StateStopped, Label: "离职停发"},
		},
		Steps: []process.Term{
			{Value: flow.StepEmployment, Label: "用人单位在职确认"}, {Value: flow.StepReview, Label: "人社局审核"},
			{Value: flow.StepFinance, Label: "财政局审批"}, {Value: flow.StepReconfirm, Label: "发放前在职确认"},
			{Value: flow.StepRecovery, Label: "追回登记"}, {Value: "disbursing", Label: "发放中"},
		},
		Events: []process.Term{
			{Value: flow.EventBudgetReserved, Label: "预算占用"}, {Value: flow.EventBudgetExhausted, Label: "预算不足"},
			{Value: flow.EventPaymentDue, Label: "列入待发放"}, {Value: flow.EventPaymentHeld, Label: "暂停发放"},
			{Value: flow.EventHeldReleased, Label: "恢复发放"}, {Value: flow.EventDeparture, Label: "离职停发"},
			{Value: flow.EventRecovery, Label: "追回立项"}, {Value: flow.EventRecovered, Label: "已追回"},
		},
		Workflows: []process.Workflow{{Name: flow.WorkflowSubsidy, Fn: flow.SubsidyDisbursement}},
		Activities: func(env process.Env) ([]process.Activity, error) {
			a := &acts.Activities{Ledger: ledger.Ledger{DB: env.DB}, TalentLeft: env.TalentLeft}
			return process.ActivitiesOf(a.Register()), nil
		},
		Schema:   &ledger.Schema,
		OnClosed: acts.OnClosed,
		Follows:  acts.Follows,
		Detail:   appsub.CaseDetail,
		Routes: func(env process.Env) ([]httpx.Route, error) {
			s, err := service(env)
			if err != nil {
				return nil, err
			}
			if _, err := s.SeedPolicies(context.Background()); err != nil {
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
	}
}

func service(env process.Env) (*appsub.Service, error) {
	plan, err := routing.LoadSubsidy(env.Config.SubsidyFile)
	if err != nil {
		return nil, err
	}
	if err := env.App.CheckDepartments(env.DB, plan.Departments()); err != nil {
		return nil, err
	}
	return appsub.New(env.Cases, plan, env.Config.TimeScale), nil
}

func requestID(c echo.Context) string { return c.Response().Header().Get(echo.HeaderXRequestID) }

var finance = authz.Acting{Role: authz.RoleFinance, Department: "fin"}

// Routes are the subsidy's HTTP routes.
func Routes(s *appsub.Service) []httpx.Route {
	return []httpx.Route{
		{ID: "listSubsidyPolicies", Method: http.MethodGet, Path: "/api/v1/subsidy-policies",
			Tag: "subsidies", Summary: "Subsidy policies in force (all=true: every version), each with its budget for its year.",
			Query: appsub.PolicyFilter{}, Out: app.Page[appsub.PolicyItem]{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(f appsub.PolicyFilter) (app.Page[appsub.PolicyItem], error) {
					return s.Policies(c.Request().Context(), f)
				})
			}},
		{ID: "createSubsidyPolicy", Method: http.MethodPost, Path: "/api/v1/subsidy-policies", Action: authz.PolicyManage,
			Tag: "subsidies", Object: "subsidy-policy", Status: http.StatusCreated,
			Summary: "Write a new version of a policy's kind (admin, lgo); cases already submitted keep the version they were bound to.",
			In:      appsub.PolicyInput{}, Out: appsub.PolicyVersion{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusCreated, func(in appsub.PolicyInput) (appsub.PolicyVersion, error) {
					return s.CreatePolicy(c.Request().Context(), httpx.Principal(c), in)
				})
			}},
		{ID: "applyForSubsidy", ActsAs: authz.Acting{Role: authz.RoleApplicant}, Method: http.MethodPost, Path: "/api/v1/subsidies", Action: authz.SubsidyApply,
			Tag: "subsidies", Object: "subsidy", Status: http.StatusCreated,
			Summary: "Apply for a subsidy (the certified talent, or the employer's clerk for them); the case starts at once. 409 duplicate_application for a second open one of the same kind.",
			In:      appsub.Application{}, Out: app.Created{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusCreated, func(in appsub.Application) (app.Created, error) {
					return s.Apply(c.Request().Context(), httpx.Principal(c), in)
				})
			}},
		{ID: "mySubsidies", Method: http.MethodGet, Path: "/api/v1/me/subsidies",
			Tag: "subsidies", Summary: "The caller's subsidies with their payments, apply-free offers (免申即享) and the certificates they may apply with.",
			Out: appsub.MySubsidies{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appsub.MySubsidies](c, http.StatusOK)(s.Mine(c.Request().Context(), httpx.Principal(c)))
			}},
		{ID: "getSubsidy", Method: http.MethodGet, Path: "/api/v1/subsidies/:id",
			Tag: "subsidies", Summary: "A subsidy with its payments and recovery items (bank account masked).",
			Out: appsub.SubsidyDetail{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appsub.SubsidyDetail](c, http.StatusOK)(s.Subsidy(c.Request().Context(), httpx.Principal(c), c.Param("id")))
			}},
		{ID: "reportDeparture", Method: http.MethodPost, Path: "/api/v1/subsidies/:id/departure", Action: authz.SubsidyDepart,
			Tag: "subsidies", Object: "case/:id",
			Summary: "Report the talent's departure (the employer's clerk, hrss): no period after left_on is paid; one already paid becomes a recovery item.",
			In:      appsub.Departure{}, Out: appsub.SubsidyDetail{},
			Handler: func(c echo.Context) error {
				return httpx.WithBodyActing(c, http.StatusOK, func(in appsub.Departure) (appsub.SubsidyDetail, authz.Acting, error) {
					return s.Depart(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
				})
			}},
		{ID: "listPayments", Method: http.MethodGet, Path: "/api/v1/payments", Action: authz.SubsidyRead,
			Tag: "finance", Summary: "The payment ledger, by due date (state=due: what the next batch takes).",
			Query: appsub.PaymentFilter{}, Out: app.Page[appsub.LedgerItem]{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(f appsub.PaymentFilter) (app.Page[appsub.LedgerItem], error) {
					return s.Payments(c.Request().Context(), f)
				})
			}},
		{ID: "listPaymentBatches", Method: http.MethodGet, Path: "/api/v1/payment-batches", Action: authz.SubsidyRead,
			Tag: "finance", Summary: "Payment batches, newest first.", Out: app.Page[appsub.BatchDoc]{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[app.Page[appsub.BatchDoc]](c, http.StatusOK)(s.Batches(c.Request().Context()))
			}},
		{ID: "buildPaymentBatch", ActsAs: finance, Method: http.MethodPost, Path: "/api/v1/payment-batches", Action: authz.PaymentBatch,
			Tag: "finance", Object: "payment-batch", Status: http.StatusCreated,
			Summary: "Build a batch of every due payment not in an open batch (经办); 409 nothing_due when none is due.",
			In:      struct{}{}, Out: appsub.BatchDoc{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusCreated, func(struct{}) (appsub.BatchDoc, error) {
					return s.BuildBatch(c.Request().Context(), httpx.Principal(c), requestID(c))
				})
			}},
		{ID: "getPaymentBatch", Method: http.MethodGet, Path: "/api/v1/payment-batches/:id", Action: authz.SubsidyRead,
			Tag: "finance", Summary: "A batch with its lines.", Out: appsub.BatchDoc{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appsub.BatchDoc](c, http.StatusOK)(s.Batch(c.Request().Context(), c.Param("id")))
			}},
		{ID: "approvePaymentBatch", ActsAs: finance, Method: http.MethodPost, Path: "/api/v1/payment-batches/:id/approve", Action: authz.PaymentBatch,
			Tag: "finance", Object: "payment-batch/:id",
			Summary: "Approve a batch (复核) as a second finance officer; its builder gets 403 four_eyes.",
			In:      struct{}{}, Out: appsub.BatchDoc{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(struct{}) (appsub.BatchDoc, error) {
					return s.ApproveBatch(c.Request().Context(), httpx.Principal(c), c.Param("id"), requestID(c))
				})
			}},
		{ID: "downloadBankFile", ActsAs: finance, Method: http.MethodGet, Path: "/api/v1/payment-batches/:id/bank.csv", Action: authz.PaymentBatch,
			Tag: "finance", Object: "payment-batch/:id", Produces: "text/csv",
			Summary: "The bank's batch-payment file of an approved batch (CSV, UTF-8 with BOM; amounts in yuan; remark = the payment's business key; a control row with count and total). 409 before approval.",
			Handler: func(c echo.Context) error {
				data, name, err := s.BankFile(c.Request().Context(), httpx.Principal(c), c.Param("id"))
				if err != nil {
					return err
				}
				c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
				return c.Blob(http.StatusOK, "text/csv; charset=utf-8", data)
			}},
		{ID: "confirmPaymentBatch", ActsAs: finance, Method: http.MethodPost, Path: "/api/v1/payment-batches/:id/confirm", Action: authz.PaymentBatch,
			Tag: "finance", Object: "payment-batch/:id",
			Summary: "Record the bank's result: every line not listed in failed is paid; a failed payment is due again for a later batch.",
			In:      appsub.Confirmation{}, Out: appsub.BatchDoc{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(in appsub.Confirmation) (appsub.BatchDoc, error) {
					return s.ConfirmBatch(c.Request().Context(), httpx.Principal(c), c.Param("id"), in, requestID(c))
				})
			}},
		{ID: "listRecoveries", Method: http.MethodGet, Path: "/api/v1/subsidy-recoveries", Action: authz.RecoveryRead,
			Tag: "finance", Summary: "Recovery items (追回) and periods held for want of an employment confirmation.",
			Out: appsub.Recoveries{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appsub.Recoveries](c, http.StatusOK)(s.RecoveryItems(c.Request().Context()))
			}},
		{ID: "subsidyBudgets", Method: http.MethodGet, Path: "/api/v1/subsidy-budgets", Action: authz.SubsidyRead,
			Tag: "finance", Summary: "The budget table: per policy and year, budget, reserved, paid and remaining.",
			Query: appsub.BudgetQuery{}, Out: app.Page[appsub.BudgetRow]{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(q appsub.BudgetQuery) (app.Page[appsub.BudgetRow], error) {
					return s.Budgets(c.Request().Context(), q)
				})
			}},
		{ID: "subsidyForecast", Method: http.MethodGet, Path: "/api/v1/subsidy-forecast", Action: authz.SubsidyRead,
			Tag: "finance", Summary: "The coming months' outflow from the active schedules (what finance must hold in cash).",
			Query: appsub.ForecastQuery{}, Out: appsub.Forecast{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(q appsub.ForecastQuery) (appsub.Forecast, error) {
					return s.Forecast(c.Request().Context(), q)
				})
			}},
		{ID: "talentPayments", Method: http.MethodGet, Path: "/api/v1/talents/:certificate/payments", Action: authz.SubsidyRead,
			Tag: "finance", Summary: "Every payment of one talent, with period, state, batch and policy version.",
			Out: appsub.TalentLedger{},
			Handler: func(c echo.Context) error {
				return httpx.Reply[appsub.TalentLedger](c, http.StatusOK)(s.TalentPayments(c.Request().Context(), c.Param("certificate")))
			}},
	}
}
