package returns

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Status is where a return is in its life cycle.
type Status string

// The statuses, in the order a return normally passes through them.
const (
	Requested   Status = "requested"
	Approved    Status = "approved"
	Rejected    Status = "rejected"
	LabelIssued Status = "label_issued"
	InTransit   Status = "in_transit"
	Received    Status = "received"
	Inspected   Status = "inspected"
	Refunded    Status = "refunded"
	Exchanged   Status = "exchanged"
	Closed      Status = "closed"
	Cancelled   Status = "cancelled"
)

// Statuses lists every status.
var Statuses = []Status{Requested, Approved, Rejected, LabelIssued, InTransit, Received, Inspected, Refunded,
	Exchanged, Closed, Cancelled}

// transitions is the state machine. A parcel may be received without an
// in-transit scan (a buyer drops it at the warehouse, or the carrier's
// events arrive late); a return whose inspection finds nothing to refund
// or exchange (the goods are not as claimed) is closed from inspected.
var transitions = map[Status][]Status{
	Requested:   {Approved, Rejected, Cancelled},
	Approved:    {LabelIssued, Cancelled},
	LabelIssued: {InTransit, Received, Cancelled},
	InTransit:   {Received},
	Received:    {Inspected},
	Inspected:   {Refunded, Exchanged, Closed},
	Refunded:    {Closed},
	Exchanged:   {Closed},
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// CanMoveTo reports whether a return in s may move to next.
func (s Status) CanMoveTo(next Status) bool { return slices.Contains(transitions[s], next) }

// Next lists the statuses a return in s may move to.
func (s Status) Next() []Status { return slices.Clone(transitions[s]) }

// Final reports whether nothing follows s.
func (s Status) Final() bool { return len(transitions[s]) == 0 }

// Reasons a buyer gives for a return.
var Reasons = []string{"not_as_described", "damaged", "wrong_item", "no_longer_needed", "size_fit", "defective", "other"}

// Resolutions a buyer asks for.
const (
	ResolutionRefund   = "refund"
	ResolutionExchange = "exchange"
)

// Dispositions of an inspected unit.
const (
	DispResell         = "resell"
	DispRefurbish      = "refurbish"
	DispRelabel        = "relabel"
	DispReturnToSeller = "return_to_seller"
	DispDispose        = "dispose"
)

// Dispositions lists every disposition.
var Dispositions = []string{DispResell, DispRefurbish, DispRelabel, DispReturnToSeller, DispDispose}

// Restockable reports whether units of disposition d go back into
// warehouse stock (after refurbishing or relabelling where it says so).
func Restockable(d string) bool { return d == DispResell || d == DispRefurbish || d == DispRelabel }

// Grades of an inspected unit: A as new, B light signs of use, C visible
// wear, D defective or damaged. Stock is kept per (SKU, warehouse, grade).
var Grades = []string{"A", "B", "C", "D"}

// Line is one returned SKU.
type Line struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
	// UnitPrice is what the buyer paid per unit, from the order.
	UnitPrice money.Money `json:"unit_price"`
	// Received is how many units arrived (set on receipt).
	Received int64 `json:"received"`
}

// Unit is one inspected unit.
type Unit struct {
	SKU         string    `json:"sku"`
	Disposition string    `json:"disposition"`
	Grade       string    `json:"grade"`
	Note        string    `json:"note,omitempty"`
	InspectedAt time.Time `json:"inspected_at"`
	// Restocked says the unit was booked into warehouse stock.
	Restocked bool `json:"restocked"`
}

// Label is the return label.
type Label struct {
	Carrier        string `json:"carrier"`
	Service        string `json:"service,omitempty"`
	TrackingNumber string `json:"tracking_number"`
	MediaType      string `json:"media_type,omitempty"`
	// Bought says the platform bought the label from the carrier (and
	// keeps its document at /api/v1/returns/{id}/label); otherwise it
	// was recorded by hand.
	Bought   bool      `json:"bought"`
	IssuedAt time.Time `json:"issued_at"`
}

// LabelPurchase is where a label purchase stands.
type LabelPurchase struct {
	Status string `json:"status"`
	// Code and Detail say why a purchase failed: label_refused,
	// carrier_unavailable, or the problem code that stopped it.
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Refund is a booked refund.
type Refund struct {
	Amount money.Money `json:"amount"`
	// Reference is the settlement's reference (a ledger entry id).
	Reference  string    `json:"reference"`
	RefundedAt time.Time `json:"refunded_at"`
}

// Exchange is the replacement sent for a return.
type Exchange struct {
	ReplacementOrderID string    `json:"replacement_order_id"`
	ExchangedAt        time.Time `json:"exchanged_at"`
}

// Step is one entry of a return's history.
type Step struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	// By is the credential (user, API key or "system") that made it.
	By   string `json:"by"`
	Note string `json:"note,omitempty"`
}

// Return is a return merchandise authorisation.
type Return struct {
	ID         string `json:"id"`
	OrderID    string `json:"order_id"`
	ShipmentID string `json:"shipment_id,omitempty"`
	// Channel is the order's channel; "edi-…" when the order came in by
	// EDI (see EDI).
	Channel string `json:"channel"`
	// EDI says the order came in by EDI, so the partner may expect the
	// return by EDI too (docs/RETURNS.md).
	EDI                 bool        `json:"edi"`
	Status              Status      `json:"status"`
	Reason              string      `json:"reason"`
	RequestedResolution string      `json:"requested_resolution"`
	Notes               string      `json:"notes,omitempty"`
	Currency            string      `json:"currency"`
	Lines               []Line      `json:"lines"`
	Value               money.Money `json:"value"`
	RejectionReason     string      `json:"rejection_reason,omitempty"`
	Label               *Label      `json:"label,omitempty"`
	WarehouseID         string      `json:"warehouse_id,omitempty"`
	Units               []Unit      `json:"units"`
	Refund              *Refund     `json:"refund,omitempty"`
	Exchange            *Exchange   `json:"exchange,omitempty"`
	History             []Step      `json:"history"`
	Version             int64       `json:"version"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`

	// LabelPurchase is a label purchase not completed: requested (the
	// carrier has not answered yet; it is retried in the background) or
	// failed (with the carrier's reason). Absent once the label is issued.
	LabelPurchase *LabelPurchase `json:"label_purchase,omitempty"`
}

// XMLRoot names the XML root element of a return.
func (Return) XMLRoot() string { return "return" }

// LineInput is a returned SKU as requested.
type LineInput struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// NewReturn is the body of POST /api/v1/returns.
type NewReturn struct {
	OrderID             string      `json:"order_id"`
	ShipmentID          string      `json:"shipment_id,omitempty"`
	Reason              string      `json:"reason"`
	Lines               []LineInput `json:"lines"`
	Notes               string      `json:"notes,omitempty"`
	RequestedResolution string      `json:"requested_resolution"`
}

// XMLRoot names the XML root element of a new return.
func (NewReturn) XMLRoot() string { return "return" }

// Limits on one return.
const (
	MaxLines    = 200
	MaxQuantity = 1_000_000
	// MaxUnits bounds the units one inspection may list.
	MaxUnits = 10_000
)

// Validate normalises n and checks its shape; the order decides the rest.
func (n *NewReturn) Validate() error {
	var fs problem.Errors
	n.OrderID = strings.TrimSpace(n.OrderID)
	text(&fs, "order_id", n.OrderID, 64, true)
	n.ShipmentID = strings.TrimSpace(n.ShipmentID)
	text(&fs, "shipment_id", n.ShipmentID, 64, false)
	n.Reason = strings.TrimSpace(n.Reason)
	oneOf(&fs, "reason", n.Reason, Reasons)
	n.RequestedResolution = strings.TrimSpace(n.RequestedResolution)
	oneOf(&fs, "requested_resolution", n.RequestedResolution, []string{ResolutionRefund, ResolutionExchange})
	n.Notes = strings.TrimSpace(n.Notes)
	text(&fs, "notes", n.Notes, 2000, false)
	lines(&fs, "lines", n.Lines)
	return fs.Err()
}

func lines(fs *problem.Errors, prefix string, ls []LineInput) {
	switch {
	case len(ls) == 0:
		fs.Add(prefix, "min_items", "min", 1)
		return
	case len(ls) > MaxLines:
		fs.Add(prefix, "max_items", "max", MaxLines)
		return
	}
	seen := map[string]bool{}
	for i := range ls {
		l := &ls[i]
		p := prefix + "[" + strconv.Itoa(i) + "]"
		l.SKU = strings.TrimSpace(l.SKU)
		text(fs, p+".sku", l.SKU, 64, true)
		if l.SKU != "" {
			if seen[l.SKU] {
				fs.Add(p+".sku", "duplicate")
			}
			seen[l.SKU] = true
		}
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			fs.Add(p+".quantity", "out_of_range", "min", 1, "max", MaxQuantity)
		}
	}
}

// Decision is the body of approve, reject, cancel, in-transit and close.
type Decision struct {
	Note string `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (Decision) XMLRoot() string { return "decision" }

func (d *Decision) validate(required bool) error {
	var fs problem.Errors
	d.Note = strings.TrimSpace(d.Note)
	text(&fs, "note", d.Note, 2000, required)
	return fs.Err()
}

// LabelRequest is the body of POST /api/v1/returns/{id}/label. With a
// tracking number it records a label obtained elsewhere; without, it buys
// one through the label issuer.
type LabelRequest struct {
	// Carrier and TrackingNumber record a label bought elsewhere.
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	// Service is the carrier's service code when buying (its default
	// otherwise).
	Service string `json:"service,omitempty"`
	// ReturnTo is where the parcel goes; the issuer's default when empty.
	ReturnTo *carrier.Address `json:"return_to,omitempty"`
	// Parcels default to one parcel of 500 g, 300 × 200 × 100 mm.
	Parcels []carrier.Parcel `json:"parcels,omitempty"`
	Note    string           `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (LabelRequest) XMLRoot() string { return "label_request" }

// manual reports whether the request records a label bought elsewhere.
func (l *LabelRequest) manual() bool { return l.TrackingNumber != "" }

func (l *LabelRequest) validate() error {
	var fs problem.Errors
	l.Carrier = strings.TrimSpace(l.Carrier)
	l.TrackingNumber = strings.ToUpper(strings.TrimSpace(l.TrackingNumber))
	l.Service = strings.ToLower(strings.TrimSpace(l.Service))
	l.Note = strings.TrimSpace(l.Note)
	text(&fs, "note", l.Note, 2000, false)
	if l.manual() {
		text(&fs, "carrier", l.Carrier, 100, true)
		text(&fs, "tracking_number", l.TrackingNumber, 64, true)
		if len(l.Parcels) > 0 || l.ReturnTo != nil || l.Service != "" {
			fs.Add("tracking_number", "invalid_value", "reason", "a recorded label takes no service, return_to or parcels")
		}
		return fs.Err()
	}
	if l.Carrier != "" {
		fs.Add("tracking_number", "required")
	}
	text(&fs, "service", l.Service, 64, false)
	if a := l.ReturnTo; a != nil {
		for _, f := range []struct {
			name, v string
			req     bool
		}{{"name", a.Name, true}, {"line1", a.Line1, true}, {"city", a.City, true}, {"country", a.Country, true},
			{"postcode", a.Postcode, false}, {"line2", a.Line2, false}, {"region", a.Region, false}, {"phone", a.Phone, false}} {
			text(&fs, "return_to."+f.name, strings.TrimSpace(f.v), 200, f.req)
		}
	}
	if len(l.Parcels) > 20 {
		fs.Add("parcels", "max_items", "max", 20)
	}
	for i, p := range l.Parcels {
		f := "parcels[" + strconv.Itoa(i) + "]"
		if p.WeightG < 1 || p.WeightG > 1_000_000 {
			fs.Add(f+".weight_g", "out_of_range", "min", 1, "max", 1_000_000)
		}
		for j, d := range p.DimsMM {
			if d < 0 || d > 10_000 {
				fs.Add(f+".dims_mm["+strconv.Itoa(j)+"]", "out_of_range", "min", 0, "max", 10_000)
			}
		}
	}
	return fs.Err()
}

// Receipt is the body of POST /api/v1/returns/{id}/receive.
type Receipt struct {
	// WarehouseID is where the parcel arrived; stock is booked there.
	WarehouseID string `json:"warehouse_id,omitempty"`
	// Lines are the units that arrived; every requested unit when empty.
	Lines []LineInput `json:"lines,omitempty"`
	Note  string      `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (Receipt) XMLRoot() string { return "receipt" }

func (r *Receipt) validate() error {
	var fs problem.Errors
	r.WarehouseID = strings.TrimSpace(r.WarehouseID)
	text(&fs, "warehouse_id", r.WarehouseID, 64, false)
	r.Note = strings.TrimSpace(r.Note)
	text(&fs, "note", r.Note, 2000, false)
	if len(r.Lines) > 0 {
		lines(&fs, "lines", r.Lines)
	}
	return fs.Err()
}

// UnitInput is one inspected unit as reported.
type UnitInput struct {
	SKU         string `json:"sku"`
	Disposition string `json:"disposition"`
	Grade       string `json:"grade"`
	Note        string `json:"note,omitempty"`
}

// Inspection is the body of POST /api/v1/returns/{id}/inspect: one entry
// per received unit.
type Inspection struct {
	Units []UnitInput `json:"units"`
	// WarehouseID overrides the receipt's warehouse for restocking.
	WarehouseID string `json:"warehouse_id,omitempty"`
	Note        string `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (Inspection) XMLRoot() string { return "inspection" }

func (in *Inspection) validate() error {
	var fs problem.Errors
	in.WarehouseID = strings.TrimSpace(in.WarehouseID)
	text(&fs, "warehouse_id", in.WarehouseID, 64, false)
	in.Note = strings.TrimSpace(in.Note)
	text(&fs, "note", in.Note, 2000, false)
	switch {
	case len(in.Units) == 0:
		fs.Add("units", "min_items", "min", 1)
	case len(in.Units) > MaxUnits:
		fs.Add("units", "max_items", "max", MaxUnits)
	}
	for i := range in.Units {
		if i >= MaxUnits {
			break
		}
		u := &in.Units[i]
		p := "units[" + strconv.Itoa(i) + "]"
		u.SKU = strings.TrimSpace(u.SKU)
		text(&fs, p+".sku", u.SKU, 64, true)
		u.Disposition = strings.TrimSpace(u.Disposition)
		oneOf(&fs, p+".disposition", u.Disposition, Dispositions)
		u.Grade = strings.ToUpper(strings.TrimSpace(u.Grade))
		oneOf(&fs, p+".grade", u.Grade, Grades)
		u.Note = strings.TrimSpace(u.Note)
		text(&fs, p+".note", u.Note, 500, false)
	}
	return fs.Err()
}

// RefundRequest is the body of POST /api/v1/returns/{id}/refund.
type RefundRequest struct {
	// Amount is at most the value of the returned lines, in the order's
	// currency; the full value when empty.
	Amount *money.Money `json:"amount,omitempty"`
	Note   string       `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (RefundRequest) XMLRoot() string { return "refund_request" }

// ExchangeRequest is the body of POST /api/v1/returns/{id}/exchange.
type ExchangeRequest struct {
	// ReplacementOrderID names a replacement order already entered; when
	// empty one is created: the returned SKUs (or Lines) at no charge.
	ReplacementOrderID string      `json:"replacement_order_id,omitempty"`
	Lines              []LineInput `json:"lines,omitempty"`
	Note               string      `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (ExchangeRequest) XMLRoot() string { return "exchange_request" }

func (e *ExchangeRequest) validate() error {
	var fs problem.Errors
	e.ReplacementOrderID = strings.TrimSpace(e.ReplacementOrderID)
	text(&fs, "replacement_order_id", e.ReplacementOrderID, 64, false)
	e.Note = strings.TrimSpace(e.Note)
	text(&fs, "note", e.Note, 2000, false)
	if len(e.Lines) > 0 {
		if e.ReplacementOrderID != "" {
			fs.Add("lines", "invalid_value", "reason", "give either replacement_order_id or lines")
		}
		lines(&fs, "lines", e.Lines)
	}
	return fs.Err()
}

// text checks a free-text field: required or not, at most max characters,
// no control characters other than line breaks in long texts.
func text(fs *problem.Errors, field, s string, max int, required bool) {
	if s == "" {
		if required {
			fs.Add(field, "required")
		}
		return
	}
	if utf8.RuneCountInString(s) > max {
		fs.Add(field, "max_length", "max", max)
		return
	}
	for _, c := range s {
		if (c < 0x20 && (max < 1000 || c != '\n' && c != '\r')) || c == 0x7f {
			fs.Add(field, "control_characters")
			return
		}
	}
}

func oneOf(fs *problem.Errors, field, v string, values []string) {
	switch {
	case v == "":
		fs.Add(field, "required")
	case !slices.Contains(values, v):
		fs.Add(field, "one_of", "values", strings.Join(values, ", "))
	}
}

// minor converts an amount already normalised to its currency's minor
// units ("12.50") to an integer (1250).
func minor(m money.Money) (int64, error) {
	return strconv.ParseInt(strings.ReplaceAll(m.Amount, ".", ""), 10, 64)
}

// fromMinor renders n minor units of currency cur.
func fromMinor(n int64, cur string) money.Money {
	d, _ := money.Digits(cur)
	s := strconv.FormatInt(n, 10)
	if d > 0 {
		if len(s) <= d {
			s = strings.Repeat("0", d-len(s)+1) + s
		}
		s = s[:len(s)-d] + "." + s[len(s)-d:]
	}
	return money.Money{Amount: s, Currency: cur}
}

// errTransition is the 409 for a move the state machine does not allow.
func errTransition(from, to Status) error {
	allowed := make([]string, 0, 3)
	for _, n := range from.Next() {
		allowed = append(allowed, string(n))
	}
	if len(allowed) == 0 {
		allowed = []string{"-"}
	}
	return &problem.Error{Status: 409, Code: "invalid_return_transition",
		Params: []any{"status", string(from), "to", string(to), "allowed", strings.Join(allowed, ", ")}}
}
