package payouts

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// TestFXProceedsBookSpread: proceeds converted at a quote book the
// platform's spread to platform:fx_revenue in the same entry, which
// stays balanced per asset; the revenue is the net at the provider's
// rate (half-even to the seller currency's minor units) less what the
// seller was credited, and the statement's FX line names it.
func TestFXProceedsBookSpread(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "cn1", PayoutAccountInput{Name: "义乌明亮玩具", Currency: "CNY", Rail: ecny.Name, Wallet: ecny.TestWallet})
		q, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "CNY", SellAmount: "95.00"})
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := f.svc.RecordProceeds(f.ctx, ProceedsInput{SellerID: "cn1", Marketplace: "amazon-de", Reference: "L9",
			Gross: eur("100.00"), Fee: ptr(eur("5.00")), FXQuoteID: q.ID})
		if err != nil {
			t.Fatal(err)
		}
		// Independently: 95.00 × provider rate, half-even to fen, less the
		// quoted buy amount.
		ctx := apd.BaseContext.WithPrecision(34)
		ctx.Rounding = apd.RoundHalfEven
		net, _, _ := apd.NewFromString("95.00")
		rate, _, _ := apd.NewFromString(q.ProviderRate)
		buy, _, _ := apd.NewFromString(q.BuyAmount.Amount)
		var atProvider, spread apd.Decimal
		if _, err := ctx.Mul(&atProvider, net, rate); err != nil {
			t.Fatal(err)
		}
		if _, err := ctx.Quantize(&atProvider, &atProvider, -2); err != nil {
			t.Fatal(err)
		}
		if _, err := ctx.Sub(&spread, &atProvider, buy); err != nil {
			t.Fatal(err)
		}
		if spread.Sign() <= 0 {
			t.Fatalf("spread %s: the quote carries %d bps", spread.Text('f'), q.SpreadBPS)
		}
		want := money.Money{Amount: spread.Text('f'), Currency: "CNY"}
		if p.FXSpread == nil || *p.FXSpread != want {
			t.Fatalf("proceeds spread %v, want %v", p.FXSpread, want)
		}
		e, err := f.ledger.GetEntry(f.ctx, p.EntryID)
		if err != nil {
			t.Fatal(err)
		}
		// Balanced per asset, with the spread as its own pair of postings.
		sums := map[string]int64{}
		var revenue int64
		for _, ps := range e.Postings {
			n, err := iso20022.ToMinor(ps.Amount)
			if err != nil {
				t.Fatal(err)
			}
			if ps.Direction == ledger.Credit {
				n = -n
			}
			sums[ps.Amount.Currency] += n
			if ps.AccountCode == ledger.FXRevenue {
				revenue -= n
			}
		}
		if sums["EUR"] != 0 || sums["CNY"] != 0 || len(e.Postings) != 7 {
			t.Fatalf("entry not balanced per asset: %v %+v", sums, e.Postings)
		}
		if wantMinor, _ := iso20022.ToMinor(want); revenue != wantMinor {
			t.Fatalf("revenue %d in the entry, want %d", revenue, wantMinor)
		}
		accts, err := f.ledger.Balances(f.ctx, ledger.AccountFilter{Code: ledger.FXRevenue, Asset: "CNY"})
		if err != nil || len(accts) != 1 || accts[0].Balance.Posted != want {
			t.Fatalf("fx revenue %+v %v", accts, err)
		}
		// The FX position keeps what the provider pays for the net.
		pos, err := f.ledger.Balances(f.ctx, ledger.AccountFilter{Code: ledger.FXPosition, Asset: "CNY"})
		if err != nil || len(pos) != 1 || pos[0].Balance.Posted.Amount != "-"+atProvider.Text('f') {
			t.Fatalf("fx position %+v %v", pos, err)
		}
		// Fees stay the platform's fee only.
		fees, err := f.ledger.Balances(f.ctx, ledger.AccountFilter{Code: ledger.Fees, Asset: "CNY"})
		if err != nil || len(fees) != 0 {
			t.Fatalf("fees in CNY %+v %v", fees, err)
		}
		got, err := f.svc.ListProceeds(f.ctx, "cn1", webPage())
		if err != nil || len(got.Items) != 1 || got.Items[0].FXSpread == nil || *got.Items[0].FXSpread != want {
			t.Fatalf("listed %+v %v", got, err)
		}
		st, err := f.svc.Statement(f.ctx, StatementRequest{SellerID: "cn1", From: time.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly),
			To: time.Now().UTC().Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		if st.FXSpread != want || st.FX != q.BuyAmount {
			t.Fatalf("statement fx %v spread %v", st.FX, st.FXSpread)
		}
		if l := st.Lines[len(st.Lines)-2]; l.Type != LineFX || !strings.Contains(l.Description, "FX spread "+want.String()) {
			t.Fatalf("fx line %+v", l)
		}
		sumZero(t, f, "EUR")
		sumZero(t, f, "CNY")
	})
}
