package credit

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, audit.Event) error { return nil }

func setup(t *testing.T, d *db.DB) (*Service, context.Context) {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Credit "+tid, time.Now().UTC())
	return New(d, nopRecorder{}, nil), db.WithScope(context.Background(), db.Scope{TenantID: tid})
}

func TestFee(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		amount, cur, rate string
		days              int
		want              string
	}{
		{"100000.00", "USD", "0.015", 90, "369.86"}, // 369.863…
		{"365.00", "USD", "0.01", 365, "3.65"},
		{"1000.00", "USD", "0.0365", 5, "0.50"}, // exactly 0.50
		{"50.00", "USD", "0.0073", 25, "0.02"},  // 0.025 → half-even 0.02
		{"150.00", "USD", "0.0073", 25, "0.08"}, // 0.075 → half-even 0.08
		{"1000000", "JPY", "0.025", 30, "2055"}, // 2054.79…
		{"1000000", "JPY", "0.0365", 5, "500"},
		{"12345.678", "KWD", "0.04", 180, "243.531"}, // 243.5311…
		{"365.000", "KWD", "0.0005", 25, "0.012"},    // 0.0125 → half-even 0.012
	} {
		got, err := Fee(money.Money{Amount: tc.amount, Currency: tc.cur}, tc.rate, tc.days)
		if err != nil || got.Amount != tc.want || got.Currency != tc.cur {
			t.Errorf("fee(%s %s, %s, %d) = %v %v, want %s", tc.amount, tc.cur, tc.rate, tc.days, got, err, tc.want)
		}
	}
}

func isCode(err error, code string) bool {
	pe, ok := problem.As(err)
	if !ok {
		return false
	}
	if pe.Code == code {
		return true
	}
	for _, f := range pe.Fields {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestGuaranteesWithinLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
		s.now = func() time.Time { return now }
		usd := func(a string) money.Money { return money.Money{Amount: a, Currency: "USD"} }
		if _, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("10.00"), Days: 30}); !isCode(err, CodeNoLimit) {
			t.Fatalf("no limit: %v", err)
		}
		if _, err := s.SetLimit(ctx, "acme", LimitRequest{Limit: usd("1000.00"), Grade: "B"}); err != nil {
			t.Fatal(err)
		}
		for name, req := range map[string]GuaranteeRequest{
			"currency":    {Buyer: "acme", Amount: money.Money{Amount: "10.00", Currency: "EUR"}, Days: 30},
			"precision":   {Buyer: "acme", Amount: usd("10.001"), Days: 30},
			"zero":        {Buyer: "acme", Amount: usd("0.00"), Days: 30},
			"negative":    {Buyer: "acme", Amount: usd("-1.00"), Days: 30},
			"days":        {Buyer: "acme", Amount: usd("1.00"), Days: 0},
			"rate":        {Buyer: "acme", Amount: usd("1.00"), Days: 1, AnnualRate: "1.5"},
			"unknown ccy": {Buyer: "acme", Amount: money.Money{Amount: "1", Currency: "ABC"}, Days: 1},
		} {
			if _, err := s.Issue(ctx, req); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
		g, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("600.00"), Days: 90})
		if err != nil {
			t.Fatal(err)
		}
		// grade B: 1.5 % a year; 600 × 0.015 × 90 / 365 = 2.219… → 2.22
		if g.Fee.Amount != "2.22" || g.AnnualRate != "0.015" || g.RateSource != "grade:B" || g.Exposure.Amount != "600.00" {
			t.Fatalf("guarantee %+v", g)
		}
		if _, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("400.01"), Days: 30}); !isCode(err, CodeLimitExceeded) {
			t.Fatalf("over limit: %v", err)
		}
		res, err := s.Check(ctx, CheckRequest{Buyer: "acme", Amount: usd("400.00")})
		if err != nil || !res.Allowed || res.Reason != "within_limit" || res.Available.Amount != "400.00" {
			t.Fatalf("check %+v %v", res, err)
		}
		rc, err := s.RegisterReceivable(ctx, ReceivableRequest{Buyer: "acme", Amount: usd("400.00"), Reference: "INV-1"})
		if err != nil {
			t.Fatal(err)
		}
		if res, _ := s.Check(ctx, CheckRequest{Buyer: "acme", Amount: usd("0.01")}); res.Allowed || res.Reason != "exceeds_limit" {
			t.Fatalf("full: %+v", res)
		}
		if res, _ := s.Check(ctx, CheckRequest{Buyer: "nobody", Amount: usd("1")}); res.Allowed || res.Reason != "no_limit" {
			t.Fatalf("no limit: %+v", res)
		}
		if _, err := s.SettleReceivable(ctx, rc.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SettleReceivable(ctx, rc.ID); !isCode(err, CodeNotActive) {
			t.Fatalf("settled twice: %v", err)
		}
		g2, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("400.00"), Days: 10, AnnualRate: "0.02"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Release(ctx, g2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Release(ctx, g2.ID); !isCode(err, CodeNotActive) {
			t.Fatalf("released twice: %v", err)
		}
		if l, _ := s.GetLimit(ctx, "acme"); l.Exposure.Amount != "600.00" {
			t.Fatalf("exposure after release %+v", l)
		}
		// The first guarantee ends after 90 days: its exposure is freed.
		now = now.AddDate(0, 0, 90)
		l, err := s.GetLimit(ctx, "acme")
		if err != nil || l.Exposure.Amount != "0.00" || l.Available.Amount != "1000.00" {
			t.Fatalf("after expiry %+v %v", l, err)
		}
		if got, _ := s.GetGuarantee(ctx, g.ID); got.Status != StatusExpired || got.ClosedAt == nil {
			t.Fatalf("expired guarantee %+v", got)
		}
		// The currency is fixed while exposure is outstanding.
		if _, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("1.00"), Days: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetLimit(ctx, "acme", LimitRequest{Limit: money.Money{Amount: "5", Currency: "EUR"}, Grade: "A"}); !isCode(err, CodeCurrencyLocked) {
			t.Fatalf("currency change: %v", err)
		}
		if _, err := s.SetLimit(ctx, "acme", LimitRequest{Limit: usd("5"), Grade: "E"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Issue(ctx, GuaranteeRequest{Buyer: "acme", Amount: usd("1.00"), Days: 1}); !isCode(err, CodeGradeRefused) {
			t.Fatalf("grade E: %v", err)
		}
	})
}

// TestConcurrentGuaranteesNeverExceedLimit issues many guarantees at
// once: exactly as many as fit succeed, on both engines.
func TestConcurrentGuaranteesNeverExceedLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		if _, err := s.SetLimit(ctx, "buyer-1", LimitRequest{Limit: money.Money{Amount: "1000.00", Currency: "USD"}, Grade: "A"}); err != nil {
			t.Fatal(err)
		}
		const n = 24
		var (
			wg           sync.WaitGroup
			mu           sync.Mutex
			ok, exceeded int
			others       []error
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				// Busy/serialization failures are retried, as a client would.
				for range 50 {
					if i%3 == 0 {
						_, err = s.RegisterReceivable(ctx, ReceivableRequest{Buyer: "buyer-1",
							Amount: money.Money{Amount: "100.00", Currency: "USD"}, Reference: "INV"})
					} else {
						_, err = s.Issue(ctx, GuaranteeRequest{Buyer: "buyer-1", Amount: money.Money{Amount: "100.00", Currency: "USD"}, Days: 30})
					}
					if err == nil || !db.IsBusy(err) {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case isCode(err, CodeLimitExceeded):
					exceeded++
				default:
					others = append(others, err)
				}
			}()
		}
		wg.Wait()
		if len(others) > 0 {
			t.Fatalf("unexpected errors: %v", others)
		}
		if ok != 10 || exceeded != n-10 {
			t.Fatalf("%d issued, %d refused; want 10 and %d", ok, exceeded, n-10)
		}
		l, err := s.GetLimit(ctx, "buyer-1")
		if err != nil || l.Exposure.Amount != "1000.00" {
			t.Fatalf("exposure %+v %v", l, err)
		}
		gs, err := s.ListGuarantees(ctx, "buyer-1", StatusActive, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var sum int64
		for _, g := range gs {
			m, _ := toMinor(g.Amount)
			sum += m
		}
		var open int64
		row := d.Q(context.Background()).QueryRowContext(context.Background(),
			`SELECT COALESCE(SUM(amount_minor), 0) FROM credit_receivables WHERE buyer = $1 AND status = 'open'`, "buyer-1")
		if err := row.Scan(&open); err != nil {
			t.Fatal(err)
		}
		if sum+open != 100000 {
			t.Fatalf("rows add up to %d minor units, exposure says 100000", sum+open)
		}
	})
}
