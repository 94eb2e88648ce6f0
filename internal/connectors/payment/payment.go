// Package payment is the contract between Silkgate and a payment
// institution that accepts cards (clause 6.1.2, interface layer):
// authorisation with its three outcomes — approved, declined with a reason
// code, or a 3-D Secure challenge the cardholder must complete — then
// capture, refund and void. The settlement module reaches institutions
// only through Institution; each institution is a package below this one.
//
// Card data crosses this interface only in AuthRequest, on its way to the
// institution: nothing here stores it, and results carry only the brand and
// the last four digits (PCI DSS 3.3, 3.4).
package payment

import (
	"context"
	"errors"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// Outcome is what an authorisation came to.
type Outcome string

// The outcomes.
const (
	Approved       Outcome = "approved"
	Declined       Outcome = "declined"
	RequiresAction Outcome = "requires_action"
)

// Decline codes, in the vocabulary card institutions share.
const (
	CodeCardDeclined      = "card_declined"
	CodeInsufficientFunds = "insufficient_funds"
	CodeExpiredCard       = "expired_card"
	CodeIncorrectCVC      = "incorrect_cvc"
	CodeIncorrectNumber   = "incorrect_number"
	CodeAuthFailed        = "authentication_failed"
	CodeProcessingError   = "processing_error"
	CodeFraudulent        = "fraudulent"
)

// Card is a card as the cardholder typed it.
type Card struct {
	Number   string `json:"number"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
	CVC      string `json:"cvc"`
}

// AuthRequest asks to reserve an amount on a card.
type AuthRequest struct {
	Amount money.Money
	Card   Card
	// Reference is the caller's id for the payment, for reconciliation.
	Reference string
	// ReturnURL is where a 3-D Secure challenge sends the cardholder back.
	ReturnURL string
}

// AuthResult is an authorisation's answer.
type AuthResult struct {
	// ID is the institution's id of the authorisation.
	ID      string  `json:"id"`
	Outcome Outcome `json:"outcome"`
	// DeclineCode says why, when declined.
	DeclineCode string `json:"decline_code,omitempty"`
	// ChallengeID identifies the 3-D Secure challenge, when the outcome is
	// RequiresAction; Complete3DS answers it.
	ChallengeID string `json:"challenge_id,omitempty"`
	// Brand and Last4 are all that may be kept of the card.
	Brand string `json:"brand"`
	Last4 string `json:"last4"`
}

// Errors an institution returns; implementations wrap them.
var (
	ErrUnknownPayment = errors.New("payment: unknown payment")
	ErrInvalidState   = errors.New("payment: operation not allowed in the payment's state")
	ErrAmount         = errors.New("payment: amount exceeds what remains")
)

// Institution is a card-accepting payment institution. Implementations
// are safe for concurrent use. Every amount is in the currency of the
// authorisation.
type Institution interface {
	Authorize(ctx context.Context, req AuthRequest) (AuthResult, error)
	// Complete3DS answers the challenge of a RequiresAction result with
	// what the cardholder entered; the result is approved or declined.
	Complete3DS(ctx context.Context, challengeID, answer string) (AuthResult, error)
	// Capture takes an approved authorisation's amount, or part of it.
	Capture(ctx context.Context, id string, amount money.Money) error
	// Refund returns captured money, in whole or in parts.
	Refund(ctx context.Context, id string, amount money.Money) error
	// Void releases an authorisation that was not captured.
	Void(ctx context.Context, id string) error
}
