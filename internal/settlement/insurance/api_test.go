package insurance_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/settlement/insurance"
)

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Insurance API")
		fin := env.Key(tid, identity.Finance, false)
		viewer := env.Key(tid, identity.Viewer, false)
		other := env.Key(env.Tenant("Other"), identity.Finance, false)
		usd := func(a string) map[string]any { return map[string]any{"amount": a, "currency": "USD"} }
		quote := map[string]any{"cargo_value": usd("100000"), "incoterm": "CFR", "commodity": "electronics",
			"transport": "sea", "route": map[string]any{"from": "CN", "to": "BR"}}
		var q insurance.Quote
		if r := env.Call("POST", "/api/v1/insurance/quotes", fin, quote, &q); r.StatusCode != http.StatusCreated {
			t.Fatalf("quote: %d %s", r.StatusCode, apptest.Body(r))
		}
		if q.InsuredValue.Amount != "110608.35" || q.Premium.Amount != "553.04" || q.Rate != "0.005" || q.ExpiresAt.IsZero() {
			t.Fatalf("quote %+v", q)
		}
		// The policy covers an order of the tenant's.
		var o struct{ ID string }
		if r := env.Call("POST", "/api/v1/orders", env.Key(tid, identity.Operator, false), map[string]any{"external_id": "PO-INS-1",
			"channel": "b2b", "placed_at": "2026-11-20T10:00:00Z", "currency": "USD",
			"buyer":   map[string]any{"name": "Loja Rio", "country": "BR"},
			"ship_to": map[string]any{"name": "Loja Rio", "line1": "Rua A 1", "city": "Rio de Janeiro", "postcode": "20000-000", "country": "BR"},
			"lines":   []any{map[string]any{"sku": "TOY-001", "quantity": 2, "unit_price": usd("19.99")}}}, &o); r.StatusCode != http.StatusCreated {
			t.Fatalf("order: %d %s", r.StatusCode, apptest.Body(r))
		}
		var p insurance.Policy
		bind := map[string]any{"quote_id": q.ID, "order_id": o.ID, "insured": map[string]any{"name": "Yiwu Bright Toys 义乌明亮玩具"}}
		if r := env.Call("POST", "/api/v1/insurance/policies", fin, bind, &p); r.StatusCode != http.StatusCreated {
			t.Fatalf("bind: %d %s", r.StatusCode, apptest.Body(r))
		}
		r := env.Call("GET", "/api/v1/insurance/policies/"+p.ID+"/certificate.pdf", fin, nil, nil)
		if body := apptest.Body(r); r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(body, "%PDF-") {
			t.Fatalf("certificate: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		var c insurance.Claim
		if r := env.Call("POST", "/api/v1/insurance/policies/"+p.ID+"/claims", fin, map[string]any{"loss_type": "damage",
			"amount": usd("2000.00"), "documents": []any{map[string]any{"name": "survey.pdf"}}}, &c); r.StatusCode != http.StatusCreated {
			t.Fatalf("claim: %d %s", r.StatusCode, apptest.Body(r))
		}
		for _, st := range []string{"under_review", "approved", "paid"} {
			if r := env.Call("POST", "/api/v1/insurance/claims/"+c.ID+"/status", fin, map[string]any{"status": st}, &c); r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %s", st, r.StatusCode, apptest.Body(r))
			}
		}
		if c.Payable == nil || c.Payable.Amount != "893.92" {
			t.Fatalf("payable %+v", c.Payable)
		}
		bad := func(change func(m map[string]any)) map[string]any {
			m := map[string]any{}
			for k, v := range quote {
				m[k] = v
			}
			change(m)
			return m
		}
		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"unknown currency", "POST", "/api/v1/insurance/quotes", fin, bad(func(m map[string]any) {
				m["cargo_value"] = map[string]any{"amount": "10", "currency": "XYZ"}
			}), 422, "cargo_value.currency"},
			{"too many decimals", "POST", "/api/v1/insurance/quotes", fin, bad(func(m map[string]any) {
				m["cargo_value"] = map[string]any{"amount": "10", "currency": "KWD"}
				m["cargo_value"] = map[string]any{"amount": "10.0001", "currency": "KWD"}
			}), 422, "cargo_value.amount"},
			{"negative", "POST", "/api/v1/insurance/quotes", fin, bad(func(m map[string]any) { m["cargo_value"] = usd("-1") }), 422, "cargo_value.amount"},
			{"zero", "POST", "/api/v1/insurance/quotes", fin, bad(func(m map[string]any) { m["cargo_value"] = usd("0") }), 422, "cargo_value.amount"},
			{"FOB needs freight", "POST", "/api/v1/insurance/quotes", fin, bad(func(m map[string]any) { m["incoterm"] = "FOB" }), 422, `"freight"`},
			{"excluded route", "POST", "/api/v1/insurance/quotes", fin, bad(func(m map[string]any) {
				m["route"] = map[string]any{"from": "CN", "to": "KP"}
			}), 422, "route.to"},
			{"bound twice", "POST", "/api/v1/insurance/policies", fin, bind, 409, "insurance_quote_bound"},
			{"foreign quote", "POST", "/api/v1/insurance/policies", other, map[string]any{"quote_id": q.ID,
				"insured": map[string]any{"name": "Other Co"}}, 422, "quote_id"},
			{"viewer cannot quote", "POST", "/api/v1/insurance/quotes", viewer, quote, 403, ""},
			{"other tenant policy", "GET", "/api/v1/insurance/policies/" + p.ID, other, nil, 404, ""},
			{"other tenant certificate", "GET", "/api/v1/insurance/policies/" + p.ID + "/certificate.pdf", other, nil, 404, ""},
			{"claim above insured", "POST", "/api/v1/insurance/policies/" + p.ID + "/claims", fin, map[string]any{
				"loss_type": "theft", "amount": usd("200000.00"), "documents": []any{map[string]any{"name": "police report"}}}, 422, "amount"},
			{"paid claim cannot move", "POST", "/api/v1/insurance/claims/" + c.ID + "/status", fin, map[string]any{"status": "rejected", "reason": "x"}, 409, "insurance_claim_state"},
			{"list", "GET", "/api/v1/insurance/policies?order_id=" + o.ID, fin, nil, 200, p.ID},
			{"unknown shipment", "POST", "/api/v1/insurance/policies", fin, map[string]any{"quote_id": q.ID, "shipment_id": "shp_nope",
				"insured": map[string]any{"name": "Yiwu Bright Toys"}}, 422, `"field":"shipment_id"`},
			{"unknown order", "POST", "/api/v1/insurance/policies", fin, map[string]any{"quote_id": q.ID, "order_id": "ord_nope",
				"insured": map[string]any{"name": "Yiwu Bright Toys"}}, 422, `"field":"order_id"`},
			{"claims", "GET", "/api/v1/insurance/policies/" + p.ID + "/claims", fin, nil, 200, c.ID},
			{"tariff", "GET", "/api/v1/insurance/tariff", fin, nil, 200, "not an insurer's offer"},
			{"localized", "POST", "/api/v1/insurance/quotes?lang=zh-CN", fin, bad(func(m map[string]any) {
				m["route"] = map[string]any{"from": "CN", "to": "IR"}
			}), 422, "不承保"},
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
	})
}
