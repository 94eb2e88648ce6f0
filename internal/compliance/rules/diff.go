package rules

import (
	"encoding/json"
	"fmt"
	"reflect"
)

// Change is one field that differs between two versions, for a reviewer
// to read before publishing. Old or New is absent where the field was
// added or removed.
type Change struct {
	// Path is the field's JSON path ("applies_to.hs[1]", "translations.zh-CN.title").
	Path string `json:"path"`
	Old  any    `json:"old,omitempty"`
	New  any    `json:"new,omitempty"`
}

// Diff lists the fields of the content of b that differ from a, in field
// order. A field or list item present on one side only is one change
// holding its whole value. Lists are compared item by item, so an item inserted in front shows
// as a change of every item after it; that is what the text of the
// rule did, and reviewers read lists short enough for this to stay clear.
// The platform's fields (version, status, author, dates of the workflow)
// are not part of the content and never show.
func Diff(a, b Rule) []Change {
	var out []Change
	walk(&out, "", generic(a.content()), generic(b.content()))
	if out == nil {
		out = []Change{}
	}
	return out
}

// generic turns a rule into maps and slices through its JSON form, so that
// the diff follows the wire names.
func generic(r Rule) any {
	b, _ := json.Marshal(r)
	var v any
	_ = json.Unmarshal(b, &v)
	m, _ := v.(map[string]any)
	// The platform's own fields are zero in content(); drop what they
	// still marshal to.
	for _, k := range []string{"version", "status", "id"} {
		delete(m, k)
	}
	return m
}

func walk(out *[]Change, path string, a, b any) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range x {
			keys[k] = true
		}
		for k := range y {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			walk(out, join(path, k), x[k], y[k])
		}
		return
	case []any:
		y, ok := b.([]any)
		if !ok {
			break
		}
		for i := range max(len(x), len(y)) {
			var ai, bi any
			if i < len(x) {
				ai = x[i]
			}
			if i < len(y) {
				bi = y[i]
			}
			walk(out, fmt.Sprintf("%s[%d]", path, i), ai, bi)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, Change{Path: path, Old: a, New: b})
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
