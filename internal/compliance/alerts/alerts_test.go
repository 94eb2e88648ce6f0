package alerts

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func fieldsOf(err error) []string {
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

func TestSubscriptionValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   Subscription
		want []string
		norm *Subscription
	}{
		{name: "ok", in: Subscription{Markets: []string{" eu", "US", "EU"}, Categories: []string{"Toys"}, Channels: []string{"in_app", "webhook"}},
			norm: &Subscription{Markets: []string{"EU", "US"}, Categories: []string{"toys"}, Channels: []string{"in_app", "webhook"}}},
		{name: "global and subdivision", in: Subscription{Markets: []string{"GLOBAL", "us-ca"}, Channels: []string{"in_app"}},
			norm: &Subscription{Markets: []string{"GLOBAL", "US-CA"}, Channels: []string{"in_app"}}},
		{name: "email", in: Subscription{Markets: []string{"DE"}, Channels: []string{"email"}, Emails: []string{"Ops@Example.com", "ops@example.com"}},
			norm: &Subscription{Markets: []string{"DE"}, Channels: []string{"email"}, Emails: []string{"ops@example.com"}}},
		{name: "empty", in: Subscription{}, want: []string{"markets:required", "channels:required"}},
		{name: "bad items", in: Subscription{Markets: []string{"XX", "EU"}, Categories: []string{"toys", "spaceships"},
			Channels: []string{"sms", "in_app", "in_app"}},
			want: []string{"markets[0]:invalid_rule_market", "categories[1]:unknown_category", "channels[0]:one_of", "channels[2]:duplicate"}},
		{name: "email needs recipients", in: Subscription{Markets: []string{"EU"}, Channels: []string{"email"}}, want: []string{"emails:required"}},
		{name: "bad recipients", in: Subscription{Markets: []string{"EU"}, Channels: []string{"email"},
			Emails: []string{"not an address", "Bob <bob@example.com>", "a@example.com\r\nBcc: x@example.com"}},
			want: []string{"emails[0]:invalid_email", "emails[1]:invalid_email", "emails[2]:invalid_email"}},
		{name: "too many markets", in: Subscription{Markets: slices.Repeat([]string{"EU"}, 51), Channels: []string{"in_app"}},
			want: []string{"markets:max_items"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.in
			err := s.Validate()
			if d := cmp.Diff(tc.want, fieldsOf(err)); d != "" {
				t.Fatalf("fields (-want +got):\n%s", d)
			}
			if tc.norm != nil {
				if d := cmp.Diff(*tc.norm, s); d != "" {
					t.Errorf("normalised (-want +got):\n%s", d)
				}
			}
		})
	}
}

func TestNoticeValidate(t *testing.T) {
	t.Parallel()
	good := func() Notice {
		return Notice{Markets: []string{"eu"}, Title: map[string]string{"en": "GPSR applies", "zh-CN": "GPSR 生效"},
			Body: map[string]string{"en": "Text", "zh-CN": "正文"}, EffectiveFrom: "2024-12-13", SourceURL: "https://eur-lex.europa.eu/eli/reg/2023/988/oj"}
	}
	for _, tc := range []struct {
		name string
		edit func(n *Notice)
		want []string
	}{
		{name: "ok", edit: func(n *Notice) {}},
		{name: "missing chinese", edit: func(n *Notice) { delete(n.Title, "zh-CN"); n.Body["zh-CN"] = " " },
			want: []string{"title.zh-CN:required", "body.zh-CN:required"}},
		{name: "other language", edit: func(n *Notice) { n.Title["de"] = "x" }, want: []string{"title.de:one_of"}},
		{name: "date and url", edit: func(n *Notice) { n.EffectiveFrom = "13/12/2024"; n.SourceURL = "ftp://x" },
			want: []string{"effective_from:invalid_format", "source_url:invalid_url"}},
		{name: "no markets", edit: func(n *Notice) { n.Markets = nil; n.Categories = []string{"nope"} },
			want: []string{"markets:required", "categories[0]:unknown_category"}},
		{name: "long title", edit: func(n *Notice) { n.Title["en"] = strings.Repeat("x", maxNoticeTitle+1) }, want: []string{"title.en:max_length"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := good()
			tc.edit(&n)
			got := fieldsOf(n.Validate())
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("fields (-want +got):\n%s", d)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                   string
		subM, subC, aboutM, aC []string
		want                   bool
	}{
		{"member state hears EU", []string{"DE"}, nil, []string{"EU"}, nil, true},
		{"EU hears member state", []string{"EU"}, nil, []string{"FR"}, nil, true},
		{"GLOBAL rule reaches all", []string{"US"}, nil, []string{"GLOBAL"}, nil, true},
		{"GLOBAL subscription hears all", []string{"GLOBAL"}, nil, []string{"JP"}, nil, true},
		{"other market", []string{"US"}, nil, []string{"EU"}, nil, false},
		{"country hears subdivision", []string{"US"}, nil, []string{"US-CA"}, nil, true},
		{"non-member", []string{"CH"}, nil, []string{"EU"}, nil, false},
		{"category match", []string{"EU"}, []string{"toys"}, []string{"EU"}, []string{"toys", "childcare"}, true},
		{"category mismatch", []string{"EU"}, []string{"cosmetics"}, []string{"EU"}, []string{"toys"}, false},
		{"rule without categories", []string{"EU"}, []string{"cosmetics"}, []string{"EU"}, nil, true},
		{"rule for all", []string{"EU"}, []string{"cosmetics"}, []string{"EU"}, []string{"all"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := Subscription{Markets: tc.subM, Categories: tc.subC}
			if got := s.Matches(tc.aboutM, tc.aC); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEffectOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ before, after, want string }{
		{"", "fail", NewFail}, {"pass", "fail", NewFail}, {"warn", "fail", NewFail},
		{"", "warn", NewWarn}, {"fail", "warn", NewWarn},
		{"fail", "pass", Resolved}, {"warn", "", Resolved}, {"fail", "", Resolved},
		{"fail", "fail", StillFail}, {"warn", "warn", StillWarn},
		{"", "pass", Passes}, {"pass", "", Passes}, {"", "", ""},
	} {
		if got := effectOf(tc.before, tc.after); got != tc.want {
			t.Errorf("effectOf(%q, %q) = %q, want %q", tc.before, tc.after, got, tc.want)
		}
	}
}

func toyRule(version int, severity string) rules.Rule {
	return rules.Rule{ID: "EU-TOY-T01", Version: version, Status: rules.Published, Market: "EU", Title: "Toy CE marking",
		Authority: "EU", Reference: "Directive 2009/48/EC Art. 16", SourceURL: "https://eur-lex.europa.eu/eli/dir/2009/48/oj",
		AppliesTo: rules.Applicability{Categories: []string{"toys"}}, Requirement: "Toys carry the CE mark.",
		Evidence: []rules.Evidence{{Kind: "mark", Code: "ce", Name: "CE marking"}}, Severity: severity,
		EffectiveFrom: time.Date(2011, 7, 20, 0, 0, 0, 0, time.UTC)}
}

func TestAssess(t *testing.T) {
	t.Parallel()
	toy := func(sku string, markets []string, certs ...string) catalog.Product {
		return catalog.Product{ID: "prd_" + sku, SKU: sku, Title: catalog.Title{"en": "Toy " + sku}, Category: "toys",
			HSCode: "950300", Markets: markets, Certifications: certs}
	}
	ps := []catalog.Product{
		toy("A", []string{"DE"}),             // no CE, in a member state
		toy("B", []string{"FR", "US"}, "CE"), // CE: passes
		toy("C", []string{"US"}),             // not in the EU: not selected
		{ID: "prd_D", SKU: "D", Title: catalog.Title{"en": "Lamp"}, Category: "lighting", HSCode: "940540", Markets: []string{"DE"}},
	}
	v1 := toyRule(1, rules.Restricted)
	effects, counts := assess(newPairEngine(nil, &v1), ps)
	got := map[string]string{}
	for _, e := range effects {
		got[e.SKU] = e.Effect
	}
	if d := cmp.Diff(map[string]string{"A": NewFail, "B": Passes}, got); d != "" {
		t.Fatalf("new rule effects (-want +got):\n%s", d)
	}
	if counts[NewFail] != 1 || counts[Passes] != 1 || effects[0].SKU != "A" || !slices.Equal(effects[0].Markets, []string{"DE"}) {
		t.Errorf("counts %v, first %+v", counts, effects[0])
	}
	// Retirement resolves what the old version failed.
	retired := toyRule(2, rules.Restricted)
	retired.Status = rules.Retired
	effects, _ = assess(newPairEngine(&v1, &retired), ps)
	got = map[string]string{}
	for _, e := range effects {
		got[e.SKU] = e.Effect
	}
	if d := cmp.Diff(map[string]string{"A": Resolved, "B": Passes}, got); d != "" {
		t.Fatalf("retirement effects (-want +got):\n%s", d)
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	v1, v2 := toyRule(1, rules.Documentation), toyRule(2, rules.Restricted)
	to := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	v2.EffectiveTo = &to
	v2.Requirement = "Toys carry the CE mark and a warning."
	rc := describe(&v1, v2)
	want := []FieldChange{
		{Field: "requirement", Old: v1.Requirement, New: v2.Requirement},
		{Field: "severity", Old: "documentation", New: "restricted"},
		{Field: "effective_to", New: "2027-01-01"},
	}
	if rc.Change != ChangeUpdated || rc.PreviousVersion != 1 || len(rc.Changes) == 0 {
		t.Errorf("change %+v", rc)
	}
	if d := cmp.Diff(want, rc.Summary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}
	if rc := describe(nil, v1); rc.Change != ChangeNew || rc.Summary[0].Field != "requirement" {
		t.Errorf("new rule: %+v", rc)
	}
	v2.Status = rules.Retired
	if a := ruleAlert(&v1, v2); a.Rule.Change != ChangeRetired || !strings.Contains(a.Title, "retired") || !strings.Contains(a.Titles["zh-CN"], "废止") {
		t.Errorf("retired: %+v", a)
	}
}

func TestParseSMTP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url, from string
		ok        bool
		addr      string
	}{
		{"smtp://user:pa%40ss@mail.example.com:587", "alerts@example.com", true, "mail.example.com:587"},
		{"smtps://mail.example.com", "Silkgate <alerts@example.com>", true, "mail.example.com:465"},
		{"smtp://mail.example.com", "", false, ""},
		{"http://mail.example.com", "a@example.com", false, ""},
		{"mail.example.com:25", "a@example.com", false, ""},
	} {
		m, err := parseSMTP(tc.url, tc.from)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v", tc.url, err)
			continue
		}
		if tc.ok && m.addr != tc.addr {
			t.Errorf("%s: addr %s", tc.url, m.addr)
		}
	}
	m, _ := parseSMTP("smtp://user:pa%40ss@mail.example.com:587", "a@example.com")
	if m.user != "user" || m.pass != "pa@ss" {
		t.Errorf("credentials %q %q", m.user, m.pass)
	}
}
