package sandbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/sandbox"
	"github.com/silkgate/silkgate/internal/webhooks"
)

// TestTrackingReachesWebhooks: a tracking event of the simulated carrier
// reaches a sandbox webhook as a signed shipment.tracking_updated delivery,
// through the outbox and the job queue as serve runs them.
func TestTrackingReachesWebhooks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{}, 2)
		go func() { _ = env.App.Jobs.Run(ctx); done <- struct{}{} }()
		go func() { env.App.Events.Run(ctx); done <- struct{}{} }()
		t.Cleanup(func() { cancel(); <-done; <-done })

		var (
			mu  sync.Mutex
			got []webhooks.Payload
			sig []string
			raw [][]byte
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var p webhooks.Payload
			_ = json.Unmarshal(body, &p)
			mu.Lock()
			got, sig, raw = append(got, p), append(sig, r.Header.Get("Silkgate-Signature")), append(raw, body)
			mu.Unlock()
		}))
		t.Cleanup(srv.Close)

		tenant := env.Tenant("Hooked Parcels")
		admin := env.Key(tenant, identity.TenantAdmin, true)
		var hook struct{ ID, Secret string }
		if r := env.Call("POST", "/api/v1/webhooks", admin, map[string]any{"url": srv.URL + "/hook",
			"events": []string{"shipment.tracking_updated"}}, &hook); r.StatusCode != 201 {
			t.Fatalf("subscribe: %d %s", r.StatusCode, apptest.Body(r))
		}
		order := newOrder(t, env, admin, "HOOK-1", "10115")
		var sh sandbox.Shipment
		if r := env.Call("POST", "/api/v1/sandbox/carrier/labels", admin, map[string]any{"order_id": order}, &sh); r.StatusCode != 201 {
			t.Fatalf("label: %d", r.StatusCode)
		}
		env.Call("POST", "/api/v1/sandbox/carrier/tracking/"+sh.TrackingNumber+"/advance", admin, nil, nil)

		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= 2 || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 2 {
			t.Fatalf("%d deliveries, want 2 (label_created, picked_up)", len(got))
		}
		for i, p := range got {
			var d sandbox.TrackingUpdate
			if err := json.Unmarshal(p.Data, &d); err != nil {
				t.Fatal(err)
			}
			want := []string{"label_created", "picked_up"}[i]
			if p.Type != "shipment.tracking_updated" || d.TrackingNumber != sh.TrackingNumber || string(d.Status) != want || d.Final {
				t.Errorf("delivery %d: %s %+v, want %s", i, p.Type, d, want)
			}
			if err := webhooks.Verify(hook.Secret, sig[i], raw[i], time.Now(), 5*time.Minute); err != nil {
				t.Errorf("delivery %d: signature: %v", i, err)
			}
		}
	})
}
