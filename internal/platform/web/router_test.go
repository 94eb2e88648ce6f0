package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// thingRoutes is a small API over a table created by the test: enough to
// see transactions, idempotency and errors through the real router.
type thingAPI struct {
	d     *db.DB
	calls atomic.Int64
}

type thingIn struct {
	ID   string `json:"id"`
	Note string `json:"note"`
}

type thingOut struct {
	ID   string `json:"id"`
	Note string `json:"note"`
	Call int64  `json:"call"`
}

func createThings(t *testing.T, d *db.DB) {
	t.Helper()
	dbtest.MustExec(t, d, `CREATE TABLE web_test_things (id TEXT PRIMARY KEY, note TEXT NOT NULL)`)
}

func (a *thingAPI) count(t *testing.T) int {
	t.Helper()
	var n int
	if err := a.d.Q(context.Background()).QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM web_test_things`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (a *thingAPI) insert(ctx context.Context, in thingIn) error {
	_, err := a.d.Q(ctx).ExecContext(ctx, `INSERT INTO web_test_things (id, note) VALUES ($1, $2)`, in.ID, in.Note)
	if db.IsUnique(err) {
		return problem.Conflict("duplicate", "field", "id")
	}
	return err
}

func (a *thingAPI) routes(rt *Router) {
	rt.Handle(Route{Method: "POST", Path: "/api/v1/things", Perm: "things.write", Status: 201,
		Request: thingIn{}, Response: thingOut{}, MaxBody: 256,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			n := a.calls.Add(1)
			var in thingIn
			if err := Decode(r, &in); err != nil {
				return err
			}
			if err := a.insert(r.Context(), in); err != nil {
				return err
			}
			switch in.Note {
			case "fail after write":
				return problem.Invalid(problem.Field{Field: "note", Code: "invalid_value", Params: []any{"reason", "no"}})
			case "keep and fail":
				return KeepWrites(problem.Unauthorized("invalid_credentials"))
			case "crash after write":
				panic("secret panic text")
			case "go wrong":
				return errors.New("db password is hunter2")
			case "server error":
				return Respond(w, r, 503, map[string]string{"state": "degraded"})
			}
			w.Header().Set("Location", "/api/v1/things/"+in.ID)
			return Respond(w, r, http.StatusCreated, thingOut{ID: in.ID, Note: in.Note, Call: n})
		}})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/things/{id}", Perm: "things.read", Response: thingOut{},
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			if r.PathValue("id") == "missing" {
				return fmt.Errorf("things: get %s: %w", r.PathValue("id"), problem.ErrNotFound)
			}
			return Respond(w, r, 200, thingOut{ID: r.PathValue("id")})
		}})
	rt.Handle(Route{Method: "DELETE", Path: "/api/v1/things/{id}", Perm: "things.write",
		Handler: func(w http.ResponseWriter, r *http.Request) error { return NoContent(w) }})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/files/{path...}", Perm: "things.read",
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			return Respond(w, r, 200, map[string]string{"path": r.PathValue("path")})
		}})
	rt.Handle(Route{Method: "GET", Path: "/api/v1/boom", Public: true,
		Handler: func(w http.ResponseWriter, r *http.Request) error { panic("secret panic text") }})
	rt.Handle(Route{Method: "GET", Path: "/console/things", Perm: "things.read", Page: true,
		Handler: func(w http.ResponseWriter, r *http.Request) error { return nil }})
	rt.Handle(Route{Method: "POST", Path: "/api/v1/login", Public: true,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			var in thingIn
			if err := Decode(r, &in); err != nil {
				return err
			}
			return Respond(w, r, 200, map[string]string{"token": "t"})
		}})
}

func newThingServer(t *testing.T, d *db.DB) (*thingAPI, *fakeAuth, http.Handler) {
	t.Helper()
	createThings(t, d)
	api := &thingAPI{d: d}
	auth := newFakeAuth()
	rt := NewRouter(d, auth)
	api.routes(rt)
	return api, auth, serve(t, rt)
}

var alice = map[string]string{"Authorization": "Bearer alice"}

func with(h map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestRouterProblems(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, _, h := newThingServer(t, d)
		tests := []struct {
			name   string
			req    req
			status int
			code   string
			title  string
			allow  string
		}{
			{"unknown route", req{method: "GET", path: "/api/v1/nothing"}, 404, "route_not_found", "Not found", ""},
			{"unknown route zh", req{method: "GET", path: "/api/v1/nothing", header: map[string]string{"Accept-Language": "zh-CN,zh;q=0.9"}},
				404, "route_not_found", "未找到", ""},
			{"wrong method", req{method: "PUT", path: "/api/v1/things/t1"}, 405, "method_not_allowed", "Method not allowed", "DELETE, GET, HEAD"},
			{"wrong method zh", req{method: "PATCH", path: "/api/v1/things", header: map[string]string{"Accept-Language": "zh-CN"}},
				405, "method_not_allowed", "不支持该方法", "POST"},
			{"no credential", req{method: "GET", path: "/api/v1/things/t1"}, 401, "unauthenticated", "Authentication required", ""},
			{"no permission", req{method: "POST", path: "/api/v1/things", body: `{"id":"a","note":"n"}`,
				header: map[string]string{"Authorization": "Bearer eve"}}, 403, "forbidden", "Not allowed", ""},
			{"not found", req{method: "GET", path: "/api/v1/things/missing", header: alice}, 404, "not_found", "Not found", ""},
			{"panic", req{method: "GET", path: "/api/v1/boom"}, 500, "internal", "Internal error", ""},
			{"panic in transaction", req{method: "POST", path: "/api/v1/things", body: `{"id":"p","note":"crash after write"}`, header: alice},
				500, "internal", "Internal error", ""},
			{"unknown error", req{method: "POST", path: "/api/v1/things", body: `{"id":"u","note":"go wrong"}`, header: alice},
				500, "internal", "Internal error", ""},
			{"too large", req{method: "POST", path: "/api/v1/things", body: `{"id":"big","note":"` + strings.Repeat("x", 300) + `"}`, header: alice},
				413, "too_large", "Request too large", ""},
			{"too large before authentication", req{method: "POST", path: "/api/v1/things", body: `{"id":"big","note":"` + strings.Repeat("x", 300) + `"}`},
				413, "too_large", "Request too large", ""},
			{"wrong media type", req{method: "POST", path: "/api/v1/things", body: `{"id":"a"}`, header: with(alice, "Content-Type", "text/csv")},
				415, "unsupported_media_type", "Unsupported media type", ""},
			{"invalid", req{method: "POST", path: "/api/v1/things", body: `{"id":"a","note":5}`, header: alice},
				422, "validation_failed", "Invalid request", ""},
			{"invalid zh", req{method: "POST", path: "/api/v1/things", body: `{"id":"a","nope":5}`, header: with(alice, "Accept-Language", "zh-CN")},
				422, "validation_failed", "请求无效", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := tt.req.do(h)
				if w.Code != tt.status {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
				}
				p := problemOf(t, w)
				if p.Code != tt.code || p.Title != tt.title {
					t.Errorf("got %s %q, want %s %q", p.Code, p.Title, tt.code, tt.title)
				}
				if p.Detail == "" || strings.HasPrefix(p.Detail, "error.") {
					t.Errorf("detail not translated: %q", p.Detail)
				}
				if got := w.Header().Get("Allow"); got != tt.allow {
					t.Errorf("Allow %q, want %q", got, tt.allow)
				}
				for _, secret := range []string{"secret panic text", "hunter2"} {
					if strings.Contains(w.Body.String(), secret) {
						t.Errorf("body leaks %q: %s", secret, w.Body)
					}
				}
			})
		}
	})
}

func TestRouterBasics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		_, auth, h := newThingServer(t, d)

		t.Run("path values reach the handler", func(t *testing.T) {
			w := req{method: "GET", path: "/api/v1/things/t42", header: alice}.do(h)
			if w.Code != 200 || !strings.Contains(w.Body.String(), `"id":"t42"`) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			w = req{method: "GET", path: "/api/v1/files/a/b/c.txt", header: alice}.do(h)
			if !strings.Contains(w.Body.String(), `"path":"a/b/c.txt"`) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
		})

		t.Run("request ids", func(t *testing.T) {
			for _, q := range []req{
				{method: "GET", path: "/api/v1/things/t1", header: alice},
				{method: "GET", path: "/api/v1/nothing"},
				{method: "PUT", path: "/api/v1/things/t1"},
				{method: "GET", path: "/api/v1/boom"},
				{method: "POST", path: "/api/v1/things", body: `{"id":"rid","note":"x"}`, header: alice},
				{method: "DELETE", path: "/api/v1/things/x", header: alice},
				{method: "GET", path: "/console/things"},
			} {
				w := q.do(h)
				if rid := w.Header().Get("X-Request-Id"); !strings.HasPrefix(rid, "req_") {
					t.Errorf("%s %s: X-Request-Id %q", q.method, q.path, rid)
				}
			}
			w := req{method: "GET", path: "/api/v1/nothing", header: map[string]string{"X-Request-Id": "client-chosen-id-1"}}.do(h)
			if got := w.Header().Get("X-Request-Id"); got != "client-chosen-id-1" {
				t.Errorf("client id not kept: %q", got)
			}
			w = req{method: "GET", path: "/api/v1/nothing", header: map[string]string{"X-Request-Id": "bad id\x01"}}.do(h)
			if got := w.Header().Get("X-Request-Id"); !strings.HasPrefix(got, "req_") {
				t.Errorf("insane client id kept: %q", got)
			}
		})

		t.Run("page routes redirect to sign-in", func(t *testing.T) {
			w := req{method: "GET", path: "/console/things?tab=a&b=c"}.do(h)
			if w.Code != http.StatusSeeOther {
				t.Fatalf("status %d", w.Code)
			}
			if got, want := w.Header().Get("Location"), "/login?next=%2Fconsole%2Fthings%3Ftab%3Da%26b%3Dc"; got != want {
				t.Errorf("Location %q, want %q", got, want)
			}
		})

		t.Run("authenticator sees the body", func(t *testing.T) {
			w := req{method: "POST", path: "/api/v1/things", body: `{"id":"seen","note":"x"}`, header: alice}.do(h)
			if w.Code != 201 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if got := auth.seen(); got != `{"id":"seen","note":"x"}` {
				t.Errorf("authenticator saw %q", got)
			}
		})

		t.Run("success headers and body", func(t *testing.T) {
			w := req{method: "POST", path: "/api/v1/things", body: `{"id":"hdr","note":"x"}`, header: alice}.do(h)
			if w.Code != 201 || w.Header().Get("Location") != "/api/v1/things/hdr" ||
				w.Header().Get("Content-Type") != "application/json" || w.Header().Get("X-Frame-Options") != "DENY" {
				t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
			}
		})

		t.Run("no content", func(t *testing.T) {
			w := req{method: "DELETE", path: "/api/v1/things/x", header: alice}.do(h)
			if w.Code != 204 || w.Body.Len() != 0 {
				t.Errorf("%d %q", w.Code, w.Body)
			}
		})

		t.Run("public write", func(t *testing.T) {
			w := req{method: "POST", path: "/api/v1/login", body: `{"id":"x"}`}.do(h)
			if w.Code != 200 {
				t.Errorf("%d %s", w.Code, w.Body)
			}
		})
	})
}

func TestOneRequestOneTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		api, _, h := newThingServer(t, d)
		tests := []struct {
			name    string
			note    string
			status  int
			code    string
			written bool
		}{
			{"success commits", "ok", 201, "", true},
			{"error after write rolls back", "fail after write", 422, "validation_failed", false},
			{"panic after write rolls back", "crash after write", 500, "internal", false},
			{"unknown error rolls back", "go wrong", 500, "internal", false},
			{"KeepWrites commits and renders", "keep and fail", 401, "invalid_credentials", true},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := fmt.Sprintf("tx%d", i)
				w := req{method: "POST", path: "/api/v1/things", body: fmt.Sprintf(`{"id":%q,"note":%q}`, id, tt.note), header: alice}.do(h)
				if w.Code != tt.status {
					t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
				}
				if tt.code != "" {
					if p := problemOf(t, w); p.Code != tt.code {
						t.Errorf("code %s, want %s", p.Code, tt.code)
					}
				}
				var n int
				if err := d.Q(context.Background()).QueryRowContext(context.Background(),
					`SELECT COUNT(*) FROM web_test_things WHERE id = $1`, id).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if (n == 1) != tt.written {
					t.Errorf("rows %d, want written=%v", n, tt.written)
				}
			})
		}
		// The writer is free again after a panic: a later write succeeds.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/things", strings.NewReader(`{"id":"after","note":"ok"}`))
		r.Header.Set("Authorization", "Bearer alice")
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 201 {
			t.Fatalf("write after panic: %d %s", w.Code, w.Body)
		}
		_ = api
	})
}

func TestIdempotency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		api, _, h := newThingServer(t, d)
		post := func(who, key, body string) *httptest.ResponseRecorder {
			hd := map[string]string{"Authorization": "Bearer " + who}
			if key != "" {
				hd["Idempotency-Key"] = key
			}
			return req{method: "POST", path: "/api/v1/things", body: body, header: hd}.do(h)
		}

		first := post("alice", "k1", `{"id":"i1","note":"first"}`)
		if first.Code != 201 {
			t.Fatalf("first: %d %s", first.Code, first.Body)
		}
		calls := api.calls.Load()

		t.Run("same key and body replays", func(t *testing.T) {
			again := post("alice", "k1", `{"id":"i1","note":"first"}`)
			if again.Code != 201 || again.Body.String() != first.Body.String() {
				t.Fatalf("replay %d %s, first %d %s", again.Code, again.Body, first.Code, first.Body)
			}
			if again.Header().Get("Idempotent-Replayed") != "true" {
				t.Error("replay not marked")
			}
			for _, k := range []string{"Location", "Content-Type"} {
				if again.Header().Get(k) != first.Header().Get(k) {
					t.Errorf("%s %q, first %q", k, again.Header().Get(k), first.Header().Get(k))
				}
			}
			if again.Header().Get("X-Request-Id") == first.Header().Get("X-Request-Id") {
				t.Error("a replay is a new request and gets its own id")
			}
			if api.calls.Load() != calls {
				t.Error("handler ran again")
			}
		})

		t.Run("same key, other body", func(t *testing.T) {
			w := post("alice", "k1", `{"id":"i2","note":"second"}`)
			if w.Code != 422 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if p := problemOf(t, w); p.Code != "idempotency_key_reused" {
				t.Errorf("code %s", p.Code)
			}
			if api.calls.Load() != calls {
				t.Error("handler ran")
			}
		})

		t.Run("keys are scoped per principal", func(t *testing.T) {
			w := post("bob", "k1", `{"id":"i3","note":"bob"}`)
			if w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			w = post("bob", "k1", `{"id":"i3","note":"bob"}`)
			if w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("bob's replay: %d %s", w.Code, w.Body)
			}
		})

		t.Run("failures are not kept", func(t *testing.T) {
			before := api.calls.Load()
			w := post("alice", "k-fail", `{"id":"i4","note":"fail after write"}`)
			if w.Code != 422 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			w = post("alice", "k-fail", `{"id":"i4","note":"fail after write"}`)
			if w.Code != 422 || w.Header().Get("Idempotent-Replayed") != "" {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			if api.calls.Load() != before+2 {
				t.Error("a failed request must run again on retry")
			}
		})

		t.Run("server errors are not kept", func(t *testing.T) {
			before := api.calls.Load()
			for range 2 {
				if w := post("alice", "k-503", `{"id":"i5","note":"server error"}`); w.Code != 503 && w.Code != 409 {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
			}
			if api.calls.Load() != before+2 {
				t.Error("a 5xx must not be replayed")
			}
		})

		t.Run("without a key every request runs", func(t *testing.T) {
			before := api.calls.Load()
			post("alice", "", `{"id":"i6","note":"x"}`)
			if w := post("alice", "", `{"id":"i6","note":"x"}`); w.Code != 409 {
				t.Errorf("duplicate insert: %d %s", w.Code, w.Body)
			}
			if api.calls.Load() != before+2 {
				t.Error("handler did not run twice")
			}
		})

		t.Run("bad keys", func(t *testing.T) {
			for _, key := range []string{strings.Repeat("k", 256), "ключ"} {
				w := post("alice", key, `{"id":"i7","note":"x"}`)
				if w.Code != 422 {
					t.Errorf("key %.10q: %d %s", key, w.Code, w.Body)
				}
			}
		})

		t.Run("expired keys are taken afresh", func(t *testing.T) {
			if w := post("alice", "k-old", `{"id":"i8","note":"x"}`); w.Code != 201 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			dbtest.MustExec(t, d, `UPDATE idempotency_keys SET created_at = $1 WHERE key = 'k-old'`,
				time.Now().UTC().Add(-IdempotencyTTL-time.Hour))
			w := post("alice", "k-old", `{"id":"i9","note":"new"}`)
			if w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "" || !strings.Contains(w.Body.String(), `"i9"`) {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
		})

		t.Run("concurrent repeats run once", func(t *testing.T) {
			before := api.calls.Load()
			const n = 8
			var wg sync.WaitGroup
			bodies := make([]string, n)
			codes := make([]int, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := post("alice", "k-race", `{"id":"race","note":"x"}`)
					bodies[i], codes[i] = w.Body.String(), w.Code
				}()
			}
			wg.Wait()
			for i := range n {
				if codes[i] != 201 || bodies[i] != bodies[0] {
					t.Errorf("request %d: %d %s (first %s)", i, codes[i], bodies[i], bodies[0])
				}
			}
			if got := api.calls.Load() - before; got != 1 {
				t.Errorf("handler ran %d times", got)
			}
			if got := api.count(t); got == 0 {
				t.Error("nothing written")
			}
		})
	})
}

func TestPipelineMetricsAndFlush(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	rt := NewRouter(nil, newFakeAuth())
	rt.Handle(Route{Method: "GET", Path: "/api/v1/stream/{id}", Public: true,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("a"))
			if err := http.NewResponseController(w).Flush(); err != nil {
				return err
			}
			_, _ = w.Write([]byte("b"))
			return nil
		}})
	h := Pipeline(&Env{Catalog: testCatalog(t)}, m, rt)
	w := req{method: "GET", path: "/api/v1/stream/1"}.do(h)
	if w.Code != 200 || w.Body.String() != "ab" || !w.Flushed {
		t.Fatalf("%d %q flushed=%v", w.Code, w.Body, w.Flushed)
	}
	req{method: "GET", path: "/nowhere"}.do(h)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "silkgate_http_requests_total" {
			continue
		}
		for _, mm := range mf.GetMetric() {
			var route, code string
			for _, l := range mm.GetLabel() {
				switch l.GetName() {
				case "route":
					route = l.GetValue()
				case "code":
					code = l.GetValue()
				}
			}
			seen[route+" "+code] = true
		}
	}
	for _, want := range []string{"GET /api/v1/stream/{id} 200", "unmatched 404"} {
		if !seen[want] {
			t.Errorf("no series %q in %v", want, seen)
		}
	}
}

func TestRecorder(t *testing.T) {
	t.Parallel()
	base := http.Header{"X-Request-Id": {"req_1"}}
	rec := newRecorder(base)
	if rec.Header().Get("X-Request-Id") != "req_1" {
		t.Error("recorder does not start from the real headers")
	}
	rec.Header().Set("Location", "/a")
	rec.WriteHeader(http.StatusEarlyHints) // informational: not the final status
	rec.WriteHeader(http.StatusCreated)
	rec.WriteHeader(http.StatusTeapot) // superfluous: ignored like a real writer
	rec.Header().Set("X-Late", "ignored")
	_, _ = rec.Write([]byte("body"))
	w := httptest.NewRecorder()
	w.Header().Set("X-Request-Id", "req_1")
	rec.flush(w)
	if w.Code != http.StatusCreated || w.Body.String() != "body" || w.Header().Get("Location") != "/a" ||
		w.Header().Get("X-Late") != "" || w.Header().Get("X-Request-Id") != "req_1" {
		t.Errorf("%d %q %v", w.Code, w.Body, w.Header())
	}
	if err := http.NewResponseController(rec).Flush(); err != nil {
		t.Errorf("Flush through ResponseController: %v", err)
	}
	_ = json.Valid
}
