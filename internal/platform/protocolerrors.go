package platform

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Go's HTTP server answers a request it cannot parse — a bare "%" in the path, a missing Host
// header, headers too large — before any handler runs, with a text/plain body written straight
// to the connection. No middleware can reach those answers, so JSONProtocolErrors rewrites them
// where they are written: each accepted connection keeps the last bytes it read, and a write that is exactly the server's error answer (a status line followed by its fixed
// "Content-Type: text/plain…Connection: close" headers, which no handler's answer starts with:
// those carry a Date header) goes out as the API's JSON error shape instead, naming the part
// of the request at fault. Every other byte passes through unchanged.
func JSONProtocolErrors(l net.Listener) net.Listener { return protocolErrorListener{l} }

type protocolErrorListener struct{ net.Listener }

func (l protocolErrorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &protocolErrorConn{Conn: c}, nil
}

// maxNoted bounds the bytes a connection keeps of what it read: the last 8 KiB hold the
// request line of the request being read (the server stops at the first it cannot parse).
const maxNoted = 8 << 10

type protocolErrorConn struct {
	net.Conn
	mu sync.Mutex
	// noted are the last bytes read.
	noted []byte
}

func (c *protocolErrorConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.noted = append(c.noted, p[:n]...)
		if over := len(c.noted) - maxNoted; over > 0 {
			c.noted = append(c.noted[:0], c.noted[over:]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *protocolErrorConn) Write(p []byte) (int, error) {
	m := serverError.FindSubmatch(p)
	if m == nil {
		return c.Conn.Write(p)
	}
	c.mu.Lock()
	read := c.noted
	c.mu.Unlock()
	status, _ := strconv.Atoi(string(m[1]))
	if _, err := c.Conn.Write(protocolErrorAnswer(status, string(m[2]), read)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite half-closes the connection as the server does before it closes one (so that a
// client still sending reads the answer rather than a reset), when the connection can.
func (c *protocolErrorConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// serverError is net/http's own error answer: "HTTP/1.1 <code> <text>[: <reason>]", its two
// fixed headers, and the same text again as the body.
var serverError = regexp.MustCompile(`\AHTTP/1\.1 ([45]\d\d) ([^\r\n]*)\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n`)

// protocolErrorAnswer is the JSON answer for the server's error with status line text, given
// the last bytes read on the connection (those of the request that caused it).
func protocolErrorAnswer(status int, text string, read []byte) []byte {
	detail := map[string]string{"code": "bad_request", "message": "the request could not be read: " + text}
	_, reason, _ := strings.Cut(text, ": ")
	switch {
	case status == http.StatusRequestHeaderFieldsTooLarge:
		detail = map[string]string{"code": "too_large", "field": "headers",
			"message": "the request's headers are larger than the server accepts"}
	case strings.Contains(reason, "Host"):
		detail = map[string]string{"code": "bad_request", "field": "Host", "message": "the request's Host header is missing or invalid"}
	case status == http.StatusBadRequest:
		if problem := badTarget(read); problem != "" {
			detail = map[string]string{"code": "bad_request", "field": "path", "message": problem}
		} else if reason != "" {
			detail["message"] = "the request could not be read: " + reason
		}
	default:
		if status >= 500 {
			detail["code"] = "not_supported"
		}
	}
	body, _ := json.Marshal(map[string]any{"error": detail})
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nCache-Control: no-store\r\n"+
		"X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n", status, http.StatusText(status), len(body))
	b.Write(body)
	return b.Bytes()
}

// badTarget says what is wrong with the target of a request line in read, if a target the
// server cannot parse is what it refused ("" otherwise).
func badTarget(read []byte) string {
	for _, line := range strings.Split(string(read), "\n") {
		parts := strings.Fields(strings.TrimSuffix(line, "\r"))
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/") {
			continue
		}
		if _, err := url.ParseRequestURI(parts[1]); err != nil {
			reason := err.Error()
			if ue, ok := errors.AsType[*url.Error](err); ok {
				reason = ue.Err.Error()
			}
			return "the request path is not a valid URL (" + reason + "); write a literal % as %25"
		}
	}
	return ""
}
