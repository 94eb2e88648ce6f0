package payouts

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/rail/bankfile"
	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

var testDebtor = iso20022.Party{Name: "Silkgate Test Treasury", IBAN: "GB29NWBK60161331926819", BIC: "NWBKGB2L"}

// restart returns a service as a restarted node would build it: new rail
// connectors and services over the same store, nothing kept in memory.
func (f *fixture) restart(d *db.DB, debtor iso20022.Party) *Service {
	reg := rails.NewRegistry(sandboxbank.New(d, nil), ecny.New(d, ecny.SandboxOperator, nil),
		bankfile.New(d, bankfile.Config{Debtor: debtor, Currencies: []string{"EUR", "GBP", "USD"}}))
	return New(d, ledger.New(d, f.rec, nil), f.fx, reg, f.rec, f.pub, nil)
}

// platformBalance is (posted, pending debits, pending credits) of a
// platform account, "" when it was never opened.
func (f *fixture) platformBalance(t *testing.T, ctx context.Context, code, ccy string) string {
	t.Helper()
	id, err := f.svc.findAccount(ctx, code, ccy)
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		return ""
	}
	a, err := f.ledger.GetAccount(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance.Posted.Amount + " " + a.Balance.DebitsPending.Amount + " " + a.Balance.CreditsPending.Amount
}

func byseller(b Batch) map[string]Payout {
	m := map[string]Payout{}
	for _, p := range b.Payouts {
		m[p.SellerID] = p
	}
	return m
}

// TestSandboxRailsSurviveRestart: a payout initiated on the sandbox bank
// settles, rejects and stays pending exactly as documented when every
// status request comes from a newly started node, and initiating with the
// same key on a new node answers the same batch and transfers.
func TestSandboxRailsSurviveRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "Settles Ltd", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "GB29NWBK60161331926819"})
		f.account(t, "s2", PayoutAccountInput{Name: "Closed Account Ltd", Currency: "EUR", Rail: sandboxbank.Name, IBAN: sandboxbank.RejectIBAN})
		f.account(t, "s3", PayoutAccountInput{Name: "Slow Ltd", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000"})
		f.account(t, "cn", PayoutAccountInput{Name: "义乌明亮玩具", Currency: "CNY", Rail: ecny.Name, Wallet: ecny.TestWallet})
		f.proceeds(t, "s1", "R1", eur("100.00"), eur("0"))
		f.proceeds(t, "s2", "R2", eur("40.00"), eur("0"))
		f.proceeds(t, "s3", "R3", eur("7.99"), eur("0")) // .99: pending first, settled on the next request
		b, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "restart-1", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil || b.Status != BatchSubmitted || b.Count != 3 {
			t.Fatalf("batch %+v %v", b, err)
		}

		node2 := f.restart(d, testDebtor)
		again, replay, err := node2.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "restart-1", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil || !replay || again.ID != b.ID || len(again.Payouts) != 3 {
			t.Fatalf("replay on a new node: %+v %v %v", again, replay, err)
		}
		for i, p := range again.Payouts {
			if p.ID != b.Payouts[i].ID || p.EndToEndID != b.Payouts[i].EndToEndID || p.Amount != b.Payouts[i].Amount {
				t.Fatalf("payout %d differs on a new node: %+v vs %+v", i, p, b.Payouts[i])
			}
		}
		// The rail itself, restarted, answers the same message for the same
		// batch id: a retry moves no money twice.
		msg, _, err := f.svc.Message(f.ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := sandboxbank.New(d, nil).Initiate(f.ctx, railBatch(b.ID, time.Now(), b.Payouts))
		if err != nil || !bytes.Equal(rc.Message, msg) {
			t.Fatalf("rail initiate after a restart: %v", err)
		}

		res, err := node2.Refresh(f.ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := byseller(res.Batch)
		if got["s1"].Status != StatusPaid || got["s2"].Status != StatusFailed || !strings.HasPrefix(got["s2"].Reason, "AC01") ||
			got["s3"].Status != StatusPending || got["s3"].RailStatus != iso20022.StatusPDNG {
			t.Fatalf("after the first report on a new node: %+v", res.Batch.Payouts)
		}
		node3 := f.restart(d, testDebtor)
		res, err = node3.Refresh(f.ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := byseller(res.Batch); got["s3"].Status != StatusPaid || res.Applied != 1 || res.Batch.Status != BatchCompleted {
			t.Fatalf("after the second report on a third node: %+v", res)
		}
		if posted, avail := f.balance(t, "s2", "EUR"); posted != "40.00" || avail != "40.00" {
			t.Fatalf("rejected payout left %s %s", posted, avail)
		}

		// e-CNY settles while initiating; a new node reports the same.
		f.proceeds(t, "cn", "R4", moneyOf(891, "CNY"), moneyOf(0, "CNY")) // .91: RJCT AC04
		eb, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "restart-2", Rail: ecny.Name, Currency: "CNY"})
		if err != nil || eb.Payouts[0].Status != StatusFailed {
			t.Fatalf("e-CNY batch %+v %v", eb, err)
		}
		rep, err := f.restart(d, testDebtor).Refresh(f.ctx, eb.ID)
		if err != nil || rep.Applied != 0 || rep.Batch.Payouts[0].Status != StatusFailed || rep.Batch.Payouts[0].RailStatus != "RJCT" {
			t.Fatalf("e-CNY on a new node: %+v %v", rep, err)
		}
	})
}

// liveFixture is the fixture in a live scope, with the bank-file rail
// configured on debtor.
func liveFixture(t *testing.T, d *db.DB, debtor iso20022.Party) *fixture {
	f := setup(t, d)
	sc, _ := db.ScopeFrom(f.ctx)
	sc.Sandbox = false
	f.ctx = db.WithScope(context.Background(), sc)
	f.svc = f.restart(d, debtor)
	f.ledger = f.svc.ledger
	return f
}

// TestLiveBankFile: a live payout batch on the bank-file rail, end to end:
// the pain.001 to download reads back through the ISO 20022 parser, the
// user marks it uploaded, and the bank's pacs.002 and camt.054 settle and
// reject its payouts — holds posted or voided, no money made or lost.
func TestLiveBankFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := liveFixture(t, d, testDebtor)
		f.account(t, "paid", PayoutAccountInput{Name: "Paid GmbH", Currency: "EUR", Rail: bankfile.Name, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"})
		f.account(t, "rejected", PayoutAccountInput{Name: "Closed SARL", Currency: "EUR", Rail: bankfile.Name, IBAN: "FR1420041010050500013M02606"})
		f.account(t, "booked", PayoutAccountInput{Name: "Booked BV", Currency: "EUR", Rail: bankfile.Name, IBAN: "NL91ABNA0417164300"})
		f.proceeds(t, "paid", "L1", eur("120.50"), eur("0"))
		f.proceeds(t, "rejected", "L2", eur("80.00"), eur("0"))
		f.proceeds(t, "booked", "L3", eur("15.25"), eur("0"))

		b, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "live-1", Rail: bankfile.Name, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != BatchReady || b.Count != 3 || b.Total != eur("215.75") || b.MessageType != iso20022.MsgPain001 {
			t.Fatalf("batch %+v", b)
		}
		for _, p := range b.Payouts {
			if p.Status != StatusPending || p.RailStatus != "" {
				t.Fatalf("payout before the bank answered: %+v", p)
			}
		}
		if posted, avail := f.balance(t, "rejected", "EUR"); posted != "80.00" || avail != "0.00" {
			t.Fatalf("held: %s %s", posted, avail)
		}

		// The file to download, as the bank reads it.
		msg, typ, err := f.svc.Message(f.ctx, b.ID)
		if err != nil || typ != iso20022.MsgPain001 {
			t.Fatalf("file %s %v", typ, err)
		}
		in, err := iso20022.ParsePain001(msg)
		if err != nil {
			t.Fatalf("the downloaded pain.001 does not parse: %v\n%s", err, msg)
		}
		if in.MsgID != b.ID || in.NbOfTxs != 3 || in.CtrlSum != "215.75" || in.Debtor.IBAN != testDebtor.IBAN || in.Debtor.BIC != testDebtor.BIC {
			t.Fatalf("initiation %+v", in)
		}
		want := map[string]Payout{}
		for _, p := range b.Payouts {
			want[p.EndToEndID] = p
		}
		for _, tx := range in.Transactions {
			p, ok := want[tx.EndToEndID]
			if !ok || tx.Amount != p.Amount || tx.Creditor.IBAN != p.Beneficiary.IBAN || tx.Creditor.Name != p.Beneficiary.Name {
				t.Fatalf("transaction %+v is no payout of the batch", tx)
			}
		}
		// A repeat on a restarted node offers the very same file.
		if again, replay, err := f.restart(d, testDebtor).CreateBatch(f.ctx, BatchInput{IdempotencyKey: "live-1", Rail: bankfile.Name,
			Currency: "EUR"}); err != nil || !replay || again.ID != b.ID {
			t.Fatalf("replay %v %v", replay, err)
		}
		if m2, _, _ := f.svc.Message(f.ctx, b.ID); !bytes.Equal(m2, msg) {
			t.Fatal("the file changed")
		}

		// Marked uploaded, on another node; a second mark changes nothing.
		sent, err := f.restart(d, testDebtor).MarkSent(f.ctx, b.ID)
		if err != nil || sent.Status != BatchSent {
			t.Fatalf("mark sent: %+v %v", sent, err)
		}
		if again, err := f.svc.MarkSent(f.ctx, b.ID); err != nil || again.Status != BatchSent {
			t.Fatalf("mark sent again: %v", err)
		}
		st, ok := f.restart(d, testDebtor).rails.Get(bankfile.Name)
		if !ok {
			t.Fatal("no bank-file rail")
		}
		if sb, err := st.(*bankfile.Rail).Batch(f.ctx, b.ID); err != nil || sb.Phase != bankfile.PhaseSent || sb.SentAt == nil {
			t.Fatalf("rail phase %+v %v", sb, err)
		}

		// The bank's pacs.002: one settled, one rejected, one accepted.
		e2e := func(seller string) string { return byseller(b)[seller].EndToEndID }
		amt := func(seller string) *money.Money { m := byseller(b)[seller].Amount; return &m }
		rep, err := iso20022.Pacs002("BANK-STS-1", b.ID, iso20022.MsgPain001, time.Now(), []iso20022.TxStatus{
			{EndToEndID: e2e("paid"), Status: iso20022.StatusACSC, Amount: amt("paid")},
			{EndToEndID: e2e("rejected"), Status: iso20022.StatusRJCT, Reason: "AC04"},
			{EndToEndID: e2e("booked"), Status: iso20022.StatusACCP}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := f.svc.IntakeStatusReport(f.ctx, rep)
		if err != nil || res.Applied != 2 || res.Unchanged != 1 || res.Batch.Status != BatchSent {
			t.Fatalf("pacs.002 intake %+v %v", res, err)
		}
		got := byseller(res.Batch)
		if got["paid"].Status != StatusPaid || got["rejected"].Status != StatusFailed || got["rejected"].Reason != "AC04" ||
			got["booked"].Status != StatusPending {
			t.Fatalf("after the pacs.002: %+v", res.Batch.Payouts)
		}
		// The same report again changes nothing.
		if res, err := f.svc.IntakeStatusReport(f.ctx, rep); err != nil || res.Applied != 0 {
			t.Fatalf("repeat %+v %v", res, err)
		}
		// The bank's camt.054 books the last one.
		camt, err := iso20022.Camt054("BANK-CAMT-1", testDebtor.IBAN, time.Now(), []iso20022.Notification{{Ref: "N1",
			Direction: iso20022.Debit, Booked: time.Now(), Txs: []iso20022.NotifiedTx{{EndToEndID: e2e("booked"), Amount: eur("15.25")},
				{EndToEndID: "not-ours", Amount: eur("1.00")}}}})
		if err != nil {
			t.Fatal(err)
		}
		res, err = f.svc.IntakeStatusReport(f.ctx, camt)
		if err != nil || res.Applied != 1 || !slices.Equal(res.Unknown, []string{"not-ours"}) || res.Batch.Status != BatchCompleted {
			t.Fatalf("camt.054 intake %+v %v", res, err)
		}

		// Money: paid sellers are at zero, the rejected one has exactly
		// what it had, nothing stays in transit, and what left the
		// platform is exactly what was paid.
		for seller, want := range map[string]string{"paid": "0.00 0.00", "rejected": "80.00 80.00", "booked": "0.00 0.00"} {
			if posted, avail := f.balance(t, seller, "EUR"); posted+" "+avail != want {
				t.Errorf("%s: %s %s, want %s", seller, posted, avail, want)
			}
		}
		if got := f.platformBalance(t, f.ctx, ledger.PayoutsInTransit, "EUR"); got != "0.00 0.00 0.00" {
			t.Errorf("in transit: %s", got)
		}
		if got := f.platformBalance(t, f.ctx, ledger.World, "EUR"); got != "135.75 0.00 0.00" && got != "-135.75 0.00 0.00" {
			t.Errorf("world: %s", got)
		}
	})
}

// TestLiveRefusesSandboxRails: live data never goes out on a simulator; a
// live payout without a live rail is refused naming the rail and the
// currency, and nothing is held.
func TestLiveRefusesSandboxRails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := liveFixture(t, d, testDebtor)
		f.account(t, "s1", PayoutAccountInput{Name: "Live GmbH", Currency: "EUR", Rail: bankfile.Name, IBAN: "DE89370400440532013000"})
		f.proceeds(t, "s1", "L1", eur("50.00"), eur("0"))
		unconfigured := f.restart(d, iso20022.Party{})
		for _, tc := range []struct {
			name   string
			svc    *Service
			in     BatchInput
			code   string
			params []any
		}{
			{"sandbox bank", f.svc, BatchInput{IdempotencyKey: "k1", Rail: sandboxbank.Name, Currency: "EUR"}, rails.CodeSandboxOnly,
				[]any{"rail", sandboxbank.Name, "currency", "EUR", "live_rails", bankfile.Name}},
			{"e-CNY sandbox", f.svc, BatchInput{IdempotencyKey: "k2", Rail: ecny.Name, Currency: "CNY"}, rails.CodeSandboxOnly,
				[]any{"rail", ecny.Name, "currency", "CNY", "live_rails", "none"}},
			{"bank file without a debtor", unconfigured, BatchInput{IdempotencyKey: "k3", Rail: bankfile.Name, Currency: "EUR"},
				rails.CodeNotConfigured, []any{"rail", bankfile.Name, "reason", bankfile.ErrNoDebtor.Error()}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := tc.svc.CreateBatch(f.ctx, tc.in)
				pe, ok := problem.As(err)
				if !ok || len(pe.Fields) != 1 || pe.Fields[0].Field != "rail" || pe.Fields[0].Code != tc.code ||
					!slices.Equal(pe.Fields[0].Params, tc.params) {
					t.Fatalf("got %v %+v", err, pe)
				}
				if posted, avail := f.balance(t, "s1", "EUR"); posted != "50.00" || avail != "50.00" {
					t.Fatalf("held %s %s", posted, avail)
				}
				if got := f.platformBalance(t, f.ctx, ledger.PayoutsInTransit, "EUR"); got != "" && got != "0.00 0.00 0.00" {
					t.Fatalf("in transit %s", got)
				}
			})
		}
		if l, err := f.svc.ListBatches(f.ctx, webPage()); err != nil || len(l.Items) != 0 {
			t.Fatalf("batches %+v %v", l, err)
		}
		// A payout account on a sandbox rail is refused in live data too.
		_, err := f.svc.PutPayoutAccount(f.ctx, "s2", PayoutAccountInput{Name: "X", Currency: "EUR", Rail: sandboxbank.Name,
			IBAN: "DE89370400440532013000"})
		if got := fields(err); !slices.Equal(got, []string{"rail:" + rails.CodeSandboxOnly}) {
			t.Fatalf("sandbox account in live data: %v", got)
		}
		// And the bank-file rail is no rail for sandbox data.
		sc, _ := db.ScopeFrom(f.ctx)
		sc.Sandbox = true
		_, err = f.svc.PutPayoutAccount(db.WithScope(context.Background(), sc), "s3", PayoutAccountInput{Name: "X", Currency: "EUR",
			Rail: bankfile.Name, IBAN: "DE89370400440532013000"})
		if got := fields(err); !slices.Equal(got, []string{"rail:" + rails.CodeLiveOnly}) {
			t.Fatalf("bank file in sandbox data: %v", got)
		}
		if names := f.svc.Rails(f.ctx); len(names) != 1 || names[0].Name != bankfile.Name {
			t.Fatalf("live rails %+v", names)
		}
	})
}
