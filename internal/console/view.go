package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/tenancy"
)

//go:embed templates/*.html
var templateFS embed.FS

// views holds one parsed template set per page: the shared layout and
// partials plus the page's own file. A page is parsed the first time it is
// shown, so a node that serves only the API never holds the parse trees
// (a set per page, tens of them); TestTemplatesParse parses them all. The
// sets are never executed themselves, only cloned per request
// (html/template refuses to clone a set that has run).
type views struct {
	base  *template.Template
	mu    sync.Mutex
	pages map[string]*template.Template
}

// csp confines pages to their own origin: the only script is the embedded
// one, images may be inline (the enrolment QR code), and no other site may
// frame a page or receive a form.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func mustViews(as *assets) *views {
	funcs := template.FuncMap{
		// t is replaced per request with one bound to the caller's language.
		"t":     func(key string, params ...any) string { return key },
		"asset": as.URL,
		"when":  when,
		"whenp": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return when(*t)
		},
		"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"pager":   func(next, first string) any { return struct{ Next, First string }{next, first} },
		"roleKey": func(r identity.Role) string { return "console.role." + string(r) },
		"permKey": func(p string) string { return "console.perm." + p },
	}
	base := template.Must(template.New("").Funcs(funcs).ParseFS(templateFS, "templates/_*.html"))
	return &views{base: base, pages: map[string]*template.Template{}}
}

// page returns the parsed set of page name, parsing it on first use.
func (v *views) page(name string) (*template.Template, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.pages[name]; ok {
		return t, nil
	}
	if strings.HasPrefix(name, "_") || strings.ContainsAny(name, "/.") {
		return nil, fmt.Errorf("console: no template %q", name)
	}
	t, err := v.base.Clone()
	if err != nil {
		return nil, fmt.Errorf("console: clone layout: %w", err)
	}
	if t, err = t.ParseFS(templateFS, "templates/"+name+".html"); err != nil {
		return nil, fmt.Errorf("console: parse %s: %w", name, err)
	}
	v.pages[name] = t
	return t, nil
}

// names lists every page template.
func (v *views) names() []string {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	var out []string
	for _, f := range files {
		if name := strings.TrimSuffix(path.Base(f), ".html"); !strings.HasPrefix(name, "_") {
			out = append(out, name)
		}
	}
	return out
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04") + " UTC"
}

// navItem is one entry of the navigation.
type navItem struct {
	Key, Href, Perm string
}

type navGroup struct {
	Key   string
	Items []navItem
}

// navigation lists every place in the console; each caller sees the items
// their role may open. Module entries come from the modules table.
func navigation() []navGroup {
	g := []navGroup{{Items: []navItem{{"console.nav.dashboard", "/dashboard", identity.PermMe}}}}
	mods := []navItem{{"console.nav.products", "/products", identity.PermDataRead},
		{"console.nav.orders", "/orders", identity.PermDataRead}, {"console.nav.edi", "/edi", identity.PermDataRead}}
	for _, m := range modules {
		mods = append(mods, navItem{m.NavKey, m.Path, m.Perm})
		for _, p := range m.Pages {
			if p.Href != "/compliance/hs" { // reached from products and checks
				mods = append(mods, p)
			}
		}
	}
	g = append(g, navGroup{Key: "console.nav.group.services", Items: mods})
	g = append(g, navGroup{Key: "console.nav.group.admin", Items: []navItem{
		{"console.nav.users", "/users", identity.PermUsersRead},
		{"console.nav.roles", "/roles", identity.PermUsersRead},
		{"console.nav.apikeys", "/apikeys", identity.PermAPIKeysRead},
		{"console.nav.partners", "/partners", identity.PermAPIKeysRead},
		{"console.nav.webhooks", "/webhooks", identity.PermAPIKeysRead},
		{"console.nav.sandbox", "/sandbox", identity.PermDataRead},
		{"console.nav.sso", "/settings/sso", identity.PermUsersManage},
		{"console.nav.oidc_clients", "/settings/oidc-clients", identity.PermAPIKeysRead},
		{"console.nav.tenants", "/tenants", identity.PermTenantsRead},
		{"console.nav.fx_spreads", "/settings/fx-spreads", identity.PermTenantsManage},
		{"console.nav.audit", "/audit", identity.PermAuditRead},
	}})
	g = append(g, navGroup{Key: "console.nav.group.account", Items: []navItem{
		{"console.nav.security", "/security", identity.PermMe},
		{"console.nav.alerts", "/security/alerts", identity.PermSecurityManage},
	}})
	return g
}

// langChoice is an entry of the language switch. Only the complete
// catalogs are offered; ja and es are partial and reached through the
// browser's preference, falling back to English key by key.
type langChoice struct {
	Code, Label, Href string
	Current           bool
}

// view is what every page template receives.
type view struct {
	Lang    string
	Title   string // catalog key of the page title
	Active  string // href of the current navigation item
	P       *identity.Principal
	Tenant  *tenancy.Tenant
	Nav     []navGroup
	Langs   []langChoice
	Notice  string // catalog key of a one-line confirmation
	Problem *formProblem
	Data    any
	offers  func(href string) bool
}

// Offers reports whether the console serves the page at href (pages of
// optional services are absent when the service is).
func (v *view) Offers(href string) bool { return v.offers == nil || v.offers(href) }

// Can reports whether the caller's role holds perm; templates use it to
// hide what the route would refuse anyway.
func (v *view) Can(perm string) bool { return v.P != nil && v.P.Role.Can(perm) }

// FieldErr is the message for a form field of a refused submission.
func (v *view) FieldErr(name string) string { return v.Problem.Field(name) }

// notices are the confirmations a redirect may ask for (?notice=…); any
// other value is ignored, so a link cannot make the console say anything.
var notices = map[string]bool{
	"user_created": true, "user_updated": true, "key_revoked": true, "password_changed": true,
	"mfa_enabled": true, "session_revoked": true, "tenant_created": true, "signed_out": true,
}

func (c *Console) newView(r *http.Request, title, active string, data any) *view {
	p, _ := identity.PrincipalFrom(r.Context())
	v := &view{Lang: lang(r), Title: title, Active: active, P: p, Data: data, offers: c.offers}
	if n := r.URL.Query().Get("notice"); notices[n] {
		v.Notice = "console.notice." + n
	}
	next := r.URL.Path
	if q := r.URL.Query(); len(q) > 0 {
		q.Del("lang")
		q.Del("notice")
		if len(q) > 0 {
			next += "?" + q.Encode()
		}
	}
	for _, l := range []struct{ code, label string }{{"zh-CN", "中文"}, {"en", "English"}} {
		v.Langs = append(v.Langs, langChoice{Code: l.code, Label: l.label, Current: l.code == v.Lang,
			Href: "/lang/" + l.code + "?next=" + url.QueryEscape(next)})
	}
	if p == nil {
		return v
	}
	for _, g := range navigation() {
		var items []navItem
		for _, it := range g.Items {
			if p.Role.Can(it.Perm) && c.offersTo(p, it.Href) {
				items = append(items, it)
			}
		}
		if len(items) > 0 {
			v.Nav = append(v.Nav, navGroup{Key: g.Key, Items: items})
		}
	}
	if p.TenantID != "" && c.tenants != nil {
		if t, err := c.tenants.Get(r.Context(), p.TenantID); err == nil {
			v.Tenant = &t
		}
	}
	return v
}

// render writes page name with status. The page is rendered into a buffer
// first, so a template failure becomes a clean error instead of half a
// page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) error {
	base, err := c.views.page(name)
	if err != nil {
		return err
	}
	t, err := base.Clone()
	if err != nil {
		return fmt.Errorf("console: clone %s: %w", name, err)
	}
	lang := v.Lang
	t.Funcs(template.FuncMap{"t": func(key string, params ...any) string { return c.cat.T(lang, key, params...) }})
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", lang)
	// Pages show account data and, once, secrets: nothing may be cached.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	w.WriteHeader(status)
	_, err = w.Write(buf.Bytes())
	return err
}

// formProblem is a refused submission as a form shows it: a summary at
// the top (title, explanation, and each field's message under the field's
// label, which also covers fields the form does not show) and the same
// message again next to the field.
type formProblem struct {
	Title  string
	Detail string
	Items  []problemItem
	Fields map[string]string
}

type problemItem struct {
	Label, Message string
}

// Field returns the message for a form field, or "".
func (p *formProblem) Field(name string) string {
	if p == nil {
		return ""
	}
	return p.Fields[name]
}

// problemOf localises err the way the API does (same codes, same catalog
// entries), so the console and the API never disagree about a message. It
// reports false for errors that are not the client's (5xx).
func (c *Console) problemOf(r *http.Request, err error) (*formProblem, bool) {
	pe, ok := problem.As(err)
	if !ok || pe.Status >= 500 {
		return nil, false
	}
	l := lang(r)
	doc := web.Localize(c.cat, l, err, web.RequestID(r.Context()))
	fp := &formProblem{Title: doc.Title, Detail: doc.Detail, Fields: map[string]string{}}
	if pe.Code == "validation_failed" {
		// The API's wording points at the "errors" member; people read
		// the form.
		fp.Detail = c.cat.T(l, "console.form.fix_below")
	}
	for _, f := range doc.Errors {
		msg := f.Message
		if msg == "validation."+f.Code {
			// A code the catalog does not know yet: say something useful
			// rather than show the key.
			msg = c.cat.T(l, "console.form.invalid")
		}
		label := f.Field
		if key := "console.field." + f.Field; c.cat.Has(key) {
			label = c.cat.T(l, key)
		}
		fp.Items = append(fp.Items, problemItem{Label: label, Message: msg})
		if _, dup := fp.Fields[f.Field]; !dup {
			fp.Fields[f.Field] = msg
		}
	}
	return fp, true
}

// RenderError writes err as a console page in the caller's language: a
// localised title and explanation for problems (403, 404, 422, …), and for
// anything else a generic 500 page quoting the request id, with the cause
// logged and never shown. Page handlers use it for errors they meet; it
// fits the router's error path for page routes too.
func (c *Console) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	fp, ok := c.problemOf(r, err)
	if ok {
		pe, _ := problem.As(err)
		status = pe.Status
	} else {
		if errors.Is(err, r.Context().Err()) && r.Context().Err() != nil {
			return
		}
		c.log.LogAttrs(r.Context(), slog.LevelError, "console page failed",
			slog.String("request_id", web.RequestID(r.Context())), slog.String("error", err.Error()))
		fp = &formProblem{Title: c.cat.T(lang(r), "error.internal.title"), Detail: c.cat.T(lang(r), "error.internal.detail")}
	}
	v := c.newView(r, "", "", errorData{Status: status, RequestID: web.RequestID(r.Context()), Problem: fp,
		Signin: status == http.StatusUnauthorized})
	if rerr := c.render(w, r, status, "error", v); rerr != nil {
		web.WriteError(w, r, err)
	}
}

type errorData struct {
	Status    int
	RequestID string
	Problem   *formProblem
	Signin    bool
}

// fail ends a page handler with err rendered as a page. It returns nil so
// that the router sends the page; on a writing route the caller must have
// undone its writes first (see attempt).
func (c *Console) fail(w http.ResponseWriter, r *http.Request, err error) error {
	c.RenderError(w, r, err)
	return nil
}

// localPath accepts a redirect target only when it stays on this site: an
// absolute path, not "//host" or "/\host", which browsers treat as another
// origin.
func localPath(s, fallback string) string {
	if s == "" || !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return fallback
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(s, "\r\n") {
		return fallback
	}
	return s
}

// see redirects after a successful post.
func see(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
