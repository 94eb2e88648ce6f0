package shipments

import (
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/edi"
)

// rank orders the normal stages a parcel passes through. Exception and
// Returned are not on this scale: they may follow any stage.
var rank = map[carrier.Status]int{
	carrier.LabelCreated: 0, carrier.PickedUp: 1, carrier.ExportCustoms: 2, carrier.Departed: 3,
	carrier.ArrivedDestinationCountry: 4, carrier.ImportCustoms: 5, carrier.OutForDelivery: 6, carrier.Delivered: 7,
}

// ValidStatus reports whether s is one of the normalised statuses.
func ValidStatus(s carrier.Status) bool {
	_, ok := rank[s]
	return ok || s == carrier.Exception || s == carrier.Returned
}

func statusNames() string {
	names := make([]string, len(carrier.Statuses))
	for i, s := range carrier.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Exception reasons beyond those the carrier contract names.
const (
	ReasonDamaged       = "damaged"
	ReasonAttemptFailed = "delivery_attempt_failed"
	ReasonDelayed       = "delayed"
	ReasonOther         = "other"
)

// reasons are the exception reasons events may carry.
var reasons = []string{carrier.ReasonAddressProblem, carrier.ReasonCustomsHold, carrier.ReasonLost,
	carrier.ReasonRefused, ReasonDamaged, ReasonAttemptFailed, ReasonDelayed, ReasonOther}

func validReason(r string) bool {
	for _, v := range reasons {
		if v == r {
			return true
		}
	}
	return false
}

// Progress is where a shipment stands: its status, the furthest normal
// stage it has reached, and when the event that set the status happened.
type Progress struct {
	Status carrier.Status
	Stage  carrier.Status
	At     time.Time
}

// Step applies one event to p and reports whether it moved the status.
// Statuses only move forward:
//
//   - a delivered or returned shipment is final; nothing moves it;
//   - a normal stage moves the status only when it is beyond the stage
//     reached, or, while an exception is open, when it is at least that
//     stage and not older than the exception (a second delivery attempt
//     after a failed one resumes the parcel);
//   - an exception or a return applies to any shipment not final unless
//     it is older than the event the status stands on (a late copy of a
//     customs hold already cleared is history, not news).
//
// An event that does not apply stays in the history; it never moves the
// status back.
func (p Progress) Step(st carrier.Status, at time.Time) (Progress, bool) {
	if p.Status.Final() {
		return p, false
	}
	switch st {
	case carrier.Exception, carrier.Returned:
		if !p.At.IsZero() && at.Before(p.At) {
			return p, false
		}
		p.Status, p.At = st, at
		return p, true
	}
	r, ok := rank[st]
	if !ok {
		return p, false
	}
	cur := rank[p.Stage]
	switch {
	case p.Stage == "" || r > cur:
	case p.Status == carrier.Exception && r == cur && !at.Before(p.At):
	default:
		return p, false
	}
	p.Status, p.Stage, p.At = st, st, at
	return p, true
}

// Code tables that read a sender's own status codes into the normalised
// statuses: X12 214 AT701 and UN/ECE Recommendation 24 (IFTSTA STS) come
// from package edi; a carrier connector may register its own.
const (
	CodesX12   = "x12"
	CodesRec24 = "rec24"
)

// MapCode reads code in table into a normalised status; ok is false when
// the table does not know the code.
func (r *Registry) MapCode(table, code string) (carrier.Status, bool) {
	code = strings.TrimSpace(code)
	switch strings.ToLower(table) {
	case CodesX12:
		s := edi.X12Stage(strings.ToUpper(code))
		return carrier.Status(s), s != ""
	case CodesRec24:
		s := edi.Rec24Stage(code)
		return carrier.Status(s), s != ""
	}
	if c, ok := r.lookup(table); ok && c.Codes != nil {
		s, ok := c.Codes[strings.ToUpper(code)]
		return s, ok
	}
	// Every carrier may send the normalised names themselves.
	s := carrier.Status(strings.ToLower(code))
	return s, ValidStatus(s)
}

// x12Reasons gives the exception reason an X12 AT701 code implies;
// Recommendation 24 codes say too little to tell, and read as "other".
var x12Reasons = map[string]string{"AH": ReasonAttemptFailed, "AP": ReasonAttemptFailed, "A7": carrier.ReasonRefused,
	"A9": ReasonDamaged, "SD": ReasonDelayed}

func impliedReason(table, code string) string {
	switch strings.ToLower(table) {
	case CodesX12:
		return x12Reasons[strings.ToUpper(code)]
	}
	return ""
}
