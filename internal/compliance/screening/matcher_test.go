package screening

import (
	"slices"
	"testing"

	"github.com/silkgate/silkgate/internal/compliance/sanctions"
)

func entry(list, id, typ string, names ...string) sanctions.Entry {
	e := sanctions.Entry{List: list, ID: id, Type: typ}
	for i, n := range names {
		st := sanctions.Strong
		if i == 0 {
			st = sanctions.Primary
		}
		if len(n) > 2 && n[:2] == "~ " {
			n, st = n[2:], sanctions.Weak
		}
		e.Names = append(e.Names, sanctions.Name{Value: n, Strength: st, Script: sanctions.Script(n)})
	}
	return e
}

// testEntries is a small list with the shapes the real lists have.
func testEntries() []sanctions.Entry {
	es := []sanctions.Entry{
		entry("us_ofac_sdn", "1", "person", "PUTIN, Vladimir Vladimirovich", "Владимир Владимирович Путин"),
		entry("un", "2", "person", "Mohammed Ali Hassan Al-Qahtani"),
		entry("us_ofac_sdn", "3", "person", "KHODORKOVSKIY, Mikhail Borisovich"),
		entry("uk", "CYB0045", "person", "Guangzong ZHAO", "赵光宗"),
		entry("uk", "CYB0114", "entity", "Sichuan Anxun Information Technology Co., Ltd.", "四川安洵信息技术有限公司"),
		entry("eu_fsf", "10", "entity", "OOO Promtekhnologiya", "ООО Промтехнология", "~ PROMTEKH"),
		entry("us_ofac_sdn", "4", "person", "ABD AL-RAHMAN, Yusuf"),
		entry("us_csl", "5", "entity", "Rosoboronexport JSC", "~ ROE"),
		entry("un", "6", "person", "Ali Hassan", "~ Abu Ali"),
		entry("us_ofac_sdn", "7", "person", "SHCHERBAKOV, Yuriy Dmitrievich"),
		entry("us_ofac_sdn", "8", "person", "HUSSEIN, Saddam"),
		entry("uk", "9", "entity", "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE"),
		entry("us_ofac_sdn", "11", "person", "BUSH, Omar Habash"),
	}
	// Filler so that rarity means something: common given names appear on
	// many entries.
	for i, n := range []string{"Mohammed Karim", "Mohammed Salem", "Ali Reza Mohammadi", "Hassan Rouhani Trading",
		"Vladimir Ivanov", "Mikhail Petrov", "Li Wei", "Zhang Wei", "Wang Fang Trading Co", "Global Trading LLC",
		"Mohamed Abdullah", "Muhammad Yusuf", "Hassan Ali", "Ivan Ivanovich Sidorov"} {
		es = append(es, entry("un", "f"+string(rune('a'+i)), "person", n))
	}
	return es
}

func TestScreen(t *testing.T) {
	t.Parallel()
	ix := Build(testEntries())
	tests := []struct {
		name    string
		q       Query
		wantID  string  // "" when no match at Potential is expected
		min     float64 // the wanted entry's least score
		matched string  // the name that should have matched, when it matters
	}{
		{"exact", Query{Name: "Vladimir Vladimirovich Putin"}, "1", Strong, ""},
		{"reordered", Query{Name: "Putin Vladimir Vladimirovich"}, "1", Strong, ""},
		{"dropped middle", Query{Name: "Vladimir Putin"}, "1", Potential, ""},
		{"initials", Query{Name: "V. V. Putin"}, "1", Potential, ""},
		{"cyrillic", Query{Name: "Владимир Путин"}, "1", Potential, ""},
		{"honorific", Query{Name: "Mr. Vladimir V. Putin"}, "1", Potential, ""},
		{"typo", Query{Name: "Vladimir Vladimirovich Putim"}, "1", Potential, ""},
		{"diacritics", Query{Name: "Vladímír Vladímírovič Pútin"}, "1", Strong, ""},
		{"kh/h", Query{Name: "Mihail Borisovich Hodorkovsky"}, "3", Potential, ""},
		{"transliteration", Query{Name: "Michail Chodorkowski"}, "3", Potential, ""},
		{"shch/sch", Query{Name: "Yuri Scherbakov"}, "7", Potential, ""},
		{"iu/yu", Query{Name: "Iurii Dmitriyevich Shcherbakov"}, "7", Potential, ""},
		{"arabic variants", Query{Name: "Muhammad Ali Hasan el-Qahtani"}, "2", Potential, ""},
		{"abdul", Query{Name: "Yusuf Abdulrahman"}, "4", Potential, ""},
		{"abd al", Query{Name: "Yousef Abdul Rahman"}, "4", Potential, ""},
		{"han person", Query{Name: "赵光宗"}, "CYB0045", Strong, ""},
		{"han person to latin", Query{Name: "Zhao Guangzong"}, "CYB0045", Strong, ""},
		{"han company without suffix", Query{Name: "四川安洵信息技术"}, "CYB0114", Strong, ""},
		{"company legal form", Query{Name: "Sichuan Anxun Information Technology Limited"}, "CYB0114", Strong, ""},
		{"legal form cyrillic", Query{Name: "Promtekhnologiya LLC"}, "10", Strong, ""},
		{"legal prefix", Query{Name: "ООО «Промтехнология»"}, "10", Strong, ""},
		{"hussein", Query{Name: "Saddam Husayn"}, "8", Potential, ""},
		{"entity JSC", Query{Name: "Rosoboronexport"}, "5", Strong, ""},
		{"honorifics dropped", Query{Name: "Khairullah Sattar Money Exchange"}, "9", Potential, ""},
		// Negatives: shared common tokens must not reach a review.
		{"common token company", Query{Name: "Mohammed Ali Trading"}, "", 0, ""},
		{"common token below report", Query{Name: "Mohammed Ali Trading"}, "", 0, ""},
		{"george bush", Query{Name: "George Bush"}, "", 0, ""},
		{"other zhao", Query{Name: "Zhao Wei"}, "", 0, ""},
		{"weak alias alone", Query{Name: "ROE"}, "", 0, ""},
		{"weak alias abu ali", Query{Name: "Abu Ali"}, "", 0, ""},
		{"different surname", Query{Name: "Vladimir Petrovich Sidorov"}, "", 0, ""},
		{"surname only", Query{Name: "Putin"}, "", 0, ""},
		{"type narrows", Query{Name: "Vladimir Vladimirovich Putin", Type: "vessel"}, "", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ms := ix.Screen(tc.q)
			if tc.wantID == "" {
				for _, m := range ms {
					if m.Score >= Potential {
						t.Errorf("%q: unexpected potential match %+v", tc.q.Name, m)
					}
				}
				return
			}
			i := slices.IndexFunc(ms, func(m Match) bool { return m.EntryID == tc.wantID })
			if i < 0 {
				t.Fatalf("%q: entry %s not found; got %+v", tc.q.Name, tc.wantID, ms)
			}
			if ms[i].Score < tc.min {
				t.Errorf("%q: score %.3f < %.2f (matched %q)", tc.q.Name, ms[i].Score, tc.min, ms[i].MatchedName)
			}
			if i != 0 {
				t.Errorf("%q: entry %s ranked %d; first %+v", tc.q.Name, tc.wantID, i, ms[0])
			}
			if tc.matched != "" && ms[i].MatchedName != tc.matched {
				t.Errorf("matched %q, want %q", ms[i].MatchedName, tc.matched)
			}
		})
	}
}

func TestScreenResultShape(t *testing.T) {
	t.Parallel()
	ix := Build(testEntries())
	ms := ix.Screen(Query{Name: "Путин Владимир Владимирович", Type: "person"})
	if len(ms) == 0 {
		t.Fatal("no match")
	}
	m := ms[0]
	if m.List != "us_ofac_sdn" || m.EntryID != "1" || m.Name != "PUTIN, Vladimir Vladimirovich" ||
		m.MatchedName != "Владимир Владимирович Путин" || m.Strength != sanctions.Strong || m.Score != 1 {
		t.Errorf("got %+v", m)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Score > ms[i-1].Score {
			t.Errorf("not best first: %+v", ms)
		}
		if ms[i].Score < Report {
			t.Errorf("below report threshold: %+v", ms[i])
		}
	}
	if got := ix.Screen(Query{Name: "  ,.;"}); len(got) != 0 {
		t.Errorf("punctuation only: %+v", got)
	}
}

func TestSkeleton(t *testing.T) {
	t.Parallel()
	groups := [][]string{
		{"mohammed", "muhammad", "mohamad", "mohamed", "muhammed"},
		{"dmitriy", "dmitrii", "dmitry", "dmitri"},
		{"yuri", "iouri", "jurij", "yuriy", "iurii"},
		{"khodorkovsky", "hodorkovskiy", "khodorkovskiy"},
		{"shcherbakov", "scherbakov", "sherbakov"},
		{"ivanov", "ivanoff", "iwanow"},
		{"hussein", "husayn", "hussain", "husein"},
	}
	for _, g := range groups {
		want := skeleton(g[0])
		for _, w := range g[1:] {
			if got := skeleton(w); got != want {
				t.Errorf("skeleton(%q) = %q, skeleton(%q) = %q", w, got, g[0], want)
			}
		}
	}
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Mr. Vladimir V. Putin", "vladimir v putin"},
		{"ООО «Промтехнология»", "promtekhnologiya"},
		{"Acme Trading Co., Ltd.", "acme trading"},
		{"Banco Nacional S.A.", "banco national"},
		{"Abd al-Rahman", "abd al rahman"},
		{"Abdulrahman", "abd rahman"},
		{"Sheikh Haji Mohammed", "mohammed"},
		{"Zoë Ødegård-Łukasz", "zoe odegard lukasz"},
		{"赵光宗", "zhao guangzong"},
		{"四川安洵信息技术有限公司", "si chuan an 洵 xin xi ji shu"},
		{"Limited", "limited"},
	}
	for _, tc := range tests {
		var got []string
		for _, tk := range analyze(tc.in) {
			got = append(got, tk.raw)
		}
		if g := join(got); g != tc.want {
			t.Errorf("analyze(%q) = %q, want %q", tc.in, g, tc.want)
		}
	}
}

func join(s []string) string {
	out := ""
	for i, w := range s {
		if i > 0 {
			out += " "
		}
		out += w
	}
	return out
}

func TestDamerau(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "abc", 0}, {"abc", "acb", 1}, {"putin", "putim", 1}, {"kitten", "sitting", 3}, {"", "ab", 2}} {
		if got := damerau(tc.a, tc.b); got != tc.d {
			t.Errorf("damerau(%q,%q) = %d, want %d", tc.a, tc.b, got, tc.d)
		}
	}
}
