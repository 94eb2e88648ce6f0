package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/silkgate/silkgate/internal/identity"
)

// Browser tests of the order, product-edit and OIDC-client pages; like
// the others they skip without Chromium.

func TestBrowserCreateOrder(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(env.Tenant("Phone Orders Co."), identity.Operator))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/orders/new"),
		chromedp.WaitVisible(chromedp.ID("external_id")),
		chromedp.SendKeys(chromedp.ID("external_id"), "WX-20261129-01"),
		chromedp.SetValue(chromedp.ID("currency"), "SGD"),
		chromedp.SendKeys(chromedp.CSS(`[id="buyer.name"]`), "Tan Wei Ling"),
		chromedp.SendKeys(chromedp.CSS(`[id="buyer.phone"]`), "+65 6123 4567"),
		chromedp.SendKeys(chromedp.CSS(`[id="ship_to.line1"]`), "1 Raffles Place"),
		chromedp.SendKeys(chromedp.CSS(`[id="ship_to.city"]`), "Singapore"),
		chromedp.SendKeys(chromedp.CSS(`[id="ship_to.postcode"]`), "048616"),
		chromedp.SendKeys(chromedp.CSS(`[id="ship_to.country"]`), "SG"),
		chromedp.SendKeys(chromedp.ID("line-sku-0"), "TOY-001"),
		chromedp.SendKeys(chromedp.ID("line-qty-0"), "2"),
		chromedp.SendKeys(chromedp.ID("line-price-0"), "19.9"),
		chromedp.Click(chromedp.CSS(`form[action="/orders"] .form-actions button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.alert-ok`)),
	), "fill and send the order form")
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("main")))
	must(t, err, "order page")
	for _, want := range []string{"WX-20261129-01", "SGD 39.80", "Tan Wei Ling"} {
		if !strings.Contains(page, want) {
			t.Errorf("order page lacks %q: %q", want, page)
		}
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/orders"), chromedp.WaitVisible(chromedp.ID("list"))), "list")
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("main")))
	must(t, err, "list text")
	if !strings.Contains(list, "WX-20261129-01") {
		t.Errorf("the list lacks the new order: %q", list)
	}
	// On a phone the list stacks into cards and fits the screen.
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulatePortrait),
		chromedp.Navigate(env.Server.URL+"/orders"), chromedp.WaitVisible(chromedp.CSS("main h1"))), "phone list")
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	must(t, err, "width")
	if width > 375 {
		t.Errorf("/orders is %d px wide on a 375 px phone", width)
	}
}

func TestBrowserProductConflict(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Conflict Trading")
	key := env.Key(tenant, identity.Operator, false)
	var p struct{ ID string }
	if r := env.Call("POST", "/api/v1/products", key, map[string]any{"sku": "FAN-1", "title": map[string]any{"zh-CN": "手持风扇"}}, &p); r.StatusCode != 201 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(tenant, identity.Operator))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/products/"+p.ID+"/edit"),
		chromedp.WaitVisible(chromedp.ID("category")),
		chromedp.SendKeys(chromedp.ID("category"), "summer"),
	), "edit form")
	// A colleague saves first.
	if r := env.Call("PUT", "/api/v1/products/"+p.ID, key, map[string]any{"sku": "FAN-1", "version": 1,
		"title": map[string]any{"zh-CN": "手持风扇", "en": "Handheld fan"}}, nil); r.StatusCode != 200 {
		t.Fatalf("colleague's save: %d", r.StatusCode)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action$="/edit"] .form-actions button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("conflict")),
	), "save late")
	head, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("conflict")))
	must(t, err, "conflict")
	if !strings.Contains(head, "Someone else saved") {
		t.Errorf("conflict heading %q", head)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('category').value`))
	must(t, err, "kept input")
	if kept != "summer" {
		t.Errorf("the typed category was lost: %q", kept)
	}
}

func TestBrowserRegisterOIDCClient(t *testing.T) {
	env := sqlite(t)
	ctx := tab(t, browserLimit)
	browserSignIn(t, ctx, env, env.User(env.Tenant("Apps Trading"), identity.TenantAdmin))
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(env.Server.URL+"/settings/oidc-clients"),
		chromedp.WaitVisible(chromedp.ID("client-name")),
		chromedp.SendKeys(chromedp.ID("client-name"), "Warehouse app"),
		chromedp.SendKeys(chromedp.ID("redirect-uris"), "https://wms.example.com/callback"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/oidc-clients"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("client-secret")),
	), "register")
	secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("client-secret")))
	must(t, err, "secret")
	secret = strings.TrimSpace(secret)
	if !strings.HasPrefix(secret, "sgc_") {
		t.Fatalf("secret %q", secret)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(env.Server.URL+"/settings/oidc-clients"), chromedp.WaitVisible(chromedp.ID("clients"))), "list")
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	must(t, err, "list html")
	if strings.Contains(html, secret) || !strings.Contains(html, "Warehouse app") {
		t.Error("the list shows the secret, or not the application")
	}
}
