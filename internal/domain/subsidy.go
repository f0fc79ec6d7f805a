package domain

import "time"

// SubsidyKind is a kind of talent subsidy (人才补贴).
type SubsidyKind string

// Subsidy kinds.
const (
	SubsidyLiving    SubsidyKind = "living"    // 生活补贴, monthly
	SubsidyRent      SubsidyKind = "rent"      // 租房补贴, monthly
	SubsidyHome      SubsidyKind = "home"      // 购房补贴, one-time
	SubsidySettling  SubsidyKind = "settling"  // 安家补贴, one-time
	SubsidyAllowance SubsidyKind = "allowance" // 工资外津贴, monthly
)

var subsidyKinds = vocabulary[SubsidyKind]{
	{SubsidyLiving, "生活补贴"},
	{SubsidyRent, "租房补贴"},
	{SubsidyHome, "购房补贴"},
	{SubsidySettling, "安家补贴"},
	{SubsidyAllowance, "工资外津贴"},
}

// SubsidyKindValues returns every subsidy kind in display order.
func SubsidyKindValues() []string { return subsidyKinds.values() }

// Valid reports whether k is a known subsidy kind.
func (k SubsidyKind) Valid() bool { return subsidyKinds.index(k) >= 0 }

// Label returns the Chinese name of k.
func (k SubsidyKind) Label() string { return subsidyKinds.label(k) }

// EnumValues lists the subsidy kinds for the OpenAPI enum.
func (SubsidyKind) EnumValues() []string { return SubsidyKindValues() }

// PaymentState is where one subsidy payment (one period of a subsidy) stands in the ledger.
type PaymentState string

// Payment states.
const (
	PaymentScheduled  PaymentState = "scheduled"  // a future period
	PaymentHeld       PaymentState = "held"       // employment not confirmed in time
	PaymentDue        PaymentState = "due"        // may go into a batch
	PaymentInBatch    PaymentState = "in_batch"   // in an open batch
	PaymentPaid       PaymentState = "paid"       // the bank confirmed it
	PaymentFailed     PaymentState = "failed"     // (a batch line) the bank refused it; the payment is due again
	PaymentCancelled  PaymentState = "cancelled"  // never to be paid (departure, withdrawal)
	PaymentRecovering PaymentState = "recovering" // paid for a period after the talent left: to be recovered
	PaymentRecovered  PaymentState = "recovered"  // repaid, or netted against a later payment
)

var paymentStates = vocabulary[PaymentState]{
	{PaymentScheduled, "待到期"}, {PaymentHeld, "暂停（未确认在职）"}, {PaymentDue, "待发放"},
	{PaymentInBatch, "批次中"}, {PaymentPaid, "已发放"}, {PaymentFailed, "发放失败"},
	{PaymentCancelled, "已取消"}, {PaymentRecovering, "追回中"}, {PaymentRecovered, "已追回"},
}

// PaymentStateValues returns every payment state.
func PaymentStateValues() []string { return paymentStates.values() }

// Label returns the Chinese name of s.
func (s PaymentState) Label() string { return paymentStates.label(s) }

// EnumValues lists the payment states for the OpenAPI enum.
func (PaymentState) EnumValues() []string { return PaymentStateValues() }

// Fen is an amount of money in fen (分), the only way talentflow counts money.
type Fen = int64

// FormatYuan writes fen as yuan with exactly two decimals: 123456 → "1234.56".
func FormatYuan(fen Fen) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return sign + itoa(fen/100) + "." + pad2(fen%100)
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func pad2(n int64) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

// PeriodOf is the period (YYYY-MM) of a time.
func PeriodOf(t time.Time) string { return t.Format("2006-01") }

// AddPeriods is the period n months after p (YYYY-MM); "" if p is not a period.
func AddPeriods(p string, n int) string {
	t, err := time.Parse("2006-01", p)
	if err != nil {
		return ""
	}
	return t.AddDate(0, n, 0).Format("2006-01")
}
