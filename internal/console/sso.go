package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/sso"
)

// SSO is what the console needs of single sign-on.
type SSO interface {
	Get(ctx context.Context) (sso.Connection, error)
	Save(ctx context.Context, in sso.ConnectionInput) (sso.Connection, error)
	CallbackURL(r *http.Request) string
}

// ssoLoginData fills the company sign-in page.
type ssoLoginData struct {
	Next    string
	Company string
}

// ssoLoginPage asks for the company's sign-in name and sends the browser
// on to that company's identity provider.
func (c *Console) ssoLoginPage(w http.ResponseWriter, r *http.Request) error {
	next := localPath(r.URL.Query().Get("next"), "")
	company := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("company")))
	if company != "" {
		to := "/sso/" + url.PathEscape(company) + "/start"
		if next != "" {
			to += "?next=" + url.QueryEscape(next)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	return c.render(w, r, http.StatusOK, "sso_login", c.newView(r, "console.sso.login_title", "", ssoLoginData{Next: next}))
}

// ssoForm is the settings form as typed.
type ssoForm struct {
	Slug, Issuer, ClientID, Domains, GroupsClaim, GroupRoles, DefaultRole string
	AutoProvision, RequireMFA, Enabled                                    bool
}

type ssoSettingsData struct {
	Form        ssoForm
	SecretSet   bool
	Configured  bool
	CallbackURL string
	Roles       []identity.Role
}

func (c *Console) ssoSettingsPage(w http.ResponseWriter, r *http.Request) error {
	if c.sso == nil || principal(r).TenantID == "" {
		return c.fail(w, r, problem.ErrNotFound)
	}
	d := ssoSettingsData{Form: ssoForm{GroupsClaim: "groups", Enabled: true}}
	conn, err := c.sso.Get(r.Context())
	switch {
	case err == nil:
		d.Form, d.SecretSet, d.Configured = formOf(conn), conn.SecretSet, true
	case !errors.Is(err, problem.ErrNotFound):
		return err
	}
	return c.renderSSO(w, r, http.StatusOK, d, nil)
}

func (c *Console) saveSSOSettings(w http.ResponseWriter, r *http.Request) error {
	if c.sso == nil || principal(r).TenantID == "" {
		return c.fail(w, r, problem.ErrNotFound)
	}
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := ssoForm{Slug: field(r, "slug"), Issuer: field(r, "issuer"), ClientID: field(r, "client_id"),
		Domains: field(r, "allowed_domains"), GroupsClaim: field(r, "groups_claim"), GroupRoles: r.PostFormValue("group_roles"),
		DefaultRole: field(r, "default_role"), AutoProvision: r.PostFormValue("auto_provision") != "",
		RequireMFA: r.PostFormValue("require_mfa") != "", Enabled: r.PostFormValue("enabled") != ""}
	in := sso.ConnectionInput{Slug: f.Slug, Issuer: f.Issuer, ClientID: f.ClientID, ClientSecret: r.PostFormValue("client_secret"),
		AllowedDomains: strings.FieldsFunc(f.Domains, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }),
		GroupsClaim:    f.GroupsClaim, DefaultRole: identity.Role(f.DefaultRole),
		AutoProvision: f.AutoProvision, RequireMFA: f.RequireMFA, Enabled: f.Enabled}
	var err error
	in.GroupRoles, err = parseGroupRoles(f.GroupRoles)
	var conn sso.Connection
	if err == nil {
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			var err error
			conn, err = c.sso.Save(ctx, in)
			return err
		})
	}
	if err != nil {
		if !refused(err) {
			return err
		}
		d := ssoSettingsData{Form: f}
		if old, gerr := c.sso.Get(r.Context()); gerr == nil {
			d.SecretSet, d.Configured = old.SecretSet, true
		}
		fp, _ := c.problemOf(r, err)
		return c.renderSSO(w, r, statusOf(err), d, fp)
	}
	d := ssoSettingsData{Form: formOf(conn), SecretSet: conn.SecretSet, Configured: true}
	v := c.ssoView(r, d)
	v.Notice = "console.notice.sso_saved"
	return c.render(w, r, http.StatusOK, "sso_settings", v)
}

func (c *Console) ssoView(r *http.Request, d ssoSettingsData) *view {
	d.CallbackURL = c.sso.CallbackURL(r)
	for _, role := range []identity.Role{identity.TenantOwner, identity.TenantAdmin, identity.Finance, identity.Operator, identity.Viewer} {
		if principal(r).Role.CanGrant(role) {
			d.Roles = append(d.Roles, role)
		}
	}
	return c.newView(r, "console.nav.sso", "/settings/sso", d)
}

func (c *Console) renderSSO(w http.ResponseWriter, r *http.Request, status int, d ssoSettingsData, fp *formProblem) error {
	v := c.ssoView(r, d)
	v.Problem = fp
	return c.render(w, r, status, "sso_settings", v)
}

func formOf(conn sso.Connection) ssoForm {
	var lines []string
	for g, r := range conn.GroupRoles {
		lines = append(lines, g+" = "+string(r))
	}
	slices.Sort(lines)
	return ssoForm{Slug: conn.Slug, Issuer: conn.Issuer, ClientID: conn.ClientID, Domains: strings.Join(conn.AllowedDomains, " "),
		GroupsClaim: conn.GroupsClaim, GroupRoles: strings.Join(lines, "\n"), DefaultRole: string(conn.DefaultRole),
		AutoProvision: conn.AutoProvision, RequireMFA: conn.RequireMFA, Enabled: conn.Enabled}
}

// parseGroupRoles reads "group = role" lines.
func parseGroupRoles(s string) (map[string]identity.Role, error) {
	out := map[string]identity.Role{}
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		g, role, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(g) == "" {
			return nil, problem.Invalid(problem.Field{Field: "group_roles", Code: "invalid_format",
				Params: []any{"format", "one \"group = role\" per line"}})
		}
		out[strings.TrimSpace(g)] = identity.Role(strings.TrimSpace(role))
	}
	return out, nil
}
