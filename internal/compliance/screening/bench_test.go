package screening

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkScreen screens realistic queries (half variants of listed
// names, half innocent names) against every seed list:
//
//	go test ./internal/compliance/screening -run '^$' -bench Screen -benchtime 5000x
func BenchmarkScreen(b *testing.B) {
	ix, entries := seedIndex(b)
	qs := positives(entries, rand.New(rand.NewPCG(evalSeed, 3)), 500)
	qs = append(qs, negatives(entries, rand.New(rand.NewPCG(evalSeed, 4)), 500)...)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.Screen(Query{Name: qs[i%len(qs)].query})
			i++
		}
	})
}

// BenchmarkScreenCold is BenchmarkScreen with the token-similarity cache
// off: every query token is looked up in the deletion indexes again.
func BenchmarkScreenCold(b *testing.B) {
	ix, entries := seedIndex(b)
	qs := positives(entries, rand.New(rand.NewPCG(evalSeed, 3)), 500)
	qs = append(qs, negatives(entries, rand.New(rand.NewPCG(evalSeed, 4)), 500)...)
	ix.noCache = true
	defer func() { ix.noCache = false }()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			ix.Screen(Query{Name: qs[i%len(qs)].query})
			i++
		}
	})
}

// BenchmarkBuild builds the index over every seed list.
func BenchmarkBuild(b *testing.B) {
	_, entries := seedIndex(b)
	b.ReportAllocs()
	for b.Loop() {
		Build(entries)
	}
}
