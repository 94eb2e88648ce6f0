package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Validator is implemented by request types that check themselves after
// decoding; Validate returns a problem.Invalid naming the fields.
type Validator interface {
	Validate() error
}

// MediaType returns the bare, lower-case media type of the request body: ""
// when the request has no Content-Type, and the raw value when it cannot be
// parsed (so that it is refused by name rather than guessed at).
func MediaType(r *http.Request) string {
	raw := r.Header.Get("Content-Type")
	if strings.TrimSpace(raw) == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(raw)
	if mt == "" && err != nil {
		bare, _, _ := strings.Cut(raw, ";")
		return strings.ToLower(strings.TrimSpace(bare))
	}
	return strings.ToLower(mt)
}

func isJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }
func isXML(mt string) bool {
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}

// unsupported is the 415 for a body of media type mt.
func unsupported(mt string) error {
	return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Params: []any{"type", mt}}
}

// checkCharset refuses a body declared in any charset but UTF-8 (or its
// ASCII subset): the decoders read UTF-8 only, and guessing would corrupt
// names and addresses silently.
func checkCharset(r *http.Request) error {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil
	}
	switch cs := strings.ToLower(params["charset"]); cs {
	case "", "utf-8", "utf8", "us-ascii":
		return nil
	default:
		return unsupported(r.Header.Get("Content-Type"))
	}
}

// Decode reads the request body into v (JSON or XML by Content-Type; a body
// without Content-Type is taken as JSON, the default media type), rejecting
// unknown fields, wrong types and invalid UTF-8 with problems that name the
// field ("lines[0].quantity"), then runs v's own validation. The body size
// limit is set by the router before the handler runs.
func Decode(r *http.Request, v any) error {
	mt := MediaType(r)
	if mt != "" && !isJSON(mt) && !isXML(mt) {
		return unsupported(mt)
	}
	if err := checkCharset(r); err != nil {
		return err
	}
	if r.Body == nil {
		return problem.BadRequest("empty_body")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if pe := tooLarge(err); pe != nil {
			return pe
		}
		return fmt.Errorf("web: read body: %w", err)
	}
	return DecodeBytes(mt, body, v)
}

// tooLarge maps a body read that hit the size limit to its 413, or nil.
func tooLarge(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Params: []any{"limit", mbe.Limit}}
	}
	return nil
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// DecodeBytes is Decode for a body already read. mediaType may carry
// parameters; "" means JSON. Every failure is a *problem.Error, except a v
// that is not a non-nil pointer, which is a programming error.
func DecodeBytes(mediaType string, body []byte, v any) error {
	mt := strings.ToLower(strings.TrimSpace(mediaType))
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = strings.TrimSpace(mt[:i])
	}
	xmlBody := isXML(mt)
	if mt != "" && !isJSON(mt) && !xmlBody {
		return unsupported(mt)
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(trimJSONSpace(body)) == 0 {
		return problem.BadRequest("empty_body")
	}
	if !utf8.Valid(body) {
		return problem.BadRequest("invalid_utf8", problem.Field{Code: "invalid_utf8",
			Params: []any{"offset", invalidUTF8Offset(body)}})
	}
	if xmlBody {
		j, err := xmlToJSON(body, v)
		if err != nil {
			return err
		}
		body = j
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err, body, reflect.TypeOf(v))
	}
	// Decoder.More misses a stray '}' or ']', so look at what is left.
	if off := dec.InputOffset(); len(trimJSONSpace(body[off:])) > 0 {
		return problem.BadRequest("malformed_json", problem.Field{Code: "trailing_data",
			Params: []any{"offset", off}})
	}
	if val, ok := v.(Validator); ok {
		return val.Validate()
	}
	return nil
}

// trimJSONSpace trims the four bytes JSON counts as white space (and no
// others: a no-break space is an error, not padding).
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

// jsonProblem turns encoding/json's errors into problems naming the field.
// encoding/json reports a wrong type with the byte offset and a path
// without array indexes ("lines.quantity"), an unknown field with its bare
// name, and a field's own UnmarshalJSON error with neither; the document is
// walked again to name the exact value ("lines[1].quantity").
func jsonProblem(err error, body []byte, t reflect.Type) error {
	var (
		se  *json.SyntaxError
		te  *json.UnmarshalTypeError
		iue *json.InvalidUnmarshalError
	)
	switch {
	case errors.As(err, &iue):
		return fmt.Errorf("web: decode: %w", err)
	case errors.As(err, &se):
		return problem.BadRequest("malformed_json", problem.Field{Code: "syntax",
			Params: []any{"offset", se.Offset}})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.BadRequest("malformed_json", problem.Field{Code: "unexpected_end",
			Params: []any{"offset", len(body)}})
	case errors.Is(err, io.EOF):
		return problem.BadRequest("empty_body")
	case errors.As(err, &te):
		path, ok := pathAtOffset(body, te.Offset)
		if !ok {
			path = dottedToPath(te.Field)
		}
		return problem.Invalid(problem.Field{Field: path, Code: "invalid_type",
			Params: []any{"expected", jsonTypeName(te.Type), "got", te.Value}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.TrimPrefix(err.Error(), "json: unknown field ")
		if s, qerr := unquote(name); qerr == nil {
			name = s
		}
		path := name
		if p, ok := locate(body, t, findUnknown, name); ok {
			path = p
		}
		return problem.Invalid(problem.Field{Field: path, Code: "unknown_field"})
	}
	// A field's own UnmarshalJSON failed (money, dates, enums).
	path, _ := locate(body, t, findUnmarshalError, "")
	if pe, ok := problem.As(err); ok {
		return withPathPrefix(pe, path)
	}
	var pte *time.ParseError
	if errors.As(err, &pte) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		return problem.Invalid(problem.Field{Field: path, Code: "invalid_format",
			Params: []any{"format", "RFC 3339 date-time, e.g. 2026-11-20T10:00:00Z"}})
	}
	return problem.Invalid(problem.Field{Field: path, Code: "invalid_value", Params: []any{"reason", err.Error()}})
}

func unquote(s string) (string, error) {
	var out string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}

// withPathPrefix returns a copy of pe (which may be a shared sentinel) whose
// fields are placed under path: a nested type names its own sub-fields
// ("amount"), and only the walk knows where the type sits in the document.
func withPathPrefix(pe *problem.Error, path string) *problem.Error {
	cp := *pe
	if path == "" {
		return &cp
	}
	cp.Fields = make([]problem.Field, 0, len(pe.Fields)+1)
	for _, f := range pe.Fields {
		switch {
		case f.Field == "":
			f.Field = path
		case strings.HasPrefix(f.Field, "["):
			f.Field = path + f.Field
		default:
			f.Field = path + "." + f.Field
		}
		cp.Fields = append(cp.Fields, f)
	}
	if len(cp.Fields) == 0 && cp.Status == http.StatusUnprocessableEntity {
		cp.Fields = append(cp.Fields, problem.Field{Field: path, Code: "invalid_value", Params: []any{"reason", pe.Code}})
	}
	return &cp
}

// jsonTypeName names the JSON type a Go type expects, in the words of the
// API reference.
func jsonTypeName(t reflect.Type) string {
	if t == nil {
		return "value"
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return "string"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.String:
		return "string"
	}
	return t.Kind().String()
}

// Respond writes v with status, as XML when the client asked for it and JSON
// otherwise. A 204 or 304 carries no body whatever v is.
func Respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	w.Header().Add("Vary", "Accept")
	if status == http.StatusNoContent || status == http.StatusNotModified {
		w.WriteHeader(status)
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("web: encode response: %w", err)
	}
	if wantsXML(r) {
		x, err := encodeXML(v, b)
		if err != nil {
			return fmt.Errorf("web: encode xml: %w", err)
		}
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(status)
		_, err = w.Write(x)
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// encodeXML re-spells v (already marshalled to JSON as b) as XML: a list as
// <items> of singular elements, anything else under its singular root.
func encodeXML(v any, b []byte) ([]byte, error) {
	if l, ok := v.(interface{ xmlList() (any, string, string) }); ok {
		return listToXML(l.xmlList())
	}
	if t := reflect.TypeOf(v); t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) &&
		t.Elem().Kind() != reflect.Uint8 {
		return listToXML(v, xmlItemName(t.Elem()), "")
	}
	return jsonToXML(b, xmlRootName(v))
}

// NoContent writes 204.
func NoContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// xmlRootName is the element name of v's XML form: v's XMLRoot method, or
// its type name in snake case.
func xmlRootName(v any) string {
	if n, ok := v.(interface{ XMLRoot() string }); ok {
		return n.XMLRoot()
	}
	return snake(typeName(v))
}

// xmlItemName names the element of one item of type t in a list.
func xmlItemName(t reflect.Type) string {
	if t == nil {
		return "item"
	}
	if t.Implements(xmlRooter) {
		if t.Kind() != reflect.Pointer {
			return reflect.Zero(t).Interface().(interface{ XMLRoot() string }).XMLRoot()
		}
		return reflect.New(t.Elem()).Interface().(interface{ XMLRoot() string }).XMLRoot()
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return "item"
	}
	return snake(baseTypeName(t.Name()))
}

var xmlRooter = reflect.TypeFor[interface{ XMLRoot() string }]()

// listToXML writes <items next_cursor="…"> holding one element per item,
// named after the item's type (<order>…</order>).
func listToXML(items any, itemName, next string) ([]byte, error) {
	b, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: "items"}}
	if next != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "next_cursor"}, Value: next}}
	}
	if err := enc.EncodeToken(start); err != nil {
		return nil, err
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == json.Delim('[') {
		for dec.More() {
			if err := writeXMLValue(dec, enc, element(itemName)); err != nil {
				return nil, err
			}
		}
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}
