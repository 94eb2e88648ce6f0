package checks

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// RuleSource gives the rules in force at a time (package rules' Service).
type RuleSource interface {
	InForce(ctx context.Context, at time.Time) ([]rules.Rule, error)
}

// Generationer is what a RuleSource may add: a number that moves on
// whenever its rules change, so that the engine is rebuilt only then.
type Generationer interface {
	Generation(ctx context.Context) (int64, error)
}

// StaticRules is a RuleSource over a fixed list (tests, or a deployment
// without the rule store).
type StaticRules []rules.Rule

// InForce returns the rules of s in force at at.
func (s StaticRules) InForce(_ context.Context, at time.Time) ([]rules.Rule, error) {
	out := make([]rules.Rule, 0, len(s))
	for _, r := range s {
		if !r.EffectiveFrom.After(at) && (r.EffectiveTo == nil || r.EffectiveTo.After(at)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Products is the catalogue as the checker uses it.
type Products interface {
	Get(ctx context.Context, id string) (catalog.Product, error)
	GetBySKU(ctx context.Context, sku string) (catalog.Product, error)
	GetBySKUs(ctx context.Context, skus []string) (map[string]catalog.Product, error)
	List(ctx context.Context, f catalog.Filter, pg web.Page) (web.List[catalog.Product], error)
}

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the service. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	Now func() time.Time
	// Refresh is how long a compiled engine is used before the rules are
	// read again when the source has no generation number, and how often
	// the generation is asked otherwise (1 minute and 5 seconds).
	Refresh time.Duration
}

// Service runs checks and keeps them.
type Service struct {
	db       *db.DB
	src      RuleSource
	products Products
	audit    Recorder
	jobs     *jobs.Queue
	log      *slog.Logger
	now      func() time.Time
	refresh  time.Duration
	lists    ListLookup

	mu      sync.Mutex
	eng     *Engine
	gen     int64
	builtAt time.Time
	day     string
	askedAt time.Time
}

// New returns the check service.
func New(d *db.DB, src RuleSource, products Products, rec Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{db: d, src: src, products: products, audit: rec, log: cfg.Log, now: cfg.Now, refresh: cfg.Refresh,
		lists: ProductLists()}
	return s
}

// UseLists replaces the list data product rules read (the embedded
// product lists by default); nil leaves list facts to what products state.
func (s *Service) UseLists(l ListLookup) { s.lists = l }

// Lists is the list data the service's checks read, for callers that run
// the engine themselves (re-checks after a rule change).
func (s *Service) Lists() ListLookup { return s.lists }

// Engine returns the compiled engine over the rules in force now,
// rebuilding it when the rules have changed (a new generation, a new day
// for rules that come into force by date, or the refresh interval for a
// source without generations).
func (s *Service) Engine(ctx context.Context) (*Engine, int64, error) {
	now := s.now().UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	day := now.Format(time.DateOnly)
	stale := s.eng == nil || s.day != day
	g, hasGen := s.src.(Generationer)
	refresh := s.refresh
	switch {
	case stale:
	case hasGen:
		if refresh <= 0 {
			refresh = 5 * time.Second
		}
		if now.Sub(s.askedAt) >= refresh {
			n, err := g.Generation(ctx)
			if err != nil {
				return nil, 0, err
			}
			s.askedAt = now
			stale = n != s.gen
		}
	default:
		if refresh <= 0 {
			refresh = time.Minute
		}
		stale = now.Sub(s.builtAt) >= refresh
	}
	if !stale {
		return s.eng, s.gen, nil
	}
	var gen int64
	if hasGen {
		n, err := g.Generation(ctx)
		if err != nil {
			return nil, 0, err
		}
		gen = n
	}
	rs, err := s.src.InForce(ctx, now)
	if err != nil {
		return nil, 0, fmt.Errorf("checks: rules in force: %w", err)
	}
	s.eng, s.gen, s.builtAt, s.day, s.askedAt = Compile(rs), gen, now, day, now
	return s.eng, s.gen, nil
}

// Request is the body of POST /api/v1/compliance/checks.
type Request struct {
	ProductID string           `json:"product_id,omitempty"`
	Product   *catalog.Product `json:"product,omitempty"`
	Markets   []string         `json:"markets"`
	Transport string           `json:"transport,omitempty"`
}

// XMLRoot names the request's XML element.
func (Request) XMLRoot() string { return "check_request" }

// maxMarkets bounds one check.
const maxMarkets = 30

// Validate normalises r and names every field at fault.
func (r *Request) Validate() error {
	var fs problem.Errors
	r.ProductID = strings.TrimSpace(r.ProductID)
	switch {
	case r.ProductID == "" && r.Product == nil:
		fs.Add("product_id", "required")
	case r.ProductID != "" && r.Product != nil:
		fs.Add("product", "invalid_value", "reason", "give product_id or product, not both")
	case r.Product != nil:
		if strings.TrimSpace(r.Product.SKU) == "" {
			r.Product.SKU = "UNSAVED"
		}
		if err := r.Product.Validate(); err != nil {
			if pe, ok := problem.As(err); ok {
				for _, f := range pe.Fields {
					fs.Add("product."+f.Field, f.Code, f.Params...)
				}
			} else {
				return err
			}
		}
	}
	validateMarkets(&fs, &r.Markets)
	r.Transport = strings.ToLower(strings.TrimSpace(r.Transport))
	validateTransport(&fs, r.Transport)
	return fs.Err()
}

func validateMarkets(fs *problem.Errors, ms *[]string) {
	if len(*ms) == 0 {
		fs.Add("markets", "required")
		return
	}
	if len(*ms) > maxMarkets {
		fs.Add("markets", "max_items", "max", maxMarkets)
		return
	}
	var out []string
	for i, m := range *ms {
		m = strings.ToUpper(strings.TrimSpace(m))
		if m == "GB" {
			m = "UK"
		}
		if m == "" || m == rules.Global || !(iso.Market(m) || rules.ValidMarket(m)) {
			fs.Add(fmt.Sprintf("markets[%d]", i), "invalid_market")
			continue
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	*ms = out
}

func validateTransport(fs *problem.Errors, t string) {
	if t != "" && !slices.Contains(rules.Transports, t) {
		fs.Add("transport", "one_of", "values", strings.Join(rules.Transports, ", "))
	}
}

// Check is a stored check: the contract's {id, verdict, findings} and
// what an auditor needs to see how the verdict came about.
type Check struct {
	ID        string    `json:"id"`
	Verdict   string    `json:"verdict"`
	Findings  []Finding `json:"findings"`
	ProductID string    `json:"product_id,omitempty"`
	OrderID   string    `json:"order_id,omitempty"`
	SKU       string    `json:"sku"`
	Markets   []string  `json:"markets"`
	Transport string    `json:"transport,omitempty"`
	// Product is the product as it was checked.
	Product catalog.Product `json:"product"`
	// Rules are the rule versions evaluated; RuleGeneration the rule
	// store's generation at the time.
	Rules          []RuleRef            `json:"rules"`
	RuleGeneration int64                `json:"rule_generation,omitempty"`
	Facts          map[string]FactValue `json:"facts"`
	Counts         Counts               `json:"counts"`
	CreatedBy      string               `json:"created_by,omitempty"`
	CreatedAt      time.Time            `json:"created_at"`
}

// XMLRoot names a check's XML element.
func (Check) XMLRoot() string { return "check" }

// Counts are the findings of a check by status.
type Counts struct {
	Fail int `json:"fail"`
	Warn int `json:"warn"`
	Pass int `json:"pass"`
}

func countsOf(fs []Finding) Counts {
	var c Counts
	for _, f := range fs {
		switch f.Status {
		case StatusFail:
			c.Fail++
		case StatusWarn:
			c.Warn++
		default:
			c.Pass++
		}
	}
	return c
}

// Summary is a check in a list: everything but the findings, facts and
// product snapshot.
type Summary struct {
	ID        string    `json:"id"`
	Verdict   string    `json:"verdict"`
	ProductID string    `json:"product_id,omitempty"`
	OrderID   string    `json:"order_id,omitempty"`
	SKU       string    `json:"sku"`
	Title     string    `json:"title,omitempty"`
	Markets   []string  `json:"markets"`
	Transport string    `json:"transport,omitempty"`
	Counts    Counts    `json:"counts"`
	CreatedAt time.Time `json:"created_at"`
}

// XMLRoot names a summary's XML element.
func (Summary) XMLRoot() string { return "check" }

// Run checks a product without storing anything.
func (s *Service) run(ctx context.Context, p catalog.Product, markets []string, transport string) (Check, error) {
	eng, gen, err := s.Engine(ctx)
	if err != nil {
		return Check{}, err
	}
	res := eng.Check(Input{Product: &p, Markets: markets, Transport: transport, Lists: s.lists})
	c := Check{ID: ids.New("chk"), Verdict: res.Verdict, Findings: res.Findings, ProductID: p.ID, SKU: p.SKU,
		Markets: markets, Transport: transport, Product: p, Rules: res.Rules, RuleGeneration: gen, Facts: res.Facts,
		Counts: countsOf(res.Findings), CreatedBy: audit.ActorFrom(ctx).ID, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	if c.Rules == nil {
		c.Rules = []RuleRef{}
	}
	return c, nil
}

// Check runs and stores the check r asks for. An unknown product_id is
// problem.ErrNotFound.
func (s *Service) Check(ctx context.Context, r Request) (Check, error) {
	if err := r.Validate(); err != nil {
		return Check{}, err
	}
	var p catalog.Product
	if r.ProductID != "" {
		var err error
		if p, err = s.products.Get(ctx, r.ProductID); err != nil {
			return Check{}, err
		}
	} else {
		p = *r.Product
		p.ID, p.Version = "", 0
	}
	c, err := s.run(ctx, p, r.Markets, r.Transport)
	if err != nil {
		return Check{}, err
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.insert(ctx, c); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.check", Resource: "compliance_check/" + c.ID,
			Change: map[string]any{"verdict": c.Verdict, "product_id": c.ProductID, "sku": c.SKU, "markets": c.Markets,
				"transport": c.Transport, "rules": c.Rules}})
	})
	if err != nil {
		return Check{}, err
	}
	return c, nil
}

// Get returns a stored check of the caller's scope.
func (s *Service) Get(ctx context.Context, id string) (Check, error) {
	return s.get(ctx, id)
}

// Filter narrows a check list.
type Filter struct {
	ProductID string
	OrderID   string
	Verdict   string
}

// Validate names bad filter values.
func (f *Filter) Validate() error {
	var fs problem.Errors
	f.ProductID, f.OrderID = strings.TrimSpace(f.ProductID), strings.TrimSpace(f.OrderID)
	f.Verdict = strings.ToLower(strings.TrimSpace(f.Verdict))
	if f.Verdict != "" && !slices.Contains(Verdicts, f.Verdict) {
		fs.Add("verdict", "one_of", "values", strings.Join(Verdicts, ", "))
	}
	return fs.Err()
}

// List returns a page of the caller's checks, newest first.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Summary], error) {
	if err := f.Validate(); err != nil {
		return web.List[Summary]{}, err
	}
	items, err := s.query(ctx, f, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Summary]{}, err
	}
	return web.NewList(pg, items, func(c Summary) string { return c.ID }), nil
}

func titleOf(p catalog.Product, lang string) string {
	if t := p.Title[lang]; t != "" {
		return t
	}
	for _, k := range []string{"en", "zh-CN"} {
		if t := p.Title[k]; t != "" {
			return t
		}
	}
	for _, t := range p.Title {
		return t
	}
	return ""
}
