package hs

import (
	"strings"
	"unicode"
)

// stopWords are English words that carry no product meaning. "other" and
// "thereof" are everywhere in the nomenclature; "new", "set" and "pcs"
// are everywhere in marketplace titles.
var stopWords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "as": true, "at": true, "be": true, "but": true, "by": true,
	"for": true, "from": true, "in": true, "into": true, "is": true, "it": true, "its": true, "no": true,
	"not": true, "of": true, "on": true, "or": true, "other": true, "such": true, "than": true, "that": true,
	"the": true, "their": true, "therefor": true, "thereof": true, "these": true, "this": true, "to": true,
	"whether": true, "which": true, "with": true, "without": true, "whose": true, "n.e.c": true, "nes": true,
	"new": true, "set": true, "pcs": true, "pc": true, "piece": true, "pieces": true, "pack": true, "lot": true,
	"free": true, "shipping": true, "hot": true, "sale": true, "best": true, "quality": true, "high": true,
	"style": true, "fashion": true, "gift": true, "gifts": true, "cm": true, "mm": true, "ml": true, "inch": true,
	"x": true, "kg": true, "g": true, "w": true, "v": true, "mah": true, "size": true, "color": true, "colour": true,
	"2024": true, "2025": true, "2026": true, "pro": true, "max": true, "mini": true, "plus": true,
	"used": true, "put": true, "up": true, "retail": true, "sale.": true, "kind": true, "kinds": true,
	"including": true, "excluding": true, "chapter": true, "heading": true, "subheading": true, "incl": true,
}

// irregular maps forms the suffix rules get wrong to their stem.
var irregular = map[string]string{
	"women": "woman", "men": "man", "children": "child", "knives": "knife", "wives": "wife", "leaves": "leaf",
	"feet": "foot", "teeth": "tooth", "mice": "mouse", "geese": "goose", "shelves": "shelf", "halves": "half",
	"scarves": "scarf", "wolves": "wolf", "lives": "life", "calves": "calf", "clothing": "cloth",
	"clothes": "cloth", "bedding": "bed", "glasses": "glass", "trousers": "trouser", "jeans": "jean",
	"sunglasses": "sunglass", "spectacles": "spectacle", "earrings": "earring", "ring": "ring",
	"string": "string", "bring": "bring", "spring": "spring", "sing": "sing", "thing": "thing",
	"ceiling": "ceil", "building": "build", "lighting": "light", "painting": "paint", "printing": "print",
	"dress": "dress", "dresses": "dress", "glass": "glass", "gas": "gas", "bus": "bus", "lens": "lens",
	"series": "series", "species": "species", "apparatus": "apparatus", "news": "news", "chassis": "chassis",
	"cosmetics": "cosmetic", "electronics": "electronic", "toys": "toy", "boys": "boy", "keys": "key",
}

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

func hasVowel(s string) bool {
	for i := 0; i < len(s); i++ {
		if isVowel(s[i]) || s[i] == 'y' && i > 0 {
			return true
		}
	}
	return false
}

// stem reduces an English word to a stem shared by its inflections:
// plurals, -ing and -ed, in the manner of Porter's first step. It is
// deliberately light: both the nomenclature and the titles go through it,
// so it only has to agree with itself.
func stem(w string) string {
	if s, ok := irregular[w]; ok {
		return s
	}
	if len(w) <= 3 {
		return w
	}
	switch {
	case strings.HasSuffix(w, "sses"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "ies") && len(w) > 4:
		w = w[:len(w)-3] + "y"
	case strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes") ||
		strings.HasSuffix(w, "zes"):
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "oes") && len(w) > 4:
		w = w[:len(w)-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") &&
		!strings.HasSuffix(w, "is"):
		w = w[:len(w)-1]
	}
	for _, suf := range []string{"ing", "ed"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 && hasVowel(w[:len(w)-len(suf)]) {
			w = w[:len(w)-len(suf)]
			// knitted → knitt → knit; but not "fill", "press", "buzz".
			if n := len(w); n > 2 && w[n-1] == w[n-2] && !isVowel(w[n-1]) && w[n-1] != 'l' && w[n-1] != 's' && w[n-1] != 'z' {
				w = w[:n-1]
			}
			break
		}
	}
	return w
}

// isHan reports whether r is a CJK ideograph.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

func isWordRune(r rune) bool {
	return r < unicode.MaxASCII && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
}

// words splits English text into lower-case words (letters and digits);
// everything else separates. Stop words and numbers are dropped.
func words(s string) []string {
	var out []string
	s = tshirt.Replace(strings.ToLower(s))
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return !isWordRune(r) }) {
		if stopWords[f] || isNumber(f) || len(f) < 2 {
			continue
		}
		out = append(out, f)
	}
	return out
}

func isNumber(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			// "5g", "4k" and "usb3" are words; "2pcs" ends in a unit.
			return false
		}
	}
	return true
}

// tshirt keeps "T-shirt" one word: split at the hyphen it would become
// "shirt", which is another heading.
var tshirt = strings.NewReplacer("t-shirt", "tshirt", "t shirt", "tshirt", "tee shirt", "tshirt", "tee-shirt", "tshirt")

// stems is words then stem.
func stems(s string) []string {
	ws := words(s)
	for i, w := range ws {
		ws[i] = stem(w)
	}
	return ws
}
