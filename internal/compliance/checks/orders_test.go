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

// TestCheckOrdersBatch checks a relayed batch holding orders of two scopes,
// one order twice and one already checked: each order gets one check and
// one audit record, each in its own scope, and the trail still verifies.
func TestCheckOrdersBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := orderstest.New(t, d)
		products := catalog.New(d, p.Audit)
		s := New(d, StaticRules(testRules()), products, p.Audit, Config{})
		if _, err := products.Create(p.Ctx, *toy()); err != nil {
			t.Fatal(err)
		}
		sandbox := db.WithScope(p.Ctx, db.Scope{TenantID: p.Tenant, Sandbox: true})
		if err := s.CheckOrders(ctx, []orderRef{{TenantID: p.Tenant, OrderID: "ord_done", Country: "DE", SKUs: []string{"NONE"}}}); err != nil {
			t.Fatal(err)
		}
		refs := []orderRef{
			{TenantID: p.Tenant, OrderID: "ord_1", Country: "DE", SKUs: []string{"TOY-001", "NONE"}},
			{TenantID: p.Tenant, OrderID: "ord_2", Country: "ZZ", SKUs: []string{"TOY-001"}},
			{TenantID: p.Tenant, Sandbox: true, OrderID: "ord_1", Country: "FR", SKUs: []string{"TOY-001"}},
			{TenantID: p.Tenant, OrderID: "ord_1", Country: "DE", SKUs: []string{"TOY-001", "NONE"}},
			{TenantID: p.Tenant, OrderID: "ord_done", Country: "DE", SKUs: []string{"NONE"}},
			{TenantID: p.Tenant, OrderID: "ord_3", Country: "DE", SKUs: []string{"NONE"}},
		}
		if err := s.CheckOrders(ctx, refs); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"ord_1": VerdictFail, "ord_2": VerdictWarn, "ord_3": VerdictPass, "ord_done": VerdictPass}
		for id, verdict := range want {
			oc, err := s.OrderCheck(p.Ctx, id)
			if err != nil || oc.Verdict != verdict {
				t.Errorf("%s: %+v %v, want %s", id, oc, err, verdict)
			}
		}
		if oc, err := s.OrderCheck(sandbox, "ord_1"); err != nil || oc.Country != "FR" {
			t.Errorf("sandbox ord_1: %+v %v", oc, err)
		}
		if _, err := s.OrderCheck(sandbox, "ord_2"); !errors.Is(err, problem.ErrNotFound) {
			t.Errorf("sandbox sees the live ord_2: %v", err)
		}
		var records int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE tenant_id = $1
			AND action = 'compliance.check_order'`, p.Tenant).Scan(&records); err != nil {
			t.Fatal(err)
		}
		if records != 5 { // ord_done, then ord_1, ord_2, sandbox ord_1, ord_3
			t.Errorf("%d check_order records, want 5", records)
		}
		if rep, err := p.Audit.Verify(ctx); err != nil || !rep.OK {
			t.Errorf("audit trail: %+v %v", rep, err)
		}
	})
}
