package screening

import (
	"github.com/silkgate/silkgate/internal/compliance/sanctions"
	"slices"
	"testing"
	"unicode/utf8"
)

// FuzzScreen feeds arbitrary names through the analyser and the matcher:
// nothing may panic, scores stay in 0..1 and best first, and a name always
// finds itself when it is listed.
func FuzzScreen(f *testing.F) {
	for _, s := range []string{"Vladimir Putin", "ООО «Промтехнология»", "赵光宗", "Abd al-Rahman", "S.A. de C.V.",
		"  ,.;", "Ł", "a", "Mr.", "股份有限公司", "(香港)有限公司", "Abdurrahman", "x\x00y", "\xff\xfe"} {
		f.Add(s)
	}
	ix := Build(testEntries())
	f.Fuzz(func(t *testing.T, name string) {
		if len(name) > 400 {
			return
		}
		ms := ix.Screen(Query{Name: name})
		for i, m := range ms {
			if m.Score < Report || m.Score > 1 {
				t.Fatalf("%q: score %v", name, m.Score)
			}
			if i > 0 && m.Score > ms[i-1].Score {
				t.Fatalf("%q: not best first", name)
			}
		}
		_ = PartyKey(name)
		if !utf8.ValidString(name) || !slices.ContainsFunc(analyze(name), func(t token) bool { return t.class != classInitial }) {
			// Initials alone retrieve nothing, by design.
			return
		}
		self := Build(entrySet{name}.entries())
		if got := self.Screen(Query{Name: name}); len(got) == 0 || got[0].Score < Strong {
			t.Fatalf("%q does not find itself: %+v", name, got)
		}
	})
}

type entrySet []string

func (s entrySet) entries() []sanctions.Entry {
	out := make([]sanctions.Entry, len(s))
	for i, n := range s {
		out[i] = entry("test", "1", "", n)
	}
	return out
}
