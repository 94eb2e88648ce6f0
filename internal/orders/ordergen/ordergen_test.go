package ordergen_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestOrdersAreValidAndDeterministic checks that every generated order
// passes the platform's validation, that the same seed gives the same
// bytes, and that external ids do not repeat within a channel.
func TestOrdersAreValidAndDeterministic(t *testing.T) {
	g := ordergen.New(42)
	seen := map[string]bool{}
	for i := range 5000 {
		b := g.Order(i)
		if !bytes.Equal(b, ordergen.New(42).Order(i)) {
			t.Fatalf("order %d differs between generators of the same seed", i)
		}
		var n orders.NewOrder
		if err := web.DecodeBytes("application/json", b, &n); err != nil {
			t.Fatalf("order %d invalid: %v\n%s", i, err, b)
		}
		k := n.Channel + "\x00" + n.ExternalID
		if seen[k] {
			t.Fatalf("order %d repeats %s", i, k)
		}
		seen[k] = true
	}
	if bytes.Equal(g.Order(1), ordergen.New(43).Order(1)) {
		t.Error("different seeds give the same order")
	}
}

// TestInvalidFraction checks that orders marked invalid are refused and
// the others accepted.
func TestInvalidFraction(t *testing.T) {
	g := ordergen.New(7)
	g.Invalid = 0.2
	bad := 0
	for i := range 2000 {
		var n orders.NewOrder
		err := web.DecodeBytes("application/json", g.Order(i), &n)
		if (err == nil) != g.Valid(i) {
			t.Fatalf("order %d: valid=%v, decode error %v\n%s", i, g.Valid(i), err, g.Order(i))
		}
		if err != nil {
			bad++
		}
	}
	if bad < 300 || bad > 500 {
		t.Errorf("%d of 2000 invalid, want about 400", bad)
	}
	var v map[string]any
	if json.Unmarshal(ordergen.New(1).Order(3), &v) != nil {
		t.Error("not JSON")
	}
}
