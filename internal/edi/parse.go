package edi

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// maxSetErrors bounds the errors kept for one transaction set, so that a
// set that is wrong throughout does not produce an acknowledgement larger
// than itself.
const maxSetErrors = 20

// Options tune Parse. The zero value is ready to use.
type Options struct {
	// Partner, when set, is called once per interchange, after its header,
	// with the interchange's identifiers; it returns the trading partner's
	// profile, or nil for none. EDIFACT messages without UNB come with an
	// empty InterchangeID, so the caller can answer with the profile of
	// whoever posted them. An error from Partner stops Parse and is
	// returned wrapped.
	Partner func(InterchangeID) (*Profile, error)
	// StrictEnvelope makes an interchange trailer whose control number
	// differs from its header's (IEA02 ≠ ISA13, UNZ 0020 ≠ UNB 0020) a
	// fatal error. By default it is a warning, reported in the
	// acknowledgement (TA1, CONTRL UCI), because real senders get it wrong
	// and the counts still prove the interchange complete.
	StrictEnvelope bool
	// MaxSegmentSize overrides DefaultMaxSegmentSize.
	MaxSegmentSize int
}

// InterchangeID identifies an interchange. Key gives the string to detect
// a duplicate by.
type InterchangeID struct {
	Standard          Standard `json:"standard"`
	SenderQualifier   string   `json:"sender_qualifier,omitempty"`
	Sender            string   `json:"sender"`
	ReceiverQualifier string   `json:"receiver_qualifier,omitempty"`
	Receiver          string   `json:"receiver"`
	ControlNumber     string   `json:"control_number"`
	// Prepared is the interchange's date and time (ISA09/ISA10, UNB S004)
	// in RFC 3339, read in the partner's zone; "" when unreadable.
	Prepared string `json:"prepared,omitempty"`
}

// Key is sender, receiver and control number, which the standards make
// unique per interchange: "x12|ZZ:SENDER|ZZ:RECEIVER|20". The date is left
// out on purpose, so that a resend with a fresh date is still caught. It is
// "" for EDIFACT messages sent without UNB, which have no identity.
func (id InterchangeID) Key() string {
	if id.ControlNumber == "" {
		return ""
	}
	ctl := id.ControlNumber
	if digits(ctl) {
		if ctl = strings.TrimLeft(ctl, "0"); ctl == "" {
			ctl = "0"
		}
	}
	return string(id.Standard) + "|" + id.SenderQualifier + ":" + id.Sender + "|" + id.ReceiverQualifier + ":" + id.Receiver + "|" + ctl
}

// Result is everything read from one input stream: usually one interchange,
// several when interchanges were concatenated.
type Result struct {
	Interchanges []*Interchange `json:"interchanges"`
}

// Documents returns the documents of every accepted transaction set, in
// order. These, and only these, are what the acknowledgement accepts.
func (r *Result) Documents() []Document {
	var docs []Document
	for _, ic := range r.Interchanges {
		for _, g := range ic.Groups {
			for _, t := range g.Transactions {
				if t.Accepted() && t.Document != nil {
					docs = append(docs, t.Document)
				}
			}
		}
	}
	return docs
}

// Interchange is one ISA…IEA or UNB…UNZ envelope (or, for EDIFACT sent
// without UNB, the messages themselves, with Enveloped false).
type Interchange struct {
	ID       InterchangeID `json:"id"`
	Standard Standard      `json:"standard"`
	// Version is ISA12 ("00401") or the UNB syntax version ("3").
	Version string `json:"version,omitempty"`
	// SyntaxID is the EDIFACT character set ("UNOC").
	SyntaxID     string   `json:"syntax_id,omitempty"`
	Test         bool     `json:"test"`
	AckRequested bool     `json:"ack_requested"`
	Enveloped    bool     `json:"enveloped"`
	Position     Position `json:"position"`
	Groups       []*Group `json:"groups"`
	// Warnings are problems that do not reject anything, such as a trailer
	// control number that differs from the header's.
	Warnings []*Error `json:"warnings,omitempty"`
	// Delimiters are those of the inbound interchange; acknowledgements
	// reuse them.
	Delimiters Delimiters `json:"-"`
	UNA        bool       `json:"-"`
	// Profile is what Options.Partner returned.
	Profile *Profile `json:"-"`

	header []string // ISA or UNB elements, for acknowledgements
}

// Counts returns how many transaction sets were accepted and rejected.
func (ic *Interchange) Counts() (accepted, rejected int) {
	for _, g := range ic.Groups {
		for _, t := range g.Transactions {
			if t.Accepted() {
				accepted++
			} else {
				rejected++
			}
		}
	}
	return accepted, rejected
}

// Group is an X12 functional group (GS…GE) or an EDIFACT group (UNG…UNE).
// EDIFACT messages sent directly in UNB belong to a group with Enveloped
// false.
type Group struct {
	FunctionalID  string   `json:"functional_id,omitempty"`
	Sender        string   `json:"sender,omitempty"`
	Receiver      string   `json:"receiver,omitempty"`
	ControlNumber string   `json:"control_number,omitempty"`
	Agency        string   `json:"agency,omitempty"`
	Version       string   `json:"version,omitempty"`
	Enveloped     bool     `json:"enveloped"`
	Position      Position `json:"position"`
	// Errors are problems with the group's own envelope; they reject
	// every transaction set in it.
	Errors       []*Error       `json:"errors,omitempty"`
	Transactions []*Transaction `json:"transactions"`

	header []string
}

// Transaction is an X12 transaction set (ST…SE) or EDIFACT message
// (UNH…UNT).
type Transaction struct {
	// Type is ST01 ("850") or the UNH message type ("ORDERS").
	Type          string `json:"type"`
	ControlNumber string `json:"control_number"`
	// Version is ST03 or else GS08 for X12, "D:96A:UN" for EDIFACT.
	Version     string   `json:"version,omitempty"`
	Association string   `json:"association,omitempty"`
	Position    Position `json:"position"`
	// Segments is the number of segments received, header and trailer
	// included.
	Segments int `json:"segments"`
	// Errors reject the set; they are what the acknowledgement reports.
	Errors       []*Error `json:"errors,omitempty"`
	DocumentType string   `json:"document_type,omitempty"`
	// Document is the mapped document, nil when the set was rejected.
	Document Document `json:"document,omitempty"`

	group     *Group
	messageID []string // UNH S009, for CONTRL
}

// Accepted reports whether the set was accepted: no errors of its own and
// none in its group's envelope.
func (t *Transaction) Accepted() bool {
	return len(t.Errors) == 0 && (t.group == nil || len(t.group.Errors) == 0)
}

// Parse reads every interchange in r, checks the envelopes and maps each
// transaction set to a canonical document.
//
// Problems inside a transaction set (wrong SE01 count, SE02 not matching
// ST02, an unsupported type, a bad quantity) reject that set only; they are
// in Transaction.Errors and the acknowledgement. Problems with a group's
// envelope reject the group. A broken interchange — not EDI at all, a
// truncated header, a missing IEA/UNZ, a wrong IEA/UNZ count, segments where
// no envelope allows them — returns an *Error naming the segment and no
// Result, so that nothing from it is stored.
func Parse(r io.Reader, opts Options) (*Result, error) {
	p := &parser{rd: NewReader(r), opts: opts, res: &Result{}}
	p.rd.SetMaxSegmentSize(opts.MaxSegmentSize)
	for {
		s, err := p.rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if _, ok := err.(*Error); ok {
				return nil, err
			}
			return nil, fmt.Errorf("edi: read: %w", err)
		}
		if p.rd.Standard() == X12 {
			err = p.x12(s)
		} else {
			err = p.edifact(s)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := p.end(); err != nil {
		return nil, err
	}
	return p.res, nil
}

type parser struct {
	rd   *Reader
	opts Options
	res  *Result

	ic      *Interchange
	grp     *Group
	tx      *Transaction
	txCount int
	m       mapper
	ctx     mapCtx
}

func fatal(code Code, s *Segment, elem int, format string, args ...any) *Error {
	return newError(code, rNone, s, elem, 0, format, args...)
}

func (p *parser) x12(s *Segment) error {
	switch s.Tag {
	case "ISA":
		if p.ic != nil {
			e := fatal(CodeMissingSegment, s, 0, "ISA before the IEA of the interchange at segment %d", p.ic.Position.Segment)
			e.Tag = "IEA"
			return e
		}
		return p.startX12(s)
	case "IEA":
		if p.ic == nil {
			return fatal(CodeUnexpectedSegment, s, 0, "IEA without ISA")
		}
		p.closeTx(s)
		p.closeGroup(s)
		return p.finishInterchange(s, len(p.ic.Groups), "IEA", "groups")
	}
	if p.ic == nil {
		return fatal(CodeUnexpectedSegment, s, 0, "%s segment outside an interchange", s.Tag)
	}
	switch s.Tag {
	case "GS":
		p.closeTx(s)
		p.closeGroup(s)
		p.grp = &Group{
			FunctionalID: trim(s.Element(1)), Sender: trim(s.Element(2)), Receiver: trim(s.Element(3)),
			ControlNumber: trim(s.Element(6)), Agency: trim(s.Element(7)), Version: trim(s.Element(8)),
			Enveloped: true, Position: s.Pos, header: elements(s),
		}
		p.ic.Groups = append(p.ic.Groups, p.grp)
	case "GE":
		if p.grp == nil {
			return fatal(CodeUnexpectedSegment, s, 0, "GE without GS")
		}
		p.closeTx(s)
		p.groupTrailer(s, "GE", true)
	case "ST":
		if p.grp == nil {
			return fatal(CodeUnexpectedSegment, s, 0, "ST outside a functional group (no GS)")
		}
		p.closeTx(s)
		t := &Transaction{Type: trim(s.Element(1)), ControlNumber: trim(s.Element(2)), Version: trim(s.Element(3)), Position: s.Pos, group: p.grp}
		if t.Version == "" {
			t.Version = p.grp.Version
		}
		p.startTx(s, t, validX12Type(t.Type), newX12Mapper)
	case "SE":
		if p.tx == nil {
			return fatal(CodeUnexpectedSegment, s, 0, "SE without ST")
		}
		p.txTrailer(s, "SE", "ST")
	case "TA1":
		if p.grp != nil || p.tx != nil {
			return p.data(s)
		}
		// An interchange acknowledgement addressed to us; nothing to map.
	default:
		return p.data(s)
	}
	return nil
}

func (p *parser) edifact(s *Segment) error {
	switch s.Tag {
	case "UNB":
		if p.ic != nil {
			e := fatal(CodeMissingSegment, s, 0, "UNB before the UNZ of the interchange at segment %d", p.ic.Position.Segment)
			e.Tag = "UNZ"
			return e
		}
		return p.startEDIFACT(s)
	case "UNZ":
		if p.ic == nil || !p.ic.Enveloped {
			return fatal(CodeUnexpectedSegment, s, 0, "UNZ without UNB")
		}
		p.closeTx(s)
		n, what := 0, "messages"
		for _, g := range p.ic.Groups {
			if g.Enveloped {
				n++
				what = "groups"
			}
		}
		if what == "messages" {
			for _, g := range p.ic.Groups {
				n += len(g.Transactions)
			}
		}
		p.closeGroup(s)
		return p.finishInterchange(s, n, "UNZ", what)
	case "UNH":
		if p.ic == nil {
			if err := p.startBare(s); err != nil {
				return err
			}
		}
		p.closeTx(s)
		if p.grp == nil {
			p.grp = &Group{Position: s.Pos}
			p.ic.Groups = append(p.ic.Groups, p.grp)
		}
		id := s.Components(2)
		t := &Transaction{Type: s.Component(2, 1), ControlNumber: trim(s.Element(1)), Position: s.Pos, group: p.grp, messageID: append([]string(nil), id...)}
		if len(id) > 1 {
			t.Version = strings.Join(id[1:min(len(id), 4)], ":")
		}
		t.Association = s.Component(2, 5)
		p.startTx(s, t, validEDIFACTType(t.Type), newEDIFACTMapper)
		return nil
	}
	if p.ic == nil {
		return fatal(CodeUnexpectedSegment, s, 0, "%s segment outside an interchange", s.Tag)
	}
	switch s.Tag {
	case "UNG":
		if !p.ic.Enveloped {
			return fatal(CodeUnexpectedSegment, s, 0, "UNG without UNB")
		}
		p.closeTx(s)
		p.closeGroup(s)
		p.grp = &Group{
			FunctionalID: s.Element(1), Sender: s.Component(2, 1), Receiver: s.Component(3, 1),
			ControlNumber: trim(s.Element(5)), Agency: s.Element(6), Version: strings.Join(s.Components(7), ":"),
			Enveloped: true, Position: s.Pos, header: elements(s),
		}
		p.ic.Groups = append(p.ic.Groups, p.grp)
	case "UNE":
		if p.grp == nil || !p.grp.Enveloped {
			return fatal(CodeUnexpectedSegment, s, 0, "UNE without UNG")
		}
		p.closeTx(s)
		p.groupTrailer(s, "UNE", false)
	case "UNT":
		if p.tx == nil {
			return fatal(CodeUnexpectedSegment, s, 0, "UNT without UNH")
		}
		p.txTrailer(s, "UNT", "UNH")
	default:
		return p.data(s)
	}
	return nil
}

func (p *parser) startX12(s *Segment) error {
	ic := &Interchange{
		Standard: X12, Version: trim(s.Element(12)), Enveloped: true, Position: s.Pos,
		Test: trim(s.Element(15)) == "T", AckRequested: trim(s.Element(14)) == "1",
		Delimiters: p.rd.Delimiters(), header: elements(s),
		ID: InterchangeID{
			Standard: X12, SenderQualifier: trim(s.Element(5)), Sender: trim(s.Element(6)),
			ReceiverQualifier: trim(s.Element(7)), Receiver: trim(s.Element(8)), ControlNumber: trim(s.Element(13)),
		},
	}
	if ic.ID.ControlNumber == "" {
		return fatal(CodeInvalidElement, s, 13, "ISA13 interchange control number is empty")
	}
	if err := p.begin(ic); err != nil {
		return err
	}
	if t, ok := x12DateTime(s.Element(9), s.Element(10), ic.Profile.location()); ok {
		ic.ID.Prepared = rfc3339(t)
	}
	return nil
}

func (p *parser) startEDIFACT(s *Segment) error {
	ic := &Interchange{
		Standard: EDIFACT, SyntaxID: s.Component(1, 1), Version: s.Component(1, 2), Enveloped: true,
		Position: s.Pos, Test: s.Element(11) == "1", AckRequested: s.Element(9) == "1",
		Delimiters: p.rd.Delimiters(), UNA: p.rd.UNA(), header: elements(s),
		ID: InterchangeID{
			Standard: EDIFACT, Sender: trim(s.Component(2, 1)), SenderQualifier: trim(s.Component(2, 2)),
			Receiver: trim(s.Component(3, 1)), ReceiverQualifier: trim(s.Component(3, 2)), ControlNumber: trim(s.Element(5)),
		},
	}
	if ic.ID.ControlNumber == "" {
		return fatal(CodeInvalidElement, s, 5, "UNB interchange control reference is empty")
	}
	if err := p.begin(ic); err != nil {
		return err
	}
	date, tm := s.Component(4, 1), s.Component(4, 2)
	if t, ok := x12DateTime(date, tm, ic.Profile.location()); ok { // YYMMDD or CCYYMMDD, HHMM
		ic.ID.Prepared = rfc3339(t)
	}
	return nil
}

// startBare starts an EDIFACT interchange for messages sent without UNB.
func (p *parser) startBare(s *Segment) error {
	ic := &Interchange{Standard: EDIFACT, Position: s.Pos, Delimiters: p.rd.Delimiters(), UNA: p.rd.UNA(), ID: InterchangeID{Standard: EDIFACT}}
	return p.begin(ic)
}

func (p *parser) begin(ic *Interchange) error {
	if p.opts.Partner != nil {
		prof, err := p.opts.Partner(ic.ID)
		if err != nil {
			return fmt.Errorf("edi: partner for interchange %s: %w", ic.ID.Key(), err)
		}
		ic.Profile = prof
	}
	p.ic = ic
	return nil
}

// finishInterchange checks the interchange trailer s against the header.
func (p *parser) finishInterchange(s *Segment, n int, tag, what string) error {
	got, ok := parseCount(s.Element(1))
	if !ok || got != n {
		return fatal(CodeSegmentCount, s, 1, "%s01 says %q but the interchange has %d %s", tag, s.Element(1), n, what)
	}
	ctl := trim(s.Element(2))
	same := ctl == p.ic.ID.ControlNumber
	if p.ic.Standard == X12 {
		same = sameNumber(ctl, p.ic.ID.ControlNumber)
	}
	if !same {
		e := newError(CodeEnvelopeMismatch, rInterchangeControlMismatch, s, 2, 0, "%s control number %q differs from the header's %q", tag, ctl, p.ic.ID.ControlNumber)
		if p.opts.StrictEnvelope {
			return e
		}
		p.ic.Warnings = append(p.ic.Warnings, e)
	}
	p.res.Interchanges = append(p.res.Interchanges, p.ic)
	p.ic = nil
	return nil
}

// groupTrailer checks GE or UNE against the group header.
func (p *parser) groupTrailer(s *Segment, tag string, numeric bool) {
	g := p.grp
	if got, ok := parseCount(s.Element(1)); !ok || got != len(g.Transactions) {
		g.Errors = append(g.Errors, newError(CodeSegmentCount, rGroupCount, s, 1, 0, "%s01 says %q but the group has %d transaction sets", tag, s.Element(1), len(g.Transactions)))
	}
	ctl := trim(s.Element(2))
	if !(ctl == g.ControlNumber || numeric && sameNumber(ctl, g.ControlNumber)) {
		g.Errors = append(g.Errors, newError(CodeEnvelopeMismatch, rGroupControlMismatch, s, 2, 0, "%s02 %q differs from the group header's %q", tag, ctl, g.ControlNumber))
	}
	p.endGroup()
}

// closeGroup ends a group whose trailer never came (s is the segment
// found instead). Groups without an envelope end quietly.
func (p *parser) closeGroup(s *Segment) {
	if p.grp == nil {
		return
	}
	if p.grp.Enveloped {
		tag := "GE"
		if p.ic.Standard == EDIFACT {
			tag = "UNE"
		}
		e := newError(CodeMissingSegment, rGroupTrailerMissing, s, 0, 0, "group at segment %d has no %s trailer", p.grp.Position.Segment, tag)
		e.Tag = tag
		p.grp.Errors = append(p.grp.Errors, e)
	}
	p.endGroup()
}

func (p *parser) endGroup() {
	if len(p.grp.Errors) > 0 {
		for _, t := range p.grp.Transactions {
			t.Document, t.DocumentType = nil, ""
		}
	}
	p.grp = nil
}

func (p *parser) startTx(s *Segment, t *Transaction, valid bool, newMapper func(string) mapper) {
	p.grp.Transactions = append(p.grp.Transactions, t)
	p.tx, p.txCount, p.m = t, 1, nil
	p.ctx = mapCtx{ic: p.ic, tx: t, profile: p.ic.Profile, loc: p.ic.Profile.location(), seg: s, setPos: 1}
	typeEl := 1 // ST01; UNH S009 is element 2
	if p.ic.Standard == EDIFACT {
		typeEl = 2
	}
	switch {
	case !valid:
		p.ctx.fail(CodeUnknownTransaction, rSetIDInvalid, typeEl, 1, "transaction set identifier %q is not valid", t.Type)
	case t.ControlNumber == "":
		elem := 2
		if p.ic.Standard == EDIFACT {
			elem = 1
		}
		p.ctx.fail(CodeInvalidElement, rSetControlInvalid, elem, 0, "transaction set control number is empty")
	default:
		if p.m = newMapper(t.Type); p.m == nil {
			p.ctx.fail(CodeUnsupportedTransaction, rSetNotSupported, typeEl, 1, "transaction set %s is not supported", t.Type)
		}
	}
}

func (p *parser) data(s *Segment) error {
	if p.tx == nil {
		where := "a transaction set"
		if p.ic.Standard == EDIFACT {
			where = "a message"
		}
		return fatal(CodeUnexpectedSegment, s, 0, "%s segment outside %s", s.Tag, where)
	}
	p.txCount++
	if p.m != nil && len(p.tx.Errors) < maxSetErrors {
		p.ctx.seg, p.ctx.setPos = s, p.txCount
		p.m.segment(&p.ctx, s)
	}
	return nil
}

// txTrailer checks SE or UNT and finishes the document.
func (p *parser) txTrailer(s *Segment, tag, head string) {
	t := p.tx
	p.txCount++
	t.Segments = p.txCount
	p.ctx.seg, p.ctx.setPos = s, p.txCount
	if got, ok := parseCount(s.Element(1)); !ok || got != p.txCount {
		p.ctx.fail(CodeSegmentCount, rSetCount, 1, 0, "%s01 says %q but the set has %d segments, %s and %s included", tag, s.Element(1), p.txCount, head, tag)
	}
	if ctl := trim(s.Element(2)); ctl != t.ControlNumber {
		p.ctx.fail(CodeEnvelopeMismatch, rSetControlMismatch, 2, 0, "%s02 %q differs from %s control number %q", tag, ctl, head, t.ControlNumber)
	}
	if p.m != nil {
		// finish runs even for a set already rejected, so that the
		// acknowledgement lists everything wrong with it.
		if doc := p.m.finish(&p.ctx); doc != nil && len(t.Errors) == 0 {
			t.Document, t.DocumentType = doc, doc.DocumentType()
		}
	}
	p.tx, p.m = nil, nil
}

// closeTx ends a set whose trailer never came.
func (p *parser) closeTx(s *Segment) {
	if p.tx == nil {
		return
	}
	tag := "SE"
	if p.ic.Standard == EDIFACT {
		tag = "UNT"
	}
	p.tx.Segments = p.txCount
	p.ctx.seg, p.ctx.setPos = s, p.txCount+1
	p.ctx.failTag(tag, CodeMissingSegment, rSetTrailerMissing, "transaction set at segment %d has no %s trailer", p.tx.Position.Segment, tag)
	p.tx, p.m = nil, nil
}

// end handles the end of input.
func (p *parser) end() error {
	if p.ic == nil {
		return nil
	}
	pos := p.rd.pos()
	if p.ic.Enveloped {
		tag := "IEA"
		if p.ic.Standard == EDIFACT {
			tag = "UNZ"
		}
		return &Error{Code: CodeMissingSegment, Position: pos, Tag: tag,
			Message: fmt.Sprintf("input ends before the %s trailer of the interchange at segment %d", tag, p.ic.Position.Segment)}
	}
	if p.tx != nil {
		end := &Segment{Tag: "UNT", Pos: pos}
		p.closeTx(end)
	}
	p.grp = nil
	p.res.Interchanges = append(p.res.Interchanges, p.ic)
	p.ic = nil
	return nil
}

func trim(s string) string { return strings.TrimSpace(s) }

// elements copies a segment's element values (first components).
func elements(s *Segment) []string {
	out := make([]string, s.Len()+1)
	for i := range out {
		out[i] = s.Element(i)
	}
	return out
}

func validX12Type(t string) bool { return len(t) == 3 && digits(t) }

func validEDIFACTType(t string) bool {
	if len(t) < 1 || len(t) > 6 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 'A' || t[i] > 'Z' {
			return false
		}
	}
	return true
}

// mapCtx is what a mapper sees: where it is, and how to report.
type mapCtx struct {
	ic      *Interchange
	tx      *Transaction
	profile *Profile
	loc     *time.Location
	seg     *Segment
	setPos  int
}

// mapper turns the segments of one transaction set into a document.
type mapper interface {
	segment(c *mapCtx, s *Segment)
	// finish is called at the trailer; it may still report errors.
	finish(c *mapCtx) Document
}

func (c *mapCtx) fail(code Code, r reason, elem, comp int, format string, args ...any) {
	if len(c.tx.Errors) >= maxSetErrors {
		return
	}
	e := newError(code, r, c.seg, elem, comp, format, args...)
	e.SetPosition = c.setPos
	c.tx.Errors = append(c.tx.Errors, e)
}

// failTag reports a missing segment tag, positioned at the current segment.
func (c *mapCtx) failTag(tag string, code Code, r reason, format string, args ...any) {
	if len(c.tx.Errors) >= maxSetErrors {
		return
	}
	e := newError(code, r, c.seg, 0, 0, format, args...)
	e.Tag, e.SetPosition = tag, c.setPos
	c.tx.Errors = append(c.tx.Errors, e)
}
