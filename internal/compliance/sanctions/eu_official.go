package sanctions

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The EU publishes its Financial Sanctions Files (FSF) as XML 1.1: an
// <export generationDate=…> root holding one <sanctionEntity> per party,
// whose details are attributes of child elements. The CSV 1.1 form
// flattens the same tree into one ';'-separated row per detail, the
// entity's columns repeated on each row.

type euXMLEntity struct {
	LogicalID   string `xml:"logicalId,attr"`
	Reference   string `xml:"euReferenceNumber,attr"`
	UNID        string `xml:"unitedNationId,attr"`
	Remark      string `xml:"remark"`
	SubjectType struct {
		Code string `xml:"code,attr"`
	} `xml:"subjectType"`
	Regulations []struct {
		Programme       string `xml:"programme,attr"`
		PublicationDate string `xml:"publicationDate,attr"`
	} `xml:"regulation"`
	Names []struct {
		Whole  string   `xml:"wholeName,attr"`
		First  string   `xml:"firstName,attr"`
		Middle string   `xml:"middleName,attr"`
		Last   string   `xml:"lastName,attr"`
		Strong string   `xml:"strong,attr"`
		Remark []string `xml:"remark"`
	} `xml:"nameAlias"`
	Citizenships []euXMLPlace `xml:"citizenship"`
	Births       []struct {
		euXMLPlace
		Birthdate string `xml:"birthdate,attr"`
		Year      string `xml:"year,attr"`
	} `xml:"birthdate"`
	Addresses []struct {
		euXMLPlace
		Street string `xml:"street,attr"`
		City   string `xml:"city,attr"`
		Zip    string `xml:"zipCode,attr"`
		Region string `xml:"region,attr"`
	} `xml:"address"`
	IDs []struct {
		euXMLPlace
		Type        string `xml:"identificationTypeCode,attr"`
		Number      string `xml:"number,attr"`
		LatinNumber string `xml:"latinNumber,attr"`
	} `xml:"identification"`
}

type euXMLPlace struct {
	Country string `xml:"countryIso2Code,attr"`
}

func (p *parse) euXML(r *bufio.Reader) error {
	d := xmlDecoder(r)
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return p.fail("", "not_eu_list")
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
		case "export":
			root = true
			for _, a := range se.Attr {
				if a.Name.Local == "generationDate" {
					p.published = isoDate(a.Value)
					p.version = a.Value
				}
			}
		case "sanctionEntity":
			if !root {
				return p.fail(xmlLine(d), "not_eu_list")
			}
			where := xmlLine(d)
			var j euXMLEntity
			if err := d.DecodeElement(&j, &se); err != nil {
				return p.failErr(xmlLine(d), err)
			}
			if j.LogicalID != "" {
				where = "record " + j.LogicalID + " (" + where + ")"
			}
			x := euEntity{id: j.LogicalID, reference: j.Reference, unID: j.UNID, subjectType: j.SubjectType.Code, remark: j.Remark}
			for _, reg := range j.Regulations {
				x.published = append(x.published, reg.PublicationDate)
				x.programmes = append(x.programmes, reg.Programme)
			}
			for _, n := range j.Names {
				whole := n.Whole
				if whole == "" {
					whole = joinNonEmpty([]string{n.First, n.Middle, n.Last}, " ")
				}
				strong := !strings.EqualFold(n.Strong, "false")
				for _, rm := range n.Remark {
					if strings.Contains(strings.ToLower(rm), "low quality") {
						strong = false
					}
				}
				x.names = append(x.names, euName{whole, strong})
			}
			for _, c := range j.Citizenships {
				x.countries = append(x.countries, c.Country)
			}
			for _, b := range j.Births {
				if b.Birthdate != "" {
					x.births = append(x.births, b.Birthdate)
				} else if b.Year != "" {
					x.births = append(x.births, b.Year)
				}
				x.countries = append(x.countries, b.Country)
			}
			for _, a := range j.Addresses {
				x.addresses = append(x.addresses, joinNonEmpty([]string{a.Street, a.City, a.Zip, a.Region, a.Country}, ", "))
				x.countries = append(x.countries, a.Country)
			}
			for _, id := range j.IDs {
				n := id.Number
				if n == "" {
					n = id.LatinNumber
				}
				if n != "" {
					x.ids = append(x.ids, joinNonEmpty([]string{id.Type, n}, " "))
				}
			}
			if err := p.euEmit(x, where); err != nil {
				return err
			}
		}
	}
}

// euCSV groups the rows of each entity (keyed by Entity_LogicalId) and
// emits the entities in first-seen order once the file is read: rows of
// one entity are usually adjacent, but nothing in the format says so.
func (p *parse) euCSV(r *bufio.Reader) error {
	type group struct {
		x           euEntity
		line        int
		names, seen map[string]bool
	}
	var order []*group
	byID := map[string]*group{}
	add := func(g *group, list *[]string, v string) {
		// Keyed by the list too: a birth year and a postcode may be equal.
		key := fmt.Sprintf("%p\x00%s", list, v)
		if v = clean(v); v != "" && !g.seen[key] {
			g.seen[key] = true
			*list = append(*list, v)
		}
	}
	err := readCSV(r, ';', p.format, []string{"Entity_LogicalId", "NameAlias_WholeName"}, func(h csvHeader, line int, rec []string) error {
		if p.published.IsZero() {
			p.published = isoDate(h.get(rec, "fileGenerationDate"))
		}
		id := h.get(rec, "Entity_LogicalId")
		if id == "" {
			return p.fail(lineAt(line), "missing_id")
		}
		g := byID[id]
		if g == nil {
			g = &group{line: line, names: map[string]bool{}, seen: map[string]bool{}}
			g.x = euEntity{id: id, reference: h.get(rec, "Entity_EU_ReferenceNumber"), unID: h.get(rec, "Entity_UnitedNationId"),
				remark: h.get(rec, "Entity_Remark"), subjectType: h.get(rec, "Entity_SubjectType")}
			if g.x.subjectType == "" {
				g.x.subjectType = h.get(rec, "Entity_SubjectType_ClassificationCode")
			}
			byID[id] = g
			order = append(order, g)
		}
		x := &g.x
		add(g, &x.programmes, h.get(rec, "Entity_Regulation_Programme"))
		if d := h.get(rec, "Entity_Regulation_PublicationDate"); d != "" {
			x.published = append(x.published, d)
		}
		whole := h.get(rec, "NameAlias_WholeName")
		if whole == "" {
			whole = joinNonEmpty([]string{h.get(rec, "NameAlias_FirstName"), h.get(rec, "NameAlias_MiddleName"), h.get(rec, "NameAlias_LastName")}, " ")
		}
		if whole != "" && !g.names[whole] {
			g.names[whole] = true
			strong := !strings.EqualFold(h.get(rec, "NameAlias_Strong"), "false") &&
				!strings.Contains(strings.ToLower(h.get(rec, "NameAlias_Remark")), "low quality")
			x.names = append(x.names, euName{whole, strong})
		}
		for _, col := range []string{"Citizenship_CountryIso2Code", "Address_CountryIso2Code", "BirthDate_CountryIso2Code"} {
			add(g, &x.countries, h.get(rec, col))
		}
		if b := h.get(rec, "BirthDate_BirthDate"); b != "" {
			add(g, &x.births, b)
		} else {
			add(g, &x.births, h.get(rec, "BirthDate_Year"))
		}
		add(g, &x.addresses, joinNonEmpty([]string{h.get(rec, "Address_Street"), h.get(rec, "Address_City"),
			h.get(rec, "Address_ZipCode"), h.get(rec, "Address_Region"), h.get(rec, "Address_CountryIso2Code")}, ", "))
		if n := h.get(rec, "Identification_Number"); n != "" {
			add(g, &x.ids, joinNonEmpty([]string{h.get(rec, "Identification_TypeCode"), n}, " "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, g := range order {
		if err := p.euEmit(g.x, lineAt(g.line)+" (record "+g.x.id+")"); err != nil {
			return err
		}
	}
	return nil
}
