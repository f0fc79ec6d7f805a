package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"talentflow/internal/domain"
)

// DefaultCertifyScale is the time scale (TALENTFLOW_TIME_SCALE) of the embedded stack when the
// bench drives subsidies or liaison: each case needs a certificate, and a certificate follows a
// five-working-day public notice. At 0.00002 a working day lasts 1.7 s (internal/e2e's
// clock), so the notice ends within about 15 s of the last decision.
const DefaultCertifyScale = 0.00002

// certified is a certified talent prepared before the timed part: the introduction case and
// its certificate.
type certified struct {
	CaseID        string
	CertificateNo string
}

// certify prepares n certified talents through the API, before anything is timed: it drives n
// category-C introductions (applicant.li, fresh citizen IDs) to their public notice exactly as
// `--process introduction` does, then waits on the stack's scaled clock for each notice to end
// and the certificate to be issued (GET /api/v1/cases/{id} until certified). Its requests go to
// their own latency table, so they never mix with the timed part's.
func certify(ctx context.Context, h *http.Client, base, password string, n, concurrency int, progress func(string)) ([]certified, error) {
	steps, err := introductionSteps(domain.CategoryC)
	if err != nil {
		return nil, err
	}
	lat := newLatencies()
	p := &introduction{category: domain.CategoryC, steps: steps, users: map[string]*apiClient{}, run: int(time.Now().Unix() / 60)}
	for _, u := range p.usernames() {
		if p.users[u], err = login(ctx, h, base, u, password, lat); err != nil {
			return nil, fmt.Errorf("demo login: %w", err)
		}
	}
	out := make([]certified, n)
	side := drive(ctx, "certify (untimed)", n, concurrency, nil, func(ctx context.Context, i int) (int, error) {
		id, d, err := p.toNotice(ctx, i)
		out[i].CaseID = id
		return d, err
	})
	if side.Failed > 0 || ctx.Err() != nil {
		return nil, fmt.Errorf("preparing certificates: %d of %d introductions failed; the first: %s %v", side.Failed, n, side.FirstError, ctx.Err())
	}
	if progress != nil {
		progress(fmt.Sprintf("certify (untimed): %d introductions in public notice after %.1fs; waiting for their certificates", n, side.Seconds))
	}
	li := p.users["applicant.li"]
	// A notice of five working days spans a weekend or a holiday at most: on the default scale
	// that is seconds; on a target whose clock is not scaled, days — give up after 10 minutes.
	deadline := time.Now().Add(10 * time.Minute)
	side = drive(ctx, "certificates (untimed)", n, concurrency, nil, func(ctx context.Context, i int) (int, error) {
		for {
			var c struct {
				State         string `json:"state"`
				CertificateNo string `json:"certificate_no"`
			}
			if err := li.do(ctx, "case", http.MethodGet, "/api/v1/cases/"+url.PathEscape(out[i].CaseID), http.StatusOK, nil, &c); err != nil {
				return 0, err
			}
			if c.State == "certified" && c.CertificateNo != "" {
				out[i].CertificateNo = c.CertificateNo
				return 0, nil
			}
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("case %s is %s, not certified, 10 minutes after its notice began: is the target's time scale (TALENTFLOW_TIME_SCALE) small?", out[i].CaseID, c.State)
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
		}
	})
	if side.Failed > 0 || ctx.Err() != nil {
		return nil, fmt.Errorf("waiting for certificates: %d of %d failed; the first: %s %v", side.Failed, n, side.FirstError, ctx.Err())
	}
	return out, nil
}
