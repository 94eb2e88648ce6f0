package wallet_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/wallet"
)

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		tid := env.Tenant("Wallet API")
		fin := env.Key(tid, identity.Finance, false)
		viewer := env.Key(tid, identity.Viewer, false)
		owner := env.Key(tid, identity.TenantOwner, false)
		other := env.Key(env.Tenant("Other"), identity.Finance, false)
		admin := env.Session("", identity.PlatformAdmin)

		ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tid})
		acct, err := env.App.Wallet.Open(ctx, "EUR")
		if err != nil {
			t.Fatal(err)
		}
		eur := money.Money{Amount: "500.00", Currency: "EUR"}
		if _, _, err := env.App.Ledger.CreateEntry(ctx, ledger.NewEntry{Postings: []ledger.PostingInput{
			{Account: ledger.World, Direction: ledger.Debit, Amount: eur},
			{Account: acct.ID, Direction: ledger.Credit, Amount: eur}}}); err != nil {
			t.Fatal(err)
		}

		// The platform administrator gives the tenant 25 bps on EUR/USD.
		var sp fx.Spreads
		if r := env.Call("PUT", "/api/v1/fx/spreads/"+tid, admin, map[string]any{"default_bps": 40,
			"pairs": map[string]int{"EUR/USD": 25}}, &sp); r.StatusCode != 200 || sp.Pairs["EUR/USD"] != 25 {
			t.Fatalf("set spreads: %d %s", r.StatusCode, apptest.Body(r))
		}
		var q fx.Quote
		if r := env.Call("POST", "/api/v1/fx/quotes", fin, map[string]any{"sell_currency": "EUR", "buy_currency": "USD",
			"sell_amount": "200"}, &q); r.StatusCode != 201 || q.SpreadBPS != 25 {
			t.Fatalf("quote: %d %s", r.StatusCode, apptest.Body(r))
		}

		var c wallet.Conversion
		if r := env.Call("POST", "/api/v1/fx/conversions", fin, map[string]any{"quote_id": q.ID}, &c); r.StatusCode != 201 ||
			c.SellAmount != q.SellAmount || c.BuyAmount != q.BuyAmount || c.Rate != q.Rate || c.Reference.Value != q.Reference.Value ||
			r.Header.Get("Location") != "/api/v1/fx/conversions/"+c.ID {
			t.Fatalf("convert: %d %s", r.StatusCode, apptest.Body(r))
		}
		var b wallet.Balances
		if r := env.Call("GET", "/api/v1/balances", fin, nil, &b); r.StatusCode != 200 || len(b.Items) != 2 ||
			b.Items[0].Available.Amount != "300.00" || b.Items[1].Available != q.BuyAmount {
			t.Fatalf("balances: %d %s", r.StatusCode, apptest.Body(r))
		}

		// Two executions of one quote at once: one wins, the other is 409.
		var q2 fx.Quote
		env.Call("POST", "/api/v1/fx/quotes", fin, map[string]any{"sell_currency": "EUR", "buy_currency": "CNY", "buy_amount": "100.00"}, &q2)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			statuses []int
		)
		for range 2 {
			wg.Go(func() {
				r := env.Call("POST", "/api/v1/fx/conversions", fin, map[string]any{"quote_id": q2.ID}, nil)
				mu.Lock()
				statuses = append(statuses, r.StatusCode)
				mu.Unlock()
			})
		}
		wg.Wait()
		if !(statuses[0] == 201 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 201) {
			t.Errorf("concurrent executions: %v", statuses)
		}

		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"used", "POST", "/api/v1/fx/conversions", fin, map[string]any{"quote_id": q.ID}, 409, `"field":"quote_id"`},
			{"foreign quote", "POST", "/api/v1/fx/conversions", other, map[string]any{"quote_id": q.ID}, 404, "quote_id"},
			{"no quote", "POST", "/api/v1/fx/conversions", fin, map[string]any{}, 422, "quote_id"},
			{"unknown field", "POST", "/api/v1/fx/conversions", fin, map[string]any{"quote": q.ID}, 422, ""},
			{"viewer cannot convert", "POST", "/api/v1/fx/conversions", viewer, map[string]any{"quote_id": q.ID}, 403, ""},
			{"viewer cannot see balances", "GET", "/api/v1/balances", viewer, nil, 403, ""},
			{"other tenant's balances are its own", "GET", "/api/v1/balances", other, nil, 200, `{"items":[]}`},
			{"get conversion", "GET", "/api/v1/fx/conversions/" + c.ID, fin, nil, 200, c.EntryID},
			{"foreign conversion", "GET", "/api/v1/fx/conversions/" + c.ID, other, nil, 404, ""},
			{"list conversions", "GET", "/api/v1/fx/conversions", fin, nil, 200, c.ID},
			{"statement", "GET", "/api/v1/ledger/accounts/" + acct.ID + "/statement", fin, nil, 200, c.EntryID},
			{"tenant owner cannot set spreads", "PUT", "/api/v1/fx/spreads/" + tid, owner, map[string]any{"default_bps": 0}, 403, ""},
			{"tenant owner cannot read spreads", "GET", "/api/v1/fx/spreads/" + tid, owner, nil, 403, ""},
			{"bad spread", "PUT", "/api/v1/fx/spreads/" + tid, admin, map[string]any{"pairs": map[string]int{"EUR/EUR": 1}}, 422, "pairs.EUR/EUR"},
			{"unknown tenant", "PUT", "/api/v1/fx/spreads/ten_nope", admin, map[string]any{"default_bps": 1}, 404, ""},
			{"read spreads", "GET", "/api/v1/fx/spreads/" + tid, admin, nil, 200, `"default_bps":40`},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Call(tc.method, tc.path, tc.key, tc.body, nil)
				body := apptest.Body(r)
				if r.StatusCode != tc.status || !strings.Contains(body, tc.contains) {
					t.Errorf("%d %s, want %d containing %q", r.StatusCode, body, tc.status, tc.contains)
				}
			})
		}
		// Localised: the expiry and reuse messages name the quote.
		req := map[string]any{"quote_id": q.ID}
		r := env.Call("POST", "/api/v1/fx/conversions", fin, req, nil)
		if body := apptest.Body(r); !strings.Contains(body, q.ID) || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("reuse problem: %s", body)
		}
		if m, err := env.App.Ledger.Verify(ctx); err != nil || len(m) != 0 {
			t.Errorf("verify: %v %+v", err, m)
		}
	})
}
