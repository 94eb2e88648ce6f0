package fx

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// SourceECB names the European Central Bank's euro reference rates.
const SourceECB = "ecb"

// Record is one published rate: on Date, 1 Base = Rate Quote.
type Record struct {
	Date  string // YYYY-MM-DD
	Base  string
	Quote string
	Rate  string // a positive decimal string, without trailing zeros
}

// ParseError names where a file went wrong: its line, and for CSV the
// record (the data row, the header being record 0).
type ParseError struct {
	Line   int
	Record int
	Msg    string
}

func (e *ParseError) Error() string {
	if e.Record > 0 {
		return fmt.Sprintf("fx: line %d (record %d): %s", e.Line, e.Record, e.Msg)
	}
	return fmt.Sprintf("fx: line %d: %s", e.Line, e.Msg)
}

// Formats the importer reads.
const (
	FormatXML = "xml"
	FormatCSV = "csv"
)

// Parse streams the records of an ECB eurofxref file to fn, detecting XML
// or CSV from the first byte. It stops at the first malformed line; fn
// has then seen the records before it, so a caller that must be
// all-or-nothing runs it in a transaction.
func Parse(r io.Reader, fn func(Record) error) (string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	// Skip a UTF-8 byte-order mark and leading blank space.
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err == io.EOF {
				return "", &ParseError{Line: 1, Msg: "empty file"}
			}
			return "", fmt.Errorf("fx: read: %w", err)
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			_, _ = br.Discard(1)
			continue
		}
		if b[0] == '<' {
			return FormatXML, ParseXML(br, fn)
		}
		return FormatCSV, ParseCSV(br, fn)
	}
}

const (
	nsECB    = "http://www.ecb.int/vocabulary/2002-08-01/eurofxref"
	nsGesmes = "http://www.gesmes.org/xml/2002-08-01"
)

// ParseXML streams an ECB eurofxref XML file (daily, 90-day or full
// history): Cube elements with a time attribute hold Cube elements with
// currency and rate attributes, all EUR-based.
func ParseXML(r io.Reader, fn func(Record) error) error {
	dec := xml.NewDecoder(r)
	dec.Strict = true
	var (
		day      string
		depth    int // depth of Cube nesting
		sawRoot  bool
		sawRates bool
		seen     = seenRates{}
	)
	fail := func(msg string, args ...any) error {
		line, _ := dec.InputPos()
		return &ParseError{Line: line, Msg: fmt.Sprintf(msg, args...)}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return &ParseError{Line: se.Line, Msg: se.Msg}
			}
			return fail("%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !sawRoot {
				if t.Name.Local != "Envelope" || t.Name.Space != nsGesmes {
					return fail("not an ECB eurofxref file: root element %q", t.Name.Local)
				}
				sawRoot = true
				continue
			}
			if t.Name.Local != "Cube" {
				continue
			}
			if t.Name.Space != nsECB {
				return fail("Cube element outside the ECB namespace")
			}
			depth++
			switch depth {
			case 1:
			case 2:
				tm := attr(t, "time")
				if err := checkDate(tm); err != nil {
					return fail("Cube time %q: %v", tm, err)
				}
				day = tm
			case 3:
				if day == "" {
					return fail("rate outside a dated Cube")
				}
				rec := Record{Date: day, Base: "EUR", Quote: attr(t, "currency"), Rate: attr(t, "rate")}
				if msg := checkRecord(rec); msg != "" {
					return fail("%s", msg)
				}
				rec.Rate = normalRate(rec.Rate)
				if seen.repeat(rec) {
					return fail("second rate for %s on %s", rec.Quote, rec.Date)
				}
				sawRates = true
				if err := fn(rec); err != nil {
					return err
				}
			default:
				return fail("Cube nested too deep")
			}
		case xml.EndElement:
			if t.Name.Local == "Cube" && t.Name.Space == nsECB {
				if depth == 2 {
					day = ""
				}
				depth--
			}
		}
	}
	if !sawRoot {
		return &ParseError{Line: 1, Msg: "no ECB eurofxref envelope"}
	}
	if !sawRates {
		line, _ := dec.InputPos()
		return &ParseError{Line: line, Msg: "no rates in file"}
	}
	return nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// ParseCSV streams an ECB eurofxref CSV file: a header "Date,USD,JPY,…"
// then one row per day. Both published shapes are read: eurofxref.csv
// (", " separators, "13 April 2026" dates, a trailing ", ") and
// eurofxref-hist.csv (ISO dates, a trailing comma, "N/A" where no rate
// was published, which is skipped).
func ParseCSV(r io.Reader, fn func(Record) error) error {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return csvErr(cr, 0, err)
	}
	if len(header) < 2 || strings.TrimSpace(header[0]) != "Date" {
		return &ParseError{Line: 1, Msg: `header must start with "Date"`}
	}
	cols := make([]string, 0, len(header)-1)
	for i, h := range header[1:] {
		h = strings.TrimSpace(h)
		if h == "" && i == len(header)-2 {
			break // the trailing separator
		}
		if !isCode(h) {
			return &ParseError{Line: 1, Msg: fmt.Sprintf("column %d: %q is not a currency code", i+2, h)}
		}
		cols = append(cols, h)
	}
	if len(cols) == 0 {
		return &ParseError{Line: 1, Msg: "no currency columns"}
	}
	sawRates, lastLine, seen := false, 1, seenRates{}
	for rec := 1; ; rec++ {
		row, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return csvErr(cr, rec, err)
		}
		line, _ := cr.FieldPos(0)
		lastLine = line
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			continue
		}
		fail := func(msg string, args ...any) error {
			return &ParseError{Line: line, Record: rec, Msg: fmt.Sprintf(msg, args...)}
		}
		if n := len(row) - 1; n != len(cols) && !(n == len(cols)+1 && strings.TrimSpace(row[n]) == "") {
			return fail("%d rates for %d currency columns", n, len(cols))
		}
		day, err := csvDate(strings.TrimSpace(row[0]))
		if err != nil {
			return fail("date %q: %v", row[0], err)
		}
		for i, c := range cols {
			v := strings.TrimSpace(row[i+1])
			if v == "N/A" || v == "" {
				continue
			}
			r := Record{Date: day, Base: "EUR", Quote: c, Rate: v}
			if msg := checkRecord(r); msg != "" {
				return fail("%s: %s", c, msg)
			}
			r.Rate = normalRate(r.Rate)
			if seen.repeat(r) {
				return fail("second rate for %s on %s", c, day)
			}
			sawRates = true
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	if !sawRates {
		return &ParseError{Line: lastLine, Msg: "no rates in file"}
	}
	return nil
}

func csvErr(cr *csv.Reader, rec int, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Record: rec, Msg: pe.Err.Error()}
	}
	if err == io.EOF {
		return &ParseError{Line: 1, Msg: "empty file"}
	}
	return fmt.Errorf("fx: read: %w", err)
}

func csvDate(s string) (string, error) {
	if err := checkDate(s); err == nil {
		return s, nil
	}
	t, err := time.Parse("2 January 2006", s)
	if err != nil {
		return "", errors.New("want YYYY-MM-DD or e.g. 13 April 2026")
	}
	return t.Format(time.DateOnly), nil
}

func checkDate(s string) error {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Format(time.DateOnly) != s {
		return errors.New("want YYYY-MM-DD")
	}
	return nil
}

func isCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := range 3 {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// checkRecord returns why r is unusable, or "".
func checkRecord(r Record) string {
	if !isCode(r.Quote) {
		return fmt.Sprintf("currency %q is not a three-letter code", r.Quote)
	}
	if r.Quote == r.Base {
		return fmt.Sprintf("rate of %s against itself", r.Quote)
	}
	if _, err := parseRate(r.Rate); err != nil {
		return fmt.Sprintf("rate %q for %s: %v", r.Rate, r.Quote, err)
	}
	return ""
}

// seenRates catches a file that gives one day's rate for a currency
// twice, which no ECB file does: which one would be meant?
type seenRates map[[2]string]bool

func (s seenRates) repeat(r Record) bool {
	k := [2]string{r.Date, r.Quote}
	if s[k] {
		return true
	}
	s[k] = true
	return false
}

// normalRate drops trailing zeros ("366.90" → "366.9", "13111.0" →
// "13111"), as the ECB's own files disagree on them, so that the same
// rate read from any of its files is the same stored value.
func normalRate(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// parseRate reads a published rate: a plain positive decimal, no sign,
// no exponent, at most 20 significant digits.
func parseRate(s string) (*apd.Decimal, error) {
	if s == "" || len(s) > 32 || strings.ContainsAny(s, "eE+-") {
		return nil, errors.New("want a positive decimal number")
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite || d.Sign() <= 0 {
		return nil, errors.New("want a positive decimal number")
	}
	return d, nil
}
