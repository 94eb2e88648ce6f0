package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// The products table keeps the product's body as one JSON document (doc)
// and, beside it, the few columns lists filter on. Both engines store the
// document as TEXT, so one SQL text serves both; every statement goes
// through db.Tenanted, which binds $1 to the tenant and $2 to the sandbox
// flag.

// body is the part of a product kept in the doc column: everything but the
// platform-set fields, which have columns of their own.
func body(p Product) ([]byte, error) {
	p.ID, p.Version, p.CreatedAt, p.UpdatedAt = "", 0, time.Time{}, time.Time{}
	return json.Marshal(p.normalized())
}

// searchText is what ?q= matches: the SKU and every title, lower-cased in
// Go so that both engines compare the same way (SQLite's lower() folds
// ASCII only).
func searchText(p Product) string {
	parts := []string{p.SKU}
	for _, k := range slices.Sorted(maps.Keys(p.Title)) {
		parts = append(parts, p.Title[k])
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

// marketsText spells markets as "|EU|US|" so that one market is found with
// LIKE '%|EU|%' on either engine.
func marketsText(ms []string) string {
	if len(ms) == 0 {
		return ""
	}
	return "|" + strings.Join(ms, "|") + "|"
}

const productCols = `id, doc, version, created_at, updated_at`

func scanProduct(sc interface{ Scan(...any) error }) (Product, error) {
	var (
		p   Product
		doc string
	)
	if err := sc.Scan(&p.ID, &doc, &p.Version, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return Product{}, err
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.UseNumber()
	var b Product
	if err := dec.Decode(&b); err != nil {
		return Product{}, fmt.Errorf("catalog: product %s: stored document: %w", p.ID, err)
	}
	b.ID, b.Version, b.CreatedAt, b.UpdatedAt = p.ID, p.Version, p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return b.normalized(), nil
}

func (s *Service) insert(ctx context.Context, p Product) error {
	doc, err := body(p)
	if err != nil {
		return err
	}
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return err
	}
	_, err = t.ExecContext(ctx, `INSERT INTO products (tenant_id, sandbox, id, sku, category, hs_code, markets,
		search, doc, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		p.ID, p.SKU, p.Category, p.HSCode, marketsText(p.Markets), searchText(p), string(doc), p.Version,
		p.CreatedAt, p.UpdatedAt)
	if db.IsUnique(err) {
		return duplicateSKU()
	}
	if err != nil {
		return fmt.Errorf("catalog: insert product: %w", err)
	}
	return nil
}

// upsert writes p by its SKU: a new row, or over the stored product with
// that SKU when its version is still expect (0 for "there is none"). It
// reports false when the stored product has moved on. The conflict is
// resolved on the unique SKU index itself, so the cost per row stays flat
// however many rows one transaction writes.
func (s *Service) upsert(ctx context.Context, p Product, expect int64) (bool, error) {
	doc, err := body(p)
	if err != nil {
		return false, err
	}
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	res, err := t.ExecContext(ctx, `INSERT INTO products (tenant_id, sandbox, id, sku, category, hs_code, markets,
		search, doc, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (tenant_id, sandbox, sku) DO UPDATE SET category = excluded.category, hs_code = excluded.hs_code,
			markets = excluded.markets, search = excluded.search, doc = excluded.doc, version = excluded.version,
			updated_at = excluded.updated_at
		WHERE products.version = $13`,
		p.ID, p.SKU, p.Category, p.HSCode, marketsText(p.Markets), searchText(p), string(doc), p.Version,
		p.CreatedAt, p.UpdatedAt, expect)
	if err != nil {
		return false, fmt.Errorf("catalog: write product: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("catalog: write product: %w", err)
	}
	return n == 1, nil
}

// update writes p over the stored product with the given version; it
// reports false when that version is no longer current (someone else's
// write came first).
func (s *Service) update(ctx context.Context, p Product, prevVersion int64) (bool, error) {
	doc, err := body(p)
	if err != nil {
		return false, err
	}
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	res, err := t.ExecContext(ctx, `UPDATE products SET sku = $4, category = $5, hs_code = $6, markets = $7,
		search = $8, doc = $9, version = $10, updated_at = $11
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND version = $12`,
		p.ID, p.SKU, p.Category, p.HSCode, marketsText(p.Markets), searchText(p), string(doc), p.Version,
		p.UpdatedAt, prevVersion)
	if db.IsUnique(err) {
		return false, duplicateSKU()
	}
	if err != nil {
		return false, fmt.Errorf("catalog: update product: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("catalog: update product: %w", err)
	}
	return n == 1, nil
}

func (s *Service) remove(ctx context.Context, id string, version int64) (bool, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	res, err := t.ExecContext(ctx, `DELETE FROM products WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND version = $4`,
		id, version)
	if err != nil {
		return false, fmt.Errorf("catalog: delete product: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("catalog: delete product: %w", err)
	}
	return n == 1, nil
}

// find reads one product by id or by SKU (key is "id" or "sku").
func (s *Service) find(ctx context.Context, key, value string) (Product, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Product{}, err
	}
	col := "id"
	if key == "sku" {
		col = "sku"
	}
	p, err := scanProduct(t.QueryRowContext(ctx, `SELECT `+productCols+` FROM products
		WHERE tenant_id = $1 AND sandbox = $2 AND `+col+` = $3`, value))
	if errors.Is(err, sql.ErrNoRows) {
		return Product{}, problem.ErrNotFound
	}
	if err != nil {
		return Product{}, fmt.Errorf("catalog: get product: %w", err)
	}
	return p, nil
}

// skusPerQuery bounds the SKUs one lookup binds.
const skusPerQuery = 500

func (s *Service) findSKUs(ctx context.Context, skus []string) (map[string]Product, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Product, len(skus))
	for rest := skus; len(rest) > 0; {
		n := min(len(rest), skusPerQuery)
		args := make([]any, n)
		for i, sku := range rest[:n] {
			args[i] = strings.TrimSpace(sku)
		}
		rows, err := t.QueryContext(ctx, `SELECT `+productCols+` FROM products WHERE tenant_id = $1 AND sandbox = $2
			AND sku IN (`+db.Params(3, n)+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("catalog: get products: %w", err)
		}
		ps, err := db.Collect(rows, func(r db.Row) (Product, error) { return scanProduct(r) })
		if err != nil {
			return nil, fmt.Errorf("catalog: get products: %w", err)
		}
		for _, p := range ps {
			out[p.SKU] = p
		}
		rest = rest[n:]
	}
	return out, nil
}

// query lists products matching f whose SKU sorts after after, in SKU
// order, at most limit of them.
func (s *Service) query(ctx context.Context, f Filter, after string, limit int) ([]Product, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + productCols + ` FROM products WHERE tenant_id = $1 AND sandbox = $2 AND sku > $3`
	args := []any{after}
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args)+2))
	}
	if f.SKU != "" {
		add("sku = ?", f.SKU)
	}
	if f.Category != "" {
		add("category = ?", f.Category)
	}
	if f.HSCode != "" {
		add("hs_code LIKE ?", f.HSCode+"%")
	}
	if f.Market != "" {
		add("markets LIKE ?", "%|"+f.Market+"|%")
	}
	if f.Q != "" {
		add(`search LIKE ? ESCAPE '\'`, "%"+escapeLike(strings.ToLower(f.Q))+"%")
	}
	args = append(args, limit)
	q += " ORDER BY sku LIMIT $" + strconv.Itoa(len(args)+2)
	rows, err := t.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list products: %w", err)
	}
	defer rows.Close()
	var out []Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: list products: %w", err)
	}
	return out, nil
}

// titleLanguages lists the title languages used across the caller's
// products, for the columns of an export.
func (s *Service) titleLanguages(ctx context.Context, f Filter) ([]string, error) {
	seen := map[string]bool{}
	after := ""
	for {
		ps, err := s.query(ctx, f, after, exportBatch)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			for k := range p.Title {
				seen[k] = true
			}
		}
		if len(ps) < exportBatch {
			break
		}
		after = ps[len(ps)-1].SKU
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func duplicateSKU() error {
	return &problem.Error{Status: 409, Code: "duplicate", Params: []any{"field", "sku"},
		Fields: []problem.Field{{Field: "sku", Code: "taken"}}}
}
