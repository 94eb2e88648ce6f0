package console

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/catalog"
	"github.com/silkgate/silkgate/internal/compliance/checks"
	"github.com/silkgate/silkgate/internal/compliance/screening"
	"github.com/silkgate/silkgate/internal/edi"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Orders is what the console needs of the order service.
type Orders interface {
	List(ctx context.Context, f orders.Filter, pg web.Page) (web.List[orders.Order], error)
	Get(ctx context.Context, id string) (orders.Order, error)
	Create(ctx context.Context, n orders.NewOrder) (orders.Order, error)
	SetStatus(ctx context.Context, id string, u orders.StatusUpdate) (orders.Order, error)
	Ingest(ctx context.Context, body io.Reader, opt orders.IngestOptions) (orders.BulkResult, error)
}

// OrderPages are the order pages: the list with search and filters, an
// order with its history and the moves it may make, the form for orders
// taken by phone or chat, and the NDJSON upload.
type OrderPages struct {
	c      *Console
	orders Orders
	// edi, when set, offers the outbound EDI downloads on an order.
	edi EDI
	// products, when set, suggests the catalogue's SKUs in the order form.
	products Products
	// verdicts and cases, when set, show the order's compliance verdict
	// and the screening status of its buyer and consignee.
	verdicts OrderVerdicts
	cases    PartyCases
}

// OrderVerdicts is what the order page needs of the compliance checks.
type OrderVerdicts interface {
	OrderCheck(ctx context.Context, orderID string) (checks.OrderCheck, error)
}

// PartyCases is what the order page needs of denied-party screening.
type PartyCases interface {
	PartyCase(ctx context.Context, name string) (screening.Case, bool, error)
}

// WithCompliance makes the order page show the order's compliance verdict
// (v) and the screening cases of its parties (pc); either may be nil.
func (op *OrderPages) WithCompliance(v OrderVerdicts, pc PartyCases) *OrderPages {
	op.verdicts, op.cases = v, pc
	return op
}

// OrderPages returns the order pages over o; register them with Routes.
// e and p may be nil.
func (c *Console) OrderPages(o Orders, e EDI, p Products) *OrderPages {
	return &OrderPages{c: c, orders: o, edi: e, products: p}
}

// maxOrderUpload bounds one upload from the console; larger files go to
// the API, which streams any size.
const maxOrderUpload = 64 << 20

// Routes registers the order pages on rt.
func (op *OrderPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	upload := page("POST", "/orders/upload", identity.PermDataWrite, op.uploadOrders)
	// The file is read as it arrives; the ingest keeps its own
	// transactions, as the bulk API does.
	upload.Stream, upload.MaxBody = true, maxOrderUpload
	for _, r := range []web.Route{
		page("GET", "/orders", identity.PermDataRead, op.ordersPage),
		page("GET", "/orders/new", identity.PermDataWrite, op.newOrderPage),
		page("POST", "/orders", identity.PermDataWrite, op.createOrder),
		page("GET", "/orders/upload", identity.PermDataWrite, op.uploadPage),
		upload,
		page("GET", "/orders/{id}", identity.PermDataRead, op.orderPage),
		page("POST", "/orders/{id}/status", identity.PermDataWrite, op.setStatus),
	} {
		rt.Handle(r)
	}
}

// orderNotices are the confirmations the order pages show after a
// redirect; any other value is ignored.
var orderNotices = map[string]bool{"order_created": true, "order_status_changed": true}

func (op *OrderPages) view(r *http.Request, title string, data any) *view {
	v := op.c.newView(r, title, "/orders", data)
	if n := r.URL.Query().Get("notice"); orderNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

// The list.

// orderFilter is the filter form as typed.
type orderFilter struct {
	Q, Status, Channel, Country, From, To string
}

func (f orderFilter) any() bool {
	return f.Q != "" || f.Status != "" || f.Channel != "" || f.Country != "" || f.From != "" || f.To != ""
}

type orderRow struct {
	ID, ExternalID, Channel, Buyer, Country, Total string
	Status                                         orders.Status
	Placed                                         time.Time
	Lines                                          int
}

type ordersListData struct {
	Filter   orderFilter
	Statuses []orders.Status
	Channels []string
	Rows     []orderRow
	Next     string
	First    string
}

// channelHints are offered while typing a channel; any channel name is
// accepted.
var channelHints = []string{"amazon-de", "amazon-fr", "amazon-us", "amazon-uk", "amazon-jp", "shopee-sg", "shopee-my",
	"tiktok-shop", "own-shop", "wechat", "phone"}

func (op *OrderPages) ordersPage(w http.ResponseWriter, r *http.Request) error {
	c := op.c
	qv := r.URL.Query()
	f := orderFilter{Q: strings.TrimSpace(qv.Get("q")), Status: qv.Get("status"), Channel: strings.TrimSpace(qv.Get("channel")),
		Country: strings.ToUpper(strings.TrimSpace(qv.Get("country"))), From: qv.Get("from"), To: qv.Get("to")}
	d := ordersListData{Filter: f, Statuses: orders.Statuses, Channels: channelHints}
	sf, err := serviceFilter(f)
	pg, perr := web.PageFrom(r)
	if err == nil {
		err = perr
	}
	if err != nil {
		v := op.view(r, "console.nav.orders", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "orders", v)
	}
	l, err := op.orders.List(r.Context(), sf, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	rows, next := l.Items, l.NextCursor
	for _, o := range rows {
		d.Rows = append(d.Rows, orderRow{ID: o.ID, ExternalID: o.ExternalID, Channel: o.Channel, Buyer: o.Buyer.Name,
			Country: o.ShipTo.Country, Total: moneyText(o.Totals.Lines), Status: o.Status, Placed: o.PlacedAt, Lines: len(o.Lines)})
	}
	d.Next = nextURL(r, next)
	if pg.After != "" {
		q := r.URL.Query()
		q.Del("cursor")
		q.Del("notice")
		d.First = "/orders?" + q.Encode()
	}
	return c.render(w, r, http.StatusOK, "orders", op.view(r, "console.nav.orders", d))
}

// serviceFilter checks the filter form and turns it into the service's.
// Dates are days in UTC; "to" includes its whole day.
func serviceFilter(f orderFilter) (orders.Filter, error) {
	var fs problem.Errors
	sf := orders.Filter{Q: f.Q, Channel: f.Channel, Status: orders.Status(f.Status), ShipCountry: f.Country}
	if sf.Status != "" && !sf.Status.Valid() {
		fs.Add("status", "one_of", "values", "received, confirmed, shipped, delivered, cancelled, returned")
	}
	if len(f.Q) > 200 {
		fs.Add("q", "max_length", "max", 200)
	}
	if f.Country != "" && !iso.Country(f.Country) {
		fs.Add("country", "invalid_country", "country", f.Country)
	}
	for _, p := range []struct {
		name, v string
		dst     *time.Time
		add     int
	}{{"from", f.From, &sf.From, 0}, {"to", f.To, &sf.To, 1}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse("2006-01-02", p.v)
		if err != nil {
			fs.Add(p.name, "invalid_format", "format", "YYYY-MM-DD")
			continue
		}
		*p.dst = t.AddDate(0, 0, p.add)
	}
	return sf, fs.Err()
}

// moneyText shows an amount as people read it: thousands grouped, the
// currency's minor units always shown ("EUR 1,234.50", "JPY 1,200").
func moneyText(m money.Money) string {
	if m.Currency == "" {
		return m.Amount
	}
	digits, _ := money.Digits(m.Currency)
	ip, fp, _ := strings.Cut(strings.TrimPrefix(m.Amount, "-"), ".")
	for len(fp) < digits {
		fp += "0"
	}
	var b strings.Builder
	for i, ch := range ip {
		if i > 0 && (len(ip)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	s := b.String()
	if strings.HasPrefix(m.Amount, "-") {
		s = "-" + s
	}
	if digits > 0 {
		s += "." + fp[:digits]
	}
	return m.Currency + " " + s
}

// lineTotal is quantity × unit price in the currency's minor units.
func lineTotal(l orders.Line) money.Money {
	digits, ok := money.Digits(l.UnitPrice.Currency)
	ip, fp, _ := strings.Cut(l.UnitPrice.Amount, ".")
	for len(fp) < digits {
		fp += "0"
	}
	minor, err := strconv.ParseInt(ip+fp[:digits], 10, 64)
	if !ok || err != nil {
		return money.Money{}
	}
	v := strconv.FormatInt(minor*l.Quantity, 10)
	if digits > 0 {
		if len(v) <= digits {
			v = strings.Repeat("0", digits-len(v)+1) + v
		}
		v = v[:len(v)-digits] + "." + v[len(v)-digits:]
	}
	return money.Money{Amount: v, Currency: l.UnitPrice.Currency}
}

// An order.

type orderLineRow struct {
	SKU, Title, UnitPrice, Total string
	Quantity                     int64
}

type orderData struct {
	Order   orders.Order
	Total   string
	Lines   []orderLineRow
	History []historyRow
	// Moves are the statuses the order may move to now.
	Moves []orders.Status
	Note  string
	// EDI lists the outbound downloads the order offers.
	EDI []ediDownload
	// Compliance is set when the checks are wired: Verdict is nil until
	// the order's lines were checked.
	Compliance bool
	Verdict    *checks.OrderCheck
	// Parties are the buyer and consignee with their screening case.
	Parties []partyRow
}

// partyRow is one counterparty of an order and its review case, if any.
type partyRow struct {
	RoleKey, Name string
	Case          *screening.Case
}

// historyRow is a status change with who made it, by e-mail when it was
// a person of the tenant.
type historyRow struct {
	orders.StatusChange
	Who string
}

type ediDownload struct {
	Label, Partner, Href string
}

func (op *OrderPages) orderData(r *http.Request, o orders.Order) orderData {
	d := orderData{Order: o, Total: moneyText(o.Totals.Lines), Moves: o.Status.Next()}
	for _, l := range o.Lines {
		d.Lines = append(d.Lines, orderLineRow{SKU: l.SKU, Title: l.Title, Quantity: l.Quantity,
			UnitPrice: moneyText(l.UnitPrice), Total: moneyText(lineTotal(l))})
	}
	// Newest first: the current status leads the timeline.
	who := map[string]string{}
	for i := len(o.StatusHistory) - 1; i >= 0; i-- {
		h := o.StatusHistory[i]
		name, seen := who[h.By]
		if !seen {
			name = h.By
			if strings.HasPrefix(h.By, "usr_") && op.c.id != nil {
				if u, err := op.c.id.GetUser(r.Context(), h.By); err == nil {
					name = u.Email
				}
			}
			who[h.By] = name
		}
		d.History = append(d.History, historyRow{StatusChange: h, Who: name})
	}
	op.complianceOf(r, o, &d)
	if op.edi != nil {
		if ps, err := op.edi.ListPartners(r.Context(), web.Page{Limit: 20}); err == nil {
			for _, p := range ps.Items {
				kinds := []string{"855", "856"}
				if p.Standard == edi.EDIFACT {
					kinds = []string{"desadv"}
				}
				for _, k := range kinds {
					d.EDI = append(d.EDI, ediDownload{Label: strings.ToUpper(k), Partner: p.Name,
						Href: "/api/v1/orders/" + url.PathEscape(o.ID) + "/edi?" + url.Values{"type": {k}, "partner": {p.ID}}.Encode()})
				}
			}
		}
	}
	return d
}

// complianceOf adds the order's verdict and its parties' cases. Neither
// blocks the page: an order not yet checked (the check runs after
// ingest) shows as pending, and a lookup failure is logged.
func (op *OrderPages) complianceOf(r *http.Request, o orders.Order, d *orderData) {
	ctx := r.Context()
	if op.verdicts != nil {
		d.Compliance = true
		switch oc, err := op.verdicts.OrderCheck(ctx, o.ID); {
		case err == nil:
			d.Verdict = &oc
		case !errors.Is(err, problem.ErrNotFound):
			op.c.log.Warn("console: order verdict", "order", o.ID, "err", err)
		}
	}
	if op.cases == nil {
		return
	}
	seen := map[string]bool{}
	for _, p := range []struct{ key, name string }{
		{"console.orders.party.buyer", o.Buyer.Name}, {"console.orders.party.consignee", o.ShipTo.Name},
	} {
		name := strings.TrimSpace(p.name)
		if name == "" || seen[screening.PartyKey(name)] {
			continue
		}
		seen[screening.PartyKey(name)] = true
		row := partyRow{RoleKey: p.key, Name: name}
		if c, ok, err := op.cases.PartyCase(ctx, name); err != nil {
			op.c.log.Warn("console: party case", "order", o.ID, "err", err)
		} else if ok {
			row.Case = &c
		}
		d.Parties = append(d.Parties, row)
	}
}

func (op *OrderPages) orderPage(w http.ResponseWriter, r *http.Request) error {
	o, err := op.orders.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return op.c.fail(w, r, err)
	}
	return op.c.render(w, r, http.StatusOK, "order", op.view(r, "console.orders.detail.title", op.orderData(r, o)))
}

func (op *OrderPages) setStatus(w http.ResponseWriter, r *http.Request) error {
	c := op.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id := r.PathValue("id")
	u := orders.StatusUpdate{Status: orders.Status(field(r, "status")), Note: field(r, "note")}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := op.orders.SetStatus(ctx, id, u)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		o, gerr := op.orders.Get(r.Context(), id)
		if gerr != nil {
			return c.fail(w, r, gerr)
		}
		d := op.orderData(r, o)
		d.Note = u.Note
		v := op.view(r, "console.orders.detail.title", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "order", v)
	}
	return see(w, r, "/orders/"+url.PathEscape(id)+"?notice=order_status_changed")
}

// A new order.

// orderForm is the new-order form as typed; its input names are the
// validation's field names, so each message lands next to its field.
type orderForm struct {
	ExternalID, Channel, PlacedAt, Currency string
	Buyer                                   orders.Buyer
	ShipTo                                  orders.Address
	Lines                                   []formLine
}

type formLine struct {
	SKU, Title, Quantity, Price string
}

type newOrderData struct {
	// SKUs are the catalogue's, offered while typing a line.
	SKUs          []langText
	Form          orderForm
	Currencies    []string
	Channels      []string
	Buyer, ShipTo []inputField
	Rows          []lineRow
}

// inputField is one text input of the form with its message, if any.
type inputField struct {
	Name, Value, Auto, Help, Err string
}

// lineRow is one line of the form with the messages about it.
type lineRow struct {
	formLine
	N   int
	Err struct{ Sku, Title, Quantity, Price string }
}

// layOrderForm lays the form out with fp's messages next to their
// fields. Messages about lines[k] go to the k-th non-blank row, which is
// the line the service saw.
func layOrderForm(f orderForm, fp *formProblem) newOrderData {
	d := newOrderData{Form: f, Currencies: formCurrencies, Channels: channelHints}
	in := func(name, value, auto, help string) inputField {
		return inputField{Name: name, Value: value, Auto: auto, Help: help, Err: fp.Field(name)}
	}
	d.Buyer = []inputField{in("buyer.name", f.Buyer.Name, "name", ""), in("buyer.email", f.Buyer.Email, "email", ""),
		in("buyer.phone", f.Buyer.Phone, "tel", "console.orders.new.phone_help"),
		in("buyer.country", f.Buyer.Country, "country", "console.orders.new.buyer_country_help")}
	a := f.ShipTo
	d.ShipTo = []inputField{in("ship_to.name", a.Name, "name", ""), in("ship_to.line1", a.Line1, "address-line1", ""),
		in("ship_to.line2", a.Line2, "address-line2", ""), in("ship_to.city", a.City, "address-level2", ""),
		in("ship_to.region", a.Region, "address-level1", ""), in("ship_to.postcode", a.Postcode, "postal-code", ""),
		in("ship_to.country", a.Country, "country", "console.orders.new.country_help"), in("ship_to.phone", a.Phone, "tel", "")}
	for i, n := range lineIndex(f.Lines) {
		row := lineRow{formLine: f.Lines[i], N: i + 1}
		if n >= 0 {
			p := "lines[" + strconv.Itoa(n) + "]."
			row.Err.Sku, row.Err.Title = fp.Field(p+"sku"), fp.Field(p+"title")
			row.Err.Quantity = fp.Field(p + "quantity")
			row.Err.Price = fp.Field(p + "unit_price.amount")
			if row.Err.Price == "" {
				row.Err.Price = fp.Field(p + "unit_price.currency")
			}
		}
		d.Rows = append(d.Rows, row)
	}
	return d
}

var formCurrencies = []string{"CNY", "USD", "EUR", "GBP", "JPY", "SGD", "MYR", "HKD", "AUD", "CAD"}

const minFormLines = 3

func blankOrderForm() orderForm {
	f := orderForm{Channel: "wechat", Currency: "CNY", PlacedAt: time.Now().UTC().Format("2006-01-02T15:04")}
	f.Lines = make([]formLine, minFormLines)
	return f
}

func (op *OrderPages) newOrderPage(w http.ResponseWriter, r *http.Request) error {
	d := layOrderForm(blankOrderForm(), nil)
	d.SKUs = op.skus(r)
	return op.c.render(w, r, http.StatusOK, "order_new", op.view(r, "console.orders.new.title", d))
}

// skus lists the first SKUs of the catalogue with their titles, for the
// form's suggestions; a shop that takes orders by phone has a small one.
func (op *OrderPages) skus(r *http.Request) []langText {
	if op.products == nil {
		return nil
	}
	l, err := op.products.List(r.Context(), catalog.Filter{}, web.Page{Limit: web.MaxLimit})
	if err != nil {
		return nil
	}
	out := make([]langText, 0, len(l.Items))
	for _, p := range l.Items {
		out = append(out, langText{Key: p.SKU, Text: titleIn(p.Title, lang(r))})
	}
	return out
}

// readOrderForm reads the posted form. Friendly defaults for a seller
// typing an order from a chat: the ship-to name is the buyer's when left
// empty, and the buyer's country the ship-to country.
func readOrderForm(r *http.Request) orderForm {
	f := orderForm{ExternalID: field(r, "external_id"), Channel: field(r, "channel"), PlacedAt: field(r, "placed_at"),
		Currency: field(r, "currency"),
		Buyer: orders.Buyer{Name: field(r, "buyer.name"), Email: field(r, "buyer.email"), Phone: field(r, "buyer.phone"),
			Country: strings.ToUpper(field(r, "buyer.country"))},
		ShipTo: orders.Address{Name: field(r, "ship_to.name"), Line1: field(r, "ship_to.line1"), Line2: field(r, "ship_to.line2"),
			City: field(r, "ship_to.city"), Region: field(r, "ship_to.region"), Postcode: field(r, "ship_to.postcode"),
			Country: strings.ToUpper(field(r, "ship_to.country")), Phone: field(r, "ship_to.phone")}}
	skus, titles, qtys, prices := r.PostForm["line_sku"], r.PostForm["line_title"], r.PostForm["line_quantity"], r.PostForm["line_price"]
	for i := range skus {
		l := formLine{SKU: strings.TrimSpace(skus[i])}
		if i < len(titles) {
			l.Title = strings.TrimSpace(titles[i])
		}
		if i < len(qtys) {
			l.Quantity = strings.TrimSpace(qtys[i])
		}
		if i < len(prices) {
			l.Price = strings.TrimSpace(prices[i])
		}
		f.Lines = append(f.Lines, l)
	}
	if f.ShipTo.Name == "" {
		f.ShipTo.Name = f.Buyer.Name
	}
	if f.Buyer.Country == "" {
		f.Buyer.Country = f.ShipTo.Country
	}
	return f
}

func (l formLine) blank() bool {
	return l.SKU == "" && l.Title == "" && l.Quantity == "" && l.Price == ""
}

// lineIndex numbers the non-blank rows as the service will see them; a
// blank row gets -1.
func lineIndex(lines []formLine) []int {
	out := make([]int, len(lines))
	n := 0
	for i, l := range lines {
		if l.blank() {
			out[i] = -1
			continue
		}
		out[i] = n
		n++
	}
	return out
}

// newOrder turns the form into the service's input; what cannot even be
// read (a quantity that is no number, a date that is no date) is reported
// by field, as the service reports the rest.
func (f orderForm) newOrder() (orders.NewOrder, problem.Errors) {
	var fs problem.Errors
	n := orders.NewOrder{ExternalID: f.ExternalID, Channel: f.Channel, Currency: f.Currency, Buyer: f.Buyer, ShipTo: f.ShipTo}
	if f.PlacedAt != "" {
		t, err := time.Parse("2006-01-02T15:04", f.PlacedAt)
		if err != nil {
			fs.Add("placed_at", "invalid_format", "format", "YYYY-MM-DD HH:MM")
		}
		n.PlacedAt = t
	}
	idx := lineIndex(f.Lines)
	for i, l := range f.Lines {
		if idx[i] < 0 {
			continue
		}
		q, err := strconv.ParseInt(l.Quantity, 10, 64)
		if err != nil {
			fs.Add("lines["+strconv.Itoa(idx[i])+"].quantity", "out_of_range", "min", 1, "max", orders.MaxQuantity)
		}
		n.Lines = append(n.Lines, orders.Line{SKU: l.SKU, Title: l.Title, Quantity: q,
			UnitPrice: money.Money{Amount: l.Price, Currency: f.Currency}})
	}
	return n, fs
}

func (op *OrderPages) createOrder(w http.ResponseWriter, r *http.Request) error {
	c := op.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := readOrderForm(r)
	again := func(status int, err error) error {
		for len(f.Lines) < minFormLines {
			f.Lines = append(f.Lines, formLine{})
		}
		var fp *formProblem
		if err != nil {
			fp, _ = c.problemOf(r, err)
			op.lineLabels(r, fp, f.Lines)
		}
		d := layOrderForm(f, fp)
		d.SKUs = op.skus(r)
		v := op.view(r, "console.orders.new.title", d)
		v.Problem = fp
		return c.render(w, r, status, "order_new", v)
	}
	if r.PostFormValue("add_line") != "" {
		f.Lines = append(f.Lines, formLine{})
		return again(http.StatusOK, nil)
	}
	n, fs := f.newOrder()
	var o orders.Order
	err := fs.Err()
	if err == nil {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			var err error
			o, err = op.orders.Create(ctx, n)
			return err
		})
	} else if verr := n.Validate(); verr != nil {
		// Report what the service would say about the rest too.
		if pe, ok := problem.As(verr); ok {
			for _, fe := range pe.Fields {
				if !slices.ContainsFunc(fs, func(x problem.Field) bool { return x.Field == fe.Field }) {
					fs = append(fs, fe)
				}
			}
			err = fs.Err()
		}
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		return again(statusOf(err), err)
	}
	return see(w, r, "/orders/"+url.PathEscape(o.ID)+"?notice=order_created")
}

// lineLabels names the line of a "lines[1].unit_price.amount" message in
// the summary as the form shows it: "Item 3 · Unit price".
func (op *OrderPages) lineLabels(r *http.Request, fp *formProblem, lines []formLine) {
	if fp == nil {
		return
	}
	cols := map[string]string{"sku": "console.products.field.sku", "title": "console.products.field.title",
		"quantity": "console.orders.field.quantity", "unit_price.amount": "console.orders.field.unit_price",
		"unit_price.currency": "console.orders.field.currency"}
	idx := lineIndex(lines)
	l := lang(r)
	for i, it := range fp.Items {
		rest, ok := strings.CutPrefix(it.Label, "lines[")
		if !ok {
			continue
		}
		num, col, ok := strings.Cut(rest, "].")
		n, err := strconv.Atoi(num)
		if !ok || err != nil {
			continue
		}
		row := slices.Index(idx, n)
		if row < 0 || cols[col] == "" {
			continue
		}
		fp.Items[i].Label = op.c.cat.T(l, "console.orders.new.line", "n", row+1) + " · " + op.c.cat.T(l, cols[col])
	}
}

// The upload.

type uploadData struct {
	Result *orders.BulkResult
	Silent bool
}

func (op *OrderPages) uploadPage(w http.ResponseWriter, r *http.Request) error {
	return op.c.render(w, r, http.StatusOK, "order_upload", op.view(r, "console.orders.upload.title", uploadData{}))
}

// uploadOrders streams an NDJSON file into the bulk ingest, the same
// service POST /api/v1/orders/bulk uses.
func (op *OrderPages) uploadOrders(w http.ResponseWriter, r *http.Request) error {
	c := op.c
	again := func(err error) error {
		if !refused(err) {
			return err
		}
		v := op.view(r, "console.orders.upload.title", uploadData{})
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "order_upload", v)
	}
	var flag string
	part, err := uploadedFile(r, map[string]*string{"silent": &flag})
	if err != nil {
		return again(err)
	}
	defer part.Close()
	silent := flag != ""
	res, err := op.orders.Ingest(r.Context(), part, orders.IngestOptions{Lang: lang(r), Catalog: c.cat, Silent: silent})
	if err != nil {
		return again(err)
	}
	return c.render(w, r, http.StatusOK, "order_upload", op.view(r, "console.orders.upload.title",
		uploadData{Result: &res, Silent: silent}))
}
