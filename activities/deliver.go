package activities

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/smtp"
	"strings"
	"time"

	"talentflow/internal/store"
	"talentflow/workflows"
)

// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>" on every webhook call.
const SignatureHeader = "X-Talentflow-Signature"

// Deliverer sends notifications beyond the in-app inbox: a signed webhook and/or e-mail.
type Deliverer struct {
	DB            *store.DB
	WebhookURL    string
	WebhookSecret []byte
	SMTPAddr      string
	SMTPFrom      string
	SMTPAuth      smtp.Auth
	Client        *http.Client
}

// Channels lists the outbound channels that are set up.
func (d *Deliverer) Channels() []string {
	var out []string
	if d.WebhookURL != "" {
		out = append(out, workflows.ChannelWebhook)
	}
	if d.SMTPAddr != "" {
		out = append(out, workflows.ChannelEmail)
	}
	return out
}

// webhookBody is what a webhook receiver gets.
type webhookBody struct {
	Key    string   `json:"key"`
	Kind   string   `json:"kind"`
	CaseID string   `json:"case_id"`
	TaskID string   `json:"task_id,omitempty"`
	Title  string   `json:"title"`
	Body   string   `json:"body"`
	Users  []string `json:"users"`
}

// Webhook POSTs one notification, signed. An error makes Temporal retry with backoff; the
// receiver can use the X-Talentflow-Delivery key to drop duplicates.
func (d *Deliverer) Webhook(ctx context.Context, del workflows.Delivery) error {
	body, err := json.Marshal(webhookBody{Key: del.Key, Kind: del.Notice.Kind, CaseID: del.Notice.CaseID,
		TaskID: del.Notice.TaskID, Title: del.Notice.Title, Body: del.Notice.Body, Users: del.Users})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Talentflow-Delivery", del.Key)
	req.Header.Set(SignatureHeader, Sign(d.WebhookSecret, body))
	client := d.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Sign is the webhook signature of body under secret.
func Sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Email sends one notification to the users who have an address.
func (d *Deliverer) Email(ctx context.Context, del workflows.Delivery) error {
	var to []string
	if err := d.DB.WithContext(ctx).Model(&store.User{}).Where("username IN ? AND email <> ''", del.Users).
		Pluck("email", &to).Error; err != nil {
		return err
	}
	if len(to) == 0 {
		return nil
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n%s\r\n",
		d.SMTPFrom, strings.Join(to, ", "), mime.QEncoding.Encode("utf-8", del.Notice.Title), del.Notice.Body)
	if err := smtp.SendMail(d.SMTPAddr, d.SMTPAuth, d.SMTPFrom, to, []byte(msg.String())); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	return nil
}
