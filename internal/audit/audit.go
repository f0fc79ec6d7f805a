// Package audit owns the append-only, hash-chained audit log: every decision and every
// state-changing request lands here, and Verify proves no row was changed, removed or inserted.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/domain"
	"talentflow/internal/store"
)

// Entry is one thing to record: who (actor, acting role and department), when, what was done
// to which object, with what outcome and why.
type Entry struct {
	At         time.Time
	Actor      string
	Role       string
	Department string
	Action     string
	Object     string
	Outcome    string
	Reason     string
	RequestID  string
	// DedupeKey, when set, makes the append idempotent: a second entry with the same key is
	// skipped (workflow activities are retried).
	DedupeKey string
}

// genesis is the prev_hash of the first row.
const genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Append adds entries to the chain inside tx (which the caller commits), serialised against
// every other writer so that the chain never forks.
func Append(ctx context.Context, db *store.DB, tx *gorm.DB, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	if db.Dialect == store.Postgres {
		// SQLite transactions are already exclusive (BEGIN IMMEDIATE); PostgreSQL needs a lock.
		if err := tx.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(7460923)").Error; err != nil {
			return fmt.Errorf("audit lock: %w", err)
		}
	}
	var head store.AuditRecord
	err := tx.WithContext(ctx).Order("seq DESC").Limit(1).Take(&head).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		head = store.AuditRecord{Seq: 0, Hash: genesis}
	case err != nil:
		return fmt.Errorf("audit head: %w", err)
	}
	for _, e := range entries {
		if e.DedupeKey != "" {
			var n int64
			if err := tx.WithContext(ctx).Model(&store.AuditRecord{}).Where("dedupe_key = ?", e.DedupeKey).Count(&n).Error; err != nil {
				return err
			}
			if n > 0 {
				continue
			}
		}
		rec := record(e)
		rec.Seq, rec.PrevHash = head.Seq+1, head.Hash
		rec.Hash = Hash(rec)
		if err := tx.WithContext(ctx).Create(&rec).Error; err != nil {
			return fmt.Errorf("audit append: %w", err)
		}
		head = rec
	}
	return nil
}

// Record appends entries in their own transaction.
func Record(ctx context.Context, db *store.DB, entries ...Entry) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return Append(ctx, db, tx, entries...) })
}

func record(e Entry) store.AuditRecord {
	at := e.At
	if at.IsZero() {
		at = time.Now()
	}
	// Personal data typed where it does not belong (an ID as a login name, a phone number in a
	// comment) is masked before it enters the log, which auditors read and nobody may edit.
	rec := store.AuditRecord{
		At: at.UTC().Truncate(time.Microsecond), Actor: domain.RedactPersonal(e.Actor), Role: e.Role, Department: e.Department,
		Action: e.Action, Object: domain.RedactPersonal(e.Object), Outcome: e.Outcome, Reason: domain.RedactPersonal(e.Reason), RequestID: e.RequestID,
	}
	if e.DedupeKey != "" {
		k := e.DedupeKey
		rec.DedupeKey = &k
	}
	return rec
}

// Hash is sha256 over the previous hash and the row's fields in a fixed order.
func Hash(r store.AuditRecord) string {
	key := ""
	if r.DedupeKey != nil {
		key = *r.DedupeKey
	}
	fields, _ := json.Marshal([]any{
		r.Seq, r.At.UTC().Format(time.RFC3339Nano), r.Actor, r.Role, r.Department,
		r.Action, r.Object, r.Outcome, r.Reason, r.RequestID, key,
	})
	sum := sha256.Sum256(append([]byte(r.PrevHash+"\n"), fields...))
	return hex.EncodeToString(sum[:])
}

// Report is the result of Verify.
type Report struct {
	OK      bool   `json:"ok"`
	Checked int64  `json:"checked"`
	Head    string `json:"head,omitempty"`
	// BrokenAt is the first row whose hash or link does not hold, with the reason.
	BrokenAt int64  `json:"broken_at,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// Verify walks the whole chain in order and recomputes every hash.
func Verify(ctx context.Context, db *store.DB) (Report, error) {
	rep := Report{OK: true}
	prev := store.AuditRecord{Seq: 0, Hash: genesis}
	const batch = 1000
	for {
		var rows []store.AuditRecord
		if err := db.WithContext(ctx).Where("seq > ?", prev.Seq).Order("seq").Limit(batch).Find(&rows).Error; err != nil {
			return rep, err
		}
		for _, r := range rows {
			switch {
			case r.Seq != prev.Seq+1:
				return broken(rep, r.Seq, fmt.Sprintf("row %d follows row %d: rows are missing", r.Seq, prev.Seq)), nil
			case r.PrevHash != prev.Hash:
				return broken(rep, r.Seq, "prev_hash does not match the hash of the row before"), nil
			case Hash(r) != r.Hash:
				return broken(rep, r.Seq, "the row's content does not match its hash"), nil
			}
			rep.Checked++
			prev = r
		}
		if len(rows) < batch {
			rep.Head = prev.Hash
			return rep, nil
		}
	}
}

func broken(rep Report, seq int64, problem string) Report {
	rep.OK, rep.BrokenAt, rep.Problem = false, seq, problem
	return rep
}
