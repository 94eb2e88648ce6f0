package checks

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// A check is one row: the filter columns (product, order, SKU, verdict)
// beside the whole check as one JSON document. Every statement goes
// through db.Tenanted ($1 tenant, $2 sandbox).

func marketsText(ms []string) string { return "|" + strings.Join(ms, "|") + "|" }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (s *Service) insert(ctx context.Context, c Check) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("checks: encode check: %w", err)
	}
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO compliance_checks (tenant_id, sandbox, id, product_id, order_id, sku, verdict,
		markets, transport, doc, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING`,
		c.ID, c.ProductID, nullable(c.OrderID), c.SKU, c.Verdict, marketsText(c.Markets), c.Transport, string(doc),
		c.CreatedBy, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("checks: store check: %w", err)
	}
	return nil
}

func decodeCheck(doc string) (Check, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	var c Check
	if err := dec.Decode(&c); err != nil {
		return Check{}, err
	}
	return c, nil
}

func (s *Service) get(ctx context.Context, id string) (Check, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Check{}, err
	}
	var doc string
	err = t.QueryRowContext(ctx, `SELECT doc FROM compliance_checks WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return Check{}, problem.ErrNotFound
	}
	if err != nil {
		return Check{}, fmt.Errorf("checks: get %s: %w", id, err)
	}
	c, err := decodeCheck(doc)
	if err != nil {
		return Check{}, fmt.Errorf("checks: check %s: stored document: %w", id, err)
	}
	return c, nil
}

// query lists checks matching f with ids before before (newest first).
func (s *Service) query(ctx context.Context, f Filter, before string, limit int) ([]Summary, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT doc FROM compliance_checks WHERE tenant_id = $1 AND sandbox = $2`
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)+2))
	}
	if before != "" {
		add("id < ?", before)
	}
	if f.ProductID != "" {
		add("product_id = ?", f.ProductID)
	}
	if f.OrderID != "" {
		add("order_id = ?", f.OrderID)
	}
	if f.Verdict != "" {
		add("verdict = ?", f.Verdict)
	}
	args = append(args, limit)
	q += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args)+2)
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("checks: list: %w", err)
	}
	return db.Collect(rows, func(r db.Row) (Summary, error) {
		var doc string
		if err := r.Scan(&doc); err != nil {
			return Summary{}, err
		}
		c, err := decodeCheck(doc)
		if err != nil {
			return Summary{}, err
		}
		return summaryOf(c), nil
	})
}

func summaryOf(c Check) Summary {
	return Summary{ID: c.ID, Verdict: c.Verdict, ProductID: c.ProductID, OrderID: c.OrderID, SKU: c.SKU,
		Title: titleOf(c.Product, "en"), Markets: c.Markets, Transport: c.Transport, Counts: c.Counts, CreatedAt: c.CreatedAt}
}
