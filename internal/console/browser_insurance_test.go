package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
)

// TestBrowserInsurance quotes cover in the console, binds the quote and
// lands on the policy with its certificate.
func TestBrowserInsurance(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(env.Tenant("Yiwu Bright Toys"), identity.Finance))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/settlement/insurance"),
		chromedp.WaitVisible(chromedp.ID("ins-value")),
		chromedp.SendKeys(chromedp.ID("ins-value"), "100000"),
		chromedp.SetValue(chromedp.ID("ins-incoterm"), "CFR"),
		chromedp.SetValue(chromedp.ID("ins-commodity"), "electronics"),
		chromedp.SetValue(chromedp.ID("ins-transport"), "sea"),
		chromedp.SendKeys(chromedp.ID("ins-to"), "BR"),
		chromedp.Click(chromedp.CSS(`#ins-quote-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("quote")),
	), "quote")
	quote, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("quote")))
	must(t, err, "quote text")
	for _, want := range []string{"$110,608.35", "$553.04", "0.005"} {
		if !strings.Contains(quote, want) {
			t.Errorf("quote lacks %q: %s", want, quote)
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("ins-name"), "义乌明亮玩具有限公司"),
		chromedp.Click(chromedp.CSS(`#ins-bind-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("ins-certificate")),
	), "bind")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#ins-certificate").getAttribute("href")`))
	must(t, err, "certificate link")
	if !strings.HasSuffix(href, "/certificate.pdf") {
		t.Errorf("certificate link %q", href)
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert-ok`)))
	must(t, err, "notice")
	if !strings.Contains(notice, "Policy bound") {
		t.Errorf("notice %q", notice)
	}
}
