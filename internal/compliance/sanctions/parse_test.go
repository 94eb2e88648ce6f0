package sanctions

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// find returns the entry with id, failing the test when absent.
func find(t *testing.T, es []Entry, id string) Entry {
	t.Helper()
	for _, e := range es {
		if e.ID == id {
			return e
		}
	}
	t.Fatalf("entry %s not found", id)
	return Entry{}
}

func hasName(e Entry, value, strength, script string) bool {
	return slices.ContainsFunc(e.Names, func(n Name) bool {
		return n.Value == value && n.Strength == strength && n.Script == script
	})
}

// TestLoadFixtures reads every fixture with format detection and checks
// what each format must yield: the list key, counts, and one or two
// entries mapped field by field.
func TestLoadFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path, format, list string
		entries            int
		version            string // "" when taken from the file's modification time
		check              func(t *testing.T, es []Entry)
	}{
		{"ofac_sdn/sdn.csv", FormatOFACSDN, ListOFACSDN, 45, "", func(t *testing.T, es []Entry) {
			e := find(t, es, "306") // BANCO NACIONAL DE CUBA: alias from alt.csv, address from add.csv
			if e.Type != Entity || !hasName(e, "BANCO NACIONAL DE CUBA", Primary, "") || !hasName(e, "NATIONAL BANK OF CUBA", Strong, "") {
				t.Errorf("306 = %+v", e)
			}
			if !slices.Contains(e.Addresses, "Zweierstrasse 35, Zurich CH-8022, Switzerland") || !slices.Contains(e.Countries, "CH") {
				t.Errorf("306 addresses %v countries %v", e.Addresses, e.Countries)
			}
			p := find(t, es, "2674")
			if p.Type != Person || !slices.Equal(p.BirthDates, []string{"1948-12-10"}) || !slices.Equal(p.Programs, []string{"SDGT"}) {
				t.Errorf("2674 = %+v", p)
			}
			v := find(t, es, "4243")
			if v.Type != Vessel || !slices.Contains(v.IDs, "Call Sign P3QG3") {
				t.Errorf("4243 = %+v", v)
			}
			// sdn_comments.csv continues the remarks of 12300.
			c := find(t, es, "12300")
			if !strings.Contains(c.Remarks, "Linked To: RED MUNDIAL INMOBILIARIA") {
				t.Errorf("12300 remarks not continued: %q", c.Remarks)
			}
			if !slices.ContainsFunc(es, func(e Entry) bool { return e.Type == Aircraft }) {
				t.Error("no aircraft")
			}
		}},
		{"ofac_sdn_2024/sdn.csv", FormatOFACSDN, ListOFACSDN, 38, "", func(t *testing.T, es []Entry) {
			// No alt.csv: aliases come from the remarks.
			e := find(t, es, "306")
			if !hasName(e, "BNC", Weak, "") {
				t.Errorf("306 names = %+v", e.Names)
			}
			p := find(t, es, "18530")
			if !hasName(p, "SULEIMAN, Salih", Strong, "") || !hasName(p, "MUHAMMAD, Abu", Strong, "") ||
				!slices.Contains(p.IDs, "Passport 2525897") {
				t.Errorf("18530 = %+v", p)
			}
			v := find(t, es, "4243")
			if !hasName(v, "ANA I", Strong, "") || !slices.Contains(v.IDs, "IMO 7406784") {
				t.Errorf("4243 = %+v", v)
			}
		}},
		{"ofac_cons/cons_prim.csv", FormatOFACCons, ListOFACCons, 26, "", func(t *testing.T, es []Entry) {
			e := find(t, es, "9639")
			if e.Type != Person || !hasName(e, "HANIYA, Ismail", Strong, "") || !slices.Equal(e.Programs, []string{"NS-PLC"}) {
				t.Errorf("9639 = %+v", e)
			}
			if c := find(t, es, "17016"); !strings.Contains(c.Remarks, "Tax ID No. 7744001497") || !slices.Contains(c.IDs, "Tax ID No. 7744001497") {
				t.Errorf("17016 = %+v", c)
			}
		}},
		{"csl/consolidated.csv", FormatCSL, ListCSL, 53, "", checkCSL},
		{"csl/consolidated.csv.gz", FormatCSL, ListCSL, 53, "", checkCSL},
		{"un/UN_consolidated.xml", FormatUN, ListUN, 30, "2026-02-27T00:00:09.554Z", func(t *testing.T, es []Entry) {
			e := find(t, es, "6907993")
			if e.Type != Person || e.Names[0].Value != "ERIC BADEGE" || !slices.Equal(e.BirthDates, []string{"1971"}) ||
				!slices.Contains(e.Countries, "CD") || !slices.Contains(e.IDs, "UN CDi.001") || e.ListedOn.Format("2006-01-02") != "2012-12-31" {
				t.Errorf("6907993 = %+v", e)
			}
			var low, arab bool
			for _, e := range es {
				for _, n := range e.Names {
					low = low || n.Strength == Weak
					arab = arab || n.Script == "Arab"
				}
			}
			if !low || !arab {
				t.Errorf("weak alias %v, Arabic name %v", low, arab)
			}
			if ent := find(t, es, "6908605"); ent.Type != Entity || !hasName(ent, "سلسلة الذهب للصرافة", Strong, "Arab") {
				t.Errorf("6908605 = %+v", ent)
			}
		}},
		{"eu/eu_fsf_entities.jsonl", FormatEUJSONL, ListEU, 27, "2025-09-29T00:00:00Z", checkEU},
		{"eu/eu_fsf.xml", FormatEUXML, ListEU, 10, "2026-05-01T09:12:44.411+02:00", checkEU},
		{"eu/eu_fsf.csv", FormatEUCSV, ListEU, 10, "2026-05-01T00:00:00Z", checkEU},
		{"uk/uk_sanctions_list_entities.jsonl", FormatUKJSONL, ListUK, 29, "2026-08-04T00:00:00Z", func(t *testing.T, es []Entry) {
			checkUK(t, es)
			// Low quality aliases are weak.
			if !slices.ContainsFunc(es, func(e Entry) bool {
				return slices.ContainsFunc(e.Names, func(n Name) bool { return n.Strength == Weak && len(strings.Fields(n.Value)) > 1 })
			}) {
				t.Error("no multi-word weak alias")
			}
		}},
		{"uk/UK-Sanctions-List.xml", FormatUKXML, ListUK, 10, "2026-08-22T00:00:00Z", func(t *testing.T, es []Entry) {
			checkUK(t, es)
			if e := find(t, es, "AFG0001"); !slices.Contains(e.Countries, "AE") || len(e.Addresses) < 2 {
				t.Errorf("AFG0001 addresses %v", e.Addresses)
			}
			if p := find(t, es, "AFG0006"); !slices.Equal(p.BirthDates, []string{"1970", "1971-03-14"}) || !slices.Contains(p.Countries, "RU") {
				t.Errorf("AFG0006 = %+v", p)
			}
			if s := find(t, es, "DPR0076"); s.Type != Vessel || !slices.Equal(s.IDs, []string{"IMO 9000076"}) || !slices.Contains(s.Countries, "CM") {
				t.Errorf("DPR0076 = %+v", s)
			}
		}},
		{"uk/UK-Sanctions-List.csv", FormatUKCSV, ListUK, 10, "2026-08-22T00:00:00Z", func(t *testing.T, es []Entry) {
			checkUK(t, es)
			if p := find(t, es, "AFG0006"); !slices.Equal(p.BirthDates, []string{"1970", "1971-03-14"}) || !slices.Contains(p.Countries, "RU") {
				t.Errorf("AFG0006 = %+v", p)
			}
			if s := find(t, es, "DPR0076"); s.Type != Vessel || !slices.Equal(s.IDs, []string{"IMO 9000076"}) {
				t.Errorf("DPR0076 = %+v", s)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			for _, format := range []string{"", tt.format} { // detected, then given
				v, es, err := Load("testdata/"+tt.path, format)
				if err != nil {
					t.Fatalf("format %q: %v", format, err)
				}
				if v.List != tt.list || v.Entries != tt.entries || len(es) != tt.entries || v.Format != tt.format {
					t.Fatalf("format %q: version %+v with %d entries, want %s %d", format, v, len(es), tt.list, tt.entries)
				}
				if tt.version != "" && v.Version != tt.version {
					t.Errorf("version %q, want %q", v.Version, tt.version)
				}
				if v.PublishedAt.IsZero() || v.Version == "" {
					t.Errorf("undated version %+v", v)
				}
				for _, e := range es {
					if e.List != tt.list || e.ID == "" || len(e.Names) == 0 || e.Names[0].Strength != Primary {
						t.Fatalf("bad entry %+v", e)
					}
					for _, c := range e.Countries {
						if len(c) != 2 || strings.ToUpper(c) != c {
							t.Fatalf("%s: country %q is not ISO alpha-2", e.ID, c)
						}
					}
					for _, n := range e.Names[1:] {
						if n.Strength == Primary {
							t.Fatalf("%s: two primary names", e.ID)
						}
						if n.Strength != Weak && singleToken(n.Value, n.Script) {
							t.Fatalf("%s: single-token alias %q is not weak", e.ID, n.Value)
						}
					}
				}
				tt.check(t, es)
			}
		})
	}
}

func checkCSL(t *testing.T, es []Entry) {
	t.Helper()
	e := find(t, es, "22554")
	if e.Source != "Specially Designated Nationals (SDN) - Treasury Department" || e.Type != Entity ||
		!hasName(e, "HOLDING SECURITY STRUCTURE WOLF", Strong, "") || !slices.Contains(e.IDs, "Tax ID No. 7736640919") ||
		!slices.Contains(e.Countries, "RU") || len(e.Addresses) != 2 {
		t.Errorf("22554 = %+v", e)
	}
	// The same Treasury party on two sub-lists: the second row is told
	// apart by its sub-list.
	a, b := find(t, es, "34616"), find(t, es, "34616/SDN")
	if a.Source == b.Source || a.Names[0].Value != b.Names[0].Value {
		t.Errorf("34616 rows: %q / %q", a.Source, b.Source)
	}
	el := 0
	for _, e := range es {
		if strings.HasPrefix(e.Source, "Entity List (EL)") {
			el++
			if len(e.ID) != 40 {
				t.Errorf("Entity List id %q is not the 40-hex _id", e.ID)
			}
		}
	}
	if el == 0 {
		t.Error("no Entity List rows")
	}
	if p := find(t, es, "21944"); p.Type != Person || !slices.Equal(p.BirthDates, []string{"1973-03-25"}) || !slices.Contains(p.Countries, "SY") {
		t.Errorf("21944 = %+v", p)
	}
}

func checkEU(t *testing.T, es []Entry) {
	t.Helper()
	e := find(t, es, "201")
	if e.Type != Entity || e.Names[0].Value != "Organización Revolucionaria de los Musulmanes Socialistas" ||
		!hasName(e, "Черен септември", Strong, "Cyrl") || !slices.Contains(e.Programs, "TERR") {
		t.Errorf("201 = %+v", e)
	}
	var cyrl bool
	for _, e := range es {
		if e.Names[0].Script != "" {
			t.Errorf("%s: primary name %q not in Latin script", e.ID, e.Names[0].Value)
		}
		cyrl = cyrl || slices.ContainsFunc(e.Names, func(n Name) bool { return n.Script == "Cyrl" })
	}
	if !cyrl {
		t.Error("no Cyrillic alias")
	}
}

func checkUK(t *testing.T, es []Entry) {
	t.Helper()
	e := find(t, es, "AFG0001")
	if e.Type != Entity || e.Names[0].Value != "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE" ||
		!hasName(e, "حاجی خيرالله و حاجی ستار صرافی", Strong, "Arab") || !slices.Contains(e.Countries, "AF") ||
		e.ListedOn.Format("2006-01-02") != "2012-06-29" {
		t.Errorf("AFG0001 = %+v", e)
	}
	if p := find(t, es, "AFG0006"); p.Type != Person || p.Names[0].Value != "MOHAMMAD HASSAN AKHUND" {
		t.Errorf("AFG0006 = %+v", p)
	}
}

// TestVersionHash checks that the digest is of the file as stored
// (compressed or not), companions included for OFAC.
func TestVersionHash(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"un/UN_consolidated.xml", "csl/consolidated.csv.gz"} {
		b, err := os.ReadFile("testdata/" + path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		v, _, err := Load("testdata/"+path, "")
		if err != nil {
			t.Fatal(err)
		}
		if v.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: sha256 %s, want %s", path, v.SHA256, hex.EncodeToString(sum[:]))
		}
	}
	// The same sdn.csv with and without its companions hashes differently.
	withAlt, _, _ := Load("testdata/ofac_sdn/sdn.csv", "")
	b, _ := os.ReadFile("testdata/ofac_sdn/sdn.csv")
	alone, _, err := Load(writeTemp(t, "sdn.csv", b), "")
	if err != nil {
		t.Fatal(err)
	}
	if withAlt.SHA256 == alone.SHA256 {
		t.Error("companion files do not change the digest")
	}
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMalformed checks that a broken file is refused as a whole, naming
// where it broke.
func TestMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, format, content string
		where                       string // expected in the error
	}{
		{"ofac columns", "sdn.csv", "", "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n173,\"ANGLO\",-0- \r\n\x1a", "line 2"},
		{"ofac ent_num", "sdn.csv", "", "36,\"A B\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\nX1,\"A B\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "line 2"},
		{"ofac quote", "sdn.csv", FormatOFACSDN, "36,\"A B,-0- ,\"CUBA\"\r\n", "line 1"},
		{"ofac type", "sdn.csv", "", "36,\"A B\",\"spaceship\",\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "line 1"},
		{"ofac duplicate", "sdn.csv", "", "36,\"A B\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n36,\"A C\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n", "line 2 (id 36)"},
		{"ofac empty", "sdn.csv", FormatOFACSDN, "\x1a", "file"},
		{"csl no name", "consolidated.csv", "", "_id,source,name,type\nabc,Entity List (EL),,\n", "line 2 (id abc)"},
		{"csl header", "consolidated.csv", FormatCSL, "id,name\n1,x\n", "line 1"},
		{"un syntax", "un.xml", "", "<CONSOLIDATED_LIST dateGenerated=\"2026-01-01T00:00:00Z\"><INDIVIDUALS>\n<INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>A</FIRST_NAME>\n</INDIVIDUALS>", "line 3"},
		{"un no name", "un.xml", "", "<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><DATAID>77</DATAID></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>", "record 77"},
		{"un wrong root", "un.xml", FormatUN, "<OTHER><INDIVIDUAL><DATAID>1</DATAID></INDIVIDUAL></OTHER>", "line 1"},
		{"eu jsonl syntax", "eu.jsonl", "", "{\"logical_id\": 1, \"subject_type\": \"person\", \"names\": [{\"whole_name\": \"A B\"}]}\n{\"logical_id\": 2, \"names\": [\n", "line 2"},
		{"eu jsonl type", "eu.jsonl", "", "{\"logical_id\": 5, \"subject_type\": \"ghost\", \"names\": [{\"whole_name\": \"A B\"}]}\n", "line 1 (record 5)"},
		{"eu xml no id", "eu.xml", "", "<export xmlns=\"http://eu.europa.ec/fpi/fsd/export\"><sanctionEntity><nameAlias wholeName=\"A B\"/></sanctionEntity></export>", "line 1"},
		{"eu csv no id", "eu.csv", "", "fileGenerationDate;Entity_LogicalId;NameAlias_WholeName\n01/05/2026;;A B\n", "line 2"},
		{"uk jsonl syntax", "uk.jsonl", "", "{\"unique_id\": \"X1\", \"type\": \"Entity\", \"names\": [{\"full_name\": \"A B\", \"name_type\": \"Primary Name\"}]}\nnot json\n", "line 2"},
		{"uk xml type", "uk.xml", "", "<Designations><Designation><UniqueID>RUS1</UniqueID><IndividualEntityShip>Planet</IndividualEntityShip><Names><Name><Name6>A B</Name6><NameType>Primary Name</NameType></Name></Names></Designation></Designations>", "record RUS1"},
		{"uk csv no id", "uk.csv", "", "Report Date: 22/08/2026\nLast Updated,Unique ID,Name 6,Name type,Designation Type\n01/01/2026,,A B,Primary Name,Entity\n", "line 3"},
		{"gzip broken", "x.csv.gz", FormatCSL, "\x1f\x8b\x08\x00garbage", "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fsys := fstest.MapFS{tt.file: {Data: []byte(tt.content)}}
			n := 0
			_, err := Stream(fsys, tt.file, tt.format, func(Entry) error { n++; return nil })
			pe, ok := problem.As(err)
			if !ok || pe.Code != "sanctions_list_malformed" || pe.Status != 422 {
				t.Fatalf("err = %v, want sanctions_list_malformed", err)
			}
			if !strings.Contains(pe.Err.Error(), tt.where) {
				t.Errorf("err %q does not name %q", pe.Err, tt.where)
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ content, format string }{{"hello, world\n", ""}, {"{\"x\": 1}\n", ""}, {"<html/>", ""}, {"a", "pdf"}} {
		_, err := Stream(fstest.MapFS{"f": {Data: []byte(tt.content)}}, "f", tt.format, func(Entry) error { return nil })
		if !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("%q: err = %v", tt.content, err)
		}
	}
}

// TestCallbackError checks that the callback's own error comes back
// untouched and stops the parse.
func TestCallbackError(t *testing.T) {
	t.Parallel()
	stop := errors.New("enough")
	n := 0
	_, err := Stream(os.DirFS("testdata/un"), "UN_consolidated.xml", "", func(Entry) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Errorf("err = %v after %d entries", err, n)
	}
}

func TestHelpers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"10 Dec 1948": "1948-12-10", "Dec 1948": "1948-12", "circa 1975": "1975",
		"1960 to 1962": "1960/1962", "01 Jan 1960 to 31 Dec 1962": "1960-01-01/1962-12-31", "nonsense": ""} {
		if got := ofacDate(in); got != want {
			t.Errorf("ofacDate(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"14/03/1971": "1971-03-14", "00/00/1970": "1970", "00/05/1970": "1970-05", "x": ""} {
		if got := ukDate(in); got != want {
			t.Errorf("ukDate(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Iran (Islamic Republic of)": "IR", "Russia": "RU", "RUSSIAN FEDERATION": "RU",
		"Côte d’Ivoire": "CI", "Korea, North": "KP", "China": "CN", "cn": "CN", "Türkiye": "TR", "Atlantis": "", "00": ""} {
		if got := Country(in); got != want {
			t.Errorf("Country(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Ivan Petrov": "", "Иван Петров": "Cyrl", "华为技术有限公司": "Hani",
		"محمد": "Arab", "Ελλάδα": "Grek", "Müller Café": ""} {
		if got := Script(in); got != want {
			t.Errorf("Script(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseMaxAge(t *testing.T) {
	t.Parallel()
	got, err := ParseMaxAge(" us_ofac_sdn=48h, eu_fsf=14d,default=10d ")
	if err != nil || got[ListOFACSDN] != 48*time.Hour || got[ListEU] != 14*24*time.Hour || got["default"] != 240*time.Hour {
		t.Fatalf("%v %v", got, err)
	}
	s := &Service{ages: got}
	if s.MaxAge(ListUN) != 240*time.Hour || s.MaxAge(ListOFACSDN) != 48*time.Hour {
		t.Errorf("MaxAge")
	}
	for _, bad := range []string{"nolist=1h", "un=", "un=-1h", "un=xd", "un"} {
		if _, err := ParseMaxAge(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if m, err := ParseMaxAge(""); err != nil || len(m) != 0 {
		t.Errorf("empty: %v %v", m, err)
	}
}

// TestByteOrderMark: a CSV saved by a spreadsheet starts with a BOM.
func TestByteOrderMark(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/uk/UK-Sanctions-List.csv")
	if err != nil {
		t.Fatal(err)
	}
	v, es, err := Load(writeTemp(t, "UK-Sanctions-List.csv", append([]byte("\xef\xbb\xbf"), b...)), "")
	if err != nil || v.List != ListUK || len(es) != 10 || v.Version != "2026-08-22T00:00:00Z" {
		t.Fatalf("%+v %d %v", v, len(es), err)
	}
}

func TestOFACRemarks(t *testing.T) {
	t.Parallel()
	var ns names
	ns.add("AL RAHMAN, Umar", Primary)
	var countries, ids, dobs set
	ofacRemarks("DOB 03 May 1938; alt. DOB circa 1940; POB Egypt; nationality Egypt; a.k.a. 'ISLAMIC GAMA'AT AL-JIHAD'; "+
		"weak a.k.a. 'ABU MUHAMMAD'; f.k.a. 'OLD NAME CO'; Passport 1084010 (Egypt); Vessel Registration Identification IMO 7406784; "+
		"Digital Currency Address - XBT 1AbC; Linked To: SOMEONE.", true, &ns, &countries, &ids, &dobs)
	want := []Name{{"AL RAHMAN, Umar", Primary, ""}, {"ISLAMIC GAMA'AT AL-JIHAD", Strong, ""}, {"ABU MUHAMMAD", Weak, ""}, {"OLD NAME CO", Strong, ""}}
	if !slices.Equal(ns.list, want) {
		t.Errorf("names %+v", ns.list)
	}
	if !slices.Equal(dobs.list, []string{"1938-05-03", "1940"}) || !slices.Equal(countries.list, []string{"EG"}) ||
		!slices.Equal(ids.list, []string{"Passport 1084010", "IMO 7406784", "Digital Currency Address - XBT 1AbC"}) {
		t.Errorf("dobs %v countries %v ids %v", dobs.list, countries.list, ids.list)
	}
}

func TestSingleTokenAliases(t *testing.T) {
	t.Parallel()
	var ns names
	for _, v := range []string{"HUAWEI TECHNOLOGIES CO., LTD.", "HUAWEI", "华为技术有限公司", "华", "김정은", "  Ali  "} {
		ns.add(v, Strong)
	}
	want := []string{Strong, Weak, Strong, Weak, Strong, Weak}
	for i, n := range ns.list {
		if n.Strength != want[i] {
			t.Errorf("%q: %s, want %s", n.Value, n.Strength, want[i])
		}
	}
	if ns.list[5].Value != "Ali" {
		t.Errorf("not trimmed: %q", ns.list[5].Value)
	}
}
