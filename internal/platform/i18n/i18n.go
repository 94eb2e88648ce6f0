// Package i18n owns the interface languages (clause 4.4.1): key-based JSON
// catalogs embedded in the binary, language negotiation for a request, and
// translation with named parameters. zh-CN and en are complete and a test
// keeps their key sets identical; ja and es may be partial and fall back to
// English.
package i18n

import (
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var locales embed.FS

// Supported languages, in matcher preference order: the first is the
// fallback when nothing matches.
var Supported = []string{"en", "zh-CN", "ja", "es"}

// Complete lists the languages whose catalogs must hold every key.
var Complete = []string{"en", "zh-CN"}

// Catalog holds every language's messages.
type Catalog struct {
	msgs    map[string]map[string]string
	matcher language.Matcher
	cache   sync.Map // preference string → matchResult
	cached  atomic.Int64
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	tags := make([]language.Tag, len(Supported))
	for i, lang := range Supported {
		tags[i] = language.MustParse(lang)
		b, err := locales.ReadFile(path.Join("locales", lang+".json"))
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", lang, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", lang, err)
		}
		c.msgs[lang] = m
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Keys returns the sorted keys of lang's catalog.
func (c *Catalog) Keys(lang string) []string {
	var ks []string
	for k := range c.msgs[lang] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Has reports whether key exists in the fallback catalog.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs[Supported[0]][key]
	return ok
}

// Match picks the best supported language for the given preferences
// (language tags or Accept-Language values), in order of precedence.
func (c *Catalog) Match(prefs ...string) string {
	for _, p := range prefs {
		if p == "" {
			continue
		}
		if lang, ok := c.matchOne(p); ok {
			return lang
		}
	}
	return Supported[0]
}

// matchCacheMax bounds the cache of negotiated preferences: real traffic
// repeats a few dozen Accept-Language values; a client sending a new one
// each time must not grow memory.
const matchCacheMax = 4096

type matchResult struct {
	lang string
	ok   bool
}

// matchOne negotiates one preference string. Parsing and matching cost
// more than the rest of a small API request, so results are cached.
func (c *Catalog) matchOne(p string) (string, bool) {
	if v, ok := c.cache.Load(p); ok {
		m := v.(matchResult)
		return m.lang, m.ok
	}
	var res matchResult
	if tags, _, err := language.ParseAcceptLanguage(p); err == nil && len(tags) > 0 {
		// Use the index, not the returned tag: the tag comes back with
		// extensions such as zh-Hans-u-rg-cnzzzz.
		if _, idx, conf := c.matcher.Match(tags...); conf != language.No {
			res = matchResult{lang: Supported[idx], ok: true}
		}
	}
	if c.cached.Add(1) <= matchCacheMax {
		c.cache.Store(p, res)
	}
	return res.lang, res.ok
}

// FromRequest negotiates the language of r: ?lang, then the lang cookie,
// then Accept-Language. A signed-in user's own setting is applied by the
// caller before Accept-Language (see Catalog.Match).
func (c *Catalog) FromRequest(r *http.Request, userPref string) string {
	var cookie string
	if ck, err := r.Cookie("lang"); err == nil {
		cookie = ck.Value
	}
	return c.Match(r.URL.Query().Get("lang"), cookie, userPref, r.Header.Get("Accept-Language"))
}

// T translates key into lang. Parameters are name/value pairs substituted
// for {name}. A missing key falls back to English, then to the key itself,
// so a gap shows up on screen rather than as an empty string.
func (c *Catalog) T(lang, key string, params ...any) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		s, ok = c.msgs[Supported[0]][key]
	}
	if !ok {
		s = key
	}
	if len(params) > 1 {
		pairs := make([]string, 0, len(params))
		for i := 0; i+1 < len(params); i += 2 {
			pairs = append(pairs, "{"+fmt.Sprint(params[i])+"}", fmt.Sprint(params[i+1]))
		}
		s = strings.NewReplacer(pairs...).Replace(s)
	}
	return s
}

type langKey struct{}

// WithLang returns ctx carrying the negotiated language.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang returns the language in ctx, or the fallback.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return Supported[0]
}
