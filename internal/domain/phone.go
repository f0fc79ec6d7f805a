package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// ErrInvalidPhone is wrapped by every error returned by ValidatePhone.
var ErrInvalidPhone = errors.New("invalid phone number")

var (
	mobileRE   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRE = regexp.MustCompile(`^0[0-9]{2,3}-[0-9]{7,8}$`)
)

// NormalizePhone trims surrounding whitespace. If what remains, after removing
// a +86 or 0086 country prefix and any spaces or hyphens, is a mainland mobile
// number, it returns those 11 digits; otherwise it returns the trimmed input.
func NormalizePhone(s string) string {
	s = strings.TrimSpace(s)
	rest := s
	for _, prefix := range []string{"+86", "0086"} {
		if r, ok := strings.CutPrefix(s, prefix); ok {
			rest = r
			break
		}
	}
	if digits := strings.NewReplacer(" ", "", "-", "").Replace(rest); mobileRE.MatchString(digits) {
		return digits
	}
	return s
}

// ValidatePhone accepts a mainland mobile number (11 digits matching
// 1[3-9]xxxxxxxxx, optionally written with a +86/0086 prefix, see
// NormalizePhone) or a landline written as area code, hyphen, number, where
// the area code is 3–4 digits starting with 0 and the number is 7–8 digits,
// e.g. 0635-1234567. Errors wrap ErrInvalidPhone.
func ValidatePhone(s string) error {
	p := NormalizePhone(s)
	switch {
	case mobileRE.MatchString(p), landlineRE.MatchString(p):
		return nil
	case p == "":
		return phoneError("must not be empty")
	case isDigits(p) && p[0] == '1':
		return phoneError("mobile number must be 11 digits starting with 13–19")
	case strings.HasPrefix(p, "0") && strings.Contains(p, "-"):
		return phoneError("landline must be a 3–4 digit area code starting with 0, a hyphen and a 7–8 digit number, e.g. 0635-1234567")
	}
	return phoneError("must be an 11-digit mobile number or a landline like 0635-1234567")
}

func phoneError(msg string) error {
	return fmt.Errorf("%w: %s", ErrInvalidPhone, msg)
}
