package sso_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/sso"
)

// browser follows redirects with cookies across Silkgate and the identity
// provider, as a person's browser does.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T, p *idp) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, c: &http.Client{Jar: jar, Transport: p.srv.Client().Transport, Timeout: 20 * time.Second}}
}

func (b *browser) get(u string) (*http.Response, string) {
	b.t.Helper()
	r, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	return r, string(body)
}

// fixture is a platform with one tenant whose identity provider is p.
type fixture struct {
	env    *apptest.Env
	idp    *idp
	tenant string
	owner  string // API key of the tenant owner
}

const (
	clientID     = "silkgate-console"
	clientSecret = "idp-client-secret-9f2c"
)

func setup(t *testing.T, env *apptest.Env, conn map[string]any) fixture {
	t.Helper()
	p := newIDP(t, clientID, clientSecret)
	env.App.SSO.SetHTTPClient(p.srv.Client())
	f := fixture{env: env, idp: p, tenant: env.Tenant("Acme Trading GmbH")}
	f.owner = env.Key(f.tenant, identity.TenantOwner, false)
	body := map[string]any{"slug": "acme", "issuer": p.issuer(), "client_id": clientID, "client_secret": clientSecret,
		"allowed_domains": []string{"acme.example"}, "groups_claim": "groups",
		"group_roles":    map[string]string{"silkgate-admins": "tenant_admin", "silkgate-ops": "operator"},
		"auto_provision": true, "enabled": true}
	for k, v := range conn {
		body[k] = v
	}
	var got sso.Connection
	if r := env.Call("PUT", "/api/v1/sso/connection", f.owner, body, &got); r.StatusCode != 200 {
		t.Fatalf("configure: %d %s", r.StatusCode, apptest.Body(r))
	}
	if !got.SecretSet || got.CallbackURL != env.Server.URL+"/sso/callback" {
		t.Fatalf("configured connection: %+v", got)
	}
	return f
}

// signIn runs the whole flow from the console's company sign-in page and
// returns the last response.
func (f fixture) signIn(b *browser, company string) (*http.Response, string) {
	return b.get(f.env.Server.URL + "/login/sso?company=" + url.QueryEscape(company) + "&next=" + url.QueryEscape("/security"))
}

func (f fixture) me(b *browser) (identity.Me, int) {
	f.env.T.Helper()
	r, body := b.get(f.env.Server.URL + "/api/v1/me")
	var me identity.Me
	if r.StatusCode == 200 {
		if err := jsonUnmarshal(body, &me); err != nil {
			f.env.T.Fatal(err)
		}
	}
	return me, r.StatusCode
}

func (f fixture) auditCount(action, outcome string) int {
	f.env.T.Helper()
	ctx := context.Background()
	var n int
	if err := f.env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = $1 AND outcome = $2`,
		action, outcome).Scan(&n); err != nil {
		f.env.T.Fatal(err)
	}
	return n
}

func TestFederatedSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		f := setup(t, env, nil)

		// A new person of the ops group: provisioned as operator, signed in
		// with the console's own session cookie, sent where they were going.
		f.idp.signInAs(map[string]any{"sub": "u-1", "email": "li.wei@acme.example", "email_verified": true,
			"groups": []string{"everyone", "silkgate-ops"}, "amr": []string{"pwd"}}, nil)
		b := newBrowser(t, f.idp)
		r, body := f.signIn(b, "ACME")
		if r.StatusCode != 200 || r.Request.URL.Path != "/security" {
			t.Fatalf("sign-in ended at %s with %d:\n%.400s", r.Request.URL, r.StatusCode, body)
		}
		var session string
		for _, c := range b.c.Jar.Cookies(r.Request.URL) {
			if c.Name == identity.SessionCookie {
				session = c.Value
			}
		}
		if session == "" {
			t.Fatal("no session cookie")
		}
		me, status := f.me(b)
		if status != 200 || me.TenantID != f.tenant || me.Role != identity.Operator || me.Email != "li.wei@acme.example" {
			t.Fatalf("me: %d %+v", status, me)
		}
		if f.auditCount("auth.sso_login", "success") != 1 || f.auditCount("user.provision", "success") != 1 {
			t.Error("sign-in or provisioning not audited")
		}

		// Next time in the admins group: the role follows the provider.
		f.idp.signInAs(map[string]any{"sub": "u-1", "email": "Li.Wei@acme.example", "groups": "silkgate-admins"}, nil)
		b2 := newBrowser(t, f.idp)
		if r, body := f.signIn(b2, "acme"); r.StatusCode != 200 {
			t.Fatalf("second sign-in: %d %.300s", r.StatusCode, body)
		}
		if me, _ := f.me(b2); me.Role != identity.TenantAdmin {
			t.Errorf("role after group change: %s", me.Role)
		}
		// The account has no password that works.
		if r := env.Call("POST", "/api/v1/auth/login", "", map[string]any{"email": "li.wei@acme.example", "password": identity.FederatedPassword}, nil); r.StatusCode != 401 {
			t.Errorf("password sign-in of a federated account: %d", r.StatusCode)
		}
		// A provider that releases the e-mail and groups at userinfo only.
		f.idp.mu.Lock()
		f.idp.userinfoOnly = []string{"email", "groups"}
		f.idp.mu.Unlock()
		f.idp.signInAs(map[string]any{"sub": "u-9", "email": "chen.jing@acme.example", "groups": []string{"silkgate-ops"}}, nil)
		b4 := newBrowser(t, f.idp)
		if r, body := f.signIn(b4, "acme"); r.StatusCode != 200 {
			t.Fatalf("sign-in with userinfo claims: %d %.300s", r.StatusCode, body)
		}
		if me, _ := f.me(b4); me.Email != "chen.jing@acme.example" || me.Role != identity.Operator {
			t.Errorf("userinfo sign-in: %+v", me)
		}
		f.idp.mu.Lock()
		f.idp.userinfoOnly = nil
		f.idp.mu.Unlock()
		// The tenant id works as the sign-in name too.
		b3 := newBrowser(t, f.idp)
		if r, _ := b3.get(env.Server.URL + "/sso/" + f.tenant + "/start"); r.StatusCode != 200 || r.Request.URL.Path != "/dashboard" {
			t.Errorf("start by tenant id ended at %s (%d)", r.Request.URL, r.StatusCode)
		}

		// The client secret is sealed in the store.
		var sealed []byte
		ctx := context.Background()
		if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT client_secret FROM sso_connections WHERE tenant_id = $1`, f.tenant).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if len(sealed) == 0 || strings.Contains(string(sealed), clientSecret) {
			t.Error("client secret stored in clear")
		}
		var got sso.Connection
		if r := env.Call("GET", "/api/v1/sso/connection", f.owner, nil, &got); r.StatusCode != 200 || strings.Contains(apptest.Body(r), clientSecret) {
			t.Errorf("read connection: %d %s", r.StatusCode, apptest.Body(r))
		}
	})
}

func TestFederatedSignInRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		f := setup(t, env, map[string]any{"require_mfa": true})
		other := env.Tenant("Other Ltd")
		if _, err := env.App.Identity.CreateUser(env.Ctx, identity.NewUser{TenantID: other, Email: "taken@acme.example",
			Role: identity.Viewer, Password: apptest.Password}); err != nil {
			t.Fatal(err)
		}
		staff, err := env.App.Identity.CreateUser(env.Ctx, identity.NewUser{Email: "staff@acme.example", Role: identity.PlatformAdmin,
			Password: apptest.Password})
		if err != nil {
			t.Fatal(err)
		}
		mfa := []string{"pwd", "otp"}
		ok := map[string]any{"sub": "u-2", "email": "ok@acme.example", "groups": []string{"silkgate-ops"}, "amr": mfa}
		with := func(k string, v any) map[string]any {
			c := map[string]any{}
			for k, v := range ok {
				c[k] = v
			}
			c[k] = v
			return c
		}
		for _, tc := range []struct {
			name   string
			claims map[string]any
			tamper func(map[string]any)
			status int
			reason string
		}{
			{"another tenant's e-mail", with("email", "taken@acme.example"), nil, 403, "account_of_other_tenant"},
			{"platform staff's e-mail", with("email", staff.Email), nil, 403, "account_of_other_tenant"},
			{"domain not allowed", with("email", "someone@gmail.example"), nil, 403, "domain_not_allowed"},
			{"no group mapped, no default", with("groups", []string{"marketing"}), nil, 403, "no_role_mapping"},
			{"no second factor", with("amr", []string{"pwd"}), nil, 403, "mfa_not_asserted"},
			{"unverified e-mail", with("email_verified", false), nil, 403, "email_not_verified"},
			{"nonce replaced", ok, func(c map[string]any) { c["nonce"] = "another" }, 401, "nonce_mismatch"},
			{"other audience", ok, func(c map[string]any) { c["aud"] = "someone-else" }, 401, "id_token"},
			{"expired token", ok, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }, 401, "id_token"},
			{"other issuer", ok, func(c map[string]any) { c["iss"] = "https://evil.example" }, 401, "id_token"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := f.auditCount("auth.sso_login", "denied") + f.auditCount("auth.sso_login", "failure")
				f.idp.signInAs(tc.claims, tc.tamper)
				b := newBrowser(t, f.idp)
				r, body := f.signIn(b, "acme")
				if r.StatusCode != tc.status || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
					t.Fatalf("status %d (%s), want %d page:\n%.300s", r.StatusCode, r.Header.Get("Content-Type"), tc.status, body)
				}
				if _, status := f.me(b); status != 401 {
					t.Errorf("signed in after a refusal: %d", status)
				}
				if after := f.auditCount("auth.sso_login", "denied") + f.auditCount("auth.sso_login", "failure"); after != before+1 {
					t.Errorf("refusal audited %d times", after-before)
				}
				if tc.reason != "" {
					ctx := context.Background()
					var n int
					if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_events WHERE action = 'auth.sso_login'
						AND detail LIKE $1`, tc.reason+"%").Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n == 0 {
						t.Errorf("no audit record with reason %q", tc.reason)
					}
				}
			})
		}
		// With a second factor everything passes, and the session says so.
		f.idp.signInAs(ok, nil)
		b := newBrowser(t, f.idp)
		if r, body := f.signIn(b, "acme"); r.StatusCode != 200 {
			t.Fatalf("sign-in with MFA: %d %.300s", r.StatusCode, body)
		}
		ctx := context.Background()
		var mfaSession bool
		if err := env.App.DB.Q(ctx).QueryRowContext(ctx, `SELECT s.mfa FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE u.email = 'ok@acme.example'`).Scan(&mfaSession); err != nil || !mfaSession {
			t.Errorf("session mfa = %v, %v", mfaSession, err)
		}
		// Nobody else's user changed tenant or role.
		u, err := env.App.Identity.GetUser(env.Ctx, staff.ID)
		if err != nil || u.Role != identity.PlatformAdmin || u.TenantID != "" {
			t.Errorf("platform user changed: %+v %v", u, err)
		}
	})
}

func TestFederatedStateChecks(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		f := setup(t, env, map[string]any{"auto_provision": false, "default_role": "viewer"})
		f.idp.signInAs(map[string]any{"sub": "u-3", "email": "new@acme.example"}, nil)

		// Stop at the provider's answer to replay it.
		b := newBrowser(t, f.idp)
		var callback *url.URL
		b.c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/sso/callback" && callback == nil {
				callback = req.URL
				return http.ErrUseLastResponse
			}
			return nil
		}
		b.get(env.Server.URL + "/sso/acme/start")
		if callback == nil {
			t.Fatal("never reached the callback")
		}
		// Another browser (no state cookie) cannot use the answer.
		if r, _ := newBrowser(t, f.idp).get(callback.String()); r.StatusCode != 401 {
			t.Errorf("answer in another browser: %d", r.StatusCode)
		}
		// In the right browser: the account does not exist and the tenant
		// does not provision — refused.
		b.c.CheckRedirect = nil
		if r, _ := b.get(callback.String()); r.StatusCode != 403 {
			t.Errorf("not provisioned: %d", r.StatusCode)
		}
		// The state was spent: replaying the answer fails.
		if r, _ := b.get(callback.String()); r.StatusCode != 401 {
			t.Errorf("replayed answer: %d", r.StatusCode)
		}
		// An unknown company name.
		if r, body := b.get(env.Server.URL + "/login/sso?company=nobody"); r.StatusCode != 404 || !strings.Contains(body, "Silkgate") {
			t.Errorf("unknown company: %d", r.StatusCode)
		}
		// An existing account with the default role signs in.
		if _, err := env.App.Identity.CreateUser(env.Ctx, identity.NewUser{TenantID: f.tenant, Email: "new@acme.example",
			Role: identity.Viewer, Password: apptest.Password}); err != nil {
			t.Fatal(err)
		}
		b = newBrowser(t, f.idp)
		if r, body := f.signIn(b, "acme"); r.StatusCode != 200 || r.Request.URL.Path != "/security" {
			t.Errorf("existing account: %d at %s %.300s", r.StatusCode, r.Request.URL, body)
		}
		// Disabled: nobody signs in through it.
		if r := env.Call("PUT", "/api/v1/sso/connection", f.owner, map[string]any{"slug": "acme", "issuer": f.idp.issuer(),
			"client_id": clientID, "allowed_domains": []string{"acme.example"}, "default_role": "viewer", "enabled": false}, nil); r.StatusCode != 200 {
			t.Fatalf("disable: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r, _ := f.signIn(newBrowser(t, f.idp), "acme"); r.StatusCode != 404 {
			t.Errorf("disabled connection: %d", r.StatusCode)
		}
	})
}

func TestConfigureConnection(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("A Ltd"), env.Tenant("B Ltd")
		ownerA, ownerB := env.Key(a, identity.TenantOwner, false), env.Key(b, identity.TenantOwner, false)
		adminA := env.Key(a, identity.TenantAdmin, false)
		base := func(k string, v any) map[string]any {
			m := map[string]any{"slug": "alpha", "issuer": "https://login.alpha.example", "client_id": "c",
				"allowed_domains": []string{"alpha.example"}, "enabled": true}
			if k != "" {
				m[k] = v
			}
			return m
		}
		for _, tc := range []struct {
			name  string
			key   string
			body  map[string]any
			field string
		}{
			{"platform role", ownerA, base("group_roles", map[string]string{"ops": "platform_admin"}), "group_roles"},
			{"unknown role", ownerA, base("default_role", "superuser"), "default_role"},
			{"plain http issuer", ownerA, base("issuer", "http://login.alpha.example"), "issuer"},
			{"no domains", ownerA, base("allowed_domains", []string{}), "allowed_domains"},
			{"bad slug", ownerA, base("slug", "Not a slug!"), "slug"},
			{"admin grants owner", adminA, base("group_roles", map[string]string{"bosses": "tenant_owner"}), "group_roles"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := env.Call("PUT", "/api/v1/sso/connection", tc.key, tc.body, nil)
				if r.StatusCode != 422 || !strings.Contains(apptest.Body(r), `"field":"`+tc.field+`"`) {
					t.Errorf("%d %s", r.StatusCode, apptest.Body(r))
				}
			})
		}
		if r := env.Call("PUT", "/api/v1/sso/connection", ownerA, base("", nil), nil); r.StatusCode != 200 {
			t.Fatalf("A: %d %s", r.StatusCode, apptest.Body(r))
		}
		// The sign-in name is the company's alone.
		if r := env.Call("PUT", "/api/v1/sso/connection", ownerB, base("slug", "Alpha"), nil); r.StatusCode != 422 {
			t.Errorf("B takes A's name: %d", r.StatusCode)
		}
		// B sees nothing of A's.
		if r := env.Call("GET", "/api/v1/sso/connection", ownerB, nil, nil); r.StatusCode != 404 {
			t.Errorf("B reads a connection: %d %s", r.StatusCode, apptest.Body(r))
		}
		// A viewer may not read it at all.
		if r := env.Call("GET", "/api/v1/sso/connection", env.Key(a, identity.Viewer, false), nil, nil); r.StatusCode != 403 {
			t.Errorf("viewer: %d", r.StatusCode)
		}
	})
}
