package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestBrowserShipOrder ships an order from the console as a seller would:
// open the order's offers, keep the best one, buy the label, land on the
// shipment with its first tracking stage.
func TestBrowserShipOrder(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	if _, err := env.App.Rates.SeedSamples(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.FX.SeedSamples(context.Background()); err != nil {
		t.Fatal(err)
	}
	tenant := env.Tenant("Yiwu Bright Toys")
	sc := db.WithScope(context.Background(), db.Scope{TenantID: tenant})
	if _, err := env.App.Shipments.SetSender(sc, carrier.Address{Name: "Yiwu Bright Toys", Line1: "88 Futian Road",
		City: "Yiwu", Postcode: "322000", Country: "CN"}); err != nil {
		t.Fatal(err)
	}
	o := shipped(t, env, tenant)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/shipments/new?order_id="+o.ID),
		chromedp.WaitVisible(chromedp.CSS(`input[name="service_id"]:checked`)),
		chromedp.Click(chromedp.CSS(`form[action="/logistics/shipments"] button.button-primary`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href$="/label"]`)),
	), "compare offers and ship")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err, "screenshot")
	keep(t, "shipment-created.png", shot)
	stages, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.checklist")))
	must(t, err, "stages")
	if !strings.Contains(stages, "Label created") || !strings.Contains(stages, "Import customs") {
		t.Errorf("stages %q", stages)
	}
	l, err := env.App.Shipments.List(sc, shipments.Filter{OrderID: o.ID}, web.Page{})
	if err != nil || len(l.Items) != 1 || l.Items[0].Status != carrier.LabelCreated || l.Items[0].TrackingNumber == "" {
		t.Fatalf("stored: %v %+v", err, l.Items)
	}
}
