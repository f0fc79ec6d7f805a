package bench

import (
	"context"
	"fmt"
	"net/http"

	"talentflow/internal/domain"
)

// subsidyPayee is the payee card of every bench subsidy: a UnionPay number with a valid Luhn
// digit (the e2e tests' account).
const subsidyPayee = "6222020200112233446"

// subsidy drives subsidy disbursements (人才补贴发放) through the API as the demo users do, one
// per certified talent prepared beforehand (certify): applicant.li applies for the living
// allowance (高层次人才生活补贴) with the certificate; employer.hr, the demo employer's clerk,
// confirms employment; hrss.approver reviews; fin.officer approves, which reserves the whole
// 36-month commitment against the policy's budget. The timed case runs from the application
// to that approval's answer: a case counts as completed when finance's decision answers with
// the case disbursing — the budget reserved, the schedule started and period 1 booked as due in
// the ledger (the engine answers once the case has settled, which here is after the booking).
// What follows — the batch, the bank, the re-confirmation before period 2 — is finance's
// monthly work and the scaled clock's, which nobody waits on per case.
type subsidy struct {
	users  map[string]*apiClient
	certs  []certified
	policy string // the living allowance's version in force
}

// subsidySteps are the deciders of a subsidy's human steps: employment, review, finance.
var subsidySteps = []string{"employer.hr", "hrss.approver", "fin.officer"}

func subsidyUsernames() []string {
	return append([]string{"applicant.li", "lgo.staff"}, subsidySteps...)
}

// preparePolicy makes the living allowance's budget cover n category-C subsidies, through the
// API as the office does when the budget is raised: lgo.staff writes a new version of the
// policy with the same terms and a budget of n commitments (a version's budget is its own, so
// the demo subsidy's reservation on the earlier version does not count against it). It returns
// the new version's id, the one applications must name.
func preparePolicy(ctx context.Context, lgo *apiClient, n int) (string, int64, error) {
	var page struct {
		Items []struct {
			ID         string           `json:"id"`
			Kind       string           `json:"kind"`
			Name       string           `json:"name"`
			Year       int              `json:"year"`
			Categories []string         `json:"categories"`
			AmountFen  map[string]int64 `json:"amount_fen"`
			Months     int              `json:"months"`
			Current    bool             `json:"current"`
		} `json:"items"`
	}
	if err := lgo.do(ctx, "policies", http.MethodGet, "/api/v1/subsidy-policies", http.StatusOK, nil, &page); err != nil {
		return "", 0, err
	}
	for _, p := range page.Items {
		if p.Kind != string(domain.SubsidyLiving) || !p.Current {
			continue
		}
		amount := p.AmountFen[string(domain.CategoryC)]
		if amount <= 0 {
			return "", 0, fmt.Errorf("policy %s does not cover category C", p.ID)
		}
		budget := int64(n) * amount * int64(max(p.Months, 1))
		var created struct {
			ID string `json:"id"`
		}
		if err := lgo.do(ctx, "policies", http.MethodPost, "/api/v1/subsidy-policies", http.StatusCreated, map[string]any{
			"kind": p.Kind, "name": p.Name, "year": p.Year, "categories": p.Categories, "amount_fen": p.AmountFen,
			"months": p.Months, "budget_fen": budget,
		}, &created); err != nil {
			return "", 0, err
		}
		return created.ID, budget, nil
	}
	return "", 0, fmt.Errorf("no living allowance policy in force")
}

// runCase takes subsidy i from the application to finance's approval and returns how many
// human decisions it took.
func (p *subsidy) runCase(ctx context.Context, i int) (int, error) {
	li := p.users["applicant.li"]
	var created struct {
		ID string `json:"id"`
	}
	// The talent applies with the account in their own name; the policy is the version in
	// force, which is what the apply-free offer the certificate brought names as well.
	if err := li.do(ctx, "apply", http.MethodPost, "/api/v1/subsidies", http.StatusCreated, map[string]string{
		"certificate_no": p.certs[i].CertificateNo, "policy_id": p.policy, "account_name": benchTalentName,
		"bank_account": subsidyPayee, "bank_name": "中国工商银行阳谷支行",
	}, &created); err != nil {
		return 0, err
	}
	comments := map[string]string{"employer.hr": "在我单位全职工作", "hrss.approver": "社保记录一致", "fin.officer": "同意拨付"}
	state := ""
	for n, u := range subsidySteps {
		c := p.users[u]
		task, err := c.inboxTask(ctx, "subsidy", created.ID)
		if err != nil {
			return n, err
		}
		if state, err = c.decide(ctx, task, map[string]any{"outcome": "approve", "comment": comments[u]}); err != nil {
			return n, err
		}
	}
	if state != "disbursing" {
		return len(subsidySteps), fmt.Errorf("subsidy %s is %q after finance's approval, not disbursing", created.ID, state)
	}
	return len(subsidySteps), nil
}
