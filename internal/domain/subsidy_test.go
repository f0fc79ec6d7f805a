package domain

import "testing"

func TestBankAccountsAreDigitsOfABankLengthWithTheUnionPayCheckDigit(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"6222020200112233446", true},  // UnionPay, Luhn ok
		{"6222020200112233445", false}, // one digit off
		{"6217000010012345677", true},  // another UnionPay card
		{"16100101040012345", true},    // a settlement account: no check digit
		{"1234567890123456789012345678", true},
		{"12345678901", false}, // too short
		{"1234567890123456789012345678901", false},
		{"62220202O0112233446", false}, // a letter O
		{"", false},
	} {
		if err := ValidateBankAccount(tc.in); (err == nil) != tc.ok {
			t.Errorf("ValidateBankAccount(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
	if got := NormalizeBankAccount(" 6222 0202-0011 2233 446 "); got != "6222020200112233446" {
		t.Errorf("NormalizeBankAccount = %q", got)
	}
}

func TestMoneyIsWrittenAsYuanWithTwoDecimals(t *testing.T) {
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 100: "1.00", 123456: "1234.56", 2000000: "20000.00", -250: "-2.50"} {
		if got := FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
	if got := AddPeriods("2026-11", 3); got != "2027-02" {
		t.Errorf("AddPeriods = %q", got)
	}
}
