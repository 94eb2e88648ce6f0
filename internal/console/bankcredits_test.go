package console_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

// bankCreditsFixture books proceeds and reconciles a bank file with one
// credit that clears them and one that lands in suspense; it returns the
// suspense credit's id.
func bankCreditsFixture(t *testing.T, env *apptest.Env, tenant, tag string) string {
	t.Helper()
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	svc := env.App.Payouts
	eur := func(a string) money.Money { return money.Money{Amount: a, Currency: "EUR"} }
	if _, _, err := svc.RecordProceeds(ctx, payouts.ProceedsInput{SellerID: "bc-" + tag, Marketplace: "amazon-de",
		Reference: "BC-" + tag, Gross: eur("30.00")}); err != nil {
		t.Fatal(err)
	}
	camt, err := iso20022.Camt054("BCF-"+tag, "DE89370400440532013000", time.Now(), []iso20022.Notification{
		{Ref: "R1", Direction: iso20022.Credit, Booked: time.Now(), Txs: []iso20022.NotifiedTx{{EndToEndID: "BC-" + tag, Amount: eur("30.00")}}},
		{Ref: "R2", Direction: iso20022.Credit, Booked: time.Now(), Txs: []iso20022.NotifiedTx{{EndToEndID: "UNKNOWN-" + tag, Amount: eur("12.34")}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.Reconcile(ctx, "camt054.xml", camt)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Entries) != 2 || r.Entries[0].Result != payouts.ReconCleared || r.Entries[1].Result != payouts.ReconSuspense {
		t.Fatalf("fixture reconciliation %+v", r.Entries)
	}
	return r.Entries[1].BankCreditID
}

// walkBankCreditPages renders the bank credits page with credits in
// suspense and cleared, a refused match and a match.
func walkBankCreditPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	tag := strings.ToLower(lang)
	id := bankCreditsFixture(t, env, tenant, tag)
	b := newBrowser(t, env)
	b.lang = lang
	b.signIn(env.User(tenant, identity.Finance))
	list := b.get("/settlement/bank-credits")
	check(t, lang, "bank credits", "bank_credits", list, 200)
	if !strings.Contains(list.Body, "UNKNOWN-"+tag) || !strings.Contains(list.Body, "/settlement/bank-credits/"+id+"/match") {
		t.Errorf("suspense credit not listed with its match form")
	}
	check(t, lang, "cleared credits", "bank_credits", b.get("/settlement/bank-credits?status=cleared"), 200)
	check(t, lang, "all credits", "bank_credits", b.get("/settlement/bank-credits?status="), 200)
	check(t, lang, "match refused", "bank_credits",
		b.post("/settlement/bank-credits/"+id+"/match", url.Values{"proceeds_id": {"spr_nothere"}}), 422)
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	p, _, err := env.App.Payouts.RecordProceeds(ctx, payouts.ProceedsInput{SellerID: "bc-" + tag, Marketplace: "ebay",
		Reference: "LATE-" + tag, Gross: money.Money{Amount: "12.34", Currency: "EUR"}})
	if err != nil {
		t.Fatal(err)
	}
	if l := b.get("/settlement/bank-credits"); !strings.Contains(l.Body, `value="`+p.ID+`"`) {
		t.Errorf("proceeds of the same amount not offered")
	}
	done := b.post("/settlement/bank-credits/"+id+"/match", url.Values{"proceeds_id": {p.ID}})
	if done.Status != 303 {
		t.Fatalf("match: %d %s", done.Status, text(done.Body))
	}
	check(t, lang, "matched", "bank_credits", b.get(done.Location), 200)
	if c, err := env.App.Payouts.GetBankCredit(ctx, id); err != nil || c.Status != payouts.CreditCleared || c.ProceedsID != p.ID {
		t.Errorf("after match %+v %v", c, err)
	}
}

// TestBankCreditPagesRoles: a tenant administrator (settlement read, not
// write) sees the credits but gets no match form and cannot post one; a
// viewer cannot open the page; another tenant sees nothing.
func TestBankCreditPagesRoles(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Bank Credit Pages")
	id := bankCreditsFixture(t, env, tenant, "roles")
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.TenantAdmin))
	p := b.get("/settlement/bank-credits")
	if p.Status != 200 || !strings.Contains(p.Body, "UNKNOWN-roles") || strings.Contains(p.Body, "/match") {
		t.Fatalf("read-only list: %d", p.Status)
	}
	if p := b.post("/settlement/bank-credits/"+id+"/match", url.Values{"proceeds_id": {"x"}}); p.Status != 403 {
		t.Fatalf("read-only match: %d", p.Status)
	}
	viewer := newBrowser(t, env)
	viewer.signIn(env.User(tenant, identity.Viewer))
	if p := viewer.get("/settlement/bank-credits"); p.Status != 403 {
		t.Fatalf("viewer: %d", p.Status)
	}
	other := newBrowser(t, env)
	other.signIn(env.User(env.Tenant("Another Tenant"), identity.Finance))
	if p := other.get("/settlement/bank-credits?status="); strings.Contains(p.Body, "UNKNOWN-roles") {
		t.Fatal("another tenant sees the credit")
	}
	if p := other.post("/settlement/bank-credits/"+id+"/match", url.Values{"proceeds_id": {"x"}}); p.Status != 404 {
		t.Fatalf("another tenant's match: %d", p.Status)
	}
}

// TestBankCreditPageMatchesSeveralLines: a finance user matches a credit
// in suspense to two proceeds lines (of two marketplaces) by typing both
// ids; lines that do not add up are refused on the page.
func TestBankCreditPageMatchesSeveralLines(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Bank Credit Lines")
	id := bankCreditsFixture(t, env, tenant, "lines")
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	var ids []string
	for i, gross := range []string{"10.00", "2.34"} {
		p, _, err := env.App.Payouts.RecordProceeds(ctx, payouts.ProceedsInput{SellerID: "bc-lines",
			Marketplace: []string{"ebay", "amazon-de"}[i], Reference: "PART-" + gross,
			Gross: money.Money{Amount: gross, Currency: "EUR"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.ID)
	}
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.Finance))
	if p := b.post("/settlement/bank-credits/"+id+"/match", url.Values{"proceeds_id": {ids[0]}}); p.Status != 422 ||
		!strings.Contains(p.Body, ids[0]) {
		t.Fatalf("one line of two: %d", p.Status)
	}
	done := b.post("/settlement/bank-credits/"+id+"/match", url.Values{"proceeds_id": {ids[0] + ", " + ids[1]}})
	if done.Status != 303 {
		t.Fatalf("match: %d %s", done.Status, text(done.Body))
	}
	c, err := env.App.Payouts.GetBankCredit(ctx, id)
	if err != nil || c.Status != payouts.CreditCleared || strings.Join(c.ProceedsIDs, " ") != strings.Join(ids, " ") {
		t.Fatalf("after match %+v %v", c, err)
	}
	if l := b.get("/settlement/bank-credits?status=cleared"); !strings.Contains(l.Body, ids[0]) || !strings.Contains(l.Body, ids[1]) {
		t.Error("the cleared credit does not list both lines")
	}
}
