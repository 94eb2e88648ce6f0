package sandboxpay

import (
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/payment"
)

// TestOTP is the one-time password that passes a sandbox 3-D Secure
// challenge.
const TestOTP = "123456"

// TestCard is one documented test card.
type TestCard struct {
	Number string `json:"number"`
	Brand  string `json:"brand"`
	// Outcome of the authorisation, and DeclineCode when declined.
	Outcome     payment.Outcome `json:"outcome"`
	DeclineCode string          `json:"decline_code,omitempty"`
	// After3DS is the decline code after a passed challenge ("" approves);
	// only for RequiresAction cards.
	After3DS string `json:"after_3ds,omitempty"`
}

// TestCards lists the documented test cards, in the order the guide shows
// them.
var TestCards = []TestCard{
	{Number: "4242424242424242", Brand: "visa", Outcome: payment.Approved},
	{Number: "5555555555554444", Brand: "mastercard", Outcome: payment.Approved},
	{Number: "2223003122003222", Brand: "mastercard", Outcome: payment.Approved},
	{Number: "6200000000000005", Brand: "unionpay", Outcome: payment.Approved},
	{Number: "4000000000000002", Brand: "visa", Outcome: payment.Declined, DeclineCode: payment.CodeCardDeclined},
	{Number: "4000000000009995", Brand: "visa", Outcome: payment.Declined, DeclineCode: payment.CodeInsufficientFunds},
	{Number: "4000000000000069", Brand: "visa", Outcome: payment.Declined, DeclineCode: payment.CodeExpiredCard},
	{Number: "4000000000000127", Brand: "visa", Outcome: payment.Declined, DeclineCode: payment.CodeIncorrectCVC},
	{Number: "4000000000000119", Brand: "visa", Outcome: payment.Declined, DeclineCode: payment.CodeProcessingError},
	{Number: "4100000000000019", Brand: "visa", Outcome: payment.Declined, DeclineCode: payment.CodeFraudulent},
	{Number: "4000000000003220", Brand: "visa", Outcome: payment.RequiresAction},
	{Number: "4000000000003063", Brand: "visa", Outcome: payment.RequiresAction, After3DS: payment.CodeCardDeclined},
}

// Decision is what the sandbox institution makes of a card: the
// authorisation's outcome and, for a challenge, what follows it.
type Decision struct {
	Outcome     payment.Outcome
	DeclineCode string
	After3DS    string
	Brand       string
	Last4       string
}

// Digits strips the spaces and dashes people type into card numbers.
func Digits(number string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(number))
}

// Luhn reports whether a string of digits passes the Luhn check.
func Luhn(digits string) bool {
	if len(digits) < 12 || len(digits) > 19 {
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
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// Brand names the card scheme from the number's leading digits.
func Brand(digits string) string {
	p := func(n int) int {
		if len(digits) < n {
			return -1
		}
		v := 0
		for _, c := range digits[:n] {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	switch {
	case strings.HasPrefix(digits, "4"):
		return "visa"
	case p(2) >= 51 && p(2) <= 55, p(4) >= 2221 && p(4) <= 2720:
		return "mastercard"
	case p(2) == 34, p(2) == 37:
		return "amex"
	case p(2) == 62, p(2) == 81:
		return "unionpay"
	case p(4) >= 3528 && p(4) <= 3589:
		return "jcb"
	case p(4) == 6011, p(2) == 65:
		return "discover"
	}
	return "unknown"
}

// CVCLength is the length of a brand's security code.
func CVCLength(brand string) int {
	if brand == "amex" {
		return 4
	}
	return 3
}

// Decide returns the outcome of authorising card at now. It reads the
// number and the CVC and returns nothing of them but the brand and the
// last four digits. The caller has checked the request's shape (see
// payment.Card fields); Decide only judges.
func Decide(card payment.Card, now time.Time) Decision {
	num := Digits(card.Number)
	d := Decision{Brand: Brand(num)}
	if len(num) >= 4 {
		d.Last4 = num[len(num)-4:]
	}
	decline := func(code string) Decision {
		d.Outcome, d.DeclineCode = payment.Declined, code
		return d
	}
	if !Luhn(num) {
		return decline(payment.CodeIncorrectNumber)
	}
	if Expired(card.ExpMonth, card.ExpYear, now) {
		return decline(payment.CodeExpiredCard)
	}
	for _, tc := range TestCards {
		if tc.Number == num {
			d.Outcome, d.DeclineCode, d.After3DS = tc.Outcome, tc.DeclineCode, tc.After3DS
			return d
		}
	}
	return decline(payment.CodeCardDeclined)
}

// Expired reports whether a card expiring at the end of month/year has
// expired at now.
func Expired(month, year int, now time.Time) bool {
	if month < 1 || month > 12 {
		return true
	}
	end := time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC)
	return !now.Before(end)
}
