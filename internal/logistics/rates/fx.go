package rates

import (
	"context"
	"errors"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// Rate is the exchange rate an amount was converted at: one unit of From
// buys Rate units of To.
type Rate struct {
	From string `json:"from"`
	To   string `json:"to"`
	Rate string `json:"rate"`
	// Date is the publication day of a reference rate (YYYY-MM-DD).
	Date   string `json:"date,omitempty"`
	Source string `json:"source,omitempty"`
	// Via names the currency a cross rate went through.
	Via string `json:"via,omitempty"`
}

// FX converts money between currencies. The settlement module provides
// the real one; comparison never ranks amounts in different currencies
// without it.
type FX interface {
	Convert(ctx context.Context, m money.Money, to string, at time.Time) (money.Money, Rate, error)
}

// ErrNoRate is returned by an FX that cannot convert a pair.
var ErrNoRate = errors.New("rates: no exchange rate")

// NoFX converts nothing: same-currency amounts pass through and every
// other pair is refused, so offers priced in another currency are
// excluded (fx_unavailable) rather than compared wrongly.
type NoFX struct{}

// Convert implements FX.
func (NoFX) Convert(_ context.Context, m money.Money, to string, _ time.Time) (money.Money, Rate, error) {
	if m.Currency == to {
		return m, Rate{}, nil
	}
	return money.Money{}, Rate{}, ErrNoRate
}
