package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/returns"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Returns is what the return pages need of the returns service.
type Returns interface {
	Create(ctx context.Context, n returns.NewReturn) (returns.Return, error)
	Get(ctx context.Context, id string) (returns.Return, error)
	List(ctx context.Context, f returns.Filter, pg web.Page) (web.List[returns.Return], error)
	Approve(ctx context.Context, id string, d returns.Decision) (returns.Return, error)
	Reject(ctx context.Context, id string, d returns.Decision) (returns.Return, error)
	Cancel(ctx context.Context, id string, d returns.Decision) (returns.Return, error)
	IssueLabel(ctx context.Context, id string, lr returns.LabelRequest) (returns.Return, error)
	MarkInTransit(ctx context.Context, id string, d returns.Decision) (returns.Return, error)
	Receive(ctx context.Context, id string, rc returns.Receipt) (returns.Return, error)
	Inspect(ctx context.Context, id string, in returns.Inspection) (returns.Return, error)
	Refund(ctx context.Context, id string, rq returns.RefundRequest) (returns.Return, error)
	Exchange(ctx context.Context, id string, ex returns.ExchangeRequest) (returns.Return, error)
	Close(ctx context.Context, id string, d returns.Decision) (returns.Return, error)
}

// OrderReader reads the order a return is opened from.
type OrderReader interface {
	Get(ctx context.Context, id string) (orders.Order, error)
}

// ReturnPages are the returns pages (clause 6.3.3.3): the list, a new
// return from an order, and a return's detail with its timeline and the
// actions its status allows.
type ReturnPages struct {
	c       *Console
	returns Returns
	orders  OrderReader
}

// ReturnPages returns the return pages over rs and o; register them with
// Routes.
func (c *Console) ReturnPages(rs Returns, o OrderReader) *ReturnPages {
	return &ReturnPages{c: c, returns: rs, orders: o}
}

// Routes registers the pages.
func (p *ReturnPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/logistics/returns", identity.PermLogisticsRead, p.list),
		page("GET", "/logistics/returns/new", identity.PermLogisticsWrite, p.newPage),
		page("POST", "/logistics/returns", identity.PermLogisticsWrite, p.create),
		page("GET", "/logistics/returns/{id}", identity.PermLogisticsRead, p.detail),
		page("POST", "/logistics/returns/{id}/{action}", identity.PermLogisticsWrite, p.act),
	} {
		rt.Handle(r)
	}
}

// returnNotices are the confirmations the pages show after a redirect.
var returnNotices = map[string]bool{"return_created": true, "return_updated": true}

func (p *ReturnPages) view(r *http.Request, title string, data any) *view {
	v := p.c.newView(r, title, "/logistics/returns", data)
	if n := r.URL.Query().Get("notice"); returnNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

type returnsListData struct {
	Status, OrderID string
	Statuses        []returns.Status
	Items           []returns.Return
	Next, First     string
}

func (p *ReturnPages) list(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	q := r.URL.Query()
	d := returnsListData{Status: q.Get("status"), OrderID: strings.TrimSpace(q.Get("order_id")), Statuses: returns.Statuses}
	pg, err := web.PageFrom(r)
	if err == nil && d.Status != "" && !returns.Status(d.Status).Valid() {
		err = problem.Invalid(problem.Field{Field: "status", Code: "invalid_value", Params: []any{"reason", d.Status}})
	}
	if err != nil {
		v := p.view(r, "console.returns.title", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "returns", v)
	}
	l, err := p.returns.List(r.Context(), returns.Filter{Status: returns.Status(d.Status), OrderID: d.OrderID}, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d.Items, d.Next = l.Items, nextURL(r, l.NextCursor)
	if pg.After != "" {
		q.Del("cursor")
		q.Del("notice")
		d.First = "/logistics/returns?" + q.Encode()
	}
	return c.render(w, r, http.StatusOK, "returns", p.view(r, "console.returns.title", d))
}

// A new return.

type returnLineRow struct {
	SKU, Title, Quantity string
	Ordered              int64
	N                    int
	Err                  string
}

type newReturnData struct {
	OrderID, Reason, Resolution, Notes string
	Order                              *orders.Order
	Lines                              []returnLineRow
	Reasons                            []string
}

func (p *ReturnPages) newData(r *http.Request, orderID string) (newReturnData, error) {
	d := newReturnData{OrderID: orderID, Reasons: returns.Reasons, Resolution: returns.ResolutionRefund}
	if orderID == "" {
		return d, nil
	}
	o, err := p.orders.Get(r.Context(), orderID)
	if err != nil {
		return d, err
	}
	d.Order = &o
	seen := map[string]int{}
	for _, l := range o.Lines {
		if i, ok := seen[l.SKU]; ok {
			d.Lines[i].Ordered += l.Quantity
			continue
		}
		seen[l.SKU] = len(d.Lines)
		d.Lines = append(d.Lines, returnLineRow{SKU: l.SKU, Title: l.Title, Ordered: l.Quantity, N: len(d.Lines)})
	}
	return d, nil
}

func (p *ReturnPages) newPage(w http.ResponseWriter, r *http.Request) error {
	d, err := p.newData(r, strings.TrimSpace(r.URL.Query().Get("order_id")))
	v := p.view(r, "console.returns.new.title", &d)
	return p.c.renderView(w, r, "return_new", v, err)
}

func (p *ReturnPages) create(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	d, err := p.newData(r, field(r, "order_id"))
	if err != nil && !refused(err) {
		return err
	}
	d.Reason, d.Resolution, d.Notes = field(r, "reason"), field(r, "requested_resolution"), field(r, "notes")
	n := returns.NewReturn{OrderID: d.OrderID, Reason: d.Reason, RequestedResolution: d.Resolution, Notes: d.Notes}
	// Rows left at 0 are not returned; the k-th returned row is lines[k]
	// for the service, so its messages go back to that row.
	var sent []int
	for i := range d.Lines {
		d.Lines[i].Quantity = field(r, "qty."+strconv.Itoa(i))
		q, _ := strconv.ParseInt(d.Lines[i].Quantity, 10, 64)
		if d.Lines[i].Quantity == "" || d.Lines[i].Quantity == "0" {
			continue
		}
		if q == 0 {
			q = -1 // not a number: the service names the quantity
		}
		n.Lines = append(n.Lines, returns.LineInput{SKU: d.Lines[i].SKU, Quantity: q})
		sent = append(sent, i)
	}
	var created returns.Return
	if err == nil {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			var e error
			created, e = p.returns.Create(ctx, n)
			return e
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		v := p.view(r, "console.returns.new.title", &d)
		v.Problem, _ = c.problemOf(r, err)
		for k, i := range sent {
			pre := "lines[" + strconv.Itoa(k) + "]."
			d.Lines[i].Err = v.Problem.Field(pre+"quantity") + v.Problem.Field(pre+"sku")
		}
		return c.render(w, r, statusOf(err), "return_new", v)
	}
	return see(w, r, "/logistics/returns/"+url.PathEscape(created.ID)+"?notice=return_created")
}

// A return's detail.

type unitRow struct {
	SKU string
	N   int
}

type returnData struct {
	R      returns.Return
	Next   []returns.Status
	Units  []unitRow // one row per received unit, for the inspection form
	Refund string    // the refundable amount, pre-filled
	Grades []string
	Disps  []string
	Note   string
}

func (p *ReturnPages) data(r returns.Return) returnData {
	d := returnData{R: r, Next: r.Status.Next(), Grades: returns.Grades, Disps: returns.Dispositions}
	var paid int64
	digits, _ := money.Digits(r.Currency)
	for _, l := range r.Lines {
		for range l.Received {
			d.Units = append(d.Units, unitRow{SKU: l.SKU, N: len(d.Units)})
		}
		if m, err := strconv.ParseInt(strings.ReplaceAll(l.UnitPrice.Amount, ".", ""), 10, 64); err == nil {
			paid += m * l.Received
		}
	}
	s := strconv.FormatInt(paid, 10)
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	d.Refund = s
	return d
}

func (p *ReturnPages) detail(w http.ResponseWriter, r *http.Request) error {
	ret, err := p.returns.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return p.c.render(w, r, http.StatusOK, "return", p.view(r, "console.returns.detail.title", p.data(ret)))
}

// returnActions are the forms the detail page posts to.
var returnActions = []string{"approve", "reject", "cancel", "label", "in-transit", "receive", "inspect", "refund",
	"exchange", "close"}

func (p *ReturnPages) act(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	if !slices.Contains(returnActions, action) {
		return c.fail(w, r, problem.ErrNotFound)
	}
	note := field(r, "note")
	dec := returns.Decision{Note: note}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		switch action {
		case "approve":
			_, err = p.returns.Approve(ctx, id, dec)
		case "reject":
			_, err = p.returns.Reject(ctx, id, dec)
		case "cancel":
			_, err = p.returns.Cancel(ctx, id, dec)
		case "in-transit":
			_, err = p.returns.MarkInTransit(ctx, id, dec)
		case "close":
			_, err = p.returns.Close(ctx, id, dec)
		case "label":
			_, err = p.returns.IssueLabel(ctx, id, returns.LabelRequest{Carrier: field(r, "carrier"),
				TrackingNumber: field(r, "tracking_number"), Service: field(r, "service"), Note: note})
		case "receive":
			_, err = p.returns.Receive(ctx, id, returns.Receipt{WarehouseID: field(r, "warehouse_id"), Note: note})
		case "inspect":
			in := returns.Inspection{WarehouseID: field(r, "warehouse_id"), Note: note}
			for i := 0; ; i++ {
				k := strconv.Itoa(i)
				sku := field(r, "unit."+k+".sku")
				if sku == "" || i >= returns.MaxUnits {
					break
				}
				in.Units = append(in.Units, returns.UnitInput{SKU: sku, Disposition: field(r, "unit."+k+".disposition"),
					Grade: field(r, "unit."+k+".grade")})
			}
			_, err = p.returns.Inspect(ctx, id, in)
		case "refund":
			rq := returns.RefundRequest{Note: note}
			if a := field(r, "amount"); a != "" {
				rq.Amount = &money.Money{Amount: a, Currency: field(r, "currency")}
			}
			_, err = p.returns.Refund(ctx, id, rq)
		case "exchange":
			_, err = p.returns.Exchange(ctx, id, returns.ExchangeRequest{ReplacementOrderID: field(r, "replacement_order_id"), Note: note})
		}
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		ret, gerr := p.returns.Get(r.Context(), id)
		if gerr != nil {
			return c.fail(w, r, gerr)
		}
		d := p.data(ret)
		d.Note = note
		v := p.view(r, "console.returns.detail.title", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "return", v)
	}
	return see(w, r, "/logistics/returns/"+url.PathEscape(id)+"?notice=return_updated")
}
