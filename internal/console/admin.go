package console

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/tenancy"
)

// scope is whose accounts a page shows: a tenant's own users always see
// their tenant (the services enforce it too); platform staff see platform
// accounts, or the tenant they pick.
type scope struct {
	TenantID string
	Platform bool // the caller is platform staff and may pick
	Tenants  []tenancy.Tenant
	// AllKey names the choice of no tenant: platform accounts on the
	// users page, every tenant on the keys page.
	AllKey string
}

// TenantName is the name of one of the listed tenants, or its id.
func (s scope) TenantName(id string) string {
	for _, t := range s.Tenants {
		if t.ID == id {
			return t.Name
		}
	}
	return id
}

func (c *Console) scopeOf(r *http.Request, asked string) scope {
	p := principal(r)
	if p.TenantID != "" {
		return scope{TenantID: p.TenantID}
	}
	s := scope{TenantID: asked, Platform: true, AllKey: "console.scope.platform"}
	if p.Role.Can(identity.PermTenantsRead) {
		if l, err := c.tenants.List(r.Context(), web.Page{Limit: web.MaxLimit}); err == nil {
			s.Tenants = l.Items
		}
	}
	return s
}

// nextURL is the link to the page after this one, keeping the filters.
func nextURL(r *http.Request, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set("cursor", cursor)
	q.Del("notice")
	return r.URL.Path + "?" + q.Encode()
}

// grantable lists the roles the caller may give in a scope: tenant roles
// inside a tenant, platform roles among platform accounts.
func grantable(p *identity.Principal, tenantID string) []identity.Role {
	var out []identity.Role
	for _, r := range identity.Roles() {
		if p.Role.CanGrant(r) && r.Platform() == (tenantID == "") {
			out = append(out, r)
		}
	}
	return out
}

// Users.

type userRow struct {
	identity.User
	Self        bool
	CanChange   bool
	RoleOptions []identity.Role
}

type newUserForm struct {
	Email, Role, Locale string
}

type usersData struct {
	scope
	Rows      []userRow
	Next      string
	Grantable []identity.Role
	Form      newUserForm
	// Created is set on the page that shows a new account's second-factor
	// secret, once.
	Created *identity.CreatedUser
	QR      template.URL
}

func (c *Console) usersData(r *http.Request, tenant string) (usersData, error) {
	p := principal(r)
	d := usersData{scope: c.scopeOf(r, tenant)}
	pg, _ := web.PageFrom(r)
	l, err := c.id.ListUsers(r.Context(), d.TenantID, pg)
	if err != nil {
		return d, err
	}
	d.Next = nextURL(r, l.NextCursor)
	d.Grantable = grantable(p, d.TenantID)
	// A new account starts with a modest role and the language the form
	// is read in; granting more is a deliberate choice.
	d.Form = newUserForm{Role: modestRole(d.Grantable), Locale: lang(r)}
	manage := p.Role.Can(identity.PermUsersManage)
	for _, u := range l.Items {
		row := userRow{User: u, Self: u.ID == p.UserID}
		row.CanChange = manage && !row.Self && p.Role.CanGrant(u.Role)
		// A duty holder keeps their duty (the service refuses the change),
		// so only the other roles of the same kind are offered.
		if row.CanChange && !u.Role.Duty() {
			for _, g := range d.Grantable {
				if !g.Duty() && g.Platform() == u.Role.Platform() {
					row.RoleOptions = append(row.RoleOptions, g)
				}
			}
			if !slices.Contains(row.RoleOptions, u.Role) {
				row.RoleOptions = nil
			}
		}
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.usersData(r, r.URL.Query().Get("tenant"))
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "users", c.newView(r, "console.nav.users", "/users", d))
}

// usersAgain answers a refused users form with the page, the message and
// what the person typed.
func (c *Console) usersAgain(w http.ResponseWriter, r *http.Request, tenant string, f newUserForm, err error) error {
	if !refused(err) {
		return err
	}
	d, lerr := c.usersData(r, tenant)
	if lerr != nil {
		return lerr
	}
	d.Form = f
	v := c.newView(r, "console.nav.users", "/users", d)
	v.Problem, _ = c.problemOf(r, err)
	return c.render(w, r, statusOf(err), "users", v)
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	p := principal(r)
	n := identity.NewUser{TenantID: p.TenantID, Email: field(r, "email"), Role: identity.Role(field(r, "role")),
		Password: r.PostFormValue("password"), Locale: field(r, "locale")}
	if p.TenantID == "" {
		n.TenantID = field(r, "tenant")
	}
	f := newUserForm{Email: n.Email, Role: string(n.Role), Locale: n.Locale}
	var created identity.CreatedUser
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		created, err = c.id.CreateUser(ctx, n)
		return err
	})
	if err != nil {
		return c.usersAgain(w, r, n.TenantID, f, err)
	}
	back := "/users?notice=user_created"
	if p.TenantID == "" && n.TenantID != "" {
		back += "&tenant=" + url.QueryEscape(n.TenantID)
	}
	if created.TOTPSecret == "" {
		return see(w, r, back)
	}
	// The second-factor secret exists only in this response: show it now,
	// once, rather than redirect and lose it.
	d, err := c.usersData(r, n.TenantID)
	if err != nil {
		return err
	}
	d.Created = &created
	d.QR = qrCode(created.TOTPURL)
	v := c.newView(r, "console.users.created.title", "/users", d)
	return c.render(w, r, http.StatusCreated, "user_created", v)
}

func (c *Console) updateUser(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	var ch identity.UserChange
	switch field(r, "action") {
	case "role":
		role := identity.Role(field(r, "role"))
		ch.Role = &role
	case "disable", "enable":
		st := "active"
		if field(r, "action") == "disable" {
			st = "disabled"
		}
		ch.Status = &st
	default:
		return c.fail(w, r, problem.Invalid(problem.Field{Field: "action", Code: "one_of", Params: []any{"values", "role, disable, enable"}}))
	}
	tenant := field(r, "tenant")
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		if err := ch.Validate(); err != nil {
			return err
		}
		u, err := c.id.UpdateUser(ctx, r.PathValue("id"), ch)
		if err == nil {
			tenant = u.TenantID
		}
		return err
	})
	if err != nil {
		return c.usersAgain(w, r, tenant, newUserForm{}, err)
	}
	back := "/users?notice=user_updated"
	if principal(r).TenantID == "" && tenant != "" {
		back += "&tenant=" + url.QueryEscape(tenant)
	}
	return see(w, r, back)
}

// Roles.

type rolesData struct {
	Roles []identity.Role
	Perms []string
	Has   map[identity.Role]map[string]bool
}

// rolesPage is the read-only matrix of roles and what each may do: tenant
// users see their tenant's roles, platform staff every role.
func (c *Console) rolesPage(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	d := rolesData{Has: map[identity.Role]map[string]bool{}}
	for _, role := range identity.Roles() {
		if p.TenantID != "" && role.Platform() {
			continue
		}
		d.Roles = append(d.Roles, role)
		d.Has[role] = map[string]bool{}
		for _, perm := range role.Permissions() {
			d.Has[role][perm] = true
			if !slices.Contains(d.Perms, perm) {
				d.Perms = append(d.Perms, perm)
			}
		}
	}
	slices.Sort(d.Perms)
	return c.render(w, r, http.StatusOK, "roles", c.newView(r, "console.nav.roles", "/roles", d))
}

// API keys.

type keyForm struct {
	Name, Role string
	Sandbox    bool
}

type keysData struct {
	scope
	Keys    []identity.APIKey
	Next    string
	Roles   []identity.Role
	Form    keyForm
	Created *identity.CreatedAPIKey
}

// issuable lists the tenant roles the caller may put on a key: those it
// may grant, its own, or any for the security administrator (mirroring
// identity.CreateAPIKey, which has the last word).
func issuable(p *identity.Principal) []identity.Role {
	var out []identity.Role
	for _, r := range identity.Roles() {
		if !r.Platform() && (p.Role.CanGrant(r) || p.Role == r || p.Role.Can(identity.PermSecurityManage)) {
			out = append(out, r)
		}
	}
	return out
}

// modestRole is the role a form preselects: operator where it may be
// given, else the last (lowest) role offered.
func modestRole(roles []identity.Role) string {
	if slices.Contains(roles, identity.Operator) {
		return string(identity.Operator)
	}
	if len(roles) == 0 {
		return ""
	}
	return string(roles[len(roles)-1])
}

func (c *Console) keysData(r *http.Request, tenant string) (keysData, error) {
	d := keysData{scope: c.scopeOf(r, tenant), Roles: issuable(principal(r))}
	d.AllKey = "console.scope.all_tenants"
	d.Form.Role = modestRole(d.Roles)
	pg, _ := web.PageFrom(r)
	l, err := c.id.ListAPIKeys(r.Context(), d.TenantID, pg)
	if err != nil {
		return d, err
	}
	d.Keys, d.Next = l.Items, nextURL(r, l.NextCursor)
	return d, nil
}

func (c *Console) keysPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.keysData(r, r.URL.Query().Get("tenant"))
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "apikeys", c.newView(r, "console.nav.apikeys", "/apikeys", d))
}

// createKey issues a key and shows it with its signing secret on the
// answer to the post itself: they exist nowhere else, so there is nothing
// to redirect to. The page is not cached, and the list never shows them.
func (c *Console) createKey(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	p := principal(r)
	n := identity.NewAPIKey{TenantID: p.TenantID, Name: field(r, "name"), Role: identity.Role(field(r, "role")),
		Sandbox: r.PostFormValue("sandbox") != ""}
	if p.TenantID == "" {
		n.TenantID = field(r, "tenant")
	}
	var k identity.CreatedAPIKey
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		k, err = c.id.CreateAPIKey(ctx, n)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, lerr := c.keysData(r, n.TenantID)
		if lerr != nil {
			return lerr
		}
		d.Form = keyForm{Name: n.Name, Role: string(n.Role), Sandbox: n.Sandbox}
		v := c.newView(r, "console.nav.apikeys", "/apikeys", d)
		v.Problem, _ = c.problemOf(r, err)
		return c.render(w, r, statusOf(err), "apikeys", v)
	}
	v := c.newView(r, "console.apikeys.created.title", "/apikeys", keysData{Created: &k})
	return c.render(w, r, http.StatusCreated, "apikey_created", v)
}

func (c *Console) revokeKeyPage(w http.ResponseWriter, r *http.Request) error {
	k, err := c.id.GetAPIKey(r.Context(), r.PathValue("id"))
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "apikey_revoke", c.newView(r, "console.apikeys.revoke.title", "/apikeys", k))
}

func (c *Console) revokeKey(w http.ResponseWriter, r *http.Request) error {
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := c.id.RevokeAPIKey(ctx, r.PathValue("id"))
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, "/apikeys?notice=key_revoked")
}
