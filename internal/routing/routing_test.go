package routing_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
	"talentflow/internal/routing"
)

func TestDefaultRoutingFollowsTheSpec(t *testing.T) {
	r, err := routing.LoadIntroduction("")
	require.NoError(t, err)
	depts := func(c domain.Category) []string {
		var out []string
		for _, d := range r.Plan(c).Reviewers {
			out = append(out, d.Department)
		}
		return out
	}
	for _, c := range []domain.Category{domain.CategoryA, domain.CategoryB, domain.CategoryC} {
		assert.Equal(t, []string{"hrss", "sci", "iit"}, depts(c), "sci reviews technical merit for %s", c)
	}
	assert.NotContains(t, depts(domain.CategoryD), "sci")
	assert.Contains(t, depts(domain.CategoryE), "edu")
	p := r.Plan(domain.CategoryB)
	assert.Equal(t, "gsc", p.Window.Department)
	assert.Equal(t, "lgo", p.SignOff.Department)
	assert.Equal(t, 5.0, p.NoticeDays)
	assert.Equal(t, []string{"edu", "gsc", "hrss", "iit", "lgo", "sci"}, r.Departments())
}

func TestRoutingFileErrorsNameTheEntry(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"missing category": "window: {department: gsc, limit_days: 2}\nsignoff: {department: lgo, limit_days: 5}\nnotice_days: 5\ncorrection_days: 10\nobjection_days: 3\nreviewers:\n  A: [{department: hrss, limit_days: 5}]\n",
		"unknown field":    "windw: {department: gsc}\n",
	} {
		path := filepath.Join(dir, "r.yaml")
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := routing.LoadIntroduction(path)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), path)
	}
}
