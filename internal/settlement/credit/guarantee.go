package credit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Guarantee states.
const (
	StatusActive   = "active"
	StatusReleased = "released"
	StatusExpired  = "expired"
)

// GuaranteeRequest asks for a guarantee on a buyer.
type GuaranteeRequest struct {
	Buyer  string      `json:"buyer"`
	Amount money.Money `json:"amount"`
	Days   int         `json:"days"`
	// AnnualRate is a decimal fraction ("0.015" is 1.5 % a year); the
	// buyer grade's rate when empty.
	AnnualRate string `json:"annual_rate,omitempty"`
	Reference  string `json:"reference,omitempty"`
}

// Guarantee is an issued credit guarantee.
type Guarantee struct {
	ID         string      `json:"id"`
	Buyer      string      `json:"buyer"`
	Amount     money.Money `json:"amount"`
	Days       int         `json:"days"`
	AnnualRate string      `json:"annual_rate"`
	// RateSource is "request" or "grade:X".
	RateSource string      `json:"rate_source"`
	Fee        money.Money `json:"fee"`
	Reference  string      `json:"reference,omitempty"`
	Status     string      `json:"status"`
	IssuedAt   time.Time   `json:"issued_at"`
	ExpiresAt  time.Time   `json:"expires_at"`
	ClosedAt   *time.Time  `json:"closed_at,omitempty"`
	// Exposure is the buyer's exposure once the guarantee was issued.
	Exposure *money.Money `json:"exposure,omitempty"`
}

func limitExceeded(l limitRow, field string, want money.Money) error {
	params := []any{"buyer", l.Buyer, "limit", l.Limit.Limit.String(), "exposure", l.Exposure.String(),
		"available", l.Available.String(), "requested", want.String()}
	return &problem.Error{Status: http.StatusConflict, Code: CodeLimitExceeded, Params: params,
		Fields: []problem.Field{{Field: field, Code: CodeLimitExceeded, Params: params}}}
}

// take adds n minor units to a buyer's exposure if they fit its limit:
// one guarded UPDATE, atomic on both engines.
func (s *Service) take(ctx context.Context, t db.Tenanted, buyer string, n int64) (bool, error) {
	res, err := t.ExecContext(ctx, `UPDATE credit_limits SET exposure_minor = exposure_minor + $4
		WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3 AND exposure_minor + $4 <= limit_minor`, buyer, n)
	if err != nil {
		return false, fmt.Errorf("credit: take exposure: %w", err)
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

func (s *Service) free(ctx context.Context, t db.Tenanted, buyer string, n int64) error {
	if n == 0 {
		return nil
	}
	if _, err := t.ExecContext(ctx, `UPDATE credit_limits SET exposure_minor = exposure_minor - $4
		WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3`, buyer, n); err != nil {
		return fmt.Errorf("credit: free exposure: %w", err)
	}
	return nil
}

// Issue issues a guarantee if the buyer's exposure stays within its
// limit; fee = amount × annual rate × days / 365.
func (s *Service) Issue(ctx context.Context, req GuaranteeRequest) (Guarantee, error) {
	var fs problem.Errors
	req.Buyer = checkBuyer(&fs, "buyer", req.Buyer)
	amount, _ := checkAmount(&fs, "amount", req.Amount, false)
	if req.Days < 1 || req.Days > MaxDays {
		fs.Add("days", "out_of_range", "min", 1, "max", MaxDays)
	}
	if req.AnnualRate != "" {
		r, _, err := apd.NewFromString(req.AnnualRate)
		if err != nil || strings.ContainsAny(req.AnnualRate, "eE") || r.Sign() <= 0 || r.Cmp(apd.New(1, 0)) > 0 || r.Exponent < -6 {
			fs.Add("annual_rate", CodeRate)
		}
	}
	req.Reference = strings.TrimSpace(req.Reference)
	if len(req.Reference) > 200 {
		fs.Add("reference", "max_length", "max", 200)
	}
	if err := fs.Err(); err != nil {
		return Guarantee{}, err
	}
	minor, err := toMinor(amount)
	if err != nil {
		return Guarantee{}, problem.Invalid(problem.Field{Field: "amount.amount", Code: money.CodeAmount})
	}
	now := s.clock()
	g := Guarantee{ID: ids.New("gua"), Buyer: req.Buyer, Amount: amount, Days: req.Days, AnnualRate: req.AnnualRate,
		RateSource: "request", Reference: req.Reference, Status: StatusActive, IssuedAt: now,
		ExpiresAt: now.AddDate(0, 0, req.Days)}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		l, err := s.lockLimit(ctx, t, req.Buyer)
		if errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "buyer", Code: CodeNoLimit, Params: []any{"buyer", req.Buyer}})
		}
		if err != nil {
			return err
		}
		if l.Limit.Limit.Currency != amount.Currency {
			return problem.Invalid(problem.Field{Field: "amount.currency", Code: CodeCurrencyMatch,
				Params: []any{"currency", l.Limit.Limit.Currency}})
		}
		if Grades[l.Grade] == "" {
			return &problem.Error{Status: http.StatusConflict, Code: CodeGradeRefused, Params: []any{"buyer", l.Buyer, "grade", l.Grade},
				Fields: []problem.Field{{Field: "buyer", Code: CodeGradeRefused, Params: []any{"buyer", l.Buyer, "grade", l.Grade}}}}
		}
		if g.AnnualRate == "" {
			g.AnnualRate, g.RateSource = Grades[l.Grade], "grade:"+l.Grade
		}
		if g.Fee, err = Fee(amount, g.AnnualRate, g.Days); err != nil {
			return err
		}
		if _, err := s.expireDue(ctx, t, req.Buyer); err != nil {
			return err
		}
		ok, err := s.take(ctx, t, req.Buyer, minor)
		if err != nil {
			return err
		}
		if !ok {
			cur, err := scanLimit(t.QueryRowContext(ctx, `SELECT `+limitCols+` FROM credit_limits
				WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3`, req.Buyer))
			if err != nil {
				return err
			}
			return limitExceeded(cur, "amount", amount)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO credit_guarantees (tenant_id, sandbox, id, buyer, currency, amount,
			amount_minor, days, annual_rate, rate_source, fee, reference, status, issued_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			g.ID, g.Buyer, amount.Currency, amount.Amount, minor, g.Days, g.AnnualRate, g.RateSource, g.Fee.Amount,
			g.Reference, g.Status, g.IssuedAt, g.ExpiresAt); err != nil {
			return fmt.Errorf("credit: store guarantee: %w", err)
		}
		after, err := s.readLimit(ctx, t, req.Buyer)
		if err != nil {
			return err
		}
		g.Exposure = &after.Exposure
		if err := s.audit.Record(ctx, audit.Event{Action: "credit.guarantee.issue", Resource: "credit_guarantee:" + g.ID, Change: g}); err != nil {
			return err
		}
		return s.publish(ctx, EventGuaranteeIssued, g.ID, g)
	})
	if err != nil {
		return Guarantee{}, err
	}
	return g, nil
}

const guaranteeCols = `id, buyer, currency, amount, days, annual_rate, rate_source, fee, reference, status, issued_at,
	expires_at, closed_at`

func scanGuarantee(r db.Row) (Guarantee, error) {
	var (
		g           Guarantee
		cur, a, fee string
		closed      sql.NullTime
	)
	err := r.Scan(&g.ID, &g.Buyer, &cur, &a, &g.Days, &g.AnnualRate, &g.RateSource, &fee, &g.Reference, &g.Status,
		&g.IssuedAt, &g.ExpiresAt, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return Guarantee{}, problem.ErrNotFound
	}
	if err != nil {
		return Guarantee{}, fmt.Errorf("credit: read guarantee: %w", err)
	}
	g.Amount, g.Fee = money.Money{Amount: a, Currency: cur}, money.Money{Amount: fee, Currency: cur}
	g.IssuedAt, g.ExpiresAt = g.IssuedAt.UTC(), g.ExpiresAt.UTC()
	if closed.Valid {
		c := closed.Time.UTC()
		g.ClosedAt = &c
	}
	return g, nil
}

// GetGuarantee returns a guarantee of the caller's tenant.
func (s *Service) GetGuarantee(ctx context.Context, id string) (Guarantee, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Guarantee{}, err
	}
	g, err := scanGuarantee(t.QueryRowContext(ctx, `SELECT `+guaranteeCols+` FROM credit_guarantees
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if err == nil && g.Status == StatusActive && !s.clock().Before(g.ExpiresAt) {
		// Due but not swept yet: shown as it is.
		g.Status = StatusExpired
	}
	return g, err
}

// ListGuarantees lists guarantees, newest first, of one buyer or all.
func (s *Service) ListGuarantees(ctx context.Context, buyer, status, after string, limit int) ([]Guarantee, error) {
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + guaranteeCols + ` FROM credit_guarantees WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	for _, c := range []struct{ col, v string }{{"buyer", buyer}, {"status", status}} {
		if c.v != "" {
			args = append(args, c.v)
			q += fmt.Sprintf(" AND %s = $%d", c.col, len(args)+2)
		}
	}
	if after != "" {
		args = append(args, after)
		q += fmt.Sprintf(" AND id < $%d", len(args)+2)
	}
	args = append(args, limit)
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT $%d", len(args)+2)
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("credit: list guarantees: %w", err)
	}
	return db.Collect(rows, scanGuarantee)
}

// Release ends an active guarantee early and frees its exposure.
func (s *Service) Release(ctx context.Context, id string) (Guarantee, error) {
	var g Guarantee
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if g, err = scanGuarantee(t.QueryRowContext(ctx, `SELECT `+guaranteeCols+` FROM credit_guarantees
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id)); err != nil {
			return err
		}
		if _, err := s.lockLimit(ctx, t, g.Buyer); err != nil {
			return err
		}
		if _, err := s.expireDue(ctx, t, g.Buyer); err != nil {
			return err
		}
		now := s.clock()
		minor, err := s.close(ctx, t, "credit_guarantees", id, StatusActive, StatusReleased, now)
		if err != nil {
			return err
		}
		if minor < 0 {
			g, _ = scanGuarantee(t.QueryRowContext(ctx, `SELECT `+guaranteeCols+` FROM credit_guarantees
				WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
			return problem.Conflict(CodeNotActive, "id", id, "status", g.Status)
		}
		if err := s.free(ctx, t, g.Buyer, minor); err != nil {
			return err
		}
		g.Status, g.ClosedAt = StatusReleased, &now
		if err := s.audit.Record(ctx, audit.Event{Action: "credit.guarantee.release", Resource: "credit_guarantee:" + g.ID, Change: g}); err != nil {
			return err
		}
		return s.publish(ctx, EventGuaranteeReleased, g.ID, g)
	})
	if err != nil {
		return Guarantee{}, err
	}
	return g, nil
}

// close moves a row of table from one status to another and returns its
// amount in minor units, or -1 when it was not in the from status.
func (s *Service) close(ctx context.Context, t db.Tenanted, table, id, from, to string, at time.Time) (int64, error) {
	col := "closed_at"
	if table == "credit_receivables" {
		col = "settled_at"
	}
	var minor int64
	err := t.QueryRowContext(ctx, `UPDATE `+table+` SET status = $4, `+col+` = $5
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = $6 RETURNING amount_minor`, id, to, at, from).Scan(&minor)
	if errors.Is(err, sql.ErrNoRows) {
		return -1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("credit: close %s: %w", id, err)
	}
	return minor, nil
}

// expireDue expires a buyer's active guarantees past their end and frees
// their exposure. Callers hold the buyer's limit lock (or accept that a
// concurrent sweep expires a guarantee first: each is freed once, by the
// sweep whose guarded UPDATE moved it).
func (s *Service) expireDue(ctx context.Context, t db.Tenanted, buyer string) (int, error) {
	now := s.clock()
	rows, err := t.QueryContext(ctx, `SELECT id FROM credit_guarantees WHERE tenant_id = $1 AND sandbox = $2
		AND buyer = $3 AND status = $4 AND expires_at <= $5 ORDER BY id`, buyer, StatusActive, now)
	if err != nil {
		return 0, fmt.Errorf("credit: due guarantees: %w", err)
	}
	due, err := db.Collect(rows, db.ScanString)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		minor, err := s.close(ctx, t, "credit_guarantees", id, StatusActive, StatusExpired, now)
		if err != nil {
			return n, err
		}
		if minor < 0 {
			continue
		}
		if err := s.free(ctx, t, buyer, minor); err != nil {
			return n, err
		}
		n++
		// The tenant is named: the sweep runs as the system actor, which
		// belongs to no tenant.
		if err := s.audit.Record(ctx, audit.Event{Action: "credit.guarantee.expire", Resource: "credit_guarantee:" + id,
			TenantID: t.Scope().TenantID, Change: map[string]any{"status": StatusExpired, "closed_at": now}}); err != nil {
			return n, err
		}
		if err := s.publish(ctx, EventGuaranteeExpired, id, map[string]any{"id": id, "buyer": buyer, "status": StatusExpired}); err != nil {
			return n, err
		}
	}
	return n, nil
}

// ExpireDue expires every due guarantee of the caller's tenant, buyer by
// buyer, each under its limit lock. Reads call it first so that exposure
// never counts a guarantee past its end.
func (s *Service) ExpireDue(ctx context.Context) error {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return err
	}
	rows, err := t.QueryContext(ctx, `SELECT DISTINCT buyer FROM credit_guarantees WHERE tenant_id = $1 AND sandbox = $2
		AND status = $3 AND expires_at <= $4`, StatusActive, s.clock())
	if err != nil {
		return fmt.Errorf("credit: due buyers: %w", err)
	}
	buyers, err := db.Collect(rows, db.ScanString)
	if err != nil {
		return err
	}
	for _, b := range buyers {
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			t, err := s.db.Tenant(ctx)
			if err != nil {
				return err
			}
			if _, err := s.lockLimit(ctx, t, b); err != nil {
				return err
			}
			_, err = s.expireDue(ctx, t, b)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
