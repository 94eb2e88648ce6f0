package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
)

// TestBrowserComplianceAlerts subscribes to a market in the console, gets
// an alert when a rule for it is published, follows it to the affected
// product and marks it read.
func TestBrowserComplianceAlerts(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Bright Toys")
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/compliance/alerts"),
		chromedp.WaitVisible(chromedp.ID("sub-markets")),
		chromedp.SendKeys(chromedp.ID("sub-markets"), "DE, US"),
		chromedp.SendKeys(chromedp.ID("sub-categories"), "toys"),
		chromedp.Click(chromedp.CSS(`#subscribe-form input[value="webhook"]`)),
		chromedp.Click(chromedp.CSS(`#subscribe-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "subscribe")
	subs, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("alert-subscriptions")))
	must(t, err, "subscriptions")
	if !strings.Contains(subs, "DE") || !strings.Contains(subs, "Webhook") {
		t.Errorf("subscriptions: %s", subs)
	}

	raiseToyAlert(t, env, tenant, "EU-BROWSER-001")
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/compliance/alerts"),
		chromedp.WaitVisible(chromedp.ID("alert-inbox")),
	), "inbox")
	inbox, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("alert-inbox")))
	must(t, err, "inbox text")
	for _, want := range []string{"New", "EU-BROWSER-001", "1 now fail"} {
		if !strings.Contains(inbox, want) {
			t.Errorf("inbox lacks %q: %s", want, inbox)
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#alert-inbox a[href^="/compliance/alerts/"]`)),
		chromedp.WaitVisible(chromedp.ID("alert-products")),
	), "open the alert")
	products, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("alert-products")))
	must(t, err, "products")
	if !strings.Contains(products, "TOY-EU-BROWSER-001") || !strings.Contains(products, "Now fails") {
		t.Errorf("products: %s", products)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("mark-read")),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "mark read")
	gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#mark-read") === null`))
	must(t, err, "read state")
	if !gone {
		t.Error("the alert still offers to be marked read")
	}
	// One click from the alert to the product.
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#alert-products a[href^="/products/"]`)),
		chromedp.WaitReady(chromedp.CSS(`body`)),
	), "open the product")
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	must(t, err, "product page")
	if !strings.Contains(title, "TOY-EU-BROWSER-001") && !strings.Contains(title, "Wooden train") {
		t.Errorf("product page heading %q", title)
	}
}
