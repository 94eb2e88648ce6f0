package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/identity"
)

// upload posts a CSV file through the import form.
func (b *browser) upload(csv string, dryRun bool) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if dryRun {
		mw.WriteField("dry_run", "1")
	}
	fw, err := mw.CreateFormFile("file", "products.csv")
	if err != nil {
		b.t.Fatal(err)
	}
	fw.Write([]byte(csv))
	mw.Close()
	req, err := http.NewRequest("POST", b.env.Server.URL+"/products/import", &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

var untranslated = regexp.MustCompile(`console\.[a-z_.]+|validation\.[a-z_]+|error\.[a-z_]+\.(title|detail)|\{[a-z_]+\}|%!`)

func TestProductPages(t *testing.T) {
	env := sqlite(t)
	tenant := env.Tenant("Chen Li Trading")
	key := env.Key(tenant, identity.Operator, false)
	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := newBrowser(t, env)
			b.lang = lang
			b.signIn(env.User(tenant, identity.Operator))
			clean := func(what string, p page, status int) {
				t.Helper()
				if p.Status != status {
					t.Fatalf("%s: status %d, want %d\n%s", what, p.Status, status, text(p.Body))
				}
				if m := untranslated.FindString(text(p.Body) + " " + attrs(p.Body)); m != "" {
					t.Errorf("%s: untranslated %q", what, m)
				}
				if langOf(p.Body) != lang {
					t.Errorf("%s: lang %q", what, langOf(p.Body))
				}
			}

			// The navigation leads to the catalogue.
			dash := b.get("/dashboard")
			mustContain(t, "dashboard", dash.Body, `href="/products"`)

			// The import form explains every column and offers both templates.
			form := b.get("/products/import")
			clean("import form", form, 200)
			mustContain(t, "import form", form.Body, `enctype="multipart/form-data"`, `id="col-weight_g"`, `id="col-battery_packing"`,
				`href="/api/v1/products/template.csv?lang=zh-CN"`, `href="/api/v1/products/template.csv"`, "重量(克)")

			// An upload with a bad row: the good rows are imported and the
			// bad one is reported by its spreadsheet row, with links.
			sku := "P-" + lang
			csv := "\uFEFFSKU,中文名称,英文名称,重量(克),目标市场\r\n" +
				sku + "-1,积木,Blocks,350,EU|SG\r\n" +
				sku + "-2,遥控车,RC car,-1,EU\r\n"
			rep := b.upload(csv, false)
			clean("report", rep, 200)
			mustContain(t, "report", rep.Body, `href="#col-weight_g">重量(克)</a>`, `href="/products?sku=`+sku+`-2"`, "<td class=\"nowrap\" data-label=")
			if !strings.Contains(text(rep.Body), "3") {
				t.Errorf("report lacks row 3: %s", text(rep.Body))
			}
			if lang == "zh-CN" {
				mustContain(t, "report", text(rep.Body), "共读取 2 行：新建 1，更新 0，未变 0，拒绝 1。", "必须大于零。")
			} else {
				mustContain(t, "report", text(rep.Body), "2 rows read: 1 created, 0 updated, 0 unchanged, 1 rejected.", "Must be greater than zero.")
			}

			// A check-only upload keeps nothing.
			dry := b.upload("sku,title_en\n"+sku+"-dry,Dry\n", true)
			clean("dry run", dry, 200)
			list := b.get("/products?q=" + sku)
			clean("list", list, 200)
			mustContain(t, "list", list.Body, sku+"-1")
			mustNotContain(t, "list", list.Body, sku+"-dry", sku+"-2")

			// A file without SKU column is refused with the form again.
			bad := b.upload("name\nx\n", false)
			clean("bad header", bad, 422)
			mustContain(t, "bad header", bad.Body, `enctype="multipart/form-data"`, "SKU")
			clean("empty file", b.upload("", false), 400)

			// The product page.
			var l struct{ Items []struct{ ID, SKU string } }
			env.Call("GET", "/api/v1/products?sku="+sku+"-1", key, nil, &l)
			if len(l.Items) != 1 {
				t.Fatalf("API does not see %s-1", sku)
			}
			detail := b.get("/products/" + l.Items[0].ID)
			clean("detail", detail, 200)
			mustContain(t, "detail", detail.Body, "积木", "Blocks", "350 g", ">EU<", ">SG<")
		})
	}

	// Another tenant's product is not found; viewers cannot upload.
	other := env.Tenant("Other Ltd")
	okey := env.Key(other, identity.Operator, false)
	var created struct{ ID string }
	if r := env.Call("POST", "/api/v1/products", okey, map[string]any{"sku": "OTHER-1", "title": map[string]any{"en": "Other"}}, &created); r.StatusCode != 201 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	viewer := newBrowser(t, env)
	viewer.signIn(env.User(tenant, identity.Viewer))
	if p := viewer.get("/products/" + created.ID); p.Status != 404 {
		t.Errorf("other tenant's product: %d", p.Status)
	}
	list := viewer.get("/products")
	mustNotContain(t, "viewer list", list.Body, "OTHER-1", `href="/products/import"`)
	mustContain(t, "viewer list", list.Body, "/api/v1/products/export.csv")
	if p := viewer.get("/products/import"); p.Status != 403 {
		t.Errorf("viewer import form: %d", p.Status)
	}
	if p := viewer.upload("sku,title_en\nV-1,v\n", false); p.Status != 403 {
		t.Errorf("viewer upload: %d", p.Status)
	}
	// The export link works with the console's session.
	if p := viewer.get("/api/v1/products/export.csv?lang=zh-CN"); p.Status != 200 || !strings.HasPrefix(p.Body, "\uFEFFSKU,中文名称") {
		t.Errorf("export from the console: %d %.60q", p.Status, p.Body)
	}
}
