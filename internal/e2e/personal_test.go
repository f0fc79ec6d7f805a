package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/app"
	"talentflow/internal/domain"
)

// luhnCard is a UnionPay card number with a valid check digit, from its first 18 digits.
func luhnCard(first18 string) string {
	for d := '0'; d <= '9'; d++ {
		if n := first18 + string(d); domain.LuhnValid(n) {
			return n
		}
	}
	panic("no check digit")
}

// TestNoFullPersonalDataInTheDataFolderTheLogsOrAnyList runs `talentflow dev` on a fresh data
// folder, with an applicant whose citizen ID, phone and payee account are known: she applies
// for certification (the window accepts it, a reviewer opens her profile in full) and for a
// subsidy (the employer, hrss and finance approve), and finance builds, reviews and downloads
// a bank file. Then every file of the data folder — both SQLite databases with their -wal and
// -shm files, read as raw bytes while the process runs and again after it stopped — the
// process's log, and every list the API serves, to every demo user, are searched for the full
// ID number, phone and account (and for those of the demo talent): none holds one. Controls
// make sure the search can see: each database file does hold the case's id, in the clear.
func TestNoFullPersonalDataInTheDataFolderTheLogsOrAnyList(t *testing.T) {
	dir := t.TempDir() + "/data"
	addr := freeAddr(t)
	tf := startChild(t, dir, addr)
	stopped := false
	defer func() {
		if !stopped {
			tf.stop(t)
		}
	}()

	knownID := domain.MakeCitizenID("110105", "19780312", "047")
	knownPhone := "13712345678"
	knownBank := luhnCard("621700001234567890")
	secrets := map[string]string{
		"the applicant's ID number": knownID, "the applicant's phone": knownPhone, "the payee account": knownBank,
		// The demo talent's, written by dev mode's demo data.
		"the demo talent's ID number": domain.MakeCitizenID("371521", "19860412", "031"),
		"the demo talent's phone":     "13905351234", "the demo payee account": "6222020200112233446",
	}

	li := tf.login(t, "applicant.li")
	p := profile("C")
	p["id_number"], p["phone"], p["name"] = knownID, knownPhone, payloadName
	var created struct{ ID string }
	li.must(http.StatusCreated, http.MethodPost, "/api/v1/introductions", p, &created)
	caseID := created.ID
	li.must(http.StatusOK, http.MethodPost, "/api/v1/introductions/"+caseID+"/submit", nil, nil)
	clerk := tf.login(t, "clerk.window")
	decide(t, clerk, waitForTask(t, clerk, caseID), "approve", "材料齐全，予以受理")
	hrss := tf.login(t, "hrss.approver")
	waitForTask(t, hrss, caseID)
	var full struct {
		Profile map[string]any `json:"profile"`
	}
	hrss.must(http.StatusOK, http.MethodGet, "/api/v1/cases/"+caseID, nil, &full)
	assert.Equal(t, knownID, full.Profile["id_number"], "the reviewer sees the profile in full (and it is audited)")

	var mine struct {
		Offers []struct {
			Certificate string `json:"certificate_no"`
			PolicyID    string `json:"policy_id"`
			State       string `json:"state"`
		} `json:"offers"`
	}
	li.must(http.StatusOK, http.MethodGet, "/api/v1/me/subsidies", nil, &mine)
	i := slices.IndexFunc(mine.Offers, func(o struct {
		Certificate string `json:"certificate_no"`
		PolicyID    string `json:"policy_id"`
		State       string `json:"state"`
	}) bool {
		return o.State == "offered"
	})
	require.GreaterOrEqual(t, i, 0, "the demo talent has an apply-free offer: %+v", mine.Offers)
	var sub struct{ ID string }
	li.must(http.StatusCreated, http.MethodPost, "/api/v1/subsidies", map[string]string{"certificate_no": mine.Offers[i].Certificate,
		"policy_id": mine.Offers[i].PolicyID, "account_name": "李明", "bank_account": knownBank, "bank_name": "中国建设银行阳谷支行"}, &sub)
	for _, u := range []string{"employer.hr", "hrss.approver", "fin.officer"} {
		s := tf.login(t, u)
		decide(t, s, waitForTask(t, s, sub.ID), "approve", "同意")
	}
	fin, reviewer := tf.login(t, "fin.officer"), tf.login(t, "fin.reviewer")
	var batch struct{ ID string }
	if status := fin.call(http.MethodPost, "/api/v1/payment-batches", map[string]any{}, &batch); status == http.StatusCreated {
		reviewer.must(http.StatusOK, http.MethodPost, "/api/v1/payment-batches/"+batch.ID+"/approve", map[string]any{}, nil)
		file := fin.get(t, "/api/v1/payment-batches/"+batch.ID+"/bank.csv")
		assert.Contains(t, string(file), "6222020200112233446", "the bank file carries the demo payee's account in full (and is audited)")
		t.Logf("bank file of batch %s downloaded", batch.ID)
	} else {
		require.Equal(t, http.StatusConflict, status, "no payment due yet")
	}
	var reveals struct {
		Items []map[string]any `json:"items"`
	}
	tf.login(t, "auditor").must(http.StatusOK, http.MethodGet, "/api/v1/audit?action="+app.ActionReveal+"&limit=100", nil, &reveals)
	assert.NotEmpty(t, reveals.Items, "the full reads are in the audit log")

	// Every list, to every demo user.
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(li.get(t, "/api/openapi.json"), &doc))
	var lists []string
	for path, ops := range doc.Paths {
		if _, ok := ops["get"]; ok && !strings.Contains(path, "{") {
			lists = append(lists, path)
		}
	}
	for _, scope := range []string{"mine", "department", "claimable", "done", "cc"} {
		lists = append(lists, "/api/v1/tasks?limit=200&scope="+scope)
	}
	lists = append(lists, "/api/v1/cases?limit=200", "/api/v1/audit?limit=500", "/api/v1/notifications?limit=200",
		"/api/v1/payments?limit=200", "/api/v1/reports/quarterly?format=csv", "/api/v1/subsidy-policies?all=true")
	if batch.ID != "" {
		lists = append(lists, "/api/v1/payment-batches/"+batch.ID)
	}
	lists = append(lists, "/api/v1/talents/"+mine.Offers[i].Certificate+"/payments")
	slices.Sort(lists)
	answers, ok200 := 0, 0
	for _, account := range app.DemoAccounts {
		s := tf.login(t, account.Username)
		for _, path := range lists {
			status, body := s.raw(t, path)
			answers++
			if status == http.StatusOK {
				ok200++
			}
			for what, secret := range secrets {
				assert.NotContains(t, string(body), secret, "GET %s as %s shows %s", path, account.Username, what)
			}
		}
	}
	t.Logf("%d list answers searched (%d of them 200), %d paths", answers, ok200, len(lists))

	// The data folder, while the process runs (the -wal files hold the newest pages).
	scanFolder(t, dir, secrets, caseID, "while running")
	tf.stop(t)
	stopped = true
	scanFolder(t, dir, secrets, caseID, "after a stop")
	logs, err := os.ReadFile(dir + ".log")
	require.NoError(t, err)
	assert.Contains(t, string(logs), "/api/v1/cases/"+caseID, "the control: the log has the requests")
	for what, secret := range secrets {
		assert.NotContains(t, string(logs), secret, "the log shows %s", what)
	}
}

// payloadName is the applicant's name: the read model shows it (case titles), and it travels in
// workflow inputs and activity arguments, so Temporal's database holds it only if payloads are
// stored in the clear.
const payloadName = "隐私测试人"

// scanFolder reads every file under dir as raw bytes and fails on any secret, and on the
// applicant's name in Temporal's files (the payloads are encrypted). As a control, both
// databases must hold the case id in the clear (in the file or its log), and the read model
// the name: the search sees what is stored.
func scanFolder(t *testing.T, dir string, secrets map[string]string, caseID, when string) {
	t.Helper()
	seen := map[string]bool{}
	files := 0
	var total int64
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		total += int64(len(data))
		name := filepath.Base(path)
		for what, secret := range secrets {
			assert.False(t, bytes.Contains(data, []byte(secret)), "%s: %s holds %s", when, name, what)
		}
		db := strings.TrimSuffix(strings.TrimSuffix(name, "-wal"), "-shm")
		if bytes.Contains(data, []byte(caseID)) {
			seen[db] = true
		}
		if bytes.Contains(data, []byte(payloadName)) {
			seen[db+" name"] = true
		}
		return nil
	}))
	assert.True(t, seen["talentflow.db"], "%s: the control: the read model holds the case id", when)
	assert.True(t, seen["temporal.db"], "%s: the control: Temporal's database holds the workflow id", when)
	assert.True(t, seen["talentflow.db name"], "%s: the control: the read model holds the applicant's name", when)
	assert.False(t, seen["temporal.db name"], "%s: Temporal's database holds a payload in the clear (the applicant's name)", when)
	t.Logf("%s: %d files, %d bytes searched", when, files, total)
}

// get answers a GET's body, which must be 200.
func (s *session) get(t *testing.T, path string) []byte {
	t.Helper()
	status, body := s.raw(t, path)
	require.Equal(t, http.StatusOK, status, "GET %s as %s: %s", path, s.name, body)
	return body
}

// raw sends a GET and answers its status and body as they are.
func (s *session) raw(t *testing.T, path string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err, fmt.Sprintf("GET %s", path))
	return resp.StatusCode, body
}
