package identity_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// problemDoc is the RFC 9457 body.
type problemDoc struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Code      string `json:"code"`
	RequestID string `json:"request_id"`
	Errors    []struct {
		Field   string `json:"field"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks that r is a problem+json with status and code, naming
// field when field is not empty.
func wantProblem(t *testing.T, r *http.Response, status int, code, field string) problemDoc {
	t.Helper()
	body := apptest.Body(r)
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q", ct)
	}
	var p problemDoc
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	if p.Status != status || p.Code != code || p.Title == "" || p.Detail == "" || p.RequestID == "" {
		t.Errorf("problem %+v, want %d %s", p, status, code)
	}
	if p.RequestID != r.Header.Get("X-Request-Id") {
		t.Errorf("request_id %q, X-Request-Id %q", p.RequestID, r.Header.Get("X-Request-Id"))
	}
	if field != "" {
		found := false
		for _, e := range p.Errors {
			found = found || e.Field == field
		}
		if !found {
			t.Errorf("errors %+v do not name %q", p.Errors, field)
		}
	}
	return p
}

// counts returns the number of rows of each table.
func counts(t *testing.T, env *apptest.Env, tables ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := env.App.DB.Writer().QueryRow(`SELECT count(*) FROM ` + tb).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tb] = n
	}
	return out
}

func TestHTTPIdentity(t *testing.T) {
	t.Parallel()
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Login Ltd")

		t.Run("sign in and out", func(t *testing.T) {
			u := env.User(tenant, identity.Viewer)
			var res identity.LoginResult
			r := env.Call("POST", "/api/v1/auth/login", "", map[string]any{"email": strings.ToUpper(u.Email), "password": apptest.Password}, &res)
			if r.StatusCode != 200 || res.Token == "" || res.User.ID != u.ID {
				t.Fatalf("login: %d %+v", r.StatusCode, res)
			}
			var me map[string]any
			if r := env.Call("GET", "/api/v1/me", res.Token, nil, &me); r.StatusCode != 200 || me["email"] != u.Email || me["role"] != "viewer" {
				t.Fatalf("me: %d %v", r.StatusCode, me)
			}
			if r := env.Call("POST", "/api/v1/auth/logout", res.Token, nil, nil); r.StatusCode != http.StatusNoContent {
				t.Fatalf("logout: %d %s", r.StatusCode, apptest.Body(r))
			}
			wantProblem(t, env.Call("GET", "/api/v1/me", res.Token, nil, nil), 401, "session_expired", "")
		})

		t.Run("lockout", func(t *testing.T) {
			u := env.User(tenant, identity.Operator)
			wrong := map[string]any{"email": u.Email, "password": "Wrong-Passw0rd-2026"}
			for range identity.MaxFailures {
				wantProblem(t, env.Call("POST", "/api/v1/auth/login", "", wrong, nil), 401, "invalid_credentials", "")
			}
			r := env.Call("POST", "/api/v1/auth/login", "", map[string]any{"email": u.Email, "password": apptest.Password}, nil)
			wantProblem(t, r, http.StatusLocked, "account_locked", "")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 14*60 || s > 15*60 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			// The refusals committed their strikes and audit records.
			var strikes, failures, denied int
			db := env.App.DB.Writer()
			db.QueryRow(`SELECT count(*) FROM login_attempts WHERE user_id = $1 AND ok = $2`, u.ID, false).Scan(&strikes)
			db.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure' AND resource = $1`, "user/"+u.ID).Scan(&failures)
			db.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'denied' AND resource = $1`, "user/"+u.ID).Scan(&denied)
			if strikes != identity.MaxFailures || failures != identity.MaxFailures || denied != 1 {
				t.Errorf("strikes %d, failure records %d, denied records %d; want %d, %d, 1", strikes, failures, denied,
					identity.MaxFailures, identity.MaxFailures)
			}
			// An unknown e-mail is refused the same way, and audited.
			wantProblem(t, env.Call("POST", "/api/v1/auth/login", "", map[string]any{"email": "ghost@example.com", "password": "x"}, nil),
				401, "invalid_credentials", "")
			var unknown int
			db.QueryRow(`SELECT count(*) FROM audit_events WHERE action = 'auth.login' AND outcome = 'failure' AND actor_email = 'ghost@example.com'`).Scan(&unknown)
			if unknown != 1 {
				t.Errorf("%d records of the unknown e-mail", unknown)
			}
		})

		t.Run("password change", func(t *testing.T) {
			u := env.User(tenant, identity.Viewer)
			var a, b identity.LoginResult
			creds := map[string]any{"email": u.Email, "password": apptest.Password}
			env.Call("POST", "/api/v1/auth/login", "", creds, &a)
			env.Call("POST", "/api/v1/auth/login", "", creds, &b)
			// A wrong current password is refused, and its strike is kept.
			r := env.Call("POST", "/api/v1/me/password", a.Token, map[string]any{"current_password": "Guess-Passw0rd-1",
				"new_password": "Brand-New-Passw0rd"}, nil)
			wantProblem(t, r, 422, "validation_failed", "current_password")
			var strikes int
			env.App.DB.Writer().QueryRow(`SELECT count(*) FROM login_attempts WHERE user_id = $1 AND ok = $2`, u.ID, false).Scan(&strikes)
			if strikes != 1 {
				t.Errorf("%d strikes after a wrong current password", strikes)
			}
			wantProblem(t, env.Call("POST", "/api/v1/me/password", a.Token, map[string]any{"current_password": apptest.Password,
				"new_password": "short"}, nil), 422, "validation_failed", "new_password")
			if r := env.Call("POST", "/api/v1/me/password", a.Token, map[string]any{"current_password": apptest.Password,
				"new_password": "Brand-New-Passw0rd"}, nil); r.StatusCode != http.StatusNoContent {
				t.Fatalf("change: %d %s", r.StatusCode, apptest.Body(r))
			}
			if r := env.Call("GET", "/api/v1/me", a.Token, nil, nil); r.StatusCode != 200 {
				t.Errorf("the changing session ended: %d", r.StatusCode)
			}
			wantProblem(t, env.Call("GET", "/api/v1/me", b.Token, nil, nil), 401, "session_expired", "")
		})

		t.Run("second factor", func(t *testing.T) {
			u := env.User("", identity.Auditor)
			if u.TOTPSecret == "" {
				t.Fatal("no TOTP secret for a platform role")
			}
			body := map[string]any{"email": u.Email, "password": apptest.Password}
			wantProblem(t, env.Call("POST", "/api/v1/auth/login", "", body, nil), 401, "mfa_required", "")
			code, err := totp.GenerateCode(u.TOTPSecret, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			body["totp"] = code
			var res identity.LoginResult
			if r := env.Call("POST", "/api/v1/auth/login", "", body, &res); r.StatusCode != 200 {
				t.Fatalf("with code: %d %s", r.StatusCode, apptest.Body(r))
			}
			// The code is spent.
			wantProblem(t, env.Call("POST", "/api/v1/auth/login", "", body, nil), 401, "invalid_credentials", "")
			var me identity.Me
			if r := env.Call("GET", "/api/v1/me", res.Token, nil, &me); r.StatusCode != 200 || me.Role != identity.Auditor || me.TenantID != "" {
				t.Errorf("me: %d %+v", r.StatusCode, me)
			}
		})

		t.Run("bad sign-in input writes nothing", func(t *testing.T) {
			tables := []string{"users", "sessions", "login_attempts", "audit_events"}
			before := counts(t, env, tables...)
			for _, tc := range []struct {
				name, body string
				status     int
				code       string
				field      string
			}{
				{"malformed", `{"email": "a@example.com", "password": `, 400, "malformed_json", ""},
				{"empty", ``, 400, "empty_body", ""},
				{"trailing data", `{"email": "a@example.com", "password": "x"} {}`, 400, "malformed_json", ""},
				{"unknown field", `{"email": "a@example.com", "password": "x", "admin": true}`, 422, "validation_failed", "admin"},
				{"wrong type", `{"email": 5, "password": "x"}`, 422, "validation_failed", "email"},
				{"totp as number", `{"email": "a@example.com", "password": "x", "totp": 123456}`, 422, "validation_failed", "totp"},
				{"no password", `{"email": "a@example.com"}`, 422, "validation_failed", "password"},
				{"no e-mail", `{"password": "x"}`, 422, "validation_failed", "email"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantProblem(t, env.Call("POST", "/api/v1/auth/login", "", tc.body, nil), tc.status, tc.code, tc.field)
				})
			}
			if after := counts(t, env, tables...); !equal(before, after) {
				t.Errorf("rows before %v, after %v", before, after)
			}
		})

		t.Run("bad user input writes nothing", func(t *testing.T) {
			owner := env.Key(tenant, identity.TenantOwner, false)
			admin := env.Key(tenant, identity.TenantAdmin, false)
			other := env.Tenant("Other Ltd")
			tables := []string{"users", "audit_events"}
			before := counts(t, env, tables...)
			for _, tc := range []struct {
				name, cred, body string
				status           int
				code             string
				field            string
			}{
				{"malformed", owner, `{"email": "new@example.com", "role": "viewer"`, 400, "malformed_json", ""},
				{"unknown field", owner, `{"email": "new@example.com", "role": "viewer", "password": "Test-Passw0rd-2026", "is_admin": true}`, 422, "validation_failed", "is_admin"},
				{"role as number", owner, `{"email": "new@example.com", "role": 5, "password": "Test-Passw0rd-2026"}`, 422, "validation_failed", "role"},
				{"unknown role", owner, `{"email": "new@example.com", "role": "root", "password": "Test-Passw0rd-2026"}`, 422, "validation_failed", "role"},
				{"weak password", owner, `{"email": "new@example.com", "role": "viewer", "password": "short"}`, 422, "validation_failed", "password"},
				{"password holds the e-mail", owner, `{"email": "new.person@example.com", "role": "viewer", "password": "New.Person-2026"}`, 422, "validation_failed", "password"},
				{"bad e-mail", owner, `{"email": "new at example", "role": "viewer", "password": "Test-Passw0rd-2026"}`, 422, "validation_failed", "email"},
				{"admin grants owner", admin, `{"email": "new@example.com", "role": "tenant_owner", "password": "Test-Passw0rd-2026"}`, 422, "validation_failed", "role"},
				{"admin grants finance", admin, `{"email": "new@example.com", "role": "finance", "password": "Test-Passw0rd-2026"}`, 422, "validation_failed", "role"},
				{"another tenant", owner, `{"tenant_id": "` + other + `", "email": "new@example.com", "role": "viewer", "password": "Test-Passw0rd-2026"}`, 404, "not_found", ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					wantProblem(t, env.Call("POST", "/api/v1/users", tc.cred, tc.body, nil), tc.status, tc.code, tc.field)
				})
			}
			if after := counts(t, env, tables...); !equal(before, after) {
				t.Errorf("rows before %v, after %v", before, after)
			}
			var u identity.CreatedUser
			r := env.Call("POST", "/api/v1/users", admin, map[string]any{"email": "new@example.com", "role": "operator", "password": apptest.Password}, &u)
			if r.StatusCode != 201 || u.TenantID != tenant || u.Role != identity.Operator || u.TOTPSecret != "" {
				t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
			}
		})

		t.Run("API keys: revoked at once, rate-limited per key", func(t *testing.T) {
			limited, err := env.App.Tenants.Create(env.Ctx, tenancy.NewTenant{Name: "Limited Ltd"})
			if err != nil {
				t.Fatal(err)
			}
			limited2, err := env.App.Tenants.Create(env.Ctx, tenancy.NewTenant{Name: "Limited Two Ltd"})
			if err != nil {
				t.Fatal(err)
			}
			// A slow refill, so that the test's own pace cannot earn a token.
			for _, id := range []string{limited.ID, limited2.ID} {
				if _, err := env.App.Tenants.SetLimit(env.Ctx, id, tenancy.Limit{RPS: 0.05, Burst: 3}); err != nil {
					t.Fatal(err)
				}
			}
			a := env.Key(limited.ID, identity.Viewer, false)
			b := env.Key(limited.ID, identity.Viewer, false)
			c := env.Key(limited2.ID, identity.Viewer, false)
			for i := range 3 {
				if r := env.Call("GET", "/api/v1/me", a, nil, nil); r.StatusCode != 200 {
					t.Fatalf("request %d: %d", i+1, r.StatusCode)
				}
			}
			r := env.Call("GET", "/api/v1/me", a, nil, nil)
			wantProblem(t, r, http.StatusTooManyRequests, "rate_limited", "")
			if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || s < 1 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
			for name, k := range map[string]string{"same tenant": b, "other tenant": c} {
				if r := env.Call("GET", "/api/v1/me", k, nil, nil); r.StatusCode != 200 {
					t.Errorf("%s: %d", name, r.StatusCode)
				}
			}

			// Revocation through the API takes effect on the next request.
			owner := env.Key(tenant, identity.TenantOwner, false)
			var k identity.CreatedAPIKey
			if r := env.Call("POST", "/api/v1/apikeys", owner, map[string]any{"role": "operator", "sandbox": true}, &k); r.StatusCode != 201 {
				t.Fatalf("create key: %d %s", r.StatusCode, apptest.Body(r))
			}
			if !strings.HasPrefix(k.Key, identity.TestPrefix) || k.SigningSecret == "" {
				t.Errorf("created %+v", k)
			}
			var me identity.Me
			if r := env.Call("GET", "/api/v1/me", k.Key, nil, &me); r.StatusCode != 200 || !me.Sandbox {
				t.Fatalf("new key: %d %+v", r.StatusCode, me)
			}
			var got identity.APIKey
			if r := env.Call("GET", "/api/v1/apikeys/"+k.ID, owner, nil, &got); r.StatusCode != 200 || strings.Contains(apptest.Body(r), k.Key) ||
				strings.Contains(apptest.Body(r), k.SigningSecret) {
				t.Errorf("get key: %d %s", r.StatusCode, apptest.Body(r))
			}
			if r := env.Call("DELETE", "/api/v1/apikeys/"+k.ID, owner, nil, &got); r.StatusCode != 200 || got.RevokedAt == nil {
				t.Fatalf("revoke: %d %s", r.StatusCode, apptest.Body(r))
			}
			wantProblem(t, env.Call("GET", "/api/v1/me", k.Key, nil, nil), 401, "unauthenticated", "")
		})
	})
}

func equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
