package routing

import (
	_ "embed"
	"errors"
	"fmt"
	"slices"

	"talentflow/internal/domain"
)

//go:embed subsidy.yaml
var defaultSubsidy []byte

// SubsidyPolicy is one default policy of the subsidy file.
type SubsidyPolicy struct {
	Kind       domain.SubsidyKind `yaml:"kind"`
	Name       string             `yaml:"name"`
	Year       int                `yaml:"year"`
	Categories []domain.Category  `yaml:"categories"`
	AmountFen  map[string]int64   `yaml:"amount_fen"`
	Months     int                `yaml:"months"`
	BudgetFen  int64              `yaml:"budget_fen"`
}

// Subsidy is the subsidy process's routing, limits and default policies.
type Subsidy struct {
	ReviewDepartment   string  `yaml:"review_department"`
	FinanceDepartment  string  `yaml:"finance_department"`
	LGODepartment      string  `yaml:"lgo_department"`
	LimitDays          float64 `yaml:"limit_days"`
	ReconfirmLimitDays float64 `yaml:"reconfirm_limit_days"`
	ReconfirmLeadDays  float64 `yaml:"reconfirm_lead_days"`
	CorrectionDays     float64 `yaml:"correction_days"`
	// Payer is the finance bureau's account the bank file pays from.
	Payer    Payer           `yaml:"payer"`
	Policies []SubsidyPolicy `yaml:"policies"`
}

// Payer is the paying account of the bank file (付款账户).
type Payer struct {
	Account string `yaml:"account"`
	Name    string `yaml:"name"`
	Bank    string `yaml:"bank"`
}

// LoadSubsidy reads path, or the embedded default when path is empty.
func LoadSubsidy(path string) (*Subsidy, error) {
	var f Subsidy
	if err := load(path, defaultSubsidy, "subsidy.yaml", &f, f.validate); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *Subsidy) validate() error {
	var errs []error
	if f.ReviewDepartment == "" || f.FinanceDepartment == "" || f.LGODepartment == "" {
		errs = append(errs, errors.New("review_department, finance_department and lgo_department are required"))
	}
	if f.LimitDays <= 0 || f.ReconfirmLimitDays <= 0 || f.ReconfirmLeadDays <= 0 || f.CorrectionDays <= 0 {
		errs = append(errs, errors.New("limit_days, reconfirm_limit_days, reconfirm_lead_days and correction_days must be positive"))
	}
	if f.Payer.Account == "" || f.Payer.Name == "" || f.Payer.Bank == "" {
		errs = append(errs, errors.New("payer needs account, name and bank"))
	}
	for i, p := range f.Policies {
		if err := CheckPolicy(p); err != nil {
			errs = append(errs, fmt.Errorf("policies[%d] (%s): %w", i, p.Kind, err))
		}
	}
	return errors.Join(errs...)
}

// CheckPolicy checks one policy's terms: a known kind, eligible categories each with a positive
// amount in fen, months from 0 (one-time) to 120, a budget that is not negative.
func CheckPolicy(p SubsidyPolicy) error {
	var errs []error
	if !p.Kind.Valid() {
		errs = append(errs, fmt.Errorf("kind %q is not one of %v", p.Kind, domain.SubsidyKindValues()))
	}
	if p.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if len(p.Categories) == 0 {
		errs = append(errs, errors.New("categories: at least one"))
	}
	for _, c := range p.Categories {
		if !c.Valid() {
			errs = append(errs, fmt.Errorf("categories: %q is not A–E", c))
		} else if p.AmountFen[string(c)] <= 0 {
			errs = append(errs, fmt.Errorf("amount_fen: category %s needs a positive amount", c))
		}
	}
	for c := range p.AmountFen {
		if !slices.Contains(p.Categories, domain.Category(c)) {
			errs = append(errs, fmt.Errorf("amount_fen: %q is not among the eligible categories", c))
		}
	}
	if p.Months < 0 || p.Months > 120 {
		errs = append(errs, fmt.Errorf("months %d: 0 (one-time) to 120", p.Months))
	}
	if p.BudgetFen < 0 {
		errs = append(errs, errors.New("budget_fen cannot be negative"))
	}
	return errors.Join(errs...)
}

// Departments lists the departments the file names.
func (f *Subsidy) Departments() []string {
	ds := []string{f.ReviewDepartment, f.FinanceDepartment, f.LGODepartment}
	slices.Sort(ds)
	return slices.Compact(ds)
}
