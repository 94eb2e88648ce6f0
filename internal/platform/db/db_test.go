package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

func TestMigrationsMatchAcrossEngines(t *testing.T) {
	lite, err := db.Migrations(db.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := db.Migrations(db.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, lite[i].Name, pg[i].Name)
		}
	}
}

func TestStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.CheckCurrent(ctx); err != nil {
			t.Fatal(err)
		}
		// Migrating again is a no-op.
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		insert := `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, $3, $4, $5)`

		t.Run("rollback leaves nothing", func(t *testing.T) {
			boom := errors.New("boom")
			err := d.InTx(ctx, func(ctx context.Context) error {
				if _, err := d.Q(ctx).ExecContext(ctx, insert, "ten_rb", "x", "cn", "saas", now); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("got %v", err)
			}
			var n int
			d.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = $1`, "ten_rb").Scan(&n)
			if n != 0 {
				t.Fatal("rolled-back row is visible")
			}
		})
		t.Run("nested InTx joins", func(t *testing.T) {
			err := d.InTx(ctx, func(ctx context.Context) error {
				return d.InTx(ctx, func(ctx context.Context) error {
					if !db.InTransaction(ctx) {
						t.Error("no tx in ctx")
					}
					_, err := d.Q(ctx).ExecContext(ctx, insert, "ten_a", "A", "eu", "saas", now)
					return err
				})
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("unique violation detected", func(t *testing.T) {
			err := d.InTx(ctx, func(ctx context.Context) error {
				_, err := d.Q(ctx).ExecContext(ctx, insert, "ten_a", "A", "eu", "saas", now)
				return err
			})
			if !db.IsUnique(err) {
				t.Fatalf("IsUnique(%v) = false", err)
			}
		})
		t.Run("time round trip", func(t *testing.T) {
			var got time.Time
			if err := d.Q(ctx).QueryRowContext(ctx, `SELECT created_at FROM tenants WHERE id = $1`, "ten_a").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if !got.Equal(now) {
				t.Fatalf("got %v, want %v", got, now)
			}
		})
		t.Run("tenant scope enforced", func(t *testing.T) {
			if _, err := d.TenantRead(ctx); !errors.Is(err, db.ErrNoScope) {
				t.Fatalf("no scope: got %v", err)
			}
			tq, err := d.TenantRead(db.WithScope(ctx, db.Scope{TenantID: "ten_a"}))
			if err != nil {
				t.Fatal(err)
			}
			var n int
			err = tq.QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = $3`, "ten_a").Scan(&n)
			if err == nil || !strings.Contains(err.Error(), "tenant_scope_violation") {
				t.Fatalf("unscoped statement ran: %v", err)
			}
			if _, err := tq.QueryContext(ctx, `SELECT 1 FROM tenants`); err == nil {
				t.Fatal("unscoped query ran")
			}
		})
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dbtest.MustExec(t, d, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 'x')`)
		if err := d.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("migrate on a newer schema: %v", err)
		}
	})
}
