package iso20022

import (
	"encoding/xml"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func TestCheckIBAN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, iban, code string
	}{
		{"valid DE", "DE89370400440532013000", ""},
		{"valid GB", "GB29NWBK60161331926819", ""},
		{"valid FR", "FR1420041010050500013M02606", ""},
		{"bad checksum", "DE89370400440532013001", CodeIBANChecksum},
		{"swapped digits", "DE98370400440532013000", CodeIBANChecksum},
		{"wrong length", "DE8937040044053201300", CodeIBANLength},
		{"no IBANs in US", "US12345678901234", CodeIBANCountry},
		{"lower case", "de89370400440532013000", CodeIBANFormat},
		{"punctuation", "DE89-370400440532013000", CodeIBANFormat},
		{"too short", "DE8", CodeIBANFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _ := CheckIBAN(tc.iban); code != tc.code {
				t.Fatalf("CheckIBAN(%s) = %q, want %q", tc.iban, code, tc.code)
			}
		})
	}
	if got := NormalizeIBAN(" de89 3704 0044 0532 0130 00 "); got != "DE89370400440532013000" {
		t.Fatalf("normalize: %s", got)
	}
	if got := IBANCheckDigits("DE", "370400440532013000"); got != "DE89370400440532013000" {
		t.Fatalf("check digits: %s", got)
	}
}

func TestCheckBIC(t *testing.T) {
	t.Parallel()
	for bic, ok := range map[string]bool{"DEUTDEFF": true, "DEUTDEFF500": true, "BKCHCNBJ": true, "DEUTXXFF": false,
		"DEUTDE": false, "deutdeff": false, "DEUTDEFF50": false} {
		if got := CheckBIC(bic) == ""; got != ok {
			t.Errorf("CheckBIC(%s) ok = %v, want %v", bic, got, ok)
		}
	}
}

func TestToMinor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    money.Money
		want int64
		err  bool
	}{
		{money.Money{Amount: "12.5", Currency: "USD"}, 1250, false},
		{money.Money{Amount: "1000", Currency: "JPY"}, 1000, false},
		{money.Money{Amount: "1.234", Currency: "KWD"}, 1234, false},
		{money.Money{Amount: "1.234", Currency: "USD"}, 0, true},
		{money.Money{Amount: "-1", Currency: "USD"}, 0, true},
		{money.Money{Amount: "1", Currency: "XXY"}, 0, true},
		{money.Money{Amount: "99999999999999999999", Currency: "USD"}, 0, true},
	} {
		got, err := ToMinor(tc.m)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ToMinor(%v) = %d, %v", tc.m, got, err)
		}
		if err == nil && FromMinor(got, tc.m.Currency).Amount != mustCheck(t, tc.m).Amount {
			t.Errorf("round trip of %v: %v", tc.m, FromMinor(got, tc.m.Currency))
		}
	}
}

func mustCheck(t *testing.T, m money.Money) money.Money {
	n, code, _ := money.Check(m, false)
	if code != "" {
		t.Fatal(code)
	}
	return n
}

func sampleBatch() Batch {
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	return Batch{MsgID: "PB-0001", CreatedAt: at, ExecutionDate: at, Initiator: "Silkgate",
		Debtor: Party{Name: "Silkgate Payouts", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
		Transactions: []Transaction{
			{EndToEndID: "E2E-1", Amount: money.Money{Amount: "120.50", Currency: "EUR"},
				Creditor: Party{Name: "Yiwu Bright Toys", IBAN: "GB29NWBK60161331926819", BIC: "NWBKGB2L"}, Remittance: "Payout P1"},
			{EndToEndID: "E2E-2", Amount: money.Money{Amount: "0.05", Currency: "EUR"},
				Creditor: Party{Name: "Seller 2", IBAN: "FR1420041010050500013M02606"}},
		}}
}

func TestPain001(t *testing.T) {
	t.Parallel()
	out, err := Pain001(sampleBatch())
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"`,
		"<MsgId>PB-0001</MsgId>", "<CreDtTm>2026-11-29T10:00:00Z</CreDtTm>", "<NbOfTxs>2</NbOfTxs>",
		"<CtrlSum>120.55</CtrlSum>", "<PmtMtd>TRF</PmtMtd>", "<ReqdExctnDt>\n        <Dt>2026-11-29</Dt>",
		"<ChrgBr>SLEV</ChrgBr>", "<EndToEndId>E2E-1</EndToEndId>", `<InstdAmt Ccy="EUR">120.50</InstdAmt>`,
		`<InstdAmt Ccy="EUR">0.05</InstdAmt>`, "<IBAN>GB29NWBK60161331926819</IBAN>", "<BICFI>NWBKGB2L</BICFI>",
		"<Id>NOTPROVIDED</Id>", "<Ustrd>Payout P1</Ustrd>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("pain.001 lacks %q:\n%s", want, s)
		}
	}
	// Schema order: GrpHdr before PmtInf, and in a transaction PmtId,
	// Amt, CdtrAgt, Cdtr, CdtrAcct, RmtInf.
	order := []string{"<GrpHdr>", "<PmtInf>", "<PmtId>", "<Amt>", "<CdtrAgt>", "<Cdtr>", "<CdtrAcct>", "<RmtInf>"}
	last := -1
	for _, o := range order {
		i := strings.Index(s, o)
		if i < last {
			t.Fatalf("%s out of schema order", o)
		}
		last = i
	}
	var any struct{}
	if err := xml.Unmarshal(out, &any); err != nil {
		t.Fatal(err)
	}
}

func TestPacs008(t *testing.T) {
	t.Parallel()
	b := sampleBatch()
	b.Transactions[0].Amount = money.Money{Amount: "1000", Currency: "JPY"}
	b.Transactions[1].Amount = money.Money{Amount: "5", Currency: "JPY"}
	out, err := Pacs008(b)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{`pacs.008.001.08`, "<CtrlSum>1005</CtrlSum>", `<TtlIntrBkSttlmAmt Ccy="JPY">1005</TtlIntrBkSttlmAmt>`,
		"<SttlmMtd>CLRG</SttlmMtd>", "<TxId>E2E-2</TxId>", `<IntrBkSttlmAmt Ccy="JPY">5</IntrBkSttlmAmt>`, "<ChrgBr>SHAR</ChrgBr>",
		"<IntrBkSttlmDt>2026-11-29</IntrBkSttlmDt>"} {
		if !strings.Contains(s, want) {
			t.Errorf("pacs.008 lacks %q:\n%s", want, s)
		}
	}
}

func TestBatchValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*Batch)
		field string
	}{
		{"no msg id", func(b *Batch) { b.MsgID = "" }, "msg_id"},
		{"long msg id", func(b *Batch) { b.MsgID = strings.Repeat("x", 36) }, "msg_id"},
		{"bad iban", func(b *Batch) { b.Transactions[0].Creditor.IBAN = "DE89370400440532013001" }, "transactions[0].creditor.iban"},
		{"bad bic", func(b *Batch) { b.Transactions[0].Creditor.BIC = "NWBK" }, "transactions[0].creditor.bic"},
		{"too precise", func(b *Batch) { b.Transactions[1].Amount.Amount = "0.051" }, "transactions[1].amount"},
		{"zero", func(b *Batch) { b.Transactions[1].Amount.Amount = "0.00" }, "transactions[1].amount"},
		{"negative", func(b *Batch) { b.Transactions[1].Amount.Amount = "-1" }, "transactions[1].amount"},
		{"unknown currency", func(b *Batch) { b.Transactions[1].Amount.Currency = "EUX" }, "transactions[1].amount"},
		{"mixed currency", func(b *Batch) { b.Transactions[1].Amount.Currency = "USD" }, "transactions[1].amount.currency"},
		{"duplicate e2e", func(b *Batch) { b.Transactions[1].EndToEndID = "E2E-1" }, "transactions[1].end_to_end_id"},
		{"no creditor account", func(b *Batch) { b.Transactions[1].Creditor.IBAN = "" }, "transactions[1].creditor.iban"},
		{"empty", func(b *Batch) { b.Transactions = nil }, "transactions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleBatch()
			tc.edit(&b)
			_, err := Pain001(b)
			pe, ok := problem.As(err)
			if !ok {
				t.Fatalf("err %v", err)
			}
			for _, f := range pe.Fields {
				if f.Field == tc.field {
					return
				}
			}
			t.Fatalf("fields %+v lack %s", pe.Fields, tc.field)
		})
	}
}

func TestParseStatusReport(t *testing.T) {
	t.Parallel()
	data, _ := os.ReadFile("testdata/pacs002.xml")
	r, err := ParseStatusReport(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Message != "pacs.002.001.10" || r.OrgnlMsgID != "PB-0001" || r.GroupStatus != StatusPART || len(r.Transactions) != 3 {
		t.Fatalf("%+v", r)
	}
	if tx := r.Transactions[0]; tx.EndToEndID != "E2E-1" || tx.Status != StatusACSC || tx.Amount == nil || tx.Amount.Amount != "120.50" {
		t.Fatalf("tx0 %+v", tx)
	}
	if tx := r.Transactions[1]; tx.Status != StatusRJCT || tx.Reason != "AC04" || tx.Info != "Account closed" {
		t.Fatalf("tx1 %+v", tx)
	}
	if Final(r.Transactions[2].Status) {
		t.Fatal("ACCP is not final")
	}
	data, _ = os.ReadFile("testdata/pain002.xml")
	r, err = ParseStatusReport(data)
	if err != nil {
		t.Fatal(err)
	}
	if r.Message != "pain.002.001.03" || len(r.Transactions) != 1 || r.Transactions[0].Status != StatusRJCT || r.Transactions[0].Reason != "AM04" {
		t.Fatalf("pain.002 %+v", r)
	}
}

func TestPacs002RoundTrip(t *testing.T) {
	t.Parallel()
	amt := money.Money{Amount: "3.10", Currency: "USD"}
	in := []TxStatus{{EndToEndID: "A", Status: StatusACSC, Amount: &amt}, {EndToEndID: "B", Status: StatusRJCT, Reason: "AC01", Info: "wrong account"}}
	out, err := Pacs002("S1", "M1", MsgPain001, time.Now(), in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseStatusReport(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.OrgnlMsgID != "M1" || len(r.Transactions) != 2 || r.Transactions[1].Reason != "AC01" || *r.Transactions[0].Amount != amt {
		t.Fatalf("%+v", r)
	}
}

func TestParseStatusReportErrors(t *testing.T) {
	t.Parallel()
	wrap := func(tx string) []byte {
		return []byte(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"><FIToFIPmtStsRpt><GrpHdr><MsgId>X</MsgId></GrpHdr>` +
			`<OrgnlGrpInfAndSts><OrgnlMsgId>M</OrgnlMsgId></OrgnlGrpInfAndSts>` + tx + `</FIToFIPmtStsRpt></Document>`)
	}
	for name, tc := range map[string]struct {
		data  []byte
		where string
	}{
		"no e2e":         {wrap(`<TxInfAndSts><TxSts>ACSC</TxSts></TxInfAndSts>`), "TxInfAndSts[0].OrgnlEndToEndId"},
		"unknown status": {wrap(`<TxInfAndSts><OrgnlEndToEndId>A</OrgnlEndToEndId><TxSts>OKAY</TxSts></TxInfAndSts>`), "TxInfAndSts[0].TxSts"},
		"no status":      {wrap(`<TxInfAndSts><OrgnlEndToEndId>A</OrgnlEndToEndId></TxInfAndSts>`), "TxInfAndSts[0].TxSts"},
		"bad amount": {wrap(`<TxInfAndSts><OrgnlEndToEndId>A</OrgnlEndToEndId><TxSts>ACSC</TxSts>` +
			`<OrgnlTxRef><IntrBkSttlmAmt Ccy="EUR">1.001</IntrBkSttlmAmt></OrgnlTxRef></TxInfAndSts>`), "TxInfAndSts[0].OrgnlTxRef"},
		"not xml": {[]byte("hello"), ""},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseStatusReport(tc.data)
			var pe *ParseError
			if tc.where == "" {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if !errors.As(err, &pe) || pe.Where != tc.where {
				t.Fatalf("err %v, want at %s", err, tc.where)
			}
		})
	}
	if _, err := ParseStatusReport([]byte(`<Document><BkToCstmrStmt/></Document>`)); !errors.Is(err, ErrUnknownMessage) {
		t.Fatalf("camt as status report: %v", err)
	}
}

func TestParseBankFile(t *testing.T) {
	t.Parallel()
	data, _ := os.ReadFile("testdata/camt054.xml")
	f, err := ParseBankFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Message != "camt.054.001.02" || f.MsgID != "CAMT-1" || len(f.Entries) != 3 {
		t.Fatalf("%+v", f)
	}
	e := f.Entries[0]
	if e.EndToEndID != "E2E-1" || e.Amount.Amount != "120.50" || e.Direction != Debit || e.Status != "BOOK" ||
		e.BookingDate != "2026-11-30" || e.Account != "DE89370400440532013000" || e.Remittance != "Payout" || e.MsgID != "PB-0001" {
		t.Fatalf("entry 0 %+v", e)
	}
	if e := f.Entries[2]; e.Amount.Amount != "1000" || e.Amount.Currency != "JPY" || e.Direction != Credit || e.Status != "BOOK" ||
		e.BookingDate != "2026-11-30" || e.Entry != 1 {
		t.Fatalf("entry 2 %+v", e)
	}
	// A generated camt.054 reads back.
	out, err := Camt054("C2", "DE89370400440532013000", time.Now(), []Notification{{Ref: "R", Direction: Debit, Booked: time.Now(),
		Txs: []NotifiedTx{{"A", money.Money{Amount: "1.10", Currency: "EUR"}}, {"B", money.Money{Amount: "2.20", Currency: "EUR"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `<Amt Ccy="EUR">3.30</Amt>`) {
		t.Fatalf("entry total:\n%s", out)
	}
	g, err := ParseBankFile(out)
	if err != nil || len(g.Entries) != 2 || g.Entries[1].EndToEndID != "B" || g.Entries[1].Amount.Amount != "2.20" {
		t.Fatalf("%+v %v", g, err)
	}
}

func TestParseBankFileErrors(t *testing.T) {
	t.Parallel()
	wrap := func(ntry string) []byte {
		return []byte(`<Document><BkToCstmrStmt><GrpHdr><MsgId>X</MsgId></GrpHdr><Stmt>` + ntry + `</Stmt></BkToCstmrStmt></Document>`)
	}
	for name, tc := range map[string]struct {
		data  []byte
		where string
	}{
		"bad direction":    {wrap(`<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>XX</CdtDbtInd></Ntry>`), "Ntry[0].CdtDbtInd"},
		"unknown currency": {wrap(`<Ntry><Amt Ccy="EUX">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>`), "Ntry[0].Amt"},
		"too precise":      {wrap(`<Ntry><Amt Ccy="JPY">1.5</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>`), "Ntry[0].Amt"},
		"negative":         {wrap(`<Ntry><Amt Ccy="EUR">-1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>`), "Ntry[0].Amt"},
		"tx amount": {wrap(`<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><NtryDtls><TxDtls><Amt Ccy="EUR">x</Amt></TxDtls>` +
			`</NtryDtls></Ntry>`), "Ntry[0].TxDtls[0].Amt"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseBankFile(tc.data)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Where != tc.where {
				t.Fatalf("err %v, want at %s", err, tc.where)
			}
		})
	}
	f, err := ParseBankFile(wrap(`<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>`))
	if err != nil || f.Message != "camt.053" {
		t.Fatalf("camt.053 without namespace: %+v %v", f, err)
	}
}
