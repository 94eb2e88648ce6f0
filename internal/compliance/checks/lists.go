package checks

import (
	"fmt"
	"strings"
)

// Lists whose data product rules read: the fact each list decides.
const (
	ListFCCCovered = "us_fcc_covered" // covered_equipment
	ListUFLPA      = "us_uflpa"       // uflpa_entity
	ListEmbargoes  = "embargoes"      // embargoed_destination
)

// ListLookup answers the questions product rules ask of the denied-party
// data, so that a rule such as US-FCC-002 reads the same lists as
// screening does. The engine calls it while checking: implementations
// must answer from memory (an index built ahead), never from the
// database.
type ListLookup interface {
	// Match returns the entries of list that name resembles closely
	// enough to act on, best first.
	Match(list, name string) []ListHit
	// Embargo returns the comprehensive embargo on a destination country
	// (ISO alpha-2), if any.
	Embargo(country string) (ListHit, bool)
	// Version returns the version in force of list ("" when none is).
	Version(list string) string
}

// ListHit is the list entry behind a derived fact, kept with the finding
// so that a reviewer sees what matched and against which list version.
type ListHit struct {
	List        string  `json:"list"`
	ListVersion string  `json:"list_version"`
	EntryID     string  `json:"entry_id"`
	Name        string  `json:"name"`
	MatchedName string  `json:"matched_name,omitempty"`
	Query       string  `json:"query,omitempty"`
	Score       float64 `json:"score,omitempty"`
	// Detail is the programme of an embargo.
	Detail string `json:"detail,omitempty"`
}

// listFacts derives the facts that depend on list membership from the
// manufacturer and brand, unless the seller stated them.
func (f *productFacts) listFacts(attrs map[string]any, l ListLookup) {
	if l == nil {
		return
	}
	type query struct{ name, source string }
	var qs []query
	if v, ok := f.get("manufacturer"); ok {
		if s := strings.TrimSpace(fmt.Sprint(v.Value)); s != "" {
			qs = append(qs, query{s, v.Source})
		}
	}
	if b, ok := attrs["brand"].(string); ok && strings.TrimSpace(b) != "" {
		if len(qs) == 0 || !strings.EqualFold(strings.TrimSpace(b), qs[0].name) {
			qs = append(qs, query{strings.TrimSpace(b), "attributes.brand"})
		}
	}
	if len(qs) == 0 {
		// Nothing to screen: the fact stays missing, and a rule that
		// needs it asks for the manufacturer.
		return
	}
	for _, lf := range []struct{ list, fact, title string }{
		{ListFCCCovered, "covered_equipment", "FCC Covered List"},
		{ListUFLPA, "uflpa_entity", "UFLPA Entity List"},
	} {
		if _, stated := f.get(lf.fact); stated {
			continue
		}
		version := l.Version(lf.list)
		if version == "" {
			continue
		}
		var hit *ListHit
		var src string
		for _, q := range qs {
			if hs := l.Match(lf.list, q.name); len(hs) > 0 {
				h := hs[0]
				h.Query = q.name
				hit, src = &h, q.source
				break
			}
		}
		if hit == nil {
			names := make([]string, len(qs))
			for i, q := range qs {
				names[i] = fmt.Sprintf("%s %q", q.source, q.name)
			}
			f.m[lf.fact] = FactValue{Value: false, Inferred: true,
				Source: fmt.Sprintf("screened %s against the %s version %s: no match", strings.Join(names, " and "), lf.title, version)}
			continue
		}
		f.m[lf.fact] = FactValue{Value: true, Inferred: true, List: hit,
			Source: fmt.Sprintf("%s %q matches %s entry %s %q (as %q, score %.2f), list version %s",
				src, hit.Query, lf.title, hit.EntryID, hit.Name, hit.MatchedName, hit.Score, hit.ListVersion)}
	}
}

// embargoFacts adds embargoed_destination for market, and names the
// embargo on the destination fact that rules such as GL-EMBARGO-001 read.
func embargoFacts(mf map[string]FactValue, market string, l ListLookup) {
	if l == nil || strings.Contains(market, "-") {
		return
	}
	h, ok := l.Embargo(market)
	if !ok {
		if v := l.Version(ListEmbargoes); v != "" {
			mf["embargoed_destination"] = FactValue{Value: false,
				Source: "the check's market, not on the embargo list version " + v}
		}
		return
	}
	src := fmt.Sprintf("the check's market %s, embargoed (%s) per the embargo list version %s", market, h.Detail, h.ListVersion)
	mf["embargoed_destination"] = FactValue{Value: true, Source: src, List: &h}
	d := mf["destination"]
	d.Source, d.List = src, &h
	mf["destination"] = d
}
