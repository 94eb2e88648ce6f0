package ediapi

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// EventDocumentReceived announces a document stored from a received
// interchange. It is published in the transaction that stores the
// document, so a module that acts on received documents (tracking status
// into shipments) learns of every one, once it is committed, without
// polling.
const EventDocumentReceived = "edi.document_received"

// EventInterchangeSent announces an interchange the platform wrote for a
// trading partner: an acknowledgement, a ship notice, a return notice. It
// is how the interchange reaches the partner's side: a webhook receiver
// (the partner's translator, or the seller's bridge to its VAN or AS2
// gateway) forwards the body, which the event carries up to
// maxInlineInterchange bytes; larger ones are fetched from download_url.
const EventInterchangeSent = "edi.interchange_sent"

// maxInlineInterchange bounds the interchange text an event carries.
const maxInlineInterchange = 64 << 10

func init() {
	events.Register(EventDocumentReceived, "A document (purchase order, ship notice, tracking status, ...) was received by EDI and stored.")
	events.Register(EventInterchangeSent, "An interchange was written for a trading partner (997/999/CONTRL, 855, 856/DESADV, 180/RETANN): the body to forward, or where to download it.")
}

// InterchangeSent is the data of EventInterchangeSent.
type InterchangeSent struct {
	ID            string `json:"id"`
	Kind          string `json:"kind"`
	Partner       string `json:"partner,omitempty"`
	Standard      string `json:"standard"`
	SenderID      string `json:"sender_id"`
	ReceiverID    string `json:"receiver_id"`
	ControlNumber string `json:"control_number"`
	OrderID       string `json:"order_id,omitempty"`
	ReturnID      string `json:"return_id,omitempty"`
	DownloadURL   string `json:"download_url"`
	// Interchange is the text as written, when it is small enough.
	Interchange string `json:"interchange,omitempty"`
}

// announceSent publishes EventInterchangeSent in the caller's transaction.
func (s *Service) announceSent(ctx context.Context, e InterchangeSent, body []byte) error {
	if s.events == nil {
		return nil
	}
	e.DownloadURL = "/api/v1/edi/outbound/" + e.ID + "/interchange"
	if len(body) <= maxInlineInterchange {
		e.Interchange = string(body)
	}
	if err := s.events.PublishMany(ctx, []events.Event{{Type: EventInterchangeSent, ResourceID: e.ID, Data: e}}); err != nil {
		return fmt.Errorf("ediapi: announce sent interchange: %w", err)
	}
	return nil
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// UsePublisher makes the gateway announce stored documents through p.
// Call it before serving.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// announce publishes EventDocumentReceived for each document stored from
// one interchange, in the caller's transaction. A re-sent interchange
// stores nothing and announces nothing.
func (s *Service) announce(ctx context.Context, interchangeID string, docs []DocumentRef) error {
	if s.events == nil || len(docs) == 0 {
		return nil
	}
	es := make([]events.Event, 0, len(docs))
	for _, d := range docs {
		es = append(es, events.Event{Type: EventDocumentReceived, ResourceID: d.ID, Data: struct {
			DocumentRef
			InterchangeID string `json:"interchange_id"`
		}{d, interchangeID}})
	}
	if err := s.events.PublishMany(ctx, es); err != nil {
		return fmt.Errorf("ediapi: announce documents: %w", err)
	}
	return nil
}

// Document returns one received document of the caller's partition.
func (s *Service) Document(ctx context.Context, id string) (Document, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Document{}, err
	}
	var (
		d    Document
		body string
	)
	err = q.QueryRowContext(ctx, `SELECT id, type, reference, interchange_id, order_id, body, created_at
		FROM edi_documents WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, strings.TrimSpace(id)).
		Scan(&d.ID, &d.Type, &d.Reference, &d.InterchangeID, &d.OrderID, &body, &d.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Document{}, problem.ErrNotFound
	}
	if err != nil {
		return Document{}, fmt.Errorf("ediapi: get document: %w", err)
	}
	d.Body, d.CreatedAt = json.RawMessage(body), d.CreatedAt.UTC()
	return d, nil
}
