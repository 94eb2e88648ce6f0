package orders

import (
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Permission names are the identity package's; they are repeated here so
// that orders does not depend on identity.
const (
	permRead  = "data.read"
	permWrite = "data.write"
)

// BulkMaxBody bounds one bulk request. The body is streamed, so the bound
// is about how long one request may hold a connection, not about memory.
const BulkMaxBody = 2 << 30

// Routes registers the order API.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/orders", Perm: permWrite, Tag: "orders",
		Summary: "Create an order", Request: NewOrder{}, Response: Order{}, Status: http.StatusCreated,
		Errors: []int{http.StatusConflict},
		Description: "Creates an order in status received. (channel, external_id) is unique per tenant: " +
			"a repeat is 409 duplicate_external_id, and the detail names the existing order.",
		Handler: s.handleCreate})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/orders/{id}", Perm: permRead, Tag: "orders",
		Summary: "Get an order", Response: Order{}, Handler: s.handleGet})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/orders", Perm: permRead, Tag: "orders",
		Summary: "List orders, newest first", Response: web.List[Order]{},
		Query: []web.Param{
			{Name: "external_id", Description: "the channel's order id"},
			{Name: "channel", Description: "e.g. amazon-de"},
			{Name: "status", Enum: statusStrings()},
			{Name: "ship_to_country", Description: "ship-to country, ISO 3166-1 alpha-2"},
			{Name: "from", Description: "placed at or after (RFC 3339)"},
			{Name: "to", Description: "placed before (RFC 3339)"},
			{Name: "q", Description: "free text: external id, buyer, address, SKUs, titles"},
		},
		Handler: s.handleList})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/orders/{id}/status", Perm: permWrite, Tag: "orders",
		Summary: "Change an order's status", Request: StatusUpdate{}, Response: Order{},
		Errors: []int{http.StatusConflict},
		Description: "Moves the order along its life cycle: received → confirmed | cancelled; confirmed → " +
			"shipped | cancelled; shipped → delivered | returned; delivered → returned. Any other move is " +
			"409 invalid_status_transition. Every change is kept in status_history.",
		Handler: s.handleStatus})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/orders/bulk", Perm: permWrite, Tag: "orders",
		Summary: "Ingest orders in bulk (NDJSON, one order per line)", Response: BulkResult{},
		Consumes: []string{"application/x-ndjson"}, Produces: []string{"application/json"},
		Stream: true, MaxBody: BulkMaxBody,
		Query: []web.Param{{Name: "events", Type: "boolean", Description: "false: publish no order.created " +
			"events for this request (back-fills of historical orders); default true"}},
		Description: "Streams NDJSON (Content-Encoding gzip accepted). Every line is validated on its own: " +
			"valid lines are kept even when others are rejected, and each rejected line is listed with its " +
			"line number, a stable code and the field at fault (the first 1,000; the counts are exact). " +
			"Idempotent on (channel, external_id): a line whose order already exists is accepted and counted " +
			"in duplicates, never stored twice. The answer comes after the last line has been committed, so " +
			"every accepted line is durable; after a dropped connection, re-send the same body. Each created order " +
			"is announced as order.created (webhooks) unless events=false.",
		Handler: s.handleBulk})
}

func statusStrings() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var n NewOrder
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	o, err := s.createAlone(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orders/"+o.ID)
	return web.Respond(w, r, http.StatusCreated, o)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	o, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, o)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	var fs problem.Errors
	if pe, ok := problem.As(perr); ok {
		fs = append(fs, pe.Fields...)
	}
	q := r.URL.Query()
	f := Filter{ExternalID: q.Get("external_id"), Channel: q.Get("channel"), Status: Status(q.Get("status")), Q: q.Get("q"),
		ShipCountry: strings.ToUpper(strings.TrimSpace(q.Get("ship_to_country")))}
	if f.Status != "" && !f.Status.Valid() {
		fs.Add("status", "one_of", "values", statusList())
	}
	if f.ShipCountry != "" && !iso.Country(f.ShipCountry) {
		fs.Add("ship_to_country", "invalid_country", "country", f.ShipCountry)
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				fs.Add(p.name, "invalid_format", "format", "RFC 3339 date-time, e.g. 2026-11-20T10:00:00Z")
				continue
			}
			*p.dst = t
		}
	}
	if len(f.Q) > 200 {
		fs.Add("q", "max_length", "max", 200)
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

func (s *Service) handleStatus(w http.ResponseWriter, r *http.Request) error {
	var u StatusUpdate
	if err := web.Decode(r, &u); err != nil {
		return err
	}
	o, err := s.SetStatus(r.Context(), r.PathValue("id"), u)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, o)
}
