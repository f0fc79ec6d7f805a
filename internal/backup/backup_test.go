package backup_test

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"talentflow/internal/backup"
	"talentflow/internal/store"
)

// dataFolder is a data folder as `talentflow dev` leaves it: the migrated read model with one
// case and one open task written an hour ago, a stand-in for Temporal's database with one
// running and one closed workflow, a token key, an attachment and an upload in progress.
type dataFolder struct {
	dir      string
	rm       *store.DB
	temporal *sql.DB
}

func newDataFolder(t *testing.T) *dataFolder {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	rm, err := store.Open(filepath.Join(dir, backup.ReadModelFile), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { rm.Close() })
	_, err = rm.Migrate(ctx)
	require.NoError(t, err)
	hourAgo := time.Now().UTC().Add(-time.Hour)
	require.NoError(t, rm.Create(&store.Department{Code: "hrss", Name: "人社局"}).Error)
	require.NoError(t, rm.Create(&store.User{ID: "u1", Username: "applicant.li", Kind: "talent"}).Error)
	require.NoError(t, rm.Create(&store.Case{ID: "c1", Process: "introduction", State: "in_review", ApplicantID: "u1",
		WorkflowID: "intro:c1", Rev: 3, CreatedAt: hourAgo, UpdatedAt: hourAgo}).Error)
	require.NoError(t, rm.Create(&store.Task{ID: "c1-t1", CaseID: "c1", Process: "introduction", Step: "review", State: "open",
		Department: "hrss", OpenedAt: hourAgo, UpdatedAt: hourAgo}).Error)
	require.NoError(t, rm.Exec("CREATE TABLE noise (n INTEGER)").Error)

	temporal, err := sql.Open("sqlite", "file:"+filepath.Join(dir, backup.TemporalFile)+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	temporal.SetMaxOpenConns(1)
	t.Cleanup(func() { temporal.Close() })
	for _, q := range []string{
		"CREATE TABLE current_executions (workflow_id TEXT PRIMARY KEY, status INT NOT NULL)",
		"INSERT INTO current_executions VALUES ('intro:c1', 1), ('intro:c0', 2)",
		"CREATE TABLE noise (n INTEGER)",
	} {
		_, err := temporal.Exec(q)
		require.NoError(t, err)
	}

	require.NoError(t, os.WriteFile(filepath.Join(dir, backup.TokenKeyFile), []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, backup.DataKeyFile), []byte("dev1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, backup.IndexKeyFile), []byte("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, backup.AttachmentsDir, "ab"), 0o750))
	require.NoError(t, os.WriteFile(filepath.Join(dir, backup.AttachmentsDir, "ab", "ab12"), []byte("%PDF-1.4 a certificate"), 0o640))
	require.NoError(t, os.WriteFile(filepath.Join(dir, backup.AttachmentsDir, "upload-123"), []byte("half an upload"), 0o640))
	return &dataFolder{dir: dir, rm: rm, temporal: temporal}
}

// writeNoise keeps both databases busy with writes that are not cases, as a running talentflow
// does, until the returned stop is called; stop reports how many writes each database took.
func (d *dataFolder) writeNoise(t *testing.T) (stop func() int64) {
	var n atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if err := d.rm.Exec("INSERT INTO noise VALUES (?)", i).Error; err != nil {
				t.Errorf("read-model write: %v", err)
				return
			}
			if _, err := d.temporal.Exec("INSERT INTO noise VALUES (?)", i); err != nil {
				t.Errorf("temporal write: %v", err)
				return
			}
			n.Add(1)
		}
	}()
	return func() int64 { close(done); wg.Wait(); return n.Load() }
}

// touchCase writes the case as a projection would, stamping it now.
func (d *dataFolder) touchCase(t *testing.T, rev int64) {
	require.NoError(t, d.rm.Model(&store.Case{}).Where("id = ?", "c1").Update("rev", rev).Error)
}

func count(t *testing.T, db *sql.DB, query string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.QueryRow(query).Scan(&n))
	return n
}

func TestBackupCopiesBothDatabasesTheTokenKeyAndAttachmentsWhileTheyAreWritten(t *testing.T) {
	d := newDataFolder(t)
	stop := d.writeNoise(t)
	time.Sleep(50 * time.Millisecond)
	to := filepath.Join(t.TempDir(), "backup")
	m, err := backup.Run(context.Background(), backup.Options{Data: d.dir, To: to})
	writes := stop()
	require.NoError(t, err)
	assert.Positive(t, writes, "the databases were written during the backup")

	assert.Equal(t, 1, m.Attempts)
	assert.EqualValues(t, 1, m.Cases)
	assert.EqualValues(t, 1, m.OpenTasks)
	assert.EqualValues(t, 1, m.RunningWorkflows)
	assert.Equal(t, 1, m.Attachments, "the stored file, not the upload in progress")
	names := []string{}
	for _, f := range m.Files {
		names = append(names, f.Name)
		assert.Positive(t, f.Bytes, f.Name)
	}
	assert.Equal(t, []string{backup.TemporalFile, backup.ReadModelFile, backup.TokenKeyFile, backup.DataKeyFile, backup.IndexKeyFile}, names,
		"Temporal first, then the read model, then the keys")
	assert.False(t, m.Files[1].TakenAt.Before(m.Files[0].TakenAt))

	read, err := backup.ReadManifest(to)
	require.NoError(t, err)
	assert.Equal(t, m.Cases, read.Cases)

	// Each copy is a complete database on its own, with no -wal beside it.
	for _, name := range []string{backup.ReadModelFile, backup.TemporalFile} {
		db, err := backup.OpenCopy(filepath.Join(to, name))
		require.NoError(t, err)
		assert.LessOrEqual(t, count(t, db, "SELECT COUNT(*) FROM noise"), writes+1, name)
		db.Close()
		_, err = os.Stat(filepath.Join(to, name+"-wal"))
		assert.ErrorIs(t, err, os.ErrNotExist)
	}
	rm, err := store.Open(filepath.Join(to, backup.ReadModelFile), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer rm.Close()
	var c store.Case
	require.NoError(t, rm.Take(&c, "id = ?", "c1").Error)
	assert.Equal(t, "in_review", c.State)

	for _, name := range []string{backup.TokenKeyFile, backup.DataKeyFile, backup.IndexKeyFile} {
		key, err := os.Stat(filepath.Join(to, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), key.Mode().Perm(), "%s stays private", name)
	}
	data, err := os.ReadFile(filepath.Join(to, backup.AttachmentsDir, "ab", "ab12"))
	require.NoError(t, err)
	assert.Equal(t, "%PDF-1.4 a certificate", string(data))
	_, err = os.Stat(filepath.Join(to, backup.AttachmentsDir, "upload-123"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestBackupTakesThePairAgainWhenACaseWasWrittenJustBeforeTemporalWasCopied(t *testing.T) {
	d := newDataFolder(t)
	d.touchCase(t, 4) // a projection just now: a decision might still be on its way into Temporal
	to := filepath.Join(t.TempDir(), "backup")
	m, err := backup.Run(context.Background(), backup.Options{Data: d.dir, To: to, Quiet: 300 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, 2, m.Attempts, "the first pair was too close to the case write")
	assert.Less(t, m.LastCaseWrite, m.Files[0].TakenAt.Add(-300*time.Millisecond))
	entries, err := os.ReadDir(to)
	require.NoError(t, err)
	assert.Len(t, entries, 7, "two databases, the three keys, the attachments and the manifest; nothing of the first try")
}

func TestBackupGivesUpWhenCasesNeverStandStill(t *testing.T) {
	d := newDataFolder(t)
	d.touchCase(t, 4)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for rev := int64(5); ; rev++ {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
				d.touchCase(t, rev)
			}
		}
	}()
	to := filepath.Join(t.TempDir(), "backup")
	_, err := backup.Run(context.Background(), backup.Options{Data: d.dir, To: to, Quiet: 100 * time.Millisecond, Attempts: 3})
	close(done)
	wg.Wait()
	require.ErrorIs(t, err, backup.ErrNotQuiet)
	_, err = backup.ReadManifest(to)
	assert.Error(t, err, "an unfinished backup has no manifest")
}

func TestBackupNeverOverwritesAndNeedsADataFolder(t *testing.T) {
	d := newDataFolder(t)
	full := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(full, "something"), nil, 0o640))
	_, err := backup.Run(context.Background(), backup.Options{Data: d.dir, To: full})
	assert.ErrorContains(t, err, "not empty")

	_, err = backup.Run(context.Background(), backup.Options{Data: t.TempDir(), To: filepath.Join(t.TempDir(), "b")})
	assert.ErrorContains(t, err, "has no temporal.db")

	_, err = backup.Run(context.Background(), backup.Options{Data: d.dir})
	assert.ErrorContains(t, err, "--to")
}

// The copy shows each database as it was when its copy began, even while a writer keeps
// committing: the rows of one transaction are all there or none.
func TestBackupCopiesAreTransactionallyConsistent(t *testing.T) {
	d := newDataFolder(t)
	require.NoError(t, d.rm.Exec("CREATE TABLE pairs (n INTEGER, half INTEGER)").Error)
	var stopped atomic.Bool
	errc := make(chan error, 1)
	go func() {
		for i := 0; !stopped.Load(); i++ {
			err := d.rm.Transaction(func(tx *gorm.DB) error {
				if err := tx.Exec("INSERT INTO pairs VALUES (?, 1)", i).Error; err != nil {
					return err
				}
				return tx.Exec("INSERT INTO pairs VALUES (?, 2)", i).Error
			})
			if err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	time.Sleep(20 * time.Millisecond)
	to := filepath.Join(t.TempDir(), "backup")
	_, err := backup.Run(context.Background(), backup.Options{Data: d.dir, To: to})
	stopped.Store(true)
	require.NoError(t, <-errc)
	require.NoError(t, err)
	db, err := backup.OpenCopy(filepath.Join(to, backup.ReadModelFile))
	require.NoError(t, err)
	defer db.Close()
	assert.Zero(t, count(t, db, "SELECT COUNT(*) FROM (SELECT n FROM pairs GROUP BY n HAVING COUNT(*) <> 2)"))
	assert.Positive(t, count(t, db, "SELECT COUNT(*) FROM pairs"))
}

// An open case must be able to go on after a restore: with its workflow in Temporal's copy, or
// with its start recorded (a restart finishes it). One that can do neither already in the data
// folder is reported in the manifest, after a second attempt shows it is not a start that fell
// between the two copies.
func TestBackupReportsOpenCasesThatHaveNeitherAWorkflowNorARecordedStart(t *testing.T) {
	d := newDataFolder(t)
	hourAgo := time.Now().UTC().Add(-time.Hour)
	for _, c := range []store.Case{
		{ID: "c2", State: "in_review", WorkflowID: "intro:c2"},                     // its workflow is gone: reported
		{ID: "c3", State: "submitted"},                                             // recorded start below: fine
		{ID: "c4", State: "submitted"},                                             // started, not projected yet: fine
		{ID: "c5", State: "certified", WorkflowID: "intro:c5", ClosedAt: &hourAgo}, // closed: fine
		{ID: "c6", State: "draft"},                                                 // never started: fine
	} {
		c.Process, c.ApplicantID, c.CreatedAt, c.UpdatedAt = "introduction", "u1", hourAgo, hourAgo
		require.NoError(t, d.rm.Create(&c).Error)
	}
	require.NoError(t, d.rm.Create(&store.CaseStart{CaseID: "c3", Process: "introduction", WorkflowID: "intro:c3",
		Workflow: "TalentIntroduction", Input: "{}", CreatedAt: hourAgo}).Error)
	_, err := d.temporal.Exec("INSERT INTO current_executions VALUES ('intro:c4', 1)")
	require.NoError(t, err)

	m, err := backup.Run(context.Background(), backup.Options{Data: d.dir, To: filepath.Join(t.TempDir(), "b"), Quiet: 50 * time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, []string{"c2"}, m.CasesWithoutWorkflow)
	assert.Equal(t, 2, m.Attempts, "taken twice to tell a standing gap from one between the copies")
}
