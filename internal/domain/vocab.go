package domain

// The vocabularies below are closed sets of string values. Each type has a
// XxxValues function listing the values in a stable order (used to emit
// OpenAPI enums), a Valid method and a Chinese Label. An applicant's industry
// field is deliberately free text and has no type here.

// term is one value of a vocabulary with its Chinese label.
type term[T ~string] struct {
	value T
	label string
}

// vocabulary is an ordered list of terms; the order is the public order.
type vocabulary[T ~string] []term[T]

func (v vocabulary[T]) values() []string {
	out := make([]string, len(v))
	for i, t := range v {
		out[i] = string(t.value)
	}
	return out
}

func (v vocabulary[T]) index(x T) int {
	for i, t := range v {
		if t.value == x {
			return i
		}
	}
	return -1
}

func (v vocabulary[T]) label(x T) string {
	if i := v.index(x); i >= 0 {
		return v[i].label
	}
	return ""
}

// Category is a talent tier, from A (highest) to E.
type Category string

// Talent categories.
const (
	CategoryA Category = "A" // 顶尖人才
	CategoryB Category = "B" // 领军人才
	CategoryC Category = "C" // 高端人才
	CategoryD Category = "D" // 急需紧缺人才
	CategoryE Category = "E" // 青年/高校毕业生人才
)

var categories = vocabulary[Category]{
	{CategoryA, "顶尖人才"},
	{CategoryB, "领军人才"},
	{CategoryC, "高端人才"},
	{CategoryD, "急需紧缺人才"},
	{CategoryE, "青年/高校毕业生人才"},
}

// CategoryValues returns all categories, highest tier first.
func CategoryValues() []string { return categories.values() }

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return categories.index(c) >= 0 }

// Label returns the Chinese name of c, or "" if c is not valid.
func (c Category) Label() string { return categories.label(c) }

// Rank returns 5 for A down to 1 for E, and 0 for an invalid category.
func (c Category) Rank() int {
	if i := categories.index(c); i >= 0 {
		return len(categories) - i
	}
	return 0
}

// Below reports whether c is a lower tier than other, i.e. whether moving
// from other to c is a downgrade. It is false if either is invalid.
func (c Category) Below(other Category) bool {
	return c.Valid() && other.Valid() && c.Rank() < other.Rank()
}

// NeedsLiaison reports whether talents of category c are assigned a liaison
// officer (categories A, B and C).
func (c Category) NeedsLiaison() bool {
	return c == CategoryA || c == CategoryB || c == CategoryC
}

// Education is the highest level of education completed.
type Education string

// Education levels.
const (
	EducationDoctorate  Education = "doctorate"  // 博士研究生
	EducationMaster     Education = "master"     // 硕士研究生
	EducationBachelor   Education = "bachelor"   // 大学本科
	EducationCollege    Education = "college"    // 大专
	EducationVocational Education = "vocational" // 中专/技工
	EducationOther      Education = "other"      // 其他
)

var educations = vocabulary[Education]{
	{EducationDoctorate, "博士研究生"},
	{EducationMaster, "硕士研究生"},
	{EducationBachelor, "大学本科"},
	{EducationCollege, "大专"},
	{EducationVocational, "中专/技工"},
	{EducationOther, "其他"},
}

// EducationValues returns all education levels, highest first.
func EducationValues() []string { return educations.values() }

// Valid reports whether e is a known education level.
func (e Education) Valid() bool { return educations.index(e) >= 0 }

// Label returns the Chinese name of e, or "" if e is not valid.
func (e Education) Label() string { return educations.label(e) }

// Title is a professional title (职称), including skilled-worker grades.
type Title string

// Professional titles.
const (
	TitleSenior          Title = "senior"           // 正高级
	TitleAssociateSenior Title = "associate_senior" // 副高级
	TitleIntermediate    Title = "intermediate"     // 中级
	TitleJunior          Title = "junior"           // 初级
	TitleSkilledSenior   Title = "skilled_senior"   // 高级技师
	TitleSkilled         Title = "skilled"          // 技师
	TitleNone            Title = "none"             // 无
)

var titles = vocabulary[Title]{
	{TitleSenior, "正高级"},
	{TitleAssociateSenior, "副高级"},
	{TitleIntermediate, "中级"},
	{TitleJunior, "初级"},
	{TitleSkilledSenior, "高级技师"},
	{TitleSkilled, "技师"},
	{TitleNone, "无"},
}

// TitleValues returns all professional titles in display order.
func TitleValues() []string { return titles.values() }

// Valid reports whether t is a known professional title.
func (t Title) Valid() bool { return titles.index(t) >= 0 }

// Label returns the Chinese name of t, or "" if t is not valid.
func (t Title) Label() string { return titles.label(t) }

// Outcome is the decision taken on a human task. Approve, reject and return are the classes the
// task engine understands; the others are named variants a step may offer, each counting as one
// of the three (downgrade and dismiss as approve, uphold as reject).
type Outcome string

// Task outcomes.
const (
	OutcomeApprove   Outcome = "approve"   // 同意
	OutcomeReject    Outcome = "reject"    // 不同意
	OutcomeReturn    Outcome = "return"    // 退回补正
	OutcomeDowngrade Outcome = "downgrade" // 降级认定
	OutcomeUphold    Outcome = "uphold"    // 异议成立
	OutcomeDismiss   Outcome = "dismiss"   // 异议不成立
	OutcomeForward   Outcome = "forward"   // 转交其他部门 (a demand, once, with a reason)
)

var outcomes = vocabulary[Outcome]{
	{OutcomeApprove, "同意"},
	{OutcomeReject, "不同意"},
	{OutcomeReturn, "退回补正"},
	{OutcomeDowngrade, "降级认定"},
	{OutcomeUphold, "异议成立"},
	{OutcomeDismiss, "异议不成立"},
	{OutcomeForward, "转交其他部门"},
}

// OutcomeValues returns all task outcomes in display order.
func OutcomeValues() []string { return outcomes.values() }

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool { return outcomes.index(o) >= 0 }

// Label returns the Chinese name of o, or "" if o is not valid.
func (o Outcome) Label() string { return outcomes.label(o) }

// EnumValues list each vocabulary's values, so that an API schema can declare them as an enum.
func (Category) EnumValues() []string  { return CategoryValues() }
func (Education) EnumValues() []string { return EducationValues() }
func (Title) EnumValues() []string     { return TitleValues() }
func (Outcome) EnumValues() []string   { return OutcomeValues() }
