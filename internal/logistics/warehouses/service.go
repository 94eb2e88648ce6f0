package warehouses

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Event types the module publishes.
const (
	EventLowStock    = "warehouse.low_stock"
	EventAgeingStock = "warehouse.ageing_stock"
)

func init() {
	events.Register(EventLowStock, "A SKU's available stock in a warehouse fell to or below its threshold or days of cover.")
	events.Register(EventAgeingStock, "Units of a SKU in a warehouse are older than the warehouse's ageing limit.")
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// Orders reads platform orders, for outbound orders made from one.
type Orders interface {
	Get(ctx context.Context, id string) (orders.Order, error)
}

// Service keeps the tenant's warehouses, their stock and documents.
// Every method works in the tenant scope ctx carries.
type Service struct {
	db         *db.DB
	audit      Recorder
	events     Publisher
	orders     Orders
	connectors map[string]warehouse.Warehouse
	jobs       *jobs.Queue
	now        func() time.Time
}

// New returns the warehouse service. Connectors map a warehouse's
// connector kind to the operator implementation; "manual" needs none.
func New(d *db.DB, rec Recorder) *Service {
	return &Service{db: d, audit: rec, connectors: map[string]warehouse.Warehouse{}, now: time.Now}
}

// UsePublisher makes the service announce stock alerts through p.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// UseOrders lets outbound orders be made from platform orders.
func (s *Service) UseOrders(o Orders) { s.orders = o }

// UseConnector sets the operator implementation for a connector kind.
// Call it before serving.
func (s *Service) UseConnector(kind string, w warehouse.Warehouse) { s.connectors[kind] = w }

// SetClock replaces the clock, for tests of ageing and fees.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Errors specific to the module.
var (
	// ErrInsufficientStock: no warehouse (or not the one asked) has the
	// available stock.
	ErrInsufficientStock = problem.New(http.StatusConflict, "insufficient_stock")
	// ErrState: the document's status does not allow the operation.
	ErrState = problem.New(http.StatusConflict, "warehouse_document_state")
	// ErrNoConnector: the warehouse has no operator API to sync with.
	ErrNoConnector = problem.New(http.StatusConflict, "warehouse_no_connector")
)

func stateErr(from, to string) error {
	return &problem.Error{Status: ErrState.Status, Code: ErrState.Code, Params: []any{"from", from, "to", to}}
}

// Create adds a warehouse.
func (s *Service) Create(ctx context.Context, w Warehouse) (Warehouse, error) {
	if err := w.Validate(); err != nil {
		return Warehouse{}, err
	}
	w = w.Normalized()
	now := s.stamp()
	w.ID, w.Version, w.CreatedAt, w.UpdatedAt = ids.New("whs"), 1, now, now
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		doc, err := json.Marshal(body(w))
		if err != nil {
			return err
		}
		_, err = t.ExecContext(ctx, `INSERT INTO warehouses (tenant_id, sandbox, id, code, doc, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, w.ID, w.Code, string(doc), w.Version, w.CreatedAt, w.UpdatedAt)
		if db.IsUnique(err) {
			return duplicateCode()
		}
		if err != nil {
			return fmt.Errorf("warehouses: insert: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.create", Resource: "warehouse/" + w.ID, Change: w})
	})
	if err != nil {
		return Warehouse{}, err
	}
	return w, nil
}

func duplicateCode() error {
	return &problem.Error{Status: http.StatusConflict, Code: "duplicate", Fields: []problem.Field{{Field: "code", Code: "taken"}}}
}

// body is what the doc column keeps.
func body(w Warehouse) Warehouse {
	w.ID, w.Code, w.Version, w.CreatedAt, w.UpdatedAt = "", "", 0, time.Time{}, time.Time{}
	return w
}

const whCols = `id, code, doc, version, created_at, updated_at`

func scanWarehouse(sc interface{ Scan(...any) error }) (Warehouse, error) {
	var (
		w   Warehouse
		id  string
		cd  string
		doc string
		v   int64
		c   time.Time
		u   time.Time
	)
	if err := sc.Scan(&id, &cd, &doc, &v, &c, &u); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Warehouse{}, problem.ErrNotFound
		}
		return Warehouse{}, err
	}
	if err := json.Unmarshal([]byte(doc), &w); err != nil {
		return Warehouse{}, fmt.Errorf("warehouses: %s: stored document: %w", id, err)
	}
	w.ID, w.Code, w.Version, w.CreatedAt, w.UpdatedAt = id, cd, v, c.UTC(), u.UTC()
	return w, nil
}

// Get returns one of the tenant's warehouses.
func (s *Service) Get(ctx context.Context, id string) (Warehouse, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Warehouse{}, err
	}
	return scanWarehouse(t.QueryRowContext(ctx, `SELECT `+whCols+` FROM warehouses WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, strings.TrimSpace(id)))
}

// All returns every warehouse of the tenant, by code.
func (s *Service) All(ctx context.Context) ([]Warehouse, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+whCols+` FROM warehouses WHERE tenant_id = $1 AND sandbox = $2 ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("warehouses: list: %w", err)
	}
	defer rows.Close()
	var out []Warehouse
	for rows.Next() {
		w, err := scanWarehouse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// List returns a page of warehouses in id order.
func (s *Service) List(ctx context.Context, pg web.Page) (web.List[Warehouse], error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Warehouse]{}, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+whCols+` FROM warehouses WHERE tenant_id = $1 AND sandbox = $2 AND id > $3
		ORDER BY id LIMIT $4`, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Warehouse]{}, fmt.Errorf("warehouses: list: %w", err)
	}
	defer rows.Close()
	var out []Warehouse
	for rows.Next() {
		w, err := scanWarehouse(rows)
		if err != nil {
			return web.List[Warehouse]{}, err
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return web.List[Warehouse]{}, err
	}
	return web.NewList(pg, out, func(w Warehouse) string { return w.ID }), nil
}

// Replace overwrites a warehouse; a non-zero Version must be the stored
// one.
func (s *Service) Replace(ctx context.Context, id string, w Warehouse) (Warehouse, error) {
	if err := w.Validate(); err != nil {
		return Warehouse{}, err
	}
	var out Warehouse
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if w.Version != 0 && w.Version != cur.Version {
			return &problem.Error{Status: http.StatusConflict, Code: "version_conflict", Params: []any{"version", cur.Version},
				Fields: []problem.Field{{Field: "version", Code: "stale_version", Params: []any{"version", cur.Version}}}}
		}
		next := w.Normalized()
		next.ID, next.CreatedAt, next.Version, next.UpdatedAt = cur.ID, cur.CreatedAt, cur.Version+1, s.stamp()
		doc, err := json.Marshal(body(next))
		if err != nil {
			return err
		}
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		res, err := t.ExecContext(ctx, `UPDATE warehouses SET code = $4, doc = $5, version = $6, updated_at = $7
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND version = $8`,
			id, next.Code, string(doc), next.Version, next.UpdatedAt, cur.Version)
		if db.IsUnique(err) {
			return duplicateCode()
		}
		if err != nil {
			return fmt.Errorf("warehouses: update: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.Conflict("version_conflict", "version", cur.Version)
		}
		out = next
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.update", Resource: "warehouse/" + id,
			Change: map[string]any{"before": cur, "after": next}})
	})
	return out, err
}

// Delete removes a warehouse that has never held stock or documents;
// one with history is kept (409), as its ledger must stay.
func (s *Service) Delete(ctx context.Context, id string) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		var n int
		if err := t.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM warehouse_movements WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3) +
			(SELECT COUNT(*) FROM warehouse_inbounds WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3) +
			(SELECT COUNT(*) FROM warehouse_outbounds WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3) +
			(SELECT COUNT(*) FROM warehouse_stock WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3)`, id).Scan(&n); err != nil {
			return fmt.Errorf("warehouses: delete: %w", err)
		}
		if n > 0 {
			return problem.Conflict("warehouse_has_history")
		}
		for _, q := range []string{
			`DELETE FROM warehouse_reconciliations WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3`,
			`DELETE FROM warehouse_fees WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3`,
			`DELETE FROM warehouse_alerts WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3`,
			`DELETE FROM warehouses WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`,
		} {
			if _, err := t.ExecContext(ctx, q, id); err != nil {
				return fmt.Errorf("warehouses: delete: %w", err)
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.delete", Resource: "warehouse/" + id, Change: cur})
	})
}

// account is the operator account the connector is called with: a
// sandbox operator serves every tenant, so its accounts carry the scope.
func (s *Service) account(ctx context.Context, w Warehouse) string {
	if w.Connector == ConnectorSandbox {
		sc, _ := db.ScopeFrom(ctx)
		side := "live"
		if sc.Sandbox {
			side = "test"
		}
		return sc.TenantID + "/" + side + "/" + w.Account
	}
	return w.Account
}

// connector returns the operator of w, or ErrNoConnector.
func (s *Service) connector(w Warehouse) (warehouse.Warehouse, error) {
	c, ok := s.connectors[w.Connector]
	if !ok || c == nil {
		return nil, ErrNoConnector
	}
	return c, nil
}
