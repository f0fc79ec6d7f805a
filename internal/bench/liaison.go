package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"talentflow/internal/domain"
)

// liaison drives liaison follow-up (联系服务) through the API as the demo users do, one pairing
// per certified talent prepared beforehand (certify; each certificate opened a pairing request
// for the office, which waits untimed): lgo.staff decides the request, naming leader.wang and
// specialist.zhao, and the pairing starts; leader.wang logs a visit with one school-place demand
// (诉求), which goes to 教育局; edu.approver replies; lgo.staff verifies the reply;
// applicant.li, the talent, rates it 5. The timed case runs from the office's pairing decision
// to the rating, and counts as completed when the rating answers with the demand resolved (or,
// if the answer came a moment early, when the demand reads resolved). Five human steps: the
// pairing decision, the contact, the reply, the verification, the rating. Between the pairing
// decision and the contact the leader's client reads the pairing until it has its first due
// date (the pairing's workflow has begun), as the e2e test does.
type liaison struct {
	users map[string]*apiClient
	certs []certified
}

// liaisonHumanSteps is the number of human steps of a timed liaison case.
const liaisonHumanSteps = 5

func liaisonUsernames() []string {
	return []string{"lgo.staff", "leader.wang", "edu.approver", "applicant.li"}
}

func (p *liaison) runCase(ctx context.Context, i int) (int, error) {
	lgo, wang, edu, li := p.users["lgo.staff"], p.users["leader.wang"], p.users["edu.approver"], p.users["applicant.li"]
	intro := p.certs[i].CaseID
	request, err := lgo.inboxTask(ctx, "pairing_request", intro+"-liaison")
	if err != nil {
		return 0, err
	}
	if _, err := lgo.decide(ctx, request, map[string]any{"outcome": "approve", "leader": "leader.wang", "specialist": "specialist.zhao"}); err != nil {
		return 0, err
	}
	steps := 1
	pairing := intro + "-pairing"
	for attempt := 0; ; attempt++ {
		var pd struct {
			NextDue string `json:"next_due"`
		}
		err := wang.do(ctx, "pairing", http.MethodGet, "/api/v1/pairings/"+url.PathEscape(pairing), http.StatusOK, nil, &pd)
		if se, ok := err.(*statusError); ok && se.Status == http.StatusNotFound {
			err = nil // not in the read model yet
		}
		if err != nil {
			return steps, err
		}
		if pd.NextDue != "" {
			break
		}
		if attempt == 400 {
			return steps, fmt.Errorf("pairing %s has no due date 10 s after the office's decision", pairing)
		}
		select {
		case <-ctx.Done():
			return steps, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
	var logged struct {
		Demands []struct {
			ID string `json:"id"`
		} `json:"demands"`
	}
	if err := wang.do(ctx, "contact", http.MethodPost, "/api/v1/pairings/"+url.PathEscape(pairing)+"/contacts", http.StatusCreated, map[string]any{
		"date": time.Now().In(domain.ChinaTime).Format(time.DateOnly), "form": "visit", "notes": "走访企业，了解研发进展",
		"demands": []map[string]string{{"type": "school", "detail": "子女明年秋季入学"}},
	}, &logged); err != nil {
		return steps, err
	}
	steps++
	if len(logged.Demands) != 1 {
		return steps, fmt.Errorf("the contact on %s started %d demands, want 1", pairing, len(logged.Demands))
	}
	demand := logged.Demands[0].ID
	for _, d := range []struct {
		c       *apiClient
		comment string
	}{{edu, "已协调县实验小学学位"}, {lgo, ""}} {
		task, err := d.c.inboxTask(ctx, "demand", demand)
		if err != nil {
			return steps, err
		}
		if _, err := d.c.decide(ctx, task, map[string]any{"outcome": "approve", "comment": d.comment}); err != nil {
			return steps, err
		}
		steps++
	}
	var rated struct {
		State string `json:"state"`
	}
	if err := li.do(ctx, "rate", http.MethodPost, "/api/v1/demands/"+url.PathEscape(demand)+"/rating", http.StatusOK,
		map[string]any{"score": 5, "comment": "非常满意"}, &rated); err != nil {
		return steps, err
	}
	steps++
	for attempt := 0; rated.State != "resolved"; attempt++ {
		if attempt == 200 {
			return steps, fmt.Errorf("demand %s is %q 10 s after its rating, not resolved", demand, rated.State)
		}
		select {
		case <-ctx.Done():
			return steps, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if err := li.do(ctx, "demand", http.MethodGet, "/api/v1/demands/"+url.PathEscape(demand), http.StatusOK, nil, &rated); err != nil {
			return steps, err
		}
	}
	return steps, nil
}
