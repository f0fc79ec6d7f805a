package liaison

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	ics "github.com/arran4/golang-ical"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"talentflow/authz"
	"talentflow/internal/app"
	"talentflow/internal/domain"
	"talentflow/internal/store"
	rows "talentflow/internal/store/liaison"
)

// CalendarPath is where the calendar feeds are served, outside /api/v1: a phone's calendar
// fetches them with no bearer token, the secret in the URL being the key.
const CalendarPath = "/calendar/"

// CalendarURL answers a new calendar URL.
type CalendarURL struct {
	URL string `json:"url"`
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewCalendar makes the caller a new secret calendar URL (path only; the handler adds the
// host); the old one stops working. Only the token's hash is kept.
func (s *Service) NewCalendar(ctx context.Context, p *authz.Principal) (CalendarURL, error) {
	buf := make([]byte, 24)
	if _, err := rand.Read(buf); err != nil {
		return CalendarURL{}, s.Unavailable(ctx, "the random source", err)
	}
	token := base64.RawURLEncoding.EncodeToString(buf)
	feed := rows.CalendarFeed{UserID: p.User.ID, TokenHash: tokenHash(token), CreatedAt: s.Time()}
	if err := s.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"token_hash", "created_at"}),
	}).Create(&feed).Error; err != nil {
		return CalendarURL{}, s.Unavailable(ctx, "the database", err)
	}
	return CalendarURL{URL: CalendarPath + token + ".ics"}, nil
}

// CalendarFeed is the iCalendar file of a secret token: an all-day event on each due contact of
// the owner's active pairings (as leader or specialist), with alarms at the reminder days.
func (s *Service) CalendarFeed(ctx context.Context, token string) ([]byte, error) {
	db := s.DB.WithContext(ctx)
	var feed rows.CalendarFeed
	err := db.Where("token_hash = ?", tokenHash(token)).Take(&feed).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, app.NotFound("no such calendar (the link may have been replaced)")
	}
	if err != nil {
		return nil, s.Unavailable(ctx, "the database", err)
	}
	var u store.User
	if err := db.Where("id = ? AND disabled = ?", feed.UserID, false).Take(&u).Error; err != nil {
		return nil, app.NotFound("no such calendar")
	}
	var ps []rows.Pairing
	if err := db.Where("state = ? AND (leader = ? OR specialist = ?)", rows.PairingActive, u.Username, u.Username).
		Order("next_due").Find(&ps).Error; err != nil {
		return nil, s.Unavailable(ctx, "the database", err)
	}
	cal := ics.NewCalendarFor("talentflow")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName("联系服务专家 · " + u.DisplayName)
	cal.SetXWRTimezone("Asia/Shanghai")
	cal.SetRefreshInterval("PT6H")
	now := s.Time()
	for _, p := range ps {
		if p.NextDue == nil {
			continue
		}
		due, err := domain.ParseDate(*p.NextDue)
		if err != nil {
			continue
		}
		e := cal.AddEvent(fmt.Sprintf("%s-%s@talentflow", p.CaseID, *p.NextDue))
		e.SetDtStampTime(now)
		e.SetAllDayStartAt(due)
		e.SetAllDayEndAt(due.AddDate(0, 0, 1))
		summary := fmt.Sprintf("联系服务专家：%s（%s类）", p.TalentName, p.Category)
		if p.Overdue {
			summary = "【已逾期】" + summary
		}
		e.SetSummary(summary)
		e.SetDescription(fmt.Sprintf("本期联系截至 %s。联系后请在人才工作协同平台登记（走访、电话、座谈或活动）。服务专员：%s。", *p.NextDue, p.Specialist))
		for _, days := range s.Plan.RemindDaysBefore {
			a := e.AddAlarm()
			a.SetAction(ics.ActionDisplay)
			a.SetTrigger(fmt.Sprintf("-P%dD", days))
			a.SetProperty(ics.ComponentPropertyDescription, summary)
		}
	}
	return []byte(cal.Serialize()), nil
}
