package liaison

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
	"talentflow/workflows"
	flow "talentflow/workflows/liaison"
)

// Demo ids.
const (
	DemoPairing = "demo-pairing"
	DemoDemand  = "demo-demand"
	demoContact = "demo-contact"
)

// SeedDemo gives `talentflow dev` a pairing of the demo talent (applicant.li, certified by the
// subsidy demo) with leader.wang and specialist.zhao, begun last period: last period's contact
// is logged and raised a school-place demand, which waits for 教育局's reply; this period's
// contact falls due at the next due date, soon. It does nothing if the demo pairing exists.
func (s *Service) SeedDemo(ctx context.Context) error {
	db := s.DB.WithContext(ctx)
	var n int64
	if err := db.Model(&rows.Pairing{}).Where("case_id = ?", DemoPairing).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var talent store.Talent
	if err := db.Where("case_id = ?", "demo-introduction").Take(&talent).Error; err != nil {
		return fmt.Errorf("demo talent: %w", err)
	}
	now := s.Time()
	today := domain.Date(now)
	lgo := workflows.Actor{Username: "lgo.staff", Name: "人才办", Role: "lgo", Department: workflows.DepartmentLGO}
	cat := domain.Category(talent.Category)
	perYear := s.Plan.PerYear(cat)
	due, err := domain.NextDueDate(today, perYear)
	if err != nil {
		return err
	}
	// The due date before this one: the period that opened the pairing.
	prev := due
	for d := today.AddDate(-1, 0, 0); d.Before(due); {
		next, err := domain.NextDueDate(d, perYear)
		if err != nil || !next.Before(due) {
			break
		}
		prev, d = next, next
	}
	started := prev.AddDate(0, 0, -30)
	contactDay := prev.AddDate(0, 0, -10)
	day := func(t time.Time) string { return t.Format(time.DateOnly) }

	err = db.Transaction(func(tx *gorm.DB) error {
		c, p, in, err := rows.Prepare(tx, rows.Request{ID: DemoPairing, CertificateNo: talent.CertificateNo, Leader: "leader.wang",
			Specialist: "specialist.zhao", By: lgo, Plan: s.Plan, Scale: s.Scale, Now: started})
		if err != nil {
			return err
		}
		nextDue := day(due)
		p.NextDue = &nextDue
		if err := rows.Create(tx, c, p); err != nil {
			return err
		}
		if err := tx.Create(&rows.Contact{ID: demoContact, PairingID: DemoPairing, Date: day(contactDay), Form: string(domain.ContactVisit),
			Notes: "走访企业研发中心，了解项目进展；人才反映子女明年秋季入学需协调学位。", Leader: "leader.wang", LoggedBy: "specialist.zhao",
			Role: "specialist", DueOn: day(prev), CreatedAt: contactDay.UTC()}).Error; err != nil {
			return err
		}
		for _, d := range []rows.Due{
			{PairingID: DemoPairing, DueOn: day(prev), Leader: "leader.wang", State: flow.DueDone, ContactID: demoContact, DoneOn: day(contactDay), UpdatedAt: now},
			{PairingID: DemoPairing, DueOn: nextDue, Leader: "leader.wang", State: flow.DueOpen, UpdatedAt: now},
		} {
			if err := tx.Create(&d).Error; err != nil {
				return err
			}
		}
		dept := s.Plan.Demands[domain.DemandSchool]
		if err := tx.Create(&store.Case{ID: DemoDemand, Process: flow.ProcessDemand, State: flow.StateAnswering, Title: flow.DemandTitle(talent.Name, domain.DemandSchool),
			ApplicantID: talent.UserID, WorkflowID: flow.DemandWorkflowID(DemoDemand), CreatedAt: now, UpdatedAt: now, SubmittedAt: &now}).Error; err != nil {
			return err
		}
		if err := tx.Create(&rows.Demand{CaseID: DemoDemand, PairingID: DemoPairing, ContactID: demoContact, TalentUserID: talent.UserID,
			Leader: "leader.wang", Specialist: "specialist.zhao", Type: string(domain.DemandSchool),
			Detail: "子女（8岁）明年秋季入学，希望就近安排县实验小学学位。", Department: dept, CreatedAt: now, UpdatedAt: now}).Error; err != nil {
			return err
		}
		// The pairing takes up where last period left it: this period opened after the last
		// due date, whose contact is logged.
		in.State = &flow.PairingState{Origin: now, Started: day(started), Due: nextDue, Opens: day(prev.AddDate(0, 0, 1)), Cycle: 1, Contacts: 1}
		if err := s.RecordStart(tx, app.StartRequest{CaseID: DemoPairing, Process: flow.Process, WorkflowID: flow.WorkflowID(DemoPairing),
			Workflow: flow.WorkflowPairing, Input: in, Category: string(cat)}); err != nil {
			return err
		}
		return s.RecordStart(tx, app.StartRequest{CaseID: DemoDemand, Process: flow.ProcessDemand, WorkflowID: flow.DemandWorkflowID(DemoDemand),
			Workflow: flow.WorkflowDemand, Input: flow.DemandInput{CaseID: DemoDemand, PairingID: DemoPairing, ContactID: demoContact,
				Talent: in.Talent, Leader: in.Leader, Specialist: in.Specialist, Type: domain.DemandSchool,
				Detail: "子女（8岁）明年秋季入学，希望就近安排县实验小学学位。", Department: dept, Plan: in.Demands,
				By: workflows.Actor{UserID: in.Specialist.UserID, Username: in.Specialist.Username, Name: in.Specialist.Name, Role: "specialist", Department: "lgo"}}})
	})
	if err != nil {
		return fmt.Errorf("demo pairing: %w", err)
	}
	if err := s.Launch(ctx, DemoPairing); err != nil {
		return err
	}
	return s.Launch(ctx, DemoDemand)
}
