package wallet

import (
	"testing"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// TestSpreadPostings: the spread is the sell amount at the provider rate,
// rounded half-even to the buy currency's minor units, less the buy
// amount; it is booked from the FX position to FX revenue, reversed when
// negative, and not at all when zero.
func TestSpreadPostings(t *testing.T) {
	m := func(a, c string) money.Money { return money.Money{Amount: a, Currency: c} }
	for _, tc := range []struct {
		name       string
		sell       money.Money
		rate       string
		buy        money.Money
		want       string
		from, to   string
		noPostings bool
	}{
		{"the doc's example", m("250.00", "USD"), "120.4", m("29950", "JPY"), "150", ledger.FXPosition, ledger.FXRevenue, false},
		{"half-even down", m("0.05", "USD"), "10.5", m("0.50", "CNY"), "0.02", ledger.FXPosition, ledger.FXRevenue, false}, // 0.525 → 0.52
		{"half-even up", m("0.05", "USD"), "10.7", m("0.50", "CNY"), "0.04", ledger.FXPosition, ledger.FXRevenue, false},   // 0.535 → 0.54
		{"three decimals", m("100.00", "USD"), "0.30755", m("30.700", "KWD"), "0.055", ledger.FXPosition, ledger.FXRevenue, false},
		{"zero", m("100.00", "EUR"), "1.1", m("110.00", "USD"), "0.00", "", "", true},
		{"negative", m("100.00", "EUR"), "1.1", m("110.01", "USD"), "-0.01", ledger.FXRevenue, ledger.FXPosition, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := fx.Quote{SellAmount: tc.sell, BuyAmount: tc.buy, ProviderRate: tc.rate}
			s, err := Spread(q)
			if err != nil || s.Amount != tc.want || s.Currency != tc.buy.Currency {
				t.Fatalf("spread %v %v, want %s %s", s, err, tc.want, tc.buy.Currency)
			}
			ps := SpreadPostings(s)
			if tc.noPostings {
				if len(ps) != 0 {
					t.Fatalf("postings for a zero spread: %+v", ps)
				}
				return
			}
			abs := tc.want
			if abs[0] == '-' {
				abs = abs[1:]
			}
			if len(ps) != 2 || ps[0].Account != tc.from || ps[0].Direction != ledger.Debit || ps[1].Account != tc.to ||
				ps[1].Direction != ledger.Credit || ps[0].Amount != ps[1].Amount || ps[0].Amount.Amount != abs {
				t.Fatalf("postings %+v", ps)
			}
		})
	}
}
