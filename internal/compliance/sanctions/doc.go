// Package sanctions owns denied-party lists: the importers for each
// publisher's format, the common entry model they produce, and the list
// versions in force. Matching names against the lists is package
// screening's job; it builds its index from Current and rebuilds it when
// Generation moves (or Changed fires, in this process).
//
// # Importers
//
// Load and Stream read OFAC's legacy CSV (sdn.csv and cons_prim.csv with
// their alt/add/comments companions), the US Consolidated Screening List,
// the UN consolidated XML, the EU Financial Sanctions Files (XML, CSV and
// a JSON Lines form) and the UK Sanctions List (XML, CSV and a JSON Lines
// form), gzip-compressed or not, detecting the format when not told. Every
// importer produces the same Entry: the list's own identifier, a type, the
// names graded primary, strong or weak (an alias of one word — one
// character in scripts written without spaces —, a UN or UK
// "Low" quality alias, an OFAC alias marked weak), names in other scripts
// tagged with their ISO 15924 script, countries as ISO alpha-2 codes,
// dates of birth in ISO 8601 (partial dates stay partial: "1962",
// "1948-12", ranges as "1960/1962"), addresses, identifiers and programmes.
//
// A file is imported whole or not at all: the first malformed record fails
// it with a 422 problem naming the line or record.
//
// # Versions and freshness
//
// Service.Import replaces a list's version in force in one transaction,
// records failed imports without touching the version in force, and keeps
// freshness alarms (stale, import_failed) that GET /api/v1/compliance/lists
// reports. The lists are platform data: nothing here is tenant-scoped.
//
// # Lists product rules read
//
// ProductLists are small embedded snapshots, each with its source URL and
// date, of the lists product rules depend on and no importer reads: the
// FCC Covered List, the UFLPA Entity List and the comprehensively
// embargoed destinations (product/*.json). Package checks matches a
// product's manufacturer and brand against them with the screening
// matcher.
package sanctions
