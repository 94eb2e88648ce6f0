package ledger

import (
	"testing"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// FuzzPostings feeds arbitrary amounts and currencies to entry validation:
// it must never panic, and whatever it accepts must balance per asset and
// convert to minor units and back without loss.
func FuzzPostings(f *testing.F) {
	for _, s := range [][3]string{{"10.00", "10.00", "USD"}, {"1500", "1500", "JPY"}, {"1.234", "1.234", "KWD"},
		{"0.1", "0.10", "EUR"}, {"1e3", "1000", "USD"}, {"-1", "-1", "USD"}, {"99999999999999999999", "1", "USD"},
		{" 5", "5", "CNY"}, {"5.", "5", "USD"}, {".5", "0.5", "USD"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, debit, credit, cur string) {
		var fs problem.Errors
		legs := validateLegs("postings", []PostingInput{
			{Account: "a", Direction: Debit, Amount: money.Money{Amount: debit, Currency: cur}},
			{Account: "b", Direction: Credit, Amount: money.Money{Amount: credit, Currency: cur}},
		}, &fs)
		if len(fs) > 0 {
			return
		}
		if len(legs) != 2 || legs[0].amount != legs[1].amount || legs[0].amount <= 0 || legs[0].amount > maxMinor {
			t.Fatalf("accepted %q/%q %s as %+v", debit, credit, cur, legs)
		}
		m := fromMinor(legs[0].amount, cur)
		if back, err := toMinor(m); err != nil || back != legs[0].amount {
			t.Fatalf("round trip of %d %s: %v → %d, %v", legs[0].amount, cur, m, back, err)
		}
	})
}
