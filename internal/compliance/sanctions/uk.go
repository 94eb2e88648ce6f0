package sanctions

import (
	"bufio"
	"encoding/json"
	"strings"
)

// ukJSON is one designation of the UK Sanctions List in its JSON Lines
// form: the FCDO's fields in snake case, names as a list.
type ukJSON struct {
	UniqueID    string `json:"unique_id"`
	OFSIGroupID string `json:"ofsi_group_id"`
	UNReference string `json:"un_reference_number"`
	Type        string `json:"type"`
	Regime      string `json:"regime_name"`
	Designated  string `json:"date_designated"`
	LastUpdated string `json:"last_updated"`
	Names       []ukJSONName
	NamesField  []ukJSONName `json:"names"`
	NonLatin    []string     `json:"non_latin_names"`
	Addresses   []struct {
		Lines   []string `json:"lines"`
		Country string   `json:"country"`
	} `json:"addresses"`
	OtherInformation string `json:"other_information"`
}

type ukJSONName struct {
	FullName string `json:"full_name"`
	NameType string `json:"name_type"`
	Strength string `json:"alias_strength"`
}

// ukDesignation is the common shape of the UK's three formats.
type ukDesignation struct {
	id, typ, regime, designated, updated, remarks, unRef string
	names                                                []ukName
	nonLatin                                             []string
	addresses                                            []string
	countries                                            []string // names as published
	dobs, ids                                            []string
}

type ukName struct{ full, nameType, strength string }

func (p *parse) ukJSONL(r *bufio.Reader) error {
	return readJSONL(r, p.format, func(line int, b []byte) error {
		var j ukJSON
		if err := json.Unmarshal(b, &j); err != nil {
			return malformed(p.format, lineAt(line), "syntax", err)
		}
		d := ukDesignation{id: j.UniqueID, typ: j.Type, regime: j.Regime, designated: j.Designated,
			updated: j.LastUpdated, remarks: j.OtherInformation, unRef: j.UNReference, nonLatin: j.NonLatin}
		for _, n := range j.NamesField {
			d.names = append(d.names, ukName{n.FullName, n.NameType, n.Strength})
		}
		for _, a := range j.Addresses {
			d.addresses = append(d.addresses, joinNonEmpty(append(append([]string(nil), a.Lines...), a.Country), ", "))
			d.countries = append(d.countries, a.Country)
		}
		where := lineAt(line)
		if d.id != "" {
			where += " (record " + d.id + ")"
		}
		return p.ukEmit(d, where)
	})
}

func (p *parse) ukEmit(d ukDesignation, where string) error {
	e := Entry{ID: strings.TrimSpace(d.id), Remarks: clean(d.remarks), ListedOn: isoDate(d.designated)}
	switch strings.ToLower(strings.TrimSpace(d.typ)) {
	case "individual":
		e.Type = Person
	case "entity":
		e.Type = Entity
	case "ship":
		e.Type = Vessel
	default:
		return p.fail(where, "unknown_type")
	}
	if t := isoDate(d.updated); t.After(p.latest) {
		// The list is at least as new as its latest amendment.
		p.latest = t
	}
	var ns names
	// Primary name first, whatever order the rows came in.
	for _, n := range d.names {
		if strings.EqualFold(strings.TrimSpace(n.nameType), "primary name") {
			ns.add(n.full, Primary)
			break
		}
	}
	for _, n := range d.names {
		strength := Strong
		switch t := strings.ToLower(strings.TrimSpace(n.nameType)); {
		case t == "primary name" && len(ns.list) == 0:
			strength = Primary
		case strings.HasPrefix(strings.ToLower(n.strength), "low"):
			strength = Weak
		}
		ns.add(n.full, strength)
	}
	if len(ns.list) > 0 && ns.list[0].Strength != Primary {
		// A designation without a row marked primary: its first name is.
		ns.list[0].Strength = Primary
	}
	for _, n := range d.nonLatin {
		ns.add(n, Strong)
	}
	e.Names = ns.list
	if d.regime != "" {
		e.Programs = []string{clean(d.regime)}
	}
	var countries, addrs, dobs, ids set
	for _, c := range d.countries {
		countries.country(c)
	}
	for _, a := range d.addresses {
		addrs.add(a)
	}
	for _, b := range d.dobs {
		dobs.add(b)
	}
	for _, id := range d.ids {
		ids.add(id)
	}
	if d.unRef != "" {
		ids.add("UN " + d.unRef)
	}
	e.Countries, e.Addresses, e.BirthDates, e.IDs = countries.list, addrs.list, dobs.list, ids.list
	return p.emit(e, where)
}
