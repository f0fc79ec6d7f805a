package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"talentflow/internal/domain"
)

func TestVocabularyValuesAreInStableOrder(t *testing.T) {
	tests := []struct {
		name   string
		values func() []string
		want   []string
	}{
		{"Category", domain.CategoryValues, []string{"A", "B", "C", "D", "E"}},
		{"Education", domain.EducationValues, []string{"doctorate", "master", "bachelor", "college", "vocational", "other"}},
		{"Title", domain.TitleValues, []string{"senior", "associate_senior", "intermediate", "junior", "skilled_senior", "skilled", "none"}},
		{"Outcome", domain.OutcomeValues, []string{"approve", "reject", "return", "downgrade", "uphold", "dismiss", "forward"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.values())
			got := tt.values()
			got[0] = "mutated"
			assert.Equal(t, tt.want, tt.values(), "callers must not be able to mutate the vocabulary")
		})
	}
}

func TestVocabularyLabels(t *testing.T) {
	tests := []struct {
		value interface {
			Valid() bool
			Label() string
		}
		want string
	}{
		{domain.CategoryA, "顶尖人才"},
		{domain.CategoryB, "领军人才"},
		{domain.CategoryC, "高端人才"},
		{domain.CategoryD, "急需紧缺人才"},
		{domain.CategoryE, "青年/高校毕业生人才"},
		{domain.EducationDoctorate, "博士研究生"},
		{domain.EducationMaster, "硕士研究生"},
		{domain.EducationBachelor, "大学本科"},
		{domain.EducationCollege, "大专"},
		{domain.EducationVocational, "中专/技工"},
		{domain.EducationOther, "其他"},
		{domain.TitleSenior, "正高级"},
		{domain.TitleAssociateSenior, "副高级"},
		{domain.TitleIntermediate, "中级"},
		{domain.TitleJunior, "初级"},
		{domain.TitleSkilledSenior, "高级技师"},
		{domain.TitleSkilled, "技师"},
		{domain.TitleNone, "无"},
		{domain.OutcomeApprove, "同意"},
		{domain.OutcomeReject, "不同意"},
		{domain.OutcomeReturn, "退回补正"},
	}
	for _, tt := range tests {
		assert.True(t, tt.value.Valid(), "%v", tt.value)
		assert.Equal(t, tt.want, tt.value.Label(), "%v", tt.value)
	}
}

func TestVocabularyEveryListedValueIsValid(t *testing.T) {
	for _, v := range domain.CategoryValues() {
		assert.True(t, domain.Category(v).Valid(), v)
	}
	for _, v := range domain.EducationValues() {
		assert.True(t, domain.Education(v).Valid(), v)
	}
	for _, v := range domain.TitleValues() {
		assert.True(t, domain.Title(v).Valid(), v)
	}
	for _, v := range domain.OutcomeValues() {
		assert.True(t, domain.Outcome(v).Valid(), v)
	}
}

func TestVocabularyRejectsUnknownValues(t *testing.T) {
	for _, v := range []string{"", " ", "a", "F", "A ", "Doctorate", "phd", "SENIOR", "approved", "顶尖人才"} {
		assert.False(t, domain.Category(v).Valid(), "Category %q", v)
		assert.Empty(t, domain.Category(v).Label(), "Category %q", v)
		assert.False(t, domain.Education(v).Valid(), "Education %q", v)
		assert.Empty(t, domain.Education(v).Label(), "Education %q", v)
		assert.False(t, domain.Title(v).Valid(), "Title %q", v)
		assert.Empty(t, domain.Title(v).Label(), "Title %q", v)
		assert.False(t, domain.Outcome(v).Valid(), "Outcome %q", v)
		assert.Empty(t, domain.Outcome(v).Label(), "Outcome %q", v)
	}
}

func TestCategoryRankIsHighestForA(t *testing.T) {
	assert.Equal(t, 5, domain.CategoryA.Rank())
	assert.Equal(t, 4, domain.CategoryB.Rank())
	assert.Equal(t, 3, domain.CategoryC.Rank())
	assert.Equal(t, 2, domain.CategoryD.Rank())
	assert.Equal(t, 1, domain.CategoryE.Rank())
	assert.Equal(t, 0, domain.Category("F").Rank())
}

func TestCategoryBelowMeansLowerTier(t *testing.T) {
	tests := []struct {
		c, other domain.Category
		want     bool
	}{
		{domain.CategoryB, domain.CategoryA, true},
		{domain.CategoryE, domain.CategoryD, true},
		{domain.CategoryE, domain.CategoryA, true},
		{domain.CategoryA, domain.CategoryB, false},
		{domain.CategoryC, domain.CategoryC, false},
		{domain.Category("F"), domain.CategoryA, false},
		{domain.CategoryE, domain.Category(""), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.c.Below(tt.other), "%q below %q", tt.c, tt.other)
	}
}

func TestCategoryNeedsLiaisonForABC(t *testing.T) {
	want := map[domain.Category]bool{
		domain.CategoryA: true, domain.CategoryB: true, domain.CategoryC: true,
		domain.CategoryD: false, domain.CategoryE: false, domain.Category("X"): false,
	}
	for c, w := range want {
		assert.Equal(t, w, c.NeedsLiaison(), "%q", c)
	}
}
