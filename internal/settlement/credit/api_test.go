package credit_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/settlement/credit"
)

func TestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tid := env.Tenant("Credit API")
		fin := env.Key(tid, identity.Finance, false)
		viewer := env.Key(tid, identity.Viewer, false)
		other := env.Key(env.Tenant("Other"), identity.Finance, false)
		usd := func(a string) map[string]any { return map[string]any{"amount": a, "currency": "USD"} }
		var l credit.Limit
		if r := env.Call("PUT", "/api/v1/credit/limits/ACME-GmbH", fin, map[string]any{"limit": usd("5000"), "grade": "A"}, &l); r.StatusCode != http.StatusOK {
			t.Fatalf("limit: %d %s", r.StatusCode, apptest.Body(r))
		}
		if l.Limit.Amount != "5000.00" || l.Available.Amount != "5000.00" {
			t.Fatalf("limit %+v", l)
		}
		var g credit.Guarantee
		if r := env.Call("POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("3650.00"),
			"days": 60}, &g); r.StatusCode != http.StatusCreated {
			t.Fatalf("guarantee: %d %s", r.StatusCode, apptest.Body(r))
		}
		// 3650 × 0.010 × 60 / 365 = 6.00
		if g.Fee.Amount != "6.00" || g.Status != credit.StatusActive {
			t.Fatalf("guarantee %+v", g)
		}
		var res credit.CheckResult
		if r := env.Call("POST", "/api/v1/credit/check", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("1350.01")}, &res); r.StatusCode != http.StatusOK ||
			res.Allowed || res.Reason != "exceeds_limit" || res.Available.Amount != "1350.00" {
			t.Fatalf("check: %d %+v", r.StatusCode, res)
		}
		tests := []struct {
			name, method, path, key string
			body                    any
			status                  int
			contains                string
		}{
			{"over limit", "POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("1350.01"), "days": 30}, 409, "credit_limit_exceeded"},
			{"no limit", "POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "nobody", "amount": usd("1"), "days": 30}, 422, `"buyer"`},
			{"unknown currency", "POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "ACME-GmbH", "amount": map[string]any{"amount": "1", "currency": "ZZZ"}, "days": 30}, 422, "amount.currency"},
			{"decimals", "POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("1.005"), "days": 30}, 422, "amount.amount"},
			{"zero", "POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("0"), "days": 30}, 422, "amount.amount"},
			{"viewer cannot issue", "POST", "/api/v1/credit/guarantees", viewer, map[string]any{"buyer": "ACME-GmbH", "amount": usd("1"), "days": 30}, 403, ""},
			{"other tenant", "GET", "/api/v1/credit/guarantees/" + g.ID, other, nil, 404, ""},
			{"other tenant has no limit", "POST", "/api/v1/credit/check", other, map[string]any{"buyer": "ACME-GmbH", "amount": usd("1")}, 200, "no_limit"},
			{"list", "GET", "/api/v1/credit/guarantees?buyer=ACME-GmbH", fin, nil, 200, g.ID},
			{"limits", "GET", "/api/v1/credit/limits", fin, nil, 200, `"exposure":{"amount":"3650.00"`},
			{"release", "POST", "/api/v1/credit/guarantees/" + g.ID + "/release", fin, nil, 200, "released"},
			{"release again", "POST", "/api/v1/credit/guarantees/" + g.ID + "/release", fin, nil, 409, "credit_not_active"},
			{"freed", "GET", "/api/v1/credit/limits/ACME-GmbH", fin, nil, 200, `"available":{"amount":"5000.00"`},
			{"receivable", "POST", "/api/v1/credit/receivables", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("5000"), "reference": "INV-9"}, 201, "open"},
			{"now full", "POST", "/api/v1/credit/check", fin, map[string]any{"buyer": "ACME-GmbH", "amount": usd("0.01")}, 200, `"allowed":false`},
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

// TestAPIConcurrentGuarantees sends guarantees at once through the HTTP
// pipeline (one transaction per request, grouped commits on SQLite): the
// limit holds there too.
func TestAPIConcurrentGuarantees(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		fin := env.Key(env.Tenant("Credit race"), identity.Finance, false)
		usd := func(a string) map[string]any { return map[string]any{"amount": a, "currency": "USD"} }
		if r := env.Call("PUT", "/api/v1/credit/limits/racer", fin, map[string]any{"limit": usd("500"), "grade": "B"}, nil); r.StatusCode != http.StatusOK {
			t.Fatalf("limit: %d", r.StatusCode)
		}
		const n = 12
		codes := make(chan int, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				for range 20 {
					r := env.Call("POST", "/api/v1/credit/guarantees", fin, map[string]any{"buyer": "racer", "amount": usd("100"), "days": 30}, nil)
					if r.StatusCode != http.StatusServiceUnavailable {
						codes <- r.StatusCode
						return
					}
				}
				codes <- http.StatusServiceUnavailable
			})
		}
		wg.Wait()
		close(codes)
		got := map[int]int{}
		for c := range codes {
			got[c]++
		}
		if got[http.StatusCreated] != 5 || got[http.StatusConflict] != n-5 {
			t.Fatalf("statuses %v, want 5 × 201 and %d × 409", got, n-5)
		}
		var l credit.Limit
		env.Call("GET", "/api/v1/credit/limits/racer", fin, nil, &l)
		if l.Exposure.Amount != "500.00" || l.Available.Amount != "0.00" {
			t.Fatalf("limit after the race %+v", l)
		}
	})
}
