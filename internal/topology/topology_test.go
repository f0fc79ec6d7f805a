package topology_test

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"talentflow/internal/domain"
	"talentflow/internal/sealed"
	"talentflow/internal/temporalx"
)

const (
	password  = "Topology-Test-2026"
	cases     = 200
	clients   = 12
	timeScale = "0.00002" // a working day lasts 1.7 s: the five-day public notice ends by itself
	// shards: a test cluster; production clusters are created with 512 (the command's default).
	shards = "16"
)

// TestTwoServersTwoWorkersTwoAPIsSurviveKillNine is the production topology on loopback: one
// PostgreSQL, two `talentflow temporal-server` processes forming one Temporal cluster, two
// `talentflow worker` and two `talentflow api` processes sharing one token secret. Twelve clients
// drive 200 introductions through both API nodes while one worker, one API node and one Temporal
// server are killed with SIGKILL and started again. Every case reaches its certificate, no task
// or certificate is duplicated, the audit chain verifies and the read model matches the workflows.
func TestTwoServersTwoWorkersTwoAPIsSurviveKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("the topology test runs six processes for about a minute")
	}
	server := postgresServer(t)
	names, appDB := newDatabases(t, server)
	bin := buildBinary(t)
	dir := t.TempDir()
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
			for _, l := range logs {
				out, _ := os.ReadFile(l)
				t.Logf("---- %s ----\n%s", filepath.Base(l), tail(out, 6000))
			}
		}
	})
	temporalURL := dsnOn(t, server, names.Temporal)
	secret := "topology-test-token-secret-0123456789abcdef"
	dataKeys := "k1:" + base64.StdEncoding.EncodeToString([]byte("topology-test-data-key-32-bytes!"))
	indexKey := base64.StdEncoding.EncodeToString([]byte("topology-test-index-key-32-bytes"))
	keys, err := sealed.Parse(dataKeys, indexKey)
	require.NoError(t, err)
	common := []string{
		"TALENTFLOW_DATABASE_URL=" + dsnOn(t, server, names.App),
		"TALENTFLOW_TEMPORAL_DB_URL=" + temporalURL,
		"TALENTFLOW_TEMPORAL_VISIBILITY_DB=" + names.Visibility,
		"TALENTFLOW_TOKEN_SECRET=" + secret,
		// Personal data and workflow payloads are encrypted with keys every node shares.
		"TALENTFLOW_DATA_KEYS=" + dataKeys,
		"TALENTFLOW_INDEX_KEY=" + indexKey,
		"TALENTFLOW_TIME_SCALE=" + timeScale,
		"TALENTFLOW_BCRYPT_COST=4",
		"TALENTFLOW_LOG_FORMAT=text",
		"TALENTFLOW_LOG_LEVEL=warn",
		"TALENTFLOW_DATA=" + dir,
	}
	run := func(args ...string) {
		cmd := command(bin, args, common)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "talentflow %v: %s", args, out)
	}

	began := time.Now()
	// Temporal's schemas first: the servers need them to start.
	run("migrate", "--temporal-schema-only")
	servers := make([]*proc, 2)
	for i := range servers {
		base := freePortBase(t, 21000+i*3000)
		servers[i] = &proc{name: fmt.Sprintf("temporal-server-%d", i+1), bin: bin, log: filepath.Join(dir, fmt.Sprintf("temporal-%d.log", i+1)),
			args:  []string{"temporal-server", "--port-base", strconv.Itoa(base), "--history-shards", shards, "--db-max-conns", "6"},
			env:   common,
			ready: tcpOpen("127.0.0.1:" + strconv.Itoa(base))}
		// One after the other: the first creates the cluster's metadata, the second joins.
		servers[i].mustStart(t)
	}
	frontend := func(i int) string { return "127.0.0.1:" + servers[i].args[2] }
	// talentflow's schema, the staging accounts, the namespace and its search attributes.
	run("migrate", "--temporal-address", frontend(0), "--demo-accounts-password", password)

	var apis []string
	var procs []*proc
	for i := range 2 {
		metrics := freeAddr(t)
		w := &proc{name: fmt.Sprintf("worker-%d", i+1), bin: bin, log: filepath.Join(dir, fmt.Sprintf("worker-%d.log", i+1)),
			args:  []string{"worker", "--temporal-address", frontend(i), "--metrics-addr", metrics},
			env:   common,
			ready: httpOK("http://" + metrics + "/healthz")}
		addr := freeAddr(t)
		a := &proc{name: fmt.Sprintf("api-%d", i+1), bin: bin, log: filepath.Join(dir, fmt.Sprintf("api-%d.log", i+1)),
			args:  []string{"api", "--temporal-address", frontend(i), "--addr", addr},
			env:   common,
			ready: httpOK("http://" + addr + "/readyz")}
		w.mustStart(t)
		a.mustStart(t)
		apis = append(apis, "http://"+addr)
		procs = append(procs, w, a)
	}
	worker1, api2, server2 := procs[0], procs[3], servers[1]
	t.Logf("cluster up in %s: 2 Temporal servers, 2 workers, 2 API nodes", time.Since(began).Round(time.Millisecond))

	c := &clusterClient{t: t, apis: apis, tokens: map[string]string{}}
	for _, u := range []string{"applicant.li", "clerk.window", "hrss.approver", "sci.approver", "iit.approver", "lgo.staff", "auditor"} {
		c.login(u)
	}

	// The chaos: each kill comes when enough cases have passed their sign-off, so that it always
	// lands in the middle of the load; the process comes back a few seconds later.
	var signed atomic.Int64
	chaos := []struct {
		after int64
		p     *proc
		down  time.Duration
	}{{30, worker1, 3 * time.Second}, {80, api2, 3 * time.Second}, {130, server2, 5 * time.Second}}
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		for _, k := range chaos {
			for signed.Load() < k.after {
				time.Sleep(20 * time.Millisecond)
			}
			k.p.kill(t)
			time.Sleep(k.down)
			if err := k.p.start(); err != nil {
				t.Errorf("%s did not come back: %v", k.p.name, err)
			}
		}
	}()

	load := time.Now()
	ids := make([]string, cases)
	work := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for n := range work {
				id, err := c.driveToNotice(n)
				if err != nil {
					t.Errorf("case %d: %v", n, err)
					continue
				}
				ids[n] = id
				signed.Add(1)
			}
		})
	}
	for n := range cases {
		work <- n
	}
	close(work)
	wg.Wait()
	decided := time.Since(load)
	<-chaosDone
	require.False(t, t.Failed(), "every case reached its public notice")

	// Every case reaches its certificate once its notice has run.
	deadline := time.Now().Add(3 * time.Minute)
	for _, id := range ids {
		for {
			var cd struct{ State string }
			require.Equal(t, http.StatusOK, c.call("lgo.staff", http.MethodGet, "/api/v1/cases/"+id, nil, &cd))
			if cd.State == "certified" {
				break
			}
			require.True(t, time.Now().Before(deadline), "case %s is still %s", id, cd.State)
			time.Sleep(250 * time.Millisecond)
		}
	}
	total := time.Since(load)
	t.Logf("%d cases: all at their public notice after %s (%.1f cases/s, %d decisions, %d requests retried on the other node), all certified after %s (%.1f cases/s)",
		cases, decided.Round(time.Millisecond), float64(cases)/decided.Seconds(), c.decisions.Load(), c.failovers.Load(),
		total.Round(time.Millisecond), float64(cases)/total.Seconds())

	// No task, decision or certificate twice.
	var dupTasks, dupDecisions int64
	require.NoError(t, appDB.Raw(`SELECT count(*) FROM (SELECT case_id, step, department, attempt FROM tasks
		WHERE process = 'introduction' GROUP BY case_id, step, department, attempt HAVING count(*) > 1) d`).Scan(&dupTasks).Error)
	assert.Zero(t, dupTasks, "no task was opened twice")
	require.NoError(t, appDB.Raw(`SELECT count(*) FROM (SELECT task_id FROM case_events WHERE kind = 'decision'
		GROUP BY task_id HAVING count(*) > 1) d`).Scan(&dupDecisions).Error)
	assert.Zero(t, dupDecisions, "no decision was recorded twice")
	var tasksPerCase []int64
	require.NoError(t, appDB.Raw(`SELECT count(*) FROM tasks WHERE process = 'introduction' GROUP BY case_id`).Scan(&tasksPerCase).Error)
	assert.Len(t, tasksPerCase, cases)
	for _, n := range tasksPerCase {
		assert.EqualValues(t, 4, n, "window, hrss, iit and the sign-off: four tasks a category-D case")
	}
	var certs struct{ Rows, Numbers, Cases int64 }
	require.NoError(t, appDB.Raw(`SELECT count(*) AS rows, count(DISTINCT no) AS numbers, count(DISTINCT case_id) AS cases FROM certificates`).Scan(&certs).Error)
	assert.Equal(t, struct{ Rows, Numbers, Cases int64 }{cases, cases, cases}, certs, "one certificate a case, each number once")

	// The audit chain verifies.
	var verify struct {
		OK      bool  `json:"ok"`
		Entries int64 `json:"entries"`
	}
	require.Equal(t, http.StatusOK, c.call("auditor", http.MethodGet, "/api/v1/audit/verify", nil, &verify))
	assert.True(t, verify.OK, "the audit chain verifies")

	// The read model matches the workflows: each case's workflow says what its row says.
	tc, err := client.Dial(client.Options{HostPort: frontend(0), Namespace: "talentflow", Logger: quietLogger{},
		DataConverter: temporalx.NewDataConverter(keys)})
	require.NoError(t, err)
	defer tc.Close()
	assert.Equal(t, cases, agreeWithWorkflows(t, tc, appDB, `SELECT id, workflow_id, state FROM cases WHERE process = 'introduction' AND state <> 'draft'`))
	t.Logf("verified in %s; whole test %s", time.Since(load.Add(total)).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

// clusterClient calls the two API nodes as a load balancer would: a request that finds its node
// down (connection refused, 502/503/504) goes to the other one.
type clusterClient struct {
	t         *testing.T
	apis      []string
	mu        sync.Mutex
	tokens    map[string]string
	next      atomic.Int64
	failovers atomic.Int64
	decisions atomic.Int64
	// password of every account (default: the topology test's); counter counts requests sent.
	password string
	counter  *atomic.Int64
	// patience is how long a request may go unanswered by every node (default a minute).
	patience time.Duration
}

func (c *clusterClient) login(user string) {
	var out struct{ Token string }
	status := c.call("", http.MethodPost, "/api/v1/auth/login", map[string]string{"username": user, "password": cmp.Or(c.password, password)}, &out)
	require.Equal(c.t, http.StatusOK, status, "login %s", user)
	c.mu.Lock()
	c.tokens[user] = out.Token
	c.mu.Unlock()
}

// call sends one request, failing over between nodes for up to a minute, and answers the status.
func (c *clusterClient) call(user, method, path string, body, out any) int {
	status, _ := c.do(user, method, path, body, out)
	return status
}

// do is call that also says whether the request had to be sent more than once.
func (c *clusterClient) do(user, method, path string, body, out any) (int, bool) {
	c.mu.Lock()
	token := c.tokens[user]
	c.mu.Unlock()
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	node := int(c.next.Add(1))
	deadline := time.Now().Add(cmp.Or(c.patience, time.Minute))
	retried := false
	for {
		if c.counter != nil {
			c.counter.Add(1)
		}
		base := c.apis[node%len(c.apis)]
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
		if err == nil {
			raw, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch {
			case readErr != nil:
				// The node died while answering: the request may or may not have taken effect.
				err = fmt.Errorf("%s %s on %s: answer cut off: %w", method, path, base, readErr)
			case resp.StatusCode == http.StatusBadGateway, resp.StatusCode == http.StatusServiceUnavailable,
				resp.StatusCode == http.StatusGatewayTimeout, resp.StatusCode == http.StatusInternalServerError:
				err = fmt.Errorf("%s %s on %s: %d %s", method, path, base, resp.StatusCode, raw)
			case out != nil && resp.StatusCode < 300 && json.Unmarshal(raw, out) != nil:
				err = fmt.Errorf("%s %s on %s: answer cut off: %q", method, path, base, raw)
			default:
				if out != nil && resp.StatusCode >= 400 {
					_ = json.Unmarshal(raw, out)
				}
				return resp.StatusCode, retried
			}
		}
		if time.Now().After(deadline) {
			c.t.Errorf("no API node answered %s %s within %s: %v", method, path, cmp.Or(c.patience, time.Minute), err)
			return 0, retried
		}
		retried = true
		c.failovers.Add(1)
		node++
		time.Sleep(200 * time.Millisecond)
	}
}

// reviewers decides each department's tasks.
var reviewers = map[string]string{"gsc": "clerk.window", "hrss": "hrss.approver", "sci": "sci.approver",
	"iit": "iit.approver", "lgo": "lgo.staff"}

// driveToNotice submits a category-D introduction and approves every task it opens until the
// case reaches its public notice.
func (c *clusterClient) driveToNotice(n int) (string, error) {
	in := map[string]any{
		"name": "拓扑测试", "id_number": domain.MakeCitizenID("371521", "19900101", fmt.Sprintf("%03d", n)),
		"phone": "13905351234", "education": "master", "title": "intermediate", "field": "新材料",
		"employer_credit_code": "91350100M000100Y43", "category": "D",
	}
	var created struct{ ID string }
	if status := c.call("applicant.li", http.MethodPost, "/api/v1/introductions", in, &created); status != http.StatusCreated {
		return "", fmt.Errorf("create: %d", status)
	}
	id := created.ID
	status, retried := c.do("applicant.li", http.MethodPost, "/api/v1/introductions/"+id+"/submit", nil, nil)
	// A submission whose answer was lost went through: the retry finds the case submitted.
	if status != http.StatusOK && !(retried && status == http.StatusConflict) {
		return id, fmt.Errorf("submit: %d", status)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		var cd struct {
			State string
			Tasks []struct{ ID, Department, State string }
		}
		if status := c.call("lgo.staff", http.MethodGet, "/api/v1/cases/"+id, nil, &cd); status != http.StatusOK {
			return id, fmt.Errorf("read: %d", status)
		}
		switch cd.State {
		case "notice", "certified":
			return id, nil
		case "rejected", "withdrawn", "returned":
			return id, fmt.Errorf("case went %s", cd.State)
		}
		open := 0
		for _, task := range cd.Tasks {
			if task.State != "open" {
				continue
			}
			open++
			var res struct{ Error struct{ Code string } }
			status, retried := c.do(reviewers[task.Department], http.MethodPost, "/api/v1/tasks/"+task.ID+"/decision",
				map[string]any{"outcome": "approve", "comment": "同意"}, &res)
			switch {
			case status == http.StatusOK:
				c.decisions.Add(1)
			case status == http.StatusConflict && retried:
				// The first attempt's answer was lost; the task is decided.
			case status == http.StatusConflict:
				// The read model lagged: the task was decided a moment ago. Read again.
			default:
				return id, fmt.Errorf("decide %s task %s: %d %s", task.Department, task.ID, status, res.Error.Code)
			}
		}
		if open == 0 {
			time.Sleep(150 * time.Millisecond)
		}
	}
	return id, errors.New("did not reach its public notice within two minutes")
}

type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
