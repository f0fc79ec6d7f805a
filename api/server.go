// Package api is talentflow's HTTP surface: the echo server, its route table (each route names
// the domain action it needs), the OpenAPI document generated from that table, one error
// handler, authentication, request auditing and metrics.
package api

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo-contrib/echoprometheus"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/converter"
	"gorm.io/gorm"

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
	"talentflow/internal/domain"
	"talentflow/internal/identity"
	"talentflow/internal/process"
	"talentflow/internal/store"
)

// Server wires the application into HTTP.
type Server struct {
	App *app.App
	// Cases and Tasks are the generic case and task use cases.
	Cases *cases.Service
	Tasks *tasks.Service
	// Inbox is the caller's notifications; Audit reads the audit log.
	Inbox    *notifications.Service
	Audit    *auditlog.Service
	Users    *users.Service
	Files    *attachments.Service
	Identity *identity.Service
	Authz    *authz.Authorizer
	DB       *store.DB
	Log      *slog.Logger
	Registry *prometheus.Registry
	// Ready reports whether the dependencies answer (database, Temporal); Checks runs checks
	// of each concurrently, so one that hangs does not make another look down.
	Ready func(ctx context.Context) map[string]error
	// RequestTimeout bounds a request (0: 30 s; uploads: 2 minutes).
	RequestTimeout time.Duration
	// Console is the web console's static files (nil: no console).
	Console fs.FS
	// TemporalUI is the Temporal Web UI's URL, shown on the console (dev mode).
	TemporalUI string
	// PayloadCodec decrypts workflow payloads for the Web UI's codec endpoint (nil: none);
	// CodecOrigins are the Web UI origins allowed to call it from a browser.
	PayloadCodec converter.PayloadCodec
	CodecOrigins []string
	// Processes is the registry of processes; ProcessRoutes are their routes.
	Processes     *process.Registry
	ProcessRoutes []httpx.Route
	// Monitoring is the leading group's dashboard and report.
	Monitoring *monitoring.Service
	// TrustedProxies are the networks whose X-Forwarded-For names the client (none: the
	// connection's address is the client's).
	TrustedProxies []*net.IPNet

	openapiOnce sync.Once
	openapiJSON []byte
	openapiErr  error
}

const maxBody = 1 << 20 // JSON bodies (1M); uploads have their own limit

// Handler builds the echo server with every route.
func (s *Server) Handler() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// The client's address (login throttling) is the connection's, unless it comes through a
	// proxy the operator trusts: X-Forwarded-For from anyone else is ignored, or an attacker
	// could pick a new address for every guess.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(s.TrustedProxies) > 0 {
		var opts []echo.TrustOption
		for _, n := range s.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(append(opts, echo.TrustLoopback(false), echo.TrustPrivateNet(false), echo.TrustLinkLocal(false))...)
	}
	e.Pre(s.codecCORS)
	e.Use(middleware.RequestID())
	e.Use(requestIDInContext)
	e.Use(s.recoverer())
	e.Use(echoprometheus.NewMiddlewareWithConfig(echoprometheus.MiddlewareConfig{
		Namespace: "talentflow", Subsystem: "http", Registerer: s.Registry, DoNotUseRequestPathFor404: true,
		StatusCodeResolver: func(c echo.Context, err error) int {
			if err == nil {
				return c.Response().Status
			}
			status, _, _ := classify(err)
			return status
		},
	}))
	e.Use(s.accessLog())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{XSSProtection: "0", ContentTypeNosniff: "nosniff",
		XFrameOptions: "DENY", ReferrerPolicy: "same-origin", ContentSecurityPolicy: contentSecurityPolicy}))
	e.Use(noStoreAPI)

	for _, r := range s.routes() {
		r := r
		var mws []echo.MiddlewareFunc
		if !r.Public {
			mws = append(mws, s.authenticate)
			if r.Action != "" {
				mws = append(mws, s.require(r.Action))
			}
		}
		if r.Method != http.MethodGet && strings.HasPrefix(r.Path, "/api/") {
			mws = append(mws, s.auditRequest(r))
		}
		if r.Upload == 0 {
			mws = append(mws, middleware.BodyLimit("1M"))
		}
		mws = append(mws, rejectControlCharacters)
		e.Add(r.Method, r.Path, r.Handler, append([]echo.MiddlewareFunc{s.deadline(r)}, mws...)...)
	}
	if s.Console != nil {
		s.mountConsole(e)
	}
	return e
}

// requestTimeout bounds every request but uploads (uploadTimeout, the HTTP server's own write
// timeout): the database and Temporal calls a request makes end by then at the latest, so a
// dependency that stops answering costs the caller a 503, never a hung request.
const (
	requestTimeout = 30 * time.Second
	uploadTimeout  = 2 * time.Minute
)

// deadline gives the request's context its deadline, before anything (authentication
// included) touches the database.
func (s *Server) deadline(r httpx.Route) echo.MiddlewareFunc {
	timeout := cmp.Or(s.RequestTimeout, requestTimeout)
	if r.Upload > 0 {
		timeout = uploadTimeout
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), timeout)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// requestIDInContext hands the request id to the use cases (the audit rows they write).
func requestIDInContext(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		c.SetRequest(c.Request().WithContext(app.WithRequestID(c.Request().Context(), id)))
		return next(c)
	}
}

// recoverer turns a panic into a logged 500.
func (s *Server) recoverer() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.Log.ErrorContext(c.Request().Context(), "panic", "err", err, "stack", string(stack))
			return err
		},
	})
}

// accessLog writes one structured line per request, with the request id. Query strings are
// left out: they may carry personal data.
func (s *Server) accessLog() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true, LogError: true,
		HandleError: true,
		Skipper:     func(c echo.Context) bool { return c.Path() == "/metrics" || c.Path() == "/healthz" },
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if v.Status >= 500 {
				level = slog.LevelError
			}
			path := domain.RedactPersonal(v.URIPath) // an ID number in a path is not logged whole
			if strings.HasPrefix(path, "/calendar/") {
				path = "/calendar/…" // the path is a calendar's secret
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method), slog.String("path", path), slog.String("route", c.Path()),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency), slog.String("request_id", v.RequestID),
			}
			if p, ok := c.Get(httpx.PrincipalKey).(*authz.Principal); ok {
				attrs = append(attrs, slog.String("user", p.User.Username))
			}
			s.Log.LogAttrs(c.Request().Context(), level, "http", attrs...)
			return nil
		},
	})
}

// authenticate requires a valid bearer token and loads the principal with their roles.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
		if !ok || token == "" {
			token = codecToken(c) // the Temporal Web UI's calls carry the codec session's cookie
			ok = token != ""
		}
		if !ok || token == "" {
			return &app.Error{Kind: app.KindUnauthorized, Code: "unauthorized", Message: "log in first: send Authorization: Bearer <token>"}
		}
		claims, err := s.Identity.Verify(strings.TrimSpace(token))
		if err != nil {
			return &app.Error{Kind: app.KindUnauthorized, Code: "unauthorized", Message: "the token is invalid or expired; log in again"}
		}
		ctx := c.Request().Context()
		switch err := s.Identity.Touch(ctx, claims); {
		case errors.Is(err, identity.ErrSessionEnded):
			return &app.Error{Kind: app.KindUnauthorized, Code: "session_ended", Message: err.Error()}
		case err != nil:
			return s.App.Unavailable(ctx, "the session store", err)
		}
		if claims.MustChangePassword && !passwordChangeRoutes[c.Request().Method+" "+c.Path()] {
			return &app.Error{Kind: app.KindForbidden, Code: "password_change_required",
				Message: "this account still has the public demo password: set a new one (POST /api/v1/me/password), then log in again"}
		}
		c.Set(claimsKey, claims)
		var u store.User
		var grants []store.RoleAssignment
		err = s.DB.WithContext(ctx).Where("id = ?", claims.Subject).Take(&u).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound) || err == nil && u.Disabled:
			return &app.Error{Kind: app.KindUnauthorized, Code: "unauthorized", Message: "the account no longer exists or is disabled"}
		case err != nil:
			return s.App.Unavailable(ctx, "the user directory", err)
		}
		if err := s.DB.WithContext(ctx).Where("user_id = ?", u.ID).Order("granted_at, role").Find(&grants).Error; err != nil {
			return s.App.Unavailable(ctx, "the user directory", err)
		}
		c.Set(httpx.PrincipalKey, authz.NewPrincipal(u, grants))
		return next(c)
	}
}

// require allows the route only to principals whose roles grant act somewhere; object-level
// checks (this task belongs to your department) follow in the application layer.
func (s *Server) require(act authz.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := httpx.Principal(c)
			if !s.Authz.Can(p.User.ID, authz.Anywhere, act) {
				return app.Forbidden("your roles do not allow %s", act)
			}
			return next(c)
		}
	}
}

// rejectControlCharacters refuses path and query values holding control characters (a NUL
// byte would otherwise reach PostgreSQL, which refuses it).
func rejectControlCharacters(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		for i, v := range c.ParamValues() {
			if app.HasControlCharacters(v) {
				name := c.ParamNames()[i]
				return app.Invalid(name, "%s must not contain control characters", name)
			}
		}
		for name, vs := range c.QueryParams() {
			for _, v := range vs {
				if app.HasControlCharacters(v) || app.HasControlCharacters(name) {
					return app.Invalid(name, "%s must not contain control characters", name)
				}
			}
		}
		return next(c)
	}
}

// auditRequest appends every state-changing request to the audit log: who, acting as what
// role in which department, what, on which object, and how it ended.
func (s *Server) auditRequest(r httpx.Route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx := c.Request().Context()
			var loginName string
			if r.ID == "login" {
				loginName = peekUsername(c)
			}
			err := next(c)
			status := c.Response().Status
			reason := ""
			if err != nil {
				var detail ErrorDetail
				status, detail, _ = classify(err)
				reason = detail.Message
			}
			acting := r.ActsAs
			if as, ok := c.Get(httpx.ActingKey).(authz.Acting); ok {
				acting = as
			}
			entry := audit.Entry{
				Action: r.ID, Object: r.AuditObject(c), Outcome: http.StatusText(status), Reason: reason,
				RequestID: c.Response().Header().Get(echo.HeaderXRequestID), Role: acting.Role, Department: acting.Department,
			}
			if status >= 200 && status < 300 {
				entry.Outcome = "ok"
			}
			if p := httpx.Principal(c); p != nil {
				entry.Actor = p.User.Username
				if entry.Role == "" {
					entry.Role, entry.Department = p.PrimaryRole()
				}
			} else {
				entry.Actor = "anonymous"
				if loginName != "" {
					entry.Actor = loginName
				}
			}
			// The entry is written even when the request ran out of time.
			actx, cancel := app.Detached(ctx)
			defer cancel()
			if aerr := audit.Record(actx, s.DB, entry); aerr != nil {
				s.Log.ErrorContext(ctx, "audit append failed", "err", aerr, "action", r.ID)
			}
			return err
		}
	}
}

// peekUsername reads the username of a login attempt without consuming the body.
func peekUsername(c echo.Context) string {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody))
	if err != nil {
		return ""
	}
	c.Request().Body = io.NopCloser(bytes.NewReader(body))
	var in struct {
		Username string `json:"username"`
	}
	_ = json.Unmarshal(body, &in)
	if len(in.Username) > 64 {
		return ""
	}
	return in.Username
}

// healthz answers as long as the process runs.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"ok": true})
}

// Readiness is the /readyz answer.
type Readiness struct {
	OK     bool              `json:"ok"`
	Checks map[string]string `json:"checks"`
}

// Checks runs each dependency's check concurrently and collects their answers: what /readyz
// needs from Ready.
func Checks(checks map[string]func(context.Context) error) func(context.Context) map[string]error {
	return func(ctx context.Context) map[string]error {
		var mu sync.Mutex
		var wg sync.WaitGroup
		out := make(map[string]error, len(checks))
		for name, check := range checks {
			wg.Go(func() {
				err := check(ctx)
				mu.Lock()
				out[name] = err
				mu.Unlock()
			})
		}
		wg.Wait()
		return out
	}
}

// readyz answers 200 only when the database and Temporal answer; within 3 s, naming each
// dependency that did not (503).
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 3*time.Second)
	defer cancel()
	out := Readiness{OK: true, Checks: map[string]string{}}
	for name, err := range s.Ready(ctx) {
		out.Checks[name] = "ok"
		if err != nil {
			out.OK = false
			out.Checks[name] = "unavailable"
			s.Log.WarnContext(ctx, "not ready", "dependency", name, "err", err)
		}
	}
	status := http.StatusOK
	if !out.OK {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, out)
}

func (s *Server) metrics() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{Registry: s.Registry}))
}

// contentSecurityPolicy lets the console run only its own script and style sheet (no inline
// script anywhere), plus the certificate page's inline style by its hash.
var contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' '" + styleHash(certificateStyle) +
	"'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func styleHash(css string) string {
	sum := sha256.Sum256([]byte(css))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// noStoreAPI keeps every API answer out of browser and proxy caches: they carry personal data.
func noStoreAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/v1/") {
			c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		}
		return next(c)
	}
}

// passwordChangeRoutes are what a token restricted to a password change may reach.
var passwordChangeRoutes = map[string]bool{
	"GET /api/v1/me": true, "POST /api/v1/me/password": true, "POST /api/v1/auth/logout": true,
}

const claimsKey = "tf.claims"

func (s *Server) logout(c echo.Context) error {
	claims, _ := c.Get(claimsKey).(identity.Claims)
	if err := s.Identity.Logout(c.Request().Context(), claims); err != nil {
		return s.App.Unavailable(c.Request().Context(), "the session store", err)
	}
	return c.JSON(http.StatusOK, map[string]bool{"ok": true})
}
