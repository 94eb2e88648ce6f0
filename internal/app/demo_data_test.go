package app_test

import (
	"io"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/platform/db"
)

func count(t testing.TB, env *apptest.Env, query string) int {
	t.Helper()
	var n int
	if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDemoSampleData seeds the demo twice: the sample catalogue, orders
// and EDI traffic arrive once, through the services (audited), and are
// marked as samples.
func TestDemoSampleData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		var out strings.Builder
		if err := env.App.SeedDemo(env.Ctx, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "Sample data:") {
			t.Errorf("the first run does not mention the sample data:\n%s", out.String())
		}
		queries := map[string]string{
			"products":        `SELECT COUNT(*) FROM products WHERE sku LIKE 'DEMO-%'`,
			"sample orders":   `SELECT COUNT(*) FROM orders WHERE external_id LIKE '%-SAMPLE-%'`,
			"edi orders":      `SELECT COUNT(*) FROM orders WHERE channel LIKE 'edi-%'`,
			"statuses":        `SELECT COUNT(DISTINCT status) FROM orders`,
			"channels":        `SELECT COUNT(DISTINCT channel) FROM orders`,
			"partners":        `SELECT COUNT(*) FROM edi_partners`,
			"interchanges":    `SELECT COUNT(*) FROM edi_interchanges WHERE accepted = 1 AND rejected = 0`,
			"product audit":   `SELECT COUNT(*) FROM audit_events WHERE action = 'product.create'`,
			"order audit":     `SELECT COUNT(*) FROM audit_events WHERE action = 'order.create'`,
			"lithium battery": `SELECT COUNT(*) FROM products WHERE sku IN ('DEMO-ELE-001', 'DEMO-ELE-002')`,
			// The tour's sample reports, with findings to show.
			"demo checks": `SELECT COUNT(*) FROM compliance_checks WHERE sku IN ('DEMO-ELE-001', 'DEMO-TOY-002') AND verdict <> 'pass'`,
		}
		want := map[string]int{"products": 25, "sample orders": 60, "edi orders": 1, "statuses": 6, "channels": 10,
			"partners": 1, "interchanges": 1, "product audit": 25, "order audit": 61, "lithium battery": 2,
			"demo checks": 2}
		got := map[string]int{}
		for name, q := range queries {
			got[name] = count(t, env, q)
			if got[name] != want[name] {
				t.Errorf("%s: %d, want %d", name, got[name], want[name])
			}
		}
		// Again: nothing more.
		if err := env.App.SeedDemo(env.Ctx, io.Discard); err != nil {
			t.Fatal(err)
		}
		for name, q := range queries {
			if n := count(t, env, q); n != got[name] {
				t.Errorf("second run: %s %d → %d", name, got[name], n)
			}
		}
	})
}

// BenchmarkSeedDemo measures a first demo start on a fresh SQLite store
// (accounts, keys and the sample data): go test ./internal/app/ -run '^$'
// -bench SeedDemo -benchtime 5x.
func BenchmarkSeedDemo(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		env := apptest.New(b, db.SQLite)
		b.StartTimer()
		if err := env.App.SeedDemo(env.Ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
