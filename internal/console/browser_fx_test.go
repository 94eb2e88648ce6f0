package console_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
)

var secondsLeft = regexp.MustCompile(`^(\d+) s left$`)

// TestBrowserConvert locks a quote in the console, watches its countdown
// run and converts, landing on the balances.
func TestBrowserConvert(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Browser FX")
	fundFX(t, env, tenant, "250.00")
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Finance))

	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/settlement/fx"),
		chromedp.WaitVisible(chromedp.ID("fx-sell-amount")),
		chromedp.SetValue(chromedp.ID("fx-sell"), "USD"),
		chromedp.SetValue(chromedp.ID("fx-buy"), "CNY"),
		chromedp.SendKeys(chromedp.ID("fx-sell-amount"), "100"),
		chromedp.Click(chromedp.CSS(`form[action="/settlement/fx/quotes"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("fx-execute")),
	), "quote")
	left := func() int {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-countdown]`)))
		must(t, err, "countdown")
		m := secondsLeft.FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			t.Fatalf("countdown reads %q", s)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	first := left()
	time.Sleep(2100 * time.Millisecond)
	if second := left(); second >= first || first > 30 {
		t.Errorf("countdown went from %d to %d", first, second)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("fx-execute")),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "execute")
	done, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert-ok`)))
	must(t, err, "converted")
	if !strings.Contains(done, "Converted $100.00 into CN¥") {
		t.Errorf("after converting: %s", done)
	}
	table, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("bal-h")))
	must(t, err, "balances")
	if table == "" {
		t.Error("no balances table")
	}
}
