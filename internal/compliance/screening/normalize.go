package screening

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Token classes change how much a token counts toward a name's score.
const (
	className     uint8 = iota // an ordinary name token
	classGeneric               // a business word ("trading", "group"): shared by innocent companies
	classParticle              // al-, bin, abu, de, van: glue between name parts
	classInitial               // a single letter: "V." of "V. V. Putin"
)

// classFactor scales a token's rarity weight by its class.
var classFactor = [...]float32{className: 1, classGeneric: 0.3, classParticle: 0.15, classInitial: 0.5}

// token is one analysed word of a name.
type token struct {
	raw   string // ASCII lower case for Latin, Cyrillic, Greek and Han (pinyin); other scripts as written
	skel  string // the spelling-variant key: transliteration and vowel differences fold together
	class uint8
}

// analyze turns a name into its tokens: Han characters to pinyin,
// Cyrillic and Greek transliterated, diacritics stripped, case folded,
// punctuation dropped, honorifics and legal forms removed, Arabic
// particles split off. Queries and list names go through the same
// function, so whatever it does to one it does to the other.
func analyze(name string) []token {
	words, han := words(name)
	words = stripAffixes(words, han)
	out := make([]token, 0, len(words))
	for _, w := range words {
		out = append(out, makeToken(w))
	}
	return out
}

func makeToken(w string) token {
	t := token{raw: w, skel: skeleton(w)}
	switch {
	case utf8.RuneCountInString(w) == 1:
		t.class = classInitial
	case particles[w]:
		t.class = classParticle
	case generic[w]:
		t.class = classGeneric
	}
	return t
}

// words splits a name into folded words; han marks the words read from
// Han characters, which stripAffixes leaves alone (the syllable "an" is
// not the Arabic article).
func words(name string) (out []string, han []bool) {
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			han = append(han, false)
			b.Reset()
		}
	}
	if !isASCII(name) {
		name = norm.NFKC.String(name)
	}
	rs := []rune(name)
	var dec []byte
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r < utf8.RuneSelf {
			switch {
			case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
				b.WriteByte(byte(r))
			case 'A' <= r && r <= 'Z':
				b.WriteByte(byte(r) + 'a' - 'A')
			case r == '\'' || r == '`':
			default:
				flush()
			}
			continue
		}
		if unicode.Is(unicode.Han, r) {
			// A run of Han characters is a name of its own.
			j := i
			for j < len(rs) && unicode.Is(unicode.Han, rs[j]) {
				j++
			}
			flush()
			for _, w := range hanWords(string(rs[i:j])) {
				out = append(out, w)
				han = append(han, true)
			}
			i = j - 1
			continue
		}
		switch r {
		case '\'', '’', 'ʼ', '`', '´', 'ʻ', '‘':
			// O'Brien, Ma'mun: the apostrophe joins.
			continue
		}
		if s, ok := translit[r]; ok {
			b.WriteString(s)
			continue
		}
		if s, ok := carons[r]; ok {
			b.WriteString(s)
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) {
			flush()
			continue
		}
		// Decompose to strip diacritics: é → e, ş → s.
		dec = norm.NFKD.AppendString(dec[:0], string(r))
		for _, d := range string(dec) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			if s, ok := translit[d]; ok {
				b.WriteString(s)
				continue
			}
			b.WriteRune(unicode.ToLower(d))
		}
	}
	flush()
	return out, han
}

// stripAffixes removes honorifics, legal forms and joining words, and
// splits Arabic compounds ("Abdulrahman" → abd rahman). It never removes
// every word: "Limited" alone stays a name.
func stripAffixes(ws []string, han []bool) []string {
	if len(ws) == 0 {
		return ws
	}
	if !slices.Contains(han, false) {
		return ws
	}
	// Legal forms written with dots come out as single letters:
	// "S.A." → s a, "S.R.L." → s r l. Glue a trailing run back together.
	if n := len(ws); n >= 2 {
		for k := min(n, 4); k >= 2; k-- {
			run := ws[n-k:]
			single := true
			for _, w := range run {
				if len(w) != 1 {
					single = false
					break
				}
			}
			if single && !slices.Contains(han[n-k:], true) && legal[strings.Join(run, "")] && n > k {
				ws = append(ws[:n-k:n-k], strings.Join(run, ""))
				break
			}
		}
	}
	for i, w := range ws {
		if (i >= len(han) || !han[i]) && len(w) >= 6 && !honorific[w] && !legal[w] && !generic[w] {
			if c, ok := affixTypo(w); ok {
				ws[i] = c
			}
		}
	}
	// Honorifics go only when a real name word stays: "Admiral Shipping"
	// is a company, not an admiral.
	dropHonor := false
	for i, w := range ws {
		if (i < len(han) && han[i]) || !honorific[w] && !stop[w] && !legal[w] && !generic[w] && !particles[w] && len(w) > 1 {
			dropHonor = true
			break
		}
	}
	out := make([]string, 0, len(ws)+1)
	for i, w := range ws {
		if i < len(han) && han[i] {
			out = append(out, w)
			continue
		}
		if stop[w] || dropHonor && honorific[w] {
			continue
		}
		if a, rest, ok := splitAbd(w); ok {
			out = append(out, a, rest)
			continue
		}
		switch w {
		case "abdul", "abdel", "abdal", "abdol", "abdoul", "abdoel", "abdur", "abdul-":
			out = append(out, "abd")
			continue
		case "ibn", "ben", "bin", "bn":
			out = append(out, "bin")
			continue
		case "el", "ul", "ad", "ar", "ash", "as", "at", "az", "an", "adh", "al":
			out = append(out, "al")
			continue
		}
		out = append(out, w)
	}
	// Legal forms at either end ("OOO Gazprom", "Gazprom PJSC", "Acme Co., Ltd.").
	for len(out) > 1 && legal[out[len(out)-1]] {
		out = out[:len(out)-1]
	}
	for len(out) > 1 && legalPrefix[out[0]] {
		out = out[1:]
	}
	if len(out) == 0 {
		// The name was nothing but honorifics or legal words: keep it.
		return ws
	}
	return out
}

// affixWords maps the legal, honorific and business words of six letters
// or more, and each of them with one letter deleted, to the word: a typo
// in "Company" or "Sheikh" must not turn it into a rare name word.
var affixWords = func() map[string]string {
	m := map[string]string{}
	for _, s := range []map[string]bool{legal, honorific, generic} {
		for w := range s {
			if len(w) < 6 {
				continue
			}
			m[w] = w
			for _, d := range deletions(w) {
				if _, taken := m[d]; !taken {
					m[d] = w
				}
			}
		}
	}
	return m
}()

// affixTypo recognises w as a misspelt affix word: one letter inserted,
// dropped, replaced or two swapped.
func affixTypo(w string) (string, bool) {
	if c, ok := affixWords[w]; ok {
		return c, true
	}
	for _, d := range deletions(w) {
		if c, ok := affixWords[d]; ok && damerau(c, w) <= 1 {
			return c, true
		}
	}
	return "", false
}

// splitAbd splits the glued forms of "Abd al-X": Abdulrahman, Abdurrahman,
// Abdelaziz.
func splitAbd(w string) (string, string, bool) {
	for _, p := range []string{"abdul", "abdel", "abdal", "abdol", "abdoul", "abdur", "abdar", "abdor", "abdus", "abdas", "abduz"} {
		if len(w) >= len(p)+3 && strings.HasPrefix(w, p) {
			rest := w[len(p):]
			// Abdurrahman: the assimilated consonant is doubled.
			if len(rest) > 3 && rest[0] == p[len(p)-1] {
				rest = rest[1:]
			}
			return "abd", rest, true
		}
	}
	return "", "", false
}

// skeleton folds the spelling differences transliteration produces: kh/h,
// shch/sch/sh, y/i/j, w/v, c/k/q, ph/f, -off/-ov, doubled letters, and
// every run of vowels to one "a". Mohammed, Muhammad and Mohamad share
// "mahamad"; Dmitriy, Dmitrii and Dmitry share "dmatra". Tokens that are
// not ASCII keep their raw form.
func skeleton(w string) string {
	for i := 0; i < len(w); i++ {
		if w[i] >= utf8.RuneSelf {
			return w
		}
	}
	if len(w) <= 1 {
		return w
	}
	s := w
	switch {
	case strings.HasSuffix(s, "off"), strings.HasSuffix(s, "eff"):
		s = s[:len(s)-2] + "v"
	case strings.HasSuffix(s, "ow"), strings.HasSuffix(s, "ew"):
		s = s[:len(s)-1] + "v"
	}
	s = skelReplacer.Replace(s)
	// Vowels fold to one "a" per run, so vowel spellings (ou/u, iy/y/ii,
	// e/a) meet while the word keeps its shape; doubled letters collapse.
	var b strings.Builder
	b.Grow(len(s))
	var last byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case 'y', 'j', 'e', 'i', 'o', 'u':
			c = 'a'
		case 'w':
			c = 'v'
		case 'c', 'q':
			c = 'k'
		case 'x':
			if last != 'k' {
				b.WriteByte('k')
			}
			c = 's'
		}
		if c == last {
			continue
		}
		b.WriteByte(c)
		last = c
	}
	return b.String()
}

// skelReplacer maps digraphs to one letter. Upper-case letters stand for
// sounds with no single Latin letter: S = sh and zh (German writes both
// "sch"), C = ch, Z = dzh/dj. ts and tz fold into z, as German writes ц.
var skelReplacer = strings.NewReplacer(
	"schtsch", "S", "shch", "S", "dsch", "Z", "tsch", "C", "sch", "S", "sh", "S", "tch", "C", "ch", "C",
	"dzh", "Z", "zh", "S", "dj", "Z", "ts", "z", "tz", "z", "kh", "h", "gh", "g", "ph", "f",
	"th", "t", "dh", "d", "ck", "k", "ou", "u", "oo", "u", "ee", "i",
)

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// translit maps Cyrillic and Greek letters (lower and upper case) and a few
// Latin letters NFKD leaves alone. Cyrillic follows BGN/PCGN; the skeleton
// then folds the other systems' spellings (ISO 9, passports) onto it.
var translit = func() map[rune]string {
	m := map[rune]string{
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z",
		'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
		'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh",
		'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
		'і': "i", 'ї': "yi", 'є': "ye", 'ґ': "g", 'ў': "u", 'ђ': "dj", 'ј': "j", 'љ': "lj",
		'њ': "nj", 'ћ': "c", 'џ': "dzh", 'ѓ': "g", 'ќ': "k", 'ѕ': "dz",
		'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th",
		'ι': "i", 'κ': "k", 'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p",
		'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t", 'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
		'ß': "ss", 'æ': "ae", 'ø': "o", 'ł': "l", 'đ': "d", 'ı': "i", 'œ': "oe", 'þ': "th", 'ð': "d",
	}
	for r, s := range m {
		if u := unicode.ToUpper(r); u != r {
			m[u] = s
		}
	}
	m['Ł'], m['Đ'], m['Ø'], m['Æ'], m['Œ'], m['Þ'], m['Ð'] = "l", "d", "o", "ae", "oe", "th", "d"
	return m
}()

func set(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// carons are the Czech, Slovak, Croatian and Baltic letters that spell
// the sounds English transliteration writes as digraphs (Pavlovič =
// Pavlovich); stripping the mark alone would lose the sound.
var carons = map[rune]string{'č': "ch", 'Č': "ch", 'š': "sh", 'Š': "sh", 'ž': "zh", 'Ž': "zh", 'ć': "ch", 'Ć': "ch"}

// honorific words are dropped wherever they appear.
var honorific = set("mr", "mrs", "ms", "miss", "dr", "prof", "sir", "sheikh", "shaikh", "shaykh", "sheik",
	"haji", "hajji", "hadji", "alhaj", "alhaji", "mullah", "mulla", "maulana", "maulvi", "mawlawi", "molvi",
	"mawlana", "sayyid", "sayed", "syed", "hafiz", "imam", "general", "gen", "colonel", "col", "captain",
	"capt", "major", "lieutenant", "lt", "admiral", "brigadier", "commander", "eng", "engineer", "qari",
	"ustad", "ustadh", "gospodin", "herr", "frau", "madame", "mme", "monsieur", "senor", "senora", "don")

// stop words join the parts of a name and carry no identity.
var stop = set("and", "of", "the", "for", "und", "et", "do", "da", "des", "du", "der", "die", "das",
	"a.k.a", "aka", "fka", "nka")

// legal forms are dropped at the end of a name (and legalPrefix at its
// start) because "Acme Ltd" and "Acme Limited Liability Company" are
// the same party.
var legal = set("llc", "ltd", "limited", "co", "company", "corp", "corporation", "inc", "incorporated",
	"gmbh", "ag", "sa", "sas", "sarl", "srl", "spa", "sl", "slu", "bv", "nv", "ab", "as", "asa", "oy", "oyj",
	"kg", "kft", "zrt", "nyrt", "plc", "llp", "lp", "pte", "pvt", "private", "sdn", "bhd", "tbk", "pt", "jsc",
	"pjsc", "ojsc", "cjsc", "ooo", "oao", "zao", "pao", "ao", "tov", "pp", "fze", "fzco", "fzc", "fzllc",
	"ltda", "cv", "de", "gk", "kk", "doo", "dooel", "ood", "ead", "sro", "spzoo", "zoo", "z", "ug", "eirl",
	"jv", "est", "establishment", "liability", "holdings", "holding", "group", "cia", "sac", "saic", "sae",
	"sal", "wll", "ltdco", "coltd", "joint", "stock", "public", "closed", "open", "akcionernoe", "obshchestvo")

var legalPrefix = func() map[string]bool {
	m := set("ooo", "oao", "zao", "pao", "ao", "jsc", "pjsc", "ojsc", "cjsc", "tov", "pt", "cv", "pp", "fgup",
		"gup", "mup", "ip")
	// "LLC Energy Omega" is how Russian companies are often written in
	// English; the short forms that are also words stay.
	for w := range legal {
		switch w {
		case "as", "ab", "sa", "de", "co", "z", "cv", "kk", "gk", "sl", "lp", "ag", "est", "open", "public",
			"closed", "joint", "stock", "private", "group", "holding", "holdings", "company", "limited", "liability":
			continue
		}
		m[w] = true
	}
	return m
}()

// particles glue name parts: al-, bin, abu. They count a little.
var particles = set("al", "bin", "bint", "abu", "abd", "umm", "bni", "van", "von", "de", "di", "del", "della",
	"la", "le", "dos", "das", "mc", "mac", "st", "saint", "ould", "ag")

// generic words are shared by many innocent companies; they count little.
var generic = set("trading", "trade", "international", "intl", "industries", "industry", "industrial",
	"technology", "technologies", "tech", "science", "scientific", "services", "service", "import", "export",
	"enterprise", "enterprises", "general", "global", "logistics", "shipping", "investment", "investments",
	"development", "bank", "construction", "engineering", "electronics", "electronic", "machinery",
	"equipment", "energy", "petroleum", "oil", "gas", "national", "management", "consulting", "partners",
	"systems", "system", "products", "manufacturing", "commercial", "trust", "foundation", "center",
	"centre", "institute", "research", "resources", "import-export", "factory", "plant", "organization",
	"organisation", "association", "office", "agency", "state", "federal", "marine", "maritime", "aviation",
	"air", "airlines", "transport", "new", "world", "china", "hong", "kong", "shenzhen", "beijing",
	"shanghai", "russia", "russian", "iran", "iranian", "hk", "overseas", "exchange", "money", "finance",
	"financial", "capital", "fund", "ventures", "solutions", "media", "network", "limited", "co", "company")

// variants returns other spellings of a query token that the skeleton
// cannot fold because one Latin spelling stands for two sounds: German
// and Polish "ch" is Russian х (Chodorkowski = Khodorkovsky) but English
// "ch" is ч; French "dj" and Russian "dzh" are English "j".
func variants(w string) []string {
	var out []string
	if strings.Contains(w, "ch") {
		var b strings.Builder
		for i := 0; i < len(w); i++ {
			if w[i] == 'c' && i+1 < len(w) && w[i+1] == 'h' && (i == 0 || w[i-1] != 's' && w[i-1] != 't') {
				b.WriteString("kh")
				i++
				continue
			}
			b.WriteByte(w[i])
		}
		if v := b.String(); v != w {
			out = append(out, v)
		}
	}
	if strings.Contains(w, "dzh") || strings.Contains(w, "dj") {
		out = append(out, strings.NewReplacer("dzh", "j", "dj", "j").Replace(w))
	}
	return out
}
