package sanctions

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// OFAC's legacy CSV files have no header, CRLF line ends, "-0- " for an
// empty field and a DOS end-of-file byte (0x1A) on a line of its own.

const ofacEmpty = "-0-"

// ofacCompanions are the rows of the files that complete sdn.csv (or
// cons_prim.csv), keyed by ent_num.
type ofacCompanions struct {
	alt      map[string][]ofacAlt
	add      map[string][]ofacAddress
	comments map[string]string
}

type ofacAlt struct{ kind, name, remarks string }
type ofacAddress struct{ address, city, country, remarks string }

// readCompanions reads alt/add/comments beside the primary file when
// present. A missing file is normal (OFAC publishes them separately); a
// malformed one fails the import, naming the file and line.
func readCompanions(fsys fs.FS, name, format string, h hash.Hash) (*ofacCompanions, error) {
	dir := path.Dir(name)
	prefix := map[bool][3]string{
		false: {"alt.csv", "add.csv", "sdn_comments.csv"},
		true:  {"cons_alt.csv", "cons_add.csv", "cons_comments.csv"},
	}[format == FormatOFACCons]
	c := &ofacCompanions{}
	for i, base := range prefix {
		rows, err := readOFACFile(fsys, path.Join(dir, base), format, h)
		if err != nil {
			return nil, err
		}
		if rows == nil {
			continue
		}
		switch i {
		case 0:
			c.alt = map[string][]ofacAlt{}
			for _, r := range rows {
				if len(r.f) < 4 {
					return nil, malformed(format, base+" "+lineAt(r.line), "columns", nil)
				}
				a := ofacAlt{kind: val(r.f[2]), name: val(r.f[3])}
				if len(r.f) > 4 {
					a.remarks = val(r.f[4])
				}
				c.alt[r.f[0]] = append(c.alt[r.f[0]], a)
			}
		case 1:
			c.add = map[string][]ofacAddress{}
			for _, r := range rows {
				if len(r.f) < 5 {
					return nil, malformed(format, base+" "+lineAt(r.line), "columns", nil)
				}
				a := ofacAddress{address: val(r.f[2]), city: val(r.f[3]), country: val(r.f[4])}
				if len(r.f) > 5 {
					a.remarks = val(r.f[5])
				}
				c.add[r.f[0]] = append(c.add[r.f[0]], a)
			}
		case 2:
			c.comments = map[string]string{}
			for _, r := range rows {
				if len(r.f) < 2 {
					return nil, malformed(format, base+" "+lineAt(r.line), "columns", nil)
				}
				c.comments[r.f[0]] += val(r.f[1])
			}
		}
	}
	return c, nil
}

type ofacRow struct {
	line int
	f    []string
}

// readOFACFile returns nil rows when neither name nor name.gz exists.
func readOFACFile(fsys fs.FS, name, format string, h hash.Hash) ([]ofacRow, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		name += ".gz"
		f, err = fsys.Open(name)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sanctions: %w", err)
	}
	defer f.Close()
	r, closeR, err := open(f, h)
	if err != nil {
		return nil, err
	}
	defer closeR()
	rows := []ofacRow{}
	err = readOFACRows(r, func(line int, f []string) error {
		if _, err := strconv.Atoi(f[0]); err != nil {
			return malformed(format, path.Base(name)+" "+lineAt(line), "ent_num", nil)
		}
		rows = append(rows, ofacRow{line, append([]string(nil), f...)})
		return nil
	}, format, path.Base(name)+" ")
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, r)
	return rows, err
}

// readOFACRows reads headerless OFAC CSV, skipping the 0x1A end-of-file
// line and blank lines. fn's slice is reused between calls.
func readOFACRows(r *bufio.Reader, fn func(line int, f []string) error, format, where string) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return malformed(format, where+lineAt(pe.Line), "syntax", pe.Err)
			}
			return malformed(format, where, "syntax", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.Trim(rec[0], "\x1a \t") == "" {
			continue
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

func val(s string) string {
	s = strings.TrimSpace(s)
	if s == ofacEmpty {
		return ""
	}
	return s
}

func (p *parse) ofac(r *bufio.Reader, side *ofacCompanions) error {
	return readOFACRows(r, func(line int, f []string) error {
		where := lineAt(line)
		if len(f) != 12 {
			return p.fail(where, "columns")
		}
		id := strings.TrimSpace(f[0])
		if _, err := strconv.Atoi(id); err != nil {
			return p.fail(where, "ent_num")
		}
		e := Entry{ID: id}
		switch strings.ToLower(val(f[2])) {
		case "individual":
			e.Type = Person
		case "vessel":
			e.Type = Vessel
		case "aircraft":
			e.Type = Aircraft
		case "":
			e.Type = Entity
		default:
			return p.fail(where, "unknown_type")
		}
		var ns names
		ns.add(val(f[1]), Primary)
		for _, prog := range strings.Split(val(f[3]), "] [") {
			if prog = strings.Trim(prog, "[] "); prog != "" {
				e.Programs = append(e.Programs, prog)
			}
		}
		var countries, ids, dobs, addrs set
		if cs := val(f[5]); cs != "" {
			ids.add("Call Sign " + cs)
		}
		countries.country(val(f[9])) // vessel flag
		remarks := val(f[11])
		if more := side.comments[id]; more != "" {
			remarks += more
		}
		e.Remarks = remarks
		alts := side.alt[id]
		for _, a := range alts {
			strength := Strong
			if strings.Contains(strings.ToLower(a.remarks), "weak") {
				strength = Weak
			}
			ns.add(a.name, strength)
		}
		for _, a := range side.add[id] {
			parts := []string{a.address, a.city, a.country}
			addrs.add(joinNonEmpty(parts, ", "))
			countries.country(a.country)
		}
		// Without alt.csv rows for this entry (no alt.csv, or one older
		// than sdn.csv) the remarks' a.k.a. list is the only source of
		// aliases; with them, the remarks repeat what alt.csv says.
		ofacRemarks(remarks, len(alts) == 0, &ns, &countries, &ids, &dobs)
		e.Names = ns.list
		e.Countries, e.IDs, e.BirthDates, e.Addresses = countries.list, ids.list, dobs.list, addrs.list
		return p.emit(e, where)
	}, p.format, "")
}

var (
	// akaRe finds aliases in remarks: a.k.a. 'NAME'; names may hold
	// apostrophes ('ISLAMIC GAMA'AT'), so the closing quote must be
	// followed by a separator or the end.
	akaRe = regexp.MustCompile(`(?i)(weak\s+)?(?:[afn]\.k\.a\.),?\s+'(.+?)'(?:[;.,)]|\s*$)`)
	// ofacIDLabels are the remark prefixes that introduce an identifier.
	ofacIDLabels = []string{"Passport", "National ID No.", "Cedula No.", "Tax ID No.", "Registration Number",
		"Registration ID", "Identification Number", "SSN", "D-U-N-S Number", "Legal Entity Number",
		"Company Number", "RUC #", "NIT #", "C.U.I.T.", "C.U.R.P.", "R.F.C.", "Driver's License No.",
		"Personal ID Card", "Residency Number", "Business Registration Number", "Business Number",
		"Commercial Registry Number", "Chamber of Commerce Number", "Public Registration Number",
		"Trade License No.", "Aircraft Manufacturer's Serial Number (MSN)", "Aircraft Tail Number",
		"Digital Currency Address - "}
	ofacMonths = map[string]string{"jan": "01", "feb": "02", "mar": "03", "apr": "04", "may": "05", "jun": "06",
		"jul": "07", "aug": "08", "sep": "09", "oct": "10", "nov": "11", "dec": "12"}
)

// ofacRemarks reads what OFAC packs into the remarks column: dates of
// birth, nationality, identifiers and, when alt.csv is absent, aliases.
func ofacRemarks(remarks string, aliases bool, ns *names, countries, ids, dobs *set) {
	if remarks == "" {
		return
	}
	if aliases {
		for _, m := range akaRe.FindAllStringSubmatch(remarks, -1) {
			strength := Strong
			if m[1] != "" {
				strength = Weak
			}
			ns.add(m[2], strength)
		}
	}
	for _, seg := range strings.Split(remarks, ";") {
		seg = strings.TrimSuffix(strings.TrimSpace(seg), ".")
		seg = strings.TrimPrefix(seg, "alt. ")
		switch {
		case strings.HasPrefix(seg, "DOB "):
			if d := ofacDate(seg[4:]); d != "" {
				dobs.add(d)
			}
		case hasPrefixFold(seg, "nationality "):
			countries.country(seg[len("nationality "):])
		case hasPrefixFold(seg, "citizen "):
			countries.country(seg[len("citizen "):])
		case strings.Contains(seg, "IMO "):
			if i := strings.Index(seg, "IMO "); i >= 0 {
				if n := firstToken(seg[i+4:]); n != "" {
					ids.add("IMO " + n)
				}
			}
		default:
			for _, l := range ofacIDLabels {
				if strings.HasPrefix(seg, l) {
					rest := strings.TrimSpace(seg[len(l):])
					if strings.HasSuffix(l, "- ") {
						// Digital Currency Address - XBT 1abc…: keep the currency.
						ids.add(l + rest)
					} else if n := firstToken(rest); n != "" {
						ids.add(l + " " + n)
					}
					break
				}
			}
		}
	}
}

func firstToken(s string) string {
	f := strings.Fields(s)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimRight(f[0], ",;")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// ofacDate turns "10 Dec 1948", "Dec 1948", "circa 1975" or "1960 to
// 1962" into ISO 8601 ("1948-12-10", "1948-12", "1975", "1960/1962").
func ofacDate(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "circa "))
	if a, b, ok := strings.Cut(s, " to "); ok {
		x, y := ofacDate(a), ofacDate(b)
		if x == "" || y == "" {
			return ""
		}
		return x + "/" + y
	}
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		if isYear(f[0]) {
			return f[0]
		}
	case 2:
		if m := ofacMonths[strings.ToLower(f[0])]; m != "" && isYear(f[1]) {
			return f[1] + "-" + m
		}
	case 3:
		d, err := strconv.Atoi(f[0])
		if m := ofacMonths[strings.ToLower(f[1])]; m != "" && isYear(f[2]) && err == nil && d >= 1 && d <= 31 {
			return fmt.Sprintf("%s-%s-%02d", f[2], m, d)
		}
	}
	return ""
}

func isYear(s string) bool {
	if len(s) != 4 {
		return false
	}
	y, err := strconv.Atoi(s)
	return err == nil && y > 1800 && y < 2200
}

func joinNonEmpty(parts []string, sep string) string {
	var out []string
	for _, s := range parts {
		if s = clean(s); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, sep)
}

// isoDate parses an ISO date (or date-time) leniently; zero when absent
// or unreadable, since listing dates are informative only.
func isoDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "02/01/2006", "02-Jan-2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	if len(s) > 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t
		}
	}
	return time.Time{}
}
