package rules

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/text/language"

	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Markets a rule may name besides ISO countries and subdivisions.
const (
	EU     = "EU"
	Global = "GLOBAL"
)

// EUMembers are the member states of the European Union (27 since 1
// February 2020). A check or a rule list for a member state includes the EU
// rules; the list changes by treaty, rarely, and is kept here rather than in
// the rule data so that a rule file cannot move a country in or out.
var EUMembers = []string{
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT",
	"LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
}

// Ops are the condition operators.
var Ops = []string{"eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "present"}

// EvidenceKinds are the kinds of evidence a rule may ask for.
var EvidenceKinds = []string{"certificate", "mark", "label", "registration", "document", "responsible_person", "fact"}

// Channels are the sales channels a rule may be limited to.
var Channels = []string{"online", "marketplace", "retail", "b2b"}

// Length limits keep rules readable in lists and reports.
const (
	maxID    = 64
	maxShort = 300
	maxLong  = 8000
	maxList  = 200
)

var (
	idShape          = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)
	subdivisionShape = regexp.MustCompile(`^([A-Z]{2})-[A-Z0-9]{1,3}$`)
	hsPrefix         = regexp.MustCompile(`^[0-9]{2,10}$`)
)

// fact returns the vocabulary entry named name.
func fact(name string) (Fact, bool) {
	i := slices.IndexFunc(Facts, func(f Fact) bool { return f.Name == name })
	if i < 0 {
		return Fact{}, false
	}
	return Facts[i], true
}

// ValidMarket reports whether m may be a rule's market: an ISO 3166-1
// alpha-2 country (or a market of the catalogue, such as UK), EU, GLOBAL, or
// a subdivision of a country (US-CA).
func ValidMarket(m string) bool {
	if m == EU || m == Global || iso.Market(m) {
		return true
	}
	sub := subdivisionShape.FindStringSubmatch(m)
	return sub != nil && iso.Country(sub[1])
}

// Lineage lists the markets whose rules apply in m, most specific first: a
// subdivision inherits its country, a member state the EU, and every market
// GLOBAL. UK and GB name the same market.
func Lineage(m string) []string {
	m = strings.ToUpper(strings.TrimSpace(m))
	if m == "" || m == Global {
		return []string{Global}
	}
	out := []string{m}
	country := m
	if sub := subdivisionShape.FindStringSubmatch(m); sub != nil {
		country = sub[1]
		out = append(out, country)
	}
	switch country {
	case "GB":
		out = append(out, "UK")
	case "UK":
		out = append(out, "GB")
	}
	if slices.Contains(EUMembers, country) {
		out = append(out, EU)
	}
	return append(out, Global)
}

// Validate reports every bad field of r by its JSON path. It checks the
// content a rule author writes; the platform-set fields are not examined.
func (r *Rule) Validate() error {
	var fs problem.Errors
	r.validate(&fs)
	return fs.Err()
}

func (r *Rule) validate(fs *problem.Errors) {
	switch {
	case r.ID == "":
		fs.Add("id", "required")
	case len(r.ID) > maxID || !idShape.MatchString(r.ID):
		fs.Add("id", "invalid_rule_id")
	}
	if r.Version < 0 {
		fs.Add("version", "out_of_range", "min", 0, "max", "∞")
	}
	if r.Status != "" && !slices.Contains([]string{Draft, InReview, Published, Retired}, r.Status) {
		fs.Add("status", "one_of", "values", strings.Join([]string{Draft, InReview, Published, Retired}, ", "))
	}
	switch {
	case r.Market == "":
		fs.Add("market", "required")
	case !ValidMarket(r.Market):
		fs.Add("market", "invalid_rule_market")
	}
	text(fs, "title", r.Title, maxShort, true)
	text(fs, "authority", r.Authority, maxShort, true)
	text(fs, "reference", r.Reference, maxShort, true)
	text(fs, "requirement", r.Requirement, maxLong, true)
	text(fs, "action", r.Action, maxLong, false)
	text(fs, "notes", r.Notes, maxLong, false)
	switch {
	case r.SourceURL == "":
		fs.Add("source_url", "required")
	case !webURL(r.SourceURL):
		fs.Add("source_url", "invalid_url")
	}
	switch {
	case r.Severity == "":
		fs.Add("severity", "required")
	case !slices.Contains(Severities, r.Severity):
		fs.Add("severity", "one_of", "values", strings.Join(Severities, ", "))
	}
	if r.EffectiveFrom.IsZero() {
		fs.Add("effective_from", "required")
	}
	if r.EffectiveTo != nil && !r.EffectiveTo.After(r.EffectiveFrom) {
		fs.Add("effective_to", "date_after", "from", r.EffectiveFrom.Format("2006-01-02"))
	}
	r.AppliesTo.validate(fs, "applies_to")
	for i, e := range r.Evidence {
		p := fmt.Sprintf("evidence[%d]", i)
		if !slices.Contains(EvidenceKinds, e.Kind) {
			fs.Add(p+".kind", "one_of", "values", strings.Join(EvidenceKinds, ", "))
		}
		switch {
		case e.Code == "":
			fs.Add(p+".code", "required")
		case e.Kind == "fact":
			if f, ok := fact(e.Code); !ok || f.Type != Bool {
				fs.Add(p+".code", "unknown_fact", "type", Bool)
			}
		case EvidenceCodes[e.Code] == "":
			fs.Add(p+".code", "unknown_evidence")
		}
		text(fs, p+".name", e.Name, maxShort, false)
		text(fs, p+".group", e.Group, maxID, false)
	}
	if len(r.Evidence) > maxList {
		fs.Add("evidence", "max_items", "max", maxList)
	}
	for i, l := range r.Limits {
		p := fmt.Sprintf("limits[%d]", i)
		if f, ok := fact(l.Fact); !ok || f.Type != Number {
			fs.Add(p+".fact", "unknown_fact", "type", Number)
		}
		if l.Max < 0 {
			fs.Add(p+".max", "out_of_range", "min", 0, "max", "∞")
		}
	}
	for _, tag := range sortedKeys(r.Translations) {
		p := "translations." + tag
		t, err := language.Parse(tag)
		if err != nil || t.String() != tag {
			fs.Add(p, "invalid_language")
			continue
		}
		tx := r.Translations[tag]
		text(fs, p+".title", tx.Title, maxShort, false)
		text(fs, p+".requirement", tx.Requirement, maxLong, false)
		text(fs, p+".action", tx.Action, maxLong, false)
	}
}

func (a *Applicability) validate(fs *problem.Errors, at string) {
	for i, c := range a.Categories {
		if !slices.Contains(Categories, c) {
			fs.Add(fmt.Sprintf("%s.categories[%d]", at, i), "unknown_category")
		}
	}
	for i, h := range a.HS {
		if h != "*" && !hsPrefix.MatchString(h) {
			fs.Add(fmt.Sprintf("%s.hs[%d]", at, i), "invalid_hs_prefix")
		}
	}
	for i, m := range a.Materials {
		if strings.TrimSpace(m) == "" || m != strings.ToLower(m) {
			fs.Add(fmt.Sprintf("%s.materials[%d]", at, i), "invalid_value", "reason", "a non-empty lower-case word")
		}
	}
	for i, k := range a.Keywords {
		if strings.TrimSpace(k) == "" {
			fs.Add(fmt.Sprintf("%s.keywords[%d]", at, i), "required")
		}
	}
	for i, t := range a.Transport {
		if !slices.Contains(Transports, t) {
			fs.Add(fmt.Sprintf("%s.transport[%d]", at, i), "one_of", "values", strings.Join(Transports, ", "))
		}
	}
	for i, c := range a.Channels {
		if !slices.Contains(Channels, c) {
			fs.Add(fmt.Sprintf("%s.channels[%d]", at, i), "one_of", "values", strings.Join(Channels, ", "))
		}
	}
	for i, o := range a.Origins {
		if !iso.Country(o) {
			fs.Add(fmt.Sprintf("%s.origins[%d]", at, i), "invalid_country", "country", o)
		}
	}
	for i, c := range a.Conditions {
		c.validate(fs, fmt.Sprintf("%s.conditions[%d]", at, i))
	}
	for name, n := range map[string]int{"categories": len(a.Categories), "hs": len(a.HS), "materials": len(a.Materials),
		"keywords": len(a.Keywords), "conditions": len(a.Conditions)} {
		if n > maxList {
			fs.Add(at+"."+name, "max_items", "max", maxList)
		}
	}
}

func (c Condition) validate(fs *problem.Errors, at string) {
	f, ok := fact(c.Fact)
	if !ok {
		fs.Add(at+".fact", "unknown_fact", "type", "any")
		return
	}
	switch c.Op {
	case "present":
		if c.Value != nil {
			if _, ok := c.Value.(bool); !ok {
				fs.Add(at+".value", "fact_type", "type", Bool)
			}
		}
	case "eq", "ne":
		if !ofType(c.Value, f.Type) {
			fs.Add(at+".value", "fact_type", "type", f.Type)
		}
	case "lt", "le", "gt", "ge":
		if f.Type != Number {
			fs.Add(at+".op", "op_needs_number")
		} else if !ofType(c.Value, Number) {
			fs.Add(at+".value", "fact_type", "type", Number)
		}
	case "in", "not_in":
		vs, ok := c.Value.([]any)
		if !ok || len(vs) == 0 {
			fs.Add(at+".value", "fact_type", "type", "list of "+f.Type)
			return
		}
		for i, v := range vs {
			if !ofType(v, f.Type) {
				fs.Add(fmt.Sprintf("%s.value[%d]", at, i), "fact_type", "type", f.Type)
			}
		}
	default:
		fs.Add(at+".op", "one_of", "values", strings.Join(Ops, ", "))
	}
}

// ofType reports whether v, as decoded from JSON or YAML, is a value of
// the fact type t.
func ofType(v any, t string) bool {
	switch t {
	case Bool:
		_, ok := v.(bool)
		return ok
	case String:
		s, ok := v.(string)
		return ok && s != ""
	case Number:
		switch v.(type) {
		case float64, float32, int, int64, uint64, json.Number:
			return true
		}
	}
	return false
}

func text(fs *problem.Errors, field, s string, max int, required bool) {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			fs.Add(field, "required")
		}
	case len([]rune(s)) > max:
		fs.Add(field, "max_length", "max", max)
	}
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
