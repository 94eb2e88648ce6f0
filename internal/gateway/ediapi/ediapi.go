// Package ediapi is the gateway's EDI endpoint (clause 6.2.1): it receives
// X12 and EDIFACT interchanges over POST /api/v1/edi, keeps what they carry
// and answers with the functional acknowledgement; it keeps each tenant's
// trading-partner profiles and generates outbound 855, 856 and DESADV
// interchanges from orders. The syntax, envelopes, mapping and
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
	db     *db.DB
	orders *orders.Service
	audit  Recorder
	log    *slog.Logger
	now    func() time.Time
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
		Summary:  "Receive an EDI interchange (X12 850/856/810, EDIFACT ORDERS/DESADV/INVOIC)",
		Response: Response{}, Stream: true, MaxBody: MaxBody,
		Consumes: []string{"application/EDI-X12", "application/EDIFACT", "text/plain"},
		Produces: []string{"application/json"},
		Description: "Reads every interchange of the body, checks envelopes and control counts, and stores in one " +
			"transaction the accepted documents (purchase orders become orders) and the interchange record; the " +
			"answer carries the functional acknowledgement (997 or 999, CONTRL for EDIFACT, per the partner " +
			"profile) accepting or rejecting each transaction set. A broken interchange is 422 naming the " +
			"segment, and nothing is stored. A re-sent interchange (same sender, receiver and control number) " +
			"is answered with the original response and not stored again (header Silkgate-EDI-Duplicate: true).",
		Handler: s.handleReceive})

	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/partners", Perm: permRead, Tag: "edi",
		Summary: "List trading-partner profiles", Response: web.List[Partner]{}, Handler: s.handleListPartners})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/edi/partners", Perm: permWrite, Tag: "edi",
		Summary: "Create a trading-partner profile", Request: PartnerInput{}, Response: Partner{},
		Status: http.StatusCreated, Errors: []int{http.StatusConflict},
		Description: "Partner and local identities (with qualifiers), versions, acknowledgement kind, outbound " +
			"delimiters, default currency and time zone. Two profiles of one standard may not share both identities.",
		Handler: s.handleCreatePartner})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/partners/{id}", Perm: permRead, Tag: "edi",
		Summary: "Get a trading-partner profile", Response: Partner{}, Handler: s.handleGetPartner})
	rt.Handle(web.Route{Method: "PUT", Path: "/api/v1/edi/partners/{id}", Perm: permWrite, Tag: "edi",
		Summary: "Replace a trading-partner profile", Request: PartnerInput{}, Response: Partner{},
		Errors: []int{http.StatusConflict}, Handler: s.handleUpdatePartner})
	rt.Handle(web.Route{Method: "DELETE", Path: "/api/v1/edi/partners/{id}", Perm: permWrite, Tag: "edi",
		Summary: "Delete a trading-partner profile", Status: http.StatusNoContent, Handler: s.handleDeletePartner})

	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/interchanges", Perm: permRead, Tag: "edi",
		Summary: "List received interchanges, newest first", Response: web.List[Interchange]{},
		Handler: s.handleListInterchanges})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/edi/interchanges/{id}", Perm: permRead, Tag: "edi",
		Summary: "Get a received interchange with its acknowledgement and documents", Response: Interchange{},
		Handler: s.handleGetInterchange})
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
			"one package, until shipments are recorded on the platform. Each call takes new control numbers.",
		Handler: s.handleOutbound})
}
