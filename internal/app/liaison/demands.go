package liaison

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/app/cases"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

// DemandItem is a demand as lists show it.
type DemandItem struct {
	ID          string            `json:"id"`
	PairingID   string            `json:"pairing_id"`
	TalentName  string            `json:"talent_name"`
	Type        domain.DemandType `json:"type"`
	TypeLabel   string            `json:"type_label"`
	Detail      string            `json:"detail"`
	Department  string            `json:"department"`
	State       app.CaseState     `json:"state"`
	Deadline    *time.Time        `json:"deadline"`
	Warning     string            `json:"warning" enum:",yellow,red"`
	Rating      *int              `json:"rating"`
	RatingLabel string            `json:"rating_label,omitempty"`
	Resolved    bool              `json:"resolved"`
	CreatedAt   time.Time         `json:"created_at"`
	ResolvedAt  *time.Time        `json:"resolved_at,omitempty"`
}

// DemandFilter narrows the demands.
type DemandFilter struct {
	Status string `query:"status" validate:"omitempty,oneof=open closed"`
	// Overdue keeps the open demands whose current step is past its deadline (red).
	Overdue    bool              `query:"overdue"`
	Type       domain.DemandType `query:"type" validate:"omitempty,demandtype"`
	Department string            `query:"department" validate:"max=40"`
	Pairing    string            `query:"pairing_id" validate:"max=64"`
	Cursor     string            `query:"cursor"`
	Limit      int               `query:"limit" validate:"omitempty,min=1,max=200"`
}

// visibleDemands is the demands p may read: every one for the office and auditors; otherwise
// those routed to p's departments, p's own as the talent, and those of p's pairings.
func (s *Service) visibleDemands(ctx context.Context, p *authz.Principal) *gorm.DB {
	db := s.DB.WithContext(ctx)
	q := db.Model(&rows.Demand{}).Select("case_id")
	if all, _ := s.Authz.Departments(p.Grants, p.User.ID, authz.DemandRead); all {
		return q
	}
	_, depts := s.Authz.Departments(p.Grants, p.User.ID, authz.CaseRead)
	return q.Where("department IN ? OR talent_user_id = ? OR pairing_id IN (?)", append(depts, ""), p.User.ID,
		db.Model(&rows.Pairing{}).Select("case_id").Where("leader = ? OR specialist = ?", p.User.Username, p.User.Username))
}

// Demands lists the demands p may read, newest first.
func (s *Service) Demands(ctx context.Context, p *authz.Principal, f DemandFilter) (app.Page[DemandItem], error) {
	if err := app.Check(f); err != nil {
		return app.Page[DemandItem]{}, err
	}
	return s.demands(ctx, s.visibleDemands(ctx, p), f)
}

func (s *Service) demands(ctx context.Context, sub *gorm.DB, f DemandFilter) (app.Page[DemandItem], error) {
	switch f.Status {
	case "open":
		sub = sub.Where("resolved = ?", false)
	case "closed":
		sub = sub.Where("resolved = ?", true)
	}
	if f.Overdue {
		sub = sub.Where("resolved = ? AND case_id IN (?)", false,
			s.DB.WithContext(ctx).Model(&store.Case{}).Select("id").Where("process = ? AND warning = ?", flow.ProcessDemand, workflows.WarningRed))
	}
	if f.Type != "" {
		sub = sub.Where("type = ?", f.Type)
	}
	if f.Department != "" {
		sub = sub.Where("department = ?", f.Department)
	}
	if f.Pairing != "" {
		sub = sub.Where("pairing_id = ?", f.Pairing)
	}
	q := s.DB.WithContext(ctx).Model(&store.Case{}).Where("process = ? AND id IN (?)", flow.ProcessDemand, sub)
	limit, err := app.PageQuery(&q, f.Cursor, f.Limit, "created_at", true)
	if err != nil {
		return app.Page[DemandItem]{}, err
	}
	var cs []store.Case
	if err := q.Find(&cs).Error; err != nil {
		return app.Page[DemandItem]{}, s.Unavailable(ctx, "the database", err)
	}
	items, err := s.demandItems(ctx, cs)
	if err != nil {
		return app.Page[DemandItem]{}, s.Unavailable(ctx, "the database", err)
	}
	return app.PageOf(cs, limit, func(c store.Case) (time.Time, string) { return c.CreatedAt, c.ID },
		func(c store.Case) DemandItem { return items[c.ID] }), nil
}

func (s *Service) demandItems(ctx context.Context, cs []store.Case) (map[string]DemandItem, error) {
	out := map[string]DemandItem{}
	if len(cs) == 0 {
		return out, nil
	}
	idList := make([]string, len(cs))
	for i, c := range cs {
		idList[i] = c.ID
	}
	db := s.DB.WithContext(ctx)
	var ds []rows.Demand
	if err := db.Where("case_id IN ?", idList).Find(&ds).Error; err != nil {
		return nil, err
	}
	var names []struct {
		CaseID     string
		TalentName string
	}
	if err := db.Model(&rows.Pairing{}).Select("case_id, talent_name").
		Where("case_id IN (?)", db.Model(&rows.Demand{}).Select("pairing_id").Where("case_id IN ?", idList)).Scan(&names).Error; err != nil {
		return nil, err
	}
	var open []store.Task
	if err := db.Where("case_id IN ? AND state = ?", idList, workflows.TaskOpen).Order("opened_at").Find(&open).Error; err != nil {
		return nil, err
	}
	byCase := map[string]store.Case{}
	for _, c := range cs {
		byCase[c.ID] = c
	}
	for _, d := range ds {
		c := byCase[d.CaseID]
		item := DemandItem{ID: d.CaseID, PairingID: d.PairingID, Type: domain.DemandType(d.Type), TypeLabel: domain.DemandType(d.Type).Label(),
			Detail: d.Detail, Department: d.Department, State: app.CaseState(c.State), Warning: c.Warning, Resolved: d.Resolved,
			CreatedAt: d.CreatedAt, ResolvedAt: d.ResolvedAt, Deadline: c.PhaseEndsAt}
		for _, n := range names {
			if n.CaseID == d.PairingID {
				item.TalentName = n.TalentName
			}
		}
		// The deadline is the open task's, or while the talent is asked to rate, the rating's.
		for _, t := range open {
			if t.CaseID == d.CaseID && t.Deadline != nil {
				item.Deadline = t.Deadline
				break
			}
		}
		if c.ClosedAt != nil {
			item.Deadline = nil
		}
		if d.Score > 0 {
			score := d.Score
			item.Rating, item.RatingLabel = &score, domain.RatingLabel(score)
		}
		out[d.CaseID] = item
	}
	return out, nil
}

// demandRow loads a demand p may read.
func (s *Service) demandRow(ctx context.Context, p *authz.Principal, id string) (rows.Demand, error) {
	var d rows.Demand
	err := s.visibleDemands(ctx, p).Select("*").Where("case_id = ?", id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		var n int64
		if err := s.DB.WithContext(ctx).Model(&rows.Demand{}).Where("case_id = ?", id).Count(&n).Error; err != nil {
			return d, s.Unavailable(ctx, "the database", err)
		}
		if n == 0 || cases.Outsider(p) {
			return d, app.NotFound("no demand %s", id)
		}
		return d, app.Forbidden("demand %s is neither routed to your department nor from one of your pairings", id)
	}
	if err != nil {
		return d, s.Unavailable(ctx, "the database", err)
	}
	return d, nil
}

// Demand is one demand as p may read it.
func (s *Service) Demand(ctx context.Context, p *authz.Principal, id string) (DemandItem, error) {
	if _, err := s.demandRow(ctx, p, id); err != nil {
		return DemandItem{}, err
	}
	return s.demandItem(ctx, id)
}

func (s *Service) demandItem(ctx context.Context, id string) (DemandItem, error) {
	var c store.Case
	if err := s.DB.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return DemandItem{}, s.Unavailable(ctx, "the database", err)
	}
	items, err := s.demandItems(ctx, []store.Case{c})
	if err != nil {
		return DemandItem{}, s.Unavailable(ctx, "the database", err)
	}
	return items[id], nil
}

// RatingInput is the talent's 好差评 of a demand.
type RatingInput struct {
	Score   int    `json:"score" validate:"required,min=1,max=5"`
	Comment string `json:"comment" validate:"max=500"`
}

// Rate records the talent's rating of a demand (the talent, or the pairing's specialist
// recording the talent's answer); a score of 2 or less reopens it for the office.
func (s *Service) Rate(ctx context.Context, p *authz.Principal, id string, in RatingInput) (DemandItem, authz.Acting, error) {
	in.Comment = strings.TrimSpace(in.Comment)
	if err := app.Check(in); err != nil {
		return DemandItem{}, authz.Acting{}, err
	}
	d, err := s.demandRow(ctx, p, id)
	if err != nil {
		return DemandItem{}, authz.Acting{}, err
	}
	var who workflows.Actor
	var pairingSpecialist string
	if err := s.DB.WithContext(ctx).Model(&rows.Pairing{}).Where("case_id = ?", d.PairingID).Pluck("specialist", &pairingSpecialist).Error; err != nil {
		return DemandItem{}, authz.Acting{}, s.Unavailable(ctx, "the database", err)
	}
	for _, g := range p.Grants {
		switch {
		case g.Role == authz.RoleApplicant && d.TalentUserID == p.User.ID,
			g.Role == authz.RoleSpecialist && pairingSpecialist == p.User.Username:
			who = app.Actor(p, g.Role, g.Department)
		}
	}
	if who.Role == "" {
		return DemandItem{}, authz.Acting{}, app.Forbidden("only the talent, or the pairing's specialist for them, rates demand %s", id)
	}
	var status workflows.CaseStatus
	if err := s.Engine.Update(ctx, flow.DemandWorkflowID(id), flow.UpdateRate, flow.Rating{Score: in.Score, Comment: in.Comment, Actor: who}, &status); err != nil {
		return DemandItem{}, app.Acting(who), s.EngineError(ctx, err)
	}
	item, err := s.demandItem(ctx, id)
	return item, app.Acting(who), err
}
