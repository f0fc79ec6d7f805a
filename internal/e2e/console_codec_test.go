package e2e_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"talentflow/internal/temporalx"
)

// TestConsoleOperatorReadsEncryptedPayloadsFromTheWebUIOrigin: the administrator starts a
// decoding session on the console's 流程数据解码 page; a page on the Web UI's origin (another
// port) then posts an encrypted workflow payload to the codec endpoint with the browser's
// cookies, as the Temporal Web UI does, and gets it back in the clear; the decode is audited.
func TestConsoleOperatorReadsEncryptedPayloadsFromTheWebUIOrigin(t *testing.T) {
	input := map[string]string{"id_number": "11010519491231002X", "name": "李明"}
	stored, err := temporalx.NewDataConverter(shared.DB.Keys).ToPayloads(input)
	require.NoError(t, err)
	body, err := protojson.Marshal(stored)
	require.NoError(t, err)
	require.NotContains(t, string(body), "11010519491231002X")

	b := newBrowser(t)
	b.login("admin")
	b.open("#/temporal", `document.querySelector('#codec-session')`)
	b.screenshot("temporal-codec")
	b.do(chromedp.Click(chromedp.CSS("#codec-session")))
	b.waitFor("the codec session", `document.querySelector('#codec-ready')`)

	b.do(chromedp.Navigate(shared.WebUI))
	b.do(chromedp.Evaluate[chromedp.Void](`window.__codec = null; fetch(` + strconv.Quote(shared.URL+"/api/v1/temporal-codec/decode") + `, {
		method: 'POST', credentials: 'include', headers: {'Content-Type': 'application/json', 'X-Namespace': 'talentflow'},
		body: ` + strconv.Quote(string(body)) + `})
		.then((r) => r.text().then((t) => { window.__codec = {status: r.status, body: t}; }))
		.catch((e) => { window.__codec = {status: -1, body: String(e)}; })`))
	b.waitFor("the codec's answer", `window.__codec`)
	var got struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(evalIn[string](b, `JSON.stringify(window.__codec)`)), &got))
	require.Equal(t, http.StatusOK, got.Status, got.Body)
	var out commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(got.Body), &out))
	var back map[string]string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(&out, &back))
	assert.Equal(t, input, back, "the Web UI's origin gets the payload in the clear")

	auditor := login(t, "auditor")
	var page struct {
		Items []struct{ Actor, Action string } `json:"items"`
	}
	auditor.must(http.StatusOK, http.MethodGet, "/api/v1/audit?action=decodePayloads&limit=20", nil, &page)
	require.NotEmpty(t, page.Items, "the decode is audited")
	assert.Equal(t, "admin", page.Items[0].Actor)
}
