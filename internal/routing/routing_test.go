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

func TestTheLiaisonFileRoutesEveryDemandTypeAndSetsTheCadence(t *testing.T) {
	f, err := routing.LoadLiaison("")
	if err != nil {
		t.Fatal(err)
	}
	if f.PerYear(domain.CategoryA) != 4 || f.PerYear(domain.CategoryC) != 2 {
		t.Errorf("cadence: A %d, C %d", f.PerYear(domain.CategoryA), f.PerYear(domain.CategoryC))
	}
	want := map[domain.DemandType]string{"school": "edu", "hukou": "psb", "housing": "housing", "lab": "sci",
		"funding": "fin", "medical": "health", "spouse_job": "hrss", "other": "lgo"}
	for k, v := range want {
		if f.Demands[k] != v {
			t.Errorf("demand %s goes to %q, want %s", k, f.Demands[k], v)
		}
	}
	bad := filepath.Join(t.TempDir(), "liaison.yaml")
	if err := os.WriteFile(bad, []byte("cadence: {default: 5}\nremind_days_before: [3]\noverdue_remind_every_days: 7\nescalate_to: lgo\ndemands: {school: edu}\ndemand_limit_days: 1\nverify_limit_days: 1\nrectify_limit_days: 1\nrating_days: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := routing.LoadLiaison(bad); err == nil {
		t.Error("a cadence of 5 and unrouted demand types are refused")
	}
}

func TestTheSubsidyFileHasValidDefaultPolicies(t *testing.T) {
	f, err := routing.LoadSubsidy("")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Policies) != len(domain.SubsidyKindValues()) {
		t.Errorf("one default policy per kind, got %d", len(f.Policies))
	}
	for _, p := range f.Policies {
		if p.Kind == domain.SubsidyLiving && (p.AmountFen["A"] != 2_000_000 || p.Months != 36) {
			t.Errorf("living allowance: %+v", p)
		}
	}
}
