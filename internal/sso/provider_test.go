package sso_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/sso"
)

// rp is a partner application: it receives the code at /cb.
type rp struct {
	srv   *httptest.Server
	codes chan url.Values
}

func newRP(t *testing.T) *rp {
	r := &rp{codes: make(chan url.Values, 4)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.codes <- req.URL.Query()
		_, _ = w.Write([]byte("received"))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rp) answer(t *testing.T) url.Values {
	t.Helper()
	select {
	case v := <-r.codes:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("the application received no answer")
		return nil
	}
}

// consoleBrowser signs u in to the console with e-mail and password.
func consoleBrowser(t *testing.T, env *apptest.Env, u identity.CreatedUser) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	if u.Email != "" {
		r, err := c.PostForm(env.Server.URL+"/login", url.Values{"email": {u.Email}, "password": {apptest.Password}})
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.Request.URL.Path != "/dashboard" {
			t.Fatalf("console sign-in ended at %s (%d)", r.Request.URL, r.StatusCode)
		}
	}
	return c
}

func TestProviderCodeFlow(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		tenant := env.Tenant("Partner Host Ltd")
		owner := env.Key(tenant, identity.TenantOwner, false)
		app := newRP(t)
		var client sso.OIDCClient
		if r := env.Call("POST", "/api/v1/oidc/clients", owner, map[string]any{"name": "Warehouse portal",
			"redirect_uris": []string{app.srv.URL + "/cb"}}, &client); r.StatusCode != 201 || client.Secret == "" {
			t.Fatalf("register: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("POST", "/api/v1/oidc/clients", owner, map[string]any{"redirect_uris": []string{"http://evil.example/cb"}}, nil); r.StatusCode != 422 {
			t.Errorf("plain http redirect URI: %d", r.StatusCode)
		}

		provider, err := oidc.NewProvider(ctx, env.Server.URL)
		if err != nil {
			t.Fatal(err)
		}
		oc := &oauth2.Config{ClientID: client.ID, ClientSecret: client.Secret, Endpoint: provider.Endpoint(),
			RedirectURL: app.srv.URL + "/cb", Scopes: []string{oidc.ScopeOpenID, "email", "profile", oidc.ScopeOfflineAccess}}
		verifier := provider.Verifier(&oidc.Config{ClientID: client.ID})

		// Not signed in: the console's sign-in page, coming back afterwards.
		anon := consoleBrowser(t, env, identity.CreatedUser{})
		v := oauth2.GenerateVerifier()
		r, err := anon.Get(oc.AuthCodeURL("st-1", oauth2.S256ChallengeOption(v), oidc.Nonce("n-1")))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.Request.URL.Path != "/login" || !strings.HasPrefix(r.Request.URL.Query().Get("next"), "/oidc/login") {
			t.Fatalf("anonymous authorisation ended at %s", r.Request.URL)
		}

		user := env.User(tenant, identity.Operator)
		b := consoleBrowser(t, env, user)
		r, err = b.Get(oc.AuthCodeURL("st-2", oauth2.S256ChallengeOption(v), oidc.Nonce("n-2")))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		got := app.answer(t)
		if got.Get("state") != "st-2" || got.Get("code") == "" {
			t.Fatalf("answer: %v", got)
		}
		// The code is worth nothing without the PKCE verifier.
		if _, err := oc.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Error("code redeemed with a wrong verifier")
		}
		r, _ = b.Get(oc.AuthCodeURL("st-3", oauth2.S256ChallengeOption(v), oidc.Nonce("n-3")))
		r.Body.Close()
		got = app.answer(t)
		tok, err := oc.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := oc.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(v)); err == nil {
			t.Error("code redeemed twice")
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		var claims struct {
			Email    string `json:"email"`
			TenantID string `json:"tenant_id"`
			Role     string `json:"role"`
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if idt.Nonce != "n-3" || idt.Subject != user.ID || claims.Email != user.Email || claims.TenantID != tenant || claims.Role != "operator" {
			t.Errorf("id token: nonce %q sub %q claims %+v", idt.Nonce, idt.Subject, claims)
		}
		ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil || ui.Subject != user.ID || ui.Email != user.Email {
			t.Errorf("userinfo: %+v %v", ui, err)
		}
		if tok.RefreshToken == "" {
			t.Fatal("no refresh token")
		}
		// Refresh rotates: the new pair works, the old refresh token no
		// longer does.
		fresh, err := oc.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil || fresh.AccessToken == "" || fresh.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh: %+v %v", fresh, err)
		}
		if _, err := oc.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("old refresh token still works")
		}
		// A wrong client secret is refused.
		bad := *oc
		bad.ClientSecret = "sgc_wrong"
		if _, err := bad.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken}).Token(); err == nil {
			t.Error("wrong client secret accepted")
		}

		// PKCE is required.
		r, _ = b.Get(oc.AuthCodeURL("st-4", oidc.Nonce("n-4")))
		r.Body.Close()
		if got := app.answer(t); got.Get("error") == "" || got.Get("code") != "" {
			t.Errorf("authorisation without PKCE: %v", got)
		}

		// Someone of another tenant cannot sign in to this application.
		other := env.Tenant("Other Co")
		ob := consoleBrowser(t, env, env.User(other, identity.TenantOwner))
		r, _ = ob.Get(oc.AuthCodeURL("st-5", oauth2.S256ChallengeOption(v), oidc.Nonce("n-5")))
		r.Body.Close()
		if r.StatusCode != http.StatusForbidden {
			t.Errorf("other tenant's user: %d at %s", r.StatusCode, r.Request.URL)
		}

		// Revoking the application ends its tokens.
		if r := env.Call("DELETE", "/api/v1/oidc/clients/"+client.ID, owner, nil, nil); r.StatusCode != 204 {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh)); err == nil {
			t.Error("userinfo after revocation")
		}

		// The signing key sits in the data folder, readable by its owner only.
		fi, err := os.Stat(filepath.Join(env.App.Cfg.DataDir, sso.SigningKeyFile))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("signing key file: %v %v", fi, err)
		}
	})
}

// TestDiscoveryListsServedEndpoints: every endpoint the discovery document
// advertises answers, and the ones Silkgate does not serve are not in it.
func TestDiscoveryListsServedEndpoints(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		r, err := http.Get(env.Server.URL + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		for _, k := range []string{"introspection_endpoint", "end_session_endpoint", "device_authorization_endpoint"} {
			if _, ok := doc[k]; ok {
				t.Errorf("discovery advertises %s, which is not served", k)
			}
		}
		if doc["issuer"] == nil || doc["token_endpoint"] == nil || doc["jwks_uri"] == nil {
			t.Fatalf("discovery document incomplete: %v", doc)
		}
		for k, v := range doc {
			u, ok := v.(string)
			if !ok || !strings.HasSuffix(k, "_endpoint") && k != "jwks_uri" {
				continue
			}
			res, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode == http.StatusNotFound {
				t.Errorf("%s %s: 404", k, u)
			}
		}
	})
}
