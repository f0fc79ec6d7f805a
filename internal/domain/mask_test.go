package domain_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"talentflow/internal/domain"
)

func TestMaskCitizenIDKeepsFirst6AndLast4(t *testing.T) {
	tests := []struct{ in, want string }{
		{"37152119900101123X", "371521********123X"},
		{" 11010519491231002X ", "110105********002X"},
		{"110105491231002", "110105*****1002"}, // legacy 15-digit
		{"12345678901234", "**************"},
		{"1", "*"},
		{"", ""},
	}
	for _, tt := range tests {
		got := domain.MaskCitizenID(tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	assert.NotContains(t, domain.MaskCitizenID("37152119900101123X"), "19900101")
}

func TestMaskPhoneHidesMiddleDigits(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+86 138 1234 5678", "138****5678"},
		{"0635-1234567", "0635-*****67"},
		{"010-12345678", "010-******78"},
		{"12345", "*****"},
		{"not a phone", "***********"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, domain.MaskPhone(tt.in), tt.in)
	}
	assert.NotContains(t, domain.MaskPhone("13812345678"), "1234")
	assert.NotContains(t, domain.MaskPhone("0635-1234567"), "12345")
}

func TestMaskBankAccountKeepsLast4AndLength(t *testing.T) {
	tests := []struct{ in, want string }{
		{"6222021234567891234", "***************1234"},
		{"1234567890121234", "************1234"},
		{"12341234", "****1234"},
		{"1234567", "*******"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, domain.MaskBankAccount(tt.in), tt.in)
	}
	assert.NotContains(t, domain.MaskBankAccount("6222021234567891234"), "02123456789")
}

func TestMaskNameKeepsFamilyName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张三丰", "张**"},
		{"李四", "李*"},
		{"欧阳娜娜", "欧***"},
		{"买买提·艾力", "买*****"},
		{" 王五 ", "王*"},
		{"张", "*"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, domain.MaskName(tt.in), tt.in)
	}
	assert.NotContains(t, domain.MaskName("张三丰"), "三")
	assert.NotContains(t, domain.MaskName("张三丰"), "丰")
}

func TestMaskIsSafeOnOddInput(t *testing.T) {
	maskers := map[string]func(string) string{
		"MaskCitizenID":   domain.MaskCitizenID,
		"MaskPhone":       domain.MaskPhone,
		"MaskBankAccount": domain.MaskBankAccount,
		"MaskName":        domain.MaskName,
	}
	inputs := []string{"", " ", "\u3000", "a", "张", "😀😀", "\xff\xfe\xfd", "ab\x00cd", "1234", strings.Repeat("9", 100)}
	for name, mask := range maskers {
		for _, in := range inputs {
			var got string
			assert.NotPanics(t, func() { got = mask(in) }, "%s(%q)", name, in)
			assert.Equal(t, utf8.RuneCountInString(strings.TrimSpace(in)), utf8.RuneCountInString(got),
				"%s(%q) keeps the rune length", name, in)
		}
		assert.Equal(t, "*", mask("1"), "%s of a single rune is fully masked", name)
		if name != "MaskName" { // a two-rune name keeps its family name
			assert.Equal(t, "***", mask("123"), "%s of 3 runes is fully masked", name)
		}
	}
}

func TestRedactPersonalMasksIDsPhonesAndAccountsInText(t *testing.T) {
	for in, want := range map[string]string{
		"11010519491231002X":                      "110105********002X",
		"登录名 110105194912310021 失败":               "登录名 110105********0021 失败",
		"电话13905351234，请回电":                       "电话139****1234，请回电",
		"task/case_cycles_1764958000123456789-t5": "task/case_cycles_1764958000123456789-t5",
		"/api/v1/talents/11010519491231002x/pay":  "/api/v1/talents/110105********002x/pay",
		"case_06h4ekc30xj579e4 and 2026-06-30":    "case_06h4ekc30xj579e4 and 2026-06-30",
		"YG-2026-B-0001":                          "YG-2026-B-0001",
	} {
		if got := domain.RedactPersonal(in); got != want {
			t.Errorf("RedactPersonal(%q) = %q, want %q", in, got, want)
		}
	}
}
