package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"talentflow/internal/domain"
)

var (
	cst = time.FixedZone("UTC+8", 8*60*60)
	// now is the fixed "current time" of these tests: 2026-05-01 12:00 in China.
	now = time.Date(2026, 5, 1, 12, 0, 0, 0, cst)
)

func TestValidateCitizenIDAcceptsValidNumbers(t *testing.T) {
	tests := []struct {
		name string
		id   string
		now  time.Time
	}{
		{"GB 11643 example with X check digit", "11010519491231002X", now},
		{"GB 11643 example born 1880", "440524188001010014", now},
		{"independently computed", "371521199001011233", now},
		{"lower-case x and surrounding spaces", " 11010519491231002x\t", now},
		{"built with helper", domain.MakeCitizenID("371521", "19900101", "123"), now},
		{"leap day", domain.MakeCitizenID("371521", "20000229", "001"), now},
		{"Taiwan prefix 71", domain.MakeCitizenID("710000", "19900101", "123"), now},
		{"Hong Kong prefix 81", "810000199001011230", now},
		{"Macau prefix 82", domain.MakeCitizenID("820000", "19900101", "123"), now},
		{"prefix 83", domain.MakeCitizenID("830000", "19900101", "123"), now},
		{"earliest birth year", domain.MakeCitizenID("371521", fmt.Sprintf("%d0101", domain.MinBirthYear), "123"), now},
		{"born today", domain.MakeCitizenID("371521", "20260501", "123"), now},
		{"born today in China while still yesterday in UTC",
			domain.MakeCitizenID("371521", "20260502", "123"), time.Date(2026, 5, 1, 17, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.NoError(t, domain.ValidateCitizenID(tt.id, tt.now))
		})
	}
}

func TestValidateCitizenIDRejectsEachBrokenRule(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantErr string
	}{
		{"empty", "", "must be 18 characters, got 0"},
		{"too short", "11010519491231002", "must be 18 characters, got 17"},
		{"too long", "11010519491231002X1", "must be 18 characters, got 19"},
		{"legacy 15-digit number", "110105491231002", "must be 18 characters"},
		{"non-ASCII digit", "11010519491231002０", "must contain only digits and a final X"},
		{"letter in region code", "1101A519491231002X", "region code must be 6 digits"},
		{"bad province 99", domain.MakeCitizenID("991521", "19900101", "123"), "region code (digits 1–6) has no valid province prefix"},
		{"region starting with 0", domain.MakeCitizenID("010105", "19900101", "123"), "has no valid province prefix"},
		{"province gap 16", domain.MakeCitizenID("160105", "19900101", "123"), "has no valid province prefix"},
		{"province 84", domain.MakeCitizenID("840000", "19900101", "123"), "has no valid province prefix"},
		{"letter in birth date", "1101051949l231002X", "birth date must be 8 digits"},
		{"month 13", domain.MakeCitizenID("371521", "19991332", "123"), "birth date (digits 7–14) is not a valid date"},
		{"Feb 30", domain.MakeCitizenID("371521", "19900230", "123"), "birth date (digits 7–14) is not a valid date"},
		{"Feb 29 in non-leap 1900", domain.MakeCitizenID("371521", "19000229", "123"), "birth date (digits 7–14) is not a valid date"},
		{"day 00", domain.MakeCitizenID("371521", "19900100", "123"), "birth date (digits 7–14) is not a valid date"},
		{"birth year too early", domain.MakeCitizenID("371521", "17991231", "123"), "birth year is before 1800"},
		{"future birth date", domain.MakeCitizenID("371521", "20260502", "123"), "birth date (digits 7–14) is in the future"},
		{"letter in sequence code", "11010519491231A02X", "sequence code must be 3 digits"},
		{"invalid check character", "11010519491231002Y", `check digit must be 0-9 or X, got "Y"`},
		{"wrong check digit instead of X", "110105194912310021", "check digit is 1, expected X"},
		{"wrong check digit", "440524188001010015", "check digit is 5, expected 4"},
		{"X where a digit is expected", "44052418800101001X", "check digit is X, expected 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateCitizenID(tt.id, now)
			require.Error(t, err)
			assert.ErrorIs(t, err, domain.ErrInvalidCitizenID)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestNormalizeCitizenIDTrimsAndUpperCases(t *testing.T) {
	assert.Equal(t, "11010519491231002X", domain.NormalizeCitizenID(" 11010519491231002x\n"))
	assert.Equal(t, "11010519491231002X", domain.NormalizeCitizenID("\u300011010519491231002X"), "full-width space")
	assert.Equal(t, "", domain.NormalizeCitizenID("  "))
}

func TestCitizenIDBirthDate(t *testing.T) {
	got, err := domain.CitizenIDBirthDate("11010519491231002x")
	require.NoError(t, err)
	assert.Equal(t, time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), got)

	got, err = domain.CitizenIDBirthDate(domain.MakeCitizenID("371521", "20990101", "123"))
	require.NoError(t, err, "no notion of now, so a future date is returned")
	assert.Equal(t, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), got)

	for _, bad := range []string{"", "110105194912310021", domain.MakeCitizenID("371521", "19900230", "123")} {
		_, err := domain.CitizenIDBirthDate(bad)
		assert.ErrorIs(t, err, domain.ErrInvalidCitizenID, bad)
	}
}

func TestCitizenIDGenderFrom17thDigit(t *testing.T) {
	tests := []struct{ id, want string }{
		{"11010519491231002X", "female"},
		{"440524188001010014", "male"},
		{domain.MakeCitizenID("371521", "19900101", "129"), "male"},
		{domain.MakeCitizenID("371521", "19900101", "120"), "female"},
		{"", ""},
		{"1101051949123100", ""},
		{"1101051949123100AX", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, domain.CitizenIDGender(tt.id), tt.id)
	}
}

func TestMakeCitizenIDPanicsOnMalformedParts(t *testing.T) {
	assert.Equal(t, "11010519491231002X", domain.MakeCitizenID("110105", "19491231", "002"))
	assert.Panics(t, func() { domain.MakeCitizenID("11010", "19491231", "002") })
	assert.Panics(t, func() { domain.MakeCitizenID("110105", "1949123", "002") })
	assert.Panics(t, func() { domain.MakeCitizenID("110105", "19491231", "02") })
	assert.Panics(t, func() { domain.MakeCitizenID("11010A", "19491231", "002") })
}

var provincePrefixes = []string{
	"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
	"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
	"71", "81", "82", "83",
}

func FuzzValidateCitizenID(f *testing.F) {
	f.Add("11010519491231002X", uint8(0), uint16(105), uint32(0), uint16(2), uint8(0))
	f.Add("440524188001010014", uint8(21), uint16(524), uint32(40000), uint16(1), uint8(16))
	f.Add("11010519491231002", uint8(255), uint16(65535), uint32(1<<31), uint16(999), uint8(17))
	f.Add(" 1101A5194912310\u300002x", uint8(3), uint16(9999), uint32(45000), uint16(500), uint8(7))

	first := time.Date(domain.MinBirthYear, 1, 1, 0, 0, 0, 0, time.UTC)
	span := uint32(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC).Sub(first).Hours()/24) + 1

	f.Fuzz(func(t *testing.T, s string, prov uint8, county uint16, day uint32, seq uint16, pos uint8) {
		// Arbitrary input never panics.
		err := domain.ValidateCitizenID(s, now)
		_, _ = domain.CitizenIDBirthDate(s)
		_ = domain.CitizenIDGender(s)
		_ = domain.MaskCitizenID(s)
		if err == nil {
			n := domain.NormalizeCitizenID(s)
			assert.Equal(t, n, domain.MakeCitizenID(n[:6], n[6:14], n[14:17]), "valid IDs round-trip through MakeCitizenID")
		}

		// Generated IDs always validate.
		region := provincePrefixes[int(prov)%len(provincePrefixes)] + fmt.Sprintf("%04d", county%10000)
		birth := first.AddDate(0, 0, int(day%span)).Format("20060102")
		id := domain.MakeCitizenID(region, birth, fmt.Sprintf("%03d", seq%1000))
		require.NoError(t, domain.ValidateCitizenID(id, now), id)
		require.NoError(t, domain.ValidateCitizenID(strings.ToLower(id), now), id)

		// Changing any single digit is detected.
		i := int(pos) % 17
		changed := []byte(id)
		changed[i] = '0' + byte((int(changed[i]-'0')+1+int(seq%9))%10)
		assert.Error(t, domain.ValidateCitizenID(string(changed), now), "%s changed at %d to %s", id, i, changed)
	})
}

// Validation messages end up in responses and in the append-only audit log: they name the
// rule broken, never the digits of the number.
func TestCitizenIDErrorsDoNotEchoTheNumber(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, id := range []string{
		domain.MakeCitizenID("991521", "19900101", "123"),
		domain.MakeCitizenID("371521", "19991332", "123"),
		domain.MakeCitizenID("371521", "20260502", "123"),
		domain.MakeCitizenID("371521", "17991231", "123"),
	} {
		err := domain.ValidateCitizenID(id, now)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), id[:6], "region digits")
		assert.NotContains(t, err.Error(), id[6:14], "birth digits")
	}
}
