package process_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/process"
	"talentflow/internal/processes"
)

// TestATalentLeavingIsToldToEveryProcessThatListens: a process's activities receive, in their
// environment, a way to tell the others that a talent left (the subsidy's departure report),
// which reaches each process's OnTalentLeft.
func TestATalentLeavingIsToldToEveryProcessThatListens(t *testing.T) {
	defer func() { _, _ = processes.Registry() }()
	var told []string
	var tell func(ctx context.Context, cert, leftOn, reason string) error
	r, err := process.New(
		process.Definition{Name: "teller", Label: "告知", Activities: func(env process.Env) ([]process.Activity, error) {
			tell = env.TalentLeft
			return nil, nil
		}},
		process.Definition{Name: "listener", Label: "收听", OnTalentLeft: func(_ context.Context, _ process.Env, cert, leftOn, reason string) error {
			told = append(told, cert+" "+leftOn+" "+reason)
			return nil
		}},
	)
	require.NoError(t, err)
	_, err = r.Activities(process.Env{})
	require.NoError(t, err)
	require.NotNil(t, tell)
	require.NoError(t, tell(context.Background(), "YG-2026-B-0001", "2026-06-15", "离职"))
	assert.Equal(t, []string{"YG-2026-B-0001 2026-06-15 离职"}, told)

	// The real registry: the liaison process listens.
	real, err := processes.Registry()
	require.NoError(t, err)
	def, ok := real.Get("liaison")
	require.True(t, ok)
	assert.NotNil(t, def.OnTalentLeft)
}
