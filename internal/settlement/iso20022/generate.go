package iso20022

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Message names and namespaces of the generated messages.
const (
	MsgPain001 = "pain.001.001.09"
	MsgPacs008 = "pacs.008.001.08"

	nsPrefix = "urn:iso:std:iso:20022:tech:xsd:"
)

// Party is a debtor or creditor: a name and an account, held either as an
// IBAN with the agent's BIC, or as another scheme's identifier (an e-CNY
// wallet id) with its scheme name.
type Party struct {
	Name    string
	IBAN    string
	BIC     string
	Other   string // account identifier when there is no IBAN
	Scheme  string // proprietary scheme of Other, e.g. "ECNY"
	Country string // ISO 3166 alpha-2 of the postal address, optional
}

// Transaction is one credit transfer.
type Transaction struct {
	// EndToEndID travels unchanged to the creditor and back in every
	// status report: the key that ties a report to its payout.
	EndToEndID string
	InstrID    string
	Amount     money.Money
	Creditor   Party
	// Remittance is the unstructured remittance information (≤ 140).
	Remittance string
}

// Batch is one message: a group header and one payment information block
// in one currency.
type Batch struct {
	MsgID     string
	CreatedAt time.Time
	// ExecutionDate is the requested execution (or interbank settlement)
	// date.
	ExecutionDate time.Time
	Initiator     string
	Debtor        Party
	Transactions  []Transaction
}

// Limits the schema sets.
const (
	maxID         = 35
	maxName       = 140
	maxRemittance = 140
	MaxTxs        = 10000
)

// Validate checks b against the rules of the schemas the generators
// follow; field names are those of the API's payouts.
func (b Batch) Validate() error {
	var fs problem.Errors
	checkID := func(field, v string, required bool) {
		switch {
		case v == "" && required:
			fs.Add(field, "required")
		case len(v) > maxID:
			fs.Add(field, "max_length", "max", maxID)
		case !iso20022Text(v):
			fs.Add(field, "invalid_format", "format", "ISO 20022 basic Latin characters")
		}
	}
	checkID("msg_id", b.MsgID, true)
	checkParty(&fs, "debtor", b.Debtor)
	if len(b.Transactions) == 0 {
		fs.Add("transactions", "required")
	}
	if len(b.Transactions) > MaxTxs {
		fs.Add("transactions", "max_items", "max", MaxTxs)
	}
	ccy := ""
	seen := map[string]bool{}
	for i, t := range b.Transactions {
		f := fmt.Sprintf("transactions[%d]", i)
		checkID(f+".end_to_end_id", t.EndToEndID, true)
		checkID(f+".instr_id", t.InstrID, false)
		if seen[t.EndToEndID] {
			fs.Add(f+".end_to_end_id", "taken")
		}
		seen[t.EndToEndID] = true
		if _, code, params := money.Check(t.Amount, false); code != "" {
			fs.Add(f+".amount", code, params...)
		} else if n, err := ToMinor(t.Amount); err != nil || n == 0 {
			fs.Add(f+".amount", "positive")
		}
		if ccy == "" {
			ccy = t.Amount.Currency
		} else if t.Amount.Currency != ccy {
			fs.Add(f+".amount.currency", "one_of", "values", ccy)
		}
		checkParty(&fs, f+".creditor", t.Creditor)
		if utf8.RuneCountInString(t.Remittance) > maxRemittance {
			fs.Add(f+".remittance", "max_length", "max", maxRemittance)
		}
	}
	return fs.Err()
}

func checkParty(fs *problem.Errors, field string, p Party) {
	if strings.TrimSpace(p.Name) == "" {
		fs.Add(field+".name", "required")
	} else if utf8.RuneCountInString(p.Name) > maxName {
		fs.Add(field+".name", "max_length", "max", maxName)
	}
	switch {
	case p.IBAN != "":
		if code, params := CheckIBAN(p.IBAN); code != "" {
			fs.Add(field+".iban", code, params...)
		}
		if p.BIC != "" {
			if code := CheckBIC(p.BIC); code != "" {
				fs.Add(field+".bic", code)
			}
		}
	case p.Other != "":
		if len(p.Other) > 34 || !iso20022Text(p.Other) {
			fs.Add(field+".account", "invalid_format", "format", "1 to 34 ISO 20022 basic Latin characters")
		}
	default:
		fs.Add(field+".iban", "required")
	}
}

// iso20022Text reports whether s keeps to the restricted Latin character
// set the EPC and most banks accept in identifiers.
func iso20022Text(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-?:().,'+ ", r)) {
			return false
		}
	}
	return true
}

// CtrlSum returns the control sum of b's transactions, in their currency.
func (b Batch) CtrlSum() (money.Money, error) {
	var sum int64
	ccy := ""
	for _, t := range b.Transactions {
		n, err := ToMinor(t.Amount)
		if err != nil {
			return money.Money{}, err
		}
		sum += n
		ccy = t.Amount.Currency
	}
	return FromMinor(sum, ccy), nil
}

// XML structures shared by both messages. Field order is the schema's.
type (
	amountXML struct {
		Ccy   string `xml:"Ccy,attr"`
		Value string `xml:",chardata"`
	}
	finInstnXML struct {
		BICFI string `xml:"FinInstnId>BICFI,omitempty"`
		// Othr is NOTPROVIDED when the agent is unknown, as the EPC asks.
		Othr string `xml:"FinInstnId>Othr>Id,omitempty"`
	}
	acctXML struct {
		IBAN string       `xml:"Id>IBAN,omitempty"`
		Othr *othrAcctXML `xml:"Id>Othr,omitempty"`
		Ccy  string       `xml:"Ccy,omitempty"`
		_    struct{}     `xml:"-"`
	}
	othrAcctXML struct {
		ID     string `xml:"Id"`
		Scheme string `xml:"SchmeNm>Prtry,omitempty"`
	}
	partyXML struct {
		Nm   string `xml:"Nm"`
		Ctry string `xml:"PstlAdr>Ctry,omitempty"`
	}
	pmtIDXML struct {
		InstrID    string `xml:"InstrId,omitempty"`
		EndToEndID string `xml:"EndToEndId"`
		TxID       string `xml:"TxId,omitempty"`
	}
)

func party(p Party) partyXML { return partyXML{Nm: truncate(p.Name, maxName), Ctry: p.Country} }

func account(p Party) acctXML {
	if p.IBAN != "" {
		return acctXML{IBAN: p.IBAN}
	}
	return acctXML{Othr: &othrAcctXML{ID: p.Other, Scheme: p.Scheme}}
}

func agent(p Party) finInstnXML {
	if p.BIC != "" {
		return finInstnXML{BICFI: p.BIC}
	}
	return finInstnXML{Othr: "NOTPROVIDED"}
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// chargeBearer is SLEV (the scheme's rules) for euro payments, the SEPA
// case, and SHAR (each side pays its own bank) otherwise.
func chargeBearer(ccy string) string {
	if ccy == "EUR" {
		return "SLEV"
	}
	return "SHAR"
}

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

type pain001Doc struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	GrpHdr  struct {
		MsgID    string `xml:"MsgId"`
		CreDtTm  string `xml:"CreDtTm"`
		NbOfTxs  string `xml:"NbOfTxs"`
		CtrlSum  string `xml:"CtrlSum"`
		InitgPty struct {
			Nm string `xml:"Nm"`
		} `xml:"InitgPty"`
	} `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf pain001PmtInf `xml:"CstmrCdtTrfInitn>PmtInf"`
}

type pain001PmtInf struct {
	PmtInfID    string      `xml:"PmtInfId"`
	PmtMtd      string      `xml:"PmtMtd"`
	BtchBookg   string      `xml:"BtchBookg"`
	NbOfTxs     string      `xml:"NbOfTxs"`
	CtrlSum     string      `xml:"CtrlSum"`
	ReqdExctnDt string      `xml:"ReqdExctnDt>Dt"`
	Dbtr        partyXML    `xml:"Dbtr"`
	DbtrAcct    acctXML     `xml:"DbtrAcct"`
	DbtrAgt     finInstnXML `xml:"DbtrAgt"`
	ChrgBr      string      `xml:"ChrgBr"`
	Txs         []pain001Tx `xml:"CdtTrfTxInf"`
}

type pain001Tx struct {
	PmtID    pmtIDXML    `xml:"PmtId"`
	Amt      amountXML   `xml:"Amt>InstdAmt"`
	CdtrAgt  finInstnXML `xml:"CdtrAgt"`
	Cdtr     partyXML    `xml:"Cdtr"`
	CdtrAcct acctXML     `xml:"CdtrAcct"`
	Ustrd    string      `xml:"RmtInf>Ustrd,omitempty"`
}

// Pain001 renders b as a pain.001.001.09 customer credit transfer
// initiation: what a platform sends its own bank to pay many creditors.
func Pain001(b Batch) ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	sum, err := b.CtrlSum()
	if err != nil {
		return nil, err
	}
	var d pain001Doc
	d.Xmlns = nsPrefix + MsgPain001
	d.GrpHdr.MsgID, d.GrpHdr.CreDtTm = b.MsgID, isoTime(b.CreatedAt)
	d.GrpHdr.NbOfTxs, d.GrpHdr.CtrlSum = strconv.Itoa(len(b.Transactions)), sum.Amount
	d.GrpHdr.InitgPty.Nm = truncate(b.Initiator, maxName)
	p := &d.PmtInf
	p.PmtInfID, p.PmtMtd, p.BtchBookg = b.MsgID, "TRF", "true"
	p.NbOfTxs, p.CtrlSum = d.GrpHdr.NbOfTxs, sum.Amount
	p.ReqdExctnDt = b.ExecutionDate.UTC().Format(time.DateOnly)
	p.Dbtr, p.DbtrAcct, p.DbtrAgt = party(b.Debtor), account(b.Debtor), agent(b.Debtor)
	p.ChrgBr = chargeBearer(sum.Currency)
	for _, t := range b.Transactions {
		p.Txs = append(p.Txs, pain001Tx{PmtID: pmtIDXML{InstrID: t.InstrID, EndToEndID: t.EndToEndID},
			Amt: amountXML{Ccy: t.Amount.Currency, Value: t.Amount.Amount}, CdtrAgt: agent(t.Creditor),
			Cdtr: party(t.Creditor), CdtrAcct: account(t.Creditor), Ustrd: truncate(t.Remittance, maxRemittance)})
	}
	return marshal(d)
}

type pacs008Doc struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	GrpHdr  struct {
		MsgID             string      `xml:"MsgId"`
		CreDtTm           string      `xml:"CreDtTm"`
		NbOfTxs           string      `xml:"NbOfTxs"`
		CtrlSum           string      `xml:"CtrlSum"`
		TtlIntrBkSttlmAmt amountXML   `xml:"TtlIntrBkSttlmAmt"`
		IntrBkSttlmDt     string      `xml:"IntrBkSttlmDt"`
		SttlmMtd          string      `xml:"SttlmInf>SttlmMtd"`
		InstgAgt          finInstnXML `xml:"InstgAgt"`
	} `xml:"FIToFICstmrCdtTrf>GrpHdr"`
	Txs []pacs008Tx `xml:"FIToFICstmrCdtTrf>CdtTrfTxInf"`
}

type pacs008Tx struct {
	PmtID          pmtIDXML    `xml:"PmtId"`
	IntrBkSttlmAmt amountXML   `xml:"IntrBkSttlmAmt"`
	ChrgBr         string      `xml:"ChrgBr"`
	Dbtr           partyXML    `xml:"Dbtr"`
	DbtrAcct       acctXML     `xml:"DbtrAcct"`
	DbtrAgt        finInstnXML `xml:"DbtrAgt"`
	CdtrAgt        finInstnXML `xml:"CdtrAgt"`
	Cdtr           partyXML    `xml:"Cdtr"`
	CdtrAcct       acctXML     `xml:"CdtrAcct"`
	Ustrd          string      `xml:"RmtInf>Ustrd,omitempty"`
}

// Pacs008 renders b as a pacs.008.001.08 FI-to-FI customer credit
// transfer, settled by clearing (CLRG): what an operator bank forwards to
// the next agent. Each transaction's TxId is its EndToEndId.
func Pacs008(b Batch) ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	sum, err := b.CtrlSum()
	if err != nil {
		return nil, err
	}
	var d pacs008Doc
	d.Xmlns = nsPrefix + MsgPacs008
	g := &d.GrpHdr
	g.MsgID, g.CreDtTm, g.NbOfTxs, g.CtrlSum = b.MsgID, isoTime(b.CreatedAt), strconv.Itoa(len(b.Transactions)), sum.Amount
	g.TtlIntrBkSttlmAmt = amountXML{Ccy: sum.Currency, Value: sum.Amount}
	g.IntrBkSttlmDt = b.ExecutionDate.UTC().Format(time.DateOnly)
	g.SttlmMtd, g.InstgAgt = "CLRG", agent(b.Debtor)
	for _, t := range b.Transactions {
		d.Txs = append(d.Txs, pacs008Tx{PmtID: pmtIDXML{InstrID: t.InstrID, EndToEndID: t.EndToEndID, TxID: t.EndToEndID},
			IntrBkSttlmAmt: amountXML{Ccy: t.Amount.Currency, Value: t.Amount.Amount}, ChrgBr: chargeBearer(t.Amount.Currency),
			Dbtr: party(b.Debtor), DbtrAcct: account(b.Debtor), DbtrAgt: agent(b.Debtor),
			CdtrAgt: agent(t.Creditor), Cdtr: party(t.Creditor), CdtrAcct: account(t.Creditor),
			Ustrd: truncate(t.Remittance, maxRemittance)})
	}
	return marshal(d)
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("iso20022: encode: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
