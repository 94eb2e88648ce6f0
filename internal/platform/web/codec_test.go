package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// tAmount is a decimal string that checks itself, as money amounts do.
type tAmount string

func (a *tAmount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil || strings.Trim(s, "0123456789.") != "" {
		return problem.Invalid(problem.Field{Code: "invalid_format", Params: []any{"format", "decimal string"}})
	}
	*a = tAmount(s)
	return nil
}

type tMoney struct {
	Amount   tAmount `json:"amount"`
	Currency string  `json:"currency"`
}

type tLine struct {
	SKU       string `json:"sku"`
	Quantity  int    `json:"quantity"`
	UnitPrice tMoney `json:"unit_price"`
}

type tBuyer struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

type tOrder struct {
	ExternalID string            `json:"external_id"`
	PlacedAt   time.Time         `json:"placed_at,omitzero"`
	Buyer      tBuyer            `json:"buyer"`
	Lines      []tLine           `json:"lines"`
	Attributes map[string]int    `json:"attributes,omitempty"`
	Labels     []string          `json:"labels,omitempty"`
	Note       *string           `json:"note,omitempty"`
	Meta       map[string]string `json:"meta,omitempty"`
	Paid       bool              `json:"paid,omitempty"`
}

func (o *tOrder) Validate() error {
	var fs problem.Errors
	if o.ExternalID == "" {
		fs.Add("external_id", "required")
	}
	return fs.Err()
}

// wantProblem is what a decoding failure must look like.
type wantProblem struct {
	status int
	code   string
	field  string // of the first error
	fcode  string
	param  string // a parameter name the field must carry
}

func checkProblem(t *testing.T, err error, want wantProblem) {
	t.Helper()
	if want.status == 0 {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	pe, ok := problem.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a problem", err, err)
	}
	if pe.Status != want.status || pe.Code != want.code {
		t.Fatalf("got %d %s (%v), want %d %s", pe.Status, pe.Code, pe, want.status, want.code)
	}
	if want.fcode == "" {
		return
	}
	if len(pe.Fields) == 0 {
		t.Fatalf("no fields in %v", pe)
	}
	f := pe.Fields[0]
	if f.Field != want.field || f.Code != want.fcode {
		t.Errorf("field %q %s, want %q %s", f.Field, f.Code, want.field, want.fcode)
	}
	if want.param != "" {
		found := false
		for i := 0; i+1 < len(f.Params); i += 2 {
			if f.Params[i] == want.param {
				found = true
			}
		}
		if !found {
			t.Errorf("field %q lacks parameter %q: %v", f.Field, want.param, f.Params)
		}
	}
}

const validOrderJSON = `{"external_id": "AMZ-1", "placed_at": "2026-11-20T10:00:00Z",
 "buyer": {"name": "Jonas Weber", "email": "j@example.de"},
 "lines": [{"sku": "TOY-001", "quantity": 2, "unit_price": {"amount": "19.99", "currency": "EUR"}},
           {"sku": "TOY-002", "quantity": 1, "unit_price": {"amount": "5.00", "currency": "EUR"}}],
 "attributes": {"age_min_months": 36}, "labels": ["CE", "age_warning"]}`

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ctype string
		body  string
		want  wantProblem
	}{
		{"valid", "application/json", validOrderJSON, wantProblem{}},
		{"valid with charset", "application/json; charset=utf-8", `{"external_id":"x"}`, wantProblem{}},
		{"valid +json suffix", "application/vnd.silkgate+json", `{"external_id":"x"}`, wantProblem{}},
		{"no content type is json", "", `{"external_id":"x"}`, wantProblem{}},
		{"byte order mark", "application/json", "\uFEFF{\"external_id\":\"x\"}", wantProblem{}},
		{"malformed", "application/json", `{"external_id": }`,
			wantProblem{400, "malformed_json", "", "syntax", "offset"}},
		{"malformed in line", "application/json", `{"lines":[{"sku":"a","quantity":x}]}`,
			wantProblem{400, "malformed_json", "", "syntax", "offset"}},
		{"truncated", "application/json", `{"external_id": "x"`,
			wantProblem{400, "malformed_json", "", "unexpected_end", "offset"}},
		{"unknown field", "application/json", `{"external_id": "x", "bogus": 1}`,
			wantProblem{422, "validation_failed", "bogus", "unknown_field", ""}},
		{"unknown nested field", "application/json", `{"external_id": "x", "lines": [{"sku": "a"}, {"sku": "b", "colour": "red"}]}`,
			wantProblem{422, "validation_failed", "lines[1].colour", "unknown_field", ""}},
		{"unknown field in object", "application/json", `{"external_id": "x", "buyer": {"nick": "j"}}`,
			wantProblem{422, "validation_failed", "buyer.nick", "unknown_field", ""}},
		{"wrong type", "application/json", `{"external_id": 7}`,
			wantProblem{422, "validation_failed", "external_id", "invalid_type", "expected"}},
		{"wrong type in second line", "application/json", `{"lines": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": "two"}]}`,
			wantProblem{422, "validation_failed", "lines[1].quantity", "invalid_type", "expected"}},
		{"wrong type with spaces", "application/json", "{ \"lines\" : [ { \"quantity\" : 1 } ,\n { \"quantity\" :\t true } ] }",
			wantProblem{422, "validation_failed", "lines[1].quantity", "invalid_type", "expected"}},
		{"fraction for integer", "application/json", `{"lines": [{"quantity": 1.5}]}`,
			wantProblem{422, "validation_failed", "lines[0].quantity", "invalid_type", "expected"}},
		{"huge number", "application/json", `{"lines": [{"quantity": 1e400}]}`,
			wantProblem{422, "validation_failed", "lines[0].quantity", "invalid_type", "expected"}},
		{"wrong nested type", "application/json", `{"lines": [{"unit_price": {"currency": 978}}]}`,
			wantProblem{422, "validation_failed", "lines[0].unit_price.currency", "invalid_type", "expected"}},
		{"object for array", "application/json", `{"lines": {"sku": "a"}}`,
			wantProblem{422, "validation_failed", "lines", "invalid_type", "expected"}},
		{"number for object in array", "application/json", `{"lines": [{}, 3]}`,
			wantProblem{422, "validation_failed", "lines[1]", "invalid_type", "expected"}},
		{"wrong type in map", "application/json", `{"attributes": {"age_min_months": "36"}}`,
			wantProblem{422, "validation_failed", "attributes.age_min_months", "invalid_type", "expected"}},
		{"odd map key", "application/json", `{"meta": {"a.b": 1}}`,
			wantProblem{422, "validation_failed", `meta["a.b"]`, "invalid_type", "expected"}},
		{"array for body", "application/json", `[1, 2]`,
			wantProblem{422, "validation_failed", "", "invalid_type", "expected"}},
		{"own unmarshaler", "application/json", `{"lines": [{"unit_price": {"amount": "1.00"}}, {"unit_price": {"amount": "ten"}}]}`,
			wantProblem{422, "validation_failed", "lines[1].unit_price.amount", "invalid_format", "format"}},
		{"bad date", "application/json", `{"external_id": "x", "placed_at": "yesterday"}`,
			wantProblem{422, "validation_failed", "placed_at", "invalid_format", "format"}},
		{"number for date", "application/json", `{"external_id": "x", "placed_at": 5}`,
			wantProblem{422, "validation_failed", "placed_at", "invalid_format", "format"}},
		{"invalid utf-8", "application/json", "{\"external_id\": \"a\xff\"}",
			wantProblem{400, "invalid_utf8", "", "invalid_utf8", "offset"}},
		{"empty", "application/json", "", wantProblem{400, "empty_body", "", "", ""}},
		{"blank", "application/json", " \n\t ", wantProblem{400, "empty_body", "", "", ""}},
		{"trailing object", "application/json", `{"external_id": "x"} {}`,
			wantProblem{400, "malformed_json", "", "trailing_data", "offset"}},
		{"trailing brace", "application/json", `{"external_id": "x"} }`,
			wantProblem{400, "malformed_json", "", "trailing_data", "offset"}},
		{"trailing garbage", "application/json", `{"external_id": "x"}x`,
			wantProblem{400, "malformed_json", "", "trailing_data", "offset"}},
		{"own validation", "application/json", `{"lines": []}`,
			wantProblem{422, "validation_failed", "external_id", "required", ""}},
		{"wrong content type", "text/plain", `{"external_id":"x"}`,
			wantProblem{415, "unsupported_media_type", "", "", ""}},
		{"form content type", "application/x-www-form-urlencoded", `external_id=x`,
			wantProblem{415, "unsupported_media_type", "", "", ""}},
		{"unparseable content type", "application/json/x", `{"external_id":"x"}`,
			wantProblem{415, "unsupported_media_type", "", "", ""}},
		{"foreign charset", "application/json; charset=iso-8859-1", `{"external_id":"x"}`,
			wantProblem{415, "unsupported_media_type", "", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			var o tOrder
			checkProblem(t, Decode(r, &o), tt.want)
		})
	}
}

func TestDecodeValidValues(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(validOrderJSON))
	r.Header.Set("Content-Type", "application/json")
	var got tOrder
	if err := Decode(r, &got); err != nil {
		t.Fatal(err)
	}
	want := tOrder{ExternalID: "AMZ-1", PlacedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Buyer: tBuyer{Name: "Jonas Weber", Email: "j@example.de"},
		Lines: []tLine{{SKU: "TOY-001", Quantity: 2, UnitPrice: tMoney{"19.99", "EUR"}},
			{SKU: "TOY-002", Quantity: 1, UnitPrice: tMoney{"5.00", "EUR"}}},
		Attributes: map[string]int{"age_min_months": 36}, Labels: []string{"CE", "age_warning"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("decoded (-want +got):\n%s", d)
	}
}

func TestDecodeXML(t *testing.T) {
	t.Parallel()
	const valid = `<?xml version="1.0" encoding="UTF-8"?>
<order>
  <external_id>AMZ-1</external_id>
  <placed_at>2026-11-20T10:00:00Z</placed_at>
  <buyer><name>Jonas Weber</name><email>j@example.de</email></buyer>
  <lines>
    <line><sku>TOY-001</sku><quantity>2</quantity><unit_price><amount>19.99</amount><currency>EUR</currency></unit_price></line>
    <line><sku>TOY-002</sku><quantity>1</quantity><unit_price><amount>5.00</amount><currency>EUR</currency></unit_price></line>
  </lines>
  <attributes><age_min_months>36</age_min_months></attributes>
  <labels><label>CE</label><label>age_warning</label></labels>
</order>`
	tests := []struct {
		name string
		body string
		want wantProblem
	}{
		{"valid", valid, wantProblem{}},
		{"wrong type", `<order><external_id>x</external_id><lines><line><quantity>1</quantity></line><line><quantity>two</quantity></line></lines></order>`,
			wantProblem{422, "validation_failed", "lines[1].quantity", "invalid_type", "expected"}},
		{"element for scalar", `<order><external_id><a>1</a></external_id></order>`,
			wantProblem{422, "validation_failed", "external_id", "invalid_type", "expected"}},
		{"unknown element", `<order><external_id>x</external_id><lines><line><sku>a</sku><colour>red</colour></line></lines></order>`,
			wantProblem{422, "validation_failed", "lines[0].colour", "unknown_field", ""}},
		{"own unmarshaler", `<order><external_id>x</external_id><lines><line><unit_price><amount>ten</amount></unit_price></line></lines></order>`,
			wantProblem{422, "validation_failed", "lines[0].unit_price.amount", "invalid_format", ""}},
		{"own validation", `<order><lines/></order>`,
			wantProblem{422, "validation_failed", "external_id", "required", ""}},
		{"not a number", `<order><external_id>x</external_id><lines><line><quantity>NaN</quantity></line></lines></order>`,
			wantProblem{422, "validation_failed", "lines[0].quantity", "invalid_type", ""}},
		{"hex number", `<order><external_id>x</external_id><lines><line><quantity>0x10</quantity></line></lines></order>`,
			wantProblem{422, "validation_failed", "lines[0].quantity", "invalid_type", ""}},
		{"malformed", `<order><external_id>x</order>`, wantProblem{400, "malformed_xml", "", "xml_syntax", "line"}},
		{"two roots", `<order><external_id>x</external_id></order><order/>`,
			wantProblem{400, "malformed_xml", "", "xml_trailing_data", "line"}},
		{"text after root", `<order><external_id>x</external_id></order> junk`,
			wantProblem{400, "malformed_xml", "", "xml_trailing_data", "line"}},
		{"undeclared entity", `<order><external_id>&bogus;</external_id></order>`,
			wantProblem{400, "malformed_xml", "", "xml_syntax", ""}},
		{"invalid utf-8", "<order><external_id>\xff</external_id></order>",
			wantProblem{400, "invalid_utf8", "", "invalid_utf8", "offset"}},
		{"empty", ``, wantProblem{400, "empty_body", "", "", ""}},
		{"declaration only", `<?xml version="1.0"?>`, wantProblem{400, "empty_body", "", "", ""}},
		{"too deep", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100),
			wantProblem{400, "malformed_xml", "", "too_deep", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/xml")
			var o tOrder
			checkProblem(t, Decode(r, &o), tt.want)
		})
	}

	t.Run("same value as JSON", func(t *testing.T) {
		t.Parallel()
		var fromXML, fromJSON tOrder
		if err := DecodeBytes("application/xml", []byte(valid), &fromXML); err != nil {
			t.Fatal(err)
		}
		if err := DecodeBytes("application/json", []byte(validOrderJSON), &fromJSON); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(fromJSON, fromXML); d != "" {
			t.Errorf("XML and JSON decode differently (-json +xml):\n%s", d)
		}
	})
}

func TestDecodeTooLarge(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"external_id": "`+strings.Repeat("x", 100)+`"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Body = http.MaxBytesReader(w, r.Body, 32)
	var o tOrder
	checkProblem(t, Decode(r, &o), wantProblem{413, "too_large", "", "", ""})
}

func TestDecodeNotPointer(t *testing.T) {
	t.Parallel()
	err := DecodeBytes("application/json", []byte(`{}`), tOrder{})
	if _, ok := problem.As(err); ok || err == nil {
		t.Errorf("decoding into a non-pointer must be a programming error, got %v", err)
	}
}

func TestWantsXML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, accept, ctype string
		want                bool
	}{
		{"nothing", "", "", false},
		{"json body", "", "application/json", false},
		{"xml body", "", "application/xml", true},
		{"text/xml body", "", "text/xml; charset=utf-8", true},
		{"accept xml", "application/xml", "", true},
		{"accept text/xml", "text/xml", "application/json", true},
		{"accept json with xml body", "application/json", "application/xml", false},
		{"wildcard keeps body type", "*/*", "application/xml", true},
		{"wildcard json body", "*/*", "application/json", false},
		{"xml preferred by q", "application/json;q=0.5, application/xml", "", true},
		{"json preferred by q", "application/xml;q=0.4, application/json;q=0.9", "application/xml", false},
		{"xml refused", "application/xml;q=0", "application/xml", false},
		{"equal weight, first wins", "application/xml, application/json", "", true},
		{"equal weight, json first", "application/json, application/xml", "application/xml", false},
		{"xml named, json wildcard", "application/xml, */*;q=0.1", "", true},
		{"json named, xml body", "application/json, */*", "application/xml", false},
		{"problem+xml", "application/problem+xml", "", true},
		{"browser", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", false},
		{"upper case", "APPLICATION/XML", "", true},
		{"garbage", ";;;,", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			if got := wantsXML(r); got != tt.want {
				t.Errorf("wantsXML = %v, want %v", got, tt.want)
			}
		})
	}
}

type tShipment struct {
	ID      string   `json:"id"`
	Lines   []tLine  `json:"lines"`
	Parcels []string `json:"parcels,omitempty"`
	DimsMM  []int    `json:"dims_mm"`
	Note    *string  `json:"note"`
	Title   map[string]string
}

type tCategory struct {
	Name string `json:"name"`
}

func (tCategory) XMLRoot() string { return "category" }

func TestRespond(t *testing.T) {
	t.Parallel()
	ship := tShipment{ID: "shp_1", Lines: []tLine{{SKU: "A&B", Quantity: 2, UnitPrice: tMoney{"1.50", "USD"}}},
		DimsMM: []int{200, 150}, Title: map[string]string{"zh-CN": "积木", "en": "Blocks"}}
	list := List[tShipment]{Items: []tShipment{{ID: "shp_1", DimsMM: []int{}}, {ID: "shp_2", DimsMM: []int{}}}, NextCursor: "c2hwXzI"}
	tests := []struct {
		name   string
		accept string
		status int
		v      any
		ctype  string
		want   string
	}{
		{"json", "", 201, ship, "application/json",
			`{"id":"shp_1","lines":[{"sku":"A\u0026B","quantity":2,"unit_price":{"amount":"1.50","currency":"USD"}}],"dims_mm":[200,150],"note":null,"Title":{"en":"Blocks","zh-CN":"积木"}}` + "\n"},
		{"xml resource", "application/xml", 201, ship, "application/xml; charset=utf-8",
			xmlHeader + `<t_shipment><id>shp_1</id><lines><line><sku>A&amp;B</sku><quantity>2</quantity><unit_price><amount>1.50</amount><currency>USD</currency></unit_price></line></lines><dims_mm><dim_mm>200</dim_mm><dim_mm>150</dim_mm></dims_mm><note nil="true"></note><Title><en>Blocks</en><zh-CN>积木</zh-CN></Title></t_shipment>` + "\n"},
		{"xml list", "application/xml", 200, list, "application/xml; charset=utf-8",
			xmlHeader + `<items next_cursor="c2hwXzI"><t_shipment><id>shp_1</id><lines nil="true"></lines><dims_mm></dims_mm><note nil="true"></note><Title nil="true"></Title></t_shipment><t_shipment><id>shp_2</id><lines nil="true"></lines><dims_mm></dims_mm><note nil="true"></note><Title nil="true"></Title></t_shipment></items>` + "\n"},
		{"xml slice", "application/xml", 200, []tCategory{{"toys"}, {"books"}}, "application/xml; charset=utf-8",
			xmlHeader + `<items><category><name>toys</name></category><category><name>books</name></category></items>` + "\n"},
		{"xml named root", "application/xml", 200, tCategory{"toys"}, "application/xml; charset=utf-8",
			xmlHeader + `<category><name>toys</name></category>` + "\n"},
		{"json list", "", 200, List[tCategory]{Items: []tCategory{{"toys"}}}, "application/json",
			`{"items":[{"name":"toys"}]}` + "\n"},
		{"no content", "", 204, ship, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			w := httptest.NewRecorder()
			if err := Respond(w, r, tt.status, tt.v); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if got := w.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if d := cmp.Diff(tt.want, w.Body.String()); d != "" {
				t.Errorf("body (-want +got):\n%s", d)
			}
		})
	}
}

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// TestXMLRoundTrip checks that what Respond writes as XML, Decode reads
// back as the same value: the two spellings are one model.
func TestXMLRoundTrip(t *testing.T) {
	t.Parallel()
	note := "fragile"
	in := tOrder{ExternalID: "AMZ-1", PlacedAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC),
		Buyer: tBuyer{Name: "Jonas <Weber>"}, Note: &note,
		Lines:      []tLine{{SKU: "A", Quantity: 2, UnitPrice: tMoney{"1.50", "USD"}}, {SKU: "B", Quantity: -1, UnitPrice: tMoney{"0", "USD"}}},
		Attributes: map[string]int{"age_min_months": 36, "9lives": 9}, Labels: []string{"CE"},
		Meta: map[string]string{"a b": "c"}, Paid: true}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept", "application/xml")
	w := httptest.NewRecorder()
	if err := Respond(w, r, 200, in); err != nil {
		t.Fatal(err)
	}
	var out tOrder
	if err := DecodeBytes("application/xml", w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%v\n%s", err, w.Body)
	}
	if d := cmp.Diff(in, out); d != "" {
		t.Errorf("round trip (-in +out):\n%s\n%s", d, w.Body)
	}
}

func TestSingularAndSnake(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"lines": "line", "categories": "category", "dims_mm": "dim_mm", "boxes": "box", "matches": "match",
		"addresses": "address", "statuses": "status", "status": "item", "items": "item", "excluded": "item",
		"dangerous_goods": "dangerous_good", "findings": "finding", "errors": "error",
	} {
		if got := singular(in); got != want {
			t.Errorf("singular(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Order": "order", "OrderLine": "order_line", "HTTPStatus": "http_status", "SKUList": "sku_list",
		"ID": "id", "Carrier2Service": "carrier2_service", "": "value",
	} {
		if got := snake(in); got != want {
			t.Errorf("snake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWriteErrorShape(t *testing.T) {
	t.Parallel()
	cat := testCatalog(t)
	tests := []struct {
		name, lang string
		err        error
		status     int
		code       string
		title      string
	}{
		{"not found en", "en", problem.ErrNotFound, 404, "not_found", "Not found"},
		{"not found zh", "zh-CN", problem.ErrNotFound, 404, "not_found", "未找到"},
		{"wrapped", "en", errors.Join(errors.New("ctx"), problem.ErrForbidden), 403, "forbidden", "Not allowed"},
		{"unknown", "en", errors.New("pq: password authentication failed for secret"), 500, "internal", "Internal error"},
		{"status zero", "en", &problem.Error{Code: "weird"}, 500, "internal", "Internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Accept-Language", tt.lang)
			h := Pipeline(&Env{Catalog: cat}, nil, H(func(w http.ResponseWriter, r *http.Request) error { return tt.err }))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			p := problemOf(t, w)
			if p.Status != tt.status || p.Code != tt.code || p.Title != tt.title {
				t.Errorf("got %d %s %q, want %d %s %q", p.Status, p.Code, p.Title, tt.status, tt.code, tt.title)
			}
			if strings.Contains(w.Body.String(), "secret") {
				t.Errorf("internal error text leaked: %s", w.Body)
			}
			if p.Type != "https://silkgate.dev/problems/"+tt.code {
				t.Errorf("type %q", p.Type)
			}
		})
	}

	t.Run("fields and xml", func(t *testing.T) {
		t.Parallel()
		err := problem.Invalid(problem.Field{Field: "lines[0].quantity", Code: "invalid_type", Params: []any{"expected", "integer"}})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept", "application/xml")
		h := Pipeline(&Env{Catalog: cat}, nil, H(func(w http.ResponseWriter, r *http.Request) error { return err }))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+xml" {
			t.Fatalf("Content-Type %q", ct)
		}
		for _, s := range []string{"<problem>", "<status>422</status>", "<errors><error><field>lines[0].quantity</field>", "Expected integer."} {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("XML problem lacks %q: %s", s, w.Body)
			}
		}
	})

	t.Run("retry after", func(t *testing.T) {
		t.Parallel()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		w := httptest.NewRecorder()
		WriteError(w, r, problem.RateLimited(1500*time.Millisecond))
		if w.Code != 429 || w.Header().Get("Retry-After") != "2" {
			t.Errorf("got %d Retry-After %q", w.Code, w.Header().Get("Retry-After"))
		}
	})

	t.Run("after the response began", func(t *testing.T) {
		t.Parallel()
		h := Pipeline(&Env{Catalog: cat}, nil, H(func(w http.ResponseWriter, r *http.Request) error {
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte("partial"))
			return problem.ErrConflict
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		if w.Code != http.StatusAccepted || w.Body.String() != "partial" {
			t.Errorf("an error after the response began must not be appended: %d %q", w.Code, w.Body)
		}
	})
}
