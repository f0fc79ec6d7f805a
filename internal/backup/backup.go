// Package backup copies the data folder of `talentflow dev` (the single-node default) while it
// runs: the read model and the embedded Temporal server's SQLite files with VACUUM INTO, then
// the token and data keys and the attachments. It does not import the Temporal server.
package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, the one the read model and Temporal use

	"talentflow/workflows"
)

// The names of the things `talentflow dev` keeps in its data folder (internal/platform and
// internal/config name them the same).
const (
	ReadModelFile  = "talentflow.db" // the application database: cases, tasks, users, ledger, audit log
	TemporalFile   = "temporal.db"   // the embedded Temporal server: histories, timers, task queues, visibility
	TokenKeyFile   = "token.key"     // the bearer-token key dev mode generated
	DataKeyFile    = "data.key"      // the keys of personal data and workflow payloads dev mode generated
	IndexKeyFile   = "index.key"     // the blind-index key dev mode generated
	AttachmentsDir = "attachments"   // uploaded files, by sha256
	ManifestFile   = "backup.json"   // written last: a folder without it is not a complete backup
)

// Defaults of Options.
const (
	DefaultQuiet    = 2 * time.Second
	DefaultAttempts = 15
)

// Options say what to copy where.
type Options struct {
	// Data is the data folder of the running (or stopped) `talentflow dev`.
	Data string
	// To is the backup folder; it must not exist yet, or be empty.
	To string
	// Quiet is how long before the Temporal copy no case may have been written for the pair of
	// copies to count as consistent (see Run); 0 means DefaultQuiet.
	Quiet time.Duration
	// Attempts bounds how often the pair is taken again when a case was written too close to
	// the Temporal copy; 0 means DefaultAttempts.
	Attempts int
	Log      *slog.Logger
}

// Manifest describes a complete backup; it is the folder's backup.json.
type Manifest struct {
	Source     string    `json:"source"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	// Attempts is how many pairs of copies were taken until one was consistent.
	Attempts int    `json:"attempts"`
	Files    []File `json:"files"`
	// LastCaseWrite is the newest case row in the read-model copy.
	LastCaseWrite time.Time `json:"last_case_write,omitzero"`
	Cases         int64     `json:"cases"`
	OpenTasks     int64     `json:"open_tasks"`
	// RunningWorkflows counts the workflows Temporal's copy holds as running.
	RunningWorkflows int64 `json:"running_workflows"`
	Attachments      int   `json:"attachments"`
	// CasesWithoutWorkflow are open cases of the read-model copy whose workflow is not in
	// Temporal's copy and whose start is not recorded either: already so in the data folder.
	CasesWithoutWorkflow []string `json:"cases_without_workflow,omitempty"`
}

// File is one copied database or file.
type File struct {
	Name string `json:"name"`
	// TakenAt is when its copy began: a database copy shows the database as of that moment.
	TakenAt time.Time `json:"taken_at"`
	Bytes   int64     `json:"bytes"`
}

// ErrNotQuiet means that every attempt found a case written too close to the Temporal copy.
var ErrNotQuiet = errors.New("the read model never stood still long enough around the Temporal copy")

// Run copies the data folder to o.To and returns the manifest it wrote there.
//
// The two databases are copied one after the other, each with VACUUM INTO (a consistent
// snapshot of that one file, taken while talentflow keeps reading and writing): Temporal's
// FIRST, then the read model. A read model a moment newer than Temporal is safe: a workflow
// that resumes from the older Temporal state repeats its last projections, and those writes
// are idempotent (case and task rows only move to higher revisions, timeline events, audit
// entries and notifications are keyed), while activities keyed by business key are retried
// harmlessly. The one thing it cannot repeat is an input Temporal had not yet recorded when it
// was copied — a decision (Update) not yet in Temporal's copy whose projection the read model
// already holds. So the pair is accepted only if no case row in the read-model copy was
// written after (Temporal copy start − Quiet); otherwise both copies are taken again, up to
// Attempts times. Every open case of the read-model copy must also have its workflow in
// Temporal's copy, or a recorded start: a start that fell between the two copies makes the
// pair be taken again, while cases already so in the data folder are listed in the manifest.
func Run(ctx context.Context, o Options) (Manifest, error) {
	if o.Quiet <= 0 {
		o.Quiet = DefaultQuiet
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	m := Manifest{StartedAt: time.Now().UTC()}
	src, err := filepath.Abs(o.Data)
	if err != nil {
		return m, err
	}
	m.Source = src
	for _, name := range []string{TemporalFile, ReadModelFile} {
		if fi, err := os.Stat(filepath.Join(src, name)); err != nil || !fi.Mode().IsRegular() {
			return m, fmt.Errorf("%s has no %s: is it the data folder of talentflow dev (--data, TALENTFLOW_DATA)?", src, name)
		}
	}
	if err := emptyFolder(o.To); err != nil {
		return m, err
	}
	var previous []string
	for m.Attempts = 1; ; m.Attempts++ {
		files, last, err := copyDatabases(ctx, src, o.To)
		if err != nil {
			return m, err
		}
		temporalAt := files[0].TakenAt
		quiet := last.IsZero() || last.Before(temporalAt.Add(-o.Quiet))
		var missing []string
		if quiet {
			if missing, err = casesWithoutWorkflow(ctx, o.To); err != nil {
				return m, err
			}
		}
		// Open cases without their workflow in Temporal's copy are either a start that fell
		// between the two copies (gone at the next attempt) or already so in the data folder
		// (the same at every attempt): only the former is worth another attempt.
		if quiet && (len(missing) == 0 || slices.Equal(missing, previous) || m.Attempts >= o.Attempts) {
			m.Files, m.LastCaseWrite, m.CasesWithoutWorkflow = files, last, missing
			if len(missing) > 0 {
				o.Log.Warn("open cases whose workflow is not in Temporal (nor recorded to start) in the data folder itself",
					"count", len(missing), "cases", missing[:min(len(missing), 20)])
			}
			break
		}
		if quiet {
			o.Log.Info("open cases without their workflow in Temporal's copy: copying again", "attempt", m.Attempts, "count", len(missing))
			previous = missing
		} else {
			o.Log.Info("a case was written too close to the Temporal copy: copying again",
				"attempt", m.Attempts, "case_written", last, "temporal_copied", temporalAt)
		}
		for _, f := range files {
			if err := removeDatabase(filepath.Join(o.To, f.Name)); err != nil {
				return m, err
			}
		}
		if m.Attempts >= o.Attempts {
			return m, fmt.Errorf("%w (%d attempts, quiet %s): try again later, or stop talentflow dev and back up",
				ErrNotQuiet, m.Attempts, o.Quiet)
		}
		select {
		case <-ctx.Done():
			return m, ctx.Err()
		case <-time.After(o.Quiet):
		}
	}
	if err := m.count(ctx, o.To); err != nil {
		return m, err
	}
	// Files are written before the rows that name them, and never changed: copied after the
	// read model, every attachment it refers to is there.
	// The keys go with the data: without them the personal data in both databases (sealed
	// columns, encrypted workflow payloads) does not open.
	for _, name := range []string{TokenKeyFile, DataKeyFile, IndexKeyFile} {
		if f, ok, err := copyFile(filepath.Join(src, name), filepath.Join(o.To, name), 0o600); err != nil {
			return m, err
		} else if ok {
			m.Files = append(m.Files, f)
		}
	}
	if m.Attachments, err = copyAttachments(filepath.Join(src, AttachmentsDir), filepath.Join(o.To, AttachmentsDir)); err != nil {
		return m, err
	}
	m.FinishedAt = time.Now().UTC()
	return m, writeManifest(o.To, m)
}

// copyDatabases takes Temporal's copy, then the read model's, and reports the newest case row
// write in the read-model copy.
func copyDatabases(ctx context.Context, src, dst string) ([]File, time.Time, error) {
	var files []File
	for _, name := range []string{TemporalFile, ReadModelFile} {
		f, err := vacuumInto(ctx, filepath.Join(src, name), filepath.Join(dst, name))
		if err != nil {
			return nil, time.Time{}, err
		}
		f.Name = name
		files = append(files, f)
	}
	db, err := open(filepath.Join(dst, ReadModelFile), "ro")
	if err != nil {
		return nil, time.Time{}, err
	}
	defer db.Close()
	var last any
	err = db.QueryRowContext(ctx, "SELECT updated_at FROM cases ORDER BY updated_at DESC LIMIT 1").Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return files, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("read-model copy: %w", err)
	}
	t, err := asTime(last)
	return files, t, err
}

// casesWithoutWorkflow lists the open cases of the read-model copy in dir that can go on neither
// with a workflow in Temporal's copy nor with a recorded start (the one a restart finishes).
func casesWithoutWorkflow(ctx context.Context, dir string) ([]string, error) {
	tp, err := open(filepath.Join(dir, TemporalFile), "ro")
	if err != nil {
		return nil, err
	}
	defer tp.Close()
	rows, err := tp.QueryContext(ctx, "SELECT workflow_id FROM current_executions")
	if err != nil {
		return nil, fmt.Errorf("temporal copy: %w", err)
	}
	workflowIDs, caseIDs := map[string]bool{}, map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		workflowIDs[id] = true
		if _, caseID, ok := strings.Cut(id, ":"); ok { // "intro:<case id>", "subsidy:<case id>"...
			caseIDs[caseID] = true
		}
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	rm, err := open(filepath.Join(dir, ReadModelFile), "ro")
	if err != nil {
		return nil, err
	}
	defer rm.Close()
	rows, err = rm.QueryContext(ctx, `SELECT id, workflow_id FROM cases c WHERE c.closed_at IS NULL AND c.state <> ?
		AND NOT EXISTS (SELECT 1 FROM case_starts s WHERE s.case_id = c.id) ORDER BY id`, stateDraft)
	if err != nil {
		return nil, fmt.Errorf("read-model copy: %w", err)
	}
	defer rows.Close()
	var missing []string
	for rows.Next() {
		var id, workflowID string
		if err := rows.Scan(&id, &workflowID); err != nil {
			return nil, err
		}
		// A case its workflow has not projected yet carries no workflow id: its id is the
		// workflow id's tail.
		if (workflowID != "" && !workflowIDs[workflowID]) || (workflowID == "" && !caseIDs[id]) {
			missing = append(missing, id)
		}
	}
	return missing, rows.Err()
}

// stateDraft is a case not submitted yet (app.StateDraft): it has no workflow.
const stateDraft = "draft"

// vacuumInto writes a consistent copy of the SQLite database src to dst (which must not exist)
// and checks it. Writers of src go on meanwhile: in WAL mode VACUUM INTO is a reader.
func vacuumInto(ctx context.Context, src, dst string) (File, error) {
	db, err := open(src, "rw")
	if err != nil {
		return File{}, err
	}
	defer db.Close()
	f := File{TakenAt: time.Now().UTC()}
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return f, fmt.Errorf("copy %s: %w", src, err)
	}
	copied, err := open(dst, "ro")
	if err != nil {
		return f, err
	}
	defer copied.Close()
	var check string
	if err := copied.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
		return f, fmt.Errorf("copy of %s does not check: %q %v", src, check, err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		return f, err
	}
	f.Bytes = fi.Size()
	return f, nil
}

// open opens an existing SQLite file ("rw" or "ro") on one connection that waits for locks.
func open(path, mode string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode="+mode+"&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// count fills in what the copies hold.
func (m *Manifest) count(ctx context.Context, dir string) error {
	rm, err := open(filepath.Join(dir, ReadModelFile), "ro")
	if err != nil {
		return err
	}
	defer rm.Close()
	if err := rm.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases").Scan(&m.Cases); err != nil {
		return fmt.Errorf("read-model copy: %w", err)
	}
	if err := rm.QueryRowContext(ctx, "SELECT COUNT(*) FROM tasks WHERE state = ?", workflows.TaskOpen).Scan(&m.OpenTasks); err != nil {
		return fmt.Errorf("read-model copy: %w", err)
	}
	tp, err := open(filepath.Join(dir, TemporalFile), "ro")
	if err != nil {
		return err
	}
	defer tp.Close()
	m.RunningWorkflows, err = RunningWorkflows(ctx, tp, "")
	return err
}

// workflowRunning is WORKFLOW_EXECUTION_STATUS_RUNNING in Temporal's current_executions.status.
const workflowRunning = 1

// RunningWorkflows counts the running workflows in an embedded Temporal server's SQLite
// database whose id starts with prefix ("": all).
func RunningWorkflows(ctx context.Context, temporal *sql.DB, prefix string) (int64, error) {
	var n int64
	err := temporal.QueryRowContext(ctx, "SELECT COUNT(*) FROM current_executions WHERE status = ? AND substr(workflow_id, 1, ?) = ?",
		workflowRunning, len(prefix), prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("temporal copy: %w", err)
	}
	return n, nil
}

// OpenCopy opens a database file of a backup (or of a stopped data folder) read-only.
func OpenCopy(path string) (*sql.DB, error) { return open(path, "ro") }

// asTime reads a TIMESTAMP column as the SQLite driver hands it over.
func asTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case string:
		return parseTime(v)
	case []byte:
		return parseTime(string(v))
	case nil:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp %T %v", v, v)
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unexpected timestamp %q", s)
}

// emptyFolder creates dir, or accepts it if it exists and is empty.
func emptyFolder(dir string) error {
	if dir == "" {
		return errors.New("no backup folder given (--to)")
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.MkdirAll(dir, 0o750)
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("backup folder %s is not empty: a backup never overwrites anything", dir)
	}
	return nil
}

// removeDatabase deletes a copy that is to be taken again.
func removeDatabase(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// copyFile copies src to dst if src exists.
func copyFile(src, dst string, perm fs.FileMode) (File, bool, error) {
	in, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, false, nil
	}
	if err != nil {
		return File{}, false, err
	}
	defer in.Close()
	f := File{Name: filepath.Base(src), TakenAt: time.Now().UTC()}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return f, false, err
	}
	if f.Bytes, err = io.Copy(out, in); err != nil {
		out.Close()
		return f, false, fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return f, false, err
	}
	return f, true, out.Close()
}

// copyAttachments copies the stored files (<2 hex>/<sha256>), leaving out uploads in progress.
func copyAttachments(src, dst string) (int, error) {
	n := 0
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == src {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o750)
		}
		if !d.Type().IsRegular() || !strings.Contains(rel, string(filepath.Separator)) {
			return nil // upload-* temporaries live at the top; stored files one level down
		}
		if _, _, err := copyFile(path, filepath.Join(dst, rel), 0o640); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}

// writeManifest writes backup.json, last, through a rename.
func writeManifest(dir string, m Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestFile))
}

// ReadManifest reads the backup.json of a backup folder: an error if the backup is incomplete.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("%s is not a complete backup: %w", dir, err)
	}
	return m, json.Unmarshal(data, &m)
}
