package edi

// Inbound acknowledgements: a partner's 997, 999 or CONTRL about
// interchanges the platform sent. They map to FunctionalAck so the gateway
// can mark outbound documents delivered or rejected; they are never
// acknowledged themselves.

// AckedSet is a partner's verdict on one transaction set or message.
type AckedSet struct {
	Type          string `json:"type"`
	ControlNumber string `json:"control_number"`
	// Status is "accepted", "accepted_with_errors" or "rejected".
	Status string `json:"status"`
	// Codes are the partner's error codes (AK502…, IK502…, CONTRL 0085).
	Codes []string `json:"codes,omitempty"`
	// Errors are the segment and element errors the partner reported.
	Errors []AckError `json:"errors,omitempty"`
}

// AckError is one segment or element error in a partner's
// acknowledgement: X12 AK3/AK4 (997) or IK3/IK4 (999), EDIFACT UCS/UCD.
type AckError struct {
	// Level is the segment that reported it: "AK3", "AK4", "IK3", "IK4",
	// "UCS" or "UCD".
	Level string `json:"level"`
	// Segment is the tag of the segment at fault (AK301/IK301; for an
	// element error, that of the segment error before it).
	Segment string `json:"segment,omitempty"`
	// Position is the segment's position in the set (AK302/IK302, UCS
	// 0096); Element the element's (AK401/IK401, UCD 0098:0104).
	Position string `json:"position,omitempty"`
	Element  string `json:"element,omitempty"`
	// Code is the partner's error code (AK304/IK304, AK403/IK403, UCS and
	// UCD 0085); Value a copy of the bad data when given (AK404/IK404).
	Code  string `json:"code,omitempty"`
	Value string `json:"value,omitempty"`
}

// FunctionalAck is an X12 997/999 or EDIFACT CONTRL received.
type FunctionalAck struct {
	// ExternalID is what is acknowledged: the group control number (AK102)
	// for X12, the interchange reference (UCI 0020) for EDIFACT.
	ExternalID   string `json:"external_id"`
	FunctionalID string `json:"functional_id,omitempty"`
	// Status is "accepted", "partially_accepted", "rejected" or
	// "received" (CONTRL action 8).
	Status string     `json:"status"`
	Sets   []AckedSet `json:"sets"`
	// Codes are group or interchange level error codes (AK905…, UCI
	// 0085).
	Codes []string `json:"codes,omitempty"`
}

// TypeFunctionalAck is FunctionalAck's document type.
const TypeFunctionalAck = "functional_ack"

func (*FunctionalAck) DocumentType() string { return TypeFunctionalAck }
func (d *FunctionalAck) Ref() string        { return d.ExternalID }

// isAckType reports whether a transaction set type is an acknowledgement.
func isAckType(t string) bool { return t == "997" || t == "999" || t == "CONTRL" }

type x997 struct {
	ack    FunctionalAck
	sawAK1 bool
	segTag string // AK301/IK301 of the last segment error
}

func x12SetStatus(code string) string {
	switch code {
	case "A":
		return "accepted"
	case "E":
		return "accepted_with_errors"
	}
	return "rejected"
}

func (m *x997) segment(c *mapCtx, s *Segment) {
	a := &m.ack
	switch s.Tag {
	case "AK1":
		m.sawAK1 = true
		a.FunctionalID, a.ExternalID = el(s, 1), el(s, 2)
	case "AK2":
		a.Sets = append(a.Sets, AckedSet{Type: el(s, 1), ControlNumber: el(s, 2)})
		m.segTag = ""
	case "AK3", "IK3":
		if n := len(a.Sets); n > 0 {
			m.segTag = el(s, 1)
			a.Sets[n-1].Errors = append(a.Sets[n-1].Errors, AckError{Level: s.Tag, Segment: m.segTag,
				Position: el(s, 2), Code: el(s, 4)})
		}
	case "AK4", "IK4":
		if n := len(a.Sets); n > 0 {
			pos := co(s, 1, 1)
			if c := co(s, 1, 2); c != "" {
				pos += "." + c
			}
			a.Sets[n-1].Errors = append(a.Sets[n-1].Errors, AckError{Level: s.Tag, Segment: m.segTag,
				Element: pos, Code: el(s, 3), Value: el(s, 4)})
		}
	case "AK5", "IK5":
		if n := len(a.Sets); n > 0 {
			set := &a.Sets[n-1]
			set.Status = x12SetStatus(el(s, 1))
			for i := 2; i <= s.Len(); i++ {
				if v := el(s, i); v != "" {
					set.Codes = append(set.Codes, v)
				}
			}
		}
	case "AK9":
		for i := 5; i <= s.Len(); i++ {
			if v := el(s, i); v != "" {
				a.Codes = append(a.Codes, v)
			}
		}
		switch el(s, 1) {
		case "A", "E":
			a.Status = "accepted"
		case "P":
			a.Status = "partially_accepted"
		case "R":
			a.Status = "rejected"
		default:
			c.fail(CodeInvalidElement, rElemCode, 1, 0, "AK901 %q is not A, E, P or R", el(s, 1))
		}
	}
}

func (m *x997) finish(c *mapCtx) Document {
	if !m.sawAK1 {
		c.failTag("AK1", CodeMissingSegment, rSegMissing, "%s has no AK1 segment", c.tx.Type)
	}
	if m.ack.Status == "" {
		c.failTag("AK9", CodeMissingSegment, rSegMissing, "%s has no AK9 segment", c.tx.Type)
	}
	if m.ack.Sets == nil {
		m.ack.Sets = []AckedSet{}
	}
	return &m.ack
}

type eCONTRL struct {
	ack    FunctionalAck
	sawUCI bool
	segPos string // UCS 0096 of the last segment error
}

func contrlStatus(action string) string {
	switch action {
	case "7":
		return "accepted"
	case "8":
		return "received"
	}
	return "rejected"
}

func (m *eCONTRL) segment(c *mapCtx, s *Segment) {
	a := &m.ack
	switch s.Tag {
	case "UCI":
		m.sawUCI = true
		a.ExternalID, a.Status = el(s, 1), contrlStatus(el(s, 4))
		if v := el(s, 5); v != "" {
			a.Codes = append(a.Codes, v)
		}
	case "UCM":
		set := AckedSet{Type: co(s, 2, 1), ControlNumber: el(s, 1), Status: contrlStatus(el(s, 3))}
		if v := el(s, 4); v != "" {
			set.Codes = append(set.Codes, v)
		}
		a.Sets = append(a.Sets, set)
		if set.Status == "rejected" && a.Status == "accepted" {
			a.Status = "partially_accepted"
		}
	case "UCS", "UCD":
		if n := len(a.Sets); n > 0 {
			set := &a.Sets[n-1]
			e := AckError{Level: s.Tag}
			if s.Tag == "UCS" {
				e.Position, e.Code = el(s, 1), el(s, 2)
				m.segPos = e.Position
			} else {
				e.Position, e.Code, e.Element = m.segPos, el(s, 1), co(s, 2, 1)
				if c := co(s, 2, 2); c != "" {
					e.Element += "." + c
				}
			}
			set.Errors = append(set.Errors, e)
			if e.Code != "" {
				set.Codes = append(set.Codes, e.Code)
			}
		}
	}
}

func (m *eCONTRL) finish(c *mapCtx) Document {
	if !m.sawUCI {
		c.failTag("UCI", CodeMissingSegment, rSegMissing, "CONTRL has no UCI segment")
	}
	a := &m.ack
	accepted := 0
	for _, s := range a.Sets {
		if s.Status != "rejected" {
			accepted++
		}
	}
	if len(a.Sets) > 0 && accepted == 0 && a.Status != "received" {
		a.Status = "rejected"
	}
	if a.Sets == nil {
		a.Sets = []AckedSet{}
	}
	return a
}
