package alerts

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/compliance/rules"
)

// Kinds of alert.
const (
	KindRule   = "rule_change"
	KindNotice = "notice"
)

// Kinds of rule change.
const (
	ChangeNew     = "new"
	ChangeUpdated = "updated"
	ChangeRetired = "retired"
)

// Effects of a rule change on one product.
const (
	NewFail   = "new_fail"
	NewWarn   = "new_warn"
	Resolved  = "resolved"
	StillFail = "still_fail"
	StillWarn = "still_warn"
	Passes    = "pass"
)

// Effects lists the effects, most urgent first.
var Effects = []string{NewFail, NewWarn, Resolved, StillFail, StillWarn, Passes}

// maxProducts bounds the products one alert lists (counts cover all).
const maxProducts = 500

// Alert tells one tenant about a rule change or a notice, and what it
// means for the tenant's products.
type Alert struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Markets and Categories are what the alert is about: the rule's
	// market and categories, or the notice's.
	Markets    []string `json:"markets"`
	Categories []string `json:"categories,omitempty"`
	// Title is in English; Titles holds other languages ("zh-CN").
	Title  string            `json:"title"`
	Titles map[string]string `json:"titles,omitempty"`
	Rule   *RuleChange       `json:"rule,omitempty"`
	Notice *Notice           `json:"notice,omitempty"`
	// Products are the tenant's products the rule selects, most urgent
	// effect first (at most 500; Counts covers all).
	Products []ProductEffect `json:"products"`
	Counts   map[string]int  `json:"counts"`
	Read     bool            `json:"read"`
	ReadAt   *time.Time      `json:"read_at,omitempty"`
	Delivery []Delivery      `json:"delivery"`
	// EmailTo are the recipients of the e-mail channel.
	EmailTo   []string  `json:"email_to,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// XMLRoot names the alert's XML element.
func (Alert) XMLRoot() string { return "alert" }

// Delivery is how far one channel got.
type Delivery struct {
	Channel string `json:"channel"`
	// Status is delivered (in_app), pending, sent, skipped (SMTP not
	// configured) or failed (e-mail), published (webhook).
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// RuleChange says what changed in a rule.
type RuleChange struct {
	ID              string `json:"id"`
	Version         int    `json:"version"`
	PreviousVersion int    `json:"previous_version,omitempty"`
	// Change is new, updated or retired.
	Change    string `json:"change"`
	Market    string `json:"market"`
	Reference string `json:"reference"`
	SourceURL string `json:"source_url,omitempty"`
	// Summary lists the fields a seller acts on (requirement, severity,
	// effective dates, title) with their old and new values.
	Summary []FieldChange `json:"summary"`
	// Changes is the full field-level diff of the versions.
	Changes []rules.Change `json:"changes,omitempty"`
}

// FieldChange is one field of the summary.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old,omitempty"`
	New   string `json:"new,omitempty"`
}

// ProductEffect is what a rule change does to one product: its worst
// status under the previous version and under the new one ("" where the
// rule did not select it).
type ProductEffect struct {
	ProductID string   `json:"product_id"`
	SKU       string   `json:"sku"`
	Title     string   `json:"title"`
	Markets   []string `json:"markets"`
	Before    string   `json:"before,omitempty"`
	After     string   `json:"after,omitempty"`
	Effect    string   `json:"effect"`
}

func itoa(n int) string { return strconv.Itoa(n) }

// describe summarises the change from old (nil for a new rule) to r.
func describe(old *rules.Rule, r rules.Rule) RuleChange {
	rc := RuleChange{ID: r.ID, Version: r.Version, Market: r.Market, Reference: r.Reference, SourceURL: r.SourceURL,
		Change: ChangeUpdated, Summary: []FieldChange{}}
	date := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.DateOnly)
	}
	switch {
	case r.Status == rules.Retired:
		rc.Change = ChangeRetired
	case old == nil:
		rc.Change = ChangeNew
	}
	if old == nil {
		rc.Summary = append(rc.Summary, FieldChange{Field: "requirement", New: r.Requirement},
			FieldChange{Field: "severity", New: r.Severity}, FieldChange{Field: "effective_from", New: date(&r.EffectiveFrom)})
		if r.EffectiveTo != nil {
			rc.Summary = append(rc.Summary, FieldChange{Field: "effective_to", New: date(r.EffectiveTo)})
		}
		return rc
	}
	rc.PreviousVersion = old.Version
	for _, f := range []FieldChange{
		{"title", old.Title, r.Title},
		{"requirement", old.Requirement, r.Requirement},
		{"severity", old.Severity, r.Severity},
		{"effective_from", date(&old.EffectiveFrom), date(&r.EffectiveFrom)},
		{"effective_to", date(old.EffectiveTo), date(r.EffectiveTo)},
	} {
		if f.Old != f.New {
			rc.Summary = append(rc.Summary, f)
		}
	}
	rc.Changes = rules.Diff(*old, r)
	return rc
}

var statusRank = map[string]int{checks.StatusFail: 3, checks.StatusWarn: 2, checks.StatusPass: 1, "": 0}

// pairEngine evaluates the previous and the new version of one rule
// together: both are compiled into one engine, so a product's facts are
// derived once, and the findings tell the versions apart.
type pairEngine struct {
	id       string
	old, cur int // versions; 0 where that side selects nothing
	market   []string
	eng      *checks.Engine
	// lists answers the facts that depend on denied-party lists (FCC
	// Covered List, UFLPA, embargoes), as in an ordinary check; nil leaves
	// them missing.
	lists checks.ListLookup
	// transports are the modes to check under: the engine leaves out rules
	// limited to a mode when the check names none, so such a rule is
	// checked under each of its modes.
	transports []string
}

// newPairEngine compiles old (nil for a new rule) and cur. A retirement
// selects nothing on its side.
func newPairEngine(old, cur *rules.Rule) *pairEngine {
	e := &pairEngine{}
	var rs []rules.Rule
	for _, r := range []*rules.Rule{old, cur} {
		if r == nil {
			continue
		}
		e.id = r.ID
		if !slices.Contains(e.market, r.Market) {
			e.market = append(e.market, r.Market)
		}
		if r.Status == rules.Retired {
			continue
		}
		rs = append(rs, *r)
		for _, t := range r.AppliesTo.Transport {
			if !slices.Contains(e.transports, t) {
				e.transports = append(e.transports, t)
			}
		}
		if r == old {
			e.old = r.Version
		} else {
			e.cur = r.Version
		}
	}
	if len(e.transports) == 0 {
		e.transports = []string{""}
	}
	e.eng = checks.Compile(rs)
	return e
}

// reaches reports whether a product sold in markets can be concerned by a
// rule of one of e's markets, before any check: a product only in the US
// is not checked against an EU rule.
func (e *pairEngine) reaches(markets []string) bool {
	for _, rm := range e.market {
		if rm == rules.Global {
			return len(markets) > 0
		}
		country, _, _ := strings.Cut(rm, "-")
		for _, m := range markets {
			m = strings.ToUpper(m)
			if m == country || slices.Contains(rules.Lineage(m), rm) {
				return true
			}
		}
	}
	return false
}

// statuses are p's worst status under each version over its markets, and
// the markets where each version selected it.
func (e *pairEngine) statuses(p *catalog.Product) (before, after string, bm, am []string) {
	if (e.old == 0 && e.cur == 0) || !e.reaches(p.Markets) {
		return "", "", nil, nil
	}
	for _, t := range e.transports {
		res := e.eng.Check(checks.Input{Product: p, Markets: p.Markets, Transport: t, Lists: e.lists})
		for _, f := range res.Findings {
			if f.RuleID != e.id {
				continue
			}
			st, ms := &after, &am
			if f.RuleVersion == e.old {
				st, ms = &before, &bm
			}
			if statusRank[f.Status] > statusRank[*st] {
				*st = f.Status
			}
			if !slices.Contains(*ms, f.Market) {
				*ms = append(*ms, f.Market)
			}
		}
	}
	return before, after, bm, am
}

// effectOf classifies a product's move from before to after; "" means the
// rule concerns it on neither side.
func effectOf(before, after string) string {
	switch {
	case after == checks.StatusFail && before != checks.StatusFail:
		return NewFail
	case after == checks.StatusWarn && before != checks.StatusWarn:
		return NewWarn
	case (after == checks.StatusPass || after == "") && (before == checks.StatusFail || before == checks.StatusWarn):
		return Resolved
	case after == checks.StatusFail:
		return StillFail
	case after == checks.StatusWarn:
		return StillWarn
	case after == checks.StatusPass || before == checks.StatusPass:
		return Passes
	}
	return ""
}

// assess compares each product under the previous and the new version.
func assess(e *pairEngine, ps []catalog.Product) ([]ProductEffect, map[string]int) {
	counts := map[string]int{}
	var out []ProductEffect
	for i := range ps {
		p := &ps[i]
		before, after, bm, am := e.statuses(p)
		eff := effectOf(before, after)
		if eff == "" {
			continue
		}
		counts[eff]++
		ms := am
		if len(ms) == 0 {
			ms = bm
		}
		out = append(out, ProductEffect{ProductID: p.ID, SKU: p.SKU, Title: productTitle(p), Markets: ms,
			Before: before, After: after, Effect: eff})
	}
	slices.SortStableFunc(out, func(a, b ProductEffect) int {
		return cmp.Or(cmp.Compare(slices.Index(Effects, a.Effect), slices.Index(Effects, b.Effect)), cmp.Compare(a.SKU, b.SKU))
	})
	if len(out) > maxProducts {
		out = out[:maxProducts]
	}
	if out == nil {
		out = []ProductEffect{}
	}
	return out, counts
}

func productTitle(p *catalog.Product) string {
	for _, l := range []string{"en", "zh-CN"} {
		if t := p.Title[l]; t != "" {
			return t
		}
	}
	for _, t := range p.Title {
		return t
	}
	return p.SKU
}

// ruleAlert builds the alert about a rule change, without its products.
func ruleAlert(old *rules.Rule, r rules.Rule) Alert {
	rc := describe(old, r)
	a := Alert{Kind: KindRule, Markets: []string{r.Market}, Categories: r.AppliesTo.Categories, Rule: &rc, Titles: map[string]string{}}
	switch rc.Change {
	case ChangeNew:
		a.Title = fmt.Sprintf("New rule %s: %s", r.ID, r.Title)
	case ChangeRetired:
		a.Title = fmt.Sprintf("Rule %s retired: %s", r.ID, r.Title)
	default:
		a.Title = fmt.Sprintf("Rule %s changed (version %d): %s", r.ID, r.Version, r.Title)
	}
	zhTitle := r.Title
	if t := r.Translations["zh-CN"].Title; t != "" {
		zhTitle = t
	}
	switch rc.Change {
	case ChangeNew:
		a.Titles["zh-CN"] = fmt.Sprintf("新规则 %s：%s", r.ID, zhTitle)
	case ChangeRetired:
		a.Titles["zh-CN"] = fmt.Sprintf("规则 %s 已废止：%s", r.ID, zhTitle)
	default:
		a.Titles["zh-CN"] = fmt.Sprintf("规则 %s 已修订（第 %d 版）：%s", r.ID, r.Version, zhTitle)
	}
	return a
}
