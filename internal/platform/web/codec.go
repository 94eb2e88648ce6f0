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
	"strings"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Validator is implemented by request types that check themselves after
// decoding; Validate returns a problem.Invalid naming the fields.
type Validator interface {
	Validate() error
}

// MediaType returns the bare media type of the request body.
func MediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

func isJSON(mt string) bool { return mt == "application/json" || strings.HasSuffix(mt, "+json") }
func isXML(mt string) bool {
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}

// wantsXML reports whether the response should be XML: an explicit Accept
// for XML, or an XML request body with no preference stated.
func wantsXML(r *http.Request) bool {
	acc := strings.ToLower(r.Header.Get("Accept"))
	if strings.Contains(acc, "application/xml") || strings.Contains(acc, "text/xml") {
		return !strings.Contains(acc, "application/json") ||
			strings.Index(acc, "xml") < strings.Index(acc, "application/json")
	}
	if acc == "" || acc == "*/*" {
		return isXML(MediaType(r))
	}
	return false
}

// Decode reads the request body into v (JSON or XML by Content-Type),
// rejecting unknown fields, wrong types and invalid UTF-8 with problems that
// name the field, then runs v's own validation. The body size limit is set
// by the router before the handler runs.
func Decode(r *http.Request, v any) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
				Params: []any{"limit", mbe.Limit}}
		}
		return fmt.Errorf("web: read body: %w", err)
	}
	return DecodeBytes(MediaType(r), body, v)
}

// DecodeBytes is Decode for a body already read.
func DecodeBytes(mediaType string, body []byte, v any) error {
	switch {
	case isJSON(mediaType):
	case isXML(mediaType):
		j, err := xmlToJSON(body, v)
		if err != nil {
			return err
		}
		body = j
	default:
		return &problem.Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
			Params: []any{"type", mediaType}}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return problem.BadRequest("empty_body")
	}
	if !utf8.Valid(body) {
		return problem.BadRequest("invalid_utf8", problem.Field{Field: "", Code: "invalid_utf8",
			Params: []any{"offset", invalidUTF8Offset(body)}})
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return problem.BadRequest("malformed_json", problem.Field{Code: "trailing_data",
			Params: []any{"offset", dec.InputOffset()}})
	}
	if val, ok := v.(Validator); ok {
		return val.Validate()
	}
	return nil
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
func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return problem.BadRequest("malformed_json", problem.Field{Code: "syntax",
			Params: []any{"offset", se.Offset}})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return problem.BadRequest("malformed_json", problem.Field{Code: "unexpected_end"})
	case errors.As(err, &te):
		want := te.Type.Kind().String()
		switch want {
		case "struct", "map":
			want = "object"
		case "slice", "array":
			want = "array"
		case "int", "int64", "int32", "uint", "uint64", "uint32", "float64", "float32":
			want = "number"
		}
		return problem.Invalid(problem.Field{Field: te.Field, Code: "invalid_type",
			Params: []any{"expected", want, "got", te.Value}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return problem.Invalid(problem.Field{Field: name, Code: "unknown_field"})
	}
	var pe *problem.Error
	if errors.As(err, &pe) {
		return pe
	}
	// Errors from a field's own UnmarshalJSON (money, dates) carry their
	// message; surface them as a validation failure rather than a 500.
	return problem.Invalid(problem.Field{Code: "invalid_value", Params: []any{"reason", err.Error()}})
}

// Respond writes v with status, as XML when the client asked for it and JSON
// otherwise.
func Respond(w http.ResponseWriter, r *http.Request, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("web: encode response: %w", err)
	}
	if wantsXML(r) {
		var x []byte
		if l, ok := v.(interface{ xmlList() (any, string, string) }); ok {
			x, err = listToXML(l.xmlList())
		} else {
			x, err = jsonToXML(b, xmlRootName(v))
		}
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
	if _, err := dec.Token(); err != nil { // [
		return nil, err
	}
	for dec.More() {
		if err := writeXMLValue(dec, enc, element(itemName)); err != nil {
			return nil, err
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
