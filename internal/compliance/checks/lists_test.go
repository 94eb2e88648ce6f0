package checks

import (
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/catalog"
)

// TestListRules checks that the shipped rules resting on list data read
// it through the lookup, and that the finding names the entry matched
// and the list version.
func TestListRules(t *testing.T) {
	t.Parallel()
	e := shippedEngine(t)
	camera := func(kv ...any) *catalog.Product {
		return attrs(&catalog.Product{SKU: "CAM", Title: catalog.Title{"en": "Wi-Fi security camera"}, HSCode: "852589",
			OriginCountry: "CN"}, kv...)
	}
	printer := func(kv ...any) *catalog.Product {
		return attrs(&catalog.Product{SKU: "TON", Title: catalog.Title{"en": "Toner cartridge"}, HSCode: "844399",
			OriginCountry: "VN"}, kv...)
	}
	cases := []struct {
		name   string
		p      *catalog.Product
		market string
		lists  ListLookup
		rule   string
		status string // "" means the rule must not apply
		entry  string // the list entry the finding must name
	}{
		{"Hikvision camera to the US", camera("manufacturer", "Hangzhou Hikvision Digital Technology Co., Ltd."), "US", ProductLists(), "US-FCC-002", StatusFail, "FCC-4"},
		{"brand alone matches", camera("manufacturer", "Shenzhen Optics Co.", "brand", "EZVIZ"), "US", ProductLists(), "US-FCC-002", StatusFail, "FCC-4"},
		{"Chinese name matches", camera("manufacturer", "华为技术有限公司"), "US", ProductLists(), "US-FCC-002", StatusFail, "FCC-1"},
		{"typo matches", camera("manufacturer", "Hikvison"), "US", ProductLists(), "US-FCC-002", StatusFail, "FCC-4"},
		{"other maker passes", camera("manufacturer", "Anker Innovations Co., Ltd."), "US", ProductLists(), "US-FCC-002", "", ""},
		{"same-word maker passes", camera("manufacturer", "Dahua Toys Co."), "US", ProductLists(), "US-FCC-002", "", ""},
		{"stated false wins", camera("manufacturer", "Hikvision", "covered_equipment", false), "US", ProductLists(), "US-FCC-002", "", ""},
		{"no manufacturer asks for it", camera(), "US", ProductLists(), "US-FCC-002", StatusWarn, ""},
		{"no lists asks for it", camera("manufacturer", "Hikvision"), "US", nil, "US-FCC-002", StatusWarn, ""},
		{"not in other markets", camera("manufacturer", "Hikvision"), "DE", ProductLists(), "US-FCC-002", "", ""},
		{"UFLPA entity to the US", printer("manufacturer", "Ninestar Corporation"), "US", ProductLists(), "US-UFLPA-002", StatusFail, "UFLPA-18"},
		{"UFLPA brand", printer("manufacturer", "OEM Co.", "brand", "Pantum"), "US", ProductLists(), "US-UFLPA-002", StatusFail, "UFLPA-19"},
		{"UFLPA clean maker", printer("manufacturer", "Brother Industries"), "US", ProductLists(), "US-UFLPA-002", "", ""},
		{"embargoed destination", camera("manufacturer", "Anker"), "IR", ProductLists(), "GL-EMBARGO-001", StatusFail, "IR"},
		{"not embargoed", camera("manufacturer", "Anker"), "JP", ProductLists(), "GL-EMBARGO-001", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := e.Check(Input{Product: c.p, Markets: []string{c.market}, Lists: c.lists})
			f, ok := find(res, c.rule, c.market)
			switch {
			case c.status == "" && ok:
				t.Fatalf("%s applies (%s): %+v", c.rule, f.Status, f.TriggeredBy)
			case c.status == "":
				return
			case !ok:
				t.Fatalf("%s does not apply", c.rule)
			case f.Status != c.status:
				t.Fatalf("%s: %s, want %s; missing %+v", c.rule, f.Status, c.status, f.MissingFacts)
			}
			if c.entry == "" {
				if len(f.MissingFacts) == 0 || f.MissingFacts[0].Provide != "attributes.manufacturer" {
					t.Errorf("missing facts %+v, want attributes.manufacturer asked for", f.MissingFacts)
				}
				return
			}
			var hit *ListHit
			for _, tr := range f.TriggeredBy {
				if tr.List != nil {
					hit = tr.List
					if !strings.Contains(tr.Source, hit.ListVersion) || !strings.Contains(tr.Source, hit.EntryID) {
						t.Errorf("source %q does not name the entry and list version", tr.Source)
					}
				}
			}
			if hit == nil || hit.EntryID != c.entry || hit.ListVersion == "" {
				t.Errorf("list match %+v, want entry %s with its list version", hit, c.entry)
			}
		})
	}
}

// TestListFactsSources checks the derived facts say what was screened
// when nothing matched, so a pass is explained too.
func TestListFactsSources(t *testing.T) {
	t.Parallel()
	p := attrs(&catalog.Product{SKU: "X", Title: catalog.Title{"en": "Phone case"}}, "manufacturer", "Acme Ltd", "brand", "Acme")
	f := deriveFacts(p)
	f.listFacts(p.Attributes, ProductLists())
	for _, name := range []string{"covered_equipment", "uflpa_entity"} {
		v, ok := f.get(name)
		if !ok || v.Value != false || !v.Inferred || !strings.Contains(v.Source, "Acme Ltd") || v.List != nil {
			t.Errorf("%s = %+v, %v", name, v, ok)
		}
	}
}

// BenchmarkCheckShippedLists is BenchmarkCheckShipped with the list data
// wired and every product naming a manufacturer, the cost of screening it:
//
//	go test -run '^$' -bench BenchmarkCheckShippedLists -cpu 1 ./internal/compliance/checks/
func BenchmarkCheckShippedLists(b *testing.B) {
	e := shippedEngine(b)
	ps := benchProducts()
	makers := []string{"Shenzhen Anker Innovations Co., Ltd.", "Hangzhou Hikvision Digital Technology Co., Ltd.", "Ningbo Toys Co.", "Ninestar"}
	for i, p := range ps {
		q := *p
		q.Attributes = map[string]any{"manufacturer": makers[i%len(makers)]}
		for k, v := range p.Attributes {
			q.Attributes[k] = v
		}
		ps[i] = &q
	}
	l := ProductLists()
	markets := []string{"DE", "US", "SG"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		e.Check(Input{Product: ps[i%len(ps)], Markets: markets, Transport: "air", Lists: l})
		i++
	}
}
