package sso_test

import (
	"context"
	"errors"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/sso"
)

// TestClientManagement covers what the console's client page uses: public
// clients signing in with PKCE alone, secret rotation, last use and
// deletion, each confined to the caller's tenant.
func TestClientManagement(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		ctx := context.Background()
		tenant := env.Tenant("Apps Host Ltd")
		admin := identity.WithPrincipal(env.Ctx, &identity.Principal{Kind: "session", UserID: "usr_admin", TenantID: tenant,
			Role: identity.TenantAdmin}, "")
		svc := env.App.SSO
		app := newRP(t)

		pub, err := svc.RegisterClient(admin, sso.NewOIDCClient{Name: "Phone app", RedirectURIs: []string{app.srv.URL + "/cb"}}, true)
		if err != nil || pub.Secret != "" {
			t.Fatalf("public client: %+v %v", pub, err)
		}
		if _, err := svc.RotateClientSecret(admin, pub.ID); err == nil {
			t.Error("a public client's secret rotated")
		}

		// A public client redeems its code with the PKCE verifier alone.
		provider, err := oidc.NewProvider(ctx, env.Server.URL)
		if err != nil {
			t.Fatal(err)
		}
		oc := &oauth2.Config{ClientID: pub.ID, Endpoint: provider.Endpoint(), RedirectURL: app.srv.URL + "/cb",
			Scopes: []string{oidc.ScopeOpenID, "email"}}
		oc.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		b := consoleBrowser(t, env, env.User(tenant, identity.Operator))
		v := oauth2.GenerateVerifier()
		r, err := b.Get(oc.AuthCodeURL("s-1", oauth2.S256ChallengeOption(v), oidc.Nonce("n-1")))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		got := app.answer(t)
		if _, err := oc.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Error("public client redeemed a code with a wrong verifier")
		}
		r, _ = b.Get(oc.AuthCodeURL("s-2", oauth2.S256ChallengeOption(v), oidc.Nonce("n-2")))
		r.Body.Close()
		got = app.answer(t)
		tok, err := oc.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(v))
		if err != nil || tok.AccessToken == "" {
			t.Fatalf("public client exchange: %v", err)
		}
		s, err := svc.ClientSummary(admin, pub.ID)
		if err != nil || !s.Public || s.LastUsedAt == nil {
			t.Errorf("summary after use: %+v %v", s, err)
		}

		// Rotation: the old secret stops working, the new one works.
		conf, err := svc.RegisterClient(admin, sso.NewOIDCClient{Name: "Portal", RedirectURIs: []string{app.srv.URL + "/cb"}}, false)
		if err != nil || conf.Secret == "" {
			t.Fatalf("confidential client: %+v %v", conf, err)
		}
		rot, err := svc.RotateClientSecret(admin, conf.ID)
		if err != nil || rot.Secret == "" || rot.Secret == conf.Secret {
			t.Fatalf("rotate: %+v %v", rot, err)
		}
		cc := &oauth2.Config{ClientID: conf.ID, ClientSecret: conf.Secret, Endpoint: provider.Endpoint(),
			RedirectURL: app.srv.URL + "/cb", Scopes: []string{oidc.ScopeOpenID}}
		for _, c := range []struct {
			secret string
			ok     bool
		}{{conf.Secret, false}, {rot.Secret, true}} {
			cc.ClientSecret = c.secret
			r, _ := b.Get(cc.AuthCodeURL("s-3", oauth2.S256ChallengeOption(v), oidc.Nonce("n-3")))
			r.Body.Close()
			got := app.answer(t)
			if _, err := cc.Exchange(ctx, got.Get("code"), oauth2.VerifierOption(v)); (err == nil) != c.ok {
				t.Errorf("secret %q…: exchange error %v, want ok=%v", c.secret[:8], err, c.ok)
			}
		}

		// Another tenant sees none of it.
		other := identity.WithPrincipal(env.Ctx, &identity.Principal{Kind: "session", UserID: "usr_other",
			TenantID: env.Tenant("Other Ltd"), Role: identity.TenantAdmin}, "")
		if l, err := svc.ClientSummaries(other, web.Page{}); err != nil || len(l.Items) != 0 {
			t.Errorf("other tenant's list: %+v %v", l, err)
		}
		for name, fn := range map[string]func() error{
			"get":    func() error { _, err := svc.ClientSummary(other, conf.ID); return err },
			"rotate": func() error { _, err := svc.RotateClientSecret(other, conf.ID); return err },
			"delete": func() error { return svc.DeleteClient(other, conf.ID) },
		} {
			if err := fn(); !errors.Is(err, problem.ErrNotFound) {
				t.Errorf("other tenant %s: %v", name, err)
			}
		}

		// Deleting removes the client and its tokens.
		if err := svc.DeleteClient(admin, pub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil {
			t.Error("userinfo with a deleted client's token")
		}
		l, err := svc.ClientSummaries(admin, web.Page{})
		if err != nil || len(l.Items) != 1 || l.Items[0].ID != conf.ID {
			t.Errorf("list after delete: %+v %v", l, err)
		}
	})
}
