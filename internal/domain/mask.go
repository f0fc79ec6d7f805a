package domain

import (
	"regexp"
	"strings"
)

// The Mask functions hide personal data for lists and logs. They never panic;
// surrounding whitespace is trimmed, and input too short (or, for phones, in
// an unknown format) to mask meaningfully becomes all asterisks of the same
// rune length.

// MaskCitizenID keeps the first 6 and last 4 characters of a citizen ID
// (371521********123X). Inputs shorter than 15 runes (the legacy ID length)
// are fully masked.
func MaskCitizenID(s string) string {
	return maskKeep(strings.TrimSpace(s), 6, 4, 15)
}

// MaskPhone masks a mobile number as 138****5678 (after NormalizePhone) and a
// landline as 0635-*****67, keeping the area code and the last 2 digits.
// Anything else is fully masked.
func MaskPhone(s string) string {
	p := NormalizePhone(s)
	switch {
	case mobileRE.MatchString(p):
		return maskKeep(p, 3, 4, 11)
	case landlineRE.MatchString(p):
		area, number, _ := strings.Cut(p, "-")
		return area + "-" + maskKeep(number, 0, 2, 7)
	}
	return maskKeep(p, 0, 0, 0)
}

// MaskBankAccount keeps only the last 4 characters of an account number and
// preserves its length (************1234). Inputs shorter than 8 runes are
// fully masked.
func MaskBankAccount(s string) string {
	return maskKeep(strings.TrimSpace(s), 0, 4, 8)
}

// MaskName keeps the first rune (the family name) and masks the rest: 张** for
// 张三丰, 李* for 李四. A single rune is fully masked.
func MaskName(s string) string {
	return maskKeep(strings.TrimSpace(s), 1, 0, 2)
}

// maskKeep replaces all runes of s except the first head and last tail with
// '*'. If s has fewer than minLen runes, or too few to mask anything, every
// rune is replaced.
func maskKeep(s string, head, tail, minLen int) string {
	r := []rune(s)
	if len(r) < minLen || len(r) <= head+tail {
		head, tail = 0, 0
	}
	for i := head; i < len(r)-tail; i++ {
		r[i] = '*'
	}
	return string(r)
}

// Runs of digits that are personal data inside free text: an 18-character citizen ID, an
// 11-digit mobile number. (Bank accounts are taken only in their own field, masked wherever
// shown; a rule for any 12–30 digit run would also eat ids and timestamps.)
var (
	idInText     = regexp.MustCompile(`(^|[^0-9A-Za-z])([0-9]{17}[0-9Xx])($|[^0-9A-Za-z])`)
	mobileInText = regexp.MustCompile(`(^|[^0-9])(1[3-9][0-9]{9})($|[^0-9])`)
)

// RedactPersonal masks the citizen IDs and mobile numbers that appear in free text (a login
// name, a comment, an error message, a URL path) before it is logged or audited.
func RedactPersonal(s string) string {
	for _, r := range []struct {
		re   *regexp.Regexp
		mask func(string) string
	}{{idInText, MaskCitizenID}, {mobileInText, MaskPhone}} {
		s = r.re.ReplaceAllStringFunc(s, func(m string) string {
			parts := r.re.FindStringSubmatch(m)
			return parts[1] + r.mask(parts[2]) + parts[3]
		})
	}
	return s
}
