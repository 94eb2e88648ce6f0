package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// sample returns a valid order as a JSON object, with ext as external_id.
func sample(ext string) map[string]any {
	return map[string]any{
		"external_id": ext, "channel": "amazon-de", "placed_at": "2026-11-20T10:00:00Z", "currency": "EUR",
		"buyer": map[string]any{"name": "Jonas Weber", "email": "j@example.de", "phone": "+49 30 1234567", "country": "DE"},
		"ship_to": map[string]any{"name": "Jonas Weber", "line1": "Invalidenstr. 1", "city": "Berlin",
			"postcode": "10115", "country": "DE"},
		"lines": []any{
			map[string]any{"sku": "TOY-001", "quantity": 2, "unit_price": map[string]any{"amount": "19.99", "currency": "EUR"}},
			map[string]any{"sku": "TOY-002", "quantity": 1, "unit_price": map[string]any{"amount": "5.5", "currency": "EUR"}, "title": "Kreisel"},
		},
	}
}

// do sends a request with explicit media types and returns the response
// with its body read.
func do(t *testing.T, env *apptest.Env, method, path, key, ctype, accept string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func auditCount(t *testing.T, env *apptest.Env, tenant, action string) int {
	t.Helper()
	var n int
	if err := env.App.DB.Writer().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM audit_events WHERE tenant_id = $1 AND action = $2`, tenant, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateGetList(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Weber Handel GmbH")
		op := env.Key(tenant, identity.Operator, false)
		viewer := env.Key(tenant, identity.Viewer, false)

		var o orders.Order
		r := env.Call("POST", "/api/v1/orders", op, sample("AMZ-113-0000001"), &o)
		if r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		if !strings.HasPrefix(o.ID, "ord_") || o.Status != orders.Received || r.Header.Get("Location") != "/api/v1/orders/"+o.ID {
			t.Errorf("created: id %q status %q location %q", o.ID, o.Status, r.Header.Get("Location"))
		}
		if o.Totals.Lines.Amount != "45.48" || o.Totals.Lines.Currency != "EUR" || o.Totals.Quantity != 3 {
			t.Errorf("totals = %+v, want 45.48 EUR for 3 units", o.Totals)
		}
		if o.Lines[1].UnitPrice.Amount != "5.50" {
			t.Errorf("amount not normalised: %q", o.Lines[1].UnitPrice.Amount)
		}
		if o.Buyer.Phone != "+49301234567" {
			t.Errorf("phone not normalised: %q", o.Buyer.Phone)
		}
		if len(o.StatusHistory) != 1 || o.StatusHistory[0].Status != orders.Received || o.StatusHistory[0].By == "" {
			t.Errorf("history = %+v", o.StatusHistory)
		}

		var got orders.Order
		if r := env.Call("GET", "/api/v1/orders/"+o.ID, viewer, nil, &got); r.StatusCode != 200 {
			t.Fatalf("get: %d", r.StatusCode)
		}
		if d := cmp.Diff(o, got); d != "" {
			t.Errorf("GET differs from POST (-post +get):\n%s", d)
		}
		if r := env.Call("GET", "/api/v1/orders/ord_nope", viewer, nil, nil); r.StatusCode != 404 {
			t.Errorf("unknown id: %d", r.StatusCode)
		}

		// More orders to list: two channels, one shipped.
		for i := 2; i <= 5; i++ {
			b := sample(fmt.Sprintf("AMZ-113-000000%d", i))
			if i%2 == 0 {
				b["channel"] = "shopee-sg"
				b["currency"] = "SGD"
				b["placed_at"] = "2026-12-01T08:00:00+08:00"
				for _, l := range b["lines"].([]any) {
					l.(map[string]any)["unit_price"].(map[string]any)["currency"] = "SGD"
				}
				b["ship_to"].(map[string]any)["country"] = "SG"
				b["ship_to"].(map[string]any)["postcode"] = "238801"
				b["ship_to"].(map[string]any)["city"] = "Singapore"
				b["buyer"].(map[string]any)["name"] = "Tan Wei Ling"
			}
			var x orders.Order
			if r := env.Call("POST", "/api/v1/orders", op, b, &x); r.StatusCode != 201 {
				t.Fatalf("create %d: %d %s", i, r.StatusCode, apptest.Body(r))
			}
			if i == 5 {
				env.Call("POST", "/api/v1/orders/"+x.ID+"/status", op, map[string]any{"status": "confirmed"}, nil)
			}
		}
		list := func(query string) []string {
			t.Helper()
			var l web.List[orders.Order]
			if r := env.Call("GET", "/api/v1/orders?"+query, viewer, nil, &l); r.StatusCode != 200 {
				t.Fatalf("list %s: %d %s", query, r.StatusCode, apptest.Body(r))
			}
			var ext []string
			for _, o := range l.Items {
				ext = append(ext, o.ExternalID)
			}
			return ext
		}
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"", []string{"AMZ-113-0000005", "AMZ-113-0000004", "AMZ-113-0000003", "AMZ-113-0000002", "AMZ-113-0000001"}},
			{"external_id=AMZ-113-0000003", []string{"AMZ-113-0000003"}},
			{"channel=shopee-sg", []string{"AMZ-113-0000004", "AMZ-113-0000002"}},
			{"status=confirmed", []string{"AMZ-113-0000005"}},
			{"from=" + url.QueryEscape("2026-12-01T00:00:00Z"), []string{"AMZ-113-0000004", "AMZ-113-0000002"}},
			{"to=" + url.QueryEscape("2026-12-01T00:00:00Z"), []string{"AMZ-113-0000005", "AMZ-113-0000003", "AMZ-113-0000001"}},
			{"q=wei+ling", []string{"AMZ-113-0000004", "AMZ-113-0000002"}},
			{"q=kreisel&channel=amazon-de", []string{"AMZ-113-0000005", "AMZ-113-0000003", "AMZ-113-0000001"}},
			{"q=50%25", nil},
			{"ship_to_country=sg", []string{"AMZ-113-0000004", "AMZ-113-0000002"}},
			{"ship_to_country=DE&status=confirmed", []string{"AMZ-113-0000005"}},
		} {
			if d := cmp.Diff(tc.want, list(tc.query)); d != "" {
				t.Errorf("list ?%s (-want +got):\n%s", tc.query, d)
			}
		}
		// Cursor pages cover everything once.
		var seen []string
		cursor := ""
		for {
			var l web.List[orders.Order]
			env.Call("GET", "/api/v1/orders?limit=2&cursor="+cursor, viewer, nil, &l)
			for _, o := range l.Items {
				seen = append(seen, o.ExternalID)
			}
			if l.NextCursor == "" {
				break
			}
			cursor = l.NextCursor
		}
		if len(seen) != 5 {
			t.Errorf("pages gave %v", seen)
		}
		for _, q := range []string{"status=lost", "from=yesterday", "limit=0", "ship_to_country=XX"} {
			if r := env.Call("GET", "/api/v1/orders?"+q, viewer, nil, nil); r.StatusCode != 422 {
				t.Errorf("?%s: %d, want 422", q, r.StatusCode)
			}
		}
		if n := auditCount(t, env, tenant, "order.create"); n != 5 {
			t.Errorf("%d order.create audit records, want 5", n)
		}
	})
}

func TestValidation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Validators Ltd"), identity.Operator, false)
		set := func(path string, v any) func(map[string]any) {
			return func(o map[string]any) {
				parts := strings.Split(path, ".")
				var cur any = o
				for _, p := range parts[:len(parts)-1] {
					switch c := cur.(type) {
					case map[string]any:
						cur = c[p]
					case []any:
						var i int
						fmt.Sscan(p, &i)
						cur = c[i]
					}
				}
				m := cur.(map[string]any)
				if v == nil {
					delete(m, parts[len(parts)-1])
				} else {
					m[parts[len(parts)-1]] = v
				}
			}
		}
		tests := []struct {
			name, field, code string
			edit              func(map[string]any)
		}{
			{"no external id", "external_id", "required", set("external_id", nil)},
			{"long external id", "external_id", "max_length", set("external_id", strings.Repeat("x", 129))},
			{"bad channel", "channel", "invalid_format", set("channel", "amazon de")},
			{"no placed_at", "placed_at", "required", set("placed_at", nil)},
			{"placed_at not RFC 3339", "placed_at", "invalid_format", set("placed_at", "20.11.2026")},
			{"unknown currency", "currency", "invalid_currency", set("currency", "EUX")},
			{"no buyer name", "buyer.name", "required", set("buyer.name", nil)},
			{"bad email", "buyer.email", "invalid_email", set("buyer.email", "jonas at example.de")},
			{"bad phone", "buyer.phone", "invalid_phone", set("buyer.phone", "call me")},
			{"short phone", "buyer.phone", "invalid_phone", set("buyer.phone", "+49 12")},
			{"bad buyer country", "buyer.country", "invalid_country", set("buyer.country", "XX")},
			{"grouping is no country", "ship_to.country", "invalid_country", set("ship_to.country", "EU")},
			{"lower-case country", "ship_to.country", "invalid_country", set("ship_to.country", "de")},
			{"no postcode", "ship_to.postcode", "required", set("ship_to.postcode", nil)},
			{"no line1", "ship_to.line1", "required", set("ship_to.line1", nil)},
			{"control characters", "ship_to.city", "control_characters", set("ship_to.city", "Ber\tlin")},
			{"no lines", "lines", "min_items", set("lines", []any{})},
			{"zero quantity", "lines[0].quantity", "out_of_range", set("lines.0.quantity", 0)},
			{"fractional quantity", "lines[1].quantity", "invalid_type", set("lines.1.quantity", 1.5)},
			{"line currency differs", "lines[1].unit_price.currency", "currency_mismatch", set("lines.1.unit_price.currency", "USD")},
			{"line currency unknown", "lines[0].unit_price.currency", "invalid_currency", set("lines.0.unit_price.currency", "ABC")},
			{"too precise", "lines[0].unit_price.amount", "too_precise", set("lines.0.unit_price.amount", "1.999")},
			{"negative price", "lines[0].unit_price.amount", "negative_amount", set("lines.0.unit_price.amount", "-1.00")},
			{"price not a number", "lines[0].unit_price.amount", "invalid_amount", set("lines.0.unit_price.amount", "1,99")},
			{"price as number", "lines[0].unit_price.amount", "invalid_type", set("lines.0.unit_price.amount", 1.99)},
			{"no sku", "lines[1].sku", "required", set("lines.1.sku", nil)},
			{"unknown field", "lines[0].colour", "unknown_field", set("lines.0.colour", "red")},
			{"status is not input", "status", "unknown_field", set("status", "shipped")},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				b := sample("VAL-1")
				tc.edit(b)
				var p struct {
					Code   string
					Errors []struct{ Field, Code, Message string }
				}
				r := env.Call("POST", "/api/v1/orders", op, b, &p)
				if r.StatusCode != 422 {
					t.Fatalf("status %d, want 422: %s", r.StatusCode, apptest.Body(r))
				}
				for _, e := range p.Errors {
					if e.Field == tc.field && e.Code == tc.code {
						if e.Message == "" || e.Message == "validation."+e.Code {
							t.Errorf("no message for %s", e.Code)
						}
						return
					}
				}
				t.Errorf("errors %+v do not name %s %s", p.Errors, tc.field, tc.code)
			})
		}
		// Without a postcode where the country has none, the order is fine.
		b := sample("HK-1")
		b["ship_to"].(map[string]any)["country"] = "HK"
		delete(b["ship_to"].(map[string]any), "postcode")
		if r := env.Call("POST", "/api/v1/orders", op, b, nil); r.StatusCode != 201 {
			t.Errorf("Hong Kong address without postcode: %d %s", r.StatusCode, apptest.Body(r))
		}
		// Minor units follow the currency: JPY none, KWD three.
		for _, c := range []struct{ cur, amount, want string }{{"JPY", "1500", "4500"}, {"KWD", "1.5", "4.500"}} {
			b := sample("MU-" + c.cur)
			b["currency"] = c.cur
			for _, l := range b["lines"].([]any) {
				l.(map[string]any)["unit_price"] = map[string]any{"amount": c.amount, "currency": c.cur}
			}
			var o orders.Order
			if r := env.Call("POST", "/api/v1/orders", op, b, &o); r.StatusCode != 201 {
				t.Fatalf("%s: %d %s", c.cur, r.StatusCode, apptest.Body(r))
			}
			if o.Totals.Lines.Amount != c.want {
				t.Errorf("%s total %q, want %q", c.cur, o.Totals.Lines.Amount, c.want)
			}
		}
	})
}

func TestDuplicateExternalID(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Dup GmbH")
		live := env.Key(tenant, identity.Operator, false)
		sandbox := env.Key(tenant, identity.Operator, true)
		other := env.Key(env.Tenant("Other Ltd"), identity.Operator, false)

		var first orders.Order
		if r := env.Call("POST", "/api/v1/orders", live, sample("AMZ-1"), &first); r.StatusCode != 201 {
			t.Fatalf("first: %d", r.StatusCode)
		}
		var p struct {
			Code, Detail string
			Errors       []struct{ Field, Code, Message string }
		}
		r := env.Call("POST", "/api/v1/orders", live, sample("AMZ-1"), &p)
		if r.StatusCode != 409 || p.Code != "duplicate_external_id" || !strings.Contains(p.Detail, first.ID) {
			t.Fatalf("repeat: %d %+v", r.StatusCode, p)
		}
		// Same external id on another channel, in the sandbox, or for
		// another tenant: separate orders.
		b := sample("AMZ-1")
		b["channel"] = "amazon-fr"
		for name, c := range map[string]struct {
			key  string
			body map[string]any
		}{"other channel": {live, b}, "sandbox": {sandbox, sample("AMZ-1")}, "other tenant": {other, sample("AMZ-1")}} {
			if r := env.Call("POST", "/api/v1/orders", c.key, c.body, nil); r.StatusCode != 201 {
				t.Errorf("%s: %d %s", name, r.StatusCode, apptest.Body(r))
			}
		}
		var l web.List[orders.Order]
		env.Call("GET", "/api/v1/orders?external_id=AMZ-1", live, nil, &l)
		if len(l.Items) != 2 {
			t.Errorf("live has %d orders AMZ-1, want 2 (two channels)", len(l.Items))
		}
		// Channel names are not case-sensitive.
		b = sample("AMZ-1")
		b["channel"] = "Amazon-DE"
		if r := env.Call("POST", "/api/v1/orders", live, b, nil); r.StatusCode != 409 {
			t.Errorf("channel in other case: %d, want 409", r.StatusCode)
		}
	})
}

func TestStatusTransitions(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Flow Ltd")
		op := env.Key(tenant, identity.Operator, false)
		viewer := env.Key(tenant, identity.Viewer, false)
		var o orders.Order
		env.Call("POST", "/api/v1/orders", op, sample("FLOW-1"), &o)

		move := func(status, note string) (int, string) {
			var p struct{ Code string }
			r := env.Call("POST", "/api/v1/orders/"+o.ID+"/status", op, map[string]any{"status": status, "note": note}, &p)
			return r.StatusCode, p.Code
		}
		if s, c := move("delivered", ""); s != 409 || c != "invalid_status_transition" {
			t.Errorf("received → delivered: %d %s", s, c)
		}
		if s, c := move("lost", ""); s != 422 {
			t.Errorf("unknown status: %d %s", s, c)
		}
		if r := env.Call("POST", "/api/v1/orders/"+o.ID+"/status", viewer, map[string]any{"status": "confirmed"}, nil); r.StatusCode != 403 {
			t.Errorf("viewer changes status: %d", r.StatusCode)
		}
		for _, st := range []string{"confirmed", "shipped", "delivered", "returned"} {
			if s, c := move(st, "to "+st); s != 200 {
				t.Fatalf("→ %s: %d %s", st, s, c)
			}
		}
		if s, _ := move("received", ""); s != 409 {
			t.Errorf("returned → received: %d", s)
		}
		var got orders.Order
		env.Call("GET", "/api/v1/orders/"+o.ID, viewer, nil, &got)
		if got.Status != orders.Returned || len(got.StatusHistory) != 5 {
			t.Fatalf("after moves: %s, %d history entries", got.Status, len(got.StatusHistory))
		}
		for i, h := range got.StatusHistory[1:] {
			if h.Note != "to "+string(h.Status) || h.By == "" || !h.At.After(got.StatusHistory[i].At) {
				t.Errorf("history %d: %+v", i+1, h)
			}
		}
		if n := auditCount(t, env, tenant, "order.status"); n != 4 {
			t.Errorf("%d order.status audit records, want 4", n)
		}
		// A cancelled order stays cancelled.
		var c orders.Order
		env.Call("POST", "/api/v1/orders", op, sample("FLOW-2"), &c)
		env.Call("POST", "/api/v1/orders/"+c.ID+"/status", op, map[string]any{"status": "cancelled"}, nil)
		if r := env.Call("POST", "/api/v1/orders/"+c.ID+"/status", op, map[string]any{"status": "confirmed"}, nil); r.StatusCode != 409 {
			t.Errorf("cancelled → confirmed: %d", r.StatusCode)
		}
	})
}

func TestXML(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("XML AG"), identity.Operator, false)
		body := `<?xml version="1.0" encoding="UTF-8"?>
<order>
  <external_id>EDI-4711</external_id>
  <channel>amazon-de</channel>
  <placed_at>2026-11-20T10:00:00Z</placed_at>
  <currency>EUR</currency>
  <buyer><name>Jonas Weber</name><email>j@example.de</email><country>DE</country></buyer>
  <ship_to><name>Jonas Weber</name><line1>Invalidenstr. 1</line1><city>Berlin</city><postcode>10115</postcode><country>DE</country></ship_to>
  <lines>
    <line><sku>TOY-001</sku><quantity>2</quantity><unit_price><amount>19.99</amount><currency>EUR</currency></unit_price></line>
    <line><sku>TOY-002</sku><quantity>1</quantity><unit_price><amount>5.00</amount><currency>EUR</currency></unit_price><title>Kreisel &amp; Co</title></line>
  </lines>
</order>`
		r, b := do(t, env, "POST", "/api/v1/orders", op, "application/xml", "application/xml", []byte(body))
		if r.StatusCode != 201 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("POST xml: %d %s\n%s", r.StatusCode, r.Header.Get("Content-Type"), b)
		}
		type xline struct {
			SKU       string `xml:"sku"`
			Quantity  int    `xml:"quantity"`
			UnitPrice struct {
				Amount   string `xml:"amount"`
				Currency string `xml:"currency"`
			} `xml:"unit_price"`
			Title string `xml:"title"`
		}
		type xorder struct {
			XMLName    xml.Name `xml:"order"`
			ID         string   `xml:"id"`
			ExternalID string   `xml:"external_id"`
			Status     string   `xml:"status"`
			Lines      []xline  `xml:"lines>line"`
			Totals     struct {
				Lines struct {
					Amount string `xml:"amount"`
				} `xml:"lines"`
			} `xml:"totals"`
		}
		var created xorder
		if err := xml.Unmarshal(b, &created); err != nil {
			t.Fatalf("response is not an <order>: %v\n%s", err, b)
		}
		if created.ExternalID != "EDI-4711" || len(created.Lines) != 2 || created.Lines[1].Title != "Kreisel & Co" ||
			created.Totals.Lines.Amount != "44.98" || created.Status != "received" {
			t.Errorf("created = %+v", created)
		}
		_, gb := do(t, env, "GET", "/api/v1/orders/"+created.ID, op, "", "application/xml", nil)
		var got xorder
		if err := xml.Unmarshal(gb, &got); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(created, got); d != "" {
			t.Errorf("XML GET differs from POST:\n%s", d)
		}
		// The JSON form of the same order agrees.
		var j orders.Order
		env.Call("GET", "/api/v1/orders/"+created.ID, op, nil, &j)
		if j.Lines[0].UnitPrice.Amount != "19.99" || j.Lines[1].Title != "Kreisel & Co" {
			t.Errorf("JSON of XML order: %+v", j.Lines)
		}
		// Same validation errors, as problem+xml.
		bad := strings.Replace(body, "<currency>EUR</currency></unit_price><title>", "<currency>USD</currency></unit_price><title>", 1)
		bad = strings.Replace(bad, "EDI-4711", "EDI-4712", 1)
		r, pb := do(t, env, "POST", "/api/v1/orders", op, "application/xml", "application/xml", []byte(bad))
		if r.StatusCode != 422 || !strings.Contains(string(pb), "<field>lines[1].unit_price.currency</field>") ||
			!strings.Contains(string(pb), "<code>currency_mismatch</code>") {
			t.Errorf("invalid XML order: %d\n%s", r.StatusCode, pb)
		}
		// A list in XML is <items> of <order>.
		_, lb := do(t, env, "GET", "/api/v1/orders", op, "", "application/xml", nil)
		if !strings.Contains(string(lb), "<items") || !strings.Contains(string(lb), "<order>") {
			t.Errorf("XML list: %s", lb)
		}
	})
}

func TestSandboxSeparation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Sand Box Co")
		live := env.Key(tenant, identity.Operator, false)
		test := env.Key(tenant, identity.Operator, true)
		var lo, so orders.Order
		env.Call("POST", "/api/v1/orders", live, sample("S-1"), &lo)
		r, b := do(t, env, "POST", "/api/v1/orders/bulk", test, "application/x-ndjson", "",
			append(mustJSON(t, sample("S-2")), '\n'))
		if r.StatusCode != 200 {
			t.Fatalf("sandbox bulk: %d %s", r.StatusCode, b)
		}
		env.Call("POST", "/api/v1/orders", test, sample("S-3"), &so)
		for _, c := range []struct {
			key, id string
			want    int
		}{{live, lo.ID, 200}, {live, so.ID, 404}, {test, so.ID, 200}, {test, lo.ID, 404}} {
			if r := env.Call("GET", "/api/v1/orders/"+c.id, c.key, nil, nil); r.StatusCode != c.want {
				t.Errorf("GET %s: %d, want %d", c.id, r.StatusCode, c.want)
			}
		}
		if r := env.Call("POST", "/api/v1/orders/"+lo.ID+"/status", test, map[string]any{"status": "confirmed"}, nil); r.StatusCode != 404 {
			t.Errorf("sandbox key changes a live order: %d", r.StatusCode)
		}
		count := func(key string) []string {
			var l web.List[orders.Order]
			env.Call("GET", "/api/v1/orders", key, nil, &l)
			var ext []string
			for _, o := range l.Items {
				ext = append(ext, o.ExternalID)
			}
			return ext
		}
		if d := cmp.Diff([]string{"S-1"}, count(live)); d != "" {
			t.Errorf("live list:\n%s", d)
		}
		if d := cmp.Diff([]string{"S-3", "S-2"}, count(test)); d != "" {
			t.Errorf("sandbox list:\n%s", d)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func doHeaders(t *testing.T, env *apptest.Env, method, path, key string, body []byte, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, env.Server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
