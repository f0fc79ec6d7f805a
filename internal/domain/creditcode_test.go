package domain_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
)

func TestValidateCreditCodeAcceptsValidCodes(t *testing.T) {
	tests := []struct{ name, code string }{
		{"widely cited example", "91350100M000100Y43"},
		{"lower case and spaces", " 91350100m000100y43 "},
		{"check character X", "91371521MA3C1234X2"},
		{"check value 31 maps to 0", "91371521MA3C120190"},
		{"authority 1 机构编制", "12371500004315678E"},
		{"authority 3 司法行政", "31370000495570123X"},
		{"authority 5 民政", "52371521MJD456789M"},
		{"authority Y 其他", "Y1371521MA0000001Q"},
		{"built with helper", domain.MakeCreditCode("91371521MA3C12345")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NoError(t, domain.ValidateCreditCode(tt.code))
		})
	}
	for _, a := range domain.CreditCodeAuthorities {
		code := domain.MakeCreditCode(string(a) + "1371521MA3C12345")
		assert.NoError(t, domain.ValidateCreditCode(code), "authority %c", a)
	}
}

func TestValidateCreditCodeRejectsEachBrokenRule(t *testing.T) {
	tests := []struct{ name, code, wantErr string }{
		{"empty", "", "must be 18 characters, got 0"},
		{"too short", "91350100M000100Y4", "must be 18 characters, got 17"},
		{"too long", "91350100M000100Y431", "must be 18 characters, got 19"},
		{"letter I", "91350100MI00100Y43", "character 'I' at position 10 is not allowed"},
		{"letter O", "91350100M0O0100Y43", "character 'O' at position 11 is not allowed"},
		{"lower-case o is upper-cased then rejected", "91350100M0o0100Y43", "character 'O' at position 11"},
		{"letter Z", "91350100MZ00100Y43", "character 'Z' at position 10"},
		{"letter S", "91350100MS00100Y43", "character 'S' at position 10"},
		{"letter V", "91350100MV00100Y43", "character 'V' at position 10"},
		{"punctuation", "91350100M-00100Y43", "character '-' at position 10"},
		{"non-ASCII", "91350100M０00100Y43", "character '０' at position 10"},
		{"unknown authority B", domain.MakeCreditCode("B1350100M000100Y4"), "registration authority code B must be one of 123456789ANY"},
		{"unknown authority 0", domain.MakeCreditCode("01350100M000100Y4"), "registration authority code 0"},
		{"non-digit division code", domain.MakeCreditCode("91A50100M000100Y4"), "administrative division code A50100 must be 6 digits"},
		{"non-digit division code at end", domain.MakeCreditCode("9135010AM000100Y4"), "administrative division code 35010A"},
		{"wrong check character", "91350100M000100Y44", "check character is 4, expected 3"},
		{"swapped characters", "91350100M000010Y43", "check character is 3, expected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateCreditCode(tt.code)
			require.Error(t, err)
			assert.ErrorIs(t, err, domain.ErrInvalidCreditCode)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestNormalizeCreditCodeTrimsAndUpperCases(t *testing.T) {
	assert.Equal(t, "91350100M000100Y43", domain.NormalizeCreditCode("\t91350100m000100y43 "))
}

func TestMakeCreditCodeAppendsCheckCharacter(t *testing.T) {
	assert.Equal(t, "91350100M000100Y43", domain.MakeCreditCode("91350100M000100Y4"))
	assert.Panics(t, func() { domain.MakeCreditCode("91350100M000100Y") })
	assert.Panics(t, func() { domain.MakeCreditCode("91350100MI00100Y4") })
	assert.Panics(t, func() { domain.MakeCreditCode(strings.ToLower("91350100M000100Y4")) })
}
