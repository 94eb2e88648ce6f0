package rules

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// The compliance_rules table (migration 0014) keeps one row per version:
// the rule's content as one JSON document (body) and, beside it, the
// workflow columns and the few columns lists filter on. The rules belong
// to the platform, not to a tenant, so the statements use the plain
// querier; both engines store the body as TEXT, so one SQL text serves
// both.

const cols = `id, version, status, body, author, publisher, created_at, published_at, superseded_at`

func scan(sc db.Row) (Rule, error) {
	var (
		r         Rule
		body      string
		pub, sup  sql.NullTime
		id        string
		version   int
		status    string
		author    string
		publisher string
		created   time.Time
	)
	if err := sc.Scan(&id, &version, &status, &body, &author, &publisher, &created, &pub, &sup); err != nil {
		return Rule{}, err
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return Rule{}, fmt.Errorf("rules: %s v%d: stored body: %w", id, version, err)
	}
	r.ID, r.Version, r.Status, r.AuthorID, r.PublishedBy, r.CreatedAt = id, version, status, author, publisher, created.UTC()
	if pub.Valid {
		t := pub.Time.UTC()
		r.PublishedAt = &t
	}
	if sup.Valid {
		t := sup.Time.UTC()
		r.SupersededAt = &t
	}
	return r, nil
}

// insert stores r's content as version n of its id. A concurrent writer
// that took the same version number makes the primary key refuse this one:
// a 409, never a lost edit.
func (s *Service) insert(ctx context.Context, r Rule, n int, status, author string, published bool) (Rule, error) {
	r = r.normalized()
	body, err := json.Marshal(r.content())
	if err != nil {
		return Rule{}, fmt.Errorf("rules: encode %s: %w", r.ID, err)
	}
	now := s.stamp()
	r.Version, r.Status, r.AuthorID, r.CreatedAt = n, status, author, now
	var pub any
	if published {
		r.PublishedBy, r.PublishedAt = author, &now
		pub = now
	}
	_, err = s.db.W(ctx).ExecContext(ctx, `INSERT INTO compliance_rules (id, version, status, market, severity, search,
		body, author, publisher, created_at, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, n, status, r.Market, r.Severity, searchText(r), string(body), author, r.PublishedBy, now, pub)
	if db.IsUnique(err) {
		return Rule{}, problem.Conflict("rule_changed", "version", n-1)
	}
	if err != nil {
		return Rule{}, wrap("insert", err)
	}
	return r, nil
}

func (s *Service) one(ctx context.Context, query string, args ...any) (Rule, error) {
	r, err := scan(s.db.Q(ctx).QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, problem.ErrNotFound
	}
	if err != nil {
		return Rule{}, wrap("get", err)
	}
	return r, nil
}

func (s *Service) latest(ctx context.Context, id string) (Rule, error) {
	return s.one(ctx, `SELECT `+cols+` FROM compliance_rules WHERE id = $1 ORDER BY version DESC LIMIT 1`, id)
}

func (s *Service) version(ctx context.Context, id string, n int) (Rule, error) {
	return s.one(ctx, `SELECT `+cols+` FROM compliance_rules WHERE id = $1 AND version = $2`, id, n)
}

func (s *Service) inForce(ctx context.Context, id string) (Rule, error) {
	return s.one(ctx, `SELECT `+cols+` FROM compliance_rules
		WHERE id = $1 AND published_at IS NOT NULL AND superseded_at IS NULL`, id)
}

// published returns the versions in force (whatever their dates) of the
// given markets (all when empty) whose search text contains q.
func (s *Service) published(ctx context.Context, markets []string, q string) ([]Rule, error) {
	where, args := filterSQL(markets, q)
	return s.query(ctx, `SELECT `+cols+` FROM compliance_rules
		WHERE published_at IS NOT NULL AND superseded_at IS NULL`+where+` ORDER BY id`, args...)
}

// drafts returns the newest versions that await publication.
func (s *Service) drafts(ctx context.Context, markets []string, q string) ([]Rule, error) {
	where, args := filterSQL(markets, q)
	return s.query(ctx, `SELECT `+cols+` FROM compliance_rules r
		WHERE published_at IS NULL AND version = (SELECT MAX(version) FROM compliance_rules x WHERE x.id = r.id)`+
		where+` ORDER BY id`, args...)
}

func filterSQL(markets []string, q string) (string, []any) {
	var (
		where strings.Builder
		args  []any
	)
	if len(markets) > 0 {
		ph := make([]string, len(markets))
		for i, m := range markets {
			args = append(args, m)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where.WriteString(" AND market IN (" + strings.Join(ph, ", ") + ")")
	}
	if q != "" {
		args = append(args, "%"+escapeLike(strings.ToLower(q))+"%")
		where.WriteString(` AND search LIKE $` + strconv.Itoa(len(args)) + ` ESCAPE '\'`)
	}
	return where.String(), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *Service) query(ctx context.Context, query string, args ...any) ([]Rule, error) {
	rows, err := s.db.Q(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap("list", err)
	}
	rs, err := db.Collect(rows, scan)
	return rs, wrap("list", err)
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("rules: %s: %w", op, err)
}

func itoa(n int) string { return strconv.Itoa(n) }
