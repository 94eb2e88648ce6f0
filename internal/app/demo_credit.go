package app

import (
	"context"
	"fmt"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/credit"
)

// demoCreditLimits are sample buyers' credit limits for the demo seller,
// marked as sample data in their note, so the credit pages and
// POST /api/v1/credit/check have something to answer about.
var demoCreditLimits = []struct {
	buyer string
	limit money.Money
	grade string
}{
	{"SAMPLE Berlin Spielwaren GmbH", money.Money{Amount: "20000.00", Currency: "EUR"}, "A"},
	{"SAMPLE Austin Toy Outlet LLC", money.Money{Amount: "15000.00", Currency: "USD"}, "C"},
}

// seedDemoCredit sets the sample limits; setting them again changes
// nothing, so it is safe on every demo start.
func (a *App) seedDemoCredit(ctx context.Context, tenantID string) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: tenantID})
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo-seed", Type: "system", TenantID: tenantID})
	for _, l := range demoCreditLimits {
		if _, err := a.Credit.SetLimit(ctx, l.buyer, credit.LimitRequest{Limit: l.limit, Grade: l.grade,
			Note: "sample data (demo)"}); err != nil {
			return fmt.Errorf("demo credit limit %s: %w", l.buyer, err)
		}
	}
	return nil
}
