package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/warehouses"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// WarehouseReader is what the warehouse pages need of the warehouses
// service.
type WarehouseReader interface {
	All(ctx context.Context) ([]warehouses.Warehouse, error)
	Stock(ctx context.Context, f warehouses.StockFilter) ([]warehouses.Stock, error)
	Inbounds(ctx context.Context, warehouseID string, limit int) ([]warehouses.Inbound, error)
	Outbounds(ctx context.Context, warehouseID, status string, limit int) ([]warehouses.Outbound, error)
	Reconciliations(ctx context.Context, warehouseID string, limit int) ([]warehouses.Reconciliation, error)
	GetReconciliation(ctx context.Context, id string) (warehouses.Reconciliation, error)
	Alerts(ctx context.Context, openOnly bool, limit int) ([]warehouses.Alert, error)
}

// WarehouseService is what the warehouse forms need besides reading: the
// same methods the API calls, so the console adds no rules of its own.
type WarehouseService interface {
	WarehouseReader
	Sync(ctx context.Context, warehouseID string) (warehouses.SyncResult, error)
	SyncSnapshot(ctx context.Context, warehouseID string) (warehouses.Reconciliation, error)
	CreateInbound(ctx context.Context, n warehouses.NewInbound) (warehouses.Inbound, error)
	CreateOutbound(ctx context.Context, n warehouses.NewOutbound) (warehouses.Allocation, error)
	ShipOutbound(ctx context.Context, id string) (warehouses.Outbound, error)
	CancelOutbound(ctx context.Context, id string) (warehouses.Outbound, error)
	CheckAlerts(ctx context.Context) ([]warehouses.Alert, error)
	AcknowledgeAlert(ctx context.Context, id string, a warehouses.AlertAck) (warehouses.Alert, error)
}

// OrderLister lists the orders an outbound order may be made from.
type OrderLister interface {
	List(ctx context.Context, f orders.Filter, pg web.Page) (web.List[orders.Order], error)
}

// WarehousePages are the overseas-warehouse pages (clause 6.3.3.2): the
// warehouses, stock with its age, inbound notices, outbound orders,
// reconciliation reports and stock alerts, one tab each, with the forms an
// operations person needs: sync with the operator (delta or snapshot), a
// new inbound notice, an outbound order allocated from a platform order
// and its dispatch, and acknowledging alerts.
type WarehousePages struct {
	c      *Console
	s      WarehouseService
	orders OrderLister
}

// WarehousePages returns the warehouse pages over s; register them with
// Routes.
func (c *Console) WarehousePages(s WarehouseService) *WarehousePages {
	return &WarehousePages{c: c, s: s}
}

// WithOrders lets outbound orders be picked from the tenant's open orders.
func (p *WarehousePages) WithOrders(o OrderLister) *WarehousePages {
	p.orders = o
	return p
}

var warehouseTabs = []string{"warehouses", "stock", "inbound", "outbound", "reconciliations", "alerts"}

// warehouseNotices are the confirmations the pages show after a redirect.
var warehouseNotices = map[string]bool{"inbound_created": true, "outbound_shipped": true, "outbound_cancelled": true,
	"warehouse_reconciled": true, "alert_acknowledged": true, "alerts_checked": true}

// Routes registers the pages.
func (p *WarehousePages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, tab := range warehouseTabs {
		rt.Handle(page("GET", tabPath(tab), identity.PermLogisticsRead, p.page(tab)))
	}
	// A sync calls the operator, which must not happen inside the
	// request's transaction: like the API's sync routes, it runs without
	// one and the service keeps its own short transactions.
	sync := page("POST", "/logistics/warehouses/{id}/sync", identity.PermLogisticsWrite, p.sync)
	sync.Stream = true
	for _, r := range []web.Route{
		page("GET", "/logistics/warehouses/reconciliations/{id}", identity.PermLogisticsRead, p.report),
		sync,
		page("POST", "/logistics/warehouses/inbound", identity.PermLogisticsWrite, p.createInbound),
		page("POST", "/logistics/warehouses/outbound", identity.PermLogisticsWrite, p.createOutbound),
		page("POST", "/logistics/warehouses/outbound/{id}/{action}", identity.PermLogisticsWrite, p.outboundAct),
		page("POST", "/logistics/warehouses/alerts/check", identity.PermLogisticsWrite, p.checkAlerts),
		page("POST", "/logistics/warehouses/alerts/{id}/acknowledge", identity.PermLogisticsWrite, p.acknowledge),
	} {
		rt.Handle(r)
	}
}

func tabPath(tab string) string {
	if tab == "warehouses" {
		return "/logistics/warehouses"
	}
	return "/logistics/warehouses/" + tab
}

type warehouseTab struct {
	Key, Path string
	Active    bool
}

// inboundLines is how many line rows the inbound form offers.
const inboundLines = 5

type whLineRow struct {
	N                    int
	SKU, Grade, Quantity string
	Err                  string
}

type inboundForm struct {
	WarehouseID, Reference, ExpectedAt string
	Lines                              []whLineRow
}

type outboundForm struct {
	OrderID    string
	AllowSplit bool
}

type warehousesData struct {
	Tab             string
	Tabs            []warehouseTab
	SKU             string
	Warehouses      []warehouses.Warehouse
	Stock           []warehouses.Stock
	Inbound         []warehouses.Inbound
	Outbound        []warehouses.Outbound
	Reconciliations []warehouses.Reconciliation
	Alerts          []warehouses.Alert
	OpenAlerts      int
	Codes           map[string]string
	Grades          []warehouse.Grade

	// Forms and what they did.
	In         inboundForm
	Out        outboundForm
	Orders     []orders.Order
	Allocation *warehouses.Allocation
	Synced     *warehouses.SyncResult
	Report     *warehouses.Reconciliation
}

func emptyInbound() inboundForm {
	f := inboundForm{}
	for i := range inboundLines {
		f.Lines = append(f.Lines, whLineRow{N: i, Grade: string(warehouse.GradeNew)})
	}
	return f
}

// load fills d for tab: the tab list, the warehouses, the open alert count
// and the tab's own rows.
func (p *WarehousePages) load(r *http.Request, tab string, d *warehousesData) error {
	ctx := r.Context()
	d.Tab, d.Codes, d.Grades, d.Tabs = tab, map[string]string{}, warehouse.Grades, nil
	for _, t := range warehouseTabs {
		d.Tabs = append(d.Tabs, warehouseTab{Key: "console.warehouses.tab." + t, Path: tabPath(t), Active: t == tab})
	}
	if d.In.Lines == nil {
		d.In = emptyInbound()
	}
	ws, err := p.s.All(ctx)
	if err != nil {
		return err
	}
	d.Warehouses = ws
	for _, x := range ws {
		d.Codes[x.ID] = x.Code
	}
	open, err := p.s.Alerts(ctx, true, 500)
	if err != nil {
		return err
	}
	d.OpenAlerts = len(open)
	switch tab {
	case "stock":
		d.Stock, err = p.s.Stock(ctx, warehouses.StockFilter{SKU: d.SKU})
	case "inbound":
		d.Inbound, err = p.s.Inbounds(ctx, "", 200)
	case "outbound":
		if d.Outbound, err = p.s.Outbounds(ctx, "", "", 200); err == nil {
			d.Orders, err = p.openOrders(ctx, d.Outbound)
		}
	case "reconciliations":
		d.Reconciliations, err = p.s.Reconciliations(ctx, "", 50)
	case "alerts":
		d.Alerts, err = p.s.Alerts(ctx, false, 200)
	}
	return err
}

// openOrders are the orders not yet shipped, newest first, that the
// outbound form offers: those with a live outbound order among the recent
// ones are left out, so that the list does not invite a second
// reservation.
func (p *WarehousePages) openOrders(ctx context.Context, recent []warehouses.Outbound) ([]orders.Order, error) {
	if p.orders == nil {
		return nil, nil
	}
	taken := map[string]bool{}
	for _, o := range recent {
		if o.OrderID != "" && o.Status != warehouses.OutboundCancelled {
			taken[o.OrderID] = true
		}
	}
	var out []orders.Order
	for _, st := range []orders.Status{orders.Confirmed, orders.Received} {
		l, err := p.orders.List(ctx, orders.Filter{Status: st}, web.Page{Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, o := range l.Items {
			if !taken[o.ID] {
				out = append(out, o)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b orders.Order) int { return b.PlacedAt.Compare(a.PlacedAt) })
	return out, nil
}

// show renders tab with d; a refusal (err) is shown above the forms and
// next to its fields, with its status.
func (p *WarehousePages) show(w http.ResponseWriter, r *http.Request, tab string, d *warehousesData, refusal error) error {
	c := p.c
	if err := p.load(r, tab, d); err != nil {
		return c.fail(w, r, err)
	}
	v := c.newView(r, "console.warehouses.title", "/logistics", d)
	if n := r.URL.Query().Get("notice"); warehouseNotices[n] {
		v.Notice = "console.notice." + n
	}
	status := http.StatusOK
	if refusal != nil {
		v.Problem, _ = c.problemOf(r, refusal)
		status = statusOf(refusal)
	}
	return c.render(w, r, status, "warehouses", v)
}

func (p *WarehousePages) page(tab string) web.H {
	return func(w http.ResponseWriter, r *http.Request) error {
		// Splitting is the API's default too.
		d := warehousesData{SKU: strings.TrimSpace(r.URL.Query().Get("sku")), Out: outboundForm{AllowSplit: true}}
		return p.show(w, r, tab, &d, nil)
	}
}

// report shows one reconciliation report with its mismatches.
func (p *WarehousePages) report(w http.ResponseWriter, r *http.Request) error {
	rep, err := p.s.GetReconciliation(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	d := warehousesData{Report: &rep}
	return p.show(w, r, "reconciliations", &d, nil)
}

// sync asks the warehouse's operator for its movements since the last
// sync (mode delta, shown at once) or for a full count (mode snapshot,
// whose reconciliation report the browser is sent to).
func (p *WarehousePages) sync(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id, mode := r.PathValue("id"), field(r, "mode")
	var (
		res warehouses.SyncResult
		rep warehouses.Reconciliation
	)
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		switch mode {
		case "delta":
			res, err = p.s.Sync(ctx, id)
		case "snapshot":
			rep, err = p.s.SyncSnapshot(ctx, id)
		default:
			err = problem.Invalid(problem.Field{Field: "mode", Code: "one_of", Params: []any{"values", "delta, snapshot"}})
		}
		return err
	})
	if err != nil {
		if !refused(err) || errors.Is(err, problem.ErrNotFound) {
			return err
		}
		return p.show(w, r, "warehouses", &warehousesData{}, err)
	}
	if mode == "snapshot" {
		return see(w, r, "/logistics/warehouses/reconciliations/"+url.PathEscape(rep.ID)+"?notice=warehouse_reconciled")
	}
	return p.show(w, r, "warehouses", &warehousesData{Synced: &res}, nil)
}

// createInbound records an inbound notice (ASN) from the form: up to
// inboundLines rows, empty rows left out.
func (p *WarehousePages) createInbound(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	d := warehousesData{In: inboundForm{WarehouseID: field(r, "warehouse_id"), Reference: field(r, "reference"),
		ExpectedAt: field(r, "expected_at")}}
	n := warehouses.NewInbound{WarehouseID: d.In.WarehouseID, Reference: d.In.Reference}
	var refusal error
	if d.In.ExpectedAt != "" {
		if t, err := time.Parse(time.DateOnly, d.In.ExpectedAt); err == nil {
			n.ExpectedAt = &t
		} else {
			refusal = problem.Invalid(problem.Field{Field: "expected_at", Code: "invalid_format", Params: []any{"format", "YYYY-MM-DD"}})
		}
	}
	// The k-th line sent is lines[k] for the service: its messages go
	// back to the row it came from.
	var sent []int
	for i := range inboundLines {
		k := strconv.Itoa(i)
		row := whLineRow{N: i, SKU: field(r, "line."+k+".sku"), Grade: field(r, "line."+k+".grade"), Quantity: field(r, "line."+k+".quantity")}
		if row.Grade == "" {
			row.Grade = string(warehouse.GradeNew)
		}
		d.In.Lines = append(d.In.Lines, row)
		if row.SKU == "" && row.Quantity == "" {
			continue
		}
		q, err := strconv.ParseInt(row.Quantity, 10, 64)
		if err != nil {
			q = 0 // not a number: the service names the quantity
		}
		n.Lines = append(n.Lines, warehouses.Line{SKU: row.SKU, Grade: warehouse.Grade(row.Grade), Quantity: q})
		sent = append(sent, i)
	}
	err := refusal
	if err == nil {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			_, err := p.s.CreateInbound(ctx, n)
			return err
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		fp, _ := c.problemOf(r, err)
		for k, i := range sent {
			pre := "lines[" + strconv.Itoa(k) + "]."
			d.In.Lines[i].Err = fp.Field(pre+"sku") + fp.Field(pre+"grade") + fp.Field(pre+"quantity")
		}
		return p.show(w, r, "inbound", &d, err)
	}
	return see(w, r, "/logistics/warehouses/inbound?notice=inbound_created")
}

// createOutbound allocates an outbound order for a platform order and
// shows what allocation chose and why (every candidate with its reason);
// the candidates are not kept, so the answer is this page, not a redirect.
func (p *WarehousePages) createOutbound(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	d := warehousesData{Out: outboundForm{OrderID: field(r, "order_id"), AllowSplit: field(r, "allow_split") != ""}}
	var (
		a   warehouses.Allocation
		err error
	)
	if d.Out.OrderID == "" {
		err = problem.Invalid(problem.Field{Field: "order_id", Code: "required"})
	} else {
		split := d.Out.AllowSplit
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			var err error
			a, err = p.s.CreateOutbound(ctx, warehouses.NewOutbound{OrderID: d.Out.OrderID, AllowSplit: &split})
			return err
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		return p.show(w, r, "outbound", &d, err)
	}
	d.Allocation = &a
	return p.show(w, r, "outbound", &d, nil)
}

// outboundAct ships or cancels an allocated outbound order.
func (p *WarehousePages) outboundAct(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id, action := r.PathValue("id"), r.PathValue("action")
	var notice string
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		switch action {
		case "ship":
			err, notice = firstOf(p.s.ShipOutbound(ctx, id)), "outbound_shipped"
		case "cancel":
			err, notice = firstOf(p.s.CancelOutbound(ctx, id)), "outbound_cancelled"
		default:
			err = problem.ErrNotFound
		}
		return err
	})
	if err != nil {
		if !refused(err) || errors.Is(err, problem.ErrNotFound) {
			return err
		}
		return p.show(w, r, "outbound", &warehousesData{}, err)
	}
	return see(w, r, "/logistics/warehouses/outbound?notice="+notice)
}

// checkAlerts evaluates the alert rules now, as syncs do.
func (p *WarehousePages) checkAlerts(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.s.CheckAlerts(ctx)
		return err
	})
	if err != nil {
		return err
	}
	return see(w, r, "/logistics/warehouses/alerts?notice=alerts_checked")
}

// acknowledge records that someone has seen an open alert and is on it.
func (p *WarehousePages) acknowledge(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.s.AcknowledgeAlert(ctx, r.PathValue("id"), warehouses.AlertAck{Note: field(r, "note")})
		return err
	})
	if err != nil {
		if !refused(err) || errors.Is(err, problem.ErrNotFound) {
			return err
		}
		return p.show(w, r, "alerts", &warehousesData{}, err)
	}
	return see(w, r, "/logistics/warehouses/alerts?notice=alert_acknowledged")
}

// firstOf drops the value of a (value, error) pair.
func firstOf[T any](_ T, err error) error { return err }
