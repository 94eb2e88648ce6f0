package edi

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// DefaultMaxSegmentSize bounds one segment (1 MiB). Real segments are a few
// hundred bytes at most; the bound keeps a missing terminator from turning
// into an unbounded buffer.
const DefaultMaxSegmentSize = 1 << 20

const (
	isaScanLimit = 1024     // bytes searched for the 16 ISA element separators
	initialBuf   = 4 << 10  // first read buffer: most interchanges are small
	chunkBuf     = 64 << 10 // the buffer grows to this while the source keeps it full
)

// Character classes for the splitting loop.
const (
	clsData uint8 = iota
	clsElement
	clsComponent
	clsRepetition
	clsRelease
)

var bom = []byte{0xEF, 0xBB, 0xBF}

// Reader is a streaming tokenizer for X12 and EDIFACT. It reads its source
// in chunks (4 KiB, growing to 64 KiB while the source keeps up) and returns
// one segment at a time, so memory use is bounded by the longest segment,
// not by the interchange.
//
// At the start of the stream, and after every IEA or UNZ, it looks at the
// next bytes to find the standard and the delimiters: the ISA header
// (X12), UNA service string advice, or UNB/UNH with the EDIFACT defaults.
// A byte-order mark at the start, CR/LF after terminators and a final
// segment without terminator are all accepted.
type Reader struct {
	src   io.Reader
	buf   []byte
	r, w  int
	eof   bool
	full  bool // the last read filled the buffer: the source has more
	ioErr error
	base  int64 // stream offset of buf[0]
	line  int   // line number at buf[r]

	std        Standard
	delims     Delimiters
	una        bool
	header     bool // the next segment may start an interchange
	started    bool
	suffixSeen bool
	cls        [256]uint8
	isaCls     [256]uint8

	index   int
	max     int
	seg     Segment
	scratch []byte
	err     error // sticky
}

// NewReader returns a Reader reading from r.
func NewReader(r io.Reader) *Reader {
	return &Reader{src: r, line: 1, header: true, max: DefaultMaxSegmentSize}
}

// SetMaxSegmentSize changes the longest segment accepted (n > 0).
func (rd *Reader) SetMaxSegmentSize(n int) {
	if n > 0 {
		rd.max = n
	}
}

// Standard is the standard of the current interchange ("" before the first
// segment).
func (rd *Reader) Standard() Standard { return rd.std }

// Delimiters are the delimiters of the current interchange.
func (rd *Reader) Delimiters() Delimiters { return rd.delims }

// UNA reports whether the current EDIFACT interchange began with UNA.
func (rd *Reader) UNA() bool { return rd.una }

// Next returns the next segment, or io.EOF after the last one. A syntax
// problem is returned as an *Error with the position where it was found,
// and the Reader then keeps returning it. The returned segment is valid
// until the next call.
func (rd *Reader) Next() (*Segment, error) {
	if rd.err != nil {
		return nil, rd.err
	}
	s, err := rd.next()
	if err != nil {
		rd.err = err
		return nil, err
	}
	return s, nil
}

func (rd *Reader) next() (*Segment, error) {
	if !rd.started {
		rd.started = true
		if rd.ensure(3) && bytes.HasPrefix(rd.buf[rd.r:rd.w], bom) {
			rd.r += 3
		}
	}
	if rd.header {
		rd.skipSpace(true)
		if !rd.ensure(3) {
			if rd.r == rd.w {
				if rd.ioErr != nil {
					return nil, rd.ioErr
				}
				if rd.index == 0 {
					return nil, rd.syntax("input is empty")
				}
				return nil, io.EOF
			}
			if rd.index == 0 {
				return nil, rd.syntax("input is neither X12 (ISA) nor EDIFACT (UNA, UNB or UNH)")
			}
		} else {
			switch string(rd.buf[rd.r : rd.r+3]) {
			case "ISA":
				return rd.readISA()
			case "UNA":
				if err := rd.readUNA(); err != nil {
					return nil, err
				}
			case "UNB", "UNH":
				rd.una = false
				rd.setDelims(EDIFACT, DefaultEDIFACT)
			default:
				if rd.index == 0 {
					return nil, rd.syntax("input is neither X12 (ISA) nor EDIFACT (UNA, UNB or UNH)")
				}
			}
		}
		rd.header = false
		rd.suffixSeen = false
	}
	return rd.readSegment()
}

// readISA reads the X12 interchange header. The standard fixes it at 106
// characters, so that the element separator is the 4th byte, the
// component separator the 105th and the terminator the 106th. Senders do
// pad it wrongly (with multi-byte spaces, too short or too long), so it is
// read by counting the 16 element separators instead, which agrees with the
// fixed positions whenever those are right.
func (rd *Reader) readISA() (*Segment, error) {
	rd.ensure(isaScanLimit)
	b := rd.buf[rd.r:rd.w]
	if len(b) > isaScanLimit {
		b = b[:isaScanLimit]
	}
	if len(b) < 4 {
		return nil, rd.syntaxTag("ISA", "ISA header is truncated")
	}
	es := b[3]
	if !usableDelimiter(es) {
		return nil, rd.syntaxTag("ISA", fmt.Sprintf("ISA element separator %q is not usable", es))
	}
	n, end := 0, -1
	for i := 3; i < len(b); i++ {
		if b[i] == es {
			n++
			if n == 16 {
				end = i
				break
			}
		}
	}
	if end < 0 || end+2 >= len(b) {
		return nil, rd.syntaxTag("ISA", fmt.Sprintf("ISA header is truncated: found %d of 16 elements, a component separator and a segment terminator", n))
	}
	comp, term := b[end+1], b[end+2]
	switch {
	case term == es || comp == es || comp == term:
		return nil, rd.syntaxTag("ISA", "ISA delimiters are not distinct")
	case !usableDelimiter(comp):
		return nil, rd.syntaxTag("ISA", fmt.Sprintf("ISA16 component separator %q is not usable", comp))
	case isAlnum(term) || term == ' ' || term == 0:
		return nil, rd.syntaxTag("ISA", fmt.Sprintf("character %q after ISA16 is not a segment terminator", term))
	}
	rd.isaCls = [256]uint8{}
	rd.isaCls[es] = clsElement
	pos := rd.pos()
	rd.build(b[:end+2], &rd.isaCls) // ISA through ISA16, split on the element separator only
	rd.seg.Tag = rd.seg.Element(0)
	rd.seg.Pos = pos

	d := Delimiters{Element: es, Component: comp, Segment: term}
	if atLeast(rd.seg.Element(12), 402) {
		if rs := rd.seg.Element(11); len(rs) == 1 && usableDelimiter(rs[0]) && rs[0] != es && rs[0] != comp && rs[0] != term {
			d.Repetition = rs[0]
		}
	}
	rd.setDelims(X12, d)
	rd.una = false
	rd.consume(end + 3)
	rd.detectSuffix()
	rd.header = false
	rd.index++
	return &rd.seg, nil
}

// readUNA reads EDIFACT service string advice: UNA followed by exactly six
// characters: component separator, element separator, decimal mark,
// release character, repetition separator (a space in syntax 3, meaning
// none) and segment terminator.
func (rd *Reader) readUNA() error {
	if !rd.ensure(9) {
		return rd.syntax("UNA service string advice is truncated")
	}
	b := rd.buf[rd.r : rd.r+9]
	d := Delimiters{Component: b[3], Element: b[4], Decimal: b[5], Release: b[6], Repetition: b[7], Segment: b[8]}
	if d.Release == ' ' {
		d.Release = 0
	}
	if d.Repetition == ' ' {
		d.Repetition = 0
	}
	if d.Decimal != ',' {
		d.Decimal = '.'
	}
	set := []byte{d.Component, d.Element, d.Segment}
	for _, c := range []byte{d.Release, d.Repetition} {
		if c != 0 {
			set = append(set, c)
		}
	}
	for i, c := range set {
		if !usableDelimiter(c) && !(i == 2 && (c == '\n' || c == '\r')) {
			return rd.syntax(fmt.Sprintf("UNA service character %q is not usable", c))
		}
		if bytes.IndexByte(set[i+1:], c) >= 0 {
			return rd.syntax(fmt.Sprintf("UNA service character %q is used twice", c))
		}
	}
	rd.consume(9)
	rd.setDelims(EDIFACT, d)
	rd.una = true
	return nil
}

// readSegment reads up to the next unescaped terminator, or to the end of
// input for a final segment without one.
func (rd *Reader) readSegment() (*Segment, error) {
	term, rel := rd.delims.Segment, rd.delims.Release
	for {
		rd.skipSpace(false)
		scan := 0 // relative to rd.r; rd.r moves when fill compacts the buffer
		for {
			b := rd.buf[rd.r:rd.w]
			if i := bytes.IndexByte(b[scan:], term); i >= 0 {
				j := scan + i
				if rel != 0 && escaped(b[:j], rel) {
					scan = j + 1
					continue
				}
				if j > rd.max {
					return nil, rd.syntax(fmt.Sprintf("segment is longer than %d bytes", rd.max))
				}
				if j == 0 { // an empty segment: skip it
					rd.consume(1)
					break
				}
				raw := b[:j]
				if term == '\n' {
					raw = bytes.TrimSuffix(raw, []byte{'\r'})
				}
				return rd.emit(raw, j+1)
			}
			scan = len(b)
			if len(b) > rd.max {
				return nil, rd.syntax(fmt.Sprintf("segment is longer than %d bytes", rd.max))
			}
			if !rd.fill() {
				if rd.ioErr != nil {
					return nil, rd.ioErr
				}
				raw := bytes.TrimRight(rd.buf[rd.r:rd.w], " \t\r\n\x00\x1a")
				if len(raw) == 0 {
					rd.consume(rd.w - rd.r)
					return nil, io.EOF
				}
				return rd.emit(raw, rd.w-rd.r)
			}
		}
	}
}

// emit splits raw into rd.seg and consumes n bytes.
func (rd *Reader) emit(raw []byte, n int) (*Segment, error) {
	pos := rd.pos()
	rd.build(raw, &rd.cls)
	s := &rd.seg
	s.Pos = pos
	s.Tag = s.Element(0)
	if !validTag(s.Tag) {
		return nil, &Error{Code: CodeSyntax, Position: pos, Message: fmt.Sprintf("segment tag %q is not 2 or 3 capital letters and digits", clip(s.Tag)), Value: clip(string(raw))}
	}
	// Syntax versions 1 to 3 have no repetition separator, so '*' is data
	// there unless UNA says otherwise.
	if s.Tag == "UNB" && rd.std == EDIFACT && !rd.una && rd.delims.Repetition != 0 {
		if v, err := strconv.Atoi(s.Component(1, 2)); err == nil && v < 4 {
			d := rd.delims
			d.Repetition = 0
			rd.setDelims(EDIFACT, d)
			rd.build(raw, &rd.cls)
			s.Pos, s.Tag = pos, s.Element(0)
		}
	}
	rd.consume(n)
	if !rd.suffixSeen {
		rd.detectSuffix()
	}
	rd.index++
	if s.Tag == "IEA" || s.Tag == "UNZ" {
		rd.header = true
	}
	return s, nil
}

// build splits raw into elements, repetitions and components with the
// class table cls, resolving release characters, into rd.seg. All the
// values are ranges of one string: one allocation per segment, and no
// pointers written per value.
func (rd *Reader) build(raw []byte, cls *[256]uint8) {
	s := &rd.seg
	sc, bounds := rd.scratch[:0], s.bounds[:0]
	reps, elems := s.reps[:0], s.elems[:0]
	compStart, repStart, elemStart := 0, 0, 0
	for i := 0; ; i++ {
		j := i
		for j < len(raw) && cls[raw[j]] == clsData {
			j++
		}
		sc = append(sc, raw[i:j]...)
		i = j
		k := clsElement // the end of the segment ends everything
		if i < len(raw) {
			k = cls[raw[i]]
		}
		if k == clsRelease {
			if i+1 < len(raw) {
				i++
			}
			sc = append(sc, raw[i])
			continue
		}
		bounds = append(bounds, int32(compStart), int32(len(sc)))
		compStart = len(sc)
		if k == clsRepetition || k == clsElement {
			n := len(bounds) / 2
			reps = append(reps, span{int32(repStart), int32(n)})
			repStart = n
		}
		if k == clsElement {
			elems = append(elems, span{int32(elemStart), int32(len(reps))})
			elemStart = len(reps)
		}
		if i >= len(raw) {
			break
		}
	}
	s.str = string(sc)
	s.bounds, s.reps, s.elems = bounds, reps, elems
	rd.scratch = sc
}

func (rd *Reader) setDelims(std Standard, d Delimiters) {
	rd.std = std
	if rd.delims.Suffix != "" && d.Suffix == "" {
		d.Suffix = rd.delims.Suffix
	}
	rd.delims = d
	rd.cls = [256]uint8{}
	rd.cls[d.Element] = clsElement
	rd.cls[d.Component] = clsComponent
	if d.Repetition != 0 {
		rd.cls[d.Repetition] = clsRepetition
	}
	if d.Release != 0 {
		rd.cls[d.Release] = clsRelease
	}
}

// detectSuffix records what follows a segment terminator (CR/LF or
// nothing), once per interchange.
func (rd *Reader) detectSuffix() {
	rd.suffixSeen = true
	if t := rd.delims.Segment; t == '\n' || t == '\r' {
		rd.delims.Suffix = ""
		if t == '\r' && rd.ensure(1) && rd.buf[rd.r] == '\n' {
			rd.delims.Suffix = "\n"
		}
		return
	}
	rd.delims.Suffix = ""
	if rd.ensure(1) {
		switch rd.buf[rd.r] {
		case '\n':
			rd.delims.Suffix = "\n"
		case '\r':
			rd.delims.Suffix = "\r"
			if rd.ensure(2) && rd.buf[rd.r+1] == '\n' {
				rd.delims.Suffix = "\r\n"
			}
		}
	}
}

// skipSpace skips CR and LF, and at an interchange boundary also spaces,
// tabs, NUL and the old DOS end-of-file mark.
func (rd *Reader) skipSpace(boundary bool) {
	for {
		for rd.r < rd.w {
			switch c := rd.buf[rd.r]; {
			case c == '\n':
				rd.line++
			case c == '\r':
			case boundary && (c == ' ' || c == '\t' || c == 0 || c == 0x1a):
			default:
				return
			}
			rd.r++
		}
		if !rd.fill() {
			return
		}
	}
}

func (rd *Reader) consume(n int) {
	rd.line += bytes.Count(rd.buf[rd.r:rd.r+n], []byte{'\n'})
	rd.r += n
}

// ensure tries to have n unread bytes buffered and reports whether it has.
func (rd *Reader) ensure(n int) bool {
	for rd.w-rd.r < n {
		if !rd.fill() {
			return false
		}
	}
	return true
}

// fill reads more input, compacting or growing the buffer first. It
// returns false when nothing more could be read.
func (rd *Reader) fill() bool {
	if rd.eof {
		return false
	}
	if rd.r > 0 {
		n := copy(rd.buf, rd.buf[rd.r:rd.w])
		rd.base += int64(rd.r)
		rd.w, rd.r = n, 0
	}
	if rd.w == len(rd.buf) || rd.full && len(rd.buf) < chunkBuf {
		nb := make([]byte, max(2*len(rd.buf), initialBuf))
		copy(nb, rd.buf[:rd.w])
		rd.buf = nb
	}
	for range 100 {
		n, err := rd.src.Read(rd.buf[rd.w:])
		rd.w += n
		rd.full = rd.w == len(rd.buf)
		if err != nil {
			rd.eof = true
			if err != io.EOF {
				rd.ioErr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	rd.eof, rd.ioErr = true, io.ErrNoProgress
	return false
}

func (rd *Reader) pos() Position {
	return Position{Segment: rd.index + 1, Offset: rd.base + int64(rd.r), Line: rd.line}
}

func (rd *Reader) syntax(msg string) *Error {
	return &Error{Code: CodeSyntax, Position: rd.pos(), Message: msg}
}

func (rd *Reader) syntaxTag(tag, msg string) *Error {
	e := rd.syntax(msg)
	e.Tag = tag
	return e
}

// escaped reports whether the byte after b is preceded by an odd number of
// release characters, i.e. is itself released.
func escaped(b []byte, rel byte) bool {
	n := 0
	for i := len(b) - 1; i >= 0 && b[i] == rel; i-- {
		n++
	}
	return n%2 == 1
}

func validTag(t string) bool {
	if len(t) < 2 || len(t) > 3 || t[0] < 'A' || t[0] > 'Z' {
		return false
	}
	for i := 1; i < len(t); i++ {
		if c := t[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// usableDelimiter: not a letter or digit, not a space, not CR/LF, not NUL.
func usableDelimiter(c byte) bool {
	return !isAlnum(c) && c != ' ' && c != '\r' && c != '\n' && c != 0
}

// atLeast reports whether the numeric version string v is >= min.
func atLeast(v string, min int) bool {
	n, err := strconv.Atoi(v)
	return err == nil && n >= min
}
