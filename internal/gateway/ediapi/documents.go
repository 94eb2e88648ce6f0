package ediapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Interchange is a received interchange as stored.
type Interchange struct {
	ID            string    `json:"id"`
	Standard      string    `json:"standard"`
	Sender        string    `json:"sender"`
	Receiver      string    `json:"receiver"`
	ControlNumber string    `json:"control_number"`
	PartnerID     string    `json:"partner_id,omitempty"`
	Accepted      int       `json:"accepted"`
	Rejected      int       `json:"rejected"`
	SHA256        string    `json:"sha256"`
	Size          int64     `json:"size"`
	ReceivedAt    time.Time `json:"received_at"`
	// Ack, Documents and Errors are given for a single interchange only.
	Ack       string        `json:"ack,omitempty"`
	Documents []DocumentRef `json:"documents,omitempty"`
	Errors    []SetError    `json:"errors,omitempty"`
}

// XMLRoot names the XML root element of an interchange.
func (Interchange) XMLRoot() string { return "interchange" }

// Document is a document received by EDI: the canonical JSON of package
// edi (edi.PurchaseOrder, edi.ShipNotice, edi.Invoice, ...).
type Document struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Reference     string          `json:"reference"`
	InterchangeID string          `json:"interchange_id"`
	OrderID       string          `json:"order_id,omitempty"`
	Body          json.RawMessage `json:"body"`
	CreatedAt     time.Time       `json:"created_at"`
}

// XMLRoot names the XML root element of a document.
func (Document) XMLRoot() string { return "document" }

const interchangeCols = `id, standard, sender, receiver, control_number, partner, accepted, rejected, digest, size, received_at`

func scanInterchange(sc interface{ Scan(...any) error }) (Interchange, error) {
	var ic Interchange
	err := sc.Scan(&ic.ID, &ic.Standard, &ic.Sender, &ic.Receiver, &ic.ControlNumber, &ic.PartnerID, &ic.Accepted,
		&ic.Rejected, &ic.SHA256, &ic.Size, &ic.ReceivedAt)
	ic.ReceivedAt = ic.ReceivedAt.UTC()
	return ic, err
}

func (s *Service) handleListInterchanges(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	q, err := s.db.TenantRead(r.Context())
	if err != nil {
		return err
	}
	query := `SELECT ` + interchangeCols + ` FROM edi_interchanges WHERE tenant_id = $1 AND sandbox = $2`
	args := []any{}
	if pg.After != "" {
		query += ` AND id < $3`
		args = append(args, pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(r.Context(), query, args...)
	if err != nil {
		return fmt.Errorf("ediapi: list interchanges: %w", err)
	}
	defer rows.Close()
	var out []Interchange
	for rows.Next() {
		ic, err := scanInterchange(rows)
		if err != nil {
			return fmt.Errorf("ediapi: list interchanges: %w", err)
		}
		out = append(out, ic)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ediapi: list interchanges: %w", err)
	}
	return web.Respond(w, r, http.StatusOK, web.NewList(pg, out, func(ic Interchange) string { return ic.ID }))
}

func (s *Service) handleGetInterchange(w http.ResponseWriter, r *http.Request) error {
	q, err := s.db.TenantRead(r.Context())
	if err != nil {
		return err
	}
	var resp string
	row := q.QueryRowContext(r.Context(), `SELECT `+interchangeCols+`, response FROM edi_interchanges
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, r.PathValue("id"))
	var ic Interchange
	err = row.Scan(&ic.ID, &ic.Standard, &ic.Sender, &ic.Receiver, &ic.ControlNumber, &ic.PartnerID, &ic.Accepted,
		&ic.Rejected, &ic.SHA256, &ic.Size, &ic.ReceivedAt, &resp)
	if errors.Is(err, sql.ErrNoRows) {
		return problem.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ediapi: get interchange: %w", err)
	}
	ic.ReceivedAt = ic.ReceivedAt.UTC()
	var ir InterchangeResult
	if err := json.Unmarshal([]byte(resp), &ir); err != nil {
		return fmt.Errorf("ediapi: decode interchange %s: %w", ic.ID, err)
	}
	ic.Ack, ic.Documents, ic.Errors = ir.Ack, ir.Documents, ir.Errors
	if ic.Documents == nil {
		ic.Documents = []DocumentRef{}
	}
	return web.Respond(w, r, http.StatusOK, ic)
}

func (s *Service) handleGetDocument(w http.ResponseWriter, r *http.Request) error {
	q, err := s.db.TenantRead(r.Context())
	if err != nil {
		return err
	}
	var (
		d    Document
		body string
	)
	err = q.QueryRowContext(r.Context(), `SELECT id, type, reference, interchange_id, order_id, body, created_at
		FROM edi_documents WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, r.PathValue("id")).
		Scan(&d.ID, &d.Type, &d.Reference, &d.InterchangeID, &d.OrderID, &body, &d.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return problem.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("ediapi: get document: %w", err)
	}
	d.Body, d.CreatedAt = json.RawMessage(body), d.CreatedAt.UTC()
	return web.Respond(w, r, http.StatusOK, d)
}

// DocumentFilter selects received documents.
type DocumentFilter struct {
	// Type is a canonical document type ("tracking_status", ...); "" for all.
	Type string
	// Reference is the sender's number, exactly.
	Reference string
}

// documentTypes are the canonical types a filter may name.
var documentTypes = []string{edi.TypePurchaseOrder, edi.TypeShipNotice, edi.TypeInvoice, edi.TypeOrderAck,
	edi.TypeTrackingStatus, edi.TypeFunctionalAck, edi.TypeReturnNotice}

// Documents lists the documents received in the caller's partition,
// newest first. It is the seam other modules read EDI through: the
// logistics module takes tracking_status documents from here.
func (s *Service) Documents(ctx context.Context, f DocumentFilter, pg web.Page) (web.List[Document], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Document]{}, err
	}
	query := `SELECT id, type, reference, interchange_id, order_id, body, created_at FROM edi_documents
		WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args)+2)
	}
	if f.Type != "" {
		query += ` AND type = ` + arg(f.Type)
	}
	if f.Reference != "" {
		query += ` AND reference = ` + arg(f.Reference)
	}
	if pg.After != "" {
		query += ` AND id < ` + arg(pg.After)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, pg.FetchLimit())
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return web.List[Document]{}, fmt.Errorf("ediapi: list documents: %w", err)
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var (
			d    Document
			body string
		)
		if err := rows.Scan(&d.ID, &d.Type, &d.Reference, &d.InterchangeID, &d.OrderID, &body, &d.CreatedAt); err != nil {
			return web.List[Document]{}, fmt.Errorf("ediapi: list documents: %w", err)
		}
		d.Body, d.CreatedAt = json.RawMessage(body), d.CreatedAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return web.List[Document]{}, fmt.Errorf("ediapi: list documents: %w", err)
	}
	return web.NewList(pg, out, func(d Document) string { return d.ID }), nil
}

func (s *Service) handleListDocuments(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	f := DocumentFilter{Type: r.URL.Query().Get("type"), Reference: r.URL.Query().Get("reference")}
	if f.Type != "" && !contains(documentTypes, f.Type) {
		return problem.Invalid(problem.Field{Field: "type", Code: "one_of", Params: []any{"values", strings.Join(documentTypes, ", ")}})
	}
	l, err := s.Documents(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}
