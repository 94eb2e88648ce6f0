package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// checkProduct adds the contract's toy, with a lithium battery, to the
// tenant's catalogue.
func checkProduct(t *testing.T, env *apptest.Env, tenant string) catalog.Product {
	t.Helper()
	wh := 7.4
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	p, err := env.App.Products.Create(ctx, catalog.Product{SKU: "TOY-001",
		Title: catalog.Title{"zh-CN": "积木玩具", "en": "Building blocks"}, Category: "toys", HSCode: "950300",
		OriginCountry: "CN", Certifications: []string{"CE"},
		Battery: &catalog.Battery{Chemistry: "li-ion", Wh: &wh, Packing: "contained_in_equipment"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Chen Li Trading")
	p := checkProduct(t, env, tenant)
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := newBrowser(t, env)
			b.lang = lang
			b.signIn(env.User(tenant, identity.Operator))
			clean := func(what string, pg page, status int) {
				t.Helper()
				if pg.Status != status {
					t.Fatalf("%s: status %d, want %d\n%s", what, pg.Status, status, text(pg.Body))
				}
				if m := untranslated.FindString(text(pg.Body)); m != "" {
					t.Errorf("%s: untranslated %q", what, m)
				}
			}
			form := b.get("/compliance/checks")
			clean("form", form, http.StatusOK)
			mustContain(t, "form", form.Body, `href="/compliance/checks"`, `value="`+p.ID+`"`, `name="markets"`)

			// A refused check names the field on the form.
			bad := b.post("/compliance/checks", url.Values{"product_id": {p.ID}})
			clean("refused", bad, http.StatusUnprocessableEntity)
			mustContain(t, "refused", bad.Body, `class="field-error"`)

			res := b.post("/compliance/checks", url.Values{"product_id": {p.ID}, "markets": {"DE", "US"}, "transport": {"air"}})
			if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/compliance/checks/chk_") {
				t.Fatalf("run: %d %q", res.Status, res.Location)
			}
			page := b.get(res.Location)
			clean("result", page, http.StatusOK)
			id := strings.TrimPrefix(res.Location, "/compliance/checks/")
			mustContain(t, "result", page.Body, `id="market-DE"`, `id="market-US"`, `data-rule=`,
				"/api/v1/compliance/checks/"+id+"?format=html", "/api/v1/compliance/checks/"+id+"?format=pdf")
			// The report links are the API's routes; the session cookie opens them.
			rep := b.get("/api/v1/compliance/checks/" + id + "?format=pdf")
			if rep.Status != 200 || !strings.HasPrefix(rep.Body, "%PDF") {
				t.Errorf("pdf through the console session: %d", rep.Status)
			}

			quick := b.post("/compliance/checks", url.Values{"title": {"蓝牙音箱"}, "hs_code": {"8518.22"},
				"battery_chemistry": {"li-ion"}, "battery_wh": {"3.7"}, "battery_packing": {"contained_in_equipment"},
				"markets": {"EU"}, "transport": {"post"}})
			if quick.Status != http.StatusSeeOther {
				t.Fatalf("quick form: %d %s", quick.Status, text(quick.Body))
			}
			clean("quick result", b.get(quick.Location), http.StatusOK)
		})
	}
	t.Run("viewer reads but cannot run", func(t *testing.T) {
		b := newBrowser(t, env)
		b.signIn(env.User(tenant, identity.Viewer))
		pg := b.get("/compliance/checks")
		if pg.Status != 200 || strings.Contains(pg.Body, `id="check-form"`) {
			t.Errorf("viewer form: %d", pg.Status)
		}
		if r := b.post("/compliance/checks", url.Values{"product_id": {p.ID}, "markets": {"DE"}}); r.Status != http.StatusForbidden {
			t.Errorf("viewer run: %d", r.Status)
		}
	})
	t.Run("another tenant's check is not found", func(t *testing.T) {
		b := newBrowser(t, env)
		other := env.Tenant("Other")
		b.signIn(env.User(other, identity.Operator))
		owner := newBrowser(t, env)
		owner.signIn(env.User(tenant, identity.Operator))
		res := owner.post("/compliance/checks", url.Values{"product_id": {p.ID}, "markets": {"FR"}})
		if r := b.get(res.Location); r.Status != http.StatusNotFound {
			t.Errorf("other tenant: %d", r.Status)
		}
	})
}

// TestBrowserComplianceCheck is the seller's journey in a real browser:
// pick a product, markets and transport, read the findings by market,
// and find the report downloads.
func TestBrowserComplianceCheck(t *testing.T) {
	ctx := tab(t, browserLimit)
	env := apptest.New(t, db.SQLite)
	tenant := env.Tenant("Chen Li Trading")
	p := checkProduct(t, env, tenant)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/compliance/checks"),
		chromedp.WaitVisible(chromedp.ID("product_id")),
		chromedp.SetValue(chromedp.ID("product_id"), p.ID),
		chromedp.Click(chromedp.ID("m-DE")),
		chromedp.SetValue(chromedp.ID("transport"), "air"),
		chromedp.Click(chromedp.ID("run-check")),
		chromedp.WaitVisible(chromedp.ID("market-DE")),
	), "run a check")
	verdict, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("verdict")))
	must(t, err, "verdict")
	report, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.ID("report-pdf"), "href"))
	must(t, err, "report link")
	if strings.TrimSpace(verdict) == "" || !strings.Contains(report.Value, "format=pdf") {
		t.Errorf("verdict %q, report %q", verdict, report.Value)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#market-DE .finding").length`))
	must(t, err, "findings")
	if n == 0 {
		t.Error("no findings shown for DE")
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err, "screenshot")
	keep(t, "compliance-check.png", shot)
}
