package sanctions

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The product lists change a few times a year and neither publisher
// offers a machine-readable file, so a compliance officer transcribes a
// revision into one of two documented shapes and imports it like any
// other list; until then the snapshot embedded in product/ is in force.
//
//   - JSON: the shape of the embedded snapshots (list, version,
//     published_at, entries with entry_id, type, names, countries).
//   - CSV: a header row with entry_id, name, aliases (separated by ';'),
//     countries (';'), programs (';'), listed_on (YYYY-MM-DD), and a
//     "# version: <date>" comment line before it for the revision date.
const (
	FormatFCCCovered = "fcc_covered" // FCC Covered List, JSON or CSV transcription
	FormatUFLPA      = "uflpa"       // UFLPA Entity List, JSON or CSV transcription
)

// IsProductList reports whether list is read by product rules rather
// than by party screening: buying from a company on the FCC Covered List
// is lawful, selling its radios in the United States is not.
func IsProductList(list string) bool { return list == ListFCCCovered || list == ListUFLPA }

// maxProductJSON bounds a JSON transcription, which is read whole.
const maxProductJSON = 16 << 20

func (p *parse) product(r *bufio.Reader) error {
	head, _ := r.Peek(512)
	if bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n"), []byte("{")) {
		return p.productJSON(r)
	}
	return p.productCSV(r)
}

func (p *parse) productJSON(r io.Reader) error {
	b, err := io.ReadAll(io.LimitReader(r, maxProductJSON+1))
	if err != nil {
		return p.failErr("file", err)
	}
	if len(b) > maxProductJSON {
		return p.fail("file", "too_large")
	}
	var doc struct {
		List        string    `json:"list"`
		Version     string    `json:"version"`
		PublishedAt time.Time `json:"published_at"`
		Entries     []Entry   `json:"entries"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return malformed(p.format, "file", "bad_json", err)
	}
	if doc.List != "" && doc.List != p.list {
		return p.fail("list", "wrong_list")
	}
	p.version, p.published = doc.Version, doc.PublishedAt.UTC()
	for i, e := range doc.Entries {
		names := e.Names[:0]
		for _, n := range e.Names {
			if n.Value = strings.TrimSpace(n.Value); n.Value == "" {
				continue
			}
			if n.Script == "" {
				n.Script = Script(n.Value)
			}
			names = append(names, n)
		}
		e.Names = names
		if err := p.emit(e, fmt.Sprintf("entries[%d]", i)); err != nil {
			return err
		}
	}
	return nil
}

func (p *parse) productCSV(r *bufio.Reader) error {
	// Comment lines before the header carry the revision date.
	for {
		b, _ := r.Peek(1)
		if len(b) == 0 || b[0] != '#' {
			break
		}
		line, err := r.ReadString('\n')
		if k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":"); ok &&
			strings.EqualFold(strings.TrimSpace(k), "version") {
			v = strings.TrimSpace(v)
			t, perr := time.Parse(time.DateOnly, v)
			if perr != nil {
				return p.fail("version", "bad_date")
			}
			p.version, p.published = v, t
		}
		if err != nil {
			break
		}
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		return p.fail("header", "missing_header")
	}
	h := newHeader(rec)
	if _, ok := h["name"]; !ok {
		return p.fail("header", "missing_column_name")
	}
	split := func(s string) []string {
		var out []string
		for v := range strings.SplitSeq(s, ";") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		where := fmt.Sprintf("line %d", row)
		if err != nil {
			return p.failErr(where, err)
		}
		name := h.get(rec, "name")
		if name == "" {
			continue
		}
		e := Entry{ID: h.get(rec, "entry_id"), Type: Entity, Programs: split(h.get(rec, "programs")),
			Names: []Name{{Value: name, Strength: Primary, Script: Script(name)}}}
		if e.ID == "" {
			e.ID = fmt.Sprintf("%s-%d", strings.ToUpper(p.format), row-1)
		}
		for _, a := range split(h.get(rec, "aliases")) {
			e.Names = append(e.Names, Name{Value: a, Strength: Strong, Script: Script(a)})
		}
		for _, c := range split(h.get(rec, "countries")) {
			e.Countries = append(e.Countries, strings.ToUpper(c))
		}
		if v := h.get(rec, "listed_on"); v != "" {
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return p.fail(where+" listed_on", "bad_date")
			}
			e.ListedOn = t
		}
		if err := p.emit(e, where); err != nil {
			return err
		}
	}
}
