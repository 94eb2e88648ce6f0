// Package hs helps sellers classify products in the Harmonized System
// (issue 4, compliance module, clause 4.4.2): it holds the HS 2022
// nomenclature (sections, chapters, headings, 6-digit subheadings) and
// suggests subheadings for a product title in English or Chinese.
//
// Suggestions are a help, not a ruling: customs classification follows the
// General Interpretative Rules and the Explanatory Notes, which a title
// alone cannot settle. The answer therefore carries a confidence and the
// words it matched, so a person can judge it.
//
// # How a title is read
//
// English: lower-cased, split on anything not a letter or digit, stop
// words dropped, each word stemmed (stem.go) so "earphones" meets
// "earphone". Chinese has no spaces, so it is segmented by longest match
// over a curated bilingual glossary of common cross-border product terms
// (glossary.tsv: 蓝牙耳机 → "earphones; headphones", heading 8518); each
// term found contributes its English keywords, and the headings it names.
// English titles are also matched against the glossary's English phrases,
// so "phone case" finds its headings as 手机壳 does.
//
// # How candidates are scored
//
// Each subheading is a document made of its own description and, with
// lower weights, its heading's, its chapter's and its section's (HS
// descriptions are terse: "Other" under "Headphones and earphones..." only
// means something with its heading). Query words are scored with BM25 over
// these weighted fields; subheadings under a heading the glossary named
// get a bonus, so a term's curated heading wins over an accidental word
// match elsewhere. The top N come back with a confidence (the share of the
// score among the leading candidates) and the words that matched.
package hs

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:embed data/harmonized-system.csv data/sections.csv
var dataFS embed.FS

// Node is one entry of the nomenclature: a section (Roman numeral), a
// chapter (2 digits), a heading (4) or a subheading (6).
type Node struct {
	Code        string `json:"code"`
	Level       string `json:"level"`
	Description string `json:"description"`
}

// Levels of Node.
const (
	LevelSection    = "section"
	LevelChapter    = "chapter"
	LevelHeading    = "heading"
	LevelSubheading = "subheading"
)

// Entry is a code with its place in the nomenclature.
type Entry struct {
	Node
	// Section is the Roman numeral of the code's section.
	Section string `json:"section"`
	// Path runs from the section down to the code itself.
	Path []Node `json:"path"`
	// Children are the codes directly below (headings of a chapter,
	// subheadings of a heading); none for a subheading.
	Children []Node `json:"children,omitempty"`
}

// XMLRoot names the XML root element of an entry.
func (Entry) XMLRoot() string { return "hs_code" }

type node struct {
	code, desc, parent, section string
	level                       int // 2, 4, 6
	children                    []string
}

// Nomenclature is the HS 2022 tree. It is read-only once built and safe
// for concurrent use.
type Nomenclature struct {
	nodes    map[string]*node
	sections map[string]string // numeral → name
	order    []string          // subheadings in code order
}

var (
	loadOnce sync.Once
	loaded   *Nomenclature
	loadErr  error
)

// Load returns the embedded nomenclature, parsed once.
func Load() (*Nomenclature, error) {
	loadOnce.Do(func() { loaded, loadErr = parse() })
	return loaded, loadErr
}

func readCSV(name string) ([][]string, error) {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("hs: %s: %w", name, err)
		}
		out = append(out, rec)
	}
}

func parse() (*Nomenclature, error) {
	n := &Nomenclature{nodes: map[string]*node{}, sections: map[string]string{}}
	secs, err := readCSV("data/sections.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range secs[1:] {
		if len(r) >= 2 {
			n.sections[r[0]] = strings.TrimSpace(r[1])
		}
	}
	rows, err := readCSV("data/harmonized-system.csv")
	if err != nil {
		return nil, err
	}
	for _, r := range rows[1:] {
		if len(r) < 5 || r[0] == "TOTAL" {
			continue
		}
		lv := len(r[1])
		if lv != 2 && lv != 4 && lv != 6 {
			continue
		}
		n.nodes[r[1]] = &node{code: r[1], desc: strings.TrimSpace(r[2]), parent: r[3], section: r[0], level: lv}
	}
	for code, nd := range n.nodes {
		if p := n.nodes[nd.parent]; p != nil {
			p.children = append(p.children, code)
		}
		if nd.level == 6 {
			n.order = append(n.order, code)
		}
	}
	for _, nd := range n.nodes {
		sort.Strings(nd.children)
	}
	sort.Strings(n.order)
	if len(n.order) < 5000 {
		return nil, fmt.Errorf("hs: only %d subheadings in the embedded nomenclature", len(n.order))
	}
	return n, nil
}

// Normalize reads a code as people write it ("9503.00", "8518 30",
// "85183000" for a national line) and returns its HS part: 2, 4 or 6
// digits. ok is false for anything else.
func Normalize(code string) (string, bool) {
	var b strings.Builder
	for _, c := range code {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == '.' || c == ' ' || c == '-':
		default:
			return "", false
		}
	}
	s := b.String()
	switch {
	case len(s) == 2 || len(s) == 4 || len(s) == 6:
		return s, true
	case len(s) > 6 && len(s) <= 10:
		return s[:6], true
	}
	return "", false
}

func levelName(lv int) string {
	switch lv {
	case 2:
		return LevelChapter
	case 4:
		return LevelHeading
	}
	return LevelSubheading
}

// Lookup returns a code's entry; ok is false when the nomenclature has no
// such code. code is normalised first.
func (n *Nomenclature) Lookup(code string) (Entry, bool) {
	c, ok := Normalize(code)
	if !ok {
		return Entry{}, false
	}
	nd := n.nodes[c]
	if nd == nil {
		return Entry{}, false
	}
	e := Entry{Node: Node{Code: nd.code, Level: levelName(nd.level), Description: nd.desc}, Section: nd.section}
	e.Path = n.path(nd)
	for _, ch := range nd.children {
		cn := n.nodes[ch]
		e.Children = append(e.Children, Node{Code: cn.code, Level: levelName(cn.level), Description: cn.desc})
	}
	return e, true
}

// path is section → chapter → heading → subheading, down to nd.
func (n *Nomenclature) path(nd *node) []Node {
	var chain []Node
	for cur := nd; cur != nil; cur = n.nodes[cur.parent] {
		chain = append(chain, Node{Code: cur.code, Level: levelName(cur.level), Description: cur.desc})
		if cur.level == 2 {
			break
		}
	}
	out := []Node{{Code: nd.section, Level: LevelSection, Description: n.sections[nd.section]}}
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i])
	}
	return out
}
