package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/silkgate/silkgate/internal/identity"
)

func TestHSHelperPage(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Chen Li Trading")
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := newBrowser(t, env)
			b.lang = lang
			b.signIn(env.User(tenant, identity.Viewer))
			tests := []struct {
				name, query string
				want        []string
			}{
				{"empty form", "", []string{`name="title"`, `action="/compliance/hs"`}},
				{"chinese title", "?title=" + url.QueryEscape("无线蓝牙耳机 降噪") + "&product=prd_1",
					[]string{"<code>851830</code>", `href="/products/prd_1/edit"`, `name="product" value="prd_1"`, "蓝牙耳机"}},
				{"english title", "?title=" + url.QueryEscape("plush teddy bear toy"), []string{"<code>950300</code>"}},
				{"nothing known", "?title=qwxz", []string{`class="empty"`}},
				{"odd product id", "?title=toy&product=" + url.QueryEscape("../x"), []string{"<code>950300</code>"}},
			}
			for _, tt := range tests {
				pg := b.get("/compliance/hs" + tt.query)
				if pg.Status != http.StatusOK {
					t.Fatalf("%s: status %d\n%s", tt.name, pg.Status, text(pg.Body))
				}
				if m := untranslated.FindString(text(pg.Body)); m != "" {
					t.Errorf("%s: untranslated %q", tt.name, m)
				}
				mustContain(t, tt.name, pg.Body, tt.want...)
				if tt.name == "odd product id" {
					mustNotContain(t, tt.name, pg.Body, `/products/../x`)
				}
			}
		})
	}
}
