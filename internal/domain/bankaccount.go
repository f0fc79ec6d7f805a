package domain

import (
	"errors"
	"fmt"
	"strings"
)

// NormalizeBankAccount drops the spaces and dashes people type between digit groups.
func NormalizeBankAccount(s string) string {
	return strings.NewReplacer(" ", "", "-", "", "\u3000", "").Replace(strings.TrimSpace(s))
}

// ValidateBankAccount checks a payee account as Chinese banks number them: digits only, 12 to
// 30 of them (personal cards 16–19, settlement accounts up to 30). A 16–19 digit number that
// starts with 62 is a UnionPay card (银联卡), whose last digit is a Luhn check digit: a typo in
// it would send public money to the wrong card or bounce the payment, so it is checked.
func ValidateBankAccount(s string) error {
	if s == "" {
		return errors.New("the bank account number is empty")
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return fmt.Errorf("a bank account number has only digits, not %q", r)
		}
	}
	if n := len(s); n < 12 || n > 30 {
		return fmt.Errorf("a bank account number has 12 to 30 digits, this one %d", n)
	}
	if IsUnionPayCard(s) && !LuhnValid(s) {
		return errors.New("the check digit of this UnionPay card number is wrong (Luhn): check the number")
	}
	return nil
}

// IsUnionPayCard reports whether s looks like a UnionPay card number (62…, 16–19 digits).
func IsUnionPayCard(s string) bool {
	return strings.HasPrefix(s, "62") && len(s) >= 16 && len(s) <= 19
}

// LuhnValid reports whether the digit string s passes the Luhn (mod 10) check.
func LuhnValid(s string) bool {
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return len(s) > 1 && sum%10 == 0
}
