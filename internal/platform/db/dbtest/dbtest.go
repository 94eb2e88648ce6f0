// Package dbtest gives tests a real, migrated store on every engine: a fresh
// SQLite file in t.TempDir(), and — when SILKGATE_TEST_POSTGRES holds a DSN —
// a throwaway PostgreSQL database dropped when the test ends. With
// SILKGATE_REQUIRE_POSTGRES=1 (set by CI) a missing DSN fails instead of
// skipping, so the PostgreSQL suite can never silently not run.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
)

// EnvPostgres names the variable holding the PostgreSQL test DSN.
const EnvPostgres = "SILKGATE_TEST_POSTGRES"

// Engines lists the engines available to this test run.
func Engines(t testing.TB) []db.Engine {
	es := []db.Engine{db.SQLite}
	if os.Getenv(EnvPostgres) != "" {
		es = append(es, db.Postgres)
	} else if os.Getenv("SILKGATE_REQUIRE_POSTGRES") == "1" {
		t.Fatalf("%s is not set but SILKGATE_REQUIRE_POSTGRES=1", EnvPostgres)
	}
	return es
}

// Each runs fn as a subtest once per available engine, each with its own
// fresh, migrated store.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh, migrated store on engine e.
func Open(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	dsn, dir := DSN(t, e)
	d, err := db.Open(context.Background(), dir, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d
}

// DSN returns a connection string for a fresh, empty database on engine e
// (dropped at cleanup) and a data folder for it. For SQLite the DSN is empty
// and the data folder holds the file.
func DSN(t testing.TB, e db.Engine) (dsn, dataDir string) {
	t.Helper()
	dataDir = t.TempDir()
	if e == db.SQLite {
		return "", dataDir
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skipf("%s not set", EnvPostgres)
	}
	name := "silkgate_t_" + strings.TrimPrefix(ids.New("x"), "x_")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String(), dataDir
}

// MustExec runs statements that set up a test, failing it on error.
func MustExec(t testing.TB, d *db.DB, query string, args ...any) {
	t.Helper()
	if _, err := d.Writer().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatal(fmt.Errorf("%s: %w", query, err))
	}
}
