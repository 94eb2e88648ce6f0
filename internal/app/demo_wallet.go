package app

import (
	"context"
	"fmt"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// demoBalances are the demo seller's sample balances: marketplace payouts
// in the three currencies the tour converts between.
var demoBalances = []money.Money{
	{Amount: "12480.50", Currency: "USD"},
	{Amount: "3260.00", Currency: "EUR"},
	{Amount: "48900.00", Currency: "CNY"},
}

// seedDemoBalances credits the demo seller's sample balances, once: each
// entry carries an idempotency key, so a second run replays instead of
// paying twice.
func (a *App) seedDemoBalances(ctx context.Context, tenantID string) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: tenantID})
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo-seed", Type: "system", TenantID: tenantID})
	return a.DB.InTx(ctx, func(ctx context.Context) error {
		for _, m := range demoBalances {
			acct, err := a.Wallet.Open(ctx, m.Currency)
			if err != nil {
				return fmt.Errorf("demo balance %s: %w", m.Currency, err)
			}
			if _, _, err := a.Ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "demo-balance-" + m.Currency,
				Description: "Sample marketplace payout (demo data)", Metadata: map[string]string{"sample": "true"},
				Postings: []ledger.PostingInput{
					{Account: ledger.World, Direction: ledger.Debit, Amount: m},
					{Account: acct.ID, Direction: ledger.Credit, Amount: m},
				}}); err != nil {
				return fmt.Errorf("demo balance %s: %w", m.Currency, err)
			}
		}
		return nil
	})
}
