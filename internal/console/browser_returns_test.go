package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/returns"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestBrowserReturn opens a return from an order's page of returns and
// approves it, as a person would.
func TestBrowserReturn(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	tenant := env.Tenant("Yiwu Bright Toys")
	o := shipped(t, env, tenant)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/logistics/returns/new?order_id="+o.ID),
		chromedp.WaitVisible(chromedp.ID("rn-reason")),
		chromedp.SetValue(chromedp.ID("rn-reason"), "size_fit"),
		chromedp.SetValue(chromedp.CSS(`input[name="qty.0"]`), "1"),
		chromedp.Click(chromedp.CSS(`form[action="/logistics/returns"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/approve"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/approve"] button.button-primary`)),
		chromedp.WaitVisible(chromedp.ID("rl-tracking")),
	), "request and approve a return")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must(t, err, "screenshot")
	keep(t, "return-approved.png", shot)
	timeline, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("ol.timeline")))
	must(t, err, "timeline")
	if !strings.Contains(timeline, "Requested") || !strings.Contains(timeline, "Approved") {
		t.Errorf("timeline %q", timeline)
	}
	l, err := env.App.Returns.List(db.WithScope(context.Background(), db.Scope{TenantID: tenant}),
		returns.Filter{OrderID: o.ID}, web.Page{})
	if err != nil || len(l.Items) != 1 || l.Items[0].Status != returns.Approved || l.Items[0].Reason != "size_fit" {
		t.Fatalf("stored: %v %+v", err, l.Items)
	}
}
