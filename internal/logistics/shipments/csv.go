package shipments

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// csvColumns are the upload's columns, each also accepted under its
// Chinese title so a spreadsheet made from the Chinese template reads
// back as it is.
var csvColumns = []struct{ name, zh string }{
	{"tracking_number", "运单号"}, {"carrier", "承运人代码"}, {"status", "状态"}, {"code", "状态代码"},
	{"code_list", "代码表"}, {"reason", "异常原因"}, {"at", "时间"}, {"location", "地点"}, {"country", "国家"},
	{"description", "描述"},
}

// CSVColumnsDoc documents the columns for the API reference.
const CSVColumnsDoc = "`tracking_number` (required), `carrier` (carrier code), `status` (a normalised status) or " +
	"`code` with `code_list` (`x12` for 214 AT701 codes, `rec24` for IFTSTA Recommendation 24 codes, or a carrier " +
	"code), `reason` (for exceptions), `at` (RFC 3339 with offset, required), `location`, `country` (ISO 3166 " +
	"alpha-2), `description`. A header row is required; Chinese titles (运单号, 承运人代码, 状态, 状态代码, 代码表, " +
	"异常原因, 时间, 地点, 国家, 描述) are accepted, and a UTF-8 byte-order mark is ignored."

// Template returns the CSV template: the header and two example rows.
func Template() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	h := make([]string, len(csvColumns))
	for i, c := range csvColumns {
		h[i] = c.name
	}
	_ = w.Write(h)
	_ = w.Write([]string{"LS512345679CN", "sandbox", "departed", "", "", "", "2026-11-20T14:05:00+08:00",
		"Shenzhen", "CN", "Departed from the origin gateway"})
	_ = w.Write([]string{"LS512345679CN", "", "", "A9", "x12", "", "2026-11-24T09:30:00+01:00", "Frankfurt", "DE",
		"Carton damaged on arrival"})
	w.Flush()
	return b.Bytes()
}

// CSVError is one rejected row or field.
type CSVError struct {
	Row   int    `json:"row"`
	Field string `json:"field,omitempty"`
	Code  string `json:"code"`
	// Message is Code in the caller's language.
	Message string `json:"message"`
}

// XMLRoot names the XML root element.
func (CSVError) XMLRoot() string { return "error" }

// CSVReport answers an upload.
type CSVReport struct {
	Rows       int        `json:"rows"`
	Accepted   int        `json:"accepted"`
	Matched    int        `json:"matched"`
	Unmatched  int        `json:"unmatched"`
	Duplicates int        `json:"duplicates"`
	Rejected   int        `json:"rejected"`
	Errors     []CSVError `json:"errors"`
}

// XMLRoot names the XML root element.
func (CSVReport) XMLRoot() string { return "tracking_upload" }

// MaxCSVRows bounds one upload.
const MaxCSVRows = 50_000

// errHeader refuses a file whose header names no tracking_number column.
var errHeader = problem.Invalid(problem.Field{Field: "file", Code: "csv_header_missing_column", Params: []any{"column", "tracking_number"}})

// ParseCSV reads a tracking upload row by row, calling fn with each data
// row's number (the header is row 1) and its event. A malformed row is
// reported to fn with its error rather than stopping the file; only a
// missing header stops it.
func ParseCSV(r io.Reader, fn func(row int, in EventInput, err error) error) error {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return problem.Invalid(problem.Field{Field: "file", Code: "csv_empty"})
	}
	if err != nil {
		return problem.Invalid(problem.Field{Field: "file", Code: "csv_malformed", Params: []any{"row", 1}})
	}
	idx := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(h))
		for _, c := range csvColumns {
			if h == c.name || h == c.zh {
				if _, dup := idx[c.name]; !dup {
					idx[c.name] = i
				}
			}
		}
	}
	if _, ok := idx["tracking_number"]; !ok {
		return errHeader
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
				if err := fn(row, EventInput{}, err); err != nil {
					return err
				}
				// A broken quote swallows the rest of the file: stop.
				if errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) {
					return nil
				}
				continue
			}
			return err
		}
		if blank(rec) {
			continue
		}
		get := func(name string) string {
			if i, ok := idx[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		in := EventInput{TrackingNumber: get("tracking_number"), Carrier: get("carrier"),
			Status: carrier.Status(get("status")), Code: get("code"), CodeList: get("code_list"), Reason: get("reason"),
			At: get("at"), Location: get("location"), Country: get("country"), Description: get("description")}
		if err := fn(row, in, nil); err != nil {
			return err
		}
	}
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// ImportCSV ingests an upload: valid rows are kept, and each rejected
// row is reported with the field at fault, its message written by msg
// (the validation code itself when msg is nil). The whole upload is one
// transaction with the caller's.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader, name string, msg func(code string, params ...any) string) (CSVReport, error) {
	if msg == nil {
		msg = func(code string, _ ...any) string { return code }
	}
	rep := CSVReport{Errors: []CSVError{}}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		err := ParseCSV(r, func(row int, in EventInput, perr error) error {
			rep.Rows++
			if rep.Rows > MaxCSVRows {
				return problem.Invalid(problem.Field{Field: "file", Code: "max_rows", Params: []any{"max", MaxCSVRows}})
			}
			if perr != nil {
				rep.Rejected++
				rep.Errors = append(rep.Errors, CSVError{Row: row, Code: "csv_malformed", Message: msg("validation.csv_malformed")})
				return nil
			}
			var fs problem.Errors
			n := s.carriers.normalize(&fs, "", in)
			if len(fs) > 0 {
				rep.Rejected++
				for _, f := range fs {
					rep.Errors = append(rep.Errors, CSVError{Row: row, Field: f.Field, Code: f.Code,
						Message: msg("validation."+f.Code, f.Params...)})
				}
				return nil
			}
			res, err := s.ingestOne(ctx, n, SourceFile, fmt.Sprintf("%s:%d", name, row))
			if err != nil {
				return err
			}
			switch {
			case res.Duplicate:
				rep.Duplicates++
			case res.Matched:
				rep.Accepted++
				rep.Matched++
			default:
				rep.Accepted++
				rep.Unmatched++
			}
			return nil
		})
		if err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "logistics.tracking.upload", Resource: "tracking_events",
			Change: map[string]any{"file": name, "rows": rep.Rows, "accepted": rep.Accepted, "rejected": rep.Rejected,
				"duplicates": rep.Duplicates}})
	})
	if err != nil {
		return CSVReport{}, err
	}
	return rep, nil
}
