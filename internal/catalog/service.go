package catalog

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service manages a tenant's products. Every method works in the tenant
// scope carried by ctx (live or sandbox) and in the transaction ctx
// carries, if any.
type Service struct {
	db    *db.DB
	audit Recorder
	now   func() time.Time
	// TempDir is where an upload is spooled between checking its rows and
	// writing them ("" is the system's temporary folder). Set it before
	// first use.
	TempDir string
}

// New returns the catalogue service.
func New(d *db.DB, rec Recorder) *Service {
	return &Service{db: d, audit: rec, now: time.Now}
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func (s *Service) tempDir() string {
	if s.TempDir != "" {
		return s.TempDir
	}
	return os.TempDir()
}

// Filter narrows a product list. Every filter is optional.
type Filter struct {
	// SKU matches exactly.
	SKU string
	// Q matches the SKU and every title, case-insensitively, anywhere.
	Q string
	// Category matches exactly.
	Category string
	// Market keeps products offered in that market.
	Market string
	// HSCode keeps products whose HS code starts with it (a chapter "95",
	// a heading "9503" or a full code).
	HSCode string
}

// Validate normalises f and reports bad parameters by name.
func (f *Filter) Validate() error {
	var fs problem.Errors
	f.SKU = strings.TrimSpace(f.SKU)
	f.Q = strings.TrimSpace(f.Q)
	f.Category = strings.TrimSpace(f.Category)
	if len(f.Q) > 200 {
		fs.Add("q", "max_length", "max", 200)
	}
	if f.Market = strings.ToUpper(strings.TrimSpace(f.Market)); f.Market != "" && !iso.Market(f.Market) {
		fs.Add("market", "invalid_market")
	}
	if f.HSCode != "" {
		c := strings.NewReplacer(".", "", " ", "").Replace(f.HSCode)
		if len(c) < 2 || len(c) > 10 || strings.Trim(c, "0123456789") != "" {
			fs.Add("hs_code", "invalid_hs_prefix")
		}
		f.HSCode = c
	}
	return fs.Err()
}

// FilterFrom reads a filter from the query parameters of r.
func FilterFrom(r *http.Request) (Filter, error) {
	q := r.URL.Query()
	f := Filter{SKU: q.Get("sku"), Q: q.Get("q"), Category: q.Get("category"), Market: q.Get("market"), HSCode: q.Get("hs_code")}
	return f, f.Validate()
}

// Create adds a product; a SKU already in use is a 409.
func (s *Service) Create(ctx context.Context, p Product) (Product, error) {
	if err := p.Validate(); err != nil {
		return Product{}, err
	}
	now := s.stamp()
	p.ID, p.Version, p.CreatedAt, p.UpdatedAt = ids.New("prd"), 1, now, now
	p = p.normalized()
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.insert(ctx, p); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "product.create", Resource: "product/" + p.ID, Change: p})
	})
	if err != nil {
		return Product{}, err
	}
	return p, nil
}

// Get returns a product by id; another tenant's product, or one on the
// other side of the sandbox, is not found.
func (s *Service) Get(ctx context.Context, id string) (Product, error) {
	return s.find(ctx, "id", id)
}

// GetBySKU returns a product by its SKU.
func (s *Service) GetBySKU(ctx context.Context, sku string) (Product, error) {
	return s.find(ctx, "sku", strings.TrimSpace(sku))
}

// GetBySKUs returns the products of the given SKUs that exist, by SKU.
func (s *Service) GetBySKUs(ctx context.Context, skus []string) (map[string]Product, error) {
	return s.findSKUs(ctx, skus)
}

// List returns one page of the products matching f, in SKU order.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Product], error) {
	if err := f.Validate(); err != nil {
		return web.List[Product]{}, err
	}
	ps, err := s.query(ctx, f, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Product]{}, err
	}
	return web.NewList(pg, ps, func(p Product) string { return p.SKU }), nil
}

// Precondition says which stored version a change is meant for. Zero
// fields make no demand.
type Precondition struct {
	// IfMatch comes from the If-Match header: a mismatch is 412.
	IfMatch int64
	// Version comes from the body: a mismatch is 409.
	Version int64
}

func (pc Precondition) check(current int64) error {
	if pc.IfMatch > 0 && pc.IfMatch != current {
		return preconditionFailed(current)
	}
	if pc.Version > 0 && pc.Version != current {
		return versionConflict(current)
	}
	return nil
}

// lost is the error for a write that lost the race to another one.
func (pc Precondition) lost(current int64) error {
	if pc.IfMatch > 0 {
		return preconditionFailed(current)
	}
	return versionConflict(current)
}

func preconditionFailed(current int64) error {
	return problem.New(http.StatusPreconditionFailed, "precondition_failed", "version", current)
}

func versionConflict(current int64) error {
	return &problem.Error{Status: http.StatusConflict, Code: "version_conflict", Params: []any{"version", current},
		Fields: []problem.Field{{Field: "version", Code: "stale_version", Params: []any{"version", current}}}}
}

// Replace overwrites product id with p (a full replacement: fields p
// leaves out are cleared). The version moves on by one, unless p changes
// nothing.
func (s *Service) Replace(ctx context.Context, id string, p Product, pc Precondition) (Product, error) {
	if err := p.Validate(); err != nil {
		return Product{}, err
	}
	var out Product
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := pc.check(cur.Version); err != nil {
			return err
		}
		next := p.normalized()
		next.ID, next.CreatedAt, next.Version, next.UpdatedAt = cur.ID, cur.CreatedAt, cur.Version, cur.UpdatedAt
		if same(cur, next) {
			out = cur
			return s.audit.Record(ctx, audit.Event{Action: "product.update", Resource: "product/" + id,
				Change: map[string]any{"before": cur, "after": cur}, Detail: "unchanged"})
		}
		next.Version, next.UpdatedAt = cur.Version+1, s.stamp()
		ok, err := s.update(ctx, next, cur.Version)
		if err != nil {
			return err
		}
		if !ok {
			return pc.lost(cur.Version + 1)
		}
		out = next
		return s.audit.Record(ctx, audit.Event{Action: "product.update", Resource: "product/" + id,
			Change: map[string]any{"before": cur, "after": next}})
	})
	return out, err
}

// Delete removes product id.
func (s *Service) Delete(ctx context.Context, id string, pc Precondition) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if err := pc.check(cur.Version); err != nil {
			return err
		}
		ok, err := s.remove(ctx, id, cur.Version)
		if err != nil {
			return err
		}
		if !ok {
			if _, err := s.Get(ctx, id); errors.Is(err, problem.ErrNotFound) {
				return err
			}
			return pc.lost(cur.Version)
		}
		return s.audit.Record(ctx, audit.Event{Action: "product.delete", Resource: "product/" + id,
			Change: map[string]any{"before": cur}})
	})
}

// same reports whether a and b hold the same product data (the platform's
// fields aside).
func same(a, b Product) bool {
	x, err1 := body(a)
	y, err2 := body(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}
