package iso20022

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Initiation is a parsed pain.001: what a credit transfer file asks the
// debtor's bank to pay. A bank-file rail reads back the file it offers
// for download with it, so that a file the bank would refuse is never
// handed out.
type Initiation struct {
	Message       string
	MsgID         string
	CreatedAt     time.Time
	NbOfTxs       int
	CtrlSum       string
	ExecutionDate string
	Debtor        Party
	Transactions  []Transaction
}

type pain001In struct {
	GrpHdr struct {
		MsgID   string `xml:"MsgId"`
		CreDtTm string `xml:"CreDtTm"`
		NbOfTxs string `xml:"NbOfTxs"`
		CtrlSum string `xml:"CtrlSum"`
	} `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf []struct {
		PmtInfID    string `xml:"PmtInfId"`
		ReqdExctnDt string `xml:"ReqdExctnDt>Dt"`
		Dbtr        struct {
			Nm string `xml:"Nm"`
		} `xml:"Dbtr"`
		DbtrAcct struct {
			IBAN string `xml:"Id>IBAN"`
			Othr string `xml:"Id>Othr>Id"`
		} `xml:"DbtrAcct"`
		DbtrAgt string `xml:"DbtrAgt>FinInstnId>BICFI"`
		Txs     []struct {
			EndToEndID string  `xml:"PmtId>EndToEndId"`
			InstrID    string  `xml:"PmtId>InstrId"`
			Amt        *rawAmt `xml:"Amt>InstdAmt"`
			CdtrAgt    string  `xml:"CdtrAgt>FinInstnId>BICFI"`
			Cdtr       struct {
				Nm   string `xml:"Nm"`
				Ctry string `xml:"PstlAdr>Ctry"`
			} `xml:"Cdtr"`
			CdtrAcct struct {
				IBAN   string `xml:"Id>IBAN"`
				Othr   string `xml:"Id>Othr>Id"`
				Scheme string `xml:"Id>Othr>SchmeNm>Prtry"`
			} `xml:"CdtrAcct"`
			Ustrd string `xml:"RmtInf>Ustrd"`
		} `xml:"CdtTrfTxInf"`
	} `xml:"CstmrCdtTrfInitn>PmtInf"`
}

// ParsePain001 reads a pain.001 (CstmrCdtTrfInitn) of any version and
// checks what a bank checks on receipt: a message id, every transaction's
// EndToEndId (unique), amount in its currency's minor units and one
// currency per file, IBANs (mod-97) and BICs, and that NbOfTxs and
// CtrlSum agree with the transactions. Errors name the element at fault.
func ParsePain001(data []byte) (Initiation, error) {
	if len(data) > MaxFileBytes {
		return Initiation{}, &ParseError{Reason: "file too large"}
	}
	root, ns, err := rootName(data)
	if err != nil {
		return Initiation{}, err
	}
	if root != "CstmrCdtTrfInitn" {
		return Initiation{}, ErrUnknownMessage
	}
	var doc pain001In
	if err := decodeStrict(data, &doc); err != nil {
		return Initiation{}, err
	}
	in := Initiation{Message: msgName(ns, "pain.001"), MsgID: strings.TrimSpace(doc.GrpHdr.MsgID),
		CtrlSum: strings.TrimSpace(doc.GrpHdr.CtrlSum)}
	if in.MsgID == "" {
		return Initiation{}, &ParseError{Where: "GrpHdr.MsgId", Reason: "missing"}
	}
	if in.CreatedAt, err = time.Parse(time.RFC3339, strings.TrimSpace(doc.GrpHdr.CreDtTm)); err != nil {
		return Initiation{}, &ParseError{Where: "GrpHdr.CreDtTm", Reason: "not an ISO date and time"}
	}
	if in.NbOfTxs, err = strconv.Atoi(strings.TrimSpace(doc.GrpHdr.NbOfTxs)); err != nil {
		return Initiation{}, &ParseError{Where: "GrpHdr.NbOfTxs", Reason: "not a number"}
	}
	if len(doc.PmtInf) == 0 {
		return Initiation{}, &ParseError{Where: "PmtInf", Reason: "missing"}
	}
	var (
		sum  int64
		ccy  string
		seen = map[string]bool{}
	)
	for i, p := range doc.PmtInf {
		pw := fmt.Sprintf("PmtInf[%d]", i)
		d := Party{Name: strings.TrimSpace(p.Dbtr.Nm), IBAN: strings.TrimSpace(p.DbtrAcct.IBAN),
			Other: strings.TrimSpace(p.DbtrAcct.Othr), BIC: strings.TrimSpace(p.DbtrAgt)}
		if err := checkAccount(pw+".DbtrAcct", pw+".DbtrAgt", d); err != nil {
			return Initiation{}, err
		}
		if i == 0 {
			in.Debtor, in.ExecutionDate = d, strings.TrimSpace(p.ReqdExctnDt)
		}
		if _, err := time.Parse(time.DateOnly, strings.TrimSpace(p.ReqdExctnDt)); err != nil {
			return Initiation{}, &ParseError{Where: pw + ".ReqdExctnDt.Dt", Reason: "not an ISO date"}
		}
		for j, t := range p.Txs {
			w := fmt.Sprintf("%s.CdtTrfTxInf[%d]", pw, j)
			if len(in.Transactions) >= MaxTxs {
				return Initiation{}, &ParseError{Where: w, Reason: "too many transactions"}
			}
			tx := Transaction{EndToEndID: strings.TrimSpace(t.EndToEndID), InstrID: strings.TrimSpace(t.InstrID),
				Remittance: strings.TrimSpace(t.Ustrd), Creditor: Party{Name: strings.TrimSpace(t.Cdtr.Nm),
					Country: strings.TrimSpace(t.Cdtr.Ctry), IBAN: strings.TrimSpace(t.CdtrAcct.IBAN),
					Other: strings.TrimSpace(t.CdtrAcct.Othr), Scheme: strings.TrimSpace(t.CdtrAcct.Scheme),
					BIC: strings.TrimSpace(t.CdtrAgt)}}
			switch {
			case tx.EndToEndID == "":
				return Initiation{}, &ParseError{Where: w + ".PmtId.EndToEndId", Reason: "missing"}
			case seen[tx.EndToEndID]:
				return Initiation{}, &ParseError{Where: w + ".PmtId.EndToEndId", Reason: "repeated " + quote(tx.EndToEndID)}
			case t.Amt == nil:
				return Initiation{}, &ParseError{Where: w + ".Amt.InstdAmt", Reason: "missing"}
			case tx.Creditor.Name == "":
				return Initiation{}, &ParseError{Where: w + ".Cdtr.Nm", Reason: "missing"}
			}
			seen[tx.EndToEndID] = true
			if tx.Amount, err = parseAmount(t.Amt); err != nil {
				return Initiation{}, &ParseError{Where: w + ".Amt.InstdAmt", Reason: err.Error()}
			}
			if ccy == "" {
				ccy = tx.Amount.Currency
			} else if tx.Amount.Currency != ccy {
				return Initiation{}, &ParseError{Where: w + ".Amt.InstdAmt", Reason: "currency " + tx.Amount.Currency + " in a file of " + ccy}
			}
			if err := checkAccount(w+".CdtrAcct", w+".CdtrAgt", tx.Creditor); err != nil {
				return Initiation{}, err
			}
			n, _ := ToMinor(tx.Amount)
			sum += n
			in.Transactions = append(in.Transactions, tx)
		}
	}
	if in.NbOfTxs != len(in.Transactions) {
		return Initiation{}, &ParseError{Where: "GrpHdr.NbOfTxs", Reason: fmt.Sprintf("%d, but the file has %d transactions",
			in.NbOfTxs, len(in.Transactions))}
	}
	if ccy != "" {
		got, err := parseAmount(&rawAmt{Ccy: ccy, Value: in.CtrlSum})
		n, _ := ToMinor(got)
		if err != nil || n != sum {
			return Initiation{}, &ParseError{Where: "GrpHdr.CtrlSum", Reason: fmt.Sprintf("%s, but the transactions add up to %s",
				quote(in.CtrlSum), FromMinor(sum, ccy).Amount)}
		}
	}
	return in, nil
}

// checkAccount validates an account (IBAN or other id) and its agent's
// BIC, naming acct or agt when at fault.
func checkAccount(acct, agt string, p Party) error {
	switch {
	case p.IBAN != "":
		if code, _ := CheckIBAN(p.IBAN); code != "" {
			return &ParseError{Where: acct + ".Id.IBAN", Reason: code}
		}
	case p.Other == "":
		return &ParseError{Where: acct + ".Id", Reason: "missing"}
	}
	if p.BIC != "" {
		if code := CheckBIC(p.BIC); code != "" {
			return &ParseError{Where: agt + ".FinInstnId.BICFI", Reason: code}
		}
	}
	return nil
}
