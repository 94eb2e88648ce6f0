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

// ImportedLists supplies the product lists imported with `import
// sanctions`, answered from memory; screening keeps them.
type ImportedLists interface {
	ImportedProductList(list string) (screening.ProductList, bool)
}

// WithImported returns a lookup that reads an imported version of a
// product list in place of base's embedded snapshot once one is in force,
// so a revision of the FCC Covered List reaches product checks without a
// new release.
func WithImported(base ListLookup, src ImportedLists) ListLookup {
	return importedLists{base: base, src: src}
}

type importedLists struct {
	base ListLookup
	src  ImportedLists
}

func (l importedLists) Version(list string) string {
	if pl, ok := l.src.ImportedProductList(list); ok {
		return pl.Version
	}
	return l.base.Version(list)
}

func (l importedLists) Match(list, name string) []ListHit {
	pl, ok := l.src.ImportedProductList(list)
	if !ok {
		return l.base.Match(list, name)
	}
	return match(pl.Index, pl.Version, name)
}

func (l importedLists) Embargo(country string) (ListHit, bool) { return l.base.Embargo(country) }

// Match keeps matches at screening's potential-match score: below it a
// product would be blocked on a resemblance a reviewer would clear, and
// weak aliases alone never decide (the matcher caps them below it).
func (p *productLists) Match(list, name string) []ListHit {
	ix := p.ix[list]
	if ix == nil {
		return nil
	}
	return match(ix, p.versions[list], name)
}

func match(ix *screening.Index, version, name string) []ListHit {
	var out []ListHit
	for _, m := range ix.Screen(screening.Query{Name: name, Type: "entity", Limit: 5}) {
		if m.Score < screening.Potential {
			continue
		}
		out = append(out, ListHit{List: m.List, ListVersion: version, EntryID: m.EntryID, Name: m.Name,
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
