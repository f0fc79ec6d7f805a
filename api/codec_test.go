package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"talentflow/api"
	"talentflow/internal/store"
	"talentflow/internal/store/storetest"
	"talentflow/internal/temporalx"
)

// encryptedPayloads is what the Web UI would post: a workflow input as Temporal stores it.
func encryptedPayloads(t *testing.T, v any) []byte {
	t.Helper()
	plain, err := converter.GetDefaultDataConverter().ToPayloads(v)
	require.NoError(t, err)
	enc, err := temporalx.Codec{Keys: storetest.Keys()}.Encode(plain.Payloads)
	require.NoError(t, err)
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: enc})
	require.NoError(t, err)
	return b
}

// codecCall posts payloads to the codec endpoint with the given headers.
func (ts *testServer) codecCall(method string, data []byte, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/api/v1/temporal-codec/decode", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	ts.echo.ServeHTTP(rec, req)
	return rec
}

func decoded(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(rec.Body.Bytes(), &out))
	require.Len(t, out.Payloads, 1)
	var v map[string]string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(out.Payloads[0], &v))
	return v
}

func TestTheOperatorDecodesWorkflowPayloadsAndEachDecodeIsAudited(t *testing.T) {
	ts := newTestServer(t)
	input := map[string]string{"id_number": "11010519491231002X"}
	body := encryptedPayloads(t, input)
	assert.NotContains(t, string(body), "11010519491231002X")

	rec := ts.codecCall(http.MethodPost, body, map[string]string{"Authorization": "Bearer " + ts.tokens[admin], "X-Namespace": "talentflow"})
	assert.Equal(t, input, decoded(t, rec))
	var rows []store.AuditRecord
	require.NoError(t, ts.db.Where("action = ?", "decodePayloads").Find(&rows).Error)
	require.Len(t, rows, 1, "the decode is in the audit log")
	assert.Equal(t, admin, rows[0].Actor)
	assert.Equal(t, "admin", rows[0].Role)
	assert.Equal(t, "ok", rows[0].Outcome)

	for _, user := range []string{lgo, auditor, fin} {
		rec := ts.codecCall(http.MethodPost, body, map[string]string{"Authorization": "Bearer " + ts.tokens[user]})
		assert.Equal(t, http.StatusForbidden, rec.Code, user)
		assert.NotContains(t, rec.Body.String(), "11010519491231002X")
	}
	assert.Equal(t, http.StatusUnauthorized, ts.codecCall(http.MethodPost, body, nil).Code)

	// A payload from before the codec passes through; one that was changed is refused in the
	// API's error shape.
	plain, err := converter.GetDefaultDataConverter().ToPayloads(input)
	require.NoError(t, err)
	pb, err := protojson.Marshal(plain)
	require.NoError(t, err)
	assert.Equal(t, input, decoded(t, ts.codecCall(http.MethodPost, pb, map[string]string{"Authorization": "Bearer " + ts.tokens[admin]})))
	var p commonpb.Payloads
	require.NoError(t, protojson.Unmarshal(body, &p))
	p.Payloads[0].Data[len(p.Payloads[0].Data)-1] ^= 1
	tampered, err := protojson.Marshal(&p)
	require.NoError(t, err)
	rec = ts.codecCall(http.MethodPost, tampered, map[string]string{"Authorization": "Bearer " + ts.tokens[admin]})
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	var e api.ErrorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
	assert.Equal(t, "payloads", e.Error.Field)
}

func TestTheWebUICallsTheCodecWithTheSessionCookieFromAnAllowedOrigin(t *testing.T) {
	ts := newTestServer(t)
	// The console asks for a codec session for the operator's browser.
	rec := ts.raw(admin, http.MethodPost, "/api/v1/temporal-codec/session")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var cookie *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == "tf_codec" {
			cookie = c
		}
	}
	require.NotNil(t, cookie, "a codec cookie")
	assert.True(t, cookie.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, cookie.SameSite)
	assert.Equal(t, "/api/v1/temporal-codec", cookie.Path, "sent to the codec path only")
	assert.Equal(t, http.StatusForbidden, ts.raw(lgo, http.MethodPost, "/api/v1/temporal-codec/session").Code)

	// The browser's preflight, then the call with the cookie and no bearer token.
	pre := ts.codecCall(http.MethodOptions, nil, map[string]string{"Origin": codecOrigin,
		"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-namespace"})
	assert.Equal(t, http.StatusNoContent, pre.Code)
	assert.Equal(t, codecOrigin, pre.Header().Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", pre.Header().Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, strings.ToLower(pre.Header().Get("Access-Control-Allow-Headers")), "x-namespace")

	input := map[string]string{"bank_account": "6222020200112233446"}
	rec = ts.codecCall(http.MethodPost, encryptedPayloads(t, input), map[string]string{"Origin": codecOrigin,
		"Cookie": cookie.Name + "=" + cookie.Value, "X-Namespace": "talentflow"})
	assert.Equal(t, input, decoded(t, rec))
	assert.Equal(t, codecOrigin, rec.Header().Get("Access-Control-Allow-Origin"))

	// Another origin gets no CORS grant; the cookie opens no other route.
	other := ts.codecCall(http.MethodOptions, nil, map[string]string{"Origin": "http://evil.example"})
	assert.Equal(t, http.StatusForbidden, other.Code)
	assert.Empty(t, other.Header().Get("Access-Control-Allow-Origin"))
	req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	req.Header.Set("Cookie", cookie.Name+"="+cookie.Value)
	me := httptest.NewRecorder()
	ts.echo.ServeHTTP(me, req)
	assert.Equal(t, http.StatusUnauthorized, me.Code)

	// Logging out ends the cookie's session too.
	require.Equal(t, http.StatusOK, ts.raw(admin, http.MethodPost, "/api/v1/auth/logout").Code)
	rec = ts.codecCall(http.MethodPost, encryptedPayloads(t, input), map[string]string{"Cookie": cookie.Name + "=" + cookie.Value})
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
}
