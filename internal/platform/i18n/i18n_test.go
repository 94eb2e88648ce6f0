package i18n

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCatalogsComplete fails when a key is missing from zh-CN or en, and when
// a partial catalog carries a key no complete catalog knows (a typo).
func TestCatalogsComplete(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	want := c.Keys(Complete[0])
	if len(want) == 0 {
		t.Fatal("empty catalog")
	}
	for _, lang := range Complete[1:] {
		if d := cmp.Diff(want, c.Keys(lang)); d != "" {
			t.Errorf("%s and %s key sets differ (-%s +%s):\n%s", Complete[0], lang, Complete[0], lang, d)
		}
	}
	known := map[string]bool{}
	for _, k := range want {
		known[k] = true
	}
	for _, lang := range Supported {
		for _, k := range c.Keys(lang) {
			if !known[k] {
				t.Errorf("%s has unknown key %q", lang, k)
			}
			if strings.TrimSpace(c.msgs[lang][k]) == "" {
				t.Errorf("%s: key %q is empty", lang, k)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		query  string
		cookie string
		accept string
		want   string
	}{
		{"default", "", "", "", "en"},
		{"accept zh", "", "", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"accept zh-Hans", "", "", "zh-Hans", "zh-CN"},
		{"accept zh-TW still chinese", "", "", "zh-TW", "zh-CN"},
		{"accept unsupported falls back", "", "", "ko-KR", "en"},
		{"cookie beats header", "", "en", "zh-CN", "en"},
		{"query beats cookie", "zh-CN", "en", "", "zh-CN"},
		{"garbage ignored", "", "", ";;;", "en"},
		{"ja", "", "", "ja-JP", "ja"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/?lang="+tt.query, nil)
			if tt.cookie != "" {
				r.Header.Set("Cookie", "lang="+tt.cookie)
			}
			if tt.accept != "" {
				r.Header.Set("Accept-Language", tt.accept)
			}
			if got := c.FromRequest(r, ""); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestT(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key: got %q", got)
	}
	if got := c.T("zh-CN", "error.not_found.title"); got == "" || got == c.T("en", "error.not_found.title") {
		t.Errorf("zh-CN not translated: %q", got)
	}
	if got := c.T("en", "validation.max_length", "max", 10); !strings.Contains(got, "10") {
		t.Errorf("param not substituted: %q", got)
	}
}
