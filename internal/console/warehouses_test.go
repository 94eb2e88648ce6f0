package console_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// TestWarehousePages renders every warehouse tab with the sample
// warehouses, in both languages, as a viewer.
func TestWarehousePages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Warehouse Shop")
	ctx := db.WithScope(env.Ctx, db.Scope{TenantID: tenant})
	if ok, err := env.App.Warehouses.SeedSamples(ctx); err != nil || !ok {
		t.Fatalf("seed: %v %v", ok, err)
	}
	if ok, err := env.App.Warehouses.SeedSamples(ctx); err != nil || ok {
		t.Fatalf("seed twice: %v %v", ok, err)
	}
	leftovers := regexp.MustCompile(`console\.warehouses[a-z_.]*|\{[a-z_]+\}|%!`)
	for _, lang := range []string{"en", "zh-CN"} {
		b := newBrowser(t, env)
		b.lang = lang
		b.signIn(env.User(tenant, identity.Viewer))
		for path, want := range map[string]string{
			"/logistics/warehouses":                        "SAMPLE-DE-HAM",
			"/logistics/warehouses/stock":                  "DEMO-TOY-001",
			"/logistics/warehouses/stock?sku=DEMO-HOM-003": "210",
			"/logistics/warehouses/inbound":                "PO-SAMPLE-0042",
			"/logistics/warehouses/outbound":               "AMZ-SAMPLE-0001",
			"/logistics/warehouses/reconciliations":        "",
			"/logistics/warehouses/alerts":                 "DEMO-HOM-003",
		} {
			p := b.get(path)
			if p.Status != 200 {
				t.Fatalf("%s %s: %d", lang, path, p.Status)
			}
			if !strings.Contains(p.Body, want) {
				t.Errorf("%s %s: no %q", lang, path, want)
			}
			if m := leftovers.FindString(text(p.Body)); m != "" {
				t.Errorf("%s %s: untranslated %q", lang, path, m)
			}
		}
	}
	if p := newBrowser(t, env).get("/logistics/warehouses"); p.Status == 200 && strings.Contains(p.Body, "SAMPLE-DE-HAM") {
		t.Error("anonymous visitor sees warehouses")
	}
}
