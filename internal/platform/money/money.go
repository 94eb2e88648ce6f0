// Package money is Silkgate's one representation of an amount of money:
// a decimal string in a currency's ISO 4217 minor units, never a float
// (`{"amount": "12.50", "currency": "USD"}`; JPY has no decimals, KWD three).
// Arithmetic and rounding go through bojanz/currency, which carries the
// ISO 4217 and CLDR data; rounding is half-even unless a caller says
// otherwise.
package money

import (
	"fmt"
	"strings"

	"github.com/bojanz/currency"
)

// Money is an amount in a currency.
type Money struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// Digits returns the minor units of an ISO 4217 currency code.
func Digits(code string) (int, bool) {
	d, ok := currency.GetDigits(code)
	return int(d), ok
}

// ValidCurrency reports whether code is an active ISO 4217 currency.
func ValidCurrency(code string) bool {
	return len(code) == 3 && code == strings.ToUpper(code) && currency.IsValid(code)
}

// Problem codes Check returns, for validation messages.
const (
	CodeCurrency  = "invalid_currency"
	CodeAmount    = "invalid_amount"
	CodePrecision = "too_precise"
	CodeNegative  = "negative_amount"
)

// Check validates m and returns it normalised to exactly the currency's
// minor units ("12.5" USD → "12.50"). It returns a problem code and its
// parameters when m is invalid: an unknown currency, a malformed number,
// or more decimals than the currency has (which would silently lose
// money if rounded).
func Check(m Money, allowNegative bool) (Money, string, []any) {
	if !ValidCurrency(m.Currency) {
		return m, CodeCurrency, []any{"currency", m.Currency}
	}
	s := strings.TrimSpace(m.Amount)
	if s == "" || strings.ContainsAny(s, "eE") {
		return m, CodeAmount, nil
	}
	a, err := currency.NewAmount(s, m.Currency)
	if err != nil {
		return m, CodeAmount, nil
	}
	digits, _ := Digits(m.Currency)
	if _, frac, ok := strings.Cut(s, "."); ok && len(strings.TrimRight(frac, "0")) > digits {
		return m, CodePrecision, []any{"digits", digits, "currency", m.Currency}
	}
	if a.IsNegative() && !allowNegative {
		return m, CodeNegative, nil
	}
	return From(a), "", nil
}

// Decimal converts m for arithmetic.
func (m Money) Decimal() (currency.Amount, error) {
	return currency.NewAmount(m.Amount, m.Currency)
}

// From converts a bojanz amount back, rounded half-even to minor units.
func From(a currency.Amount) Money {
	r := a.RoundTo(uint8(mustDigits(a.CurrencyCode())), currency.RoundHalfEven)
	return Money{Amount: r.Number(), Currency: r.CurrencyCode()}
}

func mustDigits(code string) int {
	d, _ := Digits(code)
	return d
}

// New returns Money for a decimal string, rounded half-even to the
// currency's minor units.
func New(amount, code string) (Money, error) {
	a, err := currency.NewAmount(amount, code)
	if err != nil {
		return Money{}, fmt.Errorf("money: %w", err)
	}
	return From(a), nil
}

// String renders "12.50 USD".
func (m Money) String() string { return m.Amount + " " + m.Currency }

// OpenAPISchema describes Money in the API reference.
func (Money) OpenAPISchema() map[string]any {
	return map[string]any{
		"type":     "object",
		"required": []string{"amount", "currency"},
		"properties": map[string]any{
			"amount":   map[string]any{"type": "string", "pattern": `^-?[0-9]+(\.[0-9]+)?$`, "examples": []string{"12.50"}, "description": "decimal string with the currency's ISO 4217 minor units"},
			"currency": map[string]any{"type": "string", "pattern": "^[A-Z]{3}$", "examples": []string{"USD"}, "description": "ISO 4217 code"},
		},
	}
}
