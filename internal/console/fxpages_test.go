package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

var (
	quoteLink   = regexp.MustCompile(`^/settlement/fx\?quote=(fxq_[a-z0-9]+)#quote$`)
	accountLink = regexp.MustCompile(`href="/settlement/ledger/(lac_[a-z0-9]+)"`)
)

// fundFX loads the sample reference rates and credits amount USD to the
// tenant's balance.
func fundFX(t *testing.T, env *apptest.Env, tenant, amount string) {
	t.Helper()
	if _, err := env.App.FX.SeedSamples(env.Ctx); err != nil {
		t.Fatal(err)
	}
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	a, err := env.App.Wallet.Open(ctx, "USD")
	if err != nil {
		t.Fatal(err)
	}
	m := money.Money{Amount: amount, Currency: "USD"}
	if _, _, err := env.App.Ledger.CreateEntry(ctx, ledger.NewEntry{Description: "Marketplace payout", Postings: []ledger.PostingInput{
		{Account: ledger.World, Direction: ledger.Debit, Amount: m}, {Account: a.ID, Direction: ledger.Credit, Amount: m}}}); err != nil {
		t.Fatal(err)
	}
}

// quoteVia asks for a quote through the form and returns its id.
func quoteVia(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	p := b.post("/settlement/fx/quotes", form)
	m := quoteLink.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		t.Fatalf("quote: %d to %q\n%s", p.Status, p.Location, text(p.Body))
	}
	return m[1]
}

func TestFXPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Yiwu FX Toys")
	fundFX(t, env, tenant, "1000.00")
	fin := newBrowser(t, env)
	fin.signIn(env.User(tenant, identity.Finance))

	p := fin.get("/settlement/fx")
	mustContain(t, "fx page", p.Body, "Reference rates", "Source: ECB statistics", "2026-04-13", "CNY")
	if p := fin.get("/settlement/fx?base=USD&date=2017-01-10"); p.Status != 200 || !strings.Contains(p.Body, "2017-01-10") {
		t.Errorf("historical USD table: %d", p.Status)
	}
	if p := fin.get("/settlement/fx?date=yesterday"); p.Status != 422 || !strings.Contains(p.Body, "YYYY-MM-DD") {
		t.Errorf("bad date: %d", p.Status)
	}
	// Refused: more decimals than USD has, and both amounts.
	p = fin.post("/settlement/fx/quotes", url.Values{"sell_currency": {"USD"}, "buy_currency": {"CNY"}, "sell_amount": {"1.234"}})
	if p.Status != 422 || !strings.Contains(p.Body, `value="1.234"`) {
		t.Errorf("refused quote: %d\n%s", p.Status, text(p.Body))
	}

	id := quoteVia(t, fin, url.Values{"sell_currency": {"USD"}, "buy_currency": {"CNY"}, "sell_amount": {"100"}})
	q, err := env.App.FX.Quote(db.WithScope(env.Ctx, db.Scope{TenantID: tenant}), id)
	if err != nil {
		t.Fatal(err)
	}
	p = fin.get("/settlement/fx?quote=" + id)
	mustContain(t, "quote", p.Body, "Your locked quote", "$100.00", "1 USD = "+q.Rate+" CNY", "Convert now", `data-countdown="`)

	// Another tenant can neither see nor execute it.
	other := newBrowser(t, env)
	other.signIn(env.User(env.Tenant("Elsewhere"), identity.TenantOwner))
	if p := other.get("/settlement/fx?quote=" + id); p.Status != 404 {
		t.Errorf("foreign quote shown: %d", p.Status)
	}
	if p := other.post("/settlement/fx/quotes/"+id+"/execute", nil); p.Status != 404 {
		t.Errorf("foreign quote executed: %d", p.Status)
	}

	p = fin.post("/settlement/fx/quotes/"+id+"/execute", nil)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/settlement/balances?conversion=fxc_") {
		t.Fatalf("execute: %d to %q\n%s", p.Status, p.Location, text(p.Body))
	}
	p = fin.get(p.Location)
	mustContain(t, "balances", p.Body, "Converted $100.00 into CN¥"+commaless(q.BuyAmount.Amount), "$900.00", "Just now")
	// The same page in Chinese writes dollars as US$ (CLDR zh).
	fin.lang = "zh-CN"
	mustContain(t, "balances zh", fin.get("/settlement/balances").Body, "US$900.00", "¥")
	fin.lang = "en"

	// Executed once: a second execution is refused and books nothing.
	p = fin.post("/settlement/fx/quotes/"+id+"/execute", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "already been executed") {
		t.Errorf("second execution: %d\n%s", p.Status, text(p.Body))
	}
	// More than the balance: refused, naming the balance.
	big := quoteVia(t, fin, url.Values{"sell_currency": {"USD"}, "buy_currency": {"EUR"}, "sell_amount": {"900.01"}})
	if p := fin.post("/settlement/fx/quotes/"+big+"/execute", nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "Insufficient funds") {
		t.Errorf("overdraft: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "balances after refusals", fin.get("/settlement/balances").Body, "$900.00")

	p = fin.get("/settlement/ledger")
	mustContain(t, "ledger", p.Body, "wallet:main", "platform:fx", "never negative")
	acct := accountLink.FindStringSubmatch(p.Body)
	if acct == nil {
		t.Fatal("no account link")
	}
	mustContain(t, "account", fin.get("/settlement/ledger/"+acct[1]).Body, "Entries", "Transfer")
	if p := fin.get("/settlement/ledger/lac_nothere"); p.Status != 404 {
		t.Errorf("missing account: %d", p.Status)
	}

	viewer := newBrowser(t, env)
	viewer.signIn(env.User(tenant, identity.Viewer))
	for _, path := range []string{"/settlement/fx", "/settlement/balances", "/settlement/ledger"} {
		if p := viewer.get(path); p.Status != http.StatusForbidden {
			t.Errorf("viewer %s: %d", path, p.Status)
		}
	}
	if p := viewer.post("/settlement/fx/quotes", url.Values{"sell_currency": {"USD"}}); p.Status != http.StatusForbidden {
		t.Errorf("viewer quote: %d", p.Status)
	}
}

// commaless is a CNY amount as CLDR en writes it with grouping.
func commaless(a string) string {
	whole, frac, _ := strings.Cut(a, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + "." + frac
}

func walkFXPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	fundFX(t, env, tenant, "500.00")
	b := newBrowser(t, env)
	b.lang = lang
	b.signIn(env.User(tenant, identity.Finance))
	check(t, lang, "fx", "fx", b.get("/settlement/fx"), 200)
	check(t, lang, "fx refused", "fx", b.post("/settlement/fx/quotes", url.Values{"sell_currency": {"usd"}, "sell_amount": {"1"}}), 422)
	id := quoteVia(t, b, url.Values{"sell_currency": {"USD"}, "buy_currency": {"EUR"}, "buy_amount": {"10.00"}})
	check(t, lang, "fx quote", "fx", b.get("/settlement/fx?quote="+id), 200)
	check(t, lang, "balances", "balances", b.get("/settlement/balances"), 200)
	done := b.post("/settlement/fx/quotes/"+id+"/execute", nil)
	check(t, lang, "converted", "balances", b.get(done.Location), 200)
	check(t, lang, "used quote", "fx", b.get("/settlement/fx?quote="+id), 200)
	check(t, lang, "fx used", "fx", b.post("/settlement/fx/quotes/"+id+"/execute", nil), 409)
	accounts := b.get("/settlement/ledger")
	check(t, lang, "ledger", "ledger_accounts", accounts, 200)
	if m := accountLink.FindStringSubmatch(accounts.Body); m != nil {
		check(t, lang, "ledger account", "ledger_account", b.get("/settlement/ledger/"+m[1]), 200)
	}
}
