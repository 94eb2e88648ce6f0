package payouts

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// credit is one entry of a hand-written camt.054.
type credit struct {
	dir, status, amount, e2e, remittance, bankRef string
}

func camt054(msgID string, cs ...credit) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>%s</MsgId><CreDtTm>2024-02-01T12:00:00Z</CreDtTm></GrpHdr>
<Ntfctn><Id>%s</Id><CreDtTm>2024-02-01T12:00:00Z</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>`, msgID, msgID)
	for i, c := range cs {
		ref := ""
		if c.bankRef != "" {
			ref = "<AcctSvcrRef>" + c.bankRef + "</AcctSvcrRef>"
		}
		rmt := ""
		if c.remittance != "" {
			rmt = "<RmtInf><Ustrd>" + c.remittance + "</Ustrd></RmtInf>"
		}
		fmt.Fprintf(&b, `<Ntry><NtryRef>N%d</NtryRef><Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts><Cd>%s</Cd></Sts>
<BookgDt><Dt>2024-02-01</Dt></BookgDt>%s<NtryDtls><TxDtls><Refs><EndToEndId>%s</EndToEndId></Refs>
<Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd>%s</TxDtls></NtryDtls></Ntry>`,
			i, c.amount, c.dir, c.status, ref, c.e2e, c.amount, c.dir, rmt)
	}
	b.WriteString(`</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`)
	return []byte(b.String())
}

// posted returns the posted balance of the ledger account (code, EUR).
func (f *fixture) posted(t *testing.T, code string) string {
	t.Helper()
	id, err := f.svc.findAccount(f.ctx, code, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	if id == "" {
		return "none"
	}
	a, err := f.ledger.GetAccount(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Balance.Posted.Amount
}

// checkBank compares the posted balances of a clearing account, bank:cash
// and bank:suspense (EUR) with what is expected, and checks the ledger.
func (f *fixture) checkBank(t *testing.T, when, clearing, clear, cash, suspense string) {
	t.Helper()
	for code, want := range map[string]string{clearing: clear, BankCashCode: cash, SuspenseCode: suspense} {
		if got := f.posted(t, code); got != want {
			t.Errorf("%s: %s %s, want %s", when, code, got, want)
		}
	}
	sumZero(t, f, "EUR")
	if ms, err := f.ledger.Verify(f.ctx); err != nil || len(ms) != 0 {
		t.Errorf("%s: verify %+v %v", when, ms, err)
	}
}

func problemCode(err error) (int, string) {
	pe, ok := problem.As(err)
	if !ok {
		return 0, fmt.Sprint(err)
	}
	code := pe.Code
	for _, f := range pe.Fields {
		code += " " + f.Field + ":" + f.Code
	}
	return pe.Status, code
}

// TestBankCreditsClearProceeds: booked credits that name booked proceeds
// (by end-to-end id or remittance) for their exact gross clear the
// marketplace's clearing account into bank:cash; the rest lands in
// bank:suspense for matching by hand; the same file twice books nothing
// new; the ledger stays balanced throughout.
func TestBankCreditsClearProceeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "Yiwu Bright Toys", Currency: "EUR", Rail: sandboxbank.Name,
			IBAN: "GB29 NWBK 6016 1331 9268 19", BIC: "NWBKGB2L"})
		pA := f.proceeds(t, "s1", "L1", eur("100.00"), eur("3.50"))
		pB := f.proceeds(t, "s1", "L2", eur("50.00"), eur("0"))
		f.proceeds(t, "s1", "L3", eur("20.00"), eur("0"))
		pD := f.proceeds(t, "s1", "L4", eur("7.00"), eur("0"))
		clearing := clearingCode("amazon-de")
		if got := f.posted(t, clearing); got != "-177.00" {
			t.Fatalf("clearing before %s", got)
		}
		file := camt054("CAMT-1",
			credit{"CRDT", "BOOK", "100.00", "L1", "", "BR-1"},
			credit{"CRDT", "BOOK", "50.00", "NOTPROVIDED", "Settlement L2 February", "BR-2"},
			credit{"CRDT", "BOOK", "25.00", "L3", "", "BR-3"},
			credit{"CRDT", "BOOK", "7.00", "X-UNKNOWN", "", ""},
			credit{"CRDT", "PDNG", "5.00", "L4", "", "BR-5"},
			credit{"CRDT", "BOOK", "9.00", "", "", "BR-6"},
		)
		r, err := f.svc.Reconcile(f.ctx, "camt-1.xml", file)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct{ result, proceeds, reason string }{
			{ReconCleared, pA.ID, ""},
			{ReconCleared, pB.ID, ""},
			{ReconSuspense, "", SuspenseAmount},
			{ReconSuspense, "", SuspenseNoMatch},
			{ReconUnmatched, "", ""}, // pending: not money yet
			{ReconSuspense, "", SuspenseNoMatch},
		}
		if len(r.Entries) != len(want) {
			t.Fatalf("entries %+v", r.Entries)
		}
		for i, w := range want {
			e := r.Entries[i]
			if e.Result != w.result || e.ProceedsID != w.proceeds || e.Reason != w.reason || (w.result != ReconUnmatched) != (e.BankCreditID != "") {
				t.Errorf("entry %d: %+v, want %+v", i, e, w)
			}
		}
		if r.Matched != 2 || r.Unmatched != 4 {
			t.Errorf("counts %d matched %d unmatched", r.Matched, r.Unmatched)
		}
		check := func(when, clear, cash, suspense string) {
			t.Helper()
			f.checkBank(t, when, clearing, clear, cash, suspense)
		}
		check("first file", "-27.00", "-191.00", "41.00")
		// The same file again books nothing new.
		r2, err := f.svc.Reconcile(f.ctx, "camt-1.xml", file)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range r2.Entries {
			if i != 4 && (e.Result != ReconAlreadyBooked || e.BankCreditID != r.Entries[i].BankCreditID) {
				t.Errorf("repeat entry %d: %+v", i, e)
			}
		}
		check("repeat", "-27.00", "-191.00", "41.00")
		all, err := f.svc.ListBankCredits(f.ctx, "", webPage())
		if err != nil || len(all.Items) != 5 {
			t.Fatalf("credits %+v %v", all, err)
		}
		sus, err := f.svc.ListBankCredits(f.ctx, CreditSuspense, webPage())
		if err != nil || len(sus.Items) != 3 {
			t.Fatalf("suspense %+v %v", sus, err)
		}
		if _, err := f.svc.ListBankCredits(f.ctx, "nope", webPage()); err == nil {
			t.Error("bad status accepted")
		}
		// Matching by hand.
		c7 := r.Entries[3].BankCreditID
		for _, tc := range []struct {
			name, credit, proceeds string
			status                 int
			code                   string
		}{
			{"required", c7, "", 422, "proceeds_id:required"},
			{"unknown proceeds", c7, "spr_nope", 422, "proceeds_id:not_found"},
			{"other amount", c7, pA.ID, 422, "proceeds_id:amount_mismatch"},
			{"cleared credit", r.Entries[0].BankCreditID, pD.ID, 409, "bank_credit_not_in_suspense"},
		} {
			_, err := f.svc.MatchBankCredit(f.ctx, tc.credit, MatchInput{ProceedsID: tc.proceeds})
			if st, code := problemCode(err); st != tc.status || !strings.Contains(code, tc.code) {
				t.Errorf("%s: %d %s", tc.name, st, code)
			}
		}
		m, err := f.svc.MatchBankCredit(f.ctx, c7, MatchInput{ProceedsID: pD.ID})
		if err != nil || m.Status != CreditCleared || m.ProceedsID != pD.ID || m.MatchEntryID == "" {
			t.Fatalf("match %+v %v", m, err)
		}
		check("matched by hand", "-20.00", "-191.00", "34.00")
		if _, err := f.svc.MatchBankCredit(f.ctx, c7, MatchInput{ProceedsID: pD.ID}); err == nil {
			t.Error("matched twice")
		}
		// A second credit for proceeds already cleared goes to suspense,
		// and cannot be matched to them by hand.
		r3, err := f.svc.Reconcile(f.ctx, "camt-2.xml", camt054("CAMT-2", credit{"CRDT", "BOOK", "100.00", "L1", "", "BR-9"}))
		if err != nil || r3.Entries[0].Result != ReconSuspense {
			t.Fatalf("second credit %+v %v", r3, err)
		}
		_, err = f.svc.MatchBankCredit(f.ctx, r3.Entries[0].BankCreditID, MatchInput{ProceedsID: pA.ID})
		if st, code := problemCode(err); st != http.StatusConflict || !strings.Contains(code, "proceeds_already_cleared") {
			t.Errorf("double clearing: %d %s", st, code)
		}
		check("second file", "-20.00", "-291.00", "134.00")
		got, err := f.svc.GetBankCredit(f.ctx, c7)
		if err != nil || got.Status != CreditCleared || got.Reason != SuspenseNoMatch || got.Amount != eur("7.00") {
			t.Errorf("get %+v %v", got, err)
		}
		if e, err := f.ledger.GetEntry(f.ctx, got.EntryID); err != nil || len(e.Postings) != 2 {
			t.Errorf("entry %+v %v", e, err)
		}
		if !strings.Contains(strings.Join(f.rec.actions, " "), "settlement.bank_credit.match") {
			t.Errorf("not audited: %v", f.rec.actions)
		}
	})
}

// TestBankCreditPaysSeveralProceeds: one transfer that names several
// proceeds lines whose gross adds up to it clears them all in one entry;
// one that names lines adding up to something else waits in suspense,
// and is then matched by hand to the lines it paid. A line is cleared
// once, and a hand match must add up.
func TestBankCreditPaysSeveralProceeds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.account(t, "s1", PayoutAccountInput{Name: "Yiwu Bright Toys", Currency: "EUR", Rail: sandboxbank.Name,
			IBAN: "GB29 NWBK 6016 1331 9268 19", BIC: "NWBKGB2L"})
		p9 := f.proceeds(t, "s1", "SETT-9", eur("60.00"), eur("2.00"))
		p10 := f.proceeds(t, "s1", "SETT-10", eur("30.00"), eur("0"))
		p11 := f.proceeds(t, "s1", "SETT-11", eur("30.00"), eur("0"))
		p12 := f.proceeds(t, "s1", "SETT-12", eur("45.00"), eur("0"))
		p13 := f.proceeds(t, "s1", "SETT-13", eur("10.00"), eur("0"))
		clearing := clearingCode("amazon-de")
		file := camt054("CAMT-M",
			credit{"CRDT", "BOOK", "90.00", "NOTPROVIDED", "Amazon settlements SETT-9, SETT-10", "BR-1"},
			credit{"CRDT", "BOOK", "70.00", "NOTPROVIDED", "SETT-11 SETT-12", "BR-2"},
			credit{"CRDT", "BOOK", "75.00", "PAY-77", "", "BR-3"},
		)
		r, err := f.svc.Reconcile(f.ctx, "camt-m.xml", file)
		if err != nil {
			t.Fatal(err)
		}
		e0 := r.Entries[0]
		if e0.Result != ReconCleared || e0.ProceedsID != "" || strings.Join(e0.ProceedsIDs, ",") != p9.ID+","+p10.ID ||
			e0.Expected == nil || *e0.Expected != eur("90.00") {
			t.Fatalf("credit for two lines: %+v", e0)
		}
		if e := r.Entries[1]; e.Result != ReconSuspense || e.Reason != SuspenseAmount || len(e.ProceedsIDs) != 0 {
			t.Errorf("credit for lines adding up to more: %+v", e)
		}
		if e := r.Entries[2]; e.Result != ReconSuspense || e.Reason != SuspenseNoMatch {
			t.Errorf("unnamed credit: %+v", e)
		}
		check := func(when, clear, cash, suspense string) {
			t.Helper()
			f.checkBank(t, when, clearing, clear, cash, suspense)
		}
		check("file", "-85.00", "-235.00", "145.00")
		got, err := f.svc.GetBankCredit(f.ctx, e0.BankCreditID)
		if err != nil || len(got.ProceedsIDs) != 2 {
			t.Fatalf("get %+v %v", got, err)
		}
		if e, err := f.ledger.GetEntry(f.ctx, got.EntryID); err != nil || len(e.Postings) != 2 {
			t.Errorf("one clearing posting for one marketplace: %+v %v", e, err)
		}

		// By hand: the 75.00 credit paid SETT-11 and SETT-12.
		c75 := r.Entries[2].BankCreditID
		for _, tc := range []struct {
			name string
			in   MatchInput
			st   int
			code string
		}{
			{"not adding up", MatchInput{ProceedsIDs: []string{p11.ID, p12.ID, p13.ID, p12.ID}}, 422, "proceeds_ids:amount_mismatch"},
			{"too few", MatchInput{ProceedsIDs: []string{p12.ID}}, 422, "proceeds_id:amount_mismatch"},
			{"a cleared line", MatchInput{ProceedsID: p10.ID, ProceedsIDs: []string{p12.ID}}, 409, "proceeds_already_cleared"},
			{"an unknown line", MatchInput{ProceedsIDs: []string{p11.ID, "spr_nope"}}, 422, "proceeds_ids:not_found"},
		} {
			_, err := f.svc.MatchBankCredit(f.ctx, c75, tc.in)
			if st, code := problemCode(err); st != tc.st || !strings.Contains(code, tc.code) {
				t.Errorf("%s: %d %s", tc.name, st, code)
			}
		}
		m, err := f.svc.MatchBankCredit(f.ctx, c75, MatchInput{ProceedsIDs: []string{p11.ID, p12.ID}})
		if err != nil || m.Status != CreditCleared || m.ProceedsID != "" || len(m.ProceedsIDs) != 2 {
			t.Fatalf("match two lines %+v %v", m, err)
		}
		check("matched by hand", "-10.00", "-235.00", "70.00")
		// Lines that add up to the 70.00 credit, but two are cleared.
		_, err = f.svc.MatchBankCredit(f.ctx, r.Entries[1].BankCreditID, MatchInput{ProceedsIDs: []string{p11.ID, p10.ID, p13.ID}})
		if st, code := problemCode(err); st != http.StatusConflict || !strings.Contains(code, "proceeds_already_cleared") {
			t.Errorf("double clearing: %d %s", st, code)
		}
		// The file again: nothing new, and the report names the lines.
		r2, err := f.svc.Reconcile(f.ctx, "camt-m.xml", file)
		if err != nil {
			t.Fatal(err)
		}
		if e := r2.Entries[0]; e.Result != ReconAlreadyBooked || len(e.ProceedsIDs) != 2 {
			t.Errorf("repeat: %+v", e)
		}
		check("repeat", "-10.00", "-235.00", "70.00")
	})
}
