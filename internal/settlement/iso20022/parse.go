package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// Transaction statuses of a status report (ISO 20022 ExternalPaymentTransactionStatus1Code).
const (
	StatusACSC = "ACSC" // settlement completed on the creditor's account
	StatusACCC = "ACCC" // accepted, credited to the creditor
	StatusACSP = "ACSP" // accepted, settlement in process
	StatusACCP = "ACCP" // accepted after customer profile checks
	StatusACTC = "ACTC" // accepted after technical validation
	StatusPDNG = "PDNG" // pending
	StatusRJCT = "RJCT" // rejected
	StatusPART = "PART" // partially accepted (group level)
	StatusCANC = "CANC" // cancelled
)

// Final reports whether status settles or refuses a transaction for good.
func Final(status string) bool {
	switch status {
	case StatusACSC, StatusACCC, StatusRJCT, StatusCANC:
		return true
	}
	return false
}

// Settled reports whether status says the money reached the creditor.
func Settled(status string) bool { return status == StatusACSC || status == StatusACCC }

// Limits on parsed files.
const (
	MaxFileBytes = 32 << 20
	maxEntries   = 100000
)

// ParseError is a file that cannot be read as the message it claims to be.
type ParseError struct {
	// Where names the element at fault ("TxInfAndSts[3].OrgnlEndToEndId").
	Where  string
	Reason string
}

func (e *ParseError) Error() string {
	if e.Where == "" {
		return "iso20022: " + e.Reason
	}
	return "iso20022: " + e.Where + ": " + e.Reason
}

// ErrUnknownMessage is returned for XML that is none of the parsed messages.
var ErrUnknownMessage = errors.New("iso20022: not a pacs.002, pain.002, camt.053 or camt.054 document")

// TxStatus is one transaction's status from a report.
type TxStatus struct {
	EndToEndID string `json:"end_to_end_id"`
	InstrID    string `json:"instr_id,omitempty"`
	Status     string `json:"status"`
	// Reason is the ISO 20022 status reason code (AC04, AM04, …) of a
	// rejection, when given.
	Reason string `json:"reason,omitempty"`
	Info   string `json:"info,omitempty"`
	// Amount is the original amount when the report repeats it.
	Amount *money.Money `json:"amount,omitempty"`
}

// StatusReport is a parsed pacs.002 or pain.002.
type StatusReport struct {
	Message      string     `json:"message"`
	MsgID        string     `json:"msg_id"`
	OrgnlMsgID   string     `json:"original_msg_id"`
	GroupStatus  string     `json:"group_status,omitempty"`
	GroupReason  string     `json:"group_reason,omitempty"`
	Transactions []TxStatus `json:"transactions"`
}

type rsnXML struct {
	Cd       string   `xml:"Rsn>Cd"`
	Prtry    string   `xml:"Rsn>Prtry"`
	AddtlInf []string `xml:"AddtlInf"`
}

type txStsXML struct {
	OrgnlInstrID    string   `xml:"OrgnlInstrId"`
	OrgnlEndToEndID string   `xml:"OrgnlEndToEndId"`
	TxSts           string   `xml:"TxSts"`
	StsRsnInf       []rsnXML `xml:"StsRsnInf"`
	Amt             *rawAmt  `xml:"OrgnlTxRef>IntrBkSttlmAmt"`
	InstdAmt        *rawAmt  `xml:"OrgnlTxRef>Amt>InstdAmt"`
}

type rawAmt struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type grpStsXML struct {
	OrgnlMsgID string   `xml:"OrgnlMsgId"`
	GrpSts     string   `xml:"GrpSts"`
	StsRsnInf  []rsnXML `xml:"StsRsnInf"`
}

type stsRptXML struct {
	MsgID  string     `xml:"GrpHdr>MsgId"`
	Grp    grpStsXML  `xml:"OrgnlGrpInfAndSts"`
	Txs    []txStsXML `xml:"TxInfAndSts"`
	PmtInf []struct {
		Sts string     `xml:"PmtInfSts"`
		Rsn []rsnXML   `xml:"StsRsnInf"`
		Txs []txStsXML `xml:"TxInfAndSts"`
	} `xml:"OrgnlPmtInfAndSts"`
}

// rootName returns the local name of the Document's first child and the
// namespace of the Document.
func rootName(data []byte) (string, string, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	ns := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", "", ErrUnknownMessage
		}
		if err != nil {
			return "", "", &ParseError{Reason: err.Error()}
		}
		if se, ok := tok.(xml.StartElement); ok {
			depth++
			if depth == 1 {
				if se.Name.Local != "Document" {
					return "", "", ErrUnknownMessage
				}
				ns = se.Name.Space
				continue
			}
			return se.Name.Local, ns, nil
		}
	}
}

func msgName(ns, fallback string) string {
	if i := strings.LastIndex(ns, ":"); i >= 0 && strings.Count(ns[i+1:], ".") == 3 {
		return ns[i+1:]
	}
	return fallback
}

func decodeStrict(data []byte, v any) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	// Entities beyond XML's five are refused, and no DTD is read: a
	// bank file has neither.
	dec.Strict = true
	if err := dec.Decode(v); err != nil {
		return &ParseError{Reason: err.Error()}
	}
	return nil
}

func reason(rs []rsnXML) (string, string) {
	for _, r := range rs {
		code := strings.TrimSpace(r.Cd)
		if code == "" {
			code = strings.TrimSpace(r.Prtry)
		}
		return code, strings.TrimSpace(strings.Join(r.AddtlInf, " "))
	}
	return "", ""
}

// ParseStatusReport reads a pacs.002 (FIToFIPmtStsRpt) or pain.002
// (CstmrPmtStsRpt) of any version. Every transaction must name its
// EndToEndId and carry a known status; a transaction without a status
// takes its payment information block's or group's.
func ParseStatusReport(data []byte) (StatusReport, error) {
	if len(data) > MaxFileBytes {
		return StatusReport{}, &ParseError{Reason: "file too large"}
	}
	root, ns, err := rootName(data)
	if err != nil {
		return StatusReport{}, err
	}
	var doc struct {
		FI   *stsRptXML `xml:"FIToFIPmtStsRpt"`
		Cstm *stsRptXML `xml:"CstmrPmtStsRpt"`
	}
	var r StatusReport
	switch root {
	case "FIToFIPmtStsRpt":
		r.Message = msgName(ns, "pacs.002")
	case "CstmrPmtStsRpt":
		r.Message = msgName(ns, "pain.002")
	default:
		return StatusReport{}, ErrUnknownMessage
	}
	if err := decodeStrict(data, &doc); err != nil {
		return StatusReport{}, err
	}
	rpt := doc.FI
	if rpt == nil {
		rpt = doc.Cstm
	}
	if rpt == nil {
		return StatusReport{}, ErrUnknownMessage
	}
	r.MsgID, r.OrgnlMsgID = strings.TrimSpace(rpt.MsgID), strings.TrimSpace(rpt.Grp.OrgnlMsgID)
	r.GroupStatus = strings.TrimSpace(rpt.Grp.GrpSts)
	r.GroupReason, _ = reason(rpt.Grp.StsRsnInf)
	if r.OrgnlMsgID == "" {
		return StatusReport{}, &ParseError{Where: "OrgnlGrpInfAndSts.OrgnlMsgId", Reason: "missing"}
	}
	if r.GroupStatus != "" && !knownStatus(r.GroupStatus) {
		return StatusReport{}, &ParseError{Where: "OrgnlGrpInfAndSts.GrpSts", Reason: "unknown status " + quote(r.GroupStatus)}
	}
	type block struct {
		sts, rsn string
		txs      []txStsXML
	}
	blocks := []block{{txs: rpt.Txs}}
	for _, p := range rpt.PmtInf {
		code, _ := reason(p.Rsn)
		blocks = append(blocks, block{sts: strings.TrimSpace(p.Sts), rsn: code, txs: p.Txs})
	}
	r.Transactions = []TxStatus{}
	n := 0
	for _, b := range blocks {
		for _, t := range b.txs {
			where := fmt.Sprintf("TxInfAndSts[%d]", n)
			n++
			if n > maxEntries {
				return StatusReport{}, &ParseError{Where: where, Reason: "too many transactions"}
			}
			ts := TxStatus{EndToEndID: strings.TrimSpace(t.OrgnlEndToEndID), InstrID: strings.TrimSpace(t.OrgnlInstrID),
				Status: strings.TrimSpace(t.TxSts)}
			ts.Reason, ts.Info = reason(t.StsRsnInf)
			if ts.Status == "" {
				ts.Status = b.sts
				if ts.Reason == "" {
					ts.Reason = b.rsn
				}
			}
			if ts.Status == "" {
				ts.Status = r.GroupStatus
				if ts.Reason == "" {
					ts.Reason = r.GroupReason
				}
			}
			if ts.EndToEndID == "" {
				return StatusReport{}, &ParseError{Where: where + ".OrgnlEndToEndId", Reason: "missing"}
			}
			if !knownStatus(ts.Status) {
				return StatusReport{}, &ParseError{Where: where + ".TxSts", Reason: "unknown status " + quote(ts.Status)}
			}
			amt := t.Amt
			if amt == nil {
				amt = t.InstdAmt
			}
			if amt != nil {
				m, err := parseAmount(amt)
				if err != nil {
					return StatusReport{}, &ParseError{Where: where + ".OrgnlTxRef", Reason: err.Error()}
				}
				ts.Amount = &m
			}
			r.Transactions = append(r.Transactions, ts)
		}
	}
	return r, nil
}

func knownStatus(s string) bool {
	switch s {
	case StatusACSC, StatusACCC, StatusACSP, StatusACCP, StatusACTC, StatusPDNG, StatusRJCT, StatusPART, StatusCANC,
		"ACWC", "ACFC", "ACWP", "RCVD", "ACIS":
		return true
	}
	return false
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func parseAmount(a *rawAmt) (money.Money, error) {
	m := money.Money{Amount: strings.TrimSpace(a.Value), Currency: strings.TrimSpace(a.Ccy)}
	n, code, _ := money.Check(m, false)
	switch code {
	case "":
	case money.CodeCurrency:
		return money.Money{}, fmt.Errorf("unknown currency %s", quote(m.Currency))
	case money.CodePrecision:
		return money.Money{}, fmt.Errorf("amount %s has more decimals than %s allows", quote(m.Amount), m.Currency)
	default:
		return money.Money{}, fmt.Errorf("invalid amount %s", quote(m.Amount))
	}
	if _, err := ToMinor(n); err != nil {
		return money.Money{}, fmt.Errorf("amount %s out of range", quote(m.Amount))
	}
	return n, nil
}

// Credit/debit indicators of a bank entry.
const (
	Credit = "CRDT"
	Debit  = "DBIT"
)

// BankEntry is one transaction of a camt.053/camt.054 file: an entry's
// transaction detail, or the entry itself when it has none.
type BankEntry struct {
	// Entry is the position of the entry in the file, from 0.
	Entry      int         `json:"entry"`
	Account    string      `json:"account,omitempty"`
	EntryRef   string      `json:"entry_ref,omitempty"`
	EndToEndID string      `json:"end_to_end_id,omitempty"`
	MsgID      string      `json:"msg_id,omitempty"`
	Amount     money.Money `json:"amount"`
	// Direction is CRDT (money in) or DBIT (money out) of the account.
	Direction string `json:"direction"`
	// Status is BOOK (booked), PDNG (pending) or INFO.
	Status      string `json:"status"`
	BookingDate string `json:"booking_date,omitempty"`
	Reversal    bool   `json:"reversal,omitempty"`
	Remittance  string `json:"remittance,omitempty"`
	BankRef     string `json:"bank_ref,omitempty"`
}

// BankFile is a parsed camt.053 or camt.054.
type BankFile struct {
	Message string      `json:"message"`
	MsgID   string      `json:"msg_id"`
	Entries []BankEntry `json:"entries"`
}

type stsXML struct {
	Text string `xml:",chardata"`
	Cd   string `xml:"Cd"`
}

func (s stsXML) code() string {
	if c := strings.TrimSpace(s.Cd); c != "" {
		return c
	}
	return strings.TrimSpace(s.Text)
}

type ntryXML struct {
	NtryRef   string `xml:"NtryRef"`
	Amt       rawAmt `xml:"Amt"`
	CdtDbtInd string `xml:"CdtDbtInd"`
	RvslInd   string `xml:"RvslInd"`
	Sts       stsXML `xml:"Sts"`
	BookgDt   string `xml:"BookgDt>Dt"`
	BookgDtTm string `xml:"BookgDt>DtTm"`
	SvcrRef   string `xml:"AcctSvcrRef"`
	Dtls      []struct {
		Txs []struct {
			MsgID      string   `xml:"Refs>MsgId"`
			EndToEndID string   `xml:"Refs>EndToEndId"`
			Amt        *rawAmt  `xml:"Amt"`
			InstdAmt   *rawAmt  `xml:"AmtDtls>InstdAmt>Amt"`
			CdtDbtInd  string   `xml:"CdtDbtInd"`
			Ustrd      []string `xml:"RmtInf>Ustrd"`
		} `xml:"TxDtls"`
	} `xml:"NtryDtls"`
}

type acctBlockXML struct {
	IBAN string    `xml:"Acct>Id>IBAN"`
	Othr string    `xml:"Acct>Id>Othr>Id"`
	Ntry []ntryXML `xml:"Ntry"`
}

// ParseBankFile reads a camt.054 (BkToCstmrDbtCdtNtfctn) or camt.053
// (BkToCstmrStmt) of any version. Each transaction detail becomes one
// BankEntry; an entry without details is one itself.
func ParseBankFile(data []byte) (BankFile, error) {
	if len(data) > MaxFileBytes {
		return BankFile{}, &ParseError{Reason: "file too large"}
	}
	root, ns, err := rootName(data)
	if err != nil {
		return BankFile{}, err
	}
	var f BankFile
	switch root {
	case "BkToCstmrDbtCdtNtfctn":
		f.Message = msgName(ns, "camt.054")
	case "BkToCstmrStmt":
		f.Message = msgName(ns, "camt.053")
	default:
		return BankFile{}, ErrUnknownMessage
	}
	var doc struct {
		N *struct {
			MsgID  string         `xml:"GrpHdr>MsgId"`
			Blocks []acctBlockXML `xml:"Ntfctn"`
		} `xml:"BkToCstmrDbtCdtNtfctn"`
		S *struct {
			MsgID  string         `xml:"GrpHdr>MsgId"`
			Blocks []acctBlockXML `xml:"Stmt"`
		} `xml:"BkToCstmrStmt"`
	}
	if err := decodeStrict(data, &doc); err != nil {
		return BankFile{}, err
	}
	var blocks []acctBlockXML
	switch {
	case doc.N != nil:
		f.MsgID, blocks = strings.TrimSpace(doc.N.MsgID), doc.N.Blocks
	case doc.S != nil:
		f.MsgID, blocks = strings.TrimSpace(doc.S.MsgID), doc.S.Blocks
	default:
		return BankFile{}, ErrUnknownMessage
	}
	f.Entries = []BankEntry{}
	n := 0
	for _, b := range blocks {
		acct := strings.TrimSpace(b.IBAN)
		if acct == "" {
			acct = strings.TrimSpace(b.Othr)
		}
		for _, e := range b.Ntry {
			where := fmt.Sprintf("Ntry[%d]", n)
			if n >= maxEntries {
				return BankFile{}, &ParseError{Where: where, Reason: "too many entries"}
			}
			base := BankEntry{Entry: n, Account: acct, EntryRef: strings.TrimSpace(e.NtryRef),
				Direction: strings.TrimSpace(e.CdtDbtInd), Status: e.Sts.code(), BankRef: strings.TrimSpace(e.SvcrRef),
				Reversal: strings.TrimSpace(e.RvslInd) == "true"}
			n++
			base.BookingDate = strings.TrimSpace(e.BookgDt)
			if base.BookingDate == "" && len(strings.TrimSpace(e.BookgDtTm)) >= 10 {
				base.BookingDate = strings.TrimSpace(e.BookgDtTm)[:10]
			}
			if base.Direction != Credit && base.Direction != Debit {
				return BankFile{}, &ParseError{Where: where + ".CdtDbtInd", Reason: "must be CRDT or DBIT"}
			}
			amt, err := parseAmount(&e.Amt)
			if err != nil {
				return BankFile{}, &ParseError{Where: where + ".Amt", Reason: err.Error()}
			}
			base.Amount = amt
			var txs []BankEntry
			for _, d := range e.Dtls {
				for j, t := range d.Txs {
					be := base
					be.EndToEndID, be.MsgID = strings.TrimSpace(t.EndToEndID), strings.TrimSpace(t.MsgID)
					if be.EndToEndID == "NOTPROVIDED" {
						be.EndToEndID = ""
					}
					be.Remittance = strings.TrimSpace(strings.Join(t.Ustrd, " "))
					if dir := strings.TrimSpace(t.CdtDbtInd); dir != "" {
						if dir != Credit && dir != Debit {
							return BankFile{}, &ParseError{Where: fmt.Sprintf("%s.TxDtls[%d].CdtDbtInd", where, j),
								Reason: "must be CRDT or DBIT"}
						}
						be.Direction = dir
					}
					a := t.Amt
					if a == nil {
						a = t.InstdAmt
					}
					if a != nil {
						m, err := parseAmount(a)
						if err != nil {
							return BankFile{}, &ParseError{Where: fmt.Sprintf("%s.TxDtls[%d].Amt", where, j), Reason: err.Error()}
						}
						be.Amount = m
					} else if len(d.Txs) > 1 {
						return BankFile{}, &ParseError{Where: fmt.Sprintf("%s.TxDtls[%d].Amt", where, j),
							Reason: "missing in a batch entry"}
					}
					txs = append(txs, be)
				}
			}
			if len(txs) == 0 {
				txs = []BankEntry{base}
			}
			f.Entries = append(f.Entries, txs...)
		}
	}
	return f, nil
}
