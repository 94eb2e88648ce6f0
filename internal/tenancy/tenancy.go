// Package tenancy owns tenants (clause 7.1.3): who they are, the region
// their data is pinned to, their plan and the rate limits it brings. Every
// tenant-owned row elsewhere carries its tenant; the scope itself is
// enforced by db.Tenanted.
package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Regions a tenant's data can be pinned to.
var Regions = []string{"cn", "eu", "us", "sg"}

// Plans and their default per-key limits (CONTRACT).
var Plans = map[string]Limit{
	"saas":       {RPS: 50, Burst: 100},
	"enterprise": {RPS: 500, Burst: 1000},
}

// Limit is a per-key rate limit; RPS 0 lifts it.
type Limit struct {
	RPS   float64 `json:"rps"`
	Burst int     `json:"burst"`
}

// Tenant is a customer of the platform.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	Plan      string    `json:"plan"`
	Status    string    `json:"status"`
	Limit     Limit     `json:"rate_limit"`
	Custom    bool      `json:"rate_limit_custom"`
	CreatedAt time.Time `json:"created_at"`
}

// NewTenant is the input to Create.
type NewTenant struct {
	Name   string `json:"name"`
	Region string `json:"region,omitempty"`
	Plan   string `json:"plan,omitempty"`
}

// Validate applies defaults (region cn, plan saas) and checks the input.
func (n *NewTenant) Validate() error {
	var fs problem.Errors
	n.Name = strings.TrimSpace(n.Name)
	if n.Region == "" {
		n.Region = "cn"
	}
	if n.Plan == "" {
		n.Plan = "saas"
	}
	switch {
	case n.Name == "":
		fs.Add("name", "required")
	case utf8.RuneCountInString(n.Name) > 200:
		fs.Add("name", "max_length", "max", 200)
	}
	if !slices.Contains(Regions, n.Region) {
		fs.Add("region", "one_of", "values", strings.Join(Regions, ", "))
	}
	if _, ok := Plans[n.Plan]; !ok {
		fs.Add("plan", "one_of", "values", "saas, enterprise")
	}
	return fs.Err()
}

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service manages tenants.
type Service struct {
	db    *db.DB
	audit Recorder
}

// New returns the tenant service.
func New(d *db.DB, rec Recorder) *Service { return &Service{db: d, audit: rec} }

// Create adds a tenant.
func (s *Service) Create(ctx context.Context, n NewTenant) (Tenant, error) {
	if err := n.Validate(); err != nil {
		return Tenant{}, err
	}
	t := Tenant{ID: ids.New("ten"), Name: n.Name, Region: n.Region, Plan: n.Plan, Status: "active",
		Limit: Plans[n.Plan], CreatedAt: time.Now().UTC()}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO tenants (id, name, region, plan, status, created_at)
			VALUES ($1, $2, $3, $4, 'active', $5)`, t.ID, t.Name, t.Region, t.Plan, t.CreatedAt); err != nil {
			return fmt.Errorf("tenancy: create: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "tenant.create", Resource: "tenant/" + t.ID, Outcome: "success",
			TenantID: t.ID, Change: n})
	})
	return t, err
}

const cols = `id, name, region, plan, status, rate_rps, rate_burst, created_at`

func scan(sc interface{ Scan(...any) error }) (Tenant, error) {
	var t Tenant
	var rps sql.NullFloat64
	var burst sql.NullInt64
	err := sc.Scan(&t.ID, &t.Name, &t.Region, &t.Plan, &t.Status, &rps, &burst, &t.CreatedAt)
	t.Limit = Plans[t.Plan]
	if rps.Valid {
		t.Limit, t.Custom = Limit{RPS: rps.Float64, Burst: int(burst.Int64)}, true
	}
	return t, err
}

// Get returns a tenant. Tenant callers can only ever get their own.
func (s *Service) Get(ctx context.Context, id string) (Tenant, error) {
	if sc, ok := db.ScopeFrom(ctx); ok && sc.TenantID != id {
		return Tenant{}, problem.ErrNotFound
	}
	t, err := scan(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM tenants WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, problem.ErrNotFound
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("tenancy: get: %w", err)
	}
	return t, nil
}

// List lists tenants (platform staff).
func (s *Service) List(ctx context.Context, pg web.Page) (web.List[Tenant], error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+cols+` FROM tenants WHERE id > $1 ORDER BY id LIMIT $2`, pg.After, pg.Limit+1)
	if err != nil {
		return web.List[Tenant]{}, fmt.Errorf("tenancy: list: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (Tenant, error) { return scan(r) })
	if err != nil {
		return web.List[Tenant]{}, err
	}
	return web.NewList(pg, out, func(t Tenant) string { return t.ID }), nil
}

// SetLimit overrides a tenant's per-key rate limit; RPS 0 lifts it.
func (s *Service) SetLimit(ctx context.Context, id string, l Limit) (Tenant, error) {
	var fs problem.Errors
	if l.RPS < 0 {
		fs.Add("rps", "out_of_range", "min", 0, "max", "∞")
	}
	if l.Burst < 0 || (l.RPS > 0 && l.Burst < 1) {
		fs.Add("burst", "out_of_range", "min", 1, "max", "∞")
	}
	if err := fs.Err(); err != nil {
		return Tenant{}, err
	}
	var t Tenant
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		before, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE tenants SET rate_rps = $2, rate_burst = $3 WHERE id = $1`,
			id, l.RPS, l.Burst); err != nil {
			return err
		}
		t = before
		t.Limit, t.Custom = l, true
		return s.audit.Record(ctx, audit.Event{Action: "tenant.limits", Resource: "tenant/" + id, Outcome: "success",
			TenantID: id, Change: map[string]any{"before": before.Limit, "after": l}})
	})
	return t, err
}

// RateLimit implements identity.Tenants.
func (s *Service) RateLimit(ctx context.Context, tenantID string) (float64, int, error) {
	t, err := scan(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+cols+` FROM tenants WHERE id = $1 AND status = 'active'`, tenantID))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, problem.ErrNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	return t.Limit.RPS, t.Limit.Burst, nil
}

// Routes registers the tenant API. Permission names are the identity
// package's; they are repeated as strings here so tenancy does not depend
// on identity.
func (s *Service) Routes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/tenants", Perm: "tenants.read", Tag: "tenancy", Summary: "List tenants",
		Response: web.List[Tenant]{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			pg, err := web.PageFrom(r)
			if err != nil {
				return err
			}
			l, err := s.List(r.Context(), pg)
			if err != nil {
				return err
			}
			return web.Respond(w, r, http.StatusOK, l)
		}})
	rt.Handle(web.Route{Method: "POST", Path: "/api/v1/tenants", Perm: "tenants.manage", Tag: "tenancy", Summary: "Create a tenant",
		Request: NewTenant{}, Response: Tenant{}, Status: 201, Handler: func(w http.ResponseWriter, r *http.Request) error {
			var n NewTenant
			if err := web.Decode(r, &n); err != nil {
				return err
			}
			t, err := s.Create(r.Context(), n)
			if err != nil {
				return err
			}
			return web.Respond(w, r, http.StatusCreated, t)
		}})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/tenants/{id}", Perm: "tenants.read", Tag: "tenancy", Summary: "Get a tenant",
		Response: Tenant{}, Handler: s.handleGet})
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/tenant", Perm: "tenant.read", Tag: "tenancy", Summary: "Get the caller's tenant",
		Response: Tenant{}, Handler: func(w http.ResponseWriter, r *http.Request) error {
			sc, ok := db.ScopeFrom(r.Context())
			if !ok {
				return problem.ErrNotFound
			}
			t, err := s.Get(r.Context(), sc.TenantID)
			if err != nil {
				return err
			}
			return web.Respond(w, r, http.StatusOK, t)
		}})
	rt.Handle(web.Route{Method: "PUT", Path: "/api/v1/tenants/{id}/limits", Perm: "tenants.manage", Tag: "tenancy",
		Summary: "Set a tenant's per-key rate limit (rps 0 lifts it)", Request: Limit{}, Response: Tenant{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			var l Limit
			if err := web.Decode(r, &l); err != nil {
				return err
			}
			t, err := s.SetLimit(r.Context(), r.PathValue("id"), l)
			if err != nil {
				return err
			}
			return web.Respond(w, r, http.StatusOK, t)
		}})
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, t)
}
