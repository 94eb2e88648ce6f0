package shipments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// maxUpload bounds a tracking CSV upload.
const maxUpload = 16 << 20

const eventDoc = "Each event names the parcel by `tracking_number` and its status either as a normalised `status` " +
	"(label_created, picked_up, export_customs, departed, arrived_destination_country, import_customs, " +
	"out_for_delivery, delivered, exception, returned) or as the sender's own `code`, read with `code_list` " +
	"(`x12` for 214 AT701 codes, `rec24` for IFTSTA Recommendation 24 codes, or a registered carrier's code). " +
	"`at` is RFC 3339 with its offset; exceptions carry a `reason` (address_problem, customs_hold, lost, refused, " +
	"damaged, delivery_attempt_failed, delayed, other). Statuses only move forward: an event older than the stage " +
	"reached is kept in the history (`applied: false`) without moving the status back. An event whose number no " +
	"shipment carries yet is kept (`matched: false`) and applied when a shipment with that number is created. " +
	"A repeat of an event already received is reported as `duplicate` and stored once."

// Routes registers the shipments and tracking API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/shipments", Perm: identity.PermLogisticsWrite, Tag: "logistics",
			Summary: "Create a shipment",
			Description: "Buys a label for an order from a service that rate comparison offers for it " +
				"(`service_id` of an offer): the shipment is priced as the comparison priced it, the label bought " +
				"through the service's carrier connector (the sandbox carrier for sandbox keys and the platform's " +
				"sample services), and the tracking number and label stored. `from` defaults to the tenant's sender " +
				"address (`PUT /api/v1/shipments/sender`). Publishes `shipment.created`. " +
				"The label is bought after the shipment is recorded, with the shipment id as the idempotency key at " +
				"the carrier: when the carrier answers in time the answer is 201 with `label_status: bought`; when it " +
				"does not, 202 with `label_status: requested` and the purchase is retried in the background with the " +
				"same key (poll `GET /api/v1/shipments/{id}`). A carrier's refusal is 422 `label_refused` naming " +
				"`service_id`. An `Idempotency-Key` header is kept with the shipment: the same key returns the same " +
				"shipment as it now stands (with `Idempotent-Replayed: true`), never a second label.",
			Request: NewShipment{}, Response: Shipment{}, Status: http.StatusCreated,
			Errors: []int{http.StatusConflict, http.StatusBadGateway},
			// The handler runs its own transactions: the carrier is called
			// between them, never inside one.
			Stream: true, KeepsIdempotency: true, Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/shipments", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "List shipments", Description: "Newest first, without their event history.",
			Query: []web.Param{{Name: "status", Description: "A normalised status."},
				{Name: "order_id"}, {Name: "tracking_number"}, {Name: "service_id"},
				{Name: "exception", Type: "boolean", Description: "Only shipments standing in an exception."}},
			Response: web.List[Shipment]{}, Handler: s.handleList},
		{Method: "GET", Path: "/api/v1/shipments/{id}", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Get a shipment with its tracking history", Response: Shipment{}, Handler: s.handleGet},
		{Method: "GET", Path: "/api/v1/shipments/{id}/label", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Download a shipment's label", Produces: []string{"application/pdf"}, Response: "",
			Handler: s.handleLabel},
		{Method: "GET", Path: "/api/v1/shipments/sender", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Get the default sender address", Response: carrier.Address{}, Handler: s.handleSender},
		{Method: "PUT", Path: "/api/v1/shipments/sender", Perm: identity.PermLogisticsWrite, Tag: "logistics",
			Summary: "Set the default sender address", Request: carrier.Address{}, Response: carrier.Address{},
			Handler: s.handleSetSender},

		{Method: "POST", Path: "/api/v1/tracking/events", Perm: identity.PermLogisticsWrite, Tag: "logistics",
			Summary: "Send tracking events", Description: "A batch of at most 1,000 events. " + eventDoc +
				" One invalid event refuses the batch (422 naming `events[i].field`); nothing is stored.",
			Request: Batch{}, Response: BatchResult{}, Handler: s.handleIngest},
		{Method: "POST", Path: "/api/v1/tracking/webhooks/{carrier}", Perm: identity.PermLogisticsWrite, Tag: "logistics",
			Summary: "Carrier webhook for tracking events",
			Description: "The endpoint a carrier's system pushes to. It authenticates like every partner call: a " +
				"carrier holds an API key of the seller's tenant with `logistics.write` and signs each request with " +
				"the key's signing secret (`Silkgate-Signature`, replay-protected; see Signed requests), optionally " +
				"behind an IP allow-list, so no second secret per carrier is needed. `{carrier}` is the connector " +
				"code (e.g. `sandbox`): it is the events' carrier code and the code table their `code` is read " +
				"with. " + eventDoc,
			Request: Batch{}, Response: BatchResult{}, Handler: s.handleWebhook},
		{Method: "POST", Path: "/api/v1/tracking/events.csv", Perm: identity.PermLogisticsWrite, Tag: "logistics",
			Summary: "Upload tracking events as CSV",
			Description: "Valid rows are kept; each rejected row is reported with its row number (the header is " +
				"row 1), field and code. Columns: " + CSVColumnsDoc,
			Consumes: []string{"text/csv", "multipart/form-data"}, Response: CSVReport{}, MaxBody: maxUpload,
			Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}, Handler: s.handleUpload},
		{Method: "GET", Path: "/api/v1/tracking/template.csv", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Download the tracking CSV template", Produces: []string{"text/csv"}, Response: "",
			Handler: s.handleTemplate},
		{Method: "POST", Path: "/api/v1/tracking/edi-import", Perm: identity.PermLogisticsWrite, Tag: "logistics",
			Summary: "Import tracking from EDI",
			Description: "Reads the tracking status documents (X12 214, EDIFACT IFTSTA) received at `POST /api/v1/edi` " +
				"since the last import and ingests their events with the stages the EDI gateway normalised. Running " +
				"it again imports nothing twice.",
			Response: EDIResult{}, Handler: s.handleEDI},
		{Method: "GET", Path: "/api/v1/tracking/unmatched", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "List tracking events waiting for a shipment", Response: web.List[Event]{}, Handler: s.handleUnmatched},
		{Method: "GET", Path: "/api/v1/tracking/alerts", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "List exception alerts", Query: []web.Param{{Name: "shipment_id"}},
			Response: web.List[Alert]{}, Handler: s.handleAlerts},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var n NewShipment
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	key, fingerprint, err := requestKey(r, n)
	if err != nil {
		return err
	}
	sh, replay, err := s.createKeyed(r.Context(), n, key, fingerprint)
	if err != nil {
		return err
	}
	if replay {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/api/v1/shipments/"+sh.ID)
	status := http.StatusCreated
	if sh.LabelStatus == LabelRequested {
		status = http.StatusAccepted
	}
	return web.Respond(w, r, status, sh)
}

// requestKey reads the Idempotency-Key of a shipment request, as the
// router reads it for the routes it runs in one transaction: scoped to
// the caller's credential, with a digest of the request to tell a retry
// from a different request.
func requestKey(r *http.Request, n NewShipment) (key, fingerprint string, err error) {
	k := r.Header.Get("Idempotency-Key")
	p, ok := identity.PrincipalFrom(r.Context())
	if k == "" || !ok {
		return "", "", nil
	}
	if len(k) > 255 || !printable(k) {
		return "", "", problem.Invalid(problem.Field{Field: "Idempotency-Key", Code: "invalid_format",
			Params: []any{"format", "1 to 255 printable ASCII characters"}})
	}
	body, err := json.Marshal(n)
	if err != nil {
		return "", "", err
	}
	kh := sha256.Sum256([]byte(p.PrincipalID() + "\x00" + k))
	bh := sha256.Sum256(body)
	return hex.EncodeToString(kh[:]), hex.EncodeToString(bh[:]), nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// FilterFrom reads a list filter from the query.
func FilterFrom(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{Status: strings.TrimSpace(q.Get("status")), OrderID: strings.TrimSpace(q.Get("order_id")),
		TrackingNumber: strings.TrimSpace(q.Get("tracking_number")), ServiceID: strings.TrimSpace(q.Get("service_id"))}
	var fs problem.Errors
	if f.Status != "" && !ValidStatus(carrier.Status(f.Status)) {
		fs.Add("status", "one_of", "values", statusNames())
	}
	if v := q.Get("exception"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fs.Add("exception", "one_of", "values", "true, false")
		}
		f.Exception = b
	}
	return f, fs.Err()
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	f, err := FilterFrom(r)
	if err != nil {
		return err
	}
	l, err := s.List(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	sh, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, sh)
}

func (s *Service) handleLabel(w http.ResponseWriter, r *http.Request) error {
	b, mt, err := s.Label(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Disposition", `inline; filename="label-`+r.PathValue("id")+`.pdf"`)
	_, err = w.Write(b)
	return err
}

func (s *Service) handleSender(w http.ResponseWriter, r *http.Request) error {
	a, err := s.Sender(r.Context())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, a)
}

func (s *Service) handleSetSender(w http.ResponseWriter, r *http.Request) error {
	var a carrier.Address
	if err := web.Decode(r, &a); err != nil {
		return err
	}
	out, err := s.SetSender(r.Context(), a)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, out)
}

func (s *Service) handleIngest(w http.ResponseWriter, r *http.Request) error {
	var b Batch
	if err := web.Decode(r, &b); err != nil {
		return err
	}
	res, err := s.Ingest(r.Context(), b, SourceAPI, "")
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

func (s *Service) handleWebhook(w http.ResponseWriter, r *http.Request) error {
	code := strings.ToLower(strings.TrimSpace(r.PathValue("carrier")))
	if !s.carriers.Known(code) {
		return problem.ErrNotFound
	}
	var b Batch
	if err := web.Decode(r, &b); err != nil {
		return err
	}
	res, err := s.Ingest(r.Context(), b, SourceWebhook, code)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

func (s *Service) handleUpload(w http.ResponseWriter, r *http.Request) error {
	body, _, err := web.UploadBody(r, "text/csv", "application/csv", "text/plain", "application/octet-stream")
	if err != nil {
		return err
	}
	rep, err := s.ImportCSV(r.Context(), body, "upload", Messages(r))
	if err != nil {
		if e := web.TooLarge(err); e != nil {
			return e
		}
		return err
	}
	return web.Respond(w, r, http.StatusOK, rep)
}

// Messages returns the function that writes validation messages in the
// request's language, for upload reports.
func Messages(r *http.Request) func(code string, params ...any) string {
	cat, lang := web.EnvFrom(r.Context()).Catalog, i18n.Lang(r.Context())
	return func(code string, params ...any) string {
		if cat == nil {
			return code
		}
		return cat.T(lang, code, params...)
	}
}

func (s *Service) handleTemplate(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="tracking-events-template.csv"`)
	_, err := w.Write(Template())
	return err
}

func (s *Service) handleEDI(w http.ResponseWriter, r *http.Request) error {
	res, err := s.SyncEDI(r.Context())
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

func (s *Service) handleUnmatched(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.Unmatched(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleAlerts(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.Alerts(r.Context(), strings.TrimSpace(r.URL.Query().Get("shipment_id")), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}
