package sanctions

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// scripts are the non-Latin scripts names are published in, by ISO 15924
// code. Han is "Hani": a list does not say whether a name is simplified
// or traditional, and many characters are both.
var scripts = []struct {
	code  string
	table *unicode.RangeTable
}{
	{"Cyrl", unicode.Cyrillic},
	{"Arab", unicode.Arabic},
	{"Hani", unicode.Han},
	{"Grek", unicode.Greek},
	{"Hebr", unicode.Hebrew},
	{"Hang", unicode.Hangul},
	{"Thai", unicode.Thai},
	{"Geor", unicode.Georgian},
	{"Armn", unicode.Armenian},
	{"Deva", unicode.Devanagari},
	{"Ethi", unicode.Ethiopic},
	{"Mymr", unicode.Myanmar},
	{"Khmr", unicode.Khmer},
	{"Jpan", unicode.Hiragana},
	{"Jpan", unicode.Katakana},
}

// Script returns the ISO 15924 code of the first non-Latin script a name
// uses, or "" for names written in Latin letters (with or without
// diacritics).
func Script(s string) string {
	for _, r := range s {
		if r < 0x250 || !unicode.IsLetter(r) {
			continue
		}
		for _, sc := range scripts {
			if unicode.Is(sc.table, r) {
				return sc.code
			}
		}
	}
	return ""
}

// names accumulates an entry's names without duplicates, applying the
// rules every list shares: a name is trimmed and its whitespace collapsed;
// an alias of a single token is weak, because "ALI" or "SAHAR" alone
// matches thousands of innocent parties; the script is detected.
type names struct {
	list []Name
	seen map[string]int
}

func (ns *names) add(value, strength string) {
	value = clean(value)
	if value == "" {
		return
	}
	script := Script(value)
	if strength != Primary && singleToken(value, script) {
		strength = Weak
	}
	key := strings.ToUpper(value)
	if ns.seen == nil {
		ns.seen = map[string]int{}
	}
	if i, ok := ns.seen[key]; ok {
		// Keep the strongest reading of a name published twice.
		if rank(strength) < rank(ns.list[i].Strength) {
			ns.list[i].Strength = strength
		}
		return
	}
	ns.seen[key] = len(ns.list)
	ns.list = append(ns.list, Name{Value: value, Strength: strength, Script: script})
}

// singleToken reports whether a name is one word. Chinese, Japanese,
// Korean, Thai, Khmer and Burmese write names without spaces, so there a
// name is one "token" only when it is a single character.
func singleToken(value, script string) bool {
	switch script {
	case "Hani", "Jpan", "Hang", "Thai", "Khmr", "Mymr":
		return utf8.RuneCountInString(strings.Join(strings.Fields(value), "")) < 2
	}
	return len(strings.Fields(value)) == 1
}

func rank(strength string) int {
	switch strength {
	case Primary:
		return 0
	case Strong:
		return 1
	}
	return 2
}

// clean trims a value and collapses runs of white space (lists wrap
// long names over lines and pad with double spaces).
func clean(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' || r == '\u00a0' }) &&
		!strings.Contains(s, "  ") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// set accumulates distinct strings in first-seen order.
type set struct {
	list []string
	seen map[string]bool
}

func (s *set) add(v string) {
	v = clean(v)
	if v == "" || s.seen[v] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[v] = true
	s.list = append(s.list, v)
}

func (s *set) country(name string) {
	if c := Country(name); c != "" {
		s.add(c)
	}
}
