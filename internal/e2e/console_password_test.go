package e2e_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
)

// TestConsoleChangesThePasswordAndLogsInAgain: a user changes their password in the console
// (a mismatch and a weak password are refused at their fields), the session ends, and the new
// password logs in.
func TestConsoleChangesThePasswordAndLogsInAgain(t *testing.T) {
	admin := login(t, "admin")
	// A name of its own per run, so that the test also passes with -count=2 on the shared stack.
	name := fmt.Sprintf("pw.tester%d", time.Now().UnixNano()%1_000_000)
	admin.must(http.StatusCreated, http.MethodPost, "/api/v1/users", map[string]string{"username": name, "name": "改密测试",
		"password": demoPassword, "kind": "staff"}, nil)

	b := newBrowser(t)
	b.login(name)
	b.open("#/password", `document.querySelector('#password-form')`)
	b.do(
		chromedp.SendKeys(chromedp.CSS("#pw-current"), demoPassword),
		chromedp.SendKeys(chromedp.CSS("#pw-new"), "weakpass"),
		chromedp.SendKeys(chromedp.CSS("#pw-again"), "weakpass"),
		chromedp.Click(chromedp.CSS("#pw-submit")),
	)
	b.waitFor("the weak password refused", `document.querySelector('#password-form [name="new_password"][aria-invalid="true"]')`)
	b.screenshot("password-refused")
	b.do(
		chromedp.SetValue(chromedp.CSS("#pw-new"), "Tester-Own-Pass-7"),
		chromedp.SetValue(chromedp.CSS("#pw-again"), "Tester-Own-Pass-7"),
		chromedp.Click(chromedp.CSS("#pw-submit")),
	)
	b.waitFor("logged out after the change", `location.hash === '#/login' && document.querySelector('#login-form')`)
	assert.Contains(t, b.text("#flash"), "密码已修改")

	s := &session{t: t, base: shared.URL, name: name}
	var out struct{ Token string }
	assert.Equal(t, http.StatusUnauthorized, s.call(http.MethodPost, "/api/v1/auth/login", map[string]string{"username": name, "password": demoPassword}, nil))
	assert.Equal(t, http.StatusOK, s.call(http.MethodPost, "/api/v1/auth/login", map[string]string{"username": name, "password": "Tester-Own-Pass-7"}, &out))
}
