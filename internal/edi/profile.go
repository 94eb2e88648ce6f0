package edi

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// AckKind is the functional acknowledgement a partner wants.
type AckKind string

// Acknowledgement kinds.
const (
	Ack997    AckKind = "997"
	Ack999    AckKind = "999"
	AckCONTRL AckKind = "CONTRL"
	AckNone   AckKind = "none"
)

// Identity is how one side of an interchange is addressed.
type Identity struct {
	// Qualifier is the X12 ISA05/ISA07 qualifier ("ZZ", "01", "12") or the
	// EDIFACT UNB identification code qualifier ("14" for GLN, "ZZ").
	Qualifier string `json:"qualifier,omitempty"`
	// ID is ISA06/ISA08 or the UNB S002/S003 identification.
	ID string `json:"id"`
	// GroupID is the X12 application code in GS02/GS03; ID when empty.
	GroupID string `json:"group_id,omitempty"`
}

func (i Identity) groupID() string {
	if i.GroupID != "" {
		return i.GroupID
	}
	return i.ID
}

// Profile is a trading partner's agreement with a tenant: identifiers on
// both sides, versions, acknowledgement preference and outbound delimiters.
// It is a plain value the gateway persists as JSON; Validate checks it.
type Profile struct {
	Name     string   `json:"name"`
	Standard Standard `json:"standard"`
	// PartnerID is the partner's interchange identity; LocalID is the
	// tenant's identity as this partner knows it (companies use different
	// ids with different partners).
	PartnerID Identity `json:"partner_id"`
	LocalID   Identity `json:"local_id"`
	// X12Version is ISA12 for outbound interchanges ("00401" by default);
	// X12GroupVersion is GS08 ("004010" by default).
	X12Version      string `json:"x12_version,omitempty"`
	X12GroupVersion string `json:"x12_group_version,omitempty"`
	// EDIFACTSyntax is UNB S001 ("UNOC:3" by default). EDIFACTVersion is
	// the message version, release and agency for UNH S009 ("D:96A:UN" by
	// default) and EDIFACTAssociation its association code ("EAN005").
	EDIFACTSyntax      string `json:"edifact_syntax,omitempty"`
	EDIFACTVersion     string `json:"edifact_version,omitempty"`
	EDIFACTAssociation string `json:"edifact_association,omitempty"`
	// Ack is the acknowledgement sent for inbound interchanges: "997"
	// (default for X12), "999", "CONTRL" (default for EDIFACT) or "none".
	Ack AckKind `json:"ack,omitempty"`
	// Outbound delimiters, one character each; empty takes the standard's
	// default (X12 * > ^ ~, EDIFACT + : * ' with release ?).
	ElementSeparator    string `json:"element_separator,omitempty"`
	ComponentSeparator  string `json:"component_separator,omitempty"`
	RepetitionSeparator string `json:"repetition_separator,omitempty"`
	SegmentTerminator   string `json:"segment_terminator,omitempty"`
	ReleaseCharacter    string `json:"release_character,omitempty"`
	// LineBreak writes a newline after every segment terminator.
	LineBreak bool `json:"line_break,omitempty"`
	// Test marks outbound interchanges as test data (ISA15 "T", UNB 0035 "1").
	Test bool `json:"test,omitempty"`
	// DefaultCurrency is used for X12 documents without CUR (else USD)
	// and EDIFACT documents without CUX (else none).
	DefaultCurrency string `json:"default_currency,omitempty"`
	// TimeZone (IANA name) is how the partner's zone-less dates and times
	// are read; UTC when empty.
	TimeZone string `json:"time_zone,omitempty"`
	// ReturnsByEDI says the partner wants returns of its orders by EDI:
	// an X12 180 or EDIFACT RETANN each time such a return changes
	// status. Off by default.
	ReturnsByEDI bool `json:"returns_by_edi,omitempty"`
}

// Validate reports what is wrong with p, if anything.
func (p *Profile) Validate() error {
	var errs []error
	if p.Standard != X12 && p.Standard != EDIFACT {
		errs = append(errs, fmt.Errorf("standard must be %q or %q", X12, EDIFACT))
	}
	if p.PartnerID.ID == "" || p.LocalID.ID == "" {
		errs = append(errs, errors.New("partner_id.id and local_id.id are required"))
	}
	if p.Standard == X12 && (len(p.PartnerID.ID) > 15 || len(p.LocalID.ID) > 15 || len(p.PartnerID.Qualifier) > 2 || len(p.LocalID.Qualifier) > 2) {
		errs = append(errs, errors.New("X12 interchange ids are at most 15 characters and qualifiers 2"))
	}
	switch p.Ack {
	case "", AckNone:
	case Ack997, Ack999:
		if p.Standard == EDIFACT {
			errs = append(errs, fmt.Errorf("ack %q is an X12 acknowledgement", p.Ack))
		}
	case AckCONTRL:
		if p.Standard == X12 {
			errs = append(errs, errors.New("ack CONTRL is an EDIFACT acknowledgement"))
		}
	default:
		errs = append(errs, fmt.Errorf("ack %q is not one of 997, 999, CONTRL, none", p.Ack))
	}
	if _, err := p.OutboundDelimiters(); err != nil {
		errs = append(errs, err)
	}
	if p.TimeZone != "" {
		if _, err := time.LoadLocation(p.TimeZone); err != nil {
			errs = append(errs, fmt.Errorf("time_zone: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Matches reports whether an inbound interchange comes from this partner
// to this tenant: sender and receiver ids equal (qualifiers too, when the
// profile gives them).
func (p *Profile) Matches(id InterchangeID) bool {
	eq := func(want Identity, q, v string) bool {
		return strings.EqualFold(want.ID, v) && (want.Qualifier == "" || want.Qualifier == q)
	}
	return eq(p.PartnerID, id.SenderQualifier, id.Sender) && eq(p.LocalID, id.ReceiverQualifier, id.Receiver)
}

// AckKind is the acknowledgement to send for an interchange in standard s.
func (p *Profile) AckKind(s Standard) AckKind {
	if p != nil && p.Ack != "" {
		return p.Ack
	}
	if s == EDIFACT {
		return AckCONTRL
	}
	return Ack997
}

// OutboundDelimiters returns the delimiters for interchanges sent to the
// partner.
func (p *Profile) OutboundDelimiters() (Delimiters, error) {
	d := DefaultX12
	if p.Standard == EDIFACT {
		d = DefaultEDIFACT
		if syntaxVersion(p.edifactSyntax()) < 4 {
			d.Repetition = 0
		}
	}
	set := func(dst *byte, name, v string) error {
		switch len(v) {
		case 0:
			return nil
		case 1:
			*dst = v[0]
			return nil
		}
		return fmt.Errorf("%s must be one character", name)
	}
	if err := errors.Join(
		set(&d.Element, "element_separator", p.ElementSeparator),
		set(&d.Component, "component_separator", p.ComponentSeparator),
		set(&d.Repetition, "repetition_separator", p.RepetitionSeparator),
		set(&d.Segment, "segment_terminator", p.SegmentTerminator),
		set(&d.Release, "release_character", p.ReleaseCharacter),
	); err != nil {
		return d, err
	}
	if p.Standard == X12 {
		d.Release = 0
		if !atLeast(p.x12Version(), 402) {
			d.Repetition = 0
		}
	}
	if p.LineBreak && d.Segment != '\n' {
		d.Suffix = "\n"
	}
	return d, checkDelimiters(d)
}

// checkDelimiters verifies that the delimiters are distinct and usable.
func checkDelimiters(d Delimiters) error {
	set := []byte{d.Element, d.Component, d.Segment}
	for _, c := range []byte{d.Repetition, d.Release} {
		if c != 0 {
			set = append(set, c)
		}
	}
	for i, c := range set {
		if !usableDelimiter(c) && !(i == 2 && c == '\n') {
			return fmt.Errorf("delimiter %q is not usable", c)
		}
		for _, o := range set[i+1:] {
			if o == c {
				return fmt.Errorf("delimiter %q is used twice", c)
			}
		}
	}
	return nil
}

func (p *Profile) x12Version() string {
	if p.X12Version != "" {
		return p.X12Version
	}
	return "00401"
}

func (p *Profile) x12GroupVersion() string {
	if p.X12GroupVersion != "" {
		return p.X12GroupVersion
	}
	return "004010"
}

func (p *Profile) edifactSyntax() string {
	if p.EDIFACTSyntax != "" {
		return p.EDIFACTSyntax
	}
	return "UNOC:3"
}

func (p *Profile) edifactVersion() string {
	if p.EDIFACTVersion != "" {
		return p.EDIFACTVersion
	}
	return "D:96A:UN"
}

// location is the partner's time zone, UTC when unset or unknown.
func (p *Profile) location() *time.Location {
	if p != nil && p.TimeZone != "" {
		return loadLocation(p.TimeZone, "UTC", 0)
	}
	return time.UTC
}

// syntaxVersion reads the version from "UNOC:3" (0 when absent).
func syntaxVersion(s string) int {
	_, v, _ := strings.Cut(s, ":")
	n := 0
	for i := 0; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		n = n*10 + int(v[i]-'0')
	}
	return n
}
