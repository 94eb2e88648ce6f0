package rates

import (
	"context"
	"math/rand/v2"
	"testing"
)

// BenchmarkCompare ranks one shipment over 100 services in three
// currencies, the size the p99 ≤ 5 ms target is set for. Run it with
//
//	go test -run '^$' -bench BenchmarkCompare -benchmem ./internal/logistics/rates/
func BenchmarkCompare(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	cards := make([]CarrierService, 100)
	for i := range cards {
		cards[i] = randomCard(rng, i).Normalized()
	}
	r := shipment()
	r.Goods.DangerousGoods = nil
	r.Preference = Preference{Preset: "balanced"}
	if err := r.Validate(); err != nil {
		b.Fatal(err)
	}
	c := Comparer{FX: testFX}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Compare(ctx, r, cards)
		if err != nil || len(res.Offers) != 100 {
			b.Fatalf("%d offers, %v", len(res.Offers), err)
		}
	}
}
