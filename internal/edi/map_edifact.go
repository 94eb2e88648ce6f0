package edi

import (
	"encoding/json"
	"strings"
)

// EDIFACT mappers. ORDERS, DESADV and INVOIC share their header, party and
// line segment groups, so one mapper reads all three and builds the
// document its message type calls for; IFTSTA has its own.

func newEDIFACTMapper(t string) mapper {
	switch t {
	case "ORDERS":
		return &eMapper{kind: t, qtyPrefs: []string{"21", "1"}}
	case "DESADV":
		return &eMapper{kind: t, qtyPrefs: []string{"12", "1", "21"}, cps: map[string]*cpsNode{}}
	case "INVOIC":
		return &eMapper{kind: t, qtyPrefs: []string{"47", "1", "46"}}
	case "IFTSTA":
		return &eIftsta{}
	case "RETANN":
		return &eRetann{}
	case "CONTRL":
		return &eCONTRL{}
	}
	return nil
}

// pricePrefs ranks PRI qualifiers: calculation net (AAA), invoice price,
// calculation gross (AAB), then the rest.
var pricePrefs = []string{"AAA", "INV", "AAB", "CAL"}

// totalPrefs ranks MOA qualifiers for a document total: invoice amount
// (77), message total (86), invoice total (39), amount due (9), total
// amount (128), and as a last resort the line items total (79).
var totalPrefs = []string{"77", "86", "39", "9", "128", "79"}

// taxPrefs ranks MOA qualifiers for the tax total.
var taxPrefs = []string{"176", "124", "150"}

// cpsNode is a CPS level: its id and the package it is in (itself once
// PAC or GIN make it one).
type cpsNode struct{ id, pkg string }

type eMapper struct {
	kind     string
	qtyPrefs []string

	sawBGM          bool
	id, name, purp  string
	placed, issued  string
	shipped, expect string
	dates           []DateRef
	refs            []Reference
	orderRefs       []string
	bol             string
	tracking        []string
	notes           []string
	currency        string
	parties         []Party
	party           int // index+1 of the party CTA/COM apply to
	carrier         *Carrier
	weight, wUnit   string

	lines   []Line
	linePos []Position
	lineSet []int
	qtyRank []int
	priceRk []int
	line    int // index+1 of the current line
	detail  bool
	summary bool
	inALC   bool
	total   *Money
	totalRk int
	tax     *Money
	taxRk   int
	lineTot *Money

	cps      map[string]*cpsNode
	curCPS   *cpsNode
	packages []Package
}

func (m *eMapper) header() bool { return !m.detail && !m.summary }

func (m *eMapper) segment(c *mapCtx, s *Segment) {
	switch s.Tag {
	case "BGM":
		m.sawBGM = true
		m.name, m.id, m.purp = co(s, 1, 1), co(s, 2, 1), el(s, 3)
		if m.id == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 1, "BGM document number is missing")
		}
	case "DTM":
		if m.header() {
			m.dtm(c, s)
		}
	case "RFF":
		m.rff(s)
	case "NAD":
		if m.header() {
			m.nad(s)
		}
		return
	case "CTA":
		if m.party > 0 {
			p := &m.parties[m.party-1]
			p.Contact = firstOf(p.Contact, co(s, 2, 2), co(s, 2, 1))
		}
		return
	case "COM":
		if m.party > 0 {
			p := &m.parties[m.party-1]
			for r := 1; r <= s.Repetitions(1); r++ {
				v, q := strings.TrimSpace(s.Value(1, r, 1)), strings.TrimSpace(s.Value(1, r, 2))
				switch {
				case q == "EM" && p.Email == "":
					p.Email = v
				case q == "TE" && p.Phone == "":
					p.Phone = v
				}
			}
		}
		return
	case "CUX":
		if m.currency == "" {
			m.currency = c.currencyCode(s, 1, 2)
		}
	case "TDT":
		if m.carrier == nil && (co(s, 5, 1) != "" || co(s, 5, 4) != "") {
			m.carrier = &Carrier{Code: co(s, 5, 1), Name: co(s, 5, 4), Mode: co(s, 3, 1)}
		}
	case "MEA":
		if !m.summary && m.line == 0 && (co(s, 2, 1) == "AAB" || co(s, 2, 1) == "G") {
			if w := c.amount(s, 3, 2); w != "" {
				m.weight, m.wUnit = w, co(s, 3, 1)
			}
		}
	case "FTX":
		text := strings.TrimSpace(strings.Join(s.Components(4), " "))
		if m.line > 0 && !m.summary {
			l := &m.lines[m.line-1]
			if l.Description == "" {
				l.Description = text
			}
		} else if m.header() {
			m.notes = appendUnique(m.notes, text)
		}
	case "CPS":
		if m.cps != nil {
			m.detail, m.line, m.inALC = true, 0, false
			n := &cpsNode{id: el(s, 1)}
			if p := m.cps[el(s, 2)]; p != nil {
				n.pkg = p.pkg
			}
			m.cps[el(s, 1)] = n
			m.curCPS = n
		}
	case "PAC":
		m.openPackage(s, co(s, 3, 1))
	case "GIN":
		if m.line > 0 || m.curCPS == nil {
			break
		}
		p := m.openPackage(s, "")
		for i := 2; i <= s.Len(); i++ {
			v := co(s, i, 1)
			switch {
			case v == "":
			case el(s, 1) == "BJ" && p.SSCC == "":
				p.SSCC = v
			case el(s, 1) != "BJ" && p.Tracking == "":
				p.Tracking = v
			}
		}
	case "LIN":
		m.detail, m.inALC = true, false
		l := Line{LineNumber: el(s, 1)}
		if id := co(s, 3, 1); id != "" {
			l.ProductIDs = append(l.ProductIDs, ProductID{Qualifier: co(s, 3, 2), Value: id})
		}
		if m.curCPS != nil {
			l.PackageID = m.curCPS.pkg
		}
		m.lines = append(m.lines, l)
		m.linePos = append(m.linePos, s.Pos)
		m.lineSet = append(m.lineSet, c.setPos)
		m.qtyRank = append(m.qtyRank, len(m.qtyPrefs))
		m.priceRk = append(m.priceRk, len(pricePrefs))
		m.line = len(m.lines)
	case "PIA":
		if m.line > 0 {
			l := &m.lines[m.line-1]
			for i := 2; i <= s.Len(); i++ {
				if v := co(s, i, 1); v != "" {
					l.ProductIDs = append(l.ProductIDs, ProductID{Qualifier: co(s, i, 2), Value: v})
				}
			}
		}
	case "IMD":
		if m.line > 0 {
			l := &m.lines[m.line-1]
			l.Description = appendText(l.Description, strings.TrimSpace(co(s, 3, 4)+" "+co(s, 3, 5)))
		}
	case "QTY":
		if m.line > 0 && !m.summary {
			if r := rank(m.qtyPrefs, co(s, 1, 1)); r < m.qtyRank[m.line-1] {
				l := &m.lines[m.line-1]
				l.Quantity, l.Unit = c.quantity(s, 1, 2, true), co(s, 1, 3)
				m.qtyRank[m.line-1] = r
			}
		}
	case "PRI":
		if m.line > 0 && !m.summary {
			if r := rank(pricePrefs, co(s, 1, 1)); r < m.priceRk[m.line-1] {
				if p := m.price(c, s); p != "" {
					m.lines[m.line-1].UnitPrice = money(p, "")
					m.priceRk[m.line-1] = r
				}
			}
		}
	case "ALI":
		if m.line > 0 && !m.summary {
			m.lines[m.line-1].OriginCountry = el(s, 1)
		}
	case "ALC":
		m.inALC = true
	case "MOA":
		m.moa(c, s)
	case "UNS":
		m.summary, m.line, m.inALC = true, 0, false
	case "CNT":
		if co(s, 1, 1) == "2" {
			c.checkCount(s, 1, 2, len(m.lines), "LIN lines")
		}
	}
	m.party = 0
}

func (m *eMapper) dtm(c *mapCtx, s *Segment) {
	q, v := c.edifactWhen(s)
	switch {
	case m.kind == "ORDERS" && (q == "137" || q == "4") && m.placed == "":
		m.placed = v
	case m.kind == "DESADV" && q == "137" || m.kind == "INVOIC" && (q == "137" || q == "3") && m.issued == "":
		m.issued = v
	case m.kind == "DESADV" && q == "11":
		m.shipped = v
	case m.kind == "DESADV" && (q == "132" || q == "17" || q == "2" || q == "69") && m.expect == "":
		m.expect = v
	default:
		m.dates = append(m.dates, DateRef{Qualifier: q, Value: v})
	}
}

func (m *eMapper) rff(s *Segment) {
	q, v := co(s, 1, 1), co(s, 1, 2)
	if v == "" {
		return
	}
	if m.line > 0 && !m.summary {
		if q == "ON" {
			l := &m.lines[m.line-1]
			if l.OrderRef == "" {
				l.OrderRef = v
			}
		}
		return
	}
	if !m.header() {
		return
	}
	switch {
	case q == "ON":
		m.orderRefs = appendUnique(m.orderRefs, v)
	case m.kind == "DESADV" && q == "BM" && m.bol == "":
		m.bol = v
	case m.kind == "DESADV" && q == "CN":
		m.tracking = appendUnique(m.tracking, v)
	default:
		m.refs = append(m.refs, Reference{Qualifier: q, Value: v})
	}
}

// nad reads NAD: party qualifier, C082 id (id:code list:agency), C058
// name and address lines, C080 party name, C059 street, city, C819
// region, postcode, country.
func (m *eMapper) nad(s *Segment) {
	m.parties = append(m.parties, nadParty(s))
	m.party = len(m.parties)
}

func nadParty(s *Segment) Party {
	p := Party{Role: el(s, 1), ID: co(s, 2, 1), IDQualifier: firstOf(co(s, 2, 3), co(s, 2, 2))}
	p.Name = strings.TrimSpace(strings.Join(s.Components(4), " "))
	if p.Name == "" {
		p.Name = co(s, 3, 1)
	}
	street := s.Components(5)
	if len(street) > 0 {
		p.Line1 = strings.TrimSpace(street[0])
		p.Line2 = strings.TrimSpace(strings.Join(street[1:], " "))
	}
	p.City, p.Region, p.Postcode, p.Country = el(s, 6), co(s, 7, 1), el(s, 8), el(s, 9)
	return p
}

// price reads PRI's C509 price, applying a unit price basis (5284) that is
// a power of ten by moving the decimal point; other bases are refused
// rather than rounded.
func (m *eMapper) price(c *mapCtx, s *Segment) string {
	p := c.amount(s, 1, 2)
	basis := co(s, 1, 5)
	if p == "" || basis == "" || basis == "1" {
		return p
	}
	zeros := strings.TrimPrefix(basis, "1")
	if strings.Trim(zeros, "0") != "" || len(zeros) > 9 {
		c.fail(CodeInvalidElement, rElemInvalid, 1, 5, "unit price basis %q is not supported (only powers of ten)", basis)
		return ""
	}
	return shiftDecimal(p, len(zeros))
}

func (m *eMapper) moa(c *mapCtx, s *Segment) {
	if m.inALC {
		return
	}
	q := co(s, 1, 1)
	if m.line > 0 && !m.summary {
		if q == "203" {
			m.lines[m.line-1].Amount = money(c.amount(s, 1, 2), c.currencyCode(s, 1, 3))
		}
		return
	}
	amt := func() *Money { return money(c.amount(s, 1, 2), c.currencyCode(s, 1, 3)) }
	if r := rank(totalPrefs, q); r < len(totalPrefs) && (m.total == nil || r < m.totalRk) {
		m.total, m.totalRk = amt(), r
	}
	if q == "79" && m.lineTot == nil {
		m.lineTot = amt()
	}
	if r := rank(taxPrefs, q); r < len(taxPrefs) && (m.tax == nil || r < m.taxRk) {
		m.tax, m.taxRk = amt(), r
	}
}

// openPackage makes the current CPS level a package, if it is not one
// already, and returns it.
func (m *eMapper) openPackage(s *Segment, typ string) *Package {
	if m.curCPS == nil {
		return &Package{}
	}
	id := m.curCPS.id
	if m.curCPS.pkg != id {
		parent := m.curCPS.pkg
		m.packages = append(m.packages, Package{ID: id, ParentID: parent, Type: typ})
		m.curCPS.pkg = id
	}
	for i := len(m.packages) - 1; i >= 0; i-- {
		if m.packages[i].ID == id {
			if m.packages[i].Type == "" {
				m.packages[i].Type = typ
			}
			return &m.packages[i]
		}
	}
	return &Package{}
}

func (m *eMapper) finish(c *mapCtx) Document {
	if !m.sawBGM {
		c.failTag("BGM", CodeMissingSegment, rSegMissing, "%s has no BGM segment", m.kind)
	}
	for i, l := range m.lines {
		if l.Quantity == "" && len(c.tx.Errors) < maxSetErrors {
			e := &Error{Code: CodeMissingSegment, reason: rSegMissing, Position: m.linePos[i], Tag: "QTY", SetPosition: m.lineSet[i],
				Message: "line " + l.LineNumber + " has no quantity (QTY " + strings.Join(m.qtyPrefs, " or ") + ")"}
			c.tx.Errors = append(c.tx.Errors, e)
		}
	}
	cur := m.currency
	if cur == "" && c.profile != nil {
		cur = c.profile.DefaultCurrency
	}
	finishLines(m.lines, cur)
	setMoney(cur, m.total, m.tax, m.lineTot)
	if m.lines == nil {
		m.lines = []Line{}
	}
	parties := m.parties
	switch m.kind {
	case "ORDERS":
		po := &PurchaseOrder{
			ExternalID: m.id, PlacedAt: m.placed, Currency: cur, Lines: m.lines, Total: m.total,
			Purpose: m.purp, OrderType: m.name, References: m.refs, Dates: m.dates, Notes: m.notes,
		}
		for _, o := range m.orderRefs {
			po.References = append(po.References, Reference{Qualifier: "ON", Value: o})
		}
		if m.carrier != nil {
			po.Carrier = firstOf(m.carrier.Code, m.carrier.Name)
		}
		finishOrderParties(c, po, parties)
		return po
	case "DESADV":
		sn := &ShipNotice{
			ExternalID: m.id, Purpose: m.purp, IssuedAt: m.issued, ShippedAt: m.shipped, DeliveryExpectedAt: m.expect,
			Carrier: m.carrier, TrackingNumbers: m.tracking, BillOfLading: m.bol, OrderRefs: m.orderRefs,
			GrossWeight: m.weight, WeightUnit: m.wUnit, Packages: m.packages, Lines: m.lines,
			References: m.refs, Dates: m.dates,
		}
		if n := len(m.packages); n > 0 {
			sn.PackageCount = json.Number(itoa(n))
		}
		finishShipParties(sn, parties)
		fillOrderRefs(sn)
		return sn
	default: // INVOIC
		inv := &Invoice{
			ExternalID: m.id, InvoiceType: m.name, IssuedAt: m.issued, Currency: cur, Lines: m.lines,
			Total: m.total, LineTotal: m.lineTot, TaxTotal: m.tax, References: m.refs, Dates: m.dates,
		}
		if len(m.orderRefs) > 0 {
			inv.OrderRef = m.orderRefs[0]
			for _, o := range m.orderRefs[1:] {
				inv.References = append(inv.References, Reference{Qualifier: "ON", Value: o})
			}
		}
		finishInvoiceParties(inv, parties)
		return inv
	}
}

// shiftDecimal divides a canonical decimal by 10^n exactly.
func shiftDecimal(v string, n int) string {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	ip, fp, _ := strings.Cut(v, ".")
	for len(ip) <= n {
		ip = "0" + ip
	}
	out, _ := normDecimal(ip[:len(ip)-n] + "." + ip[len(ip)-n:] + fp)
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}

// --- IFTSTA International multimodal status report ---

// eIftsta reads consignments (CNI) and their statuses (STS). An STS after
// a goods item (GID) is about that item's packages (its GIN numbers).
type eIftsta struct {
	ts          TrackingStatus
	sawBGM      bool
	consignment string
	inCNI       bool
	event       int // index+1 of the current event
	gins        []string
	inGID       bool
	// consignments are the CNI numbers seen; carrier the TDT carrier.
	consignments []string
	carrier      string
}

func (m *eIftsta) segment(c *mapCtx, s *Segment) {
	ts := &m.ts
	switch s.Tag {
	case "BGM":
		m.sawBGM = true
		ts.ExternalID = co(s, 2, 1)
		if ts.ExternalID == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 1, "BGM document number is missing")
		}
	case "DTM":
		q, v := c.edifactWhen(s)
		switch {
		case m.event > 0:
			if e := &ts.Events[m.event-1]; q == "334" || e.At == "" && (q == "7" || q == "8") {
				e.At = v
			}
		case !m.inCNI && q == "137":
			ts.IssuedAt = v
		}
	case "NAD":
		if !m.inCNI {
			ts.Parties = append(ts.Parties, nadParty(s))
		}
	case "TDT":
		// TDT C040 carrier: identification, then name.
		if m.carrier == "" {
			m.carrier = firstOf(co(s, 5, 1), co(s, 5, 4))
		}
	case "RFF":
		r := Reference{Qualifier: co(s, 1, 1), Value: co(s, 1, 2)}
		if r.Qualifier == "CN" && ts.TrackingNumber == "" {
			ts.TrackingNumber = r.Value
		}
		switch {
		case r.Value == "":
		case m.event > 0:
			e := &ts.Events[m.event-1]
			e.References = append(e.References, r)
		case !m.inCNI:
			ts.References = append(ts.References, r)
		}
	case "CNI":
		m.inCNI, m.consignment, m.event, m.inGID, m.gins = true, co(s, 2, 1), 0, false, nil
		m.consignments = appendUnique(m.consignments, m.consignment)
	case "STS":
		e := TrackingEvent{Consignment: m.consignment, Code: co(s, 2, 1), Reason: co(s, 3, 1)}
		e.Stage = Rec24Stage(e.Code)
		if e.Code == "" {
			c.fail(CodeInvalidElement, rElemMissing, 2, 1, "STS status code is missing")
		}
		if m.inGID {
			e.Packages = append([]string(nil), m.gins...)
		}
		ts.Events = append(ts.Events, e)
		m.event = len(ts.Events)
	case "LOC":
		if m.event > 0 {
			e := &ts.Events[m.event-1]
			e.Place, e.LocationCode = firstOf(co(s, 2, 4), co(s, 2, 1)), co(s, 2, 1)
			// A UN/LOCODE (agency 6) starts with the country.
			if lc := e.LocationCode; co(s, 2, 3) == "6" && len(lc) == 5 && e.Country == "" {
				e.Country = lc[:2]
			}
		}
	case "GID":
		m.inGID, m.gins, m.event = true, nil, 0
	case "GIN":
		for i := 2; i <= s.Len(); i++ {
			if v := co(s, i, 1); v != "" {
				m.gins = append(m.gins, v)
				if m.event > 0 && m.inGID {
					e := &ts.Events[m.event-1]
					e.Packages = append(e.Packages, v)
				}
			}
		}
	}
}

func (m *eIftsta) finish(c *mapCtx) Document {
	if !m.sawBGM {
		c.failTag("BGM", CodeMissingSegment, rSegMissing, "IFTSTA has no BGM segment")
	}
	ts := &m.ts
	parties := ts.Parties
	ts.ShipFrom = promote(&parties, "CZ", "SF")
	ts.ShipTo = promote(&parties, "CN", "DP", "ST")
	ts.Parties = parties
	if len(m.consignments) == 1 {
		ts.ShipmentID = m.consignments[0]
	}
	ts.Carrier = m.carrier
	for _, role := range []string{"CA", "FW"} {
		for _, p := range parties {
			if ts.Carrier == "" && p.Role == role {
				ts.Carrier = firstOf(p.ID, p.Name)
			}
		}
	}
	if ts.Events == nil {
		ts.Events = []TrackingEvent{}
	}
	return ts
}
