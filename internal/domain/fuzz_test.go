package domain

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The parsers of outside input never panic, and what they accept holds together. Their seed
// corpora are the f.Add lines (and testdata/fuzz when a run finds something);
// `go test -fuzz FuzzCitizenID ./internal/domain/` explores further.

func FuzzCitizenID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105194912310021", "", "1101051949123100", "  110105 19491231 002X ", "99010519491231002X", "11010519490231002X"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 5, 0, 0, 0, 0, ChinaTime)
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateCitizenID(s, now)
		masked := MaskCitizenID(NormalizeCitizenID(s))
		if err == nil {
			n := NormalizeCitizenID(s)
			if len(n) != 18 {
				t.Fatalf("%q accepted but normalizes to %q", s, n)
			}
			if strings.Contains(masked, n[6:14]) {
				t.Fatalf("the mask %q shows the birth date of %q", masked, n)
			}
		}
	})
}

func FuzzCreditCode(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91350100M000100Y44", "", "9135 0100 M000 100Y43", "IIIIIIIIIIIIIIIIII"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateCreditCode(s) == nil && len(NormalizeCreditCode(s)) != 18 {
			t.Fatalf("%q accepted but is not 18 characters", s)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"13905351234", "+86 139 0535 1234", "0635-1234567", "", "1", "139053512345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = ValidatePhone(s)
		if m := MaskPhone(NormalizePhone(s)); len(NormalizePhone(s)) >= 11 && strings.Contains(m, NormalizePhone(s)) {
			t.Fatalf("the mask %q shows the whole number", m)
		}
	})
}

func FuzzBankAccount(f *testing.F) {
	for _, s := range []string{"6222020200112233446", "6222 0202 0011 2233 446", "6222020200112233447", "", "1234", "62220202001122334461234567890123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeBankAccount(s)
		if ValidateBankAccount(n) == nil {
			if len(n) < 12 || len(n) > 30 {
				t.Fatalf("%q accepted with %d digits", s, len(n))
			}
			if m := MaskBankAccount(n); strings.Contains(m, n) {
				t.Fatalf("the mask %q shows the whole account", m)
			}
		}
	})
}

func FuzzFormatYuan(f *testing.F) {
	for _, v := range []int64{0, 1, 99, 100, 1234567, -5, 1 << 62} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, fen int64) {
		s := FormatYuan(Fen(fen))
		if !utf8.ValidString(s) || !strings.Contains(s, ".") {
			t.Fatalf("%d fen formats as %q", fen, s)
		}
		if i := strings.IndexByte(s, '.'); len(s)-i-1 != 2 {
			t.Fatalf("%d fen: %q has no two decimals", fen, s)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-06-30", "2026-02-29", "2026-13-01", "", "2026-6-30", "0000-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err == nil && d.Format(time.DateOnly) != s {
			t.Fatalf("%q parses to %s", s, d.Format(time.DateOnly))
		}
		if err == nil {
			if _, err := NextDueDate(d, 2); err != nil {
				t.Fatalf("no due date after %s: %v", s, err)
			}
		}
	})
}
