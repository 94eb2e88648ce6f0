package checks

import (
	"mime"
	"net/http"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Routes registers the check API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/compliance/checks", Perm: identity.PermComplianceWrite, Tag: "compliance",
			Summary: "Check a product against markets",
			Description: "Checks a catalogue product (`product_id`) or a product given inline (`product`, the product " +
				"shape; the SKU may be left out) against the rules in force for each market (EU member states " +
				"inherit the EU rules; GLOBAL rules apply everywhere) and, when `transport` is given, the rules " +
				"of that transport mode. The check is kept, with the product as checked and the rule versions " +
				"used. Each finding says which facts made the rule apply (`triggered_by`, inferred ones marked), " +
				"what evidence is missing, which facts the product should state (`missing_facts`), and what to do " +
				"(`action`). The verdict is prohibited when a prohibited finding fails, fail when any other fails, " +
				"warn when any warns, pass otherwise.",
			Request: Request{}, Response: Check{}, Status: http.StatusCreated, Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/compliance/checks", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "List checks", Description: "Newest first. Checks made for order lines on ingest carry the order_id.",
			Query: []web.Param{{Name: "product_id", Description: "Checks of this catalogue product."},
				{Name: "order_id", Description: "Checks of the lines of this order (made when the order was ingested)."},
				{Name: "verdict", Description: "Only checks with this verdict.", Enum: Verdicts}},
			Response: web.List[Summary]{}, Handler: s.handleList},
		{Method: "GET", Path: "/api/v1/compliance/checks/{id}", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "Get a check, or its report",
			Description: "JSON by default. `?format=html` gives a printable report in English and Chinese (the " +
				"language of Accept-Language or ?lang first); `?format=pdf` the same as a PDF.",
			Query: []web.Param{{Name: "format", Description: "json (default), html or pdf.", Enum: []string{"json", "html", "pdf"}},
				{Name: "lang", Description: "Language shown first in a report: en or zh-CN."}},
			Produces: []string{"application/json", "text/html", "application/pdf"},
			Response: Check{}, Handler: s.handleGet},
		{Method: "POST", Path: "/api/v1/compliance/checks/catalogue", Perm: identity.PermComplianceWrite, Tag: "compliance",
			Summary: "Check the whole catalogue",
			Description: "Checks a page of the caller's products (by SKU, up to `limit`, at most 2,000) against the " +
				"markets and transport and returns counts per verdict and the worst products. Nothing is stored " +
				"but an audit record; POST /api/v1/compliance/checks with a product_id keeps a product's report. " +
				"When next_cursor is set, send it back as `cursor` to continue with the next page.",
			Request: CatalogueRequest{}, Response: CatalogueSummary{}, Stream: true, Handler: s.handleCatalogue},
		{Method: "GET", Path: "/api/v1/compliance/orders/{id}", Perm: identity.PermComplianceRead, Tag: "compliance",
			Summary: "Get an order's compliance verdict",
			Description: "When an order is created, each line whose SKU is a catalogue product is checked against " +
				"the ship-to country (without a transport mode) in the background. This is the worst verdict over " +
				"the lines, with each line's check; 404 until the check has run.",
			Response: OrderCheck{}, Handler: s.handleOrder},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	var req Request
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	c, err := s.Check(r.Context(), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/compliance/checks/"+c.ID)
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	q := r.URL.Query()
	f := Filter{ProductID: q.Get("product_id"), OrderID: q.Get("order_id"), Verdict: q.Get("verdict")}
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
	l, err := s.List(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	format := strings.ToLower(r.URL.Query().Get("format"))
	if format != "" && format != "json" && format != "html" && format != "pdf" {
		return problem.Invalid(problem.Field{Field: "format", Code: "one_of", Params: []any{"values", "json, html, pdf"}})
	}
	c, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	zh := strings.HasPrefix(i18n.Lang(r.Context()), "zh")
	switch format {
	case "html":
		b, err := RenderHTML(c, zh)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		_, err = w.Write(b)
		return err
	case "pdf":
		b, err := RenderPDF(c, zh)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", mime.FormatMediaType("inline", map[string]string{"filename": c.ID + ".pdf"}))
		_, err = w.Write(b)
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleCatalogue(w http.ResponseWriter, r *http.Request) error {
	var req CatalogueRequest
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	sum, err := s.CheckCatalogue(r.Context(), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, sum)
}

func (s *Service) handleOrder(w http.ResponseWriter, r *http.Request) error {
	oc, err := s.OrderCheck(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, oc)
}
