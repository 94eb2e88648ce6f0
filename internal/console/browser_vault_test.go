package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
)

// TestBrowserVault vaults a card through the console form and sees it
// listed masked, the number gone from the page.
func TestBrowserVault(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Browser Vault")
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Finance))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/settlement/vault"),
		chromedp.WaitVisible(chromedp.ID("v-number")),
		chromedp.SendKeys(chromedp.ID("v-number"), "4242 4242 4242 4242"),
		chromedp.SendKeys(chromedp.ID("v-month"), "12"),
		chromedp.SendKeys(chromedp.ID("v-year"), "2030"),
		chromedp.SendKeys(chromedp.ID("v-cvc"), "123"),
		chromedp.SendKeys(chromedp.ID("v-holder"), "Chen Li"),
		chromedp.Click(chromedp.CSS(`form[action="/settlement/vault/cards"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "vault a card")
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	must(t, err, "page")
	if !strings.Contains(html, "424242******4242") || strings.Contains(html, "4242424242424242") || strings.Contains(html, "4242 4242 4242 4242") {
		t.Errorf("after vaulting: %s", html)
	}
	number, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('v-number').value`))
	if err != nil || number != "" {
		t.Errorf("the number field still holds %q (%v)", number, err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err, "screenshot")
	keep(t, "vault.png", shot)
}
