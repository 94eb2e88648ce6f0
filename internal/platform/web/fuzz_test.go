package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// fuzzTarget exercises every shape Decode handles: nested structs and
// slices, maps of slices, pointers, untyped values, fixed arrays, bytes,
// dates and a type with its own UnmarshalJSON.
type fuzzTarget struct {
	ID       string              `json:"id"`
	N        int                 `json:"n,omitempty"`
	U        uint8               `json:"u,omitempty"`
	F        float64             `json:"f,omitempty"`
	B        bool                `json:"b,omitempty"`
	When     time.Time           `json:"when,omitzero"`
	Ptr      *tBuyer             `json:"ptr,omitempty"`
	Lines    []tLine             `json:"lines,omitempty"`
	Grid     [][]int             `json:"grid,omitempty"`
	Dims     [3]int              `json:"dims,omitempty"`
	Tags     map[string][]string `json:"tags,omitempty"`
	Nested   map[string]tLine    `json:"nested,omitempty"`
	Any      any                 `json:"any,omitempty"`
	Extra    map[string]any      `json:"extra,omitempty"`
	Raw      json.RawMessage     `json:"raw,omitempty"`
	Blob     []byte              `json:"blob,omitempty"`
	Price    *tMoney             `json:"price,omitempty"`
	Children []*fuzzTarget       `json:"children,omitempty"`
	fuzzEmbedded
}

type fuzzEmbedded struct {
	Inner string `json:"inner,omitempty"`
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		validOrderJSON,
		`{"id":"x","lines":[{"sku":"a","quantity":1,"unit_price":{"amount":"1.00","currency":"EUR"}}]}`,
		`{"id":"x","grid":[[1,2],[3]],"dims":[1,2,3],"tags":{"a":["b"]},"nested":{"k":{"quantity":"x"}}}`,
		`{"id":"x","any":{"a":[1,{"b":null}]},"raw":[1,2],"blob":"AAEC","when":"2026-01-01T00:00:00Z"}`,
		`{"children":[{"children":[{"id":5}]}]}`,
		`{"price":{"amount":"ten"}}`,
		`{"inner":"x","INNER":"y","Id":"z"}`,
		`{"lines":[{},{"colour":1}]}`,
		`[]`, `null`, `{"id":"x"} }`, `{"n":1e999}`, "\xff",
	} {
		f.Add([]byte(s), false)
	}
	for _, s := range []string{
		`<order><id>x</id><lines><line><sku>a</sku><quantity>2</quantity></line></lines></order>`,
		`<t><grid><row><i>1</i></row></grid><dims><d>1</d><d>2</d><d>3</d><d>4</d></dims></t>`,
		`<t><tags><entry key="a b"><x>1</x></entry></tags><any><a>1</a><a>2</a></any><ptr nil="true"/></t>`,
		`<t><n>NaN</n><f>1e999</f><u>300</u><b>yes</b><when>now</when><blob>%%%</blob></t>`,
		`<t><children><child><children><child><id>1</id></child></children></child></children></t>`,
		`<t><raw><a>1</a></raw><price><amount>1</amount></price></t>`,
		`<a></a><b></b>`, `<?xml version="1.0" encoding="latin1"?><t/>`, `<t>&#0;</t>`, `<!DOCTYPE t [<!ENTITY x "y">]><t>&x;</t>`,
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asXML bool) {
		mt := "application/json"
		if asXML {
			mt = "application/xml"
		}
		var v fuzzTarget
		err := DecodeBytes(mt, body, &v)
		if err == nil {
			// Whatever was accepted can be answered in XML, and that XML
			// is accepted in turn.
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Accept", "application/xml")
			w := httptest.NewRecorder()
			if err := Respond(w, r, http.StatusOK, v); err != nil {
				t.Fatalf("respond: %v", err)
			}
			var back fuzzTarget
			if err := DecodeBytes("application/xml", w.Body.Bytes(), &back); err != nil {
				t.Fatalf("%s body %q: own XML %s refused: %v", mt, body, w.Body, err)
			}
			return
		}
		var pe *problem.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s body %q: error %v (%T) is not a problem", mt, body, err, err)
		}
		if pe.Status < 400 || pe.Status > 499 {
			t.Fatalf("%s body %q: status %d", mt, body, pe.Status)
		}
		// The problem must render: status, code and fields all usable.
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		w := httptest.NewRecorder()
		WriteError(w, r, err)
		if w.Code != pe.Status || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("rendered %d %s", w.Code, w.Body)
		}
	})
}
