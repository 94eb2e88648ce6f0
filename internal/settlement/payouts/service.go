package payouts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/fx"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/rails"
	"github.com/silkgate/silkgate/internal/settlement/wallet"
)

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction.
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Quotes is what proceeds need of the FX service: read a quote, and use it
// once in the caller's transaction.
type Quotes interface {
	Quote(ctx context.Context, id string) (fx.Quote, error)
	Use(ctx context.Context, id string) (fx.Quote, error)
}

// Service runs the settlement flows.
type Service struct {
	db     *db.DB
	ledger *ledger.Service
	fx     Quotes
	rails  *rails.Registry
	audit  Recorder
	events Publisher
	log    *slog.Logger
	now    func() time.Time
}

// New returns the service. events may be nil (no settlement.paid events).
func New(d *db.DB, l *ledger.Service, q Quotes, r *rails.Registry, rec Recorder, pub Publisher, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, ledger: l, fx: q, rails: r, audit: rec, events: pub, log: log, now: time.Now}
}

// Rails lists the rails serving the caller's scope with their
// capabilities: the sandbox rails for sandbox keys, the real rails the
// operator enabled for live ones.
func (s *Service) Rails(ctx context.Context) []rails.Info {
	sc, _ := db.ScopeFrom(ctx)
	return s.rails.ListFor(sc.Sandbox)
}

// resolveRail returns the rail named name for a payout in ccy of the
// caller's scope, or the field error saying why it cannot carry it. A
// rail lacking operator settings is an error only when ready is set.
func (s *Service) resolveRail(ctx context.Context, fs *problem.Errors, name, ccy string, ready bool) rails.Rail {
	sc, _ := db.ScopeFrom(ctx)
	x, code, params := s.rails.Resolve(name, ccy, sc.Sandbox)
	if code == rails.CodeNotConfigured && !ready {
		x, _ = s.rails.Get(name)
		return x
	}
	if code != "" {
		fs.Add("rail", code, params...)
		return nil
	}
	return x
}

// Ledger account codes of a seller and a marketplace.
func payableCode(seller string) string  { return "sellers:" + seller + ":payable" }
func clearingCode(market string) string { return "marketplaces:" + market + ":clearing" }
func nowUTC(s *Service) time.Time       { return s.now().UTC().Truncate(time.Microsecond) }
func hashOf(v any) string {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
func errNotFound(field string) error {
	return problem.Invalid(problem.Field{Field: field, Code: "not_found"})
}
func minorOf(m money.Money) int64 { n, _ := iso20022.ToMinor(m); return n }

// spreadMinor is a (possibly negative, or unset) spread in minor units.
func spreadMinor(m money.Money) int64 {
	if m.Currency == "" {
		return 0
	}
	if neg, ok := strings.CutPrefix(m.Amount, "-"); ok {
		return -minorOf(money.Money{Amount: neg, Currency: m.Currency})
	}
	return minorOf(m)
}
func moneyOf(n int64, c string) money.Money { return iso20022.FromMinor(n, c) }

// ensureAccount returns the id of the ledger account (code, asset),
// opening it on first use.
func (s *Service) ensureAccount(ctx context.Context, code, asset, kind string, flags ...string) (string, error) {
	return ledger.EnsureAccount(ctx, s.ledger, ledger.NewAccount{Code: code, Asset: asset, Kind: kind, Flags: flags,
		Description: "Opened by the settlement flows"})
}

// findAccount returns the id of (code, asset), or "".
func (s *Service) findAccount(ctx context.Context, code, asset string) (string, error) {
	l, err := s.ledger.ListAccounts(ctx, ledger.AccountFilter{Code: code, Asset: asset}, web.Page{Limit: 1})
	if err != nil {
		return "", err
	}
	if len(l.Items) == 0 {
		return "", nil
	}
	return l.Items[0].ID, nil
}

const accountCols = `id, seller_id, name, currency, rail, kind, iban, bic, wallet, country, created_at, updated_at`

func scanAccount(r db.Row) (PayoutAccount, error) {
	var a PayoutAccount
	err := r.Scan(&a.ID, &a.SellerID, &a.Name, &a.Currency, &a.Rail, &a.Kind, &a.IBAN, &a.BIC, &a.Wallet, &a.Country,
		&a.CreatedAt, &a.UpdatedAt)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return a, err
}

// PutPayoutAccount sets the payout account of seller: the rail must pay
// the currency to the kind of account given, and the account must pass
// the rail's checks (IBAN mod-97 and BIC, or the e-CNY wallet format). It
// opens the seller's payable ledger account in that currency.
func (s *Service) PutPayoutAccount(ctx context.Context, seller string, in PayoutAccountInput) (PayoutAccount, error) {
	var fs problem.Errors
	checkID(&fs, "seller_id", seller)
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		fs.Add("name", "required")
	case len([]rune(in.Name)) > 140:
		fs.Add("name", "max_length", "max", 140)
	}
	if !money.ValidCurrency(in.Currency) {
		fs.Add("currency", money.CodeCurrency, "currency", in.Currency)
	}
	in.IBAN, in.BIC = iso20022.NormalizeIBAN(in.IBAN), strings.ToUpper(strings.TrimSpace(in.BIC))
	in.Wallet = strings.ReplaceAll(strings.TrimSpace(in.Wallet), " ", "")
	if in.Country != "" && !iso.Country(in.Country) {
		fs.Add("country", "invalid_country")
	}
	rail := s.resolveRail(ctx, &fs, in.Rail, in.Currency, false)
	if rail == nil {
		return PayoutAccount{}, fs.Err()
	}
	b := rails.Beneficiary{Name: in.Name, IBAN: in.IBAN, BIC: in.BIC, Wallet: in.Wallet, Country: in.Country, Kind: rails.AccountIBAN}
	if in.Wallet != "" || in.IBAN == "" && !rail.Capabilities().Supports(in.Currency, rails.AccountIBAN) {
		b.Kind = rails.AccountWallet
	}
	if b.Kind == rails.AccountWallet && in.IBAN != "" {
		fs.Add("iban", "invalid_value", "reason", "give either an IBAN or a wallet")
	}
	if money.ValidCurrency(in.Currency) && !rail.Capabilities().Supports(in.Currency, b.Kind) {
		fs.Add("currency", "rail_currency", "rail", in.Rail, "currencies", strings.Join(rail.Capabilities().Currencies, ", "))
	}
	if b.Kind == rails.AccountIBAN && in.IBAN == "" {
		fs.Add("iban", "required")
	} else if f, code := rails.CheckBeneficiary(rail, b); f != "" {
		fs.Add(f, code)
	}
	if err := fs.Err(); err != nil {
		return PayoutAccount{}, err
	}
	now := nowUTC(s)
	a := PayoutAccount{ID: ids.New("spa"), SellerID: seller, Name: in.Name, Currency: in.Currency, Rail: in.Rail, Kind: b.Kind,
		IBAN: in.IBAN, BIC: in.BIC, Wallet: in.Wallet, Country: in.Country, CreatedAt: now, UpdatedAt: now}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		a, err = scanAccount(q.QueryRowContext(ctx, `INSERT INTO settlement_payout_accounts (tenant_id, sandbox, id, seller_id,
			name, currency, rail, kind, iban, bic, wallet, country, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
			ON CONFLICT (tenant_id, sandbox, seller_id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
			rail = excluded.rail, kind = excluded.kind, iban = excluded.iban, bic = excluded.bic, wallet = excluded.wallet,
			country = excluded.country, updated_at = excluded.updated_at
			RETURNING `+accountCols, a.ID, a.SellerID, a.Name, a.Currency, a.Rail, a.Kind, a.IBAN, a.BIC, a.Wallet, a.Country, now))
		if err != nil {
			return fmt.Errorf("payouts: put payout account: %w", err)
		}
		if _, err := s.ensureAccount(ctx, payableCode(seller), a.Currency, "liability", ledger.NoNegative); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "settlement.payout_account.put",
			Resource: "settlement_payout_account/" + a.ID, Change: a})
	})
	if err != nil {
		return PayoutAccount{}, err
	}
	return a, nil
}

// PayoutAccount returns a seller's payout account.
func (s *Service) PayoutAccount(ctx context.Context, seller string) (PayoutAccount, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return PayoutAccount{}, err
	}
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM settlement_payout_accounts
		WHERE tenant_id = $1 AND sandbox = $2 AND seller_id = $3`, seller))
	if errors.Is(err, sql.ErrNoRows) {
		return PayoutAccount{}, problem.ErrNotFound
	}
	if err != nil {
		return PayoutAccount{}, fmt.Errorf("payouts: get payout account: %w", err)
	}
	return a, nil
}

// SellerBalance is a seller's payable balance in one currency.
type SellerBalance struct {
	SellerID string         `json:"seller_id"`
	Account  PayoutAccount  `json:"payout_account"`
	Balance  ledger.Balance `json:"balance"`
	LedgerID string         `json:"ledger_account_id"`
}

// ListPayoutAccounts lists payout accounts by seller id, each with the
// balance of the seller's payable account in its currency.
func (s *Service) ListPayoutAccounts(ctx context.Context, p web.Page) (web.List[SellerBalance], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[SellerBalance]{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+accountCols+` FROM settlement_payout_accounts
		WHERE tenant_id = $1 AND sandbox = $2 AND seller_id > $3 ORDER BY seller_id LIMIT $4`, p.After, p.FetchLimit())
	if err != nil {
		return web.List[SellerBalance]{}, fmt.Errorf("payouts: list payout accounts: %w", err)
	}
	accts, err := db.Collect(rows, scanAccount)
	if err != nil {
		return web.List[SellerBalance]{}, fmt.Errorf("payouts: list payout accounts: %w", err)
	}
	out := make([]SellerBalance, 0, len(accts))
	for _, a := range accts {
		sb := SellerBalance{SellerID: a.SellerID, Account: a}
		id, err := s.findAccount(ctx, payableCode(a.SellerID), a.Currency)
		if err != nil {
			return web.List[SellerBalance]{}, err
		}
		if id != "" {
			la, err := s.ledger.GetAccount(ctx, id)
			if err != nil {
				return web.List[SellerBalance]{}, err
			}
			sb.Balance, sb.LedgerID = *la.Balance, id
		} else {
			z := moneyOf(0, a.Currency)
			sb.Balance = ledger.Balance{DebitsPosted: z, CreditsPosted: z, DebitsPending: z, CreditsPending: z, Posted: z, Available: z}
		}
		out = append(out, sb)
	}
	return web.NewList(p, out, func(b SellerBalance) string { return b.SellerID }), nil
}

const proceedsCols = `id, seller_id, marketplace, reference, body_hash, currency, gross_minor, fee_minor, fx_quote_id, fx_rate,
	net_currency, net_minor, entry_id, created_at, fx_spread_minor`

func scanProceeds(r db.Row) (Proceeds, string, error) {
	var (
		p                          Proceeds
		hash, ccy, netCcy          string
		gross, fee, netMin, spread int64
	)
	err := r.Scan(&p.ID, &p.SellerID, &p.Marketplace, &p.Reference, &hash, &ccy, &gross, &fee, &p.FXQuoteID, &p.FXRate,
		&netCcy, &netMin, &p.EntryID, &p.CreatedAt, &spread)
	p.Gross, p.Fee, p.Net, p.Credited = moneyOf(gross, ccy), moneyOf(fee, ccy), moneyOf(gross-fee, ccy), moneyOf(netMin, netCcy)
	if p.FXQuoteID != "" {
		sp := moneyOf(spread, netCcy)
		p.FXSpread = &sp
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, hash, err
}

// RecordProceeds books a marketplace settlement line: gross from the
// marketplace's clearing account, the fee to platform:fees, the rest to the
// seller's payable account — in the seller's payout currency at the locked
// quote in.FXQuoteID when it differs. A repeat of the same line answers
// the first booking (replay true); the same (marketplace, reference) with
// another body is 409. Invalid input writes nothing.
func (s *Service) RecordProceeds(ctx context.Context, in ProceedsInput) (Proceeds, bool, error) {
	gross, fee, err := in.Validate()
	if err != nil {
		return Proceeds{}, false, err
	}
	hash := hashOf(in)
	ccy := in.Gross.Currency
	var (
		out    Proceeds
		replay bool
	)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		prev, h, err := scanProceeds(q.QueryRowContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds
			WHERE tenant_id = $1 AND sandbox = $2 AND marketplace = $3 AND reference = $4`, in.Marketplace, in.Reference))
		switch {
		case err == nil && h == hash:
			out, replay = prev, true
			return nil
		case err == nil:
			return &problem.Error{Status: http.StatusConflict, Code: "idempotency_key_reused", Params: []any{"id", prev.ID},
				Fields: []problem.Field{{Field: "reference", Code: "reused"}}}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("payouts: find proceeds: %w", err)
		}
		sellerCcy := ccy
		if a, err := s.PayoutAccount(ctx, in.SellerID); err == nil {
			sellerCcy = a.Currency
		} else if !errors.Is(err, problem.ErrNotFound) {
			return err
		}
		net := gross - fee
		credited, rate := net, ""
		var spread money.Money
		switch {
		case sellerCcy != ccy && in.FXQuoteID == "":
			return problem.Invalid(problem.Field{Field: "fx_quote_id", Code: "fx_quote_required", Params: []any{"from", ccy, "to", sellerCcy}})
		case sellerCcy == ccy && in.FXQuoteID != "":
			return problem.Invalid(problem.Field{Field: "fx_quote_id", Code: "fx_not_needed", Params: []any{"currency", ccy}})
		case sellerCcy != ccy:
			qt, err := s.fx.Quote(ctx, in.FXQuoteID)
			if errors.Is(err, problem.ErrNotFound) {
				return errNotFound("fx_quote_id")
			}
			if err != nil {
				return err
			}
			want := moneyOf(net, ccy)
			if qt.SellAmount != want || qt.BuyAmount.Currency != sellerCcy {
				return problem.Invalid(problem.Field{Field: "fx_quote_id", Code: "fx_quote_mismatch",
					Params: []any{"sell", want.String(), "buy", sellerCcy}})
			}
			// Use refuses a quote used before or expired: a quote is
			// honoured exactly, once.
			if qt, err = s.fx.Use(ctx, in.FXQuoteID); err != nil {
				return err
			}
			credited, rate = minorOf(qt.BuyAmount), qt.Rate
			if spread, err = wallet.Spread(qt); err != nil {
				return err
			}
		}
		payable, err := s.ensureAccount(ctx, payableCode(in.SellerID), sellerCcy, "liability", ledger.NoNegative)
		if err != nil {
			return err
		}
		clearing, err := s.ensureAccount(ctx, clearingCode(in.Marketplace), ccy, "asset")
		if err != nil {
			return err
		}
		id := ids.New("spr")
		post := func(acct, dir string, n int64, c string) ledger.PostingInput {
			return ledger.PostingInput{Account: acct, Direction: dir, Amount: moneyOf(n, c)}
		}
		ps := []ledger.PostingInput{post(clearing, ledger.Debit, gross, ccy)}
		if fee > 0 {
			ps = append(ps, post(ledger.Fees, ledger.Credit, fee, ccy))
		}
		if sellerCcy == ccy {
			ps = append(ps, post(payable, ledger.Credit, net, ccy))
		} else {
			// The seller's side at the quoted rate, the provider's side at
			// its rate, and the difference — the spread — to FX revenue.
			ps = append(ps, post(ledger.FXPosition, ledger.Credit, net, ccy), post(ledger.FXPosition, ledger.Debit, credited, sellerCcy),
				post(payable, ledger.Credit, credited, sellerCcy))
			ps = append(ps, wallet.SpreadPostings(spread)...)
		}
		e, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:proceeds:" + id,
			Description: fmt.Sprintf("Proceeds %s %s for %s", in.Marketplace, in.Reference, in.SellerID),
			Metadata:    map[string]string{"proceeds_id": id, "seller_id": in.SellerID, "fx_quote_id": in.FXQuoteID},
			Postings:    ps})
		if err != nil {
			return err
		}
		now := nowUTC(s)
		out, _, err = scanProceeds(q.QueryRowContext(ctx, `INSERT INTO settlement_proceeds (tenant_id, sandbox, id, seller_id,
			marketplace, reference, body_hash, currency, gross_minor, fee_minor, fx_quote_id, fx_rate, net_currency, net_minor,
			entry_id, created_at, fx_spread_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
			RETURNING `+proceedsCols, id, in.SellerID, in.Marketplace, in.Reference, hash, ccy, gross, fee, in.FXQuoteID, rate,
			sellerCcy, credited, e.ID, now, spreadMinor(spread)))
		if err != nil {
			return fmt.Errorf("payouts: record proceeds: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "settlement.proceeds.record", Resource: "settlement_proceeds/" + id, Change: out})
	})
	if err != nil {
		return Proceeds{}, false, err
	}
	return out, replay, nil
}

// ListProceeds lists a seller's proceeds (all sellers when seller is ""),
// newest first.
func (s *Service) ListProceeds(ctx context.Context, seller string, p web.Page) (web.List[Proceeds], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Proceeds]{}, err
	}
	after := p.After
	if after == "" {
		after = "~"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds
		WHERE tenant_id = $1 AND sandbox = $2 AND id < $3 AND ($4 = '' OR seller_id = $4) ORDER BY id DESC LIMIT $5`,
		after, seller, p.FetchLimit())
	if err != nil {
		return web.List[Proceeds]{}, fmt.Errorf("payouts: list proceeds: %w", err)
	}
	items, err := db.Collect(rows, func(r db.Row) (Proceeds, error) { p, _, err := scanProceeds(r); return p, err })
	if err != nil {
		return web.List[Proceeds]{}, fmt.Errorf("payouts: list proceeds: %w", err)
	}
	return web.NewList(p, items, func(x Proceeds) string { return x.ID }), nil
}
