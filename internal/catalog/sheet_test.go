package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// read runs the first pass over file and returns the report and the rows
// it kept.
func read(t testing.TB, file string) (*sheet, ImportReport, []spooled, error) {
	t.Helper()
	rep := &reporter{msg: func(code string, _ ...any) string { return code }}
	var kept []spooled
	sh, err := readSheet(strings.NewReader(file), "", rep, func(r spooled) error {
		kept = append(kept, r)
		return nil
	})
	return sh, rep.done(), kept, err
}

func TestMatchHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header string
		kind   colKind
		lang   string
	}{
		{"sku", cSKU, ""},
		{" SKU ", cSKU, ""},
		{"ＳＫＵ", cSKU, ""},
		{"货号", cSKU, ""},
		{"Title_EN", cTitle, "en"},
		{"title en", cTitle, "en"},
		{"中文名称", cTitle, "zh-CN"},
		{"title_de", cTitle, "de"},
		{"Title (ja)", cTitle, "ja"},
		{"title_zh-CN", cTitle, "zh-CN"},
		{"HS Code", cHSCode, ""},
		{"*hs_code", cHSCode, ""},
		{"重量（克）", cWeight, ""},
		{"Weight (g)", cWeight, ""},
		{"Origin-Country", cOrigin, ""},
		{"电池能量(Wh)", cBatteryWh, ""},
		{"目标市场", cMarkets, ""},
	} {
		c, _, ok := matchHeader(tc.header)
		if !ok || c.kind != tc.kind || c.lang != tc.lang {
			t.Errorf("%q → %v %q %v, want %v %q", tc.header, c.kind, c.lang, ok, tc.kind, tc.lang)
		}
	}
	for _, h := range []string{"notes", "title_!!", "颜色"} {
		if _, _, ok := matchHeader(h); ok {
			t.Errorf("%q matched", h)
		}
	}
}

func TestDetectDelimiter(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]rune{
		"sku,title_en,weight_g":          ',',
		"sku;title_en;weight_g":          ';',
		"sku\ttitle_en\tweight_g":        '\t',
		`"a;b",title_en`:                 ',',
		`sku;"title, english";weight_g`:  ';',
		"sku":                            ',',
		"":                               ',',
		"sku,title_en;weight_g;currency": ';',
	} {
		if got := detectDelimiter(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestNumbers(t *testing.T) {
	t.Parallel()
	comma, semi := &sheet{delim: ','}, &sheet{delim: ';'}
	for _, tc := range []struct {
		sh   *sheet
		in   string
		want string
		ok   bool
	}{
		{comma, "12.50", "12.50", true},
		{comma, " 12.5 ", "12.5", true},
		{comma, "1,234.50", "1234.50", true},
		{comma, "1,234", "1234", true},
		{comma, "12,5", "", false},
		{semi, "12,5", "12.5", true},
		{semi, "1.234,5", "", false},
		{semi, "1,234.50", "1234.50", true},
		{comma, ".5", "0.5", true},
		{comma, "-3", "-3", true},
		{comma, "1e3", "", false},
		{comma, "abc", "", false},
		{comma, "1 200", "1200", true},
	} {
		got, ok := tc.sh.number(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q (%q) → %q %v, want %q %v", tc.in, tc.sh.delim, got, ok, tc.want, tc.ok)
		}
	}
	for in, want := range map[string]string{"350": "", "350.0": "", "350.5": "invalid_integer", "x": "invalid_integer",
		"99999999999999999999": "out_of_range"} {
		if _, code := comma.integer(in); code != want {
			t.Errorf("integer %q → %q, want %q", in, code, want)
		}
	}
}

func TestAttributesCells(t *testing.T) {
	t.Parallel()
	for _, a := range []map[string]any{
		{"age_min_months": json.Number("36"), "colour": "red", "ok": true},
		{"code": "007", "size": "L"},
		{"n": "12"},
		{"pipe": "a|b"},
		{"key=odd": "x"},
		{" padded": "x"},
		{"empty": ""},
		{"bool text": "true"},
		{"中文": "红色"},
	} {
		cell := formatAttributes(a)
		back, ok := parseAttributes(cell)
		if !ok || !cmp.Equal(a, back) {
			t.Errorf("%v → %q → %v (%v)", a, cell, back, ok)
		}
	}
	if cell := formatAttributes(map[string]any{"age": json.Number("3"), "colour": "red"}); cell != "age=3|colour=red" {
		t.Errorf("plain attributes written as %q", cell)
	}
	for in, ok := range map[string]bool{"a=1；b＝2": true, "a：1": true, "{\"a\":1}": true, "novalue": false, "=1": false, "{bad": false} {
		if _, got := parseAttributes(in); got != ok {
			t.Errorf("parseAttributes(%q) ok = %v", in, got)
		}
	}
}

func TestFormulaCells(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"=SUM(A1)", "+1", "-x", "@cmd", "'=already", "''=twice", "'plain", "plain", "", "'", "''"} {
		if got := unsafeCell(safeCell(s)); got != s {
			t.Errorf("%q → %q → %q", s, safeCell(s), got)
		}
		if c := safeCell(s); c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
			t.Errorf("%q written as live formula %q", s, c)
		}
	}
}

func TestRowCounter(t *testing.T) {
	t.Parallel()
	file := "sku,title_en\n" + // 1
		"A,\"one\ntwo\nthree\"\n" + // 2, lines 2-4
		"\n\n" + // 3, 4
		"B,b\n" + // 5
		"C,\"x\r\ny\"\n" + // 6
		"D,d" // 7, no final line end
	_, rep, kept, err := read(t, file)
	if err != nil {
		t.Fatal(err)
	}
	var rows []int
	for _, k := range kept {
		rows = append(rows, k.Row)
	}
	if want := []int{2, 5, 6, 7}; !cmp.Equal(rows, want) || rep.Rows != 4 {
		t.Errorf("rows %v (%d), want %v", rows, rep.Rows, want)
	}
}

func TestProductFromRow(t *testing.T) {
	t.Parallel()
	file := "sku;title_zh;weight_g;battery_chemistry;battery_wh;battery_packing;hs_code;dims_mm;unit_value\n" +
		"A-1;积木;350;锂离子;7,4;随设备包装;10121;200x150x80;USD 9.90\n"
	_, rep, kept, err := read(t, file)
	if err != nil || len(kept) != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	p := kept[0].Product
	if p.Battery.Chemistry != "li-ion" || p.Battery.Packing != "packed_with_equipment" || *p.Battery.Wh != 7.4 ||
		p.HSCode != "010121" || !cmp.Equal(p.DimsMM, []int64{200, 150, 80}) || p.UnitValue.Amount != "9.90" || p.UnitValue.Currency != "USD" {
		t.Errorf("product %+v", p)
	}
	// Partial dimensions name the missing one.
	_, rep, _, _ = read(t, "sku,title_en,length_mm,width_mm,height_mm\nB-1,b,200,,80\n")
	if len(rep.Errors) != 1 || rep.Errors[0].Column != "width_mm" || rep.Errors[0].Code != "required" || rep.Errors[0].Field != "dims_mm[1]" {
		t.Errorf("partial dims: %+v", rep.Errors)
	}
}

func TestProductValidateIdempotent(t *testing.T) {
	t.Parallel()
	wh := 7.4
	p := Product{SKU: " A ", Title: Title{"zh": "积木", "EN": " Blocks "}, HSCode: "9503.00", OriginCountry: "cn",
		Markets: []string{"eu", "EU"}, Battery: &Battery{Chemistry: "Li-Ion", Wh: &wh, Packing: "STANDALONE"}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	q := p
	if err := q.Validate(); err != nil || !cmp.Equal(p, q) {
		t.Errorf("second validation changed %v", cmp.Diff(p, q))
	}
	if p.Title["zh-CN"] != "积木" || p.Title["en"] != "Blocks" || p.SKU != "A" || p.Battery.Packing != "standalone" {
		t.Errorf("normalised: %+v", p)
	}
}

// FuzzImportCSV feeds arbitrary bytes to the first pass of the importer:
// it must never panic, every reported row must be a row of the file, and
// every row it keeps must be a valid product that validation leaves as it
// is.
func FuzzImportCSV(f *testing.F) {
	for _, s := range []string{
		"sku,title_en\nA,a\n",
		"\uFEFFSKU,中文名称,重量(克)\nA,积木,350\nB,,x\n",
		"sep=;\nsku;title_en;unit_value;currency\nA;a;12,50;EUR\n",
		"sku,title_en,dims_mm,attributes\nA,\"multi\nline\",1x2x3,a=1|b=true\n",
		"sku,title_en,battery_chemistry,battery_wh,battery_packing\nA,a,li-ion,7.4,contained_in_equipment\n",
		"sku\ttitle_en\tmarkets\nA\ta\tEU｜US\n",
		"sku,title_en,hs_code,version\nA,a,95030,3\n\n\n,,\nA,b,950300,\n",
		"\xff\xfes\x00k\x00u\x00,\x00t\x00i\x00t\x00l\x00e\x00\n\x00",
		"sku,title_en,attributes\nA,'=x,{\"a\":[1]}\n",
		"title_en,title_en\n",
		"\"unterminated\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep := &reporter{msg: func(code string, _ ...any) string { return code }}
		rows := 0
		sh, err := readSheet(strings.NewReader(string(data)), "", rep, func(r spooled) error {
			rows++
			if r.Row < 2 {
				t.Errorf("kept row %d", r.Row)
			}
			var fs problem.Errors
			q := r.Product
			q.validate(&fs)
			if len(fs) > 0 {
				t.Errorf("kept an invalid row %d: %v", r.Row, fs)
			}
			if !same(q, r.Product) {
				t.Errorf("row %d not stable under validation", r.Row)
			}
			if !utf8.ValidString(r.Product.SKU) {
				t.Errorf("row %d: SKU not UTF-8", r.Row)
			}
			return nil
		})
		if err != nil {
			if _, ok := problem.As(err); !ok {
				t.Fatalf("error that is not a problem: %v", err)
			}
			return
		}
		if sh == nil {
			t.Fatal("no sheet and no error")
		}
		r := rep.done()
		if rows+r.Rejected != r.Rows {
			t.Errorf("kept %d + rejected %d != rows %d", rows, r.Rejected, r.Rows)
		}
		for _, e := range r.Errors {
			if e.Row < 2 || e.Code == "" {
				t.Errorf("error %+v", e)
			}
		}
		_ = fmt.Sprint(r)
	})
}
