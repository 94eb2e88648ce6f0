package credit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// captured keeps what the service audited and published.
type captured struct {
	mu     sync.Mutex
	audits []audit.Event
	events []events.Event
}

func (c *captured) Record(_ context.Context, e audit.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.audits = append(c.audits, e)
	return nil
}

func (c *captured) PublishMany(_ context.Context, es []events.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, es...)
	return nil
}

// rawExposure reads a buyer's stored exposure without expiring anything,
// as the lazy paths (GetLimit, ListLimits) would.
func rawExposure(t *testing.T, d *db.DB, tenant, buyer string) int64 {
	t.Helper()
	var n int64
	if err := d.Q(context.Background()).QueryRowContext(context.Background(), `SELECT exposure_minor FROM credit_limits
		WHERE tenant_id = $1 AND buyer = $2`, tenant, buyer).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestExpireAllSweepsEveryTenant: the periodic sweep expires due
// guarantees of buyers nobody touches, in every tenant, frees their
// exposure, audits each for its tenant and announces it; guarantees not
// yet due stay; a second run finds nothing.
func TestExpireAllSweepsEveryTenant(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := &captured{}
		s := New(d, c, nil)
		s.UsePublisher(c)
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		usd := func(a string) money.Money { return money.Money{Amount: a, Currency: "USD"} }
		type tenant struct {
			id  string
			ctx context.Context
			due string // guarantee that falls due
			run string // guarantee that outlives the sweep
		}
		var ts []tenant
		for i := range 2 {
			tid := ids.New("ten")
			dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
				tid, "Sweep "+tid, now)
			ctx := db.WithScope(context.Background(), db.Scope{TenantID: tid, Sandbox: i == 1})
			if _, err := s.SetLimit(ctx, "acme", LimitRequest{Limit: usd("1000.00"), Grade: "A"}); err != nil {
				t.Fatal(err)
			}
			g1, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("300.00"), Days: 10})
			if err != nil {
				t.Fatal(err)
			}
			g2, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("200.00"), Days: 40})
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, tenant{tid, ctx, g1.ID, g2.ID})
		}
		if n, err := s.ExpireAll(context.Background()); err != nil || n != 0 {
			t.Fatalf("nothing due yet: %d %v", n, err)
		}
		c.audits, c.events = nil, nil
		now = now.AddDate(0, 0, 10) // exactly the first guarantees' end
		n, err := s.ExpireAll(context.Background())
		if err != nil || n != 2 {
			t.Fatalf("sweep: %d %v", n, err)
		}
		for _, tn := range ts {
			if got := rawExposure(t, d, tn.id, "acme"); got != 20000 {
				t.Errorf("%s: exposure %d, want 20000 (the live guarantee only)", tn.id, got)
			}
			for id, want := range map[string]string{tn.due: StatusExpired, tn.run: StatusActive} {
				g, err := s.GetGuarantee(tn.ctx, id)
				if err != nil || g.Status != want || (want == StatusExpired) != (g.ClosedAt != nil) {
					t.Errorf("%s: %+v %v, want %s", id, g, err, want)
				}
			}
		}
		tenants := map[string]bool{}
		for _, a := range c.audits {
			if a.Action != "credit.guarantee.expire" {
				t.Errorf("audit %s", a.Action)
			}
			tenants[a.TenantID] = true
		}
		if len(c.audits) != 2 || !tenants[ts[0].id] || !tenants[ts[1].id] {
			t.Errorf("audits %+v", c.audits)
		}
		if len(c.events) != 2 || c.events[0].Type != EventGuaranteeExpired || c.events[1].Type != EventGuaranteeExpired {
			t.Errorf("events %+v", c.events)
		}
		if n, err := s.ExpireAll(context.Background()); err != nil || n != 0 {
			t.Fatalf("second sweep: %d %v", n, err)
		}
		if len(c.audits) != 2 {
			t.Errorf("second sweep audited again: %d", len(c.audits))
		}
		// The freed room is usable at once.
		if _, err := s.Issue(ts[0].ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("800.00"), Days: 5}); err != nil {
			t.Fatalf("issue into freed room: %v", err)
		}
	})
}
