// Package carrier is the contract between Silkgate and a parcel carrier
// (clause 6.1.2, interface layer): buying a label, following a parcel and
// cancelling an unused label. The logistics module talks to carriers only
// through Carrier; each carrier is a package below this one.
//
// Tracking is normalised to one status model that names the cross-border
// stages a domestic model leaves out (export and import customs, arrival
// in the destination country), so that a seller sees the same stages
// whichever carrier moves the parcel.
package carrier

import (
	"context"
	"errors"
	"time"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// Status is a normalised tracking status.
type Status string

// The statuses, in the order a parcel normally passes through them.
// Exception and Returned may follow any stage.
const (
	LabelCreated              Status = "label_created"
	PickedUp                  Status = "picked_up"
	ExportCustoms             Status = "export_customs"
	Departed                  Status = "departed"
	ArrivedDestinationCountry Status = "arrived_destination_country"
	ImportCustoms             Status = "import_customs"
	OutForDelivery            Status = "out_for_delivery"
	Delivered                 Status = "delivered"
	Exception                 Status = "exception"
	Returned                  Status = "returned"
)

// Statuses lists every status in life-cycle order.
var Statuses = []Status{LabelCreated, PickedUp, ExportCustoms, Departed, ArrivedDestinationCountry,
	ImportCustoms, OutForDelivery, Delivered, Exception, Returned}

// Final reports whether no further event is expected after s.
func (s Status) Final() bool { return s == Delivered || s == Returned }

// Exception reasons a TrackingEvent of status Exception carries.
const (
	ReasonAddressProblem = "address_problem"
	ReasonCustomsHold    = "customs_hold"
	ReasonLost           = "lost"
	ReasonRefused        = "refused"
)

// Address is a sender or recipient.
type Address struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2,omitempty"`
	City     string `json:"city"`
	Region   string `json:"region,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Country  string `json:"country"`
	Phone    string `json:"phone,omitempty"`
}

// Parcel is one package of a shipment.
type Parcel struct {
	WeightG int64    `json:"weight_g"`
	DimsMM  [3]int64 `json:"dims_mm"`
}

// LabelRequest asks for a shipping label.
type LabelRequest struct {
	// Reference is the shipper's own reference, printed on the label
	// (usually the order id).
	Reference string   `json:"reference"`
	Service   string   `json:"service"`
	From      Address  `json:"from"`
	To        Address  `json:"to"`
	Parcels   []Parcel `json:"parcels"`
	// Contents and Value feed the customs declaration (CN22/CN23).
	Contents string      `json:"contents"`
	Value    money.Money `json:"value"`
	// Created is when the label is bought; zero means now.
	Created time.Time `json:"created"`
	// IdempotencyKey names the purchase: a carrier that is asked again
	// with a key it has seen returns the label it issued for it and
	// charges nothing more. Callers derive it from their own object's id,
	// so a purchase retried after a timeout or a crash cannot buy a
	// second label. Empty means no key (every call buys).
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// Label is a bought label.
type Label struct {
	TrackingNumber string `json:"tracking_number"`
	Service        string `json:"service"`
	// MediaType of Data, e.g. application/pdf.
	MediaType string `json:"media_type"`
	Data      []byte `json:"-"`
}

// TrackingEvent is one scan or notice about a parcel.
type TrackingEvent struct {
	Status Status    `json:"status"`
	At     time.Time `json:"at"`
	// Location is where it happened: "Shenzhen, CN".
	Location    string `json:"location"`
	Description string `json:"description"`
	// Reason qualifies an exception (ReasonAddressProblem, …).
	Reason string `json:"reason,omitempty"`
}

// Service is one product a carrier sells.
type Service struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// TransitDays is the usual door-to-door time.
	TransitDays [2]int `json:"transit_days"`
}

// Capabilities says what a carrier can do, so that the logistics module
// offers only what it supports.
type Capabilities struct {
	Name     string    `json:"name"`
	Services []Service `json:"services"`
	// LabelFormats are the media types of labels it produces.
	LabelFormats []string `json:"label_formats"`
	Tracking     bool     `json:"tracking"`
	Cancel       bool     `json:"cancel"`
}

// Errors a carrier returns; implementations wrap them.
var (
	ErrUnknownTracking = errors.New("carrier: unknown tracking number")
	ErrNotCancellable  = errors.New("carrier: label can no longer be cancelled")
	ErrUnknownService  = errors.New("carrier: unknown service")
	// ErrRefused is a definitive refusal of a label request (an address
	// the carrier cannot serve, goods it does not carry): asking again
	// with the same request cannot succeed.
	ErrRefused = errors.New("carrier: label request refused")
)

// Refused reports whether err is a definitive answer to a label request
// (ErrRefused, ErrUnknownService) rather than a failure to get one — a
// timeout, a dropped connection, a 5xx — after which the same request,
// with the same idempotency key, may be sent again.
func Refused(err error) bool {
	return errors.Is(err, ErrRefused) || errors.Is(err, ErrUnknownService)
}

// Carrier is a parcel carrier. Implementations are safe for concurrent
// use and honour ctx on every call that reaches the network.
type Carrier interface {
	Capabilities() Capabilities
	// CreateLabel buys a label. With req.IdempotencyKey set it is
	// idempotent: the same key returns the same label (same tracking
	// number) without a second charge, so a caller that did not hear the
	// answer asks again. It may reach the network: callers never call it
	// inside a database transaction.
	CreateLabel(ctx context.Context, req LabelRequest) (Label, error)
	// Track returns the parcel's events so far, oldest first.
	Track(ctx context.Context, trackingNumber string) ([]TrackingEvent, error)
	// Cancel voids a label that has not been picked up.
	Cancel(ctx context.Context, trackingNumber string) error
}
