package orders_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/orders"
)

// posted is one concurrent POST's outcome.
type posted struct {
	key, ext string
	status   int
	body     []byte
	err      error
}

// postAll sends every request at once and returns once all have answered.
func postAll(env *apptest.Env, reqs []posted) []posted {
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &reqs[i]
			b, _ := json.Marshal(sample(p.ext))
			req, err := http.NewRequest("POST", env.Server.URL+"/api/v1/orders", bytes.NewReader(b))
			if err != nil {
				p.err = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+p.key)
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				p.err = err
				return
			}
			defer resp.Body.Close()
			p.status = resp.StatusCode
			p.body, p.err = io.ReadAll(resp.Body)
		}()
	}
	wg.Wait()
	return reqs
}

// waitQueued waits until n orders wait for their batch.
func waitQueued(t *testing.T, queued func() int, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for queued() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d orders queued", queued(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestConcurrentCreatesShareABatch holds concurrent single orders of two
// tenants, live and sandbox, until they are all queued, so that they are
// written in one batch; each must still get its own outcome, record and
// event: created, or 409 naming the order that holds its external id —
// whether that order was stored before or in the same batch.
func TestConcurrentCreatesShareABatch(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		a := env.Tenant("Batch A GmbH")
		b := env.Tenant("Batch B Ltd")
		keys := []string{env.Key(a, identity.Operator, false), env.Key(a, identity.Operator, false),
			env.Key(a, identity.Operator, true), env.Key(b, identity.Operator, false)}
		var first orders.Order
		if r := env.Call("POST", "/api/v1/orders", keys[0], sample("B-EXISTING"), &first); r.StatusCode != http.StatusCreated {
			t.Fatalf("first order: %d %s", r.StatusCode, apptest.Body(r))
		}

		queued, release := orders.HoldBatches(env.App.Orders)
		var reqs []posted
		for i := range 24 {
			reqs = append(reqs, posted{key: keys[i%len(keys)], ext: fmt.Sprintf("B-%03d", i)})
		}
		// Twice in the batch, and once already stored, for one tenant.
		reqs = append(reqs, posted{key: keys[1], ext: "B-000"}, posted{key: keys[0], ext: "B-EXISTING"})
		// The same external id in another tenant, and in the sandbox, is
		// another order.
		reqs = append(reqs, posted{key: keys[3], ext: "B-EXISTING"}, posted{key: keys[2], ext: "B-EXISTING"})
		done := make(chan []posted)
		go func() { done <- postAll(env, reqs) }()
		waitQueued(t, queued, len(reqs))
		release()
		reqs = <-done

		created := map[string]map[string]string{} // tenant scope → ext → id
		scope := func(key string) string {
			switch key {
			case keys[2]:
				return "a-sandbox"
			case keys[3]:
				return "b"
			}
			return "a"
		}
		var conflicts []posted
		for _, p := range reqs {
			if p.err != nil {
				t.Fatal(p.err)
			}
			switch p.status {
			case http.StatusCreated:
				var o orders.Order
				if err := json.Unmarshal(p.body, &o); err != nil || o.ExternalID != p.ext || o.ID == "" {
					t.Fatalf("201 %s: %v", p.body, err)
				}
				sc := scope(p.key)
				if created[sc] == nil {
					created[sc] = map[string]string{}
				}
				if prev, dup := created[sc][p.ext]; dup {
					t.Errorf("%s created twice in %s: %s and %s", p.ext, sc, prev, o.ID)
				}
				created[sc][p.ext] = o.ID
			case http.StatusConflict:
				conflicts = append(conflicts, p)
			default:
				t.Errorf("%s: %d %s", p.ext, p.status, p.body)
			}
		}
		if len(conflicts) != 2 {
			t.Fatalf("%d conflicts, want 2 (B-000 twice, B-EXISTING again)", len(conflicts))
		}
		for _, p := range conflicts {
			want := created["a"][p.ext]
			if p.ext == "B-EXISTING" {
				want = first.ID
			}
			var prob struct {
				Code   string `json:"code"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(p.body, &prob); err != nil || prob.Code != "duplicate_external_id" ||
				want == "" || !bytes.Contains(p.body, []byte(want)) {
				t.Errorf("409 for %s does not name %s: %s", p.ext, want, p.body)
			}
		}
		if n := len(created["a"]) + len(created["a-sandbox"]) + len(created["b"]); n != len(reqs)-2 {
			t.Errorf("%d created, want %d", n, len(reqs)-2)
		}

		// One record and one event per created order, by the key that posted it.
		for sc, tenant := range map[string]string{"a": a, "b": b} {
			want := len(created[sc])
			if sc == "a" {
				want += len(created["a-sandbox"]) + 1 // and the first order
			}
			if got := auditCount(t, env, tenant, "order.create"); got != want {
				t.Errorf("tenant %s: %d order.create records, want %d", sc, got, want)
			}
			var events int
			if err := env.App.DB.Writer().QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox_events
				WHERE tenant_id = $1 AND type = 'order.created'`, tenant).Scan(&events); err != nil {
				t.Fatal(err)
			}
			if events != want {
				t.Errorf("tenant %s: %d order.created events, want %d", sc, events, want)
			}
		}
		actors := map[string]int{}
		rows, err := env.App.DB.Writer().QueryContext(ctx, `SELECT actor FROM audit_events WHERE action = 'order.create'
			AND tenant_id = $1`, a)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var actor string
			if err := rows.Scan(&actor); err != nil {
				t.Fatal(err)
			}
			actors[actor]++
		}
		rows.Close()
		if len(actors) != 3 {
			t.Errorf("records of tenant A name %d actors, want its 3 keys: %v", len(actors), actors)
		}
		if rep, err := env.App.Audit.Verify(ctx); err != nil || !rep.OK {
			t.Errorf("audit trail after a batch: %+v %v", rep, err)
		}
		// The record's digest is that of the order as the API showed it.
		var o orders.Order
		env.Call("GET", "/api/v1/orders/"+created["b"]["B-EXISTING"], keys[3], nil, &o)
		want, err := audit.ChangeDigest(o)
		if err != nil {
			t.Fatal(err)
		}
		var digest string
		if err := env.App.DB.Writer().QueryRowContext(ctx, `SELECT change_digest FROM audit_events
			WHERE resource = $1`, "order/"+o.ID).Scan(&digest); err != nil || digest != want {
			t.Errorf("digest of %s: %q %v, want %q", o.ID, digest, err, want)
		}
		// The sandbox order is not the live one.
		if r := env.Call("GET", "/api/v1/orders/"+created["a-sandbox"]["B-EXISTING"], keys[0], nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("live key reads the sandbox order: %d", r.StatusCode)
		}
	})
}

// TestBatchFaultFallsBackToSingleWrites fails a batch's write: its orders
// are then written one by one, each stored, recorded and announced once.
func TestBatchFaultFallsBackToSingleWrites(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Fault GmbH")
		key := env.Key(tenant, identity.Operator, false)
		queued, release := orders.HoldBatches(env.App.Orders)
		orders.FailNextBatch(env.App.Orders, errors.New("injected store fault"))
		var reqs []posted
		for i := range 10 {
			reqs = append(reqs, posted{key: key, ext: fmt.Sprintf("F-%02d", i)})
		}
		reqs = append(reqs, posted{key: key, ext: "F-00"})
		done := make(chan []posted)
		go func() { done <- postAll(env, reqs) }()
		waitQueued(t, queued, len(reqs))
		release()
		statuses := map[int]int{}
		for _, p := range <-done {
			if p.err != nil {
				t.Fatal(p.err)
			}
			statuses[p.status]++
		}
		if statuses[http.StatusCreated] != 10 || statuses[http.StatusConflict] != 1 {
			t.Fatalf("statuses %v, want 10 created and 1 conflict", statuses)
		}
		if n := auditCount(t, env, tenant, "order.create"); n != 10 {
			t.Errorf("%d order.create records, want 10", n)
		}
		var stored int
		if err := env.App.DB.Writer().QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM orders WHERE tenant_id = $1`, tenant).Scan(&stored); err != nil || stored != 10 {
			t.Errorf("%d orders stored, want 10 (%v)", stored, err)
		}
	})
}

// TestIdempotentCreateIsNotBatched shows that a create whose request has
// claimed an Idempotency-Key commits with that claim: a replay gets the
// first answer, not a second order or a 409.
func TestIdempotentCreateIsNotBatched(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Idem GmbH")
		key := env.Key(tenant, identity.Operator, false)
		b, _ := json.Marshal(sample("I-1"))
		var ids []string
		for range 2 {
			req, _ := http.NewRequest("POST", env.Server.URL+"/api/v1/orders", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Idempotency-Key", "idem-1")
			resp, err := env.Server.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var o orders.Order
			_ = json.NewDecoder(resp.Body).Decode(&o)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d", resp.StatusCode)
			}
			ids = append(ids, o.ID)
		}
		if ids[0] == "" || ids[0] != ids[1] {
			t.Errorf("replay answered %v", ids)
		}
	})
}

// TestBatchPanicFailsItsOrdersOnly: a bug that panics while a batch is
// written fails that batch's orders (500, nothing stored) and leaves the
// server, and the next orders, unharmed.
func TestBatchPanicFailsItsOrdersOnly(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Panic GmbH")
		key := env.Key(tenant, identity.Operator, false)
		queued, release := orders.HoldBatches(env.App.Orders)
		orders.PanicNextBatch(env.App.Orders)
		reqs := []posted{{key: key, ext: "P-1"}, {key: key, ext: "P-2"}, {key: key, ext: "P-3"}}
		done := make(chan []posted)
		go func() { done <- postAll(env, reqs) }()
		waitQueued(t, queued, len(reqs))
		release()
		for _, p := range <-done {
			if p.err != nil || p.status != http.StatusInternalServerError {
				t.Errorf("%s: %d %v", p.ext, p.status, p.err)
			}
		}
		var after orders.Order
		if r := env.Call("POST", "/api/v1/orders", key, sample("P-1"), &after); r.StatusCode != http.StatusCreated {
			t.Fatalf("after the panic: %d %s", r.StatusCode, apptest.Body(r))
		}
		var stored int
		if err := env.App.DB.Writer().QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM orders WHERE tenant_id = $1`, tenant).Scan(&stored); err != nil || stored != 1 {
			t.Errorf("%d orders stored, want 1 (%v)", stored, err)
		}
	})
}
