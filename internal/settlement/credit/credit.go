package credit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Event types the module publishes.
const (
	EventGuaranteeIssued   = "credit.guarantee_issued"
	EventGuaranteeReleased = "credit.guarantee_released"
	EventGuaranteeExpired  = "credit.guarantee_expired"
)

func init() {
	events.Register(EventGuaranteeIssued, "A credit guarantee was issued for a buyer within its credit limit.")
	events.Register(EventGuaranteeReleased, "A credit guarantee was released before it expired, freeing the buyer's exposure.")
	events.Register(EventGuaranteeExpired, "A credit guarantee reached its end date, freeing the buyer's exposure.")
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	PublishMany(ctx context.Context, es []events.Event) error
}

// Grades are buyer credit grades with their annual guarantee rate (a
// decimal fraction). Grade E buyers get no guarantee and no open-account
// terms whatever their limit. Sample figures, not an insurer's offer.
var Grades = map[string]string{"A": "0.010", "B": "0.015", "C": "0.025", "D": "0.040", "E": ""}

// MaxDays bounds a guarantee's term.
const MaxDays = 1825

// Problem codes.
const (
	CodeNoLimit        = "credit_no_limit"
	CodeLimitExceeded  = "credit_limit_exceeded"
	CodeCurrencyMatch  = "must_be_currency"
	CodeCurrencyLocked = "credit_currency_locked"
	CodeGradeRefused   = "credit_grade_refused"
	CodeRate           = "credit_annual_rate"
	CodeNotActive      = "credit_not_active"
	CodeBuyer          = "credit_buyer"
	CodeNotPositive    = "positive"
)

// Service keeps buyer credit limits, guarantees and open-account
// receivables, and the exposure they add up to.
type Service struct {
	db     *db.DB
	audit  Recorder
	events Publisher
	log    *slog.Logger
	now    func() time.Time
}

// New returns the credit service.
func New(d *db.DB, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, audit: rec, log: log, now: time.Now}
}

// UsePublisher makes the service announce guarantees.
func (s *Service) UsePublisher(p Publisher) { s.events = p }

func (s *Service) publish(ctx context.Context, typ, id string, data any) error {
	if s.events == nil {
		return nil
	}
	return s.events.PublishMany(ctx, []events.Event{{Type: typ, ResourceID: id, Data: data}})
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

var decCtx = apd.Context{Precision: 34, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
	Traps: apd.DefaultTraps, Rounding: apd.RoundHalfEven}

// toMinor converts a checked amount to integer minor units.
func toMinor(m money.Money) (int64, error) {
	d, _, err := apd.NewFromString(m.Amount)
	if err != nil {
		return 0, err
	}
	digits, _ := money.Digits(m.Currency)
	var scaled apd.Decimal
	if _, err := decCtx.Mul(&scaled, d, apd.New(1, int32(digits))); err != nil {
		return 0, err
	}
	var i apd.Decimal
	if _, err := decCtx.Quantize(&i, &scaled, 0); err != nil {
		return 0, err
	}
	if i.Cmp(&scaled) != 0 {
		return 0, fmt.Errorf("credit: %s has more than %d decimals", m, digits)
	}
	n, err := i.Int64()
	if err != nil || n > maxMinor {
		return 0, fmt.Errorf("credit: %s is out of range", m)
	}
	return n, nil
}

// maxMinor bounds amounts (10^15 minor units) so that sums of exposure
// can never overflow a 64-bit counter on either engine.
const maxMinor = 1_000_000_000_000_000

// fromMinor renders minor units as money.
func fromMinor(n int64, currency string) money.Money {
	digits, _ := money.Digits(currency)
	return money.Money{Amount: apd.New(n, int32(-digits)).Text('f'), Currency: currency}
}

// Fee returns amount × annualRate × days / 365, rounded half-even to the
// currency's minor units.
func Fee(amount money.Money, annualRate string, days int) (money.Money, error) {
	a, _, err := apd.NewFromString(amount.Amount)
	if err != nil {
		return money.Money{}, err
	}
	r, _, err := apd.NewFromString(annualRate)
	if err != nil {
		return money.Money{}, err
	}
	var f apd.Decimal
	if _, err := decCtx.Mul(&f, a, r); err != nil {
		return money.Money{}, err
	}
	if _, err := decCtx.Mul(&f, &f, apd.New(int64(days), 0)); err != nil {
		return money.Money{}, err
	}
	if _, err := decCtx.Quo(&f, &f, apd.New(365, 0)); err != nil {
		return money.Money{}, err
	}
	digits, ok := money.Digits(amount.Currency)
	if !ok {
		return money.Money{}, fmt.Errorf("credit: unknown currency %q", amount.Currency)
	}
	if _, err := decCtx.Quantize(&f, &f, int32(-digits)); err != nil {
		return money.Money{}, err
	}
	return money.Money{Amount: f.Text('f'), Currency: amount.Currency}, nil
}

var buyerRE = regexp.MustCompile(`^[\p{L}\p{N}][\p{L}\p{N} ._:@&'-]{0,127}$`)

func checkBuyer(fs *problem.Errors, field, b string) string {
	b = strings.TrimSpace(b)
	if b == "" {
		fs.Add(field, "required")
	} else if !utf8.ValidString(b) || !buyerRE.MatchString(b) {
		fs.Add(field, CodeBuyer)
	}
	return b
}

// checkAmount validates money: a known currency, no more decimals than it
// has, positive (or, with zero, not negative).
func checkAmount(fs *problem.Errors, field string, m money.Money, zero bool) (money.Money, bool) {
	n, code, params := money.Check(m, false)
	if code == money.CodeCurrency {
		fs.Add(field+".currency", code, params...)
		return m, false
	}
	if code != "" {
		fs.Add(field+".amount", code, params...)
		return m, false
	}
	if d, _, _ := apd.NewFromString(n.Amount); d == nil || d.Sign() < 0 || (!zero && d.Sign() == 0) {
		fs.Add(field+".amount", CodeNotPositive)
		return m, false
	}
	return n, true
}

// Limit is a buyer's credit limit and what it is used by.
type Limit struct {
	Buyer     string      `json:"buyer"`
	Limit     money.Money `json:"limit"`
	Grade     string      `json:"grade"`
	Exposure  money.Money `json:"exposure"`
	Available money.Money `json:"available"`
	Note      string      `json:"note,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// LimitRequest sets a buyer's limit.
type LimitRequest struct {
	Limit money.Money `json:"limit"`
	Grade string      `json:"grade"`
	Note  string      `json:"note,omitempty"`
}

func gradeList() string {
	gs := make([]string, 0, len(Grades))
	for g := range Grades {
		gs = append(gs, g)
	}
	slices.Sort(gs)
	return strings.Join(gs, ", ")
}

// SetLimit creates or changes a buyer's limit. Lowering it below the
// current exposure is allowed (nothing new fits until exposure falls);
// changing its currency is not while anything is outstanding.
func (s *Service) SetLimit(ctx context.Context, buyer string, req LimitRequest) (Limit, error) {
	var fs problem.Errors
	buyer = checkBuyer(&fs, "buyer", buyer)
	lim, ok := checkAmount(&fs, "limit", req.Limit, true)
	if _, known := Grades[req.Grade]; !known {
		fs.Add("grade", "one_of", "values", gradeList())
	}
	if utf8.RuneCountInString(req.Note) > 500 {
		fs.Add("note", "max_length", "max", 500)
	}
	if err := fs.Err(); err != nil {
		return Limit{}, err
	}
	var minor int64
	if ok {
		var err error
		if minor, err = toMinor(lim); err != nil {
			return Limit{}, problem.Invalid(problem.Field{Field: "limit.amount", Code: money.CodeAmount})
		}
	}
	now := s.clock()
	var out Limit
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		before, err := s.lockLimit(ctx, t, buyer)
		if err != nil && !errors.Is(err, problem.ErrNotFound) {
			return err
		}
		if err == nil {
			if before.Limit.Limit.Currency != lim.Currency && before.exposure != 0 {
				return &problem.Error{Status: http.StatusConflict, Code: CodeCurrencyLocked,
					Params: []any{"currency", before.Limit.Limit.Currency},
					Fields: []problem.Field{{Field: "limit.currency", Code: CodeCurrencyLocked, Params: []any{"currency", before.Limit.Limit.Currency}}}}
			}
			if _, err := t.ExecContext(ctx, `UPDATE credit_limits SET currency = $4, limit_minor = $5, grade = $6, note = $7,
				updated_at = $8 WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3`, buyer, lim.Currency, minor, req.Grade,
				req.Note, now); err != nil {
				return fmt.Errorf("credit: update limit: %w", err)
			}
		} else if _, err := t.ExecContext(ctx, `INSERT INTO credit_limits (tenant_id, sandbox, buyer, currency, limit_minor,
			exposure_minor, grade, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $8)`,
			buyer, lim.Currency, minor, req.Grade, req.Note, now); err != nil {
			return fmt.Errorf("credit: create limit: %w", err)
		}
		if out, err = s.readLimit(ctx, t, buyer); err != nil {
			return err
		}
		change := map[string]any{"after": out}
		if before.Buyer != "" {
			change["before"] = before.Limit
		}
		return s.audit.Record(ctx, audit.Event{Action: "credit.limit.set", Resource: "credit_limit:" + buyer, Change: change})
	})
	if err != nil {
		return Limit{}, err
	}
	return out, nil
}

// limitRow is a limit with its exposure in minor units.
type limitRow struct {
	Limit
	limit, exposure int64
}

const limitCols = `buyer, currency, limit_minor, exposure_minor, grade, note, created_at, updated_at`

func scanLimit(r db.Row) (limitRow, error) {
	var (
		l   limitRow
		cur string
	)
	err := r.Scan(&l.Buyer, &cur, &l.limit, &l.exposure, &l.Grade, &l.Note, &l.CreatedAt, &l.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return limitRow{}, problem.ErrNotFound
	}
	if err != nil {
		return limitRow{}, fmt.Errorf("credit: read limit: %w", err)
	}
	l.Limit.Limit = fromMinor(l.limit, cur)
	l.Exposure = fromMinor(l.exposure, cur)
	l.Available = fromMinor(max(0, l.limit-l.exposure), cur)
	l.CreatedAt, l.UpdatedAt = l.CreatedAt.UTC(), l.UpdatedAt.UTC()
	return l, nil
}

// lockLimit reads a buyer's limit row, taking its row lock on PostgreSQL
// (SQLite has one writer anyway): every change to a buyer's exposure
// starts here, so they queue per buyer, and always lock the limit before
// any guarantee row, so they cannot deadlock.
func (s *Service) lockLimit(ctx context.Context, t db.Tenanted, buyer string) (limitRow, error) {
	return scanLimit(t.QueryRowContext(ctx, `UPDATE credit_limits SET exposure_minor = exposure_minor
		WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3 RETURNING `+limitCols, buyer))
}

func (s *Service) readLimit(ctx context.Context, t db.Tenanted, buyer string) (Limit, error) {
	l, err := scanLimit(t.QueryRowContext(ctx, `SELECT `+limitCols+` FROM credit_limits
		WHERE tenant_id = $1 AND sandbox = $2 AND buyer = $3`, buyer))
	return l.Limit, err
}

// GetLimit returns a buyer's limit with its exposure, after expiring its
// guarantees that are due.
func (s *Service) GetLimit(ctx context.Context, buyer string) (Limit, error) {
	var l Limit
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := s.lockLimit(ctx, t, buyer); err != nil {
			return err
		}
		if _, err := s.expireDue(ctx, t, buyer); err != nil {
			return err
		}
		l, err = s.readLimit(ctx, t, buyer)
		return err
	})
	return l, err
}

// ListLimits lists the tenant's buyer limits by buyer.
func (s *Service) ListLimits(ctx context.Context, after string, limit int) ([]Limit, error) {
	if err := s.ExpireDue(ctx); err != nil {
		return nil, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+limitCols+` FROM credit_limits
		WHERE tenant_id = $1 AND sandbox = $2 AND buyer > $3 ORDER BY buyer LIMIT $4`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("credit: list limits: %w", err)
	}
	ls, err := db.Collect(rows, scanLimit)
	out := make([]Limit, len(ls))
	for i, l := range ls {
		out[i] = l.Limit
	}
	return out, err
}
