package ledger_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Ledger API")
		fin := env.Key(tid, identity.Finance, false)
		viewer := env.Key(tid, identity.Viewer, false)
		other := env.Key(env.Tenant("Other"), identity.Finance, false)

		var acc ledger.Account
		if r := env.Call("POST", "/api/v1/ledger/accounts", fin, map[string]any{"code": "sellers:1", "asset": "USD",
			"kind": "liability", "flags": []string{"no_negative"}}, &acc); r.StatusCode != http.StatusCreated {
			t.Fatalf("create account: %d %s", r.StatusCode, apptest.Body(r))
		}
		entry := func(key, amount string, pending bool) map[string]any {
			return map[string]any{"idempotency_key": key, "pending": pending, "postings": []any{
				map[string]any{"account": ledger.World, "direction": "debit", "amount": map[string]any{"amount": amount, "currency": "USD"}},
				map[string]any{"account": acc.ID, "direction": "credit", "amount": map[string]any{"amount": amount, "currency": "USD"}},
			}}
		}
		var e ledger.Entry
		if r := env.Call("POST", "/api/v1/ledger/entries", fin, entry("k1", "25.00", false), &e); r.StatusCode != http.StatusCreated {
			t.Fatalf("create entry: %d %s", r.StatusCode, apptest.Body(r))
		}
		var again ledger.Entry
		if r := env.Call("POST", "/api/v1/ledger/entries", fin, entry("k1", "25.00", false), &again); r.StatusCode != http.StatusOK || again.ID != e.ID {
			t.Fatalf("replay: %d %+v", r.StatusCode, again)
		}
		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"key reused", "POST", "/api/v1/ledger/entries", fin, entry("k1", "26.00", false), http.StatusConflict, "idempotency_key"},
			{"unbalanced", "POST", "/api/v1/ledger/entries", fin, map[string]any{"postings": []any{
				map[string]any{"account": acc.ID, "direction": "credit", "amount": map[string]any{"amount": "1.00", "currency": "USD"}}}},
				http.StatusUnprocessableEntity, "debits minus credits is -1.00"},
			{"overdraft", "POST", "/api/v1/ledger/entries", fin, map[string]any{"postings": []any{
				map[string]any{"account": acc.ID, "direction": "debit", "amount": map[string]any{"amount": "25.01", "currency": "USD"}},
				map[string]any{"account": ledger.World, "direction": "credit", "amount": map[string]any{"amount": "25.01", "currency": "USD"}}}},
				http.StatusConflict, "sellers:1"},
			{"viewer cannot read", "GET", "/api/v1/ledger/accounts/" + acc.ID, viewer, nil, http.StatusForbidden, ""},
			{"other tenant", "GET", "/api/v1/ledger/entries/" + e.ID, other, nil, http.StatusNotFound, ""},
			{"list", "GET", "/api/v1/ledger/accounts?asset=USD", fin, nil, http.StatusOK, ""},
			{"bad asset filter", "GET", "/api/v1/ledger/accounts?asset=usd", fin, nil, http.StatusUnprocessableEntity, ""},
			{"get entry", "GET", "/api/v1/ledger/entries/" + e.ID, fin, nil, http.StatusOK, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Call(tc.method, tc.path, tc.key, tc.body, nil)
				body := apptest.Body(r)
				if r.StatusCode != tc.status || !strings.Contains(body, tc.contains) {
					t.Fatalf("%d, want %d and %q: %s", r.StatusCode, tc.status, tc.contains, body)
				}
			})
		}
		// A hold, posted in part; another voided; the posted one reversed.
		var h ledger.Entry
		env.Call("POST", "/api/v1/ledger/entries", fin, map[string]any{"pending": true, "postings": []any{
			map[string]any{"account": acc.ID, "direction": "debit", "amount": map[string]any{"amount": "20.00", "currency": "USD"}},
			map[string]any{"account": ledger.PayoutsInTransit, "direction": "credit", "amount": map[string]any{"amount": "20.00", "currency": "USD"}}}}, &h)
		var post ledger.Entry
		if r := env.Call("POST", "/api/v1/ledger/entries/"+h.ID+"/post", fin, map[string]any{"postings": []any{
			map[string]any{"account": acc.ID, "direction": "debit", "amount": map[string]any{"amount": "15.00", "currency": "USD"}},
			map[string]any{"account": ledger.PayoutsInTransit, "direction": "credit", "amount": map[string]any{"amount": "15.00", "currency": "USD"}}}},
			&post); r.StatusCode != http.StatusOK || post.Kind != ledger.KindPost {
			t.Fatalf("post: %d %s", r.StatusCode, apptest.Body(r))
		}
		var got ledger.Account
		env.Call("GET", "/api/v1/ledger/accounts/"+acc.ID, fin, nil, &got)
		if got.Balance == nil || got.Balance.Posted.Amount != "10.00" || got.Balance.Available.Amount != "10.00" {
			t.Fatalf("balance: %+v", got.Balance)
		}
		var h2 ledger.Entry
		env.Call("POST", "/api/v1/ledger/entries", fin, entry("", "5.00", true), &h2)
		if r := env.Call("POST", "/api/v1/ledger/entries/"+h2.ID+"/void", fin, nil, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("void: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/ledger/entries/"+h.ID+"/reverse", fin, nil, nil); r.StatusCode != http.StatusCreated {
			t.Fatalf("reverse: %d %s", r.StatusCode, apptest.Body(r))
		}
		env.Call("GET", "/api/v1/ledger/accounts/"+acc.ID, fin, nil, &got)
		if got.Balance.Posted.Amount != "25.00" {
			t.Fatalf("after reversal: %+v", got.Balance)
		}
	})
}
