package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

var (
	oidcSecretRe = regexp.MustCompile(`id="client-secret"[^>]*>(sgc_[A-Za-z0-9_-]+)<`)
	oidcIDRe     = regexp.MustCompile(`id="client-id"[^>]*>(oic_[A-Za-z0-9]+)<`)
)

func TestOIDCClientPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("OIDC Trading")
		admin := newBrowser(t, env)
		admin.signIn(env.User(tenant, identity.TenantAdmin))

		list := admin.get("/settings/oidc-clients")
		if list.Status != 200 {
			t.Fatalf("list: %d", list.Status)
		}
		mustContain(t, "list", list.Body, "/.well-known/openid-configuration", `name="redirect_uris"`)
		mustContain(t, "nav", admin.get("/dashboard").Body, `href="/settings/oidc-clients"`)

		// A refused registration points at the address at fault.
		p := admin.post("/settings/oidc-clients", url.Values{"name": {"Warehouse app"},
			"redirect_uris": {"https://wms.example.com/cb\nhttp://wms.example.com/cb"}, "kind": {"confidential"}})
		if p.Status != 422 || !strings.Contains(fieldError(p.Body, "redirect_uris"), "http://wms.example.com/cb") {
			t.Fatalf("refused: %d %q", p.Status, fieldError(p.Body, "redirect_uris"))
		}
		mustContain(t, "refused keeps input", p.Body, `value="Warehouse app"`)

		// Registered: the secret is on this answer and nowhere else.
		p = admin.post("/settings/oidc-clients", url.Values{"name": {"Warehouse app"},
			"redirect_uris": {"https://wms.example.com/cb"}, "kind": {"confidential"}})
		if p.Status != http.StatusCreated || !oidcSecretRe.MatchString(p.Body) {
			t.Fatalf("register: %d\n%s", p.Status, text(p.Body))
		}
		secret, id := oidcSecretRe.FindStringSubmatch(p.Body)[1], oidcIDRe.FindStringSubmatch(p.Body)[1]
		list = admin.get("/settings/oidc-clients")
		mustContain(t, "list", list.Body, id, "Warehouse app", "https://wms.example.com/cb", "Never")
		mustNotContain(t, "list", list.Body, secret)

		// A new secret replaces the old one.
		p = admin.post("/settings/oidc-clients/"+id+"/rotate", nil)
		if p.Status != 200 || !oidcSecretRe.MatchString(p.Body) {
			t.Fatalf("rotate: %d", p.Status)
		}
		if again := oidcSecretRe.FindStringSubmatch(p.Body)[1]; again == secret {
			t.Error("rotation kept the secret")
		}

		// A public client has no secret, and no secret to rotate.
		p = admin.post("/settings/oidc-clients", url.Values{"name": {"Phone app"},
			"redirect_uris": {"http://localhost:5173/cb"}, "kind": {"public"}})
		if p.Status != http.StatusCreated || oidcSecretRe.MatchString(p.Body) || !oidcIDRe.MatchString(p.Body) {
			t.Fatalf("public client: %d\n%s", p.Status, text(p.Body))
		}
		pub := oidcIDRe.FindStringSubmatch(p.Body)[1]
		if p := admin.post("/settings/oidc-clients/"+pub+"/rotate", nil); p.Status != 422 {
			t.Errorf("rotate a public client: %d", p.Status)
		}

		// Operators and viewers may not manage; other tenants see nothing.
		op := newBrowser(t, env)
		op.signIn(env.User(tenant, identity.Operator))
		for _, c := range []struct{ method, path string }{
			{"GET", "/settings/oidc-clients"}, {"POST", "/settings/oidc-clients"},
			{"POST", "/settings/oidc-clients/" + id + "/rotate"}, {"POST", "/settings/oidc-clients/" + id + "/delete"},
		} {
			var p page
			if c.method == "GET" {
				p = op.get(c.path)
			} else {
				p = op.post(c.path, url.Values{"name": {"x"}, "redirect_uris": {"https://x.example/cb"}})
			}
			if p.Status != 403 || !strings.Contains(p.Body, "<html") {
				t.Errorf("operator %s %s: %d", c.method, c.path, p.Status)
			}
		}
		mustNotContain(t, "operator nav", op.get("/dashboard").Body, `href="/settings/oidc-clients"`)
		stranger := newBrowser(t, env)
		stranger.signIn(env.User(env.Tenant("Other Ltd"), identity.TenantAdmin))
		mustNotContain(t, "other tenant's list", stranger.get("/settings/oidc-clients").Body, id)
		for _, path := range []string{"/settings/oidc-clients/" + id + "/rotate", "/settings/oidc-clients/" + id + "/delete"} {
			if p := stranger.post(path, nil); p.Status != 404 {
				t.Errorf("other tenant %s: %d", path, p.Status)
			}
		}
		if p := stranger.get("/settings/oidc-clients/" + id + "/delete"); p.Status != 404 {
			t.Errorf("other tenant's delete page: %d", p.Status)
		}

		// Deleting.
		if p := admin.get("/settings/oidc-clients/" + id + "/delete"); p.Status != 200 || !strings.Contains(p.Body, "Warehouse app") {
			t.Errorf("delete page: %d", p.Status)
		}
		if p := admin.post("/settings/oidc-clients/"+id+"/delete", nil); p.Status != http.StatusSeeOther {
			t.Errorf("delete: %d", p.Status)
		}
		list = admin.get("/settings/oidc-clients?notice=oidc_client_deleted")
		mustContain(t, "after delete", list.Body, "Application deleted")
		mustNotContain(t, "after delete", list.Body, id)
	})
}
