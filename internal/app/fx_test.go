package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/settlement/fx"
)

const fxFixtures = "../settlement/fx/testdata/"

// TestImportFXCommand drives `import fx` end to end: a daily XML file,
// the same file again (nothing new), a CSV, and a broken file named by
// its line.
func TestImportFXCommand(t *testing.T) {
	c := cli{t: t, env: map[string]string{"SILKGATE_DATA": t.TempDir()}}

	v := c.runJSON("", "import", "fx", "--file", fxFixtures+"eurofxref-daily.xml", "--json")
	if v["source"] != "ecb" || v["format"] != "xml" || v["rates"] != 30.0 || v["written"] != 30.0 ||
		v["days"] != 1.0 || v["first_date"] != "2025-05-09" || len(v["sha256"].(string)) != 64 {
		t.Fatalf("import: %v", v)
	}
	out, _, err := c.run("", "import", "fx", "--file", fxFixtures+"eurofxref-daily.xml")
	if err != nil || !strings.Contains(out, "ecb xml: 30 rates for 30 currencies on 1 days") || !strings.Contains(out, "0 new or changed") {
		t.Fatalf("re-import: %q %v", out, err)
	}
	v = c.runJSON("", "import", "fx", "--file", fxFixtures+"eurofxref-hist-excerpt.csv", "--json")
	if v["format"] != "csv" || v["days"] != 42.0 || v["first_date"] != "1999-01-04" {
		t.Fatalf("import csv: %v", v)
	}

	broken := filepath.Join(t.TempDir(), "eurofxref.csv")
	os.WriteFile(broken, []byte("Date,USD,\n2024-01-02,1.1,\n2024-01-03,1,1x,\n"), 0o600)
	_, stderr, err := c.run("", "import", "fx", "--file", broken)
	if err == nil || !strings.Contains(err.Error()+stderr, "line 3") {
		t.Fatalf("broken file: %v %q", err, stderr)
	}
	if _, _, err := c.run("", "import", "fx"); err == nil {
		t.Fatal("no --file accepted")
	}
}

// TestFXAPI reads rates and takes a quote over HTTP, with the roles
// that may and may not.
func TestFXAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.FX.ImportFile(env.Ctx, fxFixtures+"eurofxref.csv"); err != nil {
			t.Fatal(err)
		}
		tenant := env.Tenant("FX Co")
		var tb fx.Table
		for _, role := range []identity.Role{identity.Viewer, identity.Finance} {
			if r := env.Call("GET", "/api/v1/fx/rates?base=USD", env.Key(tenant, role, false), nil, &tb); r.StatusCode != 200 {
				t.Fatalf("GET rates as %s: %d %s", role, r.StatusCode, apptest.Body(r))
			}
		}
		if tb.Base != "USD" || tb.AsOf != "2026-04-13" || tb.Rates["JPY"] != "159.833960972" || tb.Rates["EUR"] == "" {
			t.Fatalf("rates %+v", tb)
		}
		if r := env.Call("GET", "/api/v1/fx/rates?date=2020-01-01", env.Key(tenant, identity.Viewer, false), nil, nil); r.StatusCode != 404 {
			t.Fatalf("rates before any: %d %s", r.StatusCode, apptest.Body(r))
		}
		if r := env.Call("GET", "/api/v1/fx/rates?date=13.04.2026", env.Key(tenant, identity.Viewer, false), nil, nil); r.StatusCode != 422 {
			t.Fatalf("bad date: %d %s", r.StatusCode, apptest.Body(r))
		}

		req := map[string]string{"sell_currency": "EUR", "buy_currency": "JPY", "sell_amount": "100.00"}
		if r := env.Call("POST", "/api/v1/fx/quotes", env.Key(tenant, identity.Viewer, false), req, nil); r.StatusCode != 403 {
			t.Fatalf("quote as viewer: %d", r.StatusCode)
		}
		var q fx.Quote
		key := env.Key(tenant, identity.Finance, false)
		if r := env.Call("POST", "/api/v1/fx/quotes", key, req, &q); r.StatusCode != 201 {
			t.Fatalf("quote: %d %s", r.StatusCode, apptest.Body(r))
		}
		// 186.75 less 50 bps = 185.81625; 100 EUR buys 18582 JPY (no minor units).
		if q.Rate != "185.81625" || q.BuyAmount.Amount != "18582" || q.BuyAmount.Currency != "JPY" || q.SpreadBPS != 50 ||
			q.SellAmount.Amount != "100.00" || q.Reference.Date != "2026-04-13" {
			t.Fatalf("quote %+v", q)
		}
		var got fx.Quote
		if r := env.Call("GET", "/api/v1/fx/quotes/"+q.ID, key, nil, &got); r.StatusCode != 200 || got.Rate != q.Rate {
			t.Fatalf("get quote: %d %+v", r.StatusCode, got)
		}
		other := env.Tenant("Other FX Co")
		if r := env.Call("GET", "/api/v1/fx/quotes/"+q.ID, env.Key(other, identity.Finance, false), nil, nil); r.StatusCode != 404 {
			t.Fatalf("other tenant's quote: %d", r.StatusCode)
		}
		bad := map[string]string{"sell_currency": "EUR", "buy_currency": "JPY", "buy_amount": "10.5"}
		if r := env.Call("POST", "/api/v1/fx/quotes", key, bad, nil); r.StatusCode != 422 || !strings.Contains(apptest.Body(r), "buy_amount") {
			t.Fatalf("too precise: %d %s", r.StatusCode, apptest.Body(r))
		}
	})
}
