package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"talentflow/api/httpx"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/attachments"
	"talentflow/internal/app/auditlog"
	"talentflow/internal/app/cases"
	"talentflow/internal/app/monitoring"
	"talentflow/internal/app/notifications"
	"talentflow/internal/app/tasks"
	"talentflow/internal/app/users"
	"talentflow/internal/audit"
)

func (s *Server) routes() []httpx.Route {
	core := []httpx.Route{
		{ID: "healthz", Method: http.MethodGet, Path: "/healthz", Public: true, Tag: "operations",
			Summary: "The process is up.", Out: map[string]bool{}, Handler: s.healthz},
		{ID: "readyz", Method: http.MethodGet, Path: "/readyz", Public: true, Tag: "operations",
			Summary: "The database and Temporal answer (503 otherwise).", Out: Readiness{}, Handler: s.readyz},
		{ID: "metrics", Method: http.MethodGet, Path: "/metrics", Public: true, Tag: "operations",
			Summary: "Prometheus metrics: HTTP requests and the Temporal SDK.", Produces: "text/plain", Handler: s.metrics()},
		{ID: "openapi", Method: http.MethodGet, Path: "/api/openapi.json", Public: true, Tag: "operations",
			Summary: "This document.", Out: map[string]any{}, Handler: s.openapi},

		{ID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login", Public: true, Tag: "identity", Object: "session",
			Summary: "Log in; returns a short-lived bearer token. Five wrong passwords lock the account for ten minutes.",
			In:      LoginInput{}, Out: LoginResult{}, Handler: s.login},
		{ID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout", Tag: "identity", Object: "session",
			Summary: "End the caller's session: the token stops working at once.", In: struct{}{}, Out: map[string]bool{}, Handler: s.logout},
		{ID: "me", Method: http.MethodGet, Path: "/api/v1/me", Tag: "identity",
			Summary: "The caller, with roles per department and the actions they may take.", Out: users.Me{}, Handler: s.me},
		{ID: "vocabularies", Method: http.MethodGet, Path: "/api/v1/vocabularies", Tag: "identity",
			Summary: "Every fixed vocabulary with its Chinese labels.", Out: Vocabularies{}, Handler: s.vocabularies},
		{ID: "listDepartments", Method: http.MethodGet, Path: "/api/v1/departments", Tag: "admin",
			Summary: "The member units.", Out: []users.DepartmentItem{}, Handler: s.listDepartments},
		{ID: "createDepartment", Method: http.MethodPost, Path: "/api/v1/departments", Action: authz.DepartmentManage, Tag: "admin",
			Object: "department", Summary: "Add a member unit.", In: users.NewDepartment{}, Out: users.DepartmentItem{}, Status: http.StatusCreated,
			Handler: s.createDepartment},
		{ID: "listUsers", Method: http.MethodGet, Path: "/api/v1/users", Action: authz.UserRead, Tag: "admin",
			Summary: "Users (phones masked); department heads see their department.", Query: users.UserFilter{}, Out: []users.UserItem{},
			Handler: s.listUsers},
		{ID: "createUser", ActsAs: authz.Acting{Role: authz.RoleAdmin}, Method: http.MethodPost, Path: "/api/v1/users", Action: authz.UserManage, Tag: "admin", Object: "user",
			Summary: "Create an account (password: 8+ characters mixing three of lower, upper, digits, symbols).",
			In:      users.NewUser{}, Out: users.UserItem{}, Status: http.StatusCreated, Handler: s.createUser},
		{ID: "grantRole", ActsAs: authz.Acting{Role: authz.RoleAdmin}, Method: http.MethodPost, Path: "/api/v1/users/:id/roles", Action: authz.UserManage, Tag: "admin",
			Object: "user/:id", Summary: "Grant a role in a department.", In: users.Grant{}, Out: users.UserItem{}, Handler: s.grantRole},
		{ID: "revokeRole", ActsAs: authz.Acting{Role: authz.RoleAdmin}, Method: http.MethodDelete, Path: "/api/v1/users/:id/roles/:role/:department", Action: authz.UserManage,
			Tag: "admin", Object: "user/:id", Summary: "Revoke a role in a department.", Out: users.UserItem{}, Handler: s.revokeRole},
		{ID: "unlockUser", ActsAs: authz.Acting{Role: authz.RoleAdmin}, Method: http.MethodPost, Path: "/api/v1/users/:id/unlock", Action: authz.UserManage,
			Tag: "admin", Object: "user/:id", Summary: "Lift every login lockout of a user (from any address).", In: struct{}{}, Out: users.Unlocked{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(struct{}) (users.Unlocked, error) {
					return s.Users.Unlock(c.Request().Context(), c.Param("id"))
				})
			}},
		{ID: "changePassword", Method: http.MethodPost, Path: "/api/v1/me/password", Tag: "identity", Object: "user/me",
			Summary: "Change the caller's password: the current one, and a new one following the rules (8+ characters mixing three of lower, upper, digits, symbols).",
			In:      users.PasswordChange{}, Out: users.Me{},
			Handler: func(c echo.Context) error {
				return httpx.WithBody(c, http.StatusOK, func(in users.PasswordChange) (users.Me, error) {
					return s.Users.ChangePassword(c.Request().Context(), httpx.Principal(c), in)
				})
			}},

		{ID: "listCases", Method: http.MethodGet, Path: "/api/v1/cases", Tag: "cases",
			Summary: "Cases the caller may see: own applications, cases with tasks in their departments, or all.",
			Query:   cases.CaseFilter{}, Out: app.Page[cases.CaseSummary]{}, Handler: s.listCases},
		{ID: "getCase", Method: http.MethodGet, Path: "/api/v1/cases/:id", Tag: "cases",
			Summary: "A case with its tasks, full timeline, attachments and (for auditors) audit rows.",
			Out:     cases.CaseDetail{}, Handler: s.getCase},
		{ID: "withdrawCase", ActsAs: authz.Acting{Role: authz.RoleApplicant}, Method: http.MethodPost, Path: "/api/v1/cases/:id/withdraw", Action: authz.CaseWithdraw,
			Tag: "cases", Object: "case/:id", Summary: "Withdraw your application (until the certificate is issued).",
			In: app.CaseAction{}, Out: cases.CaseDetail{}, Handler: s.withdrawCase},
		{ID: "attachToCase", Method: http.MethodPost, Path: "/api/v1/cases/:id/attachments", Action: authz.AttachmentUpload,
			Tag: "cases", Object: "case/:id", Summary: "Attach an uploaded file to a case.", In: attachments.AttachInput{}, Out: cases.CaseDetail{},
			Handler: s.attachToCase},
		{ID: "certificate", Method: http.MethodGet, Path: "/api/v1/cases/:id/certificate", Tag: "cases",
			Summary: "The talent certificate as a printable page.", Produces: "text/html", Handler: s.certificate},

		{ID: "listTasks", Method: http.MethodGet, Path: "/api/v1/tasks", Action: authz.TaskRead, Tag: "tasks",
			Summary: "An inbox: mine, department, claimable, done or cc; filters and cursor paging.",
			Query:   tasks.TaskFilter{}, Out: app.Page[tasks.TaskItem]{}, Handler: s.listTasks},
		{ID: "claimTask", Method: http.MethodPost, Path: "/api/v1/tasks/:id/claim", Action: authz.TaskClaim, Tag: "tasks",
			Object: "task/:id", Summary: "Claim an open task.", Out: tasks.TaskItem{}, Handler: s.claimTask},
		{ID: "unclaimTask", Method: http.MethodPost, Path: "/api/v1/tasks/:id/unclaim", Action: authz.TaskClaim, Tag: "tasks",
			Object: "task/:id", Summary: "Put a claimed task back in the department's inbox.", Out: tasks.TaskItem{},
			Handler: s.unclaimTask},
		{ID: "decideTask", Method: http.MethodPost, Path: "/api/v1/tasks/:id/decision", Action: authz.TaskDecide, Tag: "tasks",
			Object: "task/:id", Summary: "Decide a task; 409 when it is no longer open or someone else decided first.",
			In: tasks.DecisionInput{}, Out: tasks.TaskItem{}, Handler: s.decideTask},
		{ID: "delegateTask", Method: http.MethodPost, Path: "/api/v1/tasks/:id/delegate", Action: authz.TaskDelegate, Tag: "tasks",
			Object: "task/:id", Summary: "Hand a task to a colleague of its department (转办).", In: tasks.DelegationInput{},
			Out: tasks.TaskItem{}, Handler: s.delegateTask},
		{ID: "urgeTask", Method: http.MethodPost, Path: "/api/v1/tasks/:id/urge", Action: authz.TaskUrge, Tag: "tasks",
			Object: "task/:id", Summary: "Urge whoever works the task (催办).", In: tasks.UrgeInput{}, Out: tasks.TaskItem{},
			Handler: s.urgeTask},
		{ID: "addSigner", Method: http.MethodPost, Path: "/api/v1/tasks/:id/signers", Action: authz.TaskAddSigner, Tag: "tasks",
			Object: "task/:id", Summary: "Add a department to the task's countersign (加签).", In: tasks.SignerInput{},
			Out: tasks.TaskItem{}, Status: http.StatusCreated, Handler: s.addSigner},
		{ID: "listComments", Method: http.MethodGet, Path: "/api/v1/tasks/:id/comments", Action: authz.TaskRead, Tag: "tasks",
			Summary: "Comments on a task.", Out: []tasks.CommentItem{}, Handler: s.listComments},
		{ID: "addComment", Method: http.MethodPost, Path: "/api/v1/tasks/:id/comments", Action: authz.TaskComment, Tag: "tasks",
			Object: "task/:id", Summary: "Comment on a task.", In: tasks.CommentInput{}, Out: tasks.CommentItem{},
			Status: http.StatusCreated, Handler: s.addComment},

		{ID: "listNotifications", Method: http.MethodGet, Path: "/api/v1/notifications", Tag: "notifications",
			Summary: "The caller's reminders, escalations, urges and copies, and how many are unread.", Query: notifications.NotificationFilter{},
			Out: notifications.NotificationPage{}, Handler: s.listNotifications},
		{ID: "readNotification", Method: http.MethodPost, Path: "/api/v1/notifications/:id/read", Tag: "notifications",
			Object: "notification/:id", Summary: "Mark a notification read.", Out: notifications.ReadResult{}, Handler: s.readNotification},
		{ID: "readAllNotifications", Method: http.MethodPost, Path: "/api/v1/notifications/read-all", Tag: "notifications",
			Object: "notifications", Summary: "Mark every notification read.", Out: notifications.ReadResult{}, Handler: s.readAllNotifications},

		{ID: "uploadAttachment", Method: http.MethodPost, Path: "/api/v1/attachments", Action: authz.AttachmentUpload,
			Upload: 10 << 20, Tag: "attachments", Object: "attachment",
			Summary: "Upload a file (multipart field \"file\"; PDF, JPEG, PNG, DOCX or XLSX, at most 10 MiB); stored by sha256.",
			Out:     app.AttachmentInfo{}, Status: http.StatusCreated, Handler: s.uploadAttachment},
		{ID: "downloadAttachment", Method: http.MethodGet, Path: "/api/v1/attachments/:sha256", Tag: "attachments",
			Summary:  "Download a file you uploaded or that is attached to a case you may read.",
			Produces: "application/octet-stream", Handler: s.downloadAttachment},

		{ID: "listAudit", Method: http.MethodGet, Path: "/api/v1/audit", Action: authz.AuditRead, Tag: "audit",
			Summary: "The audit log, newest first, with filters.", Query: auditlog.AuditFilter{}, Out: auditlog.AuditPage{}, Handler: s.listAudit},
		{ID: "verifyAudit", Method: http.MethodGet, Path: "/api/v1/audit/verify", Action: authz.AuditRead, Tag: "audit",
			Summary: "Recompute the audit log's hash chain.", Out: audit.Report{}, Handler: s.verifyAudit},

		{ID: "dashboard", Method: http.MethodGet, Path: "/api/v1/dashboard", Action: authz.DashboardRead, Tag: "monitoring",
			Summary: "The leading group's dashboard (督办) for a period (default: the 90 days to today): per department open, yellow, red, done, median and p90 handling time in working hours, share on time; per process cases by state and a weekly trend; subsidy budgets; liaison contacts; demands. Each row's drill names the list behind each number.",
			Query:   monitoring.Query{}, Out: monitoring.Dashboard{},
			Handler: func(c echo.Context) error {
				return httpx.WithQuery(c, func(q monitoring.Query) (monitoring.Dashboard, error) {
					return s.Monitoring.Dashboard(c.Request().Context(), httpx.Principal(c), q)
				})
			}},
		{ID: "quarterlyReport", Method: http.MethodGet, Path: "/api/v1/reports/quarterly", Action: authz.DashboardRead, Tag: "monitoring",
			Summary: "The joint-meeting report (人才工作联席会) of a quarter: an XLSX workbook (format=xlsx, the default) with sheets for department performance, process throughput, subsidy spending against budget and liaison compliance, or the same tables as CSV (UTF-8 with BOM).",
			Query:   monitoring.ReportQuery{}, Produces: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			Handler: func(c echo.Context) error {
				var q monitoring.ReportQuery
				if err := httpx.BindQuery(c, &q); err != nil {
					return err
				}
				r, err := s.Monitoring.QuarterlyReport(c.Request().Context(), httpx.Principal(c), q)
				if err != nil {
					return err
				}
				c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+r.Filename+`"`)
				return c.Blob(http.StatusOK, r.ContentType, r.Data)
			}},
	}
	core = append(core, s.codecRoutes()...)
	return append(core, s.ProcessRoutes...)
}
