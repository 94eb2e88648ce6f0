package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/logistics/claims"
	"github.com/silkgate/silkgate/internal/logistics/shipments"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Claims is what the claim pages need of the claims service.
type Claims interface {
	Create(ctx context.Context, n claims.NewClaim) (claims.Claim, error)
	Get(ctx context.Context, id string) (claims.Claim, error)
	List(ctx context.Context, f claims.Filter, pg web.Page) (web.List[claims.Claim], error)
	Transition(ctx context.Context, id string, t claims.Transition) (claims.Claim, error)
	AddEvidence(ctx context.Context, id, name string, r io.Reader) (claims.Document, error)
}

// ShipmentReader reads the shipment a claim is filed against.
type ShipmentReader interface {
	Get(ctx context.Context, id string) (shipments.Shipment, error)
}

// ClaimPages are the carrier claim pages: the list, a new claim for a
// shipment, and a claim's detail with its evidence, its timeline and the
// steps its status allows.
type ClaimPages struct {
	c      *Console
	claims Claims
	ships  ShipmentReader
}

// ClaimPages returns the claim pages over cs and s; register them with
// Routes.
func (c *Console) ClaimPages(cs Claims, s ShipmentReader) *ClaimPages {
	return &ClaimPages{c: c, claims: cs, ships: s}
}

// Routes registers the pages.
func (p *ClaimPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	evidence := page("POST", "/logistics/claims/{id}/evidence", identity.PermLogisticsWrite, p.evidence)
	evidence.MaxBody = claims.MaxEvidenceSize + 64<<10
	for _, r := range []web.Route{
		page("GET", "/logistics/claims", identity.PermLogisticsRead, p.list),
		page("GET", "/logistics/claims/new", identity.PermLogisticsWrite, p.newPage),
		page("POST", "/logistics/claims", identity.PermLogisticsWrite, p.create),
		page("GET", "/logistics/claims/{id}", identity.PermLogisticsRead, p.detail),
		page("POST", "/logistics/claims/{id}/transition", identity.PermLogisticsWrite, p.transition),
		evidence,
	} {
		rt.Handle(r)
	}
}

// claimNotices are the confirmations the pages show after a redirect.
var claimNotices = map[string]bool{"claim_created": true, "claim_updated": true, "claim_evidence_added": true}

func (p *ClaimPages) view(r *http.Request, title string, data any) *view {
	v := p.c.newView(r, title, "/logistics/claims", data)
	if n := r.URL.Query().Get("notice"); claimNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

type claimsListData struct {
	Status, Type, Carrier string
	ShipmentID            string
	Statuses              []claims.Status
	Types                 []claims.Type
	Items                 []claims.Claim
	Next, First           string
}

func (p *ClaimPages) list(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	q := r.URL.Query()
	d := claimsListData{Status: q.Get("status"), Type: q.Get("type"), Carrier: strings.TrimSpace(q.Get("carrier")),
		ShipmentID: strings.TrimSpace(q.Get("shipment_id")), Statuses: claims.Statuses, Types: claims.Types}
	pg, err := web.PageFrom(r)
	f, ferr := claims.ParseFilter(q.Get)
	if err == nil {
		err = ferr
	}
	if err != nil {
		v := p.view(r, "console.claims.title", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "claims", v)
	}
	l, err := p.claims.List(r.Context(), f, pg)
	if err != nil {
		return c.fail(w, r, err)
	}
	d.Items, d.Next = l.Items, nextURL(r, l.NextCursor)
	if pg.After != "" {
		q.Del("cursor")
		q.Del("notice")
		d.First = "/logistics/claims?" + q.Encode()
	}
	return c.render(w, r, http.StatusOK, "claims", p.view(r, "console.claims.title", d))
}

// A new claim.

type newClaimData struct {
	ShipmentID, Type, Amount, Currency, Description string
	SKU, Quantity                                   string
	Shipment                                        *shipments.Shipment
	Types                                           []claims.Type
}

func (p *ClaimPages) newData(r *http.Request, shipmentID string) (newClaimData, error) {
	d := newClaimData{ShipmentID: shipmentID, Types: claims.Types}
	if shipmentID == "" {
		return d, nil
	}
	sh, err := p.ships.Get(r.Context(), shipmentID)
	if err != nil {
		return d, err
	}
	d.Shipment, d.Currency = &sh, sh.Price.Currency
	return d, nil
}

func (p *ClaimPages) newPage(w http.ResponseWriter, r *http.Request) error {
	d, err := p.newData(r, strings.TrimSpace(r.URL.Query().Get("shipment_id")))
	v := p.view(r, "console.claims.new.title", &d)
	return p.c.renderView(w, r, "claim_new", v, err)
}

func (p *ClaimPages) create(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	d, err := p.newData(r, field(r, "shipment_id"))
	if err != nil && !refused(err) {
		return err
	}
	if err != nil {
		// The shipment is named by a field of this form: say so there.
		err = problem.Invalid(problem.Field{Field: "shipment_id", Code: "not_found"})
	}
	d.Type, d.Amount, d.Currency = field(r, "type"), field(r, "amount"), field(r, "currency")
	d.Description, d.SKU, d.Quantity = field(r, "description"), field(r, "sku"), field(r, "quantity")
	n := claims.NewClaim{ShipmentID: d.ShipmentID, Type: claims.Type(d.Type), Description: d.Description,
		ClaimedAmount: money.Money{Amount: d.Amount, Currency: d.Currency}}
	if d.SKU != "" || d.Quantity != "" {
		q, perr := strconv.ParseInt(d.Quantity, 10, 64)
		if perr != nil {
			q = 0 // not a number: the service names the quantity
		}
		n.Lines = []claims.Line{{SKU: d.SKU, Quantity: q}}
	}
	var created claims.Claim
	if err == nil {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			var e error
			created, e = p.claims.Create(ctx, n)
			return e
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		v := p.view(r, "console.claims.new.title", &d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "claim_new", v)
	}
	return see(w, r, "/logistics/claims/"+url.PathEscape(created.ID)+"?notice=claim_created")
}

// A claim's detail.

type claimData struct {
	C    claims.Claim
	Next []claims.Status
	// Open says evidence may still be added.
	Open                        bool
	Note, Reason, Settled, CRef string
}

func (p *ClaimPages) data(cl claims.Claim) *claimData {
	d := &claimData{C: cl, Next: cl.Status.Next(), Settled: cl.ClaimedAmount.Amount, CRef: cl.CarrierReference}
	d.Open = cl.Status == claims.Filed || cl.Status == claims.Submitted || cl.Status == claims.UnderReview
	return d
}

func (p *ClaimPages) detail(w http.ResponseWriter, r *http.Request) error {
	cl, err := p.claims.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return p.c.render(w, r, http.StatusOK, "claim", p.view(r, "console.claims.detail.title", p.data(cl)))
}

// refusedStep renders the detail page again with the refusal and what
// the person typed.
func (p *ClaimPages) refusedStep(w http.ResponseWriter, r *http.Request, id string, err error, keep func(d *claimData)) error {
	cl, gerr := p.claims.Get(r.Context(), id)
	if gerr != nil {
		return p.c.fail(w, r, gerr)
	}
	d := p.data(cl)
	if keep != nil {
		keep(d)
	}
	v := p.view(r, "console.claims.detail.title", d)
	v.Problem, _ = p.c.problemOf(r, err)
	return p.c.render(w, r, statusOf(err), "claim", v)
}

func (p *ClaimPages) transition(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	id := r.PathValue("id")
	t := claims.Transition{To: claims.Status(field(r, "to")), Note: field(r, "note"), Reason: field(r, "reason"),
		CarrierReference: field(r, "carrier_reference")}
	if t.To == claims.Approved {
		t.SettledAmount = &money.Money{Amount: field(r, "settled_amount"), Currency: field(r, "currency")}
	}
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.claims.Transition(ctx, id, t)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return p.refusedStep(w, r, id, err, func(d *claimData) {
			d.Note, d.Reason, d.CRef = t.Note, t.Reason, t.CarrierReference
			if t.SettledAmount != nil {
				d.Settled = t.SettledAmount.Amount
			}
		})
	}
	return see(w, r, "/logistics/claims/"+url.PathEscape(id)+"?notice=claim_updated")
}

func (p *ClaimPages) evidence(w http.ResponseWriter, r *http.Request) error {
	c := p.c
	id := r.PathValue("id")
	part, err := uploadedFile(r, nil)
	if err == nil {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			_, e := p.claims.AddEvidence(ctx, id, part.FileName(), part)
			return e
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		return p.refusedStep(w, r, id, err, nil)
	}
	return see(w, r, "/logistics/claims/"+url.PathEscape(id)+"?notice=claim_evidence_added")
}
