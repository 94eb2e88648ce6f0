package rates

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// The spreadsheet form of a rate card. Carriers without an API send
// their tariffs as spreadsheets, so a card's zones, weight bands,
// additional-weight steps and surcharges can be kept in one CSV, one
// record per row, its kind in the first column. The service's own fields
// (carrier, mode, currency, divisor, limits) stay in the API: the upload
// replaces only the card of an existing service, as a whole — a tariff
// half applied would price wrongly, so one bad row rejects the file.

// csvHeader is the column order of the template and the export; an
// upload may order columns freely and leave out those it does not use.
var csvHeader = []string{"record", "zone", "countries", "postcodes", "min_days", "max_days",
	"up_to_g", "above_g", "per_g", "price", "type", "name", "percent", "amount", "over_side_mm", "over_weight_g"}

// CSVColumnsDoc explains the columns, for the API reference.
const CSVColumnsDoc = "- `record`: `zone`, `band`, `additional` or `surcharge`.\n" +
	"- zone rows: `zone` (name), `countries` (ISO codes separated by |), `postcodes` (optional, `DE:185*|DE:25938-25999`), `min_days`, `max_days`.\n" +
	"- band rows: `zone`, `up_to_g`, `price`.\n" +
	"- additional rows: `zone`, `above_g`, `per_g`, `price`.\n" +
	"- surcharge rows: `type` (fuel, remote_area, oversize, other), `name`, `percent` or `amount`, `zone` (optional, zones separated by |), `postcodes`, `over_side_mm`, `over_weight_g`.\n"

// MaxCSVRows bounds an upload.
const MaxCSVRows = 20000

// CSVReport is the answer to a rate-card upload.
type CSVReport struct {
	DryRun bool `json:"dry_run"`
	// Applied says the card was replaced; false when any row is wrong.
	Applied    bool          `json:"applied"`
	Rows       int           `json:"rows"`
	Zones      int           `json:"zones"`
	Bands      int           `json:"bands"`
	Additional int           `json:"additional"`
	Surcharges int           `json:"surcharges"`
	Errors     []CSVRowError `json:"errors"`
	// Service is the service as stored after the upload.
	Service *CarrierService `json:"service,omitempty"`
}

// XMLRoot names the report's XML element.
func (CSVReport) XMLRoot() string { return "rate_card_import" }

// CSVRowError is one problem of one cell, by spreadsheet row (the header
// is row 1) and column title.
type CSVRowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// XMLRoot names a row error's XML element.
func (CSVRowError) XMLRoot() string { return "error" }

// WriteCSV writes c's card: zones, bands, steps, surcharges.
func WriteCSV(w io.Writer, c CarrierService) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil { // Excel needs the BOM to read UTF-8
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := func(kv map[string]string) {
		r := make([]string, len(csvHeader))
		for i, h := range csvHeader {
			r[i] = safeCell(kv[h])
		}
		_ = cw.Write(r)
	}
	_ = cw.Write(csvHeader)
	for _, z := range c.Zones {
		row(map[string]string{"record": "zone", "zone": z.Name, "countries": strings.Join(z.Countries, "|"),
			"postcodes": formatPostcodes(z.Postcodes), "min_days": strconv.Itoa(z.TransitDays.Min), "max_days": strconv.Itoa(z.TransitDays.Max)})
	}
	for _, b := range c.Rates {
		row(map[string]string{"record": "band", "zone": b.Zone, "up_to_g": strconv.FormatInt(b.UpToG, 10), "price": b.Price})
	}
	for _, s := range c.Additional {
		row(map[string]string{"record": "additional", "zone": s.Zone, "above_g": strconv.FormatInt(s.AboveG, 10),
			"per_g": strconv.FormatInt(s.PerG, 10), "price": s.Price})
	}
	for _, s := range c.Surcharges {
		kv := map[string]string{"record": "surcharge", "type": s.Type, "name": s.Name, "percent": s.Percent, "amount": s.Amount,
			"zone": strings.Join(s.Zones, "|"), "postcodes": formatPostcodes(s.Postcodes)}
		if s.OverSideMM > 0 {
			kv["over_side_mm"] = strconv.FormatInt(s.OverSideMM, 10)
		}
		if s.OverWeightG > 0 {
			kv["over_weight_g"] = strconv.FormatInt(s.OverWeightG, 10)
		}
		row(kv)
	}
	cw.Flush()
	return cw.Error()
}

// WriteTemplate writes the header and an example of every record kind.
func WriteTemplate(w io.Writer) error {
	return WriteCSV(w, CarrierService{
		Zones: []Zone{{Name: "EU1", Countries: []string{"DE", "FR", "NL"}, TransitDays: daysOf(3, 5)},
			{Name: "DE-islands", Countries: []string{"DE"}, Postcodes: map[string][]string{"DE": {"185*", "25938-25999"}}, TransitDays: daysOf(4, 7)}},
		Rates: []Band{{Zone: "EU1", UpToG: 500, Price: "21.00"}, {Zone: "EU1", UpToG: 2000, Price: "34.00"},
			{Zone: "DE-islands", UpToG: 2000, Price: "39.00"}},
		Additional: []Step{{Zone: "EU1", AboveG: 2000, PerG: 500, Price: "4.20"}},
		Surcharges: []Surcharge{{Type: "fuel", Percent: "18.5"},
			{Type: "remote_area", Amount: "25.00", Postcodes: map[string][]string{"DE": {"18565"}}},
			{Type: "oversize", Amount: "60.00", OverSideMM: 1000}},
	})
}

func formatPostcodes(m map[string][]string) string {
	var parts []string
	ccs := make([]string, 0, len(m))
	for cc := range m {
		ccs = append(ccs, cc)
	}
	slices.Sort(ccs)
	for _, cc := range ccs {
		for _, p := range m[cc] {
			parts = append(parts, cc+":"+p)
		}
	}
	return strings.Join(parts, "|")
}

const dangerous = "=+-@\t\r"

// safeCell keeps a spreadsheet from reading a cell as a formula.
func safeCell(s string) string {
	if s != "" && strings.ContainsRune(dangerous, rune(s[0])) {
		return "'" + s
	}
	return s
}

// cardRows records which spreadsheet row each part of a parsed card came
// from, so that the card's validation errors ("rates[3].price") point
// back at cells.
type cardRows struct {
	zones, bands, additional, surcharges []int
}

var indexed = regexp.MustCompile(`^(zones|rates|additional|surcharges)\[(\d+)\](?:\.([a-z_]+))?`)

// parseCSV reads a card from r. Cell errors come back as row errors; the
// card is returned only when there are none.
func parseCSV(r io.Reader) (CarrierService, cardRows, []CSVRowError, error) {
	data, err := io.ReadAll(io.LimitReader(r, 32<<20))
	if err != nil {
		return CarrierService{}, cardRows{}, nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if !utf8.Valid(data) {
		return CarrierService{}, cardRows{}, nil, problem.Invalid(problem.Field{Field: "file", Code: "invalid_encoding"})
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.Comma = sniffComma(data)
	header, err := cr.Read()
	if err != nil {
		return CarrierService{}, cardRows{}, nil, problem.Invalid(problem.Field{Field: "file", Code: "required"})
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["record"]; !ok {
		return CarrierService{}, cardRows{}, nil, problem.BadRequest("invalid_csv_header",
			problem.Field{Field: "record", Code: "missing_column", Params: []any{"column", "record"}})
	}
	var (
		c    CarrierService
		rows cardRows
		errs []CSVRowError
	)
	line := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line++
		if err != nil {
			errs = append(errs, CSVRowError{Row: line, Code: "syntax"})
			continue
		}
		if line > MaxCSVRows+1 {
			return CarrierService{}, cardRows{}, nil, problem.New(413, "too_many_rows", "max", MaxCSVRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				v := strings.TrimSpace(rec[i])
				if strings.HasPrefix(v, "'") && len(v) > 1 && strings.ContainsRune(dangerous, rune(v[1])) {
					v = v[1:]
				}
				return v
			}
			return ""
		}
		bad := func(column, code string) { errs = append(errs, CSVRowError{Row: line, Column: column, Code: code}) }
		num := func(name string, optional bool) int64 {
			v := get(name)
			if v == "" {
				if !optional {
					bad(name, "required")
				}
				return 0
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				bad(name, "invalid_integer")
			}
			return n
		}
		postcodes := func() map[string][]string {
			v := get("postcodes")
			if v == "" {
				return nil
			}
			m := map[string][]string{}
			for _, part := range strings.Split(v, "|") {
				cc, p, ok := strings.Cut(strings.TrimSpace(part), ":")
				if !ok {
					bad("postcodes", "invalid_postcode_pattern")
					continue
				}
				m[strings.ToUpper(cc)] = append(m[strings.ToUpper(cc)], p)
			}
			return m
		}
		kind := strings.ToLower(get("record"))
		switch kind {
		case "":
			if strings.Join(rec, "") == "" {
				continue // a blank row is no record; the numbering stays the spreadsheet's
			}
			bad("record", "required")
		case "zone":
			z := Zone{Name: get("zone"), Postcodes: postcodes(),
				TransitDays: daysOf(int(num("min_days", false)), int(num("max_days", false)))}
			if cs := get("countries"); cs != "" {
				z.Countries = strings.Split(cs, "|")
			}
			c.Zones = append(c.Zones, z)
			rows.zones = append(rows.zones, line)
		case "band":
			c.Rates = append(c.Rates, Band{Zone: get("zone"), UpToG: num("up_to_g", false), Price: get("price")})
			rows.bands = append(rows.bands, line)
		case "additional":
			c.Additional = append(c.Additional, Step{Zone: get("zone"), AboveG: num("above_g", false), PerG: num("per_g", false), Price: get("price")})
			rows.additional = append(rows.additional, line)
		case "surcharge":
			s := Surcharge{Type: get("type"), Name: get("name"), Percent: get("percent"), Amount: get("amount"),
				Postcodes: postcodes(), OverSideMM: num("over_side_mm", true), OverWeightG: num("over_weight_g", true)}
			if z := get("zone"); z != "" {
				s.Zones = strings.Split(z, "|")
			}
			c.Surcharges = append(c.Surcharges, s)
			rows.surcharges = append(rows.surcharges, line)
		default:
			bad("record", "one_of")
		}
	}
	return c, rows, errs, nil
}

func sniffComma(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	best, n := ',', bytes.Count(first, []byte(","))
	for _, r := range []rune{';', '\t'} {
		if k := bytes.Count(first, []byte(string(r))); k > n {
			best, n = r, k
		}
	}
	return best
}

func daysOf(lo, hi int) logistics.Days { return logistics.Days{Min: lo, Max: hi} }

// rowOf maps a card field ("rates[3].price") to its spreadsheet row and
// column.
func (cr cardRows) rowOf(field string) (int, string) {
	m := indexed.FindStringSubmatch(field)
	if m == nil {
		return 0, ""
	}
	i, _ := strconv.Atoi(m[2])
	var list []int
	switch m[1] {
	case "zones":
		list = cr.zones
	case "rates":
		list = cr.bands
	case "additional":
		list = cr.additional
	case "surcharges":
		list = cr.surcharges
	}
	if i >= len(list) {
		return 0, ""
	}
	column := m[3]
	switch {
	case column == "transit_days":
		column = "max_days"
		if strings.HasSuffix(field, ".min") {
			column = "min_days"
		}
	case column == "zones":
		column = "zone"
	}
	return list[i], column
}

// ImportCSV replaces the card of one of the tenant's services (or, with
// shared, of a shared service) with the one in r. Nothing is written when
// any row is wrong, or in a dry run.
func (s *Service) ImportCSV(ctx context.Context, id string, r io.Reader, shared, dryRun bool,
	message func(code string, params ...any) string) (CSVReport, error) {
	if message == nil {
		message = func(code string, _ ...any) string { return code }
	}
	card, rows, errs, err := parseCSV(r)
	if err != nil {
		return CSVReport{}, err
	}
	rep := CSVReport{DryRun: dryRun, Rows: len(rows.zones) + len(rows.bands) + len(rows.additional) + len(rows.surcharges),
		Zones: len(card.Zones), Bands: len(card.Rates), Additional: len(card.Additional), Surcharges: len(card.Surcharges)}
	cur, err := s.owned(ctx, id, shared)
	if err != nil {
		return CSVReport{}, err
	}
	next := cur
	next.Zones, next.Rates, next.Additional, next.Surcharges = card.Zones, card.Rates, card.Additional, card.Surcharges
	next.Version = 0
	if len(errs) == 0 {
		if verr := next.Validate(); verr != nil {
			pe, ok := problem.As(verr)
			if !ok {
				return CSVReport{}, verr
			}
			for _, f := range pe.Fields {
				row, column := rows.rowOf(f.Field)
				errs = append(errs, CSVRowError{Row: row, Column: column, Field: f.Field, Code: f.Code,
					Message: message("validation."+f.Code, f.Params...)})
			}
		}
	}
	for i := range errs {
		if errs[i].Message == "" {
			errs[i].Message = message("validation." + errs[i].Code)
		}
	}
	slices.SortStableFunc(errs, func(a, b CSVRowError) int { return a.Row - b.Row })
	rep.Errors = errs
	if rep.Errors == nil {
		rep.Errors = []CSVRowError{}
	}
	if len(errs) > 0 || dryRun {
		return rep, nil
	}
	out, err := s.replace(ctx, id, next, shared)
	if err != nil {
		return CSVReport{}, err
	}
	if err := s.audit.Record(ctx, audit.Event{Action: action(shared, "import_csv"), Resource: "logistics_service/" + id,
		Detail: fmt.Sprintf("%d rows", rep.Rows)}); err != nil {
		return CSVReport{}, err
	}
	rep.Applied, rep.Service = true, &out
	return rep, nil
}
