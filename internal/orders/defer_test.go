package orders_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

type noAudit struct{}

func (noAudit) Record(context.Context, audit.Event) error { return nil }

// deferringPublisher records whether the relay was deferred while each
// batch of events was published, and whether every deferral was released.
type deferringPublisher struct {
	mu        sync.Mutex
	held      int
	published []bool // held at each PublishMany
}

func (p *deferringPublisher) PublishMany(_ context.Context, es []events.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.published = append(p.published, p.held > 0)
	return nil
}

func (p *deferringPublisher) Defer() func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held++
	return func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.held--
	}
}

// TestBulkDefersTheRelay: a bulk ingest holds the relay back while it
// writes its events and lets it go when it ends; a silent ingest, which
// publishes nothing, does not hold it.
func TestBulkDefersTheRelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := db.WithScope(context.Background(), db.Scope{TenantID: "ten_defer"})
		for _, silent := range []bool{false, true} {
			pub := &deferringPublisher{}
			s := orders.New(d, noAudit{}, nil)
			s.UsePublisher(pub)
			var body bytes.Buffer
			for _, ext := range []string{"D-1", "D-2", "D-3"} {
				body.Write(mustJSON(t, sample(ext+map[bool]string{true: "s"}[silent])))
				body.WriteByte('\n')
			}
			res, err := s.Ingest(ctx, &body, orders.IngestOptions{Silent: silent})
			if err != nil || res.Accepted != 3 {
				t.Fatalf("silent=%v: ingest %+v, %v", silent, res, err)
			}
			if pub.held != 0 {
				t.Errorf("silent=%v: %d deferrals not released", silent, pub.held)
			}
			switch {
			case silent && len(pub.published) != 0:
				t.Errorf("silent ingest published %d batches", len(pub.published))
			case !silent && (len(pub.published) == 0 || !pub.published[0]):
				t.Errorf("events published without the relay deferred: %v", pub.published)
			}
		}
	})
}
