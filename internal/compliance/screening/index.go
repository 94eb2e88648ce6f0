package screening

import (
	"math"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
)

// Score thresholds (CONTRACT.md): a match at or above Potential opens a
// review case, at or above Strong it is a strong match, below Report it is
// not returned.
const (
	Report    = 0.70
	Potential = 0.85
	Strong    = 0.95
)

// weakCap is the most a weak alias, or a one-word name matched other
// than closely (a transliteration variant or one typo in a long word), can score: such a match never opens a case on its own.
const weakCap = 0.84

// unmatchedShare is how much a list name's unmatched tokens count against
// it: lists carry patronymics and middle names a query often drops.
const unmatchedShare = 0.35

// minDeleteSkel is the shortest skeleton looked up with a typo: a typo in
// a shorter one makes another name.
const minDeleteSkel = 4

// minDeleteRaw is the same for the spelling itself.
const minDeleteRaw = 4

// maxQueryTokens bounds the work one query can cause.
const maxQueryTokens = 12

// Query is one name to screen.
type Query struct {
	Name    string
	Type    string // person, entity, vessel, aircraft; "" for any
	Country string // ISO alpha-2; boosts entries linked to it
	Limit   int    // most matches returned; 0 means 20
}

// Match is one list entry that resembles the query.
type Match struct {
	List        string   `json:"list"`
	EntryID     string   `json:"entry_id"`
	Name        string   `json:"name"`         // the entry's primary name
	MatchedName string   `json:"matched_name"` // the name (alias, original script) that matched
	Score       float64  `json:"score"`
	Strength    string   `json:"strength"` // strength of the matched name: primary, strong, weak
	Type        string   `json:"type,omitempty"`
	Programs    []string `json:"programs,omitempty"`
	// Cleared marks a potential match a reviewer cleared as a false
	// positive for this party; it opens no case while the entry is
	// unchanged.
	Cleared bool `json:"cleared,omitempty"`
	// EntryHash is a digest of the entry as matched, set on potential
	// matches: a clearance holds only while it is the same.
	EntryHash string `json:"entry_hash,omitempty"`
}

// vocabTok is one distinct token of the lists.
type vocabTok struct {
	raw    string
	skel   int32 // index into Index.skels
	first  rune
	weight float32
	class  uint8
}

// listName is one name of one entry, as token ids.
type listName struct {
	entry    int32
	idx      int32 // the name's position in the entry's Names
	toks     []int32
	totalW   float32 // sum of the tokens' weights
	strength uint8
	inform   uint8 // tokens of class name
}

const (
	strPrimary uint8 = iota
	strStrong
	strWeak
)

// Index is the searchable form of a set of list entries. It is built once
// per list generation and then only read: any number of goroutines may
// call Screen at once.
type Index struct {
	entries []sanctions.Entry
	primary []string         // primary name per entry
	byKey   map[string]int32 // list + "\x00" + id → entry

	vocab   []vocabTok
	vocabID map[string]int32

	skels     []string
	skelID    map[string]int32
	skelVocab [][]int32          // vocab ids per skeleton
	deletes   map[string][]int32 // one-letter deletions of a skeleton → skeleton ids
	// rawDeletes maps the hash of each one-letter deletion of a list
	// token to the token: typos that change a word's skeleton by more
	// than one letter ("Raon" for "Ramon") are still one edit away.
	rawDeletes map[uint64][]int32

	names    []listName
	postings [][]int32 // vocab id → name ids

	// simCache remembers the list tokens similar to a query token: names
	// on orders repeat (given names, surnames, business words), and the
	// index never changes. Reset when full.
	simMu    sync.RWMutex
	simCache map[string]map[int32]float32
	noCache  bool // benchmarks of the cold path

	// scratch holds per-query buffers sized to the names; a plain stack
	// rather than a sync.Pool, which the collector empties, since each
	// buffer is large.
	mu      sync.Mutex
	scratch []*scratch
}

// Build indexes entries. The entries are kept, not copied: the caller must
// not change them afterwards.
func Build(entries []sanctions.Entry) *Index {
	ix := &Index{
		entries:    entries,
		primary:    make([]string, len(entries)),
		byKey:      make(map[string]int32, len(entries)),
		vocabID:    map[string]int32{},
		skelID:     map[string]int32{},
		deletes:    map[string][]int32{},
		rawDeletes: map[uint64][]int32{},
	}
	df := []int32{}
	for ei := range entries {
		e := &entries[ei]
		ix.byKey[e.List+"\x00"+e.ID] = int32(ei)
		for ni, n := range e.Names {
			if ix.primary[ei] == "" && n.Strength == sanctions.Primary {
				ix.primary[ei] = n.Value
			}
			toks := analyze(n.Value)
			if len(toks) == 0 {
				continue
			}
			ln := listName{entry: int32(ei), idx: int32(ni), strength: strengthCode(n.Strength)}
			if ln.strength == strWeak && unspaced(n) && len(toks) >= 2 {
				// Han (and Japanese, Thai) names have no spaces, so a
				// word-count rule reads them as one-word aliases; the
				// analysed name has a surname and a given name, or words.
				ln.strength = strStrong
			}
			seen := map[int32]bool{}
			for _, t := range toks {
				id := ix.intern(t)
				if int(id) == len(df) {
					df = append(df, 0)
				}
				ln.toks = append(ln.toks, id)
				if !seen[id] {
					seen[id] = true
					df[id]++
				}
				if t.class == className {
					ln.inform++
				}
			}
			ix.names = append(ix.names, ln)
		}
		if ix.primary[ei] == "" && len(e.Names) > 0 {
			ix.primary[ei] = e.Names[0].Value
		}
	}
	// Rarity: a token on one name in ten thousand identifies; one on every
	// tenth name barely does.
	n := float64(len(ix.names) + 1)
	norm := math.Log(max(n/2, 20))
	for id := range ix.vocab {
		v := &ix.vocab[id]
		idf := math.Log(n / float64(df[id]))
		w := float32(0.1 + 0.9*min(1, max(0, idf)/norm))
		v.weight = w * classFactor[v.class]
	}
	ix.postings = make([][]int32, len(ix.vocab))
	for nid := range ix.names {
		ln := &ix.names[nid]
		for i, id := range ln.toks {
			ln.totalW += ix.vocab[id].weight
			if !slices.Contains(ln.toks[:i], id) {
				ix.postings[id] = append(ix.postings[id], int32(nid))
			}
		}
	}
	for vid, v := range ix.vocab {
		if len(v.raw) < minDeleteRaw || !isASCII(v.raw) {
			continue
		}
		for _, d := range deletions(v.raw) {
			h := hash(d)
			ix.rawDeletes[h] = appendUnique(ix.rawDeletes[h], int32(vid))
		}
	}
	for sid, s := range ix.skels {
		if len(s) < minDeleteSkel || !isASCII(s) {
			continue
		}
		for _, d := range deletions(s) {
			ix.deletes[d] = appendUnique(ix.deletes[d], int32(sid))
		}
	}
	return ix
}

func unspaced(n sanctions.Name) bool {
	switch n.Script {
	case "Hani", "Hans", "Hant", "Jpan", "Thai", "Khmr", "Mymr":
		return true
	}
	return false
}

func strengthCode(s string) uint8 {
	switch s {
	case sanctions.Primary:
		return strPrimary
	case sanctions.Weak:
		return strWeak
	}
	return strStrong
}

func (ix *Index) intern(t token) int32 {
	if id, ok := ix.vocabID[t.raw]; ok {
		return id
	}
	sid, ok := ix.skelID[t.skel]
	if !ok {
		sid = int32(len(ix.skels))
		ix.skels = append(ix.skels, t.skel)
		ix.skelID[t.skel] = sid
		ix.skelVocab = append(ix.skelVocab, nil)
	}
	id := int32(len(ix.vocab))
	first, _ := utf8.DecodeRuneInString(t.raw)
	ix.vocab = append(ix.vocab, vocabTok{raw: t.raw, skel: sid, first: first, class: t.class})
	ix.vocabID[t.raw] = id
	ix.skelVocab[sid] = append(ix.skelVocab[sid], id)
	return id
}

// Len reports how many entries and names the index holds.
func (ix *Index) Len() (entries, names int) { return len(ix.entries), len(ix.names) }

// Entry returns an indexed entry by list and id.
func (ix *Index) Entry(list, id string) (sanctions.Entry, bool) {
	i, ok := ix.byKey[list+"\x00"+id]
	if !ok {
		return sanctions.Entry{}, false
	}
	return ix.entries[i], true
}

// qtok is an analysed query token with the list tokens that resemble it.
type qtok struct {
	token
	weight float32
	sims   map[int32]float32 // vocab id → similarity
}

type scratch struct {
	acc     []float32 // upper bound of the query side per name
	best    []float32 // best similarity of the current query token per name
	stamp   []int32   // which query token last touched the name
	touched []int32
}

// Screen returns the entries whose names resemble the query, best first.
func (ix *Index) Screen(q Query) []Match {
	toks := analyze(q.Name)
	if len(toks) == 0 {
		return nil
	}
	script := sanctions.Script(q.Name)
	if len(toks) > maxQueryTokens {
		toks = toks[:maxQueryTokens]
	}
	qs := make([]qtok, len(toks))
	var qTotal float32
	retrieving := false
	for i, t := range toks {
		qs[i] = qtok{token: t}
		if t.class != classInitial {
			qs[i].sims = ix.similarCached(t)
			retrieving = true
		}
		qs[i].weight = ix.queryWeight(&qs[i])
		qTotal += qs[i].weight
	}
	if !retrieving || qTotal == 0 {
		return nil
	}

	sc := ix.getScratch()
	defer ix.putScratch(sc)

	// Gather candidates with an upper bound of their query-side score:
	// a name sharing only a common token cannot reach Report and is never
	// scored in full.
	var initW float32
	for i := range qs {
		if qs[i].class == classInitial {
			initW += qs[i].weight
			continue
		}
		w := qs[i].weight
		for vid, s := range qs[i].sims {
			for _, nid := range ix.postings[vid] {
				switch {
				case sc.stamp[nid] == -1:
					sc.touched = append(sc.touched, nid)
					sc.stamp[nid], sc.best[nid] = int32(i), s
					sc.acc[nid] += w * s
				case sc.stamp[nid] != int32(i):
					sc.stamp[nid], sc.best[nid] = int32(i), s
					sc.acc[nid] += w * s
				case s > sc.best[nid]:
					sc.acc[nid] += w * (s - sc.best[nid])
					sc.best[nid] = s
				}
			}
		}
	}
	type hit struct {
		entry int32
		name  int32
		score float64
	}
	best := map[int32]hit{}
	for _, nid := range sc.touched {
		ub := 0.6*float64((sc.acc[nid]+initW)/qTotal) + 0.4
		if ub < Report {
			continue
		}
		ln := &ix.names[nid]
		e := &ix.entries[ln.entry]
		if q.Type != "" && e.Type != "" && e.Type != q.Type {
			continue
		}
		s := ix.score(qs, qTotal, ln)
		if q.Country != "" && len(e.Countries) > 0 {
			if slices.Contains(e.Countries, q.Country) {
				s = min(1, s+0.03)
			} else {
				s -= 0.03
			}
		}
		if s < Report {
			continue
		}
		if h, ok := best[ln.entry]; !ok || s > h.score || s == h.score && ix.prefer(nid, h.name, script) {
			best[ln.entry] = hit{entry: ln.entry, name: nid, score: s}
		}
	}
	hits := make([]hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(a, b int) bool {
		if hits[a].score != hits[b].score {
			return hits[a].score > hits[b].score
		}
		ea, eb := &ix.entries[hits[a].entry], &ix.entries[hits[b].entry]
		if ea.List != eb.List {
			return ea.List < eb.List
		}
		return ea.ID < eb.ID
	})
	limit := q.Limit
	if limit <= 0 {
		limit = 20
	}
	if len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]Match, len(hits))
	for i, h := range hits {
		e := &ix.entries[h.entry]
		n := e.Names[ix.names[h.name].idx]
		out[i] = Match{List: e.List, EntryID: e.ID, Name: ix.primary[h.entry], MatchedName: n.Value,
			Score: math.Round(h.score*1000) / 1000, Strength: n.Strength, Type: e.Type, Programs: e.Programs}
	}
	return out
}

// prefer breaks a tie between two names of one entry: the one written in
// the query's script explains the match best, then the earlier one.
func (ix *Index) prefer(a, b int32, script string) bool {
	na, nb := &ix.names[a], &ix.names[b]
	e := &ix.entries[na.entry]
	sa, sb := e.Names[na.idx].Script == script, e.Names[nb.idx].Script == script
	if sa != sb {
		return sa
	}
	return a < b
}

func (ix *Index) getScratch() *scratch {
	ix.mu.Lock()
	if n := len(ix.scratch); n > 0 {
		sc := ix.scratch[n-1]
		ix.scratch = ix.scratch[:n-1]
		ix.mu.Unlock()
		return sc
	}
	ix.mu.Unlock()
	sc := &scratch{acc: make([]float32, len(ix.names)), best: make([]float32, len(ix.names)),
		stamp: make([]int32, len(ix.names))}
	for i := range sc.stamp {
		sc.stamp[i] = -1
	}
	return sc
}

func (ix *Index) putScratch(sc *scratch) {
	for _, n := range sc.touched {
		sc.acc[n], sc.best[n], sc.stamp[n] = 0, 0, -1
	}
	sc.touched = sc.touched[:0]
	ix.mu.Lock()
	if len(ix.scratch) < 64 {
		ix.scratch = append(ix.scratch, sc)
	}
	ix.mu.Unlock()
}

// queryWeight is how much a query token counts: the rarity of the list
// token it resembles most, or full weight for a token the lists do not
// have (an unmatched rare word is evidence of a different party).
func (ix *Index) queryWeight(q *qtok) float32 {
	f := classFactor[q.class]
	if q.class == classInitial {
		return 0.3 * f
	}
	if id, ok := ix.vocabID[q.raw]; ok {
		return ix.vocab[id].weight
	}
	var bestS, w float32
	for vid, s := range q.sims {
		if s > bestS || s == bestS && ix.vocab[vid].weight > w {
			bestS, w = s, ix.vocab[vid].weight
		}
	}
	if bestS >= 0.85 {
		return w
	}
	return f
}

// simCacheSize bounds the similarity cache (entries are small maps).
const simCacheSize = 50_000

// similarCached is similar plus the spelling variants of t, remembered.
// The returned map is shared: callers only read it.
func (ix *Index) similarCached(t token) map[int32]float32 {
	if ix.noCache {
		return ix.similarVariants(t)
	}
	ix.simMu.RLock()
	m, ok := ix.simCache[t.raw]
	ix.simMu.RUnlock()
	if ok {
		return m
	}
	m = ix.similarVariants(t)
	ix.simMu.Lock()
	if ix.simCache == nil || len(ix.simCache) >= simCacheSize {
		ix.simCache = make(map[string]map[int32]float32, 1024)
	}
	ix.simCache[t.raw] = m
	ix.simMu.Unlock()
	return m
}

func (ix *Index) similarVariants(t token) map[int32]float32 {
	m := ix.similar(t)
	for _, v := range variants(t.raw) {
		for vid, s := range ix.similar(makeToken(v)) {
			if s > m[vid] {
				m[vid] = s
			}
		}
	}
	return m
}

// similar finds the list tokens that resemble t: the same skeleton (a
// transliteration variant) or a skeleton one edit away (a typo), each
// confirmed by an edit distance on the spelling itself.
func (ix *Index) similar(t token) map[int32]float32 {
	out := map[int32]float32{}
	add := func(sid int32, skelEdit bool) {
		for _, vid := range ix.skelVocab[sid] {
			s := tokenSim(t.raw, ix.vocab[vid].raw, skelEdit)
			if s > 0 && s > out[vid] {
				out[vid] = s
			}
		}
	}
	if sid, ok := ix.skelID[t.skel]; ok {
		add(sid, false)
	}
	if len(t.raw) >= minDeleteRaw && isASCII(t.raw) {
		addVocab := func(vid int32) {
			if s := tokenSim(t.raw, ix.vocab[vid].raw, true); s > out[vid] {
				out[vid] = s
			}
		}
		for _, vid := range ix.rawDeletes[hash(t.raw)] {
			addVocab(vid)
		}
		for _, d := range deletions(t.raw) {
			if vid, ok := ix.vocabID[d]; ok {
				addVocab(vid)
			}
			for _, vid := range ix.rawDeletes[hash(d)] {
				addVocab(vid)
			}
		}
	}
	if len(t.skel) < minDeleteSkel || !isASCII(t.skel) {
		return out
	}
	for _, sid := range ix.deletes[t.skel] {
		add(sid, true)
	}
	for _, d := range deletions(t.skel) {
		if sid, ok := ix.skelID[d]; ok {
			add(sid, true)
		}
		for _, sid := range ix.deletes[d] {
			add(sid, true)
		}
	}
	return out
}

// tokenSim scores two tokens. Equal is 1; a transliteration variant
// (same skeleton) 0.96 less a little per extra spelling difference; a
// typo depends on the length, since one wrong letter in "Li" is another
// name but in "Kalashnikov" is a typo.
func tokenSim(a, b string, skelEdit bool) float32 {
	if a == b {
		return 1
	}
	la, lb := len(a), len(b)
	if !isASCII(a) || !isASCII(b) {
		la, lb = utf8.RuneCountInString(a), utf8.RuneCountInString(b)
	}
	l := max(la, lb)
	if la-lb > 3 || lb-la > 3 {
		return 0
	}
	d := damerau(a, b)
	if !skelEdit {
		if l < 3 || l <= 3 && d >= 2 {
			return 0
		}
		if d <= 1 {
			return 0.96
		}
		return max(0.84, 0.96-0.04*float32(d-1))
	}
	switch {
	case l < 4:
		return 0
	case d == 1 && l >= 7:
		return 0.93
	case d == 1 && l >= 6:
		return 0.91
	case d == 1:
		return 0.88
	case d == 2 && l >= 8:
		return 0.86
	case d == 2 && l >= 6:
		return 0.80
	case d <= 3 && l >= 9:
		return 0.78
	}
	return 0
}

// score aligns the query with one list name, word order ignored: each
// query token pairs with at most one name token, best pairs first.
// score = 0.6 × query coverage + 0.4 × name coverage, where coverage is
// the weighted share of tokens matched and a name's unmatched tokens
// count at unmatchedShare (lists carry patronymics and middle names a
// query drops).
func (ix *Index) score(qs []qtok, qTotal float32, ln *listName) float64 {
	nt := min(len(ln.toks), maxT)
	var pairs [maxQueryTokens * maxT]pair
	np := 0
	for i := range qs {
		q := &qs[i]
		for j := 0; j < nt; j++ {
			v := &ix.vocab[ln.toks[j]]
			var s float32
			switch {
			case q.class == classInitial && v.class == classInitial:
				if q.raw == v.raw {
					s = 0.95
				}
			case q.class == classInitial:
				if r, _ := utf8.DecodeRuneInString(q.raw); r == v.first && v.class == className {
					s = 0.9
				}
			case v.class == classInitial:
				if r, _ := utf8.DecodeRuneInString(q.raw); r == v.first && q.class == className {
					s = 0.9
				}
			default:
				s = q.sims[ln.toks[j]]
			}
			if s > 0 {
				pairs[np] = pair{i, j, s}
				np++
			}
		}
	}
	ps := pairs[:np]
	// Insertion sort, best pair first (ties: the rarer list token): a
	// handful of pairs, and sort.Slice would move the array to the heap.
	for a := 1; a < len(ps); a++ {
		for b := a; b > 0 && ix.pairLess(ps[b], ps[b-1], ln); b-- {
			ps[b], ps[b-1] = ps[b-1], ps[b]
		}
	}
	var qUsed uint32
	var nUsed uint32
	var qNum, nNum, nMatchedW float32
	matchedInform, close := 0, true
	for _, p := range ps {
		if qUsed&(1<<p.i) != 0 || nUsed&(1<<p.j) != 0 {
			continue
		}
		qUsed |= 1 << p.i
		nUsed |= 1 << p.j
		v := &ix.vocab[ln.toks[p.j]]
		qw := qs[p.i].weight
		if qs[p.i].class == classInitial {
			qw = 0.5 * v.weight
		}
		qNum += qw * p.s
		nNum += v.weight * p.s
		nMatchedW += v.weight
		if v.class == className || ln.inform == 0 {
			matchedInform++
			if p.s < 0.9 {
				close = false
			}
		}
	}
	if matchedInform == 0 {
		return 0
	}
	// Initials that matched count at the reduced weight used above.
	qDen := qTotal
	for i := range qs {
		if qs[i].class == classInitial && qUsed&(1<<i) != 0 {
			qDen -= qs[i].weight
			for _, p := range ps {
				if p.i == i {
					qDen += 0.5 * ix.vocab[ln.toks[p.j]].weight
					break
				}
			}
		}
	}
	var unmatched float32
	for j := 0; j < nt; j++ {
		if nUsed&(1<<j) == 0 {
			unmatched += ix.vocab[ln.toks[j]].weight
		}
	}
	sq := float64(qNum / qDen)
	sn := float64(nNum / (nMatchedW + unmatchedShare*unmatched))
	s := min(1, 0.6*sq+0.4*sn)
	if ln.strength == strWeak || ln.inform <= 1 && !close {
		s = min(s, weakCap)
	}
	return s
}

const maxT = 16 // list-name tokens aligned

type pair struct {
	i, j int
	s    float32
}

func (ix *Index) pairLess(a, b pair, ln *listName) bool {
	if a.s != b.s {
		return a.s > b.s
	}
	return ix.vocab[ln.toks[a.j]].weight > ix.vocab[ln.toks[b.j]].weight
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// deletions returns s with each one byte removed (s is ASCII).
func deletions(s string) []string {
	out := make([]string, 0, len(s))
	for i := 0; i < len(s); i++ {
		d := s[:i] + s[i+1:]
		if i > 0 && s[i] == s[i-1] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// hash is FNV-1a: the deletion index keeps hashes, not strings, to save
// memory; a collision only adds a candidate the edit distance rejects.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

func appendUnique(s []int32, v int32) []int32 {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

// damerau is the optimal-string-alignment distance (edits, with adjacent
// transpositions) between two short strings.
func damerau(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 64 || len(rb) > 64 {
		if a == b {
			return 0
		}
		return max(len(ra), len(rb))
	}
	var buf [3][65]int
	prev2, prev, cur := buf[0][:len(rb)+1], buf[1][:len(rb)+1], buf[2][:len(rb)+1]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
