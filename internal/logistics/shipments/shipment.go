package shipments

import (
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Shipment is a parcel (or several) bought for an order from one carrier
// service, with its label and where its tracking stands.
type Shipment struct {
	ID        string `json:"id"`
	OrderID   string `json:"order_id"`
	ServiceID string `json:"service_id"`
	// Carrier and Service are the rate card's names; CarrierCode the
	// connector that bought the label and CarrierService its product.
	Carrier        string `json:"carrier"`
	Service        string `json:"service"`
	CarrierCode    string `json:"carrier_code"`
	CarrierService string `json:"carrier_service"`
	// TrackingNumber is the carrier's waybill number.
	TrackingNumber string             `json:"tracking_number"`
	Status         carrier.Status     `json:"status"`
	Stage          carrier.Status     `json:"stage"`
	From           carrier.Address    `json:"from"`
	To             carrier.Address    `json:"to"`
	Parcels        []logistics.Parcel `json:"parcels"`
	// Price is what rate comparison priced the offer at when it was
	// bought, in the shipper's currency.
	Price             money.Money    `json:"price"`
	ChargeableWeightG int64          `json:"chargeable_weight_g"`
	QuotedDays        logistics.Days `json:"quoted_days"`
	LabelURL          string         `json:"label_url"`
	// LabelStatus says where the label purchase stands: bought (every
	// listed shipment), requested (the carrier has not answered yet; the
	// purchase is retried in the background and tracking_number, status
	// and label_url stay empty until it is bought) or failed (the carrier
	// refused; LabelError says why and nothing was bought).
	LabelStatus string      `json:"label_status"`
	LabelError  *LabelError `json:"label_error,omitempty"`
	// Exception is the exception the shipment stands in, while it does.
	Exception   *OpenException `json:"exception,omitempty"`
	StagesSeen  []string       `json:"stages_seen"`
	LastEventAt *time.Time     `json:"last_event_at,omitempty"`
	DeliveredAt *time.Time     `json:"delivered_at,omitempty"`
	// Outcome is recorded once the shipment is closed: delivered,
	// returned or lost.
	Outcome   *Outcome  `json:"outcome,omitempty"`
	Events    []Event   `json:"events,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// XMLRoot names the XML root element.
func (Shipment) XMLRoot() string { return "shipment" }

// LabelError is why a label purchase failed.
type LabelError struct {
	// Code is label_refused (the carrier's definitive answer),
	// carrier_unavailable (no answer after every retry) or
	// duplicate_tracking_number.
	Code   string `json:"code"`
	Detail string `json:"detail,omitempty"`
}

// OpenException is the exception a shipment stands in.
type OpenException struct {
	Reason      string    `json:"reason"`
	Description string    `json:"description"`
	At          time.Time `json:"at"`
}

// Outcome is how a closed shipment went: the figures rate comparison's
// quality score and observed transit days are counted from.
type Outcome struct {
	Result string `json:"result"` // delivered, returned or lost
	// TransitDays counts from pick-up (or the label, without a pick-up
	// scan) to delivery, a started day counting whole.
	TransitDays      int  `json:"transit_days,omitempty"`
	OnTime           bool `json:"on_time"`
	FirstAttempt     bool `json:"first_attempt"`
	LostOrDamaged    bool `json:"lost_or_damaged"`
	TrackingComplete bool `json:"tracking_complete"`
}

// Event is one tracking event as stored: the GB/T 40202 waybill status
// data elements (waybill number, carrier code, event time with its zone,
// location with its country, status code and description) and where it
// came from.
type Event struct {
	ID             string `json:"id"`
	ShipmentID     string `json:"shipment_id,omitempty"`
	TrackingNumber string `json:"tracking_number"`
	CarrierCode    string `json:"carrier_code"`
	// Status is the normalised status; StatusCode the sender's own code.
	Status      carrier.Status `json:"status"`
	StatusCode  string         `json:"status_code,omitempty"`
	Reason      string         `json:"reason,omitempty"`
	Description string         `json:"description,omitempty"`
	// At is the event time in the zone the sender gave.
	At       time.Time `json:"at"`
	Location string    `json:"location,omitempty"`
	Country  string    `json:"country,omitempty"`
	// Source is api, webhook, file, edi or carrier; SourceRef names the
	// file row, EDI document or carrier poll it came in.
	Source    string `json:"source"`
	SourceRef string `json:"source_ref,omitempty"`
	// Applied is false for an event that arrived after a later stage (or
	// after the shipment was final): it is history, not news.
	Applied    bool      `json:"applied"`
	ReceivedAt time.Time `json:"received_at"`
}

// XMLRoot names the XML root element.
func (Event) XMLRoot() string { return "tracking_event" }

// Alert is raised by an exception.
type Alert struct {
	ID             string    `json:"id"`
	ShipmentID     string    `json:"shipment_id"`
	EventID        string    `json:"event_id"`
	TrackingNumber string    `json:"tracking_number"`
	Reason         string    `json:"reason"`
	Description    string    `json:"description"`
	CreatedAt      time.Time `json:"created_at"`
}

// XMLRoot names the XML root element.
func (Alert) XMLRoot() string { return "alert" }

// Sources of tracking events.
const (
	SourceAPI     = "api"
	SourceWebhook = "webhook"
	SourceFile    = "file"
	SourceEDI     = "edi"
	SourceCarrier = "carrier"
)

// NewShipment is the body of POST /api/v1/shipments.
type NewShipment struct {
	OrderID string `json:"order_id"`
	// ServiceID is an offer's service_id from rate comparison.
	ServiceID string             `json:"service_id"`
	Parcels   []logistics.Parcel `json:"parcels"`
	// From defaults to the tenant's sender address.
	From *carrier.Address `json:"from,omitempty"`
	// Currency is the one the offer is priced in (default the order's).
	Currency string `json:"currency,omitempty"`
}

// XMLRoot names the XML root element.
func (NewShipment) XMLRoot() string { return "shipment" }

// Validate checks the request's own fields; the order and the offer are
// checked against the store by Create.
func (n *NewShipment) Validate() error {
	var fs problem.Errors
	n.OrderID, n.ServiceID = strings.TrimSpace(n.OrderID), strings.TrimSpace(n.ServiceID)
	n.Currency = strings.ToUpper(strings.TrimSpace(n.Currency))
	if n.OrderID == "" {
		fs.Add("order_id", "required")
	}
	if n.ServiceID == "" {
		fs.Add("service_id", "required")
	}
	checkParcels(&fs, n.Parcels)
	if n.From != nil {
		*n.From = normAddress(*n.From)
		checkAddress(&fs, "from", *n.From)
	}
	if n.Currency != "" && !money.ValidCurrency(n.Currency) {
		fs.Add("currency", "invalid_currency", "currency", n.Currency)
	}
	return fs.Err()
}

func checkParcels(fs *problem.Errors, ps []logistics.Parcel) {
	if len(ps) == 0 {
		fs.Add("parcels", "min_items", "min", 1)
		return
	}
	if len(ps) > 50 {
		fs.Add("parcels", "max_items", "max", 50)
	}
	for i, p := range ps {
		f := fmt.Sprintf("parcels[%d]", i)
		if p.WeightG <= 0 || p.WeightG > 1_000_000 {
			fs.Add(f+".weight_g", "out_of_range", "min", 1, "max", 1_000_000)
		}
		for j, d := range p.DimsMM {
			if d <= 0 || d > 20_000 {
				fs.Add(fmt.Sprintf("%s.dims_mm[%d]", f, j), "out_of_range", "min", 1, "max", 20_000)
			}
		}
	}
}

func normAddress(a carrier.Address) carrier.Address {
	t := strings.TrimSpace
	return carrier.Address{Name: t(a.Name), Line1: t(a.Line1), Line2: t(a.Line2), City: t(a.City), Region: t(a.Region),
		Postcode: t(a.Postcode), Country: strings.ToUpper(t(a.Country)), Phone: t(a.Phone)}
}

func checkAddress(fs *problem.Errors, f string, a carrier.Address) {
	for _, v := range []struct{ name, val string }{{"name", a.Name}, {"line1", a.Line1}, {"city", a.City}} {
		if v.val == "" {
			fs.Add(f+"."+v.name, "required")
		} else if len(v.val) > 200 {
			fs.Add(f+"."+v.name, "max_length", "max", 200)
		}
	}
	if a.Country == "" {
		fs.Add(f+".country", "required")
	} else if !iso.Country(a.Country) {
		fs.Add(f+".country", "invalid_country", "country", a.Country)
	}
	if len(a.Postcode) > 20 {
		fs.Add(f+".postcode", "max_length", "max", 20)
	}
}

// EventInput is one tracking event as a carrier or a seller sends it.
type EventInput struct {
	TrackingNumber string `json:"tracking_number"`
	// Carrier is the carrier code; it picks the code table Code is read
	// with when CodeList is empty.
	Carrier string `json:"carrier,omitempty"`
	// Status is a normalised status; or send the carrier's own Code
	// instead, read with CodeList (x12, rec24, or a carrier code).
	Status   carrier.Status `json:"status,omitempty"`
	Code     string         `json:"code,omitempty"`
	CodeList string         `json:"code_list,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	// At is RFC 3339 with a zone offset ("2026-11-20T14:05:00+08:00").
	At          string `json:"at"`
	Location    string `json:"location,omitempty"`
	Country     string `json:"country,omitempty"`
	Description string `json:"description,omitempty"`
}

// XMLRoot names the XML root element.
func (EventInput) XMLRoot() string { return "tracking_event" }

// normalized is a validated event ready to store.
type normalized struct {
	number, carrier, code, reason, desc, location, country, zone string
	status                                                       carrier.Status
	at                                                           time.Time
}

// normalize checks one event and reads it into the status model. f
// prefixes the field names of errors ("events[3].").
func (r *Registry) normalize(fs *problem.Errors, f string, in EventInput) normalized {
	t := strings.TrimSpace
	n := normalized{number: strings.ToUpper(strings.ReplaceAll(t(in.TrackingNumber), " ", "")),
		carrier: strings.ToLower(t(in.Carrier)), code: t(in.Code), reason: strings.ToLower(t(in.Reason)),
		desc: t(in.Description), location: t(in.Location), country: strings.ToUpper(t(in.Country))}
	switch {
	case n.number == "":
		fs.Add(f+"tracking_number", "required")
	case len(n.number) > 40 || !trackingChars(n.number):
		fs.Add(f+"tracking_number", "invalid_tracking_number")
	}
	if len(n.carrier) > 40 {
		fs.Add(f+"carrier", "max_length", "max", 40)
	}
	st := carrier.Status(strings.ToLower(t(string(in.Status))))
	switch {
	case st != "":
		if !ValidStatus(st) {
			fs.Add(f+"status", "one_of", "values", statusNames())
		}
		n.status = st
	case n.code != "":
		list := strings.ToLower(t(in.CodeList))
		if list == "" {
			list = n.carrier
		}
		s, ok := r.MapCode(list, n.code)
		if !ok {
			fs.Add(f+"code", "unknown_status_code", "code", n.code)
		}
		n.status = s
		if n.reason == "" && s == carrier.Exception {
			n.reason = impliedReason(list, n.code)
		}
	default:
		fs.Add(f+"status", "required")
	}
	if len(n.code) > 20 {
		fs.Add(f+"code", "max_length", "max", 20)
	}
	if n.reason != "" && !validReason(n.reason) {
		fs.Add(f+"reason", "one_of", "values", strings.Join(reasons, ", "))
	}
	if n.status == carrier.Exception && n.reason == "" {
		n.reason = ReasonOther
	}
	if n.status != carrier.Exception {
		n.reason = ""
	}
	at, zone, ok := parseAt(t(in.At))
	if !ok {
		if t(in.At) == "" {
			fs.Add(f+"at", "required")
		} else {
			fs.Add(f+"at", "invalid_timestamp")
		}
	}
	n.at, n.zone = at, zone
	if n.country != "" && !iso.Country(n.country) {
		fs.Add(f+"country", "invalid_country", "country", n.country)
	}
	if len(n.location) > 200 {
		fs.Add(f+"location", "max_length", "max", 200)
	}
	if len(n.desc) > 500 {
		fs.Add(f+"description", "max_length", "max", 500)
	}
	return n
}

func trackingChars(s string) bool {
	for _, c := range s {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// parseAt reads an event time: RFC 3339 with an offset or Z. A time
// without a zone is refused, since the same wall-clock time is a day
// apart in Shenzhen and Los Angeles. zone keeps the offset as sent.
func parseAt(s string) (time.Time, string, bool) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, "", false
	}
	if t.Year() < 2000 || t.Year() > 2100 {
		return time.Time{}, "", false
	}
	return t.UTC(), zoneOf(t), true
}

func zoneOf(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "Z"
	}
	return t.Format("-07:00")
}

// inZone returns t (UTC) in the zone stored with it.
func inZone(t time.Time, zone string) time.Time {
	if zone == "" || zone == "Z" {
		return t.UTC()
	}
	z, err := time.Parse("-07:00", zone)
	if err != nil {
		return t.UTC()
	}
	_, off := z.Zone()
	return t.In(time.FixedZone(zone, off))
}
