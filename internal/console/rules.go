package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Rules is what the console needs of the regulation database.
type Rules interface {
	List(ctx context.Context, f rules.Filter, pg web.Page) (web.List[rules.Rule], error)
	Get(ctx context.Context, id string, n int) (rules.Rule, error)
	Latest(ctx context.Context, id string) (rules.Rule, error)
	Versions(ctx context.Context, id string) ([]rules.Rule, error)
	Draft(ctx context.Context, r rules.Rule) (rules.Rule, error)
	Publish(ctx context.Context, id string) (rules.Rule, error)
	Retire(ctx context.Context, id string, to time.Time) (rules.Rule, error)
}

// RulePages are the regulation database pages: the list with filters and
// search, a rule with its history and the difference a reviewer reads,
// the edit form that saves a draft, and the publish and retire actions.
// Compliance officers edit; tenant users read the rules in force.
type RulePages struct {
	c     *Console
	rules Rules
}

// RulePages returns the rule pages over rs; register them with Routes.
func (c *Console) RulePages(rs Rules) *RulePages { return &RulePages{c: c, rules: rs} }

// Routes registers the rule pages on rt.
func (rp *RulePages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	read, write := identity.PermComplianceRead, identity.PermComplianceRules
	for _, r := range []web.Route{
		page("GET", "/compliance/rules", read, rp.listPage),
		page("GET", "/compliance/rules/new", write, rp.newPage),
		page("POST", "/compliance/rules", write, rp.save),
		page("GET", "/compliance/rules/{id}", read, rp.rulePage),
		page("GET", "/compliance/rules/{id}/edit", write, rp.editPage),
		page("POST", "/compliance/rules/{id}/publish", write, rp.publish),
		page("POST", "/compliance/rules/{id}/retire", write, rp.retire),
	} {
		rt.Handle(r)
	}
}

// ruleNotices are the confirmations a redirect may ask for (?done=…).
var ruleNotices = map[string]bool{"drafted": true, "published": true, "retire_drafted": true}

type rulesData struct {
	Mode string // list, detail, edit

	// list
	Market, Severity, Q, Status string
	Severities, Statuses        []string
	Rows                        []ruleRow
	Next                        string
	Officer                     bool

	// detail
	Rule     *rules.Rule
	Texts    *rules.LangTexts
	InForce  bool
	Versions []rules.Rule
	// Pending is the draft awaiting publication, Changes its difference
	// from the version in force.
	Pending   *rules.Rule
	Changes   []changeRow
	OwnDraft  bool
	Evidence  []string
	AppliesTo string
	Today     string

	// edit
	Form ruleForm
	New  bool
}

type ruleRow struct {
	ID, Market, Severity, Title, Status string
	Version                             int
	From                                time.Time
	To                                  *time.Time
}

type changeRow struct{ Path, Old, New string }

// ruleForm is the edit form: the texts as fields, the structured parts
// (selectors, conditions, evidence, limits, translations) as YAML in the
// import format, which officers already know from docs/REGULATIONS.md.
type ruleForm struct {
	ID, Market, Severity, Title, Authority, Reference, SourceURL string
	Requirement, Action, Notes, From, To, Details                string
	Version                                                      int
}

// ruleDetails is the YAML part of the form.
type ruleDetails struct {
	AppliesTo    rules.Applicability    `yaml:"applies_to,omitempty"`
	Evidence     []rules.Evidence       `yaml:"evidence,omitempty"`
	Limits       []rules.Limit          `yaml:"limits,omitempty"`
	Translations map[string]rules.Texts `yaml:"translations,omitempty"`
}

func officerOf(r *http.Request) (*identity.Principal, bool) {
	p, ok := identity.PrincipalFrom(r.Context())
	return p, ok && p.Role.Can(identity.PermComplianceRules)
}

func (rp *RulePages) view(r *http.Request, title string, d rulesData) *view {
	v := rp.c.newView(r, title, "/compliance/rules", d)
	if n := r.URL.Query().Get("done"); ruleNotices[n] {
		v.Notice = "console.rules.notice." + n
	}
	return v
}

func (rp *RulePages) listPage(w http.ResponseWriter, r *http.Request) error {
	c := rp.c
	q := r.URL.Query()
	_, officer := officerOf(r)
	d := rulesData{Mode: "list", Market: strings.ToUpper(strings.TrimSpace(q.Get("market"))), Severity: q.Get("severity"),
		Q: strings.TrimSpace(q.Get("q")), Status: q.Get("status"), Severities: rules.Severities, Officer: officer}
	d.Statuses = []string{rules.Published, rules.Retired}
	if officer {
		d.Statuses = append([]string{rules.Draft}, d.Statuses...)
	}
	if d.Status == rules.Draft && !officer {
		return c.fail(w, r, problem.ErrForbidden)
	}
	pg, err := web.PageFrom(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	l, err := rp.rules.List(r.Context(), rules.Filter{Market: d.Market, Severity: d.Severity, Q: d.Q, Status: d.Status}, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	for _, x := range l.Items {
		title := x.Title
		if t := rules.Localize(x, lang(r), ""); t != nil {
			title = t.Title
		}
		d.Rows = append(d.Rows, ruleRow{ID: x.ID, Market: x.Market, Severity: x.Severity, Title: title, Status: x.Status,
			Version: x.Version, From: x.EffectiveFrom, To: x.EffectiveTo})
	}
	if l.NextCursor != "" {
		next := url.Values{"cursor": {l.NextCursor}}
		for k, v := range map[string]string{"market": d.Market, "severity": d.Severity, "q": d.Q, "status": d.Status} {
			if v != "" {
				next.Set(k, v)
			}
		}
		d.Next = "/compliance/rules?" + next.Encode()
	}
	return c.render(w, r, http.StatusOK, "rules", rp.view(r, "console.rules.title", d))
}

func (rp *RulePages) rulePage(w http.ResponseWriter, r *http.Request) error {
	c := rp.c
	ctx, id := r.Context(), r.PathValue("id")
	p, officer := officerOf(r)
	n := 0
	if v := r.URL.Query().Get("version"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			return c.fail(w, r, problem.Invalid(problem.Field{Field: "version", Code: "invalid_integer"}))
		}
	}
	all, err := rp.rules.Versions(ctx, id)
	if err != nil {
		return c.fail(w, r, err)
	}
	d := rulesData{Mode: "detail", Officer: officer, Today: time.Now().UTC().Format(time.DateOnly)}
	var current *rules.Rule
	for i, v := range all {
		if !officer && v.PublishedAt == nil {
			continue
		}
		d.Versions = append(d.Versions, v)
		if v.PublishedAt != nil && v.SupersededAt == nil {
			current = &all[i]
		}
	}
	if len(d.Versions) == 0 {
		return c.fail(w, r, problem.ErrNotFound)
	}
	shown := current
	if n > 0 || shown == nil {
		shown = nil
		for i, v := range d.Versions {
			if n == 0 || v.Version == n {
				shown = &d.Versions[i]
				break
			}
		}
		if shown == nil {
			return c.fail(w, r, problem.ErrNotFound)
		}
	}
	d.Rule, d.InForce = shown, shown == current
	d.Texts = rules.Localize(*shown, lang(r), "")
	for _, e := range shown.Evidence {
		d.Evidence = append(d.Evidence, e.Name+" ("+e.Code+")")
	}
	if b, err := yaml.Marshal(ruleDetails{AppliesTo: shown.AppliesTo, Limits: shown.Limits}); err == nil {
		d.AppliesTo = string(b)
	}
	if officer && all[0].PublishedAt == nil {
		pending := all[0]
		d.Pending = &pending
		d.OwnDraft = p != nil && p.UserID == pending.AuthorID
		from := rules.Rule{ID: id}
		if current != nil {
			from = *current
		}
		for _, ch := range rules.Diff(from, pending) {
			d.Changes = append(d.Changes, changeRow{Path: ch.Path, Old: diffText(ch.Old), New: diffText(ch.New)})
		}
	}
	return c.render(w, r, http.StatusOK, "rules", rp.view(r, "console.rules.detail", d))
}

// diffText spells a diff value for a reviewer: text as it is, the rest as JSON.
func diffText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func ruleFormOf(r rules.Rule) ruleForm {
	f := ruleForm{ID: r.ID, Market: r.Market, Severity: r.Severity, Title: r.Title, Authority: r.Authority,
		Reference: r.Reference, SourceURL: r.SourceURL, Requirement: r.Requirement, Action: r.Action, Notes: r.Notes,
		Version: r.Version}
	if !r.EffectiveFrom.IsZero() {
		f.From = r.EffectiveFrom.Format(time.DateOnly)
	}
	if r.EffectiveTo != nil {
		f.To = r.EffectiveTo.Format(time.DateOnly)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(ruleDetails{AppliesTo: r.AppliesTo, Evidence: r.Evidence, Limits: r.Limits, Translations: r.Translations}); err == nil {
		f.Details = b.String()
	}
	return f
}

func (rp *RulePages) newPage(w http.ResponseWriter, r *http.Request) error {
	f := ruleFormOf(rules.Rule{Severity: rules.Documentation, EffectiveFrom: time.Now().UTC().Truncate(24 * time.Hour)})
	f.Details = "applies_to:\n  categories: []\n  hs: []\n  conditions: []\nevidence: []\ntranslations:\n  zh-CN:\n    title: \"\"\n    requirement: \"\"\n"
	return rp.c.render(w, r, http.StatusOK, "rules", rp.view(r, "console.rules.new", rulesData{Mode: "edit", New: true, Form: f,
		Severities: rules.Severities}))
}

func (rp *RulePages) editPage(w http.ResponseWriter, r *http.Request) error {
	x, err := rp.rules.Latest(r.Context(), r.PathValue("id"))
	if err != nil {
		return rp.c.fail(w, r, err)
	}
	return rp.c.render(w, r, http.StatusOK, "rules", rp.view(r, "console.rules.edit", rulesData{Mode: "edit", Form: ruleFormOf(x),
		Severities: rules.Severities}))
}

// ruleFrom reads the edit form into a rule, naming the fields it cannot
// read the way validation does.
func ruleFrom(f ruleForm) (rules.Rule, error) {
	x := rules.Rule{ID: f.ID, Version: f.Version, Market: strings.ToUpper(f.Market), Severity: f.Severity, Title: f.Title,
		Authority: f.Authority, Reference: f.Reference, SourceURL: f.SourceURL, Requirement: f.Requirement,
		Action: f.Action, Notes: f.Notes}
	var fs problem.Errors
	if f.From != "" {
		t, err := time.Parse(time.DateOnly, f.From)
		if err != nil {
			fs.Add("effective_from", "invalid_format", "format", "YYYY-MM-DD")
		}
		x.EffectiveFrom = t
	}
	if f.To != "" {
		t, err := time.Parse(time.DateOnly, f.To)
		if err != nil {
			fs.Add("effective_to", "invalid_format", "format", "YYYY-MM-DD")
		}
		x.EffectiveTo = &t
	}
	if strings.TrimSpace(f.Details) != "" {
		var d ruleDetails
		dec := yaml.NewDecoder(strings.NewReader(f.Details))
		dec.KnownFields(true)
		if err := dec.Decode(&d); err != nil {
			fs.Add("details", "yaml", "reason", err.Error())
		}
		x.AppliesTo, x.Evidence, x.Limits, x.Translations = d.AppliesTo, d.Evidence, d.Limits, d.Translations
	}
	if err := fs.Err(); err != nil {
		return rules.Rule{}, err
	}
	return x, nil
}

func (rp *RulePages) save(w http.ResponseWriter, r *http.Request) error {
	c := rp.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := ruleForm{ID: field(r, "id"), Market: field(r, "market"), Severity: field(r, "severity"), Title: field(r, "title"),
		Authority: field(r, "authority"), Reference: field(r, "reference"), SourceURL: field(r, "source_url"),
		Requirement: field(r, "requirement"), Action: field(r, "action"), Notes: field(r, "notes"),
		From: field(r, "effective_from"), To: field(r, "effective_to"), Details: r.PostFormValue("details")}
	f.Version, _ = strconv.Atoi(field(r, "version"))
	var saved rules.Rule
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		x, err := ruleFrom(f)
		if err != nil {
			return err
		}
		saved, err = rp.rules.Draft(ctx, x)
		return err
	})
	if err != nil {
		fp, ok := c.problemOf(r, err)
		if !ok {
			return err
		}
		v := rp.view(r, "console.rules.edit", rulesData{Mode: "edit", New: f.Version == 0, Form: f, Severities: rules.Severities})
		v.Problem = fp
		return c.render(w, r, statusOf(err), "rules", v)
	}
	http.Redirect(w, r, "/compliance/rules/"+url.PathEscape(saved.ID)+"?done=drafted", http.StatusSeeOther)
	return nil
}

func (rp *RulePages) publish(w http.ResponseWriter, r *http.Request) error {
	c := rp.c
	id := r.PathValue("id")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := rp.rules.Publish(ctx, id)
		return err
	})
	if err != nil {
		return c.fail(w, r, err)
	}
	http.Redirect(w, r, "/compliance/rules/"+url.PathEscape(id)+"?done=published", http.StatusSeeOther)
	return nil
}

func (rp *RulePages) retire(w http.ResponseWriter, r *http.Request) error {
	c := rp.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id := r.PathValue("id")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		to, err := rules.RetireRequest{EffectiveTo: field(r, "effective_to")}.Date()
		if err != nil {
			return err
		}
		_, err = rp.rules.Retire(ctx, id, to)
		return err
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return c.fail(w, r, err)
	}
	http.Redirect(w, r, "/compliance/rules/"+url.PathEscape(id)+"?done=retire_drafted", http.StatusSeeOther)
	return nil
}
