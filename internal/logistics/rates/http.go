package rates

import (
	"context"
	"net/http"
	"strconv"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

const cardDoc = "A carrier service with its rate card. Zones map destination countries (optionally narrowed by " +
	"postcode patterns: exact `18565`, prefix `185*`, range `18000-18999`) to transit days; `rates` are weight " +
	"bands per zone, ascending; `additional` prices weight above a zone's last band per started `per_g`; surcharges " +
	"are `fuel`, `remote_area` (by postcode), `oversize` (`over_side_mm`, `over_weight_g`) or `other`, each either a " +
	"`percent` of the base price or a fixed `amount`; limits apply per parcel."

// Routes registers the rate-card and comparison API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/logistics/rates", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Compare carrier rates",
			Description: "Prices the shipment on every service the tenant sees (shared and its own), excludes those that " +
				"cannot carry it (`excluded[].reason`: origin_not_served, destination_not_served, over_max_weight, " +
				"over_max_side, over_max_girth, dangerous_goods_not_accepted, over_deadline, no_rate_for_weight, " +
				"fx_unavailable) and ranks the rest best first by a weighted sum of cost, time and quality utilities " +
				"against fixed anchors, explained per criterion. `preference` is a preset (cheapest, fastest, balanced, " +
				"most_reliable) or weights. Nothing to offer is an empty `offers` list, not an error.",
			Request: Request{}, Response: Result{}, Handler: s.handleCompare},
		{Method: "GET", Path: "/api/v1/logistics/services", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "List carrier services", Description: "The tenant's own services and the platform's shared ones (`shared: true`).",
			Response: web.List[CarrierService]{}, Handler: s.handleList},
		{Method: "POST", Path: "/api/v1/logistics/services", Perm: identity.PermLogisticsServices, Tag: "logistics",
			Summary: "Add a carrier service", Description: cardDoc + " A tenant administrator adds a negotiated service " +
				"only the tenant sees; a platform administrator publishes a shared one every tenant sees (as " +
				"`POST /api/v1/logistics/shared-services` does).",
			Request: CarrierService{}, Response: CarrierService{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/logistics/services/{id}", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Get a carrier service", Response: CarrierService{}, Handler: s.handleGet},
		{Method: "PUT", Path: "/api/v1/logistics/services/{id}", Perm: identity.PermLogisticsServices, Tag: "logistics",
			Summary:     "Replace a negotiated carrier service",
			Description: "Shared services are read-only to tenants (403 `shared_service_read_only`). Send the `version` you read to refuse a stale write (409).",
			Request:     CarrierService{}, Response: CarrierService{}, Errors: []int{http.StatusConflict}, Handler: s.handleReplace},
		{Method: "DELETE", Path: "/api/v1/logistics/services/{id}", Perm: identity.PermLogisticsServices, Tag: "logistics",
			Summary: "Delete a negotiated carrier service", Status: http.StatusNoContent, Handler: s.handleDelete},

		{Method: "GET", Path: "/api/v1/logistics/shared-services", Perm: identity.PermPlatformDataRead, Tag: "logistics",
			Summary: "List shared carrier services", Response: web.List[CarrierService]{}, Handler: s.handleListShared},
		{Method: "POST", Path: "/api/v1/logistics/shared-services", Perm: identity.PermPlatformDataWrite, Tag: "logistics",
			Summary: "Publish a shared carrier service", Description: cardDoc + " Every tenant sees it.",
			Request: CarrierService{}, Response: CarrierService{}, Status: http.StatusCreated, Errors: []int{http.StatusConflict},
			Handler: s.handleCreateShared},
		{Method: "GET", Path: "/api/v1/logistics/shared-services/{id}", Perm: identity.PermPlatformDataRead, Tag: "logistics",
			Summary: "Get a shared carrier service", Response: CarrierService{}, Handler: s.handleGetShared},
		{Method: "PUT", Path: "/api/v1/logistics/shared-services/{id}", Perm: identity.PermPlatformDataWrite, Tag: "logistics",
			Summary: "Replace a shared carrier service", Request: CarrierService{}, Response: CarrierService{},
			Errors: []int{http.StatusConflict}, Handler: s.handleReplaceShared},
		{Method: "DELETE", Path: "/api/v1/logistics/shared-services/{id}", Perm: identity.PermPlatformDataWrite, Tag: "logistics",
			Summary: "Withdraw a shared carrier service", Status: http.StatusNoContent, Handler: s.handleDeleteShared},
		{Method: "GET", Path: "/api/v1/logistics/services/template.csv", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Download the rate-card CSV template", Description: "One example row of every record kind. Columns:\n\n" + CSVColumnsDoc,
			Produces: []string{"text/csv"}, Response: "", Handler: s.handleTemplate},
		{Method: "GET", Path: "/api/v1/logistics/services/{id}/rates.csv", Perm: identity.PermLogisticsRead, Tag: "logistics",
			Summary: "Export a service's rate card as CSV", Description: "The file imports back unchanged.",
			Produces: []string{"text/csv"}, Response: "", Handler: s.handleExport},
		{Method: "PUT", Path: "/api/v1/logistics/services/{id}/rates.csv", Perm: identity.PermLogisticsServices, Tag: "logistics",
			Summary: "Replace a negotiated service's rate card from CSV", Description: csvImportDoc,
			Query:    []web.Param{{Name: "dry_run", Type: "boolean", Description: "Check only; keep nothing."}},
			Consumes: []string{"text/csv", "multipart/form-data"}, Response: CSVReport{},
			Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}, MaxBody: maxUpload,
			Handler: s.handleImport},
		{Method: "PUT", Path: "/api/v1/logistics/shared-services/{id}/rates.csv", Perm: identity.PermPlatformDataWrite, Tag: "logistics",
			Summary: "Replace a shared service's rate card from CSV", Description: csvImportDoc,
			Query:    []web.Param{{Name: "dry_run", Type: "boolean", Description: "Check only; keep nothing."}},
			Consumes: []string{"text/csv", "multipart/form-data"}, Response: CSVReport{},
			Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType}, MaxBody: maxUpload,
			Handler: s.handleImportShared},
	} {
		rt.Handle(r)
	}
}

func (s *Service) handleCompare(w http.ResponseWriter, r *http.Request) error {
	var req Request
	if err := web.Decode(r, &req); err != nil {
		return err
	}
	res, err := s.Compare(r.Context(), req)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, res)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.List(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleListShared(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListShared(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	if p, ok := identity.PrincipalFrom(r.Context()); ok && p.TenantID == "" {
		// A platform administrator: the contract's way of publishing a
		// shared service.
		return s.handleCreateShared(w, r)
	}
	return s.create1(w, r, s.Create, "/api/v1/logistics/services/")
}

func (s *Service) handleCreateShared(w http.ResponseWriter, r *http.Request) error {
	return s.create1(w, r, s.CreateShared, "/api/v1/logistics/shared-services/")
}

func (s *Service) create1(w http.ResponseWriter, r *http.Request,
	fn func(ctx context.Context, c CarrierService) (CarrierService, error), base string) error {
	var c CarrierService
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	out, err := fn(r.Context(), c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", base+out.ID)
	return web.Respond(w, r, http.StatusCreated, out)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Get(r.Context(), trimID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleGetShared(w http.ResponseWriter, r *http.Request) error {
	c, err := s.GetShared(r.Context(), trimID(r.PathValue("id")))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (s *Service) handleReplace(w http.ResponseWriter, r *http.Request) error {
	return s.replace1(w, r, s.Replace)
}

func (s *Service) handleReplaceShared(w http.ResponseWriter, r *http.Request) error {
	return s.replace1(w, r, s.ReplaceShared)
}

func (s *Service) replace1(w http.ResponseWriter, r *http.Request,
	fn func(ctx context.Context, id string, c CarrierService) (CarrierService, error)) error {
	var c CarrierService
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	out, err := fn(r.Context(), trimID(r.PathValue("id")), c)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, out)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Delete(r.Context(), trimID(r.PathValue("id"))); err != nil {
		return err
	}
	return web.NoContent(w)
}

func (s *Service) handleDeleteShared(w http.ResponseWriter, r *http.Request) error {
	if err := s.DeleteShared(r.Context(), trimID(r.PathValue("id"))); err != nil {
		return err
	}
	return web.NoContent(w)
}

const maxUpload = 32 << 20

const csvImportDoc = "Replaces the zones, weight bands, additional steps and surcharges of the service with those of the " +
	"file (the service's other fields stay). Send the file as `text/csv` or as the `file` field of a multipart form; " +
	"UTF-8 with or without a byte-order mark, comma, semicolon or tab separated. The card is replaced only when every " +
	"row is right: otherwise `applied` is false and `errors` name each problem by spreadsheet row (the header is row 1) " +
	"and column. Columns:\n\n" + CSVColumnsDoc

func (s *Service) handleTemplate(w http.ResponseWriter, r *http.Request) error {
	csvHeaders(w, "rate-card-template.csv")
	return WriteTemplate(w)
}

func (s *Service) handleExport(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Get(r.Context(), trimID(r.PathValue("id")))
	if err != nil {
		return err
	}
	csvHeaders(w, "rate-card-"+c.ID+".csv")
	return WriteCSV(w, c)
}

func csvHeaders(w http.ResponseWriter, name string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) error {
	return s.importCSV(w, r, false)
}

func (s *Service) handleImportShared(w http.ResponseWriter, r *http.Request) error {
	return s.importCSV(w, r, true)
}

func (s *Service) importCSV(w http.ResponseWriter, r *http.Request, shared bool) error {
	dry := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		var err error
		if dry, err = strconv.ParseBool(v); err != nil {
			return problem.Invalid(problem.Field{Field: "dry_run", Code: "one_of", Params: []any{"values", "true, false"}})
		}
	}
	body, _, err := web.UploadBody(r)
	if err != nil {
		return err
	}
	cat, lang := web.EnvFrom(r.Context()).Catalog, i18n.Lang(r.Context())
	msg := func(code string, params ...any) string {
		if cat == nil {
			return code
		}
		return cat.T(lang, code, params...)
	}
	rep, err := s.ImportCSV(r.Context(), trimID(r.PathValue("id")), body, shared, dry, msg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, rep)
}
