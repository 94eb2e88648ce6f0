package payouts

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

type recorder struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions = append(r.actions, e.Action)
	return nil
}

type publisher struct {
	mu  sync.Mutex
	evs []events.Event
}

func (p *publisher) Publish(_ context.Context, e events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.evs = append(p.evs, e)
	return nil
}

type fixture struct {
	svc    *Service
	ledger *ledger.Service
	fx     *fx.Service
	bank   *sandboxbank.Bank
	rec    *recorder
	pub    *publisher
	ctx    context.Context
}

var testNow = time.Date(2024, 2, 1, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{rec: &recorder{}, pub: &publisher{}}
	now := func() time.Time { return testNow }
	f.fx = fx.New(d, f.rec, fx.Config{Now: now, QuoteTTL: time.Minute, SpreadBPS: 50})
	if _, err := f.fx.ImportFile(context.Background(), filepath.Join("..", "fx", "testdata", "rates-test.csv")); err != nil {
		t.Fatal(err)
	}
	f.ledger = ledger.New(d, f.rec, nil)
	f.bank = sandboxbank.New(d, nil)
	f.svc = New(d, f.ledger, f.fx, rails.NewRegistry(f.bank, ecny.New(d, ecny.SandboxOperator, nil)), f.rec, f.pub, nil)
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Payouts "+tid, time.Now().UTC())
	// The sandbox rails serve sandbox scopes only.
	f.ctx = db.WithScope(context.Background(), db.Scope{TenantID: tid, Sandbox: true})
	return f
}

func eur(a string) money.Money { return money.Money{Amount: a, Currency: "EUR"} }

func (f *fixture) account(t *testing.T, seller string, in PayoutAccountInput) {
	t.Helper()
	if _, err := f.svc.PutPayoutAccount(f.ctx, seller, in); err != nil {
		t.Fatalf("payout account %s: %v", seller, err)
	}
}

func (f *fixture) proceeds(t *testing.T, seller, ref string, gross, fee money.Money) Proceeds {
	t.Helper()
	p, _, err := f.svc.RecordProceeds(f.ctx, ProceedsInput{SellerID: seller, Marketplace: "amazon-de", Reference: ref,
		Gross: gross, Fee: &fee})
	if err != nil {
		t.Fatalf("proceeds %s: %v", ref, err)
	}
	return p
}

// balance returns the seller's payable balance (posted, available).
func (f *fixture) balance(t *testing.T, seller, ccy string) (string, string) {
	t.Helper()
	id, err := f.svc.findAccount(f.ctx, payableCode(seller), ccy)
	if err != nil || id == "" {
		t.Fatalf("account of %s: %q %v", seller, id, err)
	}
	a, err := f.ledger.GetAccount(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance.Posted.Amount, a.Balance.Available.Amount
}

func fields(err error) []string {
	pe, ok := problem.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range pe.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestPayoutsSettleAndReject(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "Yiwu Bright Toys", Currency: "EUR", Rail: sandboxbank.Name,
			IBAN: "GB29 NWBK 6016 1331 9268 19", BIC: "NWBKGB2L"})
		f.account(t, "s2", PayoutAccountInput{Name: "Closed Account Ltd", Currency: "EUR", Rail: sandboxbank.Name,
			IBAN: sandboxbank.RejectIBAN})
		p := f.proceeds(t, "s1", "L1", eur("100.00"), eur("3.50"))
		if p.Credited != eur("96.50") || p.Net != eur("96.50") {
			t.Fatalf("proceeds %+v", p)
		}
		f.proceeds(t, "s2", "L2", eur("50.00"), eur("0"))

		b, replay, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "run-1", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil || replay {
			t.Fatalf("batch: %v %v", err, replay)
		}
		if b.Count != 2 || b.Total != eur("146.50") || b.Status != BatchSubmitted || len(b.Payouts) != 2 {
			t.Fatalf("batch %+v", b)
		}
		msg, typ, err := f.svc.Message(f.ctx, b.ID)
		if err != nil || typ != iso20022.MsgPain001 || !bytes.Contains(msg, []byte("<CtrlSum>146.50</CtrlSum>")) ||
			!bytes.Contains(msg, []byte("<MsgId>"+b.ID+"</MsgId>")) {
			t.Fatalf("message %s %v:\n%s", typ, err, msg)
		}
		// Held: posted unchanged, nothing available.
		if posted, avail := f.balance(t, "s1", "EUR"); posted != "96.50" || avail != "0.00" {
			t.Fatalf("s1 held: %s %s", posted, avail)
		}
		// Nothing left to pay while the holds stand.
		if _, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "run-2", Rail: sandboxbank.Name, Currency: "EUR"}); !strings.Contains(strings.Join(fields(err), " "), "nothing_to_pay") {
			t.Fatalf("second batch: %v", err)
		}
		again, replay, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "run-1", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil || !replay || again.ID != b.ID {
			t.Fatalf("replay: %v %v %s", err, replay, again.ID)
		}
		if _, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "run-1", Rail: sandboxbank.Name, Currency: "EUR",
			SellerIDs: []string{"s1"}}); !strings.Contains(strings.Join(fields(err), " "), "idempotency_key:reused") {
			t.Fatalf("key reused: %v", err)
		}

		res, err := f.svc.Refresh(f.ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if res.Applied != 2 || res.Batch.Status != BatchCompleted {
			t.Fatalf("refresh %+v", res)
		}
		got := map[string]Payout{}
		for _, p := range res.Batch.Payouts {
			got[p.SellerID] = p
		}
		if p := got["s1"]; p.Status != StatusPaid || p.RailStatus != "ACSC" || p.PostEntryID == "" {
			t.Fatalf("s1 %+v", p)
		}
		if p := got["s2"]; p.Status != StatusFailed || p.RailStatus != "RJCT" || !strings.HasPrefix(p.Reason, "AC01") || p.VoidEntryID == "" {
			t.Fatalf("s2 %+v", p)
		}
		// Paid: the seller's balance is gone to the world; rejected: the
		// hold is voided and the balance is exactly what it was.
		if posted, avail := f.balance(t, "s1", "EUR"); posted != "0.00" || avail != "0.00" {
			t.Fatalf("s1 paid: %s %s", posted, avail)
		}
		if posted, avail := f.balance(t, "s2", "EUR"); posted != "50.00" || avail != "50.00" {
			t.Fatalf("s2 rejected: %s %s", posted, avail)
		}
		if len(f.pub.evs) != 1 || f.pub.evs[0].Type != events.SettlementPaid || f.pub.evs[0].ResourceID != got["s1"].ID {
			t.Fatalf("events %+v", f.pub.evs)
		}
		// A repeated report changes nothing.
		res, err = f.svc.Refresh(f.ctx, b.ID)
		if err != nil || res.Applied != 0 || len(f.pub.evs) != 1 {
			t.Fatalf("second refresh %+v %v", res, err)
		}
		// Money was neither created nor lost.
		if ms, err := f.ledger.Verify(f.ctx); err != nil || len(ms) != 0 {
			t.Fatalf("verify %v %v", ms, err)
		}
		sumZero(t, f, "EUR")

		// The rejected seller's balance is paid in the next batch once the
		// account is fixed.
		f.account(t, "s2", PayoutAccountInput{Name: "Closed Account Ltd", Currency: "EUR", Rail: sandboxbank.Name,
			IBAN: "DE89370400440532013000"})
		b2, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "run-3", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil || b2.Count != 1 || b2.Total != eur("50.00") {
			t.Fatalf("batch 2 %+v %v", b2, err)
		}

		// Reconciliation against the bank's camt.054.
		f.svc.Refresh(f.ctx, b2.ID)
		file, err := f.bank.BankFile(f.ctx, b.ID, b2.ID)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := f.svc.Reconcile(f.ctx, "camt.xml", file)
		if err != nil || rec.Matched != 2 || rec.Unmatched != 0 || rec.Mismatched != 0 || len(rec.Missing) != 0 {
			t.Fatalf("reconcile %+v %v", rec, err)
		}
		wrong, _ := iso20022.Camt054("X", "DE89370400440532013000", testNow, []iso20022.Notification{{Ref: "R", Direction: iso20022.Debit,
			Booked: testNow, Txs: []iso20022.NotifiedTx{{EndToEndID: got["s1"].EndToEndID, Amount: eur("96.49")},
				{EndToEndID: got["s2"].EndToEndID, Amount: eur("50.00")}, {EndToEndID: "nobody", Amount: eur("1.00")}}}})
		rec, err = f.svc.Reconcile(f.ctx, "wrong.xml", wrong)
		if err != nil || rec.Matched != 0 || rec.Mismatched != 2 || rec.Unmatched != 1 || len(rec.Missing) != 0 ||
			rec.Entries[0].Result != ReconAmountMismatch || rec.Entries[1].Result != ReconNotPaid {
			t.Fatalf("reconcile wrong %+v %v", rec, err)
		}
		kept, err := f.svc.GetReconciliation(f.ctx, rec.ID)
		if err != nil || len(kept.Entries) != 3 {
			t.Fatalf("kept %+v %v", kept, err)
		}
		if _, err := f.svc.Reconcile(f.ctx, "bad.xml", []byte("<Document><BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry><Amt Ccy=\"EUR\">1.001</Amt>"+
			"<CdtDbtInd>DBIT</CdtDbtInd></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>")); !strings.Contains(strings.Join(fields(err), " "), "file:iso20022_invalid") {
			t.Fatalf("bad file: %v", err)
		}
	})
}

// sumZero checks that the balances of every account in asset sum to zero:
// what enters the ledger from the world is somewhere.
func sumZero(t *testing.T, f *fixture, asset string) {
	t.Helper()
	accts, err := f.ledger.Balances(f.ctx, ledger.AccountFilter{Asset: asset})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, a := range accts {
		n, err := signedMinor(a.Balance.Posted)
		if err != nil {
			t.Fatal(err)
		}
		sum += n
	}
	if sum != 0 {
		t.Fatalf("%s balances sum to %d", asset, sum)
	}
}

func signedMinor(m money.Money) (int64, error) {
	if strings.HasPrefix(m.Amount, "-") {
		n, err := iso20022.ToMinor(money.Money{Amount: m.Amount[1:], Currency: m.Currency})
		return -n, err
	}
	return iso20022.ToMinor(m)
}

func TestStatusReportUploadVoids(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "S1", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000"})
		f.proceeds(t, "s1", "L1", eur("20.00"), eur("1.00"))
		b, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "k", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		e2e := b.Payouts[0].EndToEndID
		rep, _ := iso20022.Pacs002("BANK-1", b.ID, iso20022.MsgPain001, testNow, []iso20022.TxStatus{
			{EndToEndID: e2e, Status: iso20022.StatusRJCT, Reason: "AC04", Info: "Closed"}, {EndToEndID: "stranger", Status: "ACSC"}})
		res, err := f.svc.IntakeStatusReport(f.ctx, rep)
		if err != nil || res.Applied != 1 || len(res.Unknown) != 1 || res.Batch.Payouts[0].Status != StatusFailed {
			t.Fatalf("%+v %v", res, err)
		}
		if posted, avail := f.balance(t, "s1", "EUR"); posted != "19.00" || avail != "19.00" {
			t.Fatalf("after RJCT: %s %s", posted, avail)
		}
		// A later ACSC for the same payout cannot resurrect it.
		rep, _ = iso20022.Pacs002("BANK-2", b.ID, iso20022.MsgPain001, testNow, []iso20022.TxStatus{{EndToEndID: e2e, Status: "ACSC"}})
		if res, err := f.svc.IntakeStatusReport(f.ctx, rep); err != nil || res.Applied != 0 {
			t.Fatalf("late ACSC %+v %v", res, err)
		}
		if posted, _ := f.balance(t, "s1", "EUR"); posted != "19.00" {
			t.Fatal(posted)
		}
		rep, _ = iso20022.Pacs002("BANK-3", "spb-unknown", iso20022.MsgPain001, testNow, []iso20022.TxStatus{{EndToEndID: e2e, Status: "ACSC"}})
		if _, err := f.svc.IntakeStatusReport(f.ctx, rep); !strings.Contains(strings.Join(fields(err), " "), "file:unknown_batch") {
			t.Fatalf("unknown batch: %v", err)
		}
		// Cancel: a new batch's payout is stopped and its hold voided.
		b2, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "k2", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.Cancel(f.ctx, b2.Payouts[0].ID)
		if err != nil || p.Status != StatusCancelled {
			t.Fatalf("cancel %+v %v", p, err)
		}
		if _, err := f.svc.Cancel(f.ctx, p.ID); !errors.Is(err, problem.Conflict("payout_not_cancellable")) {
			t.Fatalf("cancel twice: %v", err)
		}
		if posted, avail := f.balance(t, "s1", "EUR"); posted != "19.00" || avail != "19.00" {
			t.Fatalf("after cancel: %s %s", posted, avail)
		}
		if ms, err := f.ledger.Verify(f.ctx); err != nil || len(ms) != 0 {
			t.Fatalf("verify %v %v", ms, err)
		}
	})
}

func TestProceedsValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ok := ProceedsInput{SellerID: "s1", Marketplace: "amazon-de", Reference: "L1", Gross: eur("10.00")}
		tests := []struct {
			name  string
			edit  func(*ProceedsInput)
			field string
		}{
			{"unknown currency", func(in *ProceedsInput) { in.Gross.Currency = "EUX" }, "gross.currency:invalid_currency"},
			{"too precise", func(in *ProceedsInput) { in.Gross.Amount = "10.001" }, "gross.amount:too_precise"},
			{"JPY decimals", func(in *ProceedsInput) { in.Gross = money.Money{Amount: "10.5", Currency: "JPY"} }, "gross.amount:too_precise"},
			{"negative", func(in *ProceedsInput) { in.Gross.Amount = "-10.00" }, "gross.amount:negative_amount"},
			{"zero", func(in *ProceedsInput) { in.Gross.Amount = "0.00" }, "gross.amount:positive"},
			{"not a number", func(in *ProceedsInput) { in.Gross.Amount = "1e3" }, "gross.amount:invalid_amount"},
			{"fee too big", func(in *ProceedsInput) { m := eur("10.00"); in.Fee = &m }, "fee.amount:fee_exceeds_gross"},
			{"fee currency", func(in *ProceedsInput) { m := money.Money{Amount: "1.00", Currency: "USD"}; in.Fee = &m }, "fee.currency:currency_mismatch"},
			{"fee negative", func(in *ProceedsInput) { m := eur("-1.00"); in.Fee = &m }, "fee.amount:negative_amount"},
			{"seller", func(in *ProceedsInput) { in.SellerID = "Bad Seller" }, "seller_id:invalid_format"},
			{"no reference", func(in *ProceedsInput) { in.Reference = " " }, "reference:required"},
			{"needless quote", func(in *ProceedsInput) { in.FXQuoteID = "fxq_x" }, "fx_quote_id:fx_not_needed"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				in := ok
				tc.edit(&in)
				_, _, err := f.svc.RecordProceeds(f.ctx, in)
				if got := strings.Join(fields(err), " "); !strings.Contains(got, tc.field) {
					t.Fatalf("fields %q, want %s (%v)", got, tc.field, err)
				}
			})
		}
		// Nothing was written: no proceeds and no ledger account.
		l, err := f.svc.ListProceeds(f.ctx, "", webPage())
		if err != nil || len(l.Items) != 0 {
			t.Fatalf("proceeds written: %+v %v", l, err)
		}
		if id, _ := f.svc.findAccount(f.ctx, payableCode("s1"), "EUR"); id != "" {
			t.Fatal("ledger account opened by invalid input")
		}
		// Idempotent by (marketplace, reference).
		p1, _, err := f.svc.RecordProceeds(f.ctx, ok)
		if err != nil {
			t.Fatal(err)
		}
		p2, replay, err := f.svc.RecordProceeds(f.ctx, ok)
		if err != nil || !replay || p2.ID != p1.ID {
			t.Fatalf("replay %+v %v", p2, err)
		}
		other := ok
		other.Gross = eur("11.00")
		if _, _, err := f.svc.RecordProceeds(f.ctx, other); !strings.Contains(strings.Join(fields(err), " "), "reference:reused") {
			t.Fatalf("reused: %v", err)
		}
		if posted, _ := f.balance(t, "s1", "EUR"); posted != "10.00" {
			t.Fatalf("balance %s", posted)
		}
	})
}

func TestPayoutAccountValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		tests := []struct {
			name  string
			in    PayoutAccountInput
			field string
		}{
			{"checksum", PayoutAccountInput{Name: "A", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013001"}, "iban:iban_checksum"},
			{"bic", PayoutAccountInput{Name: "A", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000", BIC: "XX"}, "bic:bic_format"},
			{"no iban", PayoutAccountInput{Name: "A", Currency: "EUR", Rail: sandboxbank.Name}, "iban:required"},
			{"rail", PayoutAccountInput{Name: "A", Currency: "EUR", Rail: "swift"}, "rail:one_of"},
			{"rail currency", PayoutAccountInput{Name: "A", Currency: "CHF", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000"}, "currency:rail_currency"},
			{"wallet", PayoutAccountInput{Name: "A", Currency: "CNY", Rail: ecny.Name, Wallet: "1234"}, "wallet:ecny_wallet_format"},
			{"ecny currency", PayoutAccountInput{Name: "A", Currency: "USD", Rail: ecny.Name, Wallet: ecny.TestWallet}, "currency:rail_currency"},
			{"wallet on bank", PayoutAccountInput{Name: "A", Currency: "EUR", Rail: sandboxbank.Name, Wallet: ecny.TestWallet}, "kind:rail_account_kind"},
			{"name", PayoutAccountInput{Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000"}, "name:required"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.svc.PutPayoutAccount(f.ctx, "s1", tc.in)
				if got := strings.Join(fields(err), " "); !strings.Contains(got, tc.field) {
					t.Fatalf("fields %q, want %s (%v)", got, tc.field, err)
				}
			})
		}
	})
}

func TestFXProceedsAndECNY(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "cn1", PayoutAccountInput{Name: "义乌明亮玩具", Currency: "CNY", Rail: ecny.Name, Wallet: ecny.TestWallet})
		in := ProceedsInput{SellerID: "cn1", Marketplace: "amazon-de", Reference: "L9", Gross: eur("100.00"), Fee: ptr(eur("5.00"))}
		if _, _, err := f.svc.RecordProceeds(f.ctx, in); !strings.Contains(strings.Join(fields(err), " "), "fx_quote_id:fx_quote_required") {
			t.Fatalf("no quote: %v", err)
		}
		wrong, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "CNY", SellAmount: "100.00"})
		if err != nil {
			t.Fatal(err)
		}
		in.FXQuoteID = wrong.ID
		if _, _, err := f.svc.RecordProceeds(f.ctx, in); !strings.Contains(strings.Join(fields(err), " "), "fx_quote_id:fx_quote_mismatch") {
			t.Fatalf("quote of the gross: %v", err)
		}
		q, err := f.fx.CreateQuote(f.ctx, fx.QuoteRequest{SellCurrency: "EUR", BuyCurrency: "CNY", SellAmount: "95.00"})
		if err != nil {
			t.Fatal(err)
		}
		in.FXQuoteID = q.ID
		p, _, err := f.svc.RecordProceeds(f.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if p.Credited != q.BuyAmount || p.FXRate != q.Rate || p.Net != eur("95.00") {
			t.Fatalf("fx proceeds %+v, quote %+v", p, q)
		}
		// The quote is honoured once.
		in.Reference = "L10"
		if _, _, err := f.svc.RecordProceeds(f.ctx, in); !errors.Is(err, fx.ErrQuoteUsed) {
			t.Fatalf("quote reused: %v", err)
		}
		if posted, _ := f.balance(t, "cn1", "CNY"); posted != q.BuyAmount.Amount {
			t.Fatalf("balance %s, want %s", posted, q.BuyAmount.Amount)
		}
		b, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "e1", Rail: ecny.Name, Currency: "CNY"})
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != BatchCompleted || b.Payouts[0].Status != StatusPaid || b.MessageType != iso20022.MsgPacs008 {
			t.Fatalf("e-CNY batch %+v", b)
		}
		if posted, avail := f.balance(t, "cn1", "CNY"); posted != "0.00" || avail != "0.00" {
			t.Fatalf("after e-CNY payout: %s %s", posted, avail)
		}
		st, err := f.svc.Statement(f.ctx, StatementRequest{SellerID: "cn1", From: time.Now().UTC().AddDate(0, 0, -30).Format(time.DateOnly),
			To: time.Now().UTC().Format(time.DateOnly)})
		if err != nil {
			t.Fatal(err)
		}
		if st.Currency != "CNY" || st.FX != q.BuyAmount || st.Payouts != q.BuyAmount || st.Closing.Amount != "0.00" ||
			st.Opening.Amount != "0.00" || len(st.Lines) != 6 {
			t.Fatalf("statement %+v", st)
		}
		pdf, err := st.PDF()
		if err != nil || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("pdf %v", err)
		}
		sumZero(t, f, "EUR")
		sumZero(t, f, "CNY")
	})
}

func TestStatement(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "S1", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000"})
		f.proceeds(t, "s1", "L1", eur("100.00"), eur("2.00"))
		b, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "k", Rail: sandboxbank.Name, Currency: "EUR"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Refresh(f.ctx, b.ID); err != nil {
			t.Fatal(err)
		}
		f.proceeds(t, "s1", "L2", eur("30.00"), eur("0.30"))
		today := time.Now().UTC().Format(time.DateOnly)
		st, err := f.svc.Statement(f.ctx, StatementRequest{SellerID: "s1", From: today, To: today})
		if err != nil {
			t.Fatal(err)
		}
		if st.Opening != eur("0.00") || st.Proceeds != eur("130.00") || st.Fees != eur("2.30") || st.Payouts != eur("98.00") ||
			st.Closing != eur("29.70") {
			t.Fatalf("statement %+v", st)
		}
		want := []string{LineOpening, LineProceeds, LineFee, LinePayout, LineProceeds, LineFee, LineClosing}
		for i, l := range st.Lines {
			if l.Type != want[i] {
				t.Fatalf("line %d %+v", i, l)
			}
		}
		if st.Lines[3].Balance != eur("0.00") || st.Lines[6].Balance != eur("29.70") {
			t.Fatalf("running balance %+v", st.Lines)
		}
		// A later period opens with the closing balance.
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
		later, err := f.svc.Statement(f.ctx, StatementRequest{SellerID: "s1", From: tomorrow, To: tomorrow})
		if err != nil || later.Opening != eur("29.70") || later.Closing != eur("29.70") || len(later.Lines) != 2 {
			t.Fatalf("later %+v %v", later, err)
		}
		csv, err := st.CSV()
		if err != nil || !bytes.Contains(csv, []byte("s1,")) || bytes.Count(csv, []byte("\n")) != 8 {
			t.Fatalf("csv %v:\n%s", err, csv)
		}
		for name, req := range map[string]StatementRequest{
			"order":  {SellerID: "s1", From: today, To: "2000-01-01"},
			"format": {SellerID: "s1", From: "01/02/2024", To: today},
			"long":   {SellerID: "s1", From: "2020-01-01", To: "2024-01-01"},
		} {
			if _, err := f.svc.Statement(f.ctx, req); len(fields(err)) == 0 {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func ptr(m money.Money) *money.Money { return &m }

func webPage() web.Page { return web.Page{Limit: 50} }

// TestConcurrentBatchesPayOnce: batches started at once for the same
// sellers never pay a balance twice — the second hold finds the funds
// reserved and its whole batch is refused.
func TestConcurrentBatchesPayOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "S1", Currency: "EUR", Rail: sandboxbank.Name, IBAN: "DE89370400440532013000"})
		f.proceeds(t, "s1", "L1", eur("70.00"), eur("0.70"))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			held int64
		)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b, _, err := f.svc.CreateBatch(f.ctx, BatchInput{IdempotencyKey: "c" + string(rune('0'+i)), Rail: sandboxbank.Name, Currency: "EUR"})
				if err != nil {
					if _, ok := problem.As(err); !ok {
						t.Errorf("batch %d: %v", i, err)
					}
					return
				}
				mu.Lock()
				held += minorOf(b.Total)
				mu.Unlock()
			}()
		}
		wg.Wait()
		if held != 6930 {
			t.Fatalf("held %d minor units across batches, want exactly 6930", held)
		}
		if posted, avail := f.balance(t, "s1", "EUR"); posted != "69.30" || avail != "0.00" {
			t.Fatalf("balance %s %s", posted, avail)
		}
	})
}
