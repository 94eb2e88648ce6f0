// Package ediapi is the gateway's EDI endpoint (clause 6.2.1): it receives
// X12 and EDIFACT interchanges over POST /api/v1/edi, keeps what they carry
// and answers with the functional acknowledgement; it keeps each tenant's
// trading-partner profiles, generates outbound 855, 856 and DESADV
// interchanges from orders and X12 180 and EDIFACT RETANN return notices
// from returns (returns.go), and tracks the partner's acknowledgement of
// each. The syntax, envelopes, mapping and
// acknowledgements are package edi's; this package adds what needs the
// platform: storage, tenancy, orders, control-number counters, duplicates
// and HTTP.
//
// # Inbound
//
// The body is streamed through edi.Parse (never held whole) with a SHA-256
// taken on the way. The Content-Type names the standard
// (application/EDI-X12, application/EDIFACT); with text/plain or
// application/octet-stream the standard is detected from the first segment.
// A body whose standard differs from its Content-Type is refused (422).
//
// Trading partners: each interchange is matched, by sender and receiver
// identity (edi.Profile.Matches), against the profiles of the tenant and
// partition (live or sandbox) that posted it. An interchange from an
// unknown partner is still read, with the default profile: a 997 for X12
// and a CONTRL for EDIFACT, USD for X12 documents without CUR and no
// default currency for EDIFACT, dates in UTC.
//
// A broken interchange (edi.Parse returns an *edi.Error) is a 422 whose
// errors name the segment ("segment 14 IEA01") with the edi error code;
// nothing is stored. Otherwise everything the body carries is stored in one
// transaction: the interchange record (identities, control number, counts,
// digest and size of the body — not the body itself), every accepted
// document as canonical JSON, an order for every accepted purchase order,
// the acknowledgement and one audit record per interchange.
//
// Purchase orders become orders through the orders service with channel
// "edi-<sender id>" (the channel grammar has no ':'), external_id the PO
// number, the buyer as mapped (the interchange sender when the PO names no
// buyer; the buyer's country defaults to the ship-to country), and lines
// with the first product identifier as SKU. A PO that the order rules
// refuse (no price, no currency, an incomplete address) is rejected in the
// acknowledgement with code order_invalid and the fields at fault, and
// nothing of it is stored. A PO whose (channel, external_id) already exists
// is accepted and points at the existing order, as bulk ingest does.
//
// Tracking status messages (X12 214, EDIFACT IFTSTA) are stored as
// tracking_status documents (edi.TrackingStatus: shipment and tracking
// numbers, carrier, events with the carrier's code, a normalised stage,
// time with zone and place) for the logistics module to read.
//
// # Acknowledgements of what the platform sends
//
// Every interchange the platform writes — outbound 855, 856, 180, DESADV
// and RETANN, and its own 997, 999 and CONTRL — is recorded, with its
// body, its interchange,
// group and set control numbers (acks.go). A partner's 997, 999 or CONTRL
// is matched by partner and control numbers to the interchange it
// acknowledges and its verdict recorded per set, with the error codes; an
// acknowledgement matching nothing is stored and flagged. Documents still
// unacknowledged after Service.AckTimeout are listed as overdue.
//
// # Duplicates
//
// An interchange is identified by edi.InterchangeID.Key() (sender,
// receiver, control number), or by the digest of the body for EDIFACT
// messages sent without UNB. A re-sent interchange is not stored again:
// the answer is the stored original response, with 200 and the header
// Silkgate-EDI-Duplicate: true. The uniqueness is enforced by the
// database, so two copies arriving at once store one.
//
// # Control numbers
//
// Acknowledgements and outbound interchanges take their control numbers
// from per-tenant, per-partition counters (one per standard for
// interchanges, one for X12 groups), incremented in the transaction that
// uses them. X12 numbers wrap after 999999999.
package ediapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's, repeated so that this
// package does not depend on identity.
const (
	permRead  = "data.read"
	permWrite = "data.write"
	// Trading-partner profiles are integration settings, managed like API
	// keys and OAuth clients: by tenant administrators.
	permPartners = "apikeys.manage"
)

// MaxBody bounds one interchange. The body is streamed, so this is about
// how long a request may hold a connection, not about memory.
const MaxBody = 50 << 20

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service is the EDI gateway.
type Service struct {
	// AckTimeout is how long a document sent to a partner may wait for
	// its 997, 999 or CONTRL before it is listed as overdue; 24 hours
	// when zero. Set it before serving.
	AckTimeout time.Duration

	db      *db.DB
	orders  *orders.Service
	returns ReturnLookup
	audit   Recorder
	log     *slog.Logger
	now     func() time.Time
	// events, when set, hears of every stored document (announce.go).
	events Publisher
}

// New returns the EDI gateway. Orders are created through o.
func New(d *db.DB, o *orders.Service, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, orders: o, audit: rec, log: log, now: time.Now}
}

// Routes registers the EDI API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/edi", Perm: permWrite, Tag: "edi",
		Summary:  "Receive an EDI interchange (X12 850/856/810/214/997/999, EDIFACT ORDERS/DESADV/INVOIC/IFTSTA/CONTRL)",
		Response: Response{}, Stream: true, MaxBody: MaxBody,
		Consumes: []string{"application/EDI-X12", "application/EDIFACT", "text/plain"},
		Produces: []string{"application/json"},
		Description: "Reads every interchange of the body, checks envelopes and control counts, and stores in one " +
			"transaction the accepted documents (purchase orders become orders) and the interchange record; the " +
			"answer carries the functional acknowledgement (997 or 999, CONTRL for EDIFACT, per the partner " +
			"profile) accepting or rejecting each transaction set. A broken interchange is 422 naming the " +
			"segment, and nothing is stored. A re-sent interchange (same sender, receiver and control number) " +
			"is answered with the original response and not stored again (header Silkgate-EDI-Duplicate: true). " +
			"Tracking status messages (214, IFTSTA) are stored as tracking_status documents with normalised stages. " +
			"A partner's 997, 999 or CONTRL is matched to the interchange it acknowledges (documents[].outbound_id) " +
			"or, matching nothing, stored and flagged (documents[].unmatched).",
		Handler: s.handleReceive})

	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/partners", Perm: permRead, Tag: "edi",
		Summary: "List trading-partner profiles", Response: web.List[Partner]{}, Handler: s.handleListPartners})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/edi/partners", Perm: permPartners, Tag: "edi",
		Summary: "Create a trading-partner profile", Request: PartnerInput{}, Response: Partner{},
		Status: http.StatusCreated, Errors: []int{http.StatusConflict},
		Description: "Partner and local identities (with qualifiers), versions, acknowledgement kind, outbound " +
			"delimiters, default currency and time zone. Two profiles of one standard may not share both identities.",
		Handler: s.handleCreatePartner})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/partners/{id}", Perm: permRead, Tag: "edi",
		Summary: "Get a trading-partner profile", Response: Partner{}, Handler: s.handleGetPartner})
	rt.Handle(web.Route{Method: "PUT", Path: "/api/v1/edi/partners/{id}", Perm: permPartners, Tag: "edi",
		Summary: "Replace a trading-partner profile", Request: PartnerInput{}, Response: Partner{},
		Errors: []int{http.StatusConflict}, Handler: s.handleUpdatePartner})
	rt.Handle(web.Route{Method: "DELETE", Path: "/api/v1/edi/partners/{id}", Perm: permPartners, Tag: "edi",
		Summary: "Delete a trading-partner profile", Status: http.StatusNoContent, Handler: s.handleDeletePartner})

	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/interchanges", Perm: permRead, Tag: "edi",
		Summary: "List received interchanges, newest first", Response: web.List[Interchange]{},
		Handler: s.handleListInterchanges})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/interchanges/{id}", Perm: permRead, Tag: "edi",
		Summary: "Get a received interchange with its acknowledgement and documents", Response: Interchange{},
		Handler: s.handleGetInterchange})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/documents", Perm: permRead, Tag: "edi",
		Summary: "List documents received by EDI, newest first",
		Query: []web.Param{
			{Name: "type", Enum: documentTypes, Description: "e.g. tracking_status for carriers' status messages"},
			{Name: "reference", Description: "the sender's number (PO, ASN, invoice or message number), exactly"},
		},
		Response: web.List[Document]{}, Handler: s.handleListDocuments})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/documents/{id}", Perm: permRead, Tag: "edi",
		Summary: "Get a document received by EDI", Response: Document{}, Handler: s.handleGetDocument})

	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/orders/{id}/edi", Perm: permRead, Tag: "edi",
		Summary:  "Generate an outbound interchange for an order (855, 856 or DESADV)",
		Produces: []string{"application/EDI-X12", "application/EDIFACT"},
		Query: []web.Param{
			{Name: "type", Required: true, Enum: []string{"855", "856", "desadv"},
				Description: "855 purchase order acknowledgement, 856 ship notice (X12), desadv (EDIFACT)"},
			{Name: "partner", Required: true, Description: "trading-partner profile id"},
		},
		Description: "855 accepts the order line by line. 856 and DESADV report the order's lines as shipped in " +
			"one package; POST the same to say what ships. Each call takes new control numbers and is recorded " +
			"as waiting for the partner's acknowledgement (header Silkgate-EDI-Outbound-Id).",
		Handler: s.handleOutbound})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/orders/{id}/edi", Perm: permWrite, Tag: "edi",
		Summary:  "Generate an outbound interchange for an order, saying what ships",
		Request:  OutboundRequest{},
		Produces: []string{"application/EDI-X12", "application/EDIFACT"},
		Description: "As the GET form, with the shipped quantity per order line (named by number or SKU, at most " +
			"the quantity ordered; lines not named do not ship), the carrier and the tracking number for 856 and " +
			"DESADV. Recorded as waiting for the partner's acknowledgement (header Silkgate-EDI-Outbound-Id).",
		Handler: s.handleOutboundPost})

	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/returns/{id}/edi", Perm: permRead, Tag: "edi",
		Summary:  "Generate a return notice for a partner (X12 180 or EDIFACT RETANN)",
		Produces: []string{"application/EDI-X12", "application/EDIFACT"},
		Query: []web.Param{
			{Name: "type", Required: true, Enum: []string{out180, outRETANN},
				Description: "180 return merchandise authorization and notification (X12), retann announcement for returns (EDIFACT)"},
			{Name: "partner", Description: "trading-partner profile id; by default the profile of this standard whose " +
				"partner id is the order's EDI sender"},
		},
		Errors: []int{http.StatusConflict},
		Description: "The return as it is now: RMA number (the return id), original purchase order, status and reason " +
			"as codes and as the platform's words, dates and lines. Only for returns of orders that came in by EDI " +
			"(409 edi_return_not_edi otherwise). Each call takes new control numbers and is recorded as waiting for " +
			"the partner's acknowledgement (header Silkgate-EDI-Outbound-Id).",
		Handler: s.handleReturnOutbound})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/outbound/{id}/interchange", Perm: permRead, Tag: "edi",
		Summary:  "Download an interchange sent, as it was sent",
		Produces: []string{"application/EDI-X12", "application/EDIFACT"},
		Description: "The bytes of an outbound interchange (automatic return notices included), with its control number " +
			"in the header Silkgate-EDI-Control-Number. 404 for interchanges sent before their bodies were kept.",
		Handler: s.handleDownloadOutbound})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/outbound", Perm: permRead, Tag: "edi",
		Summary: "List interchanges sent, newest first, with the partner's verdict per transaction set",
		Query: []web.Param{
			{Name: "status", Enum: outboundStatuses, Description: "overdue: still unacknowledged after the configured time"},
			{Name: "kind", Enum: []string{kindDocument, kindAck}, Description: "document (855, 856, 180, DESADV, RETANN) or ack (our 997, 999, CONTRL)"},
			{Name: "order_id", Description: "only interchanges generated for this order"},
			{Name: "return_id", Description: "only return notices (180, RETANN) generated for this return"},
			{Name: "partner", Description: "only interchanges to this trading-partner profile"},
		},
		Response: web.List[Outbound]{}, Handler: s.handleListOutbound})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/outbound/{id}", Perm: permRead, Tag: "edi",
		Summary: "Get an interchange sent, with its acknowledgement status", Response: Outbound{},
		Handler: s.handleGetOutbound})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/acks", Perm: permRead, Tag: "edi",
		Summary: "List acknowledgements received from partners (997, 999, CONTRL), newest first",
		Query: []web.Param{{Name: "matched", Type: "boolean",
			Description: "false: only those that match nothing the platform sent"}},
		Response: web.List[ReceivedAck]{}, Handler: s.handleListAcks})
}
