package rates

import (
	"context"
	"testing"

	"github.com/silkgate/silkgate/internal/logistics"
	"github.com/silkgate/silkgate/internal/platform/money"
)

// dhl is the contract's example card.
func dhl() CarrierService {
	return CarrierService{
		ID: "svc_dhl", Carrier: "DHL", Name: "Express Worldwide", Mode: "air", OriginCountries: []string{"CN"},
		Currency: "USD", VolumetricDivisor: 5000, WeightStepG: 500,
		Zones:      []Zone{{Name: "EU1", Countries: []string{"DE", "FR", "NL"}, TransitDays: logistics.Days{Min: 3, Max: 5}}},
		Rates:      []Band{{Zone: "EU1", UpToG: 500, Price: "21.00"}, {Zone: "EU1", UpToG: 2000, Price: "34.00"}},
		Additional: []Step{{Zone: "EU1", AboveG: 2000, PerG: 500, Price: "4.20"}},
		Surcharges: []Surcharge{{Type: "fuel", Percent: "18.5"},
			{Type: "remote_area", Amount: "25.00", Postcodes: map[string][]string{"DE": {"18565"}}}},
		Limits:                 Limits{MaxWeightG: 70000, MaxSideMM: 1200},
		DangerousGoodsAccepted: []string{"UN3481", "UN3091"},
	}
}

func TestChargeableWeight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		parcels     []logistics.Parcel
		div, step   int64
		vol, charge int64
	}{
		{"contract example: volumetric wins", []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}}, 5000, 500, 1800, 2000},
		{"actual wins", []logistics.Parcel{{WeightG: 2600, DimsMM: [3]int64{100, 100, 100}}}, 5000, 500, 200, 3000},
		{"exact step is not rounded", []logistics.Parcel{{WeightG: 500, DimsMM: [3]int64{10, 10, 10}}}, 5000, 500, 1, 500},
		{"a part gram counts", []logistics.Parcel{{WeightG: 1, DimsMM: [3]int64{7, 7, 7}}}, 5000, 1, 1, 1},
		{"one gram over a step rounds up", []logistics.Parcel{{WeightG: 501, DimsMM: [3]int64{10, 10, 10}}}, 5000, 500, 1, 1000},
		{"sums over parcels", []logistics.Parcel{{WeightG: 400, DimsMM: [3]int64{200, 200, 100}}, {WeightG: 400, DimsMM: [3]int64{200, 200, 100}}}, 5000, 100, 1600, 1600},
		{"sea divisor", []logistics.Parcel{{WeightG: 100_000, DimsMM: [3]int64{1000, 1000, 1000}}}, 1000, 1000, 1_000_000, 1_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ChargeableWeight(tc.parcels, tc.div, tc.step)
			if w.VolumetricG != tc.vol || w.ChargeableG != tc.charge {
				t.Errorf("got %+v, want volumetric %d chargeable %d", w, tc.vol, tc.charge)
			}
		})
	}
}

func TestPrice(t *testing.T) {
	t.Parallel()
	p := func(g int64) []logistics.Parcel {
		return []logistics.Parcel{{WeightG: g, DimsMM: [3]int64{10, 10, 10}}}
	}
	berlin := logistics.Place{Country: "DE", Postcode: "10115"}
	rugen := logistics.Place{Country: "DE", Postcode: "18565"}
	pct := func(c CarrierService, percent string) CarrierService {
		c.Surcharges = []Surcharge{{Type: "fuel", Percent: percent}}
		return c
	}
	noSur := dhl()
	noSur.Surcharges = nil
	tiered := noSur
	tiered.Additional = []Step{{Zone: "EU1", AboveG: 2000, PerG: 500, Price: "4.20"}, {Zone: "EU1", AboveG: 5000, PerG: 1000, Price: "3.00"}}
	oversize := noSur
	oversize.Surcharges = []Surcharge{{Type: "oversize", Amount: "40.00", OverSideMM: 1000}}
	zoned := noSur
	zoned.Zones = append(zoned.Zones, Zone{Name: "EU2", Countries: []string{"ES"}, TransitDays: logistics.Days{Min: 4, Max: 6}})
	zoned.Rates = append(zoned.Rates, Band{Zone: "EU2", UpToG: 2000, Price: "40.00"})
	zoned.Surcharges = []Surcharge{{Type: "other", Name: "peak", Amount: "1.00", Zones: []string{"EU2"}}}
	for _, tc := range []struct {
		name    string
		card    CarrierService
		dest    logistics.Place
		parcels []logistics.Parcel
		base    string
		total   string
		lines   int
	}{
		{"first band edge", noSur, berlin, p(500), "21.00", "21.00", 1},
		{"just above first band", noSur, berlin, p(501), "34.00", "34.00", 1},
		{"last band edge", noSur, berlin, p(2000), "34.00", "34.00", 1},
		{"one additional step", noSur, berlin, p(2001), "38.20", "38.20", 1},
		{"three additional steps", noSur, berlin, p(3500), "46.60", "46.60", 1},
		{"second tier of steps", tiered, berlin, p(6500), "65.20", "65.20", 1},
		{"fuel percentage of the base", dhl(), berlin, p(1200), "34.00", "40.29", 2},
		{"remote area postcode", dhl(), rugen, p(1200), "34.00", "65.29", 3},
		{"percentage rounds half-even down", pct(noSur, "12.5"), berlin, p(500), "21.00", "23.62", 2},
		{"percentage rounds half-even up", pct(noSur, "7.5"), berlin, p(500), "21.00", "22.58", 2},
		{"oversize applies over the side", oversize, berlin, []logistics.Parcel{{WeightG: 100, DimsMM: [3]int64{1100, 10, 10}}}, "21.00", "61.00", 2},
		{"oversize not at the threshold", oversize, berlin, []logistics.Parcel{{WeightG: 100, DimsMM: [3]int64{1000, 10, 10}}}, "21.00", "21.00", 1},
		{"zone-restricted surcharge skipped", zoned, berlin, p(500), "21.00", "21.00", 1},
		{"zone-restricted surcharge applied", zoned, logistics.Place{Country: "ES"}, p(500), "40.00", "41.00", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.card.Normalized()
			z, ok := c.zoneFor(tc.dest)
			if !ok {
				t.Fatal("no zone")
			}
			q, err := c.Price(z, tc.dest, tc.parcels)
			if err != nil {
				t.Fatal(err)
			}
			if q.Charges[0].Amount.Amount != tc.base || q.Total.Amount != tc.total || len(q.Charges) != tc.lines {
				t.Errorf("got base %s total %s lines %d (%+v), want %s %s %d", q.Charges[0].Amount.Amount,
					q.Total.Amount, len(q.Charges), q.Charges, tc.base, tc.total, tc.lines)
			}
		})
	}
}

func TestPriceJPYHasNoDecimals(t *testing.T) {
	t.Parallel()
	c := dhl()
	c.Currency = "JPY"
	c.Rates = []Band{{Zone: "EU1", UpToG: 2000, Price: "3001"}}
	c.Additional = nil
	c.Surcharges = []Surcharge{{Type: "fuel", Percent: "12.5"}}
	z, _ := c.zoneFor(logistics.Place{Country: "DE"})
	q, err := c.Price(z, logistics.Place{Country: "DE"}, []logistics.Parcel{{WeightG: 100, DimsMM: [3]int64{1, 1, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	// 3001 × 12.5 % = 375.125 → 375; total 3376.
	if q.Total != (money.Money{Amount: "3376", Currency: "JPY"}) {
		t.Errorf("total %+v", q.Total)
	}
}

func TestMatchPostcode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pc   string
		ps   []string
		want bool
	}{
		{"18565", []string{"18565"}, true},
		{"18566", []string{"18565"}, false},
		{"18566", []string{"185*"}, true},
		{"17566", []string{"185*"}, false},
		{"18000", []string{"18000-18999"}, true},
		{"18999", []string{"18000-18999"}, true},
		{"19000", []string{"18000-18999"}, false},
		{"1800", []string{"18000-18999"}, false},
		{"", []string{"185*"}, false},
		{"HS12AB", []string{"HS*"}, true},
	} {
		if got := matchPostcode(tc.pc, tc.ps); got != tc.want {
			t.Errorf("matchPostcode(%q, %q) = %v", tc.pc, tc.ps, got)
		}
	}
}

func TestZoneOrder(t *testing.T) {
	t.Parallel()
	c := dhl()
	c.Zones = []Zone{
		{Name: "DE-islands", Countries: []string{"DE"}, Postcodes: map[string][]string{"DE": {"185*", "25938-25999"}}},
		{Name: "DE", Countries: []string{"DE"}},
	}
	for pc, want := range map[string]string{"18565": "DE-islands", "25980": "DE-islands", "10115": "DE", "": "DE"} {
		z, ok := c.zoneFor(logistics.Place{Country: "DE", Postcode: pc})
		if !ok || z.Name != want {
			t.Errorf("%q: zone %v", pc, z)
		}
	}
	if _, ok := c.zoneFor(logistics.Place{Country: "US"}); ok {
		t.Error("US served")
	}
}

func TestCompareFilters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := Request{Origin: logistics.Place{Country: "CN", Postcode: "518000"}, Destination: logistics.Place{Country: "DE", Postcode: "10115"},
		Parcels: []logistics.Parcel{{WeightG: 1200, DimsMM: [3]int64{300, 200, 150}}},
		Goods:   Goods{Value: money.Money{Amount: "80.00", Currency: "USD"}}}
	girth := dhl()
	girth.Limits.MaxGirthMM = 900
	eur := dhl()
	eur.Currency = "EUR"
	for _, tc := range []struct {
		name   string
		card   CarrierService
		mod    func(*Request)
		reason string
	}{
		{"carries", dhl(), func(*Request) {}, ""},
		{"origin", dhl(), func(r *Request) { r.Origin.Country = "VN"; r.Origin.Postcode = "" }, ReasonOrigin},
		{"destination", dhl(), func(r *Request) { r.Destination = logistics.Place{Country: "US", Postcode: "10001"} }, ReasonDestination},
		{"max weight", dhl(), func(r *Request) { r.Parcels[0].WeightG = 70001 }, ReasonWeight},
		{"max weight edge", dhl(), func(r *Request) { r.Parcels[0].WeightG = 70000 }, ""},
		{"max side", dhl(), func(r *Request) { r.Parcels[0].DimsMM = [3]int64{100, 1201, 100} }, ReasonSide},
		{"max girth", girth, func(*Request) {}, ReasonGirth},
		{"accepted dangerous goods", dhl(), func(r *Request) { r.Goods.DangerousGoods = []string{"UN3481"} }, ""},
		{"refused dangerous goods", dhl(), func(r *Request) { r.Goods.DangerousGoods = []string{"UN3481", "UN1845"} }, ReasonDangerousGoods},
		{"deadline", dhl(), func(r *Request) { r.MaxTransitDays = 4 }, ReasonDeadline},
		{"deadline met", dhl(), func(r *Request) { r.MaxTransitDays = 5 }, ""},
		{"no fx for another currency", eur, func(*Request) {}, ReasonFX},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base
			r.Parcels = append([]logistics.Parcel(nil), base.Parcels...)
			tc.mod(&r)
			if err := r.Validate(); err != nil {
				t.Fatal(err)
			}
			res, err := Comparer{}.Compare(ctx, r, []CarrierService{tc.card.Normalized()})
			if err != nil {
				t.Fatal(err)
			}
			if tc.reason == "" {
				if len(res.Offers) != 1 {
					t.Fatalf("excluded: %+v", res.Excluded)
				}
				return
			}
			if len(res.Offers) != 0 || len(res.Excluded) != 1 || res.Excluded[0].Reason != tc.reason {
				t.Fatalf("got offers %d excluded %+v, want %s", len(res.Offers), res.Excluded, tc.reason)
			}
		})
	}
}
