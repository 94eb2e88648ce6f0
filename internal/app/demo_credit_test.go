package app_test

import (
	"io"
	"testing"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/platform/db"
)

// TestDemoCredit seeds the demo twice: the sample buyers' limits are
// there once, marked as sample data.
func TestDemoCredit(t *testing.T) {
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
	ls, err := env.App.Credit.ListLimits(db.WithScope(env.Ctx, db.Scope{TenantID: tenant}), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].Note != "sample data (demo)" || ls[0].Limit.Currency != "USD" || ls[1].Limit.Amount != "20000.00" {
		t.Fatalf("demo limits %+v", ls)
	}
}
