package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// XML is a second spelling of the JSON resources, not a second model: the
// root element is the resource's singular name, fields are elements of the
// same names, and an array is a wrapper element holding one element per
// item named in the singular (<lines><line>…</line></lines>). Incoming XML
// is converted to JSON guided by the target type and then decoded by the
// JSON path, so both media types share every validation rule and error.

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

type xnode struct {
	name     string
	attrs    map[string]string
	text     strings.Builder
	children []*xnode
}

// maxXMLDepth bounds element nesting; no Silkgate resource comes close.
const maxXMLDepth = 64

func parseXML(body []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	var stack []*xnode
	var root *xnode
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, reason := 0, err.Error()
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line, reason = se.Line, se.Msg
			}
			return nil, problem.BadRequest("malformed_xml", problem.Field{Code: "xml_syntax",
				Params: []any{"line", line, "reason", reason}})
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 && root != nil {
				// A second root element: JSON refuses trailing data, and so
				// does XML.
				return nil, xmlTrailing(dec)
			}
			n := &xnode{name: t.Name.Local}
			for _, a := range t.Attr {
				if n.attrs == nil {
					n.attrs = map[string]string{}
				}
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
			if len(stack) > maxXMLDepth {
				return nil, problem.BadRequest("malformed_xml", problem.Field{Code: "too_deep"})
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, xmlTrailing(dec)
			}
		}
	}
	if root == nil {
		return nil, problem.BadRequest("empty_body")
	}
	return root, nil
}

func xmlTrailing(dec *xml.Decoder) error {
	line, _ := dec.InputPos()
	return problem.BadRequest("malformed_xml", problem.Field{Code: "xml_trailing_data",
		Params: []any{"line", line}})
}

func xmlToJSON(body []byte, v any) ([]byte, error) {
	root, err := parseXML(body)
	if err != nil {
		return nil, err
	}
	return json.Marshal(convert(root, reflect.TypeOf(v)))
}

// convert maps a node onto the JSON value the type t expects. It never fails:
// a value of the wrong shape is passed through as a string so the JSON
// decoder reports it with the field's name.
func convert(n *xnode, t reflect.Type) any {
	if n.attrs["nil"] == "true" && len(n.children) == 0 && strings.TrimSpace(n.text.String()) == "" {
		return nil
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	text := strings.TrimSpace(n.text.String())
	if t == nil || t.Kind() == reflect.Interface {
		return convertUntyped(n)
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		if t.Kind() != reflect.Struct || len(n.children) == 0 {
			return text
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		fields := jsonFields(t)
		m := map[string]any{}
		for _, c := range n.children {
			ft, ok := fieldFor(fields, c.name)
			if !ok {
				// Passed through so that the JSON decoder names it as an
				// unknown field.
				m[c.name] = convertUntyped(c)
				continue
			}
			m[c.name] = convert(c, ft)
		}
		return m
	case reflect.Map:
		m := map[string]any{}
		for _, c := range n.children {
			key := c.name
			if k, ok := c.attrs["key"]; ok && c.name == "entry" {
				key = k
			}
			m[key] = convert(c, t.Elem())
		}
		return m
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && len(n.children) == 0 {
			return text
		}
		out := make([]any, 0, len(n.children))
		for _, c := range n.children {
			out = append(out, convert(c, t.Elem()))
		}
		return out
	}
	if len(n.children) > 0 {
		// An element where a scalar belongs: hand the JSON decoder an
		// object so that it reports the field's expected type.
		return convertUntyped(n)
	}
	switch t.Kind() {
	case reflect.Bool:
		if text == "true" || text == "false" {
			return text == "true"
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if isJSONNumber(text) {
			return json.Number(text)
		}
	}
	return text
}

// isJSONNumber reports whether s is a number in JSON's grammar (which is
// narrower than strconv's: no "NaN", "Inf", hex or leading "+").
func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == '-' {
		s = s[1:]
	}
	digits := func() int {
		n := 0
		for n < len(s) && s[n] >= '0' && s[n] <= '9' {
			n++
		}
		return n
	}
	if s == "" {
		return false
	}
	if s[0] == '0' {
		s = s[1:]
	} else if n := digits(); n > 0 {
		s = s[n:]
	} else {
		return false
	}
	if s != "" && s[0] == '.' {
		s = s[1:]
		n := digits()
		if n == 0 {
			return false
		}
		s = s[n:]
	}
	if s != "" && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if s != "" && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		n := digits()
		if n == 0 {
			return false
		}
		s = s[n:]
	}
	return s == ""
}

func convertUntyped(n *xnode) any {
	if n.attrs["nil"] == "true" && len(n.children) == 0 && strings.TrimSpace(n.text.String()) == "" {
		return nil
	}
	if len(n.children) == 0 {
		return strings.TrimSpace(n.text.String())
	}
	m := map[string]any{}
	for _, c := range n.children {
		v := convertUntyped(c)
		if prev, ok := m[c.name]; ok {
			if arr, ok := prev.([]any); ok {
				m[c.name] = append(arr, v)
			} else {
				m[c.name] = []any{prev, v}
			}
			continue
		}
		m[c.name] = v
	}
	return m
}

// jsonFields maps the JSON names of t's exported fields (embedded structs
// flattened) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					out[k] = v
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// jsonToXML re-spells a JSON document as XML under root, preserving the
// order of object members.
func jsonToXML(b []byte, root string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	if err := writeXMLValue(dec, enc, xml.StartElement{Name: xml.Name{Local: root}}); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

func element(name string) xml.StartElement {
	if validXMLName(name) {
		return xml.StartElement{Name: xml.Name{Local: name}}
	}
	return xml.StartElement{Name: xml.Name{Local: "entry"}, Attr: []xml.Attr{{Name: xml.Name{Local: "key"}, Value: name}}}
}

func writeXMLValue(dec *json.Decoder, enc *xml.Encoder, start xml.StartElement) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			if err := enc.EncodeToken(start); err != nil {
				return err
			}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				if err := writeXMLValue(dec, enc, element(kt.(string))); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			return enc.EncodeToken(start.End())
		case '[':
			if err := enc.EncodeToken(start); err != nil {
				return err
			}
			item := element(singular(start.Name.Local))
			for dec.More() {
				if err := writeXMLValue(dec, enc, item); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			return enc.EncodeToken(start.End())
		}
		return fmt.Errorf("web: unexpected %v", t)
	case nil:
		start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "nil"}, Value: "true"})
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		return enc.EncodeToken(start.End())
	default:
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		if err := enc.EncodeToken(xml.CharData(fmt.Sprint(t))); err != nil {
			return err
		}
		return enc.EncodeToken(start.End())
	}
}

// irregular plurals that the suffix rules below would get wrong.
var irregular = map[string]string{
	"statuses": "status", "aliases": "alias", "addresses": "address", "analyses": "analysis",
	"children": "child", "people": "person", "criteria": "criterion", "series": "series",
	"species": "species", "indices": "index", "data": "datum", "goods": "good",
}

// singular names an array's item element after its wrapper: lines → line,
// categories → category, dims_mm → dim_mm; anything else gets "item".
func singular(s string) string {
	if v, ok := irregular[s]; ok {
		return v
	}
	switch {
	case s == "items":
		return "item"
	case strings.HasSuffix(s, "ies") && len(s) > 3:
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "xes"), strings.HasSuffix(s, "ches"), strings.HasSuffix(s, "shes"):
		return strings.TrimSuffix(s, "es")
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") && !strings.HasSuffix(s, "us") && len(s) > 1:
		return strings.TrimSuffix(s, "s")
	}
	// A plural word inside a compound name: dims_mm → dim_mm.
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if i < len(parts)-1 && len(p) > 1 && p != s {
			if q := singular(p); q != "item" && q != p {
				parts[i] = q
				return strings.Join(parts, "_")
			}
		}
	}
	return "item"
}

func validXMLName(s string) bool {
	if s == "" || strings.HasPrefix(strings.ToLower(s), "xml") {
		return false
	}
	for i, r := range s {
		if unicode.IsLetter(r) || r == '_' {
			continue
		}
		if i > 0 && (unicode.IsDigit(r) || r == '-' || r == '.') {
			continue
		}
		return false
	}
	return true
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	for t != nil && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		t = t.Elem()
	}
	if t == nil {
		return "value"
	}
	return baseTypeName(t.Name())
}

// baseTypeName drops a generic type's arguments: List[pkg.Order] → List.
func baseTypeName(name string) string {
	if i := strings.IndexByte(name, '['); i >= 0 {
		name = name[:i]
	}
	return name
}

// snake spells a Go name in snake case, keeping acronyms whole:
// OrderLine → order_line, HTTPStatus → http_status, SKUList → sku_list.
func snake(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]))
			nextLower := i > 0 && i+1 < len(rs) && unicode.IsUpper(rs[i-1]) && unicode.IsLower(rs[i+1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "value"
	}
	return b.String()
}
