package checks

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/money"
)

func wh(v float64) *float64 { return &v }
func grams(v int64) *int64  { return &v }

// rule builds a published rule with the texts every rule needs.
func rule(id, market, severity string, a rules.Applicability, opts ...func(*rules.Rule)) rules.Rule {
	r := rules.Rule{ID: id, Version: 1, Status: rules.Published, Market: market, Title: id + " title",
		Authority: "Authority", Reference: "Ref " + id, SourceURL: "https://example.org/" + id, AppliesTo: a,
		Requirement: "Requirement of " + id, Action: "Do " + id, Severity: severity,
		EffectiveFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func evidence(ev ...rules.Evidence) func(*rules.Rule) {
	return func(r *rules.Rule) { r.Evidence = ev }
}

func limits(ls ...rules.Limit) func(*rules.Rule) {
	return func(r *rules.Rule) { r.Limits = ls }
}

func cond(fact, op string, v any) rules.Condition {
	return rules.Condition{Fact: fact, Op: op, Value: v}
}

// testRules is a small rule set exercising every part of the semantics,
// modelled on real rules (IATA DGR lithium battery packing instructions,
// the EU toy and radio directives, CITES).
func testRules() []rules.Rule {
	return []rules.Rule{
		rule("EU-TOY-001", "EU", rules.Restricted, rules.Applicability{Categories: []string{"toys"}},
			evidence(rules.Evidence{Kind: "mark", Code: "ce"}, rules.Evidence{Kind: "document", Code: "eu_declaration"})),
		rule("EU-TOY-MAG", "EU", rules.Restricted, rules.Applicability{Categories: []string{"toys"},
			Conditions: []rules.Condition{cond("contains_magnets", "eq", true)}},
			evidence(rules.Evidence{Kind: "document", Code: "test_report"})),
		rule("EU-RED-001", "EU", rules.Restricted, rules.Applicability{HS: []string{"85"}, Categories: []string{"electronics", "toys"},
			Conditions: []rules.Condition{cond("radio", "eq", true)}},
			evidence(rules.Evidence{Kind: "mark", Code: "ce"})),
		rule("EU-GPSR-RP", "EU", rules.Documentation, rules.Applicability{
			Conditions: []rules.Condition{cond("consumer_product", "eq", true), cond("manufacturer_in_market", "eq", false)}},
			evidence(rules.Evidence{Kind: "responsible_person", Code: "eu_responsible_person"})),
		rule("EU-BATT-LABEL", "EU", rules.Labelling, rules.Applicability{Conditions: []rules.Condition{cond("battery", "eq", true)}},
			evidence(rules.Evidence{Kind: "label", Code: "weee_mark", Group: "bin"})),
		rule("DE-PACK-001", "DE", rules.Documentation, rules.Applicability{Conditions: []rules.Condition{cond("packaging", "eq", true)}},
			evidence(rules.Evidence{Kind: "registration", Code: "packaging_registration"})),
		rule("US-FCC-001", "US", rules.Restricted, rules.Applicability{Conditions: []rules.Condition{cond("radio", "eq", true)}},
			evidence(rules.Evidence{Kind: "certificate", Code: "fcc_id"})),
		rule("US-CA-P65", "US-CA", rules.Labelling, rules.Applicability{HS: []string{"*"},
			Conditions: []rules.Condition{cond("consumer_product", "eq", true)}},
			evidence(rules.Evidence{Kind: "label", Code: "prop65_warning"})),
		rule("GLOBAL-CITES-IVORY", "GLOBAL", rules.Prohibited, rules.Applicability{HS: []string{"960110"}, Materials: []string{"ivory"},
			Conditions: []rules.Condition{cond("ivory", "eq", true)}}),
		rule("SG-INFO-001", "SG", rules.Info, rules.Applicability{Keywords: []string{"power bank", "充电宝"}}),
		// Lithium batteries by air (IATA DGR 66th ed., PI 965–970).
		rule("GLOBAL-DG-AIR-UN3480", "GLOBAL", rules.Restricted, rules.Applicability{Transport: []string{"air"},
			Conditions: []rules.Condition{cond("un_number", "eq", "UN3480")}},
			limits(rules.Limit{Fact: "battery.state_of_charge_pct", Max: 30}, rules.Limit{Fact: "battery.wh", Max: 100}),
			evidence(rules.Evidence{Kind: "document", Code: "un38_3"}, rules.Evidence{Kind: "label", Code: "lithium_battery_mark"})),
		rule("GLOBAL-DG-AIR-UN3481", "GLOBAL", rules.Restricted, rules.Applicability{Transport: []string{"air"},
			Conditions: []rules.Condition{cond("un_number", "in", []any{"UN3481"})}},
			limits(rules.Limit{Fact: "battery.wh", Max: 100}),
			evidence(rules.Evidence{Kind: "document", Code: "un38_3"})),
		rule("GLOBAL-DG-AIR-UN3090", "GLOBAL", rules.Prohibited, rules.Applicability{Transport: []string{"air"},
			Conditions: []rules.Condition{cond("un_number", "eq", "UN3090")}}),
		rule("GLOBAL-DG-AIR-UN3091", "GLOBAL", rules.Restricted, rules.Applicability{Transport: []string{"air"},
			Conditions: []rules.Condition{cond("un_number", "eq", "UN3091")}},
			limits(rules.Limit{Fact: "battery.lithium_content_g", Max: 2})),
		rule("GLOBAL-DG-SEA-LI", "GLOBAL", rules.Documentation, rules.Applicability{Transport: []string{"sea"},
			Conditions: []rules.Condition{cond("battery.lithium", "eq", true)}},
			evidence(rules.Evidence{Kind: "document", Code: "sds", Group: "docs"}, rules.Evidence{Kind: "document", Code: "un38_3", Group: "docs"})),
		rule("GLOBAL-POST-LI", "GLOBAL", rules.Prohibited, rules.Applicability{Transport: []string{"post"},
			Conditions: []rules.Condition{cond("battery.lithium", "eq", true), cond("battery.packing", "eq", "standalone")}}),
		rule("GLOBAL-POST-LIQ", "GLOBAL", rules.Restricted, rules.Applicability{Transport: []string{"post"},
			Conditions: []rules.Condition{cond("contains_liquid", "eq", true)}},
			limits(rules.Limit{Fact: "liquid_ml", Max: 100})),
		rule("GLOBAL-AIR-AEROSOL", "GLOBAL", rules.Prohibited, rules.Applicability{Transport: []string{"air", "post"},
			Conditions: []rules.Condition{cond("aerosol", "eq", true), cond("flammable", "eq", true)}}),
		rule("EU-MAG-FLUX", "EU", rules.Prohibited, rules.Applicability{Categories: []string{"toys"},
			Conditions: []rules.Condition{cond("contains_magnets", "eq", true)}},
			limits(rules.Limit{Fact: "magnetic_flux_index", Max: 50})),
	}
}

func toy() *catalog.Product {
	return &catalog.Product{SKU: "TOY-001", Title: catalog.Title{"zh-CN": "积木玩具", "en": "Building blocks"},
		Category: "toys", HSCode: "950300", Materials: []string{"ABS plastic"},
		Attributes: map[string]any{"age_min_months": json.Number("36")}, OriginCountry: "CN",
		UnitValue: &money.Money{Amount: "12.50", Currency: "USD"}, WeightG: grams(350),
		Certifications: []string{"CE", "EN71"}, Labels: []string{"CE", "age_warning"}}
}

func withBattery(p *catalog.Product, chem, pack string, w *float64) *catalog.Product {
	p.Battery = &catalog.Battery{Chemistry: chem, Packing: pack, Wh: w}
	return p
}

func attrs(p *catalog.Product, kv ...any) *catalog.Product {
	if p.Attributes == nil {
		p.Attributes = map[string]any{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Attributes[kv[i].(string)] = kv[i+1]
	}
	return p
}

func find(res Result, ruleID, market string) (Finding, bool) {
	i := slices.IndexFunc(res.Findings, func(f Finding) bool { return f.RuleID == ruleID && f.Market == market })
	if i < 0 {
		return Finding{}, false
	}
	return res.Findings[i], true
}

// want is the expected status of a rule's finding in a market; "" means
// no finding at all.
type want struct {
	rule, market, status, severity string
}

func TestEngineSemantics(t *testing.T) {
	t.Parallel()
	e := Compile(testRules())
	powerBank := func() *catalog.Product {
		return &catalog.Product{SKU: "PB-1", Title: catalog.Title{"en": "Power bank 10000mAh", "zh-CN": "充电宝"},
			HSCode: "850760", Battery: &catalog.Battery{Chemistry: "li-ion", Packing: "standalone", Wh: wh(37)},
			Certifications: []string{"UN38.3"}, Labels: []string{"Lithium battery mark"}}
	}
	cases := []struct {
		name      string
		p         *catalog.Product
		markets   []string
		transport string
		verdict   string
		want      []want
	}{
		{name: "toy with CE but no declaration fails EU toy rule", p: toy(), markets: []string{"DE"},
			verdict: VerdictFail, want: []want{
				{"EU-TOY-001", "DE", StatusFail, rules.Restricted},
				{"EU-TOY-MAG", "DE", StatusWarn, rules.Restricted}, // magnets not stated
				{"EU-GPSR-RP", "DE", StatusFail, rules.Documentation},
				{"DE-PACK-001", "DE", StatusFail, rules.Documentation},
				{"EU-RED-001", "DE", "", ""},    // not electrical, so no radio
				{"US-FCC-001", "DE", "", ""},    // another market
				{"EU-BATT-LABEL", "DE", "", ""}, // no battery
			}},
		{name: "member state rules stay out of other members", p: toy(), markets: []string{"FR"}, verdict: VerdictFail,
			want: []want{{"DE-PACK-001", "FR", "", ""}, {"EU-TOY-001", "FR", StatusFail, rules.Restricted}}},
		{name: "EU market itself", p: toy(), markets: []string{"EU"}, verdict: VerdictFail,
			want: []want{{"DE-PACK-001", "EU", "", ""}, {"EU-TOY-001", "EU", StatusFail, rules.Restricted}}},
		{name: "complete toy passes", p: attrs(toy(), "contains_magnets", false, "eu_responsible_person", "Acme GmbH, Berlin",
			"eu_declaration", true, "packaging_registration", "DE1234567890"), markets: []string{"DE"}, verdict: VerdictPass,
			want: []want{{"EU-TOY-001", "DE", StatusPass, rules.Restricted}, {"EU-TOY-MAG", "DE", "", ""},
				{"EU-GPSR-RP", "DE", StatusPass, rules.Documentation}}},
		{name: "magnet over the flux limit is prohibited", p: attrs(toy(), "contains_magnets", true, "magnetic_flux_index", json.Number("80")),
			markets: []string{"DE"}, verdict: VerdictProhibited,
			want: []want{{"EU-MAG-FLUX", "DE", StatusFail, rules.Prohibited}}},
		{name: "magnet flux not stated warns", p: attrs(toy(), "contains_magnets", "yes"), markets: []string{"DE"},
			verdict: VerdictFail, want: []want{{"EU-MAG-FLUX", "DE", StatusWarn, rules.Prohibited}}},
		{name: "bluetooth title makes a radio for US", p: &catalog.Product{SKU: "E1", Title: catalog.Title{"en": "Bluetooth speaker"},
			HSCode: "851822"}, markets: []string{"US"}, verdict: VerdictFail,
			want: []want{{"US-FCC-001", "US", StatusFail, rules.Restricted}, {"US-CA-P65", "US", StatusFail, rules.Labelling}}},
		{name: "蓝牙 title makes a radio", p: &catalog.Product{SKU: "E2", Title: catalog.Title{"zh-CN": "蓝牙耳机"}, HSCode: "851830",
			Certifications: []string{"FCC ID"}, Attributes: map[string]any{"fcc_id": "2ABCD-1"}, Labels: []string{"Prop 65"}},
			markets: []string{"US"}, verdict: VerdictPass,
			want: []want{{"US-FCC-001", "US", StatusPass, rules.Restricted}}},
		{name: "stated radio false beats the title", p: attrs(&catalog.Product{SKU: "E3", Title: catalog.Title{"en": "Wireless charger"},
			HSCode: "850440"}, "radio", false), markets: []string{"US"}, want: []want{{"US-FCC-001", "US", "", ""}}, verdict: VerdictFail},
		{name: "ivory by HS is prohibited everywhere", p: &catalog.Product{SKU: "I1", Title: catalog.Title{"en": "Carving"}, HSCode: "960110"},
			markets: []string{"US", "SG"}, verdict: VerdictProhibited,
			want: []want{{"GLOBAL-CITES-IVORY", "US", StatusFail, rules.Prohibited}, {"GLOBAL-CITES-IVORY", "SG", StatusFail, rules.Prohibited}}},
		{name: "ivory by material", p: &catalog.Product{SKU: "I2", Title: catalog.Title{"en": "Pendant"}, HSCode: "711719",
			Materials: []string{"Genuine Ivory"}}, markets: []string{"SG"}, verdict: VerdictProhibited,
			want: []want{{"GLOBAL-CITES-IVORY", "SG", StatusFail, rules.Prohibited}}},
		{name: "CJK keyword selects", p: &catalog.Product{SKU: "PB", Title: catalog.Title{"zh-CN": "迷你充电宝"}, HSCode: "850760",
			Battery: &catalog.Battery{Chemistry: "li-ion", Packing: "standalone", Wh: wh(20)}}, markets: []string{"SG"},
			verdict: VerdictPass, want: []want{{"SG-INFO-001", "SG", StatusPass, rules.Info}}},
		{name: "power bank by air within limits but SoC unknown warns", p: powerBank(), markets: []string{"SG"}, transport: "air",
			verdict: VerdictWarn, want: []want{{"GLOBAL-DG-AIR-UN3480", "SG", StatusWarn, rules.Restricted}}},
		{name: "power bank by air at 30% passes", p: attrs(powerBank(), "battery_state_of_charge_pct", json.Number("30")),
			markets: []string{"SG"}, transport: "air", verdict: VerdictPass,
			want: []want{{"GLOBAL-DG-AIR-UN3480", "SG", StatusPass, rules.Restricted}}},
		{name: "power bank by air at 50% is prohibited", p: attrs(powerBank(), "battery.state_of_charge_pct", 50),
			markets: []string{"SG"}, transport: "air", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-DG-AIR-UN3480", "SG", StatusFail, rules.Prohibited}}},
		{name: "power bank over 100 Wh by air is prohibited", p: func() *catalog.Product {
			p := attrs(powerBank(), "battery_state_of_charge_pct", 25)
			p.Battery.Wh = wh(160)
			return p
		}(), markets: []string{"SG"}, transport: "air", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-DG-AIR-UN3480", "SG", StatusFail, rules.Prohibited}}},
		{name: "power bank by sea needs SDS or UN38.3 and has UN38.3", p: powerBank(), markets: []string{"SG"}, transport: "sea",
			verdict: VerdictPass, want: []want{{"GLOBAL-DG-SEA-LI", "SG", StatusPass, rules.Documentation},
				{"GLOBAL-DG-AIR-UN3480", "SG", "", ""}}},
		{name: "power bank by post is prohibited", p: powerBank(), markets: []string{"SG"}, transport: "post",
			verdict: VerdictProhibited, want: []want{{"GLOBAL-POST-LI", "SG", StatusFail, rules.Prohibited}}},
		{name: "without transport no transport rule", p: powerBank(), markets: []string{"SG"}, verdict: VerdictPass,
			want: []want{{"GLOBAL-POST-LI", "SG", "", ""}, {"GLOBAL-DG-AIR-UN3480", "SG", "", ""}}},
		{name: "phone with battery in equipment is UN3481", p: withBattery(&catalog.Product{SKU: "P1",
			Title: catalog.Title{"en": "Smartphone"}, HSCode: "851762", Certifications: []string{"un 38.3"}}, "li-ion", "contained_in_equipment", wh(15)),
			markets: []string{"SG"}, transport: "air", verdict: VerdictPass,
			want: []want{{"GLOBAL-DG-AIR-UN3481", "SG", StatusPass, rules.Restricted}, {"GLOBAL-DG-AIR-UN3480", "SG", "", ""}}},
		{name: "e-bike battery in equipment over 100 Wh by air", p: withBattery(&catalog.Product{SKU: "P2",
			Title: catalog.Title{"en": "Scooter"}, HSCode: "871160"}, "li-ion", "packed_with_equipment", wh(360)),
			markets: []string{"SG"}, transport: "air", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-DG-AIR-UN3481", "SG", StatusFail, rules.Prohibited}}},
		{name: "lithium metal cells standalone by air are prohibited", p: withBattery(&catalog.Product{SKU: "C1",
			Title: catalog.Title{"en": "CR2032 coin cells"}, HSCode: "850650"}, "li-metal", "standalone", nil),
			markets: []string{"SG"}, transport: "air", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-DG-AIR-UN3090", "SG", StatusFail, rules.Prohibited}}},
		{name: "lithium metal in equipment needs its lithium content", p: withBattery(&catalog.Product{SKU: "W1",
			Title: catalog.Title{"en": "Watch"}, HSCode: "910211"}, "li-metal", "contained_in_equipment", nil),
			markets: []string{"SG"}, transport: "air", verdict: VerdictWarn,
			want: []want{{"GLOBAL-DG-AIR-UN3091", "SG", StatusWarn, rules.Restricted}}},
		{name: "lithium metal in equipment at 0.3 g passes", p: attrs(withBattery(&catalog.Product{SKU: "W2",
			Title: catalog.Title{"en": "Watch"}, HSCode: "910211"}, "li-metal", "contained_in_equipment", nil),
			"battery_lithium_content_g", json.Number("0.3")),
			markets: []string{"SG"}, transport: "air", verdict: VerdictPass,
			want: []want{{"GLOBAL-DG-AIR-UN3091", "SG", StatusPass, rules.Restricted}}},
		{name: "lithium metal over 2 g in equipment is prohibited", p: attrs(withBattery(&catalog.Product{SKU: "W3",
			Title: catalog.Title{"en": "Tracker"}, HSCode: "852691"}, "li-metal", "contained_in_equipment", nil),
			"battery_lithium_content_g", "2.5"),
			markets: []string{"SG"}, transport: "air", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-DG-AIR-UN3091", "SG", StatusFail, rules.Prohibited}}},
		{name: "alkaline battery is no DG", p: withBattery(&catalog.Product{SKU: "R1", Title: catalog.Title{"en": "Remote"},
			HSCode: "854370"}, "alkaline", "contained_in_equipment", nil), markets: []string{"SG"}, transport: "post",
			verdict: VerdictPass, want: []want{{"GLOBAL-POST-LI", "SG", "", ""}}},
		{name: "perfume by post over 100 ml", p: attrs(&catalog.Product{SKU: "L1", Title: catalog.Title{"en": "Eau de parfum"},
			HSCode: "330300"}, "liquid_ml", 150), markets: []string{"SG"}, transport: "post", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-POST-LIQ", "SG", StatusFail, rules.Prohibited}}},
		{name: "liquid by post volume unknown warns", p: &catalog.Product{SKU: "L2", Title: catalog.Title{"zh-CN": "精华液"}},
			markets: []string{"SG"}, transport: "post", verdict: VerdictWarn,
			want: []want{{"GLOBAL-POST-LIQ", "SG", StatusWarn, rules.Restricted}, {"SILKGATE-CLASSIFICATION", "SG", StatusWarn, rules.Info}}},
		{name: "flammable aerosol by air", p: attrs(&catalog.Product{SKU: "A1", Title: catalog.Title{"en": "Spray paint aerosol"},
			HSCode: "320890"}, "flash_point_c", -20), markets: []string{"SG"}, transport: "air", verdict: VerdictProhibited,
			want: []want{{"GLOBAL-AIR-AEROSOL", "SG", StatusFail, rules.Prohibited}}},
		{name: "aerosol flammability unknown warns", p: &catalog.Product{SKU: "A2", Title: catalog.Title{"zh-CN": "防晒喷雾"}, HSCode: "330499"},
			markets: []string{"SG"}, transport: "air", verdict: VerdictWarn,
			want: []want{{"GLOBAL-AIR-AEROSOL", "SG", StatusWarn, rules.Prohibited}}},
		{name: "subdivision rules reach the country", p: &catalog.Product{SKU: "K1", Title: catalog.Title{"en": "Mug"}, HSCode: "691200"},
			markets: []string{"US"}, verdict: VerdictFail, want: []want{{"US-CA-P65", "US", StatusFail, rules.Labelling}}},
		{name: "origin in the EU has no responsible-person duty", p: func() *catalog.Product { p := toy(); p.OriginCountry = "DE"; return p }(),
			markets: []string{"FR"}, verdict: VerdictFail, want: []want{{"EU-GPSR-RP", "FR", "", ""}}},
		{name: "unknown origin warns on the responsible person", p: func() *catalog.Product { p := toy(); p.OriginCountry = ""; return p }(),
			markets: []string{"FR"}, verdict: VerdictFail, want: []want{{"EU-GPSR-RP", "FR", StatusWarn, rules.Documentation}}},
		{name: "battery labelling group", p: withBattery(toy(), "li-ion", "contained_in_equipment", wh(2)), markets: []string{"DE"},
			verdict: VerdictFail, want: []want{{"EU-BATT-LABEL", "DE", StatusFail, rules.Labelling}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := e.Check(Input{Product: c.p, Markets: c.markets, Transport: c.transport})
			for _, w := range c.want {
				f, ok := find(res, w.rule, w.market)
				switch {
				case w.status == "" && ok:
					t.Errorf("%s/%s: unexpected finding %s", w.rule, w.market, f.Status)
				case w.status != "" && !ok:
					t.Errorf("%s/%s: no finding, want %s", w.rule, w.market, w.status)
				case ok && (f.Status != w.status || f.Severity != w.severity):
					t.Errorf("%s/%s: %s/%s, want %s/%s (%+v)", w.rule, w.market, f.Status, f.Severity, w.status, w.severity, f)
				}
			}
			if res.Verdict != c.verdict {
				var s []string
				for _, f := range res.Findings {
					s = append(s, f.RuleID+"/"+f.Market+"="+f.Status)
				}
				t.Errorf("verdict %s, want %s; findings %v", res.Verdict, c.verdict, s)
			}
		})
	}
}

func TestFindingExplains(t *testing.T) {
	t.Parallel()
	e := Compile(testRules())

	t.Run("missing evidence names the group and action", func(t *testing.T) {
		res := e.Check(Input{Product: toy(), Markets: []string{"DE"}})
		f, _ := find(res, "EU-TOY-001", "DE")
		if len(f.MissingEvidence) != 1 || f.MissingEvidence[0].AnyOf[0].Code != "eu_declaration" {
			t.Fatalf("missing evidence %+v", f.MissingEvidence)
		}
		if f.MissingEvidence[0].AnyOf[0].Name != rules.EvidenceCodes["eu_declaration"] {
			t.Errorf("evidence name %q", f.MissingEvidence[0].AnyOf[0].Name)
		}
		if len(f.Evidence) != 1 || f.Evidence[0].Code != "ce" || !strings.HasPrefix(f.Evidence[0].Source, "certifications") {
			t.Errorf("evidence shown %+v", f.Evidence)
		}
		if f.Action != "Do EU-TOY-001" || f.RuleVersion != 1 || f.SourceURL == "" || f.RuleMarket != "EU" {
			t.Errorf("finding %+v", f)
		}
		if len(f.TriggeredBy) == 0 || f.TriggeredBy[0].Fact != "category" || f.TriggeredBy[0].Source != "product.category" {
			t.Errorf("triggered by %+v", f.TriggeredBy)
		}
	})
	t.Run("missing fact names where to provide it", func(t *testing.T) {
		res := e.Check(Input{Product: toy(), Markets: []string{"DE"}})
		f, _ := find(res, "EU-TOY-MAG", "DE")
		if len(f.MissingFacts) != 1 || f.MissingFacts[0].Fact != "contains_magnets" || f.MissingFacts[0].Provide != "attributes.contains_magnets" {
			t.Fatalf("missing facts %+v", f.MissingFacts)
		}
	})
	t.Run("inferred radio says from where", func(t *testing.T) {
		p := &catalog.Product{SKU: "X", Title: catalog.Title{"en": "Router"}, HSCode: "85176200"}
		res := e.Check(Input{Product: p, Markets: []string{"US"}})
		f, ok := find(res, "US-FCC-001", "US")
		if !ok || len(f.Inferred) == 0 || f.Inferred[0].Source != "inferred from HS 8517.62" {
			t.Fatalf("finding %+v", f)
		}
	})
	t.Run("limits exceeded carry value and max", func(t *testing.T) {
		p := withBattery(&catalog.Product{SKU: "X", Title: catalog.Title{"en": "Battery pack"}, HSCode: "850760"}, "li-ion", "standalone", wh(120))
		p = attrs(p, "battery_state_of_charge_pct", 30)
		res := e.Check(Input{Product: p, Markets: []string{"SG"}, Transport: "air"})
		f, _ := find(res, "GLOBAL-DG-AIR-UN3480", "SG")
		if len(f.LimitsExceeded) != 1 || f.LimitsExceeded[0].Value != 120 || f.LimitsExceeded[0].Max != 100 {
			t.Fatalf("limits %+v", f.LimitsExceeded)
		}
		if !slices.ContainsFunc(f.TriggeredBy, func(tr Trigger) bool { return tr.Fact == "un_number" && tr.Value == "UN3480" && tr.Inferred }) {
			t.Errorf("triggered by %+v", f.TriggeredBy)
		}
	})
	t.Run("rules used are recorded", func(t *testing.T) {
		res := e.Check(Input{Product: toy(), Markets: []string{"DE"}})
		if !slices.Contains(res.Rules, RuleRef{ID: "EU-TOY-001", Version: 1}) || slices.Contains(res.Rules, RuleRef{ID: "US-FCC-001", Version: 1}) {
			t.Errorf("rules %+v", res.Rules)
		}
	})
}

func TestDeriveFacts(t *testing.T) {
	t.Parallel()
	type fv struct {
		value  any
		source string // prefix
	}
	cases := []struct {
		name string
		p    *catalog.Product
		want map[string]fv // nil value: absent
	}{
		{"contract toy", withBattery(toy(), "li-ion", "contained_in_equipment", wh(7.4)), map[string]fv{
			"battery": {true, "product.battery"}, "battery.lithium": {true, "derived"}, "un_number": {"UN3481", "derived"},
			"battery.wh": {7.4, "product.battery.wh"}, "children_product": {true, "inferred from category toys"},
			"electrical": {true, "inferred from the battery"}, "dangerous_goods": {true, "derived from lithium battery"},
			"age_min_months": {36.0, "attributes.age_min_months"}, "food": {false, "inferred from HS 9503"},
			"unit_value": {12.5, "product.unit_value"}, "weight_g": {350.0, "product.weight_g"}, "channel": {"online", "default"},
		}},
		{"li-metal standalone", withBattery(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "cells"}}, "li-metal", "standalone", nil),
			map[string]fv{"un_number": {"UN3090", "derived"}}},
		{"li-metal packed", withBattery(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "cells"}}, "li-metal", "packed_with_equipment", nil),
			map[string]fv{"un_number": {"UN3091", "derived"}}},
		{"li-ion standalone", withBattery(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "cells"}}, "lifepo4", "standalone", wh(50)),
			map[string]fv{"un_number": {"UN3480", "derived"}}},
		{"HS 8507.60 without battery block", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "pack"}, HSCode: "850760"},
			map[string]fv{"battery": {true, "inferred from HS 8507.60"}, "un_number": {"UN3480", "derived"}, "battery.wh": {nil, ""}}},
		{"stated UN number wins", attrs(withBattery(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}}, "li-ion", "standalone", wh(5)),
			"un_number", "UN3481"), map[string]fv{"un_number": {"UN3481", "attributes.un_number"}}},
		{"ivory HS", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}, HSCode: "96011000"},
			map[string]fv{"ivory": {true, "inferred from HS 9601.10"}}},
		{"wifi title", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "Smart plug Wi-Fi"}, HSCode: "853650"},
			map[string]fv{"radio": {true, `inferred from title "wi-fi"`}, "connected": {true, "inferred from title"},
				"encryption": {true, "inferred from radio"}}},
		{"无线 title", &catalog.Product{SKU: "x", Title: catalog.Title{"zh-CN": "无线鼠标"}},
			map[string]fv{"radio": {true, `inferred from title "无线"`}}},
		{"not electrical means no radio", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "Wooden spoon"}, HSCode: "441990"},
			map[string]fv{"radio": {false, "inferred: not electrical"}, "wood": {true, "inferred from HS 44"}}},
		{"plain electronics keeps radio unknown", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "Hair dryer"}, HSCode: "851631"},
			map[string]fv{"radio": {nil, ""}, "electrical": {true, "inferred from HS 85"}}},
		{"magnet material", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "Fridge decoration"}, Materials: []string{"Neodymium magnet"}},
			map[string]fv{"contains_magnets": {true, "inferred from material"}}},
		{"磁 title", &catalog.Product{SKU: "x", Title: catalog.Title{"zh-CN": "磁力片积木"}},
			map[string]fv{"contains_magnets": {true, "inferred from title"}}},
		{"attribute strings", attrs(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}}, "radio", "是", "liquid_ml", "50",
			"battery_removable", "no"), map[string]fv{"radio": {true, "attributes.radio"}, "liquid_ml": {50.0, "attributes.liquid_ml"},
			"battery.removable": {false, "attributes.battery_removable"}}},
		{"category synonyms and HS", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}, Category: "玩具", HSCode: "330499"},
			map[string]fv{"cosmetic": {true, "inferred from HS 3304"}, "contains_liquid": {true, "inferred from HS chapter 33"}}},
		{"flash point", attrs(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}}, "flash_point_c", 23),
			map[string]fv{"flammable": {true, "inferred from flash_point_c"}, "dangerous_goods": {true, "derived from flammable"}}},
		{"coin cells", withBattery(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "CR2032 lithium coin cells, 5 pack"}}, "li-metal", "standalone", nil),
			map[string]fv{"battery.button_cell": {true, "inferred from"}}},
		{"纽扣电池", &catalog.Product{SKU: "x", Title: catalog.Title{"zh-CN": "CR2032纽扣电池"}, HSCode: "850650"},
			map[string]fv{"battery.button_cell": {true, `inferred from title "纽扣电池"`}}},
		{"food excludes seeds", &catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}, HSCode: "120991"},
			map[string]fv{"food": {false, "inferred"}, "plant_or_seed": {true, "inferred from HS 1209"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := deriveFacts(c.p)
			for name, w := range c.want {
				v, ok := f.get(name)
				if w.value == nil {
					if ok {
						t.Errorf("%s = %v (%s), want absent", name, v.Value, v.Source)
					}
					continue
				}
				if !ok || v.Value != w.value || !strings.HasPrefix(v.Source, w.source) {
					t.Errorf("%s = %#v (%q), want %#v (%q…)", name, v.Value, v.Source, w.value, w.source)
				}
			}
		})
	}
	t.Run("categories", func(t *testing.T) {
		f := deriveFacts(&catalog.Product{SKU: "x", Title: catalog.Title{"en": "x"}, Category: "玩具", HSCode: "851762"})
		for _, c := range []string{"toys", "radio", "electronics", "electrical"} {
			if _, ok := f.cats[c]; !ok {
				t.Errorf("category %s missing: %v", c, f.cats)
			}
		}
		if f.cats["radio"] != "inferred from HS 8517" || f.cats["toys"] != "product.category" {
			t.Errorf("sources %v", f.cats)
		}
	})
	t.Run("evidence codes", func(t *testing.T) {
		for in, want := range map[string]string{"CE": "ce", "UN38.3": "un38_3", "UN 38.3": "un38_3", "FCC ID": "fcc_id",
			"WEEE": "weee_mark", "Prop 65": "prop65_warning", "eu-responsible-person": "eu_responsible_person"} {
			if got := evidenceCode(in); got != want {
				t.Errorf("evidenceCode(%q) = %q, want %q", in, got, want)
			}
		}
	})
}

func TestHolds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		c    rules.Condition
		v    any
		want bool
	}{
		{cond("x", "eq", true), true, true},
		{cond("x", "eq", true), false, false},
		{cond("x", "ne", true), false, true},
		{cond("x", "eq", "UN3480"), "un3480", true},
		{cond("x", "in", []any{"UN3480", "UN3481"}), "UN3481", true},
		{cond("x", "not_in", []any{"UN3480", "UN3481"}), "UN3090", true},
		{cond("x", "gt", 100), 100.5, true},
		{cond("x", "gt", 100.0), 100.0, false},
		{cond("x", "ge", json.Number("100")), 100.0, true},
		{cond("x", "lt", 14), 13.0, true},
		{cond("x", "le", 14), 15.0, false},
		{cond("x", "eq", 3), 3.0, true},
		{cond("x", "eq", "toys"), []string{"electrical", "toys"}, true},
		{cond("x", "ne", "toys"), []string{"electrical", "toys"}, false},
		{cond("x", "in", []any{"food", "toys"}), []string{"toys"}, true},
		{cond("x", "not_in", []any{"food"}), []string{"toys"}, true},
		{cond("x", "bogus", 1), 1.0, false},
	}
	for _, c := range cases {
		if got := holds(c.c, c.v); got != c.want {
			t.Errorf("holds(%+v, %v) = %v, want %v", c.c, c.v, got, c.want)
		}
	}
}

func TestVerdictOf(t *testing.T) {
	t.Parallel()
	f := func(status, sev string) Finding { return Finding{Status: status, Severity: sev} }
	cases := []struct {
		fs   []Finding
		want string
	}{
		{nil, VerdictPass},
		{[]Finding{f(StatusPass, rules.Prohibited)}, VerdictPass},
		{[]Finding{f(StatusWarn, rules.Prohibited)}, VerdictWarn},
		{[]Finding{f(StatusWarn, rules.Info), f(StatusFail, rules.Labelling)}, VerdictFail},
		{[]Finding{f(StatusFail, rules.Labelling), f(StatusFail, rules.Prohibited)}, VerdictProhibited},
		{[]Finding{{Status: StatusFail, Severity: rules.Prohibited, MissingEvidence: []EvidenceGroup{{AnyOf: []EvidenceItem{{Code: "test_report"}}}}}}, VerdictFail},
	}
	for _, c := range cases {
		if got := verdictOf(c.fs); got != c.want {
			t.Errorf("verdictOf(%v) = %s, want %s", c.fs, got, c.want)
		}
	}
	if WorseVerdict(VerdictWarn, VerdictFail) != VerdictFail || WorseVerdict(VerdictProhibited, VerdictPass) != VerdictProhibited {
		t.Error("WorseVerdict")
	}
}
