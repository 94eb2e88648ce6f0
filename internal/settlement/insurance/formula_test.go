package insurance

import (
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func d(t *testing.T, s string) *apd.Decimal {
	t.Helper()
	if s == "" {
		return nil
	}
	x, _, err := apd.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestFormula(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                         string
		basis                        Basis
		value, freight, rate, uplift string
		min, cur                     string
		cif, insured, premium        string
		minimum                      bool
	}{
		// The worked example of marine practice: CIF = CFR / (1 − 1.1 × rate).
		{"CFR solved", BasisCFR, "100000", "", "0.005", "10", "25", "USD", "100553.04", "110608.35", "553.04", false},
		{"CIF 110 %", BasisCIF, "10000.00", "", "0.0025", "10", "25", "USD", "10000.00", "11000.00", "27.50", false},
		{"FOB plus freight", BasisFOB, "50000.00", "3000.00", "0.004", "10", "25", "USD", "53234.23", "58557.65", "234.23", false},
		{"uplift 20 %", BasisCIF, "10000.00", "", "0.0025", "20", "25", "USD", "10000.00", "12000.00", "30.00", false},
		{"minimum premium CIF", BasisCIF, "1000.00", "", "0.0025", "10", "25.00", "USD", "1000.00", "1100.00", "25.00", true},
		// With the minimum, the solved CIF is CFR + the minimum premium.
		{"minimum premium CFR", BasisCFR, "1000.00", "", "0.0025", "10", "25.00", "USD", "1025.00", "1127.50", "25.00", true},
		{"half-even down", BasisCIF, "1002.00", "", "0.0025", "0", "0", "USD", "1002.00", "1002.00", "2.50", false},
		{"JPY no decimals", BasisCFR, "1000000", "", "0.003", "10", "3000", "JPY", "1003311", "1103642", "3311", false},
		{"JPY half-even to even (down)", BasisCIF, "1000", "", "0.0025", "0", "0", "JPY", "1000", "1000", "2", false},
		{"JPY half-even to even (up)", BasisCIF, "1400", "", "0.0025", "0", "0", "JPY", "1400", "1400", "4", false},
		{"JPY minimum", BasisCIF, "5000000", "", "0.0025", "10", "15000", "JPY", "5000000", "5500000", "15000", true},
		{"KWD three decimals", BasisCFR, "12345.678", "", "0.0035", "10", "8.000", "KWD", "12393.393", "13632.732", "47.715", false},
		{"KWD half-even", BasisCIF, "0.300", "", "0.005", "0", "0", "KWD", "0.300", "0.300", "0.002", false},
		{"KWD half-even zero", BasisCIF, "0.100", "", "0.005", "0", "0", "KWD", "0.100", "0.100", "0.000", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := Formula{Basis: tc.basis, Value: d(t, tc.value), Freight: d(t, tc.freight), Rate: d(t, tc.rate),
				Uplift: d(t, tc.uplift), MinPremium: d(t, tc.min), Currency: tc.cur}
			r, err := f.Compute()
			if err != nil {
				t.Fatal(err)
			}
			want := Result{CIF: money.Money{Amount: tc.cif, Currency: tc.cur},
				InsuredValue: money.Money{Amount: tc.insured, Currency: tc.cur},
				Premium:      money.Money{Amount: tc.premium, Currency: tc.cur}, MinimumApplied: tc.minimum}
			if r != want {
				t.Fatalf("got %+v\nwant %+v", r, want)
			}
		})
	}
}

func TestSampleTariffPrices(t *testing.T) {
	t.Parallel()
	tr, err := SampleTariff()
	if err != nil {
		t.Fatal(err)
	}
	usd := func(a string) money.Money { return money.Money{Amount: a, Currency: "USD"} }
	req, p, err := tr.Price(QuoteRequest{CargoValue: usd("100000"), Incoterm: "CFR", Commodity: "electronics",
		Transport: "sea", Route: Route{From: "CN", To: "BR"}})
	if err != nil {
		t.Fatal(err)
	}
	// electronics by sea 0.0040 × medium band 1.25 = 0.005: the worked example.
	if p.Rate != "0.005" || p.Band != "medium" || p.CIF.Amount != "100553.04" || p.InsuredValue.Amount != "110608.35" ||
		p.Premium.Amount != "553.04" || req.CargoValue.Amount != "100000.00" {
		t.Fatalf("%+v %+v", p, req)
	}
	// deductible 1 % of the insured value, above the USD minimum.
	if p.Deductible.Amount != "1106.08" {
		t.Fatalf("deductible %s", p.Deductible)
	}
	_, p, err = tr.Price(QuoteRequest{CargoValue: usd("2000"), Incoterm: "CIF", Commodity: "general",
		Transport: "air", Route: Route{From: "CN", To: "DE"}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.MinimumApplied || p.Premium.Amount != "25.00" || p.Deductible.Amount != "100.00" || p.Band != "low" {
		t.Fatalf("minimum: %+v", p)
	}
	// The riskier end of the route sets the band.
	if _, p, _ = tr.Price(QuoteRequest{CargoValue: usd("100000"), Incoterm: "CIF", Commodity: "general",
		Transport: "sea", Route: Route{From: "NG", To: "DE"}}); p.Band != "high" || p.Rate != "0.004" {
		t.Fatalf("band: %+v", p)
	}
}

func TestPriceRefusesBadInput(t *testing.T) {
	t.Parallel()
	tr, err := SampleTariff()
	if err != nil {
		t.Fatal(err)
	}
	ok := QuoteRequest{CargoValue: money.Money{Amount: "1000.00", Currency: "USD"}, Incoterm: "CIF",
		Commodity: "general", Transport: "sea", Route: Route{From: "CN", To: "DE"}}
	tests := []struct {
		name   string
		change func(*QuoteRequest)
		field  string
		code   string
	}{
		{"unknown currency", func(q *QuoteRequest) { q.CargoValue.Currency = "XXY" }, "cargo_value.currency", money.CodeCurrency},
		{"currency not written", func(q *QuoteRequest) { q.CargoValue.Currency = "ZAR" }, "cargo_value.currency", CodeCurrencyNotWrit},
		{"too precise", func(q *QuoteRequest) { q.CargoValue.Amount = "10.001" }, "cargo_value.amount", money.CodePrecision},
		{"JPY decimals", func(q *QuoteRequest) { q.CargoValue = money.Money{Amount: "100.5", Currency: "JPY"} }, "cargo_value.amount", money.CodePrecision},
		{"negative", func(q *QuoteRequest) { q.CargoValue.Amount = "-5.00" }, "cargo_value.amount", money.CodeNegative},
		{"zero", func(q *QuoteRequest) { q.CargoValue.Amount = "0" }, "cargo_value.amount", CodeNotPositive},
		{"float notation", func(q *QuoteRequest) { q.CargoValue.Amount = "1e3" }, "cargo_value.amount", money.CodeAmount},
		{"FOB needs freight", func(q *QuoteRequest) { q.Incoterm = "FOB" }, "freight", "required"},
		{"freight currency", func(q *QuoteRequest) {
			q.Incoterm, q.Freight = "FOB", &money.Money{Amount: "10.00", Currency: "EUR"}
		}, "freight.currency", CodeCurrencyMatch},
		{"unknown incoterm", func(q *QuoteRequest) { q.Incoterm = "XYZ" }, "incoterm", "one_of"},
		{"unknown commodity", func(q *QuoteRequest) { q.Commodity = "gold" }, "commodity", "one_of"},
		{"unknown transport", func(q *QuoteRequest) { q.Transport = "pipeline" }, "transport", "one_of"},
		{"sanctioned destination", func(q *QuoteRequest) { q.Route.To = "IR" }, "route.to", CodeRouteExcluded},
		{"war-risk origin", func(q *QuoteRequest) { q.Route.From = "UA" }, "route.from", CodeRouteExcluded},
		{"bad country", func(q *QuoteRequest) { q.Route.To = "XX" }, "route.to", "invalid_country"},
		{"uplift too large", func(q *QuoteRequest) { q.UpliftPercent = "150" }, "uplift_percent", CodeUplift},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := ok
			tc.change(&q)
			_, _, err := tr.Price(q)
			pe, isProblem := problem.As(err)
			if !isProblem || pe.Status != 422 {
				t.Fatalf("want 422, got %v", err)
			}
			for _, f := range pe.Fields {
				if f.Field == tc.field && f.Code == tc.code {
					return
				}
			}
			t.Fatalf("no %s/%s in %v", tc.field, tc.code, pe.Fields)
		})
	}
}

func TestParseTariffRefusesBadTables(t *testing.T) {
	t.Parallel()
	good := string(sampleTariff)
	for name, bad := range map[string]string{
		"negative rate": strings.Replace(good, `air: "0.0015"`, `air: "-0.0015"`, 1),
		"bad ttl":       strings.Replace(good, "quote_ttl: 72h", "quote_ttl: soon", 1),
		"bad country":   strings.Replace(good, "CU: sanctions", "QQ: sanctions", 1),
		"bad minimum":   strings.Replace(good, `JPY: "3500"`, `JPY: "3500.5"`, 1),
	} {
		if _, err := ParseTariff([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParseTariff([]byte(good)); err != nil {
		t.Fatal(err)
	}

}

func TestUnknownCommodityNamesOnlyCommodity(t *testing.T) {
	t.Parallel()
	tr, err := SampleTariff()
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = tr.Price(QuoteRequest{CargoValue: money.Money{Amount: "1000.00", Currency: "USD"}, Incoterm: "CIF",
		Commodity: "gold", Transport: "sea", Route: Route{From: "CN", To: "DE"}})
	pe, _ := problem.As(err)
	if pe == nil || len(pe.Fields) != 1 || pe.Fields[0].Field != "commodity" {
		t.Fatalf("%v", err)
	}
}
