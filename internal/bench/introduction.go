package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"talentflow/internal/domain"
	"talentflow/internal/routing"
)

// introduction drives talent introductions (人才引进认定) through the API as the demo users
// do: applicant.li creates and submits an application for a fresh citizen ID; the one-window
// clerk accepts it; each reviewing department of the category approves (会签); the leading-group
// office confirms. A case counts as completed when the office's decision answers with the case
// in public notice (公示): every human step is done, and what remains is a five-working-day
// timer and the certificate, which no person waits on.
type introduction struct {
	category domain.Category
	// deciders are the demo users of each human step, in order; a step of several
	// (countersign) is decided one department after another by the same client.
	steps [][]string
	users map[string]*apiClient
	// run makes this run's citizen IDs differ from an earlier run's on the same database.
	run int
}

// introductionSteps are the demo users deciding each step of a category, from the built-in
// routing: gsc's clerk, each reviewing department's approver, the office.
func introductionSteps(category domain.Category) ([][]string, error) {
	r, err := routing.LoadIntroduction("")
	if err != nil {
		return nil, err
	}
	if !category.Valid() {
		return nil, fmt.Errorf("category %q is not A–E", category)
	}
	plan := r.Plan(category)
	demo := map[string]string{"gsc": "clerk.window", "hrss": "hrss.approver", "sci": "sci.approver",
		"iit": "iit.approver", "edu": "edu.approver", "lgo": "lgo.staff"}
	user := func(dept string) (string, error) {
		u, ok := demo[dept]
		if !ok {
			return "", fmt.Errorf("no demo user decides for department %s", dept)
		}
		return u, nil
	}
	window, err := user(plan.Window.Department)
	if err != nil {
		return nil, err
	}
	signoff, err := user(plan.SignOff.Department)
	if err != nil {
		return nil, err
	}
	review := make([]string, len(plan.Reviewers))
	for i, p := range plan.Reviewers {
		if review[i], err = user(p.Department); err != nil {
			return nil, err
		}
	}
	return [][]string{{window}, review, {signoff}}, nil
}

func (p *introduction) usernames() []string {
	names := []string{"applicant.li"}
	for _, s := range p.steps {
		names = append(names, s...)
	}
	return names
}

// benchTalentName is the name of every bench talent.
const benchTalentName = "压测人才"

// profile is a valid application of a fresh person: the citizen ID's birth date and sequence
// number come from the case number, so no two cases of a run (up to 999 × 20,000) collide, and
// the run number moves the birth year so that the next run on the same data does not either.
func (p *introduction) profile(i int) map[string]any {
	birth := time.Date(1960+p.run%30, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/999)
	return map[string]any{
		"name": benchTalentName, "id_number": domain.MakeCitizenID("371521", birth.Format("20060102"), fmt.Sprintf("%03d", i%999+1)),
		"phone": "13905351234", "education": "doctorate", "title": "senior", "field": "新材料",
		"employer_credit_code": "91350100M000100Y43", "category": string(p.category),
	}
}

// runCase takes case i from a new application to the public notice and returns how many
// decisions it took.
func (p *introduction) runCase(ctx context.Context, i int) (int, error) {
	_, d, err := p.toNotice(ctx, i)
	return d, err
}

// toNotice takes case i from a new application to the public notice and returns the case's id
// and how many decisions it took.
func (p *introduction) toNotice(ctx context.Context, i int) (string, int, error) {
	li := p.users["applicant.li"]
	var created struct {
		ID string `json:"id"`
	}
	if err := li.do(ctx, "create", http.MethodPost, "/api/v1/introductions", http.StatusCreated, p.profile(i), &created); err != nil {
		return "", 0, err
	}
	var submitted struct {
		State string `json:"state"`
	}
	if err := li.do(ctx, "submit", http.MethodPost, "/api/v1/introductions/"+url.PathEscape(created.ID)+"/submit",
		http.StatusOK, nil, &submitted); err != nil {
		return created.ID, 0, err
	}
	decisions := 0
	state := submitted.State
	for _, step := range p.steps {
		for _, u := range step {
			c := p.users[u]
			task, err := c.inboxTask(ctx, "introduction", created.ID)
			if err != nil {
				return created.ID, decisions, err
			}
			if state, err = c.decide(ctx, task, map[string]any{"outcome": "approve", "comment": "同意"}); err != nil {
				return created.ID, decisions, err
			}
			decisions++
		}
	}
	if state != "notice" {
		return created.ID, decisions, fmt.Errorf("case %s is %q after its last decision, not in public notice", created.ID, state)
	}
	return created.ID, decisions, nil
}
