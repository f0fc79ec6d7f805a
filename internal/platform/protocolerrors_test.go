package platform

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveRaw serves h behind JSONProtocolErrors and returns a function sending raw bytes on a
// fresh connection and reading every answer until the server closes it.
func serveRaw(t *testing.T, h http.Handler) func(raw string) []*http.Response {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(JSONProtocolErrors(l)) }()
	t.Cleanup(func() { _ = srv.Close() })
	return func(raw string) []*http.Response {
		c, err := net.Dial("tcp", l.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(5*time.Second)))
		_, err = io.WriteString(c, raw)
		require.NoError(t, err)
		var out []*http.Response
		r := bufio.NewReader(c)
		for {
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				return out
			}
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			resp.Body = io.NopCloser(strings.NewReader(string(body)))
			out = append(out, resp)
		}
	}
}

type errorShape struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func decodeError(t *testing.T, resp *http.Response) errorShape {
	t.Helper()
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var e errorShape
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&e))
	return e
}

// TestRequestsTheServerCannotParseAnswerTheJSONErrorShape: what net/http refuses before any
// handler runs answers like every other error of the API, naming the part at fault, and
// nothing else on the connection changes.
func TestRequestsTheServerCannotParseAnswerTheJSONErrorShape(t *testing.T) {
	send := serveRaw(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			// A handler's own text/plain error passes through untouched.
			w.Header().Set("Connection", "close")
			http.Error(w, "a handler's own words", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))

	t.Run("a bare percent sign in the path", func(t *testing.T) {
		// A good request first on the same connection: the bad one is the second.
		answers := send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/cases/% HTTP/1.1\r\nHost: x\r\n\r\n")
		require.Len(t, answers, 2)
		assert.Equal(t, http.StatusOK, answers[0].StatusCode)
		body, _ := io.ReadAll(answers[0].Body)
		assert.JSONEq(t, `{"ok":true}`, string(body))
		assert.Equal(t, http.StatusBadRequest, answers[1].StatusCode)
		e := decodeError(t, answers[1])
		assert.Equal(t, "bad_request", e.Error.Code)
		assert.Equal(t, "path", e.Error.Field)
		assert.Contains(t, e.Error.Message, "%25")
	})
	t.Run("no Host header", func(t *testing.T) {
		answers := send("GET /ok HTTP/1.1\r\n\r\n")
		require.Len(t, answers, 1)
		assert.Equal(t, http.StatusBadRequest, answers[0].StatusCode)
		e := decodeError(t, answers[0])
		assert.Equal(t, "Host", e.Error.Field)
	})
	t.Run("headers too large", func(t *testing.T) {
		answers := send("GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 1<<21) + "\r\n\r\n")
		require.Len(t, answers, 1)
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, answers[0].StatusCode)
		e := decodeError(t, answers[0])
		assert.Equal(t, "too_large", e.Error.Code)
		assert.Equal(t, "headers", e.Error.Field)
	})
	t.Run("a malformed header line", func(t *testing.T) {
		answers := send("GET /ok HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
		require.Len(t, answers, 1)
		assert.Equal(t, http.StatusBadRequest, answers[0].StatusCode)
		e := decodeError(t, answers[0])
		assert.Equal(t, "bad_request", e.Error.Code)
		assert.NotEmpty(t, e.Error.Message)
	})
	t.Run("a handler's text/plain answer is not rewritten", func(t *testing.T) {
		answers := send("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n")
		require.Len(t, answers, 1)
		assert.Equal(t, http.StatusBadRequest, answers[0].StatusCode)
		assert.Equal(t, "text/plain; charset=utf-8", answers[0].Header.Get("Content-Type"))
		body, _ := io.ReadAll(answers[0].Body)
		assert.Equal(t, "a handler's own words\n", string(body))
	})
}
