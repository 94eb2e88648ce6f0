package console

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Products is what the console needs of the catalogue.
type Products interface {
	List(ctx context.Context, f catalog.Filter, pg web.Page) (web.List[catalog.Product], error)
	Get(ctx context.Context, id string) (catalog.Product, error)
	Import(ctx context.Context, r io.Reader, o catalog.ImportOptions) (catalog.ImportReport, error)
	Replace(ctx context.Context, id string, p catalog.Product, pc catalog.Precondition) (catalog.Product, error)
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
		page("GET", "/products/{id}/edit", identity.PermDataWrite, pp.editPage),
		page("POST", "/products/{id}/edit", identity.PermDataWrite, pp.saveProduct),
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
	// HSTitle is the title the HS helper is opened with.
	HSTitle string

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
	d := productsData{Mode: "detail", Product: &p, HSTitle: titleIn(p.Title, lang(r))}
	for _, k := range slices.Sorted(maps.Keys(p.Title)) {
		d.Titles = append(d.Titles, langText{Key: k, Text: p.Title[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(p.Attributes)) {
		d.Attrs = append(d.Attrs, langText{Key: k, Text: attrText(p.Attributes[k])})
	}
	v := c.newView(r, "console.products.detail.title", "/products", d)
	if r.URL.Query().Get("notice") == "product_saved" {
		v.Notice = "console.notice.product_saved"
	}
	return c.render(w, r, http.StatusOK, "products", v)
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
	var flag string
	part, err := uploadedFile(r, map[string]*string{"dry_run": &flag})
	if err != nil {
		return again(err)
	}
	defer part.Close()
	_, params, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
	l := lang(r)
	rep, err := pp.products.Import(r.Context(), part, catalog.ImportOptions{DryRun: flag != "", Charset: params["charset"],
		Message: func(code string, ps ...any) string { return c.cat.T(l, code, ps...) }})
	if err != nil {
		return again(err)
	}
	d := importData()
	d.Report = reportView(rep)
	return c.render(w, r, http.StatusOK, "products", c.newView(r, "console.products.import.title", "/products", d))
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

// Editing a product.

// productForm is the edit form as typed. Repeated rows (titles,
// attributes) come as parallel lists; lists of codes as one line each.
type productForm struct {
	Version                         int64
	SKU, Category, HSCode, Origin   string
	Titles                          []langText
	Attrs                           []langText
	Materials                       string
	ValueAmount, ValueCurrency      string
	Weight                          string
	Dims                            [3]string
	Chemistry, Wh, Packing          string
	Certifications, Labels, Markets string
}

// conflictRow is one field the stored product holds differently from
// what the person typed, shown when their save lost to another edit.
type conflictRow struct {
	Key, Theirs string
}

type productEditData struct {
	ID          string
	Form        productForm
	Chemistries []string
	Packings    []string
	// Conflict is set when another edit was saved first: Current is the
	// stored version, Theirs what differs from the form.
	Conflict bool
	Current  int64
	Theirs   []conflictRow
	// HSTitle is the title the HS helper is opened with.
	HSTitle string
}

func joinList(xs []string) string { return strings.Join(xs, ", ") }

func splitList(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' || r == '|' || r == '，' || r == '、' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func formOfProduct(p catalog.Product) productForm {
	f := productForm{Version: p.Version, SKU: p.SKU, Category: p.Category, HSCode: p.HSCode, Origin: p.OriginCountry,
		Materials: strings.Join(p.Materials, "\n"), Certifications: joinList(p.Certifications), Labels: joinList(p.Labels),
		Markets: joinList(p.Markets)}
	for _, k := range slices.Sorted(maps.Keys(p.Title)) {
		f.Titles = append(f.Titles, langText{Key: k, Text: p.Title[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(p.Attributes)) {
		f.Attrs = append(f.Attrs, langText{Key: k, Text: attrText(p.Attributes[k])})
	}
	if p.UnitValue != nil {
		f.ValueAmount, f.ValueCurrency = p.UnitValue.Amount, p.UnitValue.Currency
	}
	if p.WeightG != nil {
		f.Weight = strconv.FormatInt(*p.WeightG, 10)
	}
	for i, d := range p.DimsMM {
		if i < 3 {
			f.Dims[i] = strconv.FormatInt(d, 10)
		}
	}
	if b := p.Battery; b != nil {
		f.Chemistry, f.Packing = b.Chemistry, b.Packing
		if b.Wh != nil {
			f.Wh = strconv.FormatFloat(*b.Wh, 'f', -1, 64)
		}
	}
	return f
}

// withBlankRows adds an empty title and attribute row for adding one.
func (f productForm) withBlankRows() productForm {
	f.Titles = append(slices.Clone(f.Titles), langText{})
	f.Attrs = append(slices.Clone(f.Attrs), langText{})
	return f
}

func readProductForm(r *http.Request) productForm {
	f := productForm{SKU: field(r, "sku"), Category: field(r, "category"), HSCode: field(r, "hs_code"),
		Origin: field(r, "origin_country"), Materials: r.PostFormValue("materials"),
		ValueAmount: field(r, "unit_value.amount"), ValueCurrency: strings.ToUpper(field(r, "unit_value.currency")),
		Weight: field(r, "weight_g"), Chemistry: field(r, "battery.chemistry"), Wh: field(r, "battery.wh"),
		Packing: field(r, "battery.packing"), Certifications: field(r, "certifications"), Labels: field(r, "labels"),
		Markets: field(r, "markets")}
	f.Version, _ = strconv.ParseInt(field(r, "version"), 10, 64)
	for i := range f.Dims {
		f.Dims[i] = field(r, "dims_mm["+strconv.Itoa(i)+"]")
	}
	pairs := func(keys, vals []string) []langText {
		var out []langText
		for i, k := range keys {
			v := ""
			if i < len(vals) {
				v = strings.TrimSpace(vals[i])
			}
			if k = strings.TrimSpace(k); k != "" || v != "" {
				out = append(out, langText{Key: k, Text: v})
			}
		}
		return out
	}
	f.Titles = pairs(r.PostForm["title_lang"], r.PostForm["title_text"])
	f.Attrs = pairs(r.PostForm["attr_name"], r.PostForm["attr_value"])
	return f
}

// attrValue reads a typed attribute as the spreadsheet import does:
// true/false and JSON numbers keep their type, anything else is text.
func attrValue(s string) any {
	switch s {
	case "true", "TRUE", "True":
		return true
	case "false", "FALSE", "False":
		return false
	}
	var n json.Number
	if s != "" && json.Unmarshal([]byte(s), &n) == nil && n.String() == s {
		return n
	}
	return s
}

// product turns the form into a product. What cannot be read at all (a
// weight that is no number) is reported by field; the service checks the
// rest and names its fields the same way.
func (f productForm) product() (catalog.Product, problem.Errors) {
	var fs problem.Errors
	p := catalog.Product{SKU: f.SKU, Category: f.Category, HSCode: f.HSCode, OriginCountry: f.Origin,
		Materials: splitList(f.Materials), Certifications: splitList(f.Certifications), Labels: splitList(f.Labels),
		Markets: splitList(strings.ToUpper(f.Markets)), Title: catalog.Title{}, Attributes: map[string]any{}}
	for _, t := range f.Titles {
		if t.Key == "" {
			fs.Add("title", "required")
			continue
		}
		p.Title[t.Key] = t.Text
	}
	for _, a := range f.Attrs {
		if a.Key == "" {
			fs.Add("attributes", "attribute_name", "max", 100)
			continue
		}
		p.Attributes[a.Key] = attrValue(a.Text)
	}
	if f.ValueAmount != "" || f.ValueCurrency != "" {
		p.UnitValue = &money.Money{Amount: f.ValueAmount, Currency: f.ValueCurrency}
	}
	whole := func(name, s string) *int64 {
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fs.Add(name, "positive")
			return nil
		}
		return &n
	}
	p.WeightG = whole("weight_g", f.Weight)
	if f.Dims != [3]string{} {
		for i, d := range f.Dims {
			n := whole("dims_mm["+strconv.Itoa(i)+"]", d)
			if n == nil {
				n = new(int64)
			}
			p.DimsMM = append(p.DimsMM, *n)
		}
	}
	if f.Chemistry != "" || f.Wh != "" || f.Packing != "" {
		b := &catalog.Battery{Chemistry: f.Chemistry, Packing: f.Packing}
		if f.Wh != "" {
			wh, err := strconv.ParseFloat(strings.ReplaceAll(f.Wh, ",", "."), 64)
			if err != nil {
				fs.Add("battery.wh", "positive")
			} else {
				b.Wh = &wh
			}
		}
		p.Battery = b
	}
	return p, fs
}

func (pp *ProductPages) renderEdit(w http.ResponseWriter, r *http.Request, status int, d productEditData, err error) error {
	d.Chemistries, d.Packings = catalog.Chemistries, catalog.Packings
	titles := catalog.Title{}
	for _, t := range d.Form.Titles {
		if t.Key != "" && t.Text != "" {
			titles[t.Key] = t.Text
		}
	}
	d.HSTitle = titleIn(titles, lang(r))
	v := pp.c.newView(r, "console.products.edit.title", "/products", d)
	if err != nil {
		v.Problem, _ = pp.c.problemOf(r, err)
	}
	return pp.c.render(w, r, status, "product_edit", v)
}

func (pp *ProductPages) editPage(w http.ResponseWriter, r *http.Request) error {
	p, err := pp.products.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return pp.c.fail(w, r, err)
	}
	return pp.renderEdit(w, r, http.StatusOK, productEditData{ID: p.ID, Form: formOfProduct(p).withBlankRows()}, nil)
}

// saveProduct replaces the product with the form, but only if it is still
// the version the form was filled from: when someone else saved in
// between, the form comes back with what the person typed, what the other
// edit changed, and the new version, so that saving again is a decision.
func (pp *ProductPages) saveProduct(w http.ResponseWriter, r *http.Request) error {
	c := pp.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id := r.PathValue("id")
	f := readProductForm(r)
	p, fs := f.product()
	var saved catalog.Product
	err := fs.Err()
	if err != nil {
		// Show the service's view of the rest of the form too.
		if verr := p.Validate(); verr != nil {
			if pe, ok := problem.As(verr); ok {
				for _, fe := range pe.Fields {
					if !slices.ContainsFunc(fs, func(x problem.Field) bool { return x.Field == fe.Field }) {
						fs = append(fs, fe)
					}
				}
			}
		}
		err = fs.Err()
	} else {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			var err error
			saved, err = pp.products.Replace(ctx, id, p, catalog.Precondition{Version: max(f.Version, 1)})
			return err
		})
	}
	if err == nil {
		return see(w, r, "/products/"+url.PathEscape(saved.ID)+"?notice=product_saved")
	}
	if !refused(err) {
		return err
	}
	if pe, _ := problem.As(err); pe.Status == http.StatusNotFound {
		return c.fail(w, r, err)
	}
	d := productEditData{ID: id, Form: f.withBlankRows()}
	if pe, _ := problem.As(err); pe.Code == "version_conflict" {
		cur, gerr := pp.products.Get(r.Context(), id)
		if gerr != nil {
			return c.fail(w, r, gerr)
		}
		d.Conflict, d.Current, d.Theirs = true, cur.Version, differences(f, formOfProduct(cur))
		// Saving again now means "mine over theirs", knowingly.
		d.Form.Version = cur.Version
	}
	return pp.renderEdit(w, r, statusOf(err), d, err)
}

// differences lists the fields where the stored product (theirs) differs
// from the form (mine), as the stored value reads.
func differences(mine, theirs productForm) []conflictRow {
	var out []conflictRow
	add := func(key, a, b string) {
		if strings.TrimSpace(a) != strings.TrimSpace(b) {
			out = append(out, conflictRow{Key: key, Theirs: b})
		}
	}
	pairs := func(xs []langText) string {
		var s []string
		for _, x := range xs {
			if x.Key != "" {
				s = append(s, x.Key+" = "+x.Text)
			}
		}
		slices.Sort(s)
		return strings.Join(s, "; ")
	}
	norm := func(s string) string { return strings.Join(splitList(s), ", ") }
	add("console.products.field.sku", mine.SKU, theirs.SKU)
	add("console.products.field.title", pairs(mine.Titles), pairs(theirs.Titles))
	add("console.products.field.category", mine.Category, theirs.Category)
	add("console.products.field.hs_code", mine.HSCode, theirs.HSCode)
	add("console.products.field.origin_country", mine.Origin, theirs.Origin)
	add("console.products.field.materials", norm(mine.Materials), norm(theirs.Materials))
	add("console.products.field.attributes", pairs(mine.Attrs), pairs(theirs.Attrs))
	add("console.products.field.unit_value", mine.ValueAmount+" "+mine.ValueCurrency, theirs.ValueAmount+" "+theirs.ValueCurrency)
	add("console.products.field.weight_g", mine.Weight, theirs.Weight)
	add("console.products.field.dims_mm", strings.Join(mine.Dims[:], " × "), strings.Join(theirs.Dims[:], " × "))
	add("console.products.field.battery", mine.Chemistry+" "+mine.Wh+" "+mine.Packing, theirs.Chemistry+" "+theirs.Wh+" "+theirs.Packing)
	add("console.products.field.certifications", norm(mine.Certifications), norm(theirs.Certifications))
	add("console.products.field.labels", norm(mine.Labels), norm(theirs.Labels))
	add("console.products.field.markets", norm(mine.Markets), norm(theirs.Markets))
	return out
}
