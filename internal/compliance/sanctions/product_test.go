package sanctions

import "testing"

func TestProductLists(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		list    string
		entries int
		source  string
	}{
		{ListFCCCovered, 10, "https://www.fcc.gov/supplychain/coveredlist"},
		{ListUFLPA, 19, "https://www.dhs.gov/uflpa-entity-list"},
		{ListEmbargoes, 3, "https://ofac.treasury.gov/sanctions-programs-and-country-information"},
	} {
		t.Run(tc.list, func(t *testing.T) {
			l, ok := ProductList(tc.list)
			if !ok {
				t.Fatal("not embedded")
			}
			if l.Entries != tc.entries || l.SourceURL != tc.source || l.PublishedAt.IsZero() {
				t.Errorf("got %d entries, source %q, published %v", l.Entries, l.SourceURL, l.PublishedAt)
			}
			for _, e := range l.Items {
				if e.List != tc.list {
					t.Errorf("%s: list %q", e.ID, e.List)
				}
			}
		})
	}
}

func TestEmbargoed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		country string
		want    bool
	}{{"CU", true}, {"IR", true}, {"KP", true}, {"SY", false}, {"US", false}, {"", false}} {
		e, v, ok := Embargoed(tc.country)
		if ok != tc.want || (ok && (e.Program == "" || v.Version == "")) {
			t.Errorf("Embargoed(%q) = %+v, %+v, %v", tc.country, e, v, ok)
		}
	}
}

func TestParseStaticRejects(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not json":         `{`,
		"no source":        `{"list":"x","version":"1"}`,
		"alias first":      `{"list":"x","version":"1","source_url":"u","entries":[{"entry_id":"1","names":[{"value":"A","strength":"weak"}]}]}`,
		"entry without id": `{"list":"x","version":"1","source_url":"u","entries":[{"names":[{"value":"A","strength":"primary"}]}]}`,
	} {
		if _, err := parseStatic([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzParseStatic feeds the product list reader arbitrary files: it must
// refuse or accept them without panicking, and what it accepts is whole.
func FuzzParseStatic(f *testing.F) {
	for _, name := range []string{"fcc_covered.json", "uflpa.json", "embargoes.json"} {
		b, err := productFS.ReadFile("product/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"list":"x","version":"1","source_url":"u","entries":[{"entry_id":"1","names":[]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := parseStatic(b)
		if err != nil {
			return
		}
		if l.List == "" || l.SourceURL == "" || l.Entries != len(l.Items)+len(l.Embargoes) {
			t.Fatalf("accepted an incomplete list: %+v", l)
		}
		for _, e := range l.Items {
			if e.List != l.List || e.ID == "" || len(e.Names) == 0 {
				t.Fatalf("accepted an incomplete entry: %+v", e)
			}
		}
	})
}
