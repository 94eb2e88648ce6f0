package web

import (
	"encoding/base64"
	"net/http"
	"reflect"
	"strconv"
	"unicode/utf8"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Page is a cursor page request: the cursor is opaque to clients (it encodes
// the last id they saw, and ids sort by creation).
type Page struct {
	Limit int
	After string
}

// MaxLimit bounds one page; DefaultLimit is the page size when the client
// does not say.
const (
	MaxLimit     = 200
	DefaultLimit = 50
)

// PageFrom reads ?limit= (1..200, default 50) and ?cursor=. On error the
// returned Page is still usable (default limit, no cursor).
func PageFrom(r *http.Request) (Page, error) {
	p := Page{Limit: DefaultLimit}
	q := r.URL.Query()
	var fs problem.Errors
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			fs.Add("limit", "out_of_range", "min", 1, "max", MaxLimit)
		} else {
			p.Limit = n
		}
	}
	if c := q.Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		// The cursor goes into a query as text: PostgreSQL refuses bytes
		// that are not UTF-8, so they are refused here, as the client's
		// mistake.
		if err != nil || len(b) == 0 || !utf8.Valid(b) {
			fs.Add("cursor", "invalid_cursor")
		} else {
			p.After = string(b)
		}
	}
	return p, fs.Err()
}

// FetchLimit is how many rows to query for p: one more than the page, so
// that NewList can tell whether another page follows.
func (p Page) FetchLimit() int { return p.limit() + 1 }

func (p Page) limit() int {
	if p.Limit <= 0 {
		return DefaultLimit
	}
	return min(p.Limit, MaxLimit)
}

// List is the JSON shape of every list response.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// XMLRoot names a list's XML root element.
func (List[T]) XMLRoot() string { return "items" }

func (l List[T]) xmlList() (any, string, string) {
	return l.Items, xmlItemName(reflect.TypeFor[T]()), l.NextCursor
}

// NewList trims items (fetched with p.FetchLimit(), i.e. Limit+1) to the
// page and, when more follow, sets the next cursor from the last item's id.
func NewList[T any](p Page, items []T, id func(T) string) List[T] {
	if items == nil {
		items = []T{}
	}
	l := List[T]{Items: items}
	if n := p.limit(); len(items) > n {
		l.Items = items[:n]
		l.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(id(l.Items[n-1])))
	}
	return l
}
