package fx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

type recorder struct {
	mu     sync.Mutex
	events []audit.Event
}

func (r *recorder) Record(_ context.Context, e audit.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
	return nil
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func importFile(t *testing.T, s *Service, name string) ImportResult {
	t.Helper()
	res, err := s.ImportFile(context.Background(), filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestImportIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		rec := &recorder{}
		s := New(d, rec, Config{})
		for _, tc := range []struct {
			file                 string
			rates, written, days int
			first, last, format  string
		}{
			{"eurofxref-daily.xml", 30, 30, 1, "2025-05-09", "2025-05-09", FormatXML},
			{"eurofxref-daily.xml", 30, 0, 1, "2025-05-09", "2025-05-09", FormatXML},
			{"eurofxref-hist-90d.xml", 1984, 1984, 64, "2016-12-05", "2017-03-03", FormatXML},
			{"eurofxref-hist-90d.xml", 1984, 0, 64, "2016-12-05", "2017-03-03", FormatXML},
			{"eurofxref.csv", 29, 29, 1, "2026-04-13", "2026-04-13", FormatCSV},
			{"eurofxref-hist-excerpt.csv", -1, -1, 42, "1999-01-04", "2026-04-13", FormatCSV},
		} {
			res := importFile(t, s, tc.file)
			if (tc.rates >= 0 && res.Rates != tc.rates) || (tc.written >= 0 && res.Written != tc.written) ||
				res.Days != tc.days || res.First != tc.first || res.Last != tc.last || res.Format != tc.format ||
				res.Source != SourceECB || len(res.SHA256) != 64 {
				t.Errorf("%s: %+v, want %+v", tc.file, res, tc)
			}
		}
		// The 2026-04-13 rows of the daily CSV and the history agree: the
		// history rewrote none of them, only added.
		var n int
		if err := d.Q(context.Background()).QueryRowContext(context.Background(),
			`SELECT COUNT(*) FROM fx_rates WHERE date = '2026-04-13'`).Scan(&n); err != nil || n != 29 {
			t.Errorf("2026-04-13 rows %d (%v), want 29", n, err)
		}
		if len(rec.events) != 6 || rec.events[0].Action != "fx.rates.import" {
			t.Errorf("audit %+v", rec.events)
		}
	})
}

func TestImportRejectsAllOrNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := New(d, &recorder{}, Config{})
		body := "Date,USD,\n2024-01-02,1.1,\n2024-01-01,oops,\n"
		_, err := s.Import(context.Background(), strings.NewReader(body))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 3 || pe.Record != 2 {
			t.Fatalf("error %v, want line 3 record 2", err)
		}
		var n int
		_ = d.Q(context.Background()).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM fx_rates`).Scan(&n)
		if n != 0 {
			t.Errorf("%d rates kept from a rejected file", n)
		}
	})
}

func TestRateLookup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := New(d, &recorder{}, Config{})
		importFile(t, s, "rates-test.csv")
		ctx := context.Background()
		for _, tc := range []struct {
			name, from, to, at string
			rate, date, via    string
			err                error
		}{
			{"direct", "EUR", "USD", "2024-01-02", "1.0956", "2024-01-02", "", nil},
			{"weekend uses the day before", "EUR", "USD", "2024-01-06", "1.0919", "2024-01-03", "", nil},
			{"never a future rate", "EUR", "USD", "2024-01-01", "", "", "", ErrNoRate},
			{"inverse", "JPY", "EUR", "2024-01-02", "0.0064238453138", "2024-01-02", "", nil},
			{"cross USD→JPY", "USD", "JPY", "2024-01-02", "142.08652793", "2024-01-02", "EUR", nil},
			{"cross JPY→CNY", "JPY", "CNY", "2024-01-02", "0.050275582964", "2024-01-02", "EUR", nil},
			{"cross KWD→GBP", "KWD", "GBP", "2024-01-02", "2.57222601621", "2024-01-02", "EUR", nil},
			{"cross USD→CNY", "USD", "CNY", "2024-01-03", "7.15843941753", "2024-01-03", "EUR", nil},
			{"pair on the latest day with both sides", "USD", "CNY", "2024-03-01", "7.15843941753", "2024-01-03", "EUR", nil},
			{"same currency", "USD", "USD", "2024-01-02", "1", "2024-01-02", "", nil},
			{"unpublished currency", "EUR", "BRL", "2024-01-02", "", "", "", ErrNoRate},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, err := s.Rate(ctx, tc.from, tc.to, day(tc.at))
				if !errors.Is(err, tc.err) {
					t.Fatalf("error %v, want %v", err, tc.err)
				}
				if err != nil {
					return
				}
				if r.Value != tc.rate || r.Date != tc.date || r.Via != tc.via || r.Source != SourceECB ||
					r.From != tc.from || r.To != tc.to {
					t.Errorf("got %+v, want rate %s date %s via %q", r, tc.rate, tc.date, tc.via)
				}
			})
		}
		if _, err := s.Rate(ctx, "usd", "XXY", day("2024-01-02")); err == nil {
			t.Error("invalid currencies accepted")
		} else if pe, ok := problem.As(err); !ok || len(pe.Fields) != 2 {
			t.Errorf("error %v, want two field errors", err)
		}
	})
}

func TestRatesTable(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := New(d, &recorder{}, Config{})
		importFile(t, s, "rates-test.csv")
		ctx := context.Background()
		tb, err := s.Rates(ctx, "EUR", day("2024-01-04"))
		if err != nil || tb.AsOf != "2024-01-03" || tb.Rates["USD"] != "1.0919" || len(tb.Rates) != 5 {
			t.Errorf("EUR table %+v, %v", tb, err)
		}
		tb, err = s.Rates(ctx, "USD", day("2024-02-02"))
		if err != nil || tb.AsOf != "2024-02-01" || tb.Rates["EUR"] != "0.8" || tb.Rates["JPY"] != "120.4" ||
			tb.Rates["GBP"] != "0.64" || tb.Base != "USD" {
			t.Errorf("USD table %+v, %v", tb, err)
		}
		// CNY was not published on 2024-02-01: its table is the day before's.
		tb, err = s.Rates(ctx, "CNY", day("2024-02-02"))
		if err != nil || tb.AsOf != "2024-01-03" || tb.Rates["USD"] != "0.139695252229" {
			t.Errorf("CNY table %+v, %v", tb, err)
		}
		if _, err := s.Rates(ctx, "EUR", day("2023-01-01")); !errors.Is(err, ErrNoRate) {
			t.Errorf("before any rate: %v", err)
		}
	})
}

func TestConvertRounding(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := New(d, &recorder{}, Config{})
		importFile(t, s, "rates-test.csv")
		c := s.Converter()
		for _, tc := range []struct {
			name   string
			amount string
			from   string
			to     string
			want   string
		}{
			{"JPY has no minor units, half to even down", "1.00", "EUR", "JPY", "150"}, // 150.5
			{"JPY half to even up", "3.00", "EUR", "JPY", "452"},                       // 451.5
			{"KWD has three, half to even", "1.00", "EUR", "KWD", "0.334"},             // 0.3345
			{"KWD three decimals kept", "2.00", "EUR", "KWD", "0.669"},                 // 0.669
			{"USD two", "0.02", "EUR", "USD", "0.02"},                                  // 0.025
			{"USD two, odd rounds up", "0.06", "EUR", "USD", "0.08"},                   // 0.075
			{"from JPY", "1505", "JPY", "EUR", "10.00"},                                // 1505 / 150.5
			{"cross KWD to JPY", "0.669", "KWD", "JPY", "301"},                         // 0.669 × 449.92526158
			{"large amount", "1000000000.00", "EUR", "KWD", "334500000.000"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, rate, err := c.Convert(context.Background(), money.Money{Amount: tc.amount, Currency: tc.from}, tc.to, day("2024-02-01"))
				if err != nil {
					t.Fatal(err)
				}
				if got.Amount != tc.want || got.Currency != tc.to || rate.Date != "2024-02-01" {
					t.Errorf("got %v at %+v, want %s %s", got, rate, tc.want, tc.to)
				}
			})
		}
	})
}

func quoteService(t *testing.T, d *db.DB, clk *clock, cfg Config) *Service {
	t.Helper()
	cfg.Now = clk.now
	s := New(d, &recorder{}, cfg)
	importFile(t, s, "rates-test.csv")
	return s
}

func tenant(id string) context.Context {
	return db.WithScope(context.Background(), db.Scope{TenantID: id})
}

func TestQuotes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := &clock{t: day("2024-02-01")}
		fixed := map[string]string{"EUR/USD": "1.26", "USD/EUR": "0.81", "EUR/JPY": "150.5", "EUR/KWD": "0.3345", "EUR/GBP": "0.9"}
		for _, tc := range []struct {
			name      string
			spread    int
			tenantBPS map[string]int
			req       QuoteRequest
			rate      string
			sell, buy string
			code      string
		}{
			{"sell amount with spread", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "100"}, "1.2537", "100.00", "125.37", ""},
			{"buy amount with spread", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", BuyAmount: "125.37"}, "1.2537", "100.00", "125.37", ""},
			{"tenant spread", 50, map[string]int{"t1": 100}, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "100.00"}, "1.2474", "100.00", "124.74", ""},
			{"JPY whole units half-even", 1, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "JPY", SellAmount: "1.00"}, "150.48495", "1.00", "150", ""},
			{"KWD three digits", 1, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "KWD", SellAmount: "10.00"}, "0.33446655", "10.00", "3.345", ""},
			{"just inside the band", 1, nil, QuoteRequest{SellCurrency: "USD", BuyCurrency: "EUR", SellAmount: "10"}, "0.809919", "10.00", "8.10", ""},
			{"outside the band", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "GBP", SellAmount: "10"}, "", "", "", CodeOutOfBand},
			{"no reference rate", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "BRL", SellAmount: "10"}, "", "", "", CodeNoRate},
			{"zero", 50, nil, QuoteRequest{SellCurrency: "JPY", BuyCurrency: "EUR", SellAmount: "0"}, "", "", "", CodeTooSmall},
			{"too precise", 50, nil, QuoteRequest{SellCurrency: "JPY", BuyCurrency: "EUR", SellAmount: "1.5"}, "", "", "", money.CodePrecision},
			{"both amounts", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "1", BuyAmount: "1"}, "", "", "", CodeOneAmount},
			{"same currency", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "EUR", SellAmount: "1"}, "", "", "", CodeSameCurrency},
			{"unknown currency", 50, nil, QuoteRequest{SellCurrency: "EUR", BuyCurrency: "ABC", SellAmount: "1"}, "", "", "", money.CodeCurrency},
		} {
			t.Run(tc.name, func(t *testing.T) {
				cfg := Config{SpreadBPS: tc.spread, QuoteTTL: 30 * time.Second}
				if tc.tenantBPS != nil {
					cfg.TenantSpread = func(_ context.Context, id string) (int, bool) { b, ok := tc.tenantBPS[id]; return b, ok }
				}
				s := quoteService(t, d, clk, cfg)
				s.cfg.Provider = &Sandbox{Fixed: fixed, Rates: s}
				q, err := s.CreateQuote(tenant("t1"), tc.req)
				if tc.code != "" {
					pe, ok := problem.As(err)
					if !ok {
						t.Fatalf("error %v, want %s", err, tc.code)
					}
					if pe.Code != tc.code && !(len(pe.Fields) > 0 && pe.Fields[0].Code == tc.code) {
						t.Fatalf("error %v, want %s", err, tc.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if q.Rate != tc.rate || q.SellAmount.Amount != tc.sell || q.BuyAmount.Amount != tc.buy ||
					!q.ExpiresAt.Equal(clk.t.Add(30*time.Second)) || q.Reference.Date != "2024-02-01" {
					t.Errorf("got %+v, want rate %s sell %s buy %s", q, tc.rate, tc.sell, tc.buy)
				}
				got, err := s.Quote(tenant("t1"), q.ID)
				if err != nil || got.Rate != q.Rate || got.BuyAmount != q.BuyAmount || got.SellAmount != q.SellAmount ||
					got.SpreadBPS != q.SpreadBPS || !got.ExpiresAt.Equal(q.ExpiresAt) {
					t.Errorf("stored %+v (%v), want %+v", got, err, q)
				}
			})
		}
	})
}

func TestQuoteUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := &clock{t: day("2024-02-01")}
		s := quoteService(t, d, clk, Config{QuoteTTL: 30 * time.Second})
		s.cfg.Provider = &Sandbox{Rates: s, SkewBPS: 5, Now: clk.now}
		req := QuoteRequest{SellCurrency: "USD", BuyCurrency: "JPY", SellAmount: "250.00"}
		q1, err := s.CreateQuote(tenant("t1"), req)
		if err != nil {
			t.Fatal(err)
		}
		// 150.5 / 1.25 = 120.4, skewed 5 bps and spread 50 bps.
		if q1.ProviderRate != "120.3398" || q1.Rate != "119.738101" || q1.BuyAmount.Amount != "29935" {
			t.Errorf("quote %+v", q1)
		}
		q2, _ := s.CreateQuote(tenant("t1"), req)

		for _, step := range []struct {
			name    string
			ctx     context.Context
			id      string
			advance time.Duration
			err     error
		}{
			{"another tenant cannot see it", tenant("t2"), q1.ID, 0, problem.ErrNotFound},
			{"sandbox of the tenant cannot see it", db.WithScope(context.Background(), db.Scope{TenantID: "t1", Sandbox: true}), q1.ID, 0, problem.ErrNotFound},
			{"first use", tenant("t1"), q1.ID, 29 * time.Second, nil},
			{"second use", tenant("t1"), q1.ID, 0, ErrQuoteUsed},
			{"expired", tenant("t1"), q2.ID, time.Second, ErrQuoteExpired},
			{"unknown", tenant("t1"), "fxq_nope", 0, problem.ErrNotFound},
		} {
			clk.t = clk.t.Add(step.advance)
			got, err := s.Use(step.ctx, step.id)
			if !errors.Is(err, step.err) {
				t.Fatalf("%s: error %v, want %v", step.name, err, step.err)
			}
			if err == nil && (got.Rate != q1.Rate || got.BuyAmount != q1.BuyAmount || got.UsedAt == nil) {
				t.Errorf("%s: used %+v, want exactly %+v", step.name, got, q1)
			}
		}
	})
}

func TestQuoteStaleReference(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := &clock{t: day("2024-02-05")}
		s := quoteService(t, d, clk, Config{MaxReferenceAge: 120 * time.Hour})
		req := QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "1.00"}
		if _, err := s.CreateQuote(tenant("t1"), req); err != nil {
			t.Fatalf("4½ days old: %v", err)
		}
		clk.t = day("2024-02-06")
		if _, err := s.CreateQuote(tenant("t1"), req); !errors.Is(err, problem.New(0, CodeNoRate)) {
			t.Fatalf("5½ days old: %v", err)
		}
	})
}

func TestQuoteUseConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		clk := &clock{t: day("2024-02-01")}
		s := quoteService(t, d, clk, Config{})
		q, err := s.CreateQuote(tenant("t1"), QuoteRequest{SellCurrency: "EUR", BuyCurrency: "USD", SellAmount: "1.00"})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for range 6 {
			wg.Go(func() {
				if _, err := s.Use(tenant("t1"), q.ID); err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if !errors.Is(err, ErrQuoteUsed) && !db.IsBusy(err) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if ok != 1 {
			t.Errorf("%d uses succeeded, want 1", ok)
		}
	})
}

func TestTestdataSourced(t *testing.T) {
	for _, dir := range []string{"testdata", "sample"} {
		readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() && e.Name() != "README.md" && !strings.Contains(string(readme), e.Name()) {
				t.Errorf("%s/%s has no source in its README.md", dir, e.Name())
			}
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env    map[string]string
		spread int
		ttl    time.Duration
		band   string
		bad    bool
	}{
		{env: nil},
		{env: map[string]string{"SILKGATE_FX_SPREAD_BPS": "25", "SILKGATE_FX_BAND": "0.01", "SILKGATE_FX_QUOTE_TTL": "1m"}, spread: 25, ttl: time.Minute, band: "0.01"},
		{env: map[string]string{"SILKGATE_FX_SPREAD_BPS": "-1"}, bad: true},
		{env: map[string]string{"SILKGATE_FX_BAND": "2%"}, bad: true},
		{env: map[string]string{"SILKGATE_FX_QUOTE_TTL": "0s"}, bad: true},
		{env: map[string]string{"SILKGATE_FX_MAX_REFERENCE_AGE": "soon"}, bad: true},
	} {
		c, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
		if (err != nil) != tc.bad {
			t.Errorf("%v: error %v", tc.env, err)
			continue
		}
		if !tc.bad && (c.SpreadBPS != tc.spread || c.QuoteTTL != tc.ttl || c.Band != tc.band) {
			t.Errorf("%v: %+v", tc.env, c)
		}
	}
}

func TestSeedSamples(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := New(d, &recorder{}, Config{})
		for run, want := range []int{1984 + 30 + 29, 0} {
			res, err := s.SeedSamples(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			written := 0
			for _, r := range res {
				written += r.Written
			}
			if written != want {
				t.Errorf("run %d wrote %d, want %d", run, written, want)
			}
		}
		if r, err := s.Rate(context.Background(), "USD", "CNY", day("2026-11-01")); err != nil || r.Date != "2026-04-13" {
			t.Errorf("rate %+v %v", r, err)
		}
	})
}
