package ediapi

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// CodeOrderInvalid rejects, in the acknowledgement, a purchase order that
// the platform's order rules refuse.
const CodeOrderInvalid edi.Code = "order_invalid"

// DocumentRef names one document kept from an interchange.
type DocumentRef struct {
	// Type is the canonical document type ("purchase_order", "ship_notice",
	// "invoice", ...).
	Type string `json:"type"`
	// ID is the stored document (GET /api/v1/edi/documents/{id}).
	ID string `json:"id"`
	// Reference is the sender's number: PO, ASN or invoice number.
	Reference string `json:"reference"`
	// Transaction is the control number of the transaction set (ST02, UNH).
	Transaction string `json:"transaction"`
	// OrderID is the order a purchase order became (or already was, when
	// ExistingOrder is set).
	OrderID       string `json:"order_id,omitempty"`
	ExistingOrder bool   `json:"existing_order,omitempty"`
	// OutboundID is, for a partner's acknowledgement, the interchange it
	// acknowledges (GET /api/v1/edi/outbound/{id}); Unmatched is set when
	// it acknowledges nothing the platform sent.
	OutboundID string `json:"outbound_id,omitempty"`
	Unmatched  bool   `json:"unmatched,omitempty"`
}

// SetError says why a transaction set was rejected.
type SetError struct {
	Transaction string `json:"transaction"`
	Type        string `json:"type"`
	Code        string `json:"code"`
	Field       string `json:"field"`
	Message     string `json:"message"`
}

// InterchangeResult is the outcome of one interchange.
type InterchangeResult struct {
	InterchangeID string        `json:"interchange_id"`
	Standard      string        `json:"standard"`
	Sender        string        `json:"sender"`
	Receiver      string        `json:"receiver"`
	ControlNumber string        `json:"control_number"`
	PartnerID     string        `json:"partner_id,omitempty"`
	Documents     []DocumentRef `json:"documents"`
	Accepted      int           `json:"accepted"`
	Rejected      int           `json:"rejected"`
	Errors        []SetError    `json:"errors,omitempty"`
	Warnings      []SetError    `json:"warnings,omitempty"`
	Ack           string        `json:"ack"`
}

// Response is the answer to POST /api/v1/edi. Its top-level fields cover
// the whole body (the first interchange's id; documents, counts, errors
// and acknowledgements of all, in order); Interchanges has one entry per
// interchange when the body held several concatenated.
type Response struct {
	InterchangeID string              `json:"interchange_id"`
	Documents     []DocumentRef       `json:"documents"`
	Accepted      int                 `json:"accepted"`
	Rejected      int                 `json:"rejected"`
	Errors        []SetError          `json:"errors,omitempty"`
	Ack           string              `json:"ack"`
	Interchanges  []InterchangeResult `json:"interchanges"`
}

// XMLRoot names the XML root element of the response.
func (Response) XMLRoot() string { return "edi_result" }

// countingHash sees every byte Parse reads.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

func (s *Service) handleReceive(w http.ResponseWriter, r *http.Request) error {
	out, dups, err := s.Receive(r.Context(), r.Body, web.MediaType(r))
	if err != nil {
		return err
	}
	if dups {
		w.Header().Set("Silkgate-EDI-Duplicate", "true")
	}
	return web.Respond(w, r, http.StatusOK, out)
}

func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Params: []any{"limit", mbe.Limit}}
	}
	return nil
}

// parseProblem turns a Parse failure into its answer: a broken interchange
// is a 422 naming the segment.
func parseProblem(err error) error {
	if pe := tooLarge(err); pe != nil {
		return pe
	}
	var e *edi.Error
	if errors.As(err, &e) {
		return invalidInterchange(e.Field(), e.Code, e.Message)
	}
	return fmt.Errorf("ediapi: parse: %w", err)
}

func invalidInterchange(field string, code edi.Code, msg string) error {
	return &problem.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_interchange",
		Params: []any{"field", field},
		Fields: []problem.Field{{Field: field, Code: string(code), Params: []any{"reason", msg}}}}
}

// dupKey identifies an interchange for duplicate detection.
func dupKey(ic *edi.Interchange, digest string) string {
	if k := ic.ID.Key(); k != "" {
		return k
	}
	return string(ic.Standard) + "|sha256:" + digest
}

// store keeps everything from res in one transaction and returns the
// response, and whether some interchange was a re-send.
func (s *Service) store(ctx context.Context, res *edi.Result, partnerOf map[*edi.Profile]string, digest string,
	size int64) (*Response, bool, error) {
	out := &Response{Documents: []DocumentRef{}}
	dups := false
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		*out = Response{Documents: []DocumentRef{}}
		dups = false
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		for _, ic := range res.Interchanges {
			key := dupKey(ic, digest)
			var stored string
			err := q.QueryRowContext(ctx, `SELECT response FROM edi_interchanges
				WHERE tenant_id = $1 AND sandbox = $2 AND dup_key = $3`, key).Scan(&stored)
			var ir InterchangeResult
			switch {
			case err == nil:
				if err := json.Unmarshal([]byte(stored), &ir); err != nil {
					return fmt.Errorf("ediapi: decode stored response: %w", err)
				}
				dups = true
				if err := s.audit.Record(ctx, audit.Event{Action: "edi.interchange.resend",
					Resource: "edi_interchange/" + ir.InterchangeID, Detail: "re-sent; not stored again"}); err != nil {
					return err
				}
			case errors.Is(err, sql.ErrNoRows):
				if ir, err = s.storeInterchange(ctx, q, ic, key, partnerOf[ic.Profile], digest, size); err != nil {
					return err
				}
			default:
				return fmt.Errorf("ediapi: find interchange: %w", err)
			}
			if out.InterchangeID == "" {
				out.InterchangeID = ir.InterchangeID
			}
			out.Documents = append(out.Documents, ir.Documents...)
			out.Accepted += ir.Accepted
			out.Rejected += ir.Rejected
			out.Errors = append(out.Errors, ir.Errors...)
			out.Ack += ir.Ack
			out.Interchanges = append(out.Interchanges, ir)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return out, dups, nil
}

// storeInterchange keeps one new interchange: its record first (so that a
// concurrent copy fails on the unique key before anything else is
// written), then its documents and orders, then the acknowledgement.
func (s *Service) storeInterchange(ctx context.Context, q db.Tenanted, ic *edi.Interchange, key, partnerID,
	digest string, size int64) (InterchangeResult, error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	ir := InterchangeResult{InterchangeID: ids.New("edii"), Standard: string(ic.Standard),
		Sender: qualified(ic.ID.SenderQualifier, ic.ID.Sender), Receiver: qualified(ic.ID.ReceiverQualifier, ic.ID.Receiver),
		ControlNumber: ic.ID.ControlNumber, PartnerID: partnerID, Documents: []DocumentRef{}}
	if _, err := q.ExecContext(ctx, `INSERT INTO edi_interchanges (tenant_id, sandbox, id, dup_key, standard, sender,
		receiver, control_number, partner, accepted, rejected, digest, size, ack, response, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, $10, $11, '', '', $12)`,
		ir.InterchangeID, key, ir.Standard, ir.Sender, ir.Receiver, ir.ControlNumber, partnerID, digest, size, now); err != nil {
		return ir, fmt.Errorf("ediapi: store interchange: %w", err)
	}
	channel := channelFor(ic)
	for _, g := range ic.Groups {
		for _, t := range g.Transactions {
			if !t.Accepted() || t.Document == nil {
				continue
			}
			ref := DocumentRef{Type: t.Document.DocumentType(), ID: ids.New("edid"), Reference: t.Document.Ref(),
				Transaction: t.ControlNumber}
			if po, ok := t.Document.(*edi.PurchaseOrder); ok {
				orderID, existing, reject, err := s.createOrder(ctx, po, ic, channel)
				if err != nil {
					return ir, err
				}
				if reject != nil {
					reject.Position, reject.SetPosition = t.Position, 1
					t.Errors = append(t.Errors, reject)
					continue
				}
				ref.OrderID, ref.ExistingOrder = orderID, existing
			}
			body, err := json.Marshal(t.Document)
			if err != nil {
				return ir, fmt.Errorf("ediapi: encode document: %w", err)
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO edi_documents (tenant_id, sandbox, id, interchange_id, type,
				reference, order_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				ref.ID, ir.InterchangeID, ref.Type, ref.Reference, ref.OrderID, string(body), now); err != nil {
				return ir, fmt.Errorf("ediapi: store document: %w", err)
			}
			if fa, ok := t.Document.(*edi.FunctionalAck); ok {
				if ref.OutboundID, err = s.matchAck(ctx, q, ic, ir.InterchangeID, ref.ID, fa, now); err != nil {
					return ir, err
				}
				ref.Unmatched = ref.OutboundID == ""
			}
			ir.Documents = append(ir.Documents, ref)
		}
	}
	if err := s.announce(ctx, ir.InterchangeID, ir.Documents); err != nil {
		return ir, err
	}
	ir.Accepted, ir.Rejected = ic.Counts()
	for _, g := range ic.Groups {
		for _, t := range g.Transactions {
			if t.Accepted() {
				continue
			}
			errs := t.Errors
			if len(errs) == 0 {
				errs = g.Errors
			}
			for _, e := range errs {
				ir.Errors = append(ir.Errors, SetError{Transaction: t.ControlNumber, Type: t.Type, Code: string(e.Code),
					Field: e.Field(), Message: e.Message})
			}
		}
	}
	for _, e := range ic.Warnings {
		ir.Warnings = append(ir.Warnings, SetError{Code: string(e.Code), Field: e.Field(), Message: e.Message})
	}
	ack, err := s.ack(ctx, q, ic, now)
	if err != nil {
		return ir, err
	}
	if ack != "" {
		if _, err := s.recordSent(ctx, q, kindAck, partnerID, "", []byte(ack), now); err != nil {
			return ir, err
		}
	}
	ir.Ack = ack
	resp, err := json.Marshal(ir)
	if err != nil {
		return ir, fmt.Errorf("ediapi: encode response: %w", err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE edi_interchanges SET accepted = $4, rejected = $5, ack = $6, response = $7
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, ir.InterchangeID, ir.Accepted, ir.Rejected, ack, string(resp)); err != nil {
		return ir, fmt.Errorf("ediapi: store interchange: %w", err)
	}
	err = s.audit.Record(ctx, audit.Event{Action: "edi.interchange.receive", Resource: "edi_interchange/" + ir.InterchangeID,
		Change: map[string]any{"key": key, "sha256": digest, "size": size, "accepted": ir.Accepted, "rejected": ir.Rejected,
			"documents": len(ir.Documents)},
		Detail: fmt.Sprintf("%s %s → %s #%s: %d accepted, %d rejected", ir.Standard, ir.Sender, ir.Receiver,
			ir.ControlNumber, ir.Accepted, ir.Rejected)})
	return ir, err
}

func qualified(q, id string) string {
	if q == "" {
		return id
	}
	return q + ":" + id
}

// ack writes the acknowledgement of ic with control numbers from the
// tenant's counters; "" when none is due (the partner wants none, or the
// interchange held only acknowledgements).
func (s *Service) ack(ctx context.Context, q db.Tenanted, ic *edi.Interchange, at time.Time) (string, error) {
	kind := ic.Profile.AckKind(ic.Standard)
	if kind == edi.AckNone {
		return "", nil
	}
	ctl, err := s.control(ctx, q, ic.Standard, at)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := edi.WriteAck(&buf, ic, kind, ctl); err != nil {
		return "", fmt.Errorf("ediapi: acknowledgement: %w", err)
	}
	return buf.String(), nil
}

// control allocates the next interchange (and, for X12, group) control
// numbers of the caller's partition.
func (s *Service) control(ctx context.Context, q db.Tenanted, std edi.Standard, at time.Time) (edi.Control, error) {
	ctl := edi.Control{Time: at}
	var err error
	if ctl.Interchange, err = next(ctx, q, string(std)+".interchange"); err != nil {
		return ctl, err
	}
	if std == edi.X12 {
		if ctl.Group, err = next(ctx, q, "x12.group"); err != nil {
			return ctl, err
		}
	}
	return ctl, nil
}

func next(ctx context.Context, q db.Tenanted, name string) (int64, error) {
	var v int64
	if err := q.QueryRowContext(ctx, `INSERT INTO edi_counters (tenant_id, sandbox, name, value) VALUES ($1, $2, $3, 1)
		ON CONFLICT (tenant_id, sandbox, name) DO UPDATE SET value = edi_counters.value + 1
		RETURNING value`, name).Scan(&v); err != nil {
		return 0, fmt.Errorf("ediapi: control number: %w", err)
	}
	return (v-1)%999999999 + 1, nil
}

// channelFor is the order channel of a sender: "edi-" and the sender's
// id in the channel grammar (lower-case letters, digits, '-', '_', '.').
func channelFor(ic *edi.Interchange) string { return channelOf(ic.ID.Sender) }

// channelOf is the order channel of a sender id (see channelFor); returns
// find their partner by it.
func channelOf(sender string) string {
	var b strings.Builder
	b.WriteString("edi-")
	for _, c := range strings.ToLower(sender) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	ch := b.String()
	if sender == "" {
		ch = "edi-unknown"
	}
	if len(ch) > 64 {
		ch = ch[:64]
	}
	return ch
}

// createOrder turns a purchase order into an order. reject is set, and
// nothing written, when the order rules refuse it.
func (s *Service) createOrder(ctx context.Context, po *edi.PurchaseOrder, ic *edi.Interchange, channel string) (
	id string, existing bool, reject *edi.Error, err error) {
	n := newOrder(po, ic, channel)
	if verr := n.Validate(); verr != nil {
		return "", false, orderRejection(verr), nil
	}
	o, err := s.orders.Create(ctx, n)
	if err == nil {
		return o.ID, false, nil, nil
	}
	pe, ok := problem.As(err)
	switch {
	case ok && pe.Code == "duplicate_external_id":
		for i := 0; i+1 < len(pe.Params); i += 2 {
			if pe.Params[i] == "id" {
				id, _ = pe.Params[i+1].(string)
			}
		}
		return id, true, nil, nil
	case ok && pe.Status == http.StatusUnprocessableEntity:
		return "", false, orderRejection(err), nil
	}
	return "", false, nil, err
}

func orderRejection(err error) *edi.Error {
	msg := "the order is not valid"
	if pe, ok := problem.As(err); ok && len(pe.Fields) > 0 {
		parts := make([]string, 0, len(pe.Fields))
		for _, f := range pe.Fields {
			parts = append(parts, f.Field+": "+f.Code)
		}
		msg = "order rules: " + strings.Join(parts, "; ")
	}
	return &edi.Error{Code: CodeOrderInvalid, Message: msg}
}

// newOrder maps a purchase order onto the platform's order.
func newOrder(po *edi.PurchaseOrder, ic *edi.Interchange, channel string) orders.NewOrder {
	n := orders.NewOrder{ExternalID: po.ExternalID, Channel: channel, Currency: po.Currency}
	for _, v := range []string{po.PlacedAt, ic.ID.Prepared} {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			n.PlacedAt = t
			break
		}
	}
	if po.ShipTo != nil {
		a := po.ShipTo
		n.ShipTo = orders.Address{Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, Region: a.Region,
			Postcode: a.Postcode, Country: a.Country, Phone: a.Phone}
	}
	if b := po.Buyer; b != nil {
		n.Buyer = orders.Buyer{Name: b.Name, Email: b.Email, Phone: b.Phone, Country: b.Country}
		if n.Buyer.Name == "" {
			n.Buyer.Name = b.ID
		}
	}
	if n.Buyer.Country == "" {
		n.Buyer.Country = n.ShipTo.Country
	}
	for _, l := range po.Lines {
		line := orders.Line{SKU: l.SKU, Quantity: quantity(l.Quantity), Title: l.Description}
		if l.UnitPrice != nil {
			line.UnitPrice = money.Money{Amount: l.UnitPrice.Amount, Currency: l.UnitPrice.Currency}
			if line.UnitPrice.Currency == "" {
				line.UnitPrice.Currency = po.Currency
			}
		}
		n.Lines = append(n.Lines, line)
	}
	return n
}

// quantity reads a whole quantity ("3", "3.000"); anything else is 0,
// which the order rules refuse.
func quantity(q json.Number) int64 {
	s := string(q)
	if i, f, ok := strings.Cut(s, "."); ok {
		if strings.Trim(f, "0") != "" {
			return 0
		}
		s = i
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0
	}
	return v
}
