package iso20022

import (
	"os"
	"testing"
)

// The parsers read files uploaded by tenants: whatever the bytes, they
// must return an error or a result whose every amount is valid in its
// currency, and never panic.
func FuzzParseStatusReport(f *testing.F) {
	for _, p := range []string{"testdata/pacs002.xml", "testdata/pain002.xml"} {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte(`<Document><FIToFIPmtStsRpt><OrgnlGrpInfAndSts><OrgnlMsgId>M</OrgnlMsgId><GrpSts>RJCT</GrpSts>` +
		`</OrgnlGrpInfAndSts><TxInfAndSts><OrgnlEndToEndId>A</OrgnlEndToEndId></TxInfAndSts></FIToFIPmtStsRpt></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseStatusReport(data)
		if err != nil {
			return
		}
		for _, tx := range r.Transactions {
			if tx.EndToEndID == "" || !knownStatus(tx.Status) {
				t.Fatalf("accepted %+v", tx)
			}
			if tx.Amount != nil {
				if _, err := ToMinor(*tx.Amount); err != nil {
					t.Fatalf("accepted amount %+v", tx.Amount)
				}
			}
		}
	})
}

func FuzzParseBankFile(f *testing.F) {
	b, _ := os.ReadFile("testdata/camt054.xml")
	f.Add(b)
	f.Add([]byte(`<Document><BkToCstmrStmt><Stmt><Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry></Stmt></BkToCstmrStmt></Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bf, err := ParseBankFile(data)
		if err != nil {
			return
		}
		for _, e := range bf.Entries {
			if e.Direction != Credit && e.Direction != Debit {
				t.Fatalf("direction %q", e.Direction)
			}
			if _, err := ToMinor(e.Amount); err != nil {
				t.Fatalf("accepted amount %+v", e.Amount)
			}
		}
	})
}

func FuzzCheckIBAN(f *testing.F) {
	f.Add("DE89370400440532013000")
	f.Add("GB29NWBK60161331926819")
	f.Fuzz(func(t *testing.T, s string) {
		if code, _ := CheckIBAN(s); code == "" {
			// A valid IBAN stays valid when rebuilt from its BBAN.
			if IBANCheckDigits(s[:2], s[4:]) != s {
				t.Fatalf("%s valid but check digits differ", s)
			}
		}
	})
}
