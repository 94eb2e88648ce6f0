package wallet

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

type recorder struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions = append(r.actions, e.Action)
	return nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	fx     *fx.Service
	ledger *ledger.Service
	wallet *Service
	clk    *clock
	rec    *recorder
	ctx    context.Context
	d      *db.DB
}

// setup builds the three services on d with the test reference rates,
// a fixed-rate liquidity provider where fixed says so (the sandbox
// provider at the reference rate otherwise), and a fresh tenant.
func setup(t *testing.T, d *db.DB, fixed map[string]string) *fixture {
	t.Helper()
	f := &fixture{clk: &clock{t: time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)}, rec: &recorder{}, d: d}
	f.fx = fx.New(d, f.rec, fx.Config{Now: f.clk.now, QuoteTTL: 30 * time.Second, SpreadBPS: 50})
	if fixed != nil {
		f.fx = fx.New(d, f.rec, fx.Config{Now: f.clk.now, QuoteTTL: 30 * time.Second, SpreadBPS: 50,
			Provider: &fx.Sandbox{Rates: f.fx, Fixed: fixed, Now: f.clk.now}})
	}
	if _, err := f.fx.ImportFile(context.Background(), filepath.Join("..", "fx", "testdata", "rates-test.csv")); err != nil {
		t.Fatal(err)
	}
	f.ledger = ledger.New(d, f.rec, nil)
	f.wallet = New(d, f.ledger, f.fx, f.rec, nil)
	f.ctx = tenantCtx(t, d)
	return f
}

func tenantCtx(t *testing.T, d *db.DB) context.Context {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Wallet "+tid, time.Now().UTC())
	return db.WithScope(context.Background(), db.Scope{TenantID: tid})
}

// fund credits amount to the tenant's balance from outside the ledger.
func (f *fixture) fund(t *testing.T, ctx context.Context, amount, cur string) {
	t.Helper()
	a, err := f.wallet.Open(ctx, cur)
	if err != nil {
		t.Fatal(err)
	}
	m := money.Money{Amount: amount, Currency: cur}
	if _, _, err := f.ledger.CreateEntry(ctx, ledger.NewEntry{Postings: []ledger.PostingInput{
		{Account: ledger.World, Direction: ledger.Debit, Amount: m},
		{Account: a.ID, Direction: ledger.Credit, Amount: m}}}); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) balances(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	b, err := f.wallet.Balances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, it := range b.Items {
		out[it.Currency] = it.Available.Amount
		if it.Posted != it.Available {
			t.Errorf("%s posted %v, available %v with nothing pending", it.Currency, it.Posted, it.Available)
		}
	}
	return out
}

func (f *fixture) verify(t *testing.T, ctx context.Context) {
	t.Helper()
	if m, err := f.ledger.Verify(ctx); err != nil || len(m) != 0 {
		t.Errorf("ledger verify: %v %+v", err, m)
	}
}

func wantCode(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	pe, ok := problem.As(err)
	if !ok || pe.Status != status || pe.Code != code {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
	if field != "" && (len(pe.Fields) == 0 || pe.Fields[0].Field != field) {
		t.Fatalf("error %+v does not name %s", pe, field)
	}
}

func TestConvertHonoursLockedQuote(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil)
		f.fund(t, f.ctx, "1000.00", "USD")
		q, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "USD", BuyCurrency: "JPY", SellAmount: "250.00"})
		if err != nil {
			t.Fatal(err)
		}
		// The reference rate moves a long way after the quote: a new
		// publication for the same day, and the clock moves on 20 s.
		if _, err := f.fx.Import(context.Background(), strings.NewReader("Date,USD,JPY,\n2024-02-01,1.10,170.0,\n")); err != nil {
			t.Fatal(err)
		}
		if r, _ := f.fx.Rate(context.Background(), "USD", "JPY", f.clk.now()); r.Value == q.Reference.Value {
			t.Fatalf("reference rate did not move: %+v", r)
		}
		f.clk.advance(20 * time.Second)
		c, err := f.wallet.Convert(f.ctx, ConvertRequest{QuoteID: q.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c.SellAmount != q.SellAmount || c.BuyAmount != q.BuyAmount || c.Rate != q.Rate || c.ProviderRate != q.ProviderRate ||
			c.Reference.Value != q.Reference.Value || c.Reference.Date != q.Reference.Date || c.SpreadBPS != q.SpreadBPS {
			t.Errorf("conversion %+v does not honour quote %+v", c, q)
		}
		// 150.5 / 1.25 = 120.4 less 50 bps = 119.798; 250 × 119.798 = 29949.5 → 29950 (half-even).
		if q.Rate != "119.798" || c.BuyAmount.Amount != "29950" {
			t.Errorf("rate %s buy %v", q.Rate, c.BuyAmount)
		}
		// 250 × 120.4 = 30100: the spread is 150 yen.
		if c.Spread != (money.Money{Amount: "150", Currency: "JPY"}) {
			t.Errorf("spread %v", c.Spread)
		}
		if got := f.balances(t, f.ctx); got["USD"] != "750.00" || got["JPY"] != "29950" || len(got) != 2 {
			t.Errorf("balances %v", got)
		}
		e, err := f.ledger.GetEntry(f.ctx, c.EntryID)
		if err != nil || len(e.Postings) != 6 || e.Metadata["fx_quote"] != q.ID {
			t.Fatalf("entry %+v %v", e, err)
		}
		// The spread is FX revenue, apart from the platform's fees.
		fees, err := f.ledger.Balances(f.ctx, ledger.AccountFilter{Code: ledger.FXRevenue, Asset: "JPY"})
		if err != nil || len(fees) != 1 || fees[0].Balance.Posted.Amount != "150" {
			t.Errorf("fx revenue %+v %v", fees, err)
		}
		if fees, err := f.ledger.Balances(f.ctx, ledger.AccountFilter{Code: ledger.Fees, Asset: "JPY"}); err != nil || len(fees) != 0 {
			t.Errorf("fees %+v %v", fees, err)
		}
		got, err := f.wallet.Conversion(f.ctx, c.ID)
		if err != nil || got != c {
			t.Errorf("stored %+v %v, want %+v", got, err, c)
		}
		if l, err := f.wallet.Conversions(f.ctx, webPage()); err != nil || len(l.Items) != 1 {
			t.Errorf("list %+v %v", l, err)
		}
		f.verify(t, f.ctx)
		// Used: a second execution is refused and books nothing.
		_, err = f.wallet.Convert(f.ctx, ConvertRequest{QuoteID: q.ID})
		wantCode(t, err, 409, fx.CodeQuoteUsed, "quote_id")
		if got := f.balances(t, f.ctx); got["USD"] != "750.00" {
			t.Errorf("balances after refused repeat %v", got)
		}
		if !strings.Contains(strings.Join(f.rec.actions, " "), "fx.conversion.create") {
			t.Errorf("not audited: %v", f.rec.actions)
		}
	})
}

func TestConvertRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil)
		f.fund(t, f.ctx, "100.00", "EUR")
		quote := func(ctx context.Context, amount string) fx.Quote {
			q, err := f.fx.CreateQuote(ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: amount})
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
		unused := func(id string) {
			t.Helper()
			if q, err := f.fx.Quote(f.ctx, id); err != nil || q.UsedAt != nil {
				t.Errorf("quote %s consumed by a refused execution: %+v %v", id, q, err)
			}
		}

		big := quote(f.ctx, "100.01")
		_, err := f.wallet.Convert(f.ctx, ConvertRequest{QuoteID: big.ID})
		wantCode(t, err, 409, CodeInsufficientFunds, "sell_amount")
		unused(big.ID)

		_, err = f.wallet.Convert(f.ctx, ConvertRequest{})
		wantCode(t, err, 422, "validation_failed", "quote_id")

		other := tenantCtx(t, d)
		_, err = f.wallet.Convert(other, ConvertRequest{QuoteID: big.ID})
		wantCode(t, err, 404, "not_found", "quote_id")
		unused(big.ID)

		sandbox := db.WithScope(context.Background(), db.Scope{TenantID: mustScope(f.ctx).TenantID, Sandbox: true})
		_, err = f.wallet.Convert(sandbox, ConvertRequest{QuoteID: big.ID})
		wantCode(t, err, 404, "not_found", "quote_id")

		late := quote(f.ctx, "10.00")
		f.clk.advance(30 * time.Second)
		_, err = f.wallet.Convert(f.ctx, ConvertRequest{QuoteID: late.ID})
		wantCode(t, err, 409, fx.CodeQuoteExpired, "quote_id")
		if pe, _ := problem.As(err); len(pe.Params) != 2 || pe.Params[1] != late.ID {
			t.Errorf("expiry does not name the quote: %+v", pe)
		}
		unused(late.ID)

		// The buy-side balance opened for the refused conversion was
		// rolled back with it.
		if got := f.balances(t, f.ctx); got["EUR"] != "100.00" || len(got) != 1 {
			t.Errorf("balances after refusals %v", got)
		}
		// The whole balance converts.
		all := quote(f.ctx, "100.00")
		if _, err := f.wallet.Convert(f.ctx, ConvertRequest{QuoteID: all.ID}); err != nil {
			t.Fatal(err)
		}
		if got := f.balances(t, f.ctx); got["EUR"] != "0.00" || got["USD"] != all.BuyAmount.Amount {
			t.Errorf("balances %v, want 0 EUR and %v", got, all.BuyAmount)
		}
		f.verify(t, f.ctx)
	})
}

func mustScope(ctx context.Context) db.Scope {
	s, _ := db.ScopeFrom(ctx)
	return s
}

func TestConvertConcurrentSingleUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil)
		f.fund(t, f.ctx, "500.00", "USD")
		q, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "USD", BuyCurrency: "CNY", BuyAmount: "700.00"})
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for range 8 {
			wg.Go(func() {
				_, err := f.wallet.Convert(f.ctx, ConvertRequest{QuoteID: q.ID})
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case errors.Is(err, fx.ErrQuoteUsed), db.IsBusy(err):
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d executions succeeded, want 1", wins)
		}
		got := f.balances(t, f.ctx)
		sell, _ := money.New("500.00", "USD")
		left, _ := sell.Decimal()
		spent, _ := q.SellAmount.Decimal()
		rest, _ := left.Sub(spent)
		if got["CNY"] != "700.00" || got["USD"] != money.From(rest).Amount {
			t.Errorf("balances %v after one execution of %+v", got, q)
		}
		f.verify(t, f.ctx)
	})
}

func TestOutOfBandNeverBooks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// The provider's EUR/USD is 1.30 against a reference of 1.25: 4 %
		// off, outside the default 2 % band.
		f := setup(t, d, map[string]string{"EUR/USD": "1.30", "EUR/GBP": "0.81"})
		f.fund(t, f.ctx, "100.00", "EUR")
		_, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "10.00"})
		wantCode(t, err, 503, fx.CodeOutOfBand, "")
		// Within the band (0.81 against 0.80) the provider's rate, not
		// the reference, is what the quote is built from.
		q, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "GBP", SellAmount: "10.00"})
		if err != nil {
			t.Fatal(err)
		}
		if q.ProviderRate != "0.81" || q.Rate != "0.80595" || q.BuyAmount.Amount != "8.06" {
			t.Errorf("quote %+v", q)
		}
		if got := f.balances(t, f.ctx); got["EUR"] != "100.00" || len(got) != 1 {
			t.Errorf("balances %v", got)
		}
	})
}

func TestTenantSpreads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, map[string]string{"EUR/USD": "1.25", "EUR/JPY": "150.5"})
		tid := mustScope(f.ctx).TenantID
		platform := context.Background()
		rate := func(buy string) (string, int) {
			t.Helper()
			q, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: buy, SellAmount: "100.00"})
			if err != nil {
				t.Fatal(err)
			}
			return q.Rate, q.SpreadBPS
		}
		if r, bps := rate("USD"); r != "1.24375" || bps != 50 {
			t.Errorf("platform spread: %s at %d bps", r, bps)
		}
		def := 20
		sp, err := f.fx.SetSpreads(platform, tid, fx.SpreadsUpdate{Default: &def, Pairs: map[string]int{"EUR/USD": 10}})
		if err != nil || *sp.Default != 20 || sp.Pairs["EUR/USD"] != 10 {
			t.Fatalf("set %+v %v", sp, err)
		}
		if r, bps := rate("USD"); r != "1.24875" || bps != 10 {
			t.Errorf("pair spread: %s at %d bps", r, bps)
		}
		if r, bps := rate("JPY"); r != "150.199" || bps != 20 {
			t.Errorf("default spread: %s at %d bps", r, bps)
		}
		// Another tenant keeps the platform's spread.
		other := tenantCtx(t, d)
		if q, err := f.fx.CreateQuote(other, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "1.00"}); err != nil || q.SpreadBPS != 50 {
			t.Errorf("other tenant %+v %v", q, err)
		}
		// Clearing returns the tenant to the platform's spread.
		if _, err := f.fx.SetSpreads(platform, tid, fx.SpreadsUpdate{}); err != nil {
			t.Fatal(err)
		}
		if _, bps := rate("USD"); bps != 50 {
			t.Errorf("cleared: %d bps", bps)
		}
		got, err := f.fx.Spreads(platform, tid)
		if err != nil || got.Default != nil || len(got.Pairs) != 0 || got.PlatformBPS != 50 {
			t.Errorf("spreads %+v %v", got, err)
		}
		bad := 10000
		for _, tc := range []struct {
			name  string
			u     fx.SpreadsUpdate
			field string
		}{
			{"default too large", fx.SpreadsUpdate{Default: &bad}, "default_bps"},
			{"bad pair", fx.SpreadsUpdate{Pairs: map[string]int{"EURUSD": 1}}, "pairs.EURUSD"},
			{"unknown currency", fx.SpreadsUpdate{Pairs: map[string]int{"EUR/XXY": 1}}, "pairs.EUR/XXY"},
			{"same currency", fx.SpreadsUpdate{Pairs: map[string]int{"EUR/EUR": 1}}, "pairs.EUR/EUR"},
			{"negative", fx.SpreadsUpdate{Pairs: map[string]int{"EUR/USD": -1}}, "pairs.EUR/USD"},
		} {
			_, err := f.fx.SetSpreads(platform, tid, tc.u)
			if pe, ok := problem.As(err); !ok || pe.Status != 422 || len(pe.Fields) != 1 || pe.Fields[0].Field != tc.field {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		if _, err := f.fx.SetSpreads(platform, "ten_nope", fx.SpreadsUpdate{Default: &def}); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("unknown tenant: %v", err)
		}
		if !strings.Contains(strings.Join(f.rec.actions, " "), "fx.spreads.set") {
			t.Errorf("not audited: %v", f.rec.actions)
		}
	})
}

func TestBalances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d, nil)
		if b, err := f.wallet.Balances(f.ctx); err != nil || len(b.Items) != 0 {
			t.Fatalf("empty %+v %v", b, err)
		}
		f.fund(t, f.ctx, "12.50", "USD")
		f.fund(t, f.ctx, "1000", "JPY")
		f.fund(t, f.ctx, "1.005", "KWD")
		// A pending payout holds 2.50 USD: posted stays, available drops.
		usd, err := f.wallet.Open(f.ctx, "USD")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.ledger.CreateEntry(f.ctx, ledger.NewEntry{Pending: true, Postings: []ledger.PostingInput{
			{Account: usd.ID, Direction: ledger.Debit, Amount: money.Money{Amount: "2.50", Currency: "USD"}},
			{Account: ledger.PayoutsInTransit, Direction: ledger.Credit, Amount: money.Money{Amount: "2.50", Currency: "USD"}}}}); err != nil {
			t.Fatal(err)
		}
		b, err := f.wallet.Balances(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []Balance{
			{Currency: "JPY", Posted: m("1000", "JPY"), Available: m("1000", "JPY"), PendingIn: m("0", "JPY"), PendingOut: m("0", "JPY")},
			{Currency: "KWD", Posted: m("1.005", "KWD"), Available: m("1.005", "KWD"), PendingIn: m("0.000", "KWD"), PendingOut: m("0.000", "KWD")},
			{Currency: "USD", Posted: m("12.50", "USD"), Available: m("10.00", "USD"), PendingIn: m("0.00", "USD"), PendingOut: m("2.50", "USD")},
		}
		if len(b.Items) != len(want) {
			t.Fatalf("balances %+v", b.Items)
		}
		for i, w := range want {
			w.AccountID = b.Items[i].AccountID
			if b.Items[i] != w {
				t.Errorf("balance %d: %+v, want %+v", i, b.Items[i], w)
			}
		}
		// Another tenant sees none of it.
		if b, err := f.wallet.Balances(tenantCtx(t, d)); err != nil || len(b.Items) != 0 {
			t.Errorf("other tenant %+v %v", b, err)
		}
		if _, err := f.wallet.Open(f.ctx, "usd"); err == nil {
			t.Error("opened a balance in an invalid currency")
		}
	})
}

func webPage() web.Page { return web.Page{Limit: web.MaxLimit} }

func m(a, c string) money.Money { return money.Money{Amount: a, Currency: c} }
