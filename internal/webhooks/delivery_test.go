package webhooks_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/webhooks"
)

// TestRolledBackEventIsNeverDelivered: an event published in a
// transaction that rolls back never reaches the receiver; one that
// commits does.
func TestRolledBackEventIsNeverDelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, options{allowPrivate: true})
		rc := newReceiver(t, nil)
		ctx := h.live()
		h.create(ctx, rc.URL(), events.OrderCreated)
		errRollback := errors.New("roll back")
		err := d.InTx(ctx, func(ctx context.Context) error {
			h.publish(ctx, events.OrderCreated, "ord_rolled_back", map[string]any{"n": 1})
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if err := d.InTx(ctx, func(ctx context.Context) error {
			h.publish(ctx, events.OrderCreated, "ord_committed", map[string]any{"n": 2})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the committed event", 10*time.Second, func() bool { return rc.succeeded() == 1 })
		time.Sleep(300 * time.Millisecond)
		for _, g := range rc.requests() {
			if strings.Contains(string(g.Body), "ord_rolled_back") || strings.Contains(string(g.Body), `"n":1`) {
				t.Errorf("rolled-back event delivered: %s", g.Body)
			}
		}
		if n := len(rc.requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

// TestDeliveryIsSignedWithTheShownSecret: the body is the CONTRACT's
// {"id","type","created_at","data"}, and Silkgate-Signature verifies with
// the secret shown at creation (and fails with any other).
func TestDeliveryIsSignedWithTheShownSecret(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, options{allowPrivate: true})
		rc := newReceiver(t, nil)
		ctx := h.live()
		w := h.create(ctx, rc.URL(), events.ShipmentCreated, events.OrderCreated)
		if !strings.HasPrefix(w.Secret, "whsec_") || len(w.Secret) < 40 {
			t.Fatalf("secret %q", w.Secret)
		}
		h.publish(ctx, events.ShipmentCreated, "shp_1", map[string]any{"tracking": "1Z999", "note": "<&>"})
		waitFor(t, "the delivery", 10*time.Second, func() bool { return rc.succeeded() == 1 })
		got := rc.requests()[0]

		var body map[string]json.RawMessage
		if err := json.Unmarshal(got.Body, &body); err != nil {
			t.Fatal(err)
		}
		if len(body) != 4 || body["id"] == nil || body["type"] == nil || body["created_at"] == nil || body["data"] == nil {
			t.Errorf("body %s, want exactly id, type, created_at, data", got.Body)
		}
		if got.Payload.Type != events.ShipmentCreated || !strings.HasPrefix(got.Payload.ID, "evt_") ||
			!strings.Contains(string(got.Payload.Data), `"note":"<&>"`) {
			t.Errorf("payload %+v", got.Payload)
		}
		if got.Header.Get(webhooks.HeaderEventID) != got.Payload.ID {
			t.Errorf("Silkgate-Event-Id %q, body id %q", got.Header.Get(webhooks.HeaderEventID), got.Payload.ID)
		}
		if ua := got.Header.Get("User-Agent"); ua != "Silkgate-Webhooks/1" {
			t.Errorf("User-Agent %q", ua)
		}
		if ct := got.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}

		// The signature as the CONTRACT spells it, computed here from
		// scratch.
		sig := got.Header.Get("Silkgate-Signature")
		parts := strings.Split(sig, ",")
		if len(parts) != 2 || !strings.HasPrefix(parts[0], "t=") || !strings.HasPrefix(parts[1], "v1=") {
			t.Fatalf("Silkgate-Signature %q", sig)
		}
		ts := strings.TrimPrefix(parts[0], "t=")
		m := hmac.New(sha256.New, []byte(w.Secret))
		m.Write([]byte(ts + "." + string(got.Body)))
		if want := hex.EncodeToString(m.Sum(nil)); strings.TrimPrefix(parts[1], "v1=") != want {
			t.Errorf("v1 = %s, want %s", strings.TrimPrefix(parts[1], "v1="), want)
		}
		if err := webhooks.Verify(w.Secret, sig, got.Body, h.clock.Now(), 5*time.Minute); err != nil {
			t.Errorf("Verify with the shown secret: %v", err)
		}
		if err := webhooks.Verify("whsec_wrong", sig, got.Body, h.clock.Now(), 5*time.Minute); !errors.Is(err, webhooks.ErrBadSignature) {
			t.Errorf("Verify with another secret: %v", err)
		}
		if err := webhooks.Verify(w.Secret, sig, append(got.Body, ' '), h.clock.Now(), 5*time.Minute); !errors.Is(err, webhooks.ErrBadSignature) {
			t.Errorf("Verify of a changed body: %v", err)
		}
		if err := webhooks.Verify(w.Secret, sig, got.Body, h.clock.Now().Add(time.Hour), 5*time.Minute); !errors.Is(err, webhooks.ErrStaleSignature) {
			t.Errorf("Verify an hour later: %v", err)
		}
	})
}

// TestRetriesWithBackoffUntilSuccess: a receiver that answers 500 twice is
// tried again after the back-off, and the third attempt succeeds; the log
// shows every attempt.
func TestRetriesWithBackoffUntilSuccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		const backoff = 150 * time.Millisecond
		h := newHarness(t, d, options{allowPrivate: true, backoff: backoff})
		var times []time.Time
		rc := newReceiver(t, func(p webhooks.Payload, seen int) int {
			times = append(times, time.Now())
			if seen < 2 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		ctx := h.live()
		w := h.create(ctx, rc.URL(), events.OrderUpdated)
		h.publish(ctx, events.OrderUpdated, "ord_1", map[string]any{"status": "confirmed"})
		waitFor(t, "success", 15*time.Second, func() bool { return rc.succeeded() == 1 })
		waitFor(t, "the log", 5*time.Second, func() bool {
			ds := h.deliveries(ctx, w.ID)
			return len(ds) == 1 && ds[0].Status == webhooks.StatusSucceeded
		})
		for i := 1; i < len(times); i++ {
			if gap := times[i].Sub(times[i-1]); gap < backoff {
				t.Errorf("attempt %d came %s after the previous one, before the %s back-off", i+1, gap, backoff)
			}
		}
		dl := h.deliveries(ctx, w.ID)[0]
		if dl.AttemptCount != 3 || len(dl.Attempts) != 3 {
			t.Fatalf("attempts: %d / %+v", dl.AttemptCount, dl.Attempts)
		}
		for i, want := range []int{500, 500, 200} {
			a := dl.Attempts[i]
			if a.ResponseCode == nil || *a.ResponseCode != want {
				t.Errorf("attempt %d: code %v, want %d", i+1, a.ResponseCode, want)
			}
			if (want == 500) != (a.NextAttemptAt != nil) {
				t.Errorf("attempt %d: next attempt %v", i+1, a.NextAttemptAt)
			}
			if want == 500 && (a.Status != "failed" || a.Error == "" || a.ResponseBody != `{"ok":false}`) {
				t.Errorf("attempt %d: %+v", i+1, a)
			}
		}
		if dl.CompletedAt == nil || dl.NextAttemptAt != nil || dl.LastResponseCode == nil || *dl.LastResponseCode != 200 {
			t.Errorf("delivery %+v", dl)
		}
	})
}

// TestOrderedPerResource: while the first event about a resource keeps
// failing, later events about the same resource wait; events about other
// resources do not.
func TestOrderedPerResource(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, options{allowPrivate: true, backoff: 100 * time.Millisecond})
		rc := newReceiver(t, func(p webhooks.Payload, seen int) int {
			var data struct{ Step int }
			_ = json.Unmarshal(p.Data, &data)
			if strings.Contains(string(p.Data), `"resource":"ord_a"`) && data.Step == 1 && seen < 3 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		})
		ctx := h.live()
		h.create(ctx, rc.URL(), events.OrderCreated, events.OrderUpdated)
		for step, typ := range []string{events.OrderCreated, events.OrderUpdated, events.OrderUpdated} {
			h.publish(ctx, typ, "ord_a", map[string]any{"resource": "ord_a", "step": step + 1})
		}
		h.publish(ctx, events.OrderCreated, "ord_b", map[string]any{"resource": "ord_b", "step": 1})
		waitFor(t, "all four events", 20*time.Second, func() bool { return rc.succeeded() == 4 })

		var order []string
		bDoneBeforeA := false
		aSucceeded := false
		for _, g := range rc.requests() {
			var data struct {
				Resource string
				Step     int
			}
			_ = json.Unmarshal(g.Payload.Data, &data)
			if data.Resource == "ord_b" && !aSucceeded {
				bDoneBeforeA = true
			}
			if data.Resource == "ord_a" {
				order = append(order, map[bool]string{true: "ok", false: "fail"}[g.Status < 300]+string(rune('0'+data.Step)))
				if data.Step == 1 && g.Status < 300 {
					aSucceeded = true
				}
			}
		}
		if got, want := strings.Join(order, " "), "fail1 fail1 fail1 ok1 ok2 ok3"; got != want {
			t.Errorf("deliveries about ord_a: %s, want %s", got, want)
		}
		if !bDoneBeforeA {
			t.Error("ord_b waited for ord_a's failing delivery")
		}
	})
}

// TestGivesUpAfterTheWindow: a delivery still failing when the next
// attempt would fall beyond the retry window is given up, and the next
// event about the same resource then goes out.
func TestGivesUpAfterTheWindow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, options{allowPrivate: true, backoff: 50 * time.Millisecond})
		rc := newReceiver(t, func(p webhooks.Payload, seen int) int {
			if strings.Contains(string(p.Data), `"first":true`) {
				return http.StatusBadGateway
			}
			return http.StatusOK
		})
		ctx := h.live()
		w := h.create(ctx, rc.URL(), events.ReturnUpdated)
		h.publish(ctx, events.ReturnUpdated, "ret_1", map[string]any{"first": true})
		h.publish(ctx, events.ReturnUpdated, "ret_1", map[string]any{"first": false})
		waitFor(t, "two failed attempts", 10*time.Second, func() bool { return len(rc.requests()) >= 2 })
		if rc.succeeded() != 0 {
			t.Fatal("the second event went out while the first was still being retried")
		}
		// A day passes.
		h.clock.Advance(24*time.Hour + time.Minute)
		waitFor(t, "the second event", 10*time.Second, func() bool { return rc.succeeded() == 1 })
		var ds []webhooks.Delivery
		waitFor(t, "the log", 5*time.Second, func() bool {
			ds = h.deliveries(ctx, w.ID)
			return len(ds) == 2 && ds[1].Status == webhooks.StatusSucceeded
		})
		if len(ds) != 2 {
			t.Fatalf("%d deliveries", len(ds))
		}
		first := ds[0]
		if first.Status != webhooks.StatusFailed || first.CompletedAt == nil || first.NextAttemptAt != nil {
			t.Errorf("first delivery: %+v", first)
		}
		if last := first.Attempts[len(first.Attempts)-1]; last.NextAttemptAt != nil {
			t.Errorf("the last attempt promises another: %+v", last)
		}
		if ds[1].Status != webhooks.StatusSucceeded {
			t.Errorf("second delivery: %+v", ds[1])
		}
		n := len(rc.requests())
		time.Sleep(300 * time.Millisecond)
		if len(rc.requests()) != n {
			t.Error("attempts went on after the delivery was given up")
		}
	})
}

// TestReplayAndTestEvent: "send test event" delivers a signed webhook.test
// event; a replay sends a delivered event again as a new delivery.
func TestReplayAndTestEvent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, options{allowPrivate: true})
		rc := newReceiver(t, nil)
		ctx := h.live()
		w := h.create(ctx, rc.URL(), events.SettlementPaid)

		test, err := h.s.SendTest(ctx, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		if test.EventType != events.TestType || test.Status != webhooks.StatusPending {
			t.Errorf("test delivery %+v", test)
		}
		waitFor(t, "the test event", 10*time.Second, func() bool { return rc.succeeded() == 1 })
		got := rc.requests()[0]
		if got.Payload.Type != "webhook.test" || !strings.Contains(string(got.Payload.Data), w.ID) {
			t.Errorf("test payload %+v", got.Payload)
		}
		if err := webhooks.Verify(w.Secret, got.Header.Get(webhooks.HeaderSignature), got.Body, h.clock.Now(), time.Minute); err != nil {
			t.Errorf("test event signature: %v", err)
		}

		h.publish(ctx, events.SettlementPaid, "stl_1", map[string]any{"amount": "10.00"})
		waitFor(t, "the event", 10*time.Second, func() bool { return rc.succeeded() == 2 })
		var orig webhooks.Delivery
		for _, dl := range h.deliveries(ctx, w.ID) {
			if dl.EventType == events.SettlementPaid {
				orig = dl
			}
		}
		waitFor(t, "success recorded", 5*time.Second, func() bool {
			dl, err := h.s.Delivery(ctx, w.ID, orig.ID)
			return err == nil && dl.Status == webhooks.StatusSucceeded
		})
		replay, err := h.s.Replay(ctx, w.ID, orig.ID)
		if err != nil {
			t.Fatal(err)
		}
		if replay.ID == orig.ID || replay.ReplayOf != orig.ID || replay.EventID != orig.EventID {
			t.Errorf("replay %+v of %+v", replay, orig)
		}
		waitFor(t, "the replay", 10*time.Second, func() bool { return rc.succeeded() == 3 })
		if a, b := rc.requests()[1].Payload, rc.requests()[2].Payload; a.ID != b.ID || string(a.Data) != string(b.Data) {
			t.Errorf("replay sent %+v, first delivery %+v", b, a)
		}
		if _, err := h.s.Replay(ctx, w.ID, "dlv_nope"); err == nil {
			t.Error("replay of an unknown delivery succeeded")
		}
	})
}

// TestDeliveriesSurviveRestart: deliveries pending when the workers stop
// (and the store is closed) are made by workers started later on the same
// store.
func TestDeliveriesSurviveRestart(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn, dir := dbtest.DSN(t, e)
			d1, err := db.Open(ctx, dir, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := d1.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var down atomic.Bool
			down.Store(true)
			rc := newReceiver(t, func(webhooks.Payload, int) int {
				if down.Load() {
					return http.StatusServiceUnavailable
				}
				return http.StatusOK
			})
			keyDir := t.TempDir()
			h1 := newHarness(t, d1, options{allowPrivate: true, keyDir: keyDir, backoff: 200 * time.Millisecond})
			sctx := h1.live()
			w := h1.create(sctx, rc.URL(), events.OrderCreated)
			for i := range 5 {
				h1.publish(sctx, events.OrderCreated, "ord_"+string(rune('a'+i)), map[string]any{"i": i})
			}
			// Every delivery fails once and waits for its retry when the
			// workers stop and the store closes.
			waitFor(t, "a first attempt of each", 10*time.Second, func() bool { return len(rc.requests()) >= 5 })
			h1.stop()
			if rc.succeeded() != 0 {
				t.Fatal("delivered while the receiver was down")
			}
			down.Store(false)
			d1.Close()

			d2, err := db.Open(ctx, dir, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d2.Close() })
			h2 := newHarness(t, d2, options{allowPrivate: true, keyDir: keyDir})
			h2.tenant = h1.tenant
			waitFor(t, "five deliveries after the restart", 15*time.Second, func() bool { return rc.succeeded() == 5 })
			for _, dl := range h2.deliveries(h2.live(), w.ID) {
				if dl.Status != webhooks.StatusSucceeded && dl.Status != webhooks.StatusPending {
					t.Errorf("delivery %+v", dl)
				}
			}
		})
	}
}

// TestEventsStayInTheirScope: a sandbox event reaches only sandbox
// webhooks of its tenant, and another tenant's webhooks get nothing.
func TestEventsStayInTheirScope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHarness(t, d, options{allowPrivate: true})
		other := h.newTenant()
		live, sandbox, foreign := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
		h.create(h.ctx(h.tenant, false), live.URL(), events.ScreeningHit)
		sw := h.create(h.ctx(h.tenant, true), sandbox.URL(), events.ScreeningHit)
		fw := h.create(h.ctx(other, true), foreign.URL(), events.ScreeningHit)
		h.publish(h.ctx(h.tenant, true), events.ScreeningHit, "scr_1", map[string]any{"score": 0.9})
		waitFor(t, "the sandbox delivery", 10*time.Second, func() bool { return sandbox.succeeded() == 1 })
		time.Sleep(300 * time.Millisecond)
		if len(live.requests()) != 0 || len(foreign.requests()) != 0 {
			t.Errorf("event leaked: live %d, other tenant %d", len(live.requests()), len(foreign.requests()))
		}
		// The other tenant cannot see the delivery, nor the webhook.
		if _, err := h.s.Deliveries(h.ctx(other, true), sw.ID, webhooks.DeliveryFilter{}, pageAll); err == nil {
			t.Error("another tenant listed the deliveries")
		}
		if _, err := h.s.Get(h.ctx(h.tenant, false), sw.ID); err == nil {
			t.Error("the live side sees a sandbox webhook")
		}
		if _, err := h.s.Get(h.ctx(h.tenant, true), fw.ID); err == nil {
			t.Error("a tenant sees another's webhook")
		}
	})
}
