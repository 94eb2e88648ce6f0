package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

func TestRatesPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Rates.SeedSamples(env.Ctx); err != nil {
			t.Fatal(err)
		}
		tenant := env.Tenant("Shop")
		b := newBrowser(t, env)
		b.signIn(env.User(tenant, identity.Viewer))
		if p := b.get("/logistics/rates"); p.Status != 200 || !strings.Contains(p.Body, `name="weight_g"`) {
			t.Fatalf("form: %d", p.Status)
		}
		q := url.Values{"from": {"CN"}, "to": {"DE"}, "to_pc": {"10115"}, "weight_g": {"1200"}, "l": {"300"}, "w": {"200"},
			"h": {"150"}, "value": {"80.00"}, "currency": {"USD"}, "preference": {"cheapest"}}
		p := b.get("/logistics/rates?" + q.Encode())
		if p.Status != 200 || !strings.Contains(p.Body, "Express Worldwide (sample data)") || !strings.Contains(p.Body, "2000 g") {
			t.Errorf("offers: %d %s", p.Status, p.Body)
		}
		q.Set("weight_g", "0")
		if p := b.get("/logistics/rates?" + q.Encode()); p.Status != 422 {
			t.Errorf("bad weight: %d", p.Status)
		}
	})
}
