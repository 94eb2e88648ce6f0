package screening

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
)

// The evaluation: a labelled set built from the seed lists, deterministic
// for a seed. Positives are realistic variants of listed names, each
// labelled with the entry it must find; negatives are innocent names,
// many sharing a token with a listed name. Run it with
//
//	go test ./internal/compliance/screening -run TestEval -v
//
// and see docs/BENCHMARKS.md for the method and the result.

const evalSeed = 20261129

type evalCase struct {
	query string
	kind  string // the variant's kind, or "negative"
	list  string // the entry to find (positives)
	id    string
}

var (
	seedOnce    sync.Once
	seedIdx     *Index
	seedEntries []sanctions.Entry
	seedErr     error
)

// seedIndex builds the index over every seed list once per test binary.
func seedIndex(tb testing.TB) (*Index, []sanctions.Entry) {
	tb.Helper()
	seedOnce.Do(func() {
		seedEntries, seedErr = loadSeed()
		if seedErr == nil {
			seedIdx = Build(seedEntries)
		}
	})
	if seedErr != nil {
		tb.Fatal(seedErr)
	}
	return seedIdx, seedEntries
}

type evalResult struct {
	kind                      string
	n, found, strong, flagged int
}

func TestEval(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation over the full seed lists")
	}
	ix, entries := seedIndex(t)
	pos := positives(entries, rand.New(rand.NewPCG(evalSeed, 1)), 3000)
	pos = append(pos, hanPositives(entries, rand.New(rand.NewPCG(evalSeed, 5)))...)
	neg := negatives(entries, rand.New(rand.NewPCG(evalSeed, 2)), 3000)

	byKind := map[string]*evalResult{}
	kindOf := func(k string) *evalResult {
		if byKind[k] == nil {
			byKind[k] = &evalResult{kind: k}
		}
		return byKind[k]
	}
	var tp, fn, fpPos, fpNeg int
	var misses, falseHits []string
	for _, c := range pos {
		r := kindOf(c.kind)
		r.n++
		ms := ix.Screen(Query{Name: c.query})
		ok := false
		for _, m := range ms {
			if m.Score < Potential {
				break
			}
			if m.List == c.list && m.EntryID == c.id {
				ok = true
				if m.Score >= Strong {
					r.strong++
				}
			}
		}
		if ok {
			tp++
			r.found++
		} else {
			fn++
			if len(misses) < 40 {
				e := find(entries, c.list, c.id)
				got := ""
				if len(ms) > 0 {
					got = fmt.Sprintf("%s %.2f", ms[0].MatchedName, ms[0].Score)
				}
				misses = append(misses, fmt.Sprintf("%-14s %q → %s/%s %q (top: %s)", c.kind, c.query, c.list, c.id,
					e.Names[0].Value, got))
			}
		}
		// A potential match on another entry ranked above the right one
		// costs a reviewer's time just as a negative's does.
		if len(ms) > 0 && ms[0].Score >= Potential && !(ms[0].List == c.list && ms[0].EntryID == c.id) && !ok {
			fpPos++
		}
	}
	for _, c := range neg {
		r := kindOf(c.kind)
		r.n++
		ms := ix.Screen(Query{Name: c.query})
		if len(ms) > 0 && ms[0].Score >= Potential {
			fpNeg++
			r.flagged++
			if len(falseHits) < 40 {
				falseHits = append(falseHits, fmt.Sprintf("%-14s %q → %s %q %.2f", c.kind, c.query, ms[0].List,
					ms[0].MatchedName, ms[0].Score))
			}
		}
	}
	recall := float64(tp) / float64(tp+fn)
	precision := float64(tp) / float64(tp+fpNeg+fpPos)
	kinds := make([]string, 0, len(byKind))
	for k := range byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-22s %6s %8s %8s\n", "kind", "cases", "flagged", "≥0.95")
	for _, k := range kinds {
		r := byKind[k]
		if k == "negative" || strings.HasPrefix(k, "neg-") {
			fmt.Fprintf(&b, "%-22s %6d %7.1f%%\n", k, r.n, 100*float64(r.flagged)/float64(r.n))
		} else {
			fmt.Fprintf(&b, "%-22s %6d %7.1f%% %7.1f%%\n", k, r.n, 100*float64(r.found)/float64(r.n),
				100*float64(r.strong)/float64(r.n))
		}
	}
	fmt.Fprintf(&b, "positives %d, negatives %d; recall %.2f%%, precision %.2f%% at %.2f (false: %d on negatives, %d wrong entry)\n",
		len(pos), len(neg), 100*recall, 100*precision, Potential, fpNeg, fpPos)
	t.Log(b.String())
	if testing.Verbose() {
		t.Log("misses:\n" + strings.Join(misses, "\n"))
		t.Log("false hits:\n" + strings.Join(falseHits, "\n"))
	}
	if recall < 0.98 {
		t.Errorf("recall %.4f < 0.98", recall)
	}
	if precision < 0.90 {
		t.Errorf("precision %.4f < 0.90", precision)
	}
	// Calibration: a listed name as written is a strong match.
	if r := byKind["exact"]; r == nil || float64(r.strong) < 0.98*float64(r.n) {
		t.Errorf("exact names below %.2f: %+v", Strong, r)
	}
}

func find(es []sanctions.Entry, list, id string) sanctions.Entry {
	for _, e := range es {
		if e.List == list && e.ID == id {
			return e
		}
	}
	return sanctions.Entry{}
}

// positives draws entries at random and makes one realistic variant of
// one of their names.
func positives(entries []sanctions.Entry, rng *rand.Rand, n int) []evalCase {
	var out []evalCase
	for tries := 0; len(out) < n && tries < n*20; tries++ {
		e := &entries[rng.IntN(len(entries))]
		c, ok := variant(e, rng)
		if !ok {
			continue
		}
		c.list, c.id = e.List, e.ID
		out = append(out, c)
	}
	return out
}

// hanPositives adds a case for every entry with a name in Han characters
// (too few for the random draw to meet): the Han name as listed, with its
// legal form cut or swapped, and for people the pinyin in either order.
func hanPositives(entries []sanctions.Entry, rng *rand.Rand) []evalCase {
	var out []evalCase
	for i := range entries {
		e := &entries[i]
		n, ok := pickName(e, rng, "Hani", 1)
		if !ok {
			continue
		}
		n = strings.TrimSpace(n)
		switch {
		case strings.HasSuffix(n, "有限公司") && rng.IntN(2) == 0:
			n = strings.TrimSuffix(n, "有限公司")
		case strings.HasSuffix(n, "有限公司"):
			n = strings.TrimSuffix(n, "有限公司") + "股份有限公司"
		}
		out = append(out, evalCase{query: n, kind: "han", list: e.List, id: e.ID})
	}
	return out
}

// pickName returns a primary or strong name of the entry in the wanted
// script ("" for Latin) with at least minTokens words.
func pickName(e *sanctions.Entry, rng *rand.Rand, script string, minTokens int) (string, bool) {
	var cands []string
	for _, nm := range e.Names {
		if nm.Strength == sanctions.Weak && !unspaced(nm) || nm.Script != script {
			continue
		}
		if len(strings.FieldsFunc(nm.Value, splitter)) < minTokens {
			continue
		}
		cands = append(cands, nm.Value)
	}
	if len(cands) == 0 {
		return "", false
	}
	return cands[rng.IntN(len(cands))], true
}

func splitter(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }

var variantKinds = []string{"exact", "case+diacritics", "reordered", "transliteration", "typo", "initials",
	"dropped-middle", "honorific/suffix", "cyrillic", "cyrillic-german"}

func variant(e *sanctions.Entry, rng *rand.Rand) (evalCase, bool) {
	kind := variantKinds[rng.IntN(len(variantKinds))]
	person := e.Type == sanctions.Person
	switch kind {
	case "exact":
		n, ok := pickName(e, rng, "", 1)
		return evalCase{query: n, kind: kind}, ok
	case "case+diacritics":
		n, ok := pickName(e, rng, "", 2)
		return evalCase{query: titleCase(stripMarks(n)), kind: kind}, ok
	case "reordered":
		n, ok := pickName(e, rng, "", 2)
		if !ok {
			return evalCase{}, false
		}
		ws := strings.FieldsFunc(n, splitter)
		switch {
		case person:
			// Given names first ↔ surname first.
			ws = append(ws[1:], ws[0])
		case legal[strings.ToLower(ws[len(ws)-1])]:
			// "Omega Energy LLC" → "LLC Omega Energy".
			ws = append(ws[len(ws)-1:], ws[:len(ws)-1]...)
		default:
			ws = append(ws[1:], ws[0])
		}
		return evalCase{query: strings.Join(ws, " "), kind: kind}, true
	case "transliteration":
		n, ok := pickName(e, rng, "", 2)
		if !ok {
			return evalCase{}, false
		}
		v, changed := respell(n, rng)
		return evalCase{query: v, kind: kind}, changed
	case "typo":
		n, ok := pickName(e, rng, "", 2)
		if !ok {
			return evalCase{}, false
		}
		v, changed := typo(n, rng)
		return evalCase{query: v, kind: kind}, changed
	case "initials":
		if !person {
			return evalCase{}, false
		}
		n, ok := pickName(e, rng, "", 3)
		if !ok {
			return evalCase{}, false
		}
		sur, given := splitPerson(n)
		if len(given) < 2 || len(sur) == 0 {
			return evalCase{}, false
		}
		// Keep the first given name, initial the others: "Vladimir V. Putin".
		parts := []string{given[0]}
		for _, g := range given[1:] {
			r := []rune(g)
			parts = append(parts, string(unicode.ToUpper(r[0]))+".")
		}
		return evalCase{query: strings.Join(append(parts, sur...), " "), kind: kind}, true
	case "dropped-middle":
		if !person {
			return evalCase{}, false
		}
		n, ok := pickName(e, rng, "", 3)
		if !ok {
			return evalCase{}, false
		}
		sur, given := splitPerson(n)
		if len(given) < 2 || len(sur) == 0 {
			return evalCase{}, false
		}
		return evalCase{query: given[0] + " " + strings.Join(sur, " "), kind: kind}, true
	case "honorific/suffix":
		n, ok := pickName(e, rng, "", 1)
		if !ok {
			return evalCase{}, false
		}
		if person {
			h := []string{"Mr.", "Dr.", "Sheikh", "Haji", "Mrs.", "General"}[rng.IntN(6)]
			return evalCase{query: h + " " + n, kind: kind}, true
		}
		if e.Type == sanctions.Vessel || e.Type == sanctions.Aircraft {
			return evalCase{}, false
		}
		s := []string{"LLC", "Co., Ltd.", "GmbH", "Limited", "JSC", "S.A.", "Company", "PJSC", "LLP"}[rng.IntN(9)]
		return evalCase{query: n + " " + s, kind: kind}, true
	case "cyrillic":
		n, ok := pickName(e, rng, "Cyrl", 1)
		return evalCase{query: n, kind: kind}, ok
	case "cyrillic-german":
		n, ok := pickName(e, rng, "Cyrl", 2)
		if !ok {
			return evalCase{}, false
		}
		return evalCase{query: germanTranslit(n), kind: kind}, true
	}
	return evalCase{}, false
}

// splitPerson splits a person's name into surname and given names: before
// the comma on OFAC-style names, an all-capitals word on UK and EU
// names, otherwise the last word.
func splitPerson(n string) (sur, given []string) {
	if a, b, ok := strings.Cut(n, ","); ok {
		return dropHonorifics(strings.FieldsFunc(a, splitter)), dropHonorifics(strings.FieldsFunc(b, splitter))
	}
	ws := dropHonorifics(strings.FieldsFunc(n, splitter))
	if len(ws) == 0 {
		return nil, nil
	}
	caps := -1
	for i, w := range ws {
		if len(w) > 1 && w == strings.ToUpper(w) && strings.ToUpper(w) != strings.ToLower(w) {
			if caps >= 0 {
				caps = -2
				break
			}
			caps = i
		}
	}
	if caps >= 0 {
		return []string{ws[caps]}, slices.Delete(slices.Clone(ws), caps, caps+1)
	}
	return ws[len(ws)-1:], ws[:len(ws)-1]
}

func dropHonorifics(ws []string) []string {
	return slices.DeleteFunc(ws, func(w string) bool { return honorific[strings.ToLower(w)] })
}

func stripMarks(s string) string {
	var b strings.Builder
	for _, w := range words0(s) {
		b.WriteString(w)
	}
	return b.String()
}

// words0 removes diacritics but keeps spacing and case.
func words0(s string) []string {
	out := []string{}
	for _, r := range s {
		d := []rune(strings.ToValidUTF8(string(r), ""))
		if len(d) == 0 {
			continue
		}
		if rep, ok := plainLatin[r]; ok {
			out = append(out, rep)
			continue
		}
		out = append(out, string(r))
	}
	return out
}

var plainLatin = map[rune]string{'á': "a", 'à': "a", 'â': "a", 'ä': "a", 'ã': "a", 'å': "a", 'é': "e", 'è': "e",
	'ê': "e", 'ë': "e", 'í': "i", 'ì': "i", 'î': "i", 'ï': "i", 'ó': "o", 'ò': "o", 'ô': "o", 'ö': "o", 'õ': "o",
	'ú': "u", 'ù': "u", 'û': "u", 'ü': "u", 'ç': "c", 'ñ': "n", 'š': "s", 'ž': "z", 'č': "c", 'ć': "c", 'ş': "s",
	'ğ': "g", 'ı': "i", 'ř': "r", 'ý': "y", 'ł': "l", 'ő': "o", 'ű': "u", 'ā': "a", 'ī': "i", 'ū': "u", 'ē': "e",
	'É': "E", 'Á': "A", 'Ö': "O", 'Ü': "U", 'Š': "S", 'Ž': "Z", 'Č': "C"}

func titleCase(s string) string {
	ws := strings.Fields(strings.ToLower(s))
	for i, w := range ws {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		ws[i] = string(r)
	}
	return strings.Join(ws, " ")
}

// respellings are the alternate romanisations a counterparty's paperwork
// uses for the same name.
var respellings = [][2]string{
	{"kh", "h"}, {"Kh", "H"}, {"KH", "H"}, {"iy", "y"}, {"IY", "Y"}, {"yu", "iu"}, {"Yu", "Iu"}, {"YU", "IU"},
	{"ya", "ia"}, {"Ya", "Ia"}, {"YA", "IA"}, {"shch", "sch"}, {"Shch", "Sch"}, {"SHCH", "SCH"}, {"ov", "off"},
	{"OV", "OFF"}, {"Mohammed", "Muhammad"}, {"MOHAMMED", "MUHAMMAD"}, {"Muhammad", "Mohamed"},
	{"MUHAMMAD", "MOHAMAD"}, {"Mohammad", "Mohamed"}, {"MOHAMMAD", "MUHAMMED"}, {"Abdul ", "Abd al-"},
	{"ABDUL ", "ABD AL-"}, {"Abd al-", "Abdul "}, {"ABD AL-", "ABDUL "}, {"Al-", "El-"}, {"AL-", "EL-"},
	{"al-", "el-"}, {"ou", "u"}, {"OU", "U"}, {"ei", "ey"}, {"EI", "EY"}, {"Yusuf", "Yousef"}, {"YUSUF", "YOUSSEF"},
	{"Hussein", "Husayn"}, {"HUSSEIN", "HUSAYN"}, {"Hasan", "Hassan"}, {"HASAN", "HASSAN"}, {"Ahmed", "Ahmad"},
	{"AHMED", "AHMAD"}, {"ee", "i"}, {"EE", "I"}, {"j", "dj"}, {"J", "DJ"}, {"ie", "iye"}, {"IE", "IYE"},
	{"w", "v"}, {"W", "V"}, {"zh", "j"}, {"ZH", "J"}, {"ts", "tz"}, {"TS", "TZ"}, {"y", "i"}, {"Y", "I"},
}

// respell changes one or two spellings in the words of a name that are
// not legal forms ("PJSC" is not respelled).
func respell(n string, rng *rand.Rand) (string, bool) {
	ws := strings.Fields(n)
	changed := 0
	for _, i := range rng.Perm(len(respellings)) {
		r := respellings[i]
		for wi, w := range ws {
			lw := strings.ToLower(strings.Trim(w, ".,;()\"'"))
			if legal[lw] || legalPrefix[lw] || len(lw) < 3 || !strings.Contains(w+" ", r[0]) {
				continue
			}
			if (r[0] == "j" || r[0] == "J") && !strings.HasPrefix(w, r[0]) {
				continue
			}
			ws[wi] = strings.Replace(w+" ", r[0], r[1], 1)
			ws[wi] = strings.TrimSuffix(ws[wi], " ")
			changed++
			break
		}
		if changed == 2 || changed == 1 && rng.IntN(2) == 0 {
			break
		}
	}
	return strings.Join(ws, " "), changed > 0
}

// typo makes one keyboard slip in a word of five letters or more:
// a letter dropped, doubled, swapped with its neighbour or replaced.
func typo(n string, rng *rand.Rand) (string, bool) {
	ws := strings.Fields(n)
	var long []int
	for i, w := range ws {
		if len([]rune(w)) >= 5 && isLetters(w) {
			long = append(long, i)
		}
	}
	if len(long) == 0 {
		return n, false
	}
	i := long[rng.IntN(len(long))]
	r := []rune(ws[i])
	p := 1 + rng.IntN(len(r)-2)
	switch rng.IntN(4) {
	case 0:
		r = slices.Delete(r, p, p+1)
	case 1:
		r = slices.Insert(r, p, r[p])
	case 2:
		r[p], r[p+1] = r[p+1], r[p]
	default:
		c := rune('a' + rng.IntN(26))
		if unicode.IsUpper(r[p]) {
			c = unicode.ToUpper(c)
		}
		r[p] = c
	}
	ws[i] = string(r)
	return strings.Join(ws, " "), true
}

func isLetters(w string) bool {
	for _, r := range w {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// germanTranslit romanises Cyrillic the German way (Duden), which
// differs from the English systems lists use: х → ch, ж → sch, ч → tsch,
// ш → sch, в → w, й → j, ю → ju, я → ja, з → s.
func germanTranslit(s string) string {
	m := map[rune]string{'а': "a", 'б': "b", 'в': "w", 'г': "g", 'д': "d", 'е': "e", 'ё': "jo", 'ж': "sch", 'з': "s",
		'и': "i", 'й': "j", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "ss", 'т': "t",
		'у': "u", 'ф': "f", 'х': "ch", 'ц': "z", 'ч': "tsch", 'ш': "sch", 'щ': "schtsch", 'ъ': "", 'ы': "y", 'ь': "",
		'э': "e", 'ю': "ju", 'я': "ja", 'і': "i", 'ї': "ji", 'є': "je", 'ґ': "g"}
	var b strings.Builder
	up := false
	for _, r := range s {
		lr := unicode.ToLower(r)
		rep, ok := m[lr]
		if !ok {
			b.WriteRune(r)
			up = false
			continue
		}
		if r != lr && !up && rep != "" {
			rr := []rune(rep)
			rr[0] = unicode.ToUpper(rr[0])
			rep = string(rr)
		}
		b.WriteString(rep)
		up = false
	}
	return b.String()
}

// negatives makes innocent names: people from many cultures, real-looking
// companies, and people and companies that share a token with a listed
// name. A generated name whose tokens equal a listed name's is dropped:
// it is not innocent by name alone.
func negatives(entries []sanctions.Entry, rng *rand.Rand, n int) []evalCase {
	listed := map[string]bool{}
	var listedSurnames, listedCompanyWords []string
	for _, e := range entries {
		for _, nm := range e.Names {
			listed[tokenKey(nm.Value)] = true
		}
		if len(e.Names) == 0 || e.Names[0].Script != "" {
			continue
		}
		if e.Type == sanctions.Person {
			if sur, _ := splitPerson(e.Names[0].Value); len(sur) == 1 && len(sur[0]) > 3 {
				listedSurnames = append(listedSurnames, titleCase(sur[0]))
			}
		} else if e.Type == sanctions.Entity {
			for _, tk := range analyze(e.Names[0].Value) {
				if tk.class == className && len(tk.raw) > 4 {
					listedCompanyWords = append(listedCompanyWords, titleCase(tk.raw))
					break
				}
			}
		}
	}
	var out []evalCase
	seen := map[string]bool{}
	for len(out) < n {
		var q, kind string
		switch k := rng.IntN(10); {
		case k < 4:
			c := cultures[rng.IntN(len(cultures))]
			q = c.given[rng.IntN(len(c.given))] + " " + c.family[rng.IntN(len(c.family))]
			if rng.IntN(3) == 0 {
				q = c.given[rng.IntN(len(c.given))] + " " + q
			}
			kind = "neg-person"
		case k < 6:
			q = companyName(rng)
			kind = "neg-company"
		case k < 8:
			// A listed surname with an unrelated given name and a second
			// family name: "Karim Hussein Otieno".
			c := cultures[rng.IntN(len(cultures))]
			q = c.given[rng.IntN(len(c.given))] + " " + listedSurnames[rng.IntN(len(listedSurnames))] + " " +
				c.family[rng.IntN(len(c.family))]
			kind = "neg-shared-person"
		default:
			q = listedCompanyWords[rng.IntN(len(listedCompanyWords))] + " " + companyName(rng)
			kind = "neg-shared-company"
		}
		if seen[q] || listed[tokenKey(q)] {
			continue
		}
		seen[q] = true
		out = append(out, evalCase{query: q, kind: kind})
	}
	return out
}

func tokenKey(s string) string {
	var ws []string
	for _, t := range analyze(s) {
		ws = append(ws, t.skel)
	}
	sort.Strings(ws)
	return strings.Join(ws, " ")
}

func companyName(rng *rand.Rand) string {
	a := companyFirst[rng.IntN(len(companyFirst))]
	b := companyWhat[rng.IntN(len(companyWhat))]
	c := companyForm[rng.IntN(len(companyForm))]
	if rng.IntN(3) == 0 {
		a = a + " " + companyFirst[rng.IntN(len(companyFirst))]
	}
	return a + " " + b + " " + c
}

var cultures = []struct{ given, family []string }{
	{ // Arabic
		[]string{"Mohammed", "Ahmed", "Ali", "Omar", "Youssef", "Khaled", "Hassan", "Ibrahim", "Mahmoud", "Mustafa",
			"Karim", "Tariq", "Samir", "Nabil", "Walid", "Faisal", "Hamza", "Bilal", "Rami", "Ziad", "Fatima", "Aisha",
			"Mariam", "Layla", "Noor", "Huda", "Salma", "Rania", "Yasmin", "Zainab"},
		[]string{"Haddad", "Khoury", "Mansour", "Nasser", "Saleh", "Aziz", "Hamdan", "Darwish", "Farouk", "Jaber",
			"Qasim", "Rashed", "Shami", "Tawfiq", "Zaki", "Barakat", "Hijazi", "Awad", "Sabbagh", "Kanaan", "Othman",
			"Suleiman", "Bakri", "Halabi", "Masri"},
	},
	{ // Russian and Ukrainian
		[]string{"Alexander", "Sergei", "Dmitry", "Andrei", "Alexei", "Ivan", "Nikolai", "Pavel", "Mikhail", "Oleg",
			"Igor", "Yuri", "Anna", "Olga", "Elena", "Tatiana", "Natalia", "Irina", "Svetlana", "Maria", "Vladimir",
			"Viktor", "Roman", "Artem", "Denis"},
		[]string{"Smirnov", "Kuznetsov", "Popov", "Vasiliev", "Sokolov", "Mikhailov", "Novikov", "Fedorov",
			"Morozov", "Volkov", "Alekseev", "Lebedev", "Semenov", "Egorov", "Pavlov", "Kozlov", "Stepanov",
			"Nikolaev", "Orlov", "Andreev", "Makarov", "Zakharov", "Zaitsev", "Soloviev", "Borisov", "Shevchenko",
			"Bondarenko", "Kovalenko", "Tkachenko", "Kravchenko"},
	},
	{ // Chinese
		[]string{"Wei", "Fang", "Min", "Jing", "Lei", "Jun", "Yan", "Hui", "Ming", "Xiaoming", "Jianguo", "Haiyan",
			"Lihua", "Guoqiang", "Yufei", "Zhiwei", "Xinyi", "Jiahao", "Yuxuan", "Zihan", "Haoran", "Mengyao"},
		[]string{"Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu",
			"Hu", "Guo", "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang"},
	},
	{ // English, German, French
		[]string{"James", "John", "Robert", "Michael", "William", "David", "Richard", "Thomas", "Emma", "Olivia",
			"Sophie", "Charlotte", "Hans", "Klaus", "Jürgen", "Stefan", "Pierre", "Jean", "François", "Camille",
			"George", "Peter", "Laura", "Claire"},
		[]string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Anderson",
			"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Martin", "Bernard",
			"Dubois", "Moreau", "Laurent", "Lefebvre", "Fontaine", "Clarke", "Walker"},
	},
	{ // Spanish and Portuguese
		[]string{"José", "Juan", "Carlos", "Luis", "Miguel", "Javier", "Alejandro", "Diego", "María", "Carmen",
			"Lucía", "Ana", "Sofía", "Pedro", "João", "Gabriel", "Rafael", "Fernanda"},
		[]string{"García", "Rodríguez", "Martínez", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres",
			"Flores", "Rivera", "Gómez", "Díaz", "Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida"},
	},
	{ // Indian and Pakistani
		[]string{"Rahul", "Amit", "Sanjay", "Vijay", "Anil", "Rajesh", "Suresh", "Priya", "Anjali", "Neha", "Pooja",
			"Arjun", "Vikram", "Imran", "Asif", "Farhan", "Sana", "Ayesha", "Kavita", "Deepak"},
		[]string{"Sharma", "Verma", "Gupta", "Patel", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Mehta", "Joshi",
			"Chopra", "Malhotra", "Kapoor", "Qureshi", "Siddiqui", "Chaudhry", "Bhatt", "Desai", "Pillai"},
	},
	{ // Turkish and Persian
		[]string{"Mehmet", "Mustafa", "Emre", "Burak", "Can", "Zeynep", "Elif", "Ayşe", "Reza", "Hossein", "Amir",
			"Mehdi", "Saeed", "Parisa", "Shirin", "Dariush", "Kaveh", "Cem", "Selin", "Arash"},
		[]string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan", "Doğan",
			"Karimi", "Ahmadi", "Hosseini", "Rahimi", "Moradi", "Jafari", "Sadeghi", "Tehrani", "Farahani", "Kazemi"},
	},
	{ // Korean, Japanese, Vietnamese
		[]string{"Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Hiroshi", "Takeshi", "Yuki", "Haruka", "Kenji", "Sakura",
			"Minh", "Anh", "Linh", "Tuan", "Hoa", "Duc"},
		[]string{"Park", "Lee", "Choi", "Jung", "Kang", "Yoon", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "Ito",
			"Yamamoto", "Nakamura", "Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang"},
	},
	{ // African
		[]string{"Chinedu", "Emeka", "Ngozi", "Oluwaseun", "Kwame", "Kofi", "Ama", "Amina", "Abebe", "Tendai",
			"Thabo", "Sipho", "Wanjiru", "Otieno", "Fatou", "Moussa"},
		[]string{"Okafor", "Adeyemi", "Mensah", "Boateng", "Kamau", "Mwangi", "Okoye", "Diallo", "Traoré", "Ndlovu",
			"Dlamini", "Tesfaye", "Banda", "Phiri", "Achebe", "Nwosu"},
	},
}

var companyFirst = []string{"Blue Ocean", "Sunrise", "Golden Bridge", "Evergreen", "Pacific", "Silver Leaf", "Northwind",
	"Harbor", "Crescent", "Lotus", "Maple", "Summit", "Red Lantern", "Jade", "Orchid", "Atlas", "Phoenix", "Cedar",
	"Riverside", "Horizon", "Bright Star", "Great Wall", "Dragon Gate", "Eastern Pearl", "Nordic", "Alpine", "Coral",
	"Meridian", "Sapphire", "Oakwood", "Yangtze", "Pearl River", "Hangzhou Lianhua", "Ningbo Haitian", "Shenzhen Kaida",
	"Guangzhou Meilin", "Yiwu Xinda", "Xiamen Hongyuan", "Dongguan Jiali", "Suzhou Tianyi", "Istanbul Marmara",
	"Dubai Falcon", "Al Noor", "Al Baraka", "Baltic", "Danube", "Andes", "Sahara", "Mekong", "Nile Delta", "Ural",
	"Volga", "Caspian", "Tigris", "Kalahari"}

var companyWhat = []string{"Trading", "Logistics", "Electronics", "Textiles", "Furniture", "Packaging", "Foods",
	"Cosmetics", "Toys", "Apparel", "Home Goods", "Auto Parts", "Lighting", "Garden Supplies", "Pet Products",
	"Sporting Goods", "Medical Supplies", "Paper Products", "Ceramics", "Hardware", "Import Export", "Technology",
	"Machinery", "Chemicals", "Plastics", "Jewelry", "Footwear", "Optics", "Bicycles", "Solar", "Shipping",
	"Freight Forwarding", "E-Commerce", "Printing", "Tea", "Coffee", "Seafood", "Timber", "Marble"}

var companyForm = []string{"Co., Ltd.", "LLC", "GmbH", "Ltd", "Limited", "Inc.", "S.A.", "B.V.", "Pte. Ltd.",
	"Sdn. Bhd.", "JSC", "LLP", "S.r.l.", "FZE", "A.Ş.", "Corp.", "PLC", ""}
