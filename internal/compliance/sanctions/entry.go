package sanctions

import "time"

// Entry types.
const (
	Person   = "person"
	Entity   = "entity"
	Vessel   = "vessel"
	Aircraft = "aircraft"
)

// Name strengths. A weak alias alone never blocks a party.
const (
	Primary = "primary"
	Strong  = "strong"
	Weak    = "weak"
)

// Entry is one designated party of one list, in the form every importer
// produces.
type Entry struct {
	// List is the list's stable key: us_ofac_sdn, us_ofac_cons, us_csl,
	// un, eu_fsf, uk.
	List string `json:"list"`
	// ID is the list's own identifier (OFAC ent_num, UN DATAID, EU logical
	// id, UK unique id, CSL _id).
	ID       string   `json:"entry_id"`
	Type     string   `json:"type"`
	Names    []Name   `json:"names"`
	Programs []string `json:"programs,omitempty"`
	// Source is the sub-list for aggregated lists (the CSL's "Entity List
	// (EL) - Bureau of Industry and Security").
	Source     string    `json:"source,omitempty"`
	Countries  []string  `json:"countries,omitempty"` // ISO alpha-2: nationality, citizenship, address
	BirthDates []string  `json:"birth_dates,omitempty"`
	Addresses  []string  `json:"addresses,omitempty"`
	IDs        []string  `json:"ids,omitempty"` // passports, IMO numbers, registration numbers
	Remarks    string    `json:"remarks,omitempty"`
	ListedOn   time.Time `json:"listed_on,omitzero"`
}

// Name is one name of an entry: the primary name, an alias or a name in
// original script.
type Name struct {
	Value    string `json:"value"`
	Strength string `json:"strength"`
	// Script is the ISO 15924 code of a name not in Latin script ("Cyrl",
	// "Arab", "Hani", "Grek"); empty for Latin, with or without diacritics.
	Script string `json:"script,omitempty"`
}

// Version identifies one import of a list: what the publisher called it
// and when it was published, for the record of every screening decision.
type Version struct {
	// ID identifies the stored import (empty until stored).
	ID          string    `json:"id,omitempty"`
	List        string    `json:"list"`
	Version     string    `json:"version"` // publisher's date or generation stamp
	PublishedAt time.Time `json:"published_at,omitzero"`
	ImportedAt  time.Time `json:"imported_at"`
	Entries     int       `json:"entries"`
	SHA256      string    `json:"sha256"`
	// Format is the importer that read the file.
	Format string `json:"format,omitempty"`
}
