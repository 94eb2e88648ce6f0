package rates

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Request asks for offers for one shipment (POST /api/v1/logistics/rates).
type Request struct {
	Origin      logistics.Place    `json:"origin"`
	Destination logistics.Place    `json:"destination"`
	Parcels     []logistics.Parcel `json:"parcels"`
	Goods       Goods              `json:"goods"`
	// Currency is the shipper's currency, the one offers are priced and
	// ranked in; default the goods value's currency.
	Currency   string     `json:"currency,omitempty"`
	Preference Preference `json:"preference"`
	// MaxTransitDays, when set, excludes services quoting more days.
	MaxTransitDays int `json:"max_transit_days,omitempty"`
}

// Goods describes what is shipped.
type Goods struct {
	Value          money.Money `json:"value"`
	DangerousGoods []string    `json:"dangerous_goods,omitempty"`
}

// Preference weighs cost, time and quality. It is written either as a
// preset name ("balanced") or as weights ({"cost": 0.5, …}); weights need
// not add up to one.
type Preference struct {
	Preset  string  `json:"preset,omitempty"`
	Cost    float64 `json:"cost"`
	Time    float64 `json:"time"`
	Quality float64 `json:"quality"`
}

// Presets are the named preferences.
var Presets = map[string]Preference{
	"cheapest":      {Preset: "cheapest", Cost: 0.8, Time: 0.1, Quality: 0.1},
	"fastest":       {Preset: "fastest", Cost: 0.1, Time: 0.8, Quality: 0.1},
	"balanced":      {Preset: "balanced", Cost: 0.5, Time: 0.3, Quality: 0.2},
	"most_reliable": {Preset: "most_reliable", Cost: 0.2, Time: 0.2, Quality: 0.6},
}

var presetNames = []string{"cheapest", "fastest", "balanced", "most_reliable"}

// UnmarshalJSON accepts a preset name or an object of weights.
func (p *Preference) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = Preference{Preset: s}
		return nil
	}
	type plain Preference
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*p = Preference(v)
	return nil
}

// resolved returns the weights normalised to sum to one.
func (p Preference) resolved() Preference {
	if p.Preset != "" {
		if ps, ok := Presets[p.Preset]; ok {
			p = ps
		}
	}
	if p.Cost == 0 && p.Time == 0 && p.Quality == 0 {
		p = Presets["balanced"]
	}
	sum := p.Cost + p.Time + p.Quality
	p.Cost, p.Time, p.Quality = p.Cost/sum, p.Time/sum, p.Quality/sum
	return p
}

// Offer is one service's answer, priced in the shipper's currency.
type Offer struct {
	ServiceID         string         `json:"service_id"`
	Carrier           string         `json:"carrier"`
	Service           string         `json:"service"`
	Mode              logistics.Mode `json:"mode"`
	Shared            bool           `json:"shared"`
	Zone              string         `json:"zone"`
	ChargeableWeightG int64          `json:"chargeable_weight_g"`
	Weights           Weights        `json:"weights"`
	// Price is the total in the shipper's currency.
	Price money.Money `json:"price"`
	// Charges itemise the card's price in the card's currency; CardPrice
	// is their sum, and FX the rate it was converted at when the
	// currencies differ.
	Charges     []Charge       `json:"charges"`
	CardPrice   money.Money    `json:"card_price"`
	FX          *Rate          `json:"fx,omitempty"`
	TransitDays logistics.Days `json:"transit_days"`
	// QuotedDays are the card's days for the zone, whatever TransitDays
	// shows; a shipment's on-time measure is against them.
	QuotedDays logistics.Days `json:"quoted_days"`
	// TransitSource is "quoted" (the card's days) or "observed" (p80 of
	// the platform's history, once there is one).
	TransitSource string      `json:"transit_source"`
	QualityScore  float64     `json:"quality_score"`
	Score         float64     `json:"score"`
	Rank          int         `json:"rank"`
	Explain       []Criterion `json:"explain"`

	score float64 // unrounded, for ranking
	cents float64 // price, for breaking ties between equal scores
}

// Criterion explains one term of an offer's score: contribution =
// utility × weight, and the score is the sum of the contributions.
type Criterion struct {
	Criterion    string  `json:"criterion"`
	Value        string  `json:"value"`
	Unit         string  `json:"unit"`
	Utility      float64 `json:"utility"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// Exclusion reasons.
const (
	ReasonOrigin         = "origin_not_served"
	ReasonDestination    = "destination_not_served"
	ReasonWeight         = "over_max_weight"
	ReasonSide           = "over_max_side"
	ReasonGirth          = "over_max_girth"
	ReasonDangerousGoods = "dangerous_goods_not_accepted"
	ReasonDeadline       = "over_deadline"
	ReasonNoRate         = "no_rate_for_weight"
	ReasonFX             = "fx_unavailable"
)

// Excluded is a service that cannot carry the shipment, and why.
type Excluded struct {
	ServiceID string `json:"service_id"`
	Carrier   string `json:"carrier"`
	Service   string `json:"service"`
	Reason    string `json:"reason"`
	Detail    string `json:"detail,omitempty"`
}

// Result is the comparison: offers best first, and every excluded
// service with its reason.
type Result struct {
	Currency   string     `json:"currency"`
	Preference Preference `json:"preference"`
	Offers     []Offer    `json:"offers"`
	Excluded   []Excluded `json:"excluded"`
}

// Anchors are the fixed ends of the utility scales. They are constants,
// not the best and worst offer of the moment, so that an offer's score
// depends on that offer alone and adding a service never reorders the
// others (TOPSIS-style relative scaling suffers rank reversal).
type Anchors struct {
	// CostPerKg: the price per chargeable kg worth utility 1 (Best) and 0
	// (Worst), in the shipper's currency.
	CostBestPerKg, CostWorstPerKg float64
}

// Time anchors: a one-day service has utility 1, sixty days 0.
const (
	TimeBestDays  = 1
	TimeWorstDays = 60
	// Quality anchors: 0.5 or less is worth nothing, 1 is perfect.
	QualityWorst = 0.5
	QualityBest  = 1.0
)

// costAnchors per currency: about 0.5 USD/kg (sea freight) to 100 USD/kg
// (a small express parcel), written in round local figures so that they
// never move with the exchange rate.
var costAnchors = map[string]Anchors{
	"USD": {0.5, 100}, "EUR": {0.5, 100}, "GBP": {0.4, 80}, "CHF": {0.5, 100},
	"CNY": {3.5, 700}, "HKD": {4, 800}, "JPY": {75, 15000}, "KRW": {700, 140000},
	"SGD": {0.7, 135}, "AUD": {0.75, 150}, "CAD": {0.7, 140}, "NZD": {0.8, 165},
	"INR": {40, 8000}, "MYR": {2.3, 460}, "THB": {18, 3600}, "AED": {1.8, 370},
	"SAR": {1.9, 375}, "BRL": {2.5, 500}, "MXN": {9, 1800}, "RUB": {45, 9000},
	"PLN": {2, 400}, "SEK": {5, 1000}, "NOK": {5, 1000}, "DKK": {3.5, 700},
}

// AnchorsFor returns the cost anchors of a currency; ok is false when
// the platform has none fixed for it.
func AnchorsFor(cur string) (Anchors, bool) {
	a, ok := costAnchors[cur]
	return a, ok
}

// Comparer ranks services for a shipment. It is pure: give it the
// services, it reads nothing else.
type Comparer struct {
	FX FX
	// Quality returns a service's observed record on a lane; nil means no
	// history (every service gets the prior).
	Quality   func(serviceID string, origin, dest string) Observed
	Estimator Estimator
	Now       func() time.Time
}

// Validate reports every problem of r by field and fills defaults.
func (r *Request) Validate() error {
	var fs problem.Errors
	r.Origin, r.Destination = r.Origin.Normalized(), r.Destination.Normalized()
	checkPlace(&fs, "origin", r.Origin, false)
	checkPlace(&fs, "destination", r.Destination, true)
	if len(r.Parcels) == 0 {
		fs.Add("parcels", "min_items", "min", 1)
	} else if len(r.Parcels) > 500 {
		fs.Add("parcels", "max_items", "max", 500)
	}
	for i, p := range r.Parcels {
		f := fmt.Sprintf("parcels[%d]", i)
		if p.WeightG <= 0 || p.WeightG > 50_000_000 {
			fs.Add(f+".weight_g", "out_of_range", "min", 1, "max", 50_000_000)
		}
		for j, d := range p.DimsMM {
			if d <= 0 || d > 20_000 {
				fs.Add(fmt.Sprintf("%s.dims_mm[%d]", f, j), "out_of_range", "min", 1, "max", 20_000)
			}
		}
	}
	if r.Goods.Value.Currency != "" || r.Goods.Value.Amount != "" {
		if m, code, params := money.Check(r.Goods.Value, false); code != "" {
			fld := "goods.value.amount"
			if code == money.CodeCurrency {
				fld = "goods.value.currency"
			}
			fs.Add(fld, code, params...)
		} else {
			r.Goods.Value = m
		}
	}
	r.Goods.DangerousGoods = upperAll(r.Goods.DangerousGoods)
	for i, un := range r.Goods.DangerousGoods {
		if !ValidUN(un) {
			fs.Add(fmt.Sprintf("goods.dangerous_goods[%d]", i), "invalid_un_number")
		}
	}
	r.Currency = strings.ToUpper(strings.TrimSpace(r.Currency))
	if r.Currency == "" {
		r.Currency = r.Goods.Value.Currency
	}
	switch {
	case r.Currency == "":
		fs.Add("currency", "required")
	case !money.ValidCurrency(r.Currency):
		fs.Add("currency", "invalid_currency", "currency", r.Currency)
	}
	p := r.Preference
	if p.Preset != "" {
		if _, ok := Presets[p.Preset]; !ok {
			fs.Add("preference", "one_of", "values", strings.Join(presetNames, ", "))
		}
	} else {
		for _, w := range []struct {
			f string
			v float64
		}{{"preference.cost", p.Cost}, {"preference.time", p.Time}, {"preference.quality", p.Quality}} {
			if w.v < 0 || w.v > 1000 || math.IsNaN(w.v) {
				fs.Add(w.f, "out_of_range", "min", 0, "max", 1000)
			}
		}
	}
	if r.MaxTransitDays < 0 || r.MaxTransitDays > 365 {
		fs.Add("max_transit_days", "out_of_range", "min", 0, "max", 365)
	}
	return fs.Err()
}

// postcodeFormats are the national formats checked on input; countries
// not listed take any short alphanumeric postcode.
var postcodeFormats = map[string]*regexp.Regexp{
	"CN": regexp.MustCompile(`^\d{6}$`), "DE": regexp.MustCompile(`^\d{5}$`), "FR": regexp.MustCompile(`^\d{5}$`),
	"IT": regexp.MustCompile(`^\d{5}$`), "ES": regexp.MustCompile(`^\d{5}$`), "US": regexp.MustCompile(`^\d{5}(-?\d{4})?$`),
	"NL": regexp.MustCompile(`^\d{4}[A-Z]{2}$`), "GB": regexp.MustCompile(`^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$`),
	"JP": regexp.MustCompile(`^\d{3}-?\d{4}$`), "AU": regexp.MustCompile(`^\d{4}$`), "PL": regexp.MustCompile(`^\d{2}-?\d{3}$`),
	"CA": regexp.MustCompile(`^[A-Z]\d[A-Z]\d[A-Z]\d$`), "SG": regexp.MustCompile(`^\d{6}$`), "BR": regexp.MustCompile(`^\d{5}-?\d{3}$`),
	"KR": regexp.MustCompile(`^\d{5}$`), "IN": regexp.MustCompile(`^\d{6}$`), "RU": regexp.MustCompile(`^\d{6}$`),
	"BE": regexp.MustCompile(`^\d{4}$`), "AT": regexp.MustCompile(`^\d{4}$`), "CH": regexp.MustCompile(`^\d{4}$`),
}

var anyPostcode = regexp.MustCompile(`^[A-Z0-9-]{2,10}$`)

func checkPlace(fs *problem.Errors, field string, p logistics.Place, _ bool) {
	if p.Country == "" {
		fs.Add(field+".country", "required")
		return
	}
	if !logistics.ValidCountry(p.Country) {
		fs.Add(field+".country", "invalid_country", "country", p.Country)
		return
	}
	if p.Postcode == "" {
		return
	}
	re := postcodeFormats[p.Country]
	if re == nil {
		re = anyPostcode
	}
	if !re.MatchString(p.Postcode) {
		fs.Add(field+".postcode", "invalid_postcode", "country", p.Country)
	}
}

// ErrNoAnchors is returned for a shipper currency with no fixed cost
// anchors when the FX cannot carry the USD anchors over either.
var ErrNoAnchors = errors.New("rates: no cost anchors for currency")

// Compare prices every service for the request and ranks those that can
// carry it. r must have passed Validate.
func (c Comparer) Compare(ctx context.Context, r Request, services []CarrierService) (Result, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	at := now().UTC()
	fx := c.FX
	if fx == nil {
		fx = NoFX{}
	}
	est := c.Estimator
	if est.Alpha == 0 {
		est = DefaultEstimator
	}
	anchors, err := c.anchors(ctx, fx, r.Currency, at)
	if err != nil {
		return Result{}, err
	}
	pref := r.Preference.resolved()
	res := Result{Currency: r.Currency, Preference: pref, Offers: []Offer{}, Excluded: []Excluded{}}
	for i := range services {
		s := &services[i]
		o, reason, detail := c.offer(ctx, fx, est, anchors, pref, r, s, at)
		if reason != "" {
			res.Excluded = append(res.Excluded, Excluded{ServiceID: s.ID, Carrier: s.Carrier, Service: s.Name,
				Reason: reason, Detail: detail})
			continue
		}
		res.Offers = append(res.Offers, o)
	}
	slices.SortFunc(res.Offers, func(a, b Offer) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.cents, b.cents); c != 0 {
			return c
		}
		return strings.Compare(a.ServiceID, b.ServiceID)
	})
	for i := range res.Offers {
		res.Offers[i].Rank = i + 1
	}
	slices.SortFunc(res.Excluded, func(a, b Excluded) int { return strings.Compare(a.ServiceID, b.ServiceID) })
	return res, nil
}

func (c Comparer) anchors(ctx context.Context, fx FX, cur string, at time.Time) (Anchors, error) {
	if a, ok := costAnchors[cur]; ok {
		return a, nil
	}
	usd := costAnchors["USD"]
	conv := func(v float64) (float64, error) {
		m, _, err := fx.Convert(ctx, money.Money{Amount: strconv.FormatFloat(v, 'f', 2, 64), Currency: "USD"}, cur, at)
		if err != nil {
			return 0, err
		}
		return strconv.ParseFloat(m.Amount, 64)
	}
	lo, err1 := conv(usd.CostBestPerKg)
	hi, err2 := conv(usd.CostWorstPerKg)
	if err1 != nil || err2 != nil || lo <= 0 || hi <= lo {
		return Anchors{}, problem.Invalid(problem.Field{Field: "currency", Code: "no_cost_anchors",
			Params: []any{"currency", cur}})
	}
	return Anchors{lo, hi}, nil
}

func (c Comparer) offer(ctx context.Context, fx FX, est Estimator, an Anchors, pref Preference, r Request,
	s *CarrierService, at time.Time) (Offer, string, string) {
	if !slices.Contains(s.OriginCountries, r.Origin.Country) {
		return Offer{}, ReasonOrigin, r.Origin.Country
	}
	z, ok := s.zoneFor(r.Destination)
	if !ok {
		return Offer{}, ReasonDestination, strings.TrimSpace(r.Destination.Country + " " + r.Destination.Postcode)
	}
	for i, p := range r.Parcels {
		switch {
		case s.Limits.MaxWeightG > 0 && p.WeightG > s.Limits.MaxWeightG:
			return Offer{}, ReasonWeight, fmt.Sprintf("parcels[%d]: %d g > %d g", i, p.WeightG, s.Limits.MaxWeightG)
		case s.Limits.MaxSideMM > 0 && p.LongestSide() > s.Limits.MaxSideMM:
			return Offer{}, ReasonSide, fmt.Sprintf("parcels[%d]: %d mm > %d mm", i, p.LongestSide(), s.Limits.MaxSideMM)
		case s.Limits.MaxGirthMM > 0 && p.Girth() > s.Limits.MaxGirthMM:
			return Offer{}, ReasonGirth, fmt.Sprintf("parcels[%d]: %d mm > %d mm", i, p.Girth(), s.Limits.MaxGirthMM)
		}
	}
	for _, un := range r.Goods.DangerousGoods {
		if !slices.Contains(s.DangerousGoodsAccepted, un) {
			return Offer{}, ReasonDangerousGoods, un
		}
	}
	var obs Observed
	if c.Quality != nil {
		obs = c.Quality(s.ID, r.Origin.Country, r.Destination.Country)
	}
	// Observed days, where the history has them, stand in for the quoted
	// ones: the p80 is what a seller can promise a buyer.
	days, source := z.TransitDays, "quoted"
	if obs.TransitP80Days > 0 {
		days, source = logistics.Days{Min: min(z.TransitDays.Min, obs.TransitP80Days), Max: obs.TransitP80Days}, "observed"
	}
	if r.MaxTransitDays > 0 && days.Max > r.MaxTransitDays {
		return Offer{}, ReasonDeadline, fmt.Sprintf("%d > %d days", days.Max, r.MaxTransitDays)
	}
	q, err := s.Price(z, r.Destination, r.Parcels)
	if err != nil {
		return Offer{}, ReasonNoRate, ""
	}
	o := Offer{ServiceID: s.ID, Carrier: s.Carrier, Service: s.Name, Mode: s.Mode, Shared: s.Shared, Zone: z.Name,
		ChargeableWeightG: q.Weights.ChargeableG, Weights: q.Weights, Charges: q.Charges, CardPrice: q.Total,
		Price: q.Total, TransitDays: days, QuotedDays: z.TransitDays, TransitSource: source}
	if q.Total.Currency != r.Currency {
		m, rate, err := fx.Convert(ctx, q.Total, r.Currency, at)
		if err != nil {
			return Offer{}, ReasonFX, q.Total.Currency + "→" + r.Currency
		}
		o.Price, o.FX = m, &rate
	}
	o.QualityScore = round4(est.Score(obs))

	// Utilities are computed in floating point: they are scores, not
	// money, and the money itself stays in decimal strings above.
	price, _ := strconv.ParseFloat(o.Price.Amount, 64)
	o.cents = price
	// Cost per kg of the shipment, not of each card's own chargeable
	// weight: a card that rounds up to 10 kg must not look cheap per kg.
	perKg := price / (float64(refWeight(r.Parcels)) / 1000)
	uc := logUtility(perKg, an.CostBestPerKg, an.CostWorstPerKg)
	ut := logUtility(float64(max(days.Max, 1)), TimeBestDays, TimeWorstDays)
	uq := clamp((o.QualityScore - QualityWorst) / (QualityBest - QualityWorst))
	o.Explain = []Criterion{
		crit("cost", strconv.FormatFloat(perKg, 'f', 2, 64), r.Currency+"/kg", uc, pref.Cost),
		crit("time", strconv.Itoa(days.Max), "days", ut, pref.Time),
		crit("quality", strconv.FormatFloat(o.QualityScore, 'f', 4, 64), "score", uq, pref.Quality),
	}
	o.score = uc*pref.Cost + ut*pref.Time + uq*pref.Quality
	o.Score = round4(o.score)
	return o, "", ""
}

// ReferenceDivisor is the volumetric divisor of the shipment's reference
// weight, the air-express convention.
const ReferenceDivisor = 5000

// refWeight is the one weight every offer's cost per kg is measured on:
// max(actual, volumetric at ReferenceDivisor), at least one gram.
func refWeight(ps []logistics.Parcel) int64 {
	return max(ChargeableWeight(ps, ReferenceDivisor, 1).ChargeableG, 1)
}

func crit(name, value, unit string, u, w float64) Criterion {
	return Criterion{Criterion: name, Value: value, Unit: unit, Utility: round4(u), Weight: round4(w),
		Contribution: round4(u * w)}
}

// logUtility maps v onto 1 (at best) … 0 (at worst) on a log scale:
// halving a price or a transit time is worth the same anywhere on the
// scale, which is how sellers weigh a 2-day against a 4-day service and a
// 20-day against a 40-day one.
func logUtility(v, best, worst float64) float64 {
	if v <= 0 {
		return 1
	}
	return clamp((math.Log(worst) - math.Log(v)) / (math.Log(worst) - math.Log(best)))
}

func clamp(v float64) float64 { return min(max(v, 0), 1) }

func round4(v float64) float64 { return math.Round(v*10000) / 10000 }

// XMLRoot names the comparison's XML element.
func (Result) XMLRoot() string { return "rate_comparison" }

// XMLRoot names an explanation line's XML element.
func (Criterion) XMLRoot() string { return "criterion" }

// XMLRoot names an exclusion's XML element.
func (Excluded) XMLRoot() string { return "exclusion" }

// XMLRoot names the request's XML element.
func (Request) XMLRoot() string { return "rate_request" }

// OpenAPISchema describes the two spellings of a preference.
func (Preference) OpenAPISchema() map[string]any {
	weight := map[string]any{"type": "number", "minimum": 0}
	return map[string]any{
		"description": "A preset name, or weights for cost, time and quality (normalised to sum to 1; default balanced).",
		"oneOf": []any{
			map[string]any{"type": "string", "enum": presetNames},
			map[string]any{"type": "object", "properties": map[string]any{
				"preset": map[string]any{"type": "string", "enum": presetNames},
				"cost":   weight, "time": weight, "quality": weight}},
		},
	}
}
