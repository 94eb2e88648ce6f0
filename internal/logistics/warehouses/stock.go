package warehouses

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// guard says what a stock change must keep true.
type guard int

const (
	// unguarded: the change reports what already happened at the
	// warehouse (a receipt, an operator's shipment, a count); it is
	// recorded even when it leaves fewer units than are promised.
	unguarded guard = iota
	// keepAvailable: on-hand, reserved and available stay ≥ 0 — a
	// reservation or a correction made here may never oversell.
	keepAvailable
)

// move is one stock change, recorded as a movement and applied to the
// stock row in the caller's transaction.
type move struct {
	warehouseID string
	typ         warehouse.MovementType
	sku         string
	grade       Grade
	onHand      int64
	reserved    int64
	reference   string
	externalID  string
	note        string
	// receivedAt dates the lot an on-hand increase creates (default now);
	// lots, when set, are moved in instead (transfers keep their dates).
	receivedAt time.Time
	lots       []lot
	guard      guard
}

type lot struct {
	receivedAt time.Time
	qty        int64
}

// errDuplicateMovement: the external id was applied before.
var errDuplicateMovement = errors.New("warehouses: movement already applied")

// apply records m and changes the stock. It must run in a transaction.
// It returns the lots an on-hand decrease consumed (oldest first).
func (s *Service) apply(ctx context.Context, m move) (Movement, []lot, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return Movement{}, nil, err
	}
	now := s.stamp()
	mv := Movement{ID: ids.New("whm"), WarehouseID: m.warehouseID, Type: m.typ, SKU: m.sku, Grade: m.grade,
		OnHandDelta: m.onHand, ReservedDelta: m.reserved, Reference: m.reference, ExternalID: m.externalID, Note: m.note, CreatedAt: now}
	var ext any
	if m.externalID != "" {
		ext = m.externalID
	}
	res, err := t.ExecContext(ctx, `INSERT INTO warehouse_movements (tenant_id, sandbox, id, warehouse_id, type, sku, grade,
		on_hand_delta, reserved_delta, reference, external_id, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (tenant_id, sandbox, warehouse_id, external_id) DO NOTHING`,
		mv.ID, m.warehouseID, string(m.typ), m.sku, string(m.grade), m.onHand, m.reserved, m.reference, ext, m.note, now)
	if err != nil {
		return Movement{}, nil, fmt.Errorf("warehouses: record movement: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Movement{}, nil, errDuplicateMovement
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO warehouse_stock (tenant_id, sandbox, warehouse_id, sku, grade, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (warehouse_id, sku, grade) DO NOTHING`, m.warehouseID, m.sku, string(m.grade), now); err != nil {
		return Movement{}, nil, fmt.Errorf("warehouses: stock row: %w", err)
	}
	// The guarded UPDATE is the no-oversell rule on both engines: it takes
	// the row's lock and re-checks the condition on the committed value,
	// so two concurrent reservations cannot both see the same units.
	strict := 0
	if m.guard == keepAvailable {
		strict = 1
	}
	res, err = t.ExecContext(ctx, `UPDATE warehouse_stock SET on_hand = on_hand + $6, reserved = reserved + $7, updated_at = $8
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5
		AND ($9 = 0 OR (on_hand + $6 >= 0 AND reserved + $7 >= 0 AND on_hand + $6 - reserved - $7 >= 0))`,
		m.warehouseID, m.sku, string(m.grade), m.onHand, m.reserved, now, strict)
	if err != nil {
		return Movement{}, nil, fmt.Errorf("warehouses: update stock: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Movement{}, nil, insufficient(m.sku, m.grade)
	}
	if m.guard == unguarded && m.reserved != 0 {
		// An operator's report may release more than is reserved here
		// (a shipment of an order reserved elsewhere); reserved never
		// goes below zero.
		if _, err := t.ExecContext(ctx, `UPDATE warehouse_stock SET reserved = 0
			WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5 AND reserved < 0`,
			m.warehouseID, m.sku, string(m.grade)); err != nil {
			return Movement{}, nil, err
		}
	}
	var used []lot
	switch {
	case m.onHand > 0 && len(m.lots) > 0:
		for _, l := range m.lots {
			if err := s.addLot(ctx, t, m, l.receivedAt, l.qty); err != nil {
				return Movement{}, nil, err
			}
		}
	case m.onHand > 0:
		at := m.receivedAt
		if at.IsZero() {
			at = now
		}
		if err := s.addLot(ctx, t, m, at, m.onHand); err != nil {
			return Movement{}, nil, err
		}
	case m.onHand < 0:
		if used, err = s.consumeLots(ctx, t, m, -m.onHand); err != nil {
			return Movement{}, nil, err
		}
	}
	return mv, used, nil
}

func insufficient(sku string, g Grade) error {
	return &problem.Error{Status: ErrInsufficientStock.Status, Code: ErrInsufficientStock.Code, Params: []any{"sku", sku, "grade", string(g)}}
}

func (s *Service) addLot(ctx context.Context, t db.Tenanted, m move, at time.Time, q int64) error {
	_, err := t.ExecContext(ctx, `INSERT INTO warehouse_lots (tenant_id, sandbox, id, warehouse_id, sku, grade, received_at, remaining)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ids.New("whl"), m.warehouseID, m.sku, string(m.grade), at.UTC(), q)
	if err != nil {
		return fmt.Errorf("warehouses: add lot: %w", err)
	}
	return nil
}

// consumeLots takes q units from the oldest lots first (first in, first
// out). Lots short of q (stock counted in by a snapshot before any
// receipt) simply run out.
func (s *Service) consumeLots(ctx context.Context, t db.Tenanted, m move, q int64) ([]lot, error) {
	rows, err := t.QueryContext(ctx, `SELECT id, received_at, remaining FROM warehouse_lots
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5
		ORDER BY received_at, id`, m.warehouseID, m.sku, string(m.grade))
	if err != nil {
		return nil, fmt.Errorf("warehouses: lots: %w", err)
	}
	type row struct {
		id  string
		at  time.Time
		rem int64
	}
	var ls []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.at, &r.rem); err != nil {
			rows.Close()
			return nil, err
		}
		ls = append(ls, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var used []lot
	for _, r := range ls {
		if q == 0 {
			break
		}
		take := min(q, r.rem)
		q -= take
		used = append(used, lot{receivedAt: r.at.UTC(), qty: take})
		if take == r.rem {
			_, err = t.ExecContext(ctx, `DELETE FROM warehouse_lots WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, r.id)
		} else {
			_, err = t.ExecContext(ctx, `UPDATE warehouse_lots SET remaining = remaining - $4 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, r.id, take)
		}
		if err != nil {
			return nil, fmt.Errorf("warehouses: consume lot: %w", err)
		}
	}
	return used, nil
}

// StockFilter narrows a stock listing.
type StockFilter struct {
	WarehouseID string
	SKU         string
}

// Stock lists stock rows with their ages, by warehouse code, SKU and
// grade. Rows with nothing on hand, reserved or in transit are left out.
func (s *Service) Stock(ctx context.Context, f StockFilter) ([]Stock, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT st.warehouse_id, w.code, st.sku, st.grade, st.on_hand, st.reserved, st.in_transit
		FROM warehouse_stock st JOIN warehouses w ON w.id = st.warehouse_id
		WHERE st.tenant_id = $1 AND st.sandbox = $2 AND ($3 = '' OR st.warehouse_id = $3) AND ($4 = '' OR st.sku = $4)
		AND (st.on_hand <> 0 OR st.reserved <> 0 OR st.in_transit <> 0)
		ORDER BY w.code, st.sku, st.grade`, f.WarehouseID, strings.TrimSpace(f.SKU))
	if err != nil {
		return nil, fmt.Errorf("warehouses: stock: %w", err)
	}
	var out []Stock
	for rows.Next() {
		var st Stock
		var g string
		if err := rows.Scan(&st.WarehouseID, &st.WarehouseCode, &st.SKU, &g, &st.OnHand, &st.Reserved, &st.InTransit); err != nil {
			rows.Close()
			return nil, err
		}
		st.Grade, st.Available = Grade(g), st.OnHand-st.Reserved
		out = append(out, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	lrows, err := t.QueryContext(ctx, `SELECT warehouse_id, sku, grade, received_at, remaining FROM warehouse_lots
		WHERE tenant_id = $1 AND sandbox = $2 AND ($3 = '' OR warehouse_id = $3) AND ($4 = '' OR sku = $4)`,
		f.WarehouseID, strings.TrimSpace(f.SKU))
	if err != nil {
		return nil, fmt.Errorf("warehouses: lots: %w", err)
	}
	defer lrows.Close()
	type k struct{ w, sku, g string }
	idx := map[k]int{}
	for i, st := range out {
		idx[k{st.WarehouseID, st.SKU, string(st.Grade)}] = i
	}
	now := s.now().UTC()
	for lrows.Next() {
		var w, sku, g string
		var at time.Time
		var rem int64
		if err := lrows.Scan(&w, &sku, &g, &at, &rem); err != nil {
			return nil, err
		}
		i, ok := idx[k{w, sku, g}]
		if !ok {
			continue
		}
		at = at.UTC()
		age := ageDays(now, at)
		out[i].Ages.add(age, rem)
		if out[i].OldestReceivedAt == nil || at.Before(*out[i].OldestReceivedAt) {
			a := at
			out[i].OldestReceivedAt, out[i].AgeDays = &a, age
		}
	}
	return out, lrows.Err()
}

// ageDays is how many whole days ago at was.
func ageDays(now, at time.Time) int {
	if !now.After(at) {
		return 0
	}
	return int(now.Sub(at) / (24 * time.Hour))
}

// stockRow reads one stock row (zero when absent).
func (s *Service) stockRow(ctx context.Context, warehouseID, sku string, g Grade) (onHand, reserved, inTransit int64, err error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	err = t.QueryRowContext(ctx, `SELECT on_hand, reserved, in_transit FROM warehouse_stock
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5`, warehouseID, sku, string(g)).
		Scan(&onHand, &reserved, &inTransit)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	return
}

// Movements lists a warehouse's ledger, newest first.
func (s *Service) Movements(ctx context.Context, warehouseID, sku string, limit int) ([]Movement, error) {
	if _, err := s.Get(ctx, warehouseID); err != nil {
		return nil, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := t.QueryContext(ctx, `SELECT id, warehouse_id, type, sku, grade, on_hand_delta, reserved_delta, reference,
		COALESCE(external_id, ''), note, created_at FROM warehouse_movements
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND ($4 = '' OR sku = $4) ORDER BY id DESC LIMIT $5`,
		warehouseID, strings.TrimSpace(sku), limit)
	if err != nil {
		return nil, fmt.Errorf("warehouses: movements: %w", err)
	}
	defer rows.Close()
	var out []Movement
	for rows.Next() {
		var m Movement
		var typ, g string
		if err := rows.Scan(&m.ID, &m.WarehouseID, &typ, &m.SKU, &g, &m.OnHandDelta, &m.ReservedDelta, &m.Reference,
			&m.ExternalID, &m.Note, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.Type, m.Grade, m.CreatedAt = warehouse.MovementType(typ), Grade(g), m.CreatedAt.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// Adjust corrects a count here (a lost or found unit). It may not take
// away units that are reserved.
func (s *Service) Adjust(ctx context.Context, warehouseID string, a Adjustment) (Movement, error) {
	if err := a.Validate(); err != nil {
		return Movement{}, err
	}
	var out Movement
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Get(ctx, warehouseID); err != nil {
			return err
		}
		mv, _, err := s.apply(ctx, move{warehouseID: warehouseID, typ: warehouse.Adjustment, sku: strings.TrimSpace(a.SKU), grade: a.Grade,
			onHand: a.Quantity, note: strings.TrimSpace(a.Reason), guard: keepAvailable})
		if err != nil {
			return err
		}
		out = mv
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.adjust", Resource: "warehouse/" + warehouseID, Change: mv})
	})
	return out, err
}

// TransferStock moves available units between two of the tenant's
// warehouses; they keep their receipt dates.
func (s *Service) TransferStock(ctx context.Context, tr Transfer) ([]Movement, error) {
	if err := tr.Validate(); err != nil {
		return nil, err
	}
	var out []Movement
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		for _, f := range []struct{ id, field string }{{tr.From, "from_warehouse_id"}, {tr.To, "to_warehouse_id"}} {
			if _, err := s.Get(ctx, f.id); errors.Is(err, problem.ErrNotFound) {
				return problem.Invalid(problem.Field{Field: f.field, Code: "not_found"})
			} else if err != nil {
				return err
			}
		}
		ref := ids.New("wht")
		sku := strings.TrimSpace(tr.SKU)
		outMv, used, err := s.apply(ctx, move{warehouseID: tr.From, typ: warehouse.Transfer, sku: sku, grade: tr.Grade,
			onHand: -tr.Quantity, reference: ref, note: "to " + tr.To, guard: keepAvailable})
		if err != nil {
			return err
		}
		var got int64
		for _, l := range used {
			got += l.qty
		}
		if got < tr.Quantity {
			used = append(used, lot{receivedAt: s.stamp(), qty: tr.Quantity - got})
		}
		inMv, _, err := s.apply(ctx, move{warehouseID: tr.To, typ: warehouse.Transfer, sku: sku, grade: tr.Grade,
			onHand: tr.Quantity, reference: ref, note: "from " + tr.From, lots: used})
		if err != nil {
			return err
		}
		out = []Movement{outMv, inMv}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.transfer", Resource: "warehouse_transfer/" + ref, Change: tr})
	})
	return out, err
}

// ReceiveReturn puts units a buyer sent back into a warehouse's stock
// under the grade their inspection gave them. ref identifies the return
// (the returns module's return id): receiving the same (ref, sku, grade)
// again changes nothing and returns the first movement, so a retried call
// is safe, while one return may restock several SKUs and grades. It joins
// the transaction in ctx, if any, so the return and its stock commit
// together.
func (s *Service) ReceiveReturn(ctx context.Context, warehouseID, sku string, grade Grade, qty int64, ref string) (Movement, error) {
	sku, ref = strings.TrimSpace(sku), strings.TrimSpace(ref)
	var fs problem.Errors
	if sku == "" {
		fs.Add("sku", "required")
	}
	if !grade.Valid() {
		fs.Add("grade", "one_of", "values", gradeList(false))
	}
	if qty <= 0 || qty > 1_000_000 {
		fs.Add("quantity", "out_of_range", "min", 1, "max", 1000000)
	}
	if ref == "" {
		fs.Add("reference", "required")
	} else if len(ref) > 100 {
		fs.Add("reference", "max_length", "max", 100)
	}
	if err := fs.Err(); err != nil {
		return Movement{}, err
	}
	var out Movement
	ext := "return:" + ref + ":" + sku + ":" + string(grade)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Get(ctx, warehouseID); err != nil {
			return err
		}
		mv, _, err := s.apply(ctx, move{warehouseID: warehouseID, typ: warehouse.Return, sku: sku, grade: grade, onHand: qty,
			reference: ref, externalID: ext})
		if errors.Is(err, errDuplicateMovement) {
			out, err = s.movementByExternal(ctx, warehouseID, ext)
			return err
		}
		if err != nil {
			return err
		}
		out = mv
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.return_received", Resource: "warehouse/" + warehouseID, Change: mv})
	})
	return out, err
}

func (s *Service) movementByExternal(ctx context.Context, warehouseID, ext string) (Movement, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return Movement{}, err
	}
	var m Movement
	var typ, g string
	err = t.QueryRowContext(ctx, `SELECT id, warehouse_id, type, sku, grade, on_hand_delta, reserved_delta, reference,
		COALESCE(external_id, ''), note, created_at FROM warehouse_movements
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND external_id = $4`, warehouseID, ext).
		Scan(&m.ID, &m.WarehouseID, &typ, &m.SKU, &g, &m.OnHandDelta, &m.ReservedDelta, &m.Reference, &m.ExternalID, &m.Note, &m.CreatedAt)
	if err != nil {
		return Movement{}, fmt.Errorf("warehouses: movement %s: %w", ext, err)
	}
	m.Type, m.Grade, m.CreatedAt = warehouse.MovementType(typ), Grade(g), m.CreatedAt.UTC()
	return m, nil
}
