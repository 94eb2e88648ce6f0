package sandboxpay

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/payment"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// Institution is the sandbox institution as a payment.Institution,
// keeping its payments in memory: for tests and for modules that want an
// institution without a store. The sandbox API keeps its payments in the
// database and uses Decide and State directly.
type Institution struct {
	// Now is the clock (time.Now), for expiry dates.
	Now func() time.Time

	mu         sync.Mutex
	payments   map[string]*State
	challenges map[string]string // challenge id → payment id
}

var _ payment.Institution = (*Institution)(nil)

// New returns an institution with no payments.
func New() *Institution {
	return &Institution{Now: time.Now, payments: map[string]*State{}, challenges: map[string]string{}}
}

// Authorize implements payment.Institution.
func (in *Institution) Authorize(ctx context.Context, req payment.AuthRequest) (payment.AuthResult, error) {
	amount, code, _ := money.Check(req.Amount, false)
	if code != "" {
		return payment.AuthResult{}, fmt.Errorf("sandboxpay: amount: %s", code)
	}
	st, err := Start(Decide(req.Card, in.Now()), amount)
	if err != nil {
		return payment.AuthResult{}, err
	}
	id := ids.New("pay")
	res := payment.AuthResult{ID: id, Outcome: st.Outcome(), DeclineCode: st.DeclineCode, Brand: st.Brand, Last4: st.Last4}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.payments[id] = &st
	if st.Status == StatusRequiresAction {
		res.ChallengeID = ids.New("3ds")
		in.challenges[res.ChallengeID] = id
	}
	return res, nil
}

func (in *Institution) get(id string) (*State, error) {
	st, ok := in.payments[id]
	if !ok {
		return nil, fmt.Errorf("sandboxpay: %s: %w", id, payment.ErrUnknownPayment)
	}
	return st, nil
}

// Complete3DS implements payment.Institution.
func (in *Institution) Complete3DS(ctx context.Context, challengeID, otp string) (payment.AuthResult, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	id, ok := in.challenges[challengeID]
	if !ok {
		return payment.AuthResult{}, fmt.Errorf("sandboxpay: challenge %s: %w", challengeID, payment.ErrUnknownPayment)
	}
	st, err := in.get(id)
	if err != nil {
		return payment.AuthResult{}, err
	}
	if err := st.Complete3DS(otp); err != nil {
		return payment.AuthResult{}, err
	}
	delete(in.challenges, challengeID)
	return payment.AuthResult{ID: id, Outcome: st.Outcome(), DeclineCode: st.DeclineCode, Brand: st.Brand, Last4: st.Last4}, nil
}

func (in *Institution) apply(id string, amount money.Money, fn func(*State, int64) error) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	st, err := in.get(id)
	if err != nil {
		return err
	}
	var minor int64
	if amount.Amount != "" {
		if amount.Currency != st.Currency {
			return fmt.Errorf("sandboxpay: %s is in %s: %w", id, st.Currency, payment.ErrAmount)
		}
		if minor, err = Minor(amount); err != nil {
			return err
		}
	}
	return fn(st, minor)
}

// Capture implements payment.Institution; a zero Money captures it all.
func (in *Institution) Capture(ctx context.Context, id string, amount money.Money) error {
	return in.apply(id, amount, (*State).Capture)
}

// Refund implements payment.Institution; a zero Money refunds what remains.
func (in *Institution) Refund(ctx context.Context, id string, amount money.Money) error {
	return in.apply(id, amount, (*State).Refund)
}

// Void implements payment.Institution.
func (in *Institution) Void(ctx context.Context, id string) error {
	return in.apply(id, money.Money{}, func(s *State, _ int64) error { return s.Void() })
}

// Payment returns a copy of a payment's state.
func (in *Institution) Payment(id string) (State, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	st, err := in.get(id)
	if err != nil {
		return State{}, err
	}
	return *st, nil
}
