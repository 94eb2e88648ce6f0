package sandboxwarehouse

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func op(d *db.DB, seed string) *Operator {
	o := New(d, seed)
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
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ms, snap := run(t, op(d, "seed-1"))
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
		// Same calls, same seed (in a fresh store): same answers; another
		// seed, even in the same store: other ids.
		again, _ := run(t, op(dbtest.Open(t, d.Engine()), "seed-1"))
		if again[0].ID != ms[0].ID {
			t.Errorf("ids differ: %s %s", again[0].ID, ms[0].ID)
		}
		other, _ := run(t, op(d, "seed-2"))
		if other[0].ID == ms[0].ID {
			t.Error("seed ignored")
		}
	})
}

func TestOperatorCursorAndAcks(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		o := op(d, "x")
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
		if err := o.Seed(ctx, "acct2", []warehouse.StockLevel{{SKU: "Z", OnHand: 3}}); err != nil {
			t.Fatal(err)
		}
		if s, _ := o.Snapshot(ctx, "acct2"); len(s.Stock) != 1 || s.Stock[0].OnHand != 3 || s.Stock[0].Grade != "new" {
			t.Errorf("seeded %+v", s)
		}
	})
}

// TestOperatorRestart runs a second operator over the same store, as a
// restarted process or another serving node would: it sees the first's
// stock, movements and cursor, receives what was sent to the first, and
// acks a resent order as the first did, placing it once.
func TestOperatorRestart(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		first := op(d, "r")
		if err := first.Seed(ctx, "acct", []warehouse.StockLevel{{SKU: "A", OnHand: 5}}); err != nil {
			t.Fatal(err)
		}
		out := warehouse.OutboundOrder{Reference: "who_1", Lines: []warehouse.Line{{SKU: "A", Quantity: 2}}}
		ack1, err := first.SendOutbound(ctx, "acct", out)
		if err != nil {
			t.Fatal(err)
		}
		ms1, cur1, err := first.Movements(ctx, "acct", "")
		if err != nil {
			t.Fatal(err)
		}
		snap1, err := first.Snapshot(ctx, "acct")
		if err != nil {
			t.Fatal(err)
		}
		if len(ms1) != 2 || cur1 != "2" {
			t.Fatalf("before restart: %q %+v", cur1, ms1)
		}
		if _, err := first.SendInbound(ctx, "acct", warehouse.InboundNotice{Reference: "whi_1",
			Lines: []warehouse.Line{{SKU: "B-SBX-SHORT", Quantity: 3}}}); err != nil {
			t.Fatal(err)
		}

		second := op(d, "r")
		ack2, err := second.SendOutbound(ctx, "acct", out)
		if err != nil {
			t.Fatal(err)
		}
		if ack1 != ack2 {
			t.Errorf("resent order acked differently: %v %v", ack1, ack2)
		}
		all, cur2, err := second.Movements(ctx, "acct", "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(all[:len(ms1)], ms1) {
			t.Errorf("movements changed on restart:\n%+v\nwant\n%+v", all[:len(ms1)], ms1)
		}
		fresh, next, err := second.Movements(ctx, "acct", cur1)
		if err != nil {
			t.Fatal(err)
		}
		// The notice sent before the restart is received after it (one
		// short), numbered on from the first's movements; the resent
		// order is not dispatched again.
		if len(fresh) != 1 || fresh[0].SKU != "B-SBX-SHORT" || fresh[0].Quantity != 2 || fresh[0].ID != ms1[0].ID[:len(ms1[0].ID)-6]+"000003" {
			t.Errorf("after restart: %+v", fresh)
		}
		if next != "3" || cur2 != "3" {
			t.Errorf("cursor %q %q", next, cur2)
		}
		snap2, err := second.Snapshot(ctx, "acct")
		if err != nil {
			t.Fatal(err)
		}
		want := []warehouse.StockLevel{{SKU: "A", Grade: "new", OnHand: 3}, {SKU: "B-SBX-SHORT", Grade: "new", OnHand: 2}}
		if !reflect.DeepEqual(snap1.Stock, want[:1]) || !reflect.DeepEqual(snap2.Stock, want) || snap2.Cursor != "3" {
			t.Errorf("snapshot after restart %+v, before %+v", snap2, snap1)
		}
	})
}

// TestOperatorConcurrent sends notices through two operators over one
// store at once: every notice is kept and received once, with distinct
// movement ids (no call's save overwrites another's).
func TestOperatorConcurrent(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ops := []*Operator{op(d, "c"), op(d, "c")}
		const each = 6
		var wg sync.WaitGroup
		errs := make(chan error, 2*each)
		for i, o := range ops {
			for j := range each {
				wg.Go(func() {
					_, err := o.SendInbound(ctx, "acct", warehouse.InboundNotice{Reference: fmt.Sprintf("whi_%d_%d", i, j),
						Lines: []warehouse.Line{{SKU: "A", Quantity: 1}}})
					errs <- err
				})
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		ms, _, err := ops[1].Movements(ctx, "acct", "")
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, m := range ms {
			seen[m.ID] = true
		}
		if len(ms) != 2*each || len(seen) != 2*each {
			t.Errorf("%d movements, %d ids; want %d", len(ms), len(seen), 2*each)
		}
	})
}
