package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

// recorder is a consumer that keeps what it is given and can be told to
// fail.
type recorder struct {
	mu   sync.Mutex
	got  []events.Event
	fail error
}

func (r *recorder) Consume(ctx context.Context, batch []events.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.got = append(r.got, batch...)
	return nil
}

func (r *recorder) events() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]events.Event(nil), r.got...)
}

func scoped(tenant string, sandbox bool) context.Context {
	return db.WithScope(context.Background(), db.Scope{TenantID: tenant, Sandbox: sandbox})
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{events.OrderCreated, events.OrderUpdated, events.ShipmentCreated,
		events.ShipmentUpdated, events.ReturnUpdated, events.ComplianceAlert, events.ScreeningHit, events.SettlementPaid} {
		if !events.Known(name) {
			t.Errorf("%s is not registered", name)
		}
	}
	if events.Known(events.TestType) || events.Known("order.exploded") {
		t.Error("unregistered types are known")
	}
	if !events.Known("invoice.issued") { // the registry is process-wide; -count runs this again
		events.Register("invoice.issued", "An invoice was issued.")
	}
	if !events.Known("invoice.issued") {
		t.Error("a module's type is not known after Register")
	}
	types := events.Types()
	for i := 1; i < len(types); i++ {
		if types[i-1].Name >= types[i].Name {
			t.Errorf("Types not sorted: %s before %s", types[i-1].Name, types[i].Name)
		}
	}
	for _, bad := range []string{"order", "Order.Created", "order.", ".created", "order created", events.OrderCreated, events.TestType} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", bad)
				}
			}()
			events.Register(bad, "")
		}()
	}
}

// TestPublishAndRelay: events reach consumers once, in publish order, only
// once committed, and carry their scope and data.
func TestPublishAndRelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		o := events.New(d, nil, events.Config{BatchSize: 7})
		rec := &recorder{}
		o.Subscribe(rec)
		ctx := scoped("ten_a", true)

		if err := o.Publish(ctx, events.Event{Type: "order.exploded"}); !errors.Is(err, events.ErrUnknownType) {
			t.Errorf("unknown type: %v", err)
		}
		if err := o.Publish(context.Background(), events.Event{Type: events.OrderCreated}); !errors.Is(err, db.ErrNoScope) {
			t.Errorf("no tenant: %v", err)
		}
		if err := o.Publish(ctx, events.Event{Type: events.OrderCreated, TenantID: "ten_b"}); err == nil {
			t.Error("published for another tenant than the scope's")
		}
		// Rolled back: never relayed.
		_ = d.InTx(ctx, func(ctx context.Context) error {
			if err := o.Publish(ctx, events.Event{Type: events.OrderCreated, ResourceID: "ord_x"}); err != nil {
				t.Fatal(err)
			}
			return errors.New("roll back")
		})
		var batch []events.Event
		for i := range 150 {
			batch = append(batch, events.Event{Type: events.OrderUpdated, ResourceID: fmt.Sprintf("ord_%03d", i),
				Data: map[string]any{"i": i, "html": "<b>"}})
		}
		if err := o.PublishMany(ctx, batch); err != nil {
			t.Fatal(err)
		}
		// Published outside a scope, with the tenant named.
		if err := o.Publish(context.Background(), events.Event{Type: events.SettlementPaid, TenantID: "ten_c"}); err != nil {
			t.Fatal(err)
		}
		n, err := o.Relay(context.Background())
		if err != nil || n != 151 {
			t.Fatalf("relay: %d, %v", n, err)
		}
		got := rec.events()
		if len(got) != 151 {
			t.Fatalf("consumer got %d events", len(got))
		}
		for i, e := range got[:150] {
			if e.ResourceID != fmt.Sprintf("ord_%03d", i) || e.TenantID != "ten_a" || !e.Sandbox || e.Type != events.OrderUpdated {
				t.Fatalf("event %d: %+v", i, e)
			}
			if i > 0 && e.Seq <= got[i-1].Seq {
				t.Fatalf("event %d out of order", i)
			}
			var data struct {
				I    int
				HTML string
			}
			if err := json.Unmarshal(e.Data.(json.RawMessage), &data); err != nil || data.I != i || data.HTML != "<b>" {
				t.Fatalf("event %d data %s", i, e.Data)
			}
		}
		if last := got[150]; last.TenantID != "ten_c" || last.Sandbox || last.Type != events.SettlementPaid {
			t.Errorf("last event %+v", last)
		}
		// Relayed once.
		if n, err := o.Relay(context.Background()); n != 0 || err != nil {
			t.Errorf("second relay: %d, %v", n, err)
		}
		// Readable in its scope only.
		if _, err := o.Get(ctx, got[0].ID); err != nil {
			t.Errorf("get: %v", err)
		}
		if _, err := o.Get(scoped("ten_a", false), got[0].ID); err == nil {
			t.Error("a sandbox event is readable from live")
		}
	})
}

// TestFailingConsumerHoldsTheBatch: a consumer's error rolls the batch
// back; the next relay hands the same events on.
func TestFailingConsumerHoldsTheBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		o := events.New(d, nil, events.Config{})
		rec := &recorder{fail: errors.New("consumer down")}
		o.Subscribe(rec)
		ctx := scoped("ten_a", false)
		for i := range 3 {
			if err := o.Publish(ctx, events.Event{Type: events.ShipmentUpdated, ResourceID: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := o.Relay(context.Background()); err == nil {
			t.Fatal("relay succeeded with a failing consumer")
		}
		rec.mu.Lock()
		rec.fail = nil
		rec.mu.Unlock()
		if n, err := o.Relay(context.Background()); n != 3 || err != nil {
			t.Fatalf("relay: %d, %v", n, err)
		}
	})
}

// TestRunRelaysSoonAfterPublish: the relay loop hands an event on shortly
// after it commits, without waiting for a long poll.
func TestRunRelaysSoonAfterPublish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		o := events.New(d, nil, events.Config{PollInterval: time.Hour})
		rec := &recorder{}
		o.Subscribe(rec)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { o.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		time.Sleep(50 * time.Millisecond) // the loop's first, empty pass
		if err := o.Publish(scoped("ten_a", false), events.Event{Type: events.ComplianceAlert}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for len(rec.events()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("not relayed within 5 s")
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestDeferHoldsTheRelay: while a bulk write defers it, the relay hands
// nothing on; releasing wakes it at once, and a deferral that outlives
// MaxDeferral stops holding it. Trusted JSON is stored as given.
func TestDeferHoldsTheRelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		relayedWithin := func(rec *recorder, n int, d time.Duration) bool {
			deadline := time.Now().Add(d)
			for len(rec.events()) < n {
				if time.Now().After(deadline) {
					return false
				}
				time.Sleep(10 * time.Millisecond)
			}
			return true
		}
		run := func(t *testing.T, cfg events.Config) (*events.Outbox, *recorder) {
			o := events.New(d, nil, cfg)
			rec := &recorder{}
			o.Subscribe(rec)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { o.Run(ctx); close(done) }()
			t.Cleanup(func() { cancel(); <-done })
			time.Sleep(50 * time.Millisecond)
			return o, rec
		}

		t.Run("released", func(t *testing.T) {
			o, rec := run(t, events.Config{PollInterval: 20 * time.Millisecond})
			release := o.Defer()
			data := events.TrustedJSON(`{"id":"ord_1","n":1}`)
			if err := o.Publish(scoped("ten_defer", false), events.Event{Type: events.OrderCreated, ResourceID: "ord_1", Data: data}); err != nil {
				t.Fatal(err)
			}
			if relayedWithin(rec, 1, 300*time.Millisecond) {
				t.Fatal("relayed while deferred")
			}
			release()
			release() // a second call must not release someone else's deferral
			if !relayedWithin(rec, 1, 5*time.Second) {
				t.Fatal("not relayed after release")
			}
			if got := string(rec.events()[0].Data.(json.RawMessage)); got != string(data) {
				t.Fatalf("data = %s, want %s", got, data)
			}
		})
		t.Run("bounded", func(t *testing.T) {
			o, rec := run(t, events.Config{PollInterval: 20 * time.Millisecond, MaxDeferral: 200 * time.Millisecond})
			defer o.Defer()()
			if err := o.Publish(scoped("ten_defer2", false), events.Event{Type: events.ComplianceAlert}); err != nil {
				t.Fatal(err)
			}
			if !relayedWithin(rec, 1, 5*time.Second) {
				t.Fatal("a deferral past MaxDeferral still holds the relay")
			}
		})
	})
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		now := time.Now()
		clock := now.Add(-40 * 24 * time.Hour)
		o := events.New(d, nil, events.Config{Now: func() time.Time { return clock }})
		ctx := scoped("ten_a", false)
		if err := o.Publish(ctx, events.Event{Type: events.OrderCreated}); err != nil {
			t.Fatal(err)
		}
		clock = now
		if err := o.Publish(ctx, events.Event{Type: events.OrderCreated}); err != nil {
			t.Fatal(err)
		}
		// Unrelayed events are never purged, however old.
		if n, err := o.Purge(context.Background(), now.Add(-30*24*time.Hour)); n != 0 || err != nil {
			t.Fatalf("purge before relay: %d, %v", n, err)
		}
		if _, err := o.Relay(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n, err := o.Purge(context.Background(), now.Add(-30*24*time.Hour)); n != 1 || err != nil {
			t.Fatalf("purge: %d, %v", n, err)
		}
	})
}
