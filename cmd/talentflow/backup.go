package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"talentflow/internal/backup"
	"talentflow/internal/config"
	"talentflow/internal/platform"
)

// BackupCmd is `talentflow backup`: an online copy of the data folder of `talentflow dev`.
type BackupCmd struct {
	Data     string        `name:"data" default:"./data" env:"TALENTFLOW_DATA" help:"Data folder of talentflow dev (it may keep running)."`
	To       string        `name:"to" required:"" placeholder:"FOLDER" help:"Backup folder: new, or empty. Restore by copying it, with talentflow stopped, as the data folder."`
	Quiet    time.Duration `name:"quiet" default:"2s" help:"No case may have been written this long before Temporal's copy; otherwise both copies are taken again."`
	Attempts int           `name:"attempts" default:"15" help:"How often to take the pair of copies before giving up."`
	Log      config.Log    `embed:""`
}

// Run copies the two SQLite databases, the token and data keys and the attachments, and prints what the
// backup holds.
func (c *BackupCmd) Run(ctx context.Context) error {
	log := platform.NewLogger(c.Log, os.Stderr)
	m, err := backup.Run(ctx, backup.Options{Data: c.Data, To: c.To, Quiet: c.Quiet, Attempts: c.Attempts, Log: log})
	if err != nil {
		return fmt.Errorf("backup of %s: %w", c.Data, err)
	}
	fmt.Printf("backup of %s written to %s in %s (%d attempt(s))\n", m.Source, c.To,
		m.FinishedAt.Sub(m.StartedAt).Round(time.Millisecond), m.Attempts)
	for _, f := range m.Files {
		fmt.Printf("  %-14s %12d bytes   as of %s\n", f.Name, f.Bytes, f.TakenAt.Local().Format("2006-01-02 15:04:05.000"))
	}
	fmt.Printf("  %d cases, %d open tasks, %d running workflows, %d attachments\n",
		m.Cases, m.OpenTasks, m.RunningWorkflows, m.Attachments)
	return nil
}
