package returns

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

var errNoRows = sql.ErrNoRows

// A return is one row: the whole object as a JSON document, with columns
// only for what lists filter on and the tracking-number lookup.
const cols = `id, doc`

func (s *Service) insert(ctx context.Context, q db.Tenanted, r Return) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("returns: encode: %w", err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO returns (tenant_id, sandbox, id, order_id, status, reason, tracking_number,
		doc, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10)`,
		r.ID, r.OrderID, string(r.Status), r.Reason, string(doc), r.Version, r.CreatedAt, r.UpdatedAt)
	if err != nil {
		return fmt.Errorf("returns: create: %w", err)
	}
	return nil
}

// update writes r back, guarded by the version read: a concurrent step
// (possible on PostgreSQL) loses with 409 instead of overwriting.
func (s *Service) update(ctx context.Context, q db.Tenanted, r *Return) error {
	prev := r.Version
	r.Version++
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("returns: encode: %w", err)
	}
	var tracking any
	if r.Label != nil {
		tracking = r.Label.TrackingNumber
	}
	res, err := q.ExecContext(ctx, `UPDATE returns SET status = $4, tracking_number = $5, doc = $6, version = $7,
		updated_at = $8 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND version = $9`,
		r.ID, string(r.Status), tracking, string(doc), r.Version, r.UpdatedAt, prev)
	if db.IsUnique(err) {
		return &problem.Error{Status: 409, Code: "duplicate_tracking_number",
			Fields: []problem.Field{{Field: "tracking_number", Code: "taken"}}}
	}
	if err != nil {
		return fmt.Errorf("returns: update %s: %w", r.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("returns: update %s: %w", r.ID, err)
	} else if n == 0 {
		return problem.Conflict("conflict")
	}
	return nil
}

func scan(sc interface{ Scan(...any) error }) (Return, error) {
	var (
		id, doc string
		r       Return
	)
	if err := sc.Scan(&id, &doc); err != nil {
		return Return{}, err
	}
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return Return{}, fmt.Errorf("returns: decode %s: %w", id, err)
	}
	if r.Units == nil {
		r.Units = []Unit{}
	}
	return r, nil
}

// Get returns a return of the caller's tenant and partition.
func (s *Service) Get(ctx context.Context, id string) (Return, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Return{}, err
	}
	r, err := s.get(ctx, q, id)
	if err != nil {
		return Return{}, err
	}
	return s.withPurchase(ctx, r), nil
}

func (s *Service) get(ctx context.Context, q db.Tenanted, id string) (Return, error) {
	r, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM returns WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Return{}, problem.ErrNotFound
	}
	if err != nil {
		return Return{}, fmt.Errorf("returns: get: %w", err)
	}
	return r, nil
}

// returnedUnits sums, per SKU, the units of the order's returns that still
// count: every return not rejected or cancelled, with its received units
// once received and its requested units before.
func (s *Service) returnedUnits(ctx context.Context, q db.Tenanted, orderID string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM returns WHERE tenant_id = $1 AND sandbox = $2
		AND order_id = $3 AND status NOT IN ('rejected', 'cancelled')`, orderID)
	if err != nil {
		return nil, fmt.Errorf("returns: earlier returns: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		for _, l := range r.Lines {
			// Once the parcel is in, what came back is what counts: units
			// that never arrived may be returned again.
			if received(r.Status) {
				out[l.SKU] += l.Received
			} else {
				out[l.SKU] += l.Quantity
			}
		}
	}
	return out, rows.Err()
}

// Filter narrows a list of returns; empty fields do not filter.
type Filter struct {
	Status         Status
	OrderID        string
	Reason         string
	TrackingNumber string
}

// List returns a page of returns, newest first.
func (s *Service) List(ctx context.Context, f Filter, pg web.Page) (web.List[Return], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Return]{}, err
	}
	var (
		where strings.Builder
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args)+2)
	}
	where.WriteString(`tenant_id = $1 AND sandbox = $2`)
	if f.Status != "" {
		where.WriteString(` AND status = ` + arg(string(f.Status)))
	}
	if f.OrderID != "" {
		where.WriteString(` AND order_id = ` + arg(f.OrderID))
	}
	if f.Reason != "" {
		where.WriteString(` AND reason = ` + arg(f.Reason))
	}
	if f.TrackingNumber != "" {
		where.WriteString(` AND tracking_number = ` + arg(strings.ToUpper(f.TrackingNumber)))
	}
	if pg.After != "" {
		where.WriteString(` AND id < ` + arg(pg.After))
	}
	rows, err := q.QueryContext(ctx, `SELECT `+cols+` FROM returns WHERE `+where.String()+
		` ORDER BY id DESC LIMIT `+arg(pg.FetchLimit()), args...)
	if err != nil {
		return web.List[Return]{}, fmt.Errorf("returns: list: %w", err)
	}
	rs, err := db.Collect(rows, func(r db.Row) (Return, error) { return scan(r) })
	if err != nil {
		return web.List[Return]{}, fmt.Errorf("returns: list: %w", err)
	}
	return web.NewList(pg, rs, func(r Return) string { return r.ID }), nil
}

// LabelDocument returns the bought label of a return and its media type;
// a return without a bought label is problem.ErrNotFound.
func (s *Service) LabelDocument(ctx context.Context, id string) ([]byte, string, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, "", err
	}
	var (
		data []byte
		mt   string
	)
	err = q.QueryRowContext(ctx, `SELECT data, media_type FROM return_labels WHERE tenant_id = $1 AND sandbox = $2
		AND return_id = $3`, id).Scan(&data, &mt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", problem.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("returns: label: %w", err)
	}
	return data, mt, nil
}

// received reports whether a return in status st has been received.
func received(st Status) bool {
	return st == Received || st == Inspected || st == Refunded || st == Exchanged || st == Closed
}
