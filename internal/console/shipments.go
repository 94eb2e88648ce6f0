package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/connectors/carrier"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/logistics/rates"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Shipments is what the shipment pages need of the shipments service.
type Shipments interface {
	Create(ctx context.Context, n shipments.NewShipment) (shipments.Shipment, error)
	Get(ctx context.Context, id string) (shipments.Shipment, error)
	List(ctx context.Context, f shipments.Filter, pg web.Page) (web.List[shipments.Shipment], error)
	Sender(ctx context.Context) (carrier.Address, error)
	SetSender(ctx context.Context, a carrier.Address) (carrier.Address, error)
	Alerts(ctx context.Context, shipmentID string, pg web.Page) (web.List[shipments.Alert], error)
	Unmatched(ctx context.Context, pg web.Page) (web.List[shipments.Event], error)
	ImportCSV(ctx context.Context, r io.Reader, name string, msg func(code string, params ...any) string) (shipments.CSVReport, error)
	SyncEDI(ctx context.Context) (shipments.EDIResult, error)
}

// ShipmentPages are the shipments and tracking pages (clause 6.3.3): the
// list, a shipment's detail with its timeline, shipping an order (compare
// offers, pick one, buy the label) and the tracking page (CSV upload, EDI
// import, events waiting for a shipment).
type ShipmentPages struct {
	c      *Console
	ship   Shipments
	rates  RateComparer
	orders OrderReader
}

// ShipmentPages returns the shipment pages; register them with Routes.
func (c *Console) ShipmentPages(s Shipments, rc RateComparer, o OrderReader) *ShipmentPages {
	return &ShipmentPages{c: c, ship: s, rates: rc, orders: o}
}

// Routes registers the pages.
func (p *ShipmentPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/logistics/shipments", identity.PermLogisticsRead, p.list),
		page("GET", "/logistics/shipments/new", identity.PermLogisticsWrite, p.newPage),
		// Streamed: creating a shipment buys its label from the carrier
		// between transactions of its own (shipments.Service.Create), so
		// the form must not hold a request transaction around it.
		{Method: "POST", Path: "/logistics/shipments", Perm: identity.PermLogisticsWrite, Page: true, Tag: "console",
			Summary: "Console page", Stream: true, Handler: p.create},
		page("GET", "/logistics/shipments/{id}", identity.PermLogisticsRead, p.detail),
		page("GET", "/logistics/tracking", identity.PermLogisticsRead, p.tracking),
		{Method: "POST", Path: "/logistics/tracking/upload", Perm: identity.PermLogisticsWrite, Page: true, Tag: "console",
			Summary: "Console page", MaxBody: 16 << 20, Handler: p.upload},
		page("POST", "/logistics/tracking/edi-import", identity.PermLogisticsWrite, p.ediImport),
	} {
		rt.Handle(r)
	}
}

var shipmentNotices = map[string]bool{"shipment_created": true}

func (p *ShipmentPages) view(r *http.Request, title string, data any) *view {
	v := p.c.newView(r, title, "/logistics/shipments", data)
	if n := r.URL.Query().Get("notice"); shipmentNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

type shipmentsData struct {
	Status    string
	Exception bool
	Statuses  []carrier.Status
	Items     []shipments.Shipment
	Next      string
	First     string
}

func (p *ShipmentPages) list(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	d := shipmentsData{Statuses: carrier.Statuses}
	f, err := shipments.FilterFrom(r)
	d.Status, d.Exception = f.Status, f.Exception
	var pg web.Page
	if err == nil {
		pg, err = web.PageFrom(r)
	}
	if err != nil {
		v := p.view(r, "console.shipments.title", &d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "shipments", v)
	}
	l, err := p.ship.List(r.Context(), f, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d.Items, d.Next = l.Items, nextURL(r, l.NextCursor)
	if pg.After != "" {
		q := r.URL.Query()
		q.Del("cursor")
		d.First = "/logistics/shipments?" + q.Encode()
	}
	return c.render(w, r, http.StatusOK, "shipments", p.view(r, "console.shipments.title", &d))
}

type stageRow struct {
	Status carrier.Status
	Done   bool
}

type shipmentData struct {
	S      shipments.Shipment
	Alerts []shipments.Alert
	Stages []stageRow
}

func (p *ShipmentPages) detail(w http.ResponseWriter, r *http.Request) error {
	sh, err := p.ship.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	al, err := p.ship.Alerts(r.Context(), sh.ID, web.Page{Limit: 50})
	if err != nil {
		return p.c.fail(w, r, err)
	}
	d := shipmentData{S: sh, Alerts: al.Items}
	for _, st := range carrier.Statuses[:8] {
		d.Stages = append(d.Stages, stageRow{Status: st, Done: slices.Contains(sh.StagesSeen, string(st))})
	}
	return p.c.render(w, r, http.StatusOK, "shipment", p.view(r, "console.shipments.detail.title", &d))
}

// Shipping an order: the form first asks for the order; with it, the
// parcel and the sender, it lists the offers to choose from.

type shipForm struct {
	OrderID, ServiceID, Weight, L, W, H, Currency            string
	FromName, FromLine1, FromCity, FromPostcode, FromCountry string
	FromPhone                                                string
}

type shipNewData struct {
	Form   shipForm
	Order  *orders.Order
	Result *rates.Result
}

func (p *ShipmentPages) formFrom(get func(string) string) shipForm {
	return shipForm{OrderID: get("order_id"), ServiceID: get("service_id"), Weight: get("weight_g"), L: get("l"), W: get("w"),
		H: get("h"), Currency: get("currency"), FromName: get("from_name"), FromLine1: get("from_line1"),
		FromCity: get("from_city"), FromPostcode: get("from_postcode"), FromCountry: get("from_country"),
		FromPhone: get("from_phone")}
}

func (f shipForm) from() carrier.Address {
	return carrier.Address{Name: f.FromName, Line1: f.FromLine1, City: f.FromCity, Postcode: f.FromPostcode,
		Country: strings.ToUpper(f.FromCountry), Phone: f.FromPhone}
}

func (f shipForm) parcels() []logistics.Parcel {
	return []logistics.Parcel{{WeightG: atoi(f.Weight), DimsMM: [3]int64{atoi(f.L), atoi(f.W), atoi(f.H)}}}
}

// prepare loads the order, fills defaults (the saved sender, a parcel
// estimated from the order's units) and, when the form is complete
// enough, compares the offers.
func (p *ShipmentPages) prepare(r *http.Request, d *shipNewData) error {
	f := &d.Form
	if f.FromCountry == "" {
		if a, err := p.ship.Sender(r.Context()); err == nil {
			f.FromName, f.FromLine1, f.FromCity, f.FromPostcode, f.FromCountry, f.FromPhone =
				a.Name, a.Line1, a.City, a.Postcode, a.Country, a.Phone
		}
	}
	if f.OrderID == "" {
		return nil
	}
	o, err := p.orders.Get(r.Context(), f.OrderID)
	if err != nil {
		return err
	}
	d.Order = &o
	if f.Currency == "" {
		f.Currency = o.Currency
	}
	if f.Weight == "" {
		f.Weight = strconv.FormatInt(150+300*max(o.Totals.Quantity, 1), 10)
	}
	if f.L == "" && f.W == "" && f.H == "" {
		f.L, f.W, f.H = "300", "200", "150"
	}
	if f.FromCountry == "" {
		return nil
	}
	req := rates.Request{Origin: logistics.Place{Country: f.FromCountry},
		Destination: logistics.Place{Country: o.ShipTo.Country}, Parcels: f.parcels(), Currency: f.Currency}
	if o.Totals.Lines.Amount != "" {
		req.Goods.Value = o.Totals.Lines
	}
	res, err := p.rates.Compare(r.Context(), req)
	if err != nil {
		return err
	}
	d.Result = &res
	if f.ServiceID == "" && len(res.Offers) > 0 {
		f.ServiceID = res.Offers[0].ServiceID
	}
	return nil
}

func (p *ShipmentPages) newPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d := shipNewData{Form: p.formFrom(func(k string) string { return strings.TrimSpace(q.Get(k)) })}
	v := p.view(r, "console.shipments.new.title", &d)
	return p.c.renderView(w, r, "shipment_new", v, p.prepare(r, &d))
}

func (p *ShipmentPages) create(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	d := shipNewData{Form: p.formFrom(func(k string) string { return field(r, k) })}
	from := d.Form.from()
	var created shipments.Shipment
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		// The first sender a tenant ships from becomes its default.
		if _, err := p.ship.Sender(ctx); err != nil {
			if _, err := p.ship.SetSender(ctx, from); err != nil {
				return err
			}
		}
		var e error
		created, e = p.ship.Create(ctx, shipments.NewShipment{OrderID: d.Form.OrderID, ServiceID: d.Form.ServiceID,
			Parcels: d.Form.parcels(), From: &from, Currency: d.Form.Currency})
		return e
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		v := p.view(r, "console.shipments.new.title", &d)
		v.Problem, _ = c.problemOf(r, err)
		_ = p.prepare(r, &d)
		return c.render(w, r, statusOf(err), "shipment_new", v)
	}
	return see(w, r, "/logistics/shipments/"+url.PathEscape(created.ID)+"?notice=shipment_created")
}

type trackingData struct {
	Report    *shipments.CSVReport
	EDI       *shipments.EDIResult
	Unmatched []shipments.Event
	Alerts    []shipments.Alert
}

func (p *ShipmentPages) trackingPage(w http.ResponseWriter, r *http.Request, status int, d *trackingData, perr error) error {
	un, err := p.ship.Unmatched(r.Context(), web.Page{Limit: 50})
	if err != nil {
		return p.c.fail(w, r, err)
	}
	al, err := p.ship.Alerts(r.Context(), "", web.Page{Limit: 20})
	if err != nil {
		return p.c.fail(w, r, err)
	}
	d.Unmatched, d.Alerts = un.Items, al.Items
	v := p.c.newView(r, "console.tracking.title", "/logistics/shipments", d)
	if perr != nil {
		v.Problem, _ = p.c.problemOf(r, perr)
	}
	return p.c.render(w, r, status, "tracking", v)
}

func (p *ShipmentPages) tracking(w http.ResponseWriter, r *http.Request) error {
	return p.trackingPage(w, r, http.StatusOK, &trackingData{}, nil)
}

func (p *ShipmentPages) upload(w http.ResponseWriter, r *http.Request) error {
	body, _, err := web.UploadBody(r, "text/csv")
	var rep shipments.CSVReport
	if err == nil {
		err = p.c.attempt(r.Context(), func(ctx context.Context) error {
			var e error
			rep, e = p.ship.ImportCSV(ctx, body, "console", shipments.Messages(r))
			if tl := web.TooLarge(e); tl != nil {
				return tl
			}
			return e
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		return p.trackingPage(w, r, statusOf(err), &trackingData{}, err)
	}
	return p.trackingPage(w, r, http.StatusOK, &trackingData{Report: &rep}, nil)
}

func (p *ShipmentPages) ediImport(w http.ResponseWriter, r *http.Request) error {
	res, err := p.ship.SyncEDI(r.Context())
	if err != nil {
		return err
	}
	return p.trackingPage(w, r, http.StatusOK, &trackingData{EDI: &res}, nil)
}
