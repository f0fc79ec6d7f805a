package domain

import (
	"fmt"
	"time"
)

// DemandType is the kind of a talent's demand (诉求) raised at a liaison contact.
type DemandType string

// Demand types.
const (
	DemandSchool    DemandType = "school"     // 子女入学
	DemandHukou     DemandType = "hukou"      // 户籍
	DemandHousing   DemandType = "housing"    // 住房
	DemandLab       DemandType = "lab"        // 实验室、场地
	DemandFunding   DemandType = "funding"    // 资金
	DemandMedical   DemandType = "medical"    // 医疗
	DemandSpouseJob DemandType = "spouse_job" // 配偶就业
	DemandOther     DemandType = "other"      // 其他
)

var demandTypes = vocabulary[DemandType]{
	{DemandSchool, "子女入学"}, {DemandHukou, "户籍办理"}, {DemandHousing, "住房保障"}, {DemandLab, "实验室与场地"},
	{DemandFunding, "项目资金"}, {DemandMedical, "医疗保健"}, {DemandSpouseJob, "配偶就业"}, {DemandOther, "其他"},
}

// DemandTypeValues returns every demand type.
func DemandTypeValues() []string { return demandTypes.values() }

// Valid reports whether t is a known demand type.
func (t DemandType) Valid() bool { return demandTypes.index(t) >= 0 }

// Label returns the Chinese name of t.
func (t DemandType) Label() string { return demandTypes.label(t) }

// EnumValues lists the demand types for the OpenAPI enum.
func (DemandType) EnumValues() []string { return DemandTypeValues() }

// ContactForm is how a leader contacted a talent.
type ContactForm string

// Contact forms.
const (
	ContactVisit   ContactForm = "visit"   // 走访
	ContactCall    ContactForm = "call"    // 电话
	ContactMeeting ContactForm = "meeting" // 座谈
	ContactEvent   ContactForm = "event"   // 活动
)

var contactForms = vocabulary[ContactForm]{
	{ContactVisit, "走访"}, {ContactCall, "电话联系"}, {ContactMeeting, "座谈"}, {ContactEvent, "活动"},
}

// ContactFormValues returns every contact form.
func ContactFormValues() []string { return contactForms.values() }

// Valid reports whether f is a known contact form.
func (f ContactForm) Valid() bool { return contactForms.index(f) >= 0 }

// Label returns the Chinese name of f.
func (f ContactForm) Label() string { return contactForms.label(f) }

// EnumValues lists the contact forms for the OpenAPI enum.
func (ContactForm) EnumValues() []string { return ContactFormValues() }

// RatingLabel is the level of the 政务服务"好差评" system a score (1–5) stands for.
func RatingLabel(score int) string {
	switch score {
	case 5:
		return "非常满意"
	case 4:
		return "满意"
	case 3:
		return "基本满意"
	case 2:
		return "不满意"
	case 1:
		return "非常不满意"
	}
	return ""
}

// PoorRating reports whether a score is a 差评 (2 or less), which reopens the demand.
func PoorRating(score int) bool { return score >= 1 && score <= 2 }

// ContactDueDates are the dates by which a pairing's contacts fall due in a calendar year when
// perYear contacts are due evenly: 2 → 30 June and 31 December; 4 → the end of each quarter.
// perYear must divide 12.
func ContactDueDates(year, perYear int) ([]time.Time, error) {
	if perYear <= 0 || 12%perYear != 0 {
		return nil, fmt.Errorf("contacts per year must divide 12 (1, 2, 3, 4, 6 or 12), got %d", perYear)
	}
	step := 12 / perYear
	out := make([]time.Time, perYear)
	for i := range out {
		// The last day of month (i+1)*step: day 0 of the month after.
		out[i] = time.Date(year, time.Month((i+1)*step+1), 0, 0, 0, 0, 0, ChinaTime)
	}
	return out, nil
}

// Date is a calendar day in China Standard Time (midnight CST), how due dates are kept.
func Date(t time.Time) time.Time {
	t = t.In(ChinaTime)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, ChinaTime)
}

// ParseDate reads a YYYY-MM-DD day in China Standard Time.
func ParseDate(s string) (time.Time, error) { return time.ParseInLocation(time.DateOnly, s, ChinaTime) }

// NextDueDate is the first contact due date strictly after day when perYear contacts are due
// evenly in each calendar year.
func NextDueDate(day time.Time, perYear int) (time.Time, error) {
	day = Date(day)
	for year := day.Year(); year <= day.Year()+1; year++ {
		dates, err := ContactDueDates(year, perYear)
		if err != nil {
			return time.Time{}, err
		}
		for _, d := range dates {
			if d.After(day) {
				return d, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("no due date after %s", day.Format(time.DateOnly))
}

// FirstDueDate is a new pairing's first due date: the first one at least minDays after the
// pairing started, so that a leader paired on 20 December is not overdue on the 31st.
func FirstDueDate(started time.Time, perYear, minDays int) (time.Time, error) {
	return NextDueDate(Date(started).AddDate(0, 0, minDays-1), perYear)
}

// DueDatesIn lists the due dates of a pairing in [from, to] (days), starting from first.
func DueDatesIn(first, from, to time.Time, perYear int) []time.Time {
	var out []time.Time
	for d := first; !d.After(to); {
		if !d.Before(from) {
			out = append(out, d)
		}
		next, err := NextDueDate(d, perYear)
		if err != nil {
			break
		}
		d = next
	}
	return out
}
