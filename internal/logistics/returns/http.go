package returns

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

const lifeCycleDoc = "Life cycle: requested → approved | rejected | cancelled; approved → label_issued | cancelled; " +
	"label_issued → in_transit | received | cancelled; in_transit → received; received → inspected; inspected → " +
	"refunded | exchanged | closed; refunded → closed; exchanged → closed. Any other move is 409 " +
	"invalid_return_transition naming the current status and the moves it allows. Every step is kept in `history` " +
	"and announced as return.updated."

// Routes registers the returns API.
func (s *Service) Routes(rt *web.Router) {
	step := func(path, summary, desc string, req any, h web.H) web.Route {
		return web.Route{Method: "POST", Path: "/api/v1/returns/{id}/" + path, Perm: identity.PermLogisticsWrite,
			Tag: "returns", Summary: summary, Description: desc + " " + lifeCycleDoc, Request: req, Response: Return{},
			Errors: []int{http.StatusConflict}, Handler: h}
	}
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/returns", Perm: identity.PermLogisticsWrite, Tag: "returns",
			Summary: "Request a return (RMA)",
			Description: "Opens a return in status requested for an order that has shipped. `reason` is one of " +
				strings.Join(Reasons, ", ") + "; `requested_resolution` refund or exchange. Each line's SKU must be on " +
				"the order, and its quantity at most what was ordered less what earlier returns (not rejected or " +
				"cancelled) already take (422 exceeds_returnable names the maximum). An order not yet shipped is 409 " +
				"order_not_returnable. Announced as return.created and return.updated.",
			Request: NewReturn{}, Response: Return{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/returns", Perm: identity.PermLogisticsRead, Tag: "returns",
			Summary: "List returns, newest first", Response: web.List[Return]{},
			Query: []web.Param{
				{Name: "status", Enum: statusStrings()},
				{Name: "order_id", Description: "the original order"},
				{Name: "reason", Enum: Reasons},
				{Name: "tracking_number", Description: "the return label's tracking number"},
			},
			Handler: s.handleList},
		{Method: "GET", Path: "/api/v1/returns/{id}", Perm: identity.PermLogisticsRead, Tag: "returns",
			Summary: "Get a return", Response: Return{}, Handler: s.handleGet},
		{Method: "GET", Path: "/api/v1/returns/{id}/label", Perm: identity.PermLogisticsRead, Tag: "returns",
			Summary: "Download a return's bought label", Description: "The carrier's label document (PDF); 404 " +
				"when the label was recorded by hand.", Produces: []string{"application/pdf"}, Response: "",
			Handler: s.handleLabelDoc},
		step("approve", "Approve a return", "Authorises a requested return.", Decision{}, s.handleApprove),
		step("reject", "Reject a return", "Refuses a requested return; `note` (required) says why.", Decision{}, s.handleReject),
		streamed(step("cancel", "Cancel a return", "Withdraws a return before its parcel moves; a bought label is voided "+
			"at the carrier (409 label_not_cancellable once it moved).", Decision{}, s.handleCancel)),
		labelRoute(step("label", "Issue a return label", "With `tracking_number` (and `carrier`) records a label obtained "+
			"elsewhere; otherwise buys one from the carrier connector (`service`, `return_to`, `parcels`; 409 "+
			"label_issuer_unavailable where no carrier is connected, as for live data while only the sandbox carrier "+
			"is). A tracking number belongs to one return (409 duplicate_tracking_number). A bought label is asked "+
			"for after the purchase is recorded, with an idempotency key of its own at the carrier: when the carrier "+
			"does not answer in time the answer is 202 with the return still approved and `label_purchase.status` "+
			"requested, and the purchase is completed in the background with the same key; a refusal is 422 "+
			"`label_refused` and leaves the return approved (`label_purchase.status` failed, with its reason).",
			LabelRequest{}, s.handleLabel)),
		step("in-transit", "Mark a return in transit", "Also set by the carrier's tracking events.", Decision{}, s.handleInTransit),
		step("receive", "Receive a return", "Records the parcel's arrival: `warehouse_id` where it arrived and "+
			"`lines` with the units that came (every requested unit when empty).", Receipt{}, s.handleReceive),
		step("inspect", "Inspect a return", "One entry per received unit with its `disposition` ("+
			strings.Join(Dispositions, ", ")+") and `grade` ("+strings.Join(Grades, ", ")+"); resell, refurbish "+
			"and relabel units are booked into the warehouse's stock per grade where a warehouse is connected "+
			"(`warehouse_id` is then required).", Inspection{}, s.handleInspect),
		step("refund", "Refund a return", "Books the refund in settlement (a balanced ledger entry, idempotent by "+
			"return): `amount` in the order's currency, at most what was paid for the units received (the full "+
			"amount when omitted; 422 exceeds_refundable).", RefundRequest{}, s.handleRefund),
		step("exchange", "Exchange a return", "Links a replacement order: `replacement_order_id`, or a new order "+
			"created for the received SKUs (or `lines`) at no charge to the original buyer.", ExchangeRequest{}, s.handleExchange),
		step("close", "Close a return", "Ends a refunded or exchanged return, or an inspected one with nothing to give back.",
			Decision{}, s.handleClose),
	} {
		rt.Handle(r)
	}
}

func statusStrings() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var n NewReturn
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	ret, err := s.Create(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/returns/"+ret.ID)
	return web.Respond(w, r, http.StatusCreated, ret)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	ret, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, ret)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	var fs problem.Errors
	if pe, ok := problem.As(perr); ok {
		fs = append(fs, pe.Fields...)
	}
	q := r.URL.Query()
	f := Filter{Status: Status(q.Get("status")), OrderID: strings.TrimSpace(q.Get("order_id")),
		Reason: q.Get("reason"), TrackingNumber: strings.TrimSpace(q.Get("tracking_number"))}
	if f.Status != "" && !f.Status.Valid() {
		fs.Add("status", "one_of", "values", strings.Join(statusStrings(), ", "))
	}
	if f.Reason != "" && !slices.Contains(Reasons, f.Reason) {
		fs.Add("reason", "one_of", "values", strings.Join(Reasons, ", "))
	}
	if len(f.OrderID) > 64 {
		fs.Add("order_id", "max_length", "max", 64)
	}
	if len(f.TrackingNumber) > 64 {
		fs.Add("tracking_number", "max_length", "max", 64)
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

func (s *Service) handleLabelDoc(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	data, mt, err := s.LabelDocument(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mt)
	w.Header().Set("Content-Disposition", `inline; filename="return-label-`+id+`.pdf"`)
	_, err = w.Write(data)
	return err
}

// decodeOptional reads a body that may be absent.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return web.Decode(r, v)
}

func (s *Service) respond(w http.ResponseWriter, r *http.Request, ret Return, err error) error {
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, ret)
}

func decision(w http.ResponseWriter, r *http.Request, s *Service,
	fn func(ctx context.Context, id string, d Decision) (Return, error)) error {
	var d Decision
	if err := decodeOptional(r, &d); err != nil {
		return err
	}
	ret, err := fn(r.Context(), r.PathValue("id"), d)
	return s.respond(w, r, ret, err)
}

func (s *Service) handleApprove(w http.ResponseWriter, r *http.Request) error {
	return decision(w, r, s, s.Approve)
}

func (s *Service) handleReject(w http.ResponseWriter, r *http.Request) error {
	return decision(w, r, s, s.Reject)
}

func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) error {
	return decision(w, r, s, s.Cancel)
}

func (s *Service) handleInTransit(w http.ResponseWriter, r *http.Request) error {
	return decision(w, r, s, s.MarkInTransit)
}

func (s *Service) handleClose(w http.ResponseWriter, r *http.Request) error {
	return decision(w, r, s, s.Close)
}

// streamed runs a route's handler outside the router's transaction: it
// calls the carrier between transactions of its own.
func streamed(rt web.Route) web.Route {
	rt.Stream = true
	return rt
}

// labelRoute is the streamed label route, which may answer 502 when the
// carrier never answered.
func labelRoute(rt web.Route) web.Route {
	rt = streamed(rt)
	rt.Errors = append(rt.Errors, http.StatusBadGateway)
	return rt
}

func (s *Service) handleLabel(w http.ResponseWriter, r *http.Request) error {
	var lr LabelRequest
	if err := decodeOptional(r, &lr); err != nil {
		return err
	}
	ret, err := s.IssueLabel(r.Context(), r.PathValue("id"), lr)
	if err == nil && ret.LabelPurchase != nil && ret.LabelPurchase.Status == PurchaseRequested {
		return web.Respond(w, r, http.StatusAccepted, ret)
	}
	return s.respond(w, r, ret, err)
}

func (s *Service) handleReceive(w http.ResponseWriter, r *http.Request) error {
	var rc Receipt
	if err := decodeOptional(r, &rc); err != nil {
		return err
	}
	ret, err := s.Receive(r.Context(), r.PathValue("id"), rc)
	return s.respond(w, r, ret, err)
}

func (s *Service) handleInspect(w http.ResponseWriter, r *http.Request) error {
	var in Inspection
	if err := web.Decode(r, &in); err != nil {
		return err
	}
	ret, err := s.Inspect(r.Context(), r.PathValue("id"), in)
	return s.respond(w, r, ret, err)
}

func (s *Service) handleRefund(w http.ResponseWriter, r *http.Request) error {
	var rq RefundRequest
	if err := decodeOptional(r, &rq); err != nil {
		return err
	}
	ret, err := s.Refund(r.Context(), r.PathValue("id"), rq)
	return s.respond(w, r, ret, err)
}

func (s *Service) handleExchange(w http.ResponseWriter, r *http.Request) error {
	var ex ExchangeRequest
	if err := decodeOptional(r, &ex); err != nil {
		return err
	}
	ret, err := s.Exchange(r.Context(), r.PathValue("id"), ex)
	return s.respond(w, r, ret, err)
}
