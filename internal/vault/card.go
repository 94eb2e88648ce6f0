package vault

import (
	"strings"
	"time"
)

// Brand is a card scheme.
type Brand string

// The brands the vault accepts.
const (
	Visa       Brand = "visa"
	Mastercard Brand = "mastercard"
	Amex       Brand = "amex"
	UnionPay   Brand = "unionpay"
	JCB        Brand = "jcb"
	Discover   Brand = "discover"
	Diners     Brand = "diners"
	Maestro    Brand = "maestro"
)

// scheme is one brand's issuer identification ranges and its rules.
type scheme struct {
	brand Brand
	// ranges are inclusive prefix ranges; lo and hi have the same number
	// of digits.
	ranges [][2]string
	// lengths are the PAN lengths the brand issues.
	lengths []int
	cvc     int
}

// schemes lists the accepted brands. No two ranges overlap, so the order
// does not matter; a number outside every range is refused rather than
// guessed at. 62 is UnionPay's (Discover accepts it by agreement, not the
// other way round).
var schemes = []scheme{
	{Amex, [][2]string{{"34", "34"}, {"37", "37"}}, []int{15}, 4},
	{Diners, [][2]string{{"300", "305"}, {"3095", "3095"}, {"36", "36"}, {"38", "39"}}, []int{14, 15, 16, 17, 18, 19}, 3},
	{JCB, [][2]string{{"3528", "3589"}}, []int{16, 17, 18, 19}, 3},
	{Mastercard, [][2]string{{"51", "55"}, {"2221", "2720"}}, []int{16}, 3},
	{Visa, [][2]string{{"4", "4"}}, []int{13, 16, 19}, 3},
	{Discover, [][2]string{{"6011", "6011"}, {"644", "649"}, {"65", "65"}}, []int{16, 17, 18, 19}, 3},
	{UnionPay, [][2]string{{"62", "62"}, {"81", "81"}}, []int{16, 17, 18, 19}, 3},
	{Maestro, [][2]string{{"50", "50"}, {"56", "58"}, {"6304", "6304"}, {"6759", "6759"}, {"676770", "676770"}, {"676774", "676774"}},
		[]int{12, 13, 14, 15, 16, 17, 18, 19}, 3},
}

func (s scheme) matches(digits string) bool {
	for _, r := range s.ranges {
		n := len(r[0])
		if len(digits) < n {
			continue
		}
		if p := digits[:n]; p >= r[0] && p <= r[1] {
			return true
		}
	}
	return false
}

func schemeOf(digits string) (scheme, bool) {
	for _, s := range schemes {
		if s.matches(digits) {
			return s, true
		}
	}
	return scheme{}, false
}

// Detect names the brand of a card number from its leading digits, or ""
// when no accepted brand issues it.
func Detect(digits string) Brand {
	s, _ := schemeOf(digits)
	return s.brand
}

// CVCLength is the length of brand's security code.
func CVCLength(b Brand) int {
	for _, s := range schemes {
		if s.brand == b {
			return s.cvc
		}
	}
	return 3
}

// Luhn reports whether digits (ASCII digits only) pass the Luhn check.
func Luhn(digits string) bool {
	if digits == "" {
		return false
	}
	sum := 0
	for i := 0; i < len(digits); i++ {
		c := digits[len(digits)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Number problems, in the order ParseNumber finds them; each is the
// validation code the API answers.
const (
	CodeRequired     = "required"
	CodeFormat       = "invalid_format"
	CodeUnknownBrand = "unknown_brand"
	CodeLength       = "invalid_length"
	CodeLuhn         = "luhn"
	CodeExpired      = "expired"
)

// ParseNumber reads a card number as people type it — digits, with
// spaces or dashes between groups — and returns its digits and brand, or
// the code of its first problem. It never echoes the input.
func ParseNumber(s string) (digits string, brand Brand, code string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", CodeRequired
	}
	if len(s) > 32 {
		return "", "", CodeFormat
	}
	b := make([]byte, 0, 19)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b = append(b, c)
		case c == ' ' || c == '-':
			// A separator between digits, never two in a row or at an end.
			if i == 0 || i == len(s)-1 || s[i-1] == ' ' || s[i-1] == '-' {
				return "", "", CodeFormat
			}
		default:
			return "", "", CodeFormat
		}
	}
	digits = string(b)
	if len(digits) < 12 || len(digits) > 19 {
		return "", "", CodeFormat
	}
	sc, ok := schemeOf(digits)
	if !ok {
		return "", "", CodeUnknownBrand
	}
	lengthOK := false
	for _, n := range sc.lengths {
		lengthOK = lengthOK || n == len(digits)
	}
	if !lengthOK {
		return "", sc.brand, CodeLength
	}
	if !Luhn(digits) {
		return "", sc.brand, CodeLuhn
	}
	return digits, sc.brand, ""
}

// Mask shows at most the first six and the last four digits of a card
// number (PCI DSS 3.4.1), the rest as asterisks: 424242******4242.
func Mask(digits string) string {
	if len(digits) < 10 {
		return strings.Repeat("*", len(digits))
	}
	return digits[:6] + strings.Repeat("*", len(digits)-10) + digits[len(digits)-4:]
}

// maskedFrom rebuilds the mask from the stored parts.
func maskedFrom(first6, last4 string, length int) string {
	if length < 10 {
		return strings.Repeat("*", length)
	}
	return first6 + strings.Repeat("*", length-10) + last4
}

// Expired reports whether a card valid through the end of month/year has
// expired at now. Expiry is judged in UTC, and a card is good through the
// last day of its month, as issuers print it.
func Expired(month, year int, now time.Time) bool {
	end := time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC)
	return !now.UTC().Before(end)
}

// validCVC reports whether cvc is n ASCII digits.
func validCVC(cvc string, n int) bool {
	if len(cvc) != n {
		return false
	}
	for i := 0; i < len(cvc); i++ {
		if cvc[i] < '0' || cvc[i] > '9' {
			return false
		}
	}
	return true
}
