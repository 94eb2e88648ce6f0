package web

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Page is a cursor page request: the cursor is opaque to clients (it encodes
// the last id they saw, and ids sort by creation).
type Page struct {
	Limit int
	After string
}

// MaxLimit bounds one page.
const MaxLimit = 200

// PageFrom reads ?limit= (1..200, default 50) and ?cursor=.
func PageFrom(r *http.Request) (Page, error) {
	p := Page{Limit: 50}
	q := r.URL.Query()
	var fs problem.Errors
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			fs.Add("limit", "out_of_range", "min", 1, "max", MaxLimit)
		}
		p.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(b) == 0 {
			fs.Add("cursor", "invalid_cursor")
		}
		p.After = string(b)
	}
	return p, fs.Err()
}

// List is the JSON shape of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// XMLRoot names a list's XML root element.
func (List[T]) XMLRoot() string { return "items" }

func (l List[T]) xmlList() (any, string, string) {
	var zero T
	return l.Items, snake(typeName(zero)), l.NextCursor
}

// NewList trims items (fetched with Limit+1) to the page and sets the next
// cursor from the last item's id.
func NewList[T any](p Page, items []T, id func(T) string) List[T] {
	if items == nil {
		items = []T{}
	}
	l := List[T]{Items: items}
	if len(items) > p.Limit {
		l.Items = items[:p.Limit]
		l.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(id(l.Items[len(l.Items)-1])))
	}
	return l
}
