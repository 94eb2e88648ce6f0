package warehouses

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/connectors/warehouse/sandboxwarehouse"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

type recorder struct {
	mu      sync.Mutex
	actions []string
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	r.actions = append(r.actions, e.Action)
	r.mu.Unlock()
	return nil
}

type publisher struct {
	mu sync.Mutex
	es []events.Event
}

func (p *publisher) PublishMany(_ context.Context, es []events.Event) error {
	p.mu.Lock()
	p.es = append(p.es, es...)
	p.mu.Unlock()
	return nil
}

var day0 = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func setup(t testing.TB, d *db.DB) (*Service, context.Context, *recorder) {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Warehouses "+tid, time.Now().UTC())
	rec := &recorder{}
	s := New(d, rec)
	return s, db.WithScope(context.Background(), db.Scope{TenantID: tid}), rec
}

func wh(code, country string, regions ...Region) Warehouse {
	return Warehouse{Code: code, Name: code + " warehouse", Operator: "Test Op", Country: country,
		Address: Address{Line1: "1 Dock Rd", City: "Somewhere"}, Regions: regions,
		Fees: FeeSchedule{Currency: "EUR", HandlingPerOrder: "1.50", HandlingPerLine: "0.30",
			Storage: []StorageBand{{UpToDays: 90, PerUnitDay: "0.02"}, {UpToDays: 180, PerUnitDay: "0.05"}, {PerUnitDay: "0.10"}}}}
}

func mustCreate(t testing.TB, s *Service, ctx context.Context, w Warehouse) Warehouse {
	t.Helper()
	out, err := s.Create(ctx, w)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stockOf(t testing.TB, s *Service, ctx context.Context, w, sku string, g Grade) Stock {
	t.Helper()
	st, err := s.Stock(ctx, StockFilter{WarehouseID: w, SKU: sku})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range st {
		if x.Grade == g {
			return x
		}
	}
	return Stock{}
}

// ledgerSum checks the movements add up to the stock row.
func ledgerSum(t testing.TB, d *db.DB, ctx context.Context, w, sku string, g Grade) {
	t.Helper()
	tn, _ := d.Tenant(ctx)
	var on, res, son, sres int64
	if err := tn.QueryRowContext(ctx, `SELECT COALESCE(SUM(on_hand_delta), 0), COALESCE(SUM(reserved_delta), 0) FROM warehouse_movements
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5`, w, sku, string(g)).Scan(&on, &res); err != nil {
		t.Fatal(err)
	}
	if err := tn.QueryRowContext(ctx, `SELECT on_hand, reserved FROM warehouse_stock
		WHERE tenant_id = $1 AND sandbox = $2 AND warehouse_id = $3 AND sku = $4 AND grade = $5`, w, sku, string(g)).Scan(&son, &sres); err != nil {
		t.Fatal(err)
	}
	if on != son || res != sres {
		t.Errorf("%s/%s: ledger on_hand %d reserved %d, stock %d/%d", sku, g, on, res, son, sres)
	}
}

func receive(t testing.TB, s *Service, ctx context.Context, w, sku string, q int64) {
	t.Helper()
	in, err := s.CreateInbound(ctx, NewInbound{WarehouseID: w, Lines: []Line{{SKU: sku, Quantity: q}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReceiveInbound(ctx, in.ID, Receipt{Lines: []Line{{SKU: sku, Quantity: q}}}); err != nil {
		t.Fatal(err)
	}
}

func code(err error) string {
	if pe, ok := problem.As(err); ok {
		return pe.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func TestAllocate(t *testing.T) {
	t.Parallel()
	de := wh("DE1", "DE", Region{"DE", 1}, Region{"FR", 2}, Region{"GB", 4})
	de.ID = "w_de"
	gb := wh("GB1", "GB", Region{"GB", 1}, Region{"DE", 4}, Region{"FR", 3})
	gb.ID = "w_gb"
	us := wh("US1", "US", Region{"US", 2})
	us.ID = "w_us"
	de2 := wh("DE2", "DE", Region{"DE", 1}, Region{"FR", 2})
	de2.ID, de2.Fees.HandlingPerOrder = "w_de2", "0.90"
	usd := wh("FR9", "FR", Region{"DE", 1})
	usd.ID, usd.Fees.Currency, usd.Fees.HandlingPerOrder = "w_fr9", "USD", "0.10"
	av := func(pairs ...any) map[StockKey]int64 {
		m := map[StockKey]int64{}
		for i := 0; i < len(pairs); i += 2 {
			m[StockKey{pairs[i].(string), warehouse.GradeNew}] = int64(pairs[i+1].(int))
		}
		return m
	}
	line := func(sku string, q int64) Line { return Line{SKU: sku, Grade: warehouse.GradeNew, Quantity: q} }
	for _, tc := range []struct {
		name     string
		country  string
		lines    []Line
		opts     []Option
		split    bool
		want     []string // warehouse codes of the assignments
		unserved int
	}{
		{"fastest with stock wins", "GB", []Line{line("A", 2)},
			[]Option{{de, av("A", 10)}, {gb, av("A", 10)}}, true, []string{"GB1"}, 0},
		{"faster warehouse lacks stock", "GB", []Line{line("A", 2)},
			[]Option{{de, av("A", 10)}, {gb, av("A", 1)}}, true, []string{"DE1"}, 0},
		{"country not served", "US", []Line{line("A", 2)},
			[]Option{{de, av("A", 10)}, {gb, av("A", 10)}}, true, nil, 1},
		{"tie on days goes to the lower fee", "DE", []Line{line("A", 1)},
			[]Option{{de, av("A", 5)}, {de2, av("A", 5)}}, true, []string{"DE2"}, 0},
		{"tie across currencies goes to the code", "DE", []Line{line("A", 1)},
			[]Option{{usd, av("A", 5)}, {de, av("A", 5)}}, true, []string{"DE1"}, 0},
		{"single warehouse preferred over a faster split", "FR", []Line{line("A", 1), line("B", 1)},
			[]Option{{de, av("A", 1)}, {gb, av("A", 1, "B", 1)}}, true, []string{"GB1"}, 0},
		{"split when no single warehouse covers", "FR", []Line{line("A", 3), line("B", 2)},
			[]Option{{de, av("A", 3)}, {gb, av("B", 2)}}, true, []string{"DE1", "GB1"}, 0},
		{"split refused", "FR", []Line{line("A", 3), line("B", 2)},
			[]Option{{de, av("A", 3)}, {gb, av("B", 2)}}, false, nil, 2},
		{"a line is never split", "FR", []Line{line("A", 4)},
			[]Option{{de, av("A", 3)}, {gb, av("A", 3)}}, true, nil, 1},
		{"exact stock suffices", "US", []Line{line("A", 7)},
			[]Option{{us, av("A", 7)}}, true, []string{"US1"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Allocate(tc.country, tc.lines, tc.opts, tc.split)
			var got []string
			for _, a := range p.Assignments {
				got = append(got, a.Warehouse.Code)
			}
			if len(p.Unserved) != tc.unserved {
				t.Errorf("unserved %v, want %d", p.Unserved, tc.unserved)
			}
			if tc.unserved > 0 {
				got = nil
			}
			if len(got) != len(tc.want) {
				t.Fatalf("assigned %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("assigned %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestFees(t *testing.T) {
	t.Parallel()
	f := FeeSchedule{Currency: "EUR", HandlingPerOrder: "1.50", HandlingPerLine: "0.30", HandlingPerUnit: "0.125",
		Storage:       []StorageBand{{UpToDays: 30, PerUnitDay: "0.01"}, {UpToDays: 180, PerUnitDay: "0.02", PerCBMDay: "0.50"}, {PerUnitDay: "0.10"}},
		UnitVolumeCM3: map[string]int64{"B": 20000}}
	// 1.50 + 2 × 0.30 + 5 × 0.125 = 2.725 → 2.72 (half-even).
	if got := HandlingFee(f, []Line{{SKU: "A", Quantity: 3}, {SKU: "B", Quantity: 2}}); got.Amount != "2.72" || got.Currency != "EUR" {
		t.Errorf("handling %v", got)
	}
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	lots := []StoredLot{
		{SKU: "A", Grade: "new", ReceivedAt: day.AddDate(0, 0, -10), Units: 100}, // 100 × 0.01 = 1.00
		{SKU: "B", Grade: "new", ReceivedAt: day.AddDate(0, 0, -60), Units: 10},  // 10 × (0.02 + 0.5 × 0.02) = 0.30
		{SKU: "A", Grade: "new", ReceivedAt: day.AddDate(0, 0, -200), Units: 3},  // 3 × 0.10 = 0.30
	}
	amt, lines, err := StorageCharge(f, lots, day)
	if err != nil {
		t.Fatal(err)
	}
	if amt.Amount != "1.60" || len(lines) != 3 || lines[1].Band != 180 || lines[2].Band != 0 {
		t.Errorf("storage %v %+v", amt, lines)
	}
}

func TestWarehouseFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, rec := setup(t, d)
		pub := &publisher{}
		s.UsePublisher(pub)
		now := day0
		s.SetClock(func() time.Time { return now })

		if _, err := s.Create(ctx, Warehouse{Code: "bad code!", Country: "XX", Fees: FeeSchedule{Currency: "EUR"}}); code(err) != "validation_failed" {
			t.Fatalf("invalid warehouse: %v", err)
		} else if pe, _ := problem.As(err); len(pe.Fields) < 4 {
			t.Errorf("fields %+v", pe.Fields)
		}
		de := wh("DE-FRA", "DE", Region{"DE", 1}, Region{"FR", 2})
		de.Alerts = AlertRules{LowStock: 3, AgeingDays: 90}
		w := mustCreate(t, s, ctx, de)
		if _, err := s.Create(ctx, de); code(err) != "duplicate" {
			t.Errorf("duplicate code: %v", err)
		}

		// ASN: created → in_transit → received, with a discrepancy.
		in, err := s.CreateInbound(ctx, NewInbound{WarehouseID: w.ID, Lines: []Line{{SKU: "TOY-1", Quantity: 10}, {SKU: "TOY-2", Quantity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.ShipInbound(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
		if st := stockOf(t, s, ctx, w.ID, "TOY-1", "new"); st.InTransit != 10 || st.OnHand != 0 {
			t.Errorf("in transit %+v", st)
		}
		in, err = s.ReceiveInbound(ctx, in.ID, Receipt{Lines: []Line{{SKU: "TOY-1", Quantity: 9}, {SKU: "TOY-1", Grade: "damaged", Quantity: 1}, {SKU: "TOY-2", Quantity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		if in.Status != InboundReceived || len(in.Discrepancies) != 2 || in.Discrepancies[0].Grade != "damaged" || in.Discrepancies[0].Difference != 1 || in.Discrepancies[1].Difference != -1 {
			t.Errorf("received %+v", in)
		}
		if _, err := s.ReceiveInbound(ctx, in.ID, Receipt{Lines: []Line{{SKU: "TOY-1", Quantity: 1}}}); code(err) != "warehouse_document_state" {
			t.Errorf("second receipt: %v", err)
		}
		st := stockOf(t, s, ctx, w.ID, "TOY-1", "new")
		if st.OnHand != 9 || st.InTransit != 0 || st.Available != 9 || st.Ages.D0to30 != 9 {
			t.Errorf("after receipt %+v", st)
		}

		// Allocation reserves; shipping consumes; cancel releases.
		alloc, err := s.CreateOutbound(ctx, NewOutbound{Country: "FR", Lines: []Line{{SKU: "TOY-1", Quantity: 4}, {SKU: "TOY-2", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(alloc.Orders) != 1 || alloc.Orders[0].DeliveryDays != 2 || alloc.Orders[0].Handling.Amount != "2.10" {
			t.Fatalf("allocation %+v", alloc)
		}
		if st := stockOf(t, s, ctx, w.ID, "TOY-1", "new"); st.Reserved != 4 || st.Available != 5 {
			t.Errorf("reserved %+v", st)
		}
		if _, err := s.CreateOutbound(ctx, NewOutbound{Country: "FR", Lines: []Line{{SKU: "TOY-1", Quantity: 6}}}); code(err) != "insufficient_stock" {
			t.Errorf("oversell: %v", err)
		}
		if _, err := s.CreateOutbound(ctx, NewOutbound{Country: "US", Lines: []Line{{SKU: "TOY-1", Quantity: 1}}}); code(err) != "insufficient_stock" {
			t.Errorf("unserved country: %v", err)
		}
		if _, err := s.CreateOutbound(ctx, NewOutbound{Country: "FR", Lines: []Line{{SKU: "TOY-1", Grade: "damaged", Quantity: 1}}}); code(err) != "validation_failed" {
			t.Errorf("damaged outbound: %v", err)
		}
		now = now.Add(40 * 24 * time.Hour)
		o, err := s.ShipOutbound(ctx, alloc.Orders[0].ID)
		if err != nil || o.Status != OutboundShipped {
			t.Fatalf("ship %+v %v", o, err)
		}
		if _, err := s.CancelOutbound(ctx, o.ID); code(err) != "warehouse_document_state" {
			t.Errorf("cancel shipped: %v", err)
		}
		st = stockOf(t, s, ctx, w.ID, "TOY-1", "new")
		if st.OnHand != 5 || st.Reserved != 0 || st.Ages.D31to90 != 5 || st.AgeDays != 40 {
			t.Errorf("after shipment %+v", st)
		}
		a2, err := s.CreateOutbound(ctx, NewOutbound{Country: "DE", Lines: []Line{{SKU: "TOY-2", Quantity: 4}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CancelOutbound(ctx, a2.Orders[0].ID); err != nil {
			t.Fatal(err)
		}

		// Returns: idempotent by reference.
		m1, err := s.ReceiveReturn(ctx, w.ID, "TOY-1", "refurbished", 2, "ret_1")
		if err != nil {
			t.Fatal(err)
		}
		m2, err := s.ReceiveReturn(ctx, w.ID, "TOY-1", "refurbished", 2, "ret_1")
		if err != nil || m2.ID != m1.ID {
			t.Errorf("repeat return %v %v", m2, err)
		}
		if st := stockOf(t, s, ctx, w.ID, "TOY-1", "refurbished"); st.OnHand != 2 {
			t.Errorf("returned %+v", st)
		}
		if _, err := s.ReceiveReturn(ctx, w.ID, "TOY-1", "mint", 0, ""); code(err) != "validation_failed" {
			t.Errorf("bad return: %v", err)
		}

		// Adjustments may not take reserved units.
		a3, err := s.CreateOutbound(ctx, NewOutbound{Country: "DE", Lines: []Line{{SKU: "TOY-1", Quantity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Adjust(ctx, w.ID, Adjustment{SKU: "TOY-1", Quantity: -1, Reason: "broken"}); code(err) != "insufficient_stock" {
			t.Errorf("adjust reserved away: %v", err)
		}
		if _, err := s.CancelOutbound(ctx, a3.Orders[0].ID); err != nil {
			t.Fatal(err)
		}

		// Storage, all in the first band (0.02 a unit a day): TOY-1 5 new,
		// 2 refurbished, 1 damaged; TOY-2 4 new → 12 × 0.02.
		fee, err := s.AccrueStorage(ctx, w.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if fee.Amount.Amount != "0.24" {
			t.Errorf("storage fee %+v", fee)
		}
		again, err := s.AccrueStorage(ctx, w.ID, now)
		if err != nil || again.ID != fee.ID {
			t.Errorf("storage twice %v %v", again, err)
		}
		fees, _ := s.Fees(ctx, w.ID, 0)
		if len(fees) != 4 { // 3 handling + 1 storage
			t.Errorf("fees %d", len(fees))
		}

		// Alerts: TOY-2 has 4 available > 3 → not low; the 2 refurbished
		// TOY-1 are (threshold 3); ageing after 100 days.
		now = now.Add(60 * 24 * time.Hour)
		opened, err := s.CheckAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, a := range opened {
			kinds[a.Kind+":"+a.SKU]++
		}
		if kinds["ageing_stock:TOY-1"] != 1 || kinds["ageing_stock:TOY-2"] != 1 || kinds["low_stock:TOY-2"] != 0 || kinds["low_stock:TOY-1"] != 1 {
			t.Errorf("opened %v", kinds)
		}
		if len(pub.es) != len(opened) || pub.es[0].Type != EventAgeingStock && pub.es[0].Type != EventLowStock {
			t.Errorf("events %d for %d alerts", len(pub.es), len(opened))
		}
		if again, _ := s.CheckAlerts(ctx); len(again) != 0 {
			t.Errorf("alerts reopened: %v", again)
		}
		if _, err := s.Adjust(ctx, w.ID, Adjustment{SKU: "TOY-2", Quantity: -3, Reason: "count"}); err != nil {
			t.Fatal(err)
		}
		low, _ := s.CheckAlerts(ctx)
		if len(low) != 1 || low[0].Kind != AlertLowStock || low[0].Available != 1 || low[0].Threshold != 3 {
			t.Errorf("low %+v", low)
		}
		open, _ := s.Alerts(ctx, true, 0)
		if len(open) != 4 {
			t.Errorf("open alerts %d", len(open))
		}

		for _, k := range []struct {
			sku string
			g   Grade
		}{{"TOY-1", "new"}, {"TOY-1", "damaged"}, {"TOY-1", "refurbished"}, {"TOY-2", "new"}} {
			ledgerSum(t, d, ctx, w.ID, k.sku, k.g)
		}
		if len(rec.actions) < 10 {
			t.Errorf("audit records %v", rec.actions)
		}
		// Other tenants see nothing.
		_, other, _ := setup(t, d)
		if _, err := s.Get(other, w.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("other tenant get: %v", err)
		}
		if st, _ := s.Stock(other, StockFilter{}); len(st) != 0 {
			t.Errorf("other tenant stock %v", st)
		}
	})
}

func TestReconciliation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		w := mustCreate(t, s, ctx, wh("GB-LON", "GB", Region{"GB", 1}))
		receive(t, s, ctx, w.ID, "A", 10)
		receive(t, s, ctx, w.ID, "B", 4)
		if _, err := s.CreateOutbound(ctx, NewOutbound{Country: "GB", Lines: []Line{{SKU: "B", Quantity: 3}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ApplySnapshot(ctx, w.ID, SnapshotBody{Stock: []warehouse.StockLevel{{SKU: "A", Grade: "new", OnHand: 10}, {SKU: "A", Grade: "new", OnHand: 1}}}); code(err) != "validation_failed" {
			t.Errorf("duplicate snapshot line: %v", err)
		}
		r, err := s.ApplySnapshot(ctx, w.ID, SnapshotBody{Stock: []warehouse.StockLevel{
			{SKU: "A", Grade: "new", OnHand: 8}, {SKU: "B", Grade: "new", OnHand: 2}, {SKU: "C", Grade: "damaged", OnHand: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		want := []Mismatch{{"A", "new", 10, 8, -2}, {"B", "new", 4, 2, -2}, {"C", "damaged", 0, 1, 1}}
		if len(r.Mismatches) != len(want) {
			t.Fatalf("mismatches %+v", r.Mismatches)
		}
		for i := range want {
			if r.Mismatches[i] != want[i] {
				t.Errorf("mismatch %d: %+v, want %+v", i, r.Mismatches[i], want[i])
			}
		}
		// The count is now the stock; B is short of its reservation.
		if st := stockOf(t, s, ctx, w.ID, "B", "new"); st.OnHand != 2 || st.Reserved != 3 || st.Available != -1 {
			t.Errorf("B after count %+v", st)
		}
		if _, err := s.CreateOutbound(ctx, NewOutbound{Country: "GB", Lines: []Line{{SKU: "B", Quantity: 1}}}); code(err) != "insufficient_stock" {
			t.Errorf("reserve short stock: %v", err)
		}
		again, err := s.ApplySnapshot(ctx, w.ID, SnapshotBody{Stock: []warehouse.StockLevel{
			{SKU: "A", Grade: "new", OnHand: 8}, {SKU: "B", Grade: "new", OnHand: 2}, {SKU: "C", Grade: "damaged", OnHand: 1}}})
		if err != nil || len(again.Mismatches) != 0 {
			t.Errorf("same snapshot again: %+v %v", again.Mismatches, err)
		}
		list, _ := s.Reconciliations(ctx, w.ID, 0)
		if len(list) != 2 || list[0].ID != again.ID {
			t.Errorf("reports %d", len(list))
		}
		got, err := s.GetReconciliation(ctx, r.ID)
		if err != nil || len(got.Mismatches) != 3 {
			t.Errorf("stored report %+v %v", got, err)
		}
		for _, sku := range []string{"A", "B"} {
			ledgerSum(t, d, ctx, w.ID, sku, "new")
		}
	})
}

func TestDeltaIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		w := mustCreate(t, s, ctx, wh("US-LAX", "US", Region{"US", 2}))
		in, err := s.CreateInbound(ctx, NewInbound{WarehouseID: w.ID, Lines: []Line{{SKU: "A", Quantity: 5}}})
		if err != nil {
			t.Fatal(err)
		}
		batch := MovementsBody{Movements: []warehouse.Movement{
			{ID: "op-1", Type: warehouse.Receipt, SKU: "A", Grade: "new", Quantity: 5, Reference: in.ID},
			{ID: "op-2", Type: warehouse.Adjustment, SKU: "A", Grade: "new", Quantity: -1, Note: "cycle count"},
			{ID: "op-3", Type: warehouse.Receipt, SKU: "Z", Grade: "new", Quantity: 7},
		}}
		r1, err := s.ApplyMovements(ctx, w.ID, batch)
		if err != nil || r1.Applied != 3 || r1.AlreadySeen != 0 {
			t.Fatalf("first %+v %v", r1, err)
		}
		r2, err := s.ApplyMovements(ctx, w.ID, batch)
		if err != nil || r2.Applied != 0 || r2.AlreadySeen != 3 {
			t.Fatalf("repeat %+v %v", r2, err)
		}
		if st := stockOf(t, s, ctx, w.ID, "A", "new"); st.OnHand != 4 {
			t.Errorf("A %+v", st)
		}
		if st := stockOf(t, s, ctx, w.ID, "Z", "new"); st.OnHand != 7 {
			t.Errorf("Z %+v", st)
		}
		got, _ := s.GetInbound(ctx, in.ID)
		if got.Status != InboundReceived || len(got.Discrepancies) != 0 {
			t.Errorf("inbound %+v", got)
		}
		// A shipment naming an outbound order ships it and releases it.
		a, err := s.CreateOutbound(ctx, NewOutbound{Country: "US", Lines: []Line{{SKU: "Z", Quantity: 2}}})
		if err != nil {
			t.Fatal(err)
		}
		ship := MovementsBody{Movements: []warehouse.Movement{{ID: "op-4", Type: warehouse.Shipment, SKU: "Z", Grade: "new", Quantity: -2, Reference: a.Orders[0].ID}}}
		if r, err := s.ApplyMovements(ctx, w.ID, ship); err != nil || len(r.ShippedOrders) != 1 {
			t.Fatalf("ship %+v %v", r, err)
		}
		if r, err := s.ApplyMovements(ctx, w.ID, ship); err != nil || r.AlreadySeen != 1 {
			t.Fatalf("ship again %+v %v", r, err)
		}
		if st := stockOf(t, s, ctx, w.ID, "Z", "new"); st.OnHand != 5 || st.Reserved != 0 {
			t.Errorf("Z after shipment %+v", st)
		}
		o, _ := s.GetOutbound(ctx, a.Orders[0].ID)
		if o.Status != OutboundShipped {
			t.Errorf("outbound %s", o.Status)
		}
		if _, err := s.ApplyMovements(ctx, w.ID, MovementsBody{Movements: []warehouse.Movement{{Type: "teleport", Quantity: 0}}}); code(err) != "validation_failed" {
			t.Errorf("bad movement: %v", err)
		}
		ledgerSum(t, d, ctx, w.ID, "A", "new")
		ledgerSum(t, d, ctx, w.ID, "Z", "new")
	})
}

func TestSandboxSync(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		op := sandboxwarehouse.New(d, "test")
		s.UseConnector(ConnectorSandbox, op)
		x := wh("SBX-DE", "DE", Region{"DE", 1})
		x.Connector = ConnectorSandbox
		w := mustCreate(t, s, ctx, x)
		manual := mustCreate(t, s, ctx, wh("MAN", "DE", Region{"DE", 2}))
		if _, err := s.Sync(ctx, manual.ID); code(err) != "warehouse_no_connector" {
			t.Errorf("manual sync: %v", err)
		}
		in, err := s.CreateInbound(ctx, NewInbound{WarehouseID: w.ID, Lines: []Line{{SKU: "KIT-SBX-SHORT", Quantity: 10}, {SKU: "KIT-SBX-SHRINK", Quantity: 6}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Sync(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.SentInbound) != 1 || r.Applied != 2 {
			t.Fatalf("sync %+v", r)
		}
		got, _ := s.GetInbound(ctx, in.ID)
		if got.Status != InboundReceived || len(got.Discrepancies) != 1 || got.Discrepancies[0].Difference != -1 || got.ExternalID == "" {
			t.Errorf("inbound after sync %+v", got)
		}
		if r, err := s.Sync(ctx, w.ID); err != nil || r.Applied != 0 || len(r.SentInbound) != 0 {
			t.Errorf("second sync %+v %v", r, err)
		}
		a, err := s.CreateOutbound(ctx, NewOutbound{Country: "DE", Lines: []Line{{SKU: "KIT-SBX-SHORT", Quantity: 4}}})
		if err != nil {
			t.Fatal(err)
		}
		if a.Orders[0].WarehouseID != w.ID {
			t.Errorf("allocated to %s", a.Orders[0].WarehouseCode)
		}
		r, err = s.Sync(ctx, w.ID)
		if err != nil || len(r.SentOutbound) != 1 || len(r.ShippedOrders) != 1 {
			t.Fatalf("dispatch sync %+v %v", r, err)
		}
		if st := stockOf(t, s, ctx, w.ID, "KIT-SBX-SHORT", "new"); st.OnHand != 5 || st.Reserved != 0 {
			t.Errorf("after dispatch %+v", st)
		}
		rep, err := s.SyncSnapshot(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Mismatches) != 1 || rep.Mismatches[0].SKU != "KIT-SBX-SHRINK" || rep.Mismatches[0].Difference != -1 {
			t.Errorf("snapshot report %+v", rep.Mismatches)
		}
		if r, err := s.Sync(ctx, w.ID); err != nil || r.Applied != 0 {
			t.Errorf("delta after snapshot %+v %v", r, err)
		}
	})
}

// TestConcurrentReservationsNeverOversell runs many allocations at once
// for the same units: exactly as many succeed as the stock allows.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		w := mustCreate(t, s, ctx, wh("DE-HOT", "DE", Region{"DE", 1}))
		receive(t, s, ctx, w.ID, "HOT", 10)
		const workers = 16
		var ok, short atomic.Int64
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.CreateOutbound(ctx, NewOutbound{Country: "DE", Lines: []Line{{SKU: "HOT", Quantity: 3}}})
				switch {
				case err == nil:
					ok.Add(1)
				case code(err) == "insufficient_stock":
					short.Add(1)
				default:
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if ok.Load() != 3 || short.Load() != workers-3 {
			t.Errorf("%d allocated, %d refused", ok.Load(), short.Load())
		}
		st := stockOf(t, s, ctx, w.ID, "HOT", "new")
		if st.Reserved != 9 || st.Available != 1 {
			t.Errorf("stock %+v", st)
		}
		ledgerSum(t, d, ctx, w.ID, "HOT", "new")
	})
}

func TestTransferKeepsAge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		now := day0
		s.SetClock(func() time.Time { return now })
		a := mustCreate(t, s, ctx, wh("A", "DE", Region{"DE", 1}))
		b := mustCreate(t, s, ctx, wh("B", "FR", Region{"FR", 1}))
		receive(t, s, ctx, a.ID, "X", 5)
		now = now.Add(100 * 24 * time.Hour)
		if _, err := s.TransferStock(ctx, Transfer{From: a.ID, To: b.ID, SKU: "X", Quantity: 6}); code(err) != "insufficient_stock" {
			t.Errorf("over-transfer: %v", err)
		}
		if _, err := s.TransferStock(ctx, Transfer{From: a.ID, To: b.ID, SKU: "X", Quantity: 3}); err != nil {
			t.Fatal(err)
		}
		st := stockOf(t, s, ctx, b.ID, "X", "new")
		if st.OnHand != 3 || st.AgeDays != 100 || st.Ages.D91to180 != 3 {
			t.Errorf("transferred %+v", st)
		}
		if st := stockOf(t, s, ctx, a.ID, "X", "new"); st.OnHand != 2 {
			t.Errorf("left %+v", st)
		}
		if err := s.Delete(ctx, a.ID); code(err) != "warehouse_has_history" {
			t.Errorf("delete with history: %v", err)
		}
		c := mustCreate(t, s, ctx, wh("C", "GB", Region{"GB", 1}))
		if err := s.Delete(ctx, c.ID); err != nil {
			t.Error(err)
		}
	})
}

// TestReturnStock restocks a return of two SKUs in two grades through the
// returns module's adapter: each (return, SKU, grade) is booked once.
func TestReturnStock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		w := mustCreate(t, s, ctx, wh("RET", "DE", Region{"DE", 1}))
		rs := ReturnStock{S: s}
		for range 2 {
			for _, c := range []struct {
				sku, grade string
				qty        int
			}{{"A", "A", 2}, {"A", "C", 1}, {"B", "D", 1}} {
				if err := rs.ReceiveReturn(ctx, w.ID, c.sku, c.grade, c.qty, "rma_1"); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, c := range []struct {
			sku string
			g   Grade
			q   int64
		}{{"A", "new", 2}, {"A", "refurbished", 1}, {"B", "damaged", 1}} {
			if st := stockOf(t, s, ctx, w.ID, c.sku, c.g); st.OnHand != c.q {
				t.Errorf("%s/%s: %+v", c.sku, c.g, st)
			}
		}
		if err := rs.ReceiveReturn(ctx, "whs_nothere", "A", "A", 1, "rma_2"); code(err) != "validation_failed" {
			t.Errorf("unknown warehouse: %v", err)
		}
		if err := rs.ReceiveReturn(ctx, w.ID, "A", "Z", 1, "rma_2"); code(err) != "validation_failed" {
			t.Errorf("unknown grade: %v", err)
		}
	})
}
