package app_test

import (
	"io"
	"testing"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// TestDemoBalances seeds the demo twice: the demo seller holds its sample
// balances in USD, EUR and CNY once, not twice.
func TestDemoBalances(t *testing.T) {
	env := apptest.New(t, db.SQLite)
	for range 2 {
		if err := env.App.SeedDemo(env.Ctx, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var tenant string
	if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT tenant_id FROM users WHERE email = $1`,
		app.DemoOwnerEmail).Scan(&tenant); err != nil {
		t.Fatal(err)
	}
	b, err := env.App.Wallet.Balances(db.WithScope(env.Ctx, db.Scope{TenantID: tenant}))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, it := range b.Items {
		got[it.Currency] = it.Available.Amount
	}
	if len(got) != 3 || got["USD"] != "12480.50" || got["EUR"] != "3260.00" || got["CNY"] != "48900.00" {
		t.Errorf("demo balances %v", got)
	}
}
