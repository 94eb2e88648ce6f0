package warehouses

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// CreateInbound records an inbound notice (status created).
func (s *Service) CreateInbound(ctx context.Context, n NewInbound) (Inbound, error) {
	if err := n.Validate(); err != nil {
		return Inbound{}, err
	}
	now := s.stamp()
	in := Inbound{ID: ids.New("whi"), WarehouseID: strings.TrimSpace(n.WarehouseID), Reference: strings.TrimSpace(n.Reference),
		Status: InboundCreated, Lines: normLines(n.Lines), ExpectedAt: n.ExpectedAt, CreatedAt: now, UpdatedAt: now}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Get(ctx, in.WarehouseID); errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "warehouse_id", Code: "not_found"})
		} else if err != nil {
			return err
		}
		if err := s.saveInbound(ctx, in, true); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.inbound.create", Resource: "warehouse_inbound/" + in.ID, Change: in})
	})
	if err != nil {
		return Inbound{}, err
	}
	return in, nil
}

func (s *Service) saveInbound(ctx context.Context, in Inbound, insert bool) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if insert {
		_, err = t.ExecContext(ctx, `INSERT INTO warehouse_inbounds (tenant_id, sandbox, id, warehouse_id, status, doc, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, in.ID, in.WarehouseID, in.Status, string(doc), in.CreatedAt, in.UpdatedAt)
	} else {
		_, err = t.ExecContext(ctx, `UPDATE warehouse_inbounds SET status = $4, doc = $5, updated_at = $6
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, in.ID, in.Status, string(doc), in.UpdatedAt)
	}
	if err != nil {
		return fmt.Errorf("warehouses: save inbound: %w", err)
	}
	return nil
}

// GetInbound returns an inbound notice.
func (s *Service) GetInbound(ctx context.Context, id string) (Inbound, error) {
	return getDoc[Inbound](ctx, s, "warehouse_inbounds", id)
}

// Inbounds lists the newest inbound notices (of one warehouse when
// warehouseID is set).
func (s *Service) Inbounds(ctx context.Context, warehouseID string, limit int) ([]Inbound, error) {
	return listDocs[Inbound](ctx, s, "warehouse_inbounds", warehouseID, "", limit, 200, 500)
}

// ShipInbound marks a notice in transit: its quantities count as in
// transit to the warehouse until it is received.
func (s *Service) ShipInbound(ctx context.Context, id string) (Inbound, error) {
	var out Inbound
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		in, err := s.GetInbound(ctx, id)
		if err != nil {
			return err
		}
		if in.Status != InboundCreated {
			return stateErr(in.Status, InboundInTransit)
		}
		if err := s.addInTransit(ctx, in.WarehouseID, in.Lines, 1); err != nil {
			return err
		}
		in.Status, in.UpdatedAt = InboundInTransit, s.stamp()
		if err := s.saveInbound(ctx, in, false); err != nil {
			return err
		}
		out = in
		return s.audit.Record(ctx, audit.Event{Action: "logistics.inbound.in_transit", Resource: "warehouse_inbound/" + in.ID,
			Detail: InboundCreated + " → " + InboundInTransit})
	})
	return out, err
}

func (s *Service) addInTransit(ctx context.Context, warehouseID string, lines []Line, sign int64) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	now := s.stamp()
	for _, l := range lines {
		if _, err := t.ExecContext(ctx, `INSERT INTO warehouse_stock (tenant_id, sandbox, warehouse_id, sku, grade, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (warehouse_id, sku, grade) DO NOTHING`, warehouseID, l.SKU, string(l.Grade), now); err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE warehouse_stock SET in_transit = CASE WHEN in_transit + $6 < 0 THEN 0 ELSE in_transit + $6 END, updated_at = $7
			WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5`,
			warehouseID, l.SKU, string(l.Grade), sign*l.Quantity, now); err != nil {
			return fmt.Errorf("warehouses: in transit: %w", err)
		}
	}
	return nil
}

// ReceiveInbound records what arrived for a notice: stock goes on hand
// per SKU and grade, the in-transit quantities are cleared, and the
// differences from the notice are kept as discrepancies. A notice may be
// received from created (goods that were never marked in transit) or in
// transit.
func (s *Service) ReceiveInbound(ctx context.Context, id string, r Receipt) (Inbound, error) {
	if err := r.Validate(); err != nil {
		return Inbound{}, err
	}
	var out Inbound
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		in, err := s.GetInbound(ctx, id)
		if err != nil {
			return err
		}
		if in.Status != InboundCreated && in.Status != InboundInTransit {
			return stateErr(in.Status, InboundReceived)
		}
		in, err = s.receive(ctx, in, normLines(r.Lines), "")
		if err != nil {
			return err
		}
		out = in
		return s.audit.Record(ctx, audit.Event{Action: "logistics.inbound.receive", Resource: "warehouse_inbound/" + in.ID, Change: in})
	})
	return out, err
}

// receive applies received lines to a notice; extPrefix, when set, makes
// the receipt movements idempotent by the operator's movement ids.
func (s *Service) receive(ctx context.Context, in Inbound, lines []Line, extID string) (Inbound, error) {
	if in.Status == InboundInTransit {
		if err := s.addInTransit(ctx, in.WarehouseID, in.Lines, -1); err != nil {
			return in, err
		}
	}
	now := s.stamp()
	for _, l := range lines {
		if _, _, err := s.apply(ctx, move{warehouseID: in.WarehouseID, typ: warehouse.Receipt, sku: l.SKU, grade: l.Grade,
			onHand: l.Quantity, reference: in.ID, externalID: extID}); err != nil {
			return in, err
		}
	}
	in.Received = mergeLines(in.Received, lines)
	in.Discrepancies = discrepancies(in.Lines, in.Received)
	in.Status, in.ReceivedAt, in.UpdatedAt = InboundReceived, &now, now
	return in, s.saveInbound(ctx, in, false)
}

func mergeLines(a, b []Line) []Line {
	type k struct {
		sku string
		g   Grade
	}
	sum := map[k]int64{}
	var order []k
	for _, l := range append(append([]Line(nil), a...), b...) {
		key := k{l.SKU, l.Grade}
		if _, ok := sum[key]; !ok {
			order = append(order, key)
		}
		sum[key] += l.Quantity
	}
	out := make([]Line, 0, len(order))
	for _, key := range order {
		out = append(out, Line{SKU: key.sku, Grade: key.g, Quantity: sum[key]})
	}
	return out
}

// discrepancies compares announced and received quantities per SKU and
// grade; received − expected is the difference (negative: short).
func discrepancies(expected, received []Line) []Discrepancy {
	type k struct {
		sku string
		g   Grade
	}
	exp, got := map[k]int64{}, map[k]int64{}
	keys := map[k]bool{}
	for _, l := range expected {
		exp[k{l.SKU, l.Grade}] += l.Quantity
		keys[k{l.SKU, l.Grade}] = true
	}
	for _, l := range received {
		got[k{l.SKU, l.Grade}] += l.Quantity
		keys[k{l.SKU, l.Grade}] = true
	}
	var out []Discrepancy
	for key := range keys {
		if exp[key] != got[key] {
			out = append(out, Discrepancy{SKU: key.sku, Grade: key.g, Expected: exp[key], Received: got[key], Difference: got[key] - exp[key]})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].SKU != out[j].SKU {
			return out[i].SKU < out[j].SKU
		}
		return out[i].Grade < out[j].Grade
	})
	return out
}

// CancelInbound withdraws a notice that has not been received.
func (s *Service) CancelInbound(ctx context.Context, id string) (Inbound, error) {
	var out Inbound
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		in, err := s.GetInbound(ctx, id)
		if err != nil {
			return err
		}
		if in.Status != InboundCreated && in.Status != InboundInTransit {
			return stateErr(in.Status, InboundCancelled)
		}
		if in.Status == InboundInTransit {
			if err := s.addInTransit(ctx, in.WarehouseID, in.Lines, -1); err != nil {
				return err
			}
		}
		from := in.Status
		in.Status, in.UpdatedAt = InboundCancelled, s.stamp()
		if err := s.saveInbound(ctx, in, false); err != nil {
			return err
		}
		out = in
		return s.audit.Record(ctx, audit.Event{Action: "logistics.inbound.cancel", Resource: "warehouse_inbound/" + in.ID,
			Detail: from + " → " + InboundCancelled})
	})
	return out, err
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return problem.ErrNotFound
	}
	return err
}
