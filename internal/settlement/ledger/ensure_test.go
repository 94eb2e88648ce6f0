package ledger

import (
	"context"
	"testing"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// blindList hides existing accounts from its first listing, as if
// another request opened the account between the lookup and the opening.
type blindList struct {
	*Service
	blind bool
}

func (b *blindList) ListAccounts(ctx context.Context, f AccountFilter, p web.Page) (web.List[Account], error) {
	if b.blind {
		b.blind = false
		return web.List[Account]{}, nil
	}
	return b.Service.ListAccounts(ctx, f, p)
}

func TestEnsureAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s, ctx := setup(t, d)
		opened := mustAccount(t, s, ctx, "seller:opened", "EUR")
		for _, tc := range []struct {
			name, code string
			l          Accounts
			want       string // id expected; "" means a new account
		}{
			{"opens a missing account", "seller:new", s, ""},
			{"finds an open account", "seller:opened", s, opened.ID},
			{"finds an account opened meanwhile", "seller:opened", &blindList{Service: s, blind: true}, opened.ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				id, err := EnsureAccount(ctx, tc.l, NewAccount{Code: tc.code, Asset: "EUR", Kind: "liability"})
				if err != nil {
					t.Fatal(err)
				}
				if id == "" || (tc.want != "" && id != tc.want) {
					t.Fatalf("id = %q, want %q", id, tc.want)
				}
				again, err := EnsureAccount(ctx, s, NewAccount{Code: tc.code, Asset: "EUR", Kind: "liability"})
				if err != nil || again != id {
					t.Fatalf("second call = %q, %v; want %q", again, err, id)
				}
			})
		}
	})
}
