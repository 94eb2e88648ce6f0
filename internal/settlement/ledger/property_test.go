package ledger

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

var seedFlag = flag.Uint64("ledger.seed", 0, "seed of the property tests (0: from the clock)")

func seed(t *testing.T) uint64 {
	s := *seedFlag
	if s == 0 {
		s = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with -ledger.seed=%d)", s, s)
	return s
}

// amount draws 0.01 … max (in minor units) of asset.
func amount(r *rand.Rand, max int64, asset string) string {
	return fromMinor(1+r.Int64N(max), asset).Amount
}

// refusal reports whether err is an outcome the ledger may legitimately
// answer under contention (as opposed to a bug).
func refusal(err error) bool {
	for _, code := range []string{"insufficient_funds", "balance_limit", "entry_not_pending", "entry_not_reversible"} {
		if errors.Is(err, problem.New(409, code)) {
			return true
		}
	}
	return false
}

// checkEntryBalances asserts that e's postings balance per asset.
func checkEntryBalances(t testing.TB, e Entry) {
	t.Helper()
	sums := map[string]int64{}
	for _, p := range e.Postings {
		n, err := toMinor(p.Amount)
		if err != nil || n <= 0 {
			t.Errorf("entry %s: posting amount %v", e.ID, p.Amount)
		}
		if p.Direction == Debit {
			sums[p.Amount.Currency] += n
		} else {
			sums[p.Amount.Currency] -= n
		}
	}
	for a, d := range sums {
		if d != 0 {
			t.Errorf("entry %s does not balance in %s: %d", e.ID, a, d)
		}
	}
}

// checkInvariants asserts, from the store, that every guarded shard is
// within its guard, that every entry balances per asset, that balances
// of every asset sum to zero, and that the balance rows are the sums of
// the postings.
func checkInvariants(t *testing.T, s *Service, d *db.DB, ctx context.Context) {
	t.Helper()
	q, err := d.TenantRead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
		WHERE b.tenant_id = $1 AND b.sandbox = $2 AND (
			(a.flags = 1 AND b.debits_posted + b.debits_pending > b.credits_posted) OR
			(a.flags = 2 AND b.credits_posted + b.credits_pending > b.debits_posted) OR
			b.debits_posted < 0 OR b.credits_posted < 0 OR b.debits_pending < 0 OR b.credits_pending < 0)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d balance rows break their guard", n)
	}
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT entry_id, asset FROM ledger_postings
		WHERE tenant_id = $1 AND sandbox = $2 GROUP BY entry_id, asset HAVING SUM(debit) <> SUM(credit)) x`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d entries do not balance", n)
	}
	rows, err := q.QueryContext(ctx, `SELECT a.asset, SUM(b.credits_posted - b.debits_posted),
		SUM(b.credits_pending - b.debits_pending) FROM ledger_balances b JOIN ledger_accounts a ON a.id = b.account_id
		WHERE b.tenant_id = $1 AND b.sandbox = $2 GROUP BY a.asset`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			asset          string
			posted, pendng int64
		)
		if err := rows.Scan(&asset, &posted, &pendng); err != nil {
			t.Fatal(err)
		}
		if posted != 0 || pendng != 0 {
			t.Errorf("%s: balances sum to %d posted, %d pending; want 0", asset, posted, pendng)
		}
	}
	verify(t, s, ctx)
}

// TestPropertyConcurrent runs random writers against guarded, sharded and
// platform accounts in several assets at once, on both engines, and then
// proves the ledger's invariants.
func TestPropertyConcurrent(t *testing.T) {
	sd := seed(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		type acct struct{ ref, asset string }
		var accts []acct
		for i := range 5 {
			accts = append(accts, acct{mustAccount(t, s, ctx, fmt.Sprintf("sellers:%d", i), "USD", NoNegative).ID, "USD"})
		}
		for i := range 3 {
			accts = append(accts, acct{mustAccount(t, s, ctx, fmt.Sprintf("sellers:%d", i), "EUR", NoNegative).ID, "EUR"})
		}
		hot, err := s.CreateAccount(ctx, NewAccount{Code: "pool", Asset: "USD", Kind: "liability",
			Flags: []string{NoNegative}, Shards: 4})
		if err != nil {
			t.Fatal(err)
		}
		accts = append(accts, acct{hot.ID, "USD"})
		for _, a := range accts {
			mustEntry(t, s, ctx, NewEntry{Postings: []PostingInput{p(World, Debit, "100.00", a.asset), p(a.ref, Credit, "100.00", a.asset)}})
		}
		of := func(asset string) []acct {
			var out []acct
			for _, a := range accts {
				if a.asset == asset {
					out = append(out, a)
				}
			}
			return out
		}
		const writers, ops = 8, 40
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			entries  []Entry
			refusals int
		)
		stop, stopped := make(chan struct{}), make(chan struct{})
		// A reader samples guarded balances while the writers run.
		go func() {
			defer close(stopped)
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, a := range accts {
					acc, err := s.GetAccount(ctx, a.ref)
					if err != nil {
						t.Error(err)
						return
					}
					if n, _ := toMinor(acc.Balance.Available); acc.Balance.Available.Amount[0] == '-' || n < 0 {
						t.Errorf("%s available %v", acc.Code, acc.Balance.Available)
					}
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(sd, uint64(w)))
				var mine []Entry
				for range ops {
					asset := []string{"USD", "USD", "EUR"}[r.IntN(3)]
					pool := of(asset)
					from, to := pool[r.IntN(len(pool))], pool[r.IntN(len(pool))]
					var (
						e   Entry
						err error
					)
					switch op := r.IntN(6); op {
					case 0, 1: // a plain transfer, with a fee
						amt := 1 + r.Int64N(3000)
						fee := r.Int64N(amt)
						legs := []PostingInput{
							{Account: from.ref, Direction: Debit, Amount: fromMinor(amt, asset)},
							{Account: to.ref, Direction: Credit, Amount: fromMinor(amt-fee, asset)},
						}
						if fee > 0 {
							legs = append(legs, PostingInput{Account: Fees, Direction: Credit, Amount: fromMinor(fee, asset)})
						}
						e, _, err = s.CreateEntry(ctx, NewEntry{Postings: legs})
					case 2: // a hold, posted in part, voided or left to expire
						n := NewEntry{Pending: true, Postings: []PostingInput{p(from.ref, Debit, amount(r, 3000, asset), asset),
							p(PayoutsInTransit, Credit, "", asset)}}
						n.Postings[1].Amount.Amount = n.Postings[0].Amount.Amount
						e, _, err = s.CreateEntry(ctx, n)
						if err == nil {
							switch r.IntN(3) {
							case 0:
								held, _ := toMinor(n.Postings[0].Amount)
								part := fromMinor(1+r.Int64N(held), asset).Amount
								var pe Entry
								pe, err = s.Post(ctx, e.ID, PostRequest{Postings: []PostingInput{p(from.ref, Debit, part, asset),
									p(PayoutsInTransit, Credit, part, asset)}})
								if err == nil {
									checkEntryBalances(t, pe)
								}
							case 1:
								_, err = s.Void(ctx, e.ID)
							}
						}
					case 3: // a conversion through the FX position
						src, dst := of("USD")[r.IntN(len(of("USD")))], of("EUR")[r.IntN(len(of("EUR")))]
						sell, buy := amount(r, 2000, "USD"), amount(r, 2000, "EUR")
						e, _, err = s.CreateEntry(ctx, NewEntry{Postings: []PostingInput{
							p(src.ref, Debit, sell, "USD"), p(FXPosition, Credit, sell, "USD"),
							p(FXPosition, Debit, buy, "EUR"), p(dst.ref, Credit, buy, "EUR")}})
					case 4: // a reversal of one of mine
						if len(mine) > 0 {
							e, _, err = s.Reverse(ctx, mine[r.IntN(len(mine))].ID)
						}
					case 5: // a deposit from the world
						amt := amount(r, 1000, asset)
						e, _, err = s.CreateEntry(ctx, NewEntry{Postings: []PostingInput{p(World, Debit, amt, asset), p(to.ref, Credit, amt, asset)}})
					}
					switch {
					case err == nil && e.ID != "":
						checkEntryBalances(t, e)
						mine = append(mine, e)
					case err != nil && refusal(err):
						mu.Lock()
						refusals++
						mu.Unlock()
					case err != nil:
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
				mu.Lock()
				entries = append(entries, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(stop)
		<-stopped
		t.Logf("%d entries, %d refusals", len(entries), refusals)
		checkInvariants(t, s, d, ctx)
		// Every stored entry reads back balanced.
		for _, e := range entries {
			got, err := s.GetEntry(ctx, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			checkEntryBalances(t, got)
		}
		// Expire what is left pending; the invariants still hold.
		s.now = func() time.Time { return time.Now().Add(48 * time.Hour) }
		if _, err := s.ExpireHolds(context.Background()); err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, s, d, ctx)
	})
}

// TestPropertyReversalsRestore writes random entries and then reverses
// them all, newest first: every balance returns to where it started.
func TestPropertyReversalsRestore(t *testing.T) {
	sd := seed(t)
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		r := rand.New(rand.NewPCG(sd, 99))
		var ids []string
		for i := range 4 {
			a := mustAccount(t, s, ctx, fmt.Sprintf("sellers:%d", i), "USD", NoNegative)
			ids = append(ids, a.ID)
			mustEntry(t, s, ctx, transfer(World, a.ID, "500.00"))
		}
		hot, err := s.CreateAccount(ctx, NewAccount{Code: "pool", Asset: "USD", Kind: "liability", Shards: 3})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, hot.ID)
		snapshot := func() map[string]Balance {
			out := map[string]Balance{}
			l, err := s.ListAccounts(ctx, AccountFilter{}, webPage())
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range l.Items {
				out[a.ID] = balance(t, s, ctx, a.ID)
			}
			return out
		}
		before := snapshot()
		var written []Entry
		for range 60 {
			from, to := ids[r.IntN(len(ids))], ids[r.IntN(len(ids))]
			amt := amount(r, 5000, "USD")
			legs := []PostingInput{p(from, Debit, amt, "USD"), p(to, Credit, amt, "USD")}
			if r.IntN(2) == 0 {
				fee := amount(r, 100, "USD")
				legs = append(legs, p(World, Debit, fee, "USD"), p(Fees, Credit, fee, "USD"))
			}
			e, _, err := s.CreateEntry(ctx, NewEntry{Postings: legs})
			if err != nil {
				if refusal(err) {
					continue
				}
				t.Fatal(err)
			}
			written = append(written, e)
		}
		for i := len(written) - 1; i >= 0; i-- {
			if _, _, err := s.Reverse(ctx, written[i].ID); err != nil {
				t.Fatalf("reverse %s: %v", written[i].ID, err)
			}
		}
		after := snapshot()
		for id, b := range before {
			a := after[id]
			if a.Posted != b.Posted || a.Available != b.Available {
				t.Errorf("%s: %v before, %v after reversing everything", id, b.Posted, a.Posted)
			}
		}
		checkInvariants(t, s, d, ctx)
	})
}
