package domain

import (
	"fmt"
	"strings"
)

// MakeCitizenID builds a citizen ID from a 6-digit region code, an 8-digit
// birth date YYYYMMDD and a 3-digit sequence code by appending the correct
// check digit. It is meant for tests and demo data: it does not check that the
// region or date are valid (so tests can break exactly one rule), and it
// panics if a part has the wrong length or contains a non-digit.
func MakeCitizenID(region, birth, seq string) string {
	for _, p := range []struct{ name, v string }{{"region", region}, {"birth", birth}, {"seq", seq}} {
		if !isDigits(p.v) {
			panic(fmt.Sprintf("domain.MakeCitizenID: %s %q is not all digits", p.name, p.v))
		}
	}
	if len(region) != 6 || len(birth) != 8 || len(seq) != 3 {
		panic(fmt.Sprintf("domain.MakeCitizenID: want 6+8+3 digits, got %q %q %q", region, birth, seq))
	}
	first17 := region + birth + seq
	return first17 + string(citizenIDCheckDigit(first17))
}

// MakeCreditCode appends the correct check character to the first 17
// characters of a unified social credit code. It is meant for tests and demo
// data: it does not check the authority or division code, and it panics if
// prefix17 is not 17 characters from the code charset.
func MakeCreditCode(prefix17 string) string {
	if len(prefix17) != 17 {
		panic(fmt.Sprintf("domain.MakeCreditCode: want 17 characters, got %q", prefix17))
	}
	for i := range len(prefix17) {
		if strings.IndexByte(creditCodeCharset, prefix17[i]) < 0 {
			panic(fmt.Sprintf("domain.MakeCreditCode: character %q of %q is not in the charset", prefix17[i], prefix17))
		}
	}
	return prefix17 + string(creditCodeCheckChar(prefix17))
}
