package warehouses

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bojanz/currency"
	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// recordFee keeps a fee once per (warehouse, kind, reference); a repeat
// is a no-op and reports false.
func (s *Service) recordFee(ctx context.Context, f Fee) error {
	_, err := s.insertFee(ctx, f)
	return err
}

func (s *Service) insertFee(ctx context.Context, f Fee) (bool, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return false, err
	}
	doc, err := json.Marshal(f.Detail)
	if err != nil {
		return false, err
	}
	res, err := t.ExecContext(ctx, `INSERT INTO warehouse_fees (tenant_id, sandbox, id, warehouse_id, kind, reference, amount, currency, doc, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (tenant_id, sandbox, warehouse_id, kind, reference) DO NOTHING`,
		ids.New("whf"), f.WarehouseID, f.Kind, f.Reference, f.Amount.Amount, f.Amount.Currency, string(doc), s.stamp())
	if err != nil {
		return false, fmt.Errorf("warehouses: record fee: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// Fees lists a warehouse's fees, newest first.
func (s *Service) Fees(ctx context.Context, warehouseID string, limit int) ([]Fee, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	rows, err := t.QueryContext(ctx, `SELECT id, warehouse_id, kind, reference, amount, currency, doc, created_at FROM warehouse_fees
		WHERE tenant_id = $1 AND sandbox = $2 AND ($3 = '' OR warehouse_id = $3) ORDER BY id DESC LIMIT $4`, warehouseID, limit)
	if err != nil {
		return nil, fmt.Errorf("warehouses: fees: %w", err)
	}
	defer rows.Close()
	var out []Fee
	for rows.Next() {
		var f Fee
		var doc string
		if err := rows.Scan(&f.ID, &f.WarehouseID, &f.Kind, &f.Reference, &f.Amount.Amount, &f.Amount.Currency, &doc, &f.CreatedAt); err != nil {
			return nil, err
		}
		var d any
		if json.Unmarshal([]byte(doc), &d) == nil {
			f.Detail = d
		}
		f.CreatedAt = f.CreatedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// StorageBandFor returns the band that prices units aged days: the first
// whose UpToDays covers it, else the last.
func StorageBandFor(bands []StorageBand, days int) (StorageBand, bool) {
	for _, b := range bands {
		if b.UpToDays == 0 || days <= b.UpToDays {
			return b, true
		}
	}
	if len(bands) == 0 {
		return StorageBand{}, false
	}
	return bands[len(bands)-1], true
}

// StorageLine is one lot's share of a day's storage charge.
type StorageLine struct {
	SKU     string `json:"sku"`
	Grade   Grade  `json:"grade"`
	Units   int64  `json:"units"`
	AgeDays int    `json:"age_days"`
	Band    int    `json:"band_up_to_days"`
	Amount  string `json:"amount"`
}

// StorageCharge prices one day of storage for lots: for each lot, units
// × (per_unit_day + per_cbm_day × unit volume in m³) of the band its age
// falls in; the total is rounded half-even to the currency's minor unit
// once, at the end.
func StorageCharge(f FeeSchedule, lots []StoredLot, day time.Time) (money.Money, []StorageLine, error) {
	total, err := currency.NewAmount("0", f.Currency)
	if err != nil {
		return money.Money{}, nil, err
	}
	var lines []StorageLine
	for _, l := range lots {
		age := ageDays(day, l.ReceivedAt)
		b, ok := StorageBandFor(f.Storage, age)
		if !ok || l.Units <= 0 {
			continue
		}
		per, _ := currency.NewAmount("0", f.Currency)
		if b.PerUnitDay != "" {
			a, err := currency.NewAmount(b.PerUnitDay, f.Currency)
			if err != nil {
				return money.Money{}, nil, err
			}
			per, _ = per.Add(a)
		}
		if b.PerCBMDay != "" && f.UnitVolumeCM3[l.SKU] > 0 {
			a, err := currency.NewAmount(b.PerCBMDay, f.Currency)
			if err != nil {
				return money.Money{}, nil, err
			}
			a, _ = a.Mul(itoa64(f.UnitVolumeCM3[l.SKU]))
			a, _ = a.Div("1000000")
			per, _ = per.Add(a)
		}
		amt, _ := per.Mul(itoa64(l.Units))
		total, _ = total.Add(amt)
		lines = append(lines, StorageLine{SKU: l.SKU, Grade: l.Grade, Units: l.Units, AgeDays: age, Band: b.UpToDays, Amount: amt.Number()})
	}
	return money.From(total), lines, nil
}

// StoredLot is units received on one date, still on hand.
type StoredLot struct {
	SKU        string
	Grade      Grade
	ReceivedAt time.Time
	Units      int64
}

func (s *Service) lots(ctx context.Context, warehouseID string) ([]StoredLot, error) {
	t, err := s.db.Tenant(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT sku, grade, received_at, remaining FROM warehouse_lots
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 ORDER BY sku, grade, received_at`, warehouseID)
	if err != nil {
		return nil, fmt.Errorf("warehouses: lots: %w", err)
	}
	defer rows.Close()
	var out []StoredLot
	for rows.Next() {
		var l StoredLot
		var g string
		if err := rows.Scan(&l.SKU, &g, &l.ReceivedAt, &l.Units); err != nil {
			return nil, err
		}
		l.Grade, l.ReceivedAt = Grade(g), l.ReceivedAt.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}

// AccrueStorage charges one day of storage on the stock held now, dated
// day (a calendar date, UTC). A day already charged is not charged again:
// the first charge is returned.
func (s *Service) AccrueStorage(ctx context.Context, warehouseID string, day time.Time) (Fee, error) {
	var out Fee
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		w, err := s.Get(ctx, warehouseID)
		if err != nil {
			return err
		}
		if len(w.Fees.Storage) == 0 {
			return problem.Invalid(problem.Field{Field: "fees.storage", Code: "required"})
		}
		d := day.UTC().Truncate(24 * time.Hour)
		ls, err := s.lots(ctx, warehouseID)
		if err != nil {
			return err
		}
		amt, lines, err := StorageCharge(w.Fees, ls, d)
		if err != nil {
			return err
		}
		f := Fee{WarehouseID: warehouseID, Kind: FeeStorage, Reference: d.Format(time.DateOnly), Amount: amt, Detail: lines}
		created, err := s.insertFee(ctx, f)
		if err != nil {
			return err
		}
		fs, err := s.Fees(ctx, warehouseID, 500)
		if err != nil {
			return err
		}
		for _, x := range fs {
			if x.Kind == FeeStorage && x.Reference == f.Reference {
				out = x
			}
		}
		if !created {
			return nil
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.warehouse.storage_fee", Resource: "warehouse/" + warehouseID, Change: out})
	})
	return out, err
}
