package console

import (
	"net/http"

	"github.com/silkgate/silkgate/internal/identity"
)

// module is a function module of the platform as the console presents it.
// Until a module ships its own pages, its page here says honestly what it
// will do and that it is not available yet — never sample data.
//
// When a module package registers its own console pages, drop its entry's
// Path from this table (the routes would collide) and keep the navigation
// entry pointing at the module's page.
type module struct {
	Key    string // "compliance": catalog keys are console.module.<Key>.*
	NavKey string
	Path   string
	Perm   string
	// Clauses of the standard the module implements, shown on its page.
	Clauses []string
	// Points is how many console.module.<Key>.point.N entries describe it.
	Points int
	// Pages are the module's pages that exist; the module page links them
	// and its badge says the module is available (Partial: in part).
	Pages   []navItem
	Partial bool
	// APIKey names a sentence on what the module already offers through
	// the API only.
	APIKey string
}

var modules = []module{
	{Key: "compliance", NavKey: "console.nav.compliance", Path: "/compliance", Perm: identity.PermComplianceRead,
		Clauses: []string{"4.4.2", "5.1.2", "6.3.1.1", "6.3.1.2", "6.3.1.3"}, Points: 4, Pages: compliancePages},
	{Key: "settlement", NavKey: "console.nav.settlement", Path: "/settlement", Perm: identity.PermSettlementRead,
		Clauses: []string{"6.3.2.1", "6.3.2.2", "6.3.2.3"}, Points: 4, APIKey: "console.module.settlement.api",
		Pages: settlementPages, Partial: true},
	{Key: "logistics", NavKey: "console.nav.logistics", Path: "/logistics", Perm: identity.PermLogisticsRead,
		Clauses: []string{"6.3.3.1", "6.3.3.2", "6.3.3.3"}, Points: 4, Pages: logisticsPages, Partial: true},
	{Key: "data", NavKey: "console.nav.data", Path: "/data", Perm: identity.PermDataRead,
		Clauses: []string{"6.3.4.1", "6.3.4.2", "6.3.4.3"}, Points: 4},
	{Key: "support", NavKey: "console.nav.support", Path: "/support", Perm: identity.PermSupportRead,
		Clauses: []string{"5.2.2", "6.3.5.1", "6.3.5.2", "6.3.5.3"}, Points: 4},
	{Key: "risk", NavKey: "console.nav.risk", Path: "/risk", Perm: identity.PermRiskRead,
		Clauses: []string{"6.5.1", "6.5.2", "6.5.3"}, Points: 3},
}

// The pages of the modules that have them, in the navigation's order.
var (
	compliancePages = []navItem{
		{"console.nav.rules", "/compliance/rules", identity.PermComplianceRead},
		{"console.nav.checks", "/compliance/checks", identity.PermComplianceRead},
		{"console.hs.title", "/compliance/hs", identity.PermComplianceRead},
		{"console.nav.screening", "/compliance/screening", identity.PermComplianceRead},
		{"console.nav.lists", "/compliance/lists", identity.PermComplianceRead},
		{"console.nav.compliance_alerts", "/compliance/alerts", identity.PermComplianceRead},
	}
	settlementPages = []navItem{
		{"console.balances.title", "/settlement/balances", identity.PermSettlementRead},
		{"console.fx.title", "/settlement/fx", identity.PermSettlementRead},
		{"console.ledger.title", "/settlement/ledger", identity.PermSettlementRead},
		{"console.payouts.title", "/settlement/payouts", identity.PermSettlementRead},
		{"console.statements.title", "/settlement/statements", identity.PermSettlementRead},
		{"console.recon.title", "/settlement/reconciliation", identity.PermSettlementRead},
		{"console.bank_credits.title", "/settlement/bank-credits", identity.PermSettlementRead},
		{"console.vault.title", "/settlement/vault", identity.PermSettlementRead},
		{"console.insurance.title", "/settlement/insurance", identity.PermSettlementRead},
		{"console.credit.title", "/settlement/credit", identity.PermSettlementRead},
	}
	logisticsPages = []navItem{
		{"console.rates.title", "/logistics/rates", identity.PermLogisticsRead},
		{"console.shipments.title", "/logistics/shipments", identity.PermLogisticsRead},
		{"console.tracking.title", "/logistics/tracking", identity.PermLogisticsRead},
		{"console.warehouses.title", "/logistics/warehouses", identity.PermLogisticsRead},
		{"console.returns.title", "/logistics/returns", identity.PermLogisticsRead},
		{"console.claims.title", "/logistics/claims", identity.PermLogisticsRead},
	}
)

type moduleData struct {
	module
	PointKeys []string
}

func (c *Console) modulePage(m module) func(http.ResponseWriter, *http.Request) error {
	d := moduleData{module: m}
	for i := 1; i <= m.Points; i++ {
		d.PointKeys = append(d.PointKeys, "console.module."+m.Key+".point."+string(rune('0'+i)))
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		return c.render(w, r, http.StatusOK, "module", c.newView(r, m.NavKey, m.Path, d))
	}
}
