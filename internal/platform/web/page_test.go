package web

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func TestPageFrom(t *testing.T) {
	t.Parallel()
	cur := base64.RawURLEncoding.EncodeToString([]byte("ord_0042"))
	tests := []struct {
		name  string
		query string
		want  Page
		field string // of the error, if any
	}{
		{"defaults", "", Page{Limit: 50}, ""},
		{"limit", "limit=10", Page{Limit: 10}, ""},
		{"max", "limit=200", Page{Limit: 200}, ""},
		{"cursor", "cursor=" + cur, Page{Limit: 50, After: "ord_0042"}, ""},
		{"zero", "limit=0", Page{Limit: 50}, "limit"},
		{"too big", "limit=201", Page{Limit: 50}, "limit"},
		{"not a number", "limit=ten", Page{Limit: 50}, "limit"},
		{"bad cursor", "cursor=!!!", Page{Limit: 50}, "cursor"},
		{"cursor not base64", "cursor=a.b", Page{Limit: 50}, "cursor"},
		{"cursor not utf-8", "cursor=" + base64.RawURLEncoding.EncodeToString([]byte{0xff, 0xfe}), Page{Limit: 50}, "cursor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := PageFrom(httptest.NewRequest(http.MethodGet, "/?"+tt.query, nil))
			if d := cmp.Diff(tt.want, p); d != "" {
				t.Errorf("page (-want +got):\n%s", d)
			}
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			pe, ok := problem.As(err)
			if !ok || pe.Status != 422 || len(pe.Fields) != 1 || pe.Fields[0].Field != tt.field {
				t.Errorf("error %v, want 422 naming %s", err, tt.field)
			}
		})
	}
}

func TestNewListPaging(t *testing.T) {
	t.Parallel()
	type item struct{ ID string }
	all := make([]item, 7)
	for i := range all {
		all[i] = item{ID: "it_" + strconv.Itoa(i)}
	}
	id := func(it item) string { return it.ID }
	// fetch mimics a store query: items after the cursor, FetchLimit rows.
	fetch := func(p Page) []item {
		var out []item
		for _, it := range all {
			if it.ID > p.After && len(out) < p.FetchLimit() {
				out = append(out, it)
			}
		}
		return out
	}
	var got []string
	p := Page{Limit: 3}
	pages := 0
	for {
		l := NewList(p, fetch(p), id)
		pages++
		for _, it := range l.Items {
			got = append(got, it.ID)
		}
		if l.NextCursor == "" {
			break
		}
		r := httptest.NewRequest(http.MethodGet, "/?limit=3&cursor="+l.NextCursor, nil)
		var err error
		if p, err = PageFrom(r); err != nil {
			t.Fatal(err)
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	want := []string{"it_0", "it_1", "it_2", "it_3", "it_4", "it_5", "it_6"}
	if d := cmp.Diff(want, got); d != "" || pages != 3 {
		t.Errorf("pages %d, items (-want +got):\n%s", pages, d)
	}

	t.Run("exact page has no cursor", func(t *testing.T) {
		if l := NewList(Page{Limit: 7}, all, id); l.NextCursor != "" || len(l.Items) != 7 {
			t.Errorf("%+v", l)
		}
	})
	t.Run("nil is an empty list", func(t *testing.T) {
		if l := NewList[item](Page{Limit: 5}, nil, id); l.Items == nil {
			t.Error("items must encode as [], not null")
		}
	})
	t.Run("zero page uses the default", func(t *testing.T) {
		if l := NewList(Page{}, all, id); len(l.Items) != 7 || l.NextCursor != "" {
			t.Errorf("%+v", l)
		}
	})
}
