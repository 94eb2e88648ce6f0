package sandbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/payment"
	"github.com/silkgate/silkgate/internal/connectors/payment/sandboxpay"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// PaymentRequest is the body of POST /api/v1/sandbox/payments.
type PaymentRequest struct {
	Amount money.Money  `json:"amount"`
	Card   payment.Card `json:"card"`
	// ThreeDSReturnURL is where a challenge would send the cardholder
	// back; the sandbox only echoes it.
	ThreeDSReturnURL string `json:"three_ds_return_url,omitempty"`
	// Reference is the caller's own id for the payment.
	Reference string `json:"reference,omitempty"`
}

// XMLRoot names the XML root element.
func (PaymentRequest) XMLRoot() string { return "payment_request" }

// Validate checks the request's shape; the card's outcome is the
// institution's business (a number failing Luhn is declined, not refused).
func (r *PaymentRequest) Validate(now time.Time) error {
	var fs problem.Errors
	if r.Amount.Amount == "" && r.Amount.Currency == "" {
		fs.Add("amount", "required")
	} else if m, code, params := money.Check(r.Amount, false); code != "" {
		fs.Add("amount", code, params...)
	} else if m.Amount == "0" || strings.Trim(m.Amount, "0.") == "" {
		fs.Add("amount.amount", "positive")
	} else {
		r.Amount = m
	}
	num := sandboxpay.Digits(r.Card.Number)
	switch {
	case num == "":
		fs.Add("card.number", "required")
	case len(num) < 12 || len(num) > 19 || strings.Trim(num, "0123456789") != "":
		fs.Add("card.number", "invalid_format", "format", "12 to 19 digits")
	}
	if r.Card.ExpMonth < 1 || r.Card.ExpMonth > 12 {
		fs.Add("card.exp_month", "out_of_range", "min", 1, "max", 12)
	}
	if y := now.Year(); r.Card.ExpYear < y-20 || r.Card.ExpYear > y+30 {
		fs.Add("card.exp_year", "out_of_range", "min", y-20, "max", y+30)
	}
	cvc := strings.TrimSpace(r.Card.CVC)
	if want := sandboxpay.CVCLength(sandboxpay.Brand(num)); len(cvc) != want || strings.Trim(cvc, "0123456789") != "" {
		fs.Add("card.cvc", "invalid_format", "format", fmt.Sprintf("%d digits", want))
	}
	if r.ThreeDSReturnURL != "" {
		if u, err := url.Parse(r.ThreeDSReturnURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			fs.Add("three_ds_return_url", "invalid_format", "format", "an http(s) URL")
		}
	}
	if len(r.Reference) > 128 {
		fs.Add("reference", "max_length", "max", 128)
	}
	return fs.Err()
}

// Challenge is a pending 3-D Secure challenge.
type Challenge struct {
	ID string `json:"id"`
	// URL is where the cardholder would answer it; in the sandbox, POST
	// the OTP to it instead.
	URL       string `json:"url"`
	ReturnURL string `json:"return_url,omitempty"`
}

// Payment is a sandbox payment as the API shows it. It carries no card
// data but the brand, the last four digits and the expiry.
type Payment struct {
	ID string `json:"id"`
	// Outcome of the authorisation: approved, declined or requires_action.
	Outcome     payment.Outcome   `json:"outcome"`
	Status      sandboxpay.Status `json:"status"`
	DeclineCode string            `json:"decline_code,omitempty"`
	Challenge   *Challenge        `json:"challenge,omitempty"`
	Amount      money.Money       `json:"amount"`
	Captured    money.Money       `json:"captured"`
	Refunded    money.Money       `json:"refunded"`
	Card        CardSummary       `json:"card"`
	Reference   string            `json:"reference,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Payment) XMLRoot() string { return "payment" }

// CardSummary is what is kept of a card.
type CardSummary struct {
	Brand    string `json:"brand"`
	Last4    string `json:"last4"`
	ExpMonth int    `json:"exp_month"`
	ExpYear  int    `json:"exp_year"`
}

// payDoc is a stored payment's state column.
type payDoc struct {
	sandboxpay.State
	ExpMonth  int    `json:"exp_month"`
	ExpYear   int    `json:"exp_year"`
	Reference string `json:"reference,omitempty"`
	ReturnURL string `json:"return_url,omitempty"`
}

type payRow struct {
	id, challengeID      string
	raw                  string // the state column as read, to guard updates
	doc                  payDoc
	createdAt, updatedAt time.Time
}

func (r payRow) view() Payment {
	d := r.doc
	p := Payment{ID: r.id, Outcome: d.Outcome(), Status: d.Status, DeclineCode: d.DeclineCode,
		Amount: sandboxpay.Major(d.Authorized, d.Currency), Captured: sandboxpay.Major(d.Captured, d.Currency),
		Refunded:  sandboxpay.Major(d.Refunded, d.Currency),
		Card:      CardSummary{Brand: d.Brand, Last4: d.Last4, ExpMonth: d.ExpMonth, ExpYear: d.ExpYear},
		Reference: d.Reference, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	if d.Status == sandboxpay.StatusRequiresAction {
		p.Challenge = &Challenge{ID: r.challengeID, URL: "/api/v1/sandbox/payments/" + r.id + "/3ds", ReturnURL: d.ReturnURL}
	}
	return p
}

// CreatePayment authorises a payment on a test card.
func (s *Service) CreatePayment(ctx context.Context, pr PaymentRequest) (Payment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return Payment{}, err
	}
	now := s.now()
	if err := pr.Validate(now); err != nil {
		return Payment{}, err
	}
	st, err := sandboxpay.Start(sandboxpay.Decide(pr.Card, now), pr.Amount)
	if err != nil {
		return Payment{}, err
	}
	// The number and CVC stop here: nothing below sees them.
	r := payRow{id: ids.New("pay"), doc: payDoc{State: st, ExpMonth: pr.Card.ExpMonth, ExpYear: pr.Card.ExpYear,
		Reference: pr.Reference, ReturnURL: pr.ThreeDSReturnURL}, createdAt: s.stamp()}
	r.updatedAt = r.createdAt
	if st.Status == sandboxpay.StatusRequiresAction {
		r.challengeID = ids.New("3ds")
	}
	doc, err := json.Marshal(r.doc)
	if err != nil {
		return Payment{}, fmt.Errorf("sandbox: encode payment: %w", err)
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO sandbox_payments (tenant_id, sandbox, id, challenge_id, state,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			r.id, r.challengeID, string(doc), r.createdAt, r.updatedAt); err != nil {
			return fmt.Errorf("sandbox: create payment: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "sandbox.payment.authorize", Resource: "payment/" + r.id,
			Change: map[string]any{"amount": pr.Amount, "brand": st.Brand, "last4": st.Last4, "status": st.Status, "decline_code": st.DeclineCode},
			Detail: string(st.Status)})
	})
	if err != nil {
		return Payment{}, err
	}
	return r.view(), nil
}

const payCols = `id, challenge_id, state, created_at, updated_at`

func scanPay(sc interface{ Scan(...any) error }) (payRow, error) {
	var (
		r   payRow
		doc string
	)
	if err := sc.Scan(&r.id, &r.challengeID, &doc, &r.createdAt, &r.updatedAt); err != nil {
		return payRow{}, err
	}
	if err := json.Unmarshal([]byte(doc), &r.doc); err != nil {
		return payRow{}, fmt.Errorf("sandbox: decode payment %s: %w", r.id, err)
	}
	r.raw = doc
	r.createdAt, r.updatedAt = r.createdAt.UTC(), r.updatedAt.UTC()
	return r, nil
}

func (s *Service) loadPayment(ctx context.Context, q db.Tenanted, id string) (payRow, error) {
	r, err := scanPay(q.QueryRowContext(ctx, `SELECT `+payCols+` FROM sandbox_payments
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return payRow{}, problem.ErrNotFound
	}
	if err != nil {
		return payRow{}, fmt.Errorf("sandbox: load payment: %w", err)
	}
	return r, nil
}

// GetPayment returns one of the caller's sandbox payments.
func (s *Service) GetPayment(ctx context.Context, id string) (Payment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return Payment{}, err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Payment{}, err
	}
	r, err := s.loadPayment(ctx, q, id)
	if err != nil {
		return Payment{}, err
	}
	return r.view(), nil
}

// AmountRequest is the body of capture and refund: no amount means all
// that remains.
type AmountRequest struct {
	Amount *money.Money `json:"amount,omitempty"`
}

// XMLRoot names the XML root element.
func (AmountRequest) XMLRoot() string { return "amount_request" }

// OTPRequest is the body of POST …/3ds.
type OTPRequest struct {
	OTP string `json:"otp"`
}

// XMLRoot names the XML root element.
func (OTPRequest) XMLRoot() string { return "otp_request" }

// Complete3DS answers a payment's 3-D Secure challenge.
func (s *Service) Complete3DS(ctx context.Context, id string, r OTPRequest) (Payment, error) {
	otp := strings.TrimSpace(r.OTP)
	if otp == "" {
		return Payment{}, problem.Invalid(problem.Field{Field: "otp", Code: "required"})
	}
	return s.change(ctx, id, "sandbox.payment.3ds", func(st *sandboxpay.State) error { return st.Complete3DS(otp) })
}

// Capture takes an authorised payment's money (all, or amount).
func (s *Service) Capture(ctx context.Context, id string, r AmountRequest) (Payment, error) {
	return s.changeAmount(ctx, id, "sandbox.payment.capture", r, (*sandboxpay.State).Capture)
}

// Refund returns captured money (all that remains, or amount).
func (s *Service) Refund(ctx context.Context, id string, r AmountRequest) (Payment, error) {
	return s.changeAmount(ctx, id, "sandbox.payment.refund", r, (*sandboxpay.State).Refund)
}

// Void releases an authorisation that was not captured.
func (s *Service) Void(ctx context.Context, id string) (Payment, error) {
	return s.change(ctx, id, "sandbox.payment.void", (*sandboxpay.State).Void)
}

func (s *Service) changeAmount(ctx context.Context, id, action string, r AmountRequest, fn func(*sandboxpay.State, int64) error) (Payment, error) {
	return s.change(ctx, id, action, func(st *sandboxpay.State) error {
		var minor int64
		if r.Amount != nil {
			m, code, params := money.Check(*r.Amount, false)
			if code != "" {
				return problem.Invalid(problem.Field{Field: "amount", Code: code, Params: params})
			}
			if m.Currency != st.Currency {
				return problem.Invalid(problem.Field{Field: "amount.currency", Code: "one_of", Params: []any{"values", st.Currency}})
			}
			var err error
			if minor, err = sandboxpay.Minor(m); err != nil {
				return err
			}
			if minor == 0 {
				return problem.Invalid(problem.Field{Field: "amount.amount", Code: "positive"})
			}
		}
		return fn(st, minor)
	})
}

// change applies fn to a payment's state in one transaction and maps the
// institution's refusals onto problems.
func (s *Service) change(ctx context.Context, id, action string, fn func(*sandboxpay.State) error) (Payment, error) {
	if err := sandboxOnly(ctx); err != nil {
		return Payment{}, err
	}
	var out Payment
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		r, err := s.loadPayment(ctx, q, id)
		if err != nil {
			return err
		}
		from := r.doc.Status
		err = fn(&r.doc.State)
		switch {
		case errors.Is(err, payment.ErrInvalidState):
			return problem.Conflict("payment_state", "status", string(from))
		case errors.Is(err, payment.ErrAmount):
			return &problem.Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed",
				Fields: []problem.Field{{Field: "amount", Code: "exceeds_remaining"}}}
		case err != nil:
			return err
		}
		doc, err := json.Marshal(r.doc)
		if err != nil {
			return fmt.Errorf("sandbox: encode payment: %w", err)
		}
		r.updatedAt = s.stamp()
		// The guard on the state read makes a concurrent change of the same
		// payment (possible on PostgreSQL) lose cleanly: two captures cannot
		// both succeed.
		res, err := q.ExecContext(ctx, `UPDATE sandbox_payments SET state = $4, updated_at = $5
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND state = $6`, r.id, string(doc), r.updatedAt, r.raw)
		if err != nil {
			return fmt.Errorf("sandbox: update payment: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sandbox: update payment: %w", err)
		} else if n == 0 {
			return problem.Conflict("conflict")
		}
		out = r.view()
		return s.audit.Record(ctx, audit.Event{Action: action, Resource: "payment/" + r.id,
			Change: map[string]any{"from": from, "to": r.doc.Status, "captured": out.Captured, "refunded": out.Refunded},
			Detail: string(from) + " → " + string(r.doc.Status)})
	})
	if err != nil {
		return Payment{}, err
	}
	return out, nil
}
