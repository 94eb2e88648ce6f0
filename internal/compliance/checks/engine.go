package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// Verdicts of a check, worst first.
const (
	VerdictProhibited = "prohibited"
	VerdictFail       = "fail"
	VerdictWarn       = "warn"
	VerdictPass       = "pass"
)

// Verdicts lists the verdicts, worst first.
var Verdicts = []string{VerdictProhibited, VerdictFail, VerdictWarn, VerdictPass}

// Statuses of a finding.
const (
	StatusFail = "fail"
	StatusWarn = "warn"
	StatusPass = "pass"
)

// Input is what one check looks at.
type Input struct {
	Product *catalog.Product
	// Markets are the destinations (ISO alpha-2 countries, EU, UK, or a
	// subdivision such as US-CA).
	Markets []string
	// Transport is air, sea, rail, road or post; empty leaves out the
	// rules that only concern one mode.
	Transport string
	// Lists answers the facts that rest on list data (covered_equipment,
	// uflpa_entity, embargoed_destination); nil leaves them to what the
	// product states.
	Lists ListLookup
}

// Result is the outcome of a check.
type Result struct {
	Verdict  string    `json:"verdict"`
	Findings []Finding `json:"findings"`
	// Rules are the rule versions the check evaluated (the candidates its
	// index picked), for audit.
	Rules []RuleRef `json:"rules"`
	// Facts are the product's facts as the checker established them.
	Facts map[string]FactValue `json:"facts"`
}

// RuleRef names one rule version.
type RuleRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
}

// Finding is one rule's verdict on the product for one market.
type Finding struct {
	RuleID      string `json:"rule_id"`
	RuleVersion int    `json:"rule_version"`
	// Market is the market checked; RuleMarket the rule's own (EU for a
	// check of DE, GLOBAL for a transport rule).
	Market      string `json:"market"`
	RuleMarket  string `json:"rule_market"`
	Severity    string `json:"severity"`
	Status      string `json:"status"`
	Title       string `json:"title"`
	Requirement string `json:"requirement"`
	Reference   string `json:"reference"`
	Authority   string `json:"authority,omitempty"`
	SourceURL   string `json:"source_url,omitempty"`
	Action      string `json:"action,omitempty"`
	// TriggeredBy are the facts and values that made the rule apply.
	TriggeredBy     []Trigger              `json:"triggered_by"`
	MissingEvidence []EvidenceGroup        `json:"missing_evidence,omitempty"`
	MissingFacts    []MissingFact          `json:"missing_facts,omitempty"`
	LimitsExceeded  []LimitExceeded        `json:"limits_exceeded,omitempty"`
	Evidence        []EvidenceShown        `json:"evidence,omitempty"`
	Inferred        []Trigger              `json:"inferred,omitempty"`
	Translations    map[string]rules.Texts `json:"translations,omitempty"`
}

// Trigger is one fact that made a rule apply, with its value and source.
type Trigger struct {
	Fact     string `json:"fact"`
	Value    any    `json:"value"`
	Source   string `json:"source"`
	Inferred bool   `json:"inferred,omitempty"`
	// List is the list entry the value rests on, with the list version.
	List *ListHit `json:"list_match,omitempty"`
}

// EvidenceGroup is a group of evidence items of which the product shows
// none; any one of AnyOf would do.
type EvidenceGroup struct {
	Group string         `json:"group,omitempty"`
	AnyOf []EvidenceItem `json:"any_of"`
}

// EvidenceItem is one way of satisfying a group.
type EvidenceItem struct {
	Kind string `json:"kind"`
	Code string `json:"code"`
	Name string `json:"name"`
}

// EvidenceShown is evidence the product supplied for the rule.
type EvidenceShown struct {
	Code   string `json:"code"`
	Source string `json:"source"`
}

// MissingFact is a fact the rule needs that the product does not state.
type MissingFact struct {
	Fact        string `json:"fact"`
	Provide     string `json:"provide"`
	Description string `json:"description"`
}

// LimitExceeded is a limit the product is over.
type LimitExceeded struct {
	Fact   string  `json:"fact"`
	Value  float64 `json:"value"`
	Max    float64 `json:"max"`
	Source string  `json:"source"`
}

// Engine is a compiled rule set. It is immutable and safe for concurrent
// use; compile a new one when the rules change.
type Engine struct {
	rules []rules.Rule
	// groups are each rule's evidence groups, gathered once.
	groups [][]evidenceGroup
	// byMarket holds one index per rule market (EU, DE, US-CA, GLOBAL).
	byMarket map[string]*index
	// subdivisions lists, per country, the subdivision markets rules name:
	// a check of US also looks at US-CA (an online seller reaches every
	// state).
	subdivisions map[string][]string
}

// index finds the candidate rules of one market for a product without
// looking at the others: by HS prefix (one map per prefix length), by
// category, material and title keyword. Rules without selectors are
// always candidates.
type index struct {
	always  []int32
	hs      [11]map[string][]int32
	cat     map[string][]int32
	mat     map[string][]int32
	matPhr  []phrase
	word    map[string][]int32
	phrases []phrase
}

type phrase struct {
	text string
	rule int32
}

var hsDigits = strings.NewReplacer(".", "", " ", "")

// Compile indexes rs. Rules are used as given: pass only those in force.
func Compile(rs []rules.Rule) *Engine {
	e := &Engine{rules: slices.Clone(rs), byMarket: map[string]*index{}, subdivisions: map[string][]string{}}
	e.groups = make([][]evidenceGroup, len(e.rules))
	for i := range e.rules {
		r := &e.rules[i]
		e.groups[i] = groups(r.Evidence)
		m := strings.ToUpper(r.Market)
		ix := e.byMarket[m]
		if ix == nil {
			ix = &index{cat: map[string][]int32{}, mat: map[string][]int32{}, word: map[string][]int32{}}
			e.byMarket[m] = ix
			if c, _, ok := strings.Cut(m, "-"); ok && len(c) == 2 {
				e.subdivisions[c] = append(e.subdivisions[c], m)
			}
		}
		ix.add(int32(i), &r.AppliesTo)
	}
	return e
}

func (ix *index) add(id int32, a *rules.Applicability) {
	if len(a.Categories)+len(a.HS)+len(a.Materials)+len(a.Keywords) == 0 {
		ix.always = append(ix.always, id)
		return
	}
	for _, h := range a.HS {
		h = hsDigits.Replace(h)
		if h == "*" {
			ix.always = append(ix.always, id)
			continue
		}
		if n := len(h); n >= 1 && n <= 10 {
			if ix.hs[n] == nil {
				ix.hs[n] = map[string][]int32{}
			}
			ix.hs[n][h] = append(ix.hs[n][h], id)
		}
	}
	for _, c := range a.Categories {
		ix.cat[c] = append(ix.cat[c], id)
	}
	for _, m := range a.Materials {
		m = strings.ToLower(strings.TrimSpace(m))
		if strings.Contains(m, " ") || hasCJK(m) {
			ix.matPhr = append(ix.matPhr, phrase{m, id})
		} else {
			ix.mat[m] = append(ix.mat[m], id)
		}
	}
	for _, k := range a.Keywords {
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.Contains(k, " ") || hasCJK(k) {
			ix.phrases = append(ix.phrases, phrase{k, id})
		} else {
			ix.word[k] = append(ix.word[k], id)
		}
	}
}

// candidates adds to seen the rules of ix the product may fall under.
func (ix *index) candidates(f *productFacts, seen []bool, out []int32) []int32 {
	add := func(ids []int32) {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	add(ix.always)
	for n := 1; n <= len(f.hs) && n <= 10; n++ {
		if ix.hs[n] != nil {
			add(ix.hs[n][f.hs[:n]])
		}
	}
	if len(ix.cat) > 0 {
		for c := range f.cats {
			add(ix.cat[c])
		}
	}
	if len(ix.mat) > 0 {
		for _, m := range f.materials {
			add(ix.mat[m])
		}
		for w := range f.materialWords {
			add(ix.mat[w])
		}
	}
	for _, p := range ix.matPhr {
		if !seen[p.rule] && f.hasMaterialCJK(p.text) {
			add([]int32{p.rule})
		}
	}
	if len(ix.word) > 0 {
		for w := range f.words {
			add(ix.word[w])
		}
	}
	for _, p := range ix.phrases {
		if !seen[p.rule] && f.titleHas(p.text) {
			add([]int32{p.rule})
		}
	}
	return out
}

// Len is the number of rules compiled.
func (e *Engine) Len() int { return len(e.rules) }

// marketsFor lists the rule markets that apply in market m.
func (e *Engine) marketsFor(m string) []string {
	out := rules.Lineage(m)
	if !strings.Contains(m, "-") {
		country := m
		if country == "UK" {
			country = "GB"
		}
		out = append(out, e.subdivisions[country]...)
		if country == "GB" {
			out = append(out, e.subdivisions["UK"]...)
		}
	}
	return out
}

// Check checks in.Product against the rules of every market in
// in.Markets. It does no I/O.
func (e *Engine) Check(in Input) Result {
	f := deriveFacts(in.Product)
	f.listFacts(in.Product.Attributes, in.Lists)
	res := Result{Findings: make([]Finding, 0, 16*len(in.Markets)), Facts: f.snapshot()}
	seen := make([]bool, len(e.rules))
	used := make([]bool, len(e.rules))
	cand := make([]int32, 0, 64)
	for _, m := range in.Markets {
		m = strings.ToUpper(strings.TrimSpace(m))
		clear(seen)
		cand = cand[:0]
		for _, rm := range e.marketsFor(m) {
			if ix := e.byMarket[rm]; ix != nil {
				cand = ix.candidates(f, seen, cand)
			}
		}
		slices.Sort(cand)
		mf := marketFacts(f, m, in.Transport, in.Product.OriginCountry)
		embargoFacts(mf, m, in.Lists)
		for _, id := range cand {
			used[id] = true
			if fd, ok := evaluate(&e.rules[id], e.groups[id], f, mf, m, in.Transport); ok {
				res.Findings = append(res.Findings, fd)
			}
		}
		if fd, ok := classificationFinding(f, m); ok {
			res.Findings = append(res.Findings, fd)
		}
	}
	for i, u := range used {
		if u {
			res.Rules = append(res.Rules, RuleRef{ID: e.rules[i].ID, Version: e.rules[i].Version})
		}
	}
	res.Findings = sortFindings(res.Findings, in.Markets)
	res.Verdict = verdictOf(res.Findings)
	return res
}

// marketFacts are the facts that depend on the market checked.
func marketFacts(f *productFacts, market, transport, origin string) map[string]FactValue {
	mf := map[string]FactValue{"destination": {Value: market, Source: "the check's market"}}
	if transport != "" {
		mf["transport"] = FactValue{Value: transport, Source: "the check's transport"}
	}
	if _, stated := f.m["manufacturer_in_market"]; !stated && origin != "" {
		eu := func(c string) bool { return slices.Contains(rules.EUMembers, c) }
		in := origin == market || (eu(origin) && (market == rules.EU || eu(market))) ||
			(market == "UK" && origin == "GB") || (market == "GB" && origin == "UK")
		mf["manufacturer_in_market"] = FactValue{Value: in, Source: "derived from origin_country " + origin, Inferred: true}
	}
	return mf
}

// classificationFinding warns about a product with neither an HS code nor
// a category the rules know: most rules select on them, so such a product
// would otherwise pass by being invisible.
func classificationFinding(f *productFacts, market string) (Finding, bool) {
	if f.hs != "" || len(f.cats) > 0 {
		return Finding{}, false
	}
	return Finding{RuleID: "SILKGATE-CLASSIFICATION", Market: market, RuleMarket: rules.Global, Severity: rules.Info,
		Status: StatusWarn, Title: "Product classification missing",
		Requirement: "Rules select products by HS code and category. Without either, most rules cannot tell whether they apply.",
		Reference:   "Silkgate", Action: "Give the product its HS code (6 to 10 digits) and a category.",
		TriggeredBy: []Trigger{},
		MissingFacts: []MissingFact{
			{Fact: "hs_code", Provide: "product.hs_code", Description: factInfo["hs_code"].Description},
			{Fact: "category", Provide: "product.category", Description: factInfo["category"].Description},
		},
		Translations: map[string]rules.Texts{"zh-CN": {Title: "缺少商品归类",
			Requirement: "规则按 HS 编码和品类选择商品。两者都没有时，大多数规则无法判断是否适用。",
			Action:      "请填写商品的 HS 编码（6 至 10 位）和品类。"}},
	}, true
}

var severityRank = map[string]int{rules.Prohibited: 0, rules.Restricted: 1, rules.Documentation: 2, rules.Labelling: 3, rules.Info: 4}
var statusRank = map[string]int{StatusFail: 0, StatusWarn: 1, StatusPass: 2}

// sortFindings orders findings by the order of the markets asked for,
// then worst status, then severity, then rule id. Findings are large, so
// their keys are sorted and the findings moved once.
func sortFindings(fs []Finding, markets []string) []Finding {
	type key struct {
		market, status, severity, i int
		rule                        string
	}
	keys := make([]key, len(fs))
	for i := range fs {
		f := &fs[i]
		m := slices.IndexFunc(markets, func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), f.Market) })
		keys[i] = key{market: m, status: statusRank[f.Status], severity: severityRank[f.Severity], i: i, rule: f.RuleID}
	}
	slices.SortStableFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.market, b.market), cmp.Compare(a.status, b.status),
			cmp.Compare(a.severity, b.severity), cmp.Compare(a.rule, b.rule))
	})
	out := make([]Finding, len(fs))
	for i, k := range keys {
		out[i] = fs[k.i]
	}
	return out
}

// verdictOf is prohibited when a prohibited finding fails, fail when any
// other fails, warn when any warns, and pass otherwise. A prohibition the
// product can show it does not fall under (a test report showing a
// restricted substance below its limit) and has not yet shown counts as a
// fail: the product is unproven, not banned, and paperwork fixes it. A
// limit exceeded is a ban whatever the paperwork.
func verdictOf(fs []Finding) string {
	v := VerdictPass
	for _, f := range fs {
		switch {
		case f.Status == StatusFail && f.Severity == rules.Prohibited && (len(f.MissingEvidence) == 0 || len(f.LimitsExceeded) > 0):
			return VerdictProhibited
		case f.Status == StatusFail:
			v = VerdictFail
		case f.Status == StatusWarn && v == VerdictPass:
			v = VerdictWarn
		}
	}
	return v
}

// WorseVerdict returns the worse of two verdicts.
func WorseVerdict(a, b string) string {
	if slices.Index(Verdicts, b) >= 0 && (slices.Index(Verdicts, a) < 0 || slices.Index(Verdicts, b) < slices.Index(Verdicts, a)) {
		return b
	}
	return a
}

// evaluate applies rule r to the product in market m. It reports false
// when the rule does not concern the product.
func evaluate(r *rules.Rule, evGroups []evidenceGroup, f *productFacts, mf map[string]FactValue, market, transport string) (Finding, bool) {
	a := &r.AppliesTo
	if len(a.Transport) > 0 && !slices.Contains(a.Transport, transport) {
		return Finding{}, false
	}
	lookup := func(name string) (FactValue, bool) {
		if v, ok := mf[name]; ok {
			return v, true
		}
		if name == "category" {
			if len(f.cats) == 0 {
				return FactValue{}, false
			}
			return FactValue{Value: categoriesOf(f)}, true
		}
		return f.get(name)
	}
	var trig []Trigger
	var missing []MissingFact
	limitMissing := false
	miss := func(name string) {
		if !slices.ContainsFunc(missing, func(m MissingFact) bool { return m.Fact == name }) {
			missing = append(missing, MissingFact{Fact: name, Provide: provide(name), Description: factInfo[name].Description})
		}
	}
	trig = selectorTriggers(a, f, trig)
	if len(a.Channels) > 0 {
		ch, _ := f.get("channel")
		if !slices.Contains(a.Channels, fmt.Sprint(ch.Value)) {
			return Finding{}, false
		}
		trig = append(trig, triggerOf("channel", ch))
	}
	if len(a.Transport) > 0 {
		trig = append(trig, Trigger{Fact: "transport", Value: transport, Source: "the check's transport"})
	}
	if len(a.Origins) > 0 {
		o, ok := f.get("origin_country")
		switch {
		case !ok:
			miss("origin_country")
		case !slices.Contains(a.Origins, fmt.Sprint(o.Value)):
			return Finding{}, false
		default:
			trig = append(trig, triggerOf("origin_country", o))
		}
	}
	for _, c := range a.Conditions {
		v, ok := lookup(c.Fact)
		if c.Op == "present" {
			want := true
			if b, isBool := c.Value.(bool); isBool {
				want = b
			}
			if ok != want {
				return Finding{}, false
			}
			if ok {
				trig = append(trig, triggerOf(c.Fact, withSource(v, c.Fact, f)))
			}
			continue
		}
		if !ok {
			miss(c.Fact)
			continue
		}
		if !holds(c, v.Value) {
			return Finding{}, false
		}
		trig = append(trig, triggerOf(c.Fact, withSource(v, c.Fact, f)))
	}

	fd := Finding{RuleID: r.ID, RuleVersion: r.Version, Market: market, RuleMarket: r.Market, Severity: r.Severity,
		Title: r.Title, Requirement: r.Requirement, Reference: r.Reference, Authority: r.Authority, SourceURL: r.SourceURL,
		Action: r.Action, Translations: r.Translations}

	for _, l := range r.Limits {
		v, ok := lookup(l.Fact)
		n, isNum := v.Value.(float64)
		if !ok || !isNum {
			miss(l.Fact)
			limitMissing = true
			continue
		}
		if n > l.Max {
			fd.LimitsExceeded = append(fd.LimitsExceeded, LimitExceeded{Fact: l.Fact, Value: n, Max: l.Max, Source: v.Source})
			trig = append(trig, triggerOf(l.Fact, v))
		}
	}

	satisfied := true
	for _, g := range evGroups {
		shown := false
		for _, ev := range g.items {
			if src, ok := shows(f, ev); ok {
				shown = true
				fd.Evidence = append(fd.Evidence, EvidenceShown{Code: ev.Code, Source: src})
				break
			}
		}
		if !shown {
			satisfied = false
			eg := EvidenceGroup{Group: g.name}
			for _, ev := range g.items {
				name := ev.Name
				if name == "" {
					name = rules.EvidenceCodes[ev.Code]
				}
				eg.AnyOf = append(eg.AnyOf, EvidenceItem{Kind: ev.Kind, Code: ev.Code, Name: name})
			}
			fd.MissingEvidence = append(fd.MissingEvidence, eg)
		}
	}

	fd.MissingFacts = missing
	switch {
	case len(fd.LimitsExceeded) > 0:
		fd.Status, fd.Severity = StatusFail, rules.Prohibited
	case len(missing) > 0:
		// The rule may or may not apply: say which facts would settle it,
		// unless the product already satisfies it either way.
		if len(r.Evidence) > 0 && satisfied && r.Severity != rules.Prohibited && !limitMissing {
			fd.Status = StatusPass
		} else {
			fd.Status = StatusWarn
		}
	case r.Severity == rules.Prohibited:
		if len(r.Evidence) > 0 && satisfied {
			fd.Status = StatusPass
		} else {
			fd.Status = StatusFail
		}
	case len(r.Evidence) > 0:
		if satisfied {
			fd.Status = StatusPass
		} else {
			fd.Status = StatusFail
		}
	case r.Severity == rules.Info || len(r.Limits) > 0:
		fd.Status = StatusPass
	default:
		// A requirement the product data cannot prove either way: the
		// seller has to act on it.
		fd.Status = StatusWarn
	}
	if trig == nil {
		trig = []Trigger{}
	}
	fd.TriggeredBy = trig
	for _, t := range trig {
		if t.Inferred {
			fd.Inferred = append(fd.Inferred, t)
		}
	}
	return fd, true
}

func categoriesOf(f *productFacts) []string {
	out := make([]string, 0, len(f.cats))
	for c := range f.cats {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// withSource gives a category fact the source of the category values
// that matched.
func withSource(v FactValue, name string, f *productFacts) FactValue {
	if name != "category" {
		return v
	}
	cats, _ := v.Value.([]string)
	var srcs []string
	inferred := false
	for _, c := range cats {
		srcs = append(srcs, c+": "+f.cats[c])
		inferred = inferred || strings.HasPrefix(f.cats[c], "inferred")
	}
	return FactValue{Value: cats, Source: strings.Join(srcs, "; "), Inferred: inferred}
}

func triggerOf(name string, v FactValue) Trigger {
	return Trigger{Fact: name, Value: v.Value, Source: v.Source, Inferred: v.Inferred || strings.HasPrefix(v.Source, "inferred"),
		List: v.List}
}

// selectorTriggers says which selector picked the product.
func selectorTriggers(a *rules.Applicability, f *productFacts, trig []Trigger) []Trigger {
	for _, h := range a.HS {
		if h = hsDigits.Replace(h); h == "*" || h == "" {
			continue
		}
		if f.hs != "" && strings.HasPrefix(f.hs, h) {
			return append(trig, Trigger{Fact: "hs_code", Value: f.hs, Source: "product.hs_code (rule selects HS " + hsDot(h) + ")"})
		}
	}
	for _, c := range a.Categories {
		if src, ok := f.cats[c]; ok {
			return append(trig, Trigger{Fact: "category", Value: c, Source: src, Inferred: strings.HasPrefix(src, "inferred")})
		}
	}
	for _, m := range a.Materials {
		if f.hasMaterialCJK(strings.ToLower(m)) {
			return append(trig, Trigger{Fact: "materials", Value: m, Source: "product.materials"})
		}
	}
	for _, k := range a.Keywords {
		if f.titleHas(strings.ToLower(k)) {
			return append(trig, Trigger{Fact: "title", Value: k, Source: "product.title"})
		}
	}
	return trig
}

type evidenceGroup struct {
	name  string
	items []rules.Evidence
}

// groups gathers evidence items by group; an empty group is a group of
// its own.
func groups(ev []rules.Evidence) []evidenceGroup {
	var out []evidenceGroup
	for _, e := range ev {
		if e.Group != "" {
			if i := slices.IndexFunc(out, func(g evidenceGroup) bool { return g.name == e.Group }); i >= 0 {
				out[i].items = append(out[i].items, e)
				continue
			}
		}
		out = append(out, evidenceGroup{name: e.Group, items: []rules.Evidence{e}})
	}
	return out
}

// shows reports whether the product shows evidence ev, and where.
func shows(f *productFacts, ev rules.Evidence) (string, bool) {
	if ev.Kind == "fact" {
		v, ok := f.get(ev.Code)
		if b, isBool := v.Value.(bool); ok && isBool && b {
			return v.Source, true
		}
		return "", false
	}
	src, ok := f.evidence[ev.Code]
	return src, ok
}
