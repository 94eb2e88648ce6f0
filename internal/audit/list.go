package audit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	// TenantID keeps one tenant's records; PlatformChain keeps the
	// platform's.
	TenantID string
	// ActionPrefix keeps actions starting with it ("identity." or
	// "identity.sign_in"), case-sensitively on both engines.
	ActionPrefix string
	// Actor keeps records whose actor id or actor e-mail equals it.
	Actor string
	// Outcome keeps one outcome.
	Outcome string
	// From and To bound the record time: From inclusive, To exclusive.
	From, To time.Time
}

// List returns records newest first, one page at a time. The cursor is the
// position of the last record returned (time, chain, seq), so pages stay
// stable while new records arrive.
func (l *Log) List(ctx context.Context, f Filter, p web.Page) (web.List[Record], error) {
	if p.Limit <= 0 || p.Limit > web.MaxLimit {
		p.Limit = 50
	}
	var (
		where []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch f.TenantID {
	case "":
	case PlatformChain:
		where = append(where, "tenant_id = "+arg(""))
	default:
		where = append(where, "tenant_id = "+arg(f.TenantID))
	}
	if f.ActionPrefix != "" {
		// substr rather than LIKE: SQLite's LIKE ignores case and both
		// engines would need the wildcards escaped.
		n := arg(utf8.RuneCountInString(f.ActionPrefix))
		where = append(where, "substr(action, 1, "+n+") = "+arg(f.ActionPrefix))
	}
	if f.Actor != "" {
		a := arg(f.Actor)
		where = append(where, "(actor = "+a+" OR actor_email = "+a+")")
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(f.Outcome))
	}
	if !f.From.IsZero() {
		where = append(where, "at >= "+arg(stamp(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "at < "+arg(stamp(f.To)))
	}
	if p.After != "" {
		at, chain, seq, err := parseCursor(p.After)
		if err != nil {
			return web.List[Record]{}, err
		}
		where = append(where, "(at, chain, seq) < ("+arg(at)+", "+arg(chain)+", "+arg(seq)+")")
	}
	query := `SELECT ` + recordColumns + ` FROM audit_events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY at DESC, chain DESC, seq DESC LIMIT " + arg(p.Limit+1)

	rows, err := l.db.Q(ctx).QueryContext(ctx, query, args...)
	if err != nil {
		return web.List[Record]{}, fmt.Errorf("audit: list: %w", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return web.List[Record]{}, fmt.Errorf("audit: list: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return web.List[Record]{}, fmt.Errorf("audit: list: %w", err)
	}
	return web.NewList(p, out, cursorOf), nil
}

// cursorOf spells a record's list position; the chain comes last because it
// is the only part that could hold a separator.
func cursorOf(r Record) string {
	return strconv.FormatInt(r.At.UnixMicro(), 10) + ":" + strconv.FormatInt(r.Seq, 10) + ":" + r.Chain
}

// ErrBadCursor is returned by List for a cursor it did not make; it renders
// as a 422 naming the cursor.
var ErrBadCursor = problem.Invalid(problem.Field{Field: "cursor", Code: "invalid_cursor"})

func parseCursor(s string) (time.Time, string, int64, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[2] == "" {
		return time.Time{}, "", 0, ErrBadCursor
	}
	us, err1 := strconv.ParseInt(parts[0], 10, 64)
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, "", 0, ErrBadCursor
	}
	return time.UnixMicro(us).UTC(), parts[2], seq, nil
}
