package iso20022

import (
	"encoding/xml"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// Message names of the generated reports.
const (
	MsgPacs002 = "pacs.002.001.10"
	MsgCamt054 = "camt.054.001.08"
)

type pacs002Doc struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	MsgID   string   `xml:"FIToFIPmtStsRpt>GrpHdr>MsgId"`
	CreDtTm string   `xml:"FIToFIPmtStsRpt>GrpHdr>CreDtTm"`
	Grp     struct {
		OrgnlMsgID   string `xml:"OrgnlMsgId"`
		OrgnlMsgNmID string `xml:"OrgnlMsgNmId"`
		GrpSts       string `xml:"GrpSts,omitempty"`
	} `xml:"FIToFIPmtStsRpt>OrgnlGrpInfAndSts"`
	Txs []pacs002Tx `xml:"FIToFIPmtStsRpt>TxInfAndSts"`
}

type pacs002Tx struct {
	OrgnlInstrID    string     `xml:"OrgnlInstrId,omitempty"`
	OrgnlEndToEndID string     `xml:"OrgnlEndToEndId"`
	TxSts           string     `xml:"TxSts"`
	Rsn             *rsnOutXML `xml:"StsRsnInf,omitempty"`
	Amt             *amountXML `xml:"OrgnlTxRef>IntrBkSttlmAmt,omitempty"`
}

type rsnOutXML struct {
	Cd       string `xml:"Rsn>Cd"`
	AddtlInf string `xml:"AddtlInf,omitempty"`
}

// Pacs002 renders a pacs.002.001.10 status report on the message
// orgnlMsgID (of type orgnlMsgName): what a bank, or a sandbox standing in
// for one, returns about a payment message.
func Pacs002(msgID, orgnlMsgID, orgnlMsgName string, at time.Time, txs []TxStatus) ([]byte, error) {
	var d pacs002Doc
	d.Xmlns = nsPrefix + MsgPacs002
	d.MsgID, d.CreDtTm = msgID, isoTime(at)
	d.Grp.OrgnlMsgID, d.Grp.OrgnlMsgNmID = orgnlMsgID, orgnlMsgName
	for _, t := range txs {
		x := pacs002Tx{OrgnlInstrID: t.InstrID, OrgnlEndToEndID: t.EndToEndID, TxSts: t.Status}
		if t.Reason != "" {
			x.Rsn = &rsnOutXML{Cd: t.Reason, AddtlInf: t.Info}
		}
		if t.Amount != nil {
			x.Amt = &amountXML{Ccy: t.Amount.Currency, Value: t.Amount.Amount}
		}
		d.Txs = append(d.Txs, x)
	}
	return marshal(d)
}

// NotifiedTx is one transaction of a generated camt.054 entry.
type NotifiedTx struct {
	EndToEndID string
	Amount     money.Money
}

// Notification is one entry of a generated camt.054.
type Notification struct {
	Ref       string
	Direction string // CRDT or DBIT
	Booked    time.Time
	Txs       []NotifiedTx
}

type camt054Doc struct {
	XMLName xml.Name `xml:"Document"`
	Xmlns   string   `xml:"xmlns,attr"`
	MsgID   string   `xml:"BkToCstmrDbtCdtNtfctn>GrpHdr>MsgId"`
	CreDtTm string   `xml:"BkToCstmrDbtCdtNtfctn>GrpHdr>CreDtTm"`
	Ntfctn  struct {
		ID      string        `xml:"Id"`
		CreDtTm string        `xml:"CreDtTm"`
		IBAN    string        `xml:"Acct>Id>IBAN"`
		Ntry    []camtNtryXML `xml:"Ntry"`
	} `xml:"BkToCstmrDbtCdtNtfctn>Ntfctn"`
}

type camtNtryXML struct {
	NtryRef   string      `xml:"NtryRef"`
	Amt       amountXML   `xml:"Amt"`
	CdtDbtInd string      `xml:"CdtDbtInd"`
	Sts       string      `xml:"Sts>Cd"`
	BookgDt   string      `xml:"BookgDt>Dt"`
	Txs       []camtTxXML `xml:"NtryDtls>TxDtls"`
}

type camtTxXML struct {
	EndToEndID string    `xml:"Refs>EndToEndId"`
	Amt        amountXML `xml:"Amt"`
	CdtDbtInd  string    `xml:"CdtDbtInd"`
}

// Camt054 renders a camt.054.001.08 debit/credit notification on the
// account iban with booked entries: the sandbox bank's bank file.
func Camt054(msgID, iban string, at time.Time, entries []Notification) ([]byte, error) {
	var d camt054Doc
	d.Xmlns = nsPrefix + MsgCamt054
	d.MsgID, d.CreDtTm = msgID, isoTime(at)
	d.Ntfctn.ID, d.Ntfctn.CreDtTm, d.Ntfctn.IBAN = msgID, isoTime(at), iban
	for _, e := range entries {
		var sum int64
		ccy := ""
		n := camtNtryXML{NtryRef: e.Ref, CdtDbtInd: e.Direction, Sts: "BOOK", BookgDt: e.Booked.UTC().Format(time.DateOnly)}
		for _, t := range e.Txs {
			v, err := ToMinor(t.Amount)
			if err != nil {
				return nil, err
			}
			sum += v
			ccy = t.Amount.Currency
			n.Txs = append(n.Txs, camtTxXML{EndToEndID: t.EndToEndID, Amt: amountXML{Ccy: t.Amount.Currency, Value: t.Amount.Amount},
				CdtDbtInd: e.Direction})
		}
		total := FromMinor(sum, ccy)
		n.Amt = amountXML{Ccy: ccy, Value: total.Amount}
		d.Ntfctn.Ntry = append(d.Ntfctn.Ntry, n)
	}
	return marshal(d)
}
