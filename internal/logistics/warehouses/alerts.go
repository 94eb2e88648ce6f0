package warehouses

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// coverWindow is the shipment history days of cover are computed from.
const coverWindow = 30

// CheckAlerts evaluates the alert rules of every warehouse: it opens an
// alert (and publishes warehouse.low_stock or warehouse.ageing_stock)
// for each condition that newly holds, and resolves open alerts whose
// condition no longer holds. It returns the alerts it opened.
func (s *Service) CheckAlerts(ctx context.Context) ([]Alert, error) {
	var out []Alert
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		ws, err := s.All(ctx)
		if err != nil {
			return err
		}
		out, err = s.checkAlerts(ctx, ws)
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.check_alerts", Resource: "warehouse_alerts",
			Change: map[string]int{"opened": len(out)}})
	})
	return out, err
}

type condition struct {
	alert Alert
	key   string
}

func (s *Service) checkAlerts(ctx context.Context, ws []Warehouse) ([]Alert, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	now := s.stamp()
	var opened []Alert
	for _, w := range ws {
		st, err := s.Stock(ctx, StockFilter{WarehouseID: w.ID})
		if err != nil {
			return nil, err
		}
		shipped, err := s.shippedSince(ctx, w.ID, now.Add(-coverWindow*24*time.Hour))
		if err != nil {
			return nil, err
		}
		var ageing map[StockKey]int64
		if w.Alerts.AgeingDays > 0 {
			if ageing, err = s.agedUnits(ctx, w.ID, now, w.Alerts.AgeingDays); err != nil {
				return nil, err
			}
		}
		holds := map[string]condition{}
		for _, row := range st {
			if !row.Grade.Sellable() {
				continue
			}
			k := StockKey{row.SKU, row.Grade}
			base := Alert{WarehouseID: w.ID, WarehouseCode: w.Code, SKU: row.SKU, Grade: row.Grade, Available: row.Available}
			threshold := w.Alerts.LowStock
			if v, ok := w.Alerts.LowStockSKU[row.SKU]; ok {
				threshold = v
			}
			low := threshold > 0 && row.Available <= threshold
			var cover float64
			if w.Alerts.MinDaysCover > 0 && shipped[k] > 0 {
				c := math.Round(float64(row.Available)/(float64(shipped[k])/coverWindow)*10) / 10
				cover = c
				if c < float64(w.Alerts.MinDaysCover) {
					low = true
				}
			}
			if low {
				a := base
				a.Kind, a.Threshold, a.DaysCover = AlertLowStock, threshold, cover
				holds[openKey(w.ID, AlertLowStock, k)] = condition{a, openKey(w.ID, AlertLowStock, k)}
			}
			if n := ageing[k]; n > 0 {
				a := base
				a.Kind, a.AgedUnits, a.AgeDays = AlertAgeing, n, w.Alerts.AgeingDays
				holds[openKey(w.ID, AlertAgeing, k)] = condition{a, openKey(w.ID, AlertAgeing, k)}
			}
		}
		// Resolve what no longer holds.
		rows, err := t.QueryContext(ctx, `SELECT id, open_key FROM warehouse_alerts WHERE tenant_id = $1 AND sandbox = $2
			AND warehouse_id = $3 AND open_key IS NOT NULL`, w.ID)
		if err != nil {
			return nil, fmt.Errorf("warehouses: alerts: %w", err)
		}
		open := map[string]string{}
		for rows.Next() {
			var id, key string
			if err := rows.Scan(&id, &key); err != nil {
				rows.Close()
				return nil, err
			}
			open[key] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for key, id := range open {
			if _, ok := holds[key]; ok {
				continue
			}
			if _, err := t.ExecContext(ctx, `UPDATE warehouse_alerts SET open_key = NULL, resolved_at = $4
				WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id, now); err != nil {
				return nil, fmt.Errorf("warehouses: resolve alert: %w", err)
			}
		}
		var es []events.Event
		for key, c := range holds {
			if _, ok := open[key]; ok {
				continue
			}
			a := c.alert
			a.ID, a.CreatedAt = ids.New("wha"), now
			doc, err := json.Marshal(a)
			if err != nil {
				return nil, err
			}
			if _, err := t.ExecContext(ctx, `INSERT INTO warehouse_alerts (tenant_id, sandbox, id, warehouse_id, kind, sku, grade, open_key, doc, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, a.ID, a.WarehouseID, a.Kind, a.SKU, string(a.Grade), key, string(doc), now); err != nil {
				return nil, fmt.Errorf("warehouses: open alert: %w", err)
			}
			typ := EventLowStock
			if a.Kind == AlertAgeing {
				typ = EventAgeingStock
			}
			es = append(es, events.Event{Type: typ, ResourceID: a.WarehouseID, Data: a})
			opened = append(opened, a)
		}
		if s.events != nil && len(es) > 0 {
			if err := s.events.PublishMany(ctx, es); err != nil {
				return nil, err
			}
		}
	}
	return opened, nil
}

func openKey(warehouseID, kind string, k StockKey) string {
	return warehouseID + "|" + kind + "|" + k.SKU + "|" + string(k.Grade)
}

// shippedSince sums units shipped per SKU and grade since t.
func (s *Service) shippedSince(ctx context.Context, warehouseID string, since time.Time) (map[StockKey]int64, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT sku, grade, SUM(-on_hand_delta) FROM warehouse_movements
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND type = 'shipment' AND created_at >= $4
		GROUP BY sku, grade`, warehouseID, since)
	if err != nil {
		return nil, fmt.Errorf("warehouses: shipped: %w", err)
	}
	defer rows.Close()
	out := map[StockKey]int64{}
	for rows.Next() {
		var k StockKey
		var g string
		var n int64
		if err := rows.Scan(&k.SKU, &g, &n); err != nil {
			return nil, err
		}
		k.Grade = Grade(g)
		out[k] = n
	}
	return out, rows.Err()
}

// agedUnits sums units on hand received more than days ago.
func (s *Service) agedUnits(ctx context.Context, warehouseID string, now time.Time, days int) (map[StockKey]int64, error) {
	ls, err := s.lots(ctx, warehouseID)
	if err != nil {
		return nil, err
	}
	out := map[StockKey]int64{}
	for _, l := range ls {
		if ageDays(now, l.ReceivedAt) > days {
			out[StockKey{l.SKU, l.Grade}] += l.Units
		}
	}
	return out, nil
}

// Alerts lists alerts, newest first; open only when openOnly.
func (s *Service) Alerts(ctx context.Context, openOnly bool, limit int) ([]Alert, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	open := 0
	if openOnly {
		open = 1
	}
	rows, err := t.QueryContext(ctx, `SELECT doc, resolved_at FROM warehouse_alerts WHERE tenant_id = $1 AND sandbox = $2
		AND ($3 = 0 OR open_key IS NOT NULL) ORDER BY id DESC LIMIT $4`, open, limit)
	if err != nil {
		return nil, fmt.Errorf("warehouses: alerts: %w", err)
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var doc string
		var resolved sql.NullTime
		if err := rows.Scan(&doc, &resolved); err != nil {
			return nil, err
		}
		var a Alert
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, err
		}
		if resolved.Valid {
			r := resolved.Time.UTC()
			a.ResolvedAt = &r
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AlertAck is the body of POST /api/v1/warehouses/alerts/{id}/acknowledge.
type AlertAck struct {
	Note string `json:"note,omitempty"`
}

// XMLRoot names the XML root element.
func (AlertAck) XMLRoot() string { return "acknowledgement" }

// AcknowledgeAlert marks an open alert as seen by the caller, with an
// optional note. Acknowledging it again changes nothing; a resolved alert
// cannot be acknowledged (409), as there is nothing left to act on.
func (s *Service) AcknowledgeAlert(ctx context.Context, id string, ack AlertAck) (Alert, error) {
	ack.Note = strings.TrimSpace(ack.Note)
	if utf8.RuneCountInString(ack.Note) > 500 {
		return Alert{}, problem.Invalid(problem.Field{Field: "note", Code: "max_length", Params: []any{"max", 500}})
	}
	var out Alert
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		var (
			doc      string
			resolved sql.NullTime
		)
		err = t.QueryRowContext(ctx, `SELECT doc, resolved_at FROM warehouse_alerts WHERE tenant_id = $1 AND sandbox = $2
			AND id = $3`, strings.TrimSpace(id)).Scan(&doc, &resolved)
		if errors.Is(err, sql.ErrNoRows) {
			return problem.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("warehouses: alert: %w", err)
		}
		if err := json.Unmarshal([]byte(doc), &out); err != nil {
			return err
		}
		if resolved.Valid {
			r := resolved.Time.UTC()
			out.ResolvedAt = &r
			return stateErr("resolved", "acknowledged")
		}
		if out.AcknowledgedAt != nil {
			return nil
		}
		now, actor := s.stamp(), audit.ActorFrom(ctx)
		out.AcknowledgedAt, out.AcknowledgedBy, out.AckNote = &now, actor.Email, ack.Note
		if out.AcknowledgedBy == "" {
			out.AcknowledgedBy = actor.ID
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `UPDATE warehouse_alerts SET doc = $4 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`,
			out.ID, string(b)); err != nil {
			return fmt.Errorf("warehouses: acknowledge alert: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.alert_acknowledge", Resource: "warehouse_alert/" + out.ID,
			Change: map[string]any{"note": ack.Note}})
	})
	return out, err
}
