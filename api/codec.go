package api

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"talentflow/api/httpx"
	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/identity"
)

// The payload codec endpoint lets the Temporal Web UI show workflow payloads, which Temporal
// stores encrypted (internal/temporalx.Codec), to an operator: the UI posts the payloads it
// shows to <endpoint>/decode and gets them back in the clear. Only a role granted
// temporal:decode (admin) may, every decode is a row in the audit log, and only decode is
// offered (nothing here encrypts with the county's keys on a caller's behalf).
//
// The UI calls from the browser, cross-origin and without talentflow's bearer token: the
// operator first asks for a codec session (POST …/session, from the console), which sets an
// HttpOnly, SameSite=Strict cookie holding their session token, valid on the codec path only;
// the UI sends it with includeCredentials. Origins allowed to call are TALENTFLOW_CODEC_ORIGINS
// (dev mode adds its embedded UI).

const (
	codecPath       = "/api/v1/temporal-codec"
	codecDecodePath = codecPath + "/decode"
	codecCookie     = "tf_codec"
)

// Payload is one Temporal payload as the codec endpoint reads and writes it (protobuf JSON).
type Payload struct {
	// Metadata values are base64 (encoding: "binary/encrypted" for an encrypted payload).
	Metadata map[string]string `json:"metadata"`
	// Data is base64.
	Data string `json:"data"`
}

// Payloads is the body of a codec request and answer.
type Payloads struct {
	Payloads []Payload `json:"payloads"`
}

// CodecSession answers a codec session: where the Web UI is and until when the cookie works.
type CodecSession struct {
	TemporalUI string    `json:"temporal_ui,omitempty"`
	ExpiresAt  time.Time `json:"expires_at"`
}

func (s *Server) codecRoutes() []httpx.Route {
	operator := authz.Acting{Role: authz.RoleAdmin}
	return []httpx.Route{
		{ID: "decodePayloads", ActsAs: operator, Method: http.MethodPost, Path: codecDecodePath, Action: authz.PayloadDecode,
			Tag: "operations", Object: "temporal-payloads",
			Summary: "The Temporal Web UI's codec endpoint: decrypts workflow payloads (encoding binary/encrypted) for an operator; others pass through unchanged. Each call is audited. Authenticated by the bearer token or by the codec session's cookie.",
			In:      Payloads{}, Out: Payloads{}, Handler: s.decodePayloads},
		{ID: "codecSession", ActsAs: operator, Method: http.MethodPost, Path: codecPath + "/session", Action: authz.PayloadDecode,
			Tag: "operations", Object: "temporal-codec",
			Summary: "Lets this browser's Temporal Web UI call the codec endpoint: sets an HttpOnly, SameSite=Strict cookie with the caller's session, sent to the codec path only, ending with the session.",
			In:      struct{}{}, Out: CodecSession{}, Handler: s.codecSession},
	}
}

// decodePayloads checks the body, then lets the SDK's codec handler decode it.
func (s *Server) decodePayloads(c echo.Context) error {
	if s.PayloadCodec == nil {
		return &app.Error{Kind: app.KindNotFound, Code: "not_found", Message: "this server has no payload codec"}
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return app.Invalid("payloads", "the body could not be read")
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		return app.Invalid("payloads", `payloads: want {"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`)
	}
	req := c.Request().Clone(c.Request().Context())
	req.Body = io.NopCloser(bytes.NewReader(body))
	out := &recorder{header: http.Header{}, status: http.StatusOK}
	converter.NewPayloadCodecHTTPHandler(s.PayloadCodec).ServeHTTP(out, req)
	if out.status != http.StatusOK {
		msg, _, _ := strings.Cut(strings.TrimSpace(out.body.String()), "\n")
		return app.Invalid("payloads", "the payloads do not decode: %s", msg)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, out.body.Bytes())
}

// recorder keeps what the SDK's handler answers, so that a failure is answered in the API's
// JSON error shape.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// codecSession sets the codec cookie to the caller's token.
func (s *Server) codecSession(c echo.Context) error {
	token := strings.TrimSpace(strings.TrimPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer "))
	claims, _ := c.Get(claimsKey).(identity.Claims)
	if token == "" || claims.ExpiresAt == nil {
		return app.Forbidden("a codec session needs a bearer token")
	}
	expires := claims.ExpiresAt.Time
	c.SetCookie(&http.Cookie{Name: codecCookie, Value: token, Path: codecPath, Expires: expires, HttpOnly: true,
		Secure: c.Scheme() == "https", SameSite: http.SameSiteStrictMode})
	return c.JSON(http.StatusOK, CodecSession{TemporalUI: s.TemporalUI, ExpiresAt: expires})
}

// codecToken is the codec cookie's token on the decode route ("" elsewhere or without one).
func codecToken(c echo.Context) string {
	if c.Path() != codecDecodePath {
		return ""
	}
	ck, err := c.Cookie(codecCookie)
	if err != nil {
		return ""
	}
	return ck.Value
}

// codecCORS lets the allowed Web UI origins call the decode route from a browser: the
// preflight is answered here, before routing, and every answer of the route names the origin.
func (s *Server) codecCORS(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.URL.Path != codecDecodePath {
			return next(c)
		}
		h := c.Response().Header()
		h.Add(echo.HeaderVary, echo.HeaderOrigin)
		origin := r.Header.Get(echo.HeaderOrigin)
		allowed := origin != "" && slices.Contains(s.CodecOrigins, origin)
		if allowed {
			h.Set(echo.HeaderAccessControlAllowOrigin, origin)
			h.Set(echo.HeaderAccessControlAllowCredentials, "true")
		}
		if r.Method != http.MethodOptions {
			return next(c)
		}
		if !allowed {
			return app.Forbidden("origin %q may not call the codec endpoint: add it to TALENTFLOW_CODEC_ORIGINS", origin)
		}
		h.Set(echo.HeaderAccessControlAllowMethods, http.MethodPost)
		h.Set(echo.HeaderAccessControlAllowHeaders, "Content-Type, X-Namespace, Authorization")
		h.Set(echo.HeaderAccessControlMaxAge, "600")
		return c.NoContent(http.StatusNoContent)
	}
}
