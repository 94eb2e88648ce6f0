package claims

import (
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

const lifeCycleDoc = "Life cycle: filed → submitted | withdrawn; submitted → under_review | withdrawn; under_review → " +
	"approved | rejected | withdrawn; approved → paid; rejected → closed; paid → closed. Any other move is 409 " +
	"invalid_claim_transition naming the current status and the moves it allows. Every step is kept in `history`, " +
	"audited and announced as claim.updated."

const windowDoc = "A carrier accepts a claim only within its window (default: loss 60 days from the ship date, " +
	"damage and shortage 21 days and delay 30 days from delivery, or from the last tracking event of a parcel not " +
	"delivered); a claim filed later is 422 naming `type` with the window and the day it closed."

// maxEvidenceBody bounds an evidence upload: the document and the
// multipart envelope around it.
const maxEvidenceBody = MaxEvidenceSize + 64<<10

// Routes registers the claims API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/shipments/{id}/claims", Perm: identity.PermLogisticsWrite, Tag: "claims",
			Summary: "File a carrier claim for a shipment",
			Description: "Opens a claim in status filed against one of the tenant's shipments (404 for any other). " +
				"`type` is one of " + typeList() + "; `claimed_amount` is money (a decimal string with the currency's " +
				"ISO 4217 minor units, greater than zero); `description` is required and `lines` (SKU and quantity " +
				"affected) optional. " + windowDoc + " Announced as claim.created and claim.updated.",
			Request: NewClaim{}, Response: Claim{}, Status: http.StatusCreated, Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/shipments/{id}/claims", Perm: identity.PermLogisticsRead, Tag: "claims",
			Summary: "List a shipment's claims, newest first", Response: web.List[Claim]{}, Handler: s.handleShipmentList},
		{Method: "GET", Path: "/api/v1/claims", Perm: identity.PermLogisticsRead, Tag: "claims",
			Summary: "List claims, newest first", Response: web.List[Claim]{},
			Query: []web.Param{
				{Name: "status", Enum: statusStrings()},
				{Name: "type", Enum: typeStrings()},
				{Name: "carrier", Description: "the carrier code of the shipment's connector"},
				{Name: "shipment_id", Description: "the shipment claimed for"},
			},
			Handler: s.handleList},
		{Method: "GET", Path: "/api/v1/claims/{id}", Perm: identity.PermLogisticsRead, Tag: "claims",
			Summary: "Get a claim", Response: Claim{}, Handler: s.handleGet},
		{Method: "POST", Path: "/api/v1/claims/{id}/transitions", Perm: identity.PermLogisticsWrite, Tag: "claims",
			Summary: "Move a claim to its next status",
			Description: "`to` is the status to move to. approved requires `settled_amount` (at most the claimed " +
				"amount, in its currency); rejected requires `reason`; `carrier_reference` records the carrier's claim " +
				"number. An upheld claim (approved, then paid) counts in its service's quality record on the lane. " +
				lifeCycleDoc,
			Request: Transition{}, Response: Claim{}, Errors: []int{http.StatusConflict}, Handler: s.handleTransition},
		{Method: "POST", Path: "/api/v1/claims/{id}/evidence", Perm: identity.PermLogisticsWrite, Tag: "claims",
			Summary: "Upload an evidence document",
			Description: "A PDF, JPEG or PNG document (recognised by its content) of at most 10 MiB, as the `file` " +
				"field of a multipart form or as the body itself (`name` query parameter for its file name). At most " +
				"20 per claim; accepted until the carrier decides (409 claim_evidence_closed after). Announced as " +
				"claim.updated.",
			Consumes: []string{"multipart/form-data", "application/pdf", "image/jpeg", "image/png"},
			Query:    []web.Param{{Name: "name", Description: "the document's file name, for a raw body"}},
			Response: Document{}, Status: http.StatusCreated, MaxBody: maxEvidenceBody,
			Errors:  []int{http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
			Handler: s.handleEvidence},
		{Method: "GET", Path: "/api/v1/claims/{id}/evidence/{doc}", Perm: identity.PermLogisticsRead, Tag: "claims",
			Summary: "Download an evidence document", Produces: EvidenceTypes, Response: "", Handler: s.handleEvidenceDoc},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var n NewClaim
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	n.ShipmentID = r.PathValue("id")
	c, err := s.Create(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/claims/"+c.ID)
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

// ParseFilter reads a claims list's filters from query parameters, each
// refusal naming its parameter.
func ParseFilter(get func(string) string) (Filter, error) {
	f := Filter{Status: Status(strings.TrimSpace(get("status"))), Type: Type(strings.TrimSpace(get("type"))),
		Carrier: strings.TrimSpace(get("carrier")), ShipmentID: strings.TrimSpace(get("shipment_id"))}
	var fs problem.Errors
	if f.Status != "" && !f.Status.Valid() {
		fs.Add("status", "one_of", "values", statusList())
	}
	if f.Type != "" && !f.Type.Valid() {
		fs.Add("type", "one_of", "values", typeList())
	}
	if len(f.Carrier) > 64 {
		fs.Add("carrier", "max_length", "max", 64)
	}
	if len(f.ShipmentID) > 64 {
		fs.Add("shipment_id", "max_length", "max", 64)
	}
	return f, fs.Err()
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	var fs problem.Errors
	if pe, ok := problem.As(perr); ok {
		fs = append(fs, pe.Fields...)
	}
	f, ferr := ParseFilter(r.URL.Query().Get)
	if pe, ok := problem.As(ferr); ok {
		fs = append(fs, pe.Fields...)
	}
	if err := fs.Err(); err != nil {
		return err
	}
	l, err := s.List(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleShipmentList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	id := strings.TrimSpace(r.PathValue("id"))
	if _, err := s.shipments.Shipment(r.Context(), id); err != nil {
		return err
	}
	l, err := s.List(r.Context(), Filter{ShipmentID: id}, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleTransition(w http.ResponseWriter, r *http.Request) error {
	var t Transition
	if err := web.Decode(r, &t); err != nil {
		return err
	}
	c, err := s.Transition(r.Context(), r.PathValue("id"), t)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleEvidence(w http.ResponseWriter, r *http.Request) error {
	// Someone else's claim is a 404 whatever the body: the media type is
	// looked at only once the claim is known to be the caller's.
	if _, err := s.Get(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	name := r.URL.Query().Get("name")
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var body io.Reader
	if strings.EqualFold(mt, "multipart/form-data") {
		part, err := web.FilePart(r, nil)
		if err != nil {
			return err
		}
		if part.FileName() != "" {
			name = part.FileName()
		}
		body = part
	} else {
		// UploadBody's refusal speaks of CSV; evidence has its own.
		if !slices.Contains(EvidenceTypes, strings.ToLower(mt)) {
			return problem.New(http.StatusUnsupportedMediaType, "unsupported_evidence")
		}
		body = r.Body
	}
	doc, err := s.AddEvidence(r.Context(), r.PathValue("id"), name, body)
	if err != nil {
		return err
	}
	w.Header().Set("Location", doc.DownloadURL)
	return web.Respond(w, r, http.StatusCreated, doc)
}

func (s *Service) handleEvidenceDoc(w http.ResponseWriter, r *http.Request) error {
	data, doc, err := s.Evidence(r.Context(), r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", doc.MediaType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": doc.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(data)
	return err
}
