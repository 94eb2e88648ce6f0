package warehouses

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/connectors/warehouse/sandboxwarehouse"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/jobs"
)

// flakyOp is an operator whose outbound answers get lost (the order is
// placed, the caller hears an error) and that can be made to hang.
type flakyOp struct {
	warehouse.Warehouse
	mu    sync.Mutex
	lose  int // answers still to lose
	hold  chan struct{}
	sends int
}

func (f *flakyOp) SendOutbound(ctx context.Context, acct string, o warehouse.OutboundOrder) (warehouse.Ack, error) {
	f.mu.Lock()
	f.sends++
	hold, lose := f.hold, f.lose > 0
	if lose {
		f.lose--
	}
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return warehouse.Ack{}, ctx.Err()
		}
	}
	ack, err := f.Warehouse.SendOutbound(ctx, acct, o)
	if err == nil && lose {
		return warehouse.Ack{}, errors.New("flaky: connection reset")
	}
	return ack, err
}

func (f *flakyOp) setHold(c chan struct{}) {
	f.mu.Lock()
	f.hold = c
	f.mu.Unlock()
}

// TestOutboundSentByJob hands outbound orders to an operator that loses
// an answer and then hangs: the job retries under the same Reference and
// the operator places each order once; while the operator hangs, neither
// the job nor a sync holds a transaction an unrelated write waits for.
func TestOutboundSentByJob(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx, _ := setup(t, d)
		op := &flakyOp{Warehouse: sandboxwarehouse.New(d, "test"), lose: 1}
		s.UseConnector(ConnectorSandbox, op)
		if err := jobs.Migrate(context.Background(), d, nil); err != nil {
			t.Fatal(err)
		}
		q, err := jobs.New(d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true,
			JobTimeout: 20 * time.Second, RescueAfter: time.Minute, StopTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s.UseJobs(q)
		if err := q.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = q.Shutdown(context.Background()) })

		x := wh("SBX-DE", "DE", Region{"DE", 1})
		x.Connector = ConnectorSandbox
		w := mustCreate(t, s, ctx, x)
		if _, err := s.CreateInbound(ctx, NewInbound{WarehouseID: w.ID, Lines: []Line{{SKU: "KIT-1", Quantity: 10}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sync(ctx, w.ID); err != nil {
			t.Fatal(err)
		}
		sent := func(id string) bool {
			o, err := s.GetOutbound(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return o.ExternalID != ""
		}
		waitSent := func(id string) {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for !sent(id) {
				if time.Now().After(deadline) {
					t.Fatalf("outbound %s never sent", id)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}

		// The first answer is lost: the job sends again, the operator
		// recognises the Reference.
		a, err := s.CreateOutbound(ctx, NewOutbound{Country: "DE", Lines: []Line{{SKU: "KIT-1", Quantity: 4}}})
		if err != nil {
			t.Fatal(err)
		}
		waitSent(a.Orders[0].ID)
		if op.sends < 2 {
			t.Errorf("%d sends, want a retry", op.sends)
		}

		// The operator hangs: a sync and the job wait on it, an unrelated
		// write does not.
		hold := make(chan struct{})
		op.setHold(hold)
		b, err := s.CreateOutbound(ctx, NewOutbound{Country: "DE", Lines: []Line{{SKU: "KIT-1", Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		synced := make(chan error, 1)
		go func() {
			_, err := s.Sync(ctx, w.ID)
			synced <- err
		}()
		time.Sleep(300 * time.Millisecond)
		wrote := make(chan error, 1)
		go func() {
			wrote <- d.Group(ctx, func(ctx context.Context) error {
				_, err := s.Create(ctx, wh("OTHER", "FR", Region{"FR", 2}))
				return err
			})
		}()
		select {
		case err := <-wrote:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("an unrelated write waited for the operator")
		}
		op.setHold(nil)
		close(hold)
		if err := <-synced; err != nil {
			t.Fatal(err)
		}
		waitSent(b.Orders[0].ID)
		r, err := s.Sync(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Each order left the warehouse once: 10 − 4 − 1.
		if st := stockOf(t, s, ctx, w.ID, "KIT-1", "new"); st.OnHand != 5 || st.Reserved != 0 {
			t.Errorf("after dispatch %+v (sync %+v)", st, r)
		}
	})
}
