package liaison

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"talentflow/internal/domain"
	"talentflow/workflows"
)

// DemandTitle is how cases and tasks name a demand.
func DemandTitle(talent string, t domain.DemandType) string {
	return fmt.Sprintf("%s 诉求：%s", talent, t.Label())
}

// LiaisonDemand is one demand (诉求) raised at a contact: the responsible department replies
// (or forwards it once, with a reason, to a better one), the office verifies the reply or sends
// it back, the talent rates it (好差评; no rating within the limit counts as satisfied), and a
// poor rating (差评) runs the loop the 政务服务"好差评" systems run: the office verifies the
// complaint (核实) or finds it mistaken (申诉复核), the department rectifies (整改), the talent is
// called back (回访) and asked again. The case keeps the whole trail.
func LiaisonDemand(ctx workflow.Context, in DemandInput) (string, error) {
	if in.CaseID == "" || in.Department == "" || in.Plan.Office == "" || !in.Type.Valid() {
		return "", temporal.NewNonRetryableApplicationError("a demand needs an id, a type, a department and an office", "InvalidInput", nil)
	}
	c, err := workflows.NewCase(ctx, workflows.CaseInfo{ID: in.CaseID, Process: ProcessDemand, Title: DemandTitle(in.Talent.Name, in.Type),
		Applicant: talentActor(in.Talent)})
	if err != nil {
		return "", err
	}
	d := &demand{Case: c, in: in, dept: in.Department, row: DemandRecord{Department: in.Department}}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRate, d.receiveRating,
		workflow.UpdateHandlerOptions{Validator: d.validateRating}); err != nil {
		return "", err
	}
	return c.Run(d.run)
}

type demand struct {
	*workflows.Case
	in DemandInput
	// dept is the department answering it now; forwarded: it was forwarded once already.
	dept      string
	forwarded bool
	// awaiting: the talent's rating is awaited; rating is the one received.
	awaiting bool
	rating   *Rating
	// row is the demand's row as last written.
	row DemandRecord
}

// record writes the demand's row after change has updated it.
func (d *demand) record(ctx workflow.Context, change func(r *DemandRecord)) error {
	change(&d.row)
	r := d.row
	r.CaseID, r.At = d.ID(), workflow.Now(ctx)
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	return workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, projectOptions), ActivityProjectDemand, r).Get(ctx, nil)
}

func (d *demand) talent() workflows.Recipient {
	return workflows.Recipient{Username: d.in.Talent.Username}
}

func (d *demand) run(ctx workflow.Context) (string, error) {
	by := d.in.By
	d.Event(ctx, workflows.Event{Kind: workflows.EventSubmitted, Actor: by.Username, Role: by.Role, Department: by.Department,
		Comment: d.in.Detail, Detail: fmt.Sprintf("%s, raised at contact %s of pairing %s → %s", d.in.Type.Label(), d.in.ContactID, d.in.PairingID, d.dept)})
	d.Notify(workflows.NotifyInfo, "", "诉求已受理："+d.Info().Title, fmt.Sprintf("您的诉求已转 %s 办理，办结后请您评价。", d.dept), d.talent())
	if err := d.resolve(ctx); err != nil {
		return "", err
	}
	return d.rateLoop(ctx)
}

func (d *demand) replyStep() workflows.StepSpec {
	return workflows.StepSpec{Key: StepReply, Name: "部门办理答复", State: StateAnswering, Mode: workflows.ModeSingle,
		Signers: []workflows.Signer{{Department: d.dept, Role: workflows.RoleApprover}}, LimitDays: d.in.Plan.LimitDays,
		Outcomes: []workflows.OutcomeRule{
			// approve: the reply, in the comment.
			{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove, ReasonRequired: true},
			// forward: to a better department, with a reason, once.
			{Outcome: domain.OutcomeForward, Class: domain.OutcomeApprove, ReasonRequired: true},
		},
		CC: []workflows.Recipient{{Username: d.in.Leader.Username}},
		Check: func(dec workflows.Decision) error {
			if dec.Outcome != domain.OutcomeForward {
				return nil
			}
			switch {
			case d.forwarded:
				return workflows.Invalid("outcome", "demand %s was forwarded once already: reply to it", d.ID())
			case dec.Department == "":
				return workflows.Invalid("department", "name the department to forward the demand to")
			case dec.Department == d.dept:
				return workflows.Invalid("department", "the demand is with %s already", d.dept)
			}
			return nil
		}}
}

// resolve runs the department's reply and the office's verification until the office accepts a
// reply.
func (d *demand) resolve(ctx workflow.Context) error {
	for {
		res, err := d.RunStep(ctx, d.replyStep())
		if err != nil {
			return err
		}
		if res.Outcome == domain.OutcomeForward {
			from, to := d.dept, res.Decisions[len(res.Decisions)-1].Department
			d.dept, d.forwarded = to, true
			d.Event(ctx, workflows.Event{Kind: EventForwarded, Actor: res.By.Username, Role: res.By.Role, Department: from,
				Comment: res.Comment, Detail: from + " → " + to})
			if err := d.record(ctx, func(r *DemandRecord) { r.Department, r.ForwardedFrom = to, from }); err != nil {
				return err
			}
			continue
		}
		verify, err := d.RunStep(ctx, workflows.StepSpec{Key: StepVerify, Name: "人才办核实答复", State: StateVerifying, Mode: workflows.ModeSingle,
			Signers: []workflows.Signer{{Department: d.in.Plan.Office, Role: workflows.RoleLGO}}, LimitDays: d.in.Plan.VerifyLimitDays,
			Outcomes: []workflows.OutcomeRule{
				{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove},
				// return: the reply does not answer the demand; the department answers again.
				{Outcome: domain.OutcomeReturn, Class: domain.OutcomeReturn, ReasonRequired: true},
			}})
		if err != nil {
			return err
		}
		if verify.Class == domain.OutcomeApprove {
			return nil
		}
		d.Event(ctx, workflows.Event{Kind: workflows.EventReturned, Step: StepVerify, Actor: verify.By.Username, Role: verify.By.Role,
			Department: verify.By.Department, Comment: verify.Comment, Detail: "to " + d.dept})
	}
}

// rateLoop asks the talent for a rating and runs the poor-rating loop until the talent is
// satisfied or the office finds the complaint mistaken.
func (d *demand) rateLoop(ctx workflow.Context) (string, error) {
	for round := 1; ; round++ {
		r, err := d.awaitRating(ctx, round > 1)
		if err != nil {
			return "", err
		}
		if !domain.PoorRating(r.Score) {
			return StateResolved, d.record(ctx, func(r *DemandRecord) { r.Resolved = true })
		}
		if err := d.record(ctx, func(r *DemandRecord) { r.PoorRatings++ }); err != nil {
			return "", err
		}
		d.Notify(workflows.NotifyEscalation, "", "差评待核实："+d.Info().Title, fmt.Sprintf("人才评价%d分（%s）：%s", r.Score, domain.RatingLabel(r.Score), r.Comment),
			workflows.Recipient{Department: d.in.Plan.Office, Role: workflows.RoleLGO})
		check, err := d.RunStep(ctx, workflows.StepSpec{Key: StepComplaint, Name: "差评核实", State: StateComplaint, Mode: workflows.ModeSingle,
			Signers: []workflows.Signer{{Department: d.in.Plan.Office, Role: workflows.RoleLGO}}, LimitDays: d.in.Plan.VerifyLimitDays,
			Outcomes: []workflows.OutcomeRule{
				// approve: the complaint is true (核实属实); the department rectifies.
				{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove},
				// reject: the rating is mistaken (申诉复核), with the reason.
				{Outcome: domain.OutcomeReject, Class: domain.OutcomeReject, ReasonRequired: true},
			}})
		if err != nil {
			return "", err
		}
		if check.Class == domain.OutcomeReject {
			d.Event(ctx, workflows.Event{Kind: EventMistaken, Actor: check.By.Username, Role: check.By.Role, Comment: check.Comment})
			return StateResolved, d.record(ctx, func(r *DemandRecord) { r.Mistaken++; r.Resolved = true })
		}
		if err := d.record(ctx, func(r *DemandRecord) { r.Verified++ }); err != nil {
			return "", err
		}
		if _, err := d.RunStep(ctx, workflows.StepSpec{Key: StepRectify, Name: "差评整改", State: StateRectifying, Mode: workflows.ModeSingle,
			Signers: []workflows.Signer{{Department: d.dept, Role: workflows.RoleApprover}}, LimitDays: d.in.Plan.RectifyLimitDays,
			Outcomes: []workflows.OutcomeRule{
				// approve: rectified; the comment says what was done.
				{Outcome: domain.OutcomeApprove, Class: domain.OutcomeApprove, ReasonRequired: true},
			}}); err != nil {
			return "", err
		}
		if err := d.record(ctx, func(r *DemandRecord) { r.Rectified++ }); err != nil {
			return "", err
		}
		d.Event(ctx, workflows.Event{Kind: EventCallback, Detail: "the talent is asked again"})
		d.Notify(workflows.NotifyInfo, "", "回访："+d.Info().Title, "您反映的问题已整改，请再次评价办理结果。", d.talent(),
			workflows.Recipient{Username: d.in.Specialist.Username})
	}
}

// awaitRating waits for the talent's rating for the rating limit in working days; without one,
// the demand counts as satisfied.
func (d *demand) awaitRating(ctx workflow.Context, callback bool) (Rating, error) {
	state, step, name := StateRating, StepRate, "待人才评价"
	if callback {
		state, step, name = StateCallback, StepCallback, "回访再评价"
	}
	now := workflow.Now(ctx)
	deadline := d.Deadlines(ctx, workflows.ScheduleRequest{Start: now, LimitDays: d.in.Plan.RatingDays, LGODelayDays: -1})[0].Deadline
	d.SetState(state, step, name)
	d.View().PhaseEndsAt = workflows.TimePtr(deadline)
	d.awaiting = true
	if !callback {
		d.Notify(workflows.NotifyInfo, "", "请评价："+d.Info().Title, fmt.Sprintf("您的诉求已办结，请于 %s 前评价（逾期视为满意）。", workflows.FormatTime(deadline)), d.talent())
	}
	if err := d.Commit(ctx); err != nil {
		return Rating{}, err
	}
	wait := deadline.Sub(workflow.Now(ctx))
	if wait <= 0 {
		wait = time.Millisecond
	}
	got, err := d.Wait(ctx, wait, func() bool { return d.rating != nil })
	if err != nil {
		return Rating{}, err
	}
	d.awaiting = false
	d.View().PhaseEndsAt = nil
	var r Rating
	if got {
		r = *d.rating
	} else {
		r = Rating{Score: DefaultScore, Comment: "逾期未评价，默认满意", Actor: workflows.System}
		d.Event(ctx, workflows.Event{Kind: EventDefaultRating, Detail: fmt.Sprintf("no rating by %s: %d %s", workflows.FormatTime(deadline), r.Score, domain.RatingLabel(r.Score))})
		d.Audit(ctx, workflows.System, "demand.rate", "case/"+d.ID(), fmt.Sprint(r.Score), "default: no rating in time")
	}
	d.rating = nil
	return r, d.record(ctx, func(rec *DemandRecord) {
		rec.Score, rec.Comment, rec.RatedBy, rec.Default = r.Score, r.Comment, r.Actor.Username, !got
		if callback {
			rec.CalledBack++
		}
	})
}

func (d *demand) validateRating(ctx workflow.Context, r Rating) error {
	switch {
	case !d.awaiting || d.rating != nil:
		return workflows.Conflict("demand %s is not waiting for a rating", d.ID())
	case r.Score < 1 || r.Score > 5:
		return workflows.Invalid("score", "score is 1 (非常不满意) to 5 (非常满意), got %d", r.Score)
	}
	return nil
}

func (d *demand) receiveRating(ctx workflow.Context, r Rating) (workflows.CaseStatus, error) {
	d.rating = &r
	a := r.Actor
	d.Event(ctx, workflows.Event{Kind: EventRated, Actor: a.Username, Role: a.Role, Department: a.Department, Comment: r.Comment,
		Detail: fmt.Sprintf("%d %s", r.Score, domain.RatingLabel(r.Score))})
	d.Audit(ctx, a, "demand.rate", "case/"+d.ID(), fmt.Sprint(r.Score), r.Comment)
	return d.Answer(ctx), nil
}
