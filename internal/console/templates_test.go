package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
)

// TestTemplateKeysExist reads every template and Go file of the console
// and fails on a literal catalog key that the catalogs do not have. Keys
// built at run time (roles, permissions, modules) are covered by
// TestEveryPageIsTranslated, which renders every page.
func TestTemplateKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	literal := regexp.MustCompile(`"((?:console|error|validation)\.[a-zA-Z0-9_.]*[a-zA-Z0-9_])"`)
	files, _ := filepath.Glob("templates/*.html")
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range append(files, goFiles...) {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if !cat.Has(m[1]) {
				t.Errorf("%s: key %q is in no catalog", f, m[1])
			}
		}
	}
}

// TestEveryPageIsTranslated renders every console page, in English and in
// Chinese, as the roles that can see it, and fails when a raw catalog key
// or an unfilled {placeholder} reaches the page, or when a template is
// added without being rendered here.
func TestEveryPageIsTranslated(t *testing.T) {
	env := sqlite(t)
	withPartners(t, env)
	tenant := env.Tenant("Walkthrough Trading")
	key, err := env.App.Identity.CreateAPIKey(env.Ctx, identity.NewAPIKey{TenantID: tenant, Role: identity.Viewer, Name: "ERP"})
	if err != nil {
		t.Fatal(err)
	}
	rendered := map[string]bool{}
	leftovers := regexp.MustCompile(`console\.[a-z_]+|validation\.[a-z_]+|error\.[a-z_]+\.(title|detail)|\{[a-z_]+\}|%!`)
	check := func(t *testing.T, lang, what, tmpl string, p page, status int) {
		t.Helper()
		rendered[tmpl] = true
		if p.Status != status {
			t.Errorf("%s: status %d, want %d\n%s", what, p.Status, status, text(p.Body))
			return
		}
		if got := langOf(p.Body); got != lang {
			t.Errorf("%s: <html lang=%q>, want %q", what, got, lang)
		}
		if m := leftovers.FindString(text(p.Body)); m != "" {
			t.Errorf("%s: untranslated %q in:\n%s", what, m, text(p.Body))
		}
		if m := leftovers.FindString(attrs(p.Body)); m != "" {
			t.Errorf("%s: untranslated %q in an attribute", what, m)
		}
		if !strings.Contains(p.Body, "Silkgate") {
			t.Errorf("%s: no product name", what)
		}
	}
	for _, lang := range []string{"en", "zh-CN"} {
		t.Run(lang, func(t *testing.T) {
			anon := newBrowser(t, env)
			anon.lang = lang
			check(t, lang, "sign-in", "login", anon.get("/login"), 200)
			check(t, lang, "company sign-in", "sso_login", anon.get("/login/sso"), 200)
			check(t, lang, "sign-in failed", "login",
				anon.post("/login", url.Values{"email": {"nobody@example.com"}, "password": {"Wrong-Passw0rd-1"}}), 401)
			staff := env.User("", identity.SecurityAdmin)
			check(t, lang, "code step", "login",
				anon.post("/login", url.Values{"email": {staff.Email}, "password": {apptest.Password}}), 200)
			check(t, lang, "code missing", "login",
				anon.post("/login", url.Values{"email": {staff.Email}, "password": {apptest.Password}, "step": {"mfa"}}), 422)

			owner := newBrowser(t, env)
			owner.lang = lang
			owner.signIn(env.User(tenant, identity.TenantOwner))
			for path, tmpl := range map[string]string{
				"/dashboard": "dashboard", "/users": "users", "/roles": "roles", "/apikeys": "apikeys", "/products": "products", "/sandbox": "sandbox",
				"/apikeys/" + key.ID + "/revoke": "apikey_revoke", "/security": "security", "/security/mfa": "mfa",
				"/compliance": "module", "/compliance/checks": "checks", "/compliance/rules": "rules", "/compliance/hs?title=power+bank": "hs", "/compliance/lists": "lists", "/settlement": "module", "/logistics": "module", "/data": "module", "/support": "module",
				"/logistics/rates": "rates", "/settlement/vault": "vault", "/logistics/rates?from=CN&to=DE&to_pc=10115&weight_g=1200&l=300&w=200&h=150&currency=USD": "rates",
				"/logistics/warehouses": "warehouses", "/logistics/warehouses/stock?sku=X": "warehouses", "/logistics/warehouses/inbound": "warehouses",
				"/logistics/warehouses/outbound": "warehouses", "/logistics/warehouses/reconciliations": "warehouses", "/logistics/warehouses/alerts": "warehouses",
				"/users?notice=user_created": "users", "/apikeys?notice=key_revoked": "apikeys", "/settings/sso": "sso_settings",
			} {
				check(t, lang, "owner "+path, tmpl, owner.get(path), 200)
			}
			check(t, lang, "missing key", "error", owner.get("/apikeys/key_nothere/revoke"), 404)
			check(t, lang, "new key", "apikey_created", owner.post("/apikeys", url.Values{"name": {"Shop"}, "role": {"operator"}}), 201)
			check(t, lang, "refused form", "users", owner.post("/users", url.Values{"email": {"x"}, "role": {"auditor"}}), 422)
			for path, tmpl := range map[string]string{
				"/webhooks": "webhooks", "/partners": "partners", "/apikeys/" + key.ID + "/allowed-ips": "allowed_ips",
			} {
				check(t, lang, "owner "+path, tmpl, owner.get(path), 200)
			}
			check(t, lang, "refused webhook", "webhooks", owner.post("/webhooks", url.Values{"url": {"ftp://x"}}), 422)
			hook := owner.post("/webhooks", url.Values{"url": {"https://hooks.example.com/" + lang}, "events": {"order.created"}})
			check(t, lang, "new webhook", "webhook_created", hook, 201)
			hookPath := "/webhooks/" + find(t, hookLink, hook.Body)
			if p := owner.post(hookPath+"/test", nil); p.Status != http.StatusSeeOther {
				t.Errorf("test event: %d", p.Status)
			}
			check(t, lang, "webhook", "webhook", owner.get(hookPath+"?notice=webhook_test_sent"), 200)
			check(t, lang, "delete webhook", "webhook_delete", owner.get(hookPath+"/delete"), 200)
			check(t, lang, "refused ips", "allowed_ips",
				owner.post("/apikeys/"+key.ID+"/allowed-ips", url.Values{"allowed_ips": {"10.0.0.0/33"}}), 422)
			client := owner.post("/partners", url.Values{"name": {"Carrier " + lang}, "role": {"operator"}})
			check(t, lang, "new client", "client_created", client, 201)
			clientID := find(t, clientIDRe, client.Body)
			check(t, lang, "clients", "partners", owner.get("/partners?notice=client_revoked"), 200)
			check(t, lang, "client ips", "allowed_ips", owner.get("/partners/"+clientID+"/allowed-ips"), 200)
			check(t, lang, "revoke client", "client_revoke", owner.get("/partners/"+clientID+"/revoke"), 200)
			check(t, lang, "refused client", "partners", owner.post("/partners", url.Values{"role": {"operator"}, "allowed_ips": {"x"}}), 422)
			check(t, lang, "refused password", "security", owner.post("/security/password", url.Values{"new_password": {"a"}}), 422)
			walkOrderPages(t, env, lang, tenant, check)
			walkScreeningPages(t, env, lang, tenant, check)
			walkComplianceAlertPages(t, env, lang, tenant, check)
			walkReturnPages(t, env, lang, tenant, check)
			walkClaimPages(t, env, lang, tenant, check)
			walkShipmentPages(t, env, lang, tenant, check)
			walkFXPages(t, env, lang, tenant, check)
			walkInsurancePages(t, env, lang, tenant, check)
			walkPayoutPages(t, env, lang, tenant, check)
			walkBankCreditPages(t, env, lang, tenant, check)
			walkSpreadPages(t, env, lang, tenant, check)

			admin := newBrowser(t, env)
			admin.lang = lang
			admin.signIn(env.User("", identity.PlatformAdmin))
			check(t, lang, "admin dashboard", "dashboard", admin.get("/dashboard"), 200)
			check(t, lang, "tenants", "tenants", admin.get("/tenants"), 200)
			check(t, lang, "platform users", "users", admin.get("/users"), 200)
			check(t, lang, "tenant's users", "users", admin.get("/users?tenant="+tenant), 200)
			check(t, lang, "all roles", "roles", admin.get("/roles"), 200)
			check(t, lang, "new staff", "user_created", admin.post("/users", url.Values{
				"email": {fmt.Sprintf("officer-%s@operator.example", strings.ToLower(lang))}, "role": {"compliance_officer"},
				"password": {"Temp-Passw0rd-77"}, "locale": {lang}}), 201)

			auditor := newBrowser(t, env)
			auditor.lang = lang
			auditor.signIn(env.User("", identity.Auditor))
			check(t, lang, "audit", "audit", auditor.get("/audit"), 200)
			check(t, lang, "audit filtered", "audit", auditor.get("/audit?outcome=failure&from=2020-01-01&to=2099-01-01"), 200)
			check(t, lang, "audit refused", "audit", auditor.get("/audit?from=yesterday"), 422)
			check(t, lang, "verify", "audit_verify", auditor.get("/audit/verify"), 200)

			risk := newBrowser(t, env)
			risk.lang = lang
			risk.signIn(env.User("", identity.RiskOfficer))
			check(t, lang, "risk", "module", risk.get("/risk"), 200)
			check(t, lang, "security admin keys", "apikeys", signedIn(t, env, lang, identity.SecurityAdmin).get("/apikeys"), 200)
			d := env.App.Gateway.Detector()
			for range d.Policy().Threshold {
				d.Fail(d.SourceSubject("198.51.100.23"))
			}
			badSignatures(t, env, key.ID, d.Policy().Threshold)
			check(t, lang, "alerts", "alerts", signedIn(t, env, lang, identity.SecurityAdmin).get("/security/alerts"), 200)
		})
	}
	files, _ := filepath.Glob("templates/*.html")
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		if !strings.HasPrefix(name, "_") && !rendered[name] {
			t.Errorf("template %s is never rendered by this test", name)
		}
	}
}

func signedIn(t *testing.T, env *apptest.Env, lang string, role identity.Role) *browser {
	t.Helper()
	b := newBrowser(t, env)
	b.lang = lang
	b.signIn(env.User("", role))
	return b
}

var attrRe = regexp.MustCompile(`(?:title|alt|aria-label|placeholder|data-done)="([^"]*)"`)

// attrs is the text of the attributes people read or hear.
func attrs(html string) string {
	var out []string
	for _, m := range attrRe.FindAllStringSubmatch(html, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " ")
}

func TestGoldenStrings(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Golden Ltd")
	tests := []struct {
		lang  string
		wants []string
	}{
		{"en", []string{"Sign in to Silkgate", "Get your account ready", "Turn on two-step sign-in", "Invite your team",
			"Create an API key", "Your services", "Not available yet"}},
		{"zh-CN", []string{"使用工作邮箱登录 Silkgate", "完成账户设置", "开启两步登录", "邀请团队成员", "创建 API 密钥", "您的业务服务", "尚未开放"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			b := newBrowser(t, env)
			b.lang = tt.lang
			body := b.get("/login").Body
			b.signIn(env.User(tenant, identity.TenantOwner))
			body += b.get("/dashboard").Body
			mustContain(t, tt.lang, body, tt.wants...)
			if !slices.Contains([]string{"en", "zh-CN"}, langOf(body)) {
				t.Errorf("lang %q", langOf(body))
			}
		})
	}
	// Japanese and Spanish are partial: the navigation is translated, the
	// rest falls back to English rather than showing keys.
	b := newBrowser(t, env)
	b.lang = "ja"
	b.signIn(env.User(tenant, identity.Viewer))
	p := b.get("/dashboard")
	if langOf(p.Body) != "ja" || !strings.Contains(p.Body, "コンプライアンス") || strings.Contains(text(p.Body), "console.") {
		t.Errorf("ja: lang %q\n%s", langOf(p.Body), text(p.Body))
	}
	if p.Status != http.StatusOK {
		t.Errorf("ja: %d", p.Status)
	}
}
