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
			code := el(s, 2)
			if s.Tag == "UCD" {
				code = el(s, 1)
			}
			if code != "" {
				a.Sets[n-1].Codes = append(a.Sets[n-1].Codes, code)
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
