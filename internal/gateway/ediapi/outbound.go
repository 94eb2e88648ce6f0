package ediapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Outbound document kinds of GET /api/v1/orders/{id}/edi.
const (
	out855    = "855"
	out856    = "856"
	outDESADV = "desadv"
)

// OutboundRequest is the body of POST /api/v1/orders/{id}/edi. The GET
// form takes type and partner as query parameters and ships every line as
// ordered.
type OutboundRequest struct {
	// Type is "855", "856" or "desadv".
	Type string `json:"type"`
	// Partner is the trading-partner profile id.
	Partner string `json:"partner"`
	// Lines are what ships (856, DESADV): each names an order line by its
	// number (1-based, in the order's line order) or its SKU, and the
	// quantity shipped, at most the quantity ordered. Lines not named do
	// not ship. Empty: every line ships as ordered.
	Lines []ShippedLine `json:"lines,omitempty"`
	// Carrier and TrackingNumber describe the shipment (856 TD5 and
	// REF*CN; DESADV TDT and RFF+CN).
	Carrier        *ShipCarrier `json:"carrier,omitempty"`
	TrackingNumber string       `json:"tracking_number,omitempty"`
}

// XMLRoot names the XML root element of an outbound request.
func (OutboundRequest) XMLRoot() string { return "outbound_request" }

// ShippedLine is one order line shipped.
type ShippedLine struct {
	Line     int    `json:"line,omitempty"`
	SKU      string `json:"sku,omitempty"`
	Quantity int64  `json:"quantity"`
}

// ShipCarrier is who carries a shipment: SCAC or carrier code, name, mode.
type ShipCarrier struct {
	Code string `json:"code,omitempty"`
	Name string `json:"name,omitempty"`
	Mode string `json:"mode,omitempty"`
}

// Validate checks what can be checked without the order.
func (in *OutboundRequest) Validate() error {
	var fs problem.Errors
	switch in.Type {
	case out855, out856, outDESADV:
	case "":
		fs.Add("type", "required")
	default:
		fs.Add("type", "one_of", "values", "855, 856, desadv")
	}
	if in.Partner == "" {
		fs.Add("partner", "required")
	}
	ships := in.Type == out856 || in.Type == outDESADV
	if in.Type == out855 && (len(in.Lines) > 0 || in.Carrier != nil || in.TrackingNumber != "") {
		fs.Add("lines", "invalid_value", "reason", "lines, carrier and tracking_number describe a shipment (856, desadv)")
	}
	if ships {
		for i, l := range in.Lines {
			f := fmt.Sprintf("lines[%d]", i)
			if (l.Line == 0) == (l.SKU == "") {
				fs.Add(f+".line", "invalid_value", "reason", "give the line number or the SKU")
			}
			if l.Quantity < 1 {
				fs.Add(f+".quantity", "positive")
			}
		}
		if len(in.TrackingNumber) > 35 {
			fs.Add("tracking_number", "max_length", "max", 35)
		}
		if c := in.Carrier; c != nil && (len(c.Code) > 17 || len(c.Name) > 35 || len(c.Mode) > 3) {
			fs.Add("carrier", "invalid_value", "reason", "code at most 17 characters, name 35, mode 3")
		}
	}
	return fs.Err()
}

// shipped resolves the request's lines against the order: the quantity
// shipped per order line (index), refusing more than ordered.
func (in *OutboundRequest) shipped(o orders.Order) ([]int64, error) {
	qty := make([]int64, len(o.Lines))
	if len(in.Lines) == 0 {
		for i, l := range o.Lines {
			qty[i] = l.Quantity
		}
		return qty, nil
	}
	var fs problem.Errors
	seen := map[int]bool{}
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		idx := -1
		switch {
		case l.Line > 0 && l.Line <= len(o.Lines):
			idx = l.Line - 1
		case l.Line > 0:
			fs.Add(f+".line", "out_of_range", "min", 1, "max", len(o.Lines))
			continue
		default:
			for j, ol := range o.Lines {
				if ol.SKU == l.SKU {
					if idx >= 0 {
						fs.Add(f+".sku", "invalid_value", "reason", "the order has this SKU on several lines; give the line number")
					}
					idx = j
				}
			}
			if idx < 0 {
				fs.Add(f+".sku", "not_found")
				continue
			}
		}
		if seen[idx] {
			fs.Add(f, "duplicate")
			continue
		}
		seen[idx] = true
		if ordered := o.Lines[idx].Quantity; l.Quantity > ordered {
			fs.Add(f+".quantity", "exceeds_ordered", "max", ordered)
			continue
		}
		qty[idx] = l.Quantity
	}
	return qty, fs.Err()
}

func (s *Service) handleOutbound(w http.ResponseWriter, r *http.Request) error {
	in := OutboundRequest{Type: r.URL.Query().Get("type"), Partner: r.URL.Query().Get("partner")}
	if err := in.Validate(); err != nil {
		return err
	}
	return s.outbound(w, r, in)
}

func (s *Service) handleOutboundPost(w http.ResponseWriter, r *http.Request) error {
	var in OutboundRequest
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	return s.outbound(w, r, in)
}

// outbound writes the interchange, records it as waiting for the
// partner's acknowledgement and sends it. The record's id is in the
// Silkgate-EDI-Outbound-Id header.
func (s *Service) outbound(w http.ResponseWriter, r *http.Request, in OutboundRequest) error {
	ctx := r.Context()
	o, err := s.orders.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	p, err := s.getPartner(ctx, q, in.Partner)
	if errors.Is(err, problem.ErrNotFound) {
		return problem.Invalid(problem.Field{Field: "partner", Code: "not_found"})
	}
	if err != nil {
		return err
	}
	if (in.Type == outDESADV) != (p.Standard == edi.EDIFACT) {
		return problem.Invalid(problem.Field{Field: "type", Code: "edi_standard_mismatch",
			Params: []any{"standard", string(p.Standard)}})
	}
	now := s.now().UTC()
	var doc edi.Document
	if in.Type == out855 {
		doc = orderAck(o, now)
	} else {
		qty, err := in.shipped(o)
		if err != nil {
			return err
		}
		doc = shipNotice(o, now, qty, in.Carrier, in.TrackingNumber)
	}
	var (
		buf   bytes.Buffer
		outID string
	)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		buf.Reset()
		tq, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		ctl, err := s.control(ctx, tq, p.Standard, now)
		if err != nil {
			return err
		}
		if err := edi.Encode(&buf, &p.Profile, ctl, doc); err != nil {
			return err
		}
		outID, err = s.recordSent(ctx, tq, kindDocument, p.ID, o.ID, buf.Bytes(), now.Truncate(time.Microsecond))
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "edi.outbound.send", Resource: "edi_outbound/" + outID,
			Change: map[string]any{"order_id": o.ID, "partner": p.ID, "type": in.Type},
			Detail: fmt.Sprintf("%s for order %s to %s", in.Type, o.ID, p.Name)})
	})
	var ee *edi.Error
	if errors.As(err, &ee) {
		return problem.Invalid(problem.Field{Field: "order", Code: string(ee.Code), Params: []any{"reason", ee.Message}})
	}
	if err != nil {
		return err
	}
	ct := "application/EDI-X12"
	if p.Standard == edi.EDIFACT {
		ct = "application/EDIFACT"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Silkgate-EDI-Outbound-Id", outID)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(buf.Bytes())
	return err
}

func partyOfBuyer(b orders.Buyer) *edi.Party {
	return &edi.Party{Role: "BY", Name: b.Name, Email: b.Email, Phone: b.Phone, Country: b.Country}
}

func partyOfAddress(a orders.Address) *edi.Party {
	return &edi.Party{Role: "ST", Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, Region: a.Region,
		Postcode: a.Postcode, Country: a.Country, Phone: a.Phone}
}

func ediLines(o orders.Order, orderRef string) []edi.Line {
	out := make([]edi.Line, 0, len(o.Lines))
	for i, l := range o.Lines {
		out = append(out, edi.Line{LineNumber: strconv.Itoa(i + 1), SKU: l.SKU, Description: l.Title,
			Quantity: json.Number(strconv.FormatInt(l.Quantity, 10)), Unit: "EA",
			UnitPrice:  &edi.Money{Amount: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency},
			ProductIDs: []edi.ProductID{{Qualifier: "VP", Value: l.SKU}}, OrderRef: orderRef})
	}
	return out
}

// orderAck is the 855 for an order: every line accepted as ordered.
func orderAck(o orders.Order, now time.Time) *edi.OrderAck {
	lines := ediLines(o, "")
	for i := range lines {
		lines[i].Status = "accepted"
	}
	return &edi.OrderAck{ExternalID: o.ExternalID, OrderDate: o.PlacedAt.UTC().Format(time.RFC3339), Status: "accepted",
		AckedAt: now.Format(time.RFC3339), SellerOrderID: o.ID, Currency: o.Currency,
		Buyer: partyOfBuyer(o.Buyer), ShipTo: partyOfAddress(o.ShipTo), Lines: lines}
}

// shipNotice reports the shipped quantity of each order line (qty, by
// line index; lines with 0 are left out) in one package, with the carrier
// and tracking number when given.
func shipNotice(o orders.Order, now time.Time, qty []int64, carrier *ShipCarrier, tracking string) *edi.ShipNotice {
	all := ediLines(o, o.ExternalID)
	lines := make([]edi.Line, 0, len(all))
	for i, l := range all {
		if qty[i] == 0 {
			continue
		}
		l.Quantity = json.Number(strconv.FormatInt(qty[i], 10))
		l.PackageID, l.UnitPrice = "1", nil
		lines = append(lines, l)
	}
	sn := &edi.ShipNotice{ExternalID: o.ID, IssuedAt: now.Format(time.RFC3339), ShippedAt: now.Format(time.RFC3339),
		OrderRefs: []string{o.ExternalID}, ShipTo: partyOfAddress(o.ShipTo), Buyer: partyOfBuyer(o.Buyer),
		PackageCount: "1", Packages: []edi.Package{{ID: "1", Type: "CTN"}}, Lines: lines}
	if carrier != nil && *carrier != (ShipCarrier{}) {
		sn.Carrier = &edi.Carrier{Code: carrier.Code, Name: carrier.Name, Mode: carrier.Mode}
	}
	if tracking != "" {
		sn.TrackingNumbers = []string{tracking}
	}
	return sn
}
