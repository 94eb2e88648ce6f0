package iso20022

import (
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
)

func TestParsePain001(t *testing.T) {
	t.Parallel()
	b := Batch{MsgID: "M1", CreatedAt: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC), ExecutionDate: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Initiator: "T", Debtor: Party{Name: "T", IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
		Transactions: []Transaction{
			{EndToEndID: "E1", Amount: money.Money{Amount: "10.50", Currency: "EUR"}, Creditor: Party{Name: "A", IBAN: "GB29NWBK60161331926819"}},
			{EndToEndID: "E2", Amount: money.Money{Amount: "2.00", Currency: "EUR"}, Creditor: Party{Name: "B", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A"}}}}
	msg, err := Pain001(b)
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParsePain001(msg)
	if err != nil || in.Message != MsgPain001 || in.MsgID != "M1" || in.NbOfTxs != 2 || in.CtrlSum != "12.50" ||
		len(in.Transactions) != 2 || in.Transactions[1].Creditor.BIC != "ABNANL2A" || in.Transactions[0].Amount.Amount != "10.50" {
		t.Fatalf("%+v %v", in, err)
	}
	s := string(msg)
	for _, tc := range []struct{ name, from, to, where string }{
		{"ctrl sum", "<CtrlSum>12.50</CtrlSum>", "<CtrlSum>12.51</CtrlSum>", "GrpHdr.CtrlSum"},
		{"count", "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>", "GrpHdr.NbOfTxs"},
		{"iban", "GB29NWBK60161331926819", "GB29NWBK60161331926818", "PmtInf[0].CdtTrfTxInf[0].CdtrAcct.Id.IBAN"},
		{"amount", `>10.50<`, `>10.505<`, "PmtInf[0].CdtTrfTxInf[0].Amt.InstdAmt"},
		{"repeated id", "<EndToEndId>E2</EndToEndId>", "<EndToEndId>E1</EndToEndId>", "PmtInf[0].CdtTrfTxInf[1].PmtId.EndToEndId"},
		{"no msg id", "<MsgId>M1</MsgId>", "<MsgId></MsgId>", "GrpHdr.MsgId"},
	} {
		bad := strings.Replace(s, tc.from, tc.to, 1)
		if bad == s {
			t.Fatalf("%s: %q not in the message", tc.name, tc.from)
		}
		_, err := ParsePain001([]byte(bad))
		pe, ok := err.(*ParseError)
		if !ok || pe.Where != tc.where {
			t.Errorf("%s: %v, want an error at %s", tc.name, err, tc.where)
		}
	}
	if _, err := ParsePain001([]byte(`<Document><FIToFIPmtStsRpt/></Document>`)); err != ErrUnknownMessage {
		t.Fatalf("pacs.002 as pain.001: %v", err)
	}
}
