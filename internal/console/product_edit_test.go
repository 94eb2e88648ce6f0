package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

// editForm is the edit form as a browser would send it after changing
// nothing but what the test sets.
func editForm(version string) url.Values {
	return url.Values{
		"version": {version}, "sku": {"PB-74"}, "category": {"electronics"}, "hs_code": {"8507.60"}, "origin_country": {"cn"},
		"title_lang": {"zh-CN", "en", ""}, "title_text": {"充电宝 20000mAh", "Power bank 20000 mAh", ""},
		"materials": {"ABS plastic\nlithium-ion cells"},
		"attr_name": {"capacity_mah", "colour", "wireless", ""}, "attr_value": {"20000", "black", "true", ""},
		"unit_value.amount": {"18.5"}, "unit_value.currency": {"usd"}, "weight_g": {"420"},
		"dims_mm[0]": {"150"}, "dims_mm[1]": {"72"}, "dims_mm[2]": {"28"},
		"battery.chemistry": {"li-ion"}, "battery.wh": {"74"}, "battery.packing": {"contained_in_equipment"},
		"certifications": {"CE, FCC"}, "labels": {"CE"}, "markets": {"eu, us"},
	}
}

func TestProductEdit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Edit Trading")
		key := env.Key(tenant, identity.Operator, false)
		var created struct {
			ID      string
			Version int64
		}
		if r := env.Call("POST", "/api/v1/products", key, map[string]any{"sku": "PB-74", "title": map[string]any{"zh-CN": "充电宝"}}, &created); r.StatusCode != 201 {
			t.Fatalf("create: %d %s", r.StatusCode, apptest.Body(r))
		}
		path := "/products/" + created.ID + "/edit"
		op := newBrowser(t, env)
		op.signIn(env.User(tenant, identity.Operator))

		form := op.get(path)
		if form.Status != 200 {
			t.Fatalf("edit form: %d", form.Status)
		}
		mustContain(t, "edit form", form.Body, `name="version" value="1"`, `value="充电宝"`, `name="attr_name"`, `name="battery.wh"`)

		// A save with faults: each message next to its field, the input kept.
		bad := editForm("1")
		bad.Set("hs_code", "12")
		bad.Set("weight_g", "heavy")
		bad.Set("battery.wh", "")
		p := op.post(path, bad)
		if p.Status != 422 {
			t.Fatalf("refused save: %d\n%s", p.Status, text(p.Body))
		}
		for _, f := range []string{"hs_code", "weight_g", "battery.wh"} {
			if fieldError(p.Body, f) == "" {
				t.Errorf("no message next to %s", f)
			}
		}
		mustContain(t, "refused save keeps input", p.Body, `value="heavy"`, `value="Power bank 20000 mAh"`)

		// Every field saved.
		p = op.post(path, editForm("1"))
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d\n%s", p.Status, text(p.Body))
		}
		var got struct {
			Version    int64
			HSCode     string `json:"hs_code"`
			Title      map[string]string
			Attributes map[string]any
			Battery    struct {
				Chemistry string
				Wh        float64
			}
			DimsMM         []int64 `json:"dims_mm"`
			Markets        []string
			Certifications []string
			UnitValue      struct{ Amount, Currency string } `json:"unit_value"`
		}
		env.Call("GET", "/api/v1/products/"+created.ID, key, nil, &got)
		if got.Version != 2 || got.HSCode != "850760" || got.Title["en"] != "Power bank 20000 mAh" || got.Attributes["wireless"] != true ||
			got.Attributes["capacity_mah"] != float64(20000) || got.Battery.Wh != 74 || len(got.DimsMM) != 3 ||
			strings.Join(got.Markets, ",") != "EU,US" || strings.Join(got.Certifications, ",") != "CE,FCC" ||
			got.UnitValue.Amount != "18.50" || got.UnitValue.Currency != "USD" {
			t.Errorf("saved product: %+v", got)
		}
		mustContain(t, "after save", op.get(p.Location).Body, "Product saved.")

		// Someone else saves in between: the late save is refused, the
		// person's input stays, and what changed is shown.
		theirs := editForm("2")
		theirs.Set("weight_g", "450")
		if r := env.Call("PUT", "/api/v1/products/"+created.ID, key, map[string]any{"sku": "PB-74", "version": 2,
			"title": map[string]any{"zh-CN": "充电宝", "en": "Power bank"}, "weight_g": 450}, nil); r.StatusCode != 200 {
			t.Fatalf("their save: %d %s", r.StatusCode, apptest.Body(r))
		}
		mine := editForm("2")
		mine.Set("category", "power banks")
		p = op.post(path, mine)
		if p.Status != http.StatusConflict {
			t.Fatalf("late save: %d\n%s", p.Status, text(p.Body))
		}
		mustContain(t, "conflict", text(p.Body), "Someone else saved this product", "version 3", "Save my version over theirs", "450")
		mustContain(t, "conflict keeps input", p.Body, `value="power banks"`, `name="version" value="3"`)
		// Saving again is a decision, and it wins.
		mine.Set("version", "3")
		if p := op.post(path, mine); p.Status != http.StatusSeeOther {
			t.Errorf("save over: %d\n%s", p.Status, text(p.Body))
		}

		// Viewers cannot edit; another tenant cannot see the product.
		viewer := newBrowser(t, env)
		viewer.signIn(env.User(tenant, identity.Viewer))
		if p := viewer.get(path); p.Status != 403 || !strings.Contains(p.Body, "<html") {
			t.Errorf("viewer edit form: %d", p.Status)
		}
		if p := viewer.post(path, editForm("4")); p.Status != 403 {
			t.Errorf("viewer save: %d", p.Status)
		}
		mustNotContain(t, "viewer detail", viewer.get("/products/"+created.ID).Body, `href="`+path+`"`)
		stranger := newBrowser(t, env)
		stranger.signIn(env.User(env.Tenant("Other Ltd"), identity.Operator))
		if p := stranger.get(path); p.Status != 404 {
			t.Errorf("other tenant's edit form: %d", p.Status)
		}
		if p := stranger.post(path, editForm("4")); p.Status != 404 {
			t.Errorf("other tenant's save: %d", p.Status)
		}
	})
}
