package sanctions

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// List keys.
const (
	ListOFACSDN  = "us_ofac_sdn"
	ListOFACCons = "us_ofac_cons"
	ListCSL      = "us_csl"
	ListUN       = "un"
	ListEU       = "eu_fsf"
	ListUK       = "uk"
)

// Lists are the list keys in display order.
var Lists = []string{ListOFACSDN, ListOFACCons, ListCSL, ListUN, ListEU, ListUK, ListFCCCovered, ListUFLPA}

// Formats an importer reads. The empty format means "detect".
const (
	FormatOFACSDN  = "ofac_sdn"  // OFAC sdn.csv with alt/add/sdn_comments beside it
	FormatOFACCons = "ofac_cons" // OFAC cons_prim.csv with cons_alt/cons_add/cons_comments
	FormatCSL      = "csl"       // trade.gov Consolidated Screening List CSV
	FormatUN       = "un_xml"    // UN Security Council consolidated XML
	FormatEUXML    = "eu_xml"    // EU FSF XML 1.1
	FormatEUCSV    = "eu_csv"    // EU FSF CSV 1.1 (';'-separated, a row per detail)
	FormatEUJSONL  = "eu_jsonl"  // EU FSF as JSON Lines, one entity per line
	FormatUKXML    = "uk_xml"    // UK Sanctions List XML (FCDO)
	FormatUKCSV    = "uk_csv"    // UK Sanctions List CSV (FCDO, a row per name)
	FormatUKJSONL  = "uk_jsonl"  // UK Sanctions List as JSON Lines, one designation per line
)

// Formats lists every format Load accepts.
var Formats = []string{FormatOFACSDN, FormatOFACCons, FormatCSL, FormatUN, FormatEUXML, FormatEUCSV,
	FormatEUJSONL, FormatUKXML, FormatUKCSV, FormatUKJSONL, FormatFCCCovered, FormatUFLPA}

// ListOf returns the list key a format produces.
func ListOf(format string) string {
	switch format {
	case FormatOFACSDN:
		return ListOFACSDN
	case FormatOFACCons:
		return ListOFACCons
	case FormatCSL:
		return ListCSL
	case FormatUN:
		return ListUN
	case FormatEUXML, FormatEUCSV, FormatEUJSONL:
		return ListEU
	case FormatUKXML, FormatUKCSV, FormatUKJSONL:
		return ListUK
	case FormatFCCCovered:
		return ListFCCCovered
	case FormatUFLPA:
		return ListUFLPA
	}
	return ""
}

// ErrUnknownFormat is returned when the format is neither given nor
// recognisable from the file's content.
var ErrUnknownFormat = problem.Invalid(problem.Field{Field: "format", Code: "sanctions_unknown_format"})

// Load reads a list file (gzip-compressed or not) into memory. format ""
// means detect. OFAC files bring their companion files (alt, add,
// comments) from the same folder when present. The returned Version's
// ImportedAt is left zero: the store sets it.
func Load(path, format string) (Version, []Entry, error) {
	var entries []Entry
	v, err := Stream(os.DirFS(filepath.Dir(path)), filepath.Base(path), format, func(e Entry) error {
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return Version{}, nil, err
	}
	return v, entries, nil
}

// Stream reads the list file name from fsys and calls fn for each entry
// as it is parsed, so a large list never needs to fit in memory twice.
// Companion files are looked up beside name in fsys, plain or with a
// ".gz" suffix. An error from fn stops the parse and is returned as is.
//
// The version's SHA256 covers the bytes of the file as stored (and of
// the companion files that were read, in a fixed order), so the same
// download imported twice has the same hash.
func Stream(fsys fs.FS, name, format string, fn func(Entry) error) (Version, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return Version{}, fmt.Errorf("sanctions: %w", err)
	}
	defer f.Close()
	var mod time.Time
	if st, err := f.Stat(); err == nil {
		mod = st.ModTime()
	}
	h := sha256.New()
	r, closeR, err := open(f, h)
	if err != nil {
		return Version{}, err
	}
	defer closeR()
	// A byte-order mark (spreadsheet exports of the UK and EU CSV carry
	// one) is not part of the first field.
	if bom, _ := r.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = r.Discard(3)
	}
	if format == "" {
		head, _ := r.Peek(4096)
		format = Detect(name, head)
		if format == "" {
			return Version{}, ErrUnknownFormat
		}
	} else if ListOf(format) == "" {
		return Version{}, ErrUnknownFormat
	}
	p := &parse{format: format, list: ListOf(format), fn: fn, ids: map[string]bool{}}
	switch format {
	case FormatOFACSDN, FormatOFACCons:
		var side *ofacCompanions
		if side, err = readCompanions(fsys, name, format, h); err != nil {
			return Version{}, err
		}
		err = p.ofac(r, side)
	case FormatCSL:
		err = p.csl(r)
	case FormatUN:
		err = p.un(r)
	case FormatEUXML:
		err = p.euXML(r)
	case FormatEUCSV:
		err = p.euCSV(r)
	case FormatEUJSONL:
		err = p.euJSONL(r)
	case FormatUKXML:
		err = p.ukXML(r)
	case FormatUKCSV:
		err = p.ukCSV(r)
	case FormatUKJSONL:
		err = p.ukJSONL(r)
	case FormatFCCCovered, FormatUFLPA:
		err = p.product(r)
	}
	if err != nil {
		return Version{}, err
	}
	if p.n == 0 {
		return Version{}, p.fail("", "no_entries")
	}
	// Hash what the parser did not need to read (trailing bytes, the
	// gzip trailer) so the digest is of the whole file.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return Version{}, fmt.Errorf("sanctions: read %s: %w", name, err)
	}
	v := Version{List: p.list, Entries: p.n, SHA256: hex.EncodeToString(h.Sum(nil)), Format: format}
	v.PublishedAt = p.published
	if v.PublishedAt.IsZero() && (format == FormatEUJSONL || format == FormatUKJSONL) {
		// The JSON Lines forms carry no file date; the latest amendment
		// or regulation in them dates the snapshot.
		v.PublishedAt = p.latest
	}
	if v.PublishedAt.IsZero() && !mod.IsZero() {
		// Files without a date inside (OFAC, CSL) are dated by their
		// download: the file's modification time.
		v.PublishedAt = mod.UTC()
	}
	if v.PublishedAt.IsZero() {
		v.PublishedAt = p.latest
	}
	switch {
	case p.version != "":
		v.Version = p.version
	case !v.PublishedAt.IsZero():
		v.Version = v.PublishedAt.UTC().Format(time.RFC3339)
	default:
		v.Version = "sha256:" + v.SHA256[:12]
	}
	return v, nil
}

// open wraps a file so that every byte read is hashed, and unzips it
// when it starts with the gzip magic number.
func open(f io.Reader, h hash.Hash) (*bufio.Reader, func(), error) {
	raw := bufio.NewReaderSize(io.TeeReader(f, h), 64<<10)
	magic, _ := raw.Peek(2)
	if !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return raw, func() {}, nil
	}
	z, err := gzip.NewReader(raw)
	if err != nil {
		return nil, nil, malformed("gzip", "", "gzip", err)
	}
	// A gzip stream that ends early is malformed, not a short list.
	return bufio.NewReaderSize(z, 64<<10), func() { z.Close() }, nil
}

// Detect names the format of a file from its name and first bytes, or
// returns "" when it cannot tell.
func Detect(name string, head []byte) string {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	base := strings.ToLower(path.Base(filepath.ToSlash(name)))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case bytes.HasPrefix(trimmed, []byte("<")):
		s := string(trimmed)
		switch {
		case strings.Contains(s, "<CONSOLIDATED_LIST"):
			return FormatUN
		case strings.Contains(s, "fpi/fsd/export") || strings.Contains(s, "<export"):
			return FormatEUXML
		case strings.Contains(s, "<Designations") || strings.Contains(s, "<Designation>"):
			return FormatUKXML
		}
		return ""
	case bytes.HasPrefix(trimmed, []byte("{")):
		line, _, _ := bytes.Cut(trimmed, []byte("\n"))
		switch {
		case bytes.Contains(head, []byte(`"list": "`+ListFCCCovered+`"`)) || bytes.Contains(head, []byte(`"list":"`+ListFCCCovered+`"`)):
			return FormatFCCCovered
		case bytes.Contains(head, []byte(`"list": "`+ListUFLPA+`"`)) || bytes.Contains(head, []byte(`"list":"`+ListUFLPA+`"`)):
			return FormatUFLPA
		case bytes.Contains(line, []byte(`"logical_id"`)):
			return FormatEUJSONL
		case bytes.Contains(line, []byte(`"unique_id"`)):
			return FormatUKJSONL
		}
		return ""
	case bytes.HasPrefix(head, []byte("_id,source,")):
		return FormatCSL
	case bytes.HasPrefix(head, []byte("fileGenerationDate;")) || bytes.HasPrefix(head, []byte("fileGenerationDate,")):
		return FormatEUCSV
	case bytes.HasPrefix(head, []byte("Report Date:")) || bytes.HasPrefix(head, []byte("Last Updated,Unique ID")):
		return FormatUKCSV
	case len(head) > 0 && head[0] >= '0' && head[0] <= '9' && bytes.Contains(firstLine(head), []byte(`,"`)):
		if strings.HasPrefix(base, "cons") {
			return FormatOFACCons
		}
		return FormatOFACSDN
	}
	return ""
}

func firstLine(b []byte) []byte {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	return line
}

// parse is one run of an importer: it checks and counts what the format
// parser emits.
type parse struct {
	format    string
	list      string
	fn        func(Entry) error
	ids       map[string]bool
	n         int
	published time.Time // the publisher's date, when the file carries one
	version   string    // the publisher's version stamp, when it differs from the date
	latest    time.Time // the latest date seen in the entries: a lower bound of publication
}

// emit checks an entry's invariants and hands it on. where locates the
// record for the error ("line 12").
func (p *parse) emit(e Entry, where string) error {
	e.List = p.list
	if e.ID == "" {
		return p.fail(where, "missing_id")
	}
	if p.ids[e.ID] {
		return p.fail(where+" (id "+e.ID+")", "duplicate_id")
	}
	if len(e.Names) == 0 || e.Names[0].Strength != Primary {
		return p.fail(where+" (id "+e.ID+")", "missing_name")
	}
	switch e.Type {
	case Person, Entity, Vessel, Aircraft:
	default:
		return p.fail(where+" (id "+e.ID+")", "unknown_type")
	}
	p.ids[e.ID] = true
	p.n++
	if e.ListedOn.After(p.latest) {
		p.latest = e.ListedOn
	}
	if err := p.fn(e); err != nil {
		return stopped{err}
	}
	return nil
}

// stopped carries the callback's own error through the parsers untouched.
type stopped struct{ err error }

func (s stopped) Error() string { return s.err.Error() }
func (s stopped) Unwrap() error { return s.err }

func (p *parse) fail(where, reason string) error {
	return malformed(p.format, where, reason, nil)
}

func (p *parse) failErr(where string, err error) error {
	var s stopped
	if errors.As(err, &s) {
		return s.err
	}
	if _, ok := problem.As(err); ok {
		return err
	}
	return malformed(p.format, where, "syntax", err)
}

// malformed is the error of a file that cannot be imported: a 422 naming
// the format, where it broke (line N or record id) and why. Reasons are
// short codes; the cause, when there is one, is in the message.
func malformed(format, where, reason string, cause error) error {
	if where == "" {
		where = "file"
	}
	msg := reason
	if cause != nil {
		msg = reason + ": " + cause.Error()
	}
	return &problem.Error{
		Status: http.StatusUnprocessableEntity,
		Code:   "sanctions_list_malformed",
		Params: []any{"format", format, "where", where, "reason", msg},
		Err:    fmt.Errorf("%s: %s: %s", format, where, msg),
	}
}

func lineAt(n int) string { return fmt.Sprintf("line %d", n) }
