package sanctions

import (
	"testing"
	"testing/fstest"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// TestProductListImport reads both transcription shapes of the product
// lists, and rejects what would put a wrong list in force.
func TestProductListImport(t *testing.T) {
	embedded, err := productFS.ReadFile("product/fcc_covered.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, format, data string
		list, version      string
		entries            int
		fail               string // the located part of the error
	}{
		{name: "embedded snapshot, detected", data: string(embedded), list: ListFCCCovered, version: "2022-09-20",
			entries: len(mustList(t, ListFCCCovered).Items)},
		{name: "csv", format: FormatUFLPA, list: ListUFLPA, version: "2026-05-01", entries: 2,
			data: "# version: 2026-05-01\nentry_id,name,aliases,countries,listed_on\n" +
				"U-1,Xinjiang Production and Construction Corps,XPCC;新疆生产建设兵团,cn,2022-06-21\n" +
				",Example Cotton Company,,CN,\n"},
		{name: "csv without name column", format: FormatUFLPA, data: "entry_id,title\n1,x\n", fail: "header"},
		{name: "csv bad date", format: FormatUFLPA, data: "name,listed_on\nA Co,21/06/2022\n", fail: "line 2 listed_on"},
		{name: "csv bad version", format: FormatFCCCovered, data: "# version: soon\nname\nA Co\n", fail: "version"},
		{name: "json of the other list", format: FormatUFLPA, data: string(embedded), fail: "list"},
		{name: "json with an unnamed entry", format: FormatFCCCovered,
			data: `{"list":"us_fcc_covered","version":"x","entries":[{"entry_id":"1","type":"entity","names":[{"value":" ","strength":"primary"}]}]}`,
			fail: "entries[0] (id 1)"},
		{name: "no entries", format: FormatFCCCovered, data: "name\n", fail: "file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			v, err := Stream(fstest.MapFS{"list": {Data: []byte(tc.data)}}, "list", tc.format, func(e Entry) error {
				if e.List != tc.list || e.Type != Entity || e.Names[0].Strength != Primary {
					t.Errorf("entry %+v", e)
				}
				n++
				return nil
			})
			if tc.fail != "" {
				pe, ok := problem.As(err)
				if !ok || pe.Code != "sanctions_list_malformed" || len(pe.Params) < 4 || pe.Params[3] != tc.fail {
					t.Fatalf("error %#v, want malformed at %q", err, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if v.List != tc.list || v.Version != tc.version || v.Entries != tc.entries || n != tc.entries {
				t.Errorf("version %+v, %d entries", v, n)
			}
		})
	}
}

func mustList(t *testing.T, list string) StaticList {
	t.Helper()
	l, ok := ProductList(list)
	if !ok {
		t.Fatalf("no embedded %s", list)
	}
	return l
}
