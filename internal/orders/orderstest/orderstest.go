// Package orderstest gives the tests of modules that consume ingested
// orders the real pipeline: the orders service publishing through the
// transactional outbox, the relay, and the durable job queue, on one
// store, with a tenant to write as.
package orderstest

import (
	"context"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
)

// Pipeline is the ingest pipeline. Register consumers and job handlers
// on Outbox and Jobs, then Start it.
type Pipeline struct {
	Jobs   *jobs.Queue
	Audit  *audit.Log
	Outbox *events.Outbox
	Orders *orders.Service
	// Ctx writes as a fresh tenant, Tenant.
	Ctx    context.Context
	Tenant string
}

// New builds the pipeline on d, polling fast so tests do not wait.
func New(t *testing.T, d *db.DB) *Pipeline {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	p := &Pipeline{Jobs: q, Audit: audit.New(d, nil, nil), Outbox: events.New(d, q, events.Config{PollInterval: 20 * time.Millisecond})}
	p.Orders = orders.New(d, p.Audit, nil)
	p.Orders.UsePublisher(p.Outbox)
	p.Tenant = ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		p.Tenant, "Tenant", time.Now().UTC())
	p.Ctx = db.WithScope(audit.WithActor(ctx, audit.Actor{ID: "test", Type: "system", TenantID: p.Tenant}),
		db.Scope{TenantID: p.Tenant})
	return p
}

// Start runs the job queue and the relay until the test ends.
func (p *Pipeline) Start(t *testing.T) {
	t.Helper()
	runCtx, cancel := context.WithCancel(context.Background())
	if err := p.Jobs.Start(runCtx); err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { p.Outbox.Run(runCtx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		_ = p.Jobs.Shutdown(context.Background())
	})
}
