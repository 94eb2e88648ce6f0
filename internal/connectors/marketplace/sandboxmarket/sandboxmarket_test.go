package sandboxmarket_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/marketplace"
	"github.com/silkgate/silkgate/internal/connectors/marketplace/sandboxmarket"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/web"
)

type noAudit struct{}

func (noAudit) Record(context.Context, audit.Event) error { return nil }

func TestOrdersDeterministic(t *testing.T) {
	t.Parallel()
	a, err := sandboxmarket.New(7).Orders(12, "shopee-sg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := sandboxmarket.New(7).Orders(12, "shopee-sg")
	if len(a) != 12 || !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed, different orders (%d, %d)", len(a), len(b))
	}
	for _, o := range a {
		if o.Channel != "shopee-sg" || o.Currency != "SGD" {
			t.Errorf("order %s of %s in %s", o.ExternalID, o.Channel, o.Currency)
		}
	}
	c, _ := sandboxmarket.New(8).Orders(12, "shopee-sg")
	if c[0].ExternalID == a[0].ExternalID {
		t.Error("another seed gave the same orders")
	}
	if _, err := sandboxmarket.New(7).Orders(1, "nowhere"); !errors.Is(err, sandboxmarket.ErrUnknownChannel) {
		t.Errorf("unknown channel: %v", err)
	}
}

func TestPush(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		svc := orders.New(d, noAudit{}, nil)
		sandbox := db.WithScope(context.Background(), db.Scope{TenantID: "ten_a", Sandbox: true})
		live := db.WithScope(context.Background(), db.Scope{TenantID: "ten_a"})
		m := sandboxmarket.New(42)

		acks, err := m.Push(sandbox, svc, marketplace.PushRequest{Count: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(acks) != 5 {
			t.Fatalf("%d acks", len(acks))
		}
		for _, a := range acks {
			if a.Status != marketplace.AckAccepted || a.OrderID == "" {
				t.Errorf("ack %+v", a)
			}
			if _, err := svc.Get(sandbox, a.OrderID); err != nil {
				t.Errorf("pushed order %s: %v", a.OrderID, err)
			}
			if _, err := svc.Get(live, a.OrderID); err == nil {
				t.Errorf("sandbox order %s visible in live data", a.OrderID)
			}
		}
		again, err := m.Push(sandbox, svc, marketplace.PushRequest{Count: 5})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range again {
			if a.Status != marketplace.AckDuplicate || a.OrderID != acks[i].OrderID {
				t.Errorf("repeat %d: %+v, want duplicate of %s", i, a, acks[i].OrderID)
			}
		}
		if got := m.Acknowledged(); !reflect.DeepEqual(got, again) {
			t.Error("acknowledgements not kept")
		}
		l, err := svc.List(sandbox, orders.Filter{}, web.Page{Limit: 50})
		if err != nil || len(l.Items) != 5 {
			t.Errorf("sandbox holds %d orders (%v), want 5", len(l.Items), err)
		}
		for _, n := range []int{0, sandboxmarket.MaxCount + 1} {
			if _, err := m.Push(sandbox, svc, marketplace.PushRequest{Count: n}); err == nil {
				t.Errorf("count %d accepted", n)
			}
		}
	})
}
