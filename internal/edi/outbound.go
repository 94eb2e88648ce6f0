package edi

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Encode writes docs as one interchange to the partner p, with control
// numbers from ctl: for X12, an 855 for each *OrderAck, an 856 for each
// *ShipNotice and a 180 for each *ReturnNotice, in one GS group per kind
// (PR, SH, AN); for EDIFACT, a DESADV for each *ShipNotice and a RETANN
// for each *ReturnNotice. Envelope counts are computed, and what Encode writes
// Parse reads back to the same documents.
//
// Values are written as given. X12 has no release character, so a value
// containing one of the profile's delimiters is an *Error
// (invalid_element); choose delimiters that do not occur in the data.
func Encode(w io.Writer, p *Profile, ctl Control, docs ...Document) error {
	if p == nil {
		return errors.New("edi: Encode needs a partner profile")
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("edi: profile %q: %w", p.Name, err)
	}
	if err := ctl.check(p.Standard); err != nil {
		return err
	}
	if len(docs) == 0 {
		return errors.New("edi: nothing to encode")
	}
	d, _ := p.OutboundDelimiters()
	sw := &segWriter{d: d, std: p.Standard, loc: p.location()}
	var err error
	if p.Standard == X12 {
		err = encodeX12(sw, p, ctl, docs)
	} else {
		err = encodeEDIFACT(sw, p, ctl, docs)
	}
	if err == nil {
		err = sw.err
	}
	if err != nil {
		return err
	}
	_, err = w.Write(sw.buf.Bytes())
	return err
}

func encodeX12(sw *segWriter, p *Profile, ctl Control, docs []Document) error {
	type group struct {
		fid  string
		docs []Document
	}
	var groups []*group
	byID := map[string]*group{}
	for _, doc := range docs {
		var fid string
		switch doc.(type) {
		case *OrderAck:
			fid = "PR"
		case *ShipNotice:
			fid = "SH"
		case *ReturnNotice:
			fid = "AN"
		default:
			return fmt.Errorf("edi: X12 output of %s documents is not supported", doc.DocumentType())
		}
		g := byID[fid]
		if g == nil {
			g = &group{fid: fid}
			byID[fid] = g
			groups = append(groups, g)
		}
		g.docs = append(g.docs, doc)
	}
	at := ctl.time()
	sw.isa(isaHeader{
		senderQ: p.LocalID.Qualifier, sender: p.LocalID.ID, receiverQ: p.PartnerID.Qualifier, receiver: p.PartnerID.ID,
		repetition: isa11(sw.d, p.x12Version()), version: p.x12Version(), control: ctl.Interchange, test: p.Test, at: at,
	})
	set, gctl := ctl.firstSet(), ctl.Group
	gv := p.x12GroupVersion()
	for _, g := range groups {
		gs := strconv.FormatInt(gctl, 10)
		sw.seg("GS", g.fid, p.LocalID.groupID(), p.PartnerID.groupID(), at.Format("20060102"), at.Format("1504"), gs, "X", gv)
		for _, doc := range g.docs {
			sw.n = 0
			no := setNumber(set, X12)
			set++
			var err error
			switch doc := doc.(type) {
			case *OrderAck:
				sw.seg("ST", strs(st(gv, "855", no))...)
				err = write855(sw, doc, at)
			case *ShipNotice:
				sw.seg("ST", strs(st(gv, "856", no))...)
				err = write856(sw, doc, at)
			case *ReturnNotice:
				sw.seg("ST", strs(st(gv, "180", no))...)
				err = write180(sw, doc, at)
			}
			if err != nil {
				return err
			}
			sw.seg("SE", strconv.Itoa(sw.n+1), no)
		}
		sw.seg("GE", strconv.Itoa(len(g.docs)), gs)
		gctl++
	}
	sw.seg("IEA", strconv.Itoa(len(groups)), fmt.Sprintf("%09d", ctl.Interchange))
	return nil
}

// st is the ST segment's elements; ST03 exists from 005010 on.
func st(version, typ, no string) []string {
	if isVersion5010(version) {
		return []string{typ, no, version}
	}
	return []string{typ, no}
}

var bakCodes = map[string]string{"accepted": "AD", "changed": "AC", "rejected": "RJ"}

var ackCodes = map[string]string{"accepted": "IA", "rejected": "IR", "backordered": "IB", "changed": "IC"}

func write855(sw *segWriter, a *OrderAck, at time.Time) error {
	bak02 := bakCodes[a.Status]
	switch {
	case a.ExternalID == "":
		return errors.New("edi: 855: external_id (the purchase order number) is required")
	case bak02 == "":
		return fmt.Errorf("edi: 855 %s: status %q is not accepted, changed or rejected", a.ExternalID, a.Status)
	case sw.date(a.OrderDate) == "":
		return fmt.Errorf("edi: 855 %s: order_date is required (BAK04)", a.ExternalID)
	}
	ackDate := sw.date(a.AckedAt)
	if ackDate == "" {
		ackDate = at.In(sw.loc).Format("20060102")
	}
	sw.seg("BAK", "00", bak02, a.ExternalID, sw.date(a.OrderDate), "", "", "", a.SellerOrderID, ackDate)
	if a.Currency != "" {
		sw.seg("CUR", "SE", a.Currency)
	}
	writeN1(sw, "BY", a.Buyer)
	writeN1(sw, "SE", a.Seller)
	writeN1(sw, "ST", a.ShipTo)
	hash := "0"
	for i, l := range a.Lines {
		price := ""
		if l.UnitPrice != nil {
			price = l.UnitPrice.Amount
		}
		po1 := []string{firstOf(l.LineNumber, strconv.Itoa(i+1)), string(l.Quantity), l.Unit, price, ""}
		for _, id := range lineIDs(l, "VP") {
			po1 = append(po1, id.Qualifier, id.Value)
		}
		sw.seg("PO1", strs(po1)...)
		if l.Description != "" {
			sw.seg("PID", "F", "", "", "", l.Description)
		}
		status := firstOf(l.Status, a.Status)
		code := ackCodes[status]
		if code == "" {
			return fmt.Errorf("edi: 855 %s line %d: status %q is not accepted, rejected, backordered or changed", a.ExternalID, i+1, status)
		}
		sw.seg("ACK", code, string(firstOf(string(l.ConfirmedQuantity), string(l.Quantity))), l.Unit)
		hash = hashAdd(hash, string(l.Quantity))
	}
	sw.seg("CTT", strconv.Itoa(len(a.Lines)), hash)
	return nil
}

func write856(sw *segWriter, sn *ShipNotice, at time.Time) error {
	if sn.ExternalID == "" {
		return errors.New("edi: 856: external_id (the shipment number) is required")
	}
	issued := sn.IssuedAt
	if _, ok := whenOf(issued); !ok {
		issued = rfc3339(at)
	}
	sw.seg("BSN", firstOf(sn.Purpose, "00"), sn.ExternalID, sw.date(issued), firstOf(sw.clock(issued), "0000"), "0001")
	sw.seg("HL", "1", "", "S")
	if sn.PackageCount != "" || sn.GrossWeight != "" {
		unit := sn.WeightUnit
		if sn.GrossWeight == "" {
			unit = ""
		}
		sw.seg("TD1", "", string(sn.PackageCount), "", "", "", gIf(sn.GrossWeight), sn.GrossWeight, unit)
	}
	if c := sn.Carrier; c != nil {
		q := ""
		if c.Code != "" {
			q = "2"
		}
		sw.seg("TD5", "", q, c.Code, c.Mode, firstOf(c.Routing, c.Name))
	}
	if sn.BillOfLading != "" {
		sw.seg("REF", "BM", sn.BillOfLading)
	}
	for _, t := range sn.TrackingNumbers {
		sw.seg("REF", "CN", t)
	}
	for _, r := range sn.References {
		sw.seg("REF", r.Qualifier, r.Value)
	}
	writeDTM(sw, "011", sn.ShippedAt)
	writeDTM(sw, "017", sn.DeliveryExpectedAt)
	for _, d := range sn.Dates {
		writeDTM(sw, d.Qualifier, d.Value)
	}
	writeN1(sw, "SF", sn.ShipFrom)
	writeN1(sw, "ST", sn.ShipTo)
	writeN1(sw, "BY", sn.Buyer)
	writeN1(sw, "SE", sn.Seller)
	for i := range sn.Parties {
		writeN1(sw, "", &sn.Parties[i])
	}

	hl, hash := 1, "0"
	item := func(parent int, l Line) {
		hl++
		sw.seg("HL", strconv.Itoa(hl), strconv.Itoa(parent), "I")
		lin := []string{l.LineNumber}
		for _, id := range lineIDs(l, "VP") {
			lin = append(lin, id.Qualifier, id.Value)
		}
		sw.seg("LIN", strs(lin)...)
		sw.seg("SN1", "", string(l.Quantity), l.Unit)
		if l.Description != "" {
			sw.seg("PID", "F", "", "", "", l.Description)
		}
		hash = hashAdd(hash, string(l.Quantity))
	}
	pkgs := map[string]*Package{}
	for i := range sn.Packages {
		pkgs[sn.Packages[i].ID] = &sn.Packages[i]
	}
	used := map[string]bool{}
	pack := func(parent int, id string) int {
		hl++
		sw.seg("HL", strconv.Itoa(hl), strconv.Itoa(parent), "P")
		if p := pkgs[id]; p != nil {
			if p.Type != "" {
				sw.seg("TD1", p.Type, "1")
			}
			if p.SSCC != "" {
				sw.seg("MAN", "GM", p.SSCC)
			}
			if p.Tracking != "" {
				sw.seg("MAN", "CP", p.Tracking)
			}
		}
		used[id] = true
		return hl
	}
	for _, order := range orderGroups(sn) {
		hl++
		o := hl
		sw.seg("HL", strconv.Itoa(o), "1", "O")
		if order.ref != "" {
			sw.seg("PRF", order.ref)
		}
		for _, l := range order.loose {
			item(o, l)
		}
		for _, pk := range order.packs {
			p := pack(o, pk.id)
			for _, l := range pk.lines {
				item(p, l)
			}
		}
	}
	for _, p := range sn.Packages {
		if !used[p.ID] {
			pack(1, p.ID)
		}
	}
	sw.seg("CTT", strconv.Itoa(hl), hash)
	return nil
}

// orderGroup is the lines of one order, loose or by package, in the order
// they first appear.
type orderGroup struct {
	ref   string
	loose []Line
	packs []*packGroup
}

type packGroup struct {
	id    string
	lines []Line
}

func orderGroups(sn *ShipNotice) []*orderGroup {
	var out []*orderGroup
	byRef := map[string]*orderGroup{}
	get := func(ref string) *orderGroup {
		g := byRef[ref]
		if g == nil {
			g = &orderGroup{ref: ref}
			byRef[ref] = g
			out = append(out, g)
		}
		return g
	}
	for _, r := range sn.OrderRefs {
		get(r)
	}
	for _, l := range sn.Lines {
		g := get(l.OrderRef)
		if l.PackageID == "" {
			g.loose = append(g.loose, l)
			continue
		}
		var pg *packGroup
		for _, p := range g.packs {
			if p.id == l.PackageID {
				pg = p
			}
		}
		if pg == nil {
			pg = &packGroup{id: l.PackageID}
			g.packs = append(g.packs, pg)
		}
		pg.lines = append(pg.lines, l)
	}
	return out
}

func gIf(weight string) string {
	if weight != "" {
		return "G"
	}
	return ""
}

func writeDTM(sw *segWriter, qual, when string) {
	if d := sw.date(when); d != "" {
		sw.seg("DTM", qual, d, sw.clock(when))
	}
}

// writeN1 writes an N1 loop for p with its own role, else role.
func writeN1(sw *segWriter, role string, p *Party) {
	if p == nil || p.Name == "" && p.ID == "" {
		return
	}
	q := p.IDQualifier
	if p.ID == "" {
		q = ""
	} else if q == "" {
		q = "ZZ"
	}
	sw.seg("N1", firstOf(p.Role, role), p.Name, q, p.ID)
	if p.Line1 != "" || p.Line2 != "" {
		sw.seg("N3", p.Line1, p.Line2)
	}
	if p.City != "" || p.Region != "" || p.Postcode != "" || p.Country != "" {
		sw.seg("N4", p.City, p.Region, p.Postcode, p.Country)
	}
	if per := contactPairs(p, "TE", "EM"); per != nil {
		sw.seg("PER", strs(append([]string{"IC", p.Contact}, per...))...)
	}
}

func contactPairs(p *Party, phone, email string) []string {
	var out []string
	if p.Phone != "" {
		out = append(out, phone, p.Phone)
	}
	if p.Email != "" {
		out = append(out, email, p.Email)
	}
	if out == nil && p.Contact != "" {
		return []string{}
	}
	return out
}

// lineIDs is a line's product ids with its SKU first (as qualifier q when
// the SKU is not among them).
func lineIDs(l Line, q string) []ProductID {
	ids := make([]ProductID, 0, len(l.ProductIDs)+1)
	found := false
	for _, id := range l.ProductIDs {
		if id.Value == l.SKU {
			found = true
			ids = append([]ProductID{id}, ids...)
			continue
		}
		ids = append(ids, id)
	}
	if !found && l.SKU != "" {
		ids = append([]ProductID{{Qualifier: q, Value: l.SKU}}, ids...)
	}
	return ids
}

// hashAdd adds a quantity to a hash total, ignoring what cannot be added.
func hashAdd(total, q string) string {
	if s, ok := addDecimal(total, q); ok {
		return s
	}
	return total
}

// --- EDIFACT DESADV ---

func encodeEDIFACT(sw *segWriter, p *Profile, ctl Control, docs []Document) error {
	at := ctl.time()
	syntax := p.edifactSyntax()
	def := DefaultEDIFACT
	if syntaxVersion(syntax) < 4 {
		def.Repetition = 0
	}
	def.Suffix = sw.d.Suffix
	if sw.d != def {
		sw.una()
	}
	ref := strconv.FormatInt(ctl.Interchange, 10)
	sw.unb(syntax, p.LocalID, p.PartnerID, at, ref, p.Test)
	set := ctl.firstSet()
	for _, doc := range docs {
		var (
			typ   string
			write func() error
		)
		switch doc := doc.(type) {
		case *ShipNotice:
			typ, write = "DESADV", func() error { return writeDESADV(sw, doc, at) }
		case *ReturnNotice:
			typ, write = "RETANN", func() error { return writeRETANN(sw, doc, at) }
		default:
			return fmt.Errorf("edi: EDIFACT output of %s documents is not supported", doc.DocumentType())
		}
		sw.n = 0
		no := strconv.FormatInt(set, 10)
		set++
		msgID := []string{typ}
		msgID = append(msgID, splitVersion(p.edifactVersion())...)
		if p.EDIFACTAssociation != "" {
			msgID = append(msgID, p.EDIFACTAssociation)
		}
		sw.seg("UNH", no, comp(msgID...))
		if err := write(); err != nil {
			return err
		}
		sw.seg("UNT", strconv.Itoa(sw.n+1), no)
	}
	sw.seg("UNZ", strconv.Itoa(len(docs)), ref)
	return nil
}

func splitVersion(v string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == ':' {
			out = append(out, v[start:i])
			start = i + 1
		}
	}
	return out
}

func writeDESADV(sw *segWriter, sn *ShipNotice, at time.Time) error {
	if sn.ExternalID == "" {
		return errors.New("edi: DESADV: external_id (the despatch advice number) is required")
	}
	sw.seg("BGM", "351", sn.ExternalID, firstOf(sn.Purpose, "9"))
	issued := sn.IssuedAt
	if _, ok := whenOf(issued); !ok {
		issued = rfc3339(at)
	}
	edifactDTM(sw, "137", issued)
	edifactDTM(sw, "11", sn.ShippedAt)
	edifactDTM(sw, "132", sn.DeliveryExpectedAt)
	for _, d := range sn.Dates {
		edifactDTM(sw, d.Qualifier, d.Value)
	}
	if sn.GrossWeight != "" {
		sw.seg("MEA", "WT", "AAB", comp(sn.WeightUnit, sn.GrossWeight))
	}
	for _, o := range sn.OrderRefs {
		sw.seg("RFF", comp("ON", o))
	}
	if sn.BillOfLading != "" {
		sw.seg("RFF", comp("BM", sn.BillOfLading))
	}
	for _, t := range sn.TrackingNumbers {
		sw.seg("RFF", comp("CN", t))
	}
	for _, r := range sn.References {
		sw.seg("RFF", comp(r.Qualifier, r.Value))
	}
	writeNAD(sw, "CZ", sn.ShipFrom)
	writeNAD(sw, "DP", sn.ShipTo)
	writeNAD(sw, "BY", sn.Buyer)
	writeNAD(sw, "SU", sn.Seller)
	for i := range sn.Parties {
		writeNAD(sw, "", &sn.Parties[i])
	}
	if c := sn.Carrier; c != nil {
		sw.seg("TDT", "20", "", c.Mode, "", comp(c.Code, "", "", c.Name))
	}
	sw.seg("CPS", "1")
	n := 0
	line := func(l Line) {
		n++
		ids := lineIDs(l, "SA")
		var item comps
		if len(ids) > 0 {
			item = comp(ids[0].Value, ids[0].Qualifier)
			ids = ids[1:]
		}
		sw.seg("LIN", firstOf(l.LineNumber, strconv.Itoa(n)), "", item)
		for len(ids) > 0 {
			k := min(len(ids), 5)
			pia := []any{"1"}
			for _, id := range ids[:k] {
				pia = append(pia, comp(id.Value, id.Qualifier))
			}
			sw.seg("PIA", pia...)
			ids = ids[k:]
		}
		if l.Description != "" {
			sw.seg("IMD", "F", "", comp("", "", "", l.Description))
		}
		sw.seg("QTY", comp("12", string(l.Quantity), l.Unit))
		if l.OriginCountry != "" {
			sw.seg("ALI", l.OriginCountry)
		}
		if l.OrderRef != "" {
			sw.seg("RFF", comp("ON", l.OrderRef))
		}
	}
	var byPkg []*packGroup
	for _, l := range sn.Lines {
		if l.PackageID == "" {
			line(l)
			continue
		}
		var pg *packGroup
		for _, p := range byPkg {
			if p.id == l.PackageID {
				pg = p
			}
		}
		if pg == nil {
			pg = &packGroup{id: l.PackageID}
			byPkg = append(byPkg, pg)
		}
		pg.lines = append(pg.lines, l)
	}
	for _, p := range sn.Packages {
		found := false
		for _, pg := range byPkg {
			found = found || pg.id == p.ID
		}
		if !found {
			byPkg = append(byPkg, &packGroup{id: p.ID})
		}
	}
	cps := 1
	for _, pg := range byPkg {
		cps++
		sw.seg("CPS", strconv.Itoa(cps), "1")
		var pkg *Package
		for i := range sn.Packages {
			if sn.Packages[i].ID == pg.id {
				pkg = &sn.Packages[i]
			}
		}
		typ := ""
		if pkg != nil {
			typ = pkg.Type
		}
		sw.seg("PAC", "1", "", typ)
		if pkg != nil && pkg.SSCC != "" {
			sw.seg("PCI", "33E")
			sw.seg("GIN", "BJ", pkg.SSCC)
		}
		if pkg != nil && pkg.Tracking != "" {
			sw.seg("GIN", "ML", pkg.Tracking)
		}
		for _, l := range pg.lines {
			line(l)
		}
	}
	sw.seg("CNT", comp("2", strconv.Itoa(n)))
	return nil
}

// edifactDTM writes a date as format 102, or 203/204 when it has a time.
func edifactDTM(sw *segWriter, qual, when string) {
	t, ok := sw.when(when)
	switch {
	case !ok:
	case t.Second() != 0:
		sw.seg("DTM", comp(qual, t.Format("20060102150405"), "204"))
	case t.Hour() != 0 || t.Minute() != 0:
		sw.seg("DTM", comp(qual, t.Format("200601021504"), "203"))
	default:
		sw.seg("DTM", comp(qual, t.Format("20060102"), "102"))
	}
}

// writeNAD writes NAD with contact details (CTA, COM) for p.
func writeNAD(sw *segWriter, role string, p *Party) {
	if p == nil || p.Name == "" && p.ID == "" {
		return
	}
	var id comps
	if p.ID != "" {
		id = comp(p.ID, "", p.IDQualifier)
	}
	sw.seg("NAD", firstOf(p.Role, role), id, "", p.Name, comp(p.Line1, p.Line2), p.City, p.Region, p.Postcode, p.Country)
	if p.Contact != "" || p.Email != "" || p.Phone != "" {
		sw.seg("CTA", "IC", comp("", p.Contact))
		if p.Email != "" {
			sw.seg("COM", comp(p.Email, "EM"))
		}
		if p.Phone != "" {
			sw.seg("COM", comp(p.Phone, "TE"))
		}
	}
}
