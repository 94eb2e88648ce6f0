package console_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

// walkSpreadPages renders the platform administrator's spread pages: the
// list, the form, a refused and a saved form.
func walkSpreadPages(t *testing.T, env *apptest.Env, lang, tenant string, check func(t *testing.T, lang, what, tmpl string, p page, status int)) {
	t.Helper()
	b := newBrowser(t, env)
	b.lang = lang
	b.signIn(env.User("", identity.PlatformAdmin))
	check(t, lang, "spreads", "fx_spreads", b.get("/settings/fx-spreads"), 200)
	edit := "/settings/fx-spreads/" + tenant
	check(t, lang, "spread form", "fx_spread_edit", b.get(edit), 200)
	check(t, lang, "spreads refused", "fx_spread_edit", b.post(edit, url.Values{"default_bps": {"10000"}, "pairs": {"EUR/EUR 5"}}), 422)
	done := b.post(edit, url.Values{"default_bps": {"35"}, "pairs": {"EUR/USD 40\nusd/cny=25"}})
	if done.Status != 303 {
		t.Fatalf("save spreads: %d %s", done.Status, text(done.Body))
	}
	check(t, lang, "spreads saved", "fx_spread_edit", b.get(done.Location), 200)
	// Back to the platform's spread, so that other pages' quotes are
	// priced as before.
	if p := b.post(edit, url.Values{"default_bps": {""}, "pairs": {""}}); p.Status != 303 {
		t.Fatalf("reset spreads: %d", p.Status)
	}
}

// TestSpreadPages: the administrator's changes reach the FX service,
// refused forms name the field, and only platform administrators get in.
func TestSpreadPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Spread Pages")
	admin := newBrowser(t, env)
	admin.signIn(env.User("", identity.PlatformAdmin))
	edit := "/settings/fx-spreads/" + tenant
	for _, tc := range []struct {
		name           string
		def, pairs     string
		status         int
		fieldWithError string
	}{
		{"default out of range", "10000", "", 422, "default_bps"},
		{"default not a number", "abc", "", 422, "default_bps"},
		{"unreadable line", "", "EUR/USD", 422, "pairs"},
		{"same currency", "", "EUR/EUR 5", 422, "pairs"},
		{"pair out of range", "", "EUR/USD 10000", 422, "pairs"},
		{"saved", "35", "EUR/USD 40\nusd/cny=25", 303, ""},
	} {
		p := admin.post(edit, url.Values{"default_bps": {tc.def}, "pairs": {tc.pairs}})
		if p.Status != tc.status {
			t.Errorf("%s: %d", tc.name, p.Status)
			continue
		}
		if tc.fieldWithError != "" && fieldError(p.Body, tc.fieldWithError) == "" {
			t.Errorf("%s: no field error", tc.name)
		}
	}
	s, err := env.App.FX.Spreads(env.Ctx, tenant)
	if err != nil || s.Default == nil || *s.Default != 35 || s.Pairs["EUR/USD"] != 40 || s.Pairs["USD/CNY"] != 25 || len(s.Pairs) != 2 {
		t.Fatalf("spreads %+v %v", s, err)
	}
	list := admin.get("/settings/fx-spreads")
	if !strings.Contains(list.Body, "Spread Pages") || !strings.Contains(list.Body, "EUR/USD") {
		t.Errorf("list lacks the tenant's spreads")
	}
	form := admin.get(edit)
	if !strings.Contains(form.Body, "EUR/USD 40") || !strings.Contains(form.Body, `value="35"`) {
		t.Errorf("form lacks the saved spreads")
	}
	if p := admin.get("/settings/fx-spreads/ten_nothere"); p.Status != 404 {
		t.Errorf("unknown tenant: %d", p.Status)
	}
	owner := newBrowser(t, env)
	owner.signIn(env.User(tenant, identity.TenantOwner))
	for _, p := range []page{owner.get("/settings/fx-spreads"), owner.get(edit), owner.post(edit, url.Values{"default_bps": {"0"}})} {
		if p.Status != 403 {
			t.Errorf("tenant owner: %d", p.Status)
		}
	}
	if s, _ := env.App.FX.Spreads(env.Ctx, tenant); s.Default == nil || *s.Default != 35 {
		t.Errorf("tenant owner changed the spreads: %+v", s)
	}
}
