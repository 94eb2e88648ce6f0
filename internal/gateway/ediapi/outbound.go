package ediapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Outbound document kinds of GET /api/v1/orders/{id}/edi.
const (
	out855    = "855"
	out856    = "856"
	outDESADV = "desadv"
)

func (s *Service) handleOutbound(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	kind, partnerID := r.URL.Query().Get("type"), r.URL.Query().Get("partner")
	var fs problem.Errors
	switch kind {
	case out855, out856, outDESADV:
	case "":
		fs.Add("type", "required")
	default:
		fs.Add("type", "one_of", "values", "855, 856, desadv")
	}
	if partnerID == "" {
		fs.Add("partner", "required")
	}
	if err := fs.Err(); err != nil {
		return err
	}
	o, err := s.orders.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	p, err := s.getPartner(ctx, q, partnerID)
	if errors.Is(err, problem.ErrNotFound) {
		return problem.Invalid(problem.Field{Field: "partner", Code: "not_found"})
	}
	if err != nil {
		return err
	}
	if (kind == outDESADV) != (p.Standard == edi.EDIFACT) {
		return problem.Invalid(problem.Field{Field: "type", Code: "edi_standard_mismatch",
			Params: []any{"standard", string(p.Standard)}})
	}
	now := s.now().UTC()
	var doc edi.Document
	if kind == out855 {
		doc = orderAck(o, now)
	} else {
		doc = shipNotice(o, now)
	}
	var buf bytes.Buffer
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		tq, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		ctl, err := s.control(ctx, tq, p.Standard, now)
		if err != nil {
			return err
		}
		return edi.Encode(&buf, &p.Profile, ctl, doc)
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

// shipNotice reports the order's lines as shipped in one package. The
// platform records no shipments yet; once it does, the notice is built
// from the shipment instead.
func shipNotice(o orders.Order, now time.Time) *edi.ShipNotice {
	lines := ediLines(o, o.ExternalID)
	for i := range lines {
		lines[i].PackageID = "1"
		lines[i].UnitPrice = nil
	}
	return &edi.ShipNotice{ExternalID: o.ID, IssuedAt: now.Format(time.RFC3339), ShippedAt: now.Format(time.RFC3339),
		OrderRefs: []string{o.ExternalID}, ShipTo: partyOfAddress(o.ShipTo), Buyer: partyOfBuyer(o.Buyer),
		PackageCount: "1", Packages: []edi.Package{{ID: "1", Type: "CTN"}}, Lines: lines}
}
