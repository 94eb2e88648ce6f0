package checks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/orderstest"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// TestOrderIngestCheck creates an order through the orders service and
// waits for the outbox relay and the job queue to check its lines.
func TestOrderIngestCheck(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := orderstest.New(t, d)
		rec, ords, tenant, tctx := p.Audit, p.Orders, p.Tenant, p.Ctx
		products := catalog.New(d, rec)
		s := New(d, StaticRules(testRules()), products, rec, Config{})
		s.UseOrders(p.Outbox, p.Jobs)
		p.Start(t)
		toyP, err := products.Create(tctx, *toy())
		if err != nil {
			t.Fatal(err)
		}
		pb := catalog.Product{SKU: "PB-1", Title: catalog.Title{"en": "Power bank"}, HSCode: "850760",
			Battery: &catalog.Battery{Chemistry: "li-ion", Packing: "standalone", Wh: wh(37)}}
		if _, err := products.Create(tctx, pb); err != nil {
			t.Fatal(err)
		}
		price := money.Money{Amount: "19.99", Currency: "EUR"}
		ord, err := ords.Create(tctx, orders.NewOrder{ExternalID: "AMZ-1", Channel: "amazon-de", PlacedAt: time.Now().UTC(),
			Currency: "EUR", Buyer: orders.Buyer{Name: "Jonas Weber", Country: "DE"},
			ShipTo: orders.Address{Name: "Jonas Weber", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
			Lines: []orders.Line{{SKU: "TOY-001", Quantity: 2, UnitPrice: price}, {SKU: "PB-1", Quantity: 1, UnitPrice: price},
				{SKU: "UNKNOWN-9", Quantity: 1, UnitPrice: price}, {SKU: "TOY-001", Quantity: 1, UnitPrice: price}}})
		if err != nil {
			t.Fatal(err)
		}

		var oc OrderCheck
		deadline := time.Now().Add(30 * time.Second)
		for {
			oc, err = s.OrderCheck(tctx, ord.ID)
			if err == nil {
				break
			}
			if !errors.Is(err, problem.ErrNotFound) || time.Now().After(deadline) {
				t.Fatalf("order check: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if oc.Country != "DE" || len(oc.Lines) != 3 || oc.Verdict != VerdictFail {
			t.Fatalf("order check %+v", oc)
		}
		byKey := map[string]OrderLine{}
		for _, l := range oc.Lines {
			byKey[l.SKU] = l
		}
		if l := byKey["TOY-001"]; l.ProductID != toyP.ID || l.CheckID == "" || l.Verdict != VerdictFail {
			t.Errorf("toy line %+v", l)
		}
		if l := byKey["UNKNOWN-9"]; l.CheckID != "" || l.Note == "" {
			t.Errorf("unknown line %+v", l)
		}
		l, err := s.List(tctx, Filter{OrderID: ord.ID}, web.Page{})
		if err != nil || len(l.Items) != 2 {
			t.Fatalf("checks of the order: %v %+v", err, l)
		}
		c, err := s.Get(tctx, byKey["TOY-001"].CheckID)
		if err != nil || c.OrderID != ord.ID || c.Markets[0] != "DE" || c.Product.SKU != "TOY-001" {
			t.Fatalf("line check %v %+v", err, c)
		}
		// Relaying the same events again (a crash before they were marked)
		// stores nothing new.
		if err := s.CheckOrders(ctx, []orderRef{{TenantID: tenant, OrderID: ord.ID, Country: "DE", SKUs: []string{"TOY-001"}}}); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.List(tctx, Filter{OrderID: ord.ID}, web.Page{}); len(l.Items) != 2 {
			t.Errorf("repeat stored %d checks", len(l.Items))
		}
		// Another tenant sees neither.
		octx := db.WithScope(ctx, db.Scope{TenantID: ids.New("ten")})
		if _, err := s.OrderCheck(octx, ord.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("other tenant: %v", err)
		}
	})
}
