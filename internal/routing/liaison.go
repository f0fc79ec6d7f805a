package routing

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"

	"talentflow/internal/domain"
)

//go:embed liaison.yaml
var defaultLiaison []byte

// Liaison is the liaison process's cadence, reminders and demand routing.
type Liaison struct {
	// Cadence is contacts per calendar year by category ("default" for the rest).
	Cadence          map[string]int `yaml:"cadence"`
	RemindDaysBefore []int          `yaml:"remind_days_before"`
	// FirstDueAfterDays: a new pairing's first contact falls due at the first due date at
	// least this many days after it started.
	FirstDueAfterDays      int                          `yaml:"first_due_after_days"`
	OverdueRemindEveryDays int                          `yaml:"overdue_remind_every_days"`
	EscalateTo             string                       `yaml:"escalate_to"`
	Demands                map[domain.DemandType]string `yaml:"demands"`
	DemandLimitDays        float64                      `yaml:"demand_limit_days"`
	VerifyLimitDays        float64                      `yaml:"verify_limit_days"`
	RectifyLimitDays       float64                      `yaml:"rectify_limit_days"`
	RatingDays             float64                      `yaml:"rating_days"`
}

// LoadLiaison reads path, or the embedded default when path is empty.
func LoadLiaison(path string) (*Liaison, error) {
	var f Liaison
	if err := load(path, defaultLiaison, "liaison.yaml", &f, f.validate); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *Liaison) validate() error {
	var errs []error
	if _, ok := f.Cadence["default"]; !ok {
		errs = append(errs, errors.New("cadence needs a default"))
	}
	for k, n := range f.Cadence {
		if k != "default" && !domain.Category(k).Valid() {
			errs = append(errs, fmt.Errorf("cadence: %q is neither default nor a category", k))
		}
		if _, err := domain.ContactDueDates(2000, n); err != nil {
			errs = append(errs, fmt.Errorf("cadence %s: %w", k, err))
		}
	}
	if len(f.RemindDaysBefore) == 0 || slices.ContainsFunc(f.RemindDaysBefore, func(d int) bool { return d <= 0 }) {
		errs = append(errs, errors.New("remind_days_before needs positive days"))
	}
	if f.FirstDueAfterDays < 0 {
		errs = append(errs, errors.New("first_due_after_days cannot be negative"))
	}
	if f.OverdueRemindEveryDays <= 0 || f.EscalateTo == "" {
		errs = append(errs, errors.New("overdue_remind_every_days and escalate_to are required"))
	}
	for _, t := range domain.DemandTypeValues() {
		if f.Demands[domain.DemandType(t)] == "" {
			errs = append(errs, fmt.Errorf("demands: type %s has no department", t))
		}
	}
	for t := range f.Demands {
		if !t.Valid() {
			errs = append(errs, fmt.Errorf("demands: %q is not a demand type", t))
		}
	}
	if f.DemandLimitDays <= 0 || f.VerifyLimitDays <= 0 || f.RectifyLimitDays <= 0 || f.RatingDays <= 0 {
		errs = append(errs, errors.New("demand_limit_days, verify_limit_days, rectify_limit_days and rating_days must be positive"))
	}
	return errors.Join(errs...)
}

// PerYear is how many contacts a year a talent of category c is due.
func (f *Liaison) PerYear(c domain.Category) int {
	if n, ok := f.Cadence[string(c)]; ok {
		return n
	}
	return f.Cadence["default"]
}

// Departments lists the departments the file names.
func (f *Liaison) Departments() []string {
	ds := []string{f.EscalateTo}
	for _, d := range f.Demands {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return slices.Compact(ds)
}
