package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/credit"
	"github.com/silkgate/silkgate/internal/settlement/insurance"
)

// Insurer is what the insurance pages need of the insurance service.
type Insurer interface {
	Tariff() *insurance.Tariff
	CreateQuote(ctx context.Context, req insurance.QuoteRequest) (insurance.Quote, error)
	GetQuote(ctx context.Context, id string) (insurance.Quote, error)
	Bind(ctx context.Context, req insurance.BindRequest) (insurance.Policy, error)
	GetPolicy(ctx context.Context, id string) (insurance.Policy, error)
	ListPolicies(ctx context.Context, f insurance.PolicyFilter, pg web.Page) (web.List[insurance.Policy], error)
	FileClaim(ctx context.Context, policyID string, req insurance.ClaimRequest) (insurance.Claim, error)
	Claims(ctx context.Context, policyID string) ([]insurance.Claim, error)
	GetClaim(ctx context.Context, id string) (insurance.Claim, error)
	MoveClaim(ctx context.Context, id string, m insurance.ClaimMove) (insurance.Claim, error)
}

// CreditDesk is what the credit pages need of the credit service.
type CreditDesk interface {
	SetLimit(ctx context.Context, buyer string, req credit.LimitRequest) (credit.Limit, error)
	ListLimits(ctx context.Context, after string, limit int) ([]credit.Limit, error)
	Issue(ctx context.Context, req credit.GuaranteeRequest) (credit.Guarantee, error)
	ListGuarantees(ctx context.Context, buyer, status, after string, limit int) ([]credit.Guarantee, error)
	Release(ctx context.Context, id string) (credit.Guarantee, error)
	Check(ctx context.Context, req credit.CheckRequest) (credit.CheckResult, error)
}

// InsurancePages are the cargo insurance pages (quote → bind →
// certificate, policies, claims) and the credit guarantee pages (buyer
// limits, guarantees, open-account check), clause 6.3.2.3.
type InsurancePages struct {
	c      *Console
	ins    Insurer
	credit CreditDesk
}

// InsurancePages returns the pages; register them with Routes.
func (c *Console) InsurancePages(i Insurer, cd CreditDesk) *InsurancePages {
	return &InsurancePages{c: c, ins: i, credit: cd}
}

// Routes registers the pages.
func (p *InsurancePages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/settlement/insurance", identity.PermSettlementRead, p.insurancePage),
		page("POST", "/settlement/insurance/quotes", identity.PermSettlementWrite, p.quote),
		page("POST", "/settlement/insurance/policies", identity.PermSettlementWrite, p.bind),
		page("GET", "/settlement/insurance/policies/{id}", identity.PermSettlementRead, p.policyPage),
		page("POST", "/settlement/insurance/policies/{id}/claims", identity.PermSettlementWrite, p.claim),
		page("POST", "/settlement/insurance/claims/{id}/status", identity.PermSettlementWrite, p.moveClaim),
		page("GET", "/settlement/credit", identity.PermSettlementRead, p.creditPage),
		page("POST", "/settlement/credit/limits", identity.PermSettlementWrite, p.setLimit),
		page("POST", "/settlement/credit/guarantees", identity.PermSettlementWrite, p.issue),
		page("POST", "/settlement/credit/guarantees/{id}/release", identity.PermSettlementWrite, p.release),
	} {
		rt.Handle(r)
	}
}

// insNotices are the confirmations the pages' redirects may ask for.
var insNotices = map[string]string{
	"bound": "console.insurance.notice.bound", "claimed": "console.insurance.notice.claimed",
	"moved": "console.insurance.notice.moved", "limit": "console.credit.notice.limit",
	"issued": "console.credit.notice.issued", "released": "console.credit.notice.released",
}

// The pages' templates, titles and confirmations.
var (
	insuranceSpec = pageSpec{Name: "insurance", Title: "console.insurance.title", Active: "/settlement/insurance", Notices: insNotices}
	policySpec    = pageSpec{Name: "insurance_policy", Title: "console.insurance.policy", Active: "/settlement/insurance", Notices: insNotices}
	creditSpec    = pageSpec{Name: "credit", Title: "console.credit.title", Active: "/settlement/credit", Notices: insNotices}
)

type insQuoteForm struct {
	Value, Currency, Incoterm, Freight, Commodity, Transport, From, To, Uplift string
}

type insQuoteView struct {
	insurance.Quote
	Insured, Premium, CIF, Deductible string
	Expired                           bool
}

type insPolicyRow struct {
	insurance.Policy
	InsuredText, PremiumText string
}

type insuranceData struct {
	Form        insQuoteForm
	Quote       *insQuoteView
	Commodities []string
	Transports  []string
	Incoterms   []string
	Currencies  []string
	Tariff      string
	Policies    []insPolicyRow
}

func (p *InsurancePages) insuranceData(r *http.Request) (insuranceData, error) {
	t := p.ins.Tariff()
	d := insuranceData{Form: insQuoteForm{Currency: "USD", Incoterm: "CIF", Commodity: "general", Transport: "sea", From: "CN"},
		Commodities: t.CommodityClasses(), Transports: insurance.Transports, Currencies: t.Currencies(),
		Incoterms: []string{"CIF", "CIP", "CFR", "CPT", "FOB", "FCA", "FAS", "EXW", "DAP", "DPU", "DDP"},
		Tariff:    t.Version}
	l, err := p.ins.ListPolicies(r.Context(), insurance.PolicyFilter{}, web.Page{Limit: 20})
	if err != nil {
		return d, err
	}
	for _, pol := range l.Items {
		d.Policies = append(d.Policies, insPolicyRow{Policy: pol, InsuredText: formatMoney(lang(r), pol.Quote.InsuredValue),
			PremiumText: formatMoney(lang(r), pol.Quote.Premium)})
	}
	return d, nil
}

func (p *InsurancePages) quoteView(r *http.Request, q insurance.Quote) *insQuoteView {
	l := lang(r)
	v := &insQuoteView{Quote: q, Insured: formatMoney(l, q.InsuredValue), Premium: formatMoney(l, q.Premium),
		CIF: formatMoney(l, q.CIF), Expired: !time.Now().Before(q.ExpiresAt)}
	if q.Deductible != nil {
		v.Deductible = formatMoney(l, *q.Deductible)
	}
	return v
}

func (p *InsurancePages) insurancePage(w http.ResponseWriter, r *http.Request) error {
	d, err := p.insuranceData(r)
	if err != nil {
		return err
	}
	if id := r.URL.Query().Get("quote"); id != "" {
		q, err := p.ins.GetQuote(r.Context(), id)
		if err != nil {
			return p.c.fail(w, r, err)
		}
		d.Quote = p.quoteView(r, q)
	}
	return p.c.renderPage(w, r, http.StatusOK, insuranceSpec, d, nil)
}

func (p *InsurancePages) quote(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	f := insQuoteForm{Value: field(r, "value"), Currency: field(r, "currency"), Incoterm: field(r, "incoterm"),
		Freight: field(r, "freight"), Commodity: field(r, "commodity"), Transport: field(r, "transport"),
		From: field(r, "from"), To: field(r, "to"), Uplift: field(r, "uplift_percent")}
	req := insurance.QuoteRequest{CargoValue: money.Money{Amount: f.Value, Currency: f.Currency}, Incoterm: f.Incoterm,
		Commodity: f.Commodity, Transport: f.Transport, Route: insurance.Route{From: f.From, To: f.To}, UpliftPercent: f.Uplift}
	if f.Freight != "" {
		req.Freight = &money.Money{Amount: f.Freight, Currency: f.Currency}
	}
	var q insurance.Quote
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		q, err = p.ins.CreateQuote(ctx, req)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.insuranceData(r)
		if derr != nil {
			return derr
		}
		d.Form = f
		return p.c.renderPage(w, r, statusOf(err), insuranceSpec, d, err)
	}
	return see(w, r, "/settlement/insurance?quote="+url.QueryEscape(q.ID)+"#quote")
}

func (p *InsurancePages) bind(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	req := insurance.BindRequest{QuoteID: field(r, "quote_id"), ShipmentID: field(r, "shipment_id"), OrderID: field(r, "order_id"),
		Insured:          insurance.Party{Name: field(r, "insured_name"), Address: field(r, "insured_address"), Country: field(r, "insured_country")},
		Beneficiary:      field(r, "beneficiary"),
		CargoDescription: field(r, "cargo_description")}
	var pol insurance.Policy
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		pol, err = p.ins.Bind(ctx, req)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.insuranceData(r)
		if derr != nil {
			return derr
		}
		if q, qerr := p.ins.GetQuote(r.Context(), req.QuoteID); qerr == nil {
			d.Quote = p.quoteView(r, q)
		}
		return p.c.renderPage(w, r, statusOf(err), insuranceSpec, d, err)
	}
	return see(w, r, "/settlement/insurance/policies/"+url.PathEscape(pol.ID)+"?done=bound")
}

type insClaimRow struct {
	insurance.Claim
	AmountText, PayableText string
	Next                    []string
}

type insPolicyData struct {
	Policy    insurance.Policy
	Quote     *insQuoteView
	Claims    []insClaimRow
	LossTypes []string
	Form      struct{ LossType, Amount, Description, Documents string }
}

var insClaimNext = map[string][]string{
	insurance.ClaimSubmitted:   {insurance.ClaimUnderReview},
	insurance.ClaimUnderReview: {insurance.ClaimApproved, insurance.ClaimRejected},
	insurance.ClaimApproved:    {insurance.ClaimPaid},
}

func (p *InsurancePages) policyData(r *http.Request, id string) (insPolicyData, error) {
	pol, err := p.ins.GetPolicy(r.Context(), id)
	if err != nil {
		return insPolicyData{}, err
	}
	d := insPolicyData{Policy: pol, Quote: p.quoteView(r, pol.Quote), LossTypes: insurance.LossTypes}
	cs, err := p.ins.Claims(r.Context(), id)
	if err != nil {
		return d, err
	}
	for _, c := range cs {
		row := insClaimRow{Claim: c, AmountText: formatMoney(lang(r), c.Amount), Next: insClaimNext[c.Status]}
		if c.Payable != nil {
			row.PayableText = formatMoney(lang(r), *c.Payable)
		}
		d.Claims = append(d.Claims, row)
	}
	return d, nil
}

func (p *InsurancePages) policyPage(w http.ResponseWriter, r *http.Request) error {
	d, err := p.policyData(r, r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return p.c.renderPage(w, r, http.StatusOK, policySpec, d, nil)
}

func (p *InsurancePages) claim(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	pol, err := p.ins.GetPolicy(r.Context(), id)
	if err != nil {
		return p.c.fail(w, r, err)
	}
	req := insurance.ClaimRequest{LossType: field(r, "loss_type"), Description: field(r, "description"),
		Amount: money.Money{Amount: field(r, "amount"), Currency: pol.Quote.InsuredValue.Currency}}
	for _, line := range splitLines(field(r, "documents")) {
		req.Documents = append(req.Documents, insurance.Document{Name: line})
	}
	err = p.c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.ins.FileClaim(ctx, id, req)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.policyData(r, id)
		if derr != nil {
			return derr
		}
		d.Form.LossType, d.Form.Amount, d.Form.Description, d.Form.Documents = req.LossType, req.Amount.Amount,
			req.Description, field(r, "documents")
		return p.c.renderPage(w, r, statusOf(err), policySpec, d, err)
	}
	return see(w, r, "/settlement/insurance/policies/"+url.PathEscape(id)+"?done=claimed#claims")
}

func (p *InsurancePages) moveClaim(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	m := insurance.ClaimMove{Status: field(r, "status"), Reason: field(r, "reason")}
	var c insurance.Claim
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		cl, err := p.ins.GetClaim(ctx, r.PathValue("id"))
		if err != nil {
			return err
		}
		c = cl
		if a := field(r, "assessed_amount"); a != "" {
			m.AssessedAmount = &money.Money{Amount: a, Currency: cl.Amount.Currency}
		}
		c, err = p.ins.MoveClaim(ctx, cl.ID, m)
		return err
	})
	if err != nil {
		if !refused(err) || c.PolicyID == "" {
			return p.c.fail(w, r, err)
		}
		d, derr := p.policyData(r, c.PolicyID)
		if derr != nil {
			return derr
		}
		return p.c.renderPage(w, r, statusOf(err), policySpec, d, err)
	}
	return see(w, r, "/settlement/insurance/policies/"+url.PathEscape(c.PolicyID)+"?done=moved#claims")
}

type creditLimitRow struct {
	credit.Limit
	LimitText, ExposureText, AvailableText string
}

type creditGuaranteeRow struct {
	credit.Guarantee
	AmountText, FeeText string
}

type creditData struct {
	Limits     []creditLimitRow
	Guarantees []creditGuaranteeRow
	Grades     []string
	Check      *credit.CheckResult
	CheckForm  struct{ Buyer, Amount, Currency string }
	LimitForm  struct{ Buyer, Amount, Currency, Grade string }
	GForm      struct{ Buyer, Amount, Currency, Days, Rate string }
}

func (p *InsurancePages) creditData(r *http.Request) (creditData, error) {
	l := lang(r)
	d := creditData{Grades: []string{"A", "B", "C", "D", "E"}}
	d.LimitForm.Currency, d.LimitForm.Grade, d.GForm.Currency, d.GForm.Days, d.CheckForm.Currency = "USD", "B", "USD", "90", "USD"
	ls, err := p.credit.ListLimits(r.Context(), "", 200)
	if err != nil {
		return d, err
	}
	for _, it := range ls {
		d.Limits = append(d.Limits, creditLimitRow{Limit: it, LimitText: formatMoney(l, it.Limit),
			ExposureText: formatMoney(l, it.Exposure), AvailableText: formatMoney(l, it.Available)})
	}
	gs, err := p.credit.ListGuarantees(r.Context(), "", "", "", 50)
	if err != nil {
		return d, err
	}
	for _, g := range gs {
		d.Guarantees = append(d.Guarantees, creditGuaranteeRow{Guarantee: g, AmountText: formatMoney(l, g.Amount), FeeText: formatMoney(l, g.Fee)})
	}
	return d, nil
}

func (p *InsurancePages) creditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var checkErr error
	var res credit.CheckResult
	if b := q.Get("buyer"); b != "" {
		res, checkErr = p.credit.Check(r.Context(), credit.CheckRequest{Buyer: b,
			Amount: money.Money{Amount: q.Get("amount"), Currency: q.Get("currency")}})
		if checkErr != nil && !refused(checkErr) {
			return checkErr
		}
	}
	d, err := p.creditData(r)
	if err != nil {
		return err
	}
	if b := q.Get("buyer"); b != "" {
		d.CheckForm.Buyer, d.CheckForm.Amount, d.CheckForm.Currency = b, q.Get("amount"), q.Get("currency")
		if checkErr == nil {
			d.Check = &res
		}
	}
	status := http.StatusOK
	if checkErr != nil {
		status = statusOf(checkErr)
	}
	return p.c.renderPage(w, r, status, creditSpec, d, checkErr)
}

func (p *InsurancePages) setLimit(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	buyer := field(r, "buyer")
	req := credit.LimitRequest{Limit: money.Money{Amount: field(r, "limit"), Currency: field(r, "currency")}, Grade: field(r, "grade")}
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.credit.SetLimit(ctx, buyer, req)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.creditData(r)
		if derr != nil {
			return derr
		}
		d.LimitForm.Buyer, d.LimitForm.Amount, d.LimitForm.Currency, d.LimitForm.Grade = buyer, req.Limit.Amount, req.Limit.Currency, req.Grade
		return p.c.renderPage(w, r, statusOf(err), creditSpec, d, err)
	}
	return see(w, r, "/settlement/credit?done=limit")
}

func (p *InsurancePages) issue(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	days := int(atoi(field(r, "days")))
	req := credit.GuaranteeRequest{Buyer: field(r, "buyer"), Amount: money.Money{Amount: field(r, "amount"), Currency: field(r, "currency")},
		Days: days, AnnualRate: field(r, "annual_rate")}
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.credit.Issue(ctx, req)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.creditData(r)
		if derr != nil {
			return derr
		}
		d.GForm.Buyer, d.GForm.Amount, d.GForm.Currency, d.GForm.Days, d.GForm.Rate = req.Buyer, req.Amount.Amount,
			req.Amount.Currency, field(r, "days"), req.AnnualRate
		return p.c.renderPage(w, r, statusOf(err), creditSpec, d, err)
	}
	return see(w, r, "/settlement/credit?done=issued#guarantees")
}

func (p *InsurancePages) release(w http.ResponseWriter, r *http.Request) error {
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := p.credit.Release(ctx, r.PathValue("id"))
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		if pe, ok := problem.As(err); ok && pe.Status == http.StatusNotFound {
			return p.c.fail(w, r, err)
		}
		d, derr := p.creditData(r)
		if derr != nil {
			return derr
		}
		return p.c.renderPage(w, r, statusOf(err), creditSpec, d, err)
	}
	return see(w, r, "/settlement/credit?done=released#guarantees")
}

// splitLines returns the non-empty lines of s, trimmed: one document
// name per line in the claim form.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
