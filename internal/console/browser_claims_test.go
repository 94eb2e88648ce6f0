package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/claims"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestBrowserClaim files a claim from a shipment's page and submits it to
// the carrier, as a person would.
func TestBrowserClaim(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	tenant := env.Tenant("Yiwu Bright Toys")
	sh := claimShipment(t, env, tenant)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/shipments/"+sh.ID),
		chromedp.WaitVisible(chromedp.ID("sc-type")),
		chromedp.SetValue(chromedp.ID("sc-type"), "damage"),
		chromedp.SetValue(chromedp.ID("sc-amount"), "19.99"),
		chromedp.SetValue(chromedp.ID("sc-description"), "Box crushed, one set broken"),
		chromedp.Click(chromedp.CSS(`form[action="/logistics/claims"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("cs-ref")),
		chromedp.SetValue(chromedp.ID("cs-ref"), "SBX-CLM-7"),
		chromedp.Click(chromedp.CSS(`form[action$="/transition"] button.button-primary`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="to"][value="under_review"]`)), // a hidden input: present, never visible
	), "file and submit a claim")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err, "screenshot")
	keep(t, "claim-submitted.png", shot)
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.timeline")))
	must(t, err, "timeline")
	if !strings.Contains(timeline, "Filed") || !strings.Contains(timeline, "Submitted") {
		t.Errorf("timeline %q", timeline)
	}
	l, err := env.App.Claims.List(db.WithScope(context.Background(), db.Scope{TenantID: tenant}),
		claims.Filter{ShipmentID: sh.ID}, web.Page{})
	if err != nil || len(l.Items) != 1 || l.Items[0].Status != claims.Submitted || l.Items[0].Type != claims.Damage ||
		l.Items[0].ClaimedAmount.Amount != "19.99" || l.Items[0].CarrierReference != "SBX-CLM-7" {
		t.Fatalf("stored: %v %+v", err, l.Items)
	}
}
