package sanctions

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// unRecord is one INDIVIDUAL or ENTITY of the UN consolidated list.
type unRecord struct {
	DataID     string      `xml:"DATAID"`
	First      string      `xml:"FIRST_NAME"`
	Second     string      `xml:"SECOND_NAME"`
	Third      string      `xml:"THIRD_NAME"`
	Fourth     string      `xml:"FOURTH_NAME"`
	Original   string      `xml:"NAME_ORIGINAL_SCRIPT"`
	ListType   string      `xml:"UN_LIST_TYPE"`
	Reference  string      `xml:"REFERENCE_NUMBER"`
	ListedOn   string      `xml:"LISTED_ON"`
	Comments   string      `xml:"COMMENTS1"`
	Nationals  []string    `xml:"NATIONALITY>VALUE"`
	IndAlias   []unAlias   `xml:"INDIVIDUAL_ALIAS"`
	EntAlias   []unAlias   `xml:"ENTITY_ALIAS"`
	IndAddress []unAddress `xml:"INDIVIDUAL_ADDRESS"`
	EntAddress []unAddress `xml:"ENTITY_ADDRESS"`
	Births     []struct {
		Date     string `xml:"DATE"`
		Year     string `xml:"YEAR"`
		FromYear string `xml:"FROM_YEAR"`
		ToYear   string `xml:"TO_YEAR"`
	} `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	Documents []struct {
		Type    string `xml:"TYPE_OF_DOCUMENT"`
		Number  string `xml:"NUMBER"`
		Country string `xml:"ISSUING_COUNTRY"`
	} `xml:"INDIVIDUAL_DOCUMENT"`
}

type unAlias struct {
	Quality string `xml:"QUALITY"`
	Name    string `xml:"ALIAS_NAME"`
}

type unAddress struct {
	Street  string `xml:"STREET"`
	City    string `xml:"CITY"`
	State   string `xml:"STATE_PROVINCE"`
	Zip     string `xml:"ZIP_CODE"`
	Country string `xml:"COUNTRY"`
	Note    string `xml:"NOTE"`
}

// xmlDecoder reads untrusted XML: no entity expansion beyond the
// predefined ones (encoding/xml never fetches external entities) and a
// strict syntax check.
func xmlDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(r)
	d.Strict = true
	d.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return in, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	return d
}

func xmlLine(d *xml.Decoder) string {
	line, _ := d.InputPos()
	return lineAt(line)
}

func (p *parse) un(r *bufio.Reader) error {
	d := xmlDecoder(r)
	root := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !root {
				return p.fail("", "not_un_list")
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
		case "CONSOLIDATED_LIST":
			root = true
			for _, a := range se.Attr {
				if a.Name.Local == "dateGenerated" {
					p.published = isoDate(a.Value)
					p.version = a.Value
				}
			}
		case "INDIVIDUAL", "ENTITY":
			if !root {
				return p.fail(xmlLine(d), "not_un_list")
			}
			where := xmlLine(d)
			var rec unRecord
			if err := d.DecodeElement(&rec, &se); err != nil {
				return p.failErr(xmlLine(d), err)
			}
			if rec.DataID != "" {
				where = "record " + strings.TrimSpace(rec.DataID) + " (" + where + ")"
			}
			if err := p.emit(unEntry(rec, se.Name.Local == "INDIVIDUAL"), where); err != nil {
				return err
			}
		}
	}
}

func unEntry(rec unRecord, individual bool) Entry {
	e := Entry{ID: strings.TrimSpace(rec.DataID), Type: Entity, Remarks: clean(rec.Comments), ListedOn: isoDate(rec.ListedOn)}
	if individual {
		e.Type = Person
	}
	var ns names
	ns.add(joinNonEmpty([]string{rec.First, rec.Second, rec.Third, rec.Fourth}, " "), Primary)
	if rec.Original != "" {
		ns.add(rec.Original, Strong)
	}
	for _, a := range append(rec.IndAlias, rec.EntAlias...) {
		// The UN grades aliases: "Low" quality ones are too vague to
		// identify anyone alone.
		strength := Strong
		if strings.EqualFold(strings.TrimSpace(a.Quality), "low") {
			strength = Weak
		}
		ns.add(a.Name, strength)
	}
	e.Names = ns.list
	if t := clean(rec.ListType); t != "" {
		e.Programs = []string{t}
	}
	var countries, addrs, dobs, ids set
	for _, n := range rec.Nationals {
		countries.country(n)
	}
	for _, a := range append(rec.IndAddress, rec.EntAddress...) {
		addrs.add(joinNonEmpty([]string{a.Street, a.City, a.State, a.Zip, a.Country}, ", "))
		countries.country(a.Country)
	}
	for _, b := range rec.Births {
		switch {
		case b.Date != "":
			dobs.add(strings.TrimSpace(b.Date)[:min(10, len(strings.TrimSpace(b.Date)))])
		case b.Year != "":
			dobs.add(b.Year)
		case b.FromYear != "" && b.ToYear != "":
			dobs.add(strings.TrimSpace(b.FromYear) + "/" + strings.TrimSpace(b.ToYear))
		}
	}
	for _, doc := range rec.Documents {
		if n := clean(doc.Number); n != "" {
			ids.add(joinNonEmpty([]string{doc.Type, n}, " "))
		}
	}
	if ref := clean(rec.Reference); ref != "" {
		ids.add("UN " + ref)
	}
	e.Countries, e.Addresses, e.BirthDates, e.IDs = countries.list, addrs.list, dobs.list, ids.list
	return e
}
