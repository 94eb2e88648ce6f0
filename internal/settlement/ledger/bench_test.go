package ledger

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

// BenchmarkPostings measures ledger throughput as the target
// states it (≥ 10,000 postings/s on SQLite with group commit, single-entry
// p99 ≤ 50 ms): many concurrent writers, each writing 3-posting entries —
// a guarded seller debit, a credit to another seller and a fee to the
// sharded platform fees account — through CreateEntry, which runs in
// db.Group. It reports postings/s and the p99 latency of one entry.
//
//	go test -run '^$' -bench BenchmarkPostings -benchtime 20000x ./internal/settlement/ledger/
//
// With SILKGATE_TEST_POSTGRES set it runs on PostgreSQL too.
func BenchmarkPostings(b *testing.B) {
	for _, e := range dbtest.Engines(b) {
		b.Run(string(e), func(b *testing.B) {
			d := dbtest.Open(b, e)
			s, ctx := setup(b, d)
			const sellers = 200
			ids := make([]string, sellers)
			for i := range sellers {
				a := mustAccount(b, s, ctx, fmt.Sprintf("sellers:%d", i), "USD", NoNegative)
				ids[i] = a.ID
				mustEntry(b, s, ctx, transfer(World, a.ID, "1000000.00"))
			}
			var (
				next atomic.Int64
				mu   sync.Mutex
				lat  []time.Duration
			)
			b.SetParallelism(32) // × GOMAXPROCS writers
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					i := next.Add(1)
					from, to := ids[i%sellers], ids[(i*7+1)%sellers]
					t0 := time.Now()
					_, _, err := s.CreateEntry(ctx, NewEntry{Postings: []PostingInput{
						p(from, Debit, "1.00", "USD"), p(to, Credit, "0.97", "USD"), p(Fees, Credit, "0.03", "USD")}})
					mine = append(mine, time.Since(t0))
					if err != nil {
						b.Error(err)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N*3)/elapsed.Seconds(), "postings/s")
			if len(lat) > 0 {
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			}
			if commits, members := d.GroupStats(); commits > 0 {
				b.ReportMetric(float64(members)/float64(commits), "entries/commit")
			}
			verifyB(b, s, ctx)
		})
	}
}

func verifyB(b *testing.B, s *Service, ctx context.Context) {
	ms, err := s.Verify(ctx)
	if err != nil || len(ms) > 0 {
		b.Fatalf("verify: %v %+v", err, ms)
	}
}
