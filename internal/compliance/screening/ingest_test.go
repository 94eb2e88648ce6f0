package screening

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/orderstest"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// TestOrderIngestScreening creates an order through the orders service
// and waits for the outbox relay and the job queue to screen its buyer
// and open a case.
func TestOrderIngestScreening(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := orderstest.New(t, d)
		rec, ords, tenant, tctx := p.Audit, p.Orders, p.Tenant, p.Ctx
		lists := &fakeLists{}
		lists.set(testEntries())
		s := New(d, lists, rec, Config{})
		s.UsePublisher(p.Outbox)
		s.UseJobs(p.Jobs, p.Outbox)
		p.Start(t)
		price := money.Money{Amount: "19.99", Currency: "EUR"}
		ord, err := ords.Create(tctx, orders.NewOrder{ExternalID: "AMZ-1", Channel: "amazon-de", PlacedAt: time.Now().UTC(),
			Currency: "EUR", Buyer: orders.Buyer{Name: "Saddam Hussein", Country: "IQ"},
			ShipTo: orders.Address{Name: "Emma Schneider", Line1: "Invalidenstr. 1", City: "Berlin", Postcode: "10115", Country: "DE"},
			Lines:  []orders.Line{{SKU: "TOY-001", Quantity: 2, UnitPrice: price}}})
		if err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			cs, err := s.Cases(tctx, StatusOpen, 10, "")
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) > 0 {
				c := cs[0]
				if len(cs) != 1 || c.Source != SourceOrder || c.SourceRef != ord.ID || c.PartyName != "Saddam Hussein" ||
					c.Matches[0].EntryID != "8" {
					t.Fatalf("cases: %+v", cs)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the buyer was not screened within 60 s")
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The consignee is screened too, and becomes a known party.
		for {
			var n int
			if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM screening_parties WHERE tenant_id = $1`,
				tenant).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("known parties: %d", n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestScreenOrderPartiesFallsBack screens a relayed batch in which one
// party cannot be stored (a trigger refuses it): the batch's single
// transaction fails, every other party is then screened on its own, and
// the failing one gets a job of its own to retry.
func TestScreenOrderPartiesFallsBack(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := orderstest.New(t, d)
		if d.Engine() == db.Postgres {
			dbtest.MustExec(t, d, `CREATE FUNCTION refuse_party() RETURNS trigger AS $$
				BEGIN RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql`)
			dbtest.MustExec(t, d, `CREATE TRIGGER refuse_party BEFORE INSERT ON screenings FOR EACH ROW
				WHEN (NEW.name = 'Refused Party') EXECUTE FUNCTION refuse_party()`)
		} else {
			dbtest.MustExec(t, d, `CREATE TRIGGER refuse_party BEFORE INSERT ON screenings
				WHEN NEW.name = 'Refused Party' BEGIN SELECT RAISE(ABORT, 'refused'); END`)
		}
		lists := &fakeLists{}
		lists.set(testEntries())
		s := New(d, lists, &nopAudit{}, Config{})
		s.UseJobs(p.Jobs, nil)
		batch := []screenPartyArgs{
			{TenantID: p.Tenant, Name: "Emma Schneider", Country: "DE", SourceRef: "ord_1"},
			{TenantID: p.Tenant, Name: "Refused Party", Country: "DE", SourceRef: "ord_2"},
			{TenantID: p.Tenant, Name: "Jonas Weber", Country: "DE", SourceRef: "ord_3"},
		}
		if err := s.screenOrderParties(ctx, batch); err != nil {
			t.Fatal(err)
		}
		var screened, retries int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM screenings WHERE tenant_id = $1`,
			p.Tenant).Scan(&screened); err != nil {
			t.Fatal(err)
		}
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'screening_party'`).Scan(&retries); err != nil {
			t.Fatal(err)
		}
		if screened != 2 || retries != 1 {
			t.Errorf("%d parties screened and %d retry jobs, want 2 and 1", screened, retries)
		}
	})
}

// TestOrderPartiesRememberedBeforeLists: with no list imported yet, a
// relayed batch's parties are only remembered — once per name and scope —
// for the re-screen after the first import.
func TestOrderPartiesRememberedBeforeLists(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		p := orderstest.New(t, d)
		s := New(d, &fakeLists{}, &nopAudit{}, Config{})
		s.UseJobs(p.Jobs, nil)
		dbtest.MustExec(t, d, `INSERT INTO screening_parties (tenant_id, sandbox, party_key, name, party_type, country,
			source, source_ref, first_seen, screened_at) VALUES ($1, false, $2, 'Jonas Weber', '', 'DE', 'order', 'ord_0', $3, $3)`,
			p.Tenant, PartyKey("Jonas Weber"), time.Now().UTC())
		batch := []screenPartyArgs{
			{TenantID: p.Tenant, Name: "Emma Schneider", Country: "DE", SourceRef: "ord_1"},
			{TenantID: p.Tenant, Name: "EMMA  SCHNEIDER", Country: "DE", SourceRef: "ord_2"},
			{TenantID: p.Tenant, Name: "Jonas Weber", Country: "DE", SourceRef: "ord_3"},
			{TenantID: p.Tenant, Sandbox: true, Name: "Emma Schneider", Country: "DE", SourceRef: "ord_4"},
			{TenantID: p.Tenant, Name: "  ", SourceRef: "ord_5"},
		}
		if err := s.screenOrderParties(ctx, batch); err != nil {
			t.Fatal(err)
		}
		rows, err := d.Q(ctx).QueryContext(ctx, `SELECT sandbox, name, source_ref FROM screening_parties
			WHERE tenant_id = $1 ORDER BY sandbox, source_ref`, p.Tenant)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var (
				sandbox   bool
				name, ref string
			)
			if err := rows.Scan(&sandbox, &name, &ref); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprint(sandbox, " ", name, " ", ref))
		}
		rows.Close()
		want := []string{"false Jonas Weber ord_0", "false Emma Schneider ord_1", "true Emma Schneider ord_4"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("parties %q, want %q", got, want)
		}
		var screened int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM screenings`).Scan(&screened); err != nil || screened != 0 {
			t.Errorf("%d screenings without lists (%v)", screened, err)
		}
	})
}
