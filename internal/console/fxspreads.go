package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// SpreadDesk is what the spreads page needs of the FX service.
type SpreadDesk interface {
	Spreads(ctx context.Context, tenantID string) (fx.Spreads, error)
	SetSpreads(ctx context.Context, tenantID string, u fx.SpreadsUpdate) (fx.Spreads, error)
}

// SpreadPages are the platform administrator's pages for the FX spread
// each tenant's quotes carry: every tenant with its spreads, and a form
// to replace one tenant's. The same permission as the spreads API guards
// them.
type SpreadPages struct {
	c  *Console
	fx SpreadDesk
}

// SpreadPages returns the pages; register them with Routes.
func (c *Console) SpreadPages(f SpreadDesk) *SpreadPages { return &SpreadPages{c: c, fx: f} }

// Routes registers the pages.
func (p *SpreadPages) Routes(rt *web.Router) {
	page := func(method, path string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: identity.PermTenantsManage, Page: true, Tag: "console",
			Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/settings/fx-spreads", p.listPage),
		page("GET", "/settings/fx-spreads/{tenant_id}", p.editPage),
		page("POST", "/settings/fx-spreads/{tenant_id}", p.save),
	} {
		rt.Handle(r)
	}
}

var (
	spreadsSpec    = pageSpec{Name: "fx_spreads", Title: "console.spreads.title", Active: "/settings/fx-spreads"}
	spreadEditSpec = pageSpec{Name: "fx_spread_edit", Title: "console.spreads.edit_title", Active: "/settings/fx-spreads",
		Notices: map[string]string{"saved": "console.spreads.notice.saved"}}
)

type spreadPair struct {
	Pair string
	BPS  int
}

type spreadRow struct {
	Tenant     tenancy.Tenant
	HasDefault bool
	Default    int
	Pairs      []spreadPair
	Platform   int
}

type spreadsData struct {
	Rows []spreadRow
	Next string
}

func pairsOf(s fx.Spreads) []spreadPair {
	out := make([]spreadPair, 0, len(s.Pairs))
	for k, v := range s.Pairs {
		out = append(out, spreadPair{k, v})
	}
	slices.SortFunc(out, func(a, b spreadPair) int { return strings.Compare(a.Pair, b.Pair) })
	return out
}

func (p *SpreadPages) listPage(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return p.c.fail(w, r, err)
	}
	ts, err := p.c.tenants.List(r.Context(), pg)
	if err != nil {
		return err
	}
	var d spreadsData
	for _, t := range ts.Items {
		s, err := p.fx.Spreads(r.Context(), t.ID)
		if err != nil {
			return err
		}
		row := spreadRow{Tenant: t, HasDefault: s.Default != nil, Pairs: pairsOf(s), Platform: s.PlatformBPS}
		if s.Default != nil {
			row.Default = *s.Default
		}
		d.Rows = append(d.Rows, row)
	}
	if ts.NextCursor != "" {
		d.Next = "/settings/fx-spreads?cursor=" + url.QueryEscape(ts.NextCursor)
	}
	return p.c.renderPage(w, r, http.StatusOK, spreadsSpec, d, nil)
}

// spreadForm is the form as typed: the default in basis points (empty:
// the platform's), and one "SELL/BUY bps" pair a line.
type spreadForm struct{ Default, Pairs string }

type spreadEditData struct {
	Tenant   tenancy.Tenant
	Form     spreadForm
	Platform int
}

func (p *SpreadPages) edit(r *http.Request, id string) (spreadEditData, fx.Spreads, error) {
	t, err := p.c.tenants.Get(r.Context(), id)
	if err != nil {
		return spreadEditData{}, fx.Spreads{}, err
	}
	s, err := p.fx.Spreads(r.Context(), id)
	if err != nil {
		return spreadEditData{}, fx.Spreads{}, err
	}
	d := spreadEditData{Tenant: t, Platform: s.PlatformBPS}
	if s.Default != nil {
		d.Form.Default = strconv.Itoa(*s.Default)
	}
	var lines []string
	for _, sp := range pairsOf(s) {
		lines = append(lines, sp.Pair+" "+strconv.Itoa(sp.BPS))
	}
	d.Form.Pairs = strings.Join(lines, "\n")
	return d, s, nil
}

func (p *SpreadPages) editPage(w http.ResponseWriter, r *http.Request) error {
	d, _, err := p.edit(r, r.PathValue("tenant_id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return p.c.renderPage(w, r, http.StatusOK, spreadEditSpec, d, nil)
}

// parseSpreadForm reads the form into an update; a line or number it
// cannot read is a field error, the rest is left to fx's own checks.
func parseSpreadForm(f spreadForm) (fx.SpreadsUpdate, error) {
	var (
		u  fx.SpreadsUpdate
		fs problem.Errors
	)
	if f.Default != "" {
		n, err := strconv.Atoi(f.Default)
		if err != nil {
			fs.Add("default_bps", "out_of_range", "min", 0, "max", fx.MaxSpreadBPS)
		} else {
			u.Default = &n
		}
	}
	u.Pairs = map[string]int{}
	for _, line := range strings.Split(f.Pairs, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Fields(strings.ReplaceAll(line, "=", " "))
		var n int
		var err error
		if len(parts) == 2 {
			n, err = strconv.Atoi(parts[1])
		}
		if len(parts) != 2 || err != nil {
			fs.Add("pairs", "invalid_format", "format", "EUR/USD 40")
			break
		}
		pair := strings.ToUpper(parts[0])
		if _, dup := u.Pairs[pair]; dup {
			fs.Add("pairs", "invalid_format", "format", "EUR/USD 40")
			break
		}
		u.Pairs[pair] = n
	}
	return u, fs.Err()
}

func (p *SpreadPages) save(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	id := r.PathValue("tenant_id")
	f := spreadForm{Default: field(r, "default_bps"), Pairs: strings.TrimSpace(r.PostFormValue("pairs"))}
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		u, err := parseSpreadForm(f)
		if err != nil {
			return err
		}
		_, err = p.fx.SetSpreads(ctx, id, u)
		return err
	})
	if err != nil {
		if !refused(err) || problemStatus(err) == http.StatusNotFound {
			return p.c.fail(w, r, err)
		}
		d, _, derr := p.edit(r, id)
		if derr != nil {
			return p.c.fail(w, r, derr)
		}
		d.Form = f
		return p.c.renderPage(w, r, statusOf(err), spreadEditSpec, d, foldPairErrors(err))
	}
	return see(w, r, "/settings/fx-spreads/"+url.PathEscape(id)+"?done=saved")
}

func problemStatus(err error) int {
	if pe, ok := problem.As(err); ok {
		return pe.Status
	}
	return 0
}

// foldPairErrors shows fx's per-pair field errors ("pairs.EUR/USD") under
// the one pairs field the form has; the summary still names each.
func foldPairErrors(err error) error {
	pe, ok := problem.As(err)
	if !ok {
		return err
	}
	out := *pe
	out.Fields = slices.Clone(pe.Fields)
	for _, f := range pe.Fields {
		if strings.HasPrefix(f.Field, "pairs.") {
			out.Fields = append(out.Fields, problem.Field{Field: "pairs", Code: f.Code, Params: f.Params})
			break
		}
	}
	return &out
}
