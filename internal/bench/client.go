package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// apiClient talks to talentflow's HTTP API as one logged-in user, timing each call under the
// name of its endpoint.
type apiClient struct {
	base  string
	http  *http.Client
	token string
	user  string
	lat   *latencies
}

// statusError is an answer other than the one a call expected.
type statusError struct {
	Method, Path, User string
	Status             int
	Body               string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s as %s answered %d: %s", e.Method, e.Path, e.User, e.Status, e.Body)
}

func newHTTPClient(concurrency int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 4*concurrency + 16
	t.MaxIdleConnsPerHost = 4*concurrency + 16
	return &http.Client{Transport: t, Timeout: 2 * time.Minute}
}

// login signs user in with the demo password.
func login(ctx context.Context, h *http.Client, base, user, password string, lat *latencies) (*apiClient, error) {
	c := &apiClient{base: base, http: h, user: user, lat: lat}
	var out struct {
		Token string `json:"token"`
	}
	if err := c.do(ctx, "login", http.MethodPost, "/api/v1/auth/login", http.StatusOK,
		map[string]string{"username": user, "password": password}, &out); err != nil {
		return nil, err
	}
	if out.Token == "" {
		return nil, fmt.Errorf("login %s: no token in the answer", user)
	}
	c.token = out.Token
	return c, nil
}

// do sends a JSON request, checks the status and decodes the answer into out (if not nil).
func (c *apiClient) do(ctx context.Context, endpoint, method, path string, want int, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	began := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s as %s: %w", method, path, c.user, err)
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s as %s: %w", method, path, c.user, err)
	}
	c.lat.add(endpoint, time.Since(began))
	if resp.StatusCode != want {
		if len(data) > 300 {
			data = data[:300]
		}
		return &statusError{Method: method, Path: path, User: c.user, Status: resp.StatusCode, Body: string(data)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// inboxTask finds the open task of caseID in the user's claimable inbox of process, as a
// reviewer would: list the inbox, pick the case. The decision that opened the task answered
// after the read model showed it, so it is there at once; a few retries cover a slow reader.
func (c *apiClient) inboxTask(ctx context.Context, process, caseID string) (string, error) {
	for attempt := 0; ; attempt++ {
		cursor := ""
		for page := 0; page < 20; page++ {
			q := url.Values{"scope": {"claimable"}, "process": {process}, "limit": {"200"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var out struct {
				Items []struct {
					ID     string `json:"id"`
					CaseID string `json:"case_id"`
				} `json:"items"`
				NextCursor string `json:"next_cursor"`
			}
			if err := c.do(ctx, "inbox", http.MethodGet, "/api/v1/tasks?"+q.Encode(), http.StatusOK, nil, &out); err != nil {
				return "", err
			}
			for _, it := range out.Items {
				if it.CaseID == caseID {
					return it.ID, nil
				}
			}
			if cursor = out.NextCursor; cursor == "" {
				break
			}
		}
		if attempt == 20 {
			return "", fmt.Errorf("%s has no open task of case %s in the claimable inbox", c.user, caseID)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// decide approves task as this user and returns the case's state after the decision.
func (c *apiClient) decide(ctx context.Context, taskID string, body map[string]any) (string, error) {
	var out struct {
		CaseState string `json:"case_state"`
	}
	err := c.do(ctx, "decide", http.MethodPost, "/api/v1/tasks/"+url.PathEscape(taskID)+"/decision", http.StatusOK, body, &out)
	return out.CaseState, err
}
