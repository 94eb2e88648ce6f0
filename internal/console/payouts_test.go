package console_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/connectors/rail/bankfile"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

var batchLink = regexp.MustCompile(`/settlement/payouts/batches/(spb-[a-z0-9]+)`)

// walkPayoutPages renders every payout, statement and reconciliation page
// with a seller paid through the live bank-file rail.
func walkPayoutPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	svc := env.App.Payouts
	seller := "walk-" + strings.ToLower(lang)
	if _, err := svc.PutPayoutAccount(ctx, seller, payouts.PayoutAccountInput{Name: "义乌明亮玩具 " + lang, Currency: "EUR",
		Rail: bankfile.Name, IBAN: "DE89370400440532013000"}); err != nil {
		t.Fatal(err)
	}
	fee := money.Money{Amount: "1.20", Currency: "EUR"}
	if _, _, err := svc.RecordProceeds(ctx, payouts.ProceedsInput{SellerID: seller, Marketplace: "amazon-de", Reference: "W-" + lang,
		Gross: money.Money{Amount: "40.00", Currency: "EUR"}, Fee: &fee}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, env)
	b.lang = lang
	b.signIn(env.User(tenant, identity.Finance))
	check(t, lang, "payouts", "payouts", b.get("/settlement/payouts"), 200)
	check(t, lang, "batch refused", "payouts", b.post("/settlement/payouts/batches", url.Values{"idempotency_key": {"x-" + lang},
		"rail": {bankfile.Name}, "currency": {"CHF"}}), 422)
	check(t, lang, "sandbox rail refused", "payouts", b.post("/settlement/payouts/batches", url.Values{"idempotency_key": {"y-" + lang},
		"rail": {sandboxbank.Name}, "currency": {"EUR"}}), 422)
	made := b.post("/settlement/payouts/batches", url.Values{"idempotency_key": {"walk-" + lang}, "rail": {bankfile.Name},
		"currency": {"EUR"}})
	m := batchLink.FindStringSubmatch(made.Location)
	if made.Status != 303 || m == nil {
		t.Fatalf("batch: %d %s", made.Status, made.Location)
	}
	ready := b.get(made.Location)
	check(t, lang, "batch", "payout_batch", ready, 200)
	if !strings.Contains(ready.Body, "/api/v1/settlement/batches/"+m[1]+"/message") || !strings.Contains(ready.Body, "/sent") {
		t.Errorf("ready batch offers no file to download or to mark sent")
	}
	check(t, lang, "refresh", "payout_batch", b.post("/settlement/payouts/batches/"+m[1]+"/refresh", nil), 200)
	if sent := b.post("/settlement/payouts/batches/"+m[1]+"/sent", nil); sent.Status != 303 {
		t.Fatalf("mark sent: %d %s", sent.Status, sent.Body)
	}
	check(t, lang, "batch sent", "payout_batch", b.get(made.Location), 200)
	check(t, lang, "bad report", "payout_batch", b.multipartPost("/settlement/payouts/batches/"+m[1]+"/report", nil, "file", "x.xml", "<Document/>"), 422)
	day := time.Now().UTC().Format(time.DateOnly)
	st := b.get("/settlement/statements?seller_id=" + seller + "&from=" + day + "&to=" + day)
	check(t, lang, "statement", "statements", st, 200)
	if !strings.Contains(st.Body, "38.80") {
		t.Errorf("statement lacks the net proceeds")
	}
	check(t, lang, "statement refused", "statements", b.get("/settlement/statements?seller_id="+seller+"&from="+day+"&to=2000-01-01"), 422)
	check(t, lang, "reconciliation", "reconciliation", b.get("/settlement/reconciliation"), 200)
	bt, err := svc.GetBatch(ctx, m[1])
	if err != nil {
		t.Fatal(err)
	}
	pacs, _ := iso20022.Pacs002("S-"+lang, bt.ID, iso20022.MsgPain001, time.Now(), []iso20022.TxStatus{
		{EndToEndID: bt.Payouts[0].EndToEndID, Status: iso20022.StatusACSC}})
	settled := b.multipartPost("/settlement/payouts/batches/"+m[1]+"/report", nil, "file", "pacs002.xml", string(pacs))
	check(t, lang, "report", "payout_batch", settled, 200)
	if bt, _ = svc.GetBatch(ctx, m[1]); bt.Status != payouts.BatchCompleted || bt.Payouts[0].Status != payouts.StatusPaid {
		t.Errorf("after the uploaded report: %+v", bt)
	}
	camt, _ := iso20022.Camt054("C-"+lang, sandboxbank.Debtor.IBAN, time.Now(), []iso20022.Notification{{Ref: "R", Direction: iso20022.Debit,
		Booked: time.Now(), Txs: []iso20022.NotifiedTx{{EndToEndID: bt.Payouts[0].EndToEndID, Amount: bt.Payouts[0].Amount}}}})
	check(t, lang, "bad bank file", "reconciliation", b.multipartPost("/settlement/reconciliation", nil, "file", "x.xml", "<Document/>"), 422)
	up := b.multipartPost("/settlement/reconciliation", nil, "file", "camt054.xml", string(camt))
	if up.Status != 303 {
		t.Fatalf("reconcile: %d %s", up.Status, up.Body)
	}
	rep := b.get(up.Location)
	check(t, lang, "report", "reconciliation_report", rep, 200)
}

func TestPayoutPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Payout Pages")
	b := newBrowser(t, env)
	b.signIn(env.User(tenant, identity.Viewer))
	if p := b.get("/settlement/payouts"); p.Status != 403 {
		t.Fatalf("viewer: %d", p.Status)
	}
}
