package webhooks_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/webhooks"
)

// clock is real time plus an offset that a test can move forward, so that
// short back-offs still elapse while a day can pass at once.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func newClock() *clock { return &clock{} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// harness is a webhook service over a real store, with its job queue and
// outbox relay running, and a tenant.
type harness struct {
	t      *testing.T
	d      *db.DB
	q      *jobs.Queue
	o      *events.Outbox
	s      *webhooks.Service
	clock  *clock
	tenant string
	stop   func()
}

type options struct {
	backoff      time.Duration
	allowPrivate bool
	window       time.Duration
	noStart      bool
	// keyDir holds the key-encryption key; a test that reopens a store
	// passes the same folder each time.
	keyDir string
}

// newHarness builds the services on d. Unless o.noStart, the queue and the
// relay run until the test ends.
func newHarness(t *testing.T, d *db.DB, o options) *harness {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, d, nil); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, d: d, clock: newClock()}
	var err error
	h.q, err = jobs.New(d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true,
		Queues: map[string]int{webhooks.Queue: 4}, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.keyDir == "" {
		o.keyDir = t.TempDir()
	}
	keys, err := keyring.Open(ctx, d, o.keyDir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	h.o = events.New(d, h.q, events.Config{Now: h.clock.Now, PollInterval: 20 * time.Millisecond})
	backoff := o.backoff
	if backoff == 0 {
		backoff = 30 * time.Millisecond
	}
	h.s = webhooks.New(d, h.q, h.o, keys, audit.New(d, nil, nil), webhooks.Config{
		Now: h.clock.Now, Backoff: func(int) time.Duration { return backoff },
		AllowPrivate: o.allowPrivate, Window: o.window, Timeout: 2 * time.Second,
	})
	h.tenant = h.newTenant()
	if !o.noStart {
		h.start()
	}
	return h
}

// start runs the queue and the relay until the test ends (or h.stop).
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := h.q.Start(ctx); err != nil {
		h.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { h.o.Run(ctx); close(done) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if err := h.q.Shutdown(context.Background()); err != nil {
				h.t.Error(err)
			}
		})
	}
	h.t.Cleanup(h.stop)
}

func (h *harness) newTenant() string {
	h.t.Helper()
	id := ids.New("ten")
	dbtest.MustExec(h.t, h.d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		id, "Tenant "+id, time.Now().UTC())
	return id
}

// ctx returns a context in the scope of tenant (live or sandbox).
func (h *harness) ctx(tenant string, sandbox bool) context.Context {
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "test", Type: "system", TenantID: tenant})
	return db.WithScope(ctx, db.Scope{TenantID: tenant, Sandbox: sandbox})
}

func (h *harness) live() context.Context { return h.ctx(h.tenant, false) }

func (h *harness) create(ctx context.Context, url string, types ...string) webhooks.CreatedWebhook {
	h.t.Helper()
	w, err := h.s.Create(ctx, webhooks.NewWebhook{URL: url, Events: types})
	if err != nil {
		h.t.Fatalf("create webhook: %v", err)
	}
	return w
}

func (h *harness) publish(ctx context.Context, typ, resource string, data any) {
	h.t.Helper()
	if err := h.o.Publish(ctx, events.Event{Type: typ, ResourceID: resource, Data: data}); err != nil {
		h.t.Fatal(err)
	}
}

// deliveries lists all deliveries of a webhook, oldest first.
func (h *harness) deliveries(ctx context.Context, webhookID string) []webhooks.Delivery {
	h.t.Helper()
	l, err := h.s.Deliveries(ctx, webhookID, webhooks.DeliveryFilter{}, web.Page{Limit: web.MaxLimit})
	if err != nil {
		h.t.Fatal(err)
	}
	out := l.Items
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// waitFor polls ok until it holds or the time is up.
func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// received is one request a receiver got.
type received struct {
	Header  http.Header
	Body    []byte
	Payload webhooks.Payload
	Status  int
}

// receiver is a webhook endpoint on loopback whose answers a test
// scripts: respond gets each request and how many of the same event came
// before it, and returns the status to answer.
type receiver struct {
	mu      sync.Mutex
	got     []received
	respond func(p webhooks.Payload, seen int) int
	srv     *httptest.Server
}

func newReceiver(t *testing.T, respond func(p webhooks.Payload, seen int) int) *receiver {
	rc := &receiver{respond: respond}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p webhooks.Payload
		_ = json.Unmarshal(body, &p)
		rc.mu.Lock()
		seen := 0
		for _, g := range rc.got {
			if g.Payload.ID == p.ID {
				seen++
			}
		}
		status := http.StatusOK
		if rc.respond != nil {
			status = rc.respond(p, seen)
		}
		rc.got = append(rc.got, received{Header: r.Header.Clone(), Body: body, Payload: p, Status: status})
		rc.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"ok":`+map[bool]string{true: "true", false: "false"}[status < 300]+`}`)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) URL() string { return rc.srv.URL + "/hook" }

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// succeeded counts the requests answered with 2xx.
func (rc *receiver) succeeded() int {
	n := 0
	for _, g := range rc.requests() {
		if g.Status < 300 {
			n++
		}
	}
	return n
}

var pageAll = web.Page{Limit: web.MaxLimit}
