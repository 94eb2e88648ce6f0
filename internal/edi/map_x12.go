package edi

import "strings"

// X12 mappers. Each reads one transaction set's segments in order and keeps
// only the state its loops need (the current party, line or HL level).

func newX12Mapper(t string) mapper {
	switch t {
	case "850":
		return &x850{}
	case "855":
		return &x855{}
	case "856":
		return &x856{hl: map[string]*hlNode{}}
	case "810":
		return &x810{}
	case "214":
		return &x214{}
	case "180":
		return &x180{}
	case "997", "999":
		return &x997{}
	}
	return nil
}

// x12Parties collects N1 loops: N1 starts a party, N2/N3/N4/PER add to it,
// any other segment ends it.
type x12Parties struct {
	list []Party
	cur  int // index+1 of the open party, 0 for none
}

func (pl *x12Parties) segment(s *Segment) bool {
	if s.Tag == "N1" {
		pl.list = append(pl.list, Party{Role: el(s, 1), Name: el(s, 2), IDQualifier: el(s, 3), ID: el(s, 4)})
		pl.cur = len(pl.list)
		return true
	}
	if pl.cur == 0 {
		return false
	}
	p := &pl.list[pl.cur-1]
	switch s.Tag {
	case "N2":
		p.Name = appendText(appendText(p.Name, el(s, 1)), el(s, 2))
	case "N3":
		if p.Line1 == "" {
			p.Line1, p.Line2 = el(s, 1), el(s, 2)
		} else {
			p.Line2 = appendText(appendText(p.Line2, el(s, 1)), el(s, 2))
		}
	case "N4":
		p.City, p.Region, p.Postcode, p.Country = el(s, 1), el(s, 2), el(s, 3), el(s, 4)
	case "PER":
		if p.Contact == "" {
			p.Contact = el(s, 2)
		}
		for i := 3; i+1 <= s.Len(); i += 2 {
			switch v := el(s, i+1); el(s, i) {
			case "TE":
				if p.Phone == "" {
					p.Phone = v
				}
			case "EM":
				if p.Email == "" {
					p.Email = v
				}
			}
		}
	default:
		pl.cur = 0
		return false
	}
	return true
}

// x12IDs reads qualifier/value pairs from element from on (PO106/PO107…,
// LIN02/LIN03…).
func x12IDs(s *Segment, from int) []ProductID {
	var ids []ProductID
	for i := from; i+1 <= s.Len(); i += 2 {
		if v := el(s, i+1); v != "" {
			ids = append(ids, ProductID{Qualifier: el(s, i), Value: v})
		}
	}
	return ids
}

func x12Currency(c *mapCtx, cur string) string {
	if cur != "" {
		return cur
	}
	if c.profile != nil && c.profile.DefaultCurrency != "" {
		return c.profile.DefaultCurrency
	}
	return "USD"
}

// poLine reads PO1 (850, 855): line number, quantity, unit, unit price,
// then product id pairs from PO106.
func poLine(c *mapCtx, s *Segment) Line {
	return Line{
		LineNumber: el(s, 1), Quantity: c.quantity(s, 2, 0, true), Unit: el(s, 3),
		UnitPrice: money(c.amount(s, 4, 0), ""), ProductIDs: x12IDs(s, 6),
	}
}

// pidText reads a free-form PID (PID01 "F") description.
func pidText(s *Segment) string {
	if el(s, 1) == "F" || el(s, 1) == "" {
		return el(s, 5)
	}
	return ""
}

// --- 850 Purchase Order ---

type x850 struct {
	po      PurchaseOrder
	parties x12Parties
	line    int // index+1 of the current PO1
	sawBEG  bool
	cur     string
}

func (m *x850) segment(c *mapCtx, s *Segment) {
	if m.line == 0 && m.parties.segment(s) {
		return
	}
	po := &m.po
	switch s.Tag {
	case "BEG":
		m.sawBEG = true
		po.Purpose, po.OrderType, po.ExternalID = el(s, 1), el(s, 2), el(s, 3)
		if po.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 3, 0, "BEG03 purchase order number is missing")
		}
		po.PlacedAt = c.x12When(s, 5, 0, "")
	case "CUR":
		if m.line == 0 {
			m.cur = c.currencyCode(s, 2, 0)
		}
	case "REF":
		if m.line == 0 {
			po.References = append(po.References, Reference{Qualifier: el(s, 1), Value: firstOf(el(s, 2), el(s, 3))})
		}
	case "DTM":
		if m.line == 0 {
			po.Dates = append(po.Dates, DateRef{Qualifier: el(s, 1), Value: c.x12When(s, 2, 3, el(s, 4))})
		}
	case "TD5":
		if po.Carrier == "" {
			po.Carrier = firstOf(el(s, 3), el(s, 5))
		}
	case "NTE":
		po.Notes = appendUnique(po.Notes, el(s, 2))
	case "PO1":
		po.Lines = append(po.Lines, poLine(c, s))
		m.line = len(po.Lines)
	case "PID":
		if m.line > 0 {
			l := &po.Lines[m.line-1]
			l.Description = appendText(l.Description, pidText(s))
		}
	case "AMT":
		if el(s, 1) == "TT" {
			po.Total = money(c.amount(s, 2, 0), "")
		}
	case "CTT":
		m.line = -1 // the summary: no more line detail
		c.checkCount(s, 1, 0, len(po.Lines), "PO1 lines")
	}
}

func (m *x850) finish(c *mapCtx) Document {
	if !m.sawBEG {
		c.failTag("BEG", CodeMissingSegment, rSegMissing, "850 has no BEG segment")
	}
	if len(m.po.Lines) == 0 {
		c.failTag("PO1", CodeMissingSegment, rSegMissing, "850 has no PO1 line")
	}
	po := &m.po
	po.Currency = x12Currency(c, m.cur)
	finishLines(po.Lines, po.Currency)
	setMoney(po.Currency, po.Total)
	finishOrderParties(c, po, m.parties.list)
	return po
}

// finishOrderParties promotes the order's parties and applies the buyer
// rule.
func finishOrderParties(c *mapCtx, po *PurchaseOrder, parties []Party) {
	po.Buyer = promote(&parties, "BY")
	po.ShipTo = promote(&parties, "ST", "DP")
	po.Seller = promote(&parties, "SE", "SU", "VN")
	po.BillTo = promote(&parties, "BT", "IV")
	po.Parties = parties
	if po.Buyer == nil {
		if po.Buyer = senderAsBuyer(c); po.Buyer != nil {
			po.BuyerFromSender = true
		}
	}
}

// --- 855 Purchase Order Acknowledgment ---

type x855 struct {
	ack     OrderAck
	parties x12Parties
	line    int
	sawBAK  bool
	cur     string
}

// bakStatus maps BAK02 to OrderAck.Status.
var bakStatus = map[string]string{
	"AD": "accepted", "AK": "accepted", "AT": "accepted",
	"AC": "changed", "AE": "changed", "AP": "changed",
	"RD": "rejected", "RF": "rejected", "RJ": "rejected", "RO": "rejected",
}

// ackStatus maps ACK01 to Line.Status.
var ackStatus = map[string]string{
	"IA": "accepted", "IR": "rejected", "IB": "backordered", "R2": "rejected",
	"IC": "changed", "IQ": "changed", "IP": "changed", "DR": "changed", "IS": "changed",
}

func (m *x855) segment(c *mapCtx, s *Segment) {
	if m.line == 0 && m.parties.segment(s) {
		return
	}
	a := &m.ack
	switch s.Tag {
	case "BAK":
		m.sawBAK = true
		a.Status = bakStatus[el(s, 2)]
		if a.Status == "" {
			c.fail(CodeInvalidElement, rElemCode, 2, 0, "BAK02 acknowledgment type %q is not known", el(s, 2))
		}
		a.ExternalID = el(s, 3)
		if a.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 3, 0, "BAK03 purchase order number is missing")
		}
		a.OrderDate = c.x12When(s, 4, 0, "")
		a.SellerOrderID = el(s, 8)
		a.AckedAt = c.x12When(s, 9, 0, "")
	case "CUR":
		if m.line == 0 {
			m.cur = c.currencyCode(s, 2, 0)
		}
	case "PO1":
		a.Lines = append(a.Lines, poLine(c, s))
		m.line = len(a.Lines)
	case "PID":
		if m.line > 0 {
			l := &a.Lines[m.line-1]
			l.Description = appendText(l.Description, pidText(s))
		}
	case "ACK":
		if m.line > 0 {
			l := &a.Lines[m.line-1]
			if l.Status = ackStatus[el(s, 1)]; l.Status == "" {
				l.Status = strings.ToLower(el(s, 1))
			}
			l.ConfirmedQuantity = c.quantity(s, 2, 0, false)
		}
	case "CTT":
		m.line = -1
		c.checkCount(s, 1, 0, len(a.Lines), "PO1 lines")
	}
}

func (m *x855) finish(c *mapCtx) Document {
	if !m.sawBAK {
		c.failTag("BAK", CodeMissingSegment, rSegMissing, "855 has no BAK segment")
	}
	a := &m.ack
	a.Currency = x12Currency(c, m.cur)
	finishLines(a.Lines, a.Currency)
	parties := m.parties.list
	a.Buyer = promote(&parties, "BY")
	a.Seller = promote(&parties, "SE", "SU", "VN")
	a.ShipTo = promote(&parties, "ST")
	if a.Lines == nil {
		a.Lines = []Line{}
	}
	return a
}

// --- 856 Ship Notice/Manifest ---

// hlNode is one HL level: S shipment, O order, P pack, T tare, I item.
type hlNode struct {
	level    string
	orderRef string
	pkg      string // Package.ID the level is in
}

type x856 struct {
	sn      ShipNotice
	parties x12Parties
	hl      map[string]*hlNode
	cur     *hlNode
	hlCount int
	line    int
	sawBSN  bool
	// linePos and lineSet are where each LIN was, for errors.
	linePos []Position
	lineSet []int
}

func (m *x856) segment(c *mapCtx, s *Segment) {
	if m.parties.segment(s) {
		return
	}
	sn := &m.sn
	level := ""
	if m.cur != nil {
		level = m.cur.level
	}
	switch s.Tag {
	case "BSN":
		m.sawBSN = true
		sn.Purpose, sn.ExternalID = el(s, 1), el(s, 2)
		if sn.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 0, "BSN02 shipment identification is missing")
		}
		sn.IssuedAt = c.x12When(s, 3, 4, "")
	case "HL":
		m.hlCount++
		m.line = 0
		id, parent := el(s, 1), el(s, 2)
		n := &hlNode{level: el(s, 3)}
		switch {
		case id == "":
			c.fail(CodeInvalidElement, rElemMissing, 1, 0, "HL01 hierarchical id is missing")
		case m.hl[id] != nil:
			c.fail(CodeInvalidElement, rElemInvalid, 1, 0, "HL01 %q is used twice", id)
		}
		if parent != "" {
			if p := m.hl[parent]; p != nil {
				n.orderRef, n.pkg = p.orderRef, p.pkg
			} else {
				c.fail(CodeInvalidElement, rElemInvalid, 2, 0, "HL02 parent %q is not an earlier HL01", parent)
			}
		}
		if n.level == "P" || n.level == "T" {
			sn.Packages = append(sn.Packages, Package{ID: id, ParentID: n.pkg})
			n.pkg = id
		}
		m.hl[id] = n
		m.cur = n
	case "TD1":
		if level == "S" || level == "" {
			sn.PackageCount = c.quantity(s, 2, 0, false)
			if w := c.amount(s, 7, 0); w != "" {
				sn.GrossWeight, sn.WeightUnit = w, el(s, 8)
			}
		} else if p := m.pkg(); p != nil && p.Type == "" {
			p.Type = el(s, 1)
		}
	case "TD5":
		if sn.Carrier == nil && (el(s, 3) != "" || el(s, 5) != "") {
			sn.Carrier = &Carrier{Code: el(s, 3), Mode: el(s, 4), Routing: el(s, 5)}
		}
	case "REF":
		q, v := el(s, 1), firstOf(el(s, 2), el(s, 3))
		switch {
		case level == "P" || level == "T":
			if p := m.pkg(); p != nil && (q == "CN" || q == "2I") && p.Tracking == "" {
				p.Tracking = v
			}
		case q == "BM" && sn.BillOfLading == "":
			sn.BillOfLading = v
		case q == "CN" || q == "2I":
			sn.TrackingNumbers = appendUnique(sn.TrackingNumbers, v)
		default:
			sn.References = append(sn.References, Reference{Qualifier: q, Value: v})
		}
	case "MAN":
		if p := m.pkg(); p != nil {
			switch el(s, 1) {
			case "GM":
				p.SSCC = el(s, 2)
			case "CP":
				p.Tracking = el(s, 2)
			}
		}
	case "DTM":
		when := c.x12When(s, 2, 3, el(s, 4))
		switch el(s, 1) {
		case "011":
			sn.ShippedAt = when
		case "017", "067":
			sn.DeliveryExpectedAt = when
		default:
			sn.Dates = append(sn.Dates, DateRef{Qualifier: el(s, 1), Value: when})
		}
	case "PRF":
		if m.cur != nil {
			m.cur.orderRef = el(s, 1)
		}
		sn.OrderRefs = appendUnique(sn.OrderRefs, el(s, 1))
	case "LIN":
		sn.Lines = append(sn.Lines, m.newLine(el(s, 1), x12IDs(s, 2)))
		m.line = len(sn.Lines)
		m.linePos = append(m.linePos, s.Pos)
		m.lineSet = append(m.lineSet, c.setPos)
	case "SN1":
		if m.line == 0 {
			sn.Lines = append(sn.Lines, m.newLine(el(s, 1), nil))
			m.line = len(sn.Lines)
			m.linePos = append(m.linePos, s.Pos)
			m.lineSet = append(m.lineSet, c.setPos)
		}
		l := &sn.Lines[m.line-1]
		l.Quantity, l.Unit = c.quantity(s, 2, 0, true), el(s, 3)
		if l.LineNumber == "" {
			l.LineNumber = el(s, 1)
		}
	case "PID":
		if m.line > 0 {
			l := &sn.Lines[m.line-1]
			l.Description = appendText(l.Description, pidText(s))
		}
	case "CTT":
		c.checkCount(s, 1, 0, m.hlCount, "HL segments")
	}
}

func (m *x856) newLine(num string, ids []ProductID) Line {
	l := Line{LineNumber: num, ProductIDs: ids}
	if m.cur != nil {
		l.OrderRef, l.PackageID = m.cur.orderRef, m.cur.pkg
	}
	return l
}

// pkg is the package of the current HL level, if it is one.
func (m *x856) pkg() *Package {
	if m.cur == nil || m.cur.pkg == "" {
		return nil
	}
	for i := len(m.sn.Packages) - 1; i >= 0; i-- {
		if m.sn.Packages[i].ID == m.cur.pkg {
			return &m.sn.Packages[i]
		}
	}
	return nil
}

func (m *x856) finish(c *mapCtx) Document {
	if !m.sawBSN {
		c.failTag("BSN", CodeMissingSegment, rSegMissing, "856 has no BSN segment")
	}
	if m.hlCount == 0 {
		c.failTag("HL", CodeMissingSegment, rSegMissing, "856 has no HL segment")
	}
	sn := &m.sn
	// A shipped line says how much shipped, as DESADV's QTY must: a LIN
	// without SN1 would otherwise become a line of no quantity.
	for i, l := range sn.Lines {
		if l.Quantity == "" && i < len(m.linePos) && len(c.tx.Errors) < maxSetErrors {
			c.tx.Errors = append(c.tx.Errors, &Error{Code: CodeMissingSegment, reason: rSegMissing, Position: m.linePos[i],
				Tag: "SN1", SetPosition: m.lineSet[i], Message: "line " + l.LineNumber + " has no shipped quantity (SN1)"})
		}
	}
	finishLines(sn.Lines, "")
	finishShipParties(sn, m.parties.list)
	fillOrderRefs(sn)
	return sn
}

func finishShipParties(sn *ShipNotice, parties []Party) {
	sn.ShipFrom = promote(&parties, "SF", "SH", "CZ")
	sn.ShipTo = promote(&parties, "ST", "DP", "CN")
	sn.Buyer = promote(&parties, "BY", "OB")
	sn.Seller = promote(&parties, "SE", "SU", "VN")
	sn.Parties = parties
	if sn.Lines == nil {
		sn.Lines = []Line{}
	}
}

// fillOrderRefs gives lines without an order the notice's only order.
func fillOrderRefs(sn *ShipNotice) {
	for _, l := range sn.Lines {
		sn.OrderRefs = appendUnique(sn.OrderRefs, l.OrderRef)
	}
	if len(sn.OrderRefs) != 1 {
		return
	}
	for i := range sn.Lines {
		if sn.Lines[i].OrderRef == "" {
			sn.Lines[i].OrderRef = sn.OrderRefs[0]
		}
	}
}

// --- 810 Invoice ---

type x810 struct {
	inv     Invoice
	parties x12Parties
	line    int
	sawBIG  bool
	sawTDS  bool
	cur     string
}

func (m *x810) segment(c *mapCtx, s *Segment) {
	if m.line == 0 && m.parties.segment(s) {
		return
	}
	inv := &m.inv
	switch s.Tag {
	case "BIG":
		m.sawBIG = true
		inv.IssuedAt = c.x12When(s, 1, 0, "")
		inv.ExternalID = el(s, 2)
		if inv.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 0, "BIG02 invoice number is missing")
		}
		if d := c.x12When(s, 3, 0, ""); d != "" {
			inv.Dates = append(inv.Dates, DateRef{Qualifier: "004", Value: d}) // purchase order date
		}
		inv.OrderRef = el(s, 4)
		inv.InvoiceType = el(s, 7)
	case "CUR":
		if m.line == 0 {
			m.cur = c.currencyCode(s, 2, 0)
		}
	case "REF":
		if m.line == 0 {
			q, v := el(s, 1), firstOf(el(s, 2), el(s, 3))
			if q == "PO" && inv.OrderRef == "" {
				inv.OrderRef = v
			} else {
				inv.References = append(inv.References, Reference{Qualifier: q, Value: v})
			}
		}
	case "DTM":
		if m.line == 0 {
			inv.Dates = append(inv.Dates, DateRef{Qualifier: el(s, 1), Value: c.x12When(s, 2, 3, el(s, 4))})
		}
	case "IT1":
		inv.Lines = append(inv.Lines, Line{
			LineNumber: el(s, 1), Quantity: c.quantity(s, 2, 0, true), Unit: el(s, 3),
			UnitPrice: money(c.amount(s, 4, 0), ""), ProductIDs: x12IDs(s, 6),
		})
		m.line = len(inv.Lines)
	case "PID":
		if m.line > 0 {
			l := &inv.Lines[m.line-1]
			l.Description = appendText(l.Description, pidText(s))
		}
	case "TDS":
		m.sawTDS = true
		m.line = -1
		v := el(s, 1)
		if d, ok := impliedDecimal(v, 2); ok {
			inv.Total = money(d, "")
		} else {
			c.fail(CodeInvalidElement, rElemInvalid, 1, 0, "TDS01 %q is not an amount", v)
		}
	case "TXI":
		if m.line == -1 {
			if a := c.amount(s, 2, 0); a != "" {
				if inv.TaxTotal == nil {
					inv.TaxTotal = money(a, "")
				} else if sum, ok := addDecimal(inv.TaxTotal.Amount, a); ok {
					inv.TaxTotal.Amount = sum
				}
			}
		}
	case "CTT":
		c.checkCount(s, 1, 0, len(inv.Lines), "IT1 lines")
	}
}

func (m *x810) finish(c *mapCtx) Document {
	if !m.sawBIG {
		c.failTag("BIG", CodeMissingSegment, rSegMissing, "810 has no BIG segment")
	}
	if !m.sawTDS {
		c.failTag("TDS", CodeMissingSegment, rSegMissing, "810 has no TDS segment")
	}
	inv := &m.inv
	inv.Currency = x12Currency(c, m.cur)
	finishLines(inv.Lines, inv.Currency)
	setMoney(inv.Currency, inv.Total, inv.TaxTotal)
	finishInvoiceParties(inv, m.parties.list)
	return inv
}

func finishInvoiceParties(inv *Invoice, parties []Party) {
	inv.Seller = promote(&parties, "SE", "SU", "VN")
	inv.Buyer = promote(&parties, "BY")
	inv.ShipTo = promote(&parties, "ST", "DP")
	inv.BillTo = promote(&parties, "BT", "IV")
	inv.Parties = parties
	if inv.Lines == nil {
		inv.Lines = []Line{}
	}
}

// --- 214 Transportation Carrier Shipment Status ---

type x214 struct {
	ts      TrackingStatus
	parties x12Parties
	inLX    bool
	event   int // index+1 of the current event
	sawB10  bool
}

func (m *x214) segment(c *mapCtx, s *Segment) {
	if !m.inLX && m.parties.segment(s) {
		return
	}
	ts := &m.ts
	switch s.Tag {
	case "B10":
		m.sawB10 = true
		ts.ExternalID, ts.ShipmentID, ts.Carrier = el(s, 1), el(s, 2), el(s, 3)
		ts.TrackingNumber = ts.ExternalID
		if ts.ExternalID == "" {
			ts.ExternalID = ts.ShipmentID
		}
		if ts.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 1, 0, "B10 has neither a reference nor a shipment id")
		}
	case "L11":
		r := Reference{Qualifier: el(s, 2), Value: el(s, 1)}
		switch {
		case r.Value == "":
		case m.event > 0:
			e := &ts.Events[m.event-1]
			e.References = append(e.References, r)
		default:
			ts.References = append(ts.References, r)
		}
	case "LX":
		m.inLX, m.event = true, 0
	case "AT7":
		// AT701 is the shipment's status; AT703 the appointment's, when
		// the sender reports only that.
		code := firstOf(el(s, 1), el(s, 3))
		ts.Events = append(ts.Events, TrackingEvent{
			Code: code, Reason: firstOf(el(s, 2), el(s, 4)), Stage: X12Stage(code),
			At: c.x12When(s, 5, 6, el(s, 7)),
		})
		m.event = len(ts.Events)
	case "MS1":
		if m.event > 0 {
			e := &ts.Events[m.event-1]
			e.City, e.Region, e.Country = el(s, 1), el(s, 2), el(s, 3)
		}
	}
}

func (m *x214) finish(c *mapCtx) Document {
	if !m.sawB10 {
		c.failTag("B10", CodeMissingSegment, rSegMissing, "214 has no B10 segment")
	}
	ts := &m.ts
	parties := m.parties.list
	ts.ShipFrom = promote(&parties, "SF", "SH")
	ts.ShipTo = promote(&parties, "ST", "CN")
	ts.Parties = parties
	if ts.Events == nil {
		ts.Events = []TrackingEvent{}
	}
	return ts
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
