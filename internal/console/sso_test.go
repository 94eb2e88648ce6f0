package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/identity"
)

// TestSSOSettingsPage: a tenant administrator connects the company's
// identity provider from the console; the secret is never shown back; a
// platform role cannot be mapped; the sign-in page offers company sign-in.
func TestSSOSettingsPage(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Console SSO Ltd")
	admin := newBrowser(t, env)
	admin.signIn(env.User(tenant, identity.TenantAdmin))

	form := url.Values{"slug": {"console-sso"}, "issuer": {"https://login.console-sso.example"}, "client_id": {"silkgate"},
		"client_secret": {"very-secret-value"}, "allowed_domains": {"console-sso.example, example.org"},
		"group_roles": {"ops = operator\nreaders = viewer"}, "default_role": {""}, "auto_provision": {"1"}, "enabled": {"1"}}
	p := admin.post("/settings/sso", form)
	if p.Status != 200 {
		t.Fatalf("save: %d\n%s", p.Status, text(p.Body))
	}
	mustContain(t, "saved", p.Body, "The single sign-on settings were saved.", "/sso/callback", "readers = viewer")
	mustNotContain(t, "saved", p.Body, "very-secret-value")

	// An administrator cannot hand out the owner's role, nor a platform role.
	for _, bad := range []string{"bosses = tenant_owner", "ops = platform_admin"} {
		form.Set("group_roles", bad)
		if p := admin.post("/settings/sso", form); p.Status != 422 {
			t.Errorf("%s: %d", bad, p.Status)
		}
	}
	p = admin.get("/settings/sso")
	if p.Status != 200 || !strings.Contains(p.Body, "ops = operator") {
		t.Errorf("refused forms changed the settings: %d\n%s", p.Status, text(p.Body))
	}

	// The sign-in page links to company sign-in, which forwards to the flow.
	anon := newBrowser(t, env)
	mustContain(t, "login", anon.get("/login").Body, `href="/login/sso"`)
	p = anon.get("/login/sso?company=Unknown-Co&next=/users")
	if p.Status != 303 || p.Location != "/sso/unknown-co/start?next=%2Fusers" {
		t.Fatalf("company sign-in: %d to %q", p.Status, p.Location)
	}
	if p := anon.get(p.Location); p.Status != 404 || !strings.Contains(p.Body, "Company sign-in is not available") {
		t.Errorf("unknown company: %d\n%s", p.Status, text(p.Body))
	}
}
