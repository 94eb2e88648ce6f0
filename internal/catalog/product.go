package catalog

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Product is a seller's article in the canonical shape of the contract. The
// same type is the request and the response body: id, version, created_at
// and updated_at are set by the platform and ignored on input, except that
// a version sent with PUT must match the stored one.
type Product struct {
	ID    string `json:"id,omitzero"`
	SKU   string `json:"sku"`
	Title Title  `json:"title"`
	// Category is the seller's own category word ("toys").
	Category string `json:"category,omitempty"`
	// HSCode is the Harmonized System code, 6, 8 or 10 digits; dots and
	// spaces are removed.
	HSCode     string         `json:"hs_code,omitempty"`
	Materials  []string       `json:"materials"`
	Attributes map[string]any `json:"attributes"`
	// OriginCountry is an ISO 3166-1 alpha-2 code.
	OriginCountry string       `json:"origin_country,omitempty"`
	UnitValue     *money.Money `json:"unit_value,omitempty"`
	WeightG       *int64       `json:"weight_g,omitempty"`
	// DimsMM is length, width and height in millimetres.
	DimsMM         []int64  `json:"dims_mm,omitempty"`
	Battery        *Battery `json:"battery,omitempty"`
	Certifications []string `json:"certifications"`
	Labels         []string `json:"labels"`
	// Markets are the target markets (iso.Market: "EU", "US", "SG", …).
	Markets   []string  `json:"markets"`
	Version   int64     `json:"version,omitzero"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// XMLRoot names the product's XML element.
func (Product) XMLRoot() string { return "product" }

// Title maps a language tag ("zh-CN", "en", "de") to the product's title in
// that language.
type Title map[string]string

// Battery describes a battery in or with the product; it drives the
// dangerous-goods rules of carriers and markets.
type Battery struct {
	Chemistry string `json:"chemistry"`
	// Wh is the energy rating in watt-hours; required for lithium-ion.
	Wh      *float64 `json:"wh,omitempty"`
	Packing string   `json:"packing"`
}

// Battery chemistries and packings the catalogue knows.
var (
	Chemistries = []string{"li-ion", "li-polymer", "lifepo4", "li-metal", "nimh", "nicd", "alkaline", "zinc-carbon", "lead-acid", "other"}
	Packings    = []string{"contained_in_equipment", "packed_with_equipment", "standalone"}
)

// lithiumIon are the chemistries rated in watt-hours for transport.
var lithiumIon = []string{"li-ion", "li-polymer", "lifepo4"}

// Limits of one product.
const (
	maxSKU        = 100
	maxTitle      = 500
	maxCategory   = 100
	maxListItem   = 200
	maxListItems  = 50
	maxAttributes = 100
	maxAttrKey    = 100
	maxAttrValue  = 1000
	maxWeightG    = 1_000_000 // one tonne
	maxDimMM      = 100_000   // 100 metres
	maxWh         = 100_000
)

// Validate normalises p in place (trimmed text, canonical language tags,
// HS code without dots, upper-case codes, money in its currency's minor
// units, lists without blanks or repeats) and reports every field at fault
// by its exact path ("dims_mm[2]", "battery.wh", "title.en").
func (p *Product) Validate() error {
	var fs problem.Errors
	p.validate(&fs)
	return fs.Err()
}

func (p *Product) validate(fs *problem.Errors) {
	p.SKU = strings.TrimSpace(p.SKU)
	switch {
	case p.SKU == "":
		fs.Add("sku", "required")
	case utf8.RuneCountInString(p.SKU) > maxSKU:
		fs.Add("sku", "max_length", "max", maxSKU)
	case !printable(p.SKU):
		fs.Add("sku", "control_characters")
	}
	p.Title = p.Title.validate(fs)

	p.Category = strings.TrimSpace(p.Category)
	checkText(fs, "category", p.Category, maxCategory)

	if s := strings.TrimSpace(p.HSCode); s != "" {
		c, ok := iso.HSCode(s)
		if ok {
			p.HSCode = c
		} else {
			fs.Add("hs_code", "invalid_hs_code")
		}
	} else {
		p.HSCode = ""
	}

	p.Materials = cleanList(fs, "materials", p.Materials, maxListItem, nil)
	p.Attributes = validateAttributes(fs, p.Attributes)

	if s := strings.ToUpper(strings.TrimSpace(p.OriginCountry)); s != "" {
		p.OriginCountry = s
		if !iso.Country(s) {
			fs.Add("origin_country", "invalid_country", "country", s)
		}
	} else {
		p.OriginCountry = ""
	}

	if p.UnitValue != nil {
		m := *p.UnitValue
		m.Currency = strings.ToUpper(strings.TrimSpace(m.Currency))
		m.Amount = strings.TrimSpace(m.Amount)
		switch {
		case m.Currency == "" && m.Amount == "":
			p.UnitValue = nil
		case m.Currency == "":
			fs.Add("unit_value.currency", "required")
		case m.Amount == "":
			fs.Add("unit_value.amount", "required")
		default:
			n, code, params := money.Check(m, false)
			switch code {
			case "":
				if isZero(n.Amount) {
					fs.Add("unit_value.amount", "positive")
				} else {
					m = n
				}
			case money.CodeCurrency:
				fs.Add("unit_value.currency", code, params...)
			default:
				fs.Add("unit_value.amount", code, params...)
			}
			p.UnitValue = &m
		}
	}

	if p.WeightG != nil {
		switch w := *p.WeightG; {
		case w <= 0:
			fs.Add("weight_g", "positive")
		case w > maxWeightG:
			fs.Add("weight_g", "out_of_range", "min", 1, "max", maxWeightG)
		}
	}

	if len(p.DimsMM) == 0 {
		p.DimsMM = nil
	} else if len(p.DimsMM) != 3 {
		fs.Add("dims_mm", "item_count", "count", 3)
	} else {
		for i, d := range p.DimsMM {
			switch {
			case d <= 0:
				fs.Add(fmt.Sprintf("dims_mm[%d]", i), "positive")
			case d > maxDimMM:
				fs.Add(fmt.Sprintf("dims_mm[%d]", i), "out_of_range", "min", 1, "max", maxDimMM)
			}
		}
	}

	if p.Battery != nil {
		p.Battery.validate(fs)
	}

	p.Certifications = cleanList(fs, "certifications", p.Certifications, maxListItem, nil)
	p.Labels = cleanList(fs, "labels", p.Labels, maxListItem, nil)
	p.Markets = cleanList(fs, "markets", p.Markets, 10, func(s string) (string, string) {
		s = strings.ToUpper(s)
		if !iso.Market(s) {
			return s, "invalid_market"
		}
		return s, ""
	})
}

func (b *Battery) validate(fs *problem.Errors) {
	b.Chemistry = strings.ToLower(strings.TrimSpace(b.Chemistry))
	switch {
	case b.Chemistry == "":
		fs.Add("battery.chemistry", "required")
	case !slices.Contains(Chemistries, b.Chemistry):
		fs.Add("battery.chemistry", "one_of", "values", strings.Join(Chemistries, ", "))
	}
	switch {
	case b.Wh == nil:
		if slices.Contains(lithiumIon, b.Chemistry) {
			fs.Add("battery.wh", "required")
		}
	case *b.Wh <= 0 || *b.Wh != *b.Wh:
		fs.Add("battery.wh", "positive")
	case *b.Wh > maxWh:
		fs.Add("battery.wh", "out_of_range", "min", 0, "max", maxWh)
	}
	b.Packing = strings.ToLower(strings.TrimSpace(b.Packing))
	switch {
	case b.Packing == "":
		fs.Add("battery.packing", "required")
	case !slices.Contains(Packings, b.Packing):
		fs.Add("battery.packing", "one_of", "values", strings.Join(Packings, ", "))
	}
}

// validate returns t with canonical language tags and trimmed texts; empty
// texts are errors, not silently dropped, so a typo does not lose a title.
func (t Title) validate(fs *problem.Errors) Title {
	if len(t) == 0 {
		fs.Add("title", "required")
		return Title{}
	}
	out := make(Title, len(t))
	for _, k := range slices.Sorted(maps.Keys(t)) {
		v := strings.TrimSpace(t[k])
		field := "title." + k
		tag, ok := canonicalLang(k)
		if !ok {
			fs.Add(field, "invalid_language")
			continue
		}
		if _, dup := out[tag]; dup {
			fs.Add(field, "duplicate")
			continue
		}
		if checkText(fs, field, v, maxTitle) && v == "" {
			fs.Add(field, "required")
		}
		out[tag] = v
	}
	if out["zh-CN"] == "" && out["en"] == "" && !hasBase(out, "zh", "en") {
		fs.Add("title", "title_language")
	}
	return out
}

// hasBase reports whether t holds a non-empty title in a regional variant
// of one of the base languages ("en-GB", "zh-TW").
func hasBase(t Title, bases ...string) bool {
	for k, v := range t {
		b, _, _ := strings.Cut(k, "-")
		if v != "" && slices.Contains(bases, b) {
			return true
		}
	}
	return false
}

// canonicalLang spells a language tag the way the catalogue stores it:
// BCP 47 canonical case, with every spelling of simplified Chinese as
// "zh-CN" (the contract's key).
func canonicalLang(s string) (string, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", "-"))
	if s == "" || len(s) > 35 {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	switch tag.String() {
	case "zh", "zh-Hans", "zh-CN", "zh-Hans-CN":
		return "zh-CN", true
	}
	return tag.String(), true
}

// checkText reports (and returns false for) text that is too long or holds
// control characters.
func checkText(fs *problem.Errors, field, s string, max int) bool {
	switch {
	case utf8.RuneCountInString(s) > max:
		fs.Add(field, "max_length", "max", max)
		return false
	case !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		fs.Add(field, "control_characters")
		return false
	}
	return true
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// cleanList trims items, drops repeats and reports blank or bad items by
// index. norm, when given, normalises an item and returns a code for a
// bad one.
func cleanList(fs *problem.Errors, field string, in []string, maxLen int, norm func(string) (string, string)) []string {
	out := make([]string, 0, len(in))
	if len(in) > maxListItems {
		fs.Add(field, "max_items", "max", maxListItems)
		return out
	}
	for i, s := range in {
		s = strings.TrimSpace(s)
		path := fmt.Sprintf("%s[%d]", field, i)
		if s == "" {
			fs.Add(path, "required")
			continue
		}
		if !checkText(fs, path, s, maxLen) {
			continue
		}
		if norm != nil {
			var code string
			if s, code = norm(s); code != "" {
				fs.Add(path, code)
				continue
			}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// validateAttributes accepts names up to 100 characters with text, number
// or true/false values: the same attributes then survive JSON, XML and the
// spreadsheet alike.
func validateAttributes(fs *problem.Errors, in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	if len(in) > maxAttributes {
		fs.Add("attributes", "max_items", "max", maxAttributes)
		return out
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		name := strings.TrimSpace(k)
		field := "attributes." + k
		if name == "" || utf8.RuneCountInString(name) > maxAttrKey || !printable(name) {
			fs.Add("attributes", "attribute_name", "max", maxAttrKey)
			continue
		}
		switch v := in[k].(type) {
		case string:
			v = strings.TrimSpace(v)
			if checkText(fs, field, v, maxAttrValue) {
				out[name] = v
			}
		case json.Number, bool:
			out[name] = v
		case float64:
			out[name] = json.Number(fmt.Sprint(v))
		case int:
			out[name] = json.Number(fmt.Sprint(v))
		case int64:
			out[name] = json.Number(fmt.Sprint(v))
		default:
			fs.Add(field, "attribute_value")
		}
	}
	return out
}

func isZero(amount string) bool {
	return strings.Trim(strings.TrimPrefix(amount, "-"), "0.") == ""
}

// normalized returns p with nil collections replaced by empty ones, so the
// JSON and XML forms always carry them.
func (p Product) normalized() Product {
	if p.Title == nil {
		p.Title = Title{}
	}
	if p.Materials == nil {
		p.Materials = []string{}
	}
	if p.Attributes == nil {
		p.Attributes = map[string]any{}
	}
	if p.Certifications == nil {
		p.Certifications = []string{}
	}
	if p.Labels == nil {
		p.Labels = []string{}
	}
	if p.Markets == nil {
		p.Markets = []string{}
	}
	return p
}
