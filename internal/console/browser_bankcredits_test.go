package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

// TestBrowserMatchBankCredit matches a credit in suspense to the proceeds
// the page offers for its amount, and lands on the list with the notice.
func TestBrowserMatchBankCredit(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu Bright Toys")
	id := bankCreditsFixture(t, env, tenant, "browser")
	sctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	p, _, err := env.App.Payouts.RecordProceeds(sctx, payouts.ProceedsInput{SellerID: "bc-browser", Marketplace: "ebay",
		Reference: "LATE-1", Gross: money.Money{Amount: "12.34", Currency: "EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Finance))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/settlement/bank-credits"),
		chromedp.WaitVisible(chromedp.ID("bc-"+id)),
		chromedp.SetValue(chromedp.ID("bc-"+id), p.ID),
		chromedp.Click(chromedp.CSS(`form[action="/settlement/bank-credits/`+id+`/match"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "match")
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.alert-ok`)))
	must(t, err, "notice")
	if !strings.Contains(notice, "Credit matched") {
		t.Errorf("notice %q", notice)
	}
	if c, err := env.App.Payouts.GetBankCredit(sctx, id); err != nil || c.Status != payouts.CreditCleared || c.ProceedsID != p.ID {
		t.Errorf("after the match %+v %v", c, err)
	}
}
