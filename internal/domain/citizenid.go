package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrInvalidCitizenID is wrapped by every error returned by ValidateCitizenID
// and CitizenIDBirthDate.
var ErrInvalidCitizenID = errors.New("invalid citizen ID")

// MinBirthYear is the earliest birth year accepted in a citizen ID. It is
// 1800 rather than 1900 so that GB 11643's own example 440524188001010014
// (born 1880) validates.
const MinBirthYear = 1800

// citizenIDWeights are the GB 11643-1999 weights of the first 17 digits.
var citizenIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// citizenIDCheckChars maps the weighted sum mod 11 to the check character.
const citizenIDCheckChars = "10X98765432"

// NormalizeCitizenID trims surrounding whitespace and upper-cases s, so that a
// trailing check character 'x' becomes 'X'.
func NormalizeCitizenID(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// ValidateCitizenID checks an 18-character resident identity number against
// GB 11643-1999: region code with a GB/T 2260 province prefix, a calendar birth
// date from MinBirthYear up to today (in China time, relative to now), a
// 3-digit sequence code and the mod 11-2 check character. s is normalised with
// NormalizeCitizenID first. Errors wrap ErrInvalidCitizenID.
func ValidateCitizenID(s string, now time.Time) error {
	id, birth, err := parseCitizenID(s)
	if err != nil {
		return err
	}
	n := now.In(ChinaTime)
	if birth.After(time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)) {
		return citizenIDError("birth date (digits 7–14) is in the future")
	}
	return checkCitizenIDDigit(id)
}

// CitizenIDBirthDate returns the birth date encoded in a citizen ID as
// midnight UTC of that calendar day. It validates the ID like
// ValidateCitizenID, except that it cannot reject a date in the future.
func CitizenIDBirthDate(s string) (time.Time, error) {
	id, birth, err := parseCitizenID(s)
	if err != nil {
		return time.Time{}, err
	}
	if err := checkCitizenIDDigit(id); err != nil {
		return time.Time{}, err
	}
	return birth, nil
}

// CitizenIDGender returns "male" or "female" from the parity of the 17th
// character of a citizen ID, or "" if s is not 18 characters long or that
// character is not a digit. It does not otherwise validate s.
func CitizenIDGender(s string) string {
	id := NormalizeCitizenID(s)
	if len(id) != 18 || !isDigits(id[16:17]) {
		return ""
	}
	if (id[16]-'0')%2 == 1 {
		return "male"
	}
	return "female"
}

// parseCitizenID normalises s and checks everything except the check digit
// and the upper bound of the birth date.
func parseCitizenID(s string) (string, time.Time, error) {
	id := NormalizeCitizenID(s)
	if n := len([]rune(id)); n != 18 {
		return "", time.Time{}, citizenIDError("must be 18 characters, got %d", n)
	}
	if len(id) != 18 { // 18 runes but not 18 bytes: something non-ASCII
		return "", time.Time{}, citizenIDError("must contain only digits and a final X")
	}
	switch {
	case !isDigits(id[:6]):
		return "", time.Time{}, citizenIDError("region code must be 6 digits")
	case !validProvince(id[:2]):
		return "", time.Time{}, citizenIDError("region code (digits 1–6) has no valid province prefix")
	case !isDigits(id[6:14]):
		return "", time.Time{}, citizenIDError("birth date must be 8 digits")
	}
	birth, ok := parseDate(id[6:14])
	switch {
	case !ok:
		return "", time.Time{}, citizenIDError("birth date (digits 7–14) is not a valid date")
	case birth.Year() < MinBirthYear:
		return "", time.Time{}, citizenIDError("birth year is before %d", MinBirthYear)
	case !isDigits(id[14:17]):
		return "", time.Time{}, citizenIDError("sequence code must be 3 digits")
	case !isDigits(id[17:]) && id[17] != 'X':
		return "", time.Time{}, citizenIDError("check digit must be 0-9 or X, got %q", id[17:])
	}
	return id, birth, nil
}

func checkCitizenIDDigit(id string) error {
	if want := citizenIDCheckDigit(id[:17]); id[17] != want {
		return citizenIDError("check digit is %c, expected %c", id[17], want)
	}
	return nil
}

// citizenIDCheckDigit computes the check character of 17 ASCII digits.
func citizenIDCheckDigit(first17 string) byte {
	sum := 0
	for i, w := range citizenIDWeights {
		sum += int(first17[i]-'0') * w
	}
	return citizenIDCheckChars[sum%11]
}

// validProvince reports whether p is a GB/T 2260 province-level prefix
// (11–15, 21–23, 31–37, 41–46, 50–54, 61–65, 71, 81, 82, 83).
func validProvince(p string) bool {
	if len(p) != 2 || !isDigits(p) {
		return false
	}
	n := int(p[0]-'0')*10 + int(p[1]-'0')
	switch {
	case 11 <= n && n <= 15, 21 <= n && n <= 23, 31 <= n && n <= 37,
		41 <= n && n <= 46, 50 <= n && n <= 54, 61 <= n && n <= 65:
		return true
	}
	return n == 71 || n == 81 || n == 82 || n == 83
}

// parseDate parses 8 ASCII digits YYYYMMDD as a calendar date at midnight UTC.
func parseDate(s string) (time.Time, bool) {
	y, m, d := atoi(s[:4]), time.Month(atoi(s[4:6])), atoi(s[6:8])
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return t, t.Year() == y && t.Month() == m && t.Day() == d
}

func atoi(digits string) int {
	n := 0
	for i := range len(digits) {
		n = n*10 + int(digits[i]-'0')
	}
	return n
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func citizenIDError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidCitizenID}, args...)...)
}
