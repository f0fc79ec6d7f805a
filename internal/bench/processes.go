package bench

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"talentflow/internal/domain"
)

// driven is what the bench can drive of one process, said once: the category of its cases, when
// a case counts as completed, the endpoint whose latency is the start's, the bare side's shape,
// and how a run gets ready (logins, what is prepared untimed) and drives a case.
type driven struct {
	completedAt string
	// start is the endpoint reported as submit_p50_ms / submit_p99_ms.
	start string
	// certified: each case needs a category-C certificate, prepared untimed on a scaled clock.
	certified bool
	// plan returns the category of the cases, the human steps and the bare shape's steps and
	// finish; deciders are the introduction's demo users per step.
	plan func(o Options) (plan, error)
	// ready logs the demo users in, prepares what is untimed, and returns the case driver.
	ready func(ctx context.Context, r *runner, p plan) (func(ctx context.Context, i int) (int, error), error)
}

type plan struct {
	category   string
	humanSteps int
	steps      []int
	finish     string
	deciders   [][]string
}

// runner is what a run's preparation works with.
type runner struct {
	o     Options
	h     *http.Client
	base  string
	lat   *latencies
	users map[string]*apiClient
	res   *Result
}

func (r *runner) login(ctx context.Context, names []string) error {
	for _, u := range names {
		c, err := login(ctx, r.h, r.base, u, r.o.Password, r.lat)
		if err != nil {
			return fmt.Errorf("demo login: %w", err)
		}
		r.users[u] = c
	}
	return nil
}

func (r *runner) say(line string) {
	if r.o.Progress != nil {
		fmt.Fprintln(r.o.Progress, line)
	}
}

func (r *runner) certify(ctx context.Context) ([]certified, error) {
	return certify(ctx, r.h, r.base, r.o.Password, r.o.Cases, r.o.Concurrency, r.say)
}

var processes = map[string]driven{
	"introduction": {
		completedAt: "public notice: the last human decision answered with the case in notice (the certificate follows a 5-working-day timer on both sides)",
		start:       "submit",
		plan: func(o Options) (plan, error) {
			category := strings.ToUpper(o.Category)
			deciders, err := introductionSteps(domain.Category(category))
			if err != nil {
				return plan{}, err
			}
			p := plan{category: category, deciders: deciders}
			for _, s := range deciders {
				p.steps = append(p.steps, len(s))
				p.humanSteps += len(s)
			}
			return p, nil
		},
		ready: func(ctx context.Context, r *runner, p plan) (func(ctx context.Context, i int) (int, error), error) {
			d := &introduction{category: domain.Category(p.category), steps: p.deciders, users: r.users, run: int(time.Now().Unix() / 60)}
			return d.runCase, r.login(ctx, d.usernames())
		},
	},
	"subsidy": {
		completedAt: "finance's approval: the last human decision answered with the subsidy disbursing (budget reserved, schedule started, period 1 booked as due; the next run waits for period 2 on both sides)",
		start:       "apply",
		certified:   true,
		plan: func(Options) (plan, error) {
			return plan{category: string(domain.CategoryC), humanSteps: len(subsidySteps), steps: []int{1, 1, 1}, finish: FinishDisburse}, nil
		},
		ready: func(ctx context.Context, r *runner, _ plan) (func(ctx context.Context, i int) (int, error), error) {
			if err := r.login(ctx, subsidyUsernames()); err != nil {
				return nil, err
			}
			// Untimed: the budget, then the certificates (their offers name the new version).
			policy, budget, err := preparePolicy(ctx, r.users["lgo.staff"], r.o.Cases)
			if err != nil {
				return nil, fmt.Errorf("subsidy policy: %w", err)
			}
			r.res.Notes = append(r.res.Notes, fmt.Sprintf("untimed: lgo.staff wrote living-allowance version %s with a budget of %s yuan (%d commitments)",
				policy, domain.FormatYuan(budget), r.o.Cases))
			certs, err := r.certify(ctx)
			if err != nil {
				return nil, err
			}
			return (&subsidy{users: r.users, certs: certs, policy: policy}).runCase, nil
		},
	},
	"liaison": {
		completedAt: "talent's rating: the demand raised at the pairing's first contact answered resolved (the pairing waits for its next due date on both sides)",
		start:       "contact",
		certified:   true,
		plan: func(Options) (plan, error) {
			return plan{category: string(domain.CategoryC), humanSteps: liaisonHumanSteps, steps: []int{1}, finish: FinishPairing}, nil
		},
		ready: func(ctx context.Context, r *runner, _ plan) (func(ctx context.Context, i int) (int, error), error) {
			if err := r.login(ctx, liaisonUsernames()); err != nil {
				return nil, err
			}
			certs, err := r.certify(ctx)
			if err != nil {
				return nil, err
			}
			return (&liaison{users: r.users, certs: certs}).runCase, nil
		},
	},
}
