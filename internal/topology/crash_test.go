package topology_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"talentflow/internal/config"
	"talentflow/internal/domain"
	"talentflow/internal/platform"
	"talentflow/internal/store"
	"talentflow/internal/temporalx"
	"talentflow/workflows"
)

const (
	demoPassword = "Demo-Talent-2026"
	crashKills   = 20
	// The mix: category D introductions end at their certificate; category C ones go on to a
	// living allowance whose first month is paid in a bank batch; category B ones go on to a
	// liaison pairing, a leader's contact and a demand that is answered, verified and rated.
	// 260 introductions + 60 subsidies + 40 pairing requests + 40 pairings + 40 demands = 440
	// cases, besides the delivery workflows of their notifications.
	crashD, crashC, crashB = 160, 60, 40
	payee                  = "6222020200112233446" // a UnionPay number with a valid Luhn digit
)

// TestTwentyKillNinesAcrossEveryProcess runs `talentflow dev` (embedded Temporal and the read
// model on SQLite) with introductions, subsidies and liaison pairings with demands in flight,
// and kills the whole process with SIGKILL twenty times, starting it again each time on the same
// data folder. Afterwards: nothing lost (every case where its flow leads), nothing stuck, no task,
// decision, certificate or payment twice, the audit chain verifies, and every case's workflow
// says what its read-model row says.
func TestTwentyKillNinesAcrossEveryProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash suite kills and restarts talentflow twenty times")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr, frontend := freeAddr(t), freeAddr(t)
	_, temporalPort, _ := strings.Cut(frontend, ":")
	// A budget that carries every allowance of the run (the default is a county's year).
	policy, err := os.ReadFile("../routing/subsidy.yaml")
	require.NoError(t, err)
	subsidyFile := filepath.Join(dir, "subsidy.yaml")
	require.NoError(t, os.WriteFile(subsidyFile, []byte(strings.Replace(string(policy), "budget_fen: 500000000 ", "budget_fen: 90000000000 ", 1)), 0o644))
	dev := &proc{name: "talentflow dev", bin: bin, log: filepath.Join(dir, "dev.log"),
		args: []string{"dev", "--data", data, "--addr", addr, "--temporal-port", temporalPort, "--ui-port=-1"},
		env: []string{"TALENTFLOW_TIME_SCALE=" + timeScale, "TALENTFLOW_BCRYPT_COST=4", "TALENTFLOW_LOG_FORMAT=text",
			"TALENTFLOW_LOG_LEVEL=warn", "TALENTFLOW_SUBSIDY_FILE=" + subsidyFile},
		ready: httpOK("http://" + addr + "/readyz")}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := os.ReadFile(dev.log)
			t.Logf("---- dev.log ----\n%s", tail(out, 8000))
		}
	})
	dev.mustStart(t)

	// A restart under a full load can take a while on two cores: requests wait up to three minutes.
	c := &clusterClient{t: t, apis: []string{"http://" + addr}, tokens: map[string]string{}, password: demoPassword,
		patience: 3 * time.Minute}
	for _, u := range []string{"applicant.li", "clerk.window", "hrss.approver", "sci.approver", "iit.approver", "lgo.staff",
		"edu.approver", "employer.hr", "fin.officer", "fin.reviewer", "leader.wang", "auditor"} {
		c.login(u)
	}

	// Kills come every 200 to 400 requests, so each lands in the middle of the load.
	var requests atomic.Int64
	c.counter = &requests
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	kills := 0
	stopChaos := make(chan struct{})
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		next := int64(200 + rng.IntN(200))
		for kills < crashKills {
			select {
			case <-stopChaos:
				return
			case <-time.After(10 * time.Millisecond):
			}
			if requests.Load() < next {
				continue
			}
			dev.kill(t)
			kills++
			if err := dev.start(); err != nil {
				t.Errorf("restart %d: %v", kills, err)
				return
			}
			next = requests.Load() + int64(200+rng.IntN(200))
		}
	}()

	began := time.Now()
	var work []lane
	for i := range crashD + crashC + crashB {
		switch {
		case i%13 < 8 && countOf(work, "D") < crashD || countOf(work, "C") >= crashC && countOf(work, "B") >= crashB:
			work = append(work, lane{"D", i})
		case i%13 < 11 && countOf(work, "C") < crashC || countOf(work, "B") >= crashB:
			work = append(work, lane{"C", i})
		default:
			work = append(work, lane{"B", i})
		}
	}
	// Every introduction is submitted first, so that all of them are in flight together.
	submitted := make([]string, len(work))
	queue := make(chan int)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range queue {
				id, err := c.submit(work[i].category, 500+work[i].n)
				submitted[i] = id
				if err != nil {
					t.Errorf("%s case %d: %v", work[i].category, work[i].n, err)
				}
			}
		})
	}
	for i := range work {
		queue <- i
	}
	close(queue)
	wg.Wait()
	require.False(t, t.Failed())

	results := make([]crashCase, len(work))
	var failedMu sync.Mutex
	var failedCases []string
	queue = make(chan int)
	for range 2 * clients {
		wg.Go(func() {
			for i := range queue {
				r, err := c.crashLane(work[i].category, submitted[i])
				results[i] = r
				if err != nil {
					t.Errorf("%s case %d: %v", work[i].category, work[i].n, err)
					failedMu.Lock()
					failedCases = append(failedCases, caseIDs.FindAllString(err.Error(), 1)...)
					failedMu.Unlock()
				}
			}
		})
	}
	for i := range work {
		queue <- i
	}
	close(queue)
	wg.Wait()
	close(stopChaos)
	<-chaosDone
	t.Logf("%d lanes driven in %s with %d SIGKILLs (%d requests, %d retried after a kill)",
		len(work), time.Since(began).Round(time.Millisecond), kills, requests.Load(), c.failovers.Load())
	if t.Failed() {
		explain(t, frontend, filepath.Join(data, "talentflow.db"), failedCases)
		t.FailNow()
	}
	assert.Equal(t, crashKills, kills, "every kill landed while the load ran")

	// Finance pays the due first months: one officer builds the batch, another approves, the
	// bank confirms.
	var batch struct {
		ID    string
		Lines []struct {
			PaymentID string `json:"payment_id"`
		}
	}
	require.Equal(t, http.StatusCreated, c.call("fin.officer", http.MethodPost, "/api/v1/payment-batches", map[string]any{}, &batch))
	require.Equal(t, http.StatusOK, c.call("fin.reviewer", http.MethodPost, "/api/v1/payment-batches/"+batch.ID+"/approve", map[string]any{}, nil))
	require.Equal(t, http.StatusOK, c.call("fin.officer", http.MethodPost, "/api/v1/payment-batches/"+batch.ID+"/confirm", map[string]any{"failed": []string{}}, nil))

	// Nothing stuck: every case gets where its flow leads.
	deadline := time.Now().Add(3 * time.Minute)
	for _, r := range results {
		for _, w := range r.want {
			for {
				var cd struct{ State string }
				require.Equal(t, http.StatusOK, c.call("lgo.staff", http.MethodGet, "/api/v1/cases/"+w.id, nil, &cd))
				if cd.State == w.state {
					break
				}
				require.True(t, time.Now().Before(deadline), "case %s is %s, want %s", w.id, cd.State, w.state)
				time.Sleep(250 * time.Millisecond)
			}
		}
	}

	db, err := store.Open(filepath.Join(data, "talentflow.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	defer db.Close()
	count := func(query string) int64 {
		var n int64
		require.NoError(t, db.Raw(query).Scan(&n).Error, query)
		return n
	}
	assert.Zero(t, count(`SELECT count(*) FROM (SELECT case_id, step, department, attempt FROM tasks
		GROUP BY case_id, step, department, attempt HAVING count(*) > 1) d`), "no task opened twice")
	assert.Zero(t, count(`SELECT count(*) FROM (SELECT task_id FROM case_events WHERE kind = 'decision'
		GROUP BY task_id HAVING count(*) > 1) d`), "no decision recorded twice")
	var leftOpen []struct{ ID, Step, Department string }
	require.NoError(t, db.Raw(`SELECT id, step, department FROM tasks WHERE state = 'open' AND process = 'introduction'
		AND case_id NOT LIKE 'demo-%'`).Scan(&leftOpen).Error)
	assert.Empty(t, leftOpen, "no introduction task left open")
	assert.EqualValues(t, crashD+crashC+crashB+1, count(`SELECT count(DISTINCT no) FROM certificates`), "one certificate a case (and the demo's)")
	assert.EqualValues(t, crashD+crashC+crashB+1, count(`SELECT count(*) FROM certificates`))
	assert.Zero(t, count(`SELECT count(*) FROM (SELECT payment_id FROM payment_batch_lines l JOIN payment_batches b ON b.id = l.batch_id
		WHERE l.state = 'paid' GROUP BY payment_id HAVING count(*) > 1) d`), "no payment paid twice")
	var ours []string
	for _, r := range results {
		if r.subsidy != "" {
			ours = append(ours, r.subsidy)
		}
	}
	require.Len(t, ours, crashC)
	for _, id := range ours {
		var first struct {
			State string
			N     int64
		}
		require.NoError(t, db.Raw(`SELECT max(state) AS state, count(*) AS n FROM subsidy_payments WHERE case_id = ? AND seq = 1`, id).Scan(&first).Error)
		assert.Equal(t, struct {
			State string
			N     int64
		}{"paid", 1}, first, "subsidy %s: its first month paid once", id)
	}
	var verify struct{ OK bool }
	require.Equal(t, http.StatusOK, c.call("auditor", http.MethodGet, "/api/v1/audit/verify", nil, &verify))
	assert.True(t, verify.OK, "the audit chain verifies")

	// The read model matches the workflows.
	tc, err := devClient(frontend, data)
	require.NoError(t, err)
	defer tc.Close()
	// Drafts have no workflow yet (a create whose answer a kill swallowed leaves one behind).
	checked := agreeWithWorkflows(t, tc, db, `SELECT id, workflow_id, state FROM cases WHERE workflow_id <> '' AND state <> 'draft' AND id NOT LIKE 'demo-%'`)
	t.Logf("%d cases checked against their workflows; whole test %s", checked, time.Since(began).Round(time.Millisecond))
	dev.stop()
}

// devClient is a Temporal client of a `talentflow dev` data folder, with the payload keys dev
// mode generated there.
func devClient(frontend, data string) (client.Client, error) {
	cfg := &config.Config{Data: data}
	if err := platform.DevKeys(cfg); err != nil {
		return nil, err
	}
	keys, err := platform.Keys(cfg)
	if err != nil {
		return nil, err
	}
	return client.Dial(client.Options{HostPort: frontend, Namespace: "talentflow", Logger: quietLogger{},
		DataConverter: temporalx.NewDataConverter(keys)})
}

var caseIDs = regexp.MustCompile(`case_[0-9a-z]+`)

// explain logs, for each case a lane failed on, what its workflow and its read-model rows say.
func explain(t *testing.T, frontend, dbFile string, ids []string) {
	tc, err := devClient(frontend, filepath.Dir(dbFile))
	if err != nil {
		t.Logf("explain: %v", err)
		return
	}
	defer tc.Close()
	db, err := store.Open(dbFile, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Logf("explain: %v", err)
		return
	}
	defer db.Close()
	for _, id := range ids {
		var wf struct{ WorkflowID, State string }
		db.Raw(`SELECT workflow_id, state FROM cases WHERE id = ?`, id).Scan(&wf)
		var tasks []struct{ ID, Step, State, Outcome string }
		db.Raw(`SELECT id, step, state, outcome FROM tasks WHERE case_id = ? ORDER BY id`, id).Scan(&tasks)
		var events []struct{ Kind, TaskID, Detail string }
		db.Raw(`SELECT kind, task_id, detail FROM case_events WHERE case_id = ? ORDER BY at, id`, id).Scan(&events)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		var st workflows.CaseStatus
		v, err := tc.QueryWorkflow(ctx, wf.WorkflowID, "", workflows.QueryStatus)
		if err == nil {
			err = v.Get(&st)
		}
		cancel()
		t.Logf("case %s: read model %s, tasks %+v, events %+v; workflow %s: %+v (err %v)", id, wf.State, tasks, events, wf.WorkflowID, st, err)
	}
}

// lane is one introduction of a category and what follows it.
type lane struct {
	category string
	n        int
}

func countOf(lanes []lane, category string) int {
	n := 0
	for _, l := range lanes {
		if l.category == category {
			n++
		}
	}
	return n
}

type wantState struct{ id, state string }

// crashCase is what one lane created and where each of its cases must end.
type crashCase struct {
	want    []wantState
	subsidy string
}

// crashLane takes one introduction of category to its certificate and then, for C, a living
// allowance through its approvals to its first due month; for B, the pairing request, a
// leader's contact with a demand, and the demand through reply, verification and rating.
func (c *clusterClient) crashLane(category, id string) (crashCase, error) {
	var out crashCase
	cert, err := c.certify(id)
	if err != nil {
		return out, err
	}
	out.want = append(out.want, wantState{id, "certified"})
	switch category {
	case "C":
		var mine struct {
			Offers []struct {
				Certificate string `json:"certificate_no"`
				PolicyID    string `json:"policy_id"`
				Kind        string `json:"kind"`
				State       string `json:"state"`
			}
		}
		policy := ""
		for range 200 {
			if c.call("applicant.li", http.MethodGet, "/api/v1/me/subsidies", nil, &mine) == http.StatusOK {
				for _, o := range mine.Offers {
					if o.Certificate == cert && o.Kind == "living" && o.State == "offered" {
						policy = o.PolicyID
					}
				}
			}
			if policy != "" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if policy == "" {
			return out, fmt.Errorf("no living-allowance offer for %s", cert)
		}
		var created struct {
			ID    string
			Error struct{ Code, Message string }
		}
		status, retried := c.do("applicant.li", http.MethodPost, "/api/v1/subsidies", map[string]string{"certificate_no": cert,
			"policy_id": policy, "account_name": "拓扑测试", "bank_account": payee, "bank_name": "中国工商银行阳谷支行"}, &created)
		if status == http.StatusConflict && retried {
			// The first attempt went through and a kill swallowed its answer: find it.
			var mine struct {
				Subsidies []struct {
					ID          string
					Certificate string `json:"certificate_no"`
				}
			}
			if c.call("applicant.li", http.MethodGet, "/api/v1/me/subsidies", nil, &mine) == http.StatusOK {
				for _, s := range mine.Subsidies {
					if s.Certificate == cert {
						created.ID, status = s.ID, http.StatusCreated
					}
				}
			}
		}
		if status != http.StatusCreated {
			return out, fmt.Errorf("apply: %d %s %s", status, created.Error.Code, created.Error.Message)
		}
		out.subsidy = created.ID
		if err := c.approveAll(created.ID, 3, nil); err != nil {
			return out, fmt.Errorf("subsidy %s: %w", created.ID, err)
		}
		out.want = append(out.want, wantState{created.ID, "disbursing"})
	case "B":
		request := id + "-liaison"
		if err := c.approveAll(request, 1, map[string]any{"leader": "leader.wang", "specialist": "specialist.zhao"}); err != nil {
			return out, fmt.Errorf("pairing request: %w", err)
		}
		pairing := id + "-pairing"
		out.want = append(out.want, wantState{request, "paired"}, wantState{pairing, "active"})
		if _, err := c.waitState(pairing, "active"); err != nil {
			return out, err
		}
		var logged struct {
			Demands []struct{ ID string }
			Error   struct{ Code, Message string }
		}
		today := time.Now().In(domain.ChinaTime).Format(time.DateOnly)
		contact := map[string]any{"date": today, "form": "visit", "notes": "走访企业",
			"demands": []map[string]string{{"type": "school", "detail": "子女入学 " + id}}}
		status, retried := c.do("leader.wang", http.MethodPost, "/api/v1/pairings/"+pairing+"/contacts", contact, &logged)
		// A pairing that a restart caught starting answers 409 "try again in a moment".
		for range 120 {
			if status != http.StatusConflict || retried {
				break
			}
			time.Sleep(500 * time.Millisecond)
			status, retried = c.do("leader.wang", http.MethodPost, "/api/v1/pairings/"+pairing+"/contacts", contact, &logged)
		}
		if status != http.StatusCreated || len(logged.Demands) != 1 {
			if retried {
				// A contact whose answer a kill swallowed is there; its demand too.
				return out, nil
			}
			return out, fmt.Errorf("contact: %d %s %s", status, logged.Error.Code, logged.Error.Message)
		}
		demand := logged.Demands[0].ID
		if err := c.approveAll(demand, 2, nil); err != nil {
			return out, fmt.Errorf("demand %s: %w", demand, err)
		}
		// Ten working days without a rating count as 4 (满意): on the scaled clock that is 17 s,
		// which a lane held up by a kill and a restart can outlast — the demand is then resolved
		// by the default rating, and a rating arriving at the same moment meets a conflict.
		state, err := c.waitState(demand, "rating", "resolved")
		if err != nil {
			return out, err
		}
		if state == "rating" {
			status, retried := c.do("applicant.li", http.MethodPost, "/api/v1/demands/"+demand+"/rating",
				map[string]any{"score": 5, "comment": "满意"}, nil)
			if status == http.StatusConflict && !retried {
				if now, _ := c.waitState(demand, "resolved"); now != "resolved" {
					return out, fmt.Errorf("rating: %d and the demand is not resolved by the default rating", status)
				}
			} else if status != http.StatusOK && !(retried && status == http.StatusConflict) {
				return out, fmt.Errorf("rating: %d", status)
			}
		}
		out.want = append(out.want, wantState{demand, "resolved"})
	}
	return out, nil
}

// submit creates an introduction of category for the n-th person and submits it.
func (c *clusterClient) submit(category string, n int) (string, error) {
	in := map[string]any{
		"name": "拓扑测试", "id_number": domain.MakeCitizenID("371521", "19900101", fmt.Sprintf("%03d", n%1000)),
		"phone": "13905351234", "education": "doctorate", "title": "senior", "field": "新材料",
		"employer_credit_code": "91350100M000100Y43", "category": category,
	}
	var created struct{ ID string }
	if status := c.call("applicant.li", http.MethodPost, "/api/v1/introductions", in, &created); status != http.StatusCreated {
		return "", fmt.Errorf("create: %d", status)
	}
	if status, retried := c.do("applicant.li", http.MethodPost, "/api/v1/introductions/"+created.ID+"/submit", nil, nil); status != http.StatusOK && !(retried && status == http.StatusConflict) {
		return created.ID, fmt.Errorf("submit: %d", status)
	}
	return created.ID, nil
}

// certify approves the introduction's tasks until it is certified and answers its certificate.
func (c *clusterClient) certify(id string) (string, error) {
	if err := c.approveAll(id, 0, nil); err != nil {
		return "", err
	}
	if _, err := c.waitState(id, "certified"); err != nil {
		return "", err
	}
	var cd struct {
		CertificateNo string `json:"certificate_no"`
	}
	c.call("applicant.li", http.MethodGet, "/api/v1/cases/"+id, nil, &cd)
	return cd.CertificateNo, nil
}

// decider decides each department's tasks (employers' clerks work emp-<credit code>).
func decider(department string) string {
	if strings.HasPrefix(department, "emp-") {
		return "employer.hr"
	}
	if department == "fin" {
		return "fin.officer"
	}
	if u, ok := reviewers[department]; ok {
		return u
	}
	return department + ".approver"
}

// approveAll approves the case's open tasks as they come until decisions tasks were approved
// (0: until the case has no task left to wait for, at its public notice or beyond).
func (c *clusterClient) approveAll(id string, decisions int, fields map[string]any) error {
	done := map[string]bool{}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		var cd struct {
			State string
			Tasks []struct{ ID, Department, State string }
		}
		if status := c.call("lgo.staff", http.MethodGet, "/api/v1/cases/"+id, nil, &cd); status != http.StatusOK {
			if status == http.StatusNotFound {
				time.Sleep(300 * time.Millisecond)
				continue
			}
			return fmt.Errorf("read %s: %d", id, status)
		}
		if decisions == 0 && (cd.State == "notice" || cd.State == "certified") {
			return nil
		}
		open := 0
		for _, task := range cd.Tasks {
			if task.State != "open" || done[task.ID] {
				continue
			}
			open++
			body := map[string]any{"outcome": "approve", "comment": "同意"}
			for k, v := range fields {
				body[k] = v
			}
			var res struct {
				Error struct{ Code, Message string }
			}
			status, retried := c.do(decider(task.Department), http.MethodPost, "/api/v1/tasks/"+task.ID+"/decision", body, &res)
			switch {
			case status == http.StatusOK, status == http.StatusConflict && retried:
				done[task.ID] = true
				c.decisions.Add(1)
			case status == http.StatusConflict:
			default:
				return fmt.Errorf("decide %s task %s: %d %s %s (read model: case %s, tasks %+v)", task.Department, task.ID, status,
					res.Error.Code, res.Error.Message, cd.State, cd.Tasks)
			}
		}
		if decisions > 0 && len(done) >= decisions {
			return nil
		}
		if open == 0 {
			time.Sleep(300 * time.Millisecond)
		}
	}
	return fmt.Errorf("case %s: tasks did not come within three minutes (%d decided)", id, len(done))
}

// waitState polls the case until it is in one of states, and returns the one it found.
func (c *clusterClient) waitState(id string, states ...string) (string, error) {
	deadline := time.Now().Add(3 * time.Minute)
	var cd struct{ State string }
	for time.Now().Before(deadline) {
		if c.call("lgo.staff", http.MethodGet, "/api/v1/cases/"+id, nil, &cd) == http.StatusOK && slices.Contains(states, cd.State) {
			return cd.State, nil
		}
		time.Sleep(400 * time.Millisecond)
	}
	return cd.State, fmt.Errorf("case %s is %q after three minutes, want %s", id, cd.State, strings.Join(states, " or "))
}
