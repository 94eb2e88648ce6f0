package sanctions

import (
	"bufio"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
)

// The FCDO publishes the UK Sanctions List as XML (a <Designations> root,
// one <Designation> per party) and as CSV (a "Report Date:" line, then a
// header, then one row per name of each designation). Dates are
// dd/mm/yyyy, with 00 for an unknown day or month.

type ukXMLDesignation struct {
	LastUpdated    string   `xml:"LastUpdated"`
	DateDesignated string   `xml:"DateDesignated"`
	UniqueID       string   `xml:"UniqueID"`
	UNReference    []string `xml:"UNReferenceNumber"`
	Names          []struct {
		Name1    string `xml:"Name1"`
		Name2    string `xml:"Name2"`
		Name3    string `xml:"Name3"`
		Name4    string `xml:"Name4"`
		Name5    string `xml:"Name5"`
		Name6    string `xml:"Name6"`
		NameType string `xml:"NameType"`
		Strength string `xml:"AliasStrength"`
	} `xml:"Names>Name"`
	NonLatin  []string `xml:"NonLatinNames>NonLatinName>NameNonLatinScript"`
	NonLatin2 []string `xml:"NonLatinNames>NameNonLatinScript"`
	Regime    string   `xml:"RegimeName"`
	Type      string   `xml:"IndividualEntityShip"`
	Other     string   `xml:"OtherInformation"`
	Addresses []struct {
		Line1   string `xml:"AddressLine1"`
		Line2   string `xml:"AddressLine2"`
		Line3   string `xml:"AddressLine3"`
		Line4   string `xml:"AddressLine4"`
		Line5   string `xml:"AddressLine5"`
		Line6   string `xml:"AddressLine6"`
		Postal  string `xml:"AddressPostalCode"`
		Country string `xml:"AddressCountry"`
	} `xml:"Addresses>Address"`
	DOBs          []string `xml:"IndividualDetails>Individual>DOBs>DOB"`
	Nationalities []string `xml:"IndividualDetails>Individual>Nationalities>Nationality"`
	Passports     []string `xml:"IndividualDetails>Individual>PassportDetails>PassportDetail>PassportNumber"`
	NationalIDs   []string `xml:"IndividualDetails>Individual>NationalIdentifierDetails>NationalIdentifierDetail>NationalIdentifierNumber"`
	IMOs          []string `xml:"ShipDetails>Ship>IMONumbers>IMONumber"`
	Flags         []string `xml:"ShipDetails>Ship>CurrentBelievedFlagOfShips>CurrentBelievedFlagOfShip"`
	BusinessRegs  []string `xml:"EntityDetails>Entity>BusinessRegistrationNumbers>BusinessRegistrationNumber"`
}

func (p *parse) ukXML(r *bufio.Reader) error {
	d := xmlDecoder(r)
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return p.fail("", "not_uk_list")
			}
			return nil
		}
		if err != nil {
			return p.failErr(xmlLine(d), err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "Designations":
			root = true
		case "DateGenerated":
			var s string
			if err := d.DecodeElement(&s, &se); err != nil {
				return p.failErr(xmlLine(d), err)
			}
			if t := ukDate(s); t != "" {
				p.published = isoDate(t)
			}
		case "Designation":
			if !root {
				return p.fail(xmlLine(d), "not_uk_list")
			}
			where := xmlLine(d)
			var x ukXMLDesignation
			if err := d.DecodeElement(&x, &se); err != nil {
				return p.failErr(xmlLine(d), err)
			}
			if x.UniqueID != "" {
				where = "record " + strings.TrimSpace(x.UniqueID) + " (" + where + ")"
			}
			u := ukDesignation{id: x.UniqueID, typ: x.Type, regime: x.Regime, designated: ukDate(x.DateDesignated),
				updated: ukDate(x.LastUpdated), remarks: x.Other}
			if len(x.UNReference) > 0 {
				u.unRef = strings.TrimSpace(x.UNReference[0])
			}
			for _, n := range x.Names {
				u.names = append(u.names, ukName{ukFullName(n.Name1, n.Name2, n.Name3, n.Name4, n.Name5, n.Name6), n.NameType, n.Strength})
			}
			u.nonLatin = append(x.NonLatin, x.NonLatin2...)
			for _, a := range x.Addresses {
				u.addresses = append(u.addresses, joinNonEmpty([]string{a.Line1, a.Line2, a.Line3, a.Line4, a.Line5, a.Line6, a.Postal, a.Country}, ", "))
				u.countries = append(u.countries, a.Country)
			}
			u.countries = append(u.countries, x.Nationalities...)
			u.countries = append(u.countries, x.Flags...)
			for _, b := range x.DOBs {
				u.dobs = append(u.dobs, ukDate(b))
			}
			u.ids = append(u.ids, prefixed("Passport ", x.Passports)...)
			u.ids = append(u.ids, prefixed("National ID ", x.NationalIDs)...)
			u.ids = append(u.ids, prefixed("IMO ", x.IMOs)...)
			u.ids = append(u.ids, prefixed("Registration Number ", x.BusinessRegs)...)
			if err := p.ukEmit(u, where); err != nil {
				return err
			}
		}
	}
}

func prefixed(prefix string, vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = clean(v); v != "" {
			out = append(out, prefix+strings.TrimPrefix(v, strings.TrimSpace(prefix)+" "))
		}
	}
	return out
}

// ukFullName joins the parts as the FCDO prints them: given names
// (Name 1–5) then the surname or entity name (Name 6).
func ukFullName(parts ...string) string { return joinNonEmpty(parts, " ") }

// ukDate turns dd/mm/yyyy into ISO 8601, leaving out unknown (00) parts;
// "" when unreadable.
func ukDate(s string) string {
	s = strings.TrimSpace(s)
	if t := isoDate(s); !t.IsZero() && strings.Contains(s, "-") {
		return t.Format("2006-01-02")
	}
	f := strings.Split(s, "/")
	if len(f) != 3 || !isYear(f[2]) {
		return ""
	}
	switch {
	case f[1] == "00" || f[1] == "0" || f[1] == "":
		return f[2]
	case f[0] == "00" || f[0] == "0" || f[0] == "":
		return f[2] + "-" + pad2(f[1])
	}
	return f[2] + "-" + pad2(f[1]) + "-" + pad2(f[0])
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// ukCSV groups the name rows of each designation by Unique ID.
func (p *parse) ukCSV(r *bufio.Reader) error {
	// The file opens with "Report Date: dd/mm/yyyy" on a line of its own.
	offset := 0
	first, err := r.Peek(12)
	if err == nil && strings.EqualFold(string(first), "Report Date:") {
		line, err := r.ReadString('\n')
		if err != nil {
			return p.fail(lineAt(1), "missing_header")
		}
		v := strings.Trim(strings.TrimSpace(line[len("Report Date:"):]), ", \"")
		if t := ukDate(v); t != "" {
			p.published = isoDate(t)
		}
		offset = 1
	}
	type group struct {
		u    ukDesignation
		line int
		seen map[string]bool
	}
	var order []*group
	byID := map[string]*group{}
	add := func(g *group, list *[]string, v string) {
		if v = clean(v); v != "" && !g.seen[v] {
			g.seen[v] = true
			*list = append(*list, v)
		}
	}
	err = readCSV(r, ',', p.format, []string{"Unique ID", "Name 6"}, func(h csvHeader, line int, rec []string) error {
		line += offset
		id := h.get(rec, "Unique ID")
		if id == "" {
			return p.fail(lineAt(line), "missing_id")
		}
		g := byID[id]
		if g == nil {
			typ := h.get(rec, "Designation Type")
			if typ == "" {
				typ = h.get(rec, "Individual, Entity, Ship")
			}
			g = &group{line: line, seen: map[string]bool{}}
			g.u = ukDesignation{id: id, typ: typ, regime: h.get(rec, "Regime Name"), designated: ukDate(h.get(rec, "Date Designated")),
				updated: ukDate(h.get(rec, "Last Updated")), remarks: h.get(rec, "Other Information"), unRef: h.get(rec, "UN Reference Number")}
			byID[id] = g
			order = append(order, g)
		}
		u := &g.u
		full := ukFullName(h.get(rec, "Name 1"), h.get(rec, "Name 2"), h.get(rec, "Name 3"), h.get(rec, "Name 4"),
			h.get(rec, "Name 5"), h.get(rec, "Name 6"))
		if full != "" {
			u.names = append(u.names, ukName{full, h.get(rec, "Name type"), h.get(rec, "Alias strength")})
		}
		add(g, &u.nonLatin, h.get(rec, "Name non-latin script"))
		addr := joinNonEmpty([]string{h.get(rec, "Address Line 1"), h.get(rec, "Address Line 2"), h.get(rec, "Address Line 3"),
			h.get(rec, "Address Line 4"), h.get(rec, "Address Line 5"), h.get(rec, "Address Line 6"),
			h.get(rec, "Address Postal Code"), h.get(rec, "Address Country")}, ", ")
		add(g, &u.addresses, addr)
		add(g, &u.countries, h.get(rec, "Address Country"))
		for _, n := range ukMulti(h.get(rec, "Nationality(/ies)")) {
			add(g, &u.countries, n)
		}
		add(g, &u.countries, h.get(rec, "Current believed flag of ship"))
		for _, b := range ukMulti(h.get(rec, "D.O.B")) {
			add(g, &u.dobs, ukDate(b))
		}
		for _, col := range []struct{ label, name string }{{"Passport ", "Passport number"}, {"National ID ", "National Identifier number"},
			{"IMO ", "IMO number"}, {"Registration Number ", "Business registration number (s)"}} {
			for _, v := range ukMulti(h.get(rec, col.name)) {
				add(g, &u.ids, col.label+v)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range order {
		if err := p.ukEmit(g.u, lineAt(g.line)+" (record "+g.u.id+")"); err != nil {
			return err
		}
	}
	return nil
}

// ukNumbering is the "(1) " that numbers the values of a multi-valued
// CSV cell.
var ukNumbering = regexp.MustCompile(`\(\d+\)\s*`)

// ukMulti splits a multi-valued CSV cell: "(1) 01/02/1970 (2) 1971" or
// values separated by "|".
func ukMulti(s string) []string {
	s = ukNumbering.ReplaceAllString(s, "|")
	return splitList(s, "|")
}
