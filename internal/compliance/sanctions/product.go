package sanctions

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Lists that product rules read rather than party screening: the FCC
// Covered List (covered_equipment), the UFLPA Entity List (uflpa_entity)
// and the comprehensively embargoed destinations. None is published in a
// format the importers read, and each changes a few times a year, so a
// small snapshot of each ships in product/ with its source and date; a
// finding that relies on one names the entry and the snapshot's version.
const (
	ListFCCCovered = "us_fcc_covered"
	ListUFLPA      = "us_uflpa"
	ListEmbargoes  = "embargoes"
)

//go:embed product/*.json
var productFS embed.FS

// StaticList is one embedded product list.
type StaticList struct {
	Version
	Title     string    `json:"title"`
	SourceURL string    `json:"source_url"`
	Note      string    `json:"note"`
	Items     []Entry   `json:"-"`
	Embargoes []Embargo `json:"countries,omitempty"`
}

// Embargo is one comprehensively embargoed destination.
type Embargo struct {
	Country string `json:"country"`
	Program string `json:"program"`
}

var productLists = func() []StaticList {
	var out []StaticList
	for _, name := range []string{"fcc_covered.json", "uflpa.json", "embargoes.json"} {
		b, err := productFS.ReadFile("product/" + name)
		if err != nil {
			panic(err)
		}
		l, err := parseStatic(b)
		if err != nil {
			panic(fmt.Sprintf("sanctions: product/%s: %v", name, err))
		}
		out = append(out, l)
	}
	return out
}()

// parseStatic reads one product list file; a bad file is a build error,
// which the package test catches.
func parseStatic(b []byte) (StaticList, error) {
	var raw struct {
		StaticList
		Entries []Entry `json:"entries"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return StaticList{}, err
	}
	l := raw.StaticList
	if l.List == "" || l.Version.Version == "" || l.SourceURL == "" {
		return StaticList{}, fmt.Errorf("list, version and source_url are required")
	}
	for i, e := range raw.Entries {
		e.List = l.List
		if e.ID == "" || len(e.Names) == 0 || e.Names[0].Strength != Primary {
			return StaticList{}, fmt.Errorf("entry %d: an id and a primary name first are required", i)
		}
		l.Items = append(l.Items, e)
	}
	l.Entries = len(l.Items) + len(l.Embargoes)
	l.ImportedAt = l.PublishedAt
	return l, nil
}

// ProductLists returns the embedded product lists. The caller may not
// modify them.
func ProductLists() []StaticList { return productLists }

// ProductList returns the embedded list named list.
func ProductList(list string) (StaticList, bool) {
	i := slices.IndexFunc(productLists, func(l StaticList) bool { return l.List == list })
	if i < 0 {
		return StaticList{}, false
	}
	return productLists[i], true
}

// Embargoed returns the embargo on country (ISO alpha-2) and the version
// of the list that says so.
func Embargoed(country string) (Embargo, Version, bool) {
	l, _ := ProductList(ListEmbargoes)
	for _, e := range l.Embargoes {
		if e.Country == country {
			return e, l.Version, true
		}
	}
	return Embargo{}, Version{}, false
}

// Age is how old a list's snapshot is at now.
func (l StaticList) Age(now time.Time) time.Duration { return now.Sub(l.PublishedAt) }
