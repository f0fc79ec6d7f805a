package subsidy

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/internal/domain"
	"talentflow/internal/ids"
	"talentflow/internal/store"
)

// MakeOffers makes a certification's apply-free offers (免申即享): when a talent introduction
// closes certified (caseID), every current policy the talent's category is eligible for becomes an
// offer in the talent's console and a notification in their inbox, pre-filled so that
// accepting it asks only for the bank account.
func MakeOffers(tx *gorm.DB, caseID string) (int, error) {
	var t store.Talent
	err := tx.Where("case_id = ?", caseID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	policies, err := CurrentPolicies(tx)
	if err != nil {
		return 0, err
	}
	made := 0
	now := tx.NowFunc()
	for _, p := range policies {
		amount := p.AmountFor(domain.Category(t.Category))
		if amount <= 0 {
			continue
		}
		o := Offer{ID: ids.New("ofr"), TalentUserID: t.UserID, CertificateNo: t.CertificateNo, PolicyID: p.ID,
			Kind: p.Kind, AmountFen: amount, State: OfferOpen, CreatedAt: now}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "certificate_no"}, {Name: "kind"}}, DoNothing: true}).Create(&o)
		if res.Error != nil {
			return made, res.Error
		}
		if res.RowsAffected == 0 {
			continue
		}
		what := fmt.Sprintf("%s 元", domain.FormatYuan(amount))
		if p.Months > 0 {
			what = fmt.Sprintf("每月 %s 元，共 %d 个月", domain.FormatYuan(amount), p.Months)
		}
		n := store.Notification{ID: ids.New("ntf"), UserID: t.UserID, Kind: "info", Title: "免申即享：" + p.Name,
			Body:      fmt.Sprintf("您的人才认定（%s）符合「%s」条件（%s）。在“我的补贴”中确认收款账户即可领取。", t.CertificateNo, p.Name, what),
			DedupeKey: "offer:" + o.ID, CreatedAt: now}
		if err := tx.Create(&n).Error; err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}
