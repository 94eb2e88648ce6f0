package warehouses

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/ids"
)

// SyncResult says what a delta sync did.
type SyncResult struct {
	WarehouseID   string   `json:"warehouse_id"`
	SentInbound   []string `json:"sent_inbound"`
	SentOutbound  []string `json:"sent_outbound"`
	Applied       int      `json:"applied"`
	AlreadySeen   int      `json:"already_seen"`
	Cursor        string   `json:"cursor"`
	ShippedOrders []string `json:"shipped_orders"`
}

// XMLRoot names the XML root element.
func (SyncResult) XMLRoot() string { return "sync" }

// Sync exchanges documents and movements with a warehouse's operator:
// inbound notices and outbound orders not yet sent are sent, then the
// operator's movements since the last sync are applied (idempotently, by
// the operator's movement id) and the cursor advances.
//
// The operator is called outside any transaction (unless ctx carries
// one): each document is sent with its id as Reference, the operator's
// idempotency key, and its acknowledgement recorded in a short
// transaction of its own; the movements are fetched, then applied in one.
// A sync interrupted anywhere is therefore safe to run again.
func (s *Service) Sync(ctx context.Context, warehouseID string) (SyncResult, error) {
	w, err := s.Get(ctx, warehouseID)
	if err != nil {
		return SyncResult{}, err
	}
	c, err := s.connector(w)
	if err != nil {
		return SyncResult{}, err
	}
	acct := s.account(ctx, w)
	out := SyncResult{WarehouseID: w.ID, SentInbound: []string{}, SentOutbound: []string{}, ShippedOrders: []string{}}
	ins, err := s.Inbounds(ctx, w.ID, 500)
	if err != nil {
		return SyncResult{}, err
	}
	for i := len(ins) - 1; i >= 0; i-- {
		in := ins[i]
		if in.ExternalID != "" || (in.Status != InboundCreated && in.Status != InboundInTransit) {
			continue
		}
		n := warehouse.InboundNotice{Reference: in.ID}
		for _, l := range in.Lines {
			n.Lines = append(n.Lines, warehouse.Line(l))
		}
		if in.ExpectedAt != nil {
			n.ExpectedAt = *in.ExpectedAt
		}
		ack, err := c.SendInbound(ctx, acct, n)
		if err != nil {
			return SyncResult{}, fmt.Errorf("warehouses: send inbound %s: %w", in.ID, err)
		}
		if err := s.db.InTx(ctx, func(ctx context.Context) error {
			in, err := s.GetInbound(ctx, in.ID)
			if err != nil || in.ExternalID != "" {
				return err
			}
			in.ExternalID, in.UpdatedAt = ack.ExternalID, s.stamp()
			return s.saveInbound(ctx, in, false)
		}); err != nil {
			return SyncResult{}, err
		}
		out.SentInbound = append(out.SentInbound, in.ID)
	}
	obs, err := s.Outbounds(ctx, w.ID, OutboundAllocated, 500)
	if err != nil {
		return SyncResult{}, err
	}
	for i := len(obs) - 1; i >= 0; i-- {
		o := obs[i]
		if o.ExternalID != "" {
			continue
		}
		sent, err := s.sendOutbound(ctx, c, acct, o.ID)
		if err != nil {
			return SyncResult{}, err
		}
		if sent {
			out.SentOutbound = append(out.SentOutbound, o.ID)
		}
	}
	cursor, err := s.cursor(ctx, w.ID)
	if err != nil {
		return SyncResult{}, err
	}
	ms, next, err := c.Movements(ctx, acct, cursor)
	if err != nil {
		return SyncResult{}, fmt.Errorf("warehouses: movements: %w", err)
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		res, err := s.applyMovements(ctx, w, ms)
		if err != nil {
			return err
		}
		out.Applied, out.AlreadySeen, out.ShippedOrders, out.Cursor = res.Applied, res.AlreadySeen, res.ShippedOrders, next
		if err := s.setCursor(ctx, w.ID, next); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.sync", Resource: "warehouse/" + w.ID, Change: out}); err != nil {
			return err
		}
		_, err = s.checkAlerts(ctx, []Warehouse{w})
		return err
	})
	if err != nil {
		return SyncResult{}, err
	}
	return out, nil
}

// sendOutbound hands outbound order id to the operator, outside any
// transaction unless ctx carries one, and records the acknowledgement. It
// reports false when there was nothing to send (already acknowledged, or
// no longer allocated). The order's id is the Reference, which the
// operator treats as its idempotency key: sending again, after a lost
// answer or a crash before the acknowledgement was recorded, returns the
// first acknowledgement and places no second order.
func (s *Service) sendOutbound(ctx context.Context, c warehouse.Warehouse, acct, id string) (bool, error) {
	o, err := s.GetOutbound(ctx, id)
	if err != nil {
		return false, err
	}
	if o.ExternalID != "" || o.Status != OutboundAllocated {
		return false, nil
	}
	req := warehouse.OutboundOrder{Reference: o.ID, ShipTo: warehouse.Address{Country: o.Country}}
	for _, l := range o.Lines {
		req.Lines = append(req.Lines, warehouse.Line(l))
	}
	ack, err := c.SendOutbound(ctx, acct, req)
	if err != nil {
		return false, fmt.Errorf("warehouses: send outbound %s: %w", o.ID, err)
	}
	sent := false
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		o, err := s.GetOutbound(ctx, id)
		if err != nil || o.ExternalID != "" {
			return err
		}
		o.ExternalID, o.UpdatedAt = ack.ExternalID, s.stamp()
		if err := s.saveOutbound(ctx, o, false); err != nil {
			return err
		}
		sent = true
		return s.audit.Record(ctx, audit.Event{Action: "logistics.outbound.send", Resource: "warehouse_outbound/" + o.ID,
			Change: map[string]any{"external_id": o.ExternalID}})
	})
	return sent, err
}

func (s *Service) cursor(ctx context.Context, id string) (string, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return "", err
	}
	var c string
	err = t.QueryRowContext(ctx, `SELECT delta_cursor FROM warehouses WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).Scan(&c)
	return c, err
}

func (s *Service) setCursor(ctx context.Context, id, c string) error {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `UPDATE warehouses SET delta_cursor = $4 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id, c)
	return err
}

// ApplyMovements applies movements an operator reported (pushed through
// the API by a manual integration). A movement whose id was applied
// before is counted in AlreadySeen and changes nothing.
func (s *Service) ApplyMovements(ctx context.Context, warehouseID string, b MovementsBody) (SyncResult, error) {
	if err := b.Validate(); err != nil {
		return SyncResult{}, err
	}
	var out SyncResult
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		w, err := s.Get(ctx, warehouseID)
		if err != nil {
			return err
		}
		if out, err = s.applyMovements(ctx, w, b.Movements); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.movements", Resource: "warehouse/" + w.ID, Change: out}); err != nil {
			return err
		}
		_, err = s.checkAlerts(ctx, []Warehouse{w})
		return err
	})
	return out, err
}

func (s *Service) applyMovements(ctx context.Context, w Warehouse, ms []warehouse.Movement) (SyncResult, error) {
	out := SyncResult{WarehouseID: w.ID, SentInbound: []string{}, SentOutbound: []string{}, ShippedOrders: []string{}}
	shipped := map[string]bool{}
	for _, m := range ms {
		g := m.Grade
		if g == "" {
			g = warehouse.GradeNew
		}
		mv := move{warehouseID: w.ID, typ: m.Type, sku: strings.TrimSpace(m.SKU), grade: g, onHand: m.Quantity,
			reference: m.Reference, externalID: m.ID, note: m.Note, receivedAt: m.At}
		var err error
		switch {
		case m.Type == warehouse.Receipt && strings.HasPrefix(m.Reference, "whi_"):
			err = s.receiptFor(ctx, w, m, mv)
		case m.Type == warehouse.Shipment && strings.HasPrefix(m.Reference, "who_"):
			var o Outbound
			o, err = s.GetOutbound(ctx, m.Reference)
			switch {
			case err != nil || o.WarehouseID != w.ID:
				_, _, err = s.apply(ctx, mv)
			case o.Status == OutboundShipped && !shipped[o.ID]:
				// Already dispatched by hand here: the stock left then.
				mv.onHand, mv.note = 0, "already shipped"
				_, _, err = s.apply(ctx, mv)
			default:
				mv.reserved = m.Quantity
				if o.Status != OutboundAllocated && !shipped[o.ID] {
					mv.reserved = 0
				}
				if _, _, err = s.apply(ctx, mv); err == nil && o.Status == OutboundAllocated {
					if _, err = s.markShipped(ctx, o); err == nil {
						shipped[o.ID] = true
						out.ShippedOrders = append(out.ShippedOrders, o.ID)
					}
				}
			}
		default:
			_, _, err = s.apply(ctx, mv)
		}
		if errors.Is(err, errDuplicateMovement) {
			out.AlreadySeen++
			continue
		}
		if err != nil {
			return out, err
		}
		out.Applied++
	}
	return out, nil
}

// receiptFor applies an operator's receipt against the inbound notice it
// names.
func (s *Service) receiptFor(ctx context.Context, w Warehouse, m warehouse.Movement, mv move) error {
	in, err := s.GetInbound(ctx, m.Reference)
	if err != nil || in.WarehouseID != w.ID || in.Status == InboundCancelled {
		_, _, err = s.apply(ctx, mv)
		return err
	}
	_, err = s.receive(ctx, in, []Line{{SKU: mv.sku, Grade: mv.grade, Quantity: m.Quantity}}, m.ID)
	return err
}

// SyncSnapshot asks the operator for its full stock and reconciles.
func (s *Service) SyncSnapshot(ctx context.Context, warehouseID string) (Reconciliation, error) {
	// The operator is asked outside any transaction; the count is
	// reconciled in one.
	w, err := s.Get(ctx, warehouseID)
	if err != nil {
		return Reconciliation{}, err
	}
	c, err := s.connector(w)
	if err != nil {
		return Reconciliation{}, err
	}
	snap, err := c.Snapshot(ctx, s.account(ctx, w))
	if err != nil {
		return Reconciliation{}, fmt.Errorf("warehouses: snapshot: %w", err)
	}
	var out Reconciliation
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.reconcile(ctx, w, snap, "connector")
		return err
	})
	return out, err
}

// ApplySnapshot reconciles a full stock count pushed through the API.
func (s *Service) ApplySnapshot(ctx context.Context, warehouseID string, b SnapshotBody) (Reconciliation, error) {
	if err := b.Validate(); err != nil {
		return Reconciliation{}, err
	}
	var out Reconciliation
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		w, err := s.Get(ctx, warehouseID)
		if err != nil {
			return err
		}
		out, err = s.reconcile(ctx, w, warehouse.Snapshot{At: b.At, Stock: b.Stock}, "api")
		return err
	})
	return out, err
}

// reconcile compares the operator's count with the stock kept here, lists
// every mismatch (SKU, grade, expected, reported, difference), and makes
// the count the stock: each difference is booked as an adjustment
// movement referencing the report. A SKU absent from the snapshot counts
// as zero. Reserved quantities stay: they are promises made here.
func (s *Service) reconcile(ctx context.Context, w Warehouse, snap warehouse.Snapshot, source string) (Reconciliation, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return Reconciliation{}, err
	}
	rows, err := t.QueryContext(ctx, `SELECT sku, grade, on_hand FROM warehouse_stock
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3`, w.ID)
	if err != nil {
		return Reconciliation{}, fmt.Errorf("warehouses: reconcile: %w", err)
	}
	expected := map[StockKey]int64{}
	for rows.Next() {
		var k StockKey
		var g string
		var q int64
		if err := rows.Scan(&k.SKU, &g, &q); err != nil {
			rows.Close()
			return Reconciliation{}, err
		}
		k.Grade = Grade(g)
		expected[k] = q
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Reconciliation{}, err
	}
	reported := map[StockKey]int64{}
	for _, l := range snap.Stock {
		g := l.Grade
		if g == "" {
			g = warehouse.GradeNew
		}
		reported[StockKey{strings.TrimSpace(l.SKU), g}] += l.OnHand
	}
	r := Reconciliation{ID: ids.New("whr"), WarehouseID: w.ID, Source: source, SnapshotAt: snap.At.UTC(), Lines: len(reported),
		Mismatches: []Mismatch{}, CreatedAt: s.stamp()}
	if r.SnapshotAt.IsZero() {
		r.SnapshotAt = r.CreatedAt
	}
	keys := map[StockKey]bool{}
	for k := range expected {
		keys[k] = true
	}
	for k := range reported {
		keys[k] = true
	}
	for k := range keys {
		if d := reported[k] - expected[k]; d != 0 {
			r.Mismatches = append(r.Mismatches, Mismatch{SKU: k.SKU, Grade: k.Grade, Expected: expected[k], Reported: reported[k], Difference: d})
		}
	}
	sort.Slice(r.Mismatches, func(i, j int) bool {
		a, b := r.Mismatches[i], r.Mismatches[j]
		if a.SKU != b.SKU {
			return a.SKU < b.SKU
		}
		return a.Grade < b.Grade
	})
	for _, m := range r.Mismatches {
		if _, _, err := s.apply(ctx, move{warehouseID: w.ID, typ: warehouse.Adjustment, sku: m.SKU, grade: m.Grade,
			onHand: m.Difference, reference: r.ID, note: "stock count", receivedAt: r.SnapshotAt}); err != nil {
			return Reconciliation{}, err
		}
	}
	doc, err := json.Marshal(r)
	if err != nil {
		return Reconciliation{}, err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO warehouse_reconciliations (tenant_id, sandbox, id, warehouse_id, mismatches, doc, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, w.ID, len(r.Mismatches), string(doc), r.CreatedAt); err != nil {
		return Reconciliation{}, fmt.Errorf("warehouses: store reconciliation: %w", err)
	}
	if snap.Cursor != "" {
		if err := s.setCursor(ctx, w.ID, snap.Cursor); err != nil {
			return Reconciliation{}, err
		}
	}
	if err := s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.reconcile", Resource: "warehouse_reconciliation/" + r.ID, Change: r}); err != nil {
		return Reconciliation{}, err
	}
	_, err = s.checkAlerts(ctx, []Warehouse{w})
	return r, err
}

// Reconciliations lists reports, newest first.
func (s *Service) Reconciliations(ctx context.Context, warehouseID string, limit int) ([]Reconciliation, error) {
	return listDocs[Reconciliation](ctx, s, "warehouse_reconciliations", warehouseID, "", limit, 50, 200)
}

// GetReconciliation returns one report.
func (s *Service) GetReconciliation(ctx context.Context, id string) (Reconciliation, error) {
	return getDoc[Reconciliation](ctx, s, "warehouse_reconciliations", id)
}
