// Package railstest gives rail connector tests a tenant scope on a real
// store: rails keep their state in tenant-owned rows.
package railstest

import (
	"context"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
)

// Scope creates a tenant in d and returns a context in its live or
// sandbox scope.
func Scope(t testing.TB, d *db.DB, sandbox bool) context.Context {
	t.Helper()
	tid := ids.New("ten")
	dbtest.MustExec(t, d, `INSERT INTO tenants (id, name, region, plan, created_at) VALUES ($1, $2, 'cn', 'saas', $3)`,
		tid, "Rails "+tid, time.Now().UTC())
	return db.WithScope(context.Background(), db.Scope{TenantID: tid, Sandbox: sandbox})
}
