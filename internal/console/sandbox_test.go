package console_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/identity"
)

// TestSandboxPage drives the sandbox page as a signed-in operator: it shows
// the test cards and the tenant's values in both languages, pushes orders
// and buys a label in the tenant's sandbox data set (never the live one),
// advances tracking and serves the label.
func TestSandboxPage(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Sandbox Trading")
	live := env.Key(tenant, identity.Operator, false)
	sandbox := env.Key(tenant, identity.Operator, true)
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := newBrowser(t, env)
			b.lang = lang
			b.signIn(env.User(tenant, identity.Operator))

			p := b.get("/sandbox")
			if p.Status != 200 {
				t.Fatalf("page: %d", p.Status)
			}
			if m := untranslated.FindString(text(p.Body) + " " + attrs(p.Body)); m != "" {
				t.Errorf("untranslated %q", m)
			}
			mustContain(t, "page", p.Body, "4242 4242 4242 4242", "4000 0000 0000 3220", "6200 0000 0000 0005",
				"SBX-CUSTOMS", tenant, "/api/v1/sandbox/marketplace/orders", `action="/sandbox/orders"`)

			p = b.post("/sandbox/orders", url.Values{"count": {"3"}, "channel": {"shopee-sg"}})
			if p.Status != 303 || !strings.HasPrefix(p.Location, "/sandbox?pushed=3") {
				t.Fatalf("push: %d %s", p.Status, p.Location)
			}
			p = b.post("/sandbox/orders", url.Values{"count": {"0"}})
			if p.Status != 422 || !strings.Contains(p.Body, "field-error") {
				t.Errorf("push 0: %d", p.Status)
			}

			page := b.get("/sandbox")
			ids := regexp.MustCompile(`<option value="(ord_[^"]+)"`).FindStringSubmatch(page.Body)
			if ids == nil {
				t.Fatal("no sandbox order offered for a label")
			}
			// The orders are in the sandbox, not in live data.
			if r := env.Call("GET", "/api/v1/orders/"+ids[1], sandbox, nil, nil); r.StatusCode != 200 {
				t.Errorf("pushed order not in the sandbox: %d", r.StatusCode)
			}
			if r := env.Call("GET", "/api/v1/orders/"+ids[1], live, nil, nil); r.StatusCode != 404 {
				t.Errorf("pushed order visible live: %d", r.StatusCode)
			}

			p = b.post("/sandbox/labels", url.Values{"order_id": {ids[1]}, "service": {"express"}, "scenario": {"customs_hold"}})
			if p.Status != 303 || !strings.HasPrefix(p.Location, "/sandbox?tracking=EX") {
				t.Fatalf("label: %d %s", p.Status, p.Location)
			}
			number := strings.TrimSuffix(strings.TrimPrefix(p.Location, "/sandbox?tracking="), "#parcels")
			p = b.post("/sandbox/tracking/"+number+"/advance", url.Values{})
			if p.Status != 303 {
				t.Errorf("advance: %d", p.Status)
			}
			page = b.get("/sandbox?tracking=" + number)
			mustContain(t, "after advance", page.Body, number, "<code>picked_up</code>", `href="/sandbox/labels/`+number+`.pdf"`)
			pdf := b.get("/sandbox/labels/" + number + ".pdf")
			if pdf.Status != 200 || !strings.HasPrefix(pdf.Body, "%PDF-") {
				t.Errorf("label: %d %.8q", pdf.Status, pdf.Body)
			}
			if r := env.Call("GET", "/api/v1/sandbox/carrier/tracking/"+number, sandbox, nil, nil); r.StatusCode != 200 {
				t.Errorf("console parcel not in the API's sandbox: %d", r.StatusCode)
			}
		})
	}
}
