package web

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// fakeCaller is a credential of the fake authenticator.
type fakeCaller struct {
	id    string
	perms map[string]bool
}

func (c *fakeCaller) PrincipalID() string { return c.id }

type callerKey struct{}

// fakeAuth recognises "Authorization: Bearer <name>" for the names it
// knows, each holding a set of permissions. It records the body it saw
// through GetBody, as a signature check would.
type fakeAuth struct {
	callers map[string]*fakeCaller

	mu       sync.Mutex
	lastBody string
}

func (a *fakeAuth) seen() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastBody
}

func newFakeAuth() *fakeAuth {
	return &fakeAuth{callers: map[string]*fakeCaller{
		"alice": {id: "key_alice", perms: map[string]bool{"things.read": true, "things.write": true}},
		"bob":   {id: "key_bob", perms: map[string]bool{"things.read": true, "things.write": true}},
		"eve":   {id: "key_eve", perms: map[string]bool{"things.read": true}},
	}}
}

func (a *fakeAuth) Authenticate(r *http.Request) (context.Context, Caller, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	c := a.callers[tok]
	if !ok || c == nil {
		return nil, nil, problem.ErrUnauthenticated
	}
	if r.GetBody != nil {
		rc, err := r.GetBody()
		if err == nil {
			b, _ := io.ReadAll(rc)
			a.mu.Lock()
			a.lastBody = string(b)
			a.mu.Unlock()
		}
	}
	ctx := context.WithValue(r.Context(), callerKey{}, c)
	ctx = db.WithScope(ctx, db.Scope{TenantID: "ten_test"})
	return ctx, c, nil
}

func (a *fakeAuth) Authorize(_ context.Context, c Caller, perm string) error {
	if fc, ok := c.(*fakeCaller); ok && fc.perms[perm] {
		return nil
	}
	return problem.ErrForbidden
}

func testCatalog(t testing.TB) *i18n.Catalog {
	t.Helper()
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serve builds the whole pipeline in front of rt, as the application does.
func serve(t testing.TB, rt *Router) http.Handler {
	t.Helper()
	env := &Env{Log: slog.New(slog.DiscardHandler), Catalog: testCatalog(t)}
	return Pipeline(env, nil, rt)
}

type req struct {
	method, path, body string
	header             map[string]string
}

func (q req) do(h http.Handler) *httptest.ResponseRecorder {
	var body io.Reader
	if q.body != "" {
		body = strings.NewReader(q.body)
	}
	r := httptest.NewRequest(q.method, q.path, body)
	if q.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for k, v := range q.header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// problemOf decodes a problem+json response, failing the test when the
// response is not one.
func problemOf(t testing.TB, w *httptest.ResponseRecorder) ProblemDoc {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, w.Body)
	}
	var raw map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("problem body: %v: %s", err, w.Body)
	}
	for _, k := range []string{"type", "title", "status", "detail", "code", "request_id"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("problem lacks %q: %s", k, w.Body)
		}
	}
	var p ProblemDoc
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != w.Code {
		t.Errorf("problem status %d, response status %d", p.Status, w.Code)
	}
	if p.RequestID == "" || p.RequestID != w.Header().Get("X-Request-Id") {
		t.Errorf("request_id %q, X-Request-Id %q", p.RequestID, w.Header().Get("X-Request-Id"))
	}
	return p
}
