package sanctions

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

// csvHeader maps a header row to column positions by normalised name, so
// a publisher adding or moving a column does not break the import.
type csvHeader map[string]int

func newHeader(rec []string) csvHeader {
	h := csvHeader{}
	for i, name := range rec {
		h[headerKey(name)] = i
	}
	return h
}

func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimPrefix(s, "\ufeff")) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// get returns column name of rec, "" when absent.
func (h csvHeader) get(rec []string, name string) string {
	if i, ok := h[headerKey(name)]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func (h csvHeader) has(names ...string) bool {
	for _, n := range names {
		if _, ok := h[headerKey(n)]; !ok {
			return false
		}
	}
	return true
}

// readCSV reads a CSV with a header, calling fn for each data row.
// skip tells whether a leading line comes before the header (the UK's
// "Report Date:" line) and returns its content.
func readCSV(r *bufio.Reader, comma rune, format string, required []string, fn func(h csvHeader, line int, rec []string) error) error {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var h csvHeader
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			if h == nil {
				return malformed(format, "", "missing_header", nil)
			}
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return malformed(format, lineAt(pe.Line), "syntax", pe.Err)
			}
			return malformed(format, "", "syntax", err)
		}
		line, _ := cr.FieldPos(0)
		if h == nil {
			h = newHeader(rec)
			if !h.has(required...) {
				return malformed(format, lineAt(line), "missing_header", nil)
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if err := fn(h, line, rec); err != nil {
			return err
		}
	}
}

func splitList(s, sep string) []string {
	var out []string
	for _, v := range strings.Split(s, sep) {
		if v = clean(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (p *parse) csl(r *bufio.Reader) error {
	return readCSV(r, ',', p.format, []string{"_id", "source", "name", "type"}, func(h csvHeader, line int, rec []string) error {
		where := lineAt(line)
		e := Entry{ID: h.get(rec, "_id"), Source: h.get(rec, "source"), Remarks: h.get(rec, "remarks")}
		switch strings.ToLower(h.get(rec, "type")) {
		case "individual":
			e.Type = Person
		case "vessel":
			e.Type = Vessel
		case "aircraft":
			e.Type = Aircraft
		case "entity", "":
			// The Commerce and State lists leave type empty; most of
			// their parties are companies.
			e.Type = Entity
		default:
			return p.fail(where, "unknown_type")
		}
		var ns names
		ns.add(h.get(rec, "name"), Primary)
		for _, a := range splitList(h.get(rec, "alt_names"), ";") {
			ns.add(a, Strong)
		}
		e.Names = ns.list
		e.Programs = splitList(h.get(rec, "programs"), ";")
		var countries, addrs, ids, dobs set
		for _, c := range splitList(h.get(rec, "citizenships"), ";") {
			countries.country(c)
		}
		for _, c := range splitList(h.get(rec, "nationalities"), ";") {
			countries.country(c)
		}
		for _, a := range splitList(h.get(rec, "addresses"), ";") {
			addrs.add(a)
			// Addresses end with the ISO code: "…, Moscow, 119261, RU".
			if i := strings.LastIndex(a, ","); i >= 0 {
				countries.country(strings.TrimSpace(a[i+1:]))
			} else {
				countries.country(a)
			}
		}
		for _, d := range splitList(h.get(rec, "dates_of_birth"), ";") {
			dobs.add(d)
		}
		for _, id := range splitList(h.get(rec, "ids"), ";") {
			// "RU, 7736640919, Tax ID No." → "Tax ID No. 7736640919"
			parts := strings.Split(id, ",")
			if len(parts) >= 3 && strings.TrimSpace(parts[1]) != "" {
				ids.add(strings.TrimSpace(strings.Join(parts[2:], ",")) + " " + strings.TrimSpace(parts[1]))
			}
		}
		if cs := h.get(rec, "call_sign"); cs != "" {
			ids.add("Call Sign " + cs)
		}
		countries.country(h.get(rec, "vessel_flag"))
		e.Countries, e.Addresses, e.IDs, e.BirthDates = countries.list, addrs.list, ids.list, dobs.list
		e.ListedOn = isoDate(h.get(rec, "start_date"))
		if p.ids[e.ID] {
			// The CSL repeats a Treasury party once per sub-list it is on
			// (SDN and CAPTA, say) under the same _id; the later rows are
			// told apart by their sub-list's abbreviation.
			e.ID += "/" + sourceCode(e.Source)
		}
		return p.emit(e, where)
	})
}

// sourceCode is the abbreviation in a CSL source name:
// "Capta List (CAP) - Treasury Department" → "CAP".
func sourceCode(source string) string {
	if i := strings.Index(source, "("); i >= 0 {
		if j := strings.Index(source[i:], ")"); j > 1 {
			return source[i+1 : i+j]
		}
	}
	return headerKey(source)
}
