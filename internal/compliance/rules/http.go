package rules

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// View is a rule as the API shows it: the rule, English, plus its texts
// in the caller's language when the rule has a translation for it.
type View struct {
	Rule
	// Texts are the rule's texts in the negotiated language (?lang=, the
	// lang cookie or Accept-Language), present only when the rule has a
	// translation for it; a text the translation lacks is the English one.
	Texts *LangTexts `json:"texts,omitempty"`
}

// XMLRoot names a rule's XML element: <rule>, as the contract's singular.
func (View) XMLRoot() string { return "rule" }

// LangTexts are a rule's texts in one language.
type LangTexts struct {
	Lang string `json:"lang"`
	Texts
}

// Localize picks r's texts for a reader of lang (a negotiated language) or,
// failing that, the first of the Accept-Language preferences r has a
// translation for, stopping at English. English readers get nil: the
// rule's own fields are English.
func Localize(r Rule, lang, acceptLanguage string) *LangTexts {
	if len(r.Translations) == 0 {
		return nil
	}
	prefs := []string{lang}
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil {
		for _, t := range tags {
			prefs = append(prefs, t.String())
		}
	}
	for i, p := range prefs {
		switch {
		case p == "":
			continue
		case p == "en" || strings.HasPrefix(p, "en-"):
			// The negotiated language falls back to English for languages
			// the console lacks (de): the browser's own list still counts.
			if i == 0 {
				continue
			}
			return nil
		}
		tag := p
		t, ok := r.Translations[p]
		if !ok {
			// "zh" reaches "zh-CN", "de-AT" reaches "de".
			base, _, _ := strings.Cut(p, "-")
			for _, k := range sortedKeys(r.Translations) {
				if kb, _, _ := strings.Cut(k, "-"); kb == base {
					tag, t, ok = k, r.Translations[k], true
					break
				}
			}
		}
		if !ok {
			continue
		}
		out := &LangTexts{Lang: tag, Texts: t}
		if out.Title == "" {
			out.Title = r.Title
		}
		if out.Requirement == "" {
			out.Requirement = r.Requirement
		}
		if out.Action == "" {
			out.Action = r.Action
		}
		return out
	}
	return nil
}

func view(r *http.Request, rule Rule) View {
	return View{Rule: rule, Texts: Localize(rule, i18n.Lang(r.Context()), r.Header.Get("Accept-Language"))}
}

// Versions is the history of one rule.
type Versions struct {
	ID       string `json:"id"`
	Versions []View `json:"versions"`
}

// DiffView is the field-level difference between two versions.
type DiffView struct {
	ID      string   `json:"id"`
	From    int      `json:"from"`
	To      int      `json:"to"`
	Changes []Change `json:"changes"`
}

// RetireRequest asks for a rule to end.
type RetireRequest struct {
	// EffectiveTo is the first day the rule no longer applies: a date
	// (2027-01-01) or an RFC 3339 time, possibly ahead.
	EffectiveTo string `json:"effective_to"`
}

// Date reads the request's date.
func (q RetireRequest) Date() (time.Time, error) {
	s := strings.TrimSpace(q.EffectiveTo)
	if s == "" {
		return time.Time{}, problem.Invalid(problem.Field{Field: "effective_to", Code: "required"})
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, problem.Invalid(problem.Field{Field: "effective_to", Code: "invalid_format",
		Params: []any{"format", "YYYY-MM-DD"}})
}

var listParams = []web.Param{
	{Name: "market", Description: "A market: an ISO country (DE), EU, GLOBAL or a subdivision (US-CA). A member " +
		"state also lists the EU rules, a subdivision its country's, and every market the GLOBAL ones."},
	{Name: "severity", Description: "Exact severity.", Enum: Severities},
	{Name: "q", Description: "Text to find in the id, title, authority, reference or a translated title."},
	{Name: "hs", Description: "An HS code or prefix: rules selecting products by an HS prefix covering it, or within it."},
	{Name: "status", Description: "Empty: rules in force now. draft: rules whose newest version awaits publication " +
		"(compliance officers). published: every version in force, also not yet or no longer effective. retired: " +
		"retirements in force.", Enum: ListStatuses},
}

// Routes registers the rule API.
func (s *Service) Routes(rt *web.Router) {
	read, write := identity.PermComplianceRead, identity.PermComplianceRules
	for _, r := range []web.Route{
		{Method: "GET", Path: "/api/v1/compliance/rules", Perm: read, Tag: "compliance", Summary: "List regulation rules",
			Description: "The rules in force now, in id order, filtered as asked. Each carries `texts` in the caller's " +
				"language when the rule has that translation.",
			Query: listParams, Response: web.List[View]{}, Handler: s.handleList},
		{Method: "POST", Path: "/api/v1/compliance/rules", Perm: write, Tag: "compliance", Summary: "Draft a rule version",
			Description: "Creates a draft: version 1 of a new id, or the next version of an existing rule. Send the " +
				"`version` you edited from: a rule that has moved on since is 409 `rule_changed`. A draft comes into " +
				"force only when another compliance officer publishes it. Dates are RFC 3339 times (midnight UTC for a date).",
			Request: Rule{}, Response: View{}, Status: http.StatusCreated, Handler: s.handleDraft},
		{Method: "GET", Path: "/api/v1/compliance/rules/{id}", Perm: read, Tag: "compliance", Summary: "Get a regulation rule",
			Description: "The version in force, or `?version=N`. Compliance officers also see drafts (the newest " +
				"version of a rule never published).",
			Query:    []web.Param{{Name: "version", Type: "integer", Description: "A version number."}},
			Response: View{}, Handler: s.handleGet},
		{Method: "GET", Path: "/api/v1/compliance/rules/{id}/versions", Perm: read, Tag: "compliance",
			Summary: "List a rule's versions", Description: "Newest first. Tenants see published versions only.",
			Response: Versions{}, Handler: s.handleVersions},
		{Method: "GET", Path: "/api/v1/compliance/rules/{id}/diff", Perm: read, Tag: "compliance",
			Summary: "Compare two versions of a rule",
			Description: "Every field that differs, by JSON path, with its old and new value. Defaults: `from` the " +
				"version in force, `to` the newest version — what a reviewer reads before publishing.",
			Query: []web.Param{{Name: "from", Type: "integer", Description: "The older version."},
				{Name: "to", Type: "integer", Description: "The newer version."}},
			Response: DiffView{}, Handler: s.handleDiff},
		{Method: "POST", Path: "/api/v1/compliance/rules/{id}/publish", Perm: write, Tag: "compliance",
			Summary: "Publish a rule's latest draft",
			Description: "The draft comes into force and the version it replaces is superseded. The officer who " +
				"wrote the draft cannot publish it: 403 `four_eyes`. Nothing to publish: 409 `no_draft`.",
			Response: View{}, Handler: s.handlePublish},
		{Method: "POST", Path: "/api/v1/compliance/rules/{id}/retire", Perm: write, Tag: "compliance",
			Summary: "Draft a rule's retirement",
			Description: "Creates a draft of the rule in force with `effective_to` set (a date, possibly ahead). " +
				"Like every draft it takes effect when another officer publishes it; the rule then has status `retired` " +
				"and stays in force until that date.",
			Request: RetireRequest{}, Response: View{}, Status: http.StatusCreated, Handler: s.handleRetire},
	} {
		rt.Handle(r)
	}
}

// officer reports whether the caller may see drafts.
func officer(ctx context.Context) bool {
	p, ok := identity.PrincipalFrom(ctx)
	return ok && p.Role.Can(identity.PermComplianceRules)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	q := r.URL.Query()
	f := Filter{Market: q.Get("market"), Severity: q.Get("severity"), Q: q.Get("q"), HS: q.Get("hs"), Status: q.Get("status")}
	ferr := f.Validate()
	var fs problem.Errors
	for _, err := range []error{perr, ferr} {
		if pe, ok := problem.As(err); ok {
			fs = append(fs, pe.Fields...)
		}
	}
	if err := fs.Err(); err != nil {
		return err
	}
	if f.Status == Draft && !officer(r.Context()) {
		return problem.ErrForbidden
	}
	l, err := s.List(r.Context(), f, pg)
	if err != nil {
		return err
	}
	out := web.List[View]{Items: make([]View, len(l.Items)), NextCursor: l.NextCursor}
	for i, rule := range l.Items {
		out.Items[i] = view(r, rule)
	}
	return web.Respond(w, r, http.StatusOK, out)
}

func (s *Service) handleDraft(w http.ResponseWriter, r *http.Request) error {
	var rule Rule
	if err := web.Decode(r, &rule); err != nil {
		return err
	}
	out, err := s.Draft(r.Context(), rule)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/compliance/rules/"+out.ID+"?version="+itoa(out.Version))
	return web.Respond(w, r, http.StatusCreated, view(r, out))
}

func intParam(r *http.Request, name string, fs *problem.Errors) int {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		fs.Add(name, "invalid_integer")
		return 0
	}
	return n
}

// visible returns version n of id (0: the version in force) as the caller
// may see it: tenants see published versions only; officers also drafts,
// and for a rule never published its newest draft.
func (s *Service) visible(ctx context.Context, id string, n int) (Rule, error) {
	rule, err := s.Get(ctx, id, n)
	if !officer(ctx) {
		if err == nil && rule.PublishedAt == nil {
			return Rule{}, problem.ErrNotFound
		}
		return rule, err
	}
	if n == 0 && errors.Is(err, problem.ErrNotFound) {
		return s.Latest(ctx, id)
	}
	return rule, err
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	var fs problem.Errors
	n := intParam(r, "version", &fs)
	if err := fs.Err(); err != nil {
		return err
	}
	rule, err := s.visible(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, view(r, rule))
}

func (s *Service) handleVersions(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.Versions(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := Versions{ID: r.PathValue("id"), Versions: []View{}}
	all := officer(r.Context())
	for _, rule := range rs {
		if all || rule.PublishedAt != nil {
			out.Versions = append(out.Versions, view(r, rule))
		}
	}
	if len(out.Versions) == 0 {
		return problem.ErrNotFound
	}
	return web.Respond(w, r, http.StatusOK, out)
}

func (s *Service) handleDiff(w http.ResponseWriter, r *http.Request) error {
	var fs problem.Errors
	from, to := intParam(r, "from", &fs), intParam(r, "to", &fs)
	if err := fs.Err(); err != nil {
		return err
	}
	ctx, id := r.Context(), r.PathValue("id")
	var (
		b   Rule
		err error
	)
	if to == 0 && officer(ctx) {
		b, err = s.Latest(ctx, id)
	} else {
		b, err = s.visible(ctx, id, to)
	}
	if err != nil {
		return err
	}
	var a Rule
	if from == 0 {
		a, err = s.Get(ctx, id, 0)
		if errors.Is(err, problem.ErrNotFound) {
			// Never published: everything in the draft is new.
			a, err = Rule{ID: id}, nil
		}
	} else {
		a, err = s.visible(ctx, id, from)
	}
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, DiffView{ID: id, From: a.Version, To: b.Version, Changes: Diff(a, b)})
}

func (s *Service) handlePublish(w http.ResponseWriter, r *http.Request) error {
	out, err := s.Publish(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, view(r, out))
}

func (s *Service) handleRetire(w http.ResponseWriter, r *http.Request) error {
	var q RetireRequest
	if err := web.Decode(r, &q); err != nil {
		return err
	}
	to, err := q.Date()
	if err != nil {
		return err
	}
	out, err := s.Retire(r.Context(), r.PathValue("id"), to)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, view(r, out))
}
