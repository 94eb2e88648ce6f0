package gateway_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/gateway"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// The test server's requests come from 127.0.0.1.
func TestIPAllowLists(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Allow List Ltd")
		admin := env.Key(tenant, identity.TenantAdmin, false)
		k := key(t, env, tenant, identity.Operator)
		s := signer{keyID: k.ID, secret: k.SigningSecret}
		path := "/api/v1/apikeys/" + k.ID + "/allowed-ips"

		put := func(list ...string) *http.Response {
			t.Helper()
			if list == nil {
				list = []string{}
			}
			return env.Call("PUT", path, admin, map[string]any{"allowed_ips": list}, nil)
		}
		use := func() (bearer, signed *http.Response) {
			return env.Call("GET", "/api/v1/me", k.Key, nil, nil),
				send(t, env, "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil)
		}

		if r := put("10.0.0.0/8", "2001:db8::/32"); r.StatusCode != 200 {
			t.Fatalf("set list: %d %s", r.StatusCode, apptest.Body(r))
		}
		var got gateway.AllowedIPs
		env.Call("GET", path, admin, nil, &got)
		if strings.Join(got.AllowedIPs, ",") != "10.0.0.0/8,2001:db8::/32" {
			t.Errorf("list reads back as %v", got.AllowedIPs)
		}
		b, sg := use()
		for name, r := range map[string]*http.Response{"bearer": b, "signed": sg} {
			if r.StatusCode != 403 || problemCode(t, r) != "ip_not_allowed" {
				t.Errorf("%s from outside the list: %d %s", name, r.StatusCode, apptest.Body(r))
			}
		}
		if !strings.Contains(apptest.Body(b), "127.0.0.1") {
			t.Errorf("refusal does not name the address: %s", apptest.Body(b))
		}
		if n := countAudit(t, env, "security.ip_not_allowed", "apikey/"+k.ID); n != 2 {
			t.Errorf("%d refusals audited, want 2", n)
		}

		if r := put("10.0.0.0/8", "127.0.0.1"); r.StatusCode != 200 {
			t.Fatalf("widen list: %d", r.StatusCode)
		}
		b, sg = use()
		if b.StatusCode != 200 || sg.StatusCode != 200 {
			t.Errorf("from inside the list: bearer %d, signed %d %s", b.StatusCode, sg.StatusCode, apptest.Body(sg))
		}
		if r := put(); r.StatusCode != 200 {
			t.Fatalf("clear list: %d", r.StatusCode)
		}
		if b, _ := use(); b.StatusCode != 200 {
			t.Errorf("with no list: %d", b.StatusCode)
		}
		if n := countAudit(t, env, "security.allowed_ips.set", "apikey/"+k.ID); n != 3 {
			t.Errorf("%d list changes audited, want 3", n)
		}

		t.Run("validation", func(t *testing.T) {
			r := put("10.0.0.0/8", "not-an-address")
			if r.StatusCode != 422 || !strings.Contains(apptest.Body(r), `"field":"allowed_ips[1]"`) {
				t.Errorf("bad entry: %d %s", r.StatusCode, apptest.Body(r))
			}
			if r := env.Call("PUT", path, admin, map[string]any{}, nil); r.StatusCode != 422 {
				t.Errorf("no list: %d", r.StatusCode)
			}
		})

		t.Run("who may", func(t *testing.T) {
			if r := env.Call("PUT", path, env.Key(tenant, identity.Operator, false), map[string]any{"allowed_ips": []string{}}, nil); r.StatusCode != 403 {
				t.Errorf("operator: %d", r.StatusCode)
			}
			other := env.Key(env.Tenant("Elsewhere Ltd"), identity.TenantOwner, false)
			if r := env.Call("PUT", path, other, map[string]any{"allowed_ips": []string{"10.0.0.1"}}, nil); r.StatusCode != 404 {
				t.Errorf("other tenant: %d", r.StatusCode)
			}
			sec := env.Session("", identity.SecurityAdmin)
			if r := env.Call("PUT", path, sec, map[string]any{"allowed_ips": []string{"127.0.0.0/8"}}, nil); r.StatusCode != 200 {
				t.Errorf("security admin: %d %s", r.StatusCode, apptest.Body(r))
			}
		})

		t.Run("oauth client", func(t *testing.T) {
			var c gateway.CreatedClient
			if r := env.Call("POST", "/api/v1/oauth/clients", admin, map[string]any{"role": "viewer",
				"allowed_ips": []string{"198.51.100.0/24"}}, &c); r.StatusCode != 201 || strings.Join(c.Allowed, ",") != "198.51.100.0/24" {
				t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
			}
			r := tokenRequest(t, env, c.ID, c.ClientSecret, true, nil)
			if r.StatusCode != 403 || problemCode(t, r) != "ip_not_allowed" {
				t.Fatalf("token from outside the list: %d %s", r.StatusCode, apptest.Body(r))
			}
			if n := countAudit(t, env, "security.ip_not_allowed", "oauth_client/"+c.ID); n != 1 {
				t.Errorf("%d refusals audited", n)
			}
			cpath := "/api/v1/oauth/clients/" + c.ID + "/allowed-ips"
			if r := env.Call("PUT", cpath, admin, map[string]any{"allowed_ips": []string{"127.0.0.1"}}, nil); r.StatusCode != 200 {
				t.Fatalf("widen: %d", r.StatusCode)
			}
			var tok gateway.TokenResponse
			decode(t, tokenRequest(t, env, c.ID, c.ClientSecret, true, nil), &tok)
			if r := env.Call("GET", "/api/v1/me", tok.AccessToken, nil, nil); r.StatusCode != 200 {
				t.Fatalf("token inside the list: %d", r.StatusCode)
			}
			if r := env.Call("PUT", cpath, admin, map[string]any{"allowed_ips": []string{"198.51.100.0/24"}}, nil); r.StatusCode != 200 {
				t.Fatalf("narrow: %d", r.StatusCode)
			}
			// Applies at once to tokens already issued.
			if r := env.Call("GET", "/api/v1/me", tok.AccessToken, nil, nil); r.StatusCode != 403 {
				t.Errorf("token after the list was narrowed: %d", r.StatusCode)
			}
		})
	})
}

// TestRateLimits: signed requests and OAuth tokens are limited like bearer
// keys, per credential, and one tenant's exhaustion never touches another.
func TestRateLimits(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, b := env.Tenant("Busy Tenant"), env.Tenant("Quiet Tenant")
		for _, id := range []string{a, b} {
			if _, err := env.App.Tenants.SetLimit(env.Ctx, id, tenancy.Limit{RPS: 0.01, Burst: 3}); err != nil {
				t.Fatal(err)
			}
		}
		ka, kb := key(t, env, a, identity.TenantAdmin), key(t, env, b, identity.TenantAdmin)
		sa := signer{keyID: ka.ID, secret: ka.SigningSecret}
		var last *http.Response
		for i := range 3 {
			if last = send(t, env, "GET", "/api/v1/me", sa.headers("GET", "/api/v1/me", nil), nil); last.StatusCode != 200 {
				t.Fatalf("signed request %d: %d", i+1, last.StatusCode)
			}
		}
		last = send(t, env, "GET", "/api/v1/me", sa.headers("GET", "/api/v1/me", nil), nil)
		if last.StatusCode != 429 || problemCode(t, last) != "rate_limited" || last.Header.Get("Retry-After") == "" {
			t.Fatalf("signed request over the burst: %d %v", last.StatusCode, last.Header)
		}
		// Bearer use of the same key shares its allowance.
		if r := env.Call("GET", "/api/v1/me", ka.Key, nil, nil); r.StatusCode != 429 {
			t.Errorf("bearer use of an exhausted key: %d", r.StatusCode)
		}
		// The other tenant is untouched, signed and bearer.
		sb := signer{keyID: kb.ID, secret: kb.SigningSecret}
		if r := send(t, env, "GET", "/api/v1/me", sb.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
			t.Errorf("other tenant, signed: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/me", kb.Key, nil, nil); r.StatusCode != 200 {
			t.Errorf("other tenant, bearer: %d", r.StatusCode)
		}

		// An OAuth client has its own allowance (token issue counts too).
		var c gateway.CreatedClient
		if r := env.Call("POST", "/api/v1/oauth/clients", env.Key(a, identity.TenantOwner, false), map[string]any{"role": "viewer"}, &c); r.StatusCode != 201 {
			// The owner key is fresh: its own allowance is whole.
			t.Fatalf("create client: %d %s", r.StatusCode, apptest.Body(r))
		}
		var tok gateway.TokenResponse
		decode(t, tokenRequest(t, env, c.ID, c.ClientSecret, true, nil), &tok)
		codes := []int{}
		for range 3 {
			codes = append(codes, env.Call("GET", "/api/v1/me", tok.AccessToken, nil, nil).StatusCode)
		}
		if fmt.Sprint(codes) != "[200 200 429]" {
			t.Errorf("token uses: %v, want [200 200 429]", codes)
		}
		if r := tokenRequest(t, env, c.ID, c.ClientSecret, true, nil); r.StatusCode != 429 {
			t.Errorf("token issue over the limit: %d", r.StatusCode)
		}
		if r := env.Call("GET", "/api/v1/me", kb.Key, nil, nil); r.StatusCode != 200 {
			t.Errorf("other tenant after the client's exhaustion: %d", r.StatusCode)
		}
	})
}

// TestIntrusionDetector drives the whole handler as if from remote
// addresses.
func TestIntrusionDetector(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Targeted Ltd")
		good := env.Key(tenant, identity.Viewer, false)
		sec := env.Session("", identity.SecurityAdmin)
		const attacker, bystander = "203.0.113.66:40000", "198.51.100.20:40000"

		for i := range 20 {
			r := from(t, env, attacker, "GET", "/api/v1/me", bearer("sk_live_guess"+strconv.Itoa(i)+strings.Repeat("0", 30)), nil)
			if r.StatusCode != 401 {
				t.Fatalf("attempt %d: %d", i+1, r.StatusCode)
			}
		}
		for _, h := range []http.Header{bearer("sk_live_guess" + strings.Repeat("1", 30)), bearer(good)} {
			r := from(t, env, attacker, "GET", "/api/v1/me", h, nil)
			if r.StatusCode != 429 || problemCode(t, r) != "temporarily_blocked" {
				t.Fatalf("blocked source: %d", r.StatusCode)
			}
			if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra < 800 || ra > 900 {
				t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
			}
		}
		// Public routes too: a blocked source cannot keep guessing passwords.
		if r := from(t, env, attacker, "POST", "/api/v1/auth/login", nil, []byte(`{"email":"a@b.example","password":"x"}`)); r.StatusCode != 429 {
			t.Errorf("sign-in from a blocked source: %d", r.StatusCode)
		}
		// Others are unaffected, and so is the blocked source's health probe.
		if r := from(t, env, bystander, "GET", "/api/v1/me", bearer(good), nil); r.StatusCode != 200 {
			t.Errorf("bystander: %d", r.StatusCode)
		}
		if r := from(t, env, attacker, "GET", "/healthz", nil, nil); r.StatusCode != 200 {
			t.Errorf("health probe: %d", r.StatusCode)
		}

		if n := countAudit(t, env, "security.block", "ip:203.0.113.66"); n != 1 {
			t.Errorf("%d audit records of the block", n)
		}
		var alerts struct{ Items []gateway.Alert }
		if r := env.Call("GET", "/api/v1/security/alerts?status=open", sec, nil, &alerts); r.StatusCode != 200 {
			t.Fatalf("alerts: %d", r.StatusCode)
		}
		if len(alerts.Items) != 1 || alerts.Items[0].Subject != "ip:203.0.113.66" || alerts.Items[0].Kind != "source_blocked" ||
			alerts.Items[0].SourceIP != "203.0.113.66" || alerts.Items[0].Failures != 20 {
			t.Fatalf("alerts = %+v", alerts.Items)
		}
		var blocks gateway.BlockList
		env.Call("GET", "/api/v1/security/blocks", sec, nil, &blocks)
		if len(blocks.Items) != 1 || blocks.Items[0].Subject != "ip:203.0.113.66" {
			t.Errorf("blocks = %+v", blocks)
		}
		metrics := apptest.Body(env.Call("GET", "/metrics", "", nil, nil))
		if !strings.Contains(metrics, `silkgate_security_blocks_total{kind="source"} 1`) {
			t.Errorf("metrics lack the block counter")
		}
		// Only security administrators see and lift blocks.
		if r := env.Call("GET", "/api/v1/security/alerts", env.Key(tenant, identity.TenantOwner, false), nil, nil); r.StatusCode != 403 {
			t.Errorf("tenant owner reads alerts: %d", r.StatusCode)
		}

		if r := env.Call("DELETE", "/api/v1/security/blocks/"+url.PathEscape("ip:203.0.113.66"), sec, nil, nil); r.StatusCode != 200 {
			t.Fatalf("unblock: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := from(t, env, attacker, "GET", "/api/v1/me", bearer(good), nil); r.StatusCode != 200 {
			t.Errorf("after unblock: %d", r.StatusCode)
		}
		env.Call("GET", "/api/v1/security/alerts?status=open", sec, nil, &alerts)
		if len(alerts.Items) != 0 {
			t.Errorf("alert still open after unblock")
		}
		if n := countAudit(t, env, "security.unblock", "ip:203.0.113.66"); n != 1 {
			t.Errorf("%d audit records of the unblock", n)
		}
		if r := env.Call("DELETE", "/api/v1/security/blocks/"+url.PathEscape("ip:192.0.2.200"), sec, nil, nil); r.StatusCode != 404 {
			t.Errorf("unblock of nothing: %d", r.StatusCode)
		}

		t.Run("failed sign-ins count", func(t *testing.T) {
			const guesser = "192.0.2.77:5000"
			for i := range 20 {
				body := fmt.Sprintf(`{"email":"nobody%d@example.com","password":"Wrong-Passw0rd"}`, i)
				if r := from(t, env, guesser, "POST", "/api/v1/auth/login", nil, []byte(body)); r.StatusCode != 401 {
					t.Fatalf("sign-in %d: %d", i+1, r.StatusCode)
				}
			}
			if r := from(t, env, guesser, "GET", "/api/v1/me", bearer(good), nil); r.StatusCode != 429 {
				t.Errorf("after 20 failed sign-ins: %d", r.StatusCode)
			}
		})

		t.Run("IPv6 counts per /64", func(t *testing.T) {
			for i := range 20 {
				addr := fmt.Sprintf("[2001:db8:7:7::%x]:443", i+1)
				from(t, env, addr, "GET", "/api/v1/me", bearer("sk_live_nope"+strings.Repeat("2", 30)), nil)
			}
			if r := from(t, env, "[2001:db8:7:7::ffff]:443", "GET", "/api/v1/me", bearer(good), nil); r.StatusCode != 429 {
				t.Errorf("another address of the /64: %d", r.StatusCode)
			}
			if r := from(t, env, "[2001:db8:7:8::1]:443", "GET", "/api/v1/me", bearer(good), nil); r.StatusCode != 200 {
				t.Errorf("the next /64: %d", r.StatusCode)
			}
		})

		t.Run("key under attack", func(t *testing.T) {
			// From loopback (exempt from source blocks), bad signatures for
			// one key block the key itself.
			k := key(t, env, tenant, identity.Operator)
			bad := signer{keyID: k.ID, secret: k.SigningSecret, badSecret: true}
			for i := range 20 {
				if r := send(t, env, "GET", "/api/v1/me", bad.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 401 {
					t.Fatalf("bad signature %d: %d", i+1, r.StatusCode)
				}
			}
			s := signer{keyID: k.ID, secret: k.SigningSecret}
			r := send(t, env, "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil)
			if r.StatusCode != 429 || problemCode(t, r) != "temporarily_blocked" {
				t.Fatalf("good signature of a blocked key: %d %s", r.StatusCode, apptest.Body(r))
			}
			// The loopback source itself is not blocked.
			if r := env.Call("GET", "/api/v1/me", good, nil, nil); r.StatusCode != 200 {
				t.Errorf("loopback blocked: %d", r.StatusCode)
			}
			env.Call("GET", "/api/v1/security/alerts?subject="+url.QueryEscape("key:"+k.ID), sec, nil, &alerts)
			if len(alerts.Items) != 1 || alerts.Items[0].Kind != "key_blocked" || alerts.Items[0].TenantID != tenant {
				t.Fatalf("key alert = %+v", alerts.Items)
			}
			if n := countAudit(t, env, "security.block", "key:"+k.ID); n != 1 {
				t.Errorf("%d audit records of the key block", n)
			}
			if r := env.Call("DELETE", "/api/v1/security/blocks/"+url.PathEscape("key:"+k.ID), sec, nil, nil); r.StatusCode != 200 {
				t.Fatalf("unblock key: %d", r.StatusCode)
			}
			if r := send(t, env, "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
				t.Errorf("after unblocking the key: %d", r.StatusCode)
			}
		})

		t.Run("allow-list keeps outsiders from blocking a key", func(t *testing.T) {
			k := key(t, env, tenant, identity.Operator)
			if r := env.Call("PUT", "/api/v1/apikeys/"+k.ID+"/allowed-ips", env.Key(tenant, identity.TenantAdmin, false),
				map[string]any{"allowed_ips": []string{"192.0.2.10"}}, nil); r.StatusCode != 200 {
				t.Fatal(r.StatusCode)
			}
			bad := signer{keyID: k.ID, secret: k.SigningSecret, badSecret: true}
			for range 25 {
				send(t, env, "GET", "/api/v1/me", bad.headers("GET", "/api/v1/me", nil), nil)
			}
			s := signer{keyID: k.ID, secret: k.SigningSecret}
			if r := from(t, env, "192.0.2.10:1000", "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
				t.Errorf("partner from its allowed address: %d", r.StatusCode)
			}
		})
	})
}
