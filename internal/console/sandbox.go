package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/connectors/carrier/sandboxcarrier"
	"github.com/silkgate/silkgate/internal/connectors/payment/sandboxpay"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/orders/ordergen"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/sandbox"
)

// Sandbox is what the console needs of the simulated partners.
type Sandbox interface {
	PushOrders(ctx context.Context, pr sandbox.PushRequest) (sandbox.PushResult, error)
	CreateLabel(ctx context.Context, lr sandbox.LabelRequest) (sandbox.Shipment, error)
	Advance(ctx context.Context, number string) (sandbox.Shipment, error)
	Shipments(ctx context.Context, limit int) ([]sandbox.Shipment, error)
	Label(ctx context.Context, number string) ([]byte, error)
}

// SandboxOrders lists orders (the sandbox's, in a sandbox scope).
type SandboxOrders interface {
	List(ctx context.Context, f orders.Filter, pg web.Page) (web.List[orders.Order], error)
}

// SandboxPages is the sandbox page: the guide's essentials with the
// tenant's own values, the test cards, and buttons that drive the
// simulated partners. A console session is a live credential, so the page
// acts on the signed-in tenant's sandbox data set explicitly; nothing it
// does touches live data.
type SandboxPages struct {
	c      *Console
	sb     Sandbox
	orders SandboxOrders
}

// SandboxPages returns the sandbox page over sb; register it with Routes.
func (c *Console) SandboxPages(sb Sandbox, o SandboxOrders) *SandboxPages {
	return &SandboxPages{c: c, sb: sb, orders: o}
}

// Routes registers the sandbox page and its actions on rt.
func (sp *SandboxPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/sandbox", identity.PermDataRead, sp.sandboxPage),
		page("POST", "/sandbox/orders", identity.PermDataWrite, sp.pushOrders),
		page("POST", "/sandbox/labels", identity.PermLogisticsWrite, sp.createLabel),
		page("GET", "/sandbox/labels/{file}", identity.PermLogisticsRead, sp.labelPDF),
		page("POST", "/sandbox/tracking/{tracking_number}/advance", identity.PermLogisticsWrite, sp.advance),
	} {
		rt.Handle(r)
	}
}

type sandboxData struct {
	BaseURL  string
	TenantID string
	Cards    []sandboxCard
	OTP      string
	Triggers []sandboxTrigger
	Channels []string
	Services []string
	Speed    int
	Orders   []orders.Order
	Ships    []sandbox.Shipment
	// Outcome of the last action, from the redirect's query.
	Pushed   int
	Tracking string
	// The forms as typed, when refused.
	Count, Channel, OrderID, Service, Scenario string
}

type sandboxCard struct {
	sandboxpay.TestCard
	Spaced string
}

type sandboxTrigger struct{ Postcode, Scenario string }

func (sp *SandboxPages) data(r *http.Request) (sandboxData, error) {
	ctx, err := sandbox.InSandbox(r.Context())
	if err != nil {
		return sandboxData{}, err
	}
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	sc, _ := db.ScopeFrom(ctx)
	d := sandboxData{BaseURL: scheme + "://" + r.Host, TenantID: sc.TenantID, OTP: sandboxpay.TestOTP,
		Channels: ordergen.Channels(), Services: []string{"standard", "express", "economy"}, Speed: sandboxcarrier.Speed,
		Count: "10", Service: "standard"}
	for _, c := range sandboxpay.TestCards {
		d.Cards = append(d.Cards, sandboxCard{TestCard: c, Spaced: spacedCard(c.Number)})
	}
	for _, p := range []string{"SBX-ADDRESS", "SBX-CUSTOMS", "SBX-LOST", "SBX-RETURN"} {
		d.Triggers = append(d.Triggers, sandboxTrigger{Postcode: p, Scenario: string(sandboxcarrier.TriggerPostcodes[p])})
	}
	l, err := sp.orders.List(ctx, orders.Filter{}, web.Page{Limit: 10})
	if err != nil {
		return sandboxData{}, err
	}
	d.Orders = l.Items
	if d.Ships, err = sp.sb.Shipments(ctx, 10); err != nil {
		return sandboxData{}, err
	}
	q := r.URL.Query()
	if n, err := strconv.Atoi(q.Get("pushed")); err == nil && n >= 0 {
		d.Pushed = n
	}
	if t := q.Get("tracking"); sandboxcarrier.ValidNumber(t) {
		d.Tracking = t
	}
	return d, nil
}

func spacedCard(n string) string {
	var b strings.Builder
	for i, c := range n {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (sp *SandboxPages) render(w http.ResponseWriter, r *http.Request, status int, d sandboxData, err error) error {
	v := sp.c.newView(r, "console.nav.sandbox", "/sandbox", d)
	if err != nil {
		fp, ok := sp.c.problemOf(r, err)
		if !ok {
			return err
		}
		v.Problem = fp
	}
	return sp.c.render(w, r, status, "sandbox", v)
}

func (sp *SandboxPages) sandboxPage(w http.ResponseWriter, r *http.Request) error {
	d, err := sp.data(r)
	if err != nil {
		return err
	}
	return sp.render(w, r, http.StatusOK, d, nil)
}

// refuse answers a refused form with the page, the form as typed and the
// problem.
func (sp *SandboxPages) refuse(w http.ResponseWriter, r *http.Request, err error, keep func(*sandboxData)) error {
	if !refused(err) {
		return err
	}
	d, derr := sp.data(r)
	if derr != nil {
		return derr
	}
	keep(&d)
	return sp.render(w, r, statusOf(err), d, err)
}

func (sp *SandboxPages) pushOrders(w http.ResponseWriter, r *http.Request) error {
	count, channel := field(r, "count"), field(r, "channel")
	n, cerr := strconv.Atoi(count)
	if cerr != nil {
		n = 0
	}
	var res sandbox.PushResult
	err := sp.c.attempt(r.Context(), func(ctx context.Context) error {
		ctx, err := sandbox.InSandbox(ctx)
		if err != nil {
			return err
		}
		res, err = sp.sb.PushOrders(ctx, sandbox.PushRequest{Count: n, Channel: channel})
		return err
	})
	if err != nil {
		return sp.refuse(w, r, err, func(d *sandboxData) { d.Count, d.Channel = count, channel })
	}
	return see(w, r, "/sandbox?pushed="+strconv.Itoa(res.Accepted)+"#orders")
}

func (sp *SandboxPages) createLabel(w http.ResponseWriter, r *http.Request) error {
	lr := sandbox.LabelRequest{OrderID: field(r, "order_id"), Service: field(r, "service"), Scenario: field(r, "scenario")}
	var sh sandbox.Shipment
	err := sp.c.attempt(r.Context(), func(ctx context.Context) error {
		ctx, err := sandbox.InSandbox(ctx)
		if err != nil {
			return err
		}
		sh, err = sp.sb.CreateLabel(ctx, lr)
		return err
	})
	if err != nil {
		return sp.refuse(w, r, err, func(d *sandboxData) { d.OrderID, d.Service, d.Scenario = lr.OrderID, lr.Service, lr.Scenario })
	}
	return see(w, r, "/sandbox?tracking="+url.QueryEscape(sh.TrackingNumber)+"#parcels")
}

func (sp *SandboxPages) advance(w http.ResponseWriter, r *http.Request) error {
	number := r.PathValue("tracking_number")
	err := sp.c.attempt(r.Context(), func(ctx context.Context) error {
		ctx, err := sandbox.InSandbox(ctx)
		if err != nil {
			return err
		}
		_, err = sp.sb.Advance(ctx, number)
		return err
	})
	if err != nil {
		return sp.refuse(w, r, err, func(*sandboxData) {})
	}
	return see(w, r, "/sandbox?tracking="+url.QueryEscape(number)+"#parcels")
}

func (sp *SandboxPages) labelPDF(w http.ResponseWriter, r *http.Request) error {
	number, ok := strings.CutSuffix(r.PathValue("file"), ".pdf")
	if !ok {
		return sp.c.fail(w, r, problem.ErrNotFound)
	}
	ctx, err := sandbox.InSandbox(r.Context())
	if err != nil {
		return err
	}
	pdf, err := sp.sb.Label(ctx, number)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+strings.ToUpper(number)+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}
