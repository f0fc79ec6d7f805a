package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"talentflow/api/httpx"

	"github.com/labstack/echo/v4"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/attachments"
	"talentflow/internal/app/auditlog"
	"talentflow/internal/app/cases"
	"talentflow/internal/app/notifications"
	"talentflow/internal/app/tasks"
	"talentflow/internal/app/users"
	"talentflow/internal/domain"
	"talentflow/internal/identity"
	"talentflow/internal/process"
)

// LoginInput is a username and password.
type LoginInput struct {
	Username string `json:"username" validate:"required"`
	Password string `json:"password" validate:"required"`
}

// LoginResult carries the bearer token.
type LoginResult struct {
	Token     string    `json:"token"`
	TokenType string    `json:"token_type"`
	ExpiresAt time.Time `json:"expires_at"`
	User      users.Me  `json:"user"`
	// MustChangePassword: the token only serves to set a new password (the public demo
	// password outside dev mode).
	MustChangePassword bool `json:"must_change_password,omitempty"`
}

func (s *Server) login(c echo.Context) error {
	var in LoginInput
	if err := httpx.Bind(c, &in); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(in.Username) == "":
		return app.Invalid("username", "username is required")
	case in.Password == "":
		return app.Invalid("password", "password is required")
	case app.HasControlCharacters(in.Username) || len(in.Username) > 64:
		return &app.Error{Kind: app.KindUnauthorized, Code: "bad_credentials", Message: identity.ErrBadCredentials.Error()}
	}
	u, token, exp, err := s.Identity.Login(c.Request().Context(), in.Username, in.Password, c.RealIP())
	var locked *identity.LockedError
	switch {
	case errors.As(err, &locked):
		// Every refused login is in the audit log (the request's row), lockouts included.
		return &app.Error{Kind: app.KindLocked, Code: "account_locked", Message: locked.Error(), RetryAfter: time.Until(locked.Until)}
	case errors.Is(err, identity.ErrBadCredentials), errors.Is(err, identity.ErrDisabled):
		return &app.Error{Kind: app.KindUnauthorized, Code: "bad_credentials", Message: err.Error()}
	case err != nil:
		return s.App.Unavailable(c.Request().Context(), "the user directory", err)
	}
	p := authz.NewPrincipal(u, nil)
	c.Set(httpx.PrincipalKey, p)
	me, err := s.Users.Me(c.Request().Context(), p)
	if err != nil {
		return err
	}
	claims, _ := s.Identity.Verify(token)
	return c.JSON(http.StatusOK, LoginResult{Token: token, TokenType: "Bearer", ExpiresAt: exp, User: me,
		MustChangePassword: claims.MustChangePassword})
}

func (s *Server) me(c echo.Context) error {
	return httpx.Reply[users.Me](c, http.StatusOK)(s.Users.Me(c.Request().Context(), httpx.Principal(c)))
}

// Term is one vocabulary value with its label.
type Term struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Vocabularies are every fixed vocabulary of the API, with the labels the console shows:
// the processes, their case states, steps and timeline kinds come from the process registry.
type Vocabularies struct {
	Categories []Term `json:"categories"`
	Education  []Term `json:"education"`
	Titles     []Term `json:"titles"`
	Outcomes   []Term `json:"outcomes"`
	Roles      []Term `json:"roles"`
	Processes  []Term `json:"processes"`
	States     []Term `json:"states"`
	Steps      []Term `json:"steps"`
	Events     []Term `json:"events"`
	// SubsidyKinds and PaymentStates label the subsidy process's vocabularies.
	SubsidyKinds  []Term `json:"subsidy_kinds"`
	PaymentStates []Term `json:"payment_states"`
	// DemandTypes, ContactForms and Ratings label the liaison process's vocabularies.
	DemandTypes  []Term `json:"demand_types"`
	ContactForms []Term `json:"contact_forms"`
	Ratings      []Term `json:"ratings"`
}

func terms[T ~string](values []string, label func(T) string) []Term {
	out := make([]Term, len(values))
	for i, v := range values {
		out[i] = Term{Value: v, Label: label(T(v))}
	}
	return out
}

var roleLabels = map[string]string{
	authz.RoleApplicant: "申请人", authz.RoleClerk: "窗口受理员", authz.RoleApprover: "成员单位审核人",
	authz.RoleDeptHead: "成员单位分管领导", authz.RoleLGO: "人才办", authz.RoleLeader: "县级领导",
	authz.RoleFinance: "财政局支付专员", authz.RoleAuditor: "纪检审计", authz.RoleAdmin: "系统管理员",
	authz.RoleEmployer: "用人单位经办人", authz.RoleSpecialist: "服务专员",
}

func (s *Server) vocabularies(c echo.Context) error {
	return c.JSON(http.StatusOK, Vocabularies{
		Categories:    terms(domain.CategoryValues(), domain.Category.Label),
		Education:     terms(domain.EducationValues(), domain.Education.Label),
		Titles:        terms(domain.TitleValues(), domain.Title.Label),
		Outcomes:      terms(domain.OutcomeValues(), domain.Outcome.Label),
		Roles:         terms(authz.Roles(), func(r string) string { return roleLabels[r] }),
		Processes:     processTerms(s.Processes.All()),
		States:        registryTerms(s.Processes.States()),
		Steps:         registryTerms(s.Processes.Steps()),
		Events:        registryTerms(s.Processes.Events()),
		SubsidyKinds:  terms(domain.SubsidyKindValues(), domain.SubsidyKind.Label),
		PaymentStates: terms(domain.PaymentStateValues(), domain.PaymentState.Label),
		DemandTypes:   terms(domain.DemandTypeValues(), domain.DemandType.Label),
		ContactForms:  terms(domain.ContactFormValues(), domain.ContactForm.Label),
		Ratings:       []Term{{"5", domain.RatingLabel(5)}, {"4", domain.RatingLabel(4)}, {"3", domain.RatingLabel(3)}, {"2", domain.RatingLabel(2)}, {"1", domain.RatingLabel(1)}},
	})
}

func (s *Server) listDepartments(c echo.Context) error {
	return httpx.Reply[[]users.DepartmentItem](c, http.StatusOK)(s.Users.Departments(c.Request().Context()))
}

func (s *Server) createDepartment(c echo.Context) error {
	return httpx.WithBody(c, http.StatusCreated, func(in users.NewDepartment) (users.DepartmentItem, error) {
		return s.Users.CreateDepartment(c.Request().Context(), in)
	})
}

func (s *Server) listUsers(c echo.Context) error {
	return httpx.WithQuery(c, func(f users.UserFilter) ([]users.UserItem, error) {
		return s.Users.Users(c.Request().Context(), httpx.Principal(c), f)
	})
}

func (s *Server) createUser(c echo.Context) error {
	return httpx.WithBody(c, http.StatusCreated, func(in users.NewUser) (users.UserItem, error) {
		return s.Users.CreateUser(c.Request().Context(), httpx.Principal(c), in)
	})
}

func (s *Server) grantRole(c echo.Context) error {
	return httpx.WithBody(c, http.StatusOK, func(in users.Grant) (users.UserItem, error) {
		return s.Users.GrantRole(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) revokeRole(c echo.Context) error {
	return httpx.Reply[users.UserItem](c, http.StatusOK)(s.Users.RevokeRole(c.Request().Context(), httpx.Principal(c),
		c.Param("id"), c.Param("role"), c.Param("department")))
}

func (s *Server) listCases(c echo.Context) error {
	return httpx.WithQuery(c, func(f cases.CaseFilter) (app.Page[cases.CaseSummary], error) {
		return s.Cases.Cases(c.Request().Context(), httpx.Principal(c), f)
	})
}

func (s *Server) getCase(c echo.Context) error {
	return httpx.Reply[cases.CaseDetail](c, http.StatusOK)(s.Cases.Case(c.Request().Context(), httpx.Principal(c), c.Param("id")))
}

func (s *Server) withdrawCase(c echo.Context) error {
	return httpx.WithBody(c, http.StatusOK, func(in app.CaseAction) (cases.CaseDetail, error) {
		return s.Cases.WithdrawCase(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) attachToCase(c echo.Context) error {
	return httpx.WithBody(c, http.StatusOK, func(in attachments.AttachInput) (cases.CaseDetail, error) {
		return s.Files.AttachToCase(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) listTasks(c echo.Context) error {
	return httpx.WithQuery(c, func(f tasks.TaskFilter) (app.Page[tasks.TaskItem], error) {
		return s.Tasks.Tasks(c.Request().Context(), httpx.Principal(c), f)
	})
}

func (s *Server) claimTask(c echo.Context) error {
	return httpx.ReplyActing[tasks.TaskItem](c, http.StatusOK)(s.Tasks.ClaimTask(c.Request().Context(), httpx.Principal(c), c.Param("id")))
}

func (s *Server) unclaimTask(c echo.Context) error {
	return httpx.ReplyActing[tasks.TaskItem](c, http.StatusOK)(s.Tasks.UnclaimTask(c.Request().Context(), httpx.Principal(c), c.Param("id")))
}

func (s *Server) decideTask(c echo.Context) error {
	return httpx.WithBodyActing(c, http.StatusOK, func(in tasks.DecisionInput) (tasks.TaskItem, authz.Acting, error) {
		return s.Tasks.Decide(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) delegateTask(c echo.Context) error {
	return httpx.WithBodyActing(c, http.StatusOK, func(in tasks.DelegationInput) (tasks.TaskItem, authz.Acting, error) {
		return s.Tasks.DelegateTask(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) urgeTask(c echo.Context) error {
	return httpx.WithBodyActing(c, http.StatusOK, func(in tasks.UrgeInput) (tasks.TaskItem, authz.Acting, error) {
		return s.Tasks.UrgeTask(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) addSigner(c echo.Context) error {
	return httpx.WithBodyActing(c, http.StatusCreated, func(in tasks.SignerInput) (tasks.TaskItem, authz.Acting, error) {
		return s.Tasks.AddSigner(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) listComments(c echo.Context) error {
	return httpx.Reply[[]tasks.CommentItem](c, http.StatusOK)(s.Tasks.TaskComments(c.Request().Context(), httpx.Principal(c), c.Param("id")))
}

func (s *Server) addComment(c echo.Context) error {
	return httpx.WithBodyActing(c, http.StatusCreated, func(in tasks.CommentInput) (tasks.CommentItem, authz.Acting, error) {
		return s.Tasks.CommentOnTask(c.Request().Context(), httpx.Principal(c), c.Param("id"), in)
	})
}

func (s *Server) listNotifications(c echo.Context) error {
	return httpx.WithQuery(c, func(f notifications.NotificationFilter) (notifications.NotificationPage, error) {
		return s.Inbox.List(c.Request().Context(), httpx.Principal(c), f)
	})
}

func (s *Server) readNotification(c echo.Context) error {
	return httpx.Reply[notifications.ReadResult](c, http.StatusOK)(s.Inbox.MarkRead(c.Request().Context(), httpx.Principal(c), c.Param("id")))
}

func (s *Server) readAllNotifications(c echo.Context) error {
	return httpx.Reply[notifications.ReadResult](c, http.StatusOK)(s.Inbox.MarkAllRead(c.Request().Context(), httpx.Principal(c)))
}

func (s *Server) uploadAttachment(c echo.Context) error {
	limit := int64(10 << 20)
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, limit+(1<<20))
	file, header, err := c.Request().FormFile("file")
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return &app.Error{Kind: app.KindTooLarge, Code: "too_large", Field: "file", Message: "file is larger than 10 MiB"}
		}
		return app.Invalid("file", "send the file as multipart/form-data in the field \"file\"")
	}
	defer file.Close()
	return httpx.Reply[app.AttachmentInfo](c, http.StatusCreated)(s.Files.Upload(c.Request().Context(), httpx.Principal(c), header.Filename, file))
}

func (s *Server) downloadAttachment(c echo.Context) error {
	info, f, err := s.Files.Open(c.Request().Context(), httpx.Principal(c), c.Param("sha256"))
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, info.ContentType)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(info.Size, 10))
	h.Set(echo.HeaderContentDisposition, "attachment; filename*=UTF-8''"+urlEscape(info.Name))
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), f)
	return err
}

func (s *Server) listAudit(c echo.Context) error {
	return httpx.WithQuery(c, func(f auditlog.AuditFilter) (auditlog.AuditPage, error) {
		return s.Audit.List(c.Request().Context(), f)
	})
}

func (s *Server) verifyAudit(c echo.Context) error {
	rep, err := s.Audit.Verify(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func processTerms(defs []process.Definition) []Term {
	out := make([]Term, len(defs))
	for i, d := range defs {
		out[i] = Term{Value: d.Name, Label: d.Label}
	}
	return out
}

func registryTerms(ts []process.Term) []Term {
	out := make([]Term, len(ts))
	for i, t := range ts {
		out[i] = Term(t)
	}
	return out
}
