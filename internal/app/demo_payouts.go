package app

import (
	"context"
	"fmt"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/connectors/rail/bankfile"
	"github.com/silkgate/silkgate/internal/connectors/rail/ecny"
	"github.com/silkgate/silkgate/internal/connectors/rail/sandboxbank"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/settlement/payouts"
)

// demoSellers are the demo tenant's sample sellers with marketplace
// proceeds waiting to be paid out: in live data one paid in euros through
// the bank-file rail, in sandbox data the same seller through the sandbox
// bank and one paid in yuan to an e-CNY wallet (sandbox rails serve
// sandbox data only). Every call is idempotent, so a demo seeded again
// gains nothing twice.
var demoSellers = []struct {
	id      string
	sandbox bool
	account payouts.PayoutAccountInput
	gross   money.Money
	fee     money.Money
}{
	{"yiwu-bright-toys-eu", false, payouts.PayoutAccountInput{Name: "Yiwu Bright Toys Europe (sample)", Currency: "EUR",
		Rail: bankfile.Name, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
		money.Money{Amount: "1250.00", Currency: "EUR"}, money.Money{Amount: "37.50", Currency: "EUR"}},
	{"yiwu-bright-toys-eu", true, payouts.PayoutAccountInput{Name: "Yiwu Bright Toys Europe (sample)", Currency: "EUR",
		Rail: sandboxbank.Name, IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX"},
		money.Money{Amount: "1250.00", Currency: "EUR"}, money.Money{Amount: "37.50", Currency: "EUR"}},
	{"yiwu-bright-toys-cn", true, payouts.PayoutAccountInput{Name: "义乌明亮玩具有限公司（示例）", Currency: "CNY",
		Rail: ecny.Name, Wallet: ecny.TestWallet},
		money.Money{Amount: "8600.00", Currency: "CNY"}, money.Money{Amount: "258.00", Currency: "CNY"}},
}

func (a *App) seedDemoPayouts(ctx context.Context, tenantID string) error {
	ctx = audit.WithActor(ctx, audit.Actor{ID: "demo-seed", Type: "system", TenantID: tenantID})
	for _, s := range demoSellers {
		ctx := db.WithScope(ctx, db.Scope{TenantID: tenantID, Sandbox: s.sandbox})
		if err := a.DB.InTx(ctx, func(ctx context.Context) error {
			if _, err := a.Payouts.PutPayoutAccount(ctx, s.id, s.account); err != nil {
				return fmt.Errorf("demo payout account %s: %w", s.id, err)
			}
			fee := s.fee
			if _, _, err := a.Payouts.RecordProceeds(ctx, payouts.ProceedsInput{SellerID: s.id, Marketplace: "sample-marketplace",
				Reference: "SAMPLE-SETTLEMENT-" + s.id, Gross: s.gross, Fee: &fee}); err != nil {
				return fmt.Errorf("demo proceeds %s: %w", s.id, err)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}
