package edi

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Control numbers and time for an interchange being written. The caller
// owns the sequences (per partner, persisted) so that numbers are never
// reused.
type Control struct {
	// Interchange is ISA13 (1 to 999999999) or the UNB reference.
	Interchange int64
	// Group is GS06 (X12); each further group takes the next number.
	Group int64
	// FirstSet is the first ST02/UNH reference; the rest follow. 0 means 1.
	FirstSet int64
	// Time is the envelope date and time; zero means now.
	Time time.Time
}

func (c Control) time() time.Time {
	if c.Time.IsZero() {
		return time.Now().UTC()
	}
	return c.Time
}

func (c Control) firstSet() int64 { return max(c.FirstSet, 1) }

func (c Control) check(std Standard) error {
	if c.Interchange < 1 || std == X12 && c.Interchange > 999999999 {
		return fmt.Errorf("edi: interchange control number %d is out of range", c.Interchange)
	}
	if std == X12 && (c.Group < 1 || c.Group > 999999999) {
		return fmt.Errorf("edi: group control number %d is out of range", c.Group)
	}
	return nil
}

// comps is a composite element value: its components in order.
type comps []string

// reps is a repeated element: one composite value per repetition.
type reps []comps

func comp(vs ...string) comps { return comps(vs) }

// segWriter renders segments into a buffer, counting them for trailers.
// Output is built in memory and written out whole, so that a failure never
// leaves half an interchange with the caller.
type segWriter struct {
	buf bytes.Buffer
	d   Delimiters
	std Standard
	n   int // segments written since the last mark
	err error
	// loc is the partner's zone: timestamps are written as its wall clock,
	// which is how Parse reads them back.
	loc *time.Location
}

// seg writes one segment. Each element is a string, a comps (composite)
// or a reps (repetitions of a composite). Trailing empty elements and
// components are left out, as both standards require.
func (w *segWriter) seg(tag string, elems ...any) {
	if w.err != nil {
		return
	}
	n := len(elems)
	for n > 0 && emptyElem(elems[n-1]) {
		n--
	}
	w.buf.WriteString(tag)
	for i, e := range elems[:n] {
		w.buf.WriteByte(w.d.Element)
		var rs reps
		switch e := e.(type) {
		case string:
			rs = reps{{e}}
		case comps:
			rs = reps{e}
		case reps:
			rs = e
		default:
			panic(fmt.Sprintf("edi: element of type %T", e))
		}
		for ri, r := range rs {
			if ri > 0 {
				if w.d.Repetition == 0 {
					w.err = fmt.Errorf("edi: %s%02d repeats but the interchange has no repetition separator", tag, i+1)
					return
				}
				w.buf.WriteByte(w.d.Repetition)
			}
			m := len(r)
			for m > 1 && r[m-1] == "" {
				m--
			}
			for ci, c := range r[:m] {
				if ci > 0 {
					w.buf.WriteByte(w.d.Component)
				}
				w.value(tag, i+1, c)
			}
		}
	}
	w.end()
}

func emptyElem(e any) bool {
	switch e := e.(type) {
	case string:
		return e == ""
	case comps:
		for _, c := range e {
			if c != "" {
				return false
			}
		}
		return true
	case reps:
		for _, r := range e {
			if !emptyElem(r) {
				return false
			}
		}
		return true
	}
	return false
}

// strs converts a list of values for seg.
func strs(vs []string) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func (w *segWriter) end() {
	w.buf.WriteByte(w.d.Segment)
	w.buf.WriteString(w.d.Suffix)
	w.n++
}

// value writes one value: CR, LF and tabs become spaces; in EDIFACT,
// delimiters get the release character; X12 has none, so a delimiter in a
// value is an error rather than a silently different document.
func (w *segWriter) value(tag string, elem int, v string) {
	d := w.d
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\r' || c == '\n' || c == '\t' {
			c = ' '
		}
		special := c == d.Element || c == d.Component || c == d.Segment || d.Repetition != 0 && c == d.Repetition || d.Release != 0 && c == d.Release
		if special {
			if d.Release == 0 {
				w.err = &Error{Code: CodeInvalidElement, Tag: tag, Element: elem, Value: clip(v),
					Message: fmt.Sprintf("value contains the delimiter %q, which X12 cannot escape", c)}
				return
			}
			w.buf.WriteByte(d.Release)
		}
		w.buf.WriteByte(c)
	}
}

// una writes EDIFACT service string advice.
func (w *segWriter) una() {
	d := w.d
	rep, rel := d.Repetition, d.Release
	if rep == 0 {
		rep = ' '
	}
	if rel == 0 {
		rel = ' '
	}
	dec := d.Decimal
	if dec == 0 {
		dec = '.'
	}
	w.buf.Write([]byte{'U', 'N', 'A', d.Component, d.Element, dec, rel, rep, d.Segment})
	w.buf.WriteString(d.Suffix)
}

// isaHeader holds the fields of an ISA being written.
type isaHeader struct {
	senderQ, sender, receiverQ, receiver string
	repetition                           string // ISA11: the separator, or "U"
	version                              string // ISA12
	control                              int64
	test                                 bool
	ackRequested                         bool
	at                                   time.Time
}

// isa writes the fixed-width ISA segment: every element padded to its
// length, so that the element separator is byte 4, the component separator
// byte 105 and the terminator byte 106.
func (w *segWriter) isa(h isaHeader) {
	if w.err != nil {
		return
	}
	if h.senderQ == "" {
		h.senderQ = "ZZ"
	}
	if h.receiverQ == "" {
		h.receiverQ = "ZZ"
	}
	usage, ack := "P", "0"
	if h.test {
		usage = "T"
	}
	if h.ackRequested {
		ack = "1"
	}
	fields := []struct {
		v     string
		width int
	}{
		{"00", 2}, {"", 10}, {"00", 2}, {"", 10},
		{h.senderQ, 2}, {h.sender, 15}, {h.receiverQ, 2}, {h.receiver, 15},
		{h.at.Format("060102"), 6}, {h.at.Format("1504"), 4}, {h.repetition, 1}, {h.version, 5},
		{fmt.Sprintf("%09d", h.control), 9}, {ack, 1}, {usage, 1},
	}
	var b strings.Builder
	b.WriteString("ISA")
	for i, f := range fields {
		if len(f.v) > f.width || i == 10 && len(f.v) != 1 || strings.IndexByte(f.v, w.d.Element) >= 0 || strings.IndexByte(f.v, w.d.Segment) >= 0 {
			w.err = fmt.Errorf("edi: ISA%02d %q does not fit the fixed ISA (%d characters)", i+1, f.v, f.width)
			return
		}
		b.WriteByte(w.d.Element)
		b.WriteString(f.v)
		b.WriteString(strings.Repeat(" ", f.width-len(f.v)))
	}
	b.WriteByte(w.d.Element)
	b.WriteByte(w.d.Component)
	w.buf.WriteString(b.String())
	w.end()
}

// isa11 is the ISA11 value for a version: the repetition separator from
// 00402 on, "U" (US EDI community) before.
func isa11(d Delimiters, version string) string {
	if atLeast(version, 402) && d.Repetition != 0 {
		return string(d.Repetition)
	}
	return "U"
}

// unb writes the EDIFACT interchange header.
func (w *segWriter) unb(syntax string, sender, receiver Identity, at time.Time, ref string, test bool) {
	date := at.Format("060102")
	if syntaxVersion(syntax) >= 4 {
		date = at.Format("20060102")
	}
	t := ""
	if test {
		t = "1"
	}
	w.seg("UNB", comps(strings.Split(syntax, ":")), comp(sender.ID, sender.Qualifier), comp(receiver.ID, receiver.Qualifier),
		comp(date, at.Format("1504")), ref, "", "", "", "", "", t)
}

func setNumber(n int64, std Standard) string {
	if std == X12 {
		return fmt.Sprintf("%04d", n)
	}
	return strconv.FormatInt(n, 10)
}

// whenOf reads a canonical timestamp (RFC 3339, or a plain date).
func whenOf(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	t, err := time.Parse("2006-01-02", v)
	return t, err == nil
}

// when reads a canonical timestamp in the partner's zone.
func (w *segWriter) when(v string) (time.Time, bool) {
	t, ok := whenOf(v)
	if ok && w.loc != nil {
		t = t.In(w.loc)
	}
	return t, ok
}

// date is CCYYMMDD, "" when v is not a timestamp.
func (w *segWriter) date(v string) string {
	if t, ok := w.when(v); ok {
		return t.Format("20060102")
	}
	return ""
}

// clock is HHMM, or HHMMSS when there are seconds; "" at midnight, which
// is how a date without a time reads back.
func (w *segWriter) clock(v string) string {
	t, ok := w.when(v)
	if !ok || t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return ""
	}
	if t.Second() != 0 {
		return t.Format("150405")
	}
	return t.Format("1504")
}
