package subsidy

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/ids"
	"talentflow/internal/store"
	storeintro "talentflow/internal/store/introduction"
	ledger "talentflow/internal/store/subsidy"
	flow "talentflow/workflows/subsidy"
)

// DemoPeriodsPaid is how many periods of the demo living allowance are already paid.
const DemoPeriodsPaid = 3

// SeedDemo gives `talentflow dev` a certified talent (applicant.li, category B, employed by
// the demo employer) with a living allowance three periods in: three periods paid in a
// confirmed batch, the fourth due now, the schedule running in its workflow. A newcomer sees
// the ledger at once. It does nothing if the demo subsidy exists.
func (s *Service) SeedDemo(ctx context.Context) error {
	db := s.DB.WithContext(ctx)
	var n int64
	if err := db.Model(&ledger.Subsidy{}).Where("case_id = ?", "demo-subsidy").Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var li store.User
	if err := db.Where("username = ?", "applicant.li").Take(&li).Error; err != nil {
		return fmt.Errorf("demo talent: %w", err)
	}
	var pol ledger.Policy
	if err := db.Where("kind = ?", string(domain.SubsidyLiving)).Order("version DESC").Take(&pol).Error; err != nil {
		return fmt.Errorf("demo policy: %w", err)
	}
	amount := pol.AmountFor(domain.CategoryB)
	if amount <= 0 {
		return errors.New("the living allowance policy does not cover category B")
	}
	now := s.Time()
	start := now.AddDate(0, -DemoPeriodsPaid, 0)
	first := domain.PeriodOf(start.In(domain.ChinaTime))
	const introID, subID = "demo-introduction", "demo-subsidy"
	year := now.In(domain.ChinaTime).Year()
	certNo := fmt.Sprintf("YG-%d-B-0000", year)
	plan, err := s.plan(ctx, app.DemoEmployerCreditCode)
	if err != nil {
		return err
	}
	terms := flow.Terms{PolicyID: pol.ID, Version: pol.Version, Kind: domain.SubsidyLiving, Name: pol.Name, AmountFen: amount, Months: pol.Months}
	periods := terms.Periods()
	err = db.Transaction(func(tx *gorm.DB) error {
		certified := start.AddDate(0, 0, -7)
		if err := tx.Create(&store.Case{ID: introID, Process: "introduction", State: "certified", CurrentStep: "certified", StepName: "已认定",
			Title: "李明 人才引进认定", ApplicantID: li.ID, Category: "B", CertificateNo: certNo, WorkflowID: "intro:" + introID,
			CreatedAt: certified, UpdatedAt: certified, SubmittedAt: &certified, ClosedAt: &certified}).Error; err != nil {
			return err
		}
		if err := tx.Create(&storeintro.Profile{CaseID: introID, ApplicantID: li.ID, Name: "李明",
			IDNumber: domain.MakeCitizenID("371521", "19860412", "031"), Phone: li.Phone, Education: string(domain.EducationValues()[0]),
			Title: "senior", Field: "新材料", EmployerCreditCode: app.DemoEmployerCreditCode, Category: "B", CreatedAt: certified, UpdatedAt: certified}).Error; err != nil {
			return err
		}
		if err := tx.Create(&store.Certificate{No: certNo, CaseID: introID, Name: "李明", Category: "B", Year: year, Seq: 0, IssuedAt: certified}).Error; err != nil {
			return err
		}
		if err := tx.Create(&store.Talent{ID: ids.New("tal"), UserID: li.ID, CaseID: introID, Name: "李明", IDNumber: domain.MakeCitizenID("371521", "19860412", "031"),
			Category: "B", CertificateNo: certNo, Status: "active", SubsidyEligible: true, CertifiedAt: certified}).Error; err != nil {
			return err
		}
		paid := amount * DemoPeriodsPaid
		commitment := amount * int64(periods)
		if err := tx.Create(&store.Case{ID: subID, Process: flow.Process, State: flow.StateDisbursing, CurrentStep: "disbursing", StepName: "发放中",
			Title: flow.Title("李明", pol.Name), ApplicantID: li.ID, Category: "B", WorkflowID: flow.WorkflowID(subID),
			CreatedAt: start, UpdatedAt: now, SubmittedAt: &start}).Error; err != nil {
			return err
		}
		key := certNo + "|" + pol.Kind
		if err := tx.Create(&ledger.Subsidy{CaseID: subID, ApplicantID: li.ID, TalentUserID: li.ID, TalentName: "李明", Category: "B",
			CertificateNo: certNo, EmployerCreditCode: app.DemoEmployerCreditCode, PolicyID: pol.ID, PolicyVersion: pol.Version, Kind: pol.Kind,
			AmountFen: amount, Months: pol.Months, CommitmentFen: commitment, ReservedFen: commitment - paid, PaidFen: paid,
			AccountName: "李明", BankAccount: "6222020200112233446", BankName: "中国工商银行阳谷支行", OpenKey: &key,
			StartedAt: &start, FirstPeriod: &first, NextPeriod: DemoPeriodsPaid + 2, CreatedAt: start, UpdatedAt: now}).Error; err != nil {
			return err
		}
		res := tx.Model(&ledger.Policy{}).Where("id = ? AND budget_fen - reserved_fen - paid_fen >= ?", pol.ID, commitment).
			Updates(map[string]any{"reserved_fen": gorm.Expr("reserved_fen + ?", commitment-paid), "paid_fen": gorm.Expr("paid_fen + ?", paid)})
		if res.Error != nil || res.RowsAffected == 0 {
			return errors.Join(res.Error, errors.New("the demo policy's budget cannot cover the demo subsidy"))
		}
		batch := ledger.Batch{ID: "demo-batch", State: ledger.BatchConfirmed, BuiltBy: "fin.officer", ApprovedBy: "fin.reviewer",
			ConfirmedBy: "fin.officer", LineCount: DemoPeriodsPaid, TotalFen: paid, CreatedAt: now, ApprovedAt: &now, ConfirmedAt: &now}
		if err := tx.Create(&batch).Error; err != nil {
			return err
		}
		for seq := 1; seq <= DemoPeriodsPaid+1; seq++ {
			due := start.AddDate(0, seq-1, 0)
			p := ledger.Payment{ID: ids.New("pay"), CaseID: subID, Seq: seq, Period: domain.AddPeriods(first, seq-1), DueAt: due,
				AmountFen: amount, State: string(domain.PaymentDue), CreatedAt: due, UpdatedAt: now}
			if seq <= DemoPeriodsPaid {
				p.State, p.BatchID, p.PaidAt = string(domain.PaymentPaid), &batch.ID, &now
			}
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
			if seq <= DemoPeriodsPaid {
				if err := tx.Create(&ledger.Line{ID: ids.New("lin"), BatchID: batch.ID, LineNo: seq, PaymentID: p.ID, AmountFen: amount,
					State: ledger.LinePaid}).Error; err != nil {
					return err
				}
			}
		}
		in := flow.Input{CaseID: subID, Applicant: app.Actor(&authz.Principal{User: authz.Identity{ID: li.ID, Username: li.Username, DisplayName: li.DisplayName}},
			authz.RoleApplicant, "public"), TalentUsername: li.Username, TalentName: "李明", Category: domain.CategoryB, Terms: terms, Plan: plan,
			Schedule: &flow.Schedule{Start: start, FirstPeriod: first, Next: DemoPeriodsPaid + 2, ConfirmedThrough: DemoPeriodsPaid + 1}}
		if _, err := ledger.MakeOffers(tx, introID); err != nil {
			return err
		}
		if err := tx.Model(&ledger.Offer{}).Where("certificate_no = ? AND kind = ?", certNo, pol.Kind).
			Updates(map[string]any{"state": ledger.OfferAccepted, "case_id": subID}).Error; err != nil {
			return err
		}
		return s.RecordStart(tx, app.StartRequest{CaseID: subID, Process: flow.Process, WorkflowID: flow.WorkflowID(subID),
			Workflow: flow.WorkflowSubsidy, Category: "B", Input: in})
	})
	if err != nil {
		return fmt.Errorf("demo subsidy: %w", err)
	}
	return s.Launch(ctx, subID)
}
