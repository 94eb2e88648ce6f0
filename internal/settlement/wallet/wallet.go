// Package wallet owns a tenant's money as the tenant sees it: its balance
// in each currency and the conversions between them at locked FX quotes
// (issue 6, clause 6.3.2).
//
// A tenant's balance in a currency is its ledger account AccountCode in
// that asset, guarded no_negative, so that no debit — a conversion, a
// payout — can take it below zero. Balances are read from the ledger; the
// wallet keeps no counter of its own.
//
// A conversion executes a quote of the fx package exactly as quoted, once,
// as one balanced ledger entry through the platform's FX position account
// in each asset:
//
//	debit  wallet:main  (sell asset)  sell amount
//	credit platform:fx  (sell asset)  sell amount
//	debit  platform:fx  (buy asset)   buy amount
//	credit wallet:main  (buy asset)   buy amount
//	debit  platform:fx  (buy asset)   spread  ┐ the spread earned, as its
//	credit platform:fx_revenue (buy)  spread  ┘ own posting, when not zero
//
// where spread = round(sell × provider rate) − buy amount, in the buy
// currency's minor units, half-even: what the liquidity provider will pay
// the platform for the sell amount less what the tenant receives. The
// quote's use, the entry and the conversion record commit in one
// transaction, or none of them does.
package wallet

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// AccountCode is the code of a tenant's balance account, one per asset.
// Money paid to the tenant is credited to it; payouts and conversions
// debit it.
const AccountCode = "wallet:main"

// Ledger is what the wallet needs of the ledger.
type Ledger interface {
	CreateAccount(ctx context.Context, n ledger.NewAccount) (ledger.Account, error)
	ListAccounts(ctx context.Context, f ledger.AccountFilter, p web.Page) (web.List[ledger.Account], error)
	CreateEntry(ctx context.Context, n ledger.NewEntry) (ledger.Entry, bool, error)
	Balances(ctx context.Context, f ledger.AccountFilter) ([]ledger.Account, error)
}

// Quotes is what the wallet needs of the FX service.
type Quotes interface {
	Use(ctx context.Context, id string) (fx.Quote, error)
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service is the wallet.
type Service struct {
	db     *db.DB
	ledger Ledger
	quotes Quotes
	audit  Recorder
	log    *slog.Logger
	now    func() time.Time
}

// New returns the wallet service.
func New(d *db.DB, l Ledger, q Quotes, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, ledger: l, quotes: q, audit: rec, log: log, now: time.Now}
}

// Balance is a tenant's money in one currency. Posted is what has
// settled; Available is posted less what is reserved by pending debits
// (what a conversion or payout may use now); PendingIn and PendingOut are
// the amounts held by pending entries on their way in and out.
type Balance struct {
	Currency   string      `json:"currency"`
	AccountID  string      `json:"account_id"`
	Posted     money.Money `json:"posted"`
	Available  money.Money `json:"available"`
	PendingIn  money.Money `json:"pending_in"`
	PendingOut money.Money `json:"pending_out"`
}

// Balances is the tenant's balance in every currency it holds.
type Balances struct {
	Items []Balance `json:"items"`
}

// Balances returns the caller's balances, by currency code.
func (s *Service) Balances(ctx context.Context) (Balances, error) {
	accts, err := s.ledger.Balances(ctx, ledger.AccountFilter{Code: AccountCode})
	if err != nil {
		return Balances{}, err
	}
	out := Balances{Items: make([]Balance, 0, len(accts))}
	for _, a := range accts {
		b := a.Balance
		out.Items = append(out.Items, Balance{Currency: a.Asset, AccountID: a.ID, Posted: b.Posted, Available: b.Available,
			PendingIn: b.CreditsPending, PendingOut: b.DebitsPending})
	}
	return out, nil
}

// Open returns the caller's balance account in currency, opening it on
// first use. It joins the transaction in ctx.
func (s *Service) Open(ctx context.Context, currency string) (ledger.Account, error) {
	if !money.ValidCurrency(currency) {
		return ledger.Account{}, problem.Invalid(problem.Field{Field: "currency", Code: money.CodeCurrency,
			Params: []any{"currency", currency}})
	}
	f := ledger.AccountFilter{Code: AccountCode, Asset: currency}
	l, err := s.ledger.ListAccounts(ctx, f, web.Page{Limit: 1})
	if err != nil {
		return ledger.Account{}, err
	}
	if len(l.Items) == 1 {
		return l.Items[0], nil
	}
	a, err := s.ledger.CreateAccount(ctx, ledger.NewAccount{Code: AccountCode, Asset: currency, Kind: "liability",
		Flags: []string{ledger.NoNegative}, Description: "Balance in " + currency})
	if pe, ok := problem.As(err); ok && pe.Status == http.StatusConflict {
		// Opened concurrently, and committed since.
		if l, err := s.ledger.ListAccounts(ctx, f, web.Page{Limit: 1}); err == nil && len(l.Items) == 1 {
			return l.Items[0], nil
		}
	}
	return a, err
}

// Conversion is an executed quote: what was booked, at which rates, and
// the reference rate the executable rate was checked against.
type Conversion struct {
	ID         string      `json:"id"`
	QuoteID    string      `json:"quote_id"`
	EntryID    string      `json:"entry_id"`
	SellAmount money.Money `json:"sell_amount"`
	BuyAmount  money.Money `json:"buy_amount"`
	// Rate is the quote's rate: 1 sell = Rate buy, spread included.
	Rate         string `json:"rate"`
	Provider     string `json:"provider"`
	ProviderRate string `json:"provider_rate"`
	SpreadBPS    int    `json:"spread_bps"`
	// Spread is the platform's spread on this conversion in the buy
	// currency (negative only when rounding gave the tenant the odd minor
	// unit).
	Spread    money.Money `json:"spread"`
	Reference fx.Rate     `json:"reference"`
	CreatedAt time.Time   `json:"created_at"`
}

// ConvertRequest executes a quote.
type ConvertRequest struct {
	QuoteID string `json:"quote_id"`
}

// Problem codes of conversions.
const CodeInsufficientFunds = "insufficient_funds"

func quoteProblem(id string, err error) error {
	switch {
	case errors.Is(err, problem.ErrNotFound):
		return &problem.Error{Status: http.StatusNotFound, Code: "not_found",
			Fields: []problem.Field{{Field: "quote_id", Code: "not_found"}}}
	case errors.Is(err, fx.ErrQuoteExpired):
		return &problem.Error{Status: http.StatusConflict, Code: fx.CodeQuoteExpired, Params: []any{"quote_id", id},
			Fields: []problem.Field{{Field: "quote_id", Code: fx.CodeQuoteExpired, Params: []any{"quote_id", id}}}}
	case errors.Is(err, fx.ErrQuoteUsed):
		return &problem.Error{Status: http.StatusConflict, Code: fx.CodeQuoteUsed, Params: []any{"quote_id", id},
			Fields: []problem.Field{{Field: "quote_id", Code: fx.CodeQuoteUsed, Params: []any{"quote_id", id}}}}
	}
	return err
}

// Convert executes the caller's quote exactly as quoted: the sell amount
// leaves the tenant's balance in the sell currency (which must cover it)
// and the buy amount arrives in its balance in the buy currency. A quote
// is executed once; an expired or used quote is 409 naming it, another
// tenant's 404. It joins the transaction in ctx.
func (s *Service) Convert(ctx context.Context, req ConvertRequest) (Conversion, error) {
	if req.QuoteID == "" {
		return Conversion{}, problem.Invalid(problem.Field{Field: "quote_id", Code: "required"})
	}
	var c Conversion
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.quotes.Use(ctx, req.QuoteID)
		if err != nil {
			return quoteProblem(req.QuoteID, err)
		}
		spread, err := spreadOf(q)
		if err != nil {
			return err
		}
		sell, err := s.Open(ctx, q.SellAmount.Currency)
		if err != nil {
			return err
		}
		buy, err := s.Open(ctx, q.BuyAmount.Currency)
		if err != nil {
			return err
		}
		c = Conversion{ID: ids.New("fxc"), QuoteID: q.ID, SellAmount: q.SellAmount, BuyAmount: q.BuyAmount, Rate: q.Rate,
			Provider: q.Provider, ProviderRate: q.ProviderRate, SpreadBPS: q.SpreadBPS, Spread: spread,
			Reference: q.Reference, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		postings := []ledger.PostingInput{
			{Account: sell.ID, Direction: ledger.Debit, Amount: q.SellAmount},
			{Account: ledger.FXPosition, Direction: ledger.Credit, Amount: q.SellAmount},
			{Account: ledger.FXPosition, Direction: ledger.Debit, Amount: q.BuyAmount},
			{Account: buy.ID, Direction: ledger.Credit, Amount: q.BuyAmount},
		}
		postings = append(postings, SpreadPostings(spread)...)
		e, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "fx:" + q.ID,
			Description: fmt.Sprintf("FX %s → %s at %s", q.SellAmount, q.BuyAmount, q.Rate),
			Metadata:    map[string]string{"fx_quote": q.ID, "fx_conversion": c.ID, "rate": q.Rate}, Postings: postings})
		if pe, ok := problem.As(err); ok && pe.Code == CodeInsufficientFunds {
			return &problem.Error{Status: http.StatusConflict, Code: CodeInsufficientFunds, Params: []any{"account", sell.Code},
				Fields: []problem.Field{{Field: "sell_amount", Code: CodeInsufficientFunds, Params: []any{"account", sell.Code}}}}
		}
		if err != nil {
			return err
		}
		c.EntryID = e.ID
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO fx_conversions (tenant_id, sandbox, id, quote_id, entry_id,
			sell_currency, sell_amount, buy_currency, buy_amount, rate, provider, provider_rate, spread_bps, spread_amount,
			reference_rate, reference_date, reference_src, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			c.ID, c.QuoteID, c.EntryID, c.SellAmount.Currency, c.SellAmount.Amount, c.BuyAmount.Currency, c.BuyAmount.Amount,
			c.Rate, c.Provider, c.ProviderRate, c.SpreadBPS, c.Spread.Amount, c.Reference.Value, c.Reference.Date,
			c.Reference.Source, c.CreatedAt); err != nil {
			if db.IsUnique(err) {
				return quoteProblem(req.QuoteID, fx.ErrQuoteUsed)
			}
			return fmt.Errorf("wallet: store conversion: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "fx.conversion.create", Resource: "fx_conversion:" + c.ID, Change: c})
	})
	if err != nil {
		return Conversion{}, err
	}
	return c, nil
}

// Spread is what the liquidity provider pays for a quote's sell amount
// (at its provider rate, rounded half-even to the buy currency's minor
// units) less the buy amount the customer receives: the platform's FX
// revenue on the quote, in the buy currency. Proceeds converted at a quote
// book it the same way as conversions do.
func Spread(q fx.Quote) (money.Money, error) { return spreadOf(q) }

// SpreadPostings are the postings that book spread from the FX position
// to FX revenue, in its currency: none when it is zero, reversed when
// rounding made it negative. Added to an entry that moves a quote's
// amounts through ledger.FXPosition, they keep it balanced per asset and
// leave the position at what the provider pays.
func SpreadPostings(spread money.Money) []ledger.PostingInput {
	d, err := spread.Decimal()
	if err != nil || d.IsZero() {
		return nil
	}
	from, to, amt := ledger.FXPosition, ledger.FXRevenue, spread
	if d.IsNegative() {
		from, to = to, from
		amt.Amount = amt.Amount[1:]
	}
	return []ledger.PostingInput{{Account: from, Direction: ledger.Debit, Amount: amt},
		{Account: to, Direction: ledger.Credit, Amount: amt}}
}

// spreadOf is what the provider pays for the sell amount less the buy
// amount, in the buy currency.
func spreadOf(q fx.Quote) (money.Money, error) {
	atProvider, err := fx.MulAmount(q.SellAmount, q.ProviderRate, q.BuyAmount.Currency)
	if err != nil {
		return money.Money{}, err
	}
	p, err := atProvider.Decimal()
	if err != nil {
		return money.Money{}, err
	}
	b, err := q.BuyAmount.Decimal()
	if err != nil {
		return money.Money{}, err
	}
	d, err := p.Sub(b)
	if err != nil {
		return money.Money{}, fmt.Errorf("wallet: spread: %w", err)
	}
	return money.From(d), nil
}

const conversionCols = `id, quote_id, entry_id, sell_currency, sell_amount, buy_currency, buy_amount, rate, provider,
	provider_rate, spread_bps, spread_amount, reference_rate, reference_date, reference_src, created_at`

func scanConversion(r db.Row) (Conversion, error) {
	var c Conversion
	if err := r.Scan(&c.ID, &c.QuoteID, &c.EntryID, &c.SellAmount.Currency, &c.SellAmount.Amount, &c.BuyAmount.Currency,
		&c.BuyAmount.Amount, &c.Rate, &c.Provider, &c.ProviderRate, &c.SpreadBPS, &c.Spread.Amount, &c.Reference.Value,
		&c.Reference.Date, &c.Reference.Source, &c.CreatedAt); err != nil {
		return Conversion{}, err
	}
	c.Spread.Currency = c.BuyAmount.Currency
	c.Reference.From, c.Reference.To = c.SellAmount.Currency, c.BuyAmount.Currency
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// Conversion returns one of the caller's conversions.
func (s *Service) Conversion(ctx context.Context, id string) (Conversion, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Conversion{}, err
	}
	c, err := scanConversion(t.QueryRowContext(ctx, `SELECT `+conversionCols+` FROM fx_conversions
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Conversion{}, problem.ErrNotFound
	}
	if err != nil {
		return Conversion{}, fmt.Errorf("wallet: get conversion: %w", err)
	}
	return c, nil
}

// Conversions lists the caller's conversions, newest first.
func (s *Service) Conversions(ctx context.Context, p web.Page) (web.List[Conversion], error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Conversion]{}, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+conversionCols+` FROM fx_conversions
		WHERE tenant_id = $1 AND sandbox = $2 AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4`, p.After, p.FetchLimit())
	if err != nil {
		return web.List[Conversion]{}, fmt.Errorf("wallet: list conversions: %w", err)
	}
	items, err := db.Collect(rows, scanConversion)
	if err != nil {
		return web.List[Conversion]{}, fmt.Errorf("wallet: list conversions: %w", err)
	}
	return web.NewList(p, items, func(c Conversion) string { return c.ID }), nil
}
