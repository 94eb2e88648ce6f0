package edi

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Writing and reading return notices (see returns.go for the codes).

func checkReturnNotice(kind string, rn *ReturnNotice) (returnCodes, error) {
	codes, ok := returnStatusCodes[rn.Status]
	switch {
	case rn.ExternalID == "":
		return codes, fmt.Errorf("edi: %s: external_id (the RMA number) is required", kind)
	case !ok:
		return codes, fmt.Errorf("edi: %s %s: status %q is not one of %s", kind, rn.ExternalID, rn.Status,
			strings.Join(ReturnStatuses, ", "))
	}
	return codes, nil
}

// --- X12 180 ---

// write180 writes BGN, the heading RDR (disposition, reason code, the
// platform's status as RDR04), PRF, DTM, N9, NTE and N1 loops, then a BLI
// loop per line (BLI, N9*LI, PID, RDR with the platform's reason as
// RDR04). The 180 has no currency segment: prices are in the currency
// agreed with the partner.
func write180(sw *segWriter, rn *ReturnNotice, at time.Time) error {
	codes, err := checkReturnNotice("180", rn)
	if err != nil {
		return err
	}
	issued := rn.IssuedAt
	if _, ok := whenOf(issued); !ok {
		issued = rfc3339(at)
	}
	sw.seg("BGN", codes.purpose, rn.ExternalID, sw.date(issued), sw.clock(issued))
	reason := returnReasonCodes[rn.Reason]
	sw.seg("RDR", codes.disposition, reason, "", rn.Status)
	if rn.OrderRef != "" {
		sw.seg("PRF", rn.OrderRef, "", "", sw.date(rn.OrderDate))
	}
	writeDTM(sw, "097", rn.RequestedAt)
	writeDTM(sw, "011", rn.ShippedAt)
	writeDTM(sw, "050", rn.ReceivedAt)
	if rn.TrackingNumber != "" {
		sw.seg("N9", "CN", rn.TrackingNumber)
	}
	for _, r := range rn.References {
		sw.seg("N9", r.Qualifier, r.Value)
	}
	for _, n := range rn.Notes {
		sw.seg("NTE", "GEN", n)
	}
	writeN1(sw, "BY", rn.Buyer)
	writeN1(sw, "SE", rn.Seller)
	writeN1(sw, "SF", rn.ShipFrom)
	writeN1(sw, "ST", rn.ShipTo)
	for i := range rn.Parties {
		writeN1(sw, "", &rn.Parties[i])
	}
	for i, l := range rn.Lines {
		ids := lineIDs(l, "VP")
		if len(ids) == 0 {
			return fmt.Errorf("edi: 180 %s line %d: a SKU is required (BLI02)", rn.ExternalID, i+1)
		}
		price := ""
		if l.UnitPrice != nil {
			price = l.UnitPrice.Amount
		}
		sw.seg("BLI", ids[0].Qualifier, ids[0].Value, string(l.Quantity), l.Unit, price)
		if l.LineNumber != "" {
			sw.seg("N9", "LI", l.LineNumber)
		}
		if l.Description != "" {
			sw.seg("PID", "F", "", "", "", l.Description)
		}
		if rn.Reason != "" || codes.disposition != "" {
			sw.seg("RDR", codes.disposition, reason, "", rn.Reason)
		}
	}
	return nil
}

// x180 reads a 180 written by write180 or by a partner: N1 loops before
// the first BLI belong to the notice, RDR/N9/PID after a BLI to its line.
type x180 struct {
	rn          ReturnNotice
	parties     x12Parties
	sawBGN      bool
	purpose     string
	disposition string
	reasonCode  string
	statusText  string
	line        int // index+1 of the current BLI
}

func (m *x180) segment(c *mapCtx, s *Segment) {
	if m.line == 0 && m.parties.segment(s) {
		return
	}
	rn := &m.rn
	switch s.Tag {
	case "BGN":
		m.sawBGN = true
		m.purpose, rn.ExternalID = el(s, 1), el(s, 2)
		rn.IssuedAt = c.x12When(s, 3, 4, el(s, 5))
		if rn.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 0, "BGN02 (the RMA number) is missing")
		}
	case "RDR":
		if m.line > 0 {
			if rn.Reason == "" {
				rn.Reason = firstOf(el(s, 4), reasonOfX12(el(s, 2)))
			}
			return
		}
		m.disposition, m.reasonCode, m.statusText = el(s, 1), el(s, 2), el(s, 4)
	case "PRF":
		if m.line == 0 {
			rn.OrderRef, rn.OrderDate = el(s, 1), c.x12When(s, 4, 0, "")
		}
	case "DTM":
		if m.line > 0 {
			return
		}
		v := c.x12When(s, 2, 3, el(s, 4))
		switch el(s, 1) {
		case "097":
			rn.RequestedAt = v
		case "011":
			rn.ShippedAt = v
		case "050":
			rn.ReceivedAt = v
		}
	case "N9":
		q, v := el(s, 1), el(s, 2)
		switch {
		case v == "":
		case m.line > 0 && q == "LI":
			rn.Lines[m.line-1].LineNumber = v
		case m.line > 0:
		case q == "CN" && rn.TrackingNumber == "":
			rn.TrackingNumber = v
		default:
			rn.References = append(rn.References, Reference{Qualifier: q, Value: v})
		}
	case "NTE":
		if v := el(s, 2); v != "" && m.line == 0 {
			rn.Notes = append(rn.Notes, v)
		}
	case "BLI":
		l := Line{Quantity: c.quantity(s, 3, 0, true), Unit: el(s, 4), UnitPrice: money(c.amount(s, 5, 0), "")}
		if v := el(s, 2); v != "" {
			l.ProductIDs = []ProductID{{Qualifier: el(s, 1), Value: v}}
		} else {
			c.fail(CodeInvalidElement, rElemMissing, 2, 0, "BLI02 (the product id) is missing")
		}
		rn.Lines = append(rn.Lines, l)
		m.line = len(rn.Lines)
	case "PID":
		if m.line > 0 {
			l := &rn.Lines[m.line-1]
			l.Description = appendText(l.Description, pidText(s))
		}
	}
}

func (m *x180) finish(c *mapCtx) Document {
	if !m.sawBGN {
		c.failTag("BGN", CodeMissingSegment, rSegMissing, "180 has no BGN segment")
	}
	rn := &m.rn
	rn.Status = m.statusText
	if !slices.Contains(ReturnStatuses, rn.Status) {
		rn.Status = statusOfX12(m.purpose, m.disposition)
	}
	if rn.Reason == "" {
		rn.Reason = reasonOfX12(m.reasonCode)
	}
	rn.Currency = x12Currency(c, "")
	finishLines(rn.Lines, rn.Currency)
	finishReturnParties(rn, m.parties.list)
	return rn
}

func finishReturnParties(rn *ReturnNotice, parties []Party) {
	rn.Buyer = promote(&parties, "BY")
	rn.Seller = promote(&parties, "SE", "SU", "VN")
	rn.ShipFrom = promote(&parties, "SF")
	rn.ShipTo = promote(&parties, "ST", "DP")
	if len(parties) > 0 {
		rn.Parties = parties
	}
	if rn.Lines == nil {
		rn.Lines = []Line{}
	}
}

// --- EDIFACT RETANN ---

// writeRETANN writes BGM (70E, the GS1 code for an announcement for
// returns, with the status as message function), DTM, FTX (ZZZ the
// platform's status, ACD its reason, AAI notes), CUX, RFF (ON with DTM
// 171, CN), NAD and a LIN group per line (LIN, PIA, IMD, QTY 61 return
// quantity, PRI).
func writeRETANN(sw *segWriter, rn *ReturnNotice, at time.Time) error {
	codes, err := checkReturnNotice("RETANN", rn)
	if err != nil {
		return err
	}
	sw.seg("BGM", comp("70E", "", "9"), rn.ExternalID, codes.function)
	issued := rn.IssuedAt
	if _, ok := whenOf(issued); !ok {
		issued = rfc3339(at)
	}
	edifactDTM(sw, "137", issued)
	edifactDTM(sw, "97", rn.RequestedAt)
	edifactDTM(sw, "11", rn.ShippedAt)
	edifactDTM(sw, "50", rn.ReceivedAt)
	sw.seg("FTX", "ZZZ", "", "", rn.Status)
	if rn.Reason != "" {
		sw.seg("FTX", "ACD", "", "", rn.Reason)
	}
	for _, n := range rn.Notes {
		sw.seg("FTX", "AAI", "", "", comp(splitText(n, 70)...))
	}
	if rn.Currency != "" {
		sw.seg("CUX", comp("2", rn.Currency, "9"))
	}
	if rn.OrderRef != "" {
		sw.seg("RFF", comp("ON", rn.OrderRef))
		edifactDTM(sw, "171", rn.OrderDate)
	}
	if rn.TrackingNumber != "" {
		sw.seg("RFF", comp("CN", rn.TrackingNumber))
	}
	for _, r := range rn.References {
		sw.seg("RFF", comp(r.Qualifier, r.Value))
	}
	writeNAD(sw, "BY", rn.Buyer)
	writeNAD(sw, "SU", rn.Seller)
	writeNAD(sw, "SF", rn.ShipFrom)
	writeNAD(sw, "ST", rn.ShipTo)
	for i := range rn.Parties {
		writeNAD(sw, "", &rn.Parties[i])
	}
	for i, l := range rn.Lines {
		ids := lineIDs(l, "SA")
		if len(ids) == 0 {
			return fmt.Errorf("edi: RETANN %s line %d: a SKU is required (LIN)", rn.ExternalID, i+1)
		}
		sw.seg("LIN", firstOf(l.LineNumber, strconv.Itoa(i+1)), "", comp(ids[0].Value, ids[0].Qualifier))
		for rest := ids[1:]; len(rest) > 0; {
			k := min(len(rest), 5)
			pia := []any{"1"}
			for _, id := range rest[:k] {
				pia = append(pia, comp(id.Value, id.Qualifier))
			}
			sw.seg("PIA", pia...)
			rest = rest[k:]
		}
		if l.Description != "" {
			sw.seg("IMD", "F", "", comp("", "", "", l.Description))
		}
		sw.seg("QTY", comp("61", string(l.Quantity), l.Unit))
		if l.UnitPrice != nil && l.UnitPrice.Amount != "" {
			sw.seg("PRI", comp("AAA", l.UnitPrice.Amount))
		}
	}
	return nil
}

// splitText cuts a note into EDIFACT text components (4440, an..70 each,
// at most five), never inside a character.
func splitText(s string, n int) []string {
	var out []string
	for len(s) > n && len(out) < 4 {
		cut := n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

// eRetann reads RETANN: the header up to the first LIN, then lines.
type eRetann struct {
	rn         ReturnNotice
	sawBGM     bool
	function   string
	statusText string
	afterON    bool
	parties    []Party
	party      int // index+1 of the party CTA/COM apply to
	line       int // index+1 of the current LIN
}

func (m *eRetann) segment(c *mapCtx, s *Segment) {
	rn := &m.rn
	if s.Tag != "CTA" && s.Tag != "COM" {
		m.party = 0
	}
	if s.Tag != "DTM" {
		m.afterON = false
	}
	switch s.Tag {
	case "BGM":
		m.sawBGM = true
		rn.ExternalID, m.function = co(s, 2, 1), el(s, 3)
		if rn.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 1, "BGM document number (the RMA number) is missing")
		}
	case "DTM":
		if m.line > 0 {
			return
		}
		q, v := c.edifactWhen(s)
		switch {
		case q == "171" && m.afterON:
			rn.OrderDate = v
		case q == "137":
			rn.IssuedAt = v
		case q == "97":
			rn.RequestedAt = v
		case q == "11":
			rn.ShippedAt = v
		case q == "50":
			rn.ReceivedAt = v
		}
	case "FTX":
		text := strings.Join(s.Components(4), "")
		switch el(s, 1) {
		case "ZZZ":
			m.statusText = strings.TrimSpace(text)
		case "ACD":
			if rn.Reason == "" {
				rn.Reason = strings.TrimSpace(text)
			}
		case "AAI":
			if text != "" {
				rn.Notes = append(rn.Notes, text)
			}
		}
	case "CUX":
		if rn.Currency == "" {
			rn.Currency = c.currencyCode(s, 1, 2)
		}
	case "RFF":
		q, v := co(s, 1, 1), co(s, 1, 2)
		switch {
		case v == "" || m.line > 0:
		case q == "ON" && rn.OrderRef == "":
			rn.OrderRef, m.afterON = v, true
		case q == "CN" && rn.TrackingNumber == "":
			rn.TrackingNumber = v
		default:
			rn.References = append(rn.References, Reference{Qualifier: q, Value: v})
		}
	case "NAD":
		if m.line == 0 {
			m.parties = append(m.parties, nadParty(s))
			m.party = len(m.parties)
		}
	case "CTA":
		if m.party > 0 {
			p := &m.parties[m.party-1]
			p.Contact = firstOf(p.Contact, co(s, 2, 2), co(s, 2, 1))
		}
	case "COM":
		if m.party > 0 {
			p := &m.parties[m.party-1]
			switch v, q := co(s, 1, 1), co(s, 1, 2); {
			case q == "EM" && p.Email == "":
				p.Email = v
			case q == "TE" && p.Phone == "":
				p.Phone = v
			}
		}
	case "LIN":
		l := Line{LineNumber: el(s, 1)}
		if v := co(s, 3, 1); v != "" {
			l.ProductIDs = []ProductID{{Qualifier: co(s, 3, 2), Value: v}}
		}
		rn.Lines = append(rn.Lines, l)
		m.line = len(rn.Lines)
	case "PIA":
		if m.line > 0 {
			l := &rn.Lines[m.line-1]
			for i := 2; i <= s.Len(); i++ {
				if v := co(s, i, 1); v != "" {
					l.ProductIDs = append(l.ProductIDs, ProductID{Qualifier: co(s, i, 2), Value: v})
				}
			}
		}
	case "IMD":
		if m.line > 0 {
			l := &rn.Lines[m.line-1]
			l.Description = appendText(l.Description, co(s, 3, 4))
		}
	case "QTY":
		if m.line > 0 {
			l := &rn.Lines[m.line-1]
			l.Quantity, l.Unit = c.quantity(s, 1, 2, true), co(s, 1, 3)
		}
	case "PRI":
		if m.line > 0 {
			rn.Lines[m.line-1].UnitPrice = money(c.amount(s, 1, 2), "")
		}
	}
}

func (m *eRetann) finish(c *mapCtx) Document {
	if !m.sawBGM {
		c.failTag("BGM", CodeMissingSegment, rSegMissing, "RETANN has no BGM segment")
	}
	rn := &m.rn
	for _, l := range rn.Lines {
		if l.Quantity == "" {
			c.failTag("QTY", CodeMissingSegment, rSegMissing, "line %s has no quantity (QTY 61)", l.LineNumber)
		}
	}
	rn.Status = m.statusText
	if !slices.Contains(ReturnStatuses, rn.Status) {
		rn.Status = statusOfEDIFACT(m.function)
	}
	if rn.Currency == "" && c.profile != nil {
		rn.Currency = c.profile.DefaultCurrency
	}
	finishLines(rn.Lines, rn.Currency)
	finishReturnParties(rn, m.parties)
	return rn
}
