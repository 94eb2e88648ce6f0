package hs_test

import (
	"net/url"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/compliance/hs"
	"github.com/silkgate/silkgate/internal/identity"
)

func TestSuggestAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		key := env.Key(env.Tenant("Acme"), identity.Viewer, false)
		tests := []struct {
			name   string
			query  string
			status int
			first  string // heading of the first suggestion
			n      int
		}{
			{"chinese", "title=" + url.QueryEscape("无线蓝牙耳机 降噪") + "&limit=3", 200, "8518", 3},
			{"english", "title=" + url.QueryEscape("Plush teddy bear stuffed toy"), 200, "9503", hs.DefaultLimit},
			{"nothing known", "title=" + url.QueryEscape("qwxz zzkq"), 200, "", 0},
			{"no title", "limit=3", 422, "", 0},
			{"limit too high", "title=toy&limit=21", 422, "", 0},
			{"limit not a number", "title=toy&limit=x", 422, "", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var out hs.SuggestResponse
				r := env.Call("GET", "/api/v1/compliance/hs/suggest?"+tt.query, key, nil, &out)
				if r.StatusCode != tt.status {
					t.Fatalf("status %d: %s", r.StatusCode, apptest.Body(r))
				}
				if tt.status != 200 {
					return
				}
				if len(out.Items) != tt.n {
					t.Fatalf("%d suggestions: %+v", len(out.Items), out.Items)
				}
				if tt.n == 0 {
					return
				}
				s := out.Items[0]
				if s.Heading.Code != tt.first || len(s.Code) != 6 || s.Confidence <= 0 || s.Confidence > 1 ||
					len(s.Matched) == 0 || len(s.Path) != 4 || s.Path[0].Level != hs.LevelSection {
					t.Fatalf("first suggestion %+v", s)
				}
			})
		}

		var e hs.Entry
		if r := env.Call("GET", "/api/v1/compliance/hs/9503.00", key, nil, &e); r.StatusCode != 200 ||
			e.Code != "950300" || e.Level != hs.LevelSubheading || len(e.Path) != 4 || e.Path[0].Code != "XX" ||
			e.Path[1].Code != "95" || e.Path[2].Code != "9503" {
			t.Fatalf("lookup: %d %+v", r.StatusCode, e)
		}
		if r := env.Call("GET", "/api/v1/compliance/hs/8518", key, nil, &e); r.StatusCode != 200 ||
			e.Level != hs.LevelHeading || len(e.Children) < 5 {
			t.Fatalf("heading: %d %+v", r.StatusCode, e)
		}
		for path, want := range map[string]int{"9999": 404, "95x": 422, "951": 422} {
			if r := env.Call("GET", "/api/v1/compliance/hs/"+path, key, nil, nil); r.StatusCode != want {
				t.Errorf("%s: %d, want %d", path, r.StatusCode, want)
			}
		}
		if r := env.Call("GET", "/api/v1/compliance/hs/suggest?title=toy", "", nil, nil); r.StatusCode != 401 {
			t.Errorf("anonymous: %d", r.StatusCode)
		}
	})
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"9503.00": "950300", "95": "95", "8518 30": "851830",
		"8518300000": "851830", "951": "", "a1": "", "": ""} {
		got, ok := hs.Normalize(in)
		if got != want || ok != (want != "") {
			t.Errorf("Normalize(%q) = %q, %v", in, got, ok)
		}
	}
}
