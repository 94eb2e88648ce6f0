// Package apptest builds a whole, real Silkgate — store, services, router —
// for tests, on SQLite or PostgreSQL, and gives them callers of every role.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// FastArgon2 keeps password hashing cheap in tests.
var FastArgon2 = identity.Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

// Password satisfies the policy for every test account.
const Password = "Test-Passw0rd-2026"

// Settings every test platform starts with: the bank-file rail's debtor
// account, so that live payouts have a configured rail.
var Settings = map[string]string{
	"SILKGATE_BANKFILE_DEBTOR_NAME": "Silkgate Test Treasury",
	"SILKGATE_BANKFILE_DEBTOR_IBAN": "DE89370400440532013000",
	"SILKGATE_BANKFILE_DEBTOR_BIC":  "COBADEFFXXX",
}

// Getenv answers Settings.
func Getenv(k string) string { return Settings[k] }

// Env is a running platform.
type Env struct {
	T      testing.TB
	App    *app.App
	Server *httptest.Server
	Ctx    context.Context
}

// New builds the platform on a fresh store of engine e.
func New(t testing.TB, e db.Engine) *Env {
	t.Helper()
	dsn, dir := dbtest.DSN(t, e)
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "system", Type: "system"})
	a, err := app.Open(ctx, app.Config{DataDir: dir, DSN: dsn}, app.Options{Argon2: FastArgon2, Getenv: Getenv})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return &Env{T: t, App: a, Server: srv, Ctx: ctx}
}

// Each runs fn once per available engine.
func Each(t *testing.T, fn func(t *testing.T, env *Env)) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) { fn(t, New(t, e)) })
	}
}

// Tenant creates a tenant with its rate limit lifted.
func (e *Env) Tenant(name string) string {
	e.T.Helper()
	t, err := e.App.Tenants.Create(e.Ctx, tenancy.NewTenant{Name: name})
	if err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.App.Tenants.SetLimit(e.Ctx, t.ID, tenancy.Limit{}); err != nil {
		e.T.Fatal(err)
	}
	return t.ID
}

// Key issues an API key.
func (e *Env) Key(tenantID string, role identity.Role, sandbox bool) string {
	e.T.Helper()
	k, err := e.App.Identity.CreateAPIKey(e.Ctx, identity.NewAPIKey{TenantID: tenantID, Role: role, Sandbox: sandbox})
	if err != nil {
		e.T.Fatal(err)
	}
	return k.Key
}

// User creates an account and returns it with its TOTP secret, if any.
func (e *Env) User(tenantID string, role identity.Role) identity.CreatedUser {
	e.T.Helper()
	email := strings.ReplaceAll(ids.New(string(role)), "_", "-") + "@example.com"
	u, err := e.App.Identity.CreateUser(e.Ctx, identity.NewUser{TenantID: tenantID, Email: email, Role: role, Password: Password})
	if err != nil {
		e.T.Fatal(err)
	}
	return u
}

// Session signs a new user of role in and returns the bearer token.
func (e *Env) Session(tenantID string, role identity.Role) string {
	e.T.Helper()
	u := e.User(tenantID, role)
	body := map[string]any{"email": u.Email, "password": Password}
	if u.TOTPSecret != "" {
		code, err := totp.GenerateCode(u.TOTPSecret, time.Now())
		if err != nil {
			e.T.Fatal(err)
		}
		body["totp"] = code
	}
	var out struct{ Token string }
	if r := e.Call("POST", "/api/v1/auth/login", "", body, &out); r.StatusCode != 200 {
		e.T.Fatalf("login %s: %d", role, r.StatusCode)
	}
	return out.Token
}

// Call sends a JSON request with an optional bearer credential and decodes
// a JSON answer into out (if not nil).
func (e *Env) Call(method, path, bearer string, body, out any) *http.Response {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		case []byte:
			rd = bytes.NewReader(b)
		default:
			j, err := json.Marshal(b)
			if err != nil {
				e.T.Fatal(err)
			}
			rd = bytes.NewReader(j)
		}
	}
	req, err := http.NewRequest(method, e.Server.URL+path, rd)
	if err != nil {
		e.T.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := e.Server.Client().Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			e.T.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp
}

// Body returns a response's body as text.
func Body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return string(b)
}
