package sanctions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// maxLine bounds one JSON Lines record; the largest designation in the
// published lists is well under 1 MiB.
const maxLine = 8 << 20

// readJSONL calls fn for each non-blank line with its line number.
func readJSONL(r *bufio.Reader, format string, fn func(line int, b []byte) error) error {
	line := 0
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		buf = append(buf, chunk...)
		if err == bufio.ErrBufferFull {
			if len(buf) > maxLine {
				return malformed(format, lineAt(line+1), "line_too_long", nil)
			}
			continue
		}
		if err != nil && err != io.EOF {
			return malformed(format, lineAt(line+1), "syntax", err)
		}
		if len(buf) > 0 || err == nil {
			line++
			if b := bytes.TrimSpace(buf); len(b) > 0 {
				if ferr := fn(line, b); ferr != nil {
					return ferr
				}
			}
		}
		buf = buf[:0]
		if err == io.EOF {
			return nil
		}
	}
}

// euJSON is one entity of the EU list in its JSON Lines form: the FSF
// XML's sanctionEntity with the field names in snake case.
type euJSON struct {
	LogicalID   json.RawMessage `json:"logical_id"`
	Reference   string          `json:"eu_reference_number"`
	UNID        string          `json:"un_id"`
	SubjectType string          `json:"subject_type"`
	Programmes  []string        `json:"programmes"`
	Regulations []struct {
		PublicationDate string `json:"publication_date"`
		Programme       string `json:"programme"`
	} `json:"regulations"`
	Names []struct {
		WholeName string `json:"whole_name"`
		First     string `json:"first_name"`
		Middle    string `json:"middle_name"`
		Last      string `json:"last_name"`
		Strong    *bool  `json:"strong"`
	} `json:"names"`
	Birthdates []struct {
		Birthdate string `json:"birthdate"`
		Year      any    `json:"year"`
		Country   string `json:"country_iso2_code"`
	} `json:"birthdates"`
	Citizenships []string `json:"citizenships"`
	Addresses    []struct {
		Street  string `json:"street"`
		City    string `json:"city"`
		Zip     string `json:"zip_code"`
		Region  string `json:"region"`
		Country string `json:"country_iso2_code"`
	} `json:"addresses"`
	Identifications []struct {
		Type    string `json:"identification_type_code"`
		Number  string `json:"number"`
		Country string `json:"country_iso2_code"`
	} `json:"identifications"`
	Remark string `json:"remark"`
}

// euEntity is the common shape the EU's three formats are read into.
type euEntity struct {
	id, reference, unID, subjectType, remark string
	programmes                               []string
	published                                []string // regulation publication dates
	names                                    []euName
	births                                   []string
	countries                                []string // ISO codes as published ("00" = unknown)
	addresses                                []string
	ids                                      []string
}

type euName struct {
	whole  string
	strong bool
}

func (p *parse) euJSONL(r *bufio.Reader) error {
	return readJSONL(r, p.format, func(line int, b []byte) error {
		var j euJSON
		if err := json.Unmarshal(b, &j); err != nil {
			return malformed(p.format, lineAt(line), "syntax", err)
		}
		x := euEntity{id: strings.Trim(string(j.LogicalID), `"`), reference: j.Reference, unID: j.UNID,
			subjectType: j.SubjectType, remark: j.Remark, programmes: j.Programmes}
		if x.id == "null" {
			x.id = ""
		}
		for _, reg := range j.Regulations {
			x.published = append(x.published, reg.PublicationDate)
			if reg.Programme != "" {
				x.programmes = append(x.programmes, reg.Programme)
			}
		}
		for _, n := range j.Names {
			whole := n.WholeName
			if whole == "" {
				whole = joinNonEmpty([]string{n.First, n.Middle, n.Last}, " ")
			}
			x.names = append(x.names, euName{whole, n.Strong == nil || *n.Strong})
		}
		for _, bd := range j.Birthdates {
			switch y := bd.Year.(type) {
			case float64:
				if bd.Birthdate == "" {
					x.births = append(x.births, jsonYear(y))
				}
			case string:
				if bd.Birthdate == "" {
					x.births = append(x.births, y)
				}
			}
			if bd.Birthdate != "" {
				x.births = append(x.births, bd.Birthdate)
			}
			x.countries = append(x.countries, bd.Country)
		}
		x.countries = append(x.countries, j.Citizenships...)
		for _, a := range j.Addresses {
			x.addresses = append(x.addresses, joinNonEmpty([]string{a.Street, a.City, a.Zip, a.Region, a.Country}, ", "))
			x.countries = append(x.countries, a.Country)
		}
		for _, id := range j.Identifications {
			if id.Number != "" {
				x.ids = append(x.ids, joinNonEmpty([]string{id.Type, id.Number}, " "))
			}
		}
		where := lineAt(line)
		if x.id != "" {
			where += " (record " + x.id + ")"
		}
		return p.euEmit(x, where)
	})
}

func jsonYear(f float64) string {
	b, _ := json.Marshal(int(f))
	return string(b)
}

func (p *parse) euEmit(x euEntity, where string) error {
	e := Entry{ID: strings.TrimSpace(x.id), Remarks: clean(x.remark)}
	switch strings.ToLower(strings.TrimSpace(x.subjectType)) {
	case "person", "p":
		e.Type = Person
	case "enterprise", "e", "entity", "":
		e.Type = Entity
	default:
		return p.fail(where, "unknown_type")
	}
	var ns names
	// The EU marks no name as the main one. Its notices lead with the
	// first name in Latin script; entities of Russia's programmes are
	// often published with their Cyrillic name first.
	primary := 0
	for i, n := range x.names {
		if Script(n.whole) == "" && clean(n.whole) != "" {
			primary = i
			break
		}
	}
	if primary < len(x.names) {
		ns.add(x.names[primary].whole, Primary)
	}
	for _, n := range x.names {
		strength := Strong
		if !n.strong {
			strength = Weak
		}
		ns.add(n.whole, strength)
	}
	e.Names = ns.list
	var progs, countries, dobs, addrs, ids set
	for _, pr := range x.programmes {
		progs.add(pr)
	}
	for _, c := range x.countries {
		if c != "00" {
			countries.country(c)
		}
	}
	for _, d := range x.births {
		dobs.add(d)
	}
	for _, a := range x.addresses {
		addrs.add(a)
	}
	for _, id := range x.ids {
		ids.add(id)
	}
	if x.reference != "" {
		ids.add(x.reference)
	}
	if x.unID != "" {
		ids.add("UN " + x.unID)
	}
	e.Programs, e.Countries, e.BirthDates, e.Addresses, e.IDs = progs.list, countries.list, dobs.list, addrs.list, ids.list
	latest := p.latest
	for _, d := range x.published {
		t := isoDate(d)
		if !t.IsZero() && (e.ListedOn.IsZero() || t.Before(e.ListedOn)) {
			e.ListedOn = t
		}
		if t.After(latest) {
			latest = t
		}
	}
	if err := p.emit(e, where); err != nil {
		return err
	}
	// The list is at least as new as the latest regulation it cites.
	p.latest = latest
	return nil
}
