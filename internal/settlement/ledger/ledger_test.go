package ledger

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, audit.Event) error { return nil }

// setup returns a ledger on d and a context scoped to a fresh tenant.
func setup(t testing.TB, d *db.DB) (*Service, context.Context) {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Ledger "+tid, time.Now().UTC())
	return New(d, nopRecorder{}, nil), db.WithScope(context.Background(), db.Scope{TenantID: tid})
}

func usd(a string) money.Money { return money.Money{Amount: a, Currency: "USD"} }

func p(acct, dir, amount, cur string) PostingInput {
	return PostingInput{Account: acct, Direction: dir, Amount: money.Money{Amount: amount, Currency: cur}}
}

// transfer moves amount USD from → to (debit from, credit to).
func transfer(from, to, amount string) NewEntry {
	return NewEntry{Postings: []PostingInput{p(from, Debit, amount, "USD"), p(to, Credit, amount, "USD")}}
}

func mustAccount(t testing.TB, s *Service, ctx context.Context, code, asset string, flags ...string) Account {
	t.Helper()
	a, err := s.CreateAccount(ctx, NewAccount{Code: code, Asset: asset, Kind: "liability", Flags: flags})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mustEntry(t testing.TB, s *Service, ctx context.Context, n NewEntry) Entry {
	t.Helper()
	e, _, err := s.CreateEntry(ctx, n)
	if err != nil {
		t.Fatalf("entry %+v: %v", n, err)
	}
	return e
}

func balance(t testing.TB, s *Service, ctx context.Context, id string) Balance {
	t.Helper()
	a, err := s.GetAccount(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return *a.Balance
}

func verify(t testing.TB, s *Service, ctx context.Context) {
	t.Helper()
	ms, err := s.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) > 0 {
		t.Fatalf("balance rows disagree with postings: %+v", ms)
	}
}

// fieldCode returns the problem code and the first field's name and code.
func fieldCode(err error) (string, string, string) {
	pe, ok := problem.As(err)
	if !ok {
		return "", "", ""
	}
	if len(pe.Fields) == 0 {
		return pe.Code, "", ""
	}
	return pe.Code, pe.Fields[0].Field, pe.Fields[0].Code
}

func TestEntryValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		mustAccount(t, s, ctx, "sellers:1", "USD", NoNegative)
		eur := mustAccount(t, s, ctx, "sellers:2", "EUR")
		tests := []struct {
			name             string
			n                NewEntry
			code, field, fc  string
			param, wantParam string
		}{
			{name: "unbalanced", n: NewEntry{Postings: []PostingInput{p(World, Debit, "10.00", "USD"),
				p("sellers:1", Credit, "7.50", "USD")}}, code: "validation_failed", field: "postings", fc: "unbalanced",
				param: "difference", wantParam: "2.50"},
			{name: "unbalanced in one asset only", n: NewEntry{Postings: []PostingInput{
				p(World, Debit, "10.00", "USD"), p("sellers:1", Credit, "10.00", "USD"),
				p(World, Debit, "5", "EUR"), p("sellers:2", Credit, "6", "EUR")}},
				code: "validation_failed", field: "postings", fc: "unbalanced", param: "asset", wantParam: "EUR"},
			{name: "no postings", n: NewEntry{}, code: "validation_failed", field: "postings", fc: "required"},
			{name: "zero", n: transfer(World, "sellers:1", "0.00"), code: "validation_failed",
				field: "postings[0].amount.amount", fc: "positive"},
			{name: "negative", n: transfer(World, "sellers:1", "-1.00"), code: "validation_failed",
				field: "postings[0].amount.amount", fc: money.CodeNegative},
			{name: "too precise", n: transfer(World, "sellers:1", "1.001"), code: "validation_failed",
				field: "postings[0].amount.amount", fc: money.CodePrecision},
			{name: "unknown currency", n: NewEntry{Postings: []PostingInput{p(World, Debit, "1", "XYZ"),
				p("sellers:1", Credit, "1", "XYZ")}}, code: "validation_failed",
				field: "postings[0].amount.currency", fc: money.CodeCurrency},
			{name: "bad direction", n: NewEntry{Postings: []PostingInput{p(World, "up", "1", "USD"),
				p("sellers:1", Credit, "1", "USD")}}, code: "validation_failed", field: "postings[0].direction", fc: "one_of"},
			{name: "unknown account", n: transfer(World, "sellers:9", "1.00"), code: "validation_failed",
				field: "postings[1].account", fc: "not_found"},
			{name: "asset mismatch", n: transfer(World, "sellers:2", "1.00"), code: "validation_failed",
				field: "postings[1].account", fc: "not_found"},
			{name: "asset mismatch by id", n: transfer(World, eur.ID, "1.00"), code: "validation_failed",
				field: "postings[1].amount.currency", fc: "asset_mismatch", param: "asset", wantParam: "EUR"},
			{name: "overdraft", n: transfer("sellers:1", World, "0.01"), code: "insufficient_funds",
				field: "postings[0].account", fc: "insufficient_funds", param: "account", wantParam: "sellers:1"},
			{name: "expires without pending", n: NewEntry{ExpiresIn: 60, Postings: transfer(World, "sellers:1", "1").Postings},
				code: "validation_failed", field: "expires_in", fc: "invalid_value"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := s.CreateEntry(ctx, tc.n)
				code, field, fc := fieldCode(err)
				if code != tc.code || field != tc.field || fc != tc.fc {
					t.Fatalf("got %v (%s %s %s), want %s %s %s", err, code, field, fc, tc.code, tc.field, tc.fc)
				}
				if tc.param != "" {
					pe, _ := problem.As(err)
					if got := param(pe.Fields[0].Params, tc.param); got != tc.wantParam {
						t.Errorf("%s = %v, want %s", tc.param, got, tc.wantParam)
					}
				}
			})
		}
		// Nothing of the refused entries was written.
		var n int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM ledger_postings`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("postings after refused entries: %d, %v", n, err)
		}
		verify(t, s, ctx)
	})
}

func param(ps []any, name string) any {
	for i := 0; i+1 < len(ps); i += 2 {
		if ps[i] == name {
			return ps[i+1]
		}
	}
	return nil
}

func TestGuardsAndBalances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		seller := mustAccount(t, s, ctx, "sellers:1", "USD", NoNegative)
		capped := mustAccount(t, s, ctx, "sellers:1:cap", "USD", NoPositive)
		mustEntry(t, s, ctx, transfer(World, "sellers:1", "100.00"))
		mustEntry(t, s, ctx, NewEntry{Postings: []PostingInput{p(seller.ID, Debit, "30.00", "USD"),
			p(Fees, Credit, "1.50", "USD"), p(World, Credit, "28.50", "USD")}})
		want := Balance{DebitsPosted: usd("30.00"), CreditsPosted: usd("100.00"), DebitsPending: usd("0.00"),
			CreditsPending: usd("0.00"), Posted: usd("70.00"), Available: usd("70.00")}
		if got := balance(t, s, ctx, seller.ID); got != want {
			t.Fatalf("balance = %+v, want %+v", got, want)
		}
		if _, _, err := s.CreateEntry(ctx, transfer("sellers:1", World, "70.01")); !errors.Is(err, problem.New(409, "insufficient_funds")) {
			t.Fatalf("overdraft: %v", err)
		}
		mustEntry(t, s, ctx, transfer("sellers:1", World, "70.00"))
		// no_positive: credits may not exceed debits.
		if _, _, err := s.CreateEntry(ctx, transfer(World, capped.ID, "1.00")); !errors.Is(err, problem.New(409, "balance_limit")) {
			t.Fatalf("no_positive credit: %v", err)
		}
		mustEntry(t, s, ctx, transfer(capped.ID, World, "5.00"))
		mustEntry(t, s, ctx, transfer(World, capped.ID, "5.00"))
		verify(t, s, ctx)
		// Platform accounts were opened on first use, sharded.
		l, err := s.ListAccounts(ctx, AccountFilter{Code: Fees}, webPage())
		if err != nil || len(l.Items) != 1 || l.Items[0].Shards != platformAccounts[Fees].shards {
			t.Fatalf("fees account: %+v, %v", l, err)
		}
		if got := balance(t, s, ctx, l.Items[0].ID).Posted; got != usd("1.50") {
			t.Fatalf("fees = %v", got)
		}
	})
}

func TestMultiAssetFX(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		usdAcc := mustAccount(t, s, ctx, "sellers:1", "USD", NoNegative)
		eurAcc := mustAccount(t, s, ctx, "sellers:1", "EUR", NoNegative)
		jpy := mustAccount(t, s, ctx, "sellers:1", "JPY", NoNegative)
		mustEntry(t, s, ctx, transfer(World, "sellers:1", "100.00"))
		// Sell 100 USD for 92.35 EUR and 10 USD for 1,500 JPY, through the FX position.
		e := mustEntry(t, s, ctx, NewEntry{Description: "convert", Postings: []PostingInput{
			p("sellers:1", Debit, "100.00", "USD"), p(FXPosition, Credit, "100.00", "USD"),
			p(FXPosition, Debit, "92.35", "EUR"), p("sellers:1", Credit, "92.35", "EUR"),
		}})
		if len(e.Postings) != 4 {
			t.Fatalf("postings: %+v", e.Postings)
		}
		if got := balance(t, s, ctx, eurAcc.ID).Posted; got != (money.Money{Amount: "92.35", Currency: "EUR"}) {
			t.Fatalf("EUR = %v", got)
		}
		if got := balance(t, s, ctx, usdAcc.ID).Posted; got != usd("0.00") {
			t.Fatalf("USD = %v", got)
		}
		mustEntry(t, s, ctx, NewEntry{Postings: []PostingInput{p(World, Debit, "1500", "JPY"), p(jpy.ID, Credit, "1500", "JPY")}})
		if got := balance(t, s, ctx, jpy.ID).Posted; got != (money.Money{Amount: "1500", Currency: "JPY"}) {
			t.Fatalf("JPY = %v", got)
		}
		got, err := s.GetEntry(ctx, e.ID)
		if err != nil || len(got.Postings) != 4 || got.Postings[2].AccountCode != FXPosition || got.Description != "convert" {
			t.Fatalf("get: %+v %v", got, err)
		}
		verify(t, s, ctx)
	})
}

func TestIdempotency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		mustAccount(t, s, ctx, "sellers:1", "USD", NoNegative)
		n := transfer(World, "sellers:1", "10.00")
		n.IdempotencyKey = "payin-1"
		first, replay, err := s.CreateEntry(ctx, n)
		if err != nil || replay {
			t.Fatal(err, replay)
		}
		again, replay, err := s.CreateEntry(ctx, n)
		if err != nil || !replay || again.ID != first.ID || len(again.Postings) != 2 {
			t.Fatalf("replay: %+v %v %v", again, replay, err)
		}
		other := transfer(World, "sellers:1", "11.00")
		other.IdempotencyKey = "payin-1"
		_, _, err = s.CreateEntry(ctx, other)
		if code, field, _ := fieldCode(err); code != "idempotency_key_reused" || field != "idempotency_key" {
			t.Fatalf("reused key: %v", err)
		}
		a, _ := s.ListAccounts(ctx, AccountFilter{Code: "sellers:1"}, webPage())
		if got := balance(t, s, ctx, a.Items[0].ID).Posted; got != usd("10.00") {
			t.Fatalf("balance after replays = %v", got)
		}
		verify(t, s, ctx)
	})
}

func TestHolds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		seller := mustAccount(t, s, ctx, "sellers:1", "USD", NoNegative)
		mustEntry(t, s, ctx, transfer(World, "sellers:1", "100.00"))
		hold := func(amount string, expires int) Entry {
			n := transfer("sellers:1", PayoutsInTransit, amount)
			n.Pending, n.ExpiresIn = true, expires
			return mustEntry(t, s, ctx, n)
		}
		h := hold("60.00", 0)
		if h.Status != StatusPending || h.ExpiresAt == nil {
			t.Fatalf("hold: %+v", h)
		}
		b := balance(t, s, ctx, seller.ID)
		if b.Available != usd("40.00") || b.Posted != usd("100.00") || b.DebitsPending != usd("60.00") {
			t.Fatalf("reserved: %+v", b)
		}
		// The reservation counts against the guard.
		if _, _, err := s.CreateEntry(ctx, transfer("sellers:1", World, "40.01")); !errors.Is(err, problem.New(409, "insufficient_funds")) {
			t.Fatalf("overdraft past hold: %v", err)
		}
		// Post less than held; the rest is released.
		post, err := s.Post(ctx, h.ID, PostRequest{Postings: []PostingInput{
			p("sellers:1", Debit, "45.00", "USD"), p(PayoutsInTransit, Credit, "45.00", "USD")}})
		if err != nil || post.Kind != KindPost || post.RefID != h.ID || post.Postings[0].Amount != usd("45.00") {
			t.Fatalf("post: %+v %v", post, err)
		}
		b = balance(t, s, ctx, seller.ID)
		if b.Posted != usd("55.00") || b.Available != usd("55.00") || b.DebitsPending != usd("0.00") {
			t.Fatalf("after post: %+v", b)
		}
		// Retrying the same post answers the same post entry; another is refused.
		if again, err := s.Post(ctx, h.ID, PostRequest{Postings: []PostingInput{
			p("sellers:1", Debit, "45.00", "USD"), p(PayoutsInTransit, Credit, "45.00", "USD")}}); err != nil || again.ID != post.ID {
			t.Fatalf("post retry: %+v %v", again, err)
		}
		if _, err := s.Post(ctx, h.ID, PostRequest{}); !errors.Is(err, problem.New(409, "entry_not_pending")) {
			t.Fatalf("second post: %v", err)
		}
		if got, _ := s.GetEntry(ctx, h.ID); got.Status != StatusPosted || got.ClosedBy != post.ID {
			t.Fatalf("held entry: %+v", got)
		}
		// Post more than held, or unbalanced: refused, nothing changes.
		h2 := hold("10.00", 0)
		for name, req := range map[string]PostRequest{
			"more": {Postings: []PostingInput{p("sellers:1", Debit, "10.01", "USD"), p(PayoutsInTransit, Credit, "10.01", "USD")}},
			"unbalanced": {Postings: []PostingInput{p("sellers:1", Debit, "5.00", "USD"),
				p(PayoutsInTransit, Credit, "4.00", "USD")}},
			"foreign account": {Postings: []PostingInput{p(World, Debit, "5.00", "USD"), p(PayoutsInTransit, Credit, "5.00", "USD")}},
		} {
			if _, err := s.Post(ctx, h2.ID, req); err == nil {
				t.Fatalf("%s: posted", name)
			}
		}
		// Void releases the hold; voiding again is a no-op.
		v, err := s.Void(ctx, h2.ID)
		if err != nil || v.Status != StatusVoided {
			t.Fatalf("void: %+v %v", v, err)
		}
		if v2, err := s.Void(ctx, h2.ID); err != nil || v2.ClosedBy != v.ClosedBy {
			t.Fatalf("void again: %+v %v", v2, err)
		}
		if _, err := s.Post(ctx, h2.ID, PostRequest{}); !errors.Is(err, problem.New(409, "entry_not_pending")) {
			t.Fatalf("post voided: %v", err)
		}
		if b := balance(t, s, ctx, seller.ID); b.Available != usd("55.00") {
			t.Fatalf("after void: %+v", b)
		}
		// Expiry: a hold past its time cannot be posted, and the job voids it.
		h3 := hold("20.00", 60)
		s.now = func() time.Time { return time.Now().Add(2 * time.Minute) }
		if _, err := s.Post(ctx, h3.ID, PostRequest{}); !errors.Is(err, problem.New(409, "entry_expired")) {
			t.Fatalf("post expired: %v", err)
		}
		n, err := s.ExpireHolds(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("expire: %d %v", n, err)
		}
		if got, _ := s.GetEntry(ctx, h3.ID); got.Status != StatusVoided {
			t.Fatalf("expired hold: %+v", got)
		}
		if b := balance(t, s, ctx, seller.ID); b.Available != usd("55.00") || b.DebitsPending != usd("0.00") {
			t.Fatalf("after expiry: %+v", b)
		}
		verify(t, s, ctx)
	})
}

func TestReverse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		seller := mustAccount(t, s, ctx, "sellers:1", "USD", NoNegative)
		in := mustEntry(t, s, ctx, transfer(World, "sellers:1", "100.00"))
		out := mustEntry(t, s, ctx, transfer("sellers:1", World, "30.00"))
		rev, replay, err := s.Reverse(ctx, out.ID)
		if err != nil || replay || rev.Kind != KindReversal || rev.Postings[0].Direction != Credit {
			t.Fatalf("reverse: %+v %v", rev, err)
		}
		if b := balance(t, s, ctx, seller.ID); b.Posted != usd("100.00") {
			t.Fatalf("after reversal: %+v", b)
		}
		again, replay, err := s.Reverse(ctx, out.ID)
		if err != nil || !replay || again.ID != rev.ID {
			t.Fatalf("reverse again: %+v %v %v", again, replay, err)
		}
		// Spend, then try to reverse the pay-in: the seller no longer has it.
		mustEntry(t, s, ctx, transfer("sellers:1", World, "90.00"))
		if _, _, err := s.Reverse(ctx, in.ID); !errors.Is(err, problem.New(409, "insufficient_funds")) {
			t.Fatalf("reverse spent pay-in: %v", err)
		}
		// A posted hold is reversed by its posted amounts.
		n := transfer("sellers:1", PayoutsInTransit, "10.00")
		n.Pending = true
		h := mustEntry(t, s, ctx, n)
		if _, err := s.Post(ctx, h.ID, PostRequest{Postings: []PostingInput{
			p("sellers:1", Debit, "4.00", "USD"), p(PayoutsInTransit, Credit, "4.00", "USD")}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Reverse(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		if b := balance(t, s, ctx, seller.ID); b.Posted != usd("10.00") {
			t.Fatalf("after hold reversal: %+v", b)
		}
		// A pending entry is voided, not reversed.
		h2 := mustEntry(t, s, ctx, n)
		if _, _, err := s.Reverse(ctx, h2.ID); !errors.Is(err, problem.New(409, "entry_not_reversible")) {
			t.Fatalf("reverse pending: %v", err)
		}
		if _, err := s.GetEntry(ctx, "len_missing"); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		verify(t, s, ctx)
	})
}

func TestTenantIsolation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		_, other := setup(t, d)
		a := mustAccount(t, s, ctx, "sellers:1", "USD")
		e := mustEntry(t, s, ctx, transfer(World, a.ID, "1.00"))
		if _, err := s.GetAccount(other, a.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("other tenant's account: %v", err)
		}
		if _, err := s.GetEntry(other, e.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("other tenant's entry: %v", err)
		}
		if _, _, err := s.CreateEntry(other, transfer(World, a.ID, "1.00")); err == nil {
			t.Fatal("posted to another tenant's account")
		}
		sandbox := db.WithScope(context.Background(), db.Scope{TenantID: mustScope(ctx).TenantID, Sandbox: true})
		if _, err := s.GetAccount(sandbox, a.ID); !errors.Is(err, problem.ErrNotFound) {
			t.Fatalf("sandbox sees live account: %v", err)
		}
	})
}

func mustScope(ctx context.Context) db.Scope {
	sc, _ := db.ScopeFrom(ctx)
	return sc
}

func TestAccountValidation(t *testing.T) {
	tests := []struct {
		name  string
		n     NewAccount
		field string
	}{
		{"ok", NewAccount{Code: "sellers:1:main", Asset: "USD", Kind: "liability"}, ""},
		{"reserved", NewAccount{Code: "platform:fees", Asset: "USD", Kind: "revenue"}, "code"},
		{"bad code", NewAccount{Code: "Sellers 1", Asset: "USD", Kind: "liability"}, "code"},
		{"bad asset", NewAccount{Code: "a", Asset: "usd", Kind: "liability"}, "asset"},
		{"bad kind", NewAccount{Code: "a", Asset: "USD", Kind: "cash"}, "kind"},
		{"bad flag", NewAccount{Code: "a", Asset: "USD", Kind: "asset", Flags: []string{"frozen"}}, "flags[0]"},
		{"both flags", NewAccount{Code: "a", Asset: "USD", Kind: "asset", Flags: []string{NoNegative, NoPositive}}, "flags"},
		{"shards", NewAccount{Code: "a", Asset: "USD", Kind: "asset", Shards: MaxShards + 1}, "shards"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.n.Validate()
			_, field, _ := fieldCode(err)
			if field != tc.field {
				t.Fatalf("got %v, want field %q", err, tc.field)
			}
		})
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		m    money.Money
		want int64
	}{
		{money.Money{Amount: "12.50", Currency: "USD"}, 1250},
		{money.Money{Amount: "1500", Currency: "JPY"}, 1500},
		{money.Money{Amount: "1.234", Currency: "KWD"}, 1234},
		{money.Money{Amount: "0.01", Currency: "EUR"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.m.String(), func(t *testing.T) {
			got, err := toMinor(tc.m)
			if err != nil || got != tc.want {
				t.Fatalf("toMinor = %d, %v", got, err)
			}
			if back := fromMinor(got, tc.m.Currency); back != tc.m {
				t.Fatalf("fromMinor = %v", back)
			}
		})
	}
	if got := fromMinor(-5, "USD"); got.Amount != "-0.05" {
		t.Fatalf("negative: %v", got)
	}
}
