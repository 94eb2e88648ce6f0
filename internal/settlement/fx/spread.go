package fx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// defaultPair is the pair key of a tenant's default spread.
const defaultPair = "*"

// MaxSpreadBPS bounds a spread: 10,000 basis points would give the
// customer nothing.
const MaxSpreadBPS = 9999

// Spreads are the spreads a tenant's quotes carry, set by the platform
// administrator: Pairs per currency pair ("EUR/USD": selling euros for
// dollars), Default for any other pair; absent, the platform's
// configured spread (PlatformBPS) applies.
type Spreads struct {
	TenantID    string         `json:"tenant_id"`
	Default     *int           `json:"default_bps"`
	Pairs       map[string]int `json:"pairs"`
	PlatformBPS int            `json:"platform_bps"`
}

// SpreadsUpdate replaces a tenant's spreads: a null default_bps and an
// empty pairs object return the tenant to the platform's spread.
type SpreadsUpdate struct {
	Default *int           `json:"default_bps"`
	Pairs   map[string]int `json:"pairs,omitempty"`
}

// Validate checks every spread and pair.
func (u SpreadsUpdate) Validate() error {
	var fs problem.Errors
	if u.Default != nil && (*u.Default < 0 || *u.Default > MaxSpreadBPS) {
		fs.Add("default_bps", "out_of_range", "min", 0, "max", MaxSpreadBPS)
	}
	keys := make([]string, 0, len(u.Pairs))
	for k := range u.Pairs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		field := "pairs." + k
		sell, buy, ok := strings.Cut(k, "/")
		switch {
		case !ok || !money.ValidCurrency(sell) || !money.ValidCurrency(buy):
			fs.Add(field, "invalid_format", "format", "SELL/BUY, two ISO 4217 codes such as EUR/USD")
		case sell == buy:
			fs.Add(field, CodeSameCurrency)
		case u.Pairs[k] < 0 || u.Pairs[k] > MaxSpreadBPS:
			fs.Add(field, "out_of_range", "min", 0, "max", MaxSpreadBPS)
		}
	}
	if len(u.Pairs) > 500 {
		fs.Add("pairs", "max_items", "max", 500)
	}
	return fs.Err()
}

// Spreads returns a tenant's spreads.
func (s *Service) Spreads(ctx context.Context, tenantID string) (Spreads, error) {
	q := s.db.Q(ctx)
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = $1`, tenantID).Scan(&n); err != nil {
		return Spreads{}, fmt.Errorf("fx: find tenant: %w", err)
	}
	if n == 0 {
		return Spreads{}, problem.ErrNotFound
	}
	rows, err := q.QueryContext(ctx, `SELECT pair, bps FROM fx_spreads WHERE tenant_id = $1 ORDER BY pair`, tenantID)
	if err != nil {
		return Spreads{}, fmt.Errorf("fx: spreads: %w", err)
	}
	defer rows.Close()
	out := Spreads{TenantID: tenantID, Pairs: map[string]int{}, PlatformBPS: s.cfg.SpreadBPS}
	for rows.Next() {
		var (
			pair string
			bps  int
		)
		if err := rows.Scan(&pair, &bps); err != nil {
			return Spreads{}, fmt.Errorf("fx: spreads: %w", err)
		}
		if pair == defaultPair {
			out.Default = &bps
		} else {
			out.Pairs[pair] = bps
		}
	}
	return out, rows.Err()
}

// SetSpreads replaces a tenant's spreads, audited with the old and new
// values. Quotes already given keep the spread they were given at.
func (s *Service) SetSpreads(ctx context.Context, tenantID string, u SpreadsUpdate) (Spreads, error) {
	if err := u.Validate(); err != nil {
		return Spreads{}, err
	}
	var out Spreads
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		old, err := s.Spreads(ctx, tenantID)
		if err != nil {
			return err
		}
		w := s.db.W(ctx)
		if _, err := w.ExecContext(ctx, `DELETE FROM fx_spreads WHERE tenant_id = $1`, tenantID); err != nil {
			return fmt.Errorf("fx: set spreads: %w", err)
		}
		now := s.cfg.Now().UTC().Truncate(time.Microsecond)
		rows := map[string]int{}
		for k, v := range u.Pairs {
			rows[k] = v
		}
		if u.Default != nil {
			rows[defaultPair] = *u.Default
		}
		for pair, bps := range rows {
			if _, err := w.ExecContext(ctx, `INSERT INTO fx_spreads (tenant_id, pair, bps, updated_at) VALUES ($1, $2, $3, $4)`,
				tenantID, pair, bps, now); err != nil {
				return fmt.Errorf("fx: set spreads: %w", err)
			}
		}
		out = Spreads{TenantID: tenantID, Default: u.Default, Pairs: map[string]int{}, PlatformBPS: s.cfg.SpreadBPS}
		for k, v := range u.Pairs {
			out.Pairs[k] = v
		}
		return s.audit.Record(ctx, audit.Event{Action: "fx.spreads.set", Resource: "tenant:" + tenantID,
			Change: map[string]any{"before": old, "after": out}})
	})
	if err != nil {
		return Spreads{}, err
	}
	return out, nil
}

// spreadFor is the spread of a tenant's quote for sell/buy: the pair's
// own, else the tenant's default, else the configured hook's, else the
// platform's.
func (s *Service) spreadFor(ctx context.Context, tenantID, sell, buy string) (int, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT pair, bps FROM fx_spreads WHERE tenant_id = $1 AND pair IN ($2, $3)`,
		tenantID, sell+"/"+buy, defaultPair)
	if err != nil {
		return 0, fmt.Errorf("fx: spread: %w", err)
	}
	defer rows.Close()
	found := map[string]int{}
	for rows.Next() {
		var (
			pair string
			bps  int
		)
		if err := rows.Scan(&pair, &bps); err != nil {
			return 0, fmt.Errorf("fx: spread: %w", err)
		}
		found[pair] = bps
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("fx: spread: %w", err)
	}
	if bps, ok := found[sell+"/"+buy]; ok {
		return bps, nil
	}
	if bps, ok := found[defaultPair]; ok {
		return bps, nil
	}
	if s.cfg.TenantSpread != nil {
		if bps, ok := s.cfg.TenantSpread(ctx, tenantID); ok {
			return bps, nil
		}
	}
	return s.cfg.SpreadBPS, nil
}

// SpreadRoutes registers the platform administrator's spread API. Spreads
// are commercial terms of a tenant, so only a holder of tenants.manage (the
// platform administrator) reads or sets them; a tenant sees the spread it
// is given on each quote.
func (s *Service) SpreadRoutes(rt *web.Router) {
	rt.Handle(web.Route{Method: "GET", Path: "/api/v1/fx/spreads/{tenant_id}", Perm: identity.PermTenantsManage, Tag: "fx",
		Summary: "Get a tenant's FX spreads", Response: Spreads{}, Handler: s.handleGetSpreads})
	rt.Handle(web.Route{Method: "PUT", Path: "/api/v1/fx/spreads/{tenant_id}", Perm: identity.PermTenantsManage, Tag: "fx",
		Summary: "Set a tenant's FX spreads", Request: SpreadsUpdate{}, Response: Spreads{},
		Description: "Replaces the tenant's spreads, in basis points (0–9999): `pairs` per SELL/BUY pair, `default_bps` for " +
			"any other pair; absent, the platform's spread. A quote's rate is the provider's executable rate × (1 − bps/10000).",
		Handler: s.handleSetSpreads})
}

func (s *Service) handleGetSpreads(w http.ResponseWriter, r *http.Request) error {
	sp, err := s.Spreads(r.Context(), r.PathValue("tenant_id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, sp)
}

func (s *Service) handleSetSpreads(w http.ResponseWriter, r *http.Request) error {
	var u SpreadsUpdate
	if err := web.Decode(r, &u); err != nil {
		return err
	}
	sp, err := s.SetSpreads(r.Context(), r.PathValue("tenant_id"), u)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, sp)
}
