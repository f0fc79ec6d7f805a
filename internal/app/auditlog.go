package app

import (
	"time"

	"talentflow/internal/store"
)

// AuditItem is one audit-log row.
type AuditItem struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Role       string    `json:"role"`
	Department string    `json:"department"`
	Action     string    `json:"action"`
	Object     string    `json:"object"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason"`
	RequestID  string    `json:"request_id,omitempty"`
	Hash       string    `json:"hash"`
}

// AuditItemOf is the audit row as the API shows it.
func AuditItemOf(r store.AuditRecord) AuditItem {
	return AuditItem{Seq: r.Seq, At: r.At, Actor: r.Actor, Role: r.Role, Department: r.Department, Action: r.Action,
		Object: r.Object, Outcome: r.Outcome, Reason: r.Reason, RequestID: r.RequestID, Hash: r.Hash}
}
