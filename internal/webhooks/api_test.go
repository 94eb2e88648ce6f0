package webhooks_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/webhooks"
)

// startBackground runs the app's job workers and outbox relay, as serve
// does, until the test ends.
func startBackground(t *testing.T, env *apptest.Env) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = env.App.Jobs.Run(ctx); done <- struct{}{} }()
	go func() { env.App.Events.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
}

type problemDoc struct {
	Status int    `json:"status"`
	Code   string `json:"code"`
	Errors []struct {
		Field string `json:"field"`
		Code  string `json:"code"`
	} `json:"errors"`
}

func (p problemDoc) has(field, code string) bool {
	for _, e := range p.Errors {
		if e.Field == field && (code == "" || e.Code == code) {
			return true
		}
	}
	return false
}

// TestWebhookAPI drives the webhook API through the real router: create
// (secret shown once), bad input, listing, tenant and sandbox isolation,
// the test event, the delivery log, replay and deletion.
func TestWebhookAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		startBackground(t, env)
		a, b := env.Tenant("Hook Alpha"), env.Tenant("Hook Beta")
		aSandbox := env.Key(a, identity.TenantAdmin, true)
		aLive := env.Key(a, identity.TenantAdmin, false)
		bSandbox := env.Key(b, identity.TenantOwner, true)
		rc := newReceiver(t, nil)

		// Bad input: 422 naming the field.
		for _, tc := range []struct {
			name, key   string
			body        any
			field, code string
		}{
			{"no url", aSandbox, map[string]any{"events": []string{"order.created"}}, "url", "required"},
			{"not a url", aSandbox, map[string]any{"url": "ftp://x", "events": []string{"order.created"}}, "url", "invalid_format"},
			{"no events", aSandbox, map[string]any{"url": rc.URL()}, "events", "required"},
			{"unknown event", aSandbox, map[string]any{"url": rc.URL(), "events": []string{"order.created", "order.exploded"}}, "events[1]", "unknown_event_type"},
			{"unknown field", aSandbox, map[string]any{"url": rc.URL(), "events": []string{"order.created"}, "colour": "red"}, "colour", "unknown_field"},
			{"http from live", aLive, map[string]any{"url": rc.URL(), "events": []string{"order.created"}}, "url", "https_required"},
			{"private from live", aLive, map[string]any{"url": "https://10.1.2.3/hook", "events": []string{"order.created"}}, "url", "private_address"},
		} {
			var p problemDoc
			r := env.Call("POST", "/api/v1/webhooks", tc.key, tc.body, &p)
			if r.StatusCode != http.StatusUnprocessableEntity || !p.has(tc.field, tc.code) {
				t.Errorf("%s: %d %s, want 422 naming %s (%s)", tc.name, r.StatusCode, apptest.Body(r), tc.field, tc.code)
			}
		}

		var created webhooks.CreatedWebhook
		r := env.Call("POST", "/api/v1/webhooks", aSandbox, map[string]any{"url": rc.URL(),
			"events": []string{"order.created", "order.updated"}}, &created)
		if r.StatusCode != http.StatusCreated || created.ID == "" || !strings.HasPrefix(created.Secret, "whsec_") || !created.Sandbox {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		// The secret is shown once.
		var got webhooks.Webhook
		if r := env.Call("GET", "/api/v1/webhooks/"+created.ID, aSandbox, nil, &got); r.StatusCode != 200 ||
			strings.Contains(apptest.Body(r), created.Secret) || got.URL != rc.URL() {
			t.Errorf("get: %d %s", r.StatusCode, apptest.Body(r))
		}
		var list web.List[webhooks.Webhook]
		if env.Call("GET", "/api/v1/webhooks", aSandbox, nil, &list); len(list.Items) != 1 || list.Items[0].ID != created.ID {
			t.Errorf("list: %+v", list)
		}
		var types web.List[events.TypeInfo]
		if env.Call("GET", "/api/v1/webhooks/event-types", aSandbox, nil, &types); len(types.Items) < 8 {
			t.Errorf("event types: %+v", types)
		}

		// The live side and another tenant see nothing of it.
		if env.Call("GET", "/api/v1/webhooks", aLive, nil, &list); len(list.Items) != 0 {
			t.Errorf("live list shows sandbox webhooks: %+v", list)
		}
		for _, key := range []string{aLive, bSandbox} {
			for _, call := range []struct{ method, path string }{
				{"GET", "/api/v1/webhooks/" + created.ID},
				{"GET", "/api/v1/webhooks/" + created.ID + "/deliveries"},
				{"POST", "/api/v1/webhooks/" + created.ID + "/test"},
				{"DELETE", "/api/v1/webhooks/" + created.ID},
			} {
				var body any
				if call.method == "POST" {
					body = map[string]any{}
				}
				if r := env.Call(call.method, call.path, key, body, nil); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s %s by an outsider: %d, want 404", call.method, call.path, r.StatusCode)
				}
			}
		}

		// Send test event.
		var test webhooks.Delivery
		if r := env.Call("POST", "/api/v1/webhooks/"+created.ID+"/test", aSandbox, map[string]any{}, &test); r.StatusCode != http.StatusAccepted ||
			test.EventType != "webhook.test" {
			t.Fatalf("test event: %d %s", r.StatusCode, apptest.Body(r))
		}
		waitFor(t, "the test event", 15*time.Second, func() bool { return rc.succeeded() == 1 })
		req := rc.requests()[0]
		if err := webhooks.Verify(created.Secret, req.Header.Get("Silkgate-Signature"), req.Body, time.Now(), time.Minute); err != nil {
			t.Errorf("test event signature: %v", err)
		}

		// A domain event, published as a module does.
		ctx := db.WithScope(context.Background(), db.Scope{TenantID: a, Sandbox: true})
		if err := env.App.Events.Publish(ctx, events.Event{Type: events.OrderCreated, ResourceID: "ord_api",
			Data: map[string]any{"id": "ord_api"}}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the order event", 15*time.Second, func() bool { return rc.succeeded() == 2 })

		// The delivery log.
		var log web.List[webhooks.Delivery]
		waitFor(t, "both deliveries logged as succeeded", 10*time.Second, func() bool {
			env.Call("GET", "/api/v1/webhooks/"+created.ID+"/deliveries?status=succeeded", aSandbox, nil, &log)
			return len(log.Items) == 2
		})
		first := log.Items[0] // newest first: the order event
		if first.EventType != events.OrderCreated || first.AttemptCount != 1 || len(first.Attempts) != 1 ||
			first.Attempts[0].ResponseCode == nil || *first.Attempts[0].ResponseCode != 200 {
			t.Errorf("delivery log: %+v", first)
		}
		var p problemDoc
		if r := env.Call("GET", "/api/v1/webhooks/"+created.ID+"/deliveries?status=lost", aSandbox, nil, &p); r.StatusCode != 422 || !p.has("status", "one_of") {
			t.Errorf("bad status filter: %d", r.StatusCode)
		}

		// Replay: a new delivery of the same event; not for outsiders.
		replayPath := "/api/v1/webhooks/" + created.ID + "/deliveries/" + first.ID + "/replay"
		if r := env.Call("POST", replayPath, bSandbox, map[string]any{}, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("replay by another tenant: %d", r.StatusCode)
		}
		var replay webhooks.Delivery
		if r := env.Call("POST", replayPath, aSandbox, map[string]any{}, &replay); r.StatusCode != http.StatusAccepted ||
			replay.ReplayOf != first.ID || replay.EventID != first.EventID {
			t.Fatalf("replay: %d %s", r.StatusCode, apptest.Body(r))
		}
		waitFor(t, "the replay", 15*time.Second, func() bool { return rc.succeeded() == 3 })
		if ids := rc.requests(); ids[2].Payload.ID != ids[1].Payload.ID {
			t.Errorf("replay sent event %s, want %s", ids[2].Payload.ID, ids[1].Payload.ID)
		}
		var one webhooks.Delivery
		if r := env.Call("GET", "/api/v1/webhooks/"+created.ID+"/deliveries/"+replay.ID, aSandbox, nil, &one); r.StatusCode != 200 || one.ID != replay.ID {
			t.Errorf("get delivery: %d", r.StatusCode)
		}

		// Delete.
		if r := env.Call("DELETE", "/api/v1/webhooks/"+created.ID, aSandbox, nil, nil); r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/webhooks/"+created.ID, aSandbox, nil, nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("get after delete: %d", r.StatusCode)
		}
	})
}

// TestRoutesUseTheAPIKeyPermissions: webhooks are managed by whoever
// manages API keys (tenant admins and owners), and read by whoever reads
// them.
func TestRoutesUseTheAPIKeyPermissions(t *testing.T) {
	env := apptest.New(t, db.SQLite)
	n := 0
	for _, rt := range env.App.Router.Routes() {
		if !strings.HasPrefix(rt.Path, "/api/v1/webhooks") {
			continue
		}
		n++
		want := identity.PermAPIKeysRead
		if rt.Method != "GET" {
			want = identity.PermAPIKeysManage
		}
		if rt.Perm != want {
			t.Errorf("%s %s needs %q, want %q", rt.Method, rt.Path, rt.Perm, want)
		}
	}
	if n < 8 {
		t.Errorf("%d webhook routes registered", n)
	}
	if identity.Viewer.Can(identity.PermAPIKeysManage) || !identity.TenantAdmin.Can(identity.PermAPIKeysManage) {
		t.Error("the API-key permission no longer means tenant admins and above")
	}
}
