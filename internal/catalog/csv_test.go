package catalog_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

const bom = "\uFEFF"

func importCSV(t *testing.T, env *apptest.Env, key, body, query string, headers ...string) (resp, catalog.ImportReport) {
	t.Helper()
	r := call(t, env, "POST", "/api/v1/products/import.csv"+query, key, "text/csv; charset=utf-8", body, headers...)
	var rep catalog.ImportReport
	if r.Status == 200 {
		r.json(t, &rep)
	}
	return r, rep
}

func mustImport(t *testing.T, env *apptest.Env, key, body string) catalog.ImportReport {
	t.Helper()
	r, rep := importCSV(t, env, key, body, "")
	if r.Status != 200 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	return rep
}

func getSKU(t *testing.T, env *apptest.Env, key, sku string) (catalog.Product, bool) {
	t.Helper()
	r := call(t, env, "GET", "/api/v1/products?sku="+sku, key, "", nil)
	var l web.List[catalog.Product]
	r.json(t, &l)
	if len(l.Items) == 0 {
		return catalog.Product{}, false
	}
	return l.Items[0], true
}

type errKey struct {
	Row    int
	Column string
	Code   string
}

func errKeys(rep catalog.ImportReport) []errKey {
	var out []errKey
	for _, e := range rep.Errors {
		out = append(out, errKey{e.Row, e.Column, e.Code})
	}
	return out
}

func TestImportChineseHeadersWithBOM(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Chen Li Trading"), identity.Operator, false)
		file := bom + "SKU,中文名称,英文名称,类目,海关编码,材质,原产国,单价,币种,重量(克),长(毫米),宽(毫米),高(毫米),电池类型,电池能量(Wh),电池包装方式,认证,目标市场\r\n" +
			"TOY-001,积木玩具,Building blocks,toys,9503.00,ABS塑料|木材,CN,12.50,USD,350,200,150,80,锂离子,7.4,内置,CE|EN71,EU|SG|MY\r\n" +
			"TOY-002,遥控车,,toys,950300,,CN,\"1,234.50\",CNY,abc,200,150,80,,,,,EU\r\n" +
			"TOY-003,拼图,Puzzle,toys,950300,纸,cn,8,usd,120,300,200,40,,,,CE,eu\r\n"
		r, rep := importCSV(t, env, op, file, "", "Accept-Language: zh-CN")
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if rep.Rows != 3 || rep.Accepted != 2 || rep.Rejected != 1 || rep.Created != 2 {
			t.Errorf("report: %+v", rep)
		}
		if d := cmp.Diff([]errKey{{3, "重量(克)", "invalid_integer"}}, errKeys(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if len(rep.Errors) == 1 && (rep.Errors[0].Message != "请填写整数。" || rep.Errors[0].SKU != "TOY-002" || rep.Errors[0].Field != "weight_g") {
			t.Errorf("error entry: %+v", rep.Errors[0])
		}
		p, ok := getSKU(t, env, op, "TOY-001")
		if !ok || p.Title["zh-CN"] != "积木玩具" || p.HSCode != "950300" || !cmp.Equal(p.Materials, []string{"ABS塑料", "木材"}) ||
			p.Battery == nil || p.Battery.Chemistry != "li-ion" || p.Battery.Packing != "contained_in_equipment" || *p.Battery.Wh != 7.4 ||
			!cmp.Equal(p.Markets, []string{"EU", "SG", "MY"}) || !cmp.Equal(p.DimsMM, []int64{200, 150, 80}) {
			t.Errorf("TOY-001: %+v", p)
		}
		if p, _ := getSKU(t, env, op, "TOY-003"); p.OriginCountry != "CN" || p.UnitValue.Amount != "8.00" || p.UnitValue.Currency != "USD" {
			t.Errorf("TOY-003: %+v", p)
		}
		if _, ok := getSKU(t, env, op, "TOY-002"); ok {
			t.Error("the bad row was written")
		}
		if n := auditCount(t, env, "product.import"); n != 1 {
			t.Errorf("%d import audit records, want 1", n)
		}
	})
}

func TestImportSemicolonsAndLocalNumbers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Semicolon SARL"), identity.Operator, false)
		// European Excel: semicolons, decimal commas, no BOM, LF ends,
		// Title Case headers with spaces, lists with full-width semicolons.
		file := "SKU;Title EN;Unit Value;Currency;Weight G;Battery Chemistry;Battery Wh;Battery Packing;Markets;Labels\n" +
			"LMP-1;Lamp;12,50;EUR;1200;li-ion;7,4;standalone;EU；UK;CE；WEEE\n" +
			"LMP-2;\"Lamp; large\";12.50 EUR;;1500;;;;EU;\n"
		rep := mustImport(t, env, op, file)
		if rep.Accepted != 2 || rep.Rejected != 0 {
			t.Fatalf("report: %+v", rep)
		}
		p, _ := getSKU(t, env, op, "LMP-1")
		if p.UnitValue.Amount != "12.50" || *p.Battery.Wh != 7.4 || !cmp.Equal(p.Markets, []string{"EU", "UK"}) || !cmp.Equal(p.Labels, []string{"CE", "WEEE"}) {
			t.Errorf("LMP-1: %+v", p)
		}
		p, _ = getSKU(t, env, op, "LMP-2")
		if p.Title["en"] != "Lamp; large" || p.UnitValue.Currency != "EUR" || p.Battery != nil {
			t.Errorf("LMP-2: %+v", p)
		}
		// Excel's "sep=" line is honoured and is not a row.
		rep = mustImport(t, env, op, "sep=;\r\nsku;title_en;weight_g\r\nLMP-3;Lamp 3;0\r\n")
		if d := cmp.Diff([]errKey{{2, "weight_g", "positive"}}, errKeys(rep)); d != "" {
			t.Errorf("sep= file (-want +got):\n%s", d)
		}
		// Tabs too.
		if rep := mustImport(t, env, op, "sku\ttitle_en\nTAB-1\tTabbed\n"); rep.Accepted != 1 {
			t.Errorf("tabs: %+v", rep)
		}
	})
}

func TestImportRowNumbers(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Rows Ltd"), identity.Operator, false)
		file := "sku,title_en,dims_mm,hs_code,markets\n" + // row 1
			"R-1,\"Two-line\ntitle\",200x150x80,950300,EU\n" + // row 2 (spans two lines)
			"R-2,Good,,950300,EU\n" + // row 3
			"\n" + // row 4, empty
			",,,,\n" + // row 5, blank cells
			"R-3,Bad dims,200x150,95,XX\n" + // row 6
			"R-1,Repeat,,950300,EU\n" + // row 7: SKU of row 2
			"R-4,,,,\n" // row 8: no title
		rep := mustImport(t, env, op, file)
		want := []errKey{
			{6, "dims_mm", "item_count"}, {6, "hs_code", "invalid_hs_code"}, {6, "markets", "invalid_market"},
			{7, "sku", "duplicate_in_file"},
			{8, "title_en", "required"},
		}
		if d := cmp.Diff(want, errKeys(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if rep.Rows != 5 || rep.Accepted != 2 || rep.Rejected != 3 {
			t.Errorf("report: %+v", rep)
		}
		if rep.Errors[3].Message != "This SKU already appears in row 2 of the file." {
			t.Errorf("duplicate message: %q", rep.Errors[3].Message)
		}
		if p, _ := getSKU(t, env, op, "R-1"); p.Title["en"] != "Two-line\ntitle" {
			t.Errorf("R-1 title %q", p.Title["en"])
		}
	})
}

func TestImportNothingHalfWritten(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Atomic Ltd"), identity.Operator, false)
		orig := create(t, env, op, product("A-1", nil))
		// The first row is good but for its battery; the second would change
		// A-1 but its weight is bad. Neither may leave anything behind.
		file := "sku,title_en,weight_g,battery_chemistry,battery_wh,battery_packing\n" +
			"A-2,New,100,li-ion,,standalone\n" +
			"A-1,Changed title,-3,,,\n"
		rep := mustImport(t, env, op, file)
		if d := cmp.Diff([]errKey{{2, "battery_wh", "required"}, {3, "weight_g", "positive"}}, errKeys(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if _, ok := getSKU(t, env, op, "A-2"); ok {
			t.Error("A-2 created from a bad row")
		}
		if p, _ := getSKU(t, env, op, "A-1"); !cmp.Equal(p, orig) {
			t.Errorf("A-1 changed by a bad row: %s", cmp.Diff(orig, p))
		}
	})
}

func TestImportMergesBySKU(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Merge Ltd"), identity.Operator, false)
		orig := create(t, env, op, product("M-1", nil))
		// Only the columns the file has change; an empty cell clears.
		rep := mustImport(t, env, op, "sku,title_en,weight_g,certifications,battery_chemistry\nM-1,Bricks,400,,\n")
		if rep.Updated != 1 {
			t.Fatalf("report: %+v", rep)
		}
		p, _ := getSKU(t, env, op, "M-1")
		if p.Title["en"] != "Bricks" || p.Title["zh-CN"] != "积木玩具" || *p.WeightG != 400 || len(p.Certifications) != 0 ||
			p.Battery != nil || p.HSCode != orig.HSCode || !cmp.Equal(p.DimsMM, orig.DimsMM) || p.Version != 2 {
			t.Errorf("merged: %+v", p)
		}
		// The same file again changes nothing.
		rep = mustImport(t, env, op, "sku,title_en,weight_g,certifications,battery_chemistry\nM-1,Bricks,400,,\n")
		if rep.Unchanged != 1 || rep.Updated != 0 {
			t.Errorf("repeat: %+v", rep)
		}
		if p, _ := getSKU(t, env, op, "M-1"); p.Version != 2 {
			t.Errorf("version moved on a no-op: %d", p.Version)
		}
	})
}

func TestImportDryRun(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Dry Ltd"), identity.Operator, false)
		create(t, env, op, product("D-1", nil))
		file := "sku,title_en\nD-1,Renamed\nD-2,New\nD-3,\n"
		before := auditCount(t, env, "product.import")
		r, rep := importCSV(t, env, op, file, "?dry_run=true")
		if r.Status != 200 || !rep.DryRun || rep.Created != 1 || rep.Updated != 1 || rep.Rejected != 1 || rep.Accepted != 2 {
			t.Fatalf("dry run: %d %+v", r.Status, rep)
		}
		if _, ok := getSKU(t, env, op, "D-2"); ok {
			t.Error("dry run created D-2")
		}
		if p, _ := getSKU(t, env, op, "D-1"); p.Title["en"] != "Building blocks" {
			t.Error("dry run changed D-1")
		}
		if auditCount(t, env, "product.import") != before {
			t.Error("dry run audited as an import")
		}
		if r, _ := importCSV(t, env, op, file, "?dry_run=maybe"); r.Status != 422 {
			t.Errorf("dry_run=maybe: %d", r.Status)
		}
	})
}

func TestExportImportRoundTrip(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Round Trip Ltd"), identity.Operator, false)
		var made []catalog.Product
		made = append(made, create(t, env, op, contractProduct))
		made = append(made, create(t, env, op, product("=SUM(A1:A2)", func(m map[string]any) {
			m["title"] = map[string]any{"zh-CN": "多行\n标题", "de": "Bausteine, groß", "en": "-dash first"}
			m["attributes"] = map[string]any{"code": "007", "note": "a|b", "ok": true, "ratio": 0.5, "size": "L"}
			m["materials"] = []string{"cotton", "polyester"}
			delete(m, "battery")
		})))
		made = append(made, create(t, env, op, map[string]any{"sku": "MIN-1", "title": map[string]any{"en": "Minimal"}}))
		made = append(made, create(t, env, op, product("JP-1", func(m map[string]any) {
			m["unit_value"] = map[string]any{"amount": "1500", "currency": "JPY"}
			m["attributes"] = map[string]any{"colour": "red", "pieces": 120}
		})))

		r := call(t, env, "GET", "/api/v1/products/export.csv", op, "", nil)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "products.csv") {
			t.Fatalf("export: %d %v", r.Status, r.Header)
		}
		body := string(r.Body)
		if !strings.HasPrefix(body, bom+"sku,title_zh,title_en,title_de,category,") || !strings.Contains(body, "\r\n") {
			t.Errorf("export head: %.120q", body)
		}
		if !strings.Contains(body, "'=SUM(A1:A2)") || !strings.Contains(body, "'-dash first") {
			t.Error("formula-like cells are not defused")
		}
		if !strings.Contains(body, "age_min_months=36") || !strings.Contains(body, `""code"":""007""`) {
			t.Errorf("attributes cells: %s", body)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, bom))).ReadAll()
		if err != nil || len(rows) != 5 {
			t.Fatalf("export rows %d: %v", len(rows), err)
		}

		// Importing the export changes nothing.
		rep := mustImport(t, env, op, body)
		if rep.Unchanged != 4 || rep.Accepted != 4 || len(rep.Errors) != 0 || len(rep.Warnings) != 0 {
			t.Fatalf("re-import: %+v", rep)
		}
		for _, p := range made {
			got, _ := getSKU(t, env, op, p.SKU)
			if d := cmp.Diff(p, got); d != "" {
				t.Errorf("%s after round trip (-before +after):\n%s", p.SKU, d)
			}
		}
		// Chinese column titles round-trip too.
		zh := call(t, env, "GET", "/api/v1/products/export.csv?lang=zh-CN", op, "", nil)
		if !strings.HasPrefix(string(zh.Body), bom+"SKU,中文名称,英文名称,title_de,类目,") {
			t.Errorf("zh export head: %.80q", zh.Body)
		}
		if rep := mustImport(t, env, op, string(zh.Body)); rep.Unchanged != 4 {
			t.Errorf("zh re-import: %+v", rep)
		}
		// Filters apply to exports.
		if f := call(t, env, "GET", "/api/v1/products/export.csv?sku=JP-1", op, "", nil); bytes.Count(f.Body, []byte("\r\n")) != 2 {
			t.Errorf("filtered export: %s", f.Body)
		}

		// An edited export updates; once the product has moved on, the old
		// file's row for it is refused instead of undoing the change.
		edited := strings.Replace(body, "Minimal", "Minimal edited", 1)
		if rep := mustImport(t, env, op, edited); rep.Updated != 1 || rep.Unchanged != 3 {
			t.Errorf("edited import: %+v", rep)
		}
		stale := strings.Replace(body, "Minimal", "Minimal stale", 1)
		rep = mustImport(t, env, op, stale)
		if d := cmp.Diff([]errKey{{4, "version", "stale_row"}}, errKeys(rep)); d != "" {
			t.Errorf("stale import (-want +got):\n%s", d)
		}
		if p, _ := getSKU(t, env, op, "MIN-1"); p.Title["en"] != "Minimal edited" {
			t.Errorf("stale file overwrote a newer change: %q", p.Title["en"])
		}
	})
}

func TestTemplate(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Template Ltd")
		viewer := env.Key(tenant, identity.Viewer, false)
		op := env.Key(tenant, identity.Operator, false)
		for _, tc := range []struct {
			query, head, name string
		}{
			{"", "sku,title_zh,title_en,category,hs_code,materials,attributes,origin_country,unit_value,currency,weight_g," +
				"length_mm,width_mm,height_mm,battery_chemistry,battery_wh,battery_packing,certifications,labels,markets\r\n", "products-template.csv"},
			{"?lang=zh-CN", "SKU,中文名称,英文名称,类目,海关编码,材质,属性,原产国,单价,币种,重量(克),长(毫米),宽(毫米),高(毫米)," +
				"电池类型,电池能量(Wh),电池包装方式,认证,标签,目标市场\r\n", "products-template-zh-CN.csv"},
		} {
			r := call(t, env, "GET", "/api/v1/products/template.csv"+tc.query, viewer, "", nil)
			body := string(r.Body)
			if r.Status != 200 || !strings.HasPrefix(body, bom+tc.head) || !strings.Contains(r.Header.Get("Content-Disposition"), tc.name) {
				t.Errorf("template%s: %d %q %v", tc.query, r.Status, body, r.Header)
			}
			if !strings.Contains(body, "TOY-001,积木玩具,Building blocks,toys,950300,") || strings.Count(body, "\r\n") != 2 {
				t.Errorf("template%s example row: %q", tc.query, body)
			}
			// The template imports as it is.
			rep := mustImport(t, env, op, body)
			if rep.Accepted != 1 || len(rep.Errors)+len(rep.Warnings) != 0 {
				t.Errorf("template%s import: %+v", tc.query, rep)
			}
		}
		p, _ := getSKU(t, env, op, "TOY-001")
		if p.Attributes["age_min_months"] == nil || p.Battery == nil || p.UnitValue.Amount != "12.50" {
			t.Errorf("template product: %+v", p)
		}
	})
}

func TestImportRefusals(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Refusals Ltd")
		op := env.Key(tenant, identity.Operator, false)
		viewer := env.Key(tenant, identity.Viewer, false)

		// No SKU or title column: the file is refused as a whole.
		r, _ := importCSV(t, env, op, "name,weight\nX,1\n", "")
		var pd problemDoc
		r.json(t, &pd)
		if r.Status != 422 || pd.Code != "invalid_csv_header" || len(pd.Errors) != 2 || pd.Errors[0].Field != "sku" || pd.Errors[0].Code != "missing_column" {
			t.Errorf("no sku column: %d %s", r.Status, r.Body)
		}
		r, _ = importCSV(t, env, op, "sku,title_en,SKU\n", "")
		if r.Status != 422 {
			t.Errorf("duplicate column: %d %s", r.Status, r.Body)
		}
		if r, _ := importCSV(t, env, op, "", ""); r.Status != 400 {
			t.Errorf("empty body: %d", r.Status)
		}
		// Unknown columns are ignored with a warning.
		rep := mustImport(t, env, op, "sku,title_en,notes\nW-1,Warned,call supplier\n")
		if rep.Accepted != 1 || len(rep.Warnings) != 1 || rep.Warnings[0].Column != "notes" || rep.Warnings[0].Code != "unknown_column" || rep.Warnings[0].Row != 1 {
			t.Errorf("unknown column: %+v", rep)
		}
		// Too many rows: refused, nothing kept.
		var big strings.Builder
		big.WriteString("sku,title_en\n")
		for i := range catalog.MaxImportRows + 1 {
			fmt.Fprintf(&big, "BIG-%d,Item %d\n", i, i)
		}
		r, _ = importCSV(t, env, op, big.String(), "")
		if r.Status != 413 {
			t.Errorf("too many rows: %d %s", r.Status, r.Body)
		}
		if _, ok := getSKU(t, env, op, "BIG-1"); ok {
			t.Error("an oversized file was partly imported")
		}
		// Not CSV.
		if r := call(t, env, "POST", "/api/v1/products/import.csv", op, "application/json", `{}`); r.Status != 415 {
			t.Errorf("JSON body: %d", r.Status)
		}
		if r := call(t, env, "POST", "/api/v1/products/import.csv", op, "text/csv; charset=latin-9", "sku\n"); r.Status != 415 {
			t.Errorf("unknown charset: %d", r.Status)
		}
		// Viewers may download but not upload.
		if r, _ := importCSV(t, env, viewer, "sku,title_en\nV-1,V\n", ""); r.Status != 403 {
			t.Errorf("viewer import: %d", r.Status)
		}
	})
}

func TestImportEncodingsAndForms(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		op := env.Key(env.Tenant("Encodings Ltd"), identity.Operator, false)
		// Excel on a Chinese Windows saves "CSV" in GB18030.
		gb, err := simplifiedchinese.GB18030.NewEncoder().String("SKU,中文名称\nGB-1,积木玩具\n")
		if err != nil {
			t.Fatal(err)
		}
		if rep := mustImport(t, env, op, gb); rep.Accepted != 1 {
			t.Errorf("GB18030: %+v", rep)
		}
		if p, _ := getSKU(t, env, op, "GB-1"); p.Title["zh-CN"] != "积木玩具" {
			t.Errorf("GB18030 title %q", p.Title["zh-CN"])
		}
		// UTF-16 with its byte-order mark ("Unicode text").
		u16 := []byte{0xFF, 0xFE}
		for _, r := range "sku\ttitle_en\r\nU16-1\tWide\r\n" {
			u16 = append(u16, byte(r), byte(r>>8))
		}
		if rep := mustImport(t, env, op, string(u16)); rep.Accepted != 1 {
			t.Errorf("UTF-16: %+v", rep)
		}
		// A browser's file upload.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("note", "first a plain field")
		fw, _ := mw.CreateFormFile("file", "products.csv")
		fw.Write([]byte(bom + "sku,title_en\nMP-1,Multipart\n"))
		mw.Close()
		r := call(t, env, "POST", "/api/v1/products/import.csv", op, mw.FormDataContentType(), buf.Bytes())
		var rep catalog.ImportReport
		r.json(t, &rep)
		if r.Status != 200 || rep.Accepted != 1 {
			t.Errorf("multipart: %d %s", r.Status, r.Body)
		}
		// The report speaks XML too.
		r = call(t, env, "POST", "/api/v1/products/import.csv", op, "text/csv", "sku,title_en\nX-1,\n", "Accept: application/xml")
		if !bytes.Contains(r.Body, []byte("<import_report>")) || !bytes.Contains(r.Body, []byte("<errors><error><row>2</row>")) {
			t.Errorf("XML report: %s", r.Body)
		}
	})
}
