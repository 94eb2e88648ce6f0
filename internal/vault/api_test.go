package vault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/vault"
)

// call sends a JSON request with an optional Idempotency-Key.
func call(t *testing.T, env *apptest.Env, method, path, key, idem string, body any, out any) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, env.Server.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if out != nil && resp.StatusCode < 300 && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
	}
	return resp
}

func count(t *testing.T, env *apptest.Env, table string) int {
	t.Helper()
	var n int
	ctx := context.Background()
	if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func card(number, cvc string) map[string]any {
	return map[string]any{"number": number, "exp_month": 12, "exp_year": 2030, "cvc": cvc, "holder": "Chen Li"}
}

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Vault API")
		fin := env.Key(tid, identity.Finance, true) // sandbox: the sandbox institution charges
		live := env.Key(tid, identity.Finance, false)
		viewer := env.Key(tid, identity.Viewer, true)
		operator := env.Key(tid, identity.Operator, true)
		other := env.Key(env.Tenant("Other"), identity.Finance, true)

		var c vault.Card
		r := call(t, env, "POST", "/api/v1/vault/cards", fin, "", card("4242 4242 4242 4242", "123"), &c)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		body := apptest.Body(r)
		if !strings.HasPrefix(c.Token, "tok_") || c.Brand != vault.Visa || c.Last4 != "4242" || c.Masked != "424242******4242" {
			t.Fatalf("created %+v", c)
		}
		if strings.Contains(body, "4242424242424242") || strings.Contains(body, `"cvc"`) || strings.Contains(body, "123\"") {
			t.Fatalf("the answer shows the number or the CVC: %s", body)
		}
		// The same card again: the same token, 200, the newer expiry.
		again := card("4242424242424242", "456")
		again["exp_year"] = 2031
		var c2 vault.Card
		if r := call(t, env, "POST", "/api/v1/vault/cards", fin, "", again, &c2); r.StatusCode != http.StatusOK || c2.Token != c.Token || c2.ExpYear != 2031 {
			t.Fatalf("duplicate: %d %+v", r.StatusCode, c2)
		}
		// The same card in live mode and in another tenant: other tokens.
		var cl, co vault.Card
		call(t, env, "POST", "/api/v1/vault/cards", live, "", card("4242424242424242", "123"), &cl)
		call(t, env, "POST", "/api/v1/vault/cards", other, "", card("4242424242424242", "123"), &co)
		if cl.Token == "" || co.Token == "" || cl.Token == c.Token || co.Token == c.Token {
			t.Fatalf("partitions share a token: %s %s %s", c.Token, cl.Token, co.Token)
		}

		// Bad input: 422 naming the field, nothing stored, nothing audited.
		cards, audits := count(t, env, "vault_cards"), count(t, env, "audit_events")
		for _, tc := range []struct {
			name  string
			body  map[string]any
			field string
			code  string
		}{
			{"luhn", card("4242424242424241", "123"), "number", "luhn"},
			{"unknown brand", card("9999999999999995", "123"), "number", "unknown_brand"},
			{"expired", map[string]any{"number": "5555555555554444", "exp_month": 1, "exp_year": 2020, "cvc": "123"}, "exp_year", "expired"},
			{"month", map[string]any{"number": "5555555555554444", "exp_month": 13, "exp_year": 2030, "cvc": "123"}, "exp_month", "out_of_range"},
			{"amex cvc", card("378282246310005", "123"), "cvc", "invalid_format"},
			{"no cvc", card("5555555555554444", ""), "cvc", "required"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := call(t, env, "POST", "/api/v1/vault/cards", fin, "", tc.body, nil)
				var p struct {
					Errors []struct{ Field, Code, Message string }
				}
				raw := apptest.Body(r)
				_ = json.Unmarshal([]byte(raw), &p)
				if r.StatusCode != http.StatusUnprocessableEntity || len(p.Errors) == 0 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code {
					t.Fatalf("%d %s, want 422 %s:%s", r.StatusCode, raw, tc.field, tc.code)
				}
				if strings.Contains(p.Errors[0].Message, "validation.") {
					t.Errorf("untranslated message %q", p.Errors[0].Message)
				}
			})
		}
		if count(t, env, "vault_cards") != cards || count(t, env, "audit_events") != audits {
			t.Fatal("a refused card left a row or an audit record")
		}

		// Reads, permissions, tenants.
		var got vault.Card
		if r := call(t, env, "GET", "/api/v1/vault/cards/"+c.Token, viewer, "", nil, &got); r.StatusCode != http.StatusForbidden {
			t.Errorf("viewer reads a card: %d", r.StatusCode)
		}
		if r := call(t, env, "GET", "/api/v1/vault/cards/"+c.Token, fin, "", nil, &got); r.StatusCode != 200 || got.Holder != "Chen Li" || got.Masked != c.Masked {
			t.Fatalf("get: %d %+v", r.StatusCode, got)
		}
		if r := call(t, env, "GET", "/api/v1/vault/cards/"+c.Token, other, "", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("another tenant reads the card: %d", r.StatusCode)
		}
		if r := call(t, env, "GET", "/api/v1/vault/cards/"+c.Token, live, "", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("a live key reads a sandbox card: %d", r.StatusCode)
		}
		var l web.List[vault.Card]
		if r := call(t, env, "GET", "/api/v1/vault/cards", fin, "", nil, &l); r.StatusCode != 200 || len(l.Items) != 1 || l.Items[0].Token != c.Token {
			t.Fatalf("list: %d %+v", r.StatusCode, l)
		}

		// Charges.
		charge := map[string]any{"amount": map[string]any{"amount": "25.00", "currency": "EUR"}, "reference": "order-1"}
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+c.Token+"/charges", operator, "k1", charge, nil); r.StatusCode != http.StatusForbidden {
			t.Errorf("operator charges: %d", r.StatusCode)
		}
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+c.Token+"/charges", fin, "", charge, nil); r.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(apptest.Body(r), "Idempotency-Key") {
			t.Errorf("charge without a key: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+c.Token+"/charges", fin, "k0",
			map[string]any{"amount": map[string]any{"amount": "0", "currency": "EUR"}}, nil); r.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("zero charge: %d", r.StatusCode)
		}
		var ch, replay vault.Charge
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+c.Token+"/charges", fin, "k1", charge, &ch); r.StatusCode != http.StatusCreated {
			t.Fatalf("charge: %d %s", r.StatusCode, apptest.Body(r))
		}
		if ch.Status != vault.ChargeAuthorized || ch.ConnectorRef == "" || ch.Connector != "sandboxpay" || ch.Card.Masked != "424242******4242" || ch.Amount.Amount != "25.00" {
			t.Fatalf("charge %+v", ch)
		}
		charges := count(t, env, "vault_charges")
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+c.Token+"/charges", fin, "k1", charge, &replay); r.StatusCode != http.StatusCreated ||
			replay.ID != ch.ID || r.Header.Get("Idempotent-Replayed") != "true" || count(t, env, "vault_charges") != charges {
			t.Fatalf("retry charged again: %d %+v", r.StatusCode, replay)
		}
		// Test cards decide the outcome: a decline is a recorded charge.
		var d vault.Card
		call(t, env, "POST", "/api/v1/vault/cards", fin, "", card("4000000000009995", "123"), &d)
		var dc vault.Charge
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+d.Token+"/charges", fin, "k2", charge, &dc); r.StatusCode != http.StatusCreated ||
			dc.Status != vault.ChargeDeclined || dc.DeclineCode != "insufficient_funds" {
			t.Fatalf("declined charge: %d %+v", r.StatusCode, dc)
		}
		var s vault.Card
		call(t, env, "POST", "/api/v1/vault/cards", fin, "", card("4000000000003220", "123"), &s)
		var sc vault.Charge
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+s.Token+"/charges", fin, "k3", charge, &sc); r.StatusCode != http.StatusCreated ||
			sc.Status != vault.ChargeRequiresAction || sc.ChallengeID == "" {
			t.Fatalf("3-D Secure charge: %d %+v", r.StatusCode, sc)
		}
		// Live keys have no institution until a real connector is wired.
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+cl.Token+"/charges", live, "k4", charge, nil); r.StatusCode != http.StatusConflict ||
			!strings.Contains(apptest.Body(r), "no_payment_institution") {
			t.Errorf("live charge: %d %s", r.StatusCode, apptest.Body(r))
		}
		var cl2 web.List[vault.Charge]
		if r := call(t, env, "GET", "/api/v1/vault/cards/"+c.Token+"/charges", fin, "", nil, &cl2); r.StatusCode != 200 || len(cl2.Items) != 1 || cl2.Items[0].ID != ch.ID {
			t.Fatalf("charges: %d %+v", r.StatusCode, cl2)
		}

		// Delete: crypto-shred, the token stops working, charges stay.
		if r := call(t, env, "DELETE", "/api/v1/vault/cards/"+c.Token, other, "", nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("another tenant deletes: %d", r.StatusCode)
		}
		if r := call(t, env, "DELETE", "/api/v1/vault/cards/"+c.Token, fin, "", nil, nil); r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode, apptest.Body(r))
		}
		for _, p := range []string{"/api/v1/vault/cards/" + c.Token, "/api/v1/vault/cards/" + c.Token + "/charges"} {
			if r := call(t, env, "GET", p, fin, "", nil, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s after delete: %d", p, r.StatusCode)
			}
		}
		if r := call(t, env, "POST", "/api/v1/vault/cards/"+c.Token+"/charges", fin, "k5", charge, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("charge after delete: %d", r.StatusCode)
		}
		ctx := context.Background()
		var ct []byte
		var fp *string
		if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT pan_ct, fingerprint FROM vault_cards WHERE token = $1`, c.Token).Scan(&ct, &fp); err != nil {
			t.Fatal(err)
		}
		if len(ct) != 0 || fp != nil {
			t.Errorf("deleted card keeps ciphertext %d bytes, fingerprint %v", len(ct), fp)
		}
		// Vaulted again after deletion: a new token.
		var c3 vault.Card
		if r := call(t, env, "POST", "/api/v1/vault/cards", fin, "", card("4242424242424242", "123"), &c3); r.StatusCode != http.StatusCreated || c3.Token == c.Token {
			t.Fatalf("re-vault after delete: %d %+v", r.StatusCode, c3)
		}
		// Every write audited with masked data only.
		var n int
		if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action LIKE 'vault.%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n < 9 {
			t.Errorf("%d vault audit records", n)
		}
	})
}
