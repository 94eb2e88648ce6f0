package app

import (
	"context"
	"time"

	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/fx"
)

// ratesFX lets the logistics comparison convert offers into the
// shipper's currency at the settlement module's reference rates, and
// record the rate used.
type ratesFX struct{ c fx.Converter }

func (f ratesFX) Convert(ctx context.Context, m money.Money, to string, at time.Time) (money.Money, rates.Rate, error) {
	out, r, err := f.c.Convert(ctx, m, to, at)
	if err != nil {
		return money.Money{}, rates.Rate{}, err
	}
	return out, rates.Rate{From: r.From, To: r.To, Rate: r.Value, Date: r.Date, Source: r.Source, Via: r.Via}, nil
}
