package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/bojanz/currency"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/wallet"
)

// FXDesk is what the FX page needs of the FX service.
type FXDesk interface {
	Rates(ctx context.Context, base string, at time.Time) (fx.Table, error)
	CreateQuote(ctx context.Context, req fx.QuoteRequest) (fx.Quote, error)
	Quote(ctx context.Context, id string) (fx.Quote, error)
}

// Wallet is what the balance pages need of the wallet.
type Wallet interface {
	Balances(ctx context.Context) (wallet.Balances, error)
	Convert(ctx context.Context, req wallet.ConvertRequest) (wallet.Conversion, error)
	Conversions(ctx context.Context, p web.Page) (web.List[wallet.Conversion], error)
}

// LedgerReader is what the read-only ledger pages need of the ledger.
type LedgerReader interface {
	Balances(ctx context.Context, f ledger.AccountFilter) ([]ledger.Account, error)
	GetAccount(ctx context.Context, id string) (ledger.Account, error)
	Statement(ctx context.Context, accountID string, p web.Page) (web.List[ledger.StatementLine], error)
}

// FXPages are the seller's settlement pages: reference rates and locked
// quotes executed against its balances (FX), its balances by currency,
// and a read-only view of its ledger accounts. Amounts are shown in the
// console language's CLDR format; the API's decimal strings stay the
// record.
type FXPages struct {
	c      *Console
	fx     FXDesk
	wallet Wallet
	ledger LedgerReader
}

// FXPages returns the settlement pages; register them with Routes.
func (c *Console) FXPages(f FXDesk, w Wallet, l LedgerReader) *FXPages {
	return &FXPages{c: c, fx: f, wallet: w, ledger: l}
}

// Routes registers the pages.
func (p *FXPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", "/settlement/fx", identity.PermSettlementRead, p.fxPage),
		page("POST", "/settlement/fx/quotes", identity.PermSettlementWrite, p.quote),
		page("POST", "/settlement/fx/quotes/{id}/execute", identity.PermSettlementWrite, p.execute),
		page("GET", "/settlement/balances", identity.PermSettlementRead, p.balancesPage),
		page("GET", "/settlement/ledger", identity.PermSettlementRead, p.accountsPage),
		page("GET", "/settlement/ledger/{id}", identity.PermSettlementRead, p.accountPage),
	} {
		rt.Handle(r)
	}
}

// formatMoney renders m the way lang writes money (CLDR): "$1,234.50",
// "US$1,234.50", "¥1,235"…; the plain "1234.50 USD" if it cannot.
func formatMoney(lang string, m money.Money) string {
	a, err := currency.NewAmount(m.Amount, m.Currency)
	if err != nil {
		return m.String()
	}
	return currency.NewFormatter(currency.NewLocale(lang)).Format(a)
}

// fxSpec is the FX page; its redirects confirm nothing.
var fxSpec = pageSpec{Name: "fx", Title: "console.fx.title", Active: "/settlement/fx"}

type rateRow struct{ Currency, Rate string }

type quoteForm struct{ Sell, Buy, SellAmount, BuyAmount string }

type quoteView struct {
	fx.Quote
	Sell, Buy   string
	SecondsLeft int
	Expired     bool
}

type fxData struct {
	Base, Date string
	AsOf       string
	Source     string
	Rates      []rateRow
	NoRates    bool
	Currencies []string
	Form       quoteForm
	Quote      *quoteView
}

func (p *FXPages) data(r *http.Request, base, date string) (fxData, error) {
	d := fxData{Base: base, Date: date, Form: quoteForm{Sell: "USD", Buy: "CNY"}}
	if d.Base == "" {
		d.Base = "EUR"
	}
	at := time.Now()
	if d.Date != "" {
		t, err := time.Parse(time.DateOnly, d.Date)
		if err != nil {
			return d, problem.Invalid(problem.Field{Field: "date", Code: fx.CodeDate})
		}
		at = t
	}
	tb, err := p.fx.Rates(r.Context(), d.Base, at)
	if pe, ok := problem.As(err); ok && pe.Status == http.StatusNotFound {
		d.NoRates = true
		return d, nil
	}
	if err != nil {
		return d, err
	}
	d.AsOf, d.Source = tb.AsOf, tb.Source
	for k, v := range tb.Rates {
		d.Rates = append(d.Rates, rateRow{k, v})
		d.Currencies = append(d.Currencies, k)
	}
	d.Currencies = append(d.Currencies, d.Base)
	slices.SortFunc(d.Rates, func(a, b rateRow) int {
		if a.Currency < b.Currency {
			return -1
		}
		if a.Currency > b.Currency {
			return 1
		}
		return 0
	})
	slices.Sort(d.Currencies)
	return d, nil
}

func (p *FXPages) quoteView(lang string, q fx.Quote) *quoteView {
	left := int(time.Until(q.ExpiresAt) / time.Second)
	return &quoteView{Quote: q, Sell: formatMoney(lang, q.SellAmount), Buy: formatMoney(lang, q.BuyAmount),
		SecondsLeft: max(left, 0), Expired: left <= 0}
}

func (p *FXPages) fxPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d, err := p.data(r, q.Get("base"), q.Get("date"))
	if err != nil {
		if refused(err) {
			d.Date = ""
			return p.c.renderPage(w, r, statusOf(err), fxSpec, d, err)
		}
		return err
	}
	if id := q.Get("quote"); id != "" {
		qt, err := p.fx.Quote(r.Context(), id)
		if err != nil {
			return p.c.fail(w, r, err)
		}
		d.Quote = p.quoteView(lang(r), qt)
		d.Form = quoteForm{Sell: qt.SellAmount.Currency, Buy: qt.BuyAmount.Currency}
	}
	return p.c.renderPage(w, r, http.StatusOK, fxSpec, d, nil)
}

func (p *FXPages) quote(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return err
	}
	f := quoteForm{Sell: field(r, "sell_currency"), Buy: field(r, "buy_currency"), SellAmount: field(r, "sell_amount"),
		BuyAmount: field(r, "buy_amount")}
	var q fx.Quote
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		q, err = p.fx.CreateQuote(ctx, fx.QuoteRequest{SellCurrency: f.Sell, BuyCurrency: f.Buy, SellAmount: f.SellAmount,
			BuyAmount: f.BuyAmount})
		return err
	})
	if err != nil {
		if !refused(err) {
			// A provider outside the band or without a rate is the
			// platform's condition, not the form's: shown on the page all
			// the same, since the seller can only try again.
			if pe, ok := problem.As(err); !ok || pe.Status != http.StatusServiceUnavailable {
				return err
			}
		}
		d, derr := p.data(r, "", "")
		if derr != nil {
			return derr
		}
		d.Form = f
		v := p.c.newView(r, "console.fx.title", "/settlement/fx", d)
		pe, _ := problem.As(err)
		doc := web.Localize(p.c.cat, lang(r), err, web.RequestID(r.Context()))
		v.Problem = &formProblem{Title: doc.Title, Detail: doc.Detail, Fields: map[string]string{}}
		if fp, ok := p.c.problemOf(r, err); ok {
			v.Problem = fp
		}
		return p.c.render(w, r, pe.Status, "fx", v)
	}
	return see(w, r, "/settlement/fx?quote="+url.QueryEscape(q.ID)+"#quote")
}

func (p *FXPages) execute(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var c wallet.Conversion
	err := p.c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		c, err = p.wallet.Convert(ctx, wallet.ConvertRequest{QuoteID: id})
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, derr := p.data(r, "", "")
		if derr != nil {
			return derr
		}
		if q, qerr := p.fx.Quote(r.Context(), id); qerr == nil {
			d.Quote = p.quoteView(lang(r), q)
			d.Form = quoteForm{Sell: q.SellAmount.Currency, Buy: q.BuyAmount.Currency}
		}
		return p.c.renderPage(w, r, statusOf(err), fxSpec, d, err)
	}
	return see(w, r, "/settlement/balances?conversion="+url.QueryEscape(c.ID))
}

type balanceRow struct {
	wallet.Balance
	PostedText, AvailableText, PendingInText, PendingOutText string
	Pending                                                  bool
}

type conversionRow struct {
	wallet.Conversion
	SellText, BuyText string
	Just              bool
}

type balancesData struct {
	Balances    []balanceRow
	Conversions []conversionRow
	Converted   *conversionRow
}

func (p *FXPages) balancesPage(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	b, err := p.wallet.Balances(r.Context())
	if err != nil {
		return err
	}
	var d balancesData
	for _, it := range b.Items {
		row := balanceRow{Balance: it, PostedText: formatMoney(l, it.Posted), AvailableText: formatMoney(l, it.Available),
			PendingInText: formatMoney(l, it.PendingIn), PendingOutText: formatMoney(l, it.PendingOut)}
		row.Pending = !isZero(it.PendingIn) || !isZero(it.PendingOut)
		d.Balances = append(d.Balances, row)
	}
	cs, err := p.wallet.Conversions(r.Context(), web.Page{Limit: 20})
	if err != nil {
		return err
	}
	just := r.URL.Query().Get("conversion")
	for _, c := range cs.Items {
		row := conversionRow{Conversion: c, SellText: formatMoney(l, c.SellAmount), BuyText: formatMoney(l, c.BuyAmount),
			Just: c.ID == just}
		if row.Just {
			cp := row
			d.Converted = &cp
		}
		d.Conversions = append(d.Conversions, row)
	}
	return p.c.render(w, r, http.StatusOK, "balances", p.c.newView(r, "console.balances.title", "/settlement/balances", d))
}

func isZero(m money.Money) bool {
	a, err := m.Decimal()
	return err == nil && a.IsZero()
}

type accountRow struct {
	ledger.Account
	PostedText, AvailableText string
}

func (p *FXPages) accountsPage(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	accts, err := p.ledger.Balances(r.Context(), ledger.AccountFilter{})
	if err != nil {
		return err
	}
	rows := make([]accountRow, 0, len(accts))
	for _, a := range accts {
		rows = append(rows, accountRow{Account: a, PostedText: formatMoney(l, a.Balance.Posted),
			AvailableText: formatMoney(l, a.Balance.Available)})
	}
	return p.c.render(w, r, http.StatusOK, "ledger_accounts",
		p.c.newView(r, "console.ledger.title", "/settlement/ledger", rows))
}

type statementRow struct {
	ledger.StatementLine
	DebitText, CreditText string
}

type accountData struct {
	Account        accountRow
	Lines          []statementRow
	Next, First    string
	PendingIn, Out string
}

func (p *FXPages) accountPage(w http.ResponseWriter, r *http.Request) error {
	l := lang(r)
	id := r.PathValue("id")
	a, err := p.ledger.GetAccount(r.Context(), id)
	if err != nil {
		return p.c.fail(w, r, err)
	}
	pg, err := web.PageFrom(r)
	if err != nil {
		return p.c.fail(w, r, err)
	}
	st, err := p.ledger.Statement(r.Context(), id, pg)
	if err != nil {
		return p.c.fail(w, r, err)
	}
	d := accountData{Account: accountRow{Account: a, PostedText: formatMoney(l, a.Balance.Posted),
		AvailableText: formatMoney(l, a.Balance.Available)},
		PendingIn: formatMoney(l, a.Balance.CreditsPending), Out: formatMoney(l, a.Balance.DebitsPending)}
	for _, s := range st.Items {
		row := statementRow{StatementLine: s}
		if !isZero(s.Debit) {
			row.DebitText = formatMoney(l, s.Debit)
		}
		if !isZero(s.Credit) {
			row.CreditText = formatMoney(l, s.Credit)
		}
		d.Lines = append(d.Lines, row)
	}
	base := "/settlement/ledger/" + url.PathEscape(id)
	if st.NextCursor != "" {
		d.Next = base + "?cursor=" + url.QueryEscape(st.NextCursor)
	}
	if pg.After != "" {
		d.First = base
	}
	return p.c.render(w, r, http.StatusOK, "ledger_account", p.c.newView(r, "console.ledger.account", "/settlement/ledger", d))
}
