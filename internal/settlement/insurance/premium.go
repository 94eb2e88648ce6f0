package insurance

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/silkgate/silkgate/internal/platform/iso"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// decCtx carries enough digits that no intermediate of a premium loses a
// minor unit; only the final amounts are rounded, half-even.
var decCtx = apd.Context{Precision: 34, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent,
	Traps: apd.DefaultTraps, Rounding: apd.RoundHalfEven}

// RateDigits is the number of decimals a quoted rate carries.
const RateDigits = 6

// Basis says how an Incoterm's value relates to the CIF value the
// insured value is built on.
type Basis int

const (
	// BasisCIF: the value already includes carriage and insurance (CIF,
	// CIP and the D terms, whose value covers at least as much).
	BasisCIF Basis = iota
	// BasisCFR: the value includes carriage but not the premium (CFR,
	// CPT); the premium is solved for.
	BasisCFR
	// BasisFOB: the value includes neither (FOB, FAS, EXW, FCA); freight
	// must be given and the premium is solved for.
	BasisFOB
)

// Incoterms maps each Incoterms 2020 rule to its basis.
var Incoterms = map[string]Basis{
	"CIF": BasisCIF, "CIP": BasisCIF, "DAP": BasisCIF, "DPU": BasisCIF, "DDP": BasisCIF,
	"CFR": BasisCFR, "CPT": BasisCFR,
	"FOB": BasisFOB, "FAS": BasisFOB, "EXW": BasisFOB, "FCA": BasisFOB,
}

// Formula is the arithmetic of one quote, free of tariff look-ups:
// Value (and Freight) in one currency, Rate a fraction of the insured
// value, Uplift the percentage added to CIF (10 for the customary 110 %),
// MinPremium in the same currency.
type Formula struct {
	Basis      Basis
	Value      *apd.Decimal
	Freight    *apd.Decimal
	Rate       *apd.Decimal
	Uplift     *apd.Decimal
	MinPremium *apd.Decimal
	Currency   string
}

// Result is what a Formula yields, each amount rounded half-even to the
// currency's minor units.
type Result struct {
	CIF            money.Money
	InsuredValue   money.Money
	Premium        money.Money
	MinimumApplied bool
}

// Compute prices f:
//
//	factor  = 1 + uplift/100
//	CIF     = value                              (CIF basis)
//	CIF     = (value + freight) / (1 − rate × factor)  (CFR, FOB bases)
//	insured = round(CIF × factor)
//	premium = round(insured × rate)
//
// When the premium falls below the minimum it is the minimum, and a
// solved CIF is value + freight + minimum premium.
func (f Formula) Compute() (Result, error) {
	var (
		factor, base, cif, rf, denom, insured, premium apd.Decimal
		one                                            = apd.New(1, 0)
	)
	if _, err := decCtx.Quo(&factor, f.Uplift, apd.New(100, 0)); err != nil {
		return Result{}, err
	}
	if _, err := decCtx.Add(&factor, &factor, one); err != nil {
		return Result{}, err
	}
	base.Set(f.Value)
	if f.Basis == BasisFOB {
		if f.Freight == nil {
			return Result{}, fmt.Errorf("insurance: FOB basis without freight")
		}
		if _, err := decCtx.Add(&base, &base, f.Freight); err != nil {
			return Result{}, err
		}
	}
	cif.Set(&base)
	if f.Basis != BasisCIF {
		if _, err := decCtx.Mul(&rf, f.Rate, &factor); err != nil {
			return Result{}, err
		}
		if _, err := decCtx.Sub(&denom, one, &rf); err != nil {
			return Result{}, err
		}
		if denom.Sign() <= 0 {
			return Result{}, fmt.Errorf("insurance: rate %s × %s leaves nothing to insure", f.Rate, &factor)
		}
		if _, err := decCtx.Quo(&cif, &base, &denom); err != nil {
			return Result{}, err
		}
	}
	var r Result
	priceFrom := func() error {
		if _, err := decCtx.Mul(&insured, &cif, &factor); err != nil {
			return err
		}
		if err := roundTo(&insured, f.Currency); err != nil {
			return err
		}
		if _, err := decCtx.Mul(&premium, &insured, f.Rate); err != nil {
			return err
		}
		return roundTo(&premium, f.Currency)
	}
	if err := priceFrom(); err != nil {
		return Result{}, err
	}
	if f.MinPremium != nil && premium.Cmp(f.MinPremium) < 0 {
		r.MinimumApplied = true
		if f.Basis != BasisCIF {
			if _, err := decCtx.Add(&cif, &base, f.MinPremium); err != nil {
				return Result{}, err
			}
			if _, err := decCtx.Mul(&insured, &cif, &factor); err != nil {
				return Result{}, err
			}
			if err := roundTo(&insured, f.Currency); err != nil {
				return Result{}, err
			}
		}
		premium.Set(f.MinPremium)
		if err := roundTo(&premium, f.Currency); err != nil {
			return Result{}, err
		}
	}
	if err := roundTo(&cif, f.Currency); err != nil {
		return Result{}, err
	}
	r.CIF = money.Money{Amount: cif.Text('f'), Currency: f.Currency}
	r.InsuredValue = money.Money{Amount: insured.Text('f'), Currency: f.Currency}
	r.Premium = money.Money{Amount: premium.Text('f'), Currency: f.Currency}
	return r, nil
}

// roundTo rounds d half-even to the minor units of currency.
func roundTo(d *apd.Decimal, currency string) error {
	digits, ok := money.Digits(currency)
	if !ok {
		return fmt.Errorf("insurance: unknown currency %q", currency)
	}
	_, err := decCtx.Quantize(d, d, int32(-digits))
	return err
}

// dec parses a decimal string the caller has already checked.
func dec(s string) (*apd.Decimal, error) {
	d, _, err := apd.NewFromString(s)
	return d, err
}

// Route is where the cargo travels: ISO 3166 alpha-2 countries.
type Route struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// QuoteRequest asks for a quote (the CONTRACT's body).
type QuoteRequest struct {
	CargoValue money.Money  `json:"cargo_value"`
	Incoterm   string       `json:"incoterm"`
	Freight    *money.Money `json:"freight,omitempty"`
	Commodity  string       `json:"commodity"`
	Transport  string       `json:"transport"`
	Route      Route        `json:"route"`
	// UpliftPercent is the percentage added to CIF for the insured value;
	// the tariff's default (10, i.e. 110 % of CIF) when empty.
	UpliftPercent string `json:"uplift_percent,omitempty"`
}

// Problem codes of quotes.
const (
	CodeRouteExcluded   = "insurance_route_excluded"
	CodeCurrencyNotWrit = "insurance_currency_not_written"
	CodeCurrencyMatch   = "must_be_currency"
	CodeNotPositive     = "positive"
	CodeUplift          = "insurance_uplift"
)

// Pricing is a priced quote request with how it was priced.
type Pricing struct {
	Result
	Rate          string      `json:"rate"`
	BaseRate      string      `json:"base_rate"`
	Band          string      `json:"band"`
	BandFactor    string      `json:"band_factor"`
	UpliftPercent string      `json:"uplift_percent"`
	Deductible    money.Money `json:"deductible"`
}

// checkMoney validates a positive amount of money, adding field errors
// under name ("cargo_value.amount").
func checkMoney(fs *problem.Errors, name string, m money.Money) (money.Money, bool) {
	n, code, params := money.Check(m, false)
	if code == money.CodeCurrency {
		fs.Add(name+".currency", code, params...)
		return m, false
	}
	if code != "" {
		fs.Add(name+".amount", code, params...)
		return m, false
	}
	if d, _ := dec(n.Amount); d == nil || d.Sign() <= 0 {
		fs.Add(name+".amount", CodeNotPositive)
		return m, false
	}
	return n, true
}

// Price validates req against t and prices it. The returned request is
// normalised (amounts at their minor units, codes upper-case as given).
func (t *Tariff) Price(req QuoteRequest) (QuoteRequest, Pricing, error) {
	var fs problem.Errors
	cargo, okCargo := checkMoney(&fs, "cargo_value", req.CargoValue)
	req.CargoValue = cargo
	basis, okTerm := Incoterms[req.Incoterm]
	if !okTerm {
		fs.Add("incoterm", "one_of", "values", strings.Join(sortedKeys(Incoterms), ", "))
	}
	if okTerm && basis == BasisFOB && req.Freight == nil {
		fs.Add("freight", "required")
	}
	if req.Freight != nil {
		fr, ok := checkMoney(&fs, "freight", *req.Freight)
		if ok && okCargo && fr.Currency != cargo.Currency {
			fs.Add("freight.currency", CodeCurrencyMatch, "currency", cargo.Currency)
		}
		req.Freight = &fr
	}
	if okCargo {
		if _, ok := t.MinimumPremium[cargo.Currency]; !ok {
			fs.Add("cargo_value.currency", CodeCurrencyNotWrit, "currency", cargo.Currency,
				"currencies", strings.Join(t.Currencies(), ", "))
		}
	}
	com, okCom := t.Commodities[req.Commodity]
	if !okCom {
		fs.Add("commodity", "one_of", "values", strings.Join(t.CommodityClasses(), ", "))
	}
	if !slices.Contains(Transports, req.Transport) {
		fs.Add("transport", "one_of", "values", strings.Join(Transports, ", "))
	}
	for _, p := range []struct{ field, code string }{{"route.from", req.Route.From}, {"route.to", req.Route.To}} {
		if !iso.Country(p.code) {
			fs.Add(p.field, "invalid_country", "country", p.code)
		} else if why, ok := t.Excluded[p.code]; ok {
			fs.Add(p.field, CodeRouteExcluded, "country", p.code, "reason", why)
		}
	}
	uplift := t.dec["uplift"]
	if req.UpliftPercent != "" {
		u, _, err := apd.NewFromString(req.UpliftPercent)
		if err != nil || u.Negative || u.Cmp(apd.New(100, 0)) > 0 || u.Exponent < -2 || strings.ContainsAny(req.UpliftPercent, "eE") {
			fs.Add("uplift_percent", CodeUplift)
		} else {
			uplift = u
		}
	}
	if err := fs.Err(); err != nil {
		return req, Pricing{}, err
	}
	band := t.band(req.Route.From)
	if bt := t.band(req.Route.To); t.dec["band/"+bt].Cmp(t.dec["band/"+band]) > 0 {
		band = bt
	}
	var rate apd.Decimal
	if _, err := decCtx.Mul(&rate, t.dec["rate/"+req.Commodity+"/"+req.Transport], t.dec["band/"+band]); err != nil {
		return req, Pricing{}, err
	}
	if _, err := decCtx.Quantize(&rate, &rate, -RateDigits); err != nil {
		return req, Pricing{}, err
	}
	rate.Reduce(&rate)
	f := Formula{Basis: basis, Rate: &rate, Uplift: uplift, MinPremium: t.dec["minimum_premium/"+cargo.Currency],
		Currency: cargo.Currency}
	f.Value, _ = dec(cargo.Amount)
	if req.Freight != nil && basis == BasisFOB {
		f.Freight, _ = dec(req.Freight.Amount)
	}
	res, err := f.Compute()
	if err != nil {
		return req, Pricing{}, err
	}
	// deductible = max(insured × percent / 100, minimum)
	var ded apd.Decimal
	ins, _ := dec(res.InsuredValue.Amount)
	if _, err := decCtx.Mul(&ded, ins, t.dec["deductible/"+req.Commodity]); err != nil {
		return req, Pricing{}, err
	}
	if _, err := decCtx.Quo(&ded, &ded, apd.New(100, 0)); err != nil {
		return req, Pricing{}, err
	}
	if err := roundTo(&ded, cargo.Currency); err != nil {
		return req, Pricing{}, err
	}
	if minD := t.dec["minimum_deductible/"+cargo.Currency]; ded.Cmp(minD) < 0 {
		ded.Set(minD)
		if err := roundTo(&ded, cargo.Currency); err != nil {
			return req, Pricing{}, err
		}
	}
	return req, Pricing{Result: res, Rate: rate.Text('f'), BaseRate: com.rate(req.Transport), Band: band,
		BandFactor: t.Bands[band].Factor, UpliftPercent: uplift.Text('f'),
		Deductible: money.Money{Amount: ded.Text('f'), Currency: cargo.Currency}}, nil
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
