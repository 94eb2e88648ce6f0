package checks

import (
	"fmt"
	"testing"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// benchRules is a realistic rule set of about 110 rules: the test rules,
// plus per-market product-safety, radio, battery, labelling and
// transport rules of the shapes the rule data uses.
func benchRules() []rules.Rule {
	rs := testRules()
	markets := []string{"EU", "DE", "FR", "US", "US-CA", "UK", "JP", "SG", "MY", "TH", "VN", "ID", "PH", "AU", "KR"}
	shapes := []func(id, m string) rules.Rule{
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Restricted, rules.Applicability{Categories: []string{"toys", "childcare"},
				Conditions: []rules.Condition{cond("age_min_months", "lt", 36)}}, evidence(rules.Evidence{Kind: "document", Code: "test_report"}))
		},
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Restricted, rules.Applicability{HS: []string{"8517", "8518", "8525", "8526", "8527"},
				Keywords: []string{"bluetooth", "wireless", "蓝牙"}, Conditions: []rules.Condition{cond("radio", "eq", true)}},
				evidence(rules.Evidence{Kind: "certificate", Code: "giteki", Group: "r"}, rules.Evidence{Kind: "certificate", Code: "kc", Group: "r"}))
		},
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Labelling, rules.Applicability{Conditions: []rules.Condition{cond("battery", "eq", true)}},
				evidence(rules.Evidence{Kind: "label", Code: "weee_mark"}))
		},
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Documentation, rules.Applicability{Categories: []string{"cosmetics"}, HS: []string{"3303", "3304", "3305"}},
				evidence(rules.Evidence{Kind: "registration", Code: "cpnp"}, rules.Evidence{Kind: "label", Code: "ingredient_list"}))
		},
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Restricted, rules.Applicability{HS: []string{"84", "85"},
				Conditions: []rules.Condition{cond("rated_voltage_ac_v", "ge", 50)}}, evidence(rules.Evidence{Kind: "mark", Code: "ce"}))
		},
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Prohibited, rules.Applicability{Materials: []string{"ivory", "rhino horn"}, HS: []string{"960110"}})
		},
		func(id, m string) rules.Rule {
			return rule(id, m, rules.Labelling, rules.Applicability{Categories: []string{"textiles", "apparel"}},
				evidence(rules.Evidence{Kind: "label", Code: "fibre_label"}))
		},
	}
	n := 0
	for _, m := range markets {
		for i, s := range shapes {
			if len(rs) >= 110 {
				return rs
			}
			if (n+i)%4 != 0 || m == "EU" || m == "US" {
				rs = append(rs, s(fmt.Sprintf("B-%s-%03d", m, n), m))
			}
			n++
		}
	}
	return rs
}

func benchProducts() []*catalog.Product {
	return []*catalog.Product{
		withBattery(toy(), "li-ion", "contained_in_equipment", wh(7.4)),
		toy(),
		{SKU: "P1", Title: catalog.Title{"en": "Bluetooth earbuds", "zh-CN": "蓝牙耳机"}, HSCode: "851830",
			Battery: &catalog.Battery{Chemistry: "li-polymer", Packing: "contained_in_equipment", Wh: wh(0.4)}, Certifications: []string{"CE", "FCC ID"}},
		{SKU: "P2", Title: catalog.Title{"en": "Power bank 20000mAh", "zh-CN": "充电宝"}, HSCode: "850760",
			Battery: &catalog.Battery{Chemistry: "li-ion", Packing: "standalone", Wh: wh(74)}, Attributes: map[string]any{"battery_state_of_charge_pct": 30}},
		{SKU: "P3", Title: catalog.Title{"en": "Cotton T-shirt"}, HSCode: "610910", Materials: []string{"cotton"}, Labels: []string{"fibre label"}},
		{SKU: "P4", Title: catalog.Title{"en": "Face serum", "zh-CN": "精华液"}, HSCode: "330499", Attributes: map[string]any{"liquid_ml": 30}},
		{SKU: "P5", Title: catalog.Title{"en": "Ceramic mug"}, HSCode: "691200"},
		{SKU: "P6", Title: catalog.Title{"en": "Smart Wi-Fi plug"}, HSCode: "853650", Attributes: map[string]any{"rated_voltage_ac_v": 230}},
	}
}

// BenchmarkCheck measures single-core checks of varied products against
// about 110 rules for three markets by air. Run it with
//
//	go test -run '^$' -bench BenchmarkCheck -cpu 1 ./internal/compliance/checks/
//
// The target is at least 5,000 checks a second (200 µs/op).
func BenchmarkCheck(b *testing.B) {
	e := Compile(benchRules())
	if e.Len() < 100 {
		b.Fatalf("only %d rules", e.Len())
	}
	ps := benchProducts()
	markets := []string{"DE", "US", "SG"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Check(Input{Product: ps[i%len(ps)], Markets: markets, Transport: "air"})
		i++
	}
}

// BenchmarkCompile measures compiling the rule set, which happens when the
// rules change.
func BenchmarkCompile(b *testing.B) {
	rs := benchRules()
	for b.Loop() {
		Compile(rs)
	}
}
