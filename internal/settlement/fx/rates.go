package fx

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// RateDigits is the number of significant digits a computed (cross or
// inverse) rate keeps, rounded half-even: ample for any amount the
// platform converts (a rate off by one unit in the twelfth digit moves
// 10^9 units of a currency by less than one of its minor units) and more
// than any source publishes (the ECB publishes five or six).
const RateDigits = 12

// divCtx is the context quotients are computed in before rounding to
// RateDigits: 34 digits, the IEEE decimal128 precision.
var divCtx = apd.BaseContext.WithPrecision(34)

// Rate is the rate a conversion used, for the caller to record with it:
// 1 From = Value To, as published (or crossed) for Date by Source.
type Rate struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Value  string `json:"rate"`
	Date   string `json:"date"`
	Source string `json:"source"`
	// Via names the currency a cross rate went through ("" when direct).
	Via string `json:"via,omitempty"`
}

// Problem codes of the rate API.
const (
	CodeNoRate       = "fx_rate_unavailable"
	CodeOutOfBand    = "fx_rate_out_of_band"
	CodeQuoteExpired = "fx_quote_expired"
	CodeQuoteUsed    = "fx_quote_used"
)

// ErrNoRate is returned when no rate was published on or before the date
// asked for.
var ErrNoRate = problem.New(http.StatusNotFound, CodeNoRate)

// Config tunes the service. Zero values take the defaults.
type Config struct {
	Log *slog.Logger
	// Base is the currency the reference source publishes against (EUR
	// for the ECB) and cross rates go through.
	Base   string
	Source string
	// Band is how far, as a fraction, an executable rate may stray from
	// the reference rate before a quote is refused ("0.02" = 2 %).
	Band string
	// SpreadBPS is the spread applied to every quote, in basis points,
	// unless TenantSpread says otherwise for the tenant.
	SpreadBPS    int
	TenantSpread func(ctx context.Context, tenantID string) (int, bool)
	// QuoteTTL is how long a quote may be used.
	QuoteTTL time.Duration
	// MaxReferenceAge, when set, refuses quotes whose reference rate is
	// older: a band around a stale rate checks nothing. Zero: no limit.
	MaxReferenceAge time.Duration
	Provider        Provider
	Now             func() time.Time
}

// Recorder keeps audit records (the audit log).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service holds reference rates and quotes.
type Service struct {
	db    *db.DB
	audit Recorder
	cfg   Config
	band  *apd.Decimal
}

// New returns the FX service.
func New(d *db.DB, a Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Base == "" {
		cfg.Base = "EUR"
	}
	if cfg.Source == "" {
		cfg.Source = SourceECB
	}
	if cfg.Band == "" {
		cfg.Band = "0.02"
	}
	if cfg.SpreadBPS == 0 {
		cfg.SpreadBPS = 50
	}
	if cfg.QuoteTTL == 0 {
		cfg.QuoteTTL = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{db: d, audit: a, cfg: cfg}
	if cfg.Provider == nil {
		s.cfg.Provider = &Sandbox{Rates: s, Now: cfg.Now}
	}
	band, err := parseRate(cfg.Band)
	if err != nil {
		panic(fmt.Sprintf("fx: Config.Band %q: %v", cfg.Band, err))
	}
	s.band = band
	return s
}

// ImportResult counts what an import did.
type ImportResult struct {
	Source  string `json:"source"`
	Format  string `json:"format"`
	SHA256  string `json:"sha256"`
	Rates   int    `json:"rates"`
	Written int    `json:"written"`
	Days    int    `json:"days"`
	First   string `json:"first_date"`
	Last    string `json:"last_date"`
	Quotes  int    `json:"currencies"`
}

// importBatch is how many rates go in one INSERT.
const importBatch = 200

// ImportFile imports an ECB eurofxref file (see Import).
func (s *Service) ImportFile(ctx context.Context, path string) (ImportResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return ImportResult{}, fmt.Errorf("fx: %w", err)
	}
	defer f.Close()
	return s.Import(ctx, f)
}

// Import stores the rates of an ECB eurofxref file, daily or historical,
// XML or CSV, in one transaction: a file that fails to parse changes
// nothing. Importing the same file again writes nothing new.
func (s *Service) Import(ctx context.Context, r io.Reader) (ImportResult, error) {
	h := sha256.New()
	res := ImportResult{Source: s.cfg.Source}
	days := map[string]bool{}
	quotes := map[string]bool{}
	now := s.cfg.Now().UTC().Truncate(time.Microsecond)
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		batch := make([]Record, 0, importBatch)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			n, err := s.insert(ctx, batch, now)
			res.Written += n
			batch = batch[:0]
			return err
		}
		format, err := Parse(io.TeeReader(r, h), func(rec Record) error {
			res.Rates++
			days[rec.Date] = true
			quotes[rec.Quote] = true
			if res.First == "" || rec.Date < res.First {
				res.First = rec.Date
			}
			if rec.Date > res.Last {
				res.Last = rec.Date
			}
			batch = append(batch, rec)
			if len(batch) == importBatch {
				return flush()
			}
			return nil
		})
		res.Format = format
		if err != nil {
			return err
		}
		if err := flush(); err != nil {
			return err
		}
		res.Days, res.Quotes = len(days), len(quotes)
		res.SHA256 = hex.EncodeToString(h.Sum(nil))
		return s.audit.Record(ctx, audit.Event{Action: "fx.rates.import", Resource: "fx_source:" + s.cfg.Source,
			TenantID: audit.PlatformChain, Change: res})
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// insert upserts a batch, counting the rows it added or changed.
func (s *Service) insert(ctx context.Context, recs []Record, now time.Time) (int, error) {
	var b strings.Builder
	b.WriteString(`INSERT INTO fx_rates (source, date, base, quote, rate, imported_at) VALUES `)
	s.db.ValuesList(&b, len(recs), 6, 1)
	b.WriteString(` ON CONFLICT (source, base, quote, date) DO UPDATE SET rate = excluded.rate,
		imported_at = excluded.imported_at WHERE fx_rates.rate <> excluded.rate`)
	args := make([]any, 0, 6*len(recs))
	for _, r := range recs {
		args = append(args, s.cfg.Source, r.Date, r.Base, r.Quote, r.Rate, now)
	}
	res, err := s.db.W(ctx).ExecContext(ctx, b.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("fx: store rates: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Table is every rate against one base on one date.
type Table struct {
	Base   string            `json:"base"`
	AsOf   string            `json:"as_of"`
	Source string            `json:"source"`
	Rates  map[string]string `json:"rates"`
}

func dateOf(at time.Time) string { return at.UTC().Format(time.DateOnly) }

// Rates returns the rates against base on the latest date on or before
// at that has any: the source's own table for its base, cross rates
// through it for any other base.
func (s *Service) Rates(ctx context.Context, base string, at time.Time) (Table, error) {
	if !money.ValidCurrency(base) {
		return Table{}, problem.Invalid(problem.Field{Field: "base", Code: money.CodeCurrency, Params: []any{"currency", base}})
	}
	q := s.db.Q(ctx)
	// The latest publication on or before at; for another base, the
	// latest that has that base's own rate.
	var day string
	dateSQL, args := `SELECT MAX(date) FROM fx_rates WHERE source = $1 AND base = $2 AND date <= $3`,
		[]any{s.cfg.Source, s.cfg.Base, dateOf(at)}
	if base != s.cfg.Base {
		dateSQL, args = dateSQL+` AND quote = $4`, append(args, base)
	}
	err := q.QueryRowContext(ctx, dateSQL, args...).Scan(&sqlNullString{&day})
	if err != nil {
		return Table{}, fmt.Errorf("fx: latest date: %w", err)
	}
	if day == "" {
		return Table{}, ErrNoRate
	}
	rows, err := q.QueryContext(ctx, `SELECT quote, rate FROM fx_rates WHERE source = $1 AND base = $2 AND date = $3`,
		s.cfg.Source, s.cfg.Base, day)
	if err != nil {
		return Table{}, fmt.Errorf("fx: rates: %w", err)
	}
	direct := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return Table{}, err
		}
		direct[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Table{}, err
	}
	t := Table{Base: base, AsOf: day, Source: s.cfg.Source, Rates: map[string]string{}}
	if base == s.cfg.Base {
		t.Rates = direct
		return t, nil
	}
	pivot, ok := direct[base]
	if !ok {
		return Table{}, ErrNoRate
	}
	for k, v := range direct {
		if k == base {
			continue
		}
		c, err := cross(pivot, v)
		if err != nil {
			return Table{}, err
		}
		t.Rates[k] = c
	}
	inv, err := cross(pivot, "1")
	if err != nil {
		return Table{}, err
	}
	t.Rates[s.cfg.Base] = inv
	return t, nil
}

type sqlNullString struct{ s *string }

func (n *sqlNullString) Scan(v any) error {
	var ns sql.NullString
	if err := ns.Scan(v); err != nil {
		return err
	}
	*n.s = ns.String
	return nil
}

// Rate returns the rate from → to on the latest date on or before at on
// which both were published, crossed through the base when neither is it.
func (s *Service) Rate(ctx context.Context, from, to string, at time.Time) (Rate, error) {
	var fs problem.Errors
	if !money.ValidCurrency(from) {
		fs.Add("from", money.CodeCurrency, "currency", from)
	}
	if !money.ValidCurrency(to) {
		fs.Add("to", money.CodeCurrency, "currency", to)
	}
	if err := fs.Err(); err != nil {
		return Rate{}, err
	}
	r := Rate{From: from, To: to, Source: s.cfg.Source, Date: dateOf(at)}
	if from == to {
		r.Value = "1"
		return r, nil
	}
	var need []string
	for _, c := range []string{from, to} {
		if c != s.cfg.Base {
			need = append(need, c)
		}
	}
	// The latest date with every currency needed, walking the primary
	// key backwards: a pair is never valued with its two sides from
	// different days.
	val := map[string]string{s.cfg.Base: "1"}
	var day, a, b string
	var err error
	if len(need) == 1 {
		err = s.db.Q(ctx).QueryRowContext(ctx, `SELECT date, rate FROM fx_rates
			WHERE source = $1 AND base = $2 AND quote = $3 AND date <= $4 ORDER BY date DESC LIMIT 1`,
			s.cfg.Source, s.cfg.Base, need[0], r.Date).Scan(&day, &a)
	} else {
		err = s.db.Q(ctx).QueryRowContext(ctx, `SELECT x.date, x.rate, y.rate FROM fx_rates x
			JOIN fx_rates y ON y.source = x.source AND y.base = x.base AND y.quote = $4 AND y.date = x.date
			WHERE x.source = $1 AND x.base = $2 AND x.quote = $3 AND x.date <= $5 ORDER BY x.date DESC LIMIT 1`,
			s.cfg.Source, s.cfg.Base, need[0], need[1], r.Date).Scan(&day, &a, &b)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Rate{}, ErrNoRate
	}
	if err != nil {
		return Rate{}, fmt.Errorf("fx: rate: %w", err)
	}
	r.Date = day
	val[need[0]] = a
	if len(need) == 2 {
		val[need[1]] = b
	}
	switch {
	case from == s.cfg.Base:
		r.Value = val[to]
	default:
		if to != s.cfg.Base {
			r.Via = s.cfg.Base
		}
		r.Value, err = cross(val[from], val[to])
		if err != nil {
			return Rate{}, err
		}
	}
	return r, nil
}

// cross returns b ÷ a rounded half-even to RateDigits significant
// digits: with a and b both per unit of the base, the units of b's
// currency per unit of a's.
func cross(a, b string) (string, error) {
	da, err := parseRate(a)
	if err != nil {
		return "", fmt.Errorf("fx: stored rate %q: %w", a, err)
	}
	db, err := parseRate(b)
	if err != nil {
		return "", fmt.Errorf("fx: stored rate %q: %w", b, err)
	}
	var q apd.Decimal
	if _, err := divCtx.Quo(&q, db, da); err != nil {
		return "", fmt.Errorf("fx: cross rate: %w", err)
	}
	return roundRate(&q)
}

func roundRate(d *apd.Decimal) (string, error) {
	rc := apd.BaseContext.WithPrecision(RateDigits)
	rc.Rounding = apd.RoundHalfEven
	var out apd.Decimal
	if _, err := rc.Round(&out, d); err != nil {
		return "", fmt.Errorf("fx: round rate: %w", err)
	}
	out.Reduce(&out)
	return out.Text('f'), nil
}

// Converter converts money at reference rates, for valuation and
// comparison (never to trade at: that is what quotes are for).
type Converter struct{ s *Service }

// Converter returns the service's Converter.
func (s *Service) Converter() Converter { return Converter{s} }

// Convert returns m in currency to at the reference rate on or before at,
// rounded half-even to to's minor units, with the rate it used.
func (c Converter) Convert(ctx context.Context, m money.Money, to string, at time.Time) (money.Money, Rate, error) {
	m, code, params := money.Check(m, true)
	if code != "" {
		return money.Money{}, Rate{}, problem.Invalid(problem.Field{Field: "amount", Code: code, Params: params})
	}
	r, err := c.s.Rate(ctx, m.Currency, to, at)
	if err != nil {
		return money.Money{}, Rate{}, err
	}
	out, err := mulAmount(m, r.Value, to)
	if err != nil {
		return money.Money{}, Rate{}, err
	}
	return out, r, nil
}

// mulAmount is m × rate in currency to, rounded half-even to its minor
// units.
func mulAmount(m money.Money, rate, to string) (money.Money, error) {
	a, _, err := apd.NewFromString(m.Amount)
	if err != nil {
		return money.Money{}, fmt.Errorf("fx: amount %q: %w", m.Amount, err)
	}
	r, err := parseRate(rate)
	if err != nil {
		return money.Money{}, fmt.Errorf("fx: rate %q: %w", rate, err)
	}
	var p apd.Decimal
	if _, err := divCtx.Mul(&p, a, r); err != nil {
		return money.Money{}, fmt.Errorf("fx: convert: %w", err)
	}
	return roundMoney(&p, to)
}

// divAmount is m ÷ rate in currency to, rounded half-even.
func divAmount(m money.Money, rate, to string) (money.Money, error) {
	a, _, err := apd.NewFromString(m.Amount)
	if err != nil {
		return money.Money{}, fmt.Errorf("fx: amount %q: %w", m.Amount, err)
	}
	r, err := parseRate(rate)
	if err != nil {
		return money.Money{}, fmt.Errorf("fx: rate %q: %w", rate, err)
	}
	var p apd.Decimal
	if _, err := divCtx.Quo(&p, a, r); err != nil {
		return money.Money{}, fmt.Errorf("fx: convert: %w", err)
	}
	return roundMoney(&p, to)
}

func roundMoney(d *apd.Decimal, code string) (money.Money, error) {
	digits, ok := money.Digits(code)
	if !ok {
		return money.Money{}, fmt.Errorf("fx: unknown currency %q", code)
	}
	var out apd.Decimal
	rc := *divCtx
	rc.Rounding = apd.RoundHalfEven
	if _, err := rc.Quantize(&out, d, int32(-digits)); err != nil {
		return money.Money{}, fmt.Errorf("fx: round: %w", err)
	}
	return money.Money{Amount: out.Text('f'), Currency: code}, nil
}

// MulAmount is m × rate in currency to, rounded half-even to its minor
// units: the one rounding every conversion at a quoted rate goes through,
// for callers that must recompute an amount exactly as a quote did.
func MulAmount(m money.Money, rate, to string) (money.Money, error) { return mulAmount(m, rate, to) }
