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
}

var modules = []module{
	{Key: "compliance", NavKey: "console.nav.compliance", Path: "/compliance", Perm: identity.PermComplianceRead,
		Clauses: []string{"4.4.2", "5.1.2", "6.3.1.1", "6.3.1.2", "6.3.1.3"}, Points: 4},
	{Key: "settlement", NavKey: "console.nav.settlement", Path: "/settlement", Perm: identity.PermSettlementRead,
		Clauses: []string{"6.3.2.1", "6.3.2.2", "6.3.2.3"}, Points: 4},
	{Key: "logistics", NavKey: "console.nav.logistics", Path: "/logistics", Perm: identity.PermLogisticsRead,
		Clauses: []string{"6.3.3.1", "6.3.3.2", "6.3.3.3"}, Points: 4},
	{Key: "data", NavKey: "console.nav.data", Path: "/data", Perm: identity.PermDataRead,
		Clauses: []string{"6.3.4.1", "6.3.4.2", "6.3.4.3"}, Points: 4},
	{Key: "support", NavKey: "console.nav.support", Path: "/support", Perm: identity.PermSupportRead,
		Clauses: []string{"5.2.2", "6.3.5.1", "6.3.5.2", "6.3.5.3"}, Points: 4},
	{Key: "risk", NavKey: "console.nav.risk", Path: "/risk", Perm: identity.PermRiskRead,
		Clauses: []string{"6.5.1", "6.5.2", "6.5.3"}, Points: 3},
}

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
