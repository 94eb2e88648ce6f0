package catalog

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// MaxUpload bounds a CSV upload: room for MaxImportRows generous rows.
const MaxUpload = 32 << 20

var filterParams = []web.Param{
	{Name: "sku", Description: "Exact SKU."},
	{Name: "q", Description: "Text to find in the SKU or any title, case-insensitively."},
	{Name: "category", Description: "Exact category."},
	{Name: "market", Description: "A target market (EU, US, SG, …)."},
	{Name: "hs_code", Description: "HS code prefix: a chapter (95), a heading (9503) or a full code; dots allowed."},
}

var langParam = web.Param{Name: "lang", Description: "zh-CN for Chinese column titles; English otherwise.", Enum: []string{"en", "zh-CN"}}

// Routes registers the product API.
func (s *Service) Routes(rt *web.Router) {
	for _, r := range []web.Route{
		{Method: "GET", Path: "/api/v1/products", Perm: identity.PermDataRead, Tag: "catalog", Summary: "List products",
			Description: "Products matching every filter given, in SKU order.",
			Query:       filterParams, Response: web.List[Product]{}, Handler: s.handleList},
		{Method: "POST", Path: "/api/v1/products", Perm: identity.PermDataWrite, Tag: "catalog", Summary: "Create a product",
			Description: "The SKU is unique in the tenant (and separately in its sandbox): a repeat is 409 `duplicate`.",
			Request:     Product{}, Response: Product{}, Status: http.StatusCreated, Handler: s.handleCreate},
		{Method: "GET", Path: "/api/v1/products/{id}", Perm: identity.PermDataRead, Tag: "catalog", Summary: "Get a product",
			Description: "The ETag header carries the product's version, for If-Match.",
			Response:    Product{}, Handler: s.handleGet},
		{Method: "PUT", Path: "/api/v1/products/{id}", Perm: identity.PermDataWrite, Tag: "catalog", Summary: "Replace a product",
			Description: "A full replacement: fields left out are cleared. Send `If-Match: \"<version>\"` (412 " +
				"`precondition_failed` when the product has moved on) or the `version` you read in the body (409 " +
				"`version_conflict`) so that you never overwrite a change you have not seen.",
			Request: Product{}, Response: Product{}, Errors: []int{http.StatusPreconditionFailed}, Handler: s.handleReplace},
		{Method: "DELETE", Path: "/api/v1/products/{id}", Perm: identity.PermDataWrite, Tag: "catalog", Summary: "Delete a product",
			Description: "If-Match is honoured as for PUT.", Status: http.StatusNoContent,
			Errors: []int{http.StatusPreconditionFailed}, Handler: s.handleDelete},
		{Method: "GET", Path: "/api/v1/products/export.csv", Perm: identity.PermDataRead, Tag: "catalog",
			Summary: "Export products as CSV",
			Description: "UTF-8 with a byte-order mark and CRLF line ends, as Excel expects; the filters of the product " +
				"list apply. Lists are separated by |. The file imports back unchanged. Columns:\n\n" + ColumnsDoc(),
			Query: append(append([]web.Param{}, filterParams...), langParam), Produces: []string{"text/csv"},
			Response: "", Handler: s.handleExport},
		{Method: "GET", Path: "/api/v1/products/template.csv", Perm: identity.PermDataRead, Tag: "catalog",
			Summary:     "Download the CSV import template",
			Description: "The header row and one example row; `?lang=zh-CN` gives Chinese column titles.",
			Query:       []web.Param{langParam}, Produces: []string{"text/csv"}, Response: "", Handler: s.handleTemplate},
		{Method: "POST", Path: "/api/v1/products/import.csv", Perm: identity.PermDataWrite, Tag: "catalog",
			Summary: "Import products from CSV",
			Description: "Creates or updates one product per row, matched by SKU, and reports every rejected row by its " +
				"spreadsheet row number (the header is row 1) and column. Send the file as `text/csv` or as the `file` " +
				"field of a multipart form. UTF-8 with or without a byte-order mark (UTF-16 with one, and GB18030, " +
				"are converted); comma, semicolon or tab separated; column titles in English or Chinese, matched " +
				"regardless of case and spaces. Columns the file lacks are left as they are; an empty cell clears its " +
				"field. At most 10,000 rows. `?dry_run=true` checks without keeping anything. Columns:\n\n" + ColumnsDoc(),
			Query:    []web.Param{{Name: "dry_run", Type: "boolean", Description: "Check only; keep nothing."}},
			Consumes: []string{"text/csv", "multipart/form-data"}, Response: ImportReport{},
			Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity},
			Stream: true, MaxBody: MaxUpload, Handler: s.handleImport},
	} {
		rt.Handle(r)
	}
}

func etag(p Product) string { return `"` + strconv.FormatInt(p.Version, 10) + `"` }

func respondProduct(w http.ResponseWriter, r *http.Request, status int, p Product) error {
	w.Header().Set("ETag", etag(p))
	return web.Respond(w, r, status, p)
}

func (s *Service) handleList(w http.ResponseWriter, r *http.Request) error {
	pg, perr := web.PageFrom(r)
	f, ferr := FilterFrom(r)
	if err := joinInvalid(perr, ferr); err != nil {
		return err
	}
	l, err := s.List(r.Context(), f, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

// joinInvalid merges validation problems into one 422.
func joinInvalid(errs ...error) error {
	var fs problem.Errors
	for _, err := range errs {
		if err == nil {
			continue
		}
		pe, ok := problem.As(err)
		if !ok {
			return err
		}
		fs = append(fs, pe.Fields...)
	}
	return fs.Err()
}

func (s *Service) decode(r *http.Request) (Product, error) {
	var p Product
	if err := web.Decode(r, &p); err != nil {
		return Product{}, err
	}
	if strings.Contains(web.MediaType(r), "xml") {
		p.Attributes = typedXMLAttributes(p.Attributes)
	}
	return p, nil
}

// typedXMLAttributes gives back the types XML cannot carry: an attribute
// that reads as a number or true/false was one.
func typedXMLAttributes(a map[string]any) map[string]any {
	for k, v := range a {
		if s, ok := v.(string); ok {
			a[k], _ = attrScalar(s)
		}
	}
	return a
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) error {
	p, err := s.decode(r)
	if err != nil {
		return err
	}
	out, err := s.Create(r.Context(), p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/products/"+out.ID)
	return respondProduct(w, r, http.StatusCreated, out)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return respondProduct(w, r, http.StatusOK, p)
}

// ifMatch reads If-Match: a version in quotes (the ETag), or bare. "*"
// and an absent header make no demand; a value that names no version can
// never match.
func ifMatch(r *http.Request) int64 {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	n, err := strconv.ParseInt(h, 10, 64)
	if err != nil || n < 1 {
		return -1
	}
	return n
}

func (s *Service) handleReplace(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	p, err := s.decode(r)
	if err != nil {
		return err
	}
	out, err := s.Replace(r.Context(), id, p, Precondition{IfMatch: ifMatch(r), Version: p.Version})
	if err != nil {
		return err
	}
	return respondProduct(w, r, http.StatusOK, out)
}

func (s *Service) handleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := s.Delete(r.Context(), r.PathValue("id"), Precondition{IfMatch: ifMatch(r)}); err != nil {
		return err
	}
	return web.NoContent(w)
}

// zhHeader reports whether ?lang asks for Chinese column titles.
func zhHeader(r *http.Request) bool {
	l := strings.ToLower(r.URL.Query().Get("lang"))
	return l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_")
}

func csvHeaders(w http.ResponseWriter, name string) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "no-store")
}

func (s *Service) handleExport(w http.ResponseWriter, r *http.Request) error {
	f, err := FilterFrom(r)
	if err != nil {
		return err
	}
	return s.Export(r.Context(), &lazyCSV{w: w, name: "products.csv"}, f, zhHeader(r))
}

// lazyCSV sets the CSV headers with the first byte, so that an export
// failing before it still answers with a proper problem document.
type lazyCSV struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (l *lazyCSV) Write(b []byte) (int, error) {
	if !l.started {
		csvHeaders(l.w, l.name)
		l.started = true
	}
	return l.w.Write(b)
}

func (s *Service) handleTemplate(w http.ResponseWriter, r *http.Request) error {
	name := "products-template.csv"
	if zhHeader(r) {
		name = "products-template-zh-CN.csv"
	}
	csvHeaders(w, name)
	return Template(w, zhHeader(r))
}

// csvTypes are the media types a CSV upload arrives with: browsers on
// Windows label .csv files application/vnd.ms-excel.
var csvTypes = []string{"", "text/csv", "application/csv", "text/comma-separated-values", "text/plain",
	"application/vnd.ms-excel", "application/octet-stream", "text/tab-separated-values"}

func (s *Service) handleImport(w http.ResponseWriter, r *http.Request) error {
	dry, err := boolParam(r, "dry_run")
	if err != nil {
		return err
	}
	body, charset, err := web.UploadBody(r, csvTypes...)
	if err != nil {
		return err
	}
	rep, err := s.Import(r.Context(), body, ImportOptions{DryRun: dry, Charset: charset, Message: Messages(r)})
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, rep)
}

// Messages renders problem codes in the language negotiated for r.
func Messages(r *http.Request) func(code string, params ...any) string {
	cat, lang := web.EnvFrom(r.Context()).Catalog, i18n.Lang(r.Context())
	return func(code string, params ...any) string {
		if cat == nil {
			return code
		}
		return cat.T(lang, code, params...)
	}
}

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, problem.Invalid(problem.Field{Field: name, Code: "one_of", Params: []any{"values", "true, false"}})
	}
	return b, nil
}
