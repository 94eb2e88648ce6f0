package console

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Products is what the console needs of the catalogue.
type Products interface {
	List(ctx context.Context, f catalog.Filter, pg web.Page) (web.List[catalog.Product], error)
	Get(ctx context.Context, id string) (catalog.Product, error)
	Import(ctx context.Context, r io.Reader, o catalog.ImportOptions) (catalog.ImportReport, error)
}

// ProductPages are the catalogue pages: the list with search, a product,
// and the spreadsheet upload with its row-by-row report. The CSV
// downloads are the API's own routes, which accept the session cookie.
type ProductPages struct {
	c        *Console
	products Products
}

// ProductPages returns the catalogue pages over p; register them with
// Routes.
func (c *Console) ProductPages(p Products) *ProductPages {
	return &ProductPages{c: c, products: p}
}

// Routes registers the catalogue pages on rt.
func (pp *ProductPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	upload := page("POST", "/products/import", identity.PermDataWrite, pp.importProducts)
	// The upload is read as it arrives and the import keeps its own
	// transaction (a check-only run must roll back whatever it tried).
	upload.Stream, upload.MaxBody = true, catalog.MaxUpload
	for _, r := range []web.Route{
		page("GET", "/products", identity.PermDataRead, pp.productsPage),
		page("GET", "/products/import", identity.PermDataWrite, pp.importPage),
		upload,
		page("GET", "/products/{id}", identity.PermDataRead, pp.productPage),
	} {
		rt.Handle(r)
	}
}

// productsData feeds products.html, which shows one of three things by
// Mode: "list", "detail" or "import".
type productsData struct {
	Mode string

	// list
	Q         string
	Rows      []productRow
	Next      string
	Searched  bool
	ExportCSV string

	// detail
	Product *catalog.Product
	Titles  []langText
	Attrs   []langText

	// import (and the template links shown on the list too)
	TemplateEN, TemplateZH string
	Report                 *importView
	Columns                []columnHelp
}

type productRow struct {
	ID, SKU, Title, Category, HSCode string
	Markets                          []string
	Updated                          time.Time
}

type langText struct{ Key, Text string }

type importView struct {
	catalog.ImportReport
	Problems []reportRow
	Notes    []reportRow
}

type reportRow struct {
	Row                   int
	Column, Anchor        string
	SKU, SKUHref, Message string
}

type columnHelp struct {
	Name, Chinese, HelpKey, Anchor string
	ExportOnly, ImportOnly         bool
}

func templateLinks(d *productsData) {
	d.TemplateEN = "/api/v1/products/template.csv"
	d.TemplateZH = "/api/v1/products/template.csv?lang=zh-CN"
}

// titleIn picks the title a reader of lang sees first: theirs, then
// Chinese or English, then any.
func titleIn(t catalog.Title, lang string) string {
	for _, k := range []string{lang, "zh-CN", "en"} {
		if v := t[k]; v != "" {
			return v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(t)) {
		if t[k] != "" {
			return t[k]
		}
	}
	return ""
}

func (pp *ProductPages) productsPage(w http.ResponseWriter, r *http.Request) error {
	c := pp.c
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	sku := strings.TrimSpace(r.URL.Query().Get("sku"))
	pg, err := web.PageFrom(r)
	if err != nil {
		return c.fail(w, r, err)
	}
	l, err := pp.products.List(r.Context(), catalog.Filter{Q: q, SKU: sku}, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d := productsData{Mode: "list", Q: q, Searched: q != "" || sku != ""}
	if d.Q == "" {
		d.Q = sku
	}
	templateLinks(&d)
	exp := url.Values{"lang": {lang(r)}}
	if q != "" {
		exp.Set("q", q)
	}
	d.ExportCSV = "/api/v1/products/export.csv?" + exp.Encode()
	for _, p := range l.Items {
		d.Rows = append(d.Rows, productRow{ID: p.ID, SKU: p.SKU, Title: titleIn(p.Title, lang(r)), Category: p.Category,
			HSCode: p.HSCode, Markets: p.Markets, Updated: p.UpdatedAt})
	}
	if l.NextCursor != "" {
		next := url.Values{"cursor": {l.NextCursor}}
		if q != "" {
			next.Set("q", q)
		}
		if sku != "" {
			next.Set("sku", sku)
		}
		d.Next = "/products?" + next.Encode()
	}
	return c.render(w, r, http.StatusOK, "products", c.newView(r, "console.nav.products", "/products", d))
}

func (pp *ProductPages) productPage(w http.ResponseWriter, r *http.Request) error {
	c := pp.c
	p, err := pp.products.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return c.fail(w, r, err)
	}
	d := productsData{Mode: "detail", Product: &p}
	for _, k := range slices.Sorted(maps.Keys(p.Title)) {
		d.Titles = append(d.Titles, langText{Key: k, Text: p.Title[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(p.Attributes)) {
		d.Attrs = append(d.Attrs, langText{Key: k, Text: attrText(p.Attributes[k])})
	}
	return c.render(w, r, http.StatusOK, "products", c.newView(r, "console.products.detail.title", "/products", d))
}

func attrText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func importData() productsData {
	d := productsData{Mode: "import"}
	templateLinks(&d)
	for _, col := range catalog.Columns() {
		d.Columns = append(d.Columns, columnHelp{Name: col.Name, Chinese: col.Chinese, HelpKey: "console.products.col." + col.Name,
			Anchor: "col-" + col.Name, ExportOnly: col.ExportOnly, ImportOnly: col.ImportOnly})
	}
	return d
}

func (pp *ProductPages) importPage(w http.ResponseWriter, r *http.Request) error {
	return pp.c.render(w, r, http.StatusOK, "products", pp.c.newView(r, "console.products.import.title", "/products", importData()))
}

// importProducts reads the upload form as it streams in: the check-only
// box comes before the file in the form, so it is known when the file
// starts.
func (pp *ProductPages) importProducts(w http.ResponseWriter, r *http.Request) error {
	c := pp.c
	again := func(err error) error {
		if !refused(err) {
			return err
		}
		v := c.newView(r, "console.products.import.title", "/products", importData())
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "products", v)
	}
	noFile := problem.Invalid(problem.Field{Field: "file", Code: "required"})
	mr, err := r.MultipartReader()
	if err != nil {
		return again(noFile)
	}
	dry := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return again(noFile)
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return again(&problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Params: []any{"limit", mbe.Limit}})
			}
			return again(problem.BadRequest("malformed_multipart"))
		}
		switch part.FormName() {
		case "dry_run":
			v, _ := io.ReadAll(io.LimitReader(part, 16))
			dry = strings.TrimSpace(string(v)) != ""
		case "file":
			if part.FileName() == "" {
				return again(noFile)
			}
			_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
			l := lang(r)
			rep, err := pp.products.Import(r.Context(), part, catalog.ImportOptions{DryRun: dry, Charset: params["charset"],
				Message: func(code string, ps ...any) string { return c.cat.T(l, code, ps...) }})
			if err != nil {
				return again(err)
			}
			d := importData()
			d.Report = reportView(rep)
			return c.render(w, r, http.StatusOK, "products", c.newView(r, "console.products.import.title", "/products", d))
		}
		part.Close()
	}
}

// reportView turns an import report into table rows, each with a link to
// the help of its column and, where the product exists, to the product.
func reportView(rep catalog.ImportReport) *importView {
	v := &importView{ImportReport: rep}
	row := func(e catalog.RowError) reportRow {
		rr := reportRow{Row: e.Row, Column: e.Column, SKU: e.SKU, Message: e.Message}
		name := e.Column
		if e.Field != "" {
			name = catalog.ColumnName(e.Field)
		}
		for _, col := range catalog.Columns() {
			if col.Name == name {
				rr.Anchor = "#col-" + name
			}
		}
		if e.SKU != "" {
			rr.SKUHref = "/products?sku=" + url.QueryEscape(e.SKU)
		}
		return rr
	}
	for _, e := range rep.Errors {
		v.Problems = append(v.Problems, row(e))
	}
	for _, e := range rep.Warnings {
		v.Notes = append(v.Notes, row(e))
	}
	return v
}
