package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
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
