package app_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

func fill(path, with string) string {
	return pathParam.ReplaceAllString(path, with)
}

func bodyFor(rt web.Route) any {
	if rt.Method == "GET" || rt.Method == "DELETE" {
		return nil
	}
	return map[string]any{}
}

// credentials returns a bearer credential for every role: API keys for
// tenant roles, signed-in sessions (with TOTP) for platform roles.
func credentials(env *apptest.Env, tenant string) map[identity.Role]string {
	out := map[identity.Role]string{}
	for _, r := range identity.Roles() {
		if r.Platform() {
			out[r] = env.Session("", r)
		} else {
			out[r] = env.Key(tenant, r, false)
		}
	}
	return out
}

// TestEveryRouteChecksTheCaller walks every registered route: without a
// credential it must answer 401, and for every role that lacks the route's
// permission, 403 — as problem+json, before touching anything.
func TestEveryRouteChecksTheCaller(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Walker Ltd")
		creds := credentials(env, tenant)
		routes := env.App.Router.Routes()
		if len(routes) < 10 {
			t.Fatalf("only %d routes registered", len(routes))
		}
		for _, rt := range routes {
			if rt.Public {
				continue
			}
			path := fill(rt.Path, "x_does_not_matter")
			t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
				r := env.Call(rt.Method, path, "", bodyFor(rt), nil)
				if rt.Page {
					if r.StatusCode != http.StatusOK || !strings.Contains(r.Request.URL.Path, "/login") {
						t.Errorf("anonymous page visit: status %d at %s, want the sign-in page", r.StatusCode, r.Request.URL)
					}
				} else {
					if r.StatusCode != http.StatusUnauthorized {
						t.Errorf("no credential: status %d, want 401", r.StatusCode)
					}
					if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
						t.Errorf("no credential: Content-Type %q", ct)
					}
				}
				r = env.Call(rt.Method, path, "sk_live_notarealkey000000000000000000000000", bodyFor(rt), nil)
				if !rt.Page && r.StatusCode != http.StatusUnauthorized {
					t.Errorf("bad key: status %d, want 401", r.StatusCode)
				}
				denied := 0
				for role, cred := range creds {
					if role.Can(rt.Perm) {
						continue
					}
					denied++
					r := env.Call(rt.Method, path, cred, bodyFor(rt), nil)
					if r.StatusCode != http.StatusForbidden {
						t.Errorf("role %s lacks %s: status %d, want 403", role, rt.Perm, r.StatusCode)
					}
					ct := r.Header.Get("Content-Type")
					if rt.Page && !strings.HasPrefix(ct, "text/html") {
						t.Errorf("page refused as %q, want an HTML page", ct)
					}
					if !rt.Page && ct != "application/problem+json" {
						t.Errorf("API refusal as %q, want problem+json", ct)
					}
				}
				if denied == 0 && rt.Perm != identity.PermMe {
					t.Errorf("permission %q is held by every role", rt.Perm)
				}
			})
		}
	})
}

// TestTenantIsolation proves that no route lets tenant A read, list, change
// or delete tenant B's data: every route with an id answers 404 for B's
// ids, and no list shows them.
func TestTenantIsolation(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Alpha GmbH"), env.Tenant("Beta Pte Ltd")
		ownerA := env.Key(a, identity.TenantOwner, false)
		sessA := env.Session(a, identity.TenantOwner)
		ownerB := env.Key(b, identity.TenantOwner, false)

		// B's resources: a user, an API key and a session.
		var userB identity.CreatedUser
		if r := env.Call("POST", "/api/v1/users", ownerB, map[string]any{"email": "bob@beta.example", "role": "viewer",
			"password": apptest.Password}, &userB); r.StatusCode != 201 {
			t.Fatalf("create B user: %d %s", r.StatusCode, apptest.Body(r))
		}
		var keyB identity.CreatedAPIKey
		if r := env.Call("POST", "/api/v1/apikeys", ownerB, map[string]any{"role": "viewer"}, &keyB); r.StatusCode != 201 {
			t.Fatalf("create B key: %d", r.StatusCode)
		}
		var sessionsB web.List[identity.Session]
		env.Call("GET", "/api/v1/sessions", env.Session(b, identity.Viewer), nil, &sessionsB)
		secretsOfB := []string{b, userB.ID, userB.Email, keyB.ID, keyB.Key}
		for _, s := range sessionsB.Items {
			secretsOfB = append(secretsOfB, s.ID)
		}
		idsOfB := []string{b, userB.ID, keyB.ID}
		for _, s := range sessionsB.Items {
			idsOfB = append(idsOfB, s.ID)
		}

		for _, rt := range env.App.Router.Routes() {
			if rt.Public || rt.Page {
				continue
			}
			for _, cred := range []string{ownerA, sessA} {
				if !strings.Contains(rt.Path, "{") {
					if rt.Method != "GET" {
						continue
					}
					r := env.Call("GET", rt.Path, cred, nil, nil)
					body := apptest.Body(r)
					for _, s := range secretsOfB {
						if strings.Contains(body, s) {
							t.Errorf("GET %s as tenant A shows B's %q", rt.Path, s)
						}
					}
					continue
				}
				for _, id := range idsOfB {
					path := fill(rt.Path, id)
					r := env.Call(rt.Method, path, cred, bodyFor(rt), nil)
					if r.StatusCode == http.StatusForbidden {
						// Route outside the tenant's permissions (platform
						// routes): covered by the walk above.
						continue
					}
					body := apptest.Body(r)
					if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusUnprocessableEntity && r.StatusCode != http.StatusBadRequest {
						t.Errorf("%s %s as tenant A: status %d, want 404", rt.Method, path, r.StatusCode)
					}
					for _, s := range secretsOfB[1:] {
						if strings.Contains(body, s) && !strings.Contains(path, s) {
							t.Errorf("%s %s as tenant A leaks %q", rt.Method, path, s)
						}
					}
				}
			}
		}
		// Nothing of B's changed.
		var got identity.User
		if r := env.Call("GET", "/api/v1/users/"+userB.ID, ownerB, nil, &got); r.StatusCode != 200 || got.Status != "active" || got.Role != identity.Viewer {
			t.Errorf("B's user changed: %d %+v", r.StatusCode, got)
		}
		var k identity.APIKey
		if env.Call("GET", "/api/v1/apikeys/"+keyB.ID, ownerB, nil, &k); k.RevokedAt != nil {
			t.Error("A revoked B's key")
		}
		if r := env.Call("GET", "/api/v1/me", keyB.Key, nil, nil); r.StatusCode != 200 {
			t.Errorf("B's key no longer works: %d", r.StatusCode)
		}
	})
}

// TestMe checks the CONTRACT shape of GET /api/v1/me for keys and sessions.
func TestMe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Me Ltd")
		for _, tc := range []struct {
			name    string
			cred    string
			sandbox bool
			email   bool
		}{
			{"live key", env.Key(tenant, identity.Operator, false), false, false},
			{"sandbox key", env.Key(tenant, identity.Operator, true), true, false},
			{"session", env.Session(tenant, identity.Operator), false, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var me map[string]any
				r := env.Call("GET", "/api/v1/me", tc.cred, nil, &me)
				if r.StatusCode != 200 {
					t.Fatalf("status %d", r.StatusCode)
				}
				if me["tenant_id"] != tenant || me["role"] != "operator" || me["sandbox"] != tc.sandbox {
					t.Errorf("me = %v", me)
				}
				if _, ok := me["email"]; ok != tc.email {
					t.Errorf("email present = %v, want %v", ok, tc.email)
				}
				if r.Header.Get("X-Request-Id") == "" {
					t.Error("no X-Request-Id")
				}
			})
		}
	})
}

func decodeProblem(t *testing.T, r *http.Response) map[string]any {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(apptest.Body(r)), &p); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return p
}
