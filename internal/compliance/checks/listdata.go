package checks

import (
	"sync"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"github.com/silkgate/silkgate/internal/compliance/screening"
)

// productLists is the ListLookup over the product lists package sanctions
// embeds, matched by the screening matcher: a manufacturer written
// "华为技术有限公司", "HUAWEI TECH. CO LTD" or "Hikvison" is found as
// screening would find it.
type productLists struct {
	// ix holds one index per list: a query then scores only the entries
	// of the list its fact is about.
	ix       map[string]*screening.Index
	versions map[string]string
}

var (
	defaultListsOnce sync.Once
	defaultLists     *productLists
)

// ProductLists returns the lookup over the embedded FCC Covered List,
// UFLPA Entity List and embargo list, built once.
func ProductLists() ListLookup {
	defaultListsOnce.Do(func() {
		pl := &productLists{ix: map[string]*screening.Index{}, versions: map[string]string{}}
		for _, l := range sanctions.ProductLists() {
			pl.versions[l.List] = l.Version.Version
			if len(l.Items) > 0 {
				pl.ix[l.List] = screening.Build(l.Items)
			}
		}
		defaultLists = pl
	})
	return defaultLists
}

func (p *productLists) Version(list string) string { return p.versions[list] }

// Match keeps matches at screening's potential-match score: below it a
// product would be blocked on a resemblance a reviewer would clear, and
// weak aliases alone never decide (the matcher caps them below it).
func (p *productLists) Match(list, name string) []ListHit {
	ix := p.ix[list]
	if ix == nil {
		return nil
	}
	var out []ListHit
	for _, m := range ix.Screen(screening.Query{Name: name, Type: "entity", Limit: 5}) {
		if m.Score < screening.Potential {
			continue
		}
		out = append(out, ListHit{List: m.List, ListVersion: p.versions[m.List], EntryID: m.EntryID, Name: m.Name,
			MatchedName: m.MatchedName, Score: m.Score})
	}
	return out
}

func (p *productLists) Embargo(country string) (ListHit, bool) {
	e, v, ok := sanctions.Embargoed(country)
	if !ok {
		return ListHit{}, false
	}
	return ListHit{List: v.List, ListVersion: v.Version, EntryID: e.Country, Name: e.Country, Detail: e.Program}, true
}
