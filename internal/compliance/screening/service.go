package screening

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Lists is what screening needs of package sanctions: the lists in force
// and a number that changes when they do.
type Lists interface {
	Current(ctx context.Context) ([]sanctions.Version, []sanctions.Entry, error)
	Generation(ctx context.Context) (int64, error)
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Config tunes the service.
type Config struct {
	Log *slog.Logger
	Now func() time.Time
	// Recheck is how often a screening asks the store whether the lists
	// changed (1 s): other processes import lists too.
	Recheck time.Duration
}

// Service screens parties against the lists in force and keeps review
// cases, cleared false positives and known counterparties per tenant.
type Service struct {
	db     *db.DB
	lists  Lists
	audit  Recorder
	events Publisher
	jobs   *jobs.Queue
	log    *slog.Logger
	now    func() time.Time
	cfg    Config

	swap     sync.Mutex  // orders the stores of snap
	building atomic.Bool // a rebuild is under way
	snap     atomic.Pointer[snapshot]
	checked  atomic.Int64 // unix nanoseconds of the last generation check
}

// snapshot is one list generation: the versions in force and the index
// built from their entries. Every decision names the versions it used.
type snapshot struct {
	gen      int64
	versions []ListVersion
	index    *Index
	// products holds the imported product lists (FCC Covered List, UFLPA
	// Entity List), one index each: product rules read them, party
	// screening does not.
	products map[string]ProductList
}

// ProductList is an imported product list's index and version.
type ProductList struct {
	Index   *Index
	Version string
}

// ListVersion is the version of one list a decision was made against.
type ListVersion struct {
	List        string    `json:"list"`
	Version     string    `json:"version"`
	PublishedAt time.Time `json:"published_at,omitzero"`
	SHA256      string    `json:"sha256,omitempty"`
}

// New returns the screening service.
func New(d *db.DB, lists Lists, rec Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Recheck <= 0 {
		cfg.Recheck = time.Second
	}
	return &Service{db: d, lists: lists, audit: rec, log: cfg.Log, now: cfg.Now, cfg: cfg}
}

// UsePublisher makes the service announce screening.hit through p.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

// Invalidate makes the next screening check the list generation at once
// (the list service calls it after an import).
func (s *Service) Invalidate() { s.checked.Store(0) }

// current returns the index of the lists in force, building it when the
// generation changed. The index is shared by every request until the
// next change.
//
// No lock is held while the lists are read: on SQLite a reader inside a
// request holds the writer, and a builder waiting for both would
// deadlock. While one caller rebuilds, the others keep screening against
// the previous lists (their decisions name those versions); only when no
// list is loaded yet does every caller build for itself.
func (s *Service) current(ctx context.Context) (*snapshot, error) {
	sn := s.snap.Load()
	now := s.now().UnixNano()
	if sn != nil && now-s.checked.Load() < int64(s.cfg.Recheck) {
		return sn, nil
	}
	gen, err := s.lists.Generation(ctx)
	if err != nil {
		if sn != nil {
			// A store hiccup must not stop screening against the lists
			// already loaded.
			s.log.Warn("screening: list generation", "err", err)
			return sn, nil
		}
		return nil, err
	}
	if sn != nil && sn.gen == gen {
		s.checked.Store(now)
		return sn, nil
	}
	loaded := sn != nil && len(sn.versions) > 0
	if loaded {
		if !s.building.CompareAndSwap(false, true) {
			return sn, nil
		}
		defer s.building.Store(false)
	}
	// In the caller's transaction when there is one. The ListsUpdated hook
	// builds ahead, so a request rarely builds.
	vs, entries, err := s.lists.Current(ctx)
	if err != nil {
		if sn != nil {
			s.log.Warn("screening: reload lists", "err", err)
			return sn, nil
		}
		return nil, err
	}
	start := time.Now()
	party, byProduct := splitProductLists(entries)
	n := &snapshot{gen: gen, index: Build(party), products: map[string]ProductList{}}
	for _, v := range vs {
		if sanctions.IsProductList(v.List) {
			n.products[v.List] = ProductList{Index: Build(byProduct[v.List]), Version: v.Version}
			continue
		}
		n.versions = append(n.versions, ListVersion{List: v.List, Version: v.Version, PublishedAt: v.PublishedAt, SHA256: v.SHA256})
	}
	s.swap.Lock()
	if cur := s.snap.Load(); cur == nil || cur.gen <= n.gen {
		s.snap.Store(n)
		s.checked.Store(now)
	}
	s.swap.Unlock()
	ne, nn := n.index.Len()
	s.log.Info("screening: index built", "generation", gen, "entries", ne, "names", nn, "took", time.Since(start))
	return n, nil
}

// splitProductLists separates the product lists' entries from the
// parties' lists.
func splitProductLists(entries []sanctions.Entry) (party []sanctions.Entry, products map[string][]sanctions.Entry) {
	products = map[string][]sanctions.Entry{}
	party = make([]sanctions.Entry, 0, len(entries))
	for _, e := range entries {
		if sanctions.IsProductList(e.List) {
			products[e.List] = append(products[e.List], e)
			continue
		}
		party = append(party, e)
	}
	return party, products
}

// ImportedProductList returns the index of an imported product list as
// last loaded, without touching the store: product checks must answer
// from memory. ok is false until a version of list has been imported
// and loaded (Warm, or any screening, loads it).
func (s *Service) ImportedProductList(list string) (ProductList, bool) {
	sn := s.snap.Load()
	if sn == nil {
		return ProductList{}, false
	}
	pl, ok := sn.products[list]
	return pl, ok
}

// Warm builds the index ahead of the first screening.
func (s *Service) Warm(ctx context.Context) error {
	_, err := s.current(ctx)
	return err
}

// Request is one name to screen (CONTRACT.md).
type Request struct {
	Name    string `json:"name"`
	Type    string `json:"type,omitempty"`
	Country string `json:"country,omitempty"`
}

// Validate checks a request.
func (r *Request) Validate() error {
	var fs problem.Errors
	r.Name = strings.TrimSpace(r.Name)
	switch {
	case r.Name == "":
		fs.Add("name", "required")
	case utf8.RuneCountInString(r.Name) > 300:
		fs.Add("name", "max_length", "max", 300)
	}
	switch r.Type {
	case "", sanctions.Person, sanctions.Entity, sanctions.Vessel, sanctions.Aircraft:
	default:
		fs.Add("type", "one_of", "values", "person, entity, vessel, aircraft")
	}
	r.Country = strings.ToUpper(strings.TrimSpace(r.Country))
	if r.Country != "" && (len(r.Country) != 2 || r.Country[0] < 'A' || r.Country[0] > 'Z' || r.Country[1] < 'A' || r.Country[1] > 'Z') {
		fs.Add("country", "invalid_format", "format", "ISO 3166-1 alpha-2, e.g. DE")
	}
	return fs.Err()
}

// Result is a screening decision.
type Result struct {
	ID           string        `json:"id"`
	Matches      []Match       `json:"matches"`
	ListVersions []ListVersion `json:"list_versions"`
	// CaseID names the review case a potential match opened (or joined).
	CaseID string `json:"case_id,omitempty"`
}

// party is a counterparty to screen and where it came from.
type party struct {
	Name, Type, Country string
	Source, SourceRef   string // api, order, rescreen; the order id
}

// Sources of a screening.
const (
	SourceAPI      = "api"
	SourceOrder    = "order"
	SourceRescreen = "rescreen"
)

// Screen screens one name on demand for the caller's tenant, records the
// decision and opens a review case for a potential match.
func (s *Service) Screen(ctx context.Context, r Request) (Result, error) {
	if err := r.Validate(); err != nil {
		return Result{}, err
	}
	return s.screenParty(ctx, party{Name: r.Name, Type: r.Type, Country: r.Country, Source: SourceAPI})
}

// PartyKey is the normalised form of a party's name that cleared false
// positives and known counterparties are kept under: word order, case,
// diacritics, script, honorifics and legal forms do not change it.
func PartyKey(name string) string {
	toks := analyze(name)
	ws := make([]string, len(toks))
	for i, t := range toks {
		ws[i] = t.raw
	}
	slices.Sort(ws)
	return strings.Join(ws, " ")
}

func (s *Service) screenParty(ctx context.Context, p party) (Result, error) {
	sn, err := s.current(ctx)
	if err != nil {
		return Result{}, err
	}
	if len(sn.versions) == 0 {
		return Result{}, errNoLists
	}
	ms := sn.index.Screen(Query{Name: p.Name, Type: p.Type, Country: p.Country})
	if ms == nil {
		ms = []Match{}
	}
	key := PartyKey(p.Name)
	res := Result{ID: ids.New("scr"), Matches: ms, ListVersions: sn.versions}
	if res.ListVersions == nil {
		res.ListVersions = []ListVersion{}
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		// Clearances only matter for a match strong enough to be a hit,
		// which most parties do not have: they skip the lookup.
		var cleared map[string]string
		if slices.ContainsFunc(ms, func(m Match) bool { return m.Score >= Potential }) {
			if cleared, err = clearances(ctx, q, key); err != nil {
				return err
			}
		}
		var hits []Match
		for i := range ms {
			m := &ms[i]
			if m.Score < Potential {
				continue
			}
			m.EntryHash = sn.index.entryHash(m.List, m.EntryID)
			if h, ok := cleared[m.List+"/"+m.EntryID]; ok && h == m.EntryHash {
				m.Cleared = true
				continue
			}
			hits = append(hits, *m)
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if len(hits) > 0 {
			if res.CaseID, err = s.openCase(ctx, q, p, key, hits, sn.versions, now); err != nil {
				return err
			}
		}
		top := 0.0
		if len(ms) > 0 {
			top = ms[0].Score
		}
		mj, _ := json.Marshal(ms)
		vj, _ := json.Marshal(res.ListVersions)
		if _, err := q.ExecContext(ctx, `INSERT INTO screenings (tenant_id, sandbox, id, party_key, name, source,
			source_ref, top_score, matches, list_versions, case_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			res.ID, key, p.Name, p.Source, p.SourceRef, top, string(mj), string(vj), res.CaseID, now); err != nil {
			return fmt.Errorf("screening: record: %w", err)
		}
		if key != "" {
			if _, err := q.ExecContext(ctx, `INSERT INTO screening_parties (tenant_id, sandbox, party_key, name,
				party_type, country, source, source_ref, first_seen, screened_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
				ON CONFLICT (tenant_id, sandbox, party_key) DO UPDATE SET screened_at = excluded.screened_at`,
				key, p.Name, p.Type, p.Country, p.Source, p.SourceRef, now); err != nil {
				return fmt.Errorf("screening: remember party: %w", err)
			}
		}
		if p.Source == SourceAPI {
			return s.audit.Record(ctx, audit.Event{Action: "screening.screen", Resource: "screening/" + res.ID,
				Change: map[string]any{"top_score": top, "case_id": res.CaseID, "list_versions": res.ListVersions}})
		}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

func clearances(ctx context.Context, q db.Tenanted, key string) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT list, entry_id, entry_hash FROM screening_clearances
		WHERE tenant_id = $1 AND sandbox = $2 AND party_key = $3`, key)
	if err != nil {
		return nil, fmt.Errorf("screening: clearances: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var l, id, h string
		if err := rows.Scan(&l, &id, &h); err != nil {
			return nil, err
		}
		out[l+"/"+id] = h
	}
	return out, rows.Err()
}

// openCase opens a review case for the hits, or adds them to the party's
// case that is still open: one party, one open case.
func (s *Service) openCase(ctx context.Context, q db.Tenanted, p party, key string, hits []Match,
	versions []ListVersion, now time.Time) (string, error) {
	var id, mj string
	err := q.QueryRowContext(ctx, `SELECT id, matches FROM screening_cases WHERE tenant_id = $1 AND sandbox = $2
		AND party_key = $3 AND status = 'open' ORDER BY id LIMIT 1`, key).Scan(&id, &mj)
	switch {
	case err == nil:
		var old []Match
		_ = json.Unmarshal([]byte(mj), &old)
		merged := mergeMatches(old, hits)
		nj, _ := json.Marshal(merged)
		vj, _ := json.Marshal(versions)
		if _, err := q.ExecContext(ctx, `UPDATE screening_cases SET matches = $4, list_versions = $5, top_score = $6
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id, string(nj), string(vj), merged[0].Score); err != nil {
			return "", fmt.Errorf("screening: update case: %w", err)
		}
		return id, nil
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("screening: find case: %w", err)
	}
	if p.Source == SourceRescreen {
		// A hit a reviewer already confirmed for this party is not news.
		confirmed, err := confirmedEntries(ctx, q, key)
		if err != nil {
			return "", err
		}
		hits = slices.DeleteFunc(hits, func(m Match) bool { return confirmed[m.List+"/"+m.EntryID+"/"+m.EntryHash] })
		if len(hits) == 0 {
			return "", nil
		}
	}
	c := Case{ID: ids.New("scase"), PartyName: p.Name, PartyType: p.Type, Country: p.Country, Source: p.Source,
		SourceRef: p.SourceRef, Status: StatusOpen, TopScore: hits[0].Score, Matches: hits, ListVersions: versions,
		CreatedAt: now}
	nj, _ := json.Marshal(c.Matches)
	vj, _ := json.Marshal(c.ListVersions)
	if _, err := q.ExecContext(ctx, `INSERT INTO screening_cases (tenant_id, sandbox, id, party_key, party_name,
		party_type, country, source, source_ref, status, top_score, matches, list_versions, reviewer, note, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, '', '', $13)`,
		c.ID, key, c.PartyName, c.PartyType, c.Country, c.Source, c.SourceRef, c.TopScore, string(nj), string(vj),
		c.CreatedAt); err != nil {
		return "", fmt.Errorf("screening: open case: %w", err)
	}
	if s.events != nil {
		if err := s.events.Publish(ctx, events.Event{Type: events.ScreeningHit, ResourceID: c.ID, Data: c}); err != nil {
			return "", err
		}
	}
	if err := s.audit.Record(ctx, audit.Event{Action: "screening.case.open", Resource: "screening_case/" + c.ID,
		Change: map[string]any{"source": c.Source, "source_ref": c.SourceRef, "top_score": c.TopScore,
			"list_versions": versions}}); err != nil {
		return "", err
	}
	return c.ID, nil
}

func confirmedEntries(ctx context.Context, q db.Tenanted, key string) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT matches FROM screening_cases WHERE tenant_id = $1 AND sandbox = $2
		AND party_key = $3 AND status = 'confirmed'`, key)
	if err != nil {
		return nil, fmt.Errorf("screening: confirmed cases: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var mj string
		if err := rows.Scan(&mj); err != nil {
			return nil, err
		}
		var ms []Match
		_ = json.Unmarshal([]byte(mj), &ms)
		for _, m := range ms {
			out[m.List+"/"+m.EntryID+"/"+m.EntryHash] = true
		}
	}
	return out, rows.Err()
}

func mergeMatches(old, hits []Match) []Match {
	out := slices.Clone(hits)
	for _, m := range old {
		if !slices.ContainsFunc(out, func(h Match) bool { return h.List == m.List && h.EntryID == m.EntryID }) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	return out
}

// entryHash is a digest of an entry as the lists state it now: a cleared
// false positive stays cleared only while its entry is unchanged.
func (ix *Index) entryHash(list, id string) string {
	i, ok := ix.byKey[list+"\x00"+id]
	if !ok {
		return ""
	}
	b, _ := json.Marshal(ix.entries[i])
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}

// Case statuses.
const (
	StatusOpen      = "open"
	StatusCleared   = "cleared"
	StatusConfirmed = "confirmed"
)

// Case is a review case: a party's potential matches waiting for a
// reviewer's decision.
type Case struct {
	ID           string        `json:"id"`
	PartyName    string        `json:"party_name"`
	PartyType    string        `json:"party_type,omitempty"`
	Country      string        `json:"country,omitempty"`
	Source       string        `json:"source"`
	SourceRef    string        `json:"source_ref,omitempty"`
	Status       string        `json:"status"`
	TopScore     float64       `json:"top_score"`
	Matches      []Match       `json:"matches"`
	ListVersions []ListVersion `json:"list_versions"`
	Reviewer     string        `json:"reviewer,omitempty"`
	Note         string        `json:"note,omitempty"`
	CreatedAt    time.Time     `json:"created_at"`
	DecidedAt    *time.Time    `json:"decided_at,omitempty"`
}

const caseCols = `id, party_name, party_type, country, source, source_ref, status, top_score, matches,
	list_versions, reviewer, note, created_at, decided_at`

func scanCase(r db.Row) (Case, error) {
	var c Case
	var mj, vj string
	var decided sql.NullTime
	if err := r.Scan(&c.ID, &c.PartyName, &c.PartyType, &c.Country, &c.Source, &c.SourceRef, &c.Status, &c.TopScore,
		&mj, &vj, &c.Reviewer, &c.Note, &c.CreatedAt, &decided); err != nil {
		return Case{}, err
	}
	if err := json.Unmarshal([]byte(mj), &c.Matches); err != nil {
		return Case{}, fmt.Errorf("screening: decode case %s: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(vj), &c.ListVersions); err != nil {
		return Case{}, fmt.Errorf("screening: decode case %s: %w", c.ID, err)
	}
	c.CreatedAt = c.CreatedAt.UTC()
	if decided.Valid {
		t := decided.Time.UTC()
		c.DecidedAt = &t
	}
	return c, nil
}

// Case returns one review case of the caller's tenant.
func (s *Service) Case(ctx context.Context, id string) (Case, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Case{}, err
	}
	c, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM screening_cases
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, problem.ErrNotFound
	}
	if err != nil {
		return Case{}, fmt.Errorf("screening: case: %w", err)
	}
	return c, nil
}

// Cases lists the caller's review cases, newest first; status "" lists
// every status.
func (s *Service) Cases(ctx context.Context, status string, limit int, after string) ([]Case, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	if after == "" {
		after = "~" // sorts after every id
	}
	rows, err := q.QueryContext(ctx, `SELECT `+caseCols+` FROM screening_cases
		WHERE tenant_id = $1 AND sandbox = $2 AND ($3 = '' OR status = $3) AND id < $4
		ORDER BY id DESC LIMIT $5`, status, after, limit)
	if err != nil {
		return nil, fmt.Errorf("screening: cases: %w", err)
	}
	return db.Collect(rows, scanCase)
}

// PartyCase returns the newest review case of the caller's tenant for
// the party named name (matched as screening keys parties, so "ACME Ltd."
// finds the case of "Acme Limited"); ok is false when the party never
// raised one.
func (s *Service) PartyCase(ctx context.Context, name string) (c Case, ok bool, err error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Case{}, false, err
	}
	c, err = scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM screening_cases
		WHERE tenant_id = $1 AND sandbox = $2 AND party_key = $3 ORDER BY created_at DESC, id DESC LIMIT 1`, PartyKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, false, nil
	}
	if err != nil {
		return Case{}, false, fmt.Errorf("screening: party case: %w", err)
	}
	return c, true, nil
}

// Decision is a reviewer's verdict on a case.
type Decision struct {
	// Decision is "clear" (a false positive: the party is not the listed
	// one) or "confirm" (a true match).
	Decision string `json:"decision"`
	Note     string `json:"note,omitempty"`
}

// Validate checks a decision.
func (d Decision) Validate() error {
	var fs problem.Errors
	if d.Decision != "clear" && d.Decision != "confirm" {
		fs.Add("decision", "one_of", "values", "clear, confirm")
	}
	if utf8.RuneCountInString(d.Note) > 2000 {
		fs.Add("note", "max_length", "max", 2000)
	}
	return fs.Err()
}

// Decide closes an open case. Clearing remembers each match as a false
// positive for this party, until the list entry changes.
func (s *Service) Decide(ctx context.Context, id string, d Decision) (Case, error) {
	if err := d.Validate(); err != nil {
		return Case{}, err
	}
	var out Case
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		status := StatusConfirmed
		if d.Decision == "clear" {
			status = StatusCleared
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		reviewer := audit.ActorFrom(ctx).ID
		res, err := q.ExecContext(ctx, `UPDATE screening_cases SET status = $4, reviewer = $5, note = $6, decided_at = $7
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'open'`, id, status, reviewer, d.Note, now)
		if err != nil {
			return fmt.Errorf("screening: decide: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			c, err := s.Case(ctx, id)
			if err != nil {
				return err
			}
			return problem.Conflict("screening_case_decided", "status", c.Status)
		}
		var key string
		if err := q.QueryRowContext(ctx, `SELECT party_key FROM screening_cases WHERE tenant_id = $1 AND sandbox = $2
			AND id = $3`, id).Scan(&key); err != nil {
			return fmt.Errorf("screening: decide: %w", err)
		}
		if out, err = scanCase(q.QueryRowContext(ctx, `SELECT `+caseCols+` FROM screening_cases
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id)); err != nil {
			return fmt.Errorf("screening: decide: %w", err)
		}
		if status == StatusCleared {
			for _, m := range out.Matches {
				if _, err := q.ExecContext(ctx, `INSERT INTO screening_clearances (tenant_id, sandbox, party_key, list,
					entry_id, entry_hash, case_id, cleared_by, cleared_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
					ON CONFLICT (tenant_id, sandbox, party_key, list, entry_id) DO UPDATE SET entry_hash = excluded.entry_hash,
					case_id = excluded.case_id, cleared_by = excluded.cleared_by, cleared_at = excluded.cleared_at`,
					key, m.List, m.EntryID, m.EntryHash, id, reviewer, now); err != nil {
					return fmt.Errorf("screening: remember clearance: %w", err)
				}
			}
		}
		return s.audit.Record(ctx, audit.Event{Action: "screening.case." + d.Decision, Resource: "screening_case/" + id,
			Change: map[string]any{"status": status, "note": d.Note}})
	})
	if err != nil {
		return Case{}, err
	}
	return out, nil
}

// errNoLists is the 503 of a screening before any list was imported: an
// empty list must never look like "no match".
var errNoLists = &problem.Error{Status: http.StatusServiceUnavailable, Code: "screening_no_lists"}
