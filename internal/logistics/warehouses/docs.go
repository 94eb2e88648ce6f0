package warehouses

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
)

// Inbound notices, outbound orders and reconciliation reports are kept as
// JSON documents beside the columns their lists filter on; these read
// them back.

// getDoc reads the document id of table in the caller's partition.
func getDoc[T any](ctx context.Context, s *Service, table, id string) (T, error) {
	var v T
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return v, err
	}
	var doc string
	if err := t.QueryRowContext(ctx, `SELECT doc FROM `+table+` WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`,
		strings.TrimSpace(id)).Scan(&doc); err != nil {
		return v, notFound(err)
	}
	return v, json.Unmarshal([]byte(doc), &v)
}

// listDocs reads the newest documents of table, of one warehouse when
// warehouseID is set and in one status when status is; limit is clamped
// to 1..max (def when out of range).
func listDocs[T any](ctx context.Context, s *Service, table, warehouseID, status string, limit, def, max int) ([]T, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > max {
		limit = def
	}
	query, args := `SELECT doc FROM `+table+` WHERE tenant_id = $1 AND sandbox = $2 AND ($3 = '' OR warehouse_id = $3)`,
		[]any{warehouseID}
	if status != "" {
		query, args = query+` AND status = $4`, append(args, status)
	}
	query += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)
	rows, err := t.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("warehouses: list %s: %w", table, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc string
		var v T
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
