package console_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

func TestAnonymousVisitorsAreSentToSignIn(t *testing.T) {
	env := sqlite(t)
	b := newBrowser(t, env)
	tests := []struct {
		method, path, want string
	}{
		{"GET", "/", "/dashboard"},
		{"GET", "/dashboard", "/login?next=%2Fdashboard"},
		{"GET", "/users?tenant=x", "/login?next=%2Fusers%3Ftenant%3Dx"},
		{"GET", "/apikeys", "/login?next=%2Fapikeys"},
		{"GET", "/audit", "/login?next=%2Faudit"},
		{"GET", "/compliance", "/login?next=%2Fcompliance"},
		{"POST", "/apikeys", "/login?next=%2Fapikeys"},
		{"POST", "/logout", "/login?next=%2Flogout"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			var p page
			if tt.method == "GET" {
				p = b.get(tt.path)
			} else {
				p = b.post(tt.path, url.Values{"name": {"x"}})
			}
			if p.Status != http.StatusSeeOther || p.Location != tt.want {
				t.Errorf("status %d to %q, want 303 to %q", p.Status, p.Location, tt.want)
			}
		})
	}
	p := b.get("/login?next=%2Fapikeys")
	if p.Status != 200 || !strings.Contains(p.Body, `name="next" value="/apikeys"`) {
		t.Errorf("sign-in page does not carry next: %d", p.Status)
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

func TestSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Yiwu Bright Toys")
		owner := env.User(tenant, identity.TenantOwner)
		b := newBrowser(t, env)

		p := b.post("/login", url.Values{"email": {owner.Email}, "password": {"Wrong-Passw0rd-1"}})
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: status %d", p.Status)
		}
		mustContain(t, "wrong password", p.Body, "The e-mail, password or one-time code is not correct.",
			`value="`+owner.Email+`"`)
		mustNotContain(t, "wrong password", p.Body, "Wrong-Passw0rd-1")
		if b.cookie(identity.SessionCookie) != "" {
			t.Fatal("a failed sign-in set a session cookie")
		}

		p = b.post("/login", url.Values{"email": {owner.Email}, "password": {apptest.Password}, "next": {"/apikeys?x=1"}})
		if p.Status != http.StatusSeeOther || p.Location != "/apikeys?x=1" {
			t.Fatalf("sign-in: %d to %q", p.Status, p.Location)
		}
		var session *http.Cookie
		for _, c := range (&http.Response{Header: p.Header}).Cookies() {
			if c.Name == identity.SessionCookie {
				session = c
			}
		}
		switch {
		case session == nil:
			t.Fatal("no session cookie")
		case !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Secure:
			t.Errorf("session cookie over plain HTTP: %+v", session)
		}
		// The session works for the API too, and logout ends it on the
		// server: a copy of the cookie kept elsewhere is worthless.
		var me identity.Me
		if r := env.Call("GET", "/api/v1/me", session.Value, nil, &me); r.StatusCode != 200 || me.TenantID != tenant {
			t.Fatalf("session as bearer: %d %+v", r.StatusCode, me)
		}
		p = b.post("/logout", nil)
		if p.Status != http.StatusSeeOther || p.Location != "/login?notice=signed_out" {
			t.Fatalf("logout: %d to %q", p.Status, p.Location)
		}
		if r := env.Call("GET", "/api/v1/me", session.Value, nil, nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("session after logout: %d, want 401", r.StatusCode)
		}
		if b.cookie(identity.SessionCookie) != "" {
			t.Error("logout left the cookie")
		}
		mustContain(t, "signed out", b.get("/login?notice=signed_out").Body, "You are signed out.")

		// A redirect target elsewhere is ignored.
		for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
			p = b.post("/login", url.Values{"email": {owner.Email}, "password": {apptest.Password}, "next": {next}})
			if p.Location != "/dashboard" {
				t.Errorf("next %q: redirected to %q", next, p.Location)
			}
		}
	})
}

func TestSignInWithSecondFactor(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		auditor := env.User("", identity.Auditor)
		b := newBrowser(t, env)
		form := url.Values{"email": {auditor.Email}, "password": {apptest.Password}}
		p := b.post("/login", form)
		if p.Status != http.StatusOK {
			t.Fatalf("first step: %d", p.Status)
		}
		mustContain(t, "code step", p.Body, "Enter your code", `name="step" value="mfa"`, `name="code"`,
			`type="hidden" name="email" value="`+auditor.Email+`"`, `type="hidden" name="password" value="`+apptest.Password+`"`)
		if b.cookie(identity.SessionCookie) != "" {
			t.Fatal("session before the second factor")
		}
		if p.Location != "" || len(p.Header.Values("Set-Cookie")) > 0 {
			t.Errorf("the first step redirected or set cookies: %q %q", p.Location, p.Header.Values("Set-Cookie"))
		}

		form.Set("step", "mfa")
		form.Set("code", "000000")
		if code(t, auditor.TOTPSecret) == "000000" {
			form.Set("code", "111111")
		}
		p = b.post("/login", form)
		if p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code: %d", p.Status)
		}
		mustContain(t, "wrong code", p.Body, `name="step" value="mfa"`, "not correct")

		form.Set("code", code(t, auditor.TOTPSecret))
		p = b.post("/login", form)
		if p.Status != http.StatusSeeOther || p.Location != "/dashboard" {
			t.Fatalf("second step: %d to %q: %s", p.Status, p.Location, text(p.Body))
		}
		mustContain(t, "auditor dashboard", b.get("/dashboard").Body, "Platform staff", "Auditor")
	})
}

func TestLockoutIsExplained(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.User(env.Tenant("Locked Ltd"), identity.TenantOwner)
		b := newBrowser(t, env)
		for i := 0; i < identity.MaxFailures; i++ {
			if p := b.post("/login", url.Values{"email": {owner.Email}, "password": {"Wrong-Passw0rd-1"}}); p.Status != 401 {
				t.Fatalf("attempt %d: %d", i, p.Status)
			}
		}
		p := b.post("/login", url.Values{"email": {owner.Email}, "password": {apptest.Password}})
		if p.Status != http.StatusLocked {
			t.Fatalf("locked account with the right password: %d", p.Status)
		}
		mustContain(t, "locked (en)", p.Body, "Account locked", "Too many failed sign-ins", "15 minutes")
		b.lang = "zh-CN"
		p = b.post("/login", url.Values{"email": {owner.Email}, "password": {apptest.Password}})
		if p.Status != http.StatusLocked || langOf(p.Body) != "zh-CN" || !strings.Contains(p.Body, "锁定") {
			t.Errorf("locked (zh-CN): %d %q\n%s", p.Status, langOf(p.Body), text(p.Body))
		}
	})
}

func TestPagesFollowRoles(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Roles Ltd")
		type visit struct {
			path   string
			status int
		}
		tests := []struct {
			role        identity.Role
			tenant      string
			visits      []visit
			nav, notNav []string
		}{
			{identity.Viewer, tenant,
				[]visit{{"/dashboard", 200}, {"/users", 403}, {"/apikeys", 403}, {"/tenants", 403}, {"/audit", 403}, {"/compliance", 200}, {"/settlement", 403}, {"/security", 200}},
				[]string{`href="/compliance"`, `href="/security"`}, []string{`href="/users"`, `href="/apikeys"`, `href="/settlement"`, `href="/audit"`}},
			{identity.TenantAdmin, tenant,
				[]visit{{"/users", 200}, {"/roles", 200}, {"/apikeys", 200}, {"/settlement", 200}, {"/tenants", 403}, {"/risk", 403}},
				[]string{`href="/users"`, `href="/apikeys"`, `href="/roles"`}, []string{`href="/tenants"`, `href="/audit"`, `href="/risk"`}},
			{identity.Finance, tenant,
				[]visit{{"/settlement", 200}, {"/compliance", 403}, {"/users", 403}},
				[]string{`href="/settlement"`}, []string{`href="/compliance"`}},
			{identity.PlatformAdmin, "",
				[]visit{{"/tenants", 200}, {"/users", 200}, {"/audit", 403}, {"/audit/verify", 403}},
				[]string{`href="/tenants"`, `href="/users"`}, []string{`href="/audit"`}},
			{identity.Auditor, "",
				[]visit{{"/audit", 200}, {"/audit/verify", 200}, {"/tenants", 403}, {"/users", 403}},
				[]string{`href="/audit"`}, []string{`href="/tenants"`, `href="/users"`}},
			{identity.RiskOfficer, "",
				[]visit{{"/risk", 200}, {"/tenants", 200}, {"/audit", 403}},
				[]string{`href="/risk"`}, []string{`href="/audit"`}},
		}
		for _, tt := range tests {
			t.Run(string(tt.role), func(t *testing.T) {
				b := newBrowser(t, env)
				b.signIn(env.User(tt.tenant, tt.role))
				for _, v := range tt.visits {
					p := b.get(v.path)
					if p.Status != v.status {
						t.Errorf("GET %s: %d, want %d", v.path, p.Status, v.status)
					}
					if p.Status == http.StatusForbidden && !strings.Contains(p.Body, "Your role does not allow this") {
						t.Errorf("GET %s: 403 without the reason: %s", v.path, p.Body)
					}
				}
				dash := b.get("/dashboard").Body
				mustContain(t, "navigation", dash, tt.nav...)
				mustNotContain(t, "navigation", dash, tt.notNav...)
			})
		}
	})
}

func TestModulesSayWhatIsAvailable(t *testing.T) {
	env := sqlite(t)
	b := newBrowser(t, env)
	b.signIn(env.User(env.Tenant("Modules Ltd"), identity.TenantOwner))
	for _, tt := range []struct {
		path, title string
		want        []string
	}{
		{"/compliance", "Compliance", []string{">Available<", `href="/compliance/checks"`, `href="/compliance/screening"`}},
		{"/logistics", "Logistics", []string{"Partly available", `href="/logistics/rates"`, "still being built"}},
		{"/settlement", "Settlement", []string{"Partly available", `href="/settlement/vault"`, "/api/v1/ledger"}},
		{"/data", "Data &amp; analytics", []string{"Not available yet", "Nothing here is sample data"}},
		{"/support", "Customer service", []string{"Not available yet", "Nothing here is sample data"}},
	} {
		p := b.get(tt.path)
		if p.Status != 200 {
			t.Fatalf("%s: %d", tt.path, p.Status)
		}
		mustContain(t, tt.path, p.Body, append([]string{"<h1>" + tt.title + "</h1>", "6."}, tt.want...)...)
		mustContain(t, tt.path, p.Body, `aria-current="page">`+tt.title)
	}
}

func TestLanguageSwitch(t *testing.T) {
	env := sqlite(t)
	b := newBrowser(t, env)
	b.signIn(env.User(env.Tenant("Lang Ltd"), identity.TenantOwner))
	p := b.get("/dashboard")
	if langOf(p.Body) != "en" {
		t.Fatalf("default language %q", langOf(p.Body))
	}
	mustContain(t, "en", p.Body, ">Dashboard</a>", ">Compliance</a>", `href="/lang/zh-CN?next=%2Fdashboard"`)

	p = b.get("/lang/zh-CN?next=%2Fusers")
	if p.Status != http.StatusSeeOther || p.Location != "/users" || b.cookie("lang") != "zh-CN" {
		t.Fatalf("switch to zh-CN: %d to %q, cookie %q", p.Status, p.Location, b.cookie("lang"))
	}
	p = b.get("/users")
	if langOf(p.Body) != "zh-CN" {
		t.Fatalf("after switch: lang %q", langOf(p.Body))
	}
	mustContain(t, "zh-CN", p.Body, ">概览</a>", ">合规</a>", ">用户</a>", "退出登录", `aria-current="true">中文`)
	mustNotContain(t, "zh-CN", p.Body, ">Dashboard</a>")
	if cl := p.Header.Get("Content-Language"); cl != "zh-CN" {
		t.Errorf("Content-Language %q", cl)
	}

	// The chosen language beats the browser's preference; switching back
	// works from any page.
	b.lang = "zh-CN"
	b.get("/lang/en?next=%2Fdashboard")
	p = b.get("/dashboard")
	if langOf(p.Body) != "en" || !strings.Contains(p.Body, ">Dashboard</a>") {
		t.Errorf("switch back: lang %q", langOf(p.Body))
	}
	if p := b.get("/lang/xx?next=%2F"); p.Status != http.StatusNotFound {
		t.Errorf("unknown language: %d", p.Status)
	}
	if p := b.get("/lang/en?next=https%3A%2F%2Fevil.example"); p.Location != "/dashboard" {
		t.Errorf("foreign next: %q", p.Location)
	}

	// A person's own language is the default in a fresh browser.
	tenant := env.Tenant("Locale Ltd")
	u, err := env.App.Identity.CreateUser(env.Ctx, identity.NewUser{TenantID: tenant, Email: "chen.li@locale.example",
		Role: identity.TenantOwner, Password: apptest.Password, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	fresh := newBrowser(t, env)
	fresh.signIn(u)
	if p := fresh.get("/dashboard"); langOf(p.Body) != "zh-CN" {
		t.Errorf("user locale zh-CN: page in %q", langOf(p.Body))
	}
}

func TestFormsAreProtectedAgainstCrossSiteRequests(t *testing.T) {
	env := sqlite(t)
	b := newBrowser(t, env)
	owner := env.User(env.Tenant("CSRF Ltd"), identity.TenantOwner)
	b.signIn(owner)
	origin := env.Server.URL
	form := url.Values{"name": {"from a form"}, "role": {"viewer"}}

	// A browser posting a console form from the console itself.
	p := b.post("/apikeys", form, "Origin", origin, "Sec-Fetch-Site", "same-origin")
	if p.Status != http.StatusCreated {
		t.Fatalf("same-origin form: %d", p.Status)
	}
	for _, h := range [][]string{
		{"Sec-Fetch-Site", "cross-site"},
		{"Origin", "https://evil.example"},
		{"Sec-Fetch-Site", "same-site", "Origin", "https://sub.evil.example"},
	} {
		p := b.post("/apikeys", form, h...)
		if p.Status != http.StatusForbidden {
			t.Errorf("cross-origin post %v: %d, want 403", h, p.Status)
		}
		p = b.post("/login", url.Values{"email": {owner.Email}, "password": {apptest.Password}}, h...)
		if p.Status != http.StatusForbidden {
			t.Errorf("cross-origin sign-in %v: %d, want 403", h, p.Status)
		}
	}
	l, err := env.App.Identity.ListAPIKeys(env.Ctx, owner.TenantID, pageOf(10))
	if err != nil || len(l.Items) != 1 {
		t.Errorf("keys after the forged posts: %d (%v), want 1", len(l.Items), err)
	}
}

var keyPattern = regexp.MustCompile(`sk_(live|test)_[0-9a-z]{20,}`)

func TestAPIKeyIsShownOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Keys Ltd")
		b := newBrowser(t, env)
		b.signIn(env.User(tenant, identity.TenantAdmin))

		p := b.get("/apikeys")
		mustContain(t, "empty list", p.Body, "No API keys yet.", `<option value="operator"`)
		// An administrator cannot put a role above its own on a key.
		mustNotContain(t, "role choice", p.Body, `<option value="tenant_owner"`)

		p = b.post("/apikeys", url.Values{"name": {"Shopify store"}, "role": {"operator"}})
		if p.Status != http.StatusCreated {
			t.Fatalf("create: %d\n%s", p.Status, text(p.Body))
		}
		key := keyPattern.FindString(p.Body)
		secret := regexp.MustCompile(`whsk_[0-9a-z]+`).FindString(p.Body)
		if !strings.HasPrefix(key, "sk_live_") || secret == "" {
			t.Fatalf("result page lacks the key or secret:\n%s", text(p.Body))
		}
		mustContain(t, "result", p.Body, "shown only once", "Copy", "Shopify store")
		if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("result page Cache-Control %q", cc)
		}
		var me identity.Me
		if r := env.Call("GET", "/api/v1/me", key, nil, &me); r.StatusCode != 200 || me.Role != identity.Operator {
			t.Fatalf("the shown key does not work: %d %+v", r.StatusCode, me)
		}

		list := b.get("/apikeys").Body
		mustContain(t, "list", list, "Shopify store", key[:len("sk_live_")+6]+"…", "Live", "Operator")
		mustNotContain(t, "list", list, key, secret)
		if keyPattern.MatchString(list) {
			t.Error("the list shows a whole key")
		}

		sandbox := b.post("/apikeys", url.Values{"role": {"viewer"}, "sandbox": {"1"}})
		if k := keyPattern.FindString(sandbox.Body); !strings.HasPrefix(k, "sk_test_") {
			t.Errorf("sandbox key %q", k)
		}
		if p := b.post("/apikeys", url.Values{"role": {"tenant_owner"}}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.Body, "You cannot grant the role tenant_owner") {
			t.Errorf("key above the caller's role: %d\n%s", p.Status, text(p.Body))
		}

		// Revoking asks first, then refuses the key at once.
		id := regexp.MustCompile(`href="/apikeys/(key_[0-9a-z]+)/revoke"`).FindStringSubmatch(list)
		if id == nil {
			t.Fatal("no revoke link")
		}
		confirm := b.get("/apikeys/" + id[1] + "/revoke")
		mustContain(t, "confirmation", confirm.Body, "Revoke this API key?", "Shopify store", `action="/apikeys/`+id[1]+`/revoke"`)
		if p := b.post("/apikeys/"+id[1]+"/revoke", nil); p.Status != http.StatusSeeOther || p.Location != "/apikeys?notice=key_revoked" {
			t.Fatalf("revoke: %d to %q", p.Status, p.Location)
		}
		if r := env.Call("GET", "/api/v1/me", key, nil, nil); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("revoked key: %d", r.StatusCode)
		}
		mustContain(t, "after revoke", b.get("/apikeys?notice=key_revoked").Body, "was revoked", "Revoked")
	})
}

func TestUserManagement(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Team Ltd")
		b := newBrowser(t, env)
		admin := env.User(tenant, identity.TenantAdmin)
		b.signIn(admin)

		p := b.get("/users")
		mustContain(t, "users page", p.Body, admin.Email, "You", `<option value="operator"`, `<option value="viewer"`)
		// Only roles the administrator may grant are offered (finance moves
		// money, which an administrator cannot).
		mustNotContain(t, "users page", p.Body, `<option value="tenant_owner"`, `<option value="tenant_admin"`,
			`<option value="finance"`, `<option value="auditor"`)

		form := url.Values{"email": {"wei.zhang@team.example"}, "role": {"operator"}, "password": {"Temp-Passw0rd-77"}, "locale": {"zh-CN"}}
		p = b.post("/users", form)
		if p.Status != http.StatusSeeOther || p.Location != "/users?notice=user_created" {
			t.Fatalf("create: %d to %q\n%s", p.Status, p.Location, text(p.Body))
		}
		p = b.get(p.Location)
		mustContain(t, "after create", p.Body, "The account was created.", "wei.zhang@team.example")

		// The same e-mail again: the form comes back with what was typed.
		p = b.post("/users", form)
		if p.Status != http.StatusConflict {
			t.Fatalf("duplicate: %d", p.Status)
		}
		mustContain(t, "duplicate", p.Body, "Already exists", `value="wei.zhang@team.example"`)
		p = b.post("/users", url.Values{"email": {"not-an-address"}, "role": {"operator"}, "password": {"short"}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid: %d", p.Status)
		}
		mustContain(t, "invalid", p.Body, "Not a valid e-mail address.", "Use at least 10 characters.", "Please correct the following")

		users, err := env.App.Identity.ListUsers(env.Ctx, tenant, pageOf(10))
		if err != nil {
			t.Fatal(err)
		}
		var wei identity.User
		for _, u := range users.Items {
			if u.Email == "wei.zhang@team.example" {
				wei = u
			}
		}
		if wei.ID == "" || wei.Locale != "zh-CN" {
			t.Fatalf("created user: %+v", wei)
		}
		if p := b.post("/users/"+wei.ID, url.Values{"action": {"role"}, "role": {"viewer"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("change role: %d\n%s", p.Status, text(p.Body))
		}
		if p := b.post("/users/"+wei.ID, url.Values{"action": {"disable"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("disable: %d", p.Status)
		}
		got, err := env.App.Identity.GetUser(env.Ctx, wei.ID)
		if err != nil || got.Role != identity.Viewer || got.Status != "disabled" {
			t.Errorf("after changes: %+v %v", got, err)
		}
		mustContain(t, "list", b.get("/users").Body, "Disabled", "Enable")
		if p := b.post("/users/"+admin.ID, url.Values{"action": {"disable"}}); p.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.Body, "You cannot change your own role or status") {
			t.Errorf("disable self: %d\n%s", p.Status, text(p.Body))
		}

		// Roles are shown as a matrix of the tenant's roles only.
		roles := b.get("/roles").Body
		mustContain(t, "roles", roles, "Owner", "Administrator", "Operator", "Viewer", "Finance", "Create and revoke API keys")
		mustNotContain(t, "roles", roles, "Platform administrator", "Auditor")
	})
}

func TestPagesNeverShowAnotherTenant(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		a, bt := env.Tenant("Tenant A"), env.Tenant("Tenant B")
		ownerB := env.User(bt, identity.TenantOwner)
		keyB, err := env.App.Identity.CreateAPIKey(env.Ctx, identity.NewAPIKey{TenantID: bt, Role: identity.Viewer, Name: "B's secret key"})
		if err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, env)
		b.signIn(env.User(a, identity.TenantOwner))
		for _, path := range []string{"/dashboard", "/users", "/users?tenant=" + bt, "/apikeys", "/apikeys?tenant=" + bt, "/roles"} {
			p := b.get(path)
			mustNotContain(t, path, p.Body, ownerB.Email, keyB.Prefix, "B's secret key", "Tenant B")
		}
		if p := b.get("/apikeys/" + keyB.ID + "/revoke"); p.Status != http.StatusNotFound {
			t.Errorf("B's key confirmation: %d", p.Status)
		}
		if p := b.post("/apikeys/"+keyB.ID+"/revoke", nil); p.Status != http.StatusNotFound {
			t.Errorf("revoke B's key: %d", p.Status)
		}
		if p := b.post("/users/"+ownerB.ID, url.Values{"action": {"disable"}}); p.Status != http.StatusNotFound {
			t.Errorf("disable B's owner: %d", p.Status)
		}
		if p := b.post("/users", url.Values{"tenant": {bt}, "email": {"intruder@a.example"}, "role": {"viewer"}, "password": {"Temp-Passw0rd-77"}}); p.Status != http.StatusSeeOther {
			t.Errorf("create user: %d", p.Status)
		}
		if u, err := env.App.Identity.ListUsers(env.Ctx, bt, pageOf(10)); err != nil || len(u.Items) != 1 {
			t.Errorf("B's users: %d %v", len(u.Items), err)
		}
		if k, _ := env.App.Identity.GetAPIKey(env.Ctx, keyB.ID); k.RevokedAt != nil {
			t.Error("A revoked B's key")
		}
	})
}

func TestSecurityPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.User(env.Tenant("Secure Ltd"), identity.TenantOwner)
		b := newBrowser(t, env)
		b.signIn(owner)
		other := newBrowser(t, env)
		other.signIn(owner)

		p := b.get("/security")
		mustContain(t, "security", p.Body, "Two-step sign-in", "Change password", "This session", "Set up two-step sign-in")

		if p := b.post("/security/password", url.Values{"current_password": {apptest.Password},
			"new_password": {"New-Passw0rd-2027"}, "confirm_password": {"New-Passw0rd-2028"}}); p.Status != 422 ||
			!strings.Contains(p.Body, "The two passwords differ.") {
			t.Errorf("mismatch: %d\n%s", p.Status, text(p.Body))
		}
		if p := b.post("/security/password", url.Values{"current_password": {"Wrong-Passw0rd-1"},
			"new_password": {"New-Passw0rd-2027"}, "confirm_password": {"New-Passw0rd-2027"}}); p.Status != 422 ||
			!strings.Contains(text(p.Body), "Current password: Not correct.") {
			t.Errorf("wrong current: %d\n%s", p.Status, text(p.Body))
		}
		p = b.post("/security/password", url.Values{"current_password": {apptest.Password},
			"new_password": {"New-Passw0rd-2027"}, "confirm_password": {"New-Passw0rd-2027"}})
		if p.Status != http.StatusSeeOther || p.Location != "/security?notice=password_changed" {
			t.Fatalf("change: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		// The other browser's session ended; this one goes on.
		if p := other.get("/dashboard"); p.Status == http.StatusOK {
			t.Error("other session survived the password change")
		}
		if p := b.get("/dashboard"); p.Status != http.StatusOK {
			t.Errorf("own session after the change: %d", p.Status)
		}

		// Second factor: a QR code drawn here, then a code confirms it.
		p = b.get("/security/mfa")
		secret := regexp.MustCompile(`name="secret" value="([A-Z2-7]+)"`).FindStringSubmatch(p.Body)
		if secret == nil || !strings.Contains(p.Body, `src="data:image/png;base64,`) {
			t.Fatalf("enrolment page:\n%s", text(p.Body))
		}
		if p := b.post("/security/mfa", url.Values{"secret": {secret[1]}, "code": {"12345"}}); p.Status != 422 ||
			!strings.Contains(p.Body, secret[1]) || !strings.Contains(p.Body, "data:image/png") {
			t.Errorf("wrong code keeps the enrolment: %d", p.Status)
		}
		if p := b.post("/security/mfa", url.Values{"secret": {secret[1]}, "code": {code(t, secret[1])}}); p.Status != http.StatusSeeOther {
			t.Fatalf("confirm: %d\n%s", p.Status, text(p.Body))
		}
		mustContain(t, "enabled", b.get("/security?notice=mfa_enabled").Body, "Two-step sign-in is on.", "Move to a new authenticator app")

		// Sessions can be ended one by one; ending this one signs out.
		sid := regexp.MustCompile(`action="/security/sessions/(ses_[0-9a-z]+)/revoke"`).FindStringSubmatch(b.get("/security").Body)
		if sid == nil {
			t.Fatal("no session to end")
		}
		p = b.post("/security/sessions/"+sid[1]+"/revoke", nil)
		if p.Status != http.StatusSeeOther || p.Location != "/login?notice=signed_out" {
			t.Errorf("end own session: %d to %q", p.Status, p.Location)
		}
	})
}

func TestTenantsPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.Tenant("Existing Trading Co")
		admin := newBrowser(t, env)
		admin.signIn(env.User("", identity.PlatformAdmin))
		p := admin.get("/tenants")
		mustContain(t, "tenants", p.Body, "Existing Trading Co", "Add a tenant", `<option value="enterprise"`)
		p = admin.post("/tenants", url.Values{"name": {"Hamburg Importers GmbH"}, "region": {"eu"}, "plan": {"enterprise"}})
		if p.Status != http.StatusSeeOther || p.Location != "/tenants?notice=tenant_created" {
			t.Fatalf("create: %d %q\n%s", p.Status, p.Location, text(p.Body))
		}
		mustContain(t, "after create", admin.get("/tenants").Body, "Hamburg Importers GmbH", "European Union", "Enterprise")
		if p := admin.post("/tenants", url.Values{"name": {""}, "region": {"mars"}}); p.Status != 422 ||
			!strings.Contains(p.Body, "This field is required.") || !strings.Contains(p.Body, "Must be one of") {
			t.Errorf("invalid tenant: %d\n%s", p.Status, text(p.Body))
		}

		// The platform administrator may create a tenant's first owner.
		p = admin.get("/users")
		mustContain(t, "platform users", p.Body, "Platform accounts", "Existing Trading Co", `<option value="auditor"`)

		officer := newBrowser(t, env)
		officer.signIn(env.User("", identity.ComplianceOfficer))
		p = officer.get("/tenants")
		mustContain(t, "read-only tenants", p.Body, "Hamburg Importers GmbH")
		mustNotContain(t, "read-only tenants", p.Body, "Add a tenant")
		if p := officer.post("/tenants", url.Values{"name": {"Sneaky"}}); p.Status != http.StatusForbidden {
			t.Errorf("create without tenants.manage: %d", p.Status)
		}
	})
}

func TestAuditPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.User(env.Tenant("Audited Ltd"), identity.TenantOwner)
		bad := newBrowser(t, env)
		bad.post("/login", url.Values{"email": {owner.Email}, "password": {"Wrong-Passw0rd-1"}})
		newBrowser(t, env).signIn(owner)

		b := newBrowser(t, env)
		b.signIn(env.User("", identity.Auditor))
		p := b.get("/audit")
		mustContain(t, "audit", p.Body, "auth.login", "user.create", owner.Email, "Failure", "Success", "Verify the trail")

		p = b.get("/audit?action=auth.login&outcome=failure")
		mustContain(t, "filtered", p.Body, "auth.login", "bad_password")
		mustNotContain(t, "filtered", p.Body, "<code>user.create</code>")

		p = b.get("/audit?limit=1")
		next := regexp.MustCompile(`href="(/audit\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(p.Body)
		if next == nil {
			t.Fatalf("no next page link:\n%s", text(p.Body))
		}
		p2 := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		if p2.Status != 200 || !strings.Contains(p2.Body, "First page") {
			t.Errorf("second page: %d", p2.Status)
		}

		if p := b.get("/audit?from=2026-13-01"); p.Status != 422 || !strings.Contains(p.Body, "Invalid format") {
			t.Errorf("bad date: %d", p.Status)
		}
		if p := b.get("/audit?from=2026-05-02&to=2026-05-01"); p.Status != 422 || !strings.Contains(p.Body, "Must not be before the start date.") {
			t.Errorf("dates reversed: %d", p.Status)
		}
		if p := b.get("/audit?from=2000-01-01&to=2000-01-02"); p.Status != 200 || !strings.Contains(p.Body, "No records match.") {
			t.Errorf("empty range: %d", p.Status)
		}

		v := b.get("/audit/verify")
		if v.Status != 200 {
			t.Fatalf("verify: %d", v.Status)
		}
		mustContain(t, "verify", v.Body, "Intact", "Records")
	})
}

func TestSessionCookieIsSecureOverTLS(t *testing.T) {
	env := sqlite(t)
	owner := env.User(env.Tenant("TLS Ltd"), identity.TenantOwner)
	srv := httptest.NewTLSServer(env.App.Handler)
	defer srv.Close()
	c := srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.PostForm(srv.URL+"/login", url.Values{"email": {owner.Email}, "password": {apptest.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == identity.SessionCookie {
			found = true
			if !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Errorf("session cookie over TLS: %+v", ck)
			}
		}
	}
	if !found || resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign-in over TLS: %d, cookie %v", resp.StatusCode, found)
	}
}

func TestAssetsCarryTheirChecksum(t *testing.T) {
	env := sqlite(t)
	b := newBrowser(t, env)
	body := b.get("/login").Body
	for _, re := range []string{`href="(/static/app\.[0-9a-f]{12}\.css)"`, `src="(/static/app\.[0-9a-f]{12}\.js)"`, `href="(/static/mark\.[0-9a-f]{12}\.svg)"`} {
		m := regexp.MustCompile(re).FindStringSubmatch(body)
		if m == nil {
			t.Errorf("no asset matching %s", re)
			continue
		}
		p := b.get(m[1])
		if p.Status != 200 || !strings.Contains(p.Header.Get("Cache-Control"), "immutable") || p.Header.Get("Content-Type") == "" {
			t.Errorf("%s: %d %q %q", m[1], p.Status, p.Header.Get("Cache-Control"), p.Header.Get("Content-Type"))
		}
	}
	if p := b.get("/static/app.000000000000.css"); p.Status != http.StatusNotFound {
		t.Errorf("stale asset name: %d", p.Status)
	}
}
