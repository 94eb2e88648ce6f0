package rules

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// SystemActor is the author and publisher of versions the platform writes
// itself: the shipped rule set and `import regulations --publish`.
const SystemActor = "system"

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// PublishHook is told about every version that comes into force: old is
// the version it replaces (nil for a new rule). It runs inside the
// publishing transaction (ctx carries it), so what it writes (an alert, an
// outbox event) commits or rolls back with the publication. It cannot fail
// the publication: a hook logs its own errors, and must not block.
type PublishHook func(ctx context.Context, old *Rule, new Rule)

// Service is the regulation database. The rules are platform-wide: every
// method works outside any tenant scope, and reads may come from any
// caller holding compliance.read.
type Service struct {
	db    *db.DB
	audit Recorder
	log   *slog.Logger
	now   func() time.Time

	mu    sync.RWMutex // guards hooks
	hooks []PublishHook
}

// New returns the rule service.
func New(d *db.DB, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, audit: rec, log: log, now: time.Now}
}

// OnPublish registers fn to run whenever a version is published. Register
// hooks while wiring, before serving.
func (s *Service) OnPublish(fn PublishHook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, fn)
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

func actorID(ctx context.Context) string {
	a := audit.ActorFrom(ctx)
	if a.Type == "system" {
		return SystemActor
	}
	return a.ID
}

// Errors of the workflow.
var (
	// ErrFourEyes refuses the author of a draft its publication.
	ErrFourEyes = &problem.Error{Status: http.StatusForbidden, Code: "four_eyes"}
	// ErrNoDraft is a publish with nothing to publish.
	ErrNoDraft = problem.Conflict("no_draft")
	// ErrNotInForce is a retirement of a rule that is not in force.
	ErrNotInForce = problem.Conflict("rule_not_in_force")
)

func changed(current int) error {
	return &problem.Error{Status: http.StatusConflict, Code: "rule_changed", Params: []any{"version", current},
		Fields: []problem.Field{{Field: "version", Code: "stale_version", Params: []any{"version", current}}}}
}

// normalized trims r's texts and fills the defaults a reader expects: an
// evidence item without a name is named from the vocabulary; dates are UTC.
func (r Rule) normalized() Rule {
	for _, p := range []*string{&r.ID, &r.Market, &r.Title, &r.Authority, &r.Reference, &r.SourceURL,
		&r.Requirement, &r.Action, &r.Severity, &r.Notes} {
		*p = strings.TrimSpace(*p)
	}
	r.Evidence = slices.Clone(r.Evidence)
	for i, e := range r.Evidence {
		if strings.TrimSpace(e.Name) == "" {
			r.Evidence[i].Name = EvidenceCodes[e.Code]
		}
	}
	r.EffectiveFrom = r.EffectiveFrom.UTC()
	if r.EffectiveTo != nil {
		t := r.EffectiveTo.UTC()
		r.EffectiveTo = &t
	}
	if len(r.Translations) > 0 {
		r.Translations = maps.Clone(r.Translations)
	}
	return r
}

// content is what an author wrote: r without the platform's fields, the
// part two versions are compared by.
func (r Rule) content() Rule {
	r.Version, r.Status = 0, ""
	r.AuthorID, r.PublishedBy, r.PublishedAt, r.CreatedAt, r.SupersededAt = "", "", nil, time.Time{}, nil
	return r
}

// InForceAt reports whether the published version r applies at t.
func (r Rule) InForceAt(t time.Time) bool {
	return r.PublishedAt != nil && r.SupersededAt == nil && !t.Before(r.EffectiveFrom) &&
		(r.EffectiveTo == nil || t.Before(*r.EffectiveTo))
}

// Draft stores r as a new draft version: version 1 of a new rule, or the
// next version of an existing one. When r names the version it was edited
// from, a rule that has moved on since is a 409.
func (s *Service) Draft(ctx context.Context, r Rule) (Rule, error) {
	r = r.normalized()
	if err := r.Validate(); err != nil {
		return Rule{}, err
	}
	var out Rule
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		latest, err := s.latest(ctx, r.ID)
		if err != nil && !errors.Is(err, problem.ErrNotFound) {
			return err
		}
		if r.Version != 0 && r.Version != latest.Version {
			return changed(latest.Version)
		}
		out, err = s.insert(ctx, r, latest.Version+1, Draft, actorID(ctx), false)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.rule.draft", Resource: resource(out), Change: out.content()})
	})
	return out, err
}

func resource(r Rule) string { return "compliance_rule:" + r.ID + "@" + itoa(r.Version) }

// Publish brings the latest draft of id into force, superseding the
// version in force. The author of the draft may not publish it: two
// people, always (403 four_eyes). The system actor is exempt, and is
// audited as itself.
func (s *Service) Publish(ctx context.Context, id string) (Rule, error) {
	var out Rule
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		d, err := s.latest(ctx, id)
		if err != nil {
			return err
		}
		if d.PublishedAt != nil {
			return ErrNoDraft
		}
		who := actorID(ctx)
		if who == d.AuthorID && who != SystemActor {
			return ErrFourEyes
		}
		out, err = s.publish(ctx, d, who)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.rule.publish", Resource: resource(out),
			Change: map[string]any{"id": out.ID, "version": out.Version, "author": out.AuthorID, "status": out.Status}})
	})
	return out, err
}

// publish marks draft d published by who, supersedes the version in force
// and tells the hooks. It runs in the caller's transaction.
func (s *Service) publish(ctx context.Context, d Rule, who string) (Rule, error) {
	old, err := s.inForce(ctx, d.ID)
	var prev *Rule
	switch {
	case err == nil:
		prev = &old
	case !errors.Is(err, problem.ErrNotFound):
		return Rule{}, err
	}
	now := s.stamp()
	if prev != nil {
		if _, err := s.db.W(ctx).ExecContext(ctx, `UPDATE compliance_rules SET superseded_at = $1
			WHERE id = $2 AND version = $3 AND superseded_at IS NULL`, now, prev.ID, prev.Version); err != nil {
			return Rule{}, wrap("supersede", err)
		}
	}
	status := publishedStatus(d)
	res, err := s.db.W(ctx).ExecContext(ctx, `UPDATE compliance_rules SET status = $1, publisher = $2, published_at = $3
		WHERE id = $4 AND version = $5 AND published_at IS NULL`, status, who, now, d.ID, d.Version)
	if err != nil {
		if db.IsUnique(err) {
			return Rule{}, problem.ErrConflict
		}
		return Rule{}, wrap("publish", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Rule{}, ErrNoDraft
	}
	d.Status, d.PublishedBy, d.PublishedAt = status, who, &now
	s.mu.RLock()
	hooks := slices.Clone(s.hooks)
	s.mu.RUnlock()
	for _, h := range hooks {
		h(ctx, prev, d)
	}
	return d, nil
}

// Retire makes a draft that ends the rule in force on to (a date that may
// lie ahead); like any draft it comes into force when another officer
// publishes it, and the rule then lists as retired.
func (s *Service) Retire(ctx context.Context, id string, to time.Time) (Rule, error) {
	var out Rule
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.inForce(ctx, id)
		if errors.Is(err, problem.ErrNotFound) {
			return ErrNotInForce
		}
		if err != nil {
			return err
		}
		latest, err := s.latest(ctx, id)
		if err != nil {
			return err
		}
		r := cur.content()
		t := to.UTC()
		r.EffectiveTo = &t
		r.ID = cur.ID
		var fs problem.Errors
		if to.IsZero() {
			fs.Add("effective_to", "required")
		} else if !t.After(r.EffectiveFrom) {
			fs.Add("effective_to", "date_after", "from", r.EffectiveFrom.Format(time.DateOnly))
		}
		if err := fs.Err(); err != nil {
			return err
		}
		out, err = s.insert(ctx, r, latest.Version+1, Draft, actorID(ctx), false)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "compliance.rule.retire", Resource: resource(out),
			Change: map[string]any{"id": out.ID, "version": out.Version, "effective_to": t}})
	})
	return out, err
}

// Get returns version n of id, or with n = 0 the version in force.
func (s *Service) Get(ctx context.Context, id string, n int) (Rule, error) {
	if n > 0 {
		return s.version(ctx, id, n)
	}
	return s.inForce(ctx, id)
}

// Latest returns the newest version of id, draft or not: what an officer
// edits.
func (s *Service) Latest(ctx context.Context, id string) (Rule, error) { return s.latest(ctx, id) }

// Versions returns every version of id, newest first.
func (s *Service) Versions(ctx context.Context, id string) ([]Rule, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+cols+` FROM compliance_rules WHERE id = $1 ORDER BY version DESC`, id)
	if err != nil {
		return nil, wrap("versions", err)
	}
	rs, err := db.Collect(rows, scan)
	if err != nil {
		return nil, wrap("versions", err)
	}
	if len(rs) == 0 {
		return nil, problem.ErrNotFound
	}
	return rs, nil
}

// InForce returns every rule in force at at, in every market, ordered by
// id: the rule engine's input.
func (s *Service) InForce(ctx context.Context, at time.Time) ([]Rule, error) {
	rs, err := s.published(ctx, nil, "")
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rs, func(r Rule) bool { return !r.InForceAt(at) }), nil
}

// Generation is a number that grows whenever a version is published (the
// count of publications, which only ever grow). The rule engine caches its
// index under it and rebuilds when it changes. Rules also enter and leave
// force by their dates without a publication: a cache must also be keyed by
// the day, or filter by InForceAt.
func (s *Service) Generation(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM compliance_rules WHERE published_at IS NOT NULL`).Scan(&n)
	return n, wrap("generation", err)
}

// Filter narrows a rule list. Every field is optional.
type Filter struct {
	// Market keeps the rules that apply there: its own, its country's for
	// a subdivision, the EU's for a member state, and GLOBAL ones.
	Market string
	// Severity matches exactly.
	Severity string
	// Q matches the id, title, authority, reference and translated titles.
	Q string
	// HS keeps rules selecting products by an HS prefix that covers the
	// code, or lies within it ("*" covers every code).
	HS string
	// Status is "" (in force now), "draft" (rules whose newest version
	// awaits publication; compliance officers only), "retired" (retirement
	// versions in force, also past their end) or "published" (every version
	// in force, also not yet or no longer effective).
	Status string
}

// ListStatuses are the values of Filter.Status besides "".
var ListStatuses = []string{Draft, Published, Retired}

// Validate normalises f and reports bad parameters by name.
func (f *Filter) Validate() error {
	var fs problem.Errors
	f.Market = strings.ToUpper(strings.TrimSpace(f.Market))
	if f.Market != "" && !ValidMarket(f.Market) {
		fs.Add("market", "invalid_rule_market")
	}
	f.Severity = strings.TrimSpace(f.Severity)
	if f.Severity != "" && !slices.Contains(Severities, f.Severity) {
		fs.Add("severity", "one_of", "values", strings.Join(Severities, ", "))
	}
	f.Q = strings.TrimSpace(f.Q)
	if len(f.Q) > 200 {
		fs.Add("q", "max_length", "max", 200)
	}
	if f.HS != "" {
		f.HS = strings.NewReplacer(".", "", " ", "").Replace(f.HS)
		if !hsPrefix.MatchString(f.HS) {
			fs.Add("hs", "invalid_hs_prefix")
		}
	}
	if f.Status != "" && !slices.Contains(ListStatuses, f.Status) {
		fs.Add("status", "one_of", "values", strings.Join(ListStatuses, ", "))
	}
	return fs.Err()
}

// List returns one page of the rules matching f, in id order. The whole
// rule set is a few thousand rows at most, so filters that read the body
// (dates, HS prefixes) run here rather than in SQL.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Rule], error) {
	if err := f.Validate(); err != nil {
		return web.List[Rule]{}, err
	}
	var markets []string
	if f.Market != "" {
		markets = Lineage(f.Market)
	}
	var (
		rs  []Rule
		err error
	)
	if f.Status == Draft {
		rs, err = s.drafts(ctx, markets, f.Q)
	} else {
		rs, err = s.published(ctx, markets, f.Q)
	}
	if err != nil {
		return web.List[Rule]{}, err
	}
	now := s.now()
	rs = slices.DeleteFunc(rs, func(r Rule) bool {
		switch {
		case f.Severity != "" && r.Severity != f.Severity:
			return true
		case f.HS != "" && !coversHS(r.AppliesTo.HS, f.HS):
			return true
		case f.Status == "" && !r.InForceAt(now):
			return true
		case f.Status == Retired && r.Status != Retired:
			return true
		}
		return pg.After != "" && r.ID <= pg.After
	})
	if n := pg.FetchLimit(); len(rs) > n {
		rs = rs[:n]
	}
	return web.NewList(pg, rs, func(r Rule) string { return r.ID }), nil
}

func coversHS(prefixes []string, code string) bool {
	for _, p := range prefixes {
		if p == "*" || strings.HasPrefix(code, p) || strings.HasPrefix(p, code) {
			return true
		}
	}
	return false
}

// searchText is what ?q= matches, lower-cased in Go so that both engines
// compare alike.
func searchText(r Rule) string {
	parts := []string{r.ID, r.Title, r.Authority, r.Reference}
	for _, k := range sortedKeys(r.Translations) {
		parts = append(parts, r.Translations[k].Title)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
