package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/compliance/rules"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Checker is what the console needs of the compliance checks.
type Checker interface {
	Check(ctx context.Context, r checks.Request) (checks.Check, error)
	Get(ctx context.Context, id string) (checks.Check, error)
	List(ctx context.Context, f checks.Filter, pg web.Page) (web.List[checks.Summary], error)
}

// CheckPages are the compliance check pages: the form where a seller picks
// a product (or describes one), markets and transport; the result grouped
// by market, each finding saying why it applies and what to do; and links
// to the printable HTML and PDF reports, which are the API's own routes.
type CheckPages struct {
	c        *Console
	checks   Checker
	products Products
}

// CheckPages returns the check pages; register them with Routes.
func (c *Console) CheckPages(ch Checker, p Products) *CheckPages {
	return &CheckPages{c: c, checks: ch, products: p}
}

// Routes registers the check pages on rt.
func (cp *CheckPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/compliance/checks", identity.PermComplianceRead, cp.formPage),
		page("POST", "/compliance/checks", identity.PermComplianceWrite, cp.run),
		page("GET", "/compliance/checks/{id}", identity.PermComplianceRead, cp.resultPage),
	} {
		rt.Handle(r)
	}
}

// checkMarkets are the markets offered as boxes; others can be typed.
var checkMarkets = []string{"EU", "DE", "FR", "IT", "ES", "NL", "PL", "UK", "US", "CA", "JP", "KR", "AU", "SG", "MY", "TH", "VN", "ID", "PH"}

type checkForm struct {
	ProductID string
	Markets   []string
	Other     string
	Transport string
	// The quick form, for a product not in the catalogue.
	Title, HSCode, Category, Materials, Certifications, Labels string
	Chemistry, Wh, Packing                                     string
}

type checksData struct {
	Mode string // form, result

	// form
	Form       checkForm
	Products   []productOption
	Markets    []string
	Transports []string
	Chemistry  []string
	Packings   []string
	Recent     []checks.Summary

	// result
	Check    *checks.Check
	Groups   []marketGroup
	HTMLLink string
	PDFLink  string
	Title    string
}

type productOption struct{ ID, Label string }

type marketGroup struct {
	Market   string
	Findings []findingRow
	Counts   checks.Counts
}

type findingRow struct {
	checks.Finding
	Title, Requirement, Action string
	Triggers, MissingFacts     []string
	MissingEvidence, Evidence  []string
	Limits                     []string
}

func (cp *CheckPages) formData(r *http.Request, f checkForm) (checksData, error) {
	d := checksData{Mode: "form", Form: f, Markets: checkMarkets, Transports: rules.Transports,
		Chemistry: catalog.Chemistries, Packings: catalog.Packings}
	l, err := cp.products.List(r.Context(), catalog.Filter{}, web.Page{Limit: web.MaxLimit})
	if err != nil {
		return d, err
	}
	for _, p := range l.Items {
		d.Products = append(d.Products, productOption{ID: p.ID, Label: p.SKU + " — " + titleIn(p.Title, lang(r))})
	}
	recent, err := cp.checks.List(r.Context(), checks.Filter{}, web.Page{Limit: 10})
	if err != nil {
		return d, err
	}
	d.Recent = recent.Items
	return d, nil
}

func (cp *CheckPages) formPage(w http.ResponseWriter, r *http.Request) error {
	f := checkForm{ProductID: r.URL.Query().Get("product_id"), Markets: []string{"EU"}}
	d, err := cp.formData(r, f)
	if err != nil {
		return cp.c.fail(w, r, err)
	}
	return cp.c.render(w, r, http.StatusOK, "checks", cp.c.newView(r, "console.checks.title", "/compliance/checks", d))
}

func splitChoices(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' || r == ';' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (cp *CheckPages) run(w http.ResponseWriter, r *http.Request) error {
	c := cp.c
	if err := r.ParseForm(); err != nil {
		return c.fail(w, r, err)
	}
	f := checkForm{ProductID: strings.TrimSpace(r.PostFormValue("product_id")), Markets: r.PostForm["markets"],
		Other: r.PostFormValue("other_markets"), Transport: r.PostFormValue("transport"),
		Title: strings.TrimSpace(r.PostFormValue("title")), HSCode: r.PostFormValue("hs_code"),
		Category: r.PostFormValue("category"), Materials: r.PostFormValue("materials"),
		Certifications: r.PostFormValue("certifications"), Labels: r.PostFormValue("labels"),
		Chemistry: r.PostFormValue("battery_chemistry"), Wh: strings.TrimSpace(r.PostFormValue("battery_wh")),
		Packing: r.PostFormValue("battery_packing")}
	req := checks.Request{ProductID: f.ProductID, Transport: f.Transport,
		Markets: append(slices.Clone(f.Markets), splitChoices(f.Other)...)}
	if f.ProductID == "" && f.Title != "" {
		titleLang := "en"
		if hasHan(f.Title) {
			titleLang = "zh-CN"
		}
		p := &catalog.Product{Title: catalog.Title{titleLang: f.Title}, HSCode: f.HSCode, Category: f.Category,
			Materials: splitChoices(f.Materials), Certifications: splitChoices(f.Certifications), Labels: splitChoices(f.Labels)}
		if f.Chemistry != "" {
			p.Battery = &catalog.Battery{Chemistry: f.Chemistry, Packing: f.Packing}
			if f.Wh != "" {
				if v, err := strconv.ParseFloat(f.Wh, 64); err == nil {
					p.Battery.Wh = &v
				} else {
					p.Battery.Wh = new(float64) // refused as not positive, by field
				}
			}
		}
		req.Product = p
	}
	res, err := cp.checks.Check(r.Context(), req)
	if refused(err) {
		d, derr := cp.formData(r, f)
		if derr != nil {
			return c.fail(w, r, derr)
		}
		v := c.newView(r, "console.checks.title", "/compliance/checks", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "checks", v)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/compliance/checks/"+res.ID, http.StatusSeeOther)
	return nil
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

func (cp *CheckPages) resultPage(w http.ResponseWriter, r *http.Request) error {
	c := cp.c
	ch, err := cp.checks.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return c.fail(w, r, err)
	}
	l := lang(r)
	zh := strings.HasPrefix(l, "zh")
	d := checksData{Mode: "result", Check: &ch, Title: titleIn(ch.Product.Title, l),
		HTMLLink: "/api/v1/compliance/checks/" + ch.ID + "?format=html&lang=" + l,
		PDFLink:  "/api/v1/compliance/checks/" + ch.ID + "?format=pdf&lang=" + l}
	for _, m := range ch.Markets {
		g := marketGroup{Market: m}
		for _, f := range ch.Findings {
			if f.Market != m {
				continue
			}
			g.Findings = append(g.Findings, findingRowOf(f, zh))
			switch f.Status {
			case checks.StatusFail:
				g.Counts.Fail++
			case checks.StatusWarn:
				g.Counts.Warn++
			default:
				g.Counts.Pass++
			}
		}
		d.Groups = append(d.Groups, g)
	}
	return c.render(w, r, http.StatusOK, "checks", c.newView(r, "console.checks.result_title", "/compliance/checks", d))
}

func valueText(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = valueText(p)
		}
		return strings.Join(parts, ", ")
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}

// findingRowOf picks the finding's texts in the reader's language (the
// rule's zh-CN translation for Chinese readers, when it has one) and
// spells out why it applies and what is missing.
func findingRowOf(f checks.Finding, zh bool) findingRow {
	row := findingRow{Finding: f, Title: f.Title, Requirement: f.Requirement, Action: f.Action}
	if tr, ok := f.Translations["zh-CN"]; ok && zh {
		row.Title = cmpOr(tr.Title, f.Title)
		row.Requirement = cmpOr(tr.Requirement, f.Requirement)
		row.Action = cmpOr(tr.Action, f.Action)
	}
	for _, t := range f.TriggeredBy {
		row.Triggers = append(row.Triggers, fmt.Sprintf("%s = %s (%s)", t.Fact, valueText(t.Value), t.Source))
	}
	for _, m := range f.MissingFacts {
		row.MissingFacts = append(row.MissingFacts, fmt.Sprintf("%s → %s", m.Fact, m.Provide))
	}
	for _, g := range f.MissingEvidence {
		var alts []string
		for _, it := range g.AnyOf {
			alts = append(alts, it.Name+" ("+it.Code+")")
		}
		row.MissingEvidence = append(row.MissingEvidence, strings.Join(alts, " / "))
	}
	for _, e := range f.Evidence {
		row.Evidence = append(row.Evidence, e.Code+" ("+e.Source+")")
	}
	for _, l := range f.LimitsExceeded {
		row.Limits = append(row.Limits, fmt.Sprintf("%s = %g > %g", l.Fact, l.Value, l.Max))
	}
	return row
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
