package checks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// FactValue is one fact of a product as the checker established it: the
// value (bool, float64, string, or []string for category) and where it
// came from. Inferred facts were not stated by the seller; the finding
// says how they were worked out ("inferred from HS 8517.62") so that a
// wrong guess can be corrected by stating the attribute.
type FactValue struct {
	Value    any    `json:"value"`
	Source   string `json:"source"`
	Inferred bool   `json:"inferred,omitempty"`
	// List is the list entry a fact derived from list data rests on.
	List *ListHit `json:"list_match,omitempty"`
}

// productFacts are the facts of one product, worked out once per check and
// shared by every market: the destination and transport are added per
// market by the engine.
type productFacts struct {
	m map[string]FactValue
	// cats maps each category of the product to where it came from.
	cats map[string]string
	hs   string
	// words are the lower-cased words of every title (and their singular
	// when they end in s); title is every title, lower-cased, with single
	// spaces, for phrase and CJK keywords.
	words map[string]bool
	title string
	// materials are lower-cased, with their words.
	materials     []string
	materialWords map[string]bool
	// evidence maps an evidence code the product shows to where it shows
	// it ("certifications: CE").
	evidence map[string]string
}

func (f *productFacts) get(name string) (FactValue, bool) {
	v, ok := f.m[name]
	return v, ok
}

func (f *productFacts) set(name string, v any, source string, inferred bool) {
	f.m[name] = FactValue{Value: v, Source: source, Inferred: inferred}
}

// setIfAbsent records an inferred value only when nothing better (a stated
// attribute) is known.
func (f *productFacts) setIfAbsent(name string, v any, source string) {
	if _, ok := f.m[name]; !ok {
		f.set(name, v, source, true)
	}
}

// Snapshot returns the facts as a map for storage and reports.
func (f *productFacts) snapshot() map[string]FactValue {
	out := maps.Clone(f.m)
	if len(f.cats) > 0 {
		cats := slices.Sorted(maps.Keys(f.cats))
		srcs := make([]string, 0, len(cats))
		inferred := false
		for _, c := range cats {
			srcs = append(srcs, c+": "+f.cats[c])
			inferred = inferred || strings.HasPrefix(f.cats[c], "inferred")
		}
		out["category"] = FactValue{Value: cats, Source: strings.Join(srcs, "; "), Inferred: inferred}
	}
	return out
}

// factInfo indexes the vocabulary by name.
var factInfo = func() map[string]rules.Fact {
	m := make(map[string]rules.Fact, len(rules.Facts))
	for _, f := range rules.Facts {
		m[f.Name] = f
	}
	return m
}()

// factByAttribute maps the attribute names a fact may be stated under to
// the fact: its own name, and with dots as underscores (battery.wh →
// battery_wh).
var factByAttribute = func() map[string]rules.Fact {
	m := make(map[string]rules.Fact, 2*len(rules.Facts))
	for _, f := range rules.Facts {
		m[f.Name] = f
		if strings.Contains(f.Name, ".") {
			m[strings.ReplaceAll(f.Name, ".", "_")] = f
		}
	}
	return m
}()

// deriveFacts works out every fact of the vocabulary that p states or
// implies. The destination, transport and manufacturer_in_market facts
// depend on the check and are added by the engine.
func deriveFacts(p *catalog.Product) *productFacts {
	f := &productFacts{m: make(map[string]FactValue, 48), cats: map[string]string{}, materialWords: map[string]bool{},
		evidence: map[string]string{}}
	// A code that is not 2 to 10 digits (only an unvalidated product has
	// one) is no code: every prefix rule below reads whole chapters.
	if hs := hsDigits.Replace(p.HSCode); len(hs) >= 2 && len(hs) <= 10 && strings.Trim(hs, "0123456789") == "" {
		f.hs = hs
	}

	// Stated attributes first: whatever the seller says wins over any
	// inference below.
	for _, k := range slices.Sorted(maps.Keys(p.Attributes)) {
		fa, ok := factByAttribute[k]
		if !ok {
			continue
		}
		if _, done := f.m[fa.Name]; done && k != fa.Name {
			continue // the fact's own name wins over its underscore spelling
		}
		if v, ok := convert(p.Attributes[k], fa.Type); ok {
			f.set(fa.Name, v, "attributes."+k, false)
		}
	}

	f.titleWords(p.Title)
	for _, m := range p.Materials {
		m = strings.ToLower(strings.TrimSpace(m))
		if m == "" {
			continue
		}
		f.materials = append(f.materials, m)
		for _, w := range words(m) {
			f.materialWords[w] = true
		}
	}

	// Product fields.
	if f.hs != "" {
		f.set("hs_code", f.hs, "product.hs_code", false)
	}
	if p.OriginCountry != "" {
		f.set("origin_country", p.OriginCountry, "product.origin_country", false)
	}
	if p.UnitValue != nil {
		if n, err := strconv.ParseFloat(p.UnitValue.Amount, 64); err == nil {
			f.set("unit_value", n, "product.unit_value", false)
		}
	}
	if p.WeightG != nil {
		f.set("weight_g", float64(*p.WeightG), "product.weight_g", false)
	}
	if _, ok := f.m["channel"]; !ok {
		f.set("channel", "online", "default (online)", false)
	}
	for _, d := range []struct{ name string }{{"consumer_product"}, {"packaging"}} {
		if _, ok := f.m[d.name]; !ok {
			f.set(d.name, true, "default (true)", false)
		}
	}

	f.categories(p)
	f.battery(p)
	// Positive inferences first, then the negatives an HS code allows:
	// ivory listed as a material beats "HS 7117 is not ivory".
	f.inferFromHS()
	f.inferFromText()
	f.inferHSNegatives()
	f.inferDerived()
	f.collectEvidence(p)
	return f
}

// titleWords indexes the words of every title.
func (f *productFacts) titleWords(t catalog.Title) {
	f.words = map[string]bool{}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t)) {
		s := strings.ToLower(t[k])
		parts = append(parts, strings.Join(strings.Fields(s), " "))
		for _, w := range words(s) {
			f.words[w] = true
			if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
				f.words[w[:len(w)-1]] = true
			}
			if strings.Contains(w, "-") {
				f.words[strings.ReplaceAll(w, "-", "")] = true
			}
		}
	}
	f.title = " " + strings.Join(parts, " | ") + " "
}

// words splits lower-cased text into words of letters, digits and inner
// hyphens. Han text has no spaces; CJK keywords are matched as substrings
// of the title instead.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-')
	})
}

// hasCJK reports whether s holds Han, kana or hangul characters.
func hasCJK(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return false
	}
	return strings.ContainsFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
	})
}

// titleHas reports whether the titles contain the keyword kw (lower case)
// as a whole word, a phrase of whole words, or, for CJK text, anywhere.
func (f *productFacts) titleHas(kw string) bool {
	switch {
	case hasCJK(kw):
		return strings.Contains(f.title, kw)
	case strings.ContainsAny(kw, " "):
		return phraseIn(f.title, kw)
	default:
		return f.words[kw]
	}
}

// phraseIn reports whether phrase occurs in text as whole words.
func phraseIn(text, phrase string) bool {
	for i := 0; ; {
		j := strings.Index(text[i:], phrase)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(phrase)
		if (j == 0 || !isWordByte(text[j-1])) && (end >= len(text) || !isWordByte(text[end])) {
			return true
		}
		i = j + 1
	}
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80
}

// firstTitleHit returns the first of kws the titles contain.
func (f *productFacts) firstTitleHit(kws []string) (string, bool) {
	for _, k := range kws {
		if f.titleHas(k) {
			return k, true
		}
	}
	return "", false
}

// hasMaterial reports whether a material equals m or contains it as words.
func (f *productFacts) hasMaterial(m string) bool {
	if !strings.Contains(m, " ") {
		return f.materialWords[m] || slices.Contains(f.materials, m)
	}
	for _, pm := range f.materials {
		if phraseIn(" "+pm+" ", m) {
			return true
		}
	}
	return false
}

// categorySynonyms maps the seller's own category words to the vocabulary.
var categorySynonyms = map[string]string{
	"toy": "toys", "玩具": "toys", "games": "toys", "cosmetic": "cosmetics", "beauty": "cosmetics", "化妆品": "cosmetics",
	"美妆": "cosmetics", "electronic": "electronics", "电子": "electronics", "电子产品": "electronics",
	"phone accessories": "electronics", "手机配件": "electronics", "battery": "batteries", "电池": "batteries",
	"clothing": "apparel", "clothes": "apparel", "服装": "apparel", "shoes": "footwear", "鞋": "footwear",
	"jewelry": "jewellery", "首饰": "jewellery", "饰品": "jewellery", "baby": "childcare", "母婴": "childcare",
	"食品": "food", "textile": "textiles", "纺织品": "textiles", "家居": "home", "厨房": "kitchen", "kitchenware": "kitchen",
	"lamp": "lighting", "lamps": "lighting", "lights": "lighting", "灯具": "lighting", "furniture": "furniture",
	"家具": "furniture", "tool": "tools", "工具": "tools", "pets": "pet", "宠物": "pet", "sport": "sports", "运动": "sports",
	"bags": "luggage", "箱包": "luggage", "stationary": "stationery", "文具": "stationery",
}

func normCategory(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(rules.Categories, s) {
		return s, true
	}
	c, ok := categorySynonyms[s]
	return c, ok
}

// hsCategories maps HS prefixes to the categories they imply, longest
// prefix first within each chapter.
var hsCategories = []struct {
	prefix string
	cats   []string
}{
	{"01", []string{"animal_products"}}, {"02", []string{"animal_products", "food"}}, {"03", []string{"animal_products", "food"}},
	{"04", []string{"animal_products", "food"}}, {"05", []string{"animal_products"}}, {"06", []string{"plants"}},
	{"07", []string{"food"}}, {"08", []string{"food"}}, {"09", []string{"food"}}, {"10", []string{"food"}},
	{"11", []string{"food"}}, {"12", []string{"plants"}}, {"15", []string{"food"}}, {"16", []string{"food"}},
	{"17", []string{"food"}}, {"18", []string{"food"}}, {"19", []string{"food"}}, {"20", []string{"food"}},
	{"2106", []string{"food", "supplements"}}, {"21", []string{"food"}}, {"2203", []string{"alcohol", "food"}},
	{"2204", []string{"alcohol", "food"}}, {"2205", []string{"alcohol", "food"}}, {"2206", []string{"alcohol", "food"}},
	{"2208", []string{"alcohol", "food"}}, {"22", []string{"food"}}, {"23", []string{"pet"}}, {"24", []string{"tobacco"}},
	{"28", []string{"chemicals"}}, {"29", []string{"chemicals"}}, {"30", []string{"medical_devices"}},
	{"32", []string{"chemicals"}}, {"33", []string{"cosmetics"}}, {"34", []string{"chemicals"}}, {"38", []string{"chemicals"}},
	{"392410", []string{"kitchen", "food_contact"}}, {"4202", []string{"luggage"}}, {"44", []string{"wood"}},
	{"48", []string{"stationery"}}, {"50", []string{"textiles"}}, {"51", []string{"textiles"}}, {"52", []string{"textiles"}},
	{"53", []string{"textiles"}}, {"54", []string{"textiles"}}, {"55", []string{"textiles"}}, {"56", []string{"textiles"}},
	{"57", []string{"textiles"}}, {"58", []string{"textiles"}}, {"59", []string{"textiles"}}, {"60", []string{"textiles"}},
	{"61", []string{"apparel", "textiles"}}, {"62", []string{"apparel", "textiles"}}, {"63", []string{"textiles"}},
	{"64", []string{"footwear"}}, {"6911", []string{"kitchen", "food_contact"}}, {"6912", []string{"kitchen", "food_contact"}},
	{"7013", []string{"kitchen", "food_contact"}}, {"7113", []string{"jewellery"}}, {"7117", []string{"jewellery"}},
	{"7323", []string{"kitchen", "food_contact"}}, {"8201", []string{"tools"}}, {"8202", []string{"tools"}},
	{"8203", []string{"tools"}}, {"8204", []string{"tools"}}, {"8205", []string{"tools"}}, {"8211", []string{"kitchen"}},
	{"8215", []string{"kitchen", "food_contact"}}, {"8467", []string{"tools", "electrical", "machinery"}},
	{"84", []string{"machinery", "electrical"}}, {"8506", []string{"batteries", "electrical"}},
	{"8507", []string{"batteries", "electrical"}}, {"8517", []string{"electronics", "radio", "electrical"}},
	{"8525", []string{"electronics", "radio", "electrical"}}, {"8526", []string{"electronics", "radio", "electrical"}},
	{"8527", []string{"electronics", "radio", "electrical"}}, {"8539", []string{"lighting", "electrical"}},
	{"85", []string{"electronics", "electrical"}}, {"8806", []string{"drones", "electronics", "electrical"}},
	{"87", []string{"vehicles_parts"}}, {"9018", []string{"medical_devices"}}, {"9019", []string{"medical_devices"}},
	{"9020", []string{"medical_devices", "ppe"}}, {"9021", []string{"medical_devices"}}, {"9022", []string{"medical_devices"}},
	{"90", []string{"electronics"}}, {"93", []string{"weapons"}}, {"9401", []string{"furniture"}},
	{"9403", []string{"furniture"}}, {"9404", []string{"home"}}, {"9405", []string{"lighting", "electrical"}},
	{"9503", []string{"toys"}}, {"9504", []string{"toys"}}, {"9505", []string{"toys"}}, {"9506", []string{"sports"}},
	{"9507", []string{"sports"}}, {"9608", []string{"stationery"}}, {"9609", []string{"stationery"}},
	{"9619", []string{"childcare"}},
}

// hsDot writes an HS prefix the way people read it (8517.62).
func hsDot(p string) string {
	if len(p) <= 4 {
		return p
	}
	return p[:4] + "." + p[4:]
}

func (f *productFacts) categories(p *catalog.Product) {
	if c, ok := normCategory(p.Category); ok {
		f.cats[c] = "product.category"
	}
	if v, ok := p.Attributes["categories"]; ok {
		if s, ok := v.(string); ok {
			for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ';' }) {
				if c, ok := normCategory(part); ok {
					f.cats[c] = "attributes.categories"
				}
			}
		}
	}
	if f.hs == "" {
		return
	}
	// The longest matching prefix of each chapter decides; a heading entry
	// (8517) hides its chapter's (85) only when it lists the chapter's
	// categories itself.
	seen := map[string]bool{}
	for _, hc := range hsCategories {
		if strings.HasPrefix(f.hs, hc.prefix) {
			chapter := hc.prefix[:2]
			if seen[chapter] && len(hc.prefix) == 2 {
				continue
			}
			seen[chapter] = true
			for _, c := range hc.cats {
				if _, ok := f.cats[c]; !ok {
					f.cats[c] = "inferred from HS " + hsDot(hc.prefix)
				}
			}
		}
	}
}

func (f *productFacts) battery(p *catalog.Product) {
	b := p.Battery
	if b == nil {
		// A battery itself, declared without the battery block.
		switch {
		case strings.HasPrefix(f.hs, "850760"):
			f.setIfAbsent("battery", true, "inferred from HS 8507.60")
			f.setIfAbsent("battery.chemistry", "li-ion", "inferred from HS 8507.60")
			f.setIfAbsent("battery.packing", "standalone", "inferred from HS 8507.60")
		case strings.HasPrefix(f.hs, "850650"):
			f.setIfAbsent("battery", true, "inferred from HS 8506.50")
			f.setIfAbsent("battery.chemistry", "li-metal", "inferred from HS 8506.50")
			f.setIfAbsent("battery.packing", "standalone", "inferred from HS 8506.50")
		case strings.HasPrefix(f.hs, "8506") || strings.HasPrefix(f.hs, "8507"):
			f.setIfAbsent("battery", true, "inferred from HS "+hsDot(f.hs[:4]))
			f.setIfAbsent("battery.packing", "standalone", "inferred from HS "+hsDot(f.hs[:4]))
		default:
			f.setIfAbsent("battery", false, "product.battery (none)")
		}
	} else {
		f.set("battery", true, "product.battery", false)
		if b.Chemistry != "" {
			f.set("battery.chemistry", b.Chemistry, "product.battery.chemistry", false)
		}
		if b.Packing != "" {
			f.set("battery.packing", b.Packing, "product.battery.packing", false)
		}
		if b.Wh != nil {
			f.set("battery.wh", *b.Wh, "product.battery.wh", false)
		}
	}
	if chem, ok := f.m["battery.chemistry"]; ok {
		if s, _ := chem.Value.(string); s != "" {
			lithium := strings.HasPrefix(s, "li")
			f.setIfAbsent("battery.lithium", lithium, "derived from battery.chemistry "+s)
		}
	} else if v, ok := f.m["battery"]; ok && v.Value == false {
		f.setIfAbsent("battery.lithium", false, "product.battery (none)")
	}
	if _, ok := f.m["battery.un38_3_tested"]; !ok && slices.ContainsFunc(p.Certifications, func(c string) bool {
		return evidenceCode(c) == "un38_3"
	}) {
		f.set("battery.un38_3_tested", true, "certifications: UN 38.3", false)
	}
	// UN number of a lithium battery shipment, from its chemistry and
	// packing: ion standalone UN3480, with or in equipment UN3481; metal
	// UN3090 and UN3091.
	if _, stated := f.m["un_number"]; !stated {
		chem, _ := f.m["battery.chemistry"].Value.(string)
		pack, _ := f.m["battery.packing"].Value.(string)
		if un := lithiumUN(chem, pack); un != "" {
			f.set("un_number", un, fmt.Sprintf("derived from battery %s, %s", chem, pack), true)
		}
	}
}

// lithiumUN is the UN number of a lithium battery by chemistry and
// packing, or "" for anything else.
func lithiumUN(chem, pack string) string {
	var metal bool
	switch chem {
	case "li-ion", "li-polymer", "lifepo4":
	case "li-metal":
		metal = true
	default:
		return ""
	}
	switch pack {
	case "standalone":
		if metal {
			return "UN3090"
		}
		return "UN3480"
	case "contained_in_equipment", "packed_with_equipment":
		if metal {
			return "UN3091"
		}
		return "UN3481"
	}
	return ""
}

// hsFacts are the boolean facts an HS code settles: true when the code
// starts with one of the prefixes, false (inferred from the code) when it
// does not.
var hsFacts = []struct {
	fact     string
	prefixes []string
	// notPrefixes are exceptions inside prefixes.
	notPrefixes []string
}{
	{"ivory", []string{"960110"}, nil},
	{"cosmetic", []string{"3303", "3304", "3305", "3306", "3307"}, nil},
	{"food", []string{"01", "02", "03", "04", "07", "08", "09", "10", "11", "12", "15", "16", "17", "18", "19", "20", "21", "22", "23"},
		[]string{"1209", "2309"}},
	{"food_contact", []string{"392410", "6911", "6912", "7013", "7323", "8215"}, nil},
	{"textile", []string{"50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "60", "61", "62", "63"}, nil},
	{"footwear", []string{"64"}, nil},
	{"jewellery", []string{"7113", "7117"}, nil},
	{"medical_device", []string{"9018", "9019", "9020", "9021", "9022", "3005"}, nil},
	{"drone", []string{"8806"}, nil},
	{"weapon", []string{"93"}, nil},
	{"tobacco_or_vape", []string{"24", "854340"}, nil},
	{"plant_or_seed", []string{"06", "1209"}, nil},
	{"animal_product", []string{"01", "02", "03", "04", "05"}, nil},
	{"pesticide_or_biocide", []string{"3808"}, nil},
}

func hasAnyPrefix(s string, ps []string) (string, bool) {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return p, true
		}
	}
	return "", false
}

func (f *productFacts) inferFromHS() {
	if f.hs == "" {
		return
	}
	for _, hf := range hsFacts {
		p, ok := hasAnyPrefix(f.hs, hf.prefixes)
		if ok {
			if _, not := hasAnyPrefix(f.hs, hf.notPrefixes); not {
				ok = false
			}
		}
		if ok {
			f.setIfAbsent(hf.fact, true, "inferred from HS "+hsDot(p))
		}
	}
	if p, ok := hasAnyPrefix(f.hs, []string{"851762", "8525", "8526", "8527"}); ok {
		f.setIfAbsent("radio", true, "inferred from HS "+hsDot(p))
	}
	if p, ok := hasAnyPrefix(f.hs, []string{"84", "85", "90", "9405"}); ok {
		f.setIfAbsent("electrical", true, "inferred from HS "+hsDot(p))
	}
	if p, ok := hasAnyPrefix(f.hs, []string{"44", "940330", "940340", "940350", "940360"}); ok {
		f.setIfAbsent("wood", true, "inferred from HS "+hsDot(p))
	}
}

// Chapters whose goods may be liquids, aerosols or flammable: foods and
// drinks, oils, fuels, chemicals, pharmaceuticals, cosmetics, paints,
// soaps, glues, explosives, pesticides. Outside them an HS code settles
// that the product is none of these unless the seller or the title says
// otherwise.
var fluidChapters = []string{"04", "09", "13", "15", "16", "17", "18", "19", "20", "21", "22", "27", "28", "29", "30",
	"31", "32", "33", "34", "35", "36", "37", "38", "39", "40"}

// inferHSNegatives records what a known HS code rules out.
func (f *productFacts) inferHSNegatives() {
	if f.hs == "" {
		return
	}
	src := "inferred from HS " + hsDot(f.hs)
	for _, hf := range hsFacts {
		f.setIfAbsent(hf.fact, false, src)
	}
	if !slices.Contains(fluidChapters, f.hs[:2]) {
		src := "inferred from HS chapter " + f.hs[:2] + " (no liquids, aerosols or flammables)"
		for _, n := range []string{"contains_liquid", "aerosol", "flammable"} {
			f.setIfAbsent(n, false, src)
		}
	}
}

// Title words that imply a fact. Lower case; CJK matched anywhere.
var (
	radioWords   = []string{"bluetooth", "wi-fi", "wifi", "wireless", "wlan", "nfc", "gps", "zigbee", "lte", "5g", "4g", "蓝牙", "无线", "wifi"}
	connectWords = []string{"wi-fi", "wifi", "smart", "app-controlled", "app control", "iot", "wlan", "智能", "联网"}
	magnetWords  = []string{"magnet", "magnetic", "neodymium", "磁", "磁铁", "磁力"}
	liquidWords  = []string{"liquid", "oil", "serum", "lotion", "gel", "液", "油"}
	aerosolWords = []string{"aerosol", "spray can", "喷雾"}
	// Button and coin cells (a swallowing hazard the battery rules single
	// out).
	buttonCellWords = []string{"button cell", "coin cell", "button battery", "coin battery", "纽扣电池", "纽扣"}
	magnetMats      = []string{"magnet", "neodymium", "ndfeb", "磁铁"}
	woodMats        = []string{"wood", "wooden", "bamboo", "plywood", "mdf", "木", "竹"}
	leatherMats     = []string{"leather", "cowhide", "皮革", "真皮"}
	citesMaterial   = map[string]string{"ivory": "elephantidae (ivory)", "象牙": "elephantidae (ivory)",
		"rhino horn": "rhinocerotidae (rhino horn)", "tortoiseshell": "eretmochelys imbricata (tortoiseshell)",
		"coral": "antipatharia/scleractinia (coral)", "shahtoosh": "pantholops hodgsonii (shahtoosh)"}
)

func (f *productFacts) inferFromText() {
	if w, ok := f.firstTitleHit(radioWords); ok {
		f.setIfAbsent("radio", true, fmt.Sprintf("inferred from title %q", w))
	}
	if w, ok := f.firstTitleHit(connectWords); ok {
		f.setIfAbsent("connected", true, fmt.Sprintf("inferred from title %q", w))
	}
	for _, m := range magnetMats {
		if f.hasMaterialCJK(m) {
			f.setIfAbsent("contains_magnets", true, fmt.Sprintf("inferred from material %q", m))
		}
	}
	if w, ok := f.firstTitleHit(magnetWords); ok {
		f.setIfAbsent("contains_magnets", true, fmt.Sprintf("inferred from title %q", w))
	}
	if p, ok := hasAnyPrefix(f.hs, []string{"22", "33"}); ok && f.hs != "" {
		f.setIfAbsent("contains_liquid", true, "inferred from HS chapter "+p)
	}
	if w, ok := f.firstTitleHit(liquidWords); ok {
		f.setIfAbsent("contains_liquid", true, fmt.Sprintf("inferred from title %q", w))
	}
	if b, _ := boolFact(f, "battery"); b || f.m["battery"].Value == nil {
		if w, ok := f.firstTitleHit(buttonCellWords); ok {
			f.setIfAbsent("battery.button_cell", true, fmt.Sprintf("inferred from title %q", w))
		} else if strings.Contains(f.title, " cr20") || strings.Contains(f.title, " cr16") || strings.Contains(f.title, " cr24") {
			f.setIfAbsent("battery.button_cell", true, "inferred from a CR coin-cell size in the title")
		}
	}
	if w, ok := f.firstTitleHit(aerosolWords); ok {
		f.setIfAbsent("aerosol", true, fmt.Sprintf("inferred from title %q", w))
	}
	for _, m := range woodMats {
		if f.hasMaterialCJK(m) {
			f.setIfAbsent("wood", true, fmt.Sprintf("inferred from material %q", m))
		}
	}
	for _, m := range leatherMats {
		if f.hasMaterialCJK(m) {
			f.setIfAbsent("leather", true, fmt.Sprintf("materials: %s", m))
		}
	}
	if len(f.materials) > 0 {
		f.setIfAbsent("leather", false, "materials (no leather listed)")
	}
	for _, m := range slices.Sorted(maps.Keys(citesMaterial)) {
		if f.hasMaterialCJK(m) {
			f.setIfAbsent("cites_species", citesMaterial[m], fmt.Sprintf("inferred from material %q", m))
			if m == "ivory" || m == "象牙" {
				f.setIfAbsent("ivory", true, fmt.Sprintf("materials: %s", m))
			}
		}
	}
}

// hasMaterialCJK is hasMaterial that also finds CJK words inside
// materials written without spaces.
func (f *productFacts) hasMaterialCJK(m string) bool {
	if hasCJK(m) {
		return slices.ContainsFunc(f.materials, func(pm string) bool { return strings.Contains(pm, m) })
	}
	return f.hasMaterial(m)
}

func boolFact(f *productFacts, name string) (bool, bool) {
	v, ok := f.m[name]
	if !ok {
		return false, false
	}
	b, ok := v.Value.(bool)
	return b, ok
}

func numFact(f *productFacts, name string) (float64, bool) {
	v, ok := f.m[name]
	if !ok {
		return 0, false
	}
	n, ok := v.Value.(float64)
	return n, ok
}

// inferDerived works out the facts that follow from other facts.
func (f *productFacts) inferDerived() {
	// Electrical: a battery or a rated voltage means electrics inside.
	if b, _ := boolFact(f, "battery"); b {
		f.setIfAbsent("electrical", true, "inferred from the battery")
	}
	for _, v := range []string{"rated_voltage_ac_v", "rated_voltage_dc_v"} {
		if n, ok := numFact(f, v); ok && n > 0 {
			f.setIfAbsent("electrical", true, "inferred from "+v)
		}
	}
	if f.hs != "" {
		f.setIfAbsent("electrical", false, "inferred from HS "+hsDot(f.hs)+" without a battery or voltage")
	}
	// Without electrics there is no radio, and nothing connected.
	if e, ok := boolFact(f, "electrical"); ok && !e {
		f.setIfAbsent("radio", false, "inferred: not electrical")
		f.setIfAbsent("connected", false, "inferred: not electrical")
	}
	// Children's products.
	for _, c := range []string{"toys", "childcare"} {
		if src, ok := f.cats[c]; ok {
			f.setIfAbsent("children_product", true, "inferred from category "+c+" ("+src+")")
		}
	}
	if n, ok := numFact(f, "age_max_years"); ok && n < 14 {
		f.setIfAbsent("children_product", true, "inferred from age_max_years < 14")
	}
	if n, ok := numFact(f, "age_min_months"); ok && n >= 14*12 {
		f.setIfAbsent("children_product", false, "inferred from age_min_months ≥ 168")
	}
	if len(f.cats) > 0 {
		f.setIfAbsent("children_product", false, "inferred from category (not toys or childcare)")
	}
	// Flammable from a flash point at or below 60 °C (GHS category 1–3).
	if n, ok := numFact(f, "flash_point_c"); ok {
		f.setIfAbsent("flammable", n <= 60, fmt.Sprintf("inferred from flash_point_c %g", n))
	}
	if b, ok := boolFact(f, "aerosol"); ok && b {
		if _, stated := f.m["un_number"]; !stated {
			f.set("un_number", "UN1950", "derived from aerosol", true)
		}
	}
	// Dangerous goods: a lithium or lead-acid battery, a flammable product
	// or an aerosol is; a product that states none of them is taken not to
	// be, and the finding says so.
	if _, ok := f.m["dangerous_goods"]; !ok {
		var why []string
		if b, _ := boolFact(f, "battery.lithium"); b {
			why = append(why, "lithium battery")
		}
		if c, _ := f.m["battery.chemistry"].Value.(string); c == "lead-acid" {
			why = append(why, "lead-acid battery")
		}
		if b, _ := boolFact(f, "flammable"); b {
			why = append(why, "flammable")
		}
		if b, _ := boolFact(f, "aerosol"); b {
			why = append(why, "aerosol")
		}
		if len(why) > 0 {
			f.set("dangerous_goods", true, "derived from "+strings.Join(why, ", "), true)
		} else {
			_, bKnown := f.m["battery"]
			if bKnown {
				f.set("dangerous_goods", false, "derived: no lithium battery, flammable or aerosol stated", true)
			}
		}
	}
	// Radio and network equipment implement cryptography more often than
	// not; the export-control rules ask.
	for _, n := range []string{"radio", "connected"} {
		if b, _ := boolFact(f, n); b {
			f.setIfAbsent("encryption", true, "inferred from "+n)
		}
	}
}

// evidenceAliases spell some codes the way sellers write them.
var evidenceAliases = map[string]string{
	"weee": "weee_mark", "un38_3_test_summary": "un38_3", "un383": "un38_3", "msds": "sds",
	"declaration_of_conformity": "eu_declaration", "doc": "eu_declaration", "eu_doc": "eu_declaration",
	"fcc": "fcc_sdoc", "fccid": "fcc_id", "ukca_mark": "ukca", "ce_mark": "ce", "prop_65": "prop65_warning",
	"prop65": "prop65_warning", "lithium_battery_label": "lithium_battery_mark", "psc": "psc_mark",
	"pse_mark": "pse", "telec": "giteki", "cpsia_tracking_label": "tracking_label", "inci": "ingredient_list",
}

// evidenceCode turns "CE", "UN 38.3" or "FCC-ID" into the vocabulary's
// spelling ("ce", "un38_3", "fcc_id").
func evidenceCode(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var b strings.Builder
	us := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if us && b.Len() > 0 {
				b.WriteByte('_')
			}
			us = false
			b.WriteRune(r)
		default:
			us = true
		}
	}
	c := b.String()
	// "un_38_3" and "un38_3" are the same test.
	if strings.HasPrefix(c, "un_38") {
		c = "un38" + c[5:]
	}
	if a, ok := evidenceAliases[c]; ok {
		return a
	}
	return c
}

func (f *productFacts) collectEvidence(p *catalog.Product) {
	for _, c := range p.Certifications {
		if code := evidenceCode(c); code != "" {
			f.evidence[code] = "certifications: " + c
		}
	}
	for _, l := range p.Labels {
		if code := evidenceCode(l); code != "" {
			if _, ok := f.evidence[code]; !ok {
				f.evidence[code] = "labels: " + l
			}
		}
	}
	for k, v := range p.Attributes {
		code := evidenceCode(k)
		if _, known := rules.EvidenceCodes[code]; !known {
			continue
		}
		if truthy(v) {
			f.evidence[code] = "attributes." + k
		}
	}
	if b, _ := boolFact(f, "battery.un38_3_tested"); b {
		if _, ok := f.evidence["un38_3"]; !ok {
			f.evidence["un38_3"] = f.m["battery.un38_3_tested"].Source
		}
	}
}

// truthy reports whether an attribute value states something: a non-empty
// text other than no/false, true, or a number other than zero.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		s := strings.ToLower(strings.TrimSpace(x))
		return s != "" && s != "false" && s != "no" && s != "0" && s != "否" && s != "无"
	case json.Number:
		n, err := x.Float64()
		return err == nil && n != 0
	case float64:
		return x != 0
	case int:
		return x != 0
	case int64:
		return x != 0
	}
	return false
}

// convert reads an attribute value as a fact of type t.
func convert(v any, t string) (any, bool) {
	switch t {
	case rules.Bool:
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "yes", "y", "1", "是", "有":
				return true, true
			case "false", "no", "n", "0", "否", "无":
				return false, true
			}
		case json.Number:
			if n, err := x.Float64(); err == nil && (n == 0 || n == 1) {
				return n == 1, true
			}
		}
	case rules.Number:
		switch x := v.(type) {
		case json.Number:
			n, err := x.Float64()
			return n, err == nil
		case float64:
			return x, true
		case int:
			return float64(x), true
		case int64:
			return float64(x), true
		case string:
			n, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
			return n, err == nil
		}
	case rules.String:
		switch x := v.(type) {
		case string:
			s := strings.TrimSpace(x)
			return s, s != ""
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		}
	}
	return nil, false
}

// provided caches provide for the vocabulary.
var provided = func() map[string]string {
	m := make(map[string]string, len(rules.Facts))
	for _, f := range rules.Facts {
		m[f.Name] = provideOf(f.Name)
	}
	return m
}()

// provide says what a seller should add to state a fact: the attribute or
// field named first in the vocabulary's From.
func provide(name string) string {
	if p, ok := provided[name]; ok {
		return p
	}
	return provideOf(name)
}

func provideOf(name string) string {
	fi, ok := factInfo[name]
	if !ok {
		return "attributes." + name
	}
	for _, part := range strings.FieldsFunc(fi.From, func(r rune) bool { return r == ';' || r == ',' }) {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "attributes.") || strings.HasPrefix(part, "product.") {
			if i := strings.IndexByte(part, ' '); i > 0 {
				part = part[:i]
			}
			return part
		}
	}
	if name == "destination" || name == "transport" {
		return name
	}
	return "attributes." + strings.ReplaceAll(name, ".", "_")
}
