package domain

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalidCreditCode is wrapped by every error returned by ValidateCreditCode.
var ErrInvalidCreditCode = errors.New("invalid unified social credit code")

// creditCodeCharset lists the GB 32100-2015 characters in value order; I, O,
// Z, S and V are never used.
const creditCodeCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the GB 32100-2015 weights (3^i mod 31) of the first
// 17 characters.
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeAuthorities lists the registration authority codes accepted in
// position 1: 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教,
// 8 工会, 9 工商/市场监管, A 中央军委改革和编制办公室, N 农业, Y 其他. GB 32100-2015
// itself lists 1, 5, 9 and Y; the others were assigned later.
const CreditCodeAuthorities = "123456789ANY"

// NormalizeCreditCode trims surrounding whitespace and upper-cases s.
func NormalizeCreditCode(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// ValidateCreditCode checks a unified social credit code against GB 32100-2015:
// 18 characters from the code charset, a registration authority code from
// CreditCodeAuthorities, a 6-digit administrative division code in positions
// 3–8 and the mod-31 check character. s is normalised with NormalizeCreditCode
// first. Errors wrap ErrInvalidCreditCode.
func ValidateCreditCode(s string) error {
	code := NormalizeCreditCode(s)
	if n := len([]rune(code)); n != 18 {
		return creditCodeError("must be 18 characters, got %d", n)
	}
	for i, r := range []rune(code) {
		if r > 0x7f || strings.IndexByte(creditCodeCharset, byte(r)) < 0 {
			return creditCodeError("character %q at position %d is not allowed (letters I, O, Z, S, V are never used)", r, i+1)
		}
	}
	if strings.IndexByte(CreditCodeAuthorities, code[0]) < 0 {
		return creditCodeError("registration authority code %c must be one of %s", code[0], CreditCodeAuthorities)
	}
	if !isDigits(code[2:8]) {
		return creditCodeError("administrative division code %s must be 6 digits", code[2:8])
	}
	if want := creditCodeCheckChar(code[:17]); code[17] != want {
		return creditCodeError("check character is %c, expected %c", code[17], want)
	}
	return nil
}

// creditCodeCheckChar computes the check character of 17 charset characters.
func creditCodeCheckChar(first17 string) byte {
	sum := 0
	for i, w := range creditCodeWeights {
		sum += strings.IndexByte(creditCodeCharset, first17[i]) * w
	}
	return creditCodeCharset[(31-sum%31)%31]
}

func creditCodeError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidCreditCode}, args...)...)
}
