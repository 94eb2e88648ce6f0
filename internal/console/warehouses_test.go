package console_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// TestWarehousePages renders every warehouse tab with the sample
// warehouses, in both languages, as a viewer.
func TestWarehousePages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Warehouse Shop")
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	if ok, err := env.App.Warehouses.SeedSamples(ctx); err != nil || !ok {
		t.Fatalf("seed: %v %v", ok, err)
	}
	if ok, err := env.App.Warehouses.SeedSamples(ctx); err != nil || ok {
		t.Fatalf("seed twice: %v %v", ok, err)
	}
	leftovers := regexp.MustCompile(`console\.warehouses[a-z_.]*|\{[a-z_]+\}|%!`)
	for _, lang := range []string{"en", "zh-CN"} {
		b := newBrowser(t, env)
		b.lang = lang
		b.signIn(env.User(tenant, identity.Viewer))
		for path, want := range map[string]string{
			"/logistics/warehouses":                        "SAMPLE-DE-HAM",
			"/logistics/warehouses/stock":                  "DEMO-TOY-001",
			"/logistics/warehouses/stock?sku=DEMO-HOM-003": "210",
			"/logistics/warehouses/inbound":                "PO-SAMPLE-0042",
			"/logistics/warehouses/outbound":               "AMZ-SAMPLE-0001",
			"/logistics/warehouses/reconciliations":        "",
			"/logistics/warehouses/alerts":                 "DEMO-HOM-003",
		} {
			p := b.get(path)
			if p.Status != 200 {
				t.Fatalf("%s %s: %d", lang, path, p.Status)
			}
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s %s: no %q", lang, path, want)
			}
			if m := leftovers.FindString(text(p.Body)); m != "" {
				t.Errorf("%s %s: untranslated %q", lang, path, m)
			}
		}
	}
	if p := newBrowser(t, env).get("/logistics/warehouses"); p.Status == 200 && strings.Contains(p.Body, "SAMPLE-DE-HAM") {
		t.Error("anonymous visitor sees warehouses")
	}
}

var reportLink = regexp.MustCompile(`/logistics/warehouses/reconciliations/(whr_[A-Za-z0-9]+)`)

// warehouseOrder enters an order shipping to country for the tenant's
// live partition.
func warehouseOrder(t *testing.T, env *apptest.Env, tenant, country, sku string, qty int64) orders.Order {
	t.Helper()
	o, err := env.App.Orders.Create(db.WithScope(context.Background(), db.Scope{TenantID: tenant}), orders.NewOrder{
		ExternalID: ids.New("ext"), Channel: "amazon-de", PlacedAt: time.Now(), Currency: "EUR",
		Buyer:  orders.Buyer{Name: "Jonas Weber", Country: country},
		ShipTo: orders.Address{Name: "Jonas Weber", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: country},
		Lines:  []orders.Line{{SKU: sku, Title: "Building blocks", Quantity: qty, UnitPrice: money.Money{Amount: "19.99", Currency: "EUR"}}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// sandboxWarehouse adds a warehouse run by the sandbox operator, which
// syncs.
func sandboxWarehouse(t *testing.T, env *apptest.Env, tenant, code string) warehouses.Warehouse {
	t.Helper()
	w, err := env.App.Warehouses.Create(db.WithScope(context.Background(), db.Scope{TenantID: tenant}), warehouses.Warehouse{
		Code: code, Name: "Sandbox Rotterdam", Operator: "Silkgate Sandbox Fulfilment", Country: "NL", Connector: warehouses.ConnectorSandbox,
		Account: "acct-" + code, Address: warehouses.Address{Line1: "Waalhaven 1", City: "Rotterdam", Postcode: "3089"},
		Regions: []warehouses.Region{{Country: "NL", Days: 1}, {Country: "DE", Days: 2}}, Fees: warehouses.FeeSchedule{Currency: "EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWarehouseForms drives every warehouse form through the router, on
// both engines: role and cross-origin refusals, field errors shown next to
// their fields, a sync and a snapshot with its reconciliation report, an
// inbound notice, an outbound order allocated from an order and shipped,
// and an alert acknowledged.
func TestWarehouseForms(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Warehouse Forms")
		ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
		if _, err := env.App.Warehouses.SeedSamples(ctx); err != nil {
			t.Fatal(err)
		}
		sbx := sandboxWarehouse(t, env, tenant, "SBX-NL")
		var ham warehouses.Warehouse
		all, err := env.App.Warehouses.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range all {
			if w.Code == "SAMPLE-DE-HAM" {
				ham = w
			}
		}

		viewer := newBrowser(t, env)
		viewer.signIn(env.User(tenant, identity.Viewer))
		if p := viewer.get("/logistics/warehouses"); p.Status != 200 || strings.Contains(p.Body, "/sync\"") || strings.Contains(p.Body, `id="inbound-form"`) {
			t.Errorf("viewer sees sync forms: %d", p.Status)
		}
		if p := viewer.get("/logistics/warehouses/inbound"); strings.Contains(p.Body, `id="inbound-form"`) {
			t.Error("viewer sees the inbound form")
		}
		op := newBrowser(t, env)
		op.signIn(env.User(tenant, identity.Operator))

		for _, tc := range []struct {
			name, path string
			form       url.Values
			who        *browser
			headers    []string
			status     int
			want       string
		}{
			{"viewer syncs", "/logistics/warehouses/" + sbx.ID + "/sync", url.Values{"mode": {"delta"}}, viewer, nil, 403, ""},
			{"viewer ships", "/logistics/warehouses/outbound/who_x/ship", nil, viewer, nil, 403, ""},
			{"viewer creates inbound", "/logistics/warehouses/inbound", url.Values{"warehouse_id": {sbx.ID}}, viewer, nil, 403, ""},
			{"viewer acknowledges", "/logistics/warehouses/alerts/wha_x/acknowledge", nil, viewer, nil, 403, ""},
			{"cross-site sync", "/logistics/warehouses/" + sbx.ID + "/sync", url.Values{"mode": {"delta"}}, op,
				[]string{"Sec-Fetch-Site", "cross-site"}, 403, ""},
			{"bad mode", "/logistics/warehouses/" + sbx.ID + "/sync", url.Values{"mode": {"full"}}, op, nil, 422, "delta, snapshot"},
			{"manual warehouse", "/logistics/warehouses/" + ham.ID + "/sync", url.Values{"mode": {"snapshot"}}, op, nil, 409, "No operator connection"},
			{"unknown warehouse", "/logistics/warehouses/whs_nope/sync", url.Values{"mode": {"delta"}}, op, nil, 404, ""},
			{"inbound without lines", "/logistics/warehouses/inbound", url.Values{"warehouse_id": {sbx.ID}}, op, nil, 422, "At least 1"},
			{"inbound bad row", "/logistics/warehouses/inbound", url.Values{"warehouse_id": {""}, "expected_at": {"soon"},
				"line.2.sku": {"TOY-1"}, "line.2.quantity": {"0"}}, op, nil, 422, `aria-invalid="true"`},
			{"outbound without order", "/logistics/warehouses/outbound", url.Values{}, op, nil, 422, "This field is required."},
			{"outbound unknown order", "/logistics/warehouses/outbound", url.Values{"order_id": {"ord_nope"}}, op, nil, 422, ""},
			{"unknown action", "/logistics/warehouses/outbound/who_x/explode", nil, op, nil, 404, ""},
			{"ship unknown", "/logistics/warehouses/outbound/who_x/ship", nil, op, nil, 404, ""},
		} {
			p := tc.who.post(tc.path, tc.form, tc.headers...)
			if p.Status != tc.status || !strings.Contains(p.Body, tc.want) {
				t.Errorf("%s: %d, want %d with %q\n%s", tc.name, p.Status, tc.status, tc.want, text(p.Body))
			}
		}
		// The refused row keeps what was typed and names the fault there.
		p := op.post("/logistics/warehouses/inbound", url.Values{"warehouse_id": {sbx.ID}, "line.2.sku": {"TOY-1"}, "line.2.quantity": {"0"}})
		if p.Status != 422 || !strings.Contains(p.Body, `name="line.2.quantity" value="0" inputmode="numeric" size="6" aria-label="Quantity 2" aria-invalid="true"`) {
			t.Errorf("refused row: %d\n%s", p.Status, text(p.Body))
		}

		// Inbound notice, then sync: the sandbox operator receives it (one
		// unit short of the count it will report), then a snapshot.
		p = op.post("/logistics/warehouses/inbound", url.Values{"warehouse_id": {sbx.ID}, "reference": {"PO-FORMS-1"},
			"expected_at": {"2026-12-01"}, "line.0.sku": {"TOY-SBX-SHRINK"}, "line.0.quantity": {"10"}})
		if p.Status != 303 || p.Location != "/logistics/warehouses/inbound?notice=inbound_created" {
			t.Fatalf("inbound: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		if p = op.get(p.Location); !strings.Contains(p.Body, "PO-FORMS-1") || !strings.Contains(p.Body, "Inbound notice created.") {
			t.Errorf("inbound list: %s", text(p.Body))
		}
		p = op.post("/logistics/warehouses/"+sbx.ID+"/sync", url.Values{"mode": {"delta"}})
		if p.Status != 200 || !strings.Contains(p.Body, `id="sync-result"`) || !strings.Contains(text(p.Body), "Inbound notices sent 1") {
			t.Fatalf("delta sync: %d\n%s", p.Status, text(p.Body))
		}
		st, err := env.App.Warehouses.Stock(ctx, warehouses.StockFilter{WarehouseID: sbx.ID, SKU: "TOY-SBX-SHRINK"})
		if err != nil || len(st) != 1 || st[0].OnHand != 10 {
			t.Fatalf("stock after sync: %v %+v", err, st)
		}
		p = op.post("/logistics/warehouses/"+sbx.ID+"/sync", url.Values{"mode": {"snapshot"}})
		m := reportLink.FindStringSubmatch(p.Location)
		if p.Status != 303 || m == nil {
			t.Fatalf("snapshot: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		report := op.get(p.Location)
		if report.Status != 200 || !strings.Contains(report.Body, `id="mismatches"`) || !strings.Contains(text(report.Body), "TOY-SBX-SHRINK new 10 9 -1") ||
			!strings.Contains(report.Body, "Stock snapshot reconciled.") {
			t.Errorf("report: %d\n%s", report.Status, text(report.Body))
		}
		if p := newBrowser(t, env).get(p.Location); p.Status == 200 && strings.Contains(p.Body, "TOY-SBX-SHRINK") {
			t.Error("anonymous visitor reads the report")
		}

		// An outbound order from an order to Germany: Hamburg delivers in
		// one day and has the stock, so allocation picks it and says why.
		o := warehouseOrder(t, env, tenant, "DE", "DEMO-TOY-001", 2)
		if p := op.get("/logistics/warehouses/outbound"); !strings.Contains(p.Body, `<option value="`+o.ID+`"`) {
			t.Errorf("the order is not offered")
		}
		big := warehouseOrder(t, env, tenant, "DE", "DEMO-TOY-001", 100000)
		if p := op.post("/logistics/warehouses/outbound", url.Values{"order_id": {big.ID}}); p.Status != 409 || !strings.Contains(p.Body, "Not enough stock") {
			t.Errorf("too big: %d\n%s", p.Status, text(p.Body))
		}
		p = op.post("/logistics/warehouses/outbound", url.Values{"order_id": {o.ID}, "allow_split": {"1"}})
		if p.Status != 200 || !strings.Contains(p.Body, `id="allocation"`) || !strings.Contains(text(p.Body), "Allocated to SAMPLE-DE-HAM: 1 days to DE") ||
			!strings.Contains(p.Body, "chosen: fastest with stock") || !strings.Contains(p.Body, "does not deliver to this country") {
			t.Fatalf("allocation: %d\n%s", p.Status, text(p.Body))
		}
		obs, err := env.App.Warehouses.Outbounds(ctx, ham.ID, warehouses.OutboundAllocated, 10)
		var ob warehouses.Outbound
		for _, x := range obs {
			if x.OrderID == o.ID {
				ob = x
			}
		}
		if err != nil || ob.ID == "" {
			t.Fatalf("outbound not stored: %v %+v", err, obs)
		}
		if !strings.Contains(p.Body, `action="/logistics/warehouses/outbound/`+ob.ID+`/ship"`) {
			t.Error("no ship button for the new outbound order")
		}
		if strings.Contains(p.Body, `<option value="`+o.ID+`"`) {
			t.Error("the allocated order is offered again")
		}
		p = op.post("/logistics/warehouses/outbound/"+ob.ID+"/ship", nil)
		if p.Status != 303 || p.Location != "/logistics/warehouses/outbound?notice=outbound_shipped" {
			t.Fatalf("ship: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		if got, err := env.App.Warehouses.GetOutbound(ctx, ob.ID); err != nil || got.Status != warehouses.OutboundShipped {
			t.Errorf("after ship: %v %+v", err, got)
		}
		if p := op.post("/logistics/warehouses/outbound/"+ob.ID+"/ship", nil); p.Status != 409 || !strings.Contains(p.Body, "Not possible in this status") {
			t.Errorf("ship twice: %d\n%s", p.Status, text(p.Body))
		}

		// Alerts: acknowledge an open one; again changes nothing.
		open, err := env.App.Warehouses.Alerts(ctx, true, 10)
		if err != nil || len(open) == 0 {
			t.Fatalf("open alerts: %v %d", err, len(open))
		}
		a := open[0]
		if p := op.post("/logistics/warehouses/alerts/check", nil); p.Status != 303 {
			t.Errorf("check: %d", p.Status)
		}
		if p := op.post("/logistics/warehouses/alerts/"+a.ID+"/acknowledge", url.Values{"note": {strings.Repeat("x", 501)}}); p.Status != 422 {
			t.Errorf("long note: %d", p.Status)
		}
		for range 2 {
			if p := op.post("/logistics/warehouses/alerts/"+a.ID+"/acknowledge", url.Values{"note": {"reorder placed"}}); p.Status != 303 {
				t.Errorf("acknowledge: %d\n%s", p.Status, text(p.Body))
			}
		}
		p = op.get("/logistics/warehouses/alerts")
		if !strings.Contains(p.Body, "reorder placed") || strings.Contains(p.Body, `id="ack-`+a.ID+`"`) {
			t.Errorf("acknowledged alert: %s", text(p.Body))
		}
		var n int
		if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(DISTINCT action) FROM audit_events WHERE tenant_id = $1
			AND actor_type = 'user' AND action IN ('logistics.outbound.allocate', 'logistics.outbound.ship', 'logistics.warehouse.reconcile',
			'logistics.warehouse.sync', 'logistics.inbound.create', 'logistics.warehouse.alert_acknowledge')`, tenant).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 6 {
			t.Errorf("%d of 6 form actions audited as the signed-in user", n)
		}

		// The new panels in Chinese, with nothing left untranslated.
		zh := newBrowser(t, env)
		zh.lang = "zh-CN"
		zh.signIn(env.User(tenant, identity.Operator))
		leftovers := regexp.MustCompile(`console\.[a-z_.]*|\{[a-z_]+\}|%!`)
		pages := map[string]page{
			"report":   zh.get("/logistics/warehouses/reconciliations/" + m[1]),
			"inbound":  zh.get("/logistics/warehouses/inbound"),
			"alerts":   zh.get("/logistics/warehouses/alerts"),
			"sync":     zh.post("/logistics/warehouses/"+sbx.ID+"/sync", url.Values{"mode": {"delta"}}),
			"allocate": zh.post("/logistics/warehouses/outbound", url.Values{"order_id": {warehouseOrder(t, env, tenant, "NL", "DEMO-TOY-001", 1).ID}}),
			"refused":  zh.post("/logistics/warehouses/inbound", url.Values{"line.0.sku": {"A"}}),
		}
		for name, p := range pages {
			if p.Status >= 500 || p.Status == 404 {
				t.Errorf("zh-CN %s: %d", name, p.Status)
			}
			if l := leftovers.FindString(text(p.Body)); l != "" {
				t.Errorf("zh-CN %s: untranslated %q", name, l)
			}
		}
	})
}
