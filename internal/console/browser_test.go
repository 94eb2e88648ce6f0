package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

// Browser tests drive a real Chromium against the real app on a loopback
// test server. They find the browser in SILKGATE_CHROMIUM or as
// "chromium" on PATH, and skip without one — unless
// SILKGATE_REQUIRE_BROWSER=1 (CI), where a missing browser fails. Set
// SILKGATE_SCREENSHOT_DIR to keep the phone screenshot after the test.

func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SILKGATE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("SILKGATE_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found (set SILKGATE_CHROMIUM) but SILKGATE_REQUIRE_BROWSER=1")
	}
	t.Skip("no Chromium found; set SILKGATE_CHROMIUM to run the browser tests")
	return ""
}

// browserLimit bounds one browser test. It is a ceiling against a hung
// browser, not a performance target: a loaded two-core machine can take
// tens of seconds to start Chromium and render.
const browserLimit = 90 * time.Second

// tab starts a headless Chromium with a fresh profile and returns a tab
// context that ends within limit.
func tab(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	path := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(acancel)
	tctx, tcancel := chromedp.NewContext(actx)
	t.Cleanup(tcancel)
	return tctx
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// browserSignIn fills the sign-in form and, for accounts with a second
// factor, the code step; it waits for the dashboard.
func browserSignIn(t *testing.T, ctx context.Context, env *apptest.Env, u identity.CreatedUser) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), u.Email),
		chromedp.SendKeys(chromedp.ID("password"), apptest.Password),
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
	), "sign-in form")
	if u.TOTPSecret != "" {
		must(t, chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.ID("code")),
			chromedp.SendKeys(chromedp.ID("code"), code(t, u.TOTPSecret)),
			chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		), "code step")
	}
	// Ready, not visible: on a phone the navigation is folded away.
	must(t, chromedp.Do(ctx, chromedp.WaitReady(chromedp.CSS(`a[aria-current="page"][href="/dashboard"]`))), "dashboard")
}

func TestBrowserSignInAndLanguage(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(env.Tenant("Yiwu Bright Toys"), identity.TenantOwner))

	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	must(t, err, "heading")
	if h1 != "Welcome to Silkgate" {
		t.Errorf("dashboard heading %q", h1)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.nav-foot a[hreflang="zh-CN"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"]`)),
	), "switch to Chinese")
	nav, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("nav")))
	must(t, err, "navigation")
	for _, want := range []string{"概览", "合规", "结算", "物流", "用户", "API 密钥", "退出登录"} {
		if !strings.Contains(nav, want) {
			t.Errorf("Chinese navigation lacks %q: %q", want, nav)
		}
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.nav-foot a[hreflang="en"]`)),
		chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)),
	), "switch back")
	nav, err = chromedp.Run(ctx, chromedp.Text(chromedp.ID("nav")))
	must(t, err, "navigation")
	if !strings.Contains(nav, "Compliance") || strings.Contains(nav, "合规") {
		t.Errorf("English navigation: %q", nav)
	}
}

func TestBrowserCreateAPIKey(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(env.Tenant("Keys Trading"), identity.TenantAdmin))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/apikeys"),
		chromedp.WaitVisible(chromedp.ID("key-name")),
		chromedp.SendKeys(chromedp.ID("key-name"), "Shopify store"),
		chromedp.SetValue(chromedp.ID("key-role"), "operator"),
		chromedp.Click(chromedp.CSS(`form[action="/apikeys"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("api-key")),
	), "create a key")
	key, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("api-key")))
	must(t, err, "read the key")
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, "sk_live_") {
		t.Fatalf("shown key %q", key)
	}
	// The copy button appears only with the script, which the page has.
	if hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-copy="api-key"]').hidden`)); err != nil || hidden {
		t.Errorf("copy button hidden=%v (%v)", hidden, err)
	}
	var me identity.Me
	if r := env.Call("GET", "/api/v1/me", key, nil, &me); r.StatusCode != 200 || me.Role != identity.Operator {
		t.Errorf("the key from the page: %d %+v", r.StatusCode, me)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/apikeys"), chromedp.WaitVisible(chromedp.ID("keys"))), "list")
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	must(t, err, "list html")
	if strings.Contains(html, key) || !strings.Contains(html, key[:14]) {
		t.Error("the list shows the whole key, or not its prefix")
	}
}

func TestBrowserPhone(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulatePortrait, chromedp.EmulateScale(2))), "phone")
	tenant := env.Tenant("Yiwu Bright Toys Co., Ltd.")
	env.Key(tenant, identity.Operator, false)
	browserSignIn(t, ctx, env, env.User(tenant, identity.TenantOwner))

	for _, path := range []string{"/dashboard", "/users", "/apikeys", "/roles", "/security", "/compliance"} {
		must(t, chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+path), chromedp.WaitVisible(chromedp.CSS("main h1"))), path)
		width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		must(t, err, "width")
		if width > 375 {
			t.Errorf("%s is %d px wide on a 375 px phone", path, width)
		}
	}

	// The navigation is folded behind the menu button and opens on a tap.
	must(t, chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/dashboard"), chromedp.WaitVisible(chromedp.CSS("main h1"))), "dashboard")
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err, "screenshot")
	keep(t, "phone-dashboard.png", shot)
	if visible(t, ctx, "#nav") {
		t.Error("navigation open before the menu is tapped")
	}
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS("[data-menu]")), chromedp.WaitVisible(chromedp.CSS(`#nav a[href="/security"]`))), "open menu")
	expanded, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-menu]').getAttribute('aria-expanded')`))
	if err != nil || expanded != "true" {
		t.Errorf("aria-expanded %q (%v)", expanded, err)
	}
	shot, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err, "screenshot")
	keep(t, "phone-menu.png", shot)
	must(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#nav a[href="/security"]`)),
		chromedp.WaitReady(chromedp.CSS(`a[aria-current="page"][href="/security"]`))), "follow a menu link")
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/security") {
		t.Errorf("menu link led to %q", loc)
	}
}

func TestBrowserPlatformSignInWithTOTP(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	admin := env.User("", identity.PlatformAdmin)
	if admin.TOTPSecret == "" {
		t.Fatal("platform user without a TOTP secret")
	}
	browserSignIn(t, ctx, env, admin)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".whoami")))
	must(t, err, "who am I")
	if !strings.Contains(text, "Platform staff") || !strings.Contains(text, "Platform administrator") {
		t.Errorf("who am I: %q", text)
	}
	// The password never travelled in the address bar.
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "password") || strings.Contains(loc, apptest.Password) {
		t.Errorf("location %q", loc)
	}
}

func visible(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){var e=document.querySelector(`+"`"+sel+"`"+`);return !!e && getComputedStyle(e).display!=="none";})()`))
	must(t, err, "visibility of "+sel)
	return v
}

// keep writes a screenshot into the test's temporary folder, and into
// SILKGATE_SCREENSHOT_DIR when set, so a person can look at it.
func keep(t *testing.T, name string, png []byte) {
	t.Helper()
	dirs := []string{t.TempDir()}
	if d := os.Getenv("SILKGATE_SCREENSHOT_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if err := os.WriteFile(p, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
}
