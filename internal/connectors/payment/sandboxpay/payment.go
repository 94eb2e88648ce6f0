package sandboxpay

import (
	"fmt"
	"strconv"

	"github.com/bojanz/currency"

	"github.com/silkgate/silkgate/internal/connectors/payment"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// Status is where a sandbox payment is in its life cycle.
type Status string

// The statuses. A payment starts authorized, declined or requires_action;
// requires_action becomes authorized or declined with the challenge;
// authorized becomes captured (wholly or in parts) or voided; captured
// money may be refunded in parts until refunded.
const (
	StatusRequiresAction Status = "requires_action"
	StatusAuthorized     Status = "authorized"
	StatusDeclined       Status = "declined"
	StatusCaptured       Status = "captured"
	StatusRefunded       Status = "refunded"
	StatusVoided         Status = "voided"
)

// State is the part of a payment the rules act on. It holds no card data
// but the brand and last four digits.
type State struct {
	Status      Status `json:"status"`
	Currency    string `json:"currency"`
	Authorized  int64  `json:"authorized"`
	Captured    int64  `json:"captured"`
	Refunded    int64  `json:"refunded"`
	DeclineCode string `json:"decline_code,omitempty"`
	// After3DS is the decline code a passed challenge leads to ("" approves).
	After3DS string `json:"after_3ds,omitempty"`
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
}

// Start returns the state of a new payment of amount on a decided card.
func Start(d Decision, amount money.Money) (State, error) {
	minor, err := Minor(amount)
	if err != nil {
		return State{}, err
	}
	s := State{Currency: amount.Currency, Authorized: minor, Brand: d.Brand, Last4: d.Last4,
		DeclineCode: d.DeclineCode, After3DS: d.After3DS}
	switch d.Outcome {
	case payment.Approved:
		s.Status = StatusAuthorized
	case payment.RequiresAction:
		s.Status = StatusRequiresAction
	default:
		s.Status = StatusDeclined
	}
	return s, nil
}

// Outcome is the authorisation outcome State shows.
func (s State) Outcome() payment.Outcome {
	switch s.Status {
	case StatusRequiresAction:
		return payment.RequiresAction
	case StatusDeclined:
		return payment.Declined
	}
	return payment.Approved
}

// Complete3DS answers the challenge: TestOTP passes it, anything else
// declines with authentication_failed.
func (s *State) Complete3DS(otp string) error {
	if s.Status != StatusRequiresAction {
		return fmt.Errorf("sandboxpay: 3-D Secure on a %s payment: %w", s.Status, payment.ErrInvalidState)
	}
	switch {
	case otp != TestOTP:
		s.Status, s.DeclineCode = StatusDeclined, payment.CodeAuthFailed
	case s.After3DS != "":
		s.Status, s.DeclineCode = StatusDeclined, s.After3DS
	default:
		s.Status = StatusAuthorized
	}
	s.After3DS = ""
	return nil
}

// Capture takes amount (zero: all that remains) of an authorisation. One
// capture per authorisation, as most acquirers allow: what is not
// captured is released.
func (s *State) Capture(amount int64) error {
	if s.Status != StatusAuthorized {
		return fmt.Errorf("sandboxpay: capture a %s payment: %w", s.Status, payment.ErrInvalidState)
	}
	if amount == 0 {
		amount = s.Authorized
	}
	if amount < 0 || amount > s.Authorized {
		return fmt.Errorf("sandboxpay: capture %d of %d: %w", amount, s.Authorized, payment.ErrAmount)
	}
	s.Captured, s.Status = amount, StatusCaptured
	return nil
}

// Refund returns amount (zero: all that remains) of the captured money.
func (s *State) Refund(amount int64) error {
	if s.Status != StatusCaptured {
		return fmt.Errorf("sandboxpay: refund a %s payment: %w", s.Status, payment.ErrInvalidState)
	}
	left := s.Captured - s.Refunded
	if amount == 0 {
		amount = left
	}
	if amount < 0 || amount > left {
		return fmt.Errorf("sandboxpay: refund %d of %d: %w", amount, left, payment.ErrAmount)
	}
	s.Refunded += amount
	if s.Refunded == s.Captured {
		s.Status = StatusRefunded
	}
	return nil
}

// Void releases an authorisation (or abandons a challenge).
func (s *State) Void() error {
	if s.Status != StatusAuthorized && s.Status != StatusRequiresAction {
		return fmt.Errorf("sandboxpay: void a %s payment: %w", s.Status, payment.ErrInvalidState)
	}
	s.Status, s.After3DS = StatusVoided, ""
	return nil
}

// Minor converts an amount to minor units.
func Minor(m money.Money) (int64, error) {
	a, err := m.Decimal()
	if err != nil {
		return 0, fmt.Errorf("sandboxpay: amount: %w", err)
	}
	return a.Int64()
}

// Major renders minor units of cur as Money.
func Major(minor int64, cur string) money.Money {
	a, err := currency.NewAmountFromInt64(minor, cur)
	if err != nil {
		return money.Money{Amount: strconv.FormatInt(minor, 10), Currency: cur}
	}
	return money.From(a)
}
