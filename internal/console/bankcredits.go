package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

// BankCredits is what the bank credits page needs of the settlement
// flows.
type BankCredits interface {
	ListBankCredits(ctx context.Context, status string, p web.Page) (web.List[payouts.BankCredit], error)
	MatchBankCredit(ctx context.Context, id string, in payouts.MatchInput) (payouts.BankCredit, error)
	ListProceeds(ctx context.Context, seller string, p web.Page) (web.List[payouts.Proceeds], error)
}

// BankCreditPages list the money the bank reported received (from
// reconciled bank files): what cleared marketplace proceeds, and what
// waits in suspense, each with a form to say which proceeds it paid.
type BankCreditPages struct {
	c   *Console
	svc BankCredits
}

// BankCreditPages returns the pages; register them with Routes.
func (c *Console) BankCreditPages(s BankCredits) *BankCreditPages {
	return &BankCreditPages{c: c, svc: s}
}

// Routes registers the pages.
func (p *BankCreditPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/settlement/bank-credits", identity.PermSettlementRead, p.listPage),
		page("POST", "/settlement/bank-credits/{id}/match", identity.PermSettlementWrite, p.match),
	} {
		rt.Handle(r)
	}
}

var bankCreditsSpec = pageSpec{Name: "bank_credits", Title: "console.bank_credits.title", Active: "/settlement/reconciliation",
	Notices: map[string]string{"matched": "console.bank_credits.notice.matched"}}

type bankCreditRow struct {
	payouts.BankCredit
	AmountText string
	// Candidates are recent proceeds for exactly the credit's amount.
	Candidates []payouts.Proceeds
}

type bankCreditsData struct {
	Status   string
	Statuses []string
	Rows     []bankCreditRow
	Next     string
	// Failed is the credit whose match was refused, and what was typed.
	Failed, Proceeds string
}

func (p *BankCreditPages) data(r *http.Request, status string) (bankCreditsData, error) {
	l := lang(r)
	d := bankCreditsData{Status: status, Statuses: []string{payouts.CreditSuspense, payouts.CreditCleared, ""}}
	pg, err := web.PageFrom(r)
	if err != nil {
		return d, err
	}
	cs, err := p.svc.ListBankCredits(r.Context(), status, pg)
	if err != nil {
		return d, err
	}
	var recent []payouts.Proceeds
	for _, c := range cs.Items {
		if c.Status == payouts.CreditSuspense && recent == nil {
			ps, err := p.svc.ListProceeds(r.Context(), "", web.Page{Limit: web.MaxLimit})
			if err != nil {
				return d, err
			}
			recent = ps.Items
		}
		row := bankCreditRow{BankCredit: c, AmountText: formatMoney(l, c.Amount)}
		if c.Status == payouts.CreditSuspense {
			for _, pr := range recent {
				if pr.Gross == c.Amount {
					row.Candidates = append(row.Candidates, pr)
				}
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if cs.NextCursor != "" {
		d.Next = "/settlement/bank-credits?status=" + url.QueryEscape(status) + "&cursor=" + url.QueryEscape(cs.NextCursor)
	}
	return d, nil
}

func (p *BankCreditPages) listPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	status := payouts.CreditSuspense
	if q.Has("status") {
		status = q.Get("status")
	}
	d, err := p.data(r, status)
	if err != nil {
		if refused(err) {
			return p.c.fail(w, r, err)
		}
		return err
	}
	return p.c.renderPage(w, r, http.StatusOK, bankCreditsSpec, d, nil)
}

func (p *BankCreditPages) match(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	id, proceeds := r.PathValue("id"), field(r, "proceeds_id")
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		// Several ids, separated by spaces or commas, when the credit
		// paid several lines.
		ids := strings.FieldsFunc(proceeds, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
		_, err := p.svc.MatchBankCredit(ctx, id, payouts.MatchInput{ProceedsIDs: ids})
		return err
	})
	if err != nil {
		if !refused(err) || problemStatus(err) == http.StatusNotFound {
			return p.c.fail(w, r, err)
		}
		d, derr := p.data(r, payouts.CreditSuspense)
		if derr != nil {
			return derr
		}
		d.Failed, d.Proceeds = id, proceeds
		return p.c.renderPage(w, r, statusOf(err), bankCreditsSpec, d, err)
	}
	return see(w, r, "/settlement/bank-credits?done=matched")
}
