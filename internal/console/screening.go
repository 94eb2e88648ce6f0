package console

import (
	"context"
	"net/http"
	"net/url"

	"github.com/silkgate/silkgate/internal/compliance/screening"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Screener is what the console needs of denied-party screening.
type Screener interface {
	Screen(ctx context.Context, r screening.Request) (screening.Result, error)
	Cases(ctx context.Context, status string, limit int, after string) ([]screening.Case, error)
	Decide(ctx context.Context, id string, d screening.Decision) (screening.Case, error)
}

// ScreeningPages are the screening pages: screen a name and see its
// matches with their scores and the alias that matched, and work the
// review-case queue (clear a false positive, confirm a match).
type ScreeningPages struct {
	c *Console
	s Screener
}

// ScreeningPages returns the screening pages; register them with Routes.
func (c *Console) ScreeningPages(s Screener) *ScreeningPages {
	return &ScreeningPages{c: c, s: s}
}

// Routes registers the screening pages on rt.
func (sp *ScreeningPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/compliance/screening", identity.PermComplianceRead, sp.screeningPage),
		page("POST", "/compliance/screening", identity.PermComplianceWrite, sp.screen),
		page("POST", "/compliance/screening/cases/{id}", identity.PermComplianceWrite, sp.decide),
	} {
		rt.Handle(r)
	}
}

type screeningForm struct{ Name, Type, Country string }

type screeningData struct {
	Form      screeningForm
	Types     []string
	Result    *screening.Result
	Status    string
	Cases     []screening.Case
	Next      string
	Potential float64
	Strong    float64
}

// screeningNotices are the confirmations a redirect may ask for.
var screeningNotices = map[string]bool{"screening_case_cleared": true, "screening_case_confirmed": true}

func (sp *ScreeningPages) data(r *http.Request, f screeningForm) (screeningData, error) {
	d := screeningData{Form: f, Types: []string{"person", "entity", "vessel", "aircraft"},
		Status: r.URL.Query().Get("status"), Potential: screening.Potential, Strong: screening.Strong}
	switch d.Status {
	case "", screening.StatusOpen, screening.StatusCleared, screening.StatusConfirmed:
	default:
		d.Status = ""
	}
	if d.Status == "" && r.URL.Query().Get("status") == "" {
		d.Status = screening.StatusOpen
	}
	if r.URL.Query().Get("status") == "all" {
		d.Status = ""
	}
	pg, err := web.PageFrom(r)
	if err != nil {
		return d, err
	}
	cs, err := sp.s.Cases(r.Context(), d.Status, pg.FetchLimit(), pg.After)
	if err != nil {
		return d, err
	}
	l := web.NewList(pg, cs, func(c screening.Case) string { return c.ID })
	d.Cases = l.Items
	if l.NextCursor != "" {
		st := d.Status
		if st == "" {
			st = "all"
		}
		d.Next = "/compliance/screening?" + url.Values{"status": {st}, "cursor": {l.NextCursor}}.Encode()
	}
	return d, nil
}

func (sp *ScreeningPages) view(r *http.Request, d screeningData) *view {
	v := sp.c.newView(r, "console.screening.title", "/compliance/screening", d)
	if n := r.URL.Query().Get("notice"); screeningNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

func (sp *ScreeningPages) screeningPage(w http.ResponseWriter, r *http.Request) error {
	d, err := sp.data(r, screeningForm{})
	if err != nil {
		return sp.c.fail(w, r, err)
	}
	return sp.c.render(w, r, http.StatusOK, "screening", sp.view(r, d))
}

// screen runs a screening; the decision is recorded (and a case opened)
// exactly as through the API.
func (sp *ScreeningPages) screen(w http.ResponseWriter, r *http.Request) error {
	c := sp.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := screeningForm{Name: field(r, "name"), Type: field(r, "type"), Country: field(r, "country")}
	var res screening.Result
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		res, err = sp.s.Screen(ctx, screening.Request{Name: f.Name, Type: f.Type, Country: f.Country})
		return err
	})
	d, derr := sp.data(r, f)
	if derr != nil {
		return c.fail(w, r, derr)
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		v := sp.view(r, d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "screening", v)
	}
	d.Result = &res
	return c.render(w, r, http.StatusOK, "screening", sp.view(r, d))
}

func (sp *ScreeningPages) decide(w http.ResponseWriter, r *http.Request) error {
	c := sp.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	dec := screening.Decision{Decision: field(r, "decision"), Note: field(r, "note")}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := sp.s.Decide(ctx, r.PathValue("id"), dec)
		return err
	})
	if err != nil {
		return c.fail(w, r, err)
	}
	notice := "screening_case_confirmed"
	if dec.Decision == "clear" {
		notice = "screening_case_cleared"
	}
	return see(w, r, "/compliance/screening?notice="+notice)
}
