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
