package hs

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed glossary.tsv
var glossaryTSV string

// term is one glossary entry.
type term struct {
	zh       string
	phrases  [][]string // English phrases, stemmed
	keywords []string   // every stem of the phrases
	headings []string   // 4- or 6-digit codes, strongest first
}

// BM25 parameters and field weights. A subheading's own words count
// fully; its heading's, chapter's and section's give context.
const (
	k1            = 1.2
	b             = 0.75
	wSubheading   = 1.0
	wHeading      = 0.6
	wChapter      = 0.3
	wSection      = 0.15
	glossaryBoost = 1.2 // weight of a keyword the glossary gave
	topForShare   = 5   // candidates the confidence is shared among
)

type posting struct {
	doc int
	tf  float64 // field-weighted frequency
}

// Classifier suggests HS subheadings for product titles. It is built once
// (New) and safe for concurrent use.
type Classifier struct {
	n        *Nomenclature
	docs     []string // subheading codes
	docLen   []float64
	avgLen   float64
	postings map[string][]posting
	idf      map[string]float64
	byCode   map[string]int

	glossary map[string]*term // lower-cased Chinese (or mixed) key
	maxKey   int              // longest key, in runes
	phrases  map[string][]*term
}

var (
	defaultOnce sync.Once
	defaultC    *Classifier
	defaultErr  error
)

// Default returns the classifier over the embedded nomenclature and
// glossary, built on first use.
func Default() (*Classifier, error) {
	defaultOnce.Do(func() {
		n, err := Load()
		if err != nil {
			defaultErr = err
			return
		}
		defaultC, defaultErr = New(n, glossaryTSV)
	})
	return defaultC, defaultErr
}

// New builds a classifier over n with a glossary in the glossary.tsv
// format: one term a line, "中文<TAB>english phrase; another<TAB>8518 851830",
// '#' starting a comment.
func New(n *Nomenclature, glossary string) (*Classifier, error) {
	c := &Classifier{n: n, postings: map[string][]posting{}, idf: map[string]float64{}, byCode: map[string]int{},
		glossary: map[string]*term{}, phrases: map[string][]*term{}}
	if err := c.loadGlossary(glossary); err != nil {
		return nil, err
	}
	c.docs = n.order
	c.docLen = make([]float64, len(c.docs))
	total := 0.0
	for i, code := range c.docs {
		c.byCode[code] = i
		sub := n.nodes[code]
		head := n.nodes[sub.parent]
		tf := map[string]float64{}
		add := func(text string, w float64) {
			for _, s := range stems(text) {
				tf[s] += w
				c.docLen[i] += w
			}
		}
		add(sub.desc, wSubheading)
		if head != nil {
			add(head.desc, wHeading)
			if ch := n.nodes[head.parent]; ch != nil {
				add(ch.desc, wChapter)
			}
		}
		add(n.sections[sub.section], wSection)
		for s, f := range tf {
			c.postings[s] = append(c.postings[s], posting{doc: i, tf: f})
		}
		total += c.docLen[i]
	}
	c.avgLen = total / float64(len(c.docs))
	nd := float64(len(c.docs))
	for s, ps := range c.postings {
		df := float64(len(ps))
		c.idf[s] = math.Log(1 + (nd-df+0.5)/(df+0.5))
	}
	return c, nil
}

func (c *Classifier) loadGlossary(src string) error {
	sc := bufio.NewScanner(strings.NewReader(src))
	line := 0
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < 2 {
			return fmt.Errorf("hs: glossary line %d: want 中文<TAB>english[<TAB>headings]", line)
		}
		t := &term{zh: strings.TrimSpace(f[0])}
		for _, p := range strings.Split(f[1], ";") {
			ss := stems(p)
			if len(ss) == 0 {
				continue
			}
			t.phrases = append(t.phrases, ss)
			t.keywords = append(t.keywords, ss...)
		}
		if len(f) > 2 {
			for _, h := range strings.Fields(f[2]) {
				code, ok := Normalize(h)
				if !ok || len(code) < 4 || c.n.nodes[code] == nil {
					return fmt.Errorf("hs: glossary line %d: %q is not a heading or subheading", line, h)
				}
				t.headings = append(t.headings, code)
			}
		}
		key := strings.ToLower(t.zh)
		if _, dup := c.glossary[key]; dup {
			return fmt.Errorf("hs: glossary line %d: %s twice", line, t.zh)
		}
		c.glossary[key] = t
		c.maxKey = max(c.maxKey, utf8.RuneCountInString(key))
		for _, p := range t.phrases {
			c.phrases[p[0]] = append(c.phrases[p[0]], t)
		}
	}
	return sc.Err()
}

// Terms is the number of glossary terms.
func (c *Classifier) Terms() int { return len(c.glossary) }

// Suggestion is one suggested subheading.
type Suggestion struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	// Heading is the 4-digit heading; Path runs section → subheading.
	Heading    Node    `json:"heading"`
	Path       []Node  `json:"path"`
	Confidence float64 `json:"confidence"`
	// Matched are the title's words and glossary terms that led here.
	Matched []string `json:"matched"`
}

// query is a title read for scoring.
type query struct {
	weights map[string]float64 // stem → weight
	surface map[string]string  // stem → a word of the title that gave it
	hints   []hint
	terms   []string // glossary terms found, in title order
}

type hint struct {
	code   string
	weight float64
	via    string
}

// read segments and tokenises a title: glossary terms by longest match
// (Chinese, or mixed such as "LED灯"), English words between them.
func (c *Classifier) read(title string) query {
	q := query{weights: map[string]float64{}, surface: map[string]string{}}
	addWord := func(s, surface string, w float64) {
		if q.weights[s] < w {
			q.weights[s] = w
		}
		if _, ok := q.surface[s]; !ok {
			q.surface[s] = surface
		}
	}
	// strength: a longer English phrase is more specific evidence
	// ("electric toothbrush" over "brush").
	useTerm := func(t *term, via string, strength float64) {
		if !contains(q.terms, via) {
			q.terms = append(q.terms, via)
		}
		for _, k := range t.keywords {
			addWord(k, via, glossaryBoost)
		}
		for i, h := range t.headings {
			q.hints = append(q.hints, hint{code: h, weight: strength * math.Pow(0.85, float64(i)), via: via})
		}
	}
	rs := []rune(strings.ToLower(title))
	var english []string
	for i := 0; i < len(rs); {
		// A key starting with a letter must start a word.
		if !(i > 0 && isWordRune(rs[i-1]) && isWordRune(rs[i])) {
			matched := false
			for l := min(c.maxKey, len(rs)-i); l >= 1; l-- {
				if t := c.glossary[string(rs[i:i+l])]; t != nil {
					// A key ending in a letter must end a word.
					if j := i + l; j < len(rs) && isWordRune(rs[j-1]) && isWordRune(rs[j]) {
						continue
					}
					useTerm(t, t.zh, 1)
					i += l
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		if isWordRune(rs[i]) {
			j := i
			for j < len(rs) && (isWordRune(rs[j]) || rs[j] == '-' || rs[j] == '\'') {
				j++
			}
			english = append(english, string(rs[i:j]))
			i = j
			continue
		}
		i++
	}
	// English words, and glossary phrases among them.
	var seq []string
	for _, w := range words(strings.Join(english, " ")) {
		s := stem(w)
		addWord(s, w, 1)
		seq = append(seq, s)
	}
	// Longest phrases first; one inside a longer match is not used
	// ("electric toothbrush" is not a "toothbrush" of heading 9603).
	type match struct {
		at, n int
		t     *term
	}
	var ms []match
	for i := range seq {
		for _, t := range c.phrases[seq[i]] {
			for _, p := range t.phrases {
				if i+len(p) <= len(seq) && equal(seq[i:i+len(p)], p) {
					ms = append(ms, match{i, len(p), t})
					break
				}
			}
		}
	}
	sort.SliceStable(ms, func(a, b int) bool { return ms[a].n > ms[b].n })
	var taken []match
	for _, m := range ms {
		inside := false
		for _, k := range taken {
			if m.n < k.n && m.at >= k.at && m.at+m.n <= k.at+k.n {
				inside = true
			}
		}
		if !inside {
			taken = append(taken, m)
			useTerm(m.t, strings.Join(seq[m.at:m.at+m.n], " "), 1+0.5*float64(m.n-1))
		}
	}
	return q
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Suggest returns up to limit subheadings for title, best first; none
// when nothing in the title is known.
func (c *Classifier) Suggest(title string, limit int) []Suggestion {
	if limit <= 0 {
		limit = 5
	}
	q := c.read(title)
	scores := make([]float64, len(c.docs))
	hit := make([]bool, len(c.docs))
	maxBM := 0.0
	for s, w := range q.weights {
		idf := c.idf[s]
		for _, p := range c.postings[s] {
			norm := k1 * (1 - b + b*c.docLen[p.doc]/c.avgLen)
			scores[p.doc] += w * idf * p.tf * (k1 + 1) / (p.tf + norm)
			hit[p.doc] = true
			maxBM = max(maxBM, scores[p.doc])
		}
	}
	// A glossary heading outweighs accidental word matches elsewhere (a
	// "smart watch" is not a smart card); the words still rank the
	// subheadings within it.
	bonus := max(4.0, maxBM)
	// Each heading counts once, at the strongest term naming it: ten
	// generic words do not outvote one specific phrase.
	best := map[string]hint{}
	var order []string
	for _, h := range q.hints {
		if b, ok := best[h.code]; !ok || h.weight > b.weight {
			if !ok {
				order = append(order, h.code)
			}
			best[h.code] = h
		}
	}
	via := map[int][]string{}
	for _, code := range order {
		h := best[code]
		apply := func(i int, w float64) {
			scores[i] += w
			hit[i] = true
			if !contains(via[i], h.via) {
				via[i] = append(via[i], h.via)
			}
		}
		if len(h.code) == 6 {
			if i, ok := c.byCode[h.code]; ok {
				apply(i, 1.3*bonus*h.weight)
			}
			continue
		}
		for _, sub := range c.n.nodes[h.code].children {
			if i, ok := c.byCode[sub]; ok {
				apply(i, bonus*h.weight)
			}
		}
	}
	var cand []int
	for i, ok := range hit {
		if ok && scores[i] > 0 {
			cand = append(cand, i)
		}
	}
	sort.Slice(cand, func(a, b int) bool {
		if scores[cand[a]] != scores[cand[b]] {
			return scores[cand[a]] > scores[cand[b]]
		}
		return c.docs[cand[a]] < c.docs[cand[b]]
	})
	share := 0.0
	for i, d := range cand {
		if i == topForShare {
			break
		}
		share += scores[d]
	}
	out := make([]Suggestion, 0, min(limit, len(cand)))
	for _, d := range cand[:min(limit, len(cand))] {
		code := c.docs[d]
		nd := c.n.nodes[code]
		head := c.n.nodes[nd.parent]
		sg := Suggestion{Code: code, Description: nd.desc, Path: c.n.path(nd),
			Confidence: math.Round(scores[d]/share*100) / 100, Matched: []string{}}
		if head != nil {
			sg.Heading = Node{Code: head.code, Level: LevelHeading, Description: head.desc}
		}
		sg.Matched = append(sg.Matched, via[d]...)
		for s := range q.weights {
			if c.tfIn(s, d) > 0 && !contains(sg.Matched, q.surface[s]) {
				sg.Matched = append(sg.Matched, q.surface[s])
			}
		}
		sort.Strings(sg.Matched[len(via[d]):])
		out = append(out, sg)
	}
	return out
}

func (c *Classifier) tfIn(s string, doc int) float64 {
	ps := c.postings[s]
	i := sort.Search(len(ps), func(i int) bool { return ps[i].doc >= doc })
	if i < len(ps) && ps[i].doc == doc {
		return ps[i].tf
	}
	return 0
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
