package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/gateway"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// PartnerRoutes registers the pages of the optional services: webhooks
// when the console has the webhook service, OAuth clients, IP allow-lists
// and security alerts when it has the gateway. Routes calls it; each page
// takes the permission of the matching API route.
func (c *Console) PartnerRoutes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	var routes []web.Route
	if c.hooks != nil {
		routes = append(routes,
			page("GET", "/webhooks", identity.PermAPIKeysRead, c.webhooksPage),
			page("POST", "/webhooks", identity.PermAPIKeysManage, c.createWebhook),
			page("GET", "/webhooks/{id}", identity.PermAPIKeysRead, c.webhookPage),
			page("POST", "/webhooks/{id}/test", identity.PermAPIKeysManage, c.testWebhook),
			page("POST", "/webhooks/{id}/deliveries/{delivery}/replay", identity.PermAPIKeysManage, c.replayDelivery),
			page("GET", "/webhooks/{id}/delete", identity.PermAPIKeysManage, c.deleteWebhookPage),
			page("POST", "/webhooks/{id}/delete", identity.PermAPIKeysManage, c.deleteWebhook),
		)
	}
	if c.gw != nil {
		routes = append(routes,
			page("GET", "/partners", identity.PermAPIKeysRead, c.clientsPage),
			page("POST", "/partners", identity.PermAPIKeysManage, c.createClient),
			page("GET", "/partners/{id}/revoke", identity.PermAPIKeysManage, c.revokeClientPage),
			page("POST", "/partners/{id}/revoke", identity.PermAPIKeysManage, c.revokeClient),
			page("GET", "/partners/{id}/allowed-ips", identity.PermAPIKeysRead, c.allowedIPsPage(gateway.CredentialClient)),
			page("POST", "/partners/{id}/allowed-ips", identity.PermAPIKeysManage, c.saveAllowedIPs(gateway.CredentialClient)),
			page("GET", "/apikeys/{id}/allowed-ips", identity.PermAPIKeysRead, c.allowedIPsPage(gateway.CredentialAPIKey)),
			page("POST", "/apikeys/{id}/allowed-ips", identity.PermAPIKeysManage, c.saveAllowedIPs(gateway.CredentialAPIKey)),
			page("GET", "/security/alerts", identity.PermSecurityManage, c.alertsPage),
			page("POST", "/security/blocks/unblock", identity.PermSecurityManage, c.unblock),
		)
	}
	for _, r := range routes {
		rt.Handle(r)
	}
}

// offers reports whether the page at href is served: the pages of a
// service the console was built without are left out of the navigation
// and of links.
func (c *Console) offers(href string) bool {
	switch {
	case href == "/webhooks" || strings.HasPrefix(href, "/webhooks/"):
		return c.hooks != nil
	case href == "/partners" || strings.HasPrefix(href, "/partners/"), href == "/security/alerts",
		strings.HasSuffix(href, "/allowed-ips"):
		return c.gw != nil
	}
	return true
}

// offersTo is offers for the navigation of p: webhooks belong to a
// tenant, so platform accounts, which the service refuses, are not sent
// there.
func (c *Console) offersTo(p *identity.Principal, href string) bool {
	if (href == "/webhooks" || href == oidcClientsPath) && p.TenantID == "" {
		return false
	}
	return c.offers(href)
}

// partnerNotices are the confirmations the pages of this file may show
// after a redirect; like the console's own, any other value is ignored.
var partnerNotices = map[string]bool{
	"webhook_deleted": true, "webhook_test_sent": true, "delivery_replayed": true,
	"client_revoked": true, "allowed_ips_saved": true, "unblocked": true,
}

func (c *Console) partnerView(r *http.Request, title, active string, data any) *view {
	v := c.newView(r, title, active, data)
	if n := r.URL.Query().Get("notice"); partnerNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

// OAuth clients.

type clientForm struct {
	Name, Role, AllowedIPs string
	Sandbox                bool
}

type clientsData struct {
	scope
	Clients []gateway.Client
	Next    string
	Roles   []identity.Role
	Form    clientForm
	Created *gateway.CreatedClient
}

func (c *Console) clientsData(r *http.Request, tenant string) (clientsData, error) {
	d := clientsData{scope: c.scopeOf(r, tenant), Roles: issuable(principal(r))}
	d.AllKey = "console.scope.all_tenants"
	d.Form.Role = modestRole(d.Roles)
	pg, _ := web.PageFrom(r)
	l, err := c.gw.ListClients(r.Context(), d.TenantID, pg)
	if err != nil {
		return d, err
	}
	d.Clients, d.Next = l.Items, nextURL(r, l.NextCursor)
	return d, nil
}

func (c *Console) clientsPage(w http.ResponseWriter, r *http.Request) error {
	d, err := c.clientsData(r, r.URL.Query().Get("tenant"))
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "partners", c.partnerView(r, "console.nav.partners", "/partners", d))
}

// createClient registers a client and shows its secret on the answer to
// the post itself, as createKey does: it exists nowhere else.
func (c *Console) createClient(w http.ResponseWriter, r *http.Request) error {
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	p := principal(r)
	f := clientForm{Name: field(r, "name"), Role: field(r, "role"), AllowedIPs: r.PostFormValue("allowed_ips"),
		Sandbox: r.PostFormValue("sandbox") != ""}
	n := gateway.NewClient{TenantID: p.TenantID, Name: f.Name, Role: identity.Role(f.Role), Sandbox: f.Sandbox,
		AllowedIPs: ipLines(f.AllowedIPs)}
	if p.TenantID == "" {
		n.TenantID = field(r, "tenant")
	}
	var created gateway.CreatedClient
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		if err := checkIPs(n.AllowedIPs); err != nil {
			return err
		}
		var err error
		created, err = c.gw.CreateClient(ctx, n)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, lerr := c.clientsData(r, n.TenantID)
		if lerr != nil {
			return lerr
		}
		d.Form = f
		v := c.partnerView(r, "console.nav.partners", "/partners", d)
		v.Problem, _ = c.problemOf(r, err)
		ipProblem(v.Problem, n.AllowedIPs)
		return c.render(w, r, statusOf(err), "partners", v)
	}
	v := c.partnerView(r, "console.partners.created.title", "/partners", clientsData{Created: &created})
	return c.render(w, r, http.StatusCreated, "client_created", v)
}

func (c *Console) revokeClientPage(w http.ResponseWriter, r *http.Request) error {
	cl, err := c.gw.GetClient(r.Context(), r.PathValue("id"))
	if err != nil {
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "client_revoke", c.partnerView(r, "console.partners.revoke.title", "/partners", cl))
}

func (c *Console) revokeClient(w http.ResponseWriter, r *http.Request) error {
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		_, err := c.gw.RevokeClient(ctx, r.PathValue("id"))
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, "/partners?notice=client_revoked")
}

// IP allow-lists.

type allowedIPsData struct {
	Kind gateway.CredentialKind
	// Name and Detail describe the credential; Back is the list it came
	// from, Action where the form posts.
	Name, Detail, Back, Action string
	List                       gateway.AllowedIPs
	Text                       string
}

// credential describes the key or client whose list a page edits; looking
// it up also checks that the caller may see it.
func (c *Console) credential(r *http.Request, kind gateway.CredentialKind, id string) (allowedIPsData, error) {
	d := allowedIPsData{Kind: kind}
	if kind == gateway.CredentialClient {
		cl, err := c.gw.GetClient(r.Context(), id)
		if err != nil {
			return d, err
		}
		d.Name, d.Detail, d.Back = cl.Name, cl.ID, "/partners"
		d.Action = "/partners/" + url.PathEscape(cl.ID) + "/allowed-ips"
	} else {
		k, err := c.id.GetAPIKey(r.Context(), id)
		if err != nil {
			return d, err
		}
		d.Name, d.Detail, d.Back = k.Name, k.Prefix+"…", "/apikeys"
		d.Action = "/apikeys/" + url.PathEscape(k.ID) + "/allowed-ips"
	}
	l, err := c.gw.AllowedIPs(r.Context(), kind, id)
	if err != nil {
		return d, err
	}
	d.List, d.Text = l, strings.Join(l.AllowedIPs, "\n")
	return d, nil
}

func (c *Console) allowedIPsPage(kind gateway.CredentialKind) web.H {
	return func(w http.ResponseWriter, r *http.Request) error {
		d, err := c.credential(r, kind, r.PathValue("id"))
		if err != nil {
			return c.fail(w, r, err)
		}
		return c.render(w, r, http.StatusOK, "allowed_ips", c.partnerView(r, "console.allowed_ips.title", d.Back, d))
	}
}

func (c *Console) saveAllowedIPs(kind gateway.CredentialKind) web.H {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := form(r); err != nil {
			return c.fail(w, r, err)
		}
		id := r.PathValue("id")
		d, err := c.credential(r, kind, id)
		if err != nil {
			return c.fail(w, r, err)
		}
		raw := r.PostFormValue("allowed_ips")
		list := ipLines(raw)
		err = c.attempt(r.Context(), func(ctx context.Context) error {
			if err := checkIPs(list); err != nil {
				return err
			}
			_, err := c.gw.SetAllowedIPs(ctx, kind, id, list)
			return err
		})
		if err != nil {
			if !refused(err) {
				return err
			}
			d.Text = raw
			v := c.partnerView(r, "console.allowed_ips.title", d.Back, d)
			v.Problem, _ = c.problemOf(r, err)
			ipProblem(v.Problem, list)
			return c.render(w, r, statusOf(err), "allowed_ips", v)
		}
		return see(w, r, d.Action+"?notice=allowed_ips_saved")
	}
}

// ipLines splits the allow-list textarea: one address or CIDR block per
// line, commas and spaces accepted too, blank entries dropped.
func ipLines(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' || r == ';'
	}) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// checkIPs refuses a malformed allow-list before the service sees it, so
// that the form can point at the entry, whatever the service would say.
func checkIPs(list []string) error {
	_, err := gateway.ParseAllowedIPs(list)
	return err
}

// ipProblem turns the service's "allowed_ips[3]" field errors into
// messages on the textarea that quote the wrong entry, so the person sees
// which line to fix.
func ipProblem(fp *formProblem, list []string) {
	if fp == nil {
		return
	}
	var msgs []string
	for name, msg := range fp.Fields {
		i, ok := strings.CutPrefix(name, "allowed_ips[")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSuffix(i, "]"))
		if err != nil || n < 0 || n >= len(list) {
			continue
		}
		msgs = append(msgs, "“"+list[n]+"”: "+msg)
	}
	slices.Sort(msgs)
	if len(msgs) > 0 {
		fp.Fields["allowed_ips"] = strings.Join(msgs, " ")
	}
	for i := range fp.Items {
		if strings.HasPrefix(fp.Items[i].Label, "allowed_ips[") {
			if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(fp.Items[i].Label, "allowed_ips["), "]")); err == nil && n < len(list) {
				fp.Items[i].Label = list[n]
			}
		}
	}
}
