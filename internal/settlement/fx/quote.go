package fx

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Provider is a liquidity-provider connector: it names the rate at which
// it will execute a conversion now.
type Provider interface {
	Name() string
	// Rate is the executable rate: 1 sell = rate buy, a decimal string.
	Rate(ctx context.Context, sell, buy string) (string, error)
}

// Sandbox is the deterministic liquidity provider of sandboxes and tests:
// it executes at the reference rate of the day moved SkewBPS basis points
// against the customer, or at a Fixed rate for a pair ("USD/CNY").
type Sandbox struct {
	Rates interface {
		Rate(ctx context.Context, from, to string, at time.Time) (Rate, error)
	}
	SkewBPS int
	Fixed   map[string]string
	Now     func() time.Time
}

// Name is the provider's name as quotes record it.
func (*Sandbox) Name() string { return "sandbox" }

// Rate returns the sandbox's executable rate.
func (p *Sandbox) Rate(ctx context.Context, sell, buy string) (string, error) {
	if r, ok := p.Fixed[sell+"/"+buy]; ok {
		return r, nil
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	ref, err := p.Rates.Rate(ctx, sell, buy, now())
	if err != nil {
		return "", err
	}
	return applyBPS(ref.Value, -p.SkewBPS)
}

// applyBPS returns rate × (1 + bps/10000), rounded to RateDigits.
func applyBPS(rate string, bps int) (string, error) {
	r, err := parseRate(rate)
	if err != nil {
		return "", err
	}
	f := apd.New(int64(10000+bps), -4)
	var out apd.Decimal
	if _, err := divCtx.Mul(&out, r, f); err != nil {
		return "", err
	}
	return roundRate(&out)
}

// Quote is a locked executable conversion.
type Quote struct {
	ID           string      `json:"id"`
	Rate         string      `json:"rate"`
	SellAmount   money.Money `json:"sell_amount"`
	BuyAmount    money.Money `json:"buy_amount"`
	SpreadBPS    int         `json:"spread_bps"`
	ExpiresAt    time.Time   `json:"expires_at"`
	Provider     string      `json:"provider"`
	ProviderRate string      `json:"provider_rate"`
	// Reference is the reference rate the executable rate was checked
	// against.
	Reference Rate       `json:"reference"`
	CreatedAt time.Time  `json:"created_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"`
}

// QuoteRequest asks for a quote: exactly one of the amounts.
type QuoteRequest struct {
	SellCurrency string `json:"sell_currency"`
	BuyCurrency  string `json:"buy_currency"`
	SellAmount   string `json:"sell_amount,omitempty"`
	BuyAmount    string `json:"buy_amount,omitempty"`
}

// Problem codes of quotes.
const (
	CodeProviderDown = "fx_provider_unavailable"
	CodeOneAmount    = "fx_one_amount"
	CodeSameCurrency = "fx_same_currency"
	CodeTooSmall     = "fx_amount_too_small"
)

// ErrQuoteExpired and ErrQuoteUsed refuse a quote that can no longer be
// honoured.
var (
	ErrQuoteExpired = problem.Conflict(CodeQuoteExpired)
	ErrQuoteUsed    = problem.Conflict(CodeQuoteUsed)
)

// Validate checks the request, returning it with its amount normalised.
func (q QuoteRequest) Validate() (QuoteRequest, error) {
	var fs problem.Errors
	for _, c := range []struct{ field, code string }{{"sell_currency", q.SellCurrency}, {"buy_currency", q.BuyCurrency}} {
		if !money.ValidCurrency(c.code) {
			fs.Add(c.field, money.CodeCurrency, "currency", c.code)
		}
	}
	if q.SellCurrency == q.BuyCurrency && q.SellCurrency != "" {
		fs.Add("buy_currency", CodeSameCurrency)
	}
	if (q.SellAmount == "") == (q.BuyAmount == "") {
		fs.Add("sell_amount", CodeOneAmount)
	}
	if err := fs.Err(); err != nil {
		return q, err
	}
	field, m := "sell_amount", money.Money{Amount: q.SellAmount, Currency: q.SellCurrency}
	if q.BuyAmount != "" {
		field, m = "buy_amount", money.Money{Amount: q.BuyAmount, Currency: q.BuyCurrency}
	}
	n, code, params := money.Check(m, false)
	if code == "" {
		if d, _ := n.Decimal(); d.IsZero() {
			code, params = CodeTooSmall, nil
		}
	}
	if code != "" {
		fs.Add(field, code, params...)
		return q, fs.Err()
	}
	if field == "sell_amount" {
		q.SellAmount = n.Amount
	} else {
		q.BuyAmount = n.Amount
	}
	return q, nil
}

// CreateQuote prices a conversion at the provider's executable rate less
// the tenant's spread, after checking that rate lies within the sanity
// band around the reference rate, and stores it for Use.
func (s *Service) CreateQuote(ctx context.Context, req QuoteRequest) (Quote, error) {
	req, err := req.Validate()
	if err != nil {
		return Quote{}, err
	}
	scope, ok := db.ScopeFrom(ctx)
	if !ok {
		return Quote{}, db.ErrNoScope
	}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	ref, err := s.Rate(ctx, req.SellCurrency, req.BuyCurrency, now)
	if errors.Is(err, ErrNoRate) {
		return Quote{}, &problem.Error{Status: http.StatusServiceUnavailable, Code: CodeNoRate, Err: err}
	}
	if err != nil {
		return Quote{}, err
	}
	if s.cfg.MaxReferenceAge > 0 {
		if d, _ := time.Parse(time.DateOnly, ref.Date); now.Sub(d) > s.cfg.MaxReferenceAge {
			return Quote{}, &problem.Error{Status: http.StatusServiceUnavailable, Code: CodeNoRate,
				Err: fmt.Errorf("fx: reference rate of %s is older than %s", ref.Date, s.cfg.MaxReferenceAge)}
		}
	}
	exec, err := s.cfg.Provider.Rate(ctx, req.SellCurrency, req.BuyCurrency)
	if err != nil {
		return Quote{}, &problem.Error{Status: http.StatusServiceUnavailable, Code: CodeProviderDown, Err: err}
	}
	in, err := s.inBand(exec, ref.Value)
	if err != nil {
		return Quote{}, err
	}
	if !in {
		s.cfg.Log.Warn("fx: executable rate outside the sanity band", "provider", s.cfg.Provider.Name(),
			"sell", req.SellCurrency, "buy", req.BuyCurrency, "rate", exec, "reference", ref.Value, "reference_date", ref.Date)
		return Quote{}, &problem.Error{Status: http.StatusServiceUnavailable, Code: CodeOutOfBand,
			Params: []any{"rate", exec, "reference", ref.Value}}
	}
	spread, err := s.spreadFor(ctx, scope.TenantID, req.SellCurrency, req.BuyCurrency)
	if err != nil {
		return Quote{}, err
	}
	rate, err := applyBPS(exec, -spread)
	if err != nil {
		return Quote{}, err
	}
	q := Quote{ID: ids.New("fxq"), Rate: rate, SpreadBPS: spread, Provider: s.cfg.Provider.Name(), ProviderRate: exec,
		Reference: ref, CreatedAt: now, ExpiresAt: now.Add(s.cfg.QuoteTTL)}
	field := "sell_amount"
	if req.SellAmount != "" {
		q.SellAmount = money.Money{Amount: req.SellAmount, Currency: req.SellCurrency}
		q.BuyAmount, err = mulAmount(q.SellAmount, rate, req.BuyCurrency)
	} else {
		field = "buy_amount"
		q.BuyAmount = money.Money{Amount: req.BuyAmount, Currency: req.BuyCurrency}
		q.SellAmount, err = divAmount(q.BuyAmount, rate, req.SellCurrency)
	}
	if err != nil {
		return Quote{}, err
	}
	for _, m := range []money.Money{q.SellAmount, q.BuyAmount} {
		if d, err := m.Decimal(); err != nil || d.IsZero() {
			return Quote{}, problem.Invalid(problem.Field{Field: field, Code: CodeTooSmall})
		}
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO fx_quotes (tenant_id, sandbox, id, sell_currency, buy_currency,
			sell_amount, buy_amount, rate, provider_rate, provider, spread_bps, reference_rate, reference_date,
			reference_src, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			q.ID, q.SellAmount.Currency, q.BuyAmount.Currency, q.SellAmount.Amount, q.BuyAmount.Amount, q.Rate,
			q.ProviderRate, q.Provider, q.SpreadBPS, ref.Value, ref.Date, ref.Source, q.CreatedAt, q.ExpiresAt); err != nil {
			return fmt.Errorf("fx: store quote: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "fx.quote.create", Resource: "fx_quote:" + q.ID, Change: q})
	})
	if err != nil {
		return Quote{}, err
	}
	return q, nil
}

// inBand reports whether |exec − ref| ≤ band × ref.
func (s *Service) inBand(exec, ref string) (bool, error) {
	e, err := parseRate(exec)
	if err != nil {
		return false, &problem.Error{Status: http.StatusServiceUnavailable, Code: CodeProviderDown,
			Err: fmt.Errorf("fx: provider rate %q: %w", exec, err)}
	}
	r, err := parseRate(ref)
	if err != nil {
		return false, err
	}
	var diff, limit apd.Decimal
	if _, err := divCtx.Sub(&diff, e, r); err != nil {
		return false, err
	}
	diff.Abs(&diff)
	if _, err := divCtx.Mul(&limit, r, s.band); err != nil {
		return false, err
	}
	return diff.Cmp(&limit) <= 0, nil
}

const quoteCols = `id, sell_currency, buy_currency, sell_amount, buy_amount, rate, provider_rate, provider, spread_bps,
	reference_rate, reference_date, reference_src, created_at, expires_at, used_at`

func scanQuote(row db.Row) (Quote, error) {
	var (
		q      Quote
		sc, bc string
		sa, ba string
		used   sql.NullTime
	)
	if err := row.Scan(&q.ID, &sc, &bc, &sa, &ba, &q.Rate, &q.ProviderRate, &q.Provider, &q.SpreadBPS,
		&q.Reference.Value, &q.Reference.Date, &q.Reference.Source, &q.CreatedAt, &q.ExpiresAt, &used); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Quote{}, problem.ErrNotFound
		}
		return Quote{}, fmt.Errorf("fx: read quote: %w", err)
	}
	q.SellAmount = money.Money{Amount: sa, Currency: sc}
	q.BuyAmount = money.Money{Amount: ba, Currency: bc}
	q.Reference.From, q.Reference.To = sc, bc
	q.CreatedAt, q.ExpiresAt = q.CreatedAt.UTC(), q.ExpiresAt.UTC()
	if used.Valid {
		t := used.Time.UTC()
		q.UsedAt = &t
	}
	return q, nil
}

// Quote returns a quote of the caller's tenant, used or not.
func (s *Service) Quote(ctx context.Context, id string) (Quote, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Quote{}, err
	}
	return scanQuote(t.QueryRowContext(ctx, `SELECT `+quoteCols+` FROM fx_quotes
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
}

// Use takes a quote for execution, exactly as it was quoted, once: a
// second use is ErrQuoteUsed, a use after it expired ErrQuoteExpired. It
// joins the transaction in ctx, so that a caller booking the conversion
// in the same transaction either books it and uses the quote, or neither.
func (s *Service) Use(ctx context.Context, id string) (Quote, error) {
	var q Quote
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		q, err = scanQuote(t.QueryRowContext(ctx, `SELECT `+quoteCols+` FROM fx_quotes
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
		if err != nil {
			return err
		}
		now := s.cfg.Now().UTC().Truncate(time.Microsecond)
		if q.UsedAt != nil {
			return ErrQuoteUsed
		}
		if !now.Before(q.ExpiresAt) {
			return ErrQuoteExpired
		}
		res, err := t.ExecContext(ctx, `UPDATE fx_quotes SET used_at = $4
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND used_at IS NULL`, id, now)
		if err != nil {
			return fmt.Errorf("fx: use quote: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrQuoteUsed
		}
		q.UsedAt = &now
		return s.audit.Record(ctx, audit.Event{Action: "fx.quote.use", Resource: "fx_quote:" + q.ID,
			Change: map[string]any{"used_at": now}})
	})
	if err != nil {
		return Quote{}, err
	}
	return q, nil
}
