package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// Demo sign-in. The demo binds to loopback by default; never run --demo on
// a server others can reach.
const (
	DemoOwnerEmail   = "chen.li@yiwu-bright-toys.example"
	DemoPassword     = "Demo-Silkgate-2026"
	DemoAuditorEmail = "liu.yang@silkgate-operator.example"
	DemoAdminEmail   = "tenant.admin@silkgate-operator.example"
)

// SeedDemo creates, once, a demo seller (Chen Li's shop in Yiwu) with an
// owner, a viewer and API keys, plus the operator's auditor, and prints the
// sign-ins on w.
func (a *App) SeedDemo(ctx context.Context, w io.Writer) error {
	// The denied-party list snapshots take several seconds to parse and
	// store, so durable background jobs import them: each list the store
	// does not hold yet, once.
	if err := a.Sanctions.EnqueueImports(ctx, true); err != nil {
		return fmt.Errorf("queue sanctions list snapshots: %w", err)
	}
	fmt.Fprintf(w, "Sanctions list snapshots (OFAC, CSL, UN, EU, UK) are loading in the background; see GET /api/v1/compliance/lists.\n")
	// Sample carrier services are shared, so every tenant can try a rate
	// comparison; they are published once and marked as sample data.
	seedCtx := audit.WithActor(ctx, audit.Actor{ID: "demo-seed", Type: "system"})
	if _, err := a.Rates.SeedSamples(seedCtx); err != nil {
		return fmt.Errorf("sample carrier services: %w", err)
	}
	// ECB sample reference rates, so that rates and quotes work before
	// the operator's first `import fx`.
	if _, err := a.FX.SeedSamples(seedCtx); err != nil {
		return fmt.Errorf("sample exchange rates: %w", err)
	}
	var exists int
	if err := a.DB.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE lower(email) = lower($1)`, DemoOwnerEmail).Scan(&exists); err != nil {
		return err
	}
	if exists > 0 {
		// The sample data came later than the first demo accounts: a demo
		// seeded before it gets it now, once.
		var tenant string
		if err := a.DB.Q(ctx).QueryRowContext(ctx, `SELECT tenant_id FROM users WHERE lower(email) = lower($1)`, DemoOwnerEmail).Scan(&tenant); err != nil {
			return err
		}
		if _, err := a.seedSampleData(ctx, tenant); err != nil {
			return fmt.Errorf("demo sample data: %w", err)
		}
		if err := a.seedDemoBalances(ctx, tenant); err != nil {
			return err
		}
		if err := a.seedDemoPayouts(ctx, tenant); err != nil {
			return err
		}
		if err := a.seedDemoCredit(ctx, tenant); err != nil {
			return err
		}
		fmt.Fprintf(w, "\nDemo ready. Sign in at the console as %s / %s\n", DemoOwnerEmail, DemoPassword)
		fmt.Fprintf(w, "(the auditor %s and the API keys were printed when the demo was first seeded)\n\n", DemoAuditorEmail)
		return nil
	}
	t, err := a.Tenants.Create(ctx, tenancy.NewTenant{Name: "Yiwu Bright Toys Co., Ltd. (demo)", Region: "cn", Plan: "saas"})
	if err != nil {
		return err
	}
	users := []identity.NewUser{
		{TenantID: t.ID, Email: DemoOwnerEmail, Role: identity.TenantOwner, Password: DemoPassword, Locale: "zh-CN"},
		{TenantID: t.ID, Email: "wei.zhang@yiwu-bright-toys.example", Role: identity.Operator, Password: DemoPassword},
		{TenantID: t.ID, Email: "finance@yiwu-bright-toys.example", Role: identity.Finance, Password: DemoPassword},
		{Email: DemoAuditorEmail, Role: identity.Auditor, Password: DemoPassword},
		{Email: DemoAdminEmail, Role: identity.PlatformAdmin, Password: DemoPassword},
	}
	var secrets []string
	for _, n := range users {
		u, err := a.Identity.CreateUser(ctx, n)
		if err != nil && !errors.Is(err, problem.ErrConflict) {
			return fmt.Errorf("%s: %w", n.Email, err)
		}
		if u.TOTPSecret != "" {
			secrets = append(secrets, fmt.Sprintf("  %-42s role %-15s TOTP secret %s", u.Email, u.Role, u.TOTPSecret))
		}
	}
	live, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{TenantID: t.ID, Role: identity.TenantAdmin, Name: "demo live key"})
	if err != nil {
		return err
	}
	test, err := a.Identity.CreateAPIKey(ctx, identity.NewAPIKey{TenantID: t.ID, Role: identity.TenantAdmin, Sandbox: true, Name: "demo sandbox key"})
	if err != nil {
		return err
	}
	if _, err := a.seedSampleData(ctx, t.ID); err != nil {
		return fmt.Errorf("demo sample data: %w", err)
	}
	if err := a.seedDemoBalances(ctx, t.ID); err != nil {
		return err
	}
	if err := a.seedDemoPayouts(ctx, t.ID); err != nil {
		return err
	}
	if err := a.seedDemoCredit(ctx, t.ID); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nDemo seeded: tenant %s (%s)\n", t.ID, t.Name)
	fmt.Fprintf(w, "Sample data: %d products (SKUs DEMO-…), 60 orders (numbers …-SAMPLE-…), one EDI trading partner and interchange\n",
		len(demoProducts))
	fmt.Fprintf(w, "Console sign-in (password %s for every demo account):\n", DemoPassword)
	fmt.Fprintf(w, "  %-42s role tenant_owner\n", DemoOwnerEmail)
	fmt.Fprintf(w, "Platform staff sign in with a second factor; add the secret to an authenticator app:\n")
	for _, s := range secrets {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintf(w, "API keys (shown only now):\n  live    %s\n  sandbox %s\n\n", live.Key, test.Key)
	return nil
}
