package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// valid is a rule every case starts from.
func valid() Rule {
	return Rule{
		ID: "EU-TOY-001", Market: "EU", Title: "Toy safety", Authority: "European Commission",
		Reference: "Directive 2009/48/EC", SourceURL: "https://eur-lex.europa.eu/eli/dir/2009/48/oj",
		AppliesTo: Applicability{Categories: []string{"toys"}, HS: []string{"9503"},
			Conditions: []Condition{{Fact: "age_max_years", Op: "lt", Value: 14.0}}},
		Requirement: "Toys must carry the CE marking.", Severity: Restricted,
		Evidence:      []Evidence{{Kind: "mark", Code: "ce", Name: "CE marking"}},
		EffectiveFrom: date("2011-07-20"),
		Translations:  map[string]Texts{"zh-CN": {Title: "玩具安全"}},
	}
}

func fields(err error) []string {
	pe, ok := problem.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range pe.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func TestValidate(t *testing.T) {
	t.Parallel()
	to := date("2010-01-01")
	tests := []struct {
		name   string
		change func(r *Rule)
		want   []string
	}{
		{"valid", func(r *Rule) {}, nil},
		{"subdivision market", func(r *Rule) { r.Market, r.ID = "US-CA", "US-CA-P65-001" }, nil},
		{"global", func(r *Rule) { r.Market = Global }, nil},
		{"hs star", func(r *Rule) { r.AppliesTo.HS = []string{"*"} }, nil},
		{"in list", func(r *Rule) {
			r.AppliesTo.Conditions = []Condition{{Fact: "battery.chemistry", Op: "in", Value: []any{"li-ion", "li-metal"}}}
		}, nil},
		{"present", func(r *Rule) { r.AppliesTo.Conditions = []Condition{{Fact: "battery.wh", Op: "present"}} }, nil},
		{"fact evidence", func(r *Rule) { r.Evidence = []Evidence{{Kind: "fact", Code: "battery.un38_3_tested"}} }, nil},
		{"empty", func(r *Rule) { *r = Rule{} }, []string{"id:required", "market:required", "title:required",
			"authority:required", "reference:required", "requirement:required", "source_url:required",
			"severity:required", "effective_from:required"}},
		{"bad id", func(r *Rule) { r.ID = "eu toy 1" }, []string{"id:invalid_rule_id"}},
		{"bad market", func(r *Rule) { r.Market = "EUROPE" }, []string{"market:invalid_rule_market"}},
		{"bad subdivision", func(r *Rule) { r.Market = "XX-CA" }, []string{"market:invalid_rule_market"}},
		{"bad severity", func(r *Rule) { r.Severity = "fatal" }, []string{"severity:one_of"}},
		{"bad status", func(r *Rule) { r.Status = "live" }, []string{"status:one_of"}},
		{"ftp url", func(r *Rule) { r.SourceURL = "ftp://x.org/a" }, []string{"source_url:invalid_url"}},
		{"relative url", func(r *Rule) { r.SourceURL = "/law" }, []string{"source_url:invalid_url"}},
		{"dates reversed", func(r *Rule) { r.EffectiveTo = &to }, []string{"effective_to:date_after"}},
		{"dates equal", func(r *Rule) { f := r.EffectiveFrom; r.EffectiveTo = &f }, []string{"effective_to:date_after"}},
		{"unknown fact", func(r *Rule) { r.AppliesTo.Conditions[0].Fact = "colour" },
			[]string{"applies_to.conditions[0].fact:unknown_fact"}},
		{"unknown op", func(r *Rule) { r.AppliesTo.Conditions[0].Op = "between" },
			[]string{"applies_to.conditions[0].op:one_of"}},
		{"string for number", func(r *Rule) { r.AppliesTo.Conditions[0].Value = "14" },
			[]string{"applies_to.conditions[0].value:fact_type"}},
		{"compare a bool", func(r *Rule) { r.AppliesTo.Conditions[0] = Condition{Fact: "radio", Op: "gt", Value: 1} },
			[]string{"applies_to.conditions[0].op:op_needs_number"}},
		{"bool as string", func(r *Rule) { r.AppliesTo.Conditions[0] = Condition{Fact: "radio", Op: "eq", Value: "yes"} },
			[]string{"applies_to.conditions[0].value:fact_type"}},
		{"in list item", func(r *Rule) {
			r.AppliesTo.Conditions[0] = Condition{Fact: "battery.chemistry", Op: "in", Value: []any{"li-ion", 3}}
		}, []string{"applies_to.conditions[0].value[1]:fact_type"}},
		{"in without list", func(r *Rule) {
			r.AppliesTo.Conditions[0] = Condition{Fact: "battery.chemistry", Op: "in", Value: "li-ion"}
		}, []string{"applies_to.conditions[0].value:fact_type"}},
		{"unknown evidence", func(r *Rule) { r.Evidence[0].Code = "ce_mark" }, []string{"evidence[0].code:unknown_evidence"}},
		{"unknown evidence kind", func(r *Rule) { r.Evidence[0].Kind = "stamp" }, []string{"evidence[0].kind:one_of"}},
		{"fact evidence not bool", func(r *Rule) { r.Evidence[0] = Evidence{Kind: "fact", Code: "battery.wh"} },
			[]string{"evidence[0].code:unknown_fact"}},
		{"transport", func(r *Rule) { r.AppliesTo.Transport = []string{"air", "space"} },
			[]string{"applies_to.transport[1]:one_of"}},
		{"channel", func(r *Rule) { r.AppliesTo.Channels = []string{"tv"} }, []string{"applies_to.channels[0]:one_of"}},
		{"origin", func(r *Rule) { r.AppliesTo.Origins = []string{"EU"} }, []string{"applies_to.origins[0]:invalid_country"}},
		{"category", func(r *Rule) { r.AppliesTo.Categories = []string{"toys", "gadgets"} },
			[]string{"applies_to.categories[1]:unknown_category"}},
		{"hs", func(r *Rule) { r.AppliesTo.HS = []string{"9", "95030000001", "95.03"} },
			[]string{"applies_to.hs[0]:invalid_hs_prefix", "applies_to.hs[1]:invalid_hs_prefix", "applies_to.hs[2]:invalid_hs_prefix"}},
		{"limit fact", func(r *Rule) { r.Limits = []Limit{{Fact: "radio", Max: 1}, {Fact: "battery.wh", Max: -1}} },
			[]string{"limits[0].fact:unknown_fact", "limits[1].max:out_of_range"}},
		{"translation tag", func(r *Rule) { r.Translations = map[string]Texts{"chinese": {Title: "x"}, "zh_CN": {}} },
			[]string{"translations.chinese:invalid_language", "translations.zh_CN:invalid_language"}},
		{"long title", func(r *Rule) { r.Title = strings.Repeat("x", maxShort+1) }, []string{"title:max_length"}},
		{"material case", func(r *Rule) { r.AppliesTo.Materials = []string{"Ivory"} },
			[]string{"applies_to.materials[0]:invalid_value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := valid()
			tt.change(&r)
			got := fields(r.Validate())
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLineage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		market string
		want   []string
	}{
		{"DE", []string{"DE", "EU", "GLOBAL"}},
		{"de", []string{"DE", "EU", "GLOBAL"}},
		{"US", []string{"US", "GLOBAL"}},
		{"US-CA", []string{"US-CA", "US", "GLOBAL"}},
		{"ES-CN", []string{"ES-CN", "ES", "EU", "GLOBAL"}},
		{"EU", []string{"EU", "GLOBAL"}},
		{"GB", []string{"GB", "UK", "GLOBAL"}},
		{"GLOBAL", []string{"GLOBAL"}},
		{"CH", []string{"CH", "GLOBAL"}},
	}
	for _, tt := range tests {
		if got := Lineage(tt.market); !slices.Equal(got, tt.want) {
			t.Errorf("Lineage(%s) = %v, want %v", tt.market, got, tt.want)
		}
	}
	if len(EUMembers) != 27 {
		t.Errorf("%d EU members", len(EUMembers))
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	a := valid()
	a.Version, a.Status, a.AuthorID = 1, Published, "usr_a"
	b := valid()
	b.Version, b.Status, b.AuthorID = 2, Draft, "usr_b"
	b.Title = "Toy safety (TSR)"
	b.AppliesTo.HS = []string{"9503", "9504"}
	b.Evidence = nil
	b.Translations["zh-CN"] = Texts{Title: "玩具安全法规"}
	got := Diff(a, b)
	want := []Change{
		{Path: "applies_to.hs[1]", New: "9504"},
		{Path: "evidence", Old: []any{map[string]any{"kind": "mark", "code": "ce", "name": "CE marking"}}},
		{Path: "title", Old: "Toy safety", New: "Toy safety (TSR)"},
		{Path: "translations.zh-CN.title", Old: "玩具安全", New: "玩具安全法规"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diff (-want +got):\n%s", diff)
	}
	if d := Diff(a, a); len(d) != 0 {
		t.Errorf("a rule differs from itself: %v", d)
	}
}

func TestParse(t *testing.T) {
	t.Parallel()
	good := `rules:
- id: EU-TOY-001
  market: EU
  title: Toy safety
  authority: European Commission
  reference: Directive 2009/48/EC
  source_url: https://eur-lex.europa.eu/eli/dir/2009/48/oj
  applies_to:
    categories: [toys]
    conditions:
    - {fact: age_max_years, op: lt, value: 14}
  requirement: CE marking.
  evidence:
  - {kind: mark, code: ce}
  severity: restricted
  effective_from: "2011-07-20"
  effective_to: 2030-01-01
`
	rs, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || !rs[0].EffectiveFrom.Equal(date("2011-07-20")) || rs[0].EffectiveTo == nil ||
		rs[0].Evidence[0].Name != EvidenceCodes["ce"] {
		t.Fatalf("parsed %+v", rs)
	}
	tests := []struct {
		name, file string
		want       []ImportProblem
	}{
		{"unknown field", strings.Replace(good, "  severity:", "  severty: info\n  severity:", 1),
			[]ImportProblem{{Rule: "EU-TOY-001", Index: 0, Line: 15, Field: "severty", Code: "unknown_field"}}},
		{"bad hs and fact", strings.Replace(good, "categories: [toys]", "hs: [\"9\"]\n    categories: [toys]", 1),
			[]ImportProblem{{Rule: "EU-TOY-001", Index: 0, Line: 9, Field: "applies_to.hs[0]", Code: "invalid_hs_prefix"}}},
		{"missing field", strings.Replace(good, "  title: Toy safety\n", "", 1),
			[]ImportProblem{{Rule: "EU-TOY-001", Index: 0, Line: 2, Field: "title", Code: "required"}}},
		{"duplicate id", good + strings.TrimPrefix(good, "rules:\n"),
			[]ImportProblem{{Rule: "EU-TOY-001", Index: 1, Line: 18, Field: "id", Code: "duplicate_rule"}}},
		{"no rules", "other: 1\n", []ImportProblem{{Index: -1, Line: 1, Field: "other", Code: "unknown_field"}}},
		{"empty", "", []ImportProblem{{Index: -1, Field: "rules", Code: "required"}}},
		{"bad type", strings.Replace(good, "value: 14", "value: 14}\n    - {fact: radio, op: eq, value: [1", 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(strings.NewReader(tt.file))
			ie, ok := err.(*ImportError)
			if !ok {
				t.Fatalf("err = %v, want *ImportError", err)
			}
			if tt.want == nil {
				return
			}
			for i := range ie.Problems {
				ie.Problems[i].Params = nil
			}
			if diff := cmp.Diff(tt.want, ie.Problems); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

// TestShippedRulesUnique keeps the embedded rule set valid: a fault there would
// be skipped at startup, so it must fail here first.
func TestShippedRulesUnique(t *testing.T) {
	t.Parallel()
	files, err := Shipped()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for name, rs := range files {
		if len(rs) == 0 {
			t.Errorf("%s: no rules", name)
		}
		for _, r := range rs {
			if other, dup := seen[r.ID]; dup {
				t.Errorf("%s: %s also in %s", name, r.ID, other)
			}
			seen[r.ID] = name
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("rules:\n- id: EU-X-1\n  market: EU\n  effective_from: 2024-01-01\n")
	f.Add("rules: [{id: 1, applies_to: {conditions: [{fact: radio, op: in, value: [true]}]}}]")
	f.Add("rules:\n- &a {id: A-1}\n- *a\n")
	f.Fuzz(func(t *testing.T, s string) {
		rs, err := Parse(strings.NewReader(s))
		if err == nil {
			for _, r := range rs {
				if r.Validate() != nil {
					t.Fatalf("Parse accepted an invalid rule %+v", r)
				}
			}
		}
	})
}

func TestLocalize(t *testing.T) {
	t.Parallel()
	r := valid()
	r.Action = "Mark it."
	r.Translations = map[string]Texts{"zh-CN": {Title: "玩具安全"}, "de": {Title: "Spielzeug", Action: "Kennzeichnen."}}
	tests := []struct {
		lang, accept string
		want         *LangTexts
	}{
		{"zh-CN", "", &LangTexts{Lang: "zh-CN", Texts: Texts{Title: "玩具安全", Requirement: r.Requirement, Action: "Mark it."}}},
		{"en", "en-GB,zh-CN;q=0.5", nil},
		{"en", "de", &LangTexts{Lang: "de", Texts: Texts{Title: "Spielzeug", Requirement: r.Requirement, Action: "Kennzeichnen."}}},
		{"ja", "de-AT,de;q=0.8", &LangTexts{Lang: "de", Texts: Texts{Title: "Spielzeug", Requirement: r.Requirement, Action: "Kennzeichnen."}}},
		{"es", "zh", &LangTexts{Lang: "zh-CN", Texts: Texts{Title: "玩具安全", Requirement: r.Requirement, Action: "Mark it."}}},
		{"ja", "fr", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Localize(r, tt.lang, tt.accept)); diff != "" {
			t.Errorf("Localize(%s, %q) (-want +got):\n%s", tt.lang, tt.accept, diff)
		}
	}
}
