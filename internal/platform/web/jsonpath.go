package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// Naming the value at fault. encoding/json tells where a wrong type ended
// (a byte offset) but names it without array indexes or map keys, names an
// unknown field without its parents, and says nothing about where a field's
// own UnmarshalJSON failed. The helpers here walk the (already decoded, so
// well-formed) document again to recover "lines[1].unit_price" precisely.
// They run only on the error path.

// joinKey appends an object member to a path: ".key", or ["key"] when the
// key would not read as one segment.
func joinKey(path, key string) string {
	if key != "" && !strings.ContainsAny(key, ".[]\"' \t\r\n") {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func joinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// dottedToPath turns encoding/json's "lines.0.quantity" (its form when the
// index is known) into "lines[0].quantity".
func dottedToPath(field string) string {
	if field == "" {
		return ""
	}
	var b strings.Builder
	for i, seg := range strings.Split(field, ".") {
		if _, err := strconv.Atoi(seg); err == nil && i > 0 {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
	}
	return b.String()
}

// pathAtOffset names the value that ends at byte off — a scalar, or the
// opening bracket of an object or array — which is where encoding/json
// places the offset of a type error.
func pathAtOffset(body []byte, off int64) (string, bool) {
	type frame struct {
		path      string // the container's own path
		array     bool
		index     int
		key       string
		expectKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*frame
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.array {
			return joinIndex(f.path, f.index)
		}
		return joinKey(f.path, f.key)
	}
	afterValue := func() {
		if len(stack) == 0 {
			return
		}
		f := stack[len(stack)-1]
		if f.array {
			f.index++
		} else {
			f.expectKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		end := dec.InputOffset()
		if n := len(stack); n > 0 && !stack[n-1].array && stack[n-1].expectKey {
			if tok == json.Delim('}') {
				stack = stack[:n-1]
				afterValue()
				continue
			}
			k, _ := tok.(string)
			stack[n-1].key = k
			stack[n-1].expectKey = false
			continue
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			p := valuePath()
			if end == off {
				return p, true
			}
			stack = append(stack, &frame{path: p, array: tok == json.Delim('['), expectKey: tok == json.Delim('{')})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			afterValue()
		default:
			if end == off {
				return valuePath(), true
			}
			afterValue()
		}
		if len(stack) == 0 {
			return "", false
		}
	}
}

type findMode int

const (
	findUnknown        findMode = iota // the first member that no field takes
	findUnmarshalError                 // the first value whose own unmarshaler fails
)

// locate walks body alongside the Go type t decodes it into and returns the
// path of the first value that mode looks for (for findUnknown, a member
// named name).
func locate(body []byte, t reflect.Type, mode findMode, name string) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := &walker{dec: dec, mode: mode, name: name}
	p, ok, _ := w.value(t, "", false)
	return p, ok
}

type walker struct {
	dec  *json.Decoder
	mode findMode
	name string
}

// skipRest consumes the remainder of a container whose opening bracket has
// been read.
func (w *walker) skipRest() error {
	for depth := 1; depth > 0; {
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// value walks one value of type t at path. viaPointer says the value lands
// behind a pointer, where encoding/json stores null without asking the
// type's unmarshaler.
func (w *walker) value(t reflect.Type, path string, viaPointer bool) (string, bool, error) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
		viaPointer = true
	}
	if t != nil && w.mode == findUnmarshalError {
		pt := reflect.PointerTo(t)
		if pt.Implements(jsonUnmarshaler) {
			var raw json.RawMessage
			if err := w.dec.Decode(&raw); err != nil {
				return "", false, err
			}
			if viaPointer && string(raw) == "null" {
				return "", false, nil
			}
			u := reflect.New(t).Interface().(json.Unmarshaler)
			if u.UnmarshalJSON(raw) != nil {
				return path, true, nil
			}
			return "", false, nil
		}
	}
	tok, err := w.dec.Token()
	if err != nil {
		return "", false, err
	}
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		if s, ok := tok.(string); ok && t != nil && w.mode == findUnmarshalError &&
			reflect.PointerTo(t).Implements(textUnmarshaler) {
			if reflect.New(t).Interface().(interface{ UnmarshalText([]byte) error }).UnmarshalText([]byte(s)) != nil {
				return path, true, nil
			}
		}
		return "", false, nil
	}
	if t == nil || t.Kind() == reflect.Interface {
		return "", false, w.skipRest()
	}
	switch {
	case d == '{' && t.Kind() == reflect.Struct:
		fields := jsonFields(t)
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return "", false, err
			}
			key, _ := kt.(string)
			ft, ok := fieldFor(fields, key)
			kp := joinKey(path, key)
			if !ok {
				if w.mode == findUnknown && key == w.name {
					return kp, true, nil
				}
				if _, _, err := w.value(nil, kp, false); err != nil {
					return "", false, err
				}
				continue
			}
			if p, found, err := w.value(ft, kp, false); found || err != nil {
				return p, found, err
			}
		}
		_, err := w.dec.Token()
		return "", false, err
	case d == '{' && t.Kind() == reflect.Map:
		for w.dec.More() {
			kt, err := w.dec.Token()
			if err != nil {
				return "", false, err
			}
			key, _ := kt.(string)
			if p, found, err := w.value(t.Elem(), joinKey(path, key), false); found || err != nil {
				return p, found, err
			}
		}
		_, err := w.dec.Token()
		return "", false, err
	case d == '[' && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array):
		for i := 0; w.dec.More(); i++ {
			if p, found, err := w.value(t.Elem(), joinIndex(path, i), false); found || err != nil {
				return p, found, err
			}
		}
		_, err := w.dec.Token()
		return "", false, err
	}
	return "", false, w.skipRest()
}

// fieldFor finds the field a JSON member fills: the exact name first, then
// a case-insensitive match, as encoding/json does.
func fieldFor(fields map[string]reflect.Type, key string) (reflect.Type, bool) {
	if t, ok := fields[key]; ok {
		return t, true
	}
	for k, t := range fields {
		if strings.EqualFold(k, key) {
			return t, true
		}
	}
	return nil, false
}
