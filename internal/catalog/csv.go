package catalog

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/width"

	"github.com/silkgate/silkgate/internal/platform/money"
)

// The spreadsheet form of the catalogue (clause 6.2.3). One row is one
// product; the columns are listed in csvColumns, each with its English
// title, its Chinese title and the spellings people use for it. Lists sit
// in one cell separated by "|" (or the full-width "；"), dimensions take
// three columns, money two (amount and currency), the battery three.

type colKind int

const (
	cSKU colKind = iota
	cTitle
	cCategory
	cHSCode
	cMaterials
	cAttributes
	cOrigin
	cUnitValue
	cCurrency
	cWeight
	cLength
	cWidth
	cHeight
	cDims
	cBatteryChemistry
	cBatteryWh
	cBatteryPacking
	cCertifications
	cLabels
	cMarkets
	cID
	cVersion
	cCreatedAt
	cUpdatedAt
)

// column is one column of the spreadsheet.
type column struct {
	kind colKind
	// lang is the title language of a title column.
	lang string
	// name is the English column title, zh the Chinese one.
	name, zh string
	// aliases are other titles accepted on import.
	aliases []string
	// field is the product field the column fills, for error reports.
	field string
	// Doc explains the column in the API reference.
	doc string
	// readOnly columns are exported for reference and ignored on import
	// (except version, which guards against overwriting newer changes).
	readOnly bool
	// importOnly columns are accepted on import and never written.
	importOnly bool
}

var csvColumns = []column{
	{kind: cSKU, name: "sku", zh: "SKU", aliases: []string{"货号", "商品编码", "SKU编码"}, field: "sku",
		doc: "Required. The seller's stock-keeping unit; rows are matched to existing products by it."},
	{kind: cTitle, lang: "zh-CN", name: "title_zh", zh: "中文名称", aliases: []string{"中文标题", "商品名称", "名称", "标题", "title_zh-CN"}, field: "title.zh-CN",
		doc: "Chinese title. Each row needs a Chinese or an English title; further languages go in title_<language> columns (title_de)."},
	{kind: cTitle, lang: "en", name: "title_en", zh: "英文名称", aliases: []string{"英文标题", "title"}, field: "title.en",
		doc: "English title."},
	{kind: cCategory, name: "category", zh: "类目", aliases: []string{"分类", "品类", "商品类目"}, field: "category",
		doc: "The seller's category, e.g. toys."},
	{kind: cHSCode, name: "hs_code", zh: "海关编码", aliases: []string{"HS编码", "HS code", "海关商品编码", "税则号"}, field: "hs_code",
		doc: "HS code, 6, 8 or 10 digits; dots allowed (9503.00). A leading zero dropped by a spreadsheet is restored."},
	{kind: cMaterials, name: "materials", zh: "材质", aliases: []string{"材料"}, field: "materials",
		doc: "Materials, separated by |."},
	{kind: cAttributes, name: "attributes", zh: "属性", aliases: []string{"商品属性"}, field: "attributes",
		doc: "Attributes as name=value pairs separated by | (age_min_months=36|colour=red), or a JSON object."},
	{kind: cOrigin, name: "origin_country", zh: "原产国", aliases: []string{"原产地", "产地", "origin"}, field: "origin_country",
		doc: "Country of origin, ISO 3166-1 alpha-2 (CN)."},
	{kind: cUnitValue, name: "unit_value", zh: "单价", aliases: []string{"货值", "申报价值", "价格", "value", "price"}, field: "unit_value.amount",
		doc: "Unit value as a decimal number (12.50); the currency goes in the currency column or after the number (12.50 USD)."},
	{kind: cCurrency, name: "currency", zh: "币种", aliases: []string{"货币", "币别"}, field: "unit_value.currency",
		doc: "ISO 4217 currency of unit_value (USD)."},
	{kind: cWeight, name: "weight_g", zh: "重量(克)", aliases: []string{"重量", "重量g", "weight", "weight(g)"}, field: "weight_g",
		doc: "Weight in grams, a whole number."},
	{kind: cLength, name: "length_mm", zh: "长(毫米)", aliases: []string{"长度(毫米)", "长", "长度", "length", "length(mm)"}, field: "dims_mm[0]",
		doc: "Length in millimetres."},
	{kind: cWidth, name: "width_mm", zh: "宽(毫米)", aliases: []string{"宽度(毫米)", "宽", "宽度", "width", "width(mm)"}, field: "dims_mm[1]",
		doc: "Width in millimetres."},
	{kind: cHeight, name: "height_mm", zh: "高(毫米)", aliases: []string{"高度(毫米)", "高", "高度", "height", "height(mm)"}, field: "dims_mm[2]",
		doc: "Height in millimetres."},
	{kind: cDims, name: "dims_mm", zh: "尺寸(毫米)", aliases: []string{"尺寸", "dimensions"}, field: "dims_mm", importOnly: true,
		doc: "Import only: the three dimensions in one cell, 200x150x80."},
	{kind: cBatteryChemistry, name: "battery_chemistry", zh: "电池类型", aliases: []string{"电池化学类型", "battery"}, field: "battery.chemistry",
		doc: "Battery chemistry: " + strings.Join(Chemistries, ", ") + "; empty when the product has no battery."},
	{kind: cBatteryWh, name: "battery_wh", zh: "电池能量(Wh)", aliases: []string{"电池瓦时", "电池能量", "wh"}, field: "battery.wh",
		doc: "Battery energy in watt-hours; required for lithium-ion."},
	{kind: cBatteryPacking, name: "battery_packing", zh: "电池包装方式", aliases: []string{"电池包装"}, field: "battery.packing",
		doc: "How the battery travels: " + strings.Join(Packings, ", ") + "."},
	{kind: cCertifications, name: "certifications", zh: "认证", aliases: []string{"证书", "认证证书"}, field: "certifications",
		doc: "Certifications held, separated by | (CE|EN71)."},
	{kind: cLabels, name: "labels", zh: "标签", aliases: []string{"标识"}, field: "labels",
		doc: "Labels and marks on the product or its packaging, separated by |."},
	{kind: cMarkets, name: "markets", zh: "目标市场", aliases: []string{"销售市场", "市场"}, field: "markets",
		doc: "Target markets, separated by | (EU|US|SG)."},
	{kind: cID, name: "id", zh: "商品ID", field: "id", readOnly: true,
		doc: "Export only: the product's id; ignored on import."},
	{kind: cVersion, name: "version", zh: "版本", field: "version", readOnly: true,
		doc: "Export only: the product's version. On import, a row whose product has changed since this version is rejected instead of overwriting the newer change."},
	{kind: cCreatedAt, name: "created_at", zh: "创建时间", field: "created_at", readOnly: true, doc: "Export only; ignored on import."},
	{kind: cUpdatedAt, name: "updated_at", zh: "更新时间", field: "updated_at", readOnly: true, doc: "Export only; ignored on import."},
}

func colByKind(k colKind) *column {
	for i := range csvColumns {
		if csvColumns[i].kind == k {
			return &csvColumns[i]
		}
	}
	return nil
}

// title returns the column's title in the header language.
func (c column) title(zh bool) string {
	if zh {
		return c.zh
	}
	return c.name
}

// titleColumn is the column for titles in lang: a listed one, or
// title_<lang>.
func titleColumn(lang string) column {
	for _, c := range csvColumns {
		if c.kind == cTitle && c.lang == lang {
			return c
		}
	}
	n := "title_" + lang
	return column{kind: cTitle, lang: lang, name: n, zh: n, field: "title." + lang}
}

// normHeader folds a column title for matching: full-width forms to
// ASCII, lower case, without spaces, underscores, hyphens, dots or the
// asterisks some templates use to mark required columns.
func normHeader(s string) string {
	s = width.Fold.String(strings.TrimSpace(s))
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' || r == '.' || r == '*' {
			return -1
		}
		return r
	}, s)
}

var headerIndex = func() map[string]*column {
	m := map[string]*column{}
	for i := range csvColumns {
		c := &csvColumns[i]
		for _, n := range append([]string{c.name, c.zh}, c.aliases...) {
			m[normHeader(n)] = c
		}
	}
	return m
}()

// matchHeader finds the column a header cell names, and whether it was
// one of the Chinese titles.
func matchHeader(h string) (column, bool, bool) {
	n := normHeader(h)
	if c, ok := headerIndex[n]; ok {
		return *c, containsHan(h), true
	}
	// title_<language>, title.<language>, "title de" …
	f := strings.ToLower(width.Fold.String(strings.TrimSpace(h)))
	for _, p := range []string{"title_", "title-", "title.", "title ", "标题_", "标题-", "标题"} {
		if rest, ok := strings.CutPrefix(f, p); ok {
			rest = strings.Trim(rest, " ()")
			if lang, ok := canonicalLang(rest); ok {
				return titleColumn(lang), false, true
			}
		}
	}
	return column{}, false, false
}

func containsHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// exportColumns are the columns of an export: the listed ones, with a
// title column for every further language in use after title_en.
func exportColumns(langs []string, template bool) []column {
	var out []column
	for _, c := range csvColumns {
		if c.importOnly || (template && c.readOnly) {
			continue
		}
		out = append(out, c)
		if c.kind == cTitle && c.lang == "en" {
			for _, l := range langs {
				if l != "zh-CN" && l != "en" {
					out = append(out, titleColumn(l))
				}
			}
		}
	}
	return out
}

const listSep = "|"

// dangerous are the first characters that make a spreadsheet read a cell
// as a formula. Such a cell is written with a leading apostrophe (which
// spreadsheets hide) and the apostrophe is taken off again on import.
const dangerous = "=+-@\t\r"

func safeCell(s string) string {
	if looksLikeFormula(s) {
		return "'" + s
	}
	return s
}

func unsafeCell(s string) string {
	if strings.HasPrefix(s, "'") && looksLikeFormula(s[1:]) {
		return s[1:]
	}
	return s
}

// looksLikeFormula reports whether s, after any apostrophes, starts with a
// character that makes a spreadsheet read a formula. Counting the
// apostrophes keeps safeCell and unsafeCell exact inverses.
func looksLikeFormula(s string) bool {
	s = strings.TrimLeft(s, "'")
	return s != "" && strings.ContainsRune(dangerous, rune(s[0]))
}

// cells renders p in the given columns.
func cells(p Product, cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		var v string
		switch c.kind {
		case cSKU:
			v = p.SKU
		case cTitle:
			v = p.Title[c.lang]
		case cCategory:
			v = p.Category
		case cHSCode:
			v = p.HSCode
		case cMaterials:
			v = strings.Join(p.Materials, listSep)
		case cAttributes:
			v = formatAttributes(p.Attributes)
		case cOrigin:
			v = p.OriginCountry
		case cUnitValue:
			if p.UnitValue != nil {
				v = p.UnitValue.Amount
			}
		case cCurrency:
			if p.UnitValue != nil {
				v = p.UnitValue.Currency
			}
		case cWeight:
			if p.WeightG != nil {
				v = strconv.FormatInt(*p.WeightG, 10)
			}
		case cLength, cWidth, cHeight:
			if len(p.DimsMM) == 3 {
				v = strconv.FormatInt(p.DimsMM[c.kind-cLength], 10)
			}
		case cBatteryChemistry:
			if p.Battery != nil {
				v = p.Battery.Chemistry
			}
		case cBatteryWh:
			if p.Battery != nil && p.Battery.Wh != nil {
				v = strconv.FormatFloat(*p.Battery.Wh, 'f', -1, 64)
			}
		case cBatteryPacking:
			if p.Battery != nil {
				v = p.Battery.Packing
			}
		case cCertifications:
			v = strings.Join(p.Certifications, listSep)
		case cLabels:
			v = strings.Join(p.Labels, listSep)
		case cMarkets:
			v = strings.Join(p.Markets, listSep)
		case cID:
			v = p.ID
		case cVersion:
			if p.Version > 0 {
				v = strconv.FormatInt(p.Version, 10)
			}
		case cCreatedAt:
			if !p.CreatedAt.IsZero() {
				v = p.CreatedAt.Format(time.RFC3339)
			}
		case cUpdatedAt:
			if !p.UpdatedAt.IsZero() {
				v = p.UpdatedAt.Format(time.RFC3339)
			}
		}
		out[i] = safeCell(v)
	}
	return out
}

// formatAttributes writes attributes as name=value pairs when they read
// back as the same values, and as a JSON object otherwise (a text that
// looks like a number, a name with "=" in it).
func formatAttributes(a map[string]any) string {
	if len(a) == 0 {
		return ""
	}
	keys := slices.Sorted(maps.Keys(a))
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		var v string
		switch x := a[k].(type) {
		case string:
			v = x
			if _, isScalar := attrScalar(x); isScalar || x == "" {
				return attributesJSON(a)
			}
		case bool:
			v = strconv.FormatBool(x)
		case json.Number:
			v = x.String()
		default:
			return attributesJSON(a)
		}
		if strings.ContainsAny(k, "=|；{}") || strings.ContainsAny(v, "|；") || k != strings.TrimSpace(k) || v != strings.TrimSpace(v) {
			return attributesJSON(a)
		}
		pairs = append(pairs, k+"="+v)
	}
	return strings.Join(pairs, listSep)
}

func attributesJSON(a map[string]any) string {
	b, err := json.Marshal(a)
	if err != nil {
		return ""
	}
	return string(b)
}

// attrScalar reads an attribute value typed in a cell: true/false and
// JSON numbers become booleans and numbers, anything else stays text.
func attrScalar(s string) (any, bool) {
	switch s {
	case "true", "TRUE", "True":
		return true, true
	case "false", "FALSE", "False":
		return false, true
	}
	if isNumber(s) {
		return json.Number(s), true
	}
	return s, false
}

// isNumber reports whether s is a number in JSON's grammar.
func isNumber(s string) bool {
	var n json.Number
	if s == "" || json.Unmarshal([]byte(s), &n) != nil {
		return false
	}
	return n.String() == s
}

// csvWriter writes Excel-friendly CSV: UTF-8 with a byte-order mark (so
// Excel does not guess a legacy code page) and CRLF line ends.
func csvWriter(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return cw, nil
}

func headerRow(cols []column, zh bool) []string {
	out := make([]string, len(cols))
	for i := range cols {
		out[i] = cols[i].title(zh)
	}
	return out
}

// exportBatch is how many products an export reads at a time.
const exportBatch = 500

// Export writes the products matching f as CSV, with Chinese column
// titles when zh is set. It reads in batches, so memory stays flat
// however large the catalogue.
func (s *Service) Export(ctx context.Context, w io.Writer, f Filter, zh bool) error {
	if err := f.Validate(); err != nil {
		return err
	}
	langs, err := s.titleLanguages(ctx, f)
	if err != nil {
		return err
	}
	cols := exportColumns(langs, false)
	cw, err := csvWriter(w)
	if err != nil {
		return err
	}
	if err := cw.Write(headerRow(cols, zh)); err != nil {
		return err
	}
	after := ""
	for {
		ps, err := s.query(ctx, f, after, exportBatch)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := cw.Write(cells(p, cols)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(ps) < exportBatch {
			return nil
		}
		after = ps[len(ps)-1].SKU
	}
}

// exampleProduct is the template's example row: the contract's product.
func exampleProduct(zh bool) Product {
	wh := 7.4
	weight := int64(350)
	p := Product{
		SKU: "TOY-001", Title: Title{"zh-CN": "积木玩具", "en": "Building blocks"}, Category: "toys", HSCode: "950300",
		Materials: []string{"ABS plastic"}, Attributes: map[string]any{"age_min_months": json.Number("36")},
		OriginCountry: "CN", WeightG: &weight, DimsMM: []int64{200, 150, 80},
		Battery:        &Battery{Chemistry: "li-ion", Wh: &wh, Packing: "contained_in_equipment"},
		Certifications: []string{"CE", "EN71"}, Labels: []string{"CE", "age_warning"}, Markets: []string{"EU", "US"},
	}
	p.UnitValue = &money.Money{Amount: "12.50", Currency: "USD"}
	if zh {
		p.Materials = []string{"ABS塑料"}
	}
	return p
}

// Template writes the import template: the header row and one example row.
func Template(w io.Writer, zh bool) error {
	cols := exportColumns(nil, true)
	cw, err := csvWriter(w)
	if err != nil {
		return err
	}
	if err := cw.Write(headerRow(cols, zh)); err != nil {
		return err
	}
	if err := cw.Write(cells(exampleProduct(zh), cols)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// ColumnsDoc describes the CSV columns for the API reference.
func ColumnsDoc() string {
	var b strings.Builder
	b.WriteString("| column | Chinese title | meaning |\n|---|---|---|\n")
	for _, c := range csvColumns {
		b.WriteString("| `" + c.name + "` | " + c.zh + " | " + c.doc + " |\n")
	}
	return b.String()
}

// Column describes a spreadsheet column, for help pages.
type Column struct {
	// Name is the English title, Chinese the Chinese one.
	Name, Chinese string
	// Doc explains the column in English.
	Doc string
	// ExportOnly columns are ignored on import; ImportOnly ones are never
	// exported.
	ExportOnly, ImportOnly bool
}

// Columns lists the spreadsheet's columns in template order.
func Columns() []Column {
	out := make([]Column, 0, len(csvColumns))
	for _, c := range csvColumns {
		out = append(out, Column{Name: c.name, Chinese: c.zh, Doc: c.doc, ExportOnly: c.readOnly, ImportOnly: c.importOnly})
	}
	return out
}

// ColumnName is the English title of the column that holds a product field
// ("dims_mm[1]" → "width_mm"), as an import report names it in the field
// of its errors.
func ColumnName(field string) string {
	sh := &sheet{titles: map[string]string{}, has: map[colKind]bool{}}
	return sh.fieldColumn(field)
}
