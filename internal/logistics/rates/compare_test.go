package rates

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

func TestEstimator(t *testing.T) {
	t.Parallel()
	e := DefaultEstimator
	for _, tc := range []struct {
		name string
		o    Observed
		want float64
	}{
		{"no history is the prior", Observed{}, 0.8},
		{"three perfect shipments barely move it", Observed{N: 3, OnTime: 3, FirstAttempt: 3, TrackingComplete: 3}, (3 + 16.0) / 23},
		{"three thousand perfect ones dominate", Observed{N: 3000, OnTime: 3000, FirstAttempt: 3000, TrackingComplete: 3000}, (3000 + 16.0) / 3020},
		{"losses pull it down", Observed{N: 100, OnTime: 80, LostOrDamaged: 20, FirstAttempt: 80, TrackingComplete: 80}, (96.0/120*3 + 96.0/120) / 4},
		{"impossible counts are clamped", Observed{N: 10, OnTime: 50, FirstAttempt: -3, TrackingComplete: 10}, (26.0/30 + 26.0/30 + 16.0/30 + 26.0/30) / 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := e.Score(tc.o); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("Score = %v, want %v", got, tc.want)
			}
		})
	}
	few := e.Score(Observed{N: 3, OnTime: 3, FirstAttempt: 3, TrackingComplete: 3})
	many := e.Score(Observed{N: 3000, OnTime: 2850, LostOrDamaged: 3, FirstAttempt: 2900, TrackingComplete: 2990})
	if few >= many {
		t.Errorf("3 perfect shipments (%v) outrank 3000 good ones (%v)", few, many)
	}
}

func TestPreference(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   Preference
		cost float64
	}{
		{Preference{}, 0.5},
		{Preference{Preset: "cheapest"}, 0.8},
		{Preference{Preset: "fastest"}, 0.1},
		{Preference{Preset: "most_reliable"}, 0.2},
		{Preference{Cost: 2, Time: 1, Quality: 1}, 0.5},
	} {
		p := tc.in.resolved()
		if math.Abs(p.Cost-tc.cost) > 1e-9 || math.Abs(p.Cost+p.Time+p.Quality-1) > 1e-9 {
			t.Errorf("%+v resolved to %+v", tc.in, p)
		}
	}
	var p Preference
	if err := p.UnmarshalJSON([]byte(`"fastest"`)); err != nil || p.Preset != "fastest" {
		t.Errorf("string form: %+v %v", p, err)
	}
	if err := p.UnmarshalJSON([]byte(`{"cost": 0.5, "time": 0.3, "quality": 0.2}`)); err != nil || p.Time != 0.3 || p.Preset != "" {
		t.Errorf("object form: %+v %v", p, err)
	}
}

// randomCard makes a plausible card for the ranking properties.
func randomCard(rng *rand.Rand, i int) CarrierService {
	cur := []string{"USD", "CNY", "EUR"}[rng.IntN(3)]
	days := 1 + rng.IntN(40)
	c := CarrierService{ID: fmt.Sprintf("svc_%03d", i), Carrier: fmt.Sprintf("Carrier %d", i), Name: "Service",
		Mode: "air", OriginCountries: []string{"CN"}, Currency: cur, VolumetricDivisor: int64([]int{5000, 6000, 8000}[rng.IntN(3)]),
		WeightStepG: int64([]int{10, 100, 500}[rng.IntN(3)]),
		Zones:       []Zone{{Name: "Z", Countries: []string{"DE", "FR", "US"}, TransitDays: logistics.Days{Min: days, Max: days + rng.IntN(5)}}}}
	price := 5 + rng.IntN(40)
	for g := int64(500); g <= 2000; g += 500 {
		c.Rates = append(c.Rates, Band{Zone: "Z", UpToG: g, Price: fmt.Sprintf("%d.%02d", price, rng.IntN(100))})
		price += 1 + rng.IntN(10)
	}
	c.Additional = []Step{{Zone: "Z", AboveG: 2000, PerG: 500, Price: fmt.Sprintf("%d.50", 1+rng.IntN(5))}}
	c.Surcharges = []Surcharge{{Type: "fuel", Percent: fmt.Sprintf("%d.5", rng.IntN(25))}}
	return c
}

// fixedFX converts at fixed rates, recording itself as the source.
type fixedFX map[string]string

func (f fixedFX) Convert(_ context.Context, m money.Money, to string, at time.Time) (money.Money, Rate, error) {
	if m.Currency == to {
		return m, Rate{}, nil
	}
	r, ok := f[m.Currency+to]
	if !ok {
		return money.Money{}, Rate{}, ErrNoRate
	}
	a, err := m.Decimal()
	if err != nil {
		return money.Money{}, Rate{}, err
	}
	b, err := a.Convert(to, r)
	if err != nil {
		return money.Money{}, Rate{}, err
	}
	return money.From(b), Rate{From: m.Currency, To: to, Rate: r, Source: "test", Date: at.Format(time.DateOnly)}, nil
}

var testFX = fixedFX{"CNYUSD": "0.1380", "EURUSD": "1.0823", "USDCNY": "7.2450", "EURCNY": "7.8400"}

func shipment() Request {
	return Request{Origin: logistics.Place{Country: "CN", Postcode: "518000"}, Destination: logistics.Place{Country: "DE", Postcode: "10115"},
		Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}},
		Goods:   Goods{Value: money.Money{Amount: "80.00", Currency: "USD"}}}
}

func offerIDs(os []Offer) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.ServiceID
	}
	return out
}

// TestAddingAServiceNeverReorders is the property the fixed anchors buy:
// the offers' relative order with a service added is their order
// without it.
func TestAddingAServiceNeverReorders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 50 {
		n := 2 + rng.IntN(20)
		cards := make([]CarrierService, n)
		for i := range cards {
			cards[i] = randomCard(rng, i)
		}
		r := shipment()
		r.Preference = Preference{Cost: rng.Float64(), Time: rng.Float64(), Quality: rng.Float64()}
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		cmpr := Comparer{FX: testFX}
		before, err := cmpr.Compare(ctx, r, cards[:n-1])
		if err != nil {
			t.Fatal(err)
		}
		after, err := cmpr.Compare(ctx, r, cards)
		if err != nil {
			t.Fatal(err)
		}
		got := slices.DeleteFunc(offerIDs(after.Offers), func(id string) bool { return id == cards[n-1].ID })
		if !slices.Equal(got, offerIDs(before.Offers)) {
			t.Fatalf("trial %d: adding %s reordered %v into %v", trial, cards[n-1].ID, offerIDs(before.Offers), got)
		}
		for _, o := range after.Offers {
			for _, b := range before.Offers {
				if b.ServiceID == o.ServiceID && b.Score != o.Score {
					t.Fatalf("trial %d: %s scored %v then %v", trial, o.ServiceID, b.Score, o.Score)
				}
			}
		}
	}
}

func TestCompareRankingAndExplain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cheapSlow := dhl()
	cheapSlow.ID, cheapSlow.Name = "svc_cheap", "Economy"
	cheapSlow.Zones[0].TransitDays = logistics.Days{Min: 20, Max: 30}
	cheapSlow.Rates = []Band{{Zone: "EU1", UpToG: 2000, Price: "9.00"}}
	cheapSlow.Surcharges = nil
	fast := dhl()
	fast.ID = "svc_fast"
	fast.Zones[0].TransitDays = logistics.Days{Min: 1, Max: 2}
	cards := []CarrierService{cheapSlow, fast}
	for _, tc := range []struct {
		pref  Preference
		first string
	}{
		{Preference{Preset: "cheapest"}, "svc_cheap"},
		{Preference{Preset: "fastest"}, "svc_fast"},
		{Preference{Cost: 1}, "svc_cheap"},
		{Preference{Time: 1}, "svc_fast"},
	} {
		r := shipment()
		r.Preference = tc.pref
		if err := r.Validate(); err != nil {
			t.Fatal(err)
		}
		res, err := Comparer{}.Compare(ctx, r, cards)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Offers) != 2 || res.Offers[0].ServiceID != tc.first || res.Offers[0].Rank != 1 || res.Offers[1].Rank != 2 {
			t.Errorf("%+v: order %v", tc.pref, offerIDs(res.Offers))
		}
		for _, o := range res.Offers {
			sum := 0.0
			for _, c := range o.Explain {
				if math.Abs(c.Contribution-c.Utility*c.Weight) > 1e-3 {
					t.Errorf("%s %s: contribution %v ≠ %v × %v", o.ServiceID, c.Criterion, c.Contribution, c.Utility, c.Weight)
				}
				sum += c.Contribution
			}
			if math.Abs(sum-o.Score) > 1e-3 {
				t.Errorf("%s: contributions add to %v, score %v", o.ServiceID, sum, o.Score)
			}
			if o.QualityScore != 0.8 || o.TransitSource != "quoted" {
				t.Errorf("%s: quality %v source %s", o.ServiceID, o.QualityScore, o.TransitSource)
			}
		}
	}
}

func TestCompareConvertsCurrency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := dhl()
	c.Currency = "CNY"
	c.Rates = []Band{{Zone: "EU1", UpToG: 2000, Price: "200.00"}}
	c.Surcharges = nil
	r := shipment()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := Comparer{FX: testFX}.Compare(ctx, r, []CarrierService{c})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Offers) != 1 {
		t.Fatalf("excluded %+v", res.Excluded)
	}
	o := res.Offers[0]
	if o.Price != (money.Money{Amount: "27.60", Currency: "USD"}) || o.CardPrice.Currency != "CNY" || o.FX == nil || o.FX.Rate != "0.1380" {
		t.Errorf("offer %+v fx %+v", o.Price, o.FX)
	}
	// Without FX the same offer is excluded, never compared in CNY.
	res, err = Comparer{}.Compare(ctx, r, []CarrierService{c})
	if err != nil || len(res.Offers) != 0 || res.Excluded[0].Reason != ReasonFX {
		t.Errorf("no FX: %+v %v", res, err)
	}
	// A currency without anchors and no FX cannot be ranked at all.
	r.Currency = "ISK"
	if _, err := (Comparer{}).Compare(ctx, r, []CarrierService{c}); err == nil {
		t.Error("ISK ranked without anchors")
	}
}

func TestRequestValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mod    func(*Request)
		fields []string
	}{
		{"valid", func(*Request) {}, nil},
		{"zero weight and bad side", func(r *Request) { r.Parcels[0].WeightG = 0; r.Parcels[0].DimsMM[1] = -1 },
			[]string{"parcels[0].weight_g", "parcels[0].dims_mm[1]"}},
		{"no parcels", func(r *Request) { r.Parcels = nil }, []string{"parcels"}},
		{"unknown country", func(r *Request) { r.Destination.Country = "XX" }, []string{"destination.country"}},
		{"postcode format", func(r *Request) { r.Destination.Postcode = "1011" }, []string{"destination.postcode"}},
		{"bad UN number", func(r *Request) { r.Goods.DangerousGoods = []string{"3481"} }, []string{"goods.dangerous_goods[0]"}},
		{"unknown preset", func(r *Request) { r.Preference = Preference{Preset: "greenest"} }, []string{"preference"}},
		{"negative weight", func(r *Request) { r.Preference = Preference{Cost: -1} }, []string{"preference.cost"}},
		{"no currency", func(r *Request) { r.Goods.Value = money.Money{} }, []string{"currency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := shipment()
			tc.mod(&r)
			assertFields(t, r.Validate(), tc.fields)
		})
	}
}

func assertFields(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected %v", err)
		}
		return
	}
	pe, ok := problem.As(err)
	if !ok {
		t.Fatalf("want fields %v, got %v", want, err)
	}
	var got []string
	for _, f := range pe.Fields {
		got = append(got, f.Field)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s in %v", w, got)
		}
	}
}

func TestCardValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mod    func(*CarrierService)
		fields []string
	}{
		{"contract example", func(*CarrierService) {}, nil},
		{"empty", func(c *CarrierService) { *c = CarrierService{} }, []string{"carrier", "name", "mode", "origin_countries",
			"currency", "volumetric_divisor", "weight_step_g", "zones", "rates"}},
		{"zone fields", func(c *CarrierService) {
			c.Zones = append(c.Zones, Zone{Name: "EU1", Countries: []string{"QQ"}, Postcodes: map[string][]string{"QQ": {"18*5"}}})
		}, []string{"zones[1].name", "zones[1].countries[0]", "zones[1].postcodes.QQ", "zones[1].postcodes.QQ[0]", "zones[1].transit_days.min"}},
		{"bands", func(c *CarrierService) {
			c.Rates[1].UpToG = 400
			c.Rates[0].Price = "21.001"
			c.Rates = append(c.Rates, Band{Zone: "X", UpToG: 1, Price: "1"})
		},
			[]string{"rates[1].up_to_g", "rates[0].price", "rates[2].zone"}},
		{"steps", func(c *CarrierService) { c.Additional[0].AboveG = 2500; c.Additional[0].PerG = 0 },
			[]string{"additional[0].above_g", "additional[0].per_g"}},
		{"surcharges", func(c *CarrierService) {
			c.Surcharges = []Surcharge{{Type: "tax", Percent: "x"}, {Type: "fuel", Percent: "1", Amount: "2"}, {Type: "remote_area", Amount: "1"}, {Type: "oversize", Amount: "1"}}
		}, []string{"surcharges[0].type", "surcharges[0].percent", "surcharges[1].amount", "surcharges[2].postcodes", "surcharges[3].over_side_mm"}},
		{"limits and goods", func(c *CarrierService) { c.Limits.MaxSideMM = -1; c.DangerousGoodsAccepted = []string{"UN34"} },
			[]string{"limits.max_side_mm", "dangerous_goods_accepted[0]"}},
		{"mode", func(c *CarrierService) { c.Mode = "teleport" }, []string{"mode"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dhl()
			tc.mod(&c)
			assertFields(t, c.Validate(), tc.fields)
		})
	}
}

func TestSampleServicesAreValid(t *testing.T) {
	t.Parallel()
	cs, err := SampleServices()
	if err != nil {
		t.Fatal(err)
	}
	modes := map[logistics.Mode]bool{}
	for _, c := range cs {
		if err := c.Validate(); err != nil {
			t.Errorf("%s %s: %v", c.Carrier, c.Name, err)
		}
		if !strings.Contains(c.Name, "sample data") || !strings.Contains(c.Notes, "Sample data") {
			t.Errorf("%s is not marked as sample data", c.Name)
		}
		modes[c.Mode] = true
	}
	if !modes["air"] || !modes["post"] || !modes["sea"] {
		t.Errorf("modes %v", modes)
	}
}

// TestCostIsMeasuredOnTheShipment: a card that rounds up to a big weight
// step is dearer, however cheap it looks per chargeable kg.
func TestCostIsMeasuredOnTheShipment(t *testing.T) {
	t.Parallel()
	small := dhl()
	small.ID, small.Surcharges = "svc_small", nil // 2 kg chargeable, 34.00
	bulk := dhl()
	bulk.ID, bulk.Surcharges, bulk.WeightStepG = "svc_bulk", nil, 10000
	bulk.Rates = []Band{{Zone: "EU1", UpToG: 10000, Price: "60.00"}} // 6.00 per chargeable kg
	bulk.Additional = nil
	r := shipment()
	r.Preference = Preference{Cost: 1}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := Comparer{}.Compare(context.Background(), r, []CarrierService{bulk, small})
	if err != nil {
		t.Fatal(err)
	}
	if got := offerIDs(res.Offers); !slices.Equal(got, []string{"svc_small", "svc_bulk"}) {
		t.Errorf("order %v", got)
	}
	if v := res.Offers[0].Explain[0].Value; v != "18.89" { // 34.00 ÷ 1.8 kg
		t.Errorf("cost value %s", v)
	}
}
