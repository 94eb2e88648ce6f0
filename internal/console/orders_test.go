package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

// multipartPost posts fields (in order) and one file through a form.
func (b *browser) multipartPost(path string, fields [][2]string, fileField, fileName, content string) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.env.Server.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// orderForm is a complete phone order; tests change what they need.
func orderForm(externalID string) url.Values {
	return url.Values{
		"external_id": {externalID}, "channel": {"wechat"}, "placed_at": {"2026-11-20T10:00"}, "currency": {"EUR"},
		"buyer.name": {"Jonas Weber"}, "buyer.email": {"jonas@example.de"}, "buyer.phone": {"+49 30 1234567"},
		"ship_to.line1": {"Invalidenstr. 1"}, "ship_to.city": {"Berlin"}, "ship_to.postcode": {"10115"}, "ship_to.country": {"de"},
		"line_sku": {"TOY-001", "", "CASE-7"}, "line_title": {"Blocks", "", "Phone case"}, "line_quantity": {"2", "", "1"},
		"line_price": {"1234.5", "", "3"},
	}
}

var orderLink = regexp.MustCompile(`/orders/(ord_[A-Za-z0-9]+)`)

// fieldError is the message the form shows right after the input named
// name (the markup of the "ferr" partial).
func fieldError(body, name string) string {
	i := strings.Index(body, `name="`+name+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	end := strings.Index(rest, `</div>`)
	if end < 0 {
		return ""
	}
	m := regexp.MustCompile(`<p class="field-error">([^<]*)</p>`).FindStringSubmatch(rest[:end])
	if m == nil {
		return ""
	}
	return m[1]
}

func TestOrderPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Yiwu Orders")
		op := newBrowser(t, env)
		opUser := env.User(tenant, identity.Operator)
		op.signIn(opUser)

		// The form, and a refused submission: every message next to its
		// field, what was typed kept.
		form := op.get("/orders/new")
		if form.Status != 200 || !strings.Contains(form.Body, `name="buyer.name"`) {
			t.Fatalf("new order form: %d", form.Status)
		}
		bad := orderForm("WX-1")
		bad.Set("buyer.name", "")
		bad.Set("buyer.email", "not-an-email")
		bad["line_price"] = []string{"1234.5", "", "3.001"}
		p := op.post("/orders", bad)
		if p.Status != 422 {
			t.Fatalf("refused order: %d\n%s", p.Status, text(p.Body))
		}
		for name, want := range map[string]string{"buyer.name": "required", "buyer.email": "e-mail", "ship_to.name": "required"} {
			if msg := fieldError(p.Body, name); msg == "" || want != "" && !strings.Contains(strings.ToLower(msg), want) {
				t.Errorf("field %s: message %q", name, msg)
			}
		}
		// The third row (second line the service saw) carries the price message.
		if !strings.Contains(p.Body, `id="line-price-2" name="line_price" inputmode="decimal" value="3.001" aria-invalid="true"`) {
			t.Errorf("price message not on the third row:\n%s", p.Body)
		}
		mustContain(t, "refused order keeps input", p.Body, `value="not-an-email"`, `value="Invalidenstr. 1"`, `value="CASE-7"`)

		// A good order: saved, redirected to it, money in minor units.
		p = op.post("/orders", orderForm("WX-1"))
		if p.Status != http.StatusSeeOther || !orderLink.MatchString(p.Location) {
			t.Fatalf("create: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		id := orderLink.FindStringSubmatch(p.Location)[1]
		detail := op.get(p.Location)
		mustContain(t, "order", text(detail.Body), "WX-1", "EUR 1,234.50", "EUR 2,469.00", "EUR 3.00", "EUR 2,472.00",
			"Jonas Weber", "10115 Berlin", "Order saved.")
		// The same number again is refused on the field.
		p = op.post("/orders", orderForm("WX-1"))
		if p.Status != 409 || !strings.Contains(fieldError(p.Body, "external_id"), id) {
			t.Errorf("duplicate: %d %q", p.Status, fieldError(p.Body, "external_id"))
		}

		// Moves: the buttons are the allowed ones; a stale one is refused.
		mustContain(t, "moves", detail.Body, `name="status" value="confirmed"`, `name="status" value="cancelled"`)
		mustNotContain(t, "moves", detail.Body, `name="status" value="shipped"`)
		p = op.post("/orders/"+id+"/status", url.Values{"status": {"confirmed"}, "note": {"paid by WeChat Pay"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("confirm: %d\n%s", p.Status, text(p.Body))
		}
		detail = op.get("/orders/" + id)
		mustContain(t, "confirmed", text(detail.Body), "paid by WeChat Pay", "Mark as shipped", "by "+opUser.Email)
		p = op.post("/orders/"+id+"/status", url.Values{"status": {"delivered"}})
		if p.Status != 409 || !strings.Contains(text(p.Body), "Status change not allowed") {
			t.Errorf("bad move: %d\n%s", p.Status, text(p.Body))
		}

		// Another order to filter against.
		other := orderForm("SHOPEE-9")
		other.Set("channel", "shopee-sg")
		other.Set("currency", "SGD")
		other.Set("buyer.name", "Tan Wei Ling")
		other.Set("buyer.email", "")
		other.Set("ship_to.country", "SG")
		other.Set("ship_to.postcode", "018956")
		other.Set("placed_at", "2026-11-25T08:00")
		if p := op.post("/orders", other); p.Status != http.StatusSeeOther {
			t.Fatalf("second order: %d\n%s", p.Status, text(p.Body))
		}
		for _, c := range []struct {
			query     string
			want, not string
		}{
			{"q=tan+wei", "SHOPEE-9", "WX-1"},
			{"q=jonas%40example.de", "WX-1", "SHOPEE-9"},
			{"status=confirmed", "WX-1", "SHOPEE-9"},
			{"channel=shopee-sg", "SHOPEE-9", "WX-1"},
			{"country=sg", "SHOPEE-9", "WX-1"},
			{"country=DE", "WX-1", "SHOPEE-9"},
			{"from=2026-11-21", "SHOPEE-9", "WX-1"},
			{"to=2026-11-20", "WX-1", "SHOPEE-9"},
		} {
			l := op.get("/orders?" + c.query)
			if l.Status != 200 || !strings.Contains(l.Body, ">"+c.want+"<") || strings.Contains(l.Body, ">"+c.not+"<") {
				t.Errorf("filter %s: %d\n%s", c.query, l.Status, text(l.Body))
			}
		}
		if l := op.get("/orders?from=yesterday&country=XX"); l.Status != 422 || fieldError(l.Body, "from") == "" || fieldError(l.Body, "country") == "" {
			t.Errorf("bad filters: %d", l.Status)
		}
		// Paging: one order per page, the second reached by "next".
		first := op.get("/orders?limit=1")
		next := regexp.MustCompile(`href="(/orders\?cursor=[^"]+)"`).FindStringSubmatch(first.Body)
		if next == nil {
			t.Fatalf("no next page link:\n%s", first.Body)
		}
		second := op.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if !strings.Contains(second.Body, ">WX-1<") || strings.Contains(second.Body, ">SHOPEE-9<") {
			t.Errorf("second page:\n%s", text(second.Body))
		}

		// The NDJSON upload keeps the good line and names the bad one.
		nd := `{"external_id":"B-1","channel":"own-shop","placed_at":"2026-11-20T10:00:00Z","currency":"USD","buyer":{"name":"A","country":"US"},"ship_to":{"name":"A","line1":"1 Main St","city":"Austin","postcode":"73301","country":"US"},"lines":[{"sku":"X","quantity":1,"unit_price":{"amount":"5.00","currency":"USD"}}]}` + "\n" +
			`{"external_id":"B-2","channel":"own-shop"}` + "\n"
		up := op.multipartPost("/orders/upload", nil, "file", "orders.ndjson", nd)
		if up.Status != 200 || !strings.Contains(text(up.Body), "1 accepted (0 already stored), 1 rejected.") {
			t.Errorf("upload: %d\n%s", up.Status, text(up.Body))
		}
		if up := op.multipartPost("/orders/upload", nil, "", "", ""); up.Status != 422 || fieldError(up.Body, "file") == "" {
			t.Errorf("upload without file: %d", up.Status)
		}

		// Viewers read but do not write; another tenant sees nothing.
		viewer := newBrowser(t, env)
		viewer.signIn(env.User(tenant, identity.Viewer))
		l := viewer.get("/orders")
		mustContain(t, "viewer list", l.Body, ">WX-1<", `href="/orders"`)
		mustNotContain(t, "viewer list", l.Body, `href="/orders/new"`)
		v := viewer.get("/orders/" + id)
		mustNotContain(t, "viewer order", v.Body, `name="status"`)
		for _, c := range []struct {
			method, path string
			status       int
		}{{"GET", "/orders/new", 403}, {"POST", "/orders", 403}, {"POST", "/orders/" + id + "/status", 403}, {"GET", "/orders/upload", 403}} {
			var p page
			if c.method == "GET" {
				p = viewer.get(c.path)
			} else {
				p = viewer.post(c.path, orderForm("V-1"))
			}
			if p.Status != c.status || !strings.Contains(p.Body, "<html") {
				t.Errorf("viewer %s %s: %d", c.method, c.path, p.Status)
			}
		}
		stranger := newBrowser(t, env)
		stranger.signIn(env.User(env.Tenant("Other Ltd"), identity.TenantOwner))
		if p := stranger.get("/orders/" + id); p.Status != 404 || !strings.Contains(p.Body, "<html") {
			t.Errorf("other tenant's order: %d", p.Status)
		}
		if p := stranger.post("/orders/"+id+"/status", url.Values{"status": {"shipped"}}); p.Status != 404 {
			t.Errorf("other tenant's order move: %d", p.Status)
		}
		if l := stranger.get("/orders"); strings.Contains(l.Body, "WX-1") {
			t.Error("another tenant lists the order")
		}
	})
}

func TestMoneyText(t *testing.T) {
	t.Parallel()
	// moneyText is internal; the pages show it, so check through a page.
	env := sqlite(t)
	tenant := env.Tenant("Money Ltd")
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.Operator))
	for _, c := range []struct {
		currency, price, qty, want string
	}{
		{"JPY", "1200", "3", "JPY 3,600"},
		{"EUR", "0.5", "1", "EUR 0.50"},
		{"KWD", "1.25", "2", "KWD 2.500"},
		{"USD", "999999.99", "1", "USD 999,999.99"},
	} {
		f := orderForm("M-" + c.currency)
		f.Set("currency", c.currency)
		f["line_sku"], f["line_title"], f["line_quantity"], f["line_price"] = []string{"S"}, []string{""}, []string{c.qty}, []string{c.price}
		p := b.post("/orders", f)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", c.currency, p.Status, text(p.Body))
		}
		if d := b.get(p.Location); !strings.Contains(text(d.Body), c.want) {
			t.Errorf("%s: want %q in\n%s", c.currency, c.want, text(d.Body))
		}
	}
}

// walkOrderPages renders every page of the order, EDI, product-edit and
// OIDC-client files for TestEveryPageIsTranslated, through check.
func walkOrderPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	admin := newBrowser(t, env)
	admin.lang = lang
	admin.signIn(env.User(tenant, identity.TenantAdmin))
	op := newBrowser(t, env)
	op.lang = lang
	op.signIn(env.User(tenant, identity.Operator))

	check(t, lang, "orders", "orders", op.get("/orders"), 200)
	check(t, lang, "orders refused filter", "orders", op.get("/orders?from=x"), 422)
	check(t, lang, "new order", "order_new", op.get("/orders/new"), 200)
	check(t, lang, "refused order", "order_new", op.post("/orders", url.Values{"line_sku": {"A"}, "line_quantity": {"x"}}), 422)
	created := op.post("/orders", orderForm("T-"+lang))
	id := orderLink.FindStringSubmatch(created.Location)
	if id == nil {
		t.Fatalf("order for the walk: %d", created.Status)
	}
	check(t, lang, "order", "order", op.get("/orders/"+id[1]+"?notice=order_created"), 200)
	check(t, lang, "refused move", "order", op.post("/orders/"+id[1]+"/status", url.Values{"status": {"returned"}}), 409)
	check(t, lang, "upload", "order_upload", op.get("/orders/upload"), 200)
	check(t, lang, "upload result", "order_upload", op.multipartPost("/orders/upload", nil, "file", "o.ndjson", "{}\n"), 200)

	check(t, lang, "edi", "edi", op.get("/edi"), 200)
	check(t, lang, "edi upload", "edi_upload", op.get("/edi/upload"), 200)
	up := op.multipartPost("/edi/upload", nil, "file", "po.edi", strings.ReplaceAll(purchaseOrders, "000000007", "00000008"+map[string]string{"en": "1", "zh-CN": "2"}[lang]))
	check(t, lang, "edi upload result", "edi_upload", up, 200)
	if m := interchangeLink.FindStringSubmatch(up.Body); m != nil {
		check(t, lang, "interchange", "edi_interchange", op.get("/edi/interchanges/"+m[1]), 200)
	}
	check(t, lang, "partners", "edi_partners", op.get("/edi/partners"), 200)
	check(t, lang, "new partner", "edi_partner", admin.get("/edi/partners/new"), 200)
	check(t, lang, "refused partner", "edi_partner", admin.post("/edi/partners", url.Values{"name": {"x"}}), 422)

	check(t, lang, "oidc clients", "oidc_clients", admin.get("/settings/oidc-clients"), 200)
	reg := admin.post("/settings/oidc-clients", url.Values{"name": {"App " + lang}, "redirect_uris": {"https://app.example.com/cb"}})
	check(t, lang, "oidc client created", "oidc_client_secret", reg, 201)
	if m := oidcIDRe.FindStringSubmatch(reg.Body); m != nil {
		check(t, lang, "oidc client delete", "oidc_client_delete", admin.get("/settings/oidc-clients/"+m[1]+"/delete"), 200)
	}

	key := env.Key(tenant, identity.Operator, false)
	var p struct{ ID string }
	env.Call("POST", "/api/v1/products", key, map[string]any{"sku": "WALK-" + lang, "title": map[string]any{"en": "Walk"}}, &p)
	check(t, lang, "product edit", "product_edit", op.get("/products/"+p.ID+"/edit"), 200)
	check(t, lang, "product conflict", "product_edit", op.post("/products/"+p.ID+"/edit", url.Values{"version": {"9"},
		"sku": {"WALK-" + lang}, "title_lang": {"en"}, "title_text": {"Walk"}}), 409)
}
