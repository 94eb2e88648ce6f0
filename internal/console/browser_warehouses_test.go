package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// TestBrowserWarehouseStock opens the stock tab with the sample
// warehouses and follows the tab to the alerts.
func TestBrowserWarehouseStock(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Browser Warehouses")
	if _, err := env.App.Warehouses.SeedSamples(db.WithScope(env.Ctx, db.Scope{TenantID: tenant})); err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Viewer))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/warehouses/stock"),
		chromedp.WaitVisible(chromedp.ID("st-h")),
	), "stock")
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err, "screenshot")
	keep(t, "warehouse-stock.png", png)
	table, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table`)))
	must(t, err, "stock table")
	for _, want := range []string{"SAMPLE-DE-HAM", "DEMO-TOY-001", "300", "298"} {
		if !strings.Contains(table, want) {
			t.Errorf("stock table lacks %q", want)
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/logistics/warehouses/alerts"]`)),
		chromedp.WaitVisible(chromedp.ID("al-h")),
	), "alerts tab")
	alerts, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table`)))
	must(t, err, "alerts table")
	if !strings.Contains(alerts, "DEMO-HOM-003") || !strings.Contains(alerts, "Ageing stock") {
		t.Errorf("alerts: %s", alerts)
	}
}

// TestBrowserWarehouseForms is an operations person's round through the
// warehouse forms: an inbound notice to the sandbox operator, a sync that
// sends it, a snapshot whose reconciliation report lists the unit the
// operator's count is short, and an outbound order allocated from an
// order and shipped.
func TestBrowserWarehouseForms(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Browser Warehouse Forms")
	sc := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	if _, err := env.App.Warehouses.SeedSamples(sc); err != nil {
		t.Fatal(err)
	}
	sbx := sandboxWarehouse(t, env, tenant, "SBX-NL")
	o := warehouseOrder(t, env, tenant, "DE", "DEMO-TOY-001", 2)
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/warehouses/inbound"),
		chromedp.WaitVisible(chromedp.ID("inn-wh")),
		chromedp.SetValue(chromedp.ID("inn-wh"), sbx.ID),
		chromedp.SendKeys(chromedp.ID("inn-ref"), "PO-BROWSER-1"),
		chromedp.SendKeys(chromedp.CSS(`input[name="line.0.sku"]`), "TOY-SBX-SHRINK"),
		chromedp.SendKeys(chromedp.CSS(`input[name="line.0.quantity"]`), "12"),
		chromedp.Click(chromedp.CSS(`#inbound-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "inbound notice")

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/warehouses"),
		chromedp.WaitVisible(chromedp.ID("sync-delta-SBX-NL")),
		chromedp.Click(chromedp.ID("sync-delta-SBX-NL")),
		chromedp.WaitVisible(chromedp.ID("sync-result")),
	), "delta sync")
	synced, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("sync-result")))
	must(t, err, "sync result")
	if !strings.Contains(synced, "SBX-NL") {
		t.Errorf("sync result: %q", synced)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("sync-snapshot-SBX-NL")),
		chromedp.WaitVisible(chromedp.ID("mismatches")),
	), "snapshot")
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err, "screenshot")
	keep(t, "warehouse-reconciliation.png", png)
	report, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("mismatches")))
	must(t, err, "mismatches")
	for _, want := range []string{"TOY-SBX-SHRINK", "12", "11", "-1"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q: %q", want, report)
		}
	}

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/warehouses/outbound"),
		chromedp.WaitVisible(chromedp.ID("outn-order")),
		chromedp.SetValue(chromedp.ID("outn-order"), o.ID),
		chromedp.Click(chromedp.CSS(`#outbound-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("allocation")),
	), "allocate")
	png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err, "screenshot")
	keep(t, "warehouse-allocation.png", png)
	alloc, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("allocation")))
	must(t, err, "allocation")
	if !strings.Contains(alloc, "Allocated to SAMPLE-DE-HAM") || !strings.Contains(alloc, "chosen: fastest with stock") {
		t.Errorf("allocation: %q", alloc)
	}
	obs, err := env.App.Warehouses.Outbounds(sc, "", warehouses.OutboundAllocated, 10)
	must(t, err, "outbounds")
	var id string
	for _, x := range obs {
		if x.OrderID == o.ID {
			id = x.ID
		}
	}
	if id == "" {
		t.Fatalf("no outbound order for %s", o.ID)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("ship-"+id)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "ship")
	if got, err := env.App.Warehouses.GetOutbound(sc, id); err != nil || got.Status != warehouses.OutboundShipped {
		t.Errorf("after ship: %v %+v", err, got)
	}
}
