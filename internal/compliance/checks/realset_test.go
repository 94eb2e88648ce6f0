package checks

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// shippedEngine compiles the rule set the platform ships (rules/data),
// as in force on a fixed date.
func shippedEngine(t testing.TB) *Engine {
	t.Helper()
	files, err := rules.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	var all []rules.Rule
	for _, rs := range files {
		for _, r := range rs {
			if r.Version == 0 {
				r.Version = 1
			}
			all = append(all, r)
		}
	}
	in, _ := StaticRules(all).InForce(context.Background(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if len(in) < 50 {
		t.Fatalf("only %d shipped rules in force", len(in))
	}
	return Compile(in)
}

// TestShippedRules checks the engine against the real rule set: the
// dangerous-goods rules by UN number and mode, and the outright bans.
func TestShippedRules(t *testing.T) {
	t.Parallel()
	e := shippedEngine(t)
	powerBank := func(whv float64, kv ...any) *catalog.Product {
		return attrs(&catalog.Product{SKU: "PB", Title: catalog.Title{"en": "Power bank", "zh-CN": "充电宝"}, HSCode: "850760",
			Battery: &catalog.Battery{Chemistry: "li-ion", Packing: "standalone", Wh: wh(whv)}, OriginCountry: "CN",
			Certifications: []string{"UN38.3"}, Labels: []string{"lithium battery mark"}}, kv...)
	}
	phone := withBattery(&catalog.Product{SKU: "PH", Title: catalog.Title{"en": "Smartphone"}, HSCode: "851762",
		OriginCountry: "CN"}, "li-ion", "contained_in_equipment", wh(15))
	cells := withBattery(&catalog.Product{SKU: "CR", Title: catalog.Title{"en": "CR2032 coin cells"}, HSCode: "850650"},
		"li-metal", "standalone", nil)
	cases := []struct {
		name      string
		p         *catalog.Product
		market    string
		transport string
		rule      string
		status    string // "" means the rule must not apply
		severity  string
	}{
		{"power bank by air at 30 %", powerBank(74, "battery_state_of_charge_pct", 30), "DE", "air", "GL-LIBAT-001", StatusPass, rules.Restricted},
		{"power bank by air at 60 %", powerBank(74, "battery_state_of_charge_pct", 60), "DE", "air", "GL-LIBAT-001", StatusFail, rules.Prohibited},
		{"power bank by air, charge unknown", powerBank(74), "DE", "air", "GL-LIBAT-001", StatusWarn, rules.Restricted},
		{"power bank by sea", powerBank(74), "DE", "sea", "GL-LIBAT-001", "", ""},
		{"power bank by post", powerBank(74), "SG", "post", "GL-LIBAT-008", StatusFail, rules.Prohibited},
		{"power bank over 100 Wh by air", powerBank(160, "battery_state_of_charge_pct", 30), "US", "air", "GL-LIBAT-004", "any", ""},
		{"phone by air is UN3481", phone, "US", "air", "GL-LIBAT-002", "any", ""},
		{"phone by air is not UN3480", phone, "US", "air", "GL-LIBAT-001", "", ""},
		{"coin cells by air are lithium metal", cells, "JP", "air", "GL-LIBAT-003", "any", ""},
		{"ivory is prohibited", &catalog.Product{SKU: "IV", Title: catalog.Title{"en": "Carving"}, HSCode: "960110"},
			"US", "", "GL-CITES-002", StatusFail, rules.Prohibited},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := e.Check(Input{Product: c.p, Markets: []string{c.market}, Transport: c.transport})
			f, ok := find(res, c.rule, c.market)
			switch {
			case c.status == "" && ok:
				t.Errorf("%s applies (%s)", c.rule, f.Status)
			case c.status == "":
			case !ok:
				var ids []string
				for _, f := range res.Findings {
					ids = append(ids, f.RuleID)
				}
				t.Errorf("%s does not apply; findings %v", c.rule, ids)
			case c.status != "any" && (f.Status != c.status || f.Severity != c.severity):
				t.Errorf("%s: %s/%s, want %s/%s; missing %+v limits %+v evidence %+v", c.rule, f.Status, f.Severity,
					c.status, c.severity, f.MissingFacts, f.LimitsExceeded, f.MissingEvidence)
			}
			for _, f := range res.Findings {
				if f.Title == "" || f.Reference == "" || f.Severity == "" || !slices.Contains([]string{StatusFail, StatusWarn, StatusPass}, f.Status) {
					t.Errorf("incomplete finding %+v", f)
				}
			}
		})
	}
}

// BenchmarkCheckShipped is BenchmarkCheck against the shipped rule set:
//
//	go test -run '^$' -bench BenchmarkCheckShipped -cpu 1 ./internal/compliance/checks/
func BenchmarkCheckShipped(b *testing.B) {
	e := shippedEngine(b)
	ps := benchProducts()
	markets := []string{"DE", "US", "SG"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Check(Input{Product: ps[i%len(ps)], Markets: markets, Transport: "air"})
		i++
	}
}
