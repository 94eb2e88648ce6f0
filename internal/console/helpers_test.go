package console_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each 303 and where it points.
type browser struct {
	t    testing.TB
	env  *apptest.Env
	c    *http.Client
	lang string // Accept-Language sent with every request
}

func newBrowser(t testing.TB, env *apptest.Env) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, env: env, c: c, lang: "en"}
}

type page struct {
	Status int
	Header http.Header
	Body   string
	// Location is the redirect target, if any.
	Location string
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(body), Location: resp.Header.Get("Location")}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, err := http.NewRequest("GET", b.env.Server.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.env.Server.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// cookie returns the value of a cookie the browser holds for the server.
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.env.Server.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// signIn signs u in through the form, with a TOTP code when it has a
// secret, and fails the test unless it lands on the dashboard.
func (b *browser) signIn(u identity.CreatedUser) {
	b.t.Helper()
	form := url.Values{"email": {u.Email}, "password": {apptest.Password}}
	p := b.post("/login", form)
	if u.TOTPSecret != "" {
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `name="step" value="mfa"`) {
			b.t.Fatalf("sign-in of %s: want the code step, got %d", u.Email, p.Status)
		}
		form.Set("step", "mfa")
		form.Set("code", code(b.t, u.TOTPSecret))
		p = b.post("/login", form)
	}
	if p.Status != http.StatusSeeOther || p.Location != "/dashboard" {
		b.t.Fatalf("sign-in of %s: status %d to %q\n%s", u.Email, p.Status, p.Location, text(p.Body))
	}
}

func code(t testing.TB, secret string) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sqlite builds the platform on a fresh SQLite store.
func sqlite(t testing.TB) *apptest.Env { return apptest.New(t, db.SQLite) }

var (
	tags   = regexp.MustCompile(`(?s)<script.*?</script>|<style.*?</style>|<[^>]+>`)
	spaces = regexp.MustCompile(`\s+`)
)

// text is a page's visible text, for readable failure messages and for
// checks that must not match markup.
func text(html string) string {
	s := tags.ReplaceAllString(html, " ")
	s = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

func mustContain(t testing.TB, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s: missing %q in:\n%s", what, w, text(body))
		}
	}
}

func mustNotContain(t testing.TB, what, body string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if strings.Contains(body, w) {
			t.Errorf("%s: must not contain %q", what, w)
		}
	}
}

var htmlLang = regexp.MustCompile(`<html lang="([^"]+)">`)

func langOf(body string) string {
	m := htmlLang.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return m[1]
}

func pageOf(n int) web.Page { return web.Page{Limit: n} }
