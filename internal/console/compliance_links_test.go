package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/screening"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// TestComplianceLinks follows the compliance links of the product and
// order pages, and reads the list page.
func TestComplianceLinks(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Hangzhou Lens Trading")
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	cam, err := env.App.Products.Create(ctx, catalog.Product{SKU: "CAM-1", Title: catalog.Title{"en": "Wi-Fi camera & mount"},
		HSCode: "852589", OriginCountry: "CN", Attributes: map[string]any{"manufacturer": "Hangzhou Hikvision Digital Technology Co., Ltd."}})
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"eu.jsonl": {Data: []byte(screeningList)}}
	if _, err := env.App.Sanctions.Import(env.Ctx, fsys, "eu.jsonl", sanctions.ImportOptions{Format: sanctions.FormatEUJSONL}); err != nil {
		t.Fatal(err)
	}
	if r, err := env.App.Screening.Screen(ctx, screening.Request{Name: "Vladimir Putin", Type: "person"}); err != nil || r.CaseID == "" {
		t.Fatalf("screen: %+v, %v", r, err)
	}
	price := money.Money{Amount: "49.00", Currency: "USD"}
	ord, err := env.App.Orders.Create(ctx, orders.NewOrder{ExternalID: "SHOP-77", Channel: "shopify", PlacedAt: time.Now().UTC(),
		Currency: "USD", Buyer: orders.Buyer{Name: "Vladimir Putin", Country: "US"},
		ShipTo: orders.Address{Name: "Emma Schneider", Line1: "1 Main St", City: "Austin", Postcode: "73301", Country: "US"},
		Lines:  []orders.Line{{SKU: "CAM-1", Quantity: 1, UnitPrice: price}}})
	if err != nil {
		t.Fatal(err)
	}

	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			b := newBrowser(t, env)
			b.lang = lang
			b.signIn(env.User(tenant, identity.Operator))
			ok := func(what string, pg page) page {
				t.Helper()
				if pg.Status != http.StatusOK {
					t.Fatalf("%s: status %d\n%s", what, pg.Status, text(pg.Body))
				}
				if m := untranslated.FindString(text(pg.Body)); m != "" {
					t.Errorf("%s: untranslated %q", what, m)
				}
				return pg
			}
			hsLink := `/compliance/hs?title=Wi-Fi%20camera%20%26%20mount&amp;product=` + cam.ID
			mustContain(t, "product", ok("product", b.get("/products/"+cam.ID)).Body,
				`href="/compliance/checks?product_id=`+cam.ID+`"`, hsLink)
			mustContain(t, "product edit", ok("product edit", b.get("/products/"+cam.ID+"/edit")).Body, hsLink)
			// The check form opens with the product chosen.
			mustContain(t, "check form", ok("check form", b.get("/compliance/checks?product_id="+cam.ID)).Body,
				`value="`+cam.ID+`" selected`)

			// The check reads the FCC Covered List through the manufacturer
			// and says which entry matched, in which list version.
			res := b.post("/compliance/checks", url.Values{"product_id": {cam.ID}, "markets": {"US"}})
			if res.Status != http.StatusSeeOther {
				t.Fatalf("check: %d\n%s", res.Status, text(res.Body))
			}
			mustContain(t, "check result", ok("check result", b.get(res.Location)).Body, "US-FCC-002", "FCC-4", "2022-09-20")

			// The order shows its verdict as pending until the check ran,
			// the buyer's open case and a consignee without one.
			o := ok("order", b.get("/orders/"+ord.ID))
			mustContain(t, "order", o.Body, `id="compliance"`, `id="order-verdict"`, "Vladimir Putin", "#case-scase_",
				"Emma Schneider")

			// The list page shows the imported list and the product lists.
			l := ok("lists", b.get("/compliance/lists"))
			mustContain(t, "lists", l.Body, `id="list-eu_fsf"`, `id="list-us_fcc_covered"`, `id="list-us_uflpa"`,
				`id="list-embargoes"`, "https://www.fcc.gov/supplychain/coveredlist", "https://www.dhs.gov/uflpa-entity-list",
				`href="/compliance/lists"`)
		})
	}

	// A seller without compliance access sees neither the links nor the
	// order's compliance card, and may not open the list page.
	viewer := newBrowser(t, env)
	viewer.signIn(env.User(tenant, identity.Viewer))
	if !identity.Viewer.Can(identity.PermComplianceRead) {
		if p := viewer.get("/products/" + cam.ID); strings.Contains(p.Body, "/compliance/checks?product_id=") {
			t.Error("viewer without compliance.read sees the check link")
		}
		if p := viewer.get("/compliance/lists"); p.Status != http.StatusForbidden {
			t.Errorf("viewer lists page: %d", p.Status)
		}
	}
}
