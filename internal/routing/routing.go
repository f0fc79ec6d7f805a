// Package routing owns the routing configuration of the processes: which departments handle
// which step, with what time limit, loaded from a reviewed YAML file (embedded default).
package routing

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"

	"gopkg.in/yaml.v3"

	"talentflow/internal/domain"
	"talentflow/workflows/introduction"
)

//go:embed introduction.yaml
var defaultIntroduction []byte

type stepFile struct {
	Department string  `yaml:"department"`
	LimitDays  float64 `yaml:"limit_days"`
}

type introductionFile struct {
	Window         stepFile                       `yaml:"window"`
	SignOff        stepFile                       `yaml:"signoff"`
	NoticeDays     float64                        `yaml:"notice_days"`
	CorrectionDays float64                        `yaml:"correction_days"`
	ObjectionDays  float64                        `yaml:"objection_days"`
	Reviewers      map[domain.Category][]stepFile `yaml:"reviewers"`
}

// Introduction is the routing of talent introductions.
type Introduction struct {
	file introductionFile
}

// LoadIntroduction reads path, or the embedded default when path is empty.
func LoadIntroduction(path string) (*Introduction, error) {
	var f introductionFile
	if err := load(path, defaultIntroduction, "introduction.yaml", &f, f.validate); err != nil {
		return nil, err
	}
	return &Introduction{file: f}, nil
}

// load decodes the YAML file at path, or the built-in default when path is empty, strictly
// (unknown keys are errors), and checks it; errors name the file.
func load(path string, builtin []byte, builtinName string, into any, validate func() error) error {
	data, name := builtin, builtinName+" (built in)"
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return err
		}
		name = path
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := validate(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

func (f *introductionFile) validate() error {
	var errs []error
	check := func(what string, s stepFile) {
		if s.Department == "" || s.LimitDays <= 0 {
			errs = append(errs, fmt.Errorf("%s needs a department and a positive limit_days", what))
		}
	}
	check("window", f.Window)
	check("signoff", f.SignOff)
	if f.NoticeDays <= 0 || f.CorrectionDays <= 0 || f.ObjectionDays <= 0 {
		errs = append(errs, errors.New("notice_days, correction_days and objection_days must be positive"))
	}
	for _, c := range domain.CategoryValues() {
		rs := f.Reviewers[domain.Category(c)]
		if len(rs) == 0 {
			errs = append(errs, fmt.Errorf("reviewers for category %s are missing", c))
		}
		for i, r := range rs {
			check(fmt.Sprintf("reviewers.%s[%d]", c, i), r)
		}
	}
	for c := range f.Reviewers {
		if !c.Valid() {
			errs = append(errs, fmt.Errorf("reviewers: %q is not a category", c))
		}
	}
	return errors.Join(errs...)
}

// Plan is the routing for a case of category c.
func (r *Introduction) Plan(c domain.Category) introduction.IntroductionPlan {
	f := r.file
	p := introduction.IntroductionPlan{
		Window:         introduction.DepartmentLimit{Department: f.Window.Department, LimitDays: f.Window.LimitDays},
		SignOff:        introduction.DepartmentLimit{Department: f.SignOff.Department, LimitDays: f.SignOff.LimitDays},
		NoticeDays:     f.NoticeDays,
		CorrectionDays: f.CorrectionDays,
		ObjectionDays:  f.ObjectionDays,
	}
	for _, s := range f.Reviewers[c] {
		p.Reviewers = append(p.Reviewers, introduction.DepartmentLimit{Department: s.Department, LimitDays: s.LimitDays})
	}
	return p
}

// Departments lists every department the routing names, sorted (checked against the database
// at start).
func (r *Introduction) Departments() []string {
	f := r.file
	ds := []string{f.Window.Department, f.SignOff.Department}
	for _, rs := range f.Reviewers {
		for _, s := range rs {
			ds = append(ds, s.Department)
		}
	}
	slices.Sort(ds)
	return slices.Compact(ds)
}
