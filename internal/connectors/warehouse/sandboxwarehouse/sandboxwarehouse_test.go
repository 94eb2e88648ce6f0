package sandboxwarehouse

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func op(seed string) *Operator {
	o := New(seed)
	o.Now = func() time.Time { return now }
	return o
}

func run(t *testing.T, o *Operator) ([]warehouse.Movement, warehouse.Snapshot) {
	t.Helper()
	ctx := context.Background()
	if _, err := o.SendInbound(ctx, "acct", warehouse.InboundNotice{Reference: "whi_1", Lines: []warehouse.Line{
		{SKU: "A", Quantity: 10}, {SKU: "B-SBX-SHORT", Quantity: 5}, {SKU: "C-SBX-DAMAGED", Quantity: 3}, {SKU: "D-SBX-SHRINK", Quantity: 4}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.SendOutbound(ctx, "acct", warehouse.OutboundOrder{Reference: "who_1", Lines: []warehouse.Line{{SKU: "A", Quantity: 4}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.SendOutbound(ctx, "acct", warehouse.OutboundOrder{Reference: "who_2", Lines: []warehouse.Line{{SKU: "A", Quantity: 40}}}); err != nil {
		t.Fatal(err)
	}
	ms, cur, err := o.Movements(ctx, "acct", "")
	if err != nil {
		t.Fatal(err)
	}
	if cur != "6" {
		t.Errorf("cursor %q", cur)
	}
	snap, err := o.Snapshot(ctx, "acct")
	if err != nil {
		t.Fatal(err)
	}
	return ms, snap
}

func TestOperator(t *testing.T) {
	t.Parallel()
	ms, snap := run(t, op("seed-1"))
	// A 10, B 4 (short), C 2 new + 1 damaged, D 4, then A −4 shipped;
	// who_2 waits for stock.
	type mv struct {
		typ warehouse.MovementType
		sku string
		g   warehouse.Grade
		q   int64
	}
	var got []mv
	for _, m := range ms {
		got = append(got, mv{m.Type, m.SKU, m.Grade, m.Quantity})
	}
	want := []mv{{"receipt", "A", "new", 10}, {"receipt", "B-SBX-SHORT", "new", 4}, {"receipt", "C-SBX-DAMAGED", "damaged", 1},
		{"receipt", "C-SBX-DAMAGED", "new", 2}, {"receipt", "D-SBX-SHRINK", "new", 4}, {"shipment", "A", "new", -4}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("movements\n%v\nwant\n%v", got, want)
	}
	counts := map[string]int64{}
	for _, s := range snap.Stock {
		counts[s.SKU+"/"+string(s.Grade)] = s.OnHand
	}
	if counts["A/new"] != 6 || counts["D-SBX-SHRINK/new"] != 3 || counts["C-SBX-DAMAGED/damaged"] != 1 || snap.Cursor != "6" {
		t.Errorf("snapshot %+v", snap)
	}
	// Same calls, same seed: same answers; another seed: other ids.
	again, _ := run(t, op("seed-1"))
	if again[0].ID != ms[0].ID {
		t.Errorf("ids differ: %s %s", again[0].ID, ms[0].ID)
	}
	other, _ := run(t, op("seed-2"))
	if other[0].ID == ms[0].ID {
		t.Error("seed ignored")
	}
}

func TestOperatorCursorAndAcks(t *testing.T) {
	t.Parallel()
	o := op("x")
	ctx := context.Background()
	n := warehouse.InboundNotice{Reference: "whi_9", Lines: []warehouse.Line{{SKU: "A", Quantity: 1}}}
	a1, err := o.SendInbound(ctx, "acct", n)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := o.SendInbound(ctx, "acct", n)
	if a1 != a2 {
		t.Errorf("resend acked differently: %v %v", a1, a2)
	}
	ms, cur, _ := o.Movements(ctx, "acct", "")
	if len(ms) != 1 {
		t.Fatalf("received twice: %v", ms)
	}
	if ms2, _, _ := o.Movements(ctx, "acct", cur); len(ms2) != 0 {
		t.Errorf("after cursor: %v", ms2)
	}
	if _, _, err := o.Movements(ctx, "acct", "99"); err == nil {
		t.Error("bad cursor accepted")
	}
	if _, err := o.SendOutbound(ctx, "acct", warehouse.OutboundOrder{Reference: "who_x"}); !errors.Is(err, warehouse.ErrRejected) {
		t.Errorf("empty order: %v", err)
	}
	if _, err := o.Snapshot(ctx, " "); !errors.Is(err, warehouse.ErrUnknownAccount) {
		t.Errorf("empty account: %v", err)
	}
	if err := o.Seed("acct2", []warehouse.StockLevel{{SKU: "Z", OnHand: 3}}); err != nil {
		t.Fatal(err)
	}
	if s, _ := o.Snapshot(ctx, "acct2"); len(s.Stock) != 1 || s.Stock[0].OnHand != 3 || s.Stock[0].Grade != "new" {
		t.Errorf("seeded %+v", s)
	}
}
