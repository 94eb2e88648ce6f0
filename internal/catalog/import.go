package catalog

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// MaxImportRows is how many product rows one upload may hold.
const MaxImportRows = 10_000

// maxReportEntries bounds the errors (and the warnings) one report lists;
// the counts stay exact.
const maxReportEntries = 1_000

// ImportOptions tune Import.
type ImportOptions struct {
	// DryRun checks every row, and works out what would be created and
	// updated, without keeping anything.
	DryRun bool
	// Charset is the charset the upload declared ("" to detect: UTF-8
	// with or without a byte-order mark, UTF-16 with one, and GB18030 —
	// what Excel on a Chinese Windows saves as "CSV" — when the start of
	// the file is not UTF-8).
	Charset string
	// Message renders a problem code in the caller's language; nil leaves
	// the code as the message.
	Message func(code string, params ...any) string
}

// ImportReport is the answer to an upload.
type ImportReport struct {
	DryRun bool `json:"dry_run"`
	// Rows counts the product rows read (blank rows aside).
	Rows int `json:"rows"`
	// Accepted rows were created, updated or already up to date (or would
	// be, in a dry run); Rejected rows changed nothing.
	Accepted  int `json:"accepted"`
	Rejected  int `json:"rejected"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Errors name every problem of the rejected rows, by row as a
	// spreadsheet numbers them (the header is row 1) and column title as
	// the file spells it.
	Errors []RowError `json:"errors"`
	// Warnings are problems that reject nothing, such as a column that is
	// not recognised and so ignored.
	Warnings []RowError `json:"warnings"`
	// Truncated says that more errors or warnings exist than are listed.
	Truncated bool `json:"truncated,omitempty"`
}

// XMLRoot names the report's XML element.
func (ImportReport) XMLRoot() string { return "import_report" }

// RowError is one problem in one cell (or row) of an upload.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	SKU     string `json:"sku,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// XMLRoot names a row error's XML element.
func (RowError) XMLRoot() string { return "error" }

// Import reads a CSV upload and creates or updates one product per row,
// matched by SKU. Columns the file does not have are left as they are on
// existing products; an empty cell in a column the file has clears that
// field.
//
// It works in two passes so that a slow upload never holds the store's
// writer and a bad row is never half-written: the first streams the body,
// checks every row and spools the good ones to a temporary file; the
// second writes them in one transaction, together with one audit record
// that counts them. Rows are reported, not refused with the whole file;
// only a file that cannot be read as a product table at all (no SKU or
// title column, more than MaxImportRows rows) is refused.
func (s *Service) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	if o.Message == nil {
		o.Message = func(code string, _ ...any) string { return code }
	}
	if o.DryRun && db.InTransaction(ctx) {
		// The dry run rolls its own transaction back; joined to the
		// caller's, it could not.
		return ImportReport{}, errors.New("catalog: import: a dry run needs a transaction of its own")
	}
	spool, err := os.CreateTemp(s.tempDir(), "silkgate-import-*.jsonl")
	if err != nil {
		return ImportReport{}, fmt.Errorf("catalog: import: spool: %w", err)
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	sum := sha256.New()
	rep := &reporter{msg: o.Message, report: ImportReport{DryRun: o.DryRun}}
	sw := bufio.NewWriter(spool)
	enc := json.NewEncoder(sw)
	sheet, err := readSheet(io.TeeReader(r, sum), o.Charset, rep, func(row spooled) error {
		return enc.Encode(row)
	})
	if err != nil {
		return ImportReport{}, err
	}
	if err := sw.Flush(); err != nil {
		return ImportReport{}, fmt.Errorf("catalog: import: spool: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return ImportReport{}, fmt.Errorf("catalog: import: spool: %w", err)
	}
	if err := s.writeRows(ctx, spool, sheet, rep, hex.EncodeToString(sum.Sum(nil)), o.DryRun); err != nil {
		return ImportReport{}, err
	}
	return rep.done(), nil
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("catalog: dry run")

type written struct {
	ID      string `json:"id"`
	SKU     string `json:"sku"`
	Version int64  `json:"version"`
	Action  string `json:"action"`
}

// writeRows is the second pass: it merges each spooled row into the stored
// product with its SKU and writes the result, all in one transaction.
// Each row is looked up by its own SKU: that lookup stays on the unique
// index however the table grows within the transaction, where a lookup of
// many SKUs at once may not.
func (s *Service) writeRows(ctx context.Context, spool io.Reader, sh *sheet, rep *reporter, fileSum string, dryRun bool) error {
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		dec := json.NewDecoder(bufio.NewReader(spool))
		dec.UseNumber()
		var changed []written
		for {
			var row spooled
			if err := dec.Decode(&row); err == io.EOF {
				break
			} else if err != nil {
				return fmt.Errorf("catalog: import: read spool: %w", err)
			}
			cur, err := s.GetBySKU(ctx, row.Product.SKU)
			found := err == nil
			if err != nil && !errors.Is(err, problem.ErrNotFound) {
				return err
			}
			w, err := s.writeRow(ctx, sh, rep, row, cur, found)
			if err != nil {
				return err
			}
			if w.Action != "" {
				changed = append(changed, w)
			}
		}
		if dryRun {
			return errDryRun
		}
		r := rep.report
		return s.audit.Record(ctx, audit.Event{Action: "product.import", Resource: "products/import",
			Detail: fmt.Sprintf("rows %d: created %d, updated %d, unchanged %d, rejected %d",
				r.Rows, r.Created, r.Updated, r.Unchanged, r.Rejected),
			Change: map[string]any{"file_sha256": fileSum, "rows": r.Rows, "created": r.Created, "updated": r.Updated,
				"unchanged": r.Unchanged, "rejected": r.Rejected, "products": changed}})
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

// writeRow writes one checked row: a new product, or the stored one (cur)
// with the row's columns laid over it.
func (s *Service) writeRow(ctx context.Context, sh *sheet, rep *reporter, row spooled, cur Product, found bool) (written, error) {
	now := s.stamp()
	if !found {
		p := row.Product.normalized()
		p.ID, p.Version, p.CreatedAt, p.UpdatedAt = ids.New("prd"), 1, now, now
		ok, err := s.upsert(ctx, p, 0)
		if err != nil {
			return written{}, err
		}
		if !ok {
			rep.reject(row.Row, []cellError{{col: sh.columnTitle(cSKU, ""), field: "sku", sku: p.SKU, code: "changed_meanwhile"}})
			return written{}, nil
		}
		rep.accept(&rep.report.Created)
		return written{ID: p.ID, SKU: p.SKU, Version: p.Version, Action: "create"}, nil
	}
	next := sh.merge(cur, row.Product)
	var fs problem.Errors
	next.validate(&fs)
	if len(fs) > 0 {
		rep.reject(row.Row, sh.rowErrors(fs, row.Product.SKU))
		return written{}, nil
	}
	if same(cur, next) {
		rep.accept(&rep.report.Unchanged)
		return written{}, nil
	}
	if row.Version > 0 && row.Version != cur.Version {
		rep.reject(row.Row, []cellError{{col: sh.columnTitle(cVersion, ""), field: "version", sku: cur.SKU,
			code: "stale_row", params: []any{"version", cur.Version}}})
		return written{}, nil
	}
	next.Version, next.UpdatedAt = cur.Version+1, now
	ok, err := s.upsert(ctx, next, cur.Version)
	if err != nil {
		return written{}, err
	}
	if !ok {
		// Changed by someone else since it was read: on PostgreSQL the
		// write waited for them and found a newer version.
		rep.reject(row.Row, []cellError{{col: sh.columnTitle(cSKU, ""), field: "sku", sku: cur.SKU, code: "changed_meanwhile"}})
		return written{}, nil
	}
	rep.accept(&rep.report.Updated)
	return written{ID: next.ID, SKU: next.SKU, Version: next.Version, Action: "update"}, nil
}

// spooled is a checked row waiting for the second pass.
type spooled struct {
	Row     int     `json:"row"`
	Version int64   `json:"version,omitempty"`
	Product Product `json:"product"`
}

// cellError is a problem found in a row, before it is rendered.
type cellError struct {
	col, field, sku, code string
	params                []any
}

// reporter accumulates the report.
type reporter struct {
	msg    func(code string, params ...any) string
	report ImportReport
}

func (r *reporter) accept(counter *int) {
	r.report.Accepted++
	*counter++
}

func (r *reporter) entry(row int, e cellError) RowError {
	return RowError{Row: row, Column: e.col, Field: e.field, SKU: e.sku, Code: e.code, Message: r.msg("validation."+e.code, e.params...)}
}

// reject counts row as rejected and lists its errors.
func (r *reporter) reject(row int, errs []cellError) {
	r.report.Rejected++
	for _, e := range errs {
		if len(r.report.Errors) >= maxReportEntries {
			r.report.Truncated = true
			return
		}
		r.report.Errors = append(r.report.Errors, r.entry(row, e))
	}
}

func (r *reporter) warn(row int, e cellError) {
	if len(r.report.Warnings) >= maxReportEntries {
		r.report.Truncated = true
		return
	}
	r.report.Warnings = append(r.report.Warnings, r.entry(row, e))
}

func (r *reporter) done() ImportReport {
	rep := r.report
	sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Row < rep.Errors[j].Row })
	if rep.Errors == nil {
		rep.Errors = []RowError{}
	}
	if rep.Warnings == nil {
		rep.Warnings = []RowError{}
	}
	return rep
}

// sheet is what the header row says about the file: which column is
// which, and which product fields the file carries at all.
type sheet struct {
	cols  []column // by cell index; kind -1 for ignored cells
	bound []bool
	// header titles as the file spells them, by kind (and title language).
	titles map[string]string
	has    map[colKind]bool
	langs  []string // title languages with a column
	zh     bool     // the header uses Chinese titles
	delim  rune
}

func colKey(k colKind, lang string) string { return strconv.Itoa(int(k)) + "/" + lang }

// columnTitle is a column's title as the file spells it, or as the
// template would when the file lacks it.
func (sh *sheet) columnTitle(k colKind, lang string) string {
	if t, ok := sh.titles[colKey(k, lang)]; ok {
		return t
	}
	if k == cTitle {
		return titleColumn(lang).title(sh.zh)
	}
	if c := colByKind(k); c != nil {
		return c.title(sh.zh)
	}
	return ""
}

// fieldColumn maps a product field path from validation onto the column a
// user should look at.
func (sh *sheet) fieldColumn(field string) string {
	root, rest := field, ""
	if i := strings.IndexAny(field, ".["); i >= 0 {
		root, rest = field[:i], field[i:]
	}
	switch root {
	case "sku":
		return sh.columnTitle(cSKU, "")
	case "title":
		if lang, ok := strings.CutPrefix(rest, "."); ok {
			return sh.columnTitle(cTitle, lang)
		}
		if len(sh.langs) > 0 {
			return sh.columnTitle(cTitle, sh.langs[0])
		}
		return sh.columnTitle(cTitle, "zh-CN")
	case "unit_value":
		if rest == ".currency" && sh.has[cCurrency] {
			return sh.columnTitle(cCurrency, "")
		}
		return sh.columnTitle(cUnitValue, "")
	case "dims_mm":
		if sh.has[cDims] {
			return sh.columnTitle(cDims, "")
		}
		switch rest {
		case "[1]":
			return sh.columnTitle(cWidth, "")
		case "[2]":
			return sh.columnTitle(cHeight, "")
		}
		return sh.columnTitle(cLength, "")
	case "battery":
		switch rest {
		case ".wh":
			return sh.columnTitle(cBatteryWh, "")
		case ".packing":
			return sh.columnTitle(cBatteryPacking, "")
		}
		return sh.columnTitle(cBatteryChemistry, "")
	}
	for _, c := range csvColumns {
		if c.field == root {
			return sh.columnTitle(c.kind, "")
		}
	}
	return root
}

func (sh *sheet) rowErrors(fs problem.Errors, sku string) []cellError {
	out := make([]cellError, 0, len(fs))
	for _, f := range fs {
		out = append(out, cellError{col: sh.fieldColumn(f.Field), field: f.Field, sku: sku, code: f.Code, params: f.Params})
	}
	return out
}

// merge lays the fields the file carries over the stored product.
func (sh *sheet) merge(cur, row Product) Product {
	out := cur
	out.Title = make(Title, len(cur.Title))
	for k, v := range cur.Title {
		out.Title[k] = v
	}
	for _, l := range sh.langs {
		if v := row.Title[l]; v != "" {
			out.Title[l] = v
		} else {
			delete(out.Title, l)
		}
	}
	h := sh.has
	if h[cCategory] {
		out.Category = row.Category
	}
	if h[cHSCode] {
		out.HSCode = row.HSCode
	}
	if h[cMaterials] {
		out.Materials = row.Materials
	}
	if h[cAttributes] {
		out.Attributes = row.Attributes
	}
	if h[cOrigin] {
		out.OriginCountry = row.OriginCountry
	}
	if h[cUnitValue] || h[cCurrency] {
		out.UnitValue = row.UnitValue
	}
	if h[cWeight] {
		out.WeightG = row.WeightG
	}
	if h[cLength] || h[cWidth] || h[cHeight] || h[cDims] {
		out.DimsMM = row.DimsMM
	}
	if h[cBatteryChemistry] || h[cBatteryWh] || h[cBatteryPacking] {
		out.Battery = row.Battery
	}
	if h[cCertifications] {
		out.Certifications = row.Certifications
	}
	if h[cLabels] {
		out.Labels = row.Labels
	}
	if h[cMarkets] {
		out.Markets = row.Markets
	}
	return out
}

// decodeInput turns the upload into UTF-8: a UTF-8 byte-order mark is
// dropped, UTF-16 (with its mark) is converted, and a file that declares
// or looks like GB18030/GBK is converted from it.
func decodeInput(r io.Reader, charset string) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		return br, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), nil
	}
	switch cs := strings.ToLower(strings.TrimSpace(charset)); cs {
	case "gbk", "gb2312", "gb18030", "cp936", "windows-936":
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), nil
	case "utf-16", "utf-16le":
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()), nil
	case "utf-16be":
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()), nil
	case "", "utf-8", "utf8", "us-ascii":
	default:
		return nil, unsupportedUpload(charset)
	}
	start, _ := br.Peek(64 << 10)
	if !validUTF8Prefix(start) {
		return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), nil
	}
	return br, nil
}

// validUTF8Prefix reports whether b is UTF-8, allowing it to end inside a
// character (b is the start of a longer stream).
func validUTF8Prefix(b []byte) bool {
	for cut := 0; cut < utf8.UTFMax && cut <= len(b); cut++ {
		head, tail := b[:len(b)-cut], b[len(b)-cut:]
		if utf8.Valid(head) && (cut == 0 || !utf8.FullRune(tail)) {
			return true
		}
	}
	return false
}

func unsupportedUpload(mt string) error {
	return problem.New(http.StatusUnsupportedMediaType, "unsupported_upload", "type", mt)
}

// detectDelimiter picks the separator the header line uses most, outside
// quotes: comma, semicolon (Excel in many European locales) or tab.
func detectDelimiter(line string) rune {
	counts := map[rune]int{}
	quoted := false
	for _, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// readSheet is the first pass: it reads the header, then every row,
// reporting bad rows and handing good ones to keep.
func readSheet(r io.Reader, charset string, rep *reporter, keep func(spooled) error) (*sheet, error) {
	dec, err := decodeInput(r, charset)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(dec, 64<<10)
	first, _ := br.Peek(4 << 10)
	line, _, _ := strings.Cut(string(first), "\n")
	line = strings.TrimSuffix(line, "\r")
	var delim rune
	// Excel honours a first line "sep=;" and does not show it.
	if strings.HasPrefix(strings.ToLower(line), "sep=") && utf8.RuneCountInString(line) == 5 {
		delim, _ = utf8.DecodeRuneInString(line[4:])
		if _, err := br.Discard(len(line)); err != nil {
			return nil, err
		}
		if b, _ := br.Peek(2); bytes.HasPrefix(b, []byte("\r\n")) {
			_, _ = br.Discard(2)
		} else if bytes.HasPrefix(b, []byte("\n")) {
			_, _ = br.Discard(1)
		}
	} else {
		delim = detectDelimiter(line)
	}
	if delim == '"' || delim == '\r' || delim == '\n' || delim == utf8.RuneError {
		delim = ','
	}
	cr := csv.NewReader(br)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows := &rowCounter{}
	var sh *sheet
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
		line, _ := cr.FieldPos(0)
		row := rows.next(line, rec)
		if blank(rec) {
			continue
		}
		if sh == nil {
			if sh, err = readHeader(rec, rep); err != nil {
				return nil, err
			}
			sh.delim = delim
			continue
		}
		rep.report.Rows++
		if rep.report.Rows > MaxImportRows {
			return nil, problem.New(http.StatusRequestEntityTooLarge, "too_many_rows", "max", MaxImportRows)
		}
		p, version, errs := sh.product(rec)
		if len(errs) == 0 {
			if prev, dup := seen[p.SKU]; dup {
				errs = append(errs, cellError{col: sh.columnTitle(cSKU, ""), field: "sku", sku: p.SKU,
					code: "duplicate_in_file", params: []any{"row", prev}})
			}
		}
		if len(errs) > 0 {
			rep.reject(row, errs)
			continue
		}
		seen[p.SKU] = row
		if err := keep(spooled{Row: row, Version: version, Product: p}); err != nil {
			return nil, fmt.Errorf("catalog: import: spool: %w", err)
		}
	}
	if sh == nil {
		return nil, problem.BadRequest("empty_body")
	}
	return sh, nil
}

func readError(err error) error {
	if e := web.TooLarge(err); e != nil {
		return e
	}
	if pe, ok := problem.As(err); ok {
		return pe
	}
	return fmt.Errorf("catalog: import: read: %w", err)
}

// rowCounter numbers records as a spreadsheet numbers rows: a record
// whose cells span several lines is one row, and the empty lines
// encoding/csv skips are rows too.
type rowCounter struct {
	row      int
	nextLine int
}

func (c *rowCounter) next(startLine int, rec []string) int {
	if c.nextLine == 0 {
		c.nextLine = 1
	}
	if skipped := startLine - c.nextLine; skipped > 0 {
		c.row += skipped
	}
	c.row++
	span := 1
	for _, f := range rec {
		span += strings.Count(f, "\n")
	}
	c.nextLine = startLine + span
	return c.row
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// readHeader binds the header row's cells to columns.
func readHeader(rec []string, rep *reporter) (*sheet, error) {
	sh := &sheet{cols: make([]column, len(rec)), bound: make([]bool, len(rec)), titles: map[string]string{}, has: map[colKind]bool{}}
	var bad problem.Errors
	zh, en := 0, 0
	for i, h := range rec {
		h = strings.TrimSpace(unsafeCell(strings.TrimSpace(h)))
		if h == "" {
			continue
		}
		c, isZh, ok := matchHeader(h)
		if !ok {
			rep.warn(1, cellError{col: h, code: "unknown_column"})
			continue
		}
		key := colKey(c.kind, c.lang)
		if _, dup := sh.titles[key]; dup {
			bad.Add(h, "duplicate_column")
			continue
		}
		if isZh {
			zh++
		} else {
			en++
		}
		sh.titles[key] = h
		sh.cols[i], sh.bound[i] = c, true
		sh.has[c.kind] = true
		if c.kind == cTitle {
			sh.langs = append(sh.langs, c.lang)
		}
	}
	sh.zh = zh > en
	if !sh.has[cSKU] {
		bad.Add(colByKind(cSKU).title(sh.zh), "missing_column")
	}
	if len(sh.langs) == 0 {
		bad.Add(colByKind(cTitle).title(sh.zh), "missing_column")
	}
	if sh.has[cDims] && (sh.has[cLength] || sh.has[cWidth] || sh.has[cHeight]) {
		bad.Add(sh.titles[colKey(cDims, "")], "duplicate_column")
	}
	if len(bad) > 0 {
		return nil, &problem.Error{Status: http.StatusUnprocessableEntity, Code: "invalid_csv_header", Fields: bad}
	}
	return sh, nil
}

var (
	thousands = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+(\.\d+)?$`)
	decimal   = regexp.MustCompile(`^-?\d*\.?\d+$`)
)

// number reads a decimal as people type it: "1,234.50", "7,4" in a
// semicolon-separated file (where a comma is the decimal mark), " 12 ".
func (sh *sheet) number(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	switch {
	case thousands.MatchString(s) && (sh.delim != ';' || strings.Contains(s, ".")):
		s = strings.ReplaceAll(s, ",", "")
	case sh.delim != ',' && strings.Count(s, ",") == 1 && !strings.Contains(s, "."):
		s = strings.Replace(s, ",", ".", 1)
	}
	if !decimal.MatchString(s) {
		return "", false
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	} else if strings.HasPrefix(s, "-.") {
		s = "-0" + s[1:]
	}
	return s, true
}

func (sh *sheet) integer(s string) (int64, string) {
	d, ok := sh.number(s)
	if !ok {
		return 0, "invalid_integer"
	}
	whole, frac, _ := strings.Cut(d, ".")
	if strings.Trim(frac, "0") != "" {
		return 0, "invalid_integer"
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, "out_of_range"
	}
	return n, ""
}

// splitList splits a cell at "|" or the full-width "；", dropping blanks.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == '；' })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

var packingAliases = map[string]string{
	"内置": "contained_in_equipment", "内置于设备": "contained_in_equipment", "装在设备中": "contained_in_equipment",
	"与设备同包装": "packed_with_equipment", "随设备包装": "packed_with_equipment", "配套包装": "packed_with_equipment",
	"单独": "standalone", "单独包装": "standalone", "独立包装": "standalone", "单独运输": "standalone",
}

var chemistryAliases = map[string]string{
	"锂离子": "li-ion", "锂电池": "li-ion", "lithium-ion": "li-ion", "lithium ion": "li-ion", "li ion": "li-ion", "liion": "li-ion",
	"锂聚合物": "li-polymer", "lipo": "li-polymer", "li-po": "li-polymer", "lithium polymer": "li-polymer",
	"磷酸铁锂": "lifepo4", "锂金属": "li-metal", "lithium metal": "li-metal",
	"镍氢": "nimh", "ni-mh": "nimh", "镍镉": "nicd", "ni-cd": "nicd", "碱性": "alkaline",
	"碳性": "zinc-carbon", "锌碳": "zinc-carbon", "铅酸": "lead-acid", "其他": "other",
}

// product builds a product from a row, with the row's problems by column.
// A row with any problem is not kept.
func (sh *sheet) product(rec []string) (Product, int64, []cellError) {
	var (
		p       Product
		version int64
		errs    []cellError
		amount  string
		curr    string
		dims    [3]string
		dimsSet bool
		battery Battery
		hasBatt bool
		wh      string
	)
	fail := func(i int, field, code string, params ...any) {
		errs = append(errs, cellError{col: sh.titles[colKey(sh.cols[i].kind, sh.cols[i].lang)], field: field, code: code, params: params})
	}
	for i, raw := range rec {
		if i >= len(sh.cols) || !sh.bound[i] {
			continue
		}
		c := sh.cols[i]
		v := unsafeCell(strings.TrimSpace(raw))
		if !utf8.ValidString(v) {
			fail(i, c.field, "invalid_encoding")
			continue
		}
		switch c.kind {
		case cSKU:
			p.SKU = v
		case cTitle:
			if v != "" {
				if p.Title == nil {
					p.Title = Title{}
				}
				p.Title[c.lang] = v
			}
		case cCategory:
			p.Category = v
		case cHSCode:
			if d := strings.NewReplacer(".", "", " ", "").Replace(v); len(d)%2 == 1 && len(d) >= 5 && len(d) <= 9 &&
				strings.Trim(d, "0123456789") == "" {
				// A spreadsheet read the code as a number and dropped the
				// leading zero of chapters 01 to 09.
				v = "0" + d
			}
			p.HSCode = v
		case cMaterials:
			p.Materials = splitList(v)
		case cAttributes:
			a, ok := parseAttributes(v)
			if !ok {
				fail(i, "attributes", "attributes_format")
				continue
			}
			p.Attributes = a
		case cOrigin:
			p.OriginCountry = v
		case cUnitValue:
			amount = v
		case cCurrency:
			curr = v
		case cWeight:
			if v == "" {
				continue
			}
			n, code := sh.integer(v)
			if code != "" {
				fail(i, "weight_g", code, "min", 1, "max", maxWeightG)
				continue
			}
			p.WeightG = &n
		case cLength, cWidth, cHeight:
			dims[c.kind-cLength] = v
			dimsSet = dimsSet || v != ""
		case cDims:
			if v == "" {
				continue
			}
			parts := strings.FieldsFunc(strings.ToLower(v), func(r rune) bool {
				return r == 'x' || r == '×' || r == '*' || r == '|' || r == '/' || r == '；'
			})
			if len(parts) != 3 {
				fail(i, "dims_mm", "item_count", "count", 3)
				continue
			}
			copy(dims[:], parts)
			dimsSet = true
		case cBatteryChemistry:
			if v != "" {
				hasBatt = true
				if a, ok := chemistryAliases[strings.ToLower(v)]; ok {
					v = a
				}
				battery.Chemistry = v
			}
		case cBatteryWh:
			wh = v
			hasBatt = hasBatt || v != ""
		case cBatteryPacking:
			if v != "" {
				hasBatt = true
				if a, ok := packingAliases[v]; ok {
					v = a
				}
				battery.Packing = v
			}
		case cCertifications:
			p.Certifications = splitList(v)
		case cLabels:
			p.Labels = splitList(v)
		case cMarkets:
			p.Markets = splitList(v)
		case cVersion:
			if v == "" {
				continue
			}
			n, code := sh.integer(v)
			if code != "" || n < 1 {
				fail(i, "version", "invalid_integer")
				continue
			}
			version = n
		}
	}
	// Money: the currency may also follow or precede the amount in its
	// cell ("12.50 USD").
	if f := strings.Fields(amount); len(f) == 2 {
		switch {
		case len(f[1]) == 3 && strings.Trim(strings.ToUpper(f[1]), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "":
			amount = f[0]
			if curr == "" {
				curr = f[1]
			}
		case len(f[0]) == 3 && strings.Trim(strings.ToUpper(f[0]), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "":
			amount = f[1]
			if curr == "" {
				curr = f[0]
			}
		}
	}
	if amount != "" || curr != "" {
		if d, ok := sh.number(amount); ok {
			amount = d
		}
		p.UnitValue = &money.Money{Amount: amount, Currency: curr}
	}
	if dimsSet {
		p.DimsMM = make([]int64, 3)
		for k, d := range dims {
			field := fmt.Sprintf("dims_mm[%d]", k)
			col := sh.fieldColumn(field)
			if strings.TrimSpace(d) == "" {
				errs = append(errs, cellError{col: col, field: field, code: "required"})
				continue
			}
			n, code := sh.integer(strings.TrimSpace(d))
			if code != "" {
				errs = append(errs, cellError{col: col, field: field, code: code, params: []any{"min", 1, "max", maxDimMM}})
				continue
			}
			p.DimsMM[k] = n
		}
	}
	if hasBatt {
		if wh != "" {
			d, ok := sh.number(wh)
			f, err := strconv.ParseFloat(d, 64)
			if !ok || err != nil {
				errs = append(errs, cellError{col: sh.fieldColumn("battery.wh"), field: "battery.wh", code: "invalid_number"})
			} else {
				battery.Wh = &f
			}
		}
		p.Battery = &battery
	}
	var fs problem.Errors
	p.validate(&fs)
	for _, f := range fs {
		if slicesContainsField(errs, f.Field) {
			continue
		}
		errs = append(errs, cellError{col: sh.fieldColumn(f.Field), field: f.Field, code: f.Code, params: f.Params})
	}
	for i := range errs {
		errs[i].sku = p.SKU
	}
	return p, version, errs
}

func slicesContainsField(errs []cellError, field string) bool {
	for _, e := range errs {
		if e.field == field {
			return true
		}
	}
	return false
}

// parseAttributes reads an attributes cell: a JSON object, or name=value
// pairs separated by "|" or "；" (a full-width "＝" or "：" works too).
func parseAttributes(s string) (map[string]any, bool) {
	if s == "" {
		return nil, true
	}
	if strings.HasPrefix(s, "{") {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil || dec.More() {
			return nil, false
		}
		return m, true
	}
	m := map[string]any{}
	for _, pair := range splitList(s) {
		i := strings.IndexAny(pair, "=＝：")
		if i <= 0 {
			return nil, false
		}
		_, w := utf8.DecodeRuneInString(pair[i:])
		k, v := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+w:])
		if k == "" {
			return nil, false
		}
		m[k], _ = attrScalar(v)
	}
	return m, true
}
