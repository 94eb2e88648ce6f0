package edi

// Standard is an EDI syntax family.
type Standard string

// Standards.
const (
	X12     Standard = "x12"
	EDIFACT Standard = "edifact"
)

// Delimiters are the service characters of an interchange. A zero byte means
// "not used" (X12 has no release character; EDIFACT syntax 3 has no
// repetition separator).
type Delimiters struct {
	Element    byte
	Component  byte
	Repetition byte
	Segment    byte
	Release    byte
	// Decimal is the EDIFACT decimal mark advised in UNA. Numeric values
	// are read with either '.' or ',' whatever it says, as receivers must.
	Decimal byte
	// Suffix is written after every segment terminator on output: "", "\n"
	// or "\r\n". The Reader fills it in from what follows the first
	// terminator, so acknowledgements look like what they answer.
	Suffix string
}

// DefaultX12 are the delimiters used for outbound X12 when a profile names
// none: * ~ > and the repetition separator ^ (used from version 00402).
var DefaultX12 = Delimiters{Element: '*', Segment: '~', Component: '>', Repetition: '^'}

// DefaultEDIFACT are the EDIFACT defaults when there is no UNA:
// component ':', element '+', decimal '.', release '?', repetition '*'
// (syntax version 4) and terminator '\”.
var DefaultEDIFACT = Delimiters{Component: ':', Element: '+', Decimal: '.', Release: '?', Repetition: '*', Segment: '\''}

// Segment is one segment with its data elements already split and release
// characters resolved. Element numbers are 1-based as in the standards'
// documentation: BEG03 is Element(3), NAD+BY+123::9 has Component(2, 3) "9".
// Accessors return "" for anything absent, so mapping code can read
// optional elements without bounds checks.
//
// A *Segment returned by Reader.Next is reused by the next call; the strings
// it returns are not, and may be kept. Use Clone to keep the segment itself.
type Segment struct {
	Tag string
	Pos Position

	str    string  // every value, unescaped, one after the other
	bounds []int32 // per component: start and end in str
	elems  []span  // per element (index 0 is the tag): range in reps
	reps   []span  // per repetition: range of components
}

type span struct{ lo, hi int32 }

// Len is the number of data elements, trailing empty ones included.
func (s *Segment) Len() int { return len(s.elems) - 1 }

// Element returns the first component of the first repetition of element i:
// the whole value of a simple element.
func (s *Segment) Element(i int) string { return s.Value(i, 1, 1) }

// Component returns component c of the first repetition of element i.
func (s *Segment) Component(i, c int) string { return s.Value(i, 1, c) }

// Value returns component c of repetition r of element i, all 1-based.
func (s *Segment) Value(i, r, c int) string {
	lo, hi := s.repRange(i, r)
	k := lo + c - 1
	if c < 1 || k >= hi {
		return ""
	}
	return s.str[s.bounds[2*k]:s.bounds[2*k+1]]
}

// repRange is the range of components of repetition r of element i.
func (s *Segment) repRange(i, r int) (int, int) {
	if i < 0 || i >= len(s.elems) || r < 1 {
		return 0, 0
	}
	e := s.elems[i]
	k := int(e.lo) + r - 1
	if k >= int(e.hi) {
		return 0, 0
	}
	p := s.reps[k]
	return int(p.lo), int(p.hi)
}

// Repetitions is the number of repetitions of element i (1 for an ordinary
// element, 0 when absent).
func (s *Segment) Repetitions(i int) int {
	if i < 0 || i >= len(s.elems) {
		return 0
	}
	e := s.elems[i]
	return int(e.hi - e.lo)
}

// Components returns the components of the first repetition of element i.
func (s *Segment) Components(i int) []string { return s.Repetition(i, 1) }

// Repetition returns the components of repetition r of element i.
func (s *Segment) Repetition(i, r int) []string {
	lo, hi := s.repRange(i, r)
	if lo == hi {
		return nil
	}
	out := make([]string, 0, hi-lo)
	for k := lo; k < hi; k++ {
		out = append(out, s.str[s.bounds[2*k]:s.bounds[2*k+1]])
	}
	return out
}

// Clone returns a copy of s that later calls to Reader.Next leave alone.
func (s *Segment) Clone() *Segment {
	c := *s
	c.bounds = append([]int32(nil), s.bounds...)
	c.elems = append([]span(nil), s.elems...)
	c.reps = append([]span(nil), s.reps...)
	return &c
}

// Format renders s with the given delimiters (release characters added
// where needed, no terminator). It is meant for logs and tests.
func (s *Segment) Format(d Delimiters) string {
	var b []byte
	for i := range s.elems {
		if i > 0 {
			b = append(b, d.Element)
		}
		for r := 1; r <= s.Repetitions(i) || (i == 0 && r == 1); r++ {
			if r > 1 {
				b = append(b, d.Repetition)
			}
			for c, v := range s.Repetition(i, r) {
				if c > 0 {
					b = append(b, d.Component)
				}
				b = appendEscaped(b, v, d)
			}
		}
	}
	return string(b)
}

// appendEscaped appends v, putting the release character before any
// delimiter in it (when there is a release character).
func appendEscaped(b []byte, v string, d Delimiters) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if d.Release != 0 && (c == d.Element || c == d.Component || c == d.Segment || c == d.Release || (d.Repetition != 0 && c == d.Repetition)) {
			b = append(b, d.Release)
		}
		b = append(b, c)
	}
	return b
}
