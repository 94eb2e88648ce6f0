package console

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/gateway"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/i18n"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/tenancy"
	"github.com/silkgate/silkgate/internal/webhooks"
)

// Tenants is what the console needs of the tenant service.
type Tenants interface {
	Get(ctx context.Context, id string) (tenancy.Tenant, error)
	List(ctx context.Context, pg web.Page) (web.List[tenancy.Tenant], error)
	Create(ctx context.Context, n tenancy.NewTenant) (tenancy.Tenant, error)
}

// AuditTrail is what the console needs of the audit log.
type AuditTrail interface {
	List(ctx context.Context, f audit.Filter, p web.Page) (web.List[audit.Record], error)
	Verify(ctx context.Context) (audit.Report, error)
	VerifyChain(ctx context.Context, chain string) (audit.Report, error)
}

// Deps are the services the console shows. Audit may be nil, in which case
// the audit pages say the trail is unavailable.
type Deps struct {
	Identity *identity.Service
	Tenants  Tenants
	Audit    AuditTrail
	Catalog  *i18n.Catalog
	// SSO, when set, offers company sign-in and its settings page.
	SSO SSO
	// Webhooks, when set, offers the webhook pages; Gateway, when set, the
	// OAuth client, IP allow-list and security alert pages.
	Webhooks *webhooks.Service
	Gateway  *gateway.Gateway
	// DB is used only to open savepoints around form submissions (see the
	// package documentation); services do all the reading and writing.
	DB  *db.DB
	Log *slog.Logger
}

// Console serves the console pages.
type Console struct {
	id      *identity.Service
	tenants Tenants
	audit   AuditTrail
	sso     SSO
	hooks   *webhooks.Service
	gw      *gateway.Gateway
	cat     *i18n.Catalog
	db      *db.DB
	log     *slog.Logger
	views   *views
	assets  *assets
}

// New builds the console. It panics when the embedded layout does not
// parse; pages are parsed when first shown, and TestTemplatesParse parses
// every one: a page that does not is a programming error.
func New(d Deps) *Console {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	as := mustAssets()
	return &Console{id: d.Identity, tenants: d.Tenants, audit: d.Audit, sso: d.SSO, hooks: d.Webhooks, gw: d.Gateway, cat: d.Catalog, db: d.DB, log: d.Log,
		assets: as, views: mustViews(as)}
}

// Routes registers the console on rt: the sign-in page, the language
// switch and the static assets are public; every other page names the
// permission it needs.
func (c *Console) Routes(rt *web.Router) {
	rt.Mount("GET "+assetPrefix, c.assets)
	// The site root is the dashboard's doorstep, not a page of its own: a
	// "/" route would otherwise answer every unknown path.
	rt.Mount("GET /{$}", http.RedirectHandler("/dashboard", http.StatusSeeOther))
	pub := func(method, path string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Public: true, Page: true, Tag: "console", Handler: h}
	}
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Handler: h}
	}
	routes := []web.Route{
		pub("GET", "/login", c.loginPage),
		pub("POST", "/login", c.login),
		pub("GET", "/lang/{lang}", c.switchLang),
		pub("GET", "/login/sso", c.ssoLoginPage),
		page("POST", "/logout", identity.PermMe, c.logout),

		page("GET", "/dashboard", identity.PermMe, c.dashboard),

		page("GET", "/security", identity.PermMe, c.securityPage),
		page("POST", "/security/password", identity.PermMe, c.changePassword),
		page("GET", "/security/mfa", identity.PermMe, c.mfaPage),
		page("POST", "/security/mfa", identity.PermMe, c.confirmMFA),
		page("POST", "/security/sessions/{id}/revoke", identity.PermMe, c.revokeSession),

		page("GET", "/users", identity.PermUsersRead, c.usersPage),
		page("POST", "/users", identity.PermUsersManage, c.createUser),
		page("POST", "/users/{id}", identity.PermUsersManage, c.updateUser),
		page("GET", "/roles", identity.PermUsersRead, c.rolesPage),

		page("GET", "/apikeys", identity.PermAPIKeysRead, c.keysPage),
		page("POST", "/apikeys", identity.PermAPIKeysManage, c.createKey),
		page("GET", "/apikeys/{id}/revoke", identity.PermAPIKeysManage, c.revokeKeyPage),
		page("POST", "/apikeys/{id}/revoke", identity.PermAPIKeysManage, c.revokeKey),

		page("GET", "/audit", identity.PermAuditRead, c.auditPage),
		page("GET", "/audit/verify", identity.PermAuditRead, c.auditVerify),

		page("GET", "/settings/sso", identity.PermUsersManage, c.ssoSettingsPage),
		page("POST", "/settings/sso", identity.PermUsersManage, c.saveSSOSettings),

		page("GET", "/tenants", identity.PermTenantsRead, c.tenantsPage),
		page("POST", "/tenants", identity.PermTenantsManage, c.createTenant),
	}
	for _, m := range modules {
		routes = append(routes, page("GET", m.Path, m.Perm, c.modulePage(m)))
	}
	for _, r := range routes {
		r.Summary = "Console page"
		rt.Handle(r)
	}
	c.PartnerRoutes(rt)
}

// Handler-side shortcuts.

func principal(r *http.Request) *identity.Principal {
	p, _ := identity.PrincipalFrom(r.Context())
	if p == nil {
		return &identity.Principal{}
	}
	return p
}

func lang(r *http.Request) string { return i18n.Lang(r.Context()) }
