package console

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// Payouts is what the payout, statement and reconciliation pages need of
// the settlement flows.
type Payouts interface {
	Rails(ctx context.Context) []rails.Info
	ListPayoutAccounts(ctx context.Context, p web.Page) (web.List[payouts.SellerBalance], error)
	ListBatches(ctx context.Context, p web.Page) (web.List[payouts.Batch], error)
	GetBatch(ctx context.Context, id string) (payouts.Batch, error)
	CreateBatch(ctx context.Context, in payouts.BatchInput) (payouts.Batch, bool, error)
	Refresh(ctx context.Context, id string) (payouts.IntakeResult, error)
	MarkSent(ctx context.Context, id string) (payouts.Batch, error)
	IntakeStatusReport(ctx context.Context, data []byte) (payouts.IntakeResult, error)
	Statement(ctx context.Context, req payouts.StatementRequest) (payouts.Statement, error)
	Reconcile(ctx context.Context, fileName string, data []byte) (payouts.Reconciliation, error)
	ListReconciliations(ctx context.Context, p web.Page) (web.List[payouts.Reconciliation], error)
	GetReconciliation(ctx context.Context, id string) (payouts.Reconciliation, error)
}

// PayoutPages are the settlement flows' pages: sellers' payable balances
// and payout batches, statements to download, and bank file
// reconciliation.
type PayoutPages struct {
	c   *Console
	svc Payouts
}

// PayoutPages returns the pages; register them with Routes.
func (c *Console) PayoutPages(s Payouts) *PayoutPages { return &PayoutPages{c: c, svc: s} }

// Routes registers the pages.
func (p *PayoutPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	// The bank file is read from the form as it streams in; Reconcile
	// keeps its own transaction.
	upload := page("POST", "/settlement/reconciliation", identity.PermSettlementWrite, p.reconcile)
	upload.Stream, upload.MaxBody = true, iso20022.MaxFileBytes
	// So is the bank's status report on a batch; the intake keeps its own
	// transaction too.
	report := page("POST", "/settlement/payouts/batches/{id}/report", identity.PermSettlementWrite, p.uploadReport)
	report.Stream, report.MaxBody = true, iso20022.MaxFileBytes
	for _, r := range []web.Route{
		page("GET", "/settlement/payouts", identity.PermSettlementRead, p.payoutsPage),
		page("POST", "/settlement/payouts/batches", identity.PermSettlementWrite, p.createBatch),
		page("GET", "/settlement/payouts/batches/{id}", identity.PermSettlementRead, p.batchPage),
		page("POST", "/settlement/payouts/batches/{id}/refresh", identity.PermSettlementWrite, p.refresh),
		page("POST", "/settlement/payouts/batches/{id}/sent", identity.PermSettlementWrite, p.markSent),
		report,
		page("GET", "/settlement/statements", identity.PermSettlementRead, p.statementsPage),
		page("GET", "/settlement/reconciliation", identity.PermSettlementRead, p.reconciliationPage),
		upload,
		page("GET", "/settlement/reconciliation/{id}", identity.PermSettlementRead, p.reportPage),
	} {
		rt.Handle(r)
	}
}

type batchForm struct{ Key, Rail, Currency string }

type sellerRow struct {
	payouts.SellerBalance
	AvailableText, PostedText, PendingText string
}

type batchRow struct {
	payouts.Batch
	TotalText string
}

type payoutsData struct {
	Sellers []sellerRow
	Batches []batchRow
	Rails   []rails.Info
	Form    batchForm
}

func (p *PayoutPages) data(r *http.Request, f batchForm) (payoutsData, error) {
	l := lang(r)
	d := payoutsData{Rails: p.svc.Rails(r.Context()), Form: f}
	if d.Form.Key == "" {
		// A fresh key per form: submitting twice pays once.
		d.Form.Key = ids.New("pay")
	}
	accts, err := p.svc.ListPayoutAccounts(r.Context(), web.Page{Limit: 200})
	if err != nil {
		return d, err
	}
	for _, a := range accts.Items {
		d.Sellers = append(d.Sellers, sellerRow{SellerBalance: a, AvailableText: formatMoney(l, a.Balance.Available),
			PostedText: formatMoney(l, a.Balance.Posted), PendingText: formatMoney(l, a.Balance.DebitsPending)})
	}
	bs, err := p.svc.ListBatches(r.Context(), web.Page{Limit: 50})
	if err != nil {
		return d, err
	}
	for _, b := range bs.Items {
		d.Batches = append(d.Batches, batchRow{Batch: b, TotalText: formatMoney(l, b.Total)})
	}
	return d, nil
}

func (p *PayoutPages) payoutsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := p.data(r, batchForm{})
	if err != nil {
		return err
	}
	return p.c.render(w, r, http.StatusOK, "payouts", p.c.newView(r, "console.payouts.title", "/settlement/payouts", d))
}

func (p *PayoutPages) createBatch(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	f := batchForm{Key: field(r, "idempotency_key"), Rail: field(r, "rail"), Currency: field(r, "currency")}
	var b payouts.Batch
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		b, _, err = p.svc.CreateBatch(ctx, payouts.BatchInput{IdempotencyKey: f.Key, Rail: f.Rail, Currency: f.Currency})
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.data(r, f)
		if derr != nil {
			return derr
		}
		v := p.c.newView(r, "console.payouts.title", "/settlement/payouts", d)
		v.Problem, _ = p.c.problemOf(r, err)
		return p.c.render(w, r, statusOf(err), "payouts", v)
	}
	return see(w, r, "/settlement/payouts/batches/"+url.PathEscape(b.ID))
}

type payoutRow struct {
	payouts.Payout
	AmountText string
}

type batchData struct {
	Batch   batchRow
	Payouts []payoutRow
	Applied int
	Shown   bool
}

func (p *PayoutPages) batchPage(w http.ResponseWriter, r *http.Request) error {
	b, err := p.svc.GetBatch(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return p.renderBatch(w, r, b, -1)
}

func (p *PayoutPages) renderBatch(w http.ResponseWriter, r *http.Request, b payouts.Batch, applied int) error {
	l := lang(r)
	d := batchData{Batch: batchRow{Batch: b, TotalText: formatMoney(l, b.Total)}, Applied: applied, Shown: applied >= 0}
	for _, po := range b.Payouts {
		d.Payouts = append(d.Payouts, payoutRow{Payout: po, AmountText: formatMoney(l, po.Amount)})
	}
	return p.c.render(w, r, http.StatusOK, "payout_batch", p.c.newView(r, "console.payouts.batch", "/settlement/payouts", d))
}

func (p *PayoutPages) refresh(w http.ResponseWriter, r *http.Request) error {
	res, err := p.svc.Refresh(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.renderBatch(w, r, res.Batch, res.Applied)
}

// markSent records that the batch's bank file was uploaded to the bank.
func (p *PayoutPages) markSent(w http.ResponseWriter, r *http.Request) error {
	b, err := p.svc.MarkSent(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return see(w, r, "/settlement/payouts/batches/"+url.PathEscape(b.ID))
}

// uploadReport applies the bank's pacs.002, pain.002 or camt.054 and shows
// the batch with what it changed.
func (p *PayoutPages) uploadReport(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	b, err := p.svc.GetBatch(r.Context(), id)
	if err != nil {
		return p.c.fail(w, r, err)
	}
	again := func(err error) error {
		if !refused(err) {
			return err
		}
		l := lang(r)
		d := batchData{Batch: batchRow{Batch: b, TotalText: formatMoney(l, b.Total)}}
		for _, po := range b.Payouts {
			d.Payouts = append(d.Payouts, payoutRow{Payout: po, AmountText: formatMoney(l, po.Amount)})
		}
		v := p.c.newView(r, "console.payouts.batch", "/settlement/payouts", d)
		v.Problem, _ = p.c.problemOf(r, err)
		return p.c.render(w, r, statusOf(err), "payout_batch", v)
	}
	part, err := uploadedFile(r, map[string]*string{})
	if err != nil {
		return again(err)
	}
	defer part.Close()
	data, err := io.ReadAll(io.LimitReader(part, iso20022.MaxFileBytes+1))
	if err != nil {
		return again(problem.Invalid(problem.Field{Field: "file", Code: "file_unreadable", Params: []any{"reason", err.Error()}}))
	}
	res, err := p.svc.IntakeStatusReport(r.Context(), data)
	if err != nil {
		return again(err)
	}
	if b, err = p.svc.GetBatch(r.Context(), id); err != nil {
		return err
	}
	return p.renderBatch(w, r, b, res.Applied)
}

type statementData struct {
	SellerID, From, To, Currency string
	Statement                    *payouts.Statement
	Query                        string
	Sellers                      []string
}

func (p *PayoutPages) statementsPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	now := time.Now().UTC()
	d := statementData{SellerID: q.Get("seller_id"), From: q.Get("from"), To: q.Get("to"), Currency: q.Get("currency")}
	if d.From == "" {
		d.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	if d.To == "" {
		d.To = now.Format(time.DateOnly)
	}
	if accts, err := p.svc.ListPayoutAccounts(r.Context(), web.Page{Limit: 200}); err == nil {
		for _, a := range accts.Items {
			d.Sellers = append(d.Sellers, a.SellerID)
		}
	}
	v := p.c.newView(r, "console.statements.title", "/settlement/statements", &d)
	status := http.StatusOK
	if d.SellerID != "" {
		st, err := p.svc.Statement(r.Context(), payouts.StatementRequest{SellerID: d.SellerID, Currency: d.Currency, From: d.From, To: d.To})
		if err != nil {
			if !refused(err) {
				return err
			}
			v.Problem, _ = p.c.problemOf(r, err)
			status = statusOf(err)
		} else {
			d.Statement = &st
			d.Query = url.Values{"seller_id": {st.SellerID}, "currency": {st.Currency}, "from": {st.From}, "to": {st.To}}.Encode()
		}
	}
	return p.c.render(w, r, status, "statements", v)
}

type reconData struct {
	Reports []payouts.Reconciliation
}

func (p *PayoutPages) reconciliationPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderRecon(w, r, http.StatusOK, nil)
}

func (p *PayoutPages) renderRecon(w http.ResponseWriter, r *http.Request, status int, fp *formProblem) error {
	l, err := p.svc.ListReconciliations(r.Context(), web.Page{Limit: 50})
	if err != nil {
		return err
	}
	v := p.c.newView(r, "console.recon.title", "/settlement/reconciliation", reconData{Reports: l.Items})
	v.Problem = fp
	return p.c.render(w, r, status, "reconciliation", v)
}

func (p *PayoutPages) reconcile(w http.ResponseWriter, r *http.Request) error {
	again := func(err error) error {
		if !refused(err) {
			return err
		}
		fp, _ := p.c.problemOf(r, err)
		return p.renderRecon(w, r, statusOf(err), fp)
	}
	part, err := uploadedFile(r, map[string]*string{})
	if err != nil {
		return again(err)
	}
	defer part.Close()
	data, err := io.ReadAll(io.LimitReader(part, iso20022.MaxFileBytes+1))
	if err != nil {
		return again(problem.Invalid(problem.Field{Field: "file", Code: "file_unreadable", Params: []any{"reason", err.Error()}}))
	}
	rec, err := p.svc.Reconcile(r.Context(), part.FileName(), data)
	if err != nil {
		return again(err)
	}
	return see(w, r, "/settlement/reconciliation/"+url.PathEscape(rec.ID))
}

func (p *PayoutPages) reportPage(w http.ResponseWriter, r *http.Request) error {
	rec, err := p.svc.GetReconciliation(r.Context(), r.PathValue("id"))
	if err != nil {
		return p.c.fail(w, r, err)
	}
	return p.c.render(w, r, http.StatusOK, "reconciliation_report",
		p.c.newView(r, "console.recon.report", "/settlement/reconciliation", rec))
}
