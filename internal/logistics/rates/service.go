package rates

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
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service keeps rate cards and answers comparisons. Tenant methods work
// in the scope ctx carries; the Shared methods are the platform's and
// need none.
type Service struct {
	db       *db.DB
	audit    Recorder
	now      func() time.Time
	comparer Comparer
	quality  QualitySource
}

// New returns the rate service. fx converts offers into the shipper's
// currency; nil refuses every cross-currency offer (NoFX).
func New(d *db.DB, rec Recorder, fx FX) *Service {
	if fx == nil {
		fx = NoFX{}
	}
	s := &Service{db: d, audit: rec, now: time.Now}
	s.comparer = Comparer{FX: fx, Estimator: DefaultEstimator, Now: func() time.Time { return s.now() }}
	return s
}

// SetFX replaces the converter, for the settlement module once it runs.
func (s *Service) SetFX(fx FX) { s.comparer.FX = fx }

// SetQuality feeds comparisons the tracking history's records; without
// one every service is scored at the prior.
func (s *Service) SetQuality(q QualitySource) { s.quality = q }

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ErrSharedReadOnly refuses a tenant's change to a shared service.
var ErrSharedReadOnly = problem.New(http.StatusForbidden, "shared_service_read_only")

func duplicateName() error {
	return &problem.Error{Status: http.StatusConflict, Code: "duplicate",
		Fields: []problem.Field{{Field: "name", Code: "taken"}}}
}

// Create adds one of the tenant's own (negotiated) services.
func (s *Service) Create(ctx context.Context, c CarrierService) (CarrierService, error) {
	return s.create(ctx, c, false)
}

// CreateShared publishes a service every tenant sees.
func (s *Service) CreateShared(ctx context.Context, c CarrierService) (CarrierService, error) {
	return s.create(ctx, c, true)
}

func (s *Service) create(ctx context.Context, c CarrierService, shared bool) (CarrierService, error) {
	if err := c.Validate(); err != nil {
		return CarrierService{}, err
	}
	c = c.Normalized()
	now := s.stamp()
	c.ID, c.Shared, c.Version, c.CreatedAt, c.UpdatedAt = ids.New("lsv"), shared, 1, now, now
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.insert(ctx, c); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: action(shared, "create"), Resource: "logistics_service/" + c.ID, Change: c})
	})
	if err != nil {
		return CarrierService{}, err
	}
	return c, nil
}

func action(shared bool, verb string) string {
	if shared {
		return "logistics.shared_service." + verb
	}
	return "logistics.service." + verb
}

// Get returns a service the tenant sees: its own or a shared one.
func (s *Service) Get(ctx context.Context, id string) (CarrierService, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return CarrierService{}, err
	}
	return scanOne(t.QueryRowContext(ctx, `SELECT `+cols+` FROM logistics_services
		WHERE id = $3 AND ((tenant_id = $1 AND sandbox = $2) OR tenant_id = '')`, id))
}

// GetShared returns a shared service.
func (s *Service) GetShared(ctx context.Context, id string) (CarrierService, error) {
	return scanOne(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM logistics_services
		WHERE id = $1 AND tenant_id = ''`, id))
}

// List returns a page of the services the tenant sees, in id order.
func (s *Service) List(ctx context.Context, pg web.Page) (web.List[CarrierService], error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[CarrierService]{}, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+cols+` FROM logistics_services
		WHERE ((tenant_id = $1 AND sandbox = $2) OR tenant_id = '') AND id > $3 ORDER BY id LIMIT $4`,
		pg.After, pg.FetchLimit())
	return listOf(pg, rows, err)
}

// ListShared returns a page of the shared services.
func (s *Service) ListShared(ctx context.Context, pg web.Page) (web.List[CarrierService], error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+cols+` FROM logistics_services
		WHERE tenant_id = '' AND id > $1 ORDER BY id LIMIT $2`, pg.After, pg.FetchLimit())
	return listOf(pg, rows, err)
}

func listOf(pg web.Page, rows *sql.Rows, err error) (web.List[CarrierService], error) {
	if err != nil {
		return web.List[CarrierService]{}, fmt.Errorf("rates: list services: %w", err)
	}
	cs, err := scanAll(rows)
	if err != nil {
		return web.List[CarrierService]{}, err
	}
	return web.NewList(pg, cs, func(c CarrierService) string { return c.ID }), nil
}

// Visible returns every service the tenant sees, for a comparison.
func (s *Service) Visible(ctx context.Context) ([]CarrierService, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+cols+` FROM logistics_services
		WHERE (tenant_id = $1 AND sandbox = $2) OR tenant_id = '' ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("rates: services: %w", err)
	}
	return scanAll(rows)
}

// Replace overwrites one of the tenant's services. version, when not
// zero, must be the stored one (409 otherwise).
func (s *Service) Replace(ctx context.Context, id string, c CarrierService) (CarrierService, error) {
	return s.replace(ctx, id, c, false)
}

// ReplaceShared overwrites a shared service.
func (s *Service) ReplaceShared(ctx context.Context, id string, c CarrierService) (CarrierService, error) {
	return s.replace(ctx, id, c, true)
}

func (s *Service) replace(ctx context.Context, id string, c CarrierService, shared bool) (CarrierService, error) {
	if err := c.Validate(); err != nil {
		return CarrierService{}, err
	}
	var out CarrierService
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.owned(ctx, id, shared)
		if err != nil {
			return err
		}
		if c.Version != 0 && c.Version != cur.Version {
			return &problem.Error{Status: http.StatusConflict, Code: "version_conflict", Params: []any{"version", cur.Version},
				Fields: []problem.Field{{Field: "version", Code: "stale_version", Params: []any{"version", cur.Version}}}}
		}
		next := c.Normalized()
		next.ID, next.Shared, next.CreatedAt, next.Version, next.UpdatedAt = cur.ID, cur.Shared, cur.CreatedAt, cur.Version+1, s.stamp()
		doc, err := json.Marshal(body(next))
		if err != nil {
			return err
		}
		const q = `UPDATE logistics_services SET carrier = $4, name = $5, doc = $6, version = $7, updated_at = $8
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND version = $9`
		args := []any{id, next.Carrier, next.Name, string(doc), next.Version, next.UpdatedAt, cur.Version}
		var res sql.Result
		if shared {
			res, err = s.db.W(ctx).ExecContext(ctx, q, append([]any{"", false}, args...)...)
		} else {
			var t db.Tenanted
			if t, err = s.db.Tenant(ctx); err == nil {
				res, err = t.ExecContext(ctx, q, args...)
			}
		}
		if db.IsUnique(err) {
			return duplicateName()
		}
		if err != nil {
			return fmt.Errorf("rates: update service: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.Conflict("version_conflict", "version", cur.Version)
		}
		out = next
		return s.audit.Record(ctx, audit.Event{Action: action(shared, "update"), Resource: "logistics_service/" + id,
			Change: map[string]any{"before": cur, "after": next}})
	})
	return out, err
}

// Delete removes one of the tenant's services.
func (s *Service) Delete(ctx context.Context, id string) error { return s.delete(ctx, id, false) }

// DeleteShared withdraws a shared service.
func (s *Service) DeleteShared(ctx context.Context, id string) error { return s.delete(ctx, id, true) }

func (s *Service) delete(ctx context.Context, id string, shared bool) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.owned(ctx, id, shared)
		if err != nil {
			return err
		}
		const q = `DELETE FROM logistics_services WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`
		if shared {
			_, err = s.db.W(ctx).ExecContext(ctx, q, "", false, id)
		} else {
			var t db.Tenanted
			if t, err = s.db.Tenant(ctx); err == nil {
				_, err = t.ExecContext(ctx, q, id)
			}
		}
		if err != nil {
			return fmt.Errorf("rates: delete service: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: action(shared, "delete"), Resource: "logistics_service/" + id, Change: cur})
	})
}

// owned finds a service the caller may change: a tenant its own (a
// shared one is read-only to it), the platform a shared one.
func (s *Service) owned(ctx context.Context, id string, shared bool) (CarrierService, error) {
	if shared {
		return s.GetShared(ctx, id)
	}
	c, err := s.Get(ctx, id)
	if err != nil {
		return CarrierService{}, err
	}
	if c.Shared {
		return CarrierService{}, ErrSharedReadOnly
	}
	return c, nil
}

// Compare validates r and ranks the services the tenant sees.
func (s *Service) Compare(ctx context.Context, r Request) (Result, error) {
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	cs, err := s.Visible(ctx)
	if err != nil {
		return Result{}, err
	}
	c := s.comparer
	if s.quality != nil && len(cs) > 0 {
		ids := make([]string, len(cs))
		for i, sv := range cs {
			ids[i] = sv.ID
		}
		obs, err := s.quality.Observed(ctx, r.Origin.Country, r.Destination.Country, ids)
		if err != nil {
			return Result{}, err
		}
		c.Quality = func(id, _, _ string) Observed { return obs[id] }
	}
	return c.Compare(ctx, r, cs)
}

const cols = `id, tenant_id, doc, version, created_at, updated_at`

// body is what the doc column keeps: the card without the fields that
// have columns of their own.
func body(c CarrierService) CarrierService {
	c.ID, c.Shared, c.Version, c.CreatedAt, c.UpdatedAt = "", false, 0, time.Time{}, time.Time{}
	return c
}

func (s *Service) insert(ctx context.Context, c CarrierService) error {
	doc, err := json.Marshal(body(c))
	if err != nil {
		return err
	}
	const q = `INSERT INTO logistics_services (tenant_id, sandbox, id, carrier, name, doc, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	args := []any{c.ID, c.Carrier, c.Name, string(doc), c.Version, c.CreatedAt, c.UpdatedAt}
	if c.Shared {
		_, err = s.db.W(ctx).ExecContext(ctx, q, append([]any{"", false}, args...)...)
	} else {
		var t db.Tenanted
		if t, err = s.db.Tenant(ctx); err == nil {
			_, err = t.ExecContext(ctx, q, args...)
		}
	}
	if db.IsUnique(err) {
		return duplicateName()
	}
	if err != nil {
		return fmt.Errorf("rates: insert service: %w", err)
	}
	return nil
}

type scanner interface{ Scan(...any) error }

func scan(sc scanner) (CarrierService, error) {
	var (
		c       CarrierService
		tenant  string
		doc     string
		id      string
		version int64
		created time.Time
		updated time.Time
	)
	if err := sc.Scan(&id, &tenant, &doc, &version, &created, &updated); err != nil {
		return CarrierService{}, err
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return CarrierService{}, fmt.Errorf("rates: service %s: stored document: %w", id, err)
	}
	c.ID, c.Shared, c.Version, c.CreatedAt, c.UpdatedAt = id, tenant == "", version, created.UTC(), updated.UTC()
	return c, nil
}

func scanOne(row *sql.Row) (CarrierService, error) {
	c, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return CarrierService{}, problem.ErrNotFound
	}
	return c, err
}

func scanAll(rows *sql.Rows) ([]CarrierService, error) {
	defer rows.Close()
	var out []CarrierService
	for rows.Next() {
		c, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// trimID guards path values.
func trimID(id string) string { return strings.TrimSpace(id) }
