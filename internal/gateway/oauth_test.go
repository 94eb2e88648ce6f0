package gateway_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/gateway"
	"github.com/silkgate/silkgate/internal/identity"
)

func formHeaders() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	return h
}

// tokenRequest asks the token endpoint with the client's credentials in
// HTTP Basic (basic) or in the form.
func tokenRequest(t *testing.T, env *apptest.Env, id, secret string, basic bool, extra url.Values) *http.Response {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	for k, v := range extra {
		form[k] = v
	}
	h := formHeaders()
	if basic {
		req, _ := http.NewRequest("POST", "/", nil)
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		h.Set("Authorization", req.Header.Get("Authorization"))
	} else {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	return send(t, env, "POST", "/api/v1/oauth/token", h, []byte(form.Encode()))
}

func oauthError(t *testing.T, r *http.Response) string {
	t.Helper()
	var e gateway.TokenError
	if err := json.Unmarshal([]byte(apptest.Body(r)), &e); err != nil {
		t.Fatalf("not an RFC 6749 error: %s", apptest.Body(r))
	}
	if r.Header.Get("Content-Type") != "application/json" || r.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", r.Header)
	}
	return e.Error
}

func TestOAuthClientCredentials(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("OAuth Partner Ltd")
		owner := env.Key(tenant, identity.TenantOwner, false)

		var c gateway.CreatedClient
		r := env.Call("POST", "/api/v1/oauth/clients", owner, map[string]any{"name": "ERP connector", "role": "tenant_admin",
			"scopes": []string{"apikeys.read", "users.read"}}, &c)
		if r.StatusCode != 201 || !strings.HasPrefix(c.ClientSecret, gateway.ClientSecretPrefix) || c.TenantID != tenant {
			t.Fatalf("create client: %d %s", r.StatusCode, apptest.Body(r))
		}
		if n := countAudit(t, env, "oauth.client.create", "oauth_client/"+c.ID); n != 1 {
			t.Errorf("%d audit records of the client's creation", n)
		}
		// The secret is stored as a keyed hash only.
		var stored string
		env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT secret_hash FROM oauth_clients WHERE id = $1`, c.ID).Scan(&stored)
		if stored == "" || strings.Contains(stored, c.ClientSecret) {
			t.Errorf("stored secret %q", stored)
		}

		t.Run("validation", func(t *testing.T) {
			for _, body := range []map[string]any{
				{"role": "viewer", "scopes": []string{"apikeys.manage"}}, // not the role's
				{"role": "platform_admin"},
				{"role": "viewer", "allowed_ips": []string{"nope"}},
			} {
				if r := env.Call("POST", "/api/v1/oauth/clients", owner, body, nil); r.StatusCode != 422 {
					t.Errorf("%v: %d %s", body, r.StatusCode, apptest.Body(r))
				}
			}
			// A viewer cannot make an owner's client.
			viewer := env.Key(tenant, identity.Viewer, false)
			if r := env.Call("POST", "/api/v1/oauth/clients", viewer, map[string]any{"role": "tenant_owner"}, nil); r.StatusCode != 403 {
				t.Errorf("viewer creating a client: %d", r.StatusCode)
			}
		})

		var tok gateway.TokenResponse
		for _, basic := range []bool{true, false} {
			r := tokenRequest(t, env, c.ID, c.ClientSecret, basic, nil)
			if r.StatusCode != 200 {
				t.Fatalf("token (basic %v): %d %s", basic, r.StatusCode, apptest.Body(r))
			}
			decode(t, r, &tok)
			if tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 || !strings.HasPrefix(tok.AccessToken, gateway.TokenPrefix) ||
				tok.Scope != "apikeys.read users.read" || r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("token response %+v %v", tok, r.Header)
			}
		}

		t.Run("use", func(t *testing.T) {
			var me identity.Me
			if r := env.Call("GET", "/api/v1/me", tok.AccessToken, nil, &me); r.StatusCode != 200 || me.KeyID != c.ID ||
				me.TenantID != tenant || me.Role != identity.TenantAdmin {
				t.Fatalf("me: %d %+v", r.StatusCode, me)
			}
			if r := env.Call("GET", "/api/v1/apikeys", tok.AccessToken, nil, nil); r.StatusCode != 200 {
				t.Errorf("in scope: %d", r.StatusCode)
			}
			// The role allows it, the scope does not.
			r := env.Call("POST", "/api/v1/apikeys", tok.AccessToken, map[string]any{"role": "viewer"}, nil)
			if r.StatusCode != 403 || problemCode(t, r) != "insufficient_scope" {
				t.Errorf("outside the scope: %d %s", r.StatusCode, apptest.Body(r))
			}
			// Writes are attributed to the client.
			var actorType string
			env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT actor_type FROM audit_events WHERE actor = $1 AND action = 'access.denied'`,
				c.ID).Scan(&actorType)
			if actorType != "oauth_client" {
				t.Errorf("denial recorded with actor type %q", actorType)
			}
		})

		t.Run("narrower scope", func(t *testing.T) {
			r := tokenRequest(t, env, c.ID, c.ClientSecret, true, url.Values{"scope": {"users.read"}})
			var narrow gateway.TokenResponse
			decode(t, r, &narrow)
			if r.StatusCode != 200 || narrow.Scope != "users.read" {
				t.Fatalf("narrow token: %d %+v", r.StatusCode, narrow)
			}
			if r := env.Call("GET", "/api/v1/apikeys", narrow.AccessToken, nil, nil); r.StatusCode != 403 {
				t.Errorf("narrow token reads keys: %d", r.StatusCode)
			}
			if r := env.Call("GET", "/api/v1/users", narrow.AccessToken, nil, nil); r.StatusCode != 200 {
				t.Errorf("narrow token reads users: %d", r.StatusCode)
			}
		})

		t.Run("errors", func(t *testing.T) {
			r := tokenRequest(t, env, c.ID, c.ClientSecret+"x", true, nil)
			if r.StatusCode != 401 || oauthError(t, r) != "invalid_client" || !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("bad secret (basic): %d %v %s", r.StatusCode, r.Header, apptest.Body(r))
			}
			r = tokenRequest(t, env, c.ID, "sgcs_wrong", false, nil)
			if r.StatusCode != 401 || oauthError(t, r) != "invalid_client" {
				t.Errorf("bad secret (form): %d %s", r.StatusCode, apptest.Body(r))
			}
			r = tokenRequest(t, env, "occ_unknown", c.ClientSecret, false, nil)
			if r.StatusCode != 401 || oauthError(t, r) != "invalid_client" {
				t.Errorf("unknown client: %d %s", r.StatusCode, apptest.Body(r))
			}
			r = tokenRequest(t, env, c.ID, c.ClientSecret, true, url.Values{"scope": {"apikeys.manage"}})
			if r.StatusCode != 400 || oauthError(t, r) != "invalid_scope" {
				t.Errorf("scope beyond the client: %d %s", r.StatusCode, apptest.Body(r))
			}
			r = tokenRequest(t, env, c.ID, c.ClientSecret, true, url.Values{"grant_type": {"password"}})
			if r.StatusCode != 400 || oauthError(t, r) != "unsupported_grant_type" {
				t.Errorf("password grant: %d %s", r.StatusCode, apptest.Body(r))
			}
			r = send(t, env, "POST", "/api/v1/oauth/token", formHeaders(), []byte("client_id="+c.ID))
			if r.StatusCode != 400 || oauthError(t, r) != "invalid_request" {
				t.Errorf("no grant type: %d %s", r.StatusCode, apptest.Body(r))
			}
			r = send(t, env, "POST", "/api/v1/oauth/token", nil, []byte(`{"grant_type":"client_credentials"}`))
			if r.StatusCode != 400 || oauthError(t, r) != "invalid_request" {
				t.Errorf("JSON body: %d %s", r.StatusCode, apptest.Body(r))
			}
			if n := countAudit(t, env, "oauth.token.denied", "oauth_client/"+c.ID); n < 2 {
				t.Errorf("%d refused client authentications audited", n)
			}
			if r := env.Call("GET", "/api/v1/me", gateway.TokenPrefix+"notatoken", nil, nil); r.StatusCode != 401 {
				t.Errorf("made-up token: %d", r.StatusCode)
			}
		})

		t.Run("expiry", func(t *testing.T) {
			var fresh gateway.TokenResponse
			decode(t, tokenRequest(t, env, c.ID, c.ClientSecret, true, nil), &fresh)
			if _, err := env.App.DB.Writer().ExecContext(env.Ctx, `UPDATE oauth_tokens SET expires_at = $1 WHERE client_id = $2`,
				time.Now().UTC().Add(-time.Second), c.ID); err != nil {
				t.Fatal(err)
			}
			r := env.Call("GET", "/api/v1/me", fresh.AccessToken, nil, nil)
			if r.StatusCode != 401 || problemCode(t, r) != "token_expired" {
				t.Errorf("expired token: %d %s", r.StatusCode, apptest.Body(r))
			}
		})

		t.Run("revocation", func(t *testing.T) {
			var live gateway.TokenResponse
			decode(t, tokenRequest(t, env, c.ID, c.ClientSecret, true, nil), &live)
			if r := env.Call("GET", "/api/v1/me", live.AccessToken, nil, nil); r.StatusCode != 200 {
				t.Fatalf("before revocation: %d", r.StatusCode)
			}
			if r := env.Call("DELETE", "/api/v1/oauth/clients/"+c.ID, owner, nil, nil); r.StatusCode != 200 {
				t.Fatalf("revoke: %d %s", r.StatusCode, apptest.Body(r))
			}
			if r := env.Call("GET", "/api/v1/me", live.AccessToken, nil, nil); r.StatusCode != 401 {
				t.Errorf("token of a revoked client: %d", r.StatusCode)
			}
			if r := tokenRequest(t, env, c.ID, c.ClientSecret, true, nil); r.StatusCode != 401 {
				t.Errorf("revoked client gets a token: %d", r.StatusCode)
			}
		})

		t.Run("other tenant", func(t *testing.T) {
			other := env.Key(env.Tenant("Other Ltd"), identity.TenantOwner, false)
			if r := env.Call("GET", "/api/v1/oauth/clients/"+c.ID, other, nil, nil); r.StatusCode != 404 {
				t.Errorf("other tenant reads the client: %d", r.StatusCode)
			}
			var l struct{ Items []gateway.Client }
			env.Call("GET", "/api/v1/oauth/clients", other, nil, &l)
			if len(l.Items) != 0 {
				t.Errorf("other tenant lists %d clients", len(l.Items))
			}
		})
	})
}
