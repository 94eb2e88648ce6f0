package warehouses

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// CreateOutbound allocates an outbound request to the warehouse that can
// serve the buyer's country fastest with stock for every line (splitting
// only when no single warehouse can), reserves the stock and records one
// outbound order per warehouse with its handling fee — all in one
// transaction: either every line is reserved or nothing is. With UseJobs,
// a job enqueued in that transaction then sends each order to its
// operator.
func (s *Service) CreateOutbound(ctx context.Context, n NewOutbound) (Allocation, error) {
	if err := n.Validate(); err != nil {
		return Allocation{}, err
	}
	var out Allocation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		country, lines, ref := strings.ToUpper(strings.TrimSpace(n.Country)), normLines(n.Lines), strings.TrimSpace(n.Reference)
		if n.OrderID != "" {
			if s.orders == nil {
				return problem.Invalid(problem.Field{Field: "order_id", Code: "not_found"})
			}
			o, err := s.orders.Get(ctx, strings.TrimSpace(n.OrderID))
			if errors.Is(err, problem.ErrNotFound) {
				return problem.Invalid(problem.Field{Field: "order_id", Code: "not_found"})
			} else if err != nil {
				return err
			}
			if country == "" {
				country = strings.ToUpper(o.ShipTo.Country)
			}
			if len(lines) == 0 {
				for _, l := range o.Lines {
					lines = append(lines, Line{SKU: l.SKU, Grade: warehouse.GradeNew, Quantity: l.Quantity})
				}
				lines = mergeLines(nil, lines)
			}
			if ref == "" {
				ref = o.ExternalID
			}
		}
		ws, err := s.All(ctx)
		if err != nil {
			return err
		}
		if n.WarehouseID != "" {
			var pinned []Warehouse
			for _, w := range ws {
				if w.ID == strings.TrimSpace(n.WarehouseID) {
					pinned = append(pinned, w)
				}
			}
			if len(pinned) == 0 {
				return problem.Invalid(problem.Field{Field: "warehouse_id", Code: "not_found"})
			}
			ws = pinned
		}
		opts, err := s.options(ctx, ws, lines)
		if err != nil {
			return err
		}
		split := n.AllowSplit == nil || *n.AllowSplit
		p := Allocate(country, lines, opts, split)
		out = Allocation{Group: ids.New("whg"), Candidates: p.Candidates, Split: len(p.Assignments) > 1}
		if len(p.Unserved) > 0 {
			l := p.Unserved[0]
			return &problem.Error{Status: http.StatusConflict, Code: ErrInsufficientStock.Code, Params: []any{"sku", l.SKU, "grade", string(l.Grade)},
				Fields: unservedFields(lines, p.Unserved)}
		}
		for _, a := range p.Assignments {
			o, err := s.reserveOutbound(ctx, a, out.Group, n.OrderID, ref, country)
			if err != nil {
				return err
			}
			out.Orders = append(out.Orders, o)
		}
		return nil
	})
	if err != nil {
		return Allocation{}, err
	}
	return out, nil
}

func unservedFields(lines, unserved []Line) []problem.Field {
	var fs []problem.Field
	for i, l := range lines {
		for _, u := range unserved {
			if u.SKU == l.SKU && u.Grade == l.Grade {
				fs = append(fs, problem.Field{Field: "lines[" + itoa(i) + "].quantity", Code: "insufficient_stock"})
			}
		}
	}
	return fs
}

// options reads the available stock of the lines' SKUs in each warehouse.
func (s *Service) options(ctx context.Context, ws []Warehouse, lines []Line) ([]Option, error) {
	opts := make([]Option, 0, len(ws))
	for _, w := range ws {
		o := Option{Warehouse: w, Available: map[StockKey]int64{}}
		for _, l := range lines {
			on, res, _, err := s.stockRow(ctx, w.ID, l.SKU, l.Grade)
			if err != nil {
				return nil, err
			}
			o.Available[StockKey{l.SKU, l.Grade}] = on - res
		}
		opts = append(opts, o)
	}
	return opts, nil
}

func (s *Service) reserveOutbound(ctx context.Context, a Assignment, group, orderID, ref, country string) (Outbound, error) {
	now := s.stamp()
	o := Outbound{ID: ids.New("who"), WarehouseID: a.Warehouse.ID, WarehouseCode: a.Warehouse.Code, Group: group, OrderID: orderID,
		Reference: ref, Status: OutboundAllocated, Country: country, DeliveryDays: a.DeliveryDays, Lines: a.Lines,
		Handling: a.Handling, CreatedAt: now, UpdatedAt: now}
	for _, l := range o.Lines {
		if _, _, err := s.apply(ctx, move{warehouseID: o.WarehouseID, typ: warehouse.Reservation, sku: l.SKU, grade: l.Grade,
			reserved: l.Quantity, reference: o.ID, guard: keepAvailable}); err != nil {
			return Outbound{}, err
		}
	}
	if err := s.saveOutbound(ctx, o, true); err != nil {
		return Outbound{}, err
	}
	if err := s.recordFee(ctx, Fee{WarehouseID: o.WarehouseID, Kind: FeeHandling, Reference: o.ID, Amount: o.Handling,
		Detail: map[string]any{"lines": len(o.Lines), "units": units(o.Lines)}}); err != nil {
		return Outbound{}, err
	}
	// The operator hears of the order from a job that starts once this
	// commits, never from inside the transaction.
	if err := s.enqueueSend(ctx, a.Warehouse, o); err != nil {
		return Outbound{}, err
	}
	return o, s.audit.Record(ctx, audit.Event{Action: "logistics.outbound.allocate", Resource: "warehouse_outbound/" + o.ID, Change: o})
}

func units(ls []Line) int64 {
	var n int64
	for _, l := range ls {
		n += l.Quantity
	}
	return n
}

func (s *Service) saveOutbound(ctx context.Context, o Outbound, insert bool) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if insert {
		_, err = t.ExecContext(ctx, `INSERT INTO warehouse_outbounds (tenant_id, sandbox, id, warehouse_id, order_id, status, doc, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, o.ID, o.WarehouseID, o.OrderID, o.Status, string(doc), o.CreatedAt, o.UpdatedAt)
	} else {
		_, err = t.ExecContext(ctx, `UPDATE warehouse_outbounds SET status = $4, doc = $5, updated_at = $6
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, o.ID, o.Status, string(doc), o.UpdatedAt)
	}
	if err != nil {
		return fmt.Errorf("warehouses: save outbound: %w", err)
	}
	return nil
}

// GetOutbound returns an outbound order.
func (s *Service) GetOutbound(ctx context.Context, id string) (Outbound, error) {
	return getDoc[Outbound](ctx, s, "warehouse_outbounds", id)
}

// Outbounds lists the newest outbound orders (of one warehouse, or of
// one status, when given).
func (s *Service) Outbounds(ctx context.Context, warehouseID, status string, limit int) ([]Outbound, error) {
	return listDocs[Outbound](ctx, s, "warehouse_outbounds", warehouseID, status, limit, 200, 500)
}

// ShipOutbound records the dispatch of an allocated order: the reserved
// units leave the warehouse (oldest receipts first).
func (s *Service) ShipOutbound(ctx context.Context, id string) (Outbound, error) {
	var out Outbound
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.GetOutbound(ctx, id)
		if err != nil {
			return err
		}
		if o.Status != OutboundAllocated {
			return stateErr(o.Status, OutboundShipped)
		}
		for _, l := range o.Lines {
			if _, _, err := s.apply(ctx, move{warehouseID: o.WarehouseID, typ: warehouse.Shipment, sku: l.SKU, grade: l.Grade,
				onHand: -l.Quantity, reserved: -l.Quantity, reference: o.ID}); err != nil {
				return err
			}
		}
		if out, err = s.markShipped(ctx, o); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.outbound.ship", Resource: "warehouse_outbound/" + o.ID,
			Detail: OutboundAllocated + " → " + OutboundShipped})
	})
	return out, err
}

func (s *Service) markShipped(ctx context.Context, o Outbound) (Outbound, error) {
	now := s.stamp()
	o.Status, o.ShippedAt, o.UpdatedAt = OutboundShipped, &now, now
	return o, s.saveOutbound(ctx, o, false)
}

// CancelOutbound releases an allocated order's reservations.
func (s *Service) CancelOutbound(ctx context.Context, id string) (Outbound, error) {
	var out Outbound
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.GetOutbound(ctx, id)
		if err != nil {
			return err
		}
		if o.Status != OutboundAllocated {
			return stateErr(o.Status, OutboundCancelled)
		}
		for _, l := range o.Lines {
			if _, _, err := s.apply(ctx, move{warehouseID: o.WarehouseID, typ: warehouse.Release, sku: l.SKU, grade: l.Grade,
				reserved: -l.Quantity, reference: o.ID}); err != nil {
				return err
			}
		}
		o.Status, o.UpdatedAt = OutboundCancelled, s.stamp()
		if err := s.saveOutbound(ctx, o, false); err != nil {
			return err
		}
		out = o
		return s.audit.Record(ctx, audit.Event{Action: "logistics.outbound.cancel", Resource: "warehouse_outbound/" + o.ID,
			Detail: OutboundAllocated + " → " + OutboundCancelled})
	})
	return out, err
}
