package sanctions

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// DefaultMaxAge is how old a list's version may be before the list is
// stale: the publishers update their lists daily, so a week without a
// successful refresh means the refresh is broken.
const DefaultMaxAge = 7 * 24 * time.Hour

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// UpdateHook is told, after commit, that list has a new version in force.
// It runs on the importing goroutine and must not block; start a durable
// job for long work (re-screening).
type UpdateHook func(ctx context.Context, list string, v Version)

// Config tunes the service.
type Config struct {
	Log *slog.Logger
	// MaxAge overrides DefaultMaxAge per list key; the key "default"
	// overrides it for every list not named (see ParseMaxAge).
	MaxAge map[string]time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// Service keeps the denied-party lists in force. Lists are platform-wide:
// no method is tenant-scoped.
type Service struct {
	db    *db.DB
	audit Recorder
	log   *slog.Logger
	now   func() time.Time
	ages  map[string]time.Duration

	mu      sync.Mutex // guards hooks and changed
	hooks   []UpdateHook
	changed chan struct{}

	jobs    *jobs.Queue // set by UseJobs
	sources []Source
}

// New returns the list service.
func New(d *db.DB, rec Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{db: d, audit: rec, log: cfg.Log, now: cfg.Now, ages: cfg.MaxAge, changed: make(chan struct{})}
}

// MaxAge is the age past which list is stale.
func (s *Service) MaxAge(list string) time.Duration {
	if d, ok := s.ages[list]; ok && d > 0 {
		return d
	}
	if d, ok := s.ages["default"]; ok && d > 0 {
		return d
	}
	return DefaultMaxAge
}

// OnListUpdated registers fn to run after every import that brings a new
// version of a list into force. Register while wiring, before serving.
func (s *Service) OnListUpdated(fn UpdateHook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, fn)
}

// Changed returns a channel closed at the next change of the lists in
// force made by this process. Other processes' imports show in
// Generation, which an index should also poll.
func (s *Service) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed
}

func (s *Service) notify(ctx context.Context, v Version) {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	hooks := slices.Clone(s.hooks)
	s.mu.Unlock()
	for _, fn := range hooks {
		fn(ctx, v.List, v)
	}
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// ImportOptions tune one import.
type ImportOptions struct {
	// Format is the file's format; "" detects it.
	Format string
	// Published replaces the publisher's date when the file has none
	// (embedded snapshots have no modification time).
	Published time.Time
}

// ImportResult is the outcome of an import.
type ImportResult struct {
	Version Version `json:"version"`
	// Unchanged is true when the file is the version already in force
	// (same SHA-256): nothing was replaced, the refresh is recorded.
	Unchanged bool `json:"unchanged"`
	// Counts break the entries down by type.
	Counts map[string]int `json:"counts"`
}

// ImportFile imports the list file at path (companion files beside it).
func (s *Service) ImportFile(ctx context.Context, path string, o ImportOptions) (ImportResult, error) {
	if _, err := os.Stat(path); err != nil {
		return ImportResult{}, problem.Invalid(problem.Field{Field: "file", Code: "file_unreadable", Params: []any{"reason", err.Error()}})
	}
	return s.Import(ctx, os.DirFS(filepath.Dir(path)), filepath.Base(path), o)
}

// Import parses name from fsys and, when it parses, replaces the list's
// version in force in one transaction: readers see the old version or the
// new one, never a mix. A file that does not parse is recorded as a
// failed import of its list (when the list is known), raises the
// import_failed alarm, leaves the version in force as it was, and is
// returned as the parse error (422 naming the line or record).
func (s *Service) Import(ctx context.Context, fsys fs.FS, name string, o ImportOptions) (ImportResult, error) {
	type row struct {
		id, typ string
		body    []byte
	}
	var rows []row
	counts := map[string]int{}
	v, err := Stream(fsys, name, o.Format, func(e Entry) error {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		rows = append(rows, row{e.ID, e.Type, b})
		counts[e.Type]++
		return nil
	})
	if err != nil {
		format := o.Format
		if format == "" {
			f, ferr := fsys.Open(name)
			if ferr == nil {
				format = sniff(f, name)
				f.Close()
			}
		}
		if list := ListOf(format); list != "" {
			if rerr := s.recordFailure(ctx, list, format, err); rerr != nil {
				s.log.Error("sanctions: record failed import", "list", list, "error", rerr)
			}
		}
		return ImportResult{}, err
	}
	if !o.Published.IsZero() {
		v.PublishedAt = o.Published.UTC()
		v.Version = v.PublishedAt.Format(time.RFC3339)
	}
	v.PublishedAt = v.PublishedAt.Truncate(time.Microsecond)
	res := ImportResult{Counts: counts}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.lock(ctx); err != nil {
			return err
		}
		now := s.stamp()
		cur, ok, err := s.inForce(ctx, v.List)
		if err != nil {
			return err
		}
		if ok && cur.SHA256 == v.SHA256 {
			// The same file again: the list is as fresh as this check.
			res.Unchanged = true
			res.Version = cur
			if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sanctions_versions SET confirmed_at = $2 WHERE id = $1`, cur.ID, now); err != nil {
				return fmt.Errorf("sanctions: touch version: %w", err)
			}
			return s.audit.Record(ctx, audit.Event{Action: "sanctions.refresh", Resource: "sanctions_list:" + v.List,
				Change: map[string]any{"version": cur.Version, "sha256": cur.SHA256, "unchanged": true}})
		}
		seq, err := s.nextSeq(ctx)
		if err != nil {
			return err
		}
		v.ID = ids.New("slv")
		v.ImportedAt = now
		if ok {
			if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE sanctions_versions SET status = 'superseded' WHERE id = $1`, cur.ID); err != nil {
				return fmt.Errorf("sanctions: supersede: %w", err)
			}
			if _, err := s.db.Q(ctx).ExecContext(ctx, `DELETE FROM sanctions_entries WHERE version_id = $1`, cur.ID); err != nil {
				return fmt.Errorf("sanctions: drop superseded entries: %w", err)
			}
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO sanctions_versions (id, seq, list, version, format,
			published_at, imported_at, entries, sha256, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'in_force')`,
			v.ID, seq, v.List, v.Version, v.Format, nullTime(v.PublishedAt), now, v.Entries, v.SHA256); err != nil {
			return fmt.Errorf("sanctions: insert version: %w", err)
		}
		for start := 0; start < len(rows); start += insertBatch {
			batch := rows[start:min(start+insertBatch, len(rows))]
			q := make([]byte, 0, 64*len(batch)+80)
			q = append(q, "INSERT INTO sanctions_entries (version_id, list, entry_id, type, body) VALUES "...)
			args := make([]any, 0, 2+3*len(batch))
			args = append(args, v.ID, v.List)
			for i, r := range batch {
				if i > 0 {
					q = append(q, ',')
				}
				n := 3 + 3*i
				q = fmt.Appendf(q, "($1, $2, $%d, $%d, $%d)", n, n+1, n+2)
				args = append(args, r.id, r.typ, string(r.body))
			}
			if _, err := s.db.Q(ctx).ExecContext(ctx, string(q), args...); err != nil {
				return fmt.Errorf("sanctions: insert entries: %w", err)
			}
		}
		res.Version = v
		return s.audit.Record(ctx, audit.Event{Action: "sanctions.import", Resource: "sanctions_list:" + v.List,
			Change: map[string]any{"version": v.Version, "sha256": v.SHA256, "entries": v.Entries, "format": v.Format,
				"replaces": cur.Version}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	// A good import ends the list's failure alarm; its age may end the
	// stale one too.
	if _, err := s.CheckFreshness(ctx); err != nil {
		s.log.Error("sanctions: freshness after import", "list", v.List, "error", err)
	}
	if !res.Unchanged {
		s.log.Info("sanctions list imported", "list", v.List, "version", v.Version, "entries", v.Entries)
		s.notify(ctx, res.Version)
	}
	return res, nil
}

// insertBatch rows per INSERT: 3 parameters each stays well under both
// engines' parameter limits, and few round trips.
const insertBatch = 200

func sniff(f fs.File, name string) string {
	r, closeR, err := open(f, sha256.New())
	if err != nil {
		return ""
	}
	defer closeR()
	head, _ := r.Peek(4096)
	return Detect(name, head)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// lock serialises imports for the rest of the transaction: each reads
// the version in force and the next seq, then writes them. SQLite's single
// immediate writer already does; PostgreSQL takes an advisory lock.
func (s *Service) lock(ctx context.Context) error {
	if s.db.Engine() != db.Postgres {
		return nil
	}
	if _, err := s.db.Q(ctx).ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, importLockKey); err != nil {
		return fmt.Errorf("sanctions: lock: %w", err)
	}
	return nil
}

// importLockKey is the advisory lock of list imports ("SANC" in ASCII).
const importLockKey int64 = 0x53414e43

func (s *Service) nextSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) + 1 FROM sanctions_versions`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("sanctions: next seq: %w", err)
	}
	return seq, nil
}

// recordFailure keeps the failed attempt and raises the alarm, in a
// transaction of its own: the import's transaction (if any) is gone.
func (s *Service) recordFailure(ctx context.Context, list, format string, cause error) error {
	msg := cause.Error()
	if pe, ok := problem.As(cause); ok && pe.Err != nil {
		msg = pe.Err.Error()
	}
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.lock(ctx); err != nil {
			return err
		}
		now := s.stamp()
		seq, err := s.nextSeq(ctx)
		if err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO sanctions_versions (id, seq, list, format, imported_at,
			status, error) VALUES ($1, $2, $3, $4, $5, 'failed', $6)`,
			ids.New("slv"), seq, list, format, now, msg); err != nil {
			return fmt.Errorf("sanctions: record failure: %w", err)
		}
		if err := s.raise(ctx, list, AlertImportFailed, msg, now); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "sanctions.import", Resource: "sanctions_list:" + list,
			Outcome: "failure", Change: map[string]any{"format": format, "error": msg}})
	})
}

const versionCols = `id, list, version, format, published_at, imported_at, entries, sha256`

func scanVersion(r db.Row) (Version, error) {
	var v Version
	var pub sql.NullTime
	if err := r.Scan(&v.ID, &v.List, &v.Version, &v.Format, &pub, &v.ImportedAt, &v.Entries, &v.SHA256); err != nil {
		return Version{}, err
	}
	if pub.Valid {
		v.PublishedAt = pub.Time.UTC()
	}
	v.ImportedAt = v.ImportedAt.UTC()
	return v, nil
}

func (s *Service) inForce(ctx context.Context, list string) (Version, bool, error) {
	v, err := scanVersion(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+versionCols+` FROM sanctions_versions
		WHERE list = $1 AND status = 'in_force'`, list))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, false, nil
	}
	if err != nil {
		return Version{}, false, fmt.Errorf("sanctions: version in force: %w", err)
	}
	return v, true, nil
}

// Versions returns the version in force of every list that has one, in
// Lists order.
func (s *Service) Versions(ctx context.Context) ([]Version, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+versionCols+` FROM sanctions_versions WHERE status = 'in_force'`)
	if err != nil {
		return nil, fmt.Errorf("sanctions: versions: %w", err)
	}
	vs, err := db.Collect(rows, scanVersion)
	if err != nil {
		return nil, fmt.Errorf("sanctions: versions: %w", err)
	}
	slices.SortFunc(vs, func(a, b Version) int { return listRank(a.List) - listRank(b.List) })
	return vs, nil
}

func listRank(list string) int {
	if i := slices.Index(Lists, list); i >= 0 {
		return i
	}
	return len(Lists)
}

// Current returns the versions in force and all their entries, read in
// one transaction so they agree: what a screening index is built from.
func (s *Service) Current(ctx context.Context) ([]Version, []Entry, error) {
	var vs []Version
	var es []Entry
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if vs, err = s.Versions(ctx); err != nil {
			return err
		}
		n := 0
		for _, v := range vs {
			n += v.Entries
		}
		es = make([]Entry, 0, n)
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT e.body FROM sanctions_entries e
			JOIN sanctions_versions v ON v.id = e.version_id WHERE v.status = 'in_force' ORDER BY e.list, e.entry_id`)
		if err != nil {
			return fmt.Errorf("sanctions: entries: %w", err)
		}
		defer rows.Close()
		var body []byte
		for rows.Next() {
			if err := rows.Scan(&body); err != nil {
				return err
			}
			var e Entry
			if err := json.Unmarshal(body, &e); err != nil {
				return fmt.Errorf("sanctions: decode entry: %w", err)
			}
			es = append(es, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	return vs, es, nil
}

// Generation is a number that grows whenever a list's version in force
// changes, in any process sharing the store. An index built at
// generation g is current while Generation returns g.
func (s *Service) Generation(ctx context.Context) (int64, error) {
	var g int64
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM sanctions_versions WHERE status <> 'failed'`).Scan(&g)
	if err != nil {
		return 0, fmt.Errorf("sanctions: generation: %w", err)
	}
	return g, nil
}

// ParseMaxAge reads per-list freshness limits written as
// "us_ofac_sdn=48h,eu_fsf=14d" (Go durations, plus a "d" suffix for
// days); "default=…" replaces DefaultMaxAge for the lists not named.
func ParseMaxAge(s string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		list, val, ok := strings.Cut(part, "=")
		list = strings.TrimSpace(list)
		if !ok || (list != "default" && !slices.Contains(Lists, list)) {
			return nil, fmt.Errorf("sanctions max age %q: want list=duration with a list among %s or default", part, strings.Join(Lists, ", "))
		}
		val = strings.TrimSpace(val)
		var d time.Duration
		var err error
		if days, found := strings.CutSuffix(val, "d"); found {
			var n int
			if n, err = strconv.Atoi(days); err == nil {
				d = time.Duration(n) * 24 * time.Hour
			}
		} else {
			d, err = time.ParseDuration(val)
		}
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("sanctions max age %q: not a positive duration", part)
		}
		out[list] = d
	}
	return out, nil
}
