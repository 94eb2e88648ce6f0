package ediapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/logistics/returns"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Returns by EDI.
//
// A return of an order that came in by EDI (channel "edi-<sender>") is
// told to the trading partner whose partner id gives that channel, as an
// X12 180 or an EDIFACT RETANN (edi.ReturnNotice): on request (GET
// /api/v1/returns/{id}/edi) and, for partners whose profile sets
// returns_by_edi, automatically on every return.updated event. Automatic
// notices are written by an outbox consumer in the relay's transaction,
// one per event and partner, and recorded in the outbound log with their
// body, like every interchange sent, so that they can be downloaded and
// their 997 or CONTRL matched.

// Return notice types of GET /api/v1/returns/{id}/edi.
const (
	out180    = "180"
	outRETANN = "retann"
)

// ReturnLookup reads returns; the returns service is one.
type ReturnLookup interface {
	Get(ctx context.Context, id string) (returns.Return, error)
}

// UseReturns enables return notices: GET /api/v1/returns/{id}/edi reads
// returns through r, and when o is not nil the service consumes
// return.updated events from it to send partners that want them their
// notices. Call it before the outbox relays.
func (s *Service) UseReturns(r ReturnLookup, o *events.Outbox) {
	s.returns = r
	if o != nil {
		o.Subscribe(returnConsumer{s})
	}
}

func errReturnNotEDI(r returns.Return) error {
	return &problem.Error{Status: http.StatusConflict, Code: "edi_return_not_edi",
		Params: []any{"id", r.ID, "channel", r.Channel}}
}

func (s *Service) handleReturnOutbound(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	typ, partnerID := r.URL.Query().Get("type"), r.URL.Query().Get("partner")
	switch typ {
	case out180, outRETANN:
	case "":
		return problem.Invalid(problem.Field{Field: "type", Code: "required"})
	default:
		return problem.Invalid(problem.Field{Field: "type", Code: "one_of", Params: []any{"values", "180, retann"}})
	}
	if s.returns == nil {
		return problem.ErrNotFound
	}
	ret, err := s.returns.Get(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !ret.EDI {
		return errReturnNotEDI(ret)
	}
	std := edi.X12
	if typ == outRETANN {
		std = edi.EDIFACT
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	var p Partner
	if partnerID != "" {
		p, err = s.getPartner(ctx, q, partnerID)
		if errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "partner", Code: "not_found"})
		}
		if err != nil {
			return err
		}
		if p.Standard != std {
			return problem.Invalid(problem.Field{Field: "type", Code: "edi_standard_mismatch",
				Params: []any{"standard", string(p.Standard)}})
		}
	} else {
		all, err := s.partners(ctx, q, web.Page{})
		if err != nil {
			return err
		}
		found := false
		for _, c := range all {
			if c.Standard == std && channelOf(c.PartnerID.ID) == ret.Channel {
				p, found = c, true
				break
			}
		}
		if !found {
			// No profile of this standard for the order's sender: the
			// caller has to name one.
			return problem.Invalid(problem.Field{Field: "partner", Code: "required"})
		}
	}
	o, err := s.orders.Get(ctx, ret.OrderID)
	if err != nil {
		return err
	}
	var (
		body  []byte
		outID string
	)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		outID, body, err = s.sendReturn(ctx, p, ret, o, "")
		return err
	})
	var ee *edi.Error
	if errors.As(err, &ee) {
		return problem.Invalid(problem.Field{Field: "return", Code: string(ee.Code), Params: []any{"reason", ee.Message}})
	}
	var enc encodeError
	if errors.As(err, &enc) {
		return problem.Invalid(problem.Field{Field: "return", Code: "invalid_value", Params: []any{"reason", enc.Error()}})
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", contentType(p.Standard))
	w.Header().Set("Silkgate-EDI-Outbound-Id", outID)
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// encodeError is a notice edi.Encode refused: the data, not the store,
// is at fault.
type encodeError struct{ err error }

func (e encodeError) Error() string { return e.err.Error() }
func (e encodeError) Unwrap() error { return e.err }

func contentType(std edi.Standard) string {
	if std == edi.EDIFACT {
		return "application/EDIFACT"
	}
	return "application/EDI-X12"
}

// sendReturn writes the notice of ret to partner p with new control
// numbers, records it in the outbound log (eventID names the event an
// automatic notice answers) and audits it, in the transaction of ctx.
func (s *Service) sendReturn(ctx context.Context, p Partner, ret returns.Return, o orders.Order, eventID string) (
	string, []byte, error) {
	tq, err := s.db.Tenant(ctx)
	if err != nil {
		return "", nil, err
	}
	now := s.now().UTC()
	ctl, err := s.control(ctx, tq, p.Standard, now)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	if err := edi.Encode(&buf, &p.Profile, ctl, returnNotice(ret, o, &p.Profile)); err != nil {
		return "", nil, encodeError{err}
	}
	outID, err := s.record(ctx, tq, sent{kind: kindDocument, partner: p.ID, order: o.ID, ret: ret.ID, event: eventID},
		buf.Bytes(), now.Truncate(time.Microsecond))
	if err != nil {
		return "", nil, err
	}
	typ, how := out180, "on request"
	if p.Standard == edi.EDIFACT {
		typ = outRETANN
	}
	if eventID != "" {
		how = "automatically"
	}
	return outID, buf.Bytes(), s.audit.Record(ctx, audit.Event{Action: "edi.outbound.send", Resource: "edi_outbound/" + outID,
		Change: map[string]any{"return_id": ret.ID, "order_id": o.ID, "partner": p.ID, "type": typ, "status": ret.Status,
			"event_id": eventID},
		Detail: fmt.Sprintf("%s for return %s (%s) to %s, %s", typ, ret.ID, ret.Status, p.Name, how)})
}

// returnNotice is the notice of a return as it is now: the RMA number is
// the return id, the order's external id is the purchase order, the
// order's buyer is the buyer and its ship-to address where the goods come
// back from.
func returnNotice(r returns.Return, o orders.Order, p *edi.Profile) *edi.ReturnNotice {
	rn := &edi.ReturnNotice{ExternalID: r.ID, Status: string(r.Status), Reason: r.Reason,
		IssuedAt: stamp(r.UpdatedAt), RequestedAt: stamp(r.CreatedAt), Currency: r.Currency,
		OrderRef: o.ExternalID, OrderDate: stamp(o.PlacedAt), Buyer: partyOfBuyer(o.Buyer)}
	from := partyOfAddress(o.ShipTo)
	from.Role = "SF"
	rn.ShipFrom = from
	if r.Label != nil {
		rn.TrackingNumber = r.Label.TrackingNumber
	}
	for _, st := range r.History {
		switch st.Status {
		case returns.InTransit:
			rn.ShippedAt = stamp(st.At)
		case returns.Received:
			rn.ReceivedAt = stamp(st.At)
		}
	}
	for _, n := range []string{r.Notes, r.RejectionReason} {
		if n = strings.TrimSpace(n); n != "" {
			rn.Notes = append(rn.Notes, freeText(n, p))
		}
	}
	for i, l := range r.Lines {
		rn.Lines = append(rn.Lines, edi.Line{LineNumber: strconv.Itoa(i + 1), SKU: l.SKU,
			Quantity: json.Number(strconv.FormatInt(l.Quantity, 10)), Unit: "EA",
			UnitPrice:  &edi.Money{Amount: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency},
			ProductIDs: []edi.ProductID{{Qualifier: "VP", Value: l.SKU}}})
	}
	return rn
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// freeText makes a note fit an X12 partner, which has no release
// character: its delimiters become spaces. EDIFACT escapes them.
func freeText(s string, p *edi.Profile) string {
	if p.Standard != edi.X12 {
		return s
	}
	d, err := p.OutboundDelimiters()
	if err != nil {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == rune(d.Element), r == rune(d.Component), r == rune(d.Segment), d.Repetition != 0 && r == rune(d.Repetition):
			return ' '
		}
		return r
	}, s)
}

// returnConsumer sends automatic return notices from relayed events.
type returnConsumer struct{ s *Service }

// Consume implements events.Consumer: for each return.updated event of a
// return marked edi, a notice to every partner of the return's channel
// whose profile sets returns_by_edi — unless one was already recorded for
// the event (the relay may hand a batch over twice). What cannot be
// written (a partner's delimiter in an id) is logged and skipped: it must
// not hold the relay up for every other consumer.
func (c returnConsumer) Consume(ctx context.Context, batch []events.Event) error {
	s := c.s
	type scope struct {
		tenant  string
		sandbox bool
	}
	partners := map[scope][]Partner{}
	for _, e := range batch {
		if e.Type != events.ReturnUpdated {
			continue
		}
		raw, ok := e.Data.(json.RawMessage)
		if !ok {
			b, err := json.Marshal(e.Data)
			if err != nil {
				continue
			}
			raw = b
		}
		var ret returns.Return
		if err := json.Unmarshal(raw, &ret); err != nil || ret.ID == "" || !ret.EDI {
			continue
		}
		ectx := db.WithScope(ctx, db.Scope{TenantID: e.TenantID, Sandbox: e.Sandbox})
		ectx = audit.WithActor(ectx, audit.Actor{ID: "system", Type: "system"})
		sc := scope{e.TenantID, e.Sandbox}
		ps, ok := partners[sc]
		if !ok {
			q, err := s.db.TenantRead(ectx)
			if err != nil {
				return err
			}
			if ps, err = s.partners(ectx, q, web.Page{}); err != nil {
				return err
			}
			partners[sc] = ps
		}
		var o *orders.Order
		for _, p := range ps {
			if !p.ReturnsByEDI || channelOf(p.PartnerID.ID) != ret.Channel {
				continue
			}
			q, err := s.db.TenantRead(ectx)
			if err != nil {
				return err
			}
			var n int
			if err := q.QueryRowContext(ectx, `SELECT COUNT(*) FROM edi_outbound
				WHERE tenant_id = $1 AND sandbox = $2 AND event_id = $3 AND partner = $4`, e.ID, p.ID).Scan(&n); err != nil {
				return fmt.Errorf("ediapi: return notice: %w", err)
			}
			if n > 0 {
				continue
			}
			if o == nil {
				got, err := s.orders.Get(ectx, ret.OrderID)
				if errors.Is(err, problem.ErrNotFound) {
					s.log.Warn("ediapi: return notice for a missing order", "return", ret.ID, "order", ret.OrderID)
					break
				}
				if err != nil {
					return err
				}
				o = &got
			}
			_, _, err = s.sendReturn(ectx, p, ret, *o, e.ID)
			if errors.As(err, new(encodeError)) {
				s.log.Warn("ediapi: return notice not written", "return", ret.ID, "partner", p.ID, "event", e.ID, "err", err)
				continue
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}
