package warehouses

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// ReturnBody is the body of POST /api/v1/warehouses/{id}/returns.
type ReturnBody struct {
	SKU       string `json:"sku"`
	Grade     Grade  `json:"grade"`
	Quantity  int64  `json:"quantity"`
	Reference string `json:"reference"`
}

// XMLRoot names the XML root element.
func (ReturnBody) XMLRoot() string { return "return" }

// StorageBody is the body of POST /api/v1/warehouses/{id}/fees/storage.
type StorageBody struct {
	Date string `json:"date"`
}

// XMLRoot names the XML root element.
func (StorageBody) XMLRoot() string { return "storage" }

const whDoc = "A warehouse the tenant rents from an operator. `regions` lists the destination countries it delivers to " +
	"with the usual delivery days (allocation uses them); `fees` is the operator's schedule in one currency: storage " +
	"bands by stock age (`up_to_days`, the last band 0 = any older age) priced `per_unit_day` and/or `per_cbm_day` " +
	"(with `unit_volume_cm3` per SKU), and handling `per_order`, `per_line`, `per_unit`; `alerts` sets the low-stock " +
	"threshold (default and per SKU), the minimum days of cover and the ageing limit in days. `connector` is `manual` " +
	"or `sandbox`."

// Routes registers the warehouse API.
func (s *Service) Routes(rt *web.Router) {
	const tag = "warehouses"
	r, w := identity.PermLogisticsRead, identity.PermLogisticsWrite
	conflict := []int{http.StatusConflict}
	for _, x := range []web.Route{
		{Method: "GET", Path: "/api/v1/warehouses", Perm: r, Tag: tag, Summary: "List warehouses", Response: web.List[Warehouse]{}, Handler: s.hList},
		{Method: "POST", Path: "/api/v1/warehouses", Perm: w, Tag: tag, Summary: "Add a warehouse", Description: whDoc,
			Request: Warehouse{}, Response: Warehouse{}, Status: http.StatusCreated, Errors: conflict, Handler: s.hCreate},
		{Method: "GET", Path: "/api/v1/warehouses/{id}", Perm: r, Tag: tag, Summary: "Get a warehouse", Response: Warehouse{}, Handler: s.hGet},
		{Method: "PUT", Path: "/api/v1/warehouses/{id}", Perm: w, Tag: tag, Summary: "Replace a warehouse",
			Description: whDoc + " Send the `version` you read to refuse a stale write (409).",
			Request:     Warehouse{}, Response: Warehouse{}, Errors: conflict, Handler: s.hReplace},
		{Method: "DELETE", Path: "/api/v1/warehouses/{id}", Perm: w, Tag: tag, Summary: "Delete a warehouse",
			Description: "Only a warehouse that never held stock or documents; otherwise 409 `warehouse_has_history`.",
			Status:      http.StatusNoContent, Errors: conflict, Handler: s.hDelete},

		{Method: "GET", Path: "/api/v1/warehouses/stock", Perm: r, Tag: tag, Summary: "Stock in every warehouse",
			Description: "Per warehouse, SKU and grade: on_hand, reserved, available = on_hand − reserved, in_transit, the oldest " +
				"receipt date and the units per age bucket (0–30, 31–90, 91–180, over 180 days).",
			Query: []web.Param{{Name: "sku", Description: "Only this SKU."}}, Response: web.List[Stock]{}, Handler: s.hStockAll},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/stock", Perm: r, Tag: tag, Summary: "Stock in a warehouse",
			Query: []web.Param{{Name: "sku", Description: "Only this SKU."}}, Response: web.List[Stock]{}, Handler: s.hStock},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/movements", Perm: r, Tag: tag, Summary: "A warehouse's movement ledger",
			Description: "Append-only, newest first: receipt, reservation, release, shipment, adjustment, return, transfer, each with " +
				"its on-hand and reserved change. The movements add up to the stock.",
			Query:    []web.Param{{Name: "sku", Description: "Only this SKU."}, {Name: "limit", Type: "integer", Description: "At most this many (default 200, at most 500)."}},
			Response: web.List[Movement]{}, Handler: s.hMovements},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/movements", Perm: w, Tag: tag, Summary: "Apply the operator's movements (delta sync)",
			Description: "For operators without an API Silkgate calls: movements as the operator reports them, each with the operator's " +
				"movement `id`. A movement whose id was applied before is counted in `already_seen` and changes nothing, so a batch " +
				"can be resent. A receipt naming an inbound notice (`reference`: `whi_…`) receives it; a shipment naming an outbound " +
				"order (`who_…`) ships it and releases its reservation.",
			Request: MovementsBody{}, Response: SyncResult{}, Handler: s.hApplyMovements},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/adjustments", Perm: w, Tag: tag, Summary: "Correct a stock count",
			Description: "A signed quantity with a reason. It may not take away reserved units (409 `insufficient_stock`).",
			Request:     Adjustment{}, Response: Movement{}, Status: http.StatusCreated, Errors: conflict, Handler: s.hAdjust},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/returns", Perm: w, Tag: tag, Summary: "Receive returned units",
			Description: "Puts units a buyer returned into stock under the grade inspection gave them. `reference` identifies the " +
				"return: sending it again returns the first movement and changes nothing.",
			Request: ReturnBody{}, Response: Movement{}, Status: http.StatusCreated, Handler: s.hReturn},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/snapshots", Perm: w, Tag: tag, Summary: "Reconcile a stock snapshot",
			Description: "The operator's full count of the warehouse. Every SKU and grade whose count differs from the stock kept here " +
				"(absent from the snapshot = 0) is listed as a mismatch (expected, reported, difference = reported − expected) and " +
				"booked as an adjustment, so the count becomes the stock; the report is kept.",
			Request: SnapshotBody{}, Response: Reconciliation{}, Status: http.StatusCreated, Handler: s.hSnapshot},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/sync", Perm: w, Tag: tag, Summary: "Sync with the operator (delta)",
			Description: "Sends the inbound notices and outbound orders the operator has not had yet, then applies the operator's " +
				"movements since the last sync, idempotently. 409 `warehouse_no_connector` for a manual warehouse.",
			// The operator is called between the handler's own short
			// transactions, never inside one.
			Response: SyncResult{}, Errors: conflict, Stream: true, Handler: s.hSync},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/sync/snapshot", Perm: w, Tag: tag, Summary: "Sync with the operator (snapshot)",
			Description: "Asks the operator for its full stock and reconciles as `POST …/snapshots` does; later delta syncs continue " +
				"after the snapshot's position.",
			Response: Reconciliation{}, Status: http.StatusCreated, Errors: conflict, Stream: true, Handler: s.hSyncSnapshot},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/reconciliations", Perm: r, Tag: tag, Summary: "Reconciliation reports",
			Response: web.List[Reconciliation]{}, Handler: s.hRecons},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/reconciliations/{report}", Perm: r, Tag: tag, Summary: "A reconciliation report",
			Response: Reconciliation{}, Handler: s.hRecon},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/fees", Perm: r, Tag: tag, Summary: "A warehouse's fees",
			Description: "Handling fees (one per outbound order) and storage fees (one per day accrued), newest first.",
			Response:    web.List[Fee]{}, Handler: s.hFees},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/fees/storage", Perm: w, Tag: tag, Summary: "Accrue a day's storage fee",
			Description: "Prices the stock held now for one day (`date`, default today, UTC) by the age band of each receipt lot. " +
				"A day already accrued is not charged twice: the first fee comes back.",
			Request: StorageBody{}, Response: Fee{}, Handler: s.hStorage},

		{Method: "GET", Path: "/api/v1/warehouses/{id}/inbound", Perm: r, Tag: tag, Summary: "Inbound notices", Response: web.List[Inbound]{}, Handler: s.hInbounds},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/inbound", Perm: w, Tag: tag, Summary: "Create an inbound notice (ASN)",
			Description: "Expected SKUs and quantities (grade defaults to `new`). Status created → in_transit → received, or cancelled.",
			Request:     NewInbound{}, Response: Inbound{}, Status: http.StatusCreated, Handler: s.hCreateInbound},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/inbound/{notice}", Perm: r, Tag: tag, Summary: "Get an inbound notice", Response: Inbound{}, Handler: s.hInbound},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/inbound/{notice}/in-transit", Perm: w, Tag: tag, Summary: "Mark an inbound notice in transit",
			Response: Inbound{}, Errors: conflict, Handler: s.hInboundTransit},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/inbound/{notice}/receive", Perm: w, Tag: tag, Summary: "Receive an inbound notice",
			Description: "What arrived, per SKU and grade. Stock goes on hand, in-transit quantities clear, and the differences from " +
				"the notice are kept as `discrepancies` (difference = received − expected).",
			Request: Receipt{}, Response: Inbound{}, Errors: conflict, Handler: s.hInboundReceive},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/inbound/{notice}/cancel", Perm: w, Tag: tag, Summary: "Cancel an inbound notice",
			Response: Inbound{}, Errors: conflict, Handler: s.hInboundCancel},

		{Method: "POST", Path: "/api/v1/warehouses/outbound", Perm: w, Tag: tag, Summary: "Allocate an outbound order",
			Description: "From a platform order (`order_id`: its ship-to country and lines) or a `country` and explicit `lines`. The " +
				"order goes to the warehouse that delivers to the country in the fewest days with available stock for every line " +
				"(ties: lower handling fee in one currency, then code); only when no single warehouse can, it is split (unless " +
				"`allow_split` is false), never splitting a line. The stock is reserved at once; 409 `insufficient_stock` names " +
				"the lines no warehouse can cover. `candidates` explains the choice.",
			Request: NewOutbound{}, Response: Allocation{}, Status: http.StatusCreated, Errors: conflict, Handler: s.hAllocate},
		{Method: "GET", Path: "/api/v1/warehouses/outbound", Perm: r, Tag: tag, Summary: "Outbound orders of every warehouse",
			Query: []web.Param{{Name: "status", Description: "allocated, shipped or cancelled."}}, Response: web.List[Outbound]{}, Handler: s.hOutboundsAll},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/outbound", Perm: r, Tag: tag, Summary: "A warehouse's outbound orders",
			Query: []web.Param{{Name: "status", Description: "allocated, shipped or cancelled."}}, Response: web.List[Outbound]{}, Handler: s.hOutbounds},
		{Method: "GET", Path: "/api/v1/warehouses/{id}/outbound/{order}", Perm: r, Tag: tag, Summary: "Get an outbound order", Response: Outbound{}, Handler: s.hOutbound},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/outbound/{order}/ship", Perm: w, Tag: tag, Summary: "Record an outbound order's dispatch",
			Description: "The reserved units leave the warehouse, oldest receipts first.", Response: Outbound{}, Errors: conflict, Handler: s.hShip},
		{Method: "POST", Path: "/api/v1/warehouses/{id}/outbound/{order}/cancel", Perm: w, Tag: tag, Summary: "Cancel an outbound order",
			Description: "Releases its reservations.", Response: Outbound{}, Errors: conflict, Handler: s.hCancelOutbound},

		{Method: "POST", Path: "/api/v1/warehouses/transfers", Perm: w, Tag: tag, Summary: "Transfer stock between warehouses",
			Description: "Available units only; they keep their receipt dates.", Request: Transfer{}, Response: web.List[Movement]{},
			Status: http.StatusCreated, Errors: conflict, Handler: s.hTransfer},
		{Method: "GET", Path: "/api/v1/warehouses/alerts", Perm: r, Tag: tag, Summary: "Stock alerts",
			Query:    []web.Param{{Name: "open", Type: "boolean", Description: "Only open alerts."}},
			Response: web.List[Alert]{}, Handler: s.hAlerts},
		{Method: "POST", Path: "/api/v1/warehouses/alerts/check", Perm: w, Tag: tag, Summary: "Evaluate stock alerts",
			Description: "Opens low-stock and ageing-stock alerts that newly hold (publishing `warehouse.low_stock` and " +
				"`warehouse.ageing_stock`) and resolves those that no longer do. Syncs and snapshots do this too.",
			Response: web.List[Alert]{}, Handler: s.hCheckAlerts},
		{Method: "POST", Path: "/api/v1/warehouses/alerts/{alert}/acknowledge", Perm: w, Tag: tag, Summary: "Acknowledge a stock alert",
			Description: "Records who has seen an open alert (`acknowledged_at`, `acknowledged_by`, an optional `note`). The alert " +
				"stays open until its condition ends. Acknowledging again changes nothing; a resolved alert answers 409.",
			Request: AlertAck{}, Response: Alert{}, Errors: conflict, Handler: s.hAcknowledgeAlert},
	} {
		rt.Handle(x)
	}
}

func id(r *http.Request) string { return strings.TrimSpace(r.PathValue("id")) }

func (s *Service) hList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.List(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) hCreate(w http.ResponseWriter, r *http.Request) error {
	var x Warehouse
	if err := web.Decode(r, &x); err != nil {
		return err
	}
	out, err := s.Create(r.Context(), x)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/warehouses/"+out.ID)
	return web.Respond(w, r, http.StatusCreated, out)
}

func (s *Service) hGet(w http.ResponseWriter, r *http.Request) error {
	return reply(s.Get(r.Context(), id(r)))(w, r, http.StatusOK)
}

func (s *Service) hReplace(w http.ResponseWriter, r *http.Request) error {
	var x Warehouse
	if err := web.Decode(r, &x); err != nil {
		return err
	}
	return reply(s.Replace(r.Context(), id(r), x))(w, r, http.StatusOK)
}

func (s *Service) hDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Delete(r.Context(), id(r)); err != nil {
		return err
	}
	return web.NoContent(w)
}

// reply renders a (value, error) pair.
func reply[T any](v T, err error) func(w http.ResponseWriter, r *http.Request, status int) error {
	return func(w http.ResponseWriter, r *http.Request, status int) error {
		if err != nil {
			return err
		}
		return web.Respond(w, r, status, v)
	}
}

func items[T any](w http.ResponseWriter, r *http.Request) func([]T, error) error {
	return func(v []T, err error) error {
		if err != nil {
			return err
		}
		if v == nil {
			v = []T{}
		}
		return web.Respond(w, r, http.StatusOK, web.List[T]{Items: v})
	}
}

func (s *Service) mustExist(ctx context.Context, warehouseID string) error {
	_, err := s.Get(ctx, warehouseID)
	return err
}

func (s *Service) hStockAll(w http.ResponseWriter, r *http.Request) error {
	return items[Stock](w, r)(s.Stock(r.Context(), StockFilter{SKU: r.URL.Query().Get("sku")}))
}

func (s *Service) hStock(w http.ResponseWriter, r *http.Request) error {
	if err := s.mustExist(r.Context(), id(r)); err != nil {
		return err
	}
	return items[Stock](w, r)(s.Stock(r.Context(), StockFilter{WarehouseID: id(r), SKU: r.URL.Query().Get("sku")}))
}

func limitOf(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, problem.Invalid(problem.Field{Field: "limit", Code: "out_of_range", Params: []any{"min", 1, "max", 500}})
	}
	return n, nil
}

func (s *Service) hMovements(w http.ResponseWriter, r *http.Request) error {
	n, err := limitOf(r)
	if err != nil {
		return err
	}
	return items[Movement](w, r)(s.Movements(r.Context(), id(r), r.URL.Query().Get("sku"), n))
}

func (s *Service) hApplyMovements(w http.ResponseWriter, r *http.Request) error {
	var b MovementsBody
	if err := web.Decode(r, &b); err != nil {
		return err
	}
	return reply(s.ApplyMovements(r.Context(), id(r), b))(w, r, http.StatusOK)
}

func (s *Service) hAdjust(w http.ResponseWriter, r *http.Request) error {
	var a Adjustment
	if err := web.Decode(r, &a); err != nil {
		return err
	}
	return reply(s.Adjust(r.Context(), id(r), a))(w, r, http.StatusCreated)
}

func (s *Service) hReturn(w http.ResponseWriter, r *http.Request) error {
	var b ReturnBody
	if err := web.Decode(r, &b); err != nil {
		return err
	}
	if b.Grade == "" {
		b.Grade = "new"
	}
	return reply(s.ReceiveReturn(r.Context(), id(r), b.SKU, b.Grade, b.Quantity, b.Reference))(w, r, http.StatusCreated)
}

func (s *Service) hSnapshot(w http.ResponseWriter, r *http.Request) error {
	var b SnapshotBody
	if err := web.Decode(r, &b); err != nil {
		return err
	}
	return reply(s.ApplySnapshot(r.Context(), id(r), b))(w, r, http.StatusCreated)
}

func (s *Service) hSync(w http.ResponseWriter, r *http.Request) error {
	return reply(s.Sync(r.Context(), id(r)))(w, r, http.StatusOK)
}

func (s *Service) hSyncSnapshot(w http.ResponseWriter, r *http.Request) error {
	return reply(s.SyncSnapshot(r.Context(), id(r)))(w, r, http.StatusCreated)
}

func (s *Service) hRecons(w http.ResponseWriter, r *http.Request) error {
	if err := s.mustExist(r.Context(), id(r)); err != nil {
		return err
	}
	return items[Reconciliation](w, r)(s.Reconciliations(r.Context(), id(r), 0))
}

func (s *Service) hRecon(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.GetReconciliation(r.Context(), r.PathValue("report"))
	if err == nil && rep.WarehouseID != id(r) {
		err = problem.ErrNotFound
	}
	return reply(rep, err)(w, r, http.StatusOK)
}

func (s *Service) hFees(w http.ResponseWriter, r *http.Request) error {
	if err := s.mustExist(r.Context(), id(r)); err != nil {
		return err
	}
	return items[Fee](w, r)(s.Fees(r.Context(), id(r), 0))
}

func (s *Service) hStorage(w http.ResponseWriter, r *http.Request) error {
	var b StorageBody
	if r.ContentLength != 0 {
		if err := web.Decode(r, &b); err != nil {
			return err
		}
	}
	day := s.now().UTC()
	if b.Date != "" {
		d, err := time.Parse(time.DateOnly, b.Date)
		if err != nil {
			return problem.Invalid(problem.Field{Field: "date", Code: "invalid_format"})
		}
		day = d
	}
	return reply(s.AccrueStorage(r.Context(), id(r), day))(w, r, http.StatusOK)
}

func (s *Service) hInbounds(w http.ResponseWriter, r *http.Request) error {
	if err := s.mustExist(r.Context(), id(r)); err != nil {
		return err
	}
	return items[Inbound](w, r)(s.Inbounds(r.Context(), id(r), 0))
}

func (s *Service) hCreateInbound(w http.ResponseWriter, r *http.Request) error {
	var n NewInbound
	n.WarehouseID = id(r)
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	n.WarehouseID = id(r)
	if err := s.mustExist(r.Context(), n.WarehouseID); err != nil {
		return err
	}
	return reply(s.CreateInbound(r.Context(), n))(w, r, http.StatusCreated)
}

// inboundHere checks the notice in the path belongs to the warehouse in
// the path.
func (s *Service) inboundHere(r *http.Request) (string, error) {
	in, err := s.GetInbound(r.Context(), r.PathValue("notice"))
	if err != nil {
		return "", err
	}
	if in.WarehouseID != id(r) {
		return "", problem.ErrNotFound
	}
	return in.ID, nil
}

func (s *Service) hInbound(w http.ResponseWriter, r *http.Request) error {
	nid, err := s.inboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.GetInbound(r.Context(), nid))(w, r, http.StatusOK)
}

func (s *Service) hInboundTransit(w http.ResponseWriter, r *http.Request) error {
	nid, err := s.inboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.ShipInbound(r.Context(), nid))(w, r, http.StatusOK)
}

func (s *Service) hInboundReceive(w http.ResponseWriter, r *http.Request) error {
	var rc Receipt
	if err := web.Decode(r, &rc); err != nil {
		return err
	}
	nid, err := s.inboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.ReceiveInbound(r.Context(), nid, rc))(w, r, http.StatusOK)
}

func (s *Service) hInboundCancel(w http.ResponseWriter, r *http.Request) error {
	nid, err := s.inboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.CancelInbound(r.Context(), nid))(w, r, http.StatusOK)
}

func (s *Service) hAllocate(w http.ResponseWriter, r *http.Request) error {
	var n NewOutbound
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	return reply(s.CreateOutbound(r.Context(), n))(w, r, http.StatusCreated)
}

func statusOf(r *http.Request) (string, error) {
	st := r.URL.Query().Get("status")
	switch st {
	case "", OutboundAllocated, OutboundShipped, OutboundCancelled:
		return st, nil
	}
	return "", problem.Invalid(problem.Field{Field: "status", Code: "one_of", Params: []any{"values", "allocated, shipped, cancelled"}})
}

func (s *Service) hOutboundsAll(w http.ResponseWriter, r *http.Request) error {
	st, err := statusOf(r)
	if err != nil {
		return err
	}
	return items[Outbound](w, r)(s.Outbounds(r.Context(), "", st, 0))
}

func (s *Service) hOutbounds(w http.ResponseWriter, r *http.Request) error {
	st, err := statusOf(r)
	if err != nil {
		return err
	}
	if err := s.mustExist(r.Context(), id(r)); err != nil {
		return err
	}
	return items[Outbound](w, r)(s.Outbounds(r.Context(), id(r), st, 0))
}

func (s *Service) outboundHere(r *http.Request) (string, error) {
	o, err := s.GetOutbound(r.Context(), r.PathValue("order"))
	if err != nil {
		return "", err
	}
	if o.WarehouseID != id(r) {
		return "", problem.ErrNotFound
	}
	return o.ID, nil
}

func (s *Service) hOutbound(w http.ResponseWriter, r *http.Request) error {
	oid, err := s.outboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.GetOutbound(r.Context(), oid))(w, r, http.StatusOK)
}

func (s *Service) hShip(w http.ResponseWriter, r *http.Request) error {
	oid, err := s.outboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.ShipOutbound(r.Context(), oid))(w, r, http.StatusOK)
}

func (s *Service) hCancelOutbound(w http.ResponseWriter, r *http.Request) error {
	oid, err := s.outboundHere(r)
	if err != nil {
		return err
	}
	return reply(s.CancelOutbound(r.Context(), oid))(w, r, http.StatusOK)
}

func (s *Service) hTransfer(w http.ResponseWriter, r *http.Request) error {
	var t Transfer
	if err := web.Decode(r, &t); err != nil {
		return err
	}
	ms, err := s.TransferStock(r.Context(), t)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, web.List[Movement]{Items: ms})
}

func (s *Service) hAlerts(w http.ResponseWriter, r *http.Request) error {
	open := false
	if v := r.URL.Query().Get("open"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return problem.Invalid(problem.Field{Field: "open", Code: "one_of", Params: []any{"values", "true, false"}})
		}
		open = b
	}
	return items[Alert](w, r)(s.Alerts(r.Context(), open, 0))
}

func (s *Service) hCheckAlerts(w http.ResponseWriter, r *http.Request) error {
	return items[Alert](w, r)(s.CheckAlerts(r.Context()))
}

func (s *Service) hAcknowledgeAlert(w http.ResponseWriter, r *http.Request) error {
	var a AlertAck
	if err := web.Decode(r, &a); err != nil {
		return err
	}
	return reply(s.AcknowledgeAlert(r.Context(), r.PathValue("alert"), a))(w, r, http.StatusOK)
}
