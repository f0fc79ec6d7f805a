package domain_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
)

func TestValidatePhoneAcceptsMobilesAndLandlines(t *testing.T) {
	for _, p := range []string{
		"13812345678",
		"19912345678",
		"+8613812345678",
		"+86 138 1234 5678",
		"008613812345678",
		"138-1234-5678",
		" 13812345678 ",
		"0635-1234567",
		"0635-12345678",
		"010-12345678",
		"010-1234567",
	} {
		assert.NoError(t, domain.ValidatePhone(p), p)
	}
}

func TestValidatePhoneRejectsOtherNumbers(t *testing.T) {
	tests := []struct{ name, phone, wantErr string }{
		{"empty", "  ", "must not be empty"},
		{"mobile second digit 2", "12812345678", "mobile number must be 11 digits starting with 13–19"},
		{"mobile 10 digits", "1381234567", "mobile number must be 11 digits"},
		{"mobile 12 digits", "138123456789", "mobile number must be 11 digits"},
		{"landline 6-digit number", "0635-123456", "landline must be a 3–4 digit area code"},
		{"landline 9-digit number", "0635-123456789", "landline must be"},
		{"landline 5-digit area code", "06351-1234567", "landline must be"},
		{"landline with letters", "0635-12a4567", "landline must be"},
		{"area code without 0", "635-1234567", "must be an 11-digit mobile number or a landline"},
		{"landline without hyphen", "06351234567", "must be an 11-digit mobile number or a landline"},
		{"86 without plus", "8613812345678", "must be an 11-digit mobile number or a landline"},
		{"text", "call me", "must be an 11-digit mobile number or a landline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidatePhone(tt.phone)
			require.Error(t, err)
			assert.ErrorIs(t, err, domain.ErrInvalidPhone)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"+86-138-1234-5678", "13812345678"},
		{"0086 13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{" 0635-1234567 ", "0635-1234567"},
		{"+86 0635-1234567", "+86 0635-1234567"},
		{"12345", "12345"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, domain.NormalizePhone(tt.in), tt.in)
	}
}
