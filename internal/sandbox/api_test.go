package sandbox_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/connectors/payment/sandboxpay"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/sandbox"
)

type problemDoc struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Errors []struct {
		Field string `json:"field"`
		Code  string `json:"code"`
	} `json:"errors"`
}

func (p problemDoc) has(field, code string) bool {
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code {
			return true
		}
	}
	return false
}

// countEvents counts the outbox events of a type for a tenant's sandbox.
func countEvents(t *testing.T, env *apptest.Env, tenant, typ, resource string) int {
	t.Helper()
	ctx := context.Background()
	var n int
	q := `SELECT COUNT(*) FROM outbox_events WHERE tenant_id = $1 AND sandbox = $2 AND type = $3`
	args := []any{tenant, true, typ}
	if resource != "" {
		q += ` AND resource_id = $4`
		args = append(args, resource)
	}
	if err := env.App.DB.Q(ctx).QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSandboxOnly: every sandbox route refuses live keys and console
// sessions with 403 sandbox_only, localised, before touching anything.
func TestSandboxOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Live Only Ltd")
		live := env.Key(tenant, identity.TenantOwner, false)
		session := env.Session(tenant, identity.TenantOwner)
		n := 0
		for _, rt := range env.App.Router.Routes() {
			if !strings.HasPrefix(rt.Path, "/api/v1/sandbox/") {
				continue
			}
			n++
			path := strings.NewReplacer("{file}", "LS512345679CN.pdf", "{tracking_number}", "LS512345679CN",
				"{id}", "pay_x").Replace(rt.Path)
			for _, cred := range []string{live, session} {
				var body any
				if rt.Method == "POST" {
					body = map[string]any{"count": 1}
				}
				var p problemDoc
				r := env.Call(rt.Method, path, cred, body, &p)
				if r.StatusCode != http.StatusForbidden || p.Code != "sandbox_only" {
					t.Errorf("%s %s: %d %q, want 403 sandbox_only", rt.Method, path, r.StatusCode, p.Code)
				}
			}
		}
		if n != 11 {
			t.Errorf("%d sandbox routes, want 11", n)
		}
		req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/sandbox/payments", strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+live)
		req.Header.Set("Accept-Language", "zh-CN")
		req.Header.Set("Content-Type", "application/json")
		r, err := env.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := apptest.Body(r); r.StatusCode != 403 || !strings.Contains(body, "仅限沙箱凭证") {
			t.Errorf("zh-CN refusal: %d %s", r.StatusCode, body)
		}
	})
}

func TestMarketplacePush(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Push Alpha"), env.Tenant("Push Beta")
		sb := env.Key(a, identity.Operator, true)
		live := env.Key(a, identity.Operator, false)
		other := env.Key(b, identity.Operator, true)

		var res sandbox.PushResult
		r := env.Call("POST", "/api/v1/sandbox/marketplace/orders", sb, map[string]any{"count": 3, "seed": 9, "channel": "amazon-de"}, &res)
		if r.StatusCode != http.StatusCreated || res.Accepted != 3 || len(res.OrderIDs) != 3 || res.Seed != 9 {
			t.Fatalf("push: %d %s", r.StatusCode, apptest.Body(r))
		}
		for _, id := range res.OrderIDs {
			var o struct{ Channel, Currency string }
			if r := env.Call("GET", "/api/v1/orders/"+id, sb, nil, &o); r.StatusCode != 200 || o.Channel != "amazon-de" || o.Currency != "EUR" {
				t.Errorf("sandbox GET %s: %d %+v", id, r.StatusCode, o)
			}
			for _, k := range []string{live, other} {
				if r := env.Call("GET", "/api/v1/orders/"+id, k, nil, nil); r.StatusCode != 404 {
					t.Errorf("order %s seen outside its sandbox: %d", id, r.StatusCode)
				}
			}
		}
		if n := countEvents(t, env, a, "order.created", ""); n != 3 {
			t.Errorf("%d order.created events, want 3", n)
		}
		var again sandbox.PushResult
		env.Call("POST", "/api/v1/sandbox/marketplace/orders", sb, map[string]any{"count": 3, "seed": 9, "channel": "amazon-de"}, &again)
		if again.Duplicates != 3 || again.Accepted != 0 || again.Acks[0].OrderID != res.OrderIDs[0] {
			t.Errorf("repeat push: %+v", again)
		}
		var fresh sandbox.PushResult
		env.Call("POST", "/api/v1/sandbox/marketplace/orders", sb, map[string]any{"count": 2}, &fresh)
		if fresh.Accepted != 2 || fresh.Seed == 0 {
			t.Errorf("push without seed: %+v", fresh)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
			code  string
		}{
			{map[string]any{"count": 0}, "count", "out_of_range"},
			{map[string]any{"count": 501}, "count", "out_of_range"},
			{map[string]any{"count": 1, "channel": "mars-shop"}, "channel", "one_of"},
		} {
			var p problemDoc
			if r := env.Call("POST", "/api/v1/sandbox/marketplace/orders", sb, tc.body, &p); r.StatusCode != 422 || !p.has(tc.field, tc.code) {
				t.Errorf("%v: %d %+v", tc.body, r.StatusCode, p)
			}
		}
	})
}

// newOrder creates a sandbox order shipping to postcode.
func newOrder(t *testing.T, env *apptest.Env, key, ext, postcode string) string {
	t.Helper()
	var o struct{ ID string }
	r := env.Call("POST", "/api/v1/orders", key, map[string]any{
		"external_id": ext, "channel": "amazon-de", "placed_at": "2026-11-20T10:00:00Z", "currency": "EUR",
		"buyer":   map[string]any{"name": "Jonas Weber", "country": "DE"},
		"ship_to": map[string]any{"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin", "postcode": postcode, "country": "DE"},
		"lines":   []any{map[string]any{"sku": "TOY-001", "quantity": 2, "unit_price": map[string]any{"amount": "19.99", "currency": "EUR"}}},
	}, &o)
	if r.StatusCode != 201 {
		t.Fatalf("create order: %d %s", r.StatusCode, apptest.Body(r))
	}
	return o.ID
}

func TestCarrierAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Ship Alpha"), env.Tenant("Ship Beta")
		sb := env.Key(a, identity.Operator, true)
		other := env.Key(b, identity.TenantOwner, true)
		viewer := env.Key(a, identity.Viewer, true)
		order := newOrder(t, env, sb, "AMZ-1", "10115")

		var sh sandbox.Shipment
		r := env.Call("POST", "/api/v1/sandbox/carrier/labels", sb, map[string]any{"order_id": order, "service": "express"}, &sh)
		if r.StatusCode != 201 {
			t.Fatalf("label: %d %s", r.StatusCode, apptest.Body(r))
		}
		if !sandboxcarrier.ValidNumber(sh.TrackingNumber) || !strings.HasPrefix(sh.TrackingNumber, "EX") || sh.Scenario != "delivered" {
			t.Errorf("tracking number %s scenario %s", sh.TrackingNumber, sh.Scenario)
		}
		if len(sh.Events) != 1 || sh.Status != carrier.LabelCreated || len(sh.Timeline) != 8 || sh.Next == nil || sh.Speed != sandboxcarrier.Speed {
			t.Errorf("new shipment: %+v", sh)
		}
		if r.Header.Get("Location") != "/api/v1/sandbox/carrier/tracking/"+sh.TrackingNumber {
			t.Errorf("Location %q", r.Header.Get("Location"))
		}

		// The label, as PDF, to a reader too.
		r = env.Call("GET", sh.LabelURL, viewer, nil, nil)
		if body := apptest.Body(r); r.StatusCode != 200 || !strings.HasPrefix(body, "%PDF-") || r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("label PDF: %d %q %.8q", r.StatusCode, r.Header.Get("Content-Type"), body)
		}
		for _, path := range []string{"/api/v1/sandbox/carrier/labels/" + sh.TrackingNumber,
			"/api/v1/sandbox/carrier/labels/RE473124829GB.pdf"} {
			if r := env.Call("GET", path, sb, nil, nil); r.StatusCode != 404 {
				t.Errorf("GET %s: %d, want 404", path, r.StatusCode)
			}
		}

		// Advancing emits events and publishes each.
		for i := 2; i <= len(sh.Timeline); i++ {
			var got sandbox.Shipment
			if r := env.Call("POST", "/api/v1/sandbox/carrier/tracking/"+sh.TrackingNumber+"/advance", sb, nil, &got); r.StatusCode != 200 || len(got.Events) != i {
				t.Fatalf("advance %d: %d %s", i, r.StatusCode, apptest.Body(r))
			}
		}
		var p problemDoc
		if r := env.Call("POST", "/api/v1/sandbox/carrier/tracking/"+sh.TrackingNumber+"/advance", sb, nil, &p); r.StatusCode != 409 || p.Code != "tracking_complete" {
			t.Errorf("advance past the end: %d %+v", r.StatusCode, p)
		}
		var tracked sandbox.Shipment
		env.Call("GET", "/api/v1/sandbox/carrier/tracking/"+strings.ToLower(sh.TrackingNumber), viewer, nil, &tracked)
		if tracked.Status != carrier.Delivered || tracked.Next != nil || len(tracked.Events) != 8 {
			t.Errorf("tracked: %+v", tracked)
		}
		// XML, by content negotiation, like every resource.
		req, _ := http.NewRequest("GET", env.Server.URL+"/api/v1/sandbox/carrier/tracking/"+sh.TrackingNumber, nil)
		req.Header.Set("Authorization", "Bearer "+viewer)
		req.Header.Set("Accept", "application/xml")
		if r, err := env.Server.Client().Do(req); err != nil {
			t.Fatal(err)
		} else if body := apptest.Body(r); r.StatusCode != 200 || !strings.Contains(body, "<shipment>") ||
			!strings.Contains(body, "<tracking_number>"+sh.TrackingNumber+"</tracking_number>") {
			t.Errorf("XML tracking: %d %.300s", r.StatusCode, body)
		}
		if n := countEvents(t, env, a, "shipment.tracking_updated", sh.TrackingNumber); n != 8 {
			t.Errorf("%d shipment.tracking_updated events, want 8", n)
		}

		// Another tenant's sandbox sees nothing.
		for _, c := range []struct{ method, path string }{
			{"GET", "/api/v1/sandbox/carrier/tracking/" + sh.TrackingNumber},
			{"POST", "/api/v1/sandbox/carrier/tracking/" + sh.TrackingNumber + "/advance"},
			{"GET", sh.LabelURL},
		} {
			if r := env.Call(c.method, c.path, other, nil, nil); r.StatusCode != 404 {
				t.Errorf("tenant B %s %s: %d, want 404", c.method, c.path, r.StatusCode)
			}
		}
		if r := env.Call("POST", "/api/v1/sandbox/carrier/labels", other, map[string]any{"order_id": order}, &p); r.StatusCode != 422 || !p.has("order_id", "not_found") {
			t.Errorf("label for B: %d %+v", r.StatusCode, p)
		}

		// Trigger postcodes and the scenario override.
		for _, tc := range []struct {
			postcode, scenario, want string
		}{
			{"SBX-CUSTOMS", "", "customs_hold"},
			{"SBX-LOST", "", "lost"},
			{"10115", "returned", "returned"},
		} {
			id := newOrder(t, env, sb, "AMZ-"+tc.postcode+tc.scenario, tc.postcode)
			var s sandbox.Shipment
			env.Call("POST", "/api/v1/sandbox/carrier/labels", sb, map[string]any{"order_id": id, "scenario": tc.scenario}, &s)
			if s.Scenario != tc.want {
				t.Errorf("%s/%s: scenario %q, want %s", tc.postcode, tc.scenario, s.Scenario, tc.want)
			}
			reasons := ""
			for _, st := range s.Timeline {
				reasons += st.Reason
			}
			if reasons == "" {
				t.Errorf("%s: no exception in the timeline", tc.want)
			}
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{}, "order_id"},
			{map[string]any{"order_id": order, "service": "overnight"}, "service"},
			{map[string]any{"order_id": order, "scenario": "stolen"}, "scenario"},
		} {
			var p problemDoc
			if r := env.Call("POST", "/api/v1/sandbox/carrier/labels", sb, tc.body, &p); r.StatusCode != 422 || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
				t.Errorf("%v: %d %+v", tc.body, r.StatusCode, p)
			}
		}
	})
}

func TestPaymentsAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Pay Alpha"), env.Tenant("Pay Beta")
		fin := env.Key(a, identity.Finance, true)
		other := env.Key(b, identity.Finance, true)
		pay := func(number, amount, cvc string) (sandbox.Payment, *http.Response) {
			var p sandbox.Payment
			r := env.Call("POST", "/api/v1/sandbox/payments", fin, map[string]any{
				"amount": map[string]any{"amount": amount, "currency": "EUR"},
				"card":   map[string]any{"number": number, "exp_month": 12, "exp_year": 2034, "cvc": cvc}}, &p)
			return p, r
		}
		for _, tc := range sandboxpay.TestCards {
			p, r := pay(tc.Number, "25.00", "987")
			if r.StatusCode != 201 || p.Outcome != tc.Outcome || p.DeclineCode != tc.DeclineCode || p.Card.Brand != tc.Brand || p.Card.Last4 != tc.Number[12:] {
				t.Errorf("card %s: %d %+v, want %s %s", tc.Number, r.StatusCode, p, tc.Outcome, tc.DeclineCode)
			}
			if strings.Contains(apptest.Body(r), tc.Number) {
				t.Errorf("card %s: the full number came back", tc.Number)
			}
			if (tc.Outcome == "requires_action") != (p.Challenge != nil) {
				t.Errorf("card %s: challenge %+v", tc.Number, p.Challenge)
			}
		}

		// 3-D Secure passed, then capture and refunds.
		p, _ := pay("4000 0000 0000 3220", "100.00", "123")
		var p2 sandbox.Payment
		if r := env.Call("POST", p.Challenge.URL, fin, map[string]any{"otp": "123456"}, &p2); r.StatusCode != 200 || p2.Outcome != "approved" || p2.Status != "authorized" {
			t.Fatalf("3DS: %d %s", r.StatusCode, apptest.Body(r))
		}
		steps := []struct {
			path   string
			body   any
			status int
			code   string
		}{
			{"/3ds", map[string]any{"otp": "123456"}, 409, "payment_state"},
			{"/refund", nil, 409, "payment_state"},
			{"/capture", map[string]any{"amount": map[string]any{"amount": "100.01", "currency": "EUR"}}, 422, "validation_failed"},
			{"/capture", map[string]any{"amount": map[string]any{"amount": "10.00", "currency": "USD"}}, 422, "validation_failed"},
			{"/capture", map[string]any{"amount": map[string]any{"amount": "60.00", "currency": "EUR"}}, 200, ""},
			{"/void", nil, 409, "payment_state"},
			{"/refund", map[string]any{"amount": map[string]any{"amount": "10.00", "currency": "EUR"}}, 200, ""},
			{"/refund", map[string]any{"amount": map[string]any{"amount": "50.01", "currency": "EUR"}}, 422, "validation_failed"},
			{"/refund", nil, 200, ""},
		}
		for _, s := range steps {
			var prob problemDoc
			r := env.Call("POST", "/api/v1/sandbox/payments/"+p.ID+s.path, fin, s.body, &prob)
			if r.StatusCode != s.status || (s.code != "" && prob.Code != s.code) {
				t.Errorf("%s %v: %d %s, want %d %s", s.path, s.body, r.StatusCode, apptest.Body(r), s.status, s.code)
			}
		}
		var final sandbox.Payment
		env.Call("GET", "/api/v1/sandbox/payments/"+p.ID, fin, nil, &final)
		if final.Status != "refunded" || final.Captured.Amount != "60.00" || final.Refunded.Amount != "60.00" || final.Amount.Amount != "100.00" {
			t.Errorf("final: %+v", final)
		}

		// 3-D Secure failed: a wrong OTP, and the card declined after it.
		for _, tc := range []struct{ number, otp, code string }{
			{"4000000000003220", "000000", "authentication_failed"},
			{"4000000000003063", "123456", "card_declined"},
		} {
			p, _ := pay(tc.number, "5.00", "123")
			var got sandbox.Payment
			env.Call("POST", "/api/v1/sandbox/payments/"+p.ID+"/3ds", fin, map[string]any{"otp": tc.otp}, &got)
			if got.Outcome != "declined" || got.DeclineCode != tc.code || got.Challenge != nil {
				t.Errorf("%s with %s: %+v", tc.number, tc.otp, got)
			}
		}

		// Void of an approved payment; isolation from tenant B.
		v, _ := pay("5555555555554444", "9.99", "123")
		var voided sandbox.Payment
		if env.Call("POST", "/api/v1/sandbox/payments/"+v.ID+"/void", fin, nil, &voided); voided.Status != "voided" {
			t.Errorf("void: %+v", voided)
		}
		for _, path := range []string{"", "/capture", "/refund", "/void"} {
			method := "POST"
			if path == "" {
				method = "GET"
			}
			if r := env.Call(method, "/api/v1/sandbox/payments/"+v.ID+path, other, nil, nil); r.StatusCode != 404 {
				t.Errorf("tenant B %s %s: %d", method, path, r.StatusCode)
			}
		}

		// Shape errors name the field; the stored rows hold no card number
		// and no CVC.
		for _, tc := range []struct {
			number, amount, cvc, field string
		}{
			{"", "1.00", "123", "card.number"},
			{"4242abcd42424242", "1.00", "123", "card.number"},
			{"4242424242424242", "1.00", "12", "card.cvc"},
			{"378282246310005", "1.00", "123", "card.cvc"},
			{"4242424242424242", "0.00", "123", "amount.amount"},
			{"4242424242424242", "1.001", "123", "amount"},
		} {
			var prob problemDoc
			r := env.Call("POST", "/api/v1/sandbox/payments", fin, map[string]any{
				"amount": map[string]any{"amount": tc.amount, "currency": "EUR"},
				"card":   map[string]any{"number": tc.number, "exp_month": 1, "exp_year": 2031, "cvc": tc.cvc}}, &prob)
			if r.StatusCode != 422 || len(prob.Errors) == 0 || prob.Errors[0].Field != tc.field {
				t.Errorf("%s/%s/%s: %d %+v, want 422 on %s", tc.number, tc.amount, tc.cvc, r.StatusCode, prob, tc.field)
			}
		}
		ctx := context.Background()
		rows, err := env.App.DB.Q(ctx).QueryContext(ctx, `SELECT state FROM sandbox_payments`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			n++
			for _, tc := range sandboxpay.TestCards {
				if strings.Contains(s, tc.Number) || strings.Contains(s, tc.Number[:6]) {
					t.Errorf("stored state holds card digits: %s", s)
				}
			}
			if strings.Contains(s, "987") || strings.Contains(s, `"cvc"`) {
				t.Errorf("stored state holds a CVC: %s", s)
			}
		}
		if n != len(sandboxpay.TestCards)+4 {
			t.Errorf("%d stored payments, want %d", n, len(sandboxpay.TestCards)+4)
		}
	})
}
