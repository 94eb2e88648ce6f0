package console

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/sso"
)

// OIDCClients is what the console needs of Silkgate's OpenID provider to
// manage the partner applications that offer "Sign in with Silkgate".
type OIDCClients interface {
	ClientSummaries(ctx context.Context, pg web.Page) (web.List[sso.ClientSummary], error)
	ClientSummary(ctx context.Context, id string) (sso.ClientSummary, error)
	RegisterClient(ctx context.Context, n sso.NewOIDCClient, public bool) (sso.OIDCClient, error)
	RotateClientSecret(ctx context.Context, id string) (sso.OIDCClient, error)
	DeleteClient(ctx context.Context, id string) error
	Issuer(r *http.Request) string
}

// OIDCClientPages are the pages where tenant administrators register
// partner applications, see their secret once, rotate and delete them.
type OIDCClientPages struct {
	c       *Console
	clients OIDCClients
}

// OIDCClientPages returns the pages over s; register them with Routes.
func (c *Console) OIDCClientPages(s OIDCClients) *OIDCClientPages {
	return &OIDCClientPages{c: c, clients: s}
}

const oidcClientsPath = "/settings/oidc-clients"

// Routes registers the pages on rt, with the permissions of the API's
// client routes.
func (oc *OIDCClientPages) Routes(rt *web.Router) {
	page := func(method, path, perm string, h web.H) web.Route {
		return web.Route{Method: method, Path: path, Perm: perm, Page: true, Tag: "console", Summary: "Console page", Handler: h}
	}
	for _, r := range []web.Route{
		page("GET", oidcClientsPath, identity.PermAPIKeysRead, oc.listPage),
		page("POST", oidcClientsPath, identity.PermAPIKeysManage, oc.create),
		page("POST", oidcClientsPath+"/{id}/rotate", identity.PermAPIKeysManage, oc.rotate),
		page("GET", oidcClientsPath+"/{id}/delete", identity.PermAPIKeysManage, oc.deletePage),
		page("POST", oidcClientsPath+"/{id}/delete", identity.PermAPIKeysManage, oc.delete),
	} {
		rt.Handle(r)
	}
}

var oidcNotices = map[string]bool{"oidc_client_deleted": true}

func (oc *OIDCClientPages) view(r *http.Request, title string, data any) *view {
	v := oc.c.newView(r, title, oidcClientsPath, data)
	if n := r.URL.Query().Get("notice"); oidcNotices[n] {
		v.Notice = "console.notice." + n
	}
	return v
}

type oidcClientForm struct {
	Name, RedirectURIs string
	Public             bool
}

type oidcClientsData struct {
	Clients   []sso.ClientSummary
	Next      string
	Form      oidcClientForm
	Issuer    string
	Discovery string
}

func (oc *OIDCClientPages) listData(r *http.Request) (oidcClientsData, error) {
	d := oidcClientsData{Issuer: oc.clients.Issuer(r)}
	d.Discovery = d.Issuer + "/.well-known/openid-configuration"
	pg, err := web.PageFrom(r)
	if err != nil {
		return d, err
	}
	l, err := oc.clients.ClientSummaries(r.Context(), pg)
	if err != nil {
		return d, err
	}
	d.Clients, d.Next = l.Items, nextURL(r, l.NextCursor)
	return d, nil
}

func (oc *OIDCClientPages) listPage(w http.ResponseWriter, r *http.Request) error {
	d, err := oc.listData(r)
	if err != nil {
		return oc.c.fail(w, r, err)
	}
	return oc.c.render(w, r, http.StatusOK, "oidc_clients", oc.view(r, "console.nav.oidc_clients", d))
}

// uriLines splits the redirect URI textarea: one per line (spaces and
// commas separate too), blanks dropped.
func uriLines(s string) []string {
	out := []string{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ' ' || r == ',' || r == '\t' }) {
		out = append(out, f)
	}
	return out
}

// uriProblem gathers "redirect_uris[2]" messages on the textarea, quoting
// the address at fault.
func uriProblem(fp *formProblem, list []string) {
	if fp == nil {
		return
	}
	var msgs []string
	for name, msg := range fp.Fields {
		i, ok := strings.CutPrefix(name, "redirect_uris[")
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
		fp.Fields["redirect_uris"] = strings.Join(msgs, " ")
	}
}

type oidcSecretData struct {
	Client  sso.OIDCClient
	Rotated bool
	Public  bool
	Issuer  string
}

func (oc *OIDCClientPages) create(w http.ResponseWriter, r *http.Request) error {
	c := oc.c
	if err := form(r); err != nil {
		return c.fail(w, r, err)
	}
	f := oidcClientForm{Name: field(r, "name"), RedirectURIs: r.PostFormValue("redirect_uris"), Public: r.PostFormValue("kind") == "public"}
	uris := uriLines(f.RedirectURIs)
	var created sso.OIDCClient
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		created, err = oc.clients.RegisterClient(ctx, sso.NewOIDCClient{Name: f.Name, RedirectURIs: uris}, f.Public)
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		d, lerr := oc.listData(r)
		if lerr != nil {
			return lerr
		}
		d.Form = f
		v := oc.view(r, "console.nav.oidc_clients", d)
		v.Problem, _ = c.problemOf(r, err)
		uriProblem(v.Problem, uris)
		return c.render(w, r, statusOf(err), "oidc_clients", v)
	}
	// The secret exists nowhere else: it is shown on the answer to the post
	// itself, never behind a redirect.
	return c.render(w, r, http.StatusCreated, "oidc_client_secret", oc.view(r, "console.oidc_clients.created.title",
		oidcSecretData{Client: created, Public: f.Public, Issuer: oc.clients.Issuer(r)}))
}

func (oc *OIDCClientPages) rotate(w http.ResponseWriter, r *http.Request) error {
	c := oc.c
	var out sso.OIDCClient
	err := c.attempt(r.Context(), func(ctx context.Context) error {
		var err error
		out, err = oc.clients.RotateClientSecret(ctx, r.PathValue("id"))
		return err
	})
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return c.render(w, r, http.StatusOK, "oidc_client_secret", oc.view(r, "console.oidc_clients.rotated.title",
		oidcSecretData{Client: out, Rotated: true, Issuer: oc.clients.Issuer(r)}))
}

func (oc *OIDCClientPages) deletePage(w http.ResponseWriter, r *http.Request) error {
	cl, err := oc.clients.ClientSummary(r.Context(), r.PathValue("id"))
	if err != nil {
		return oc.c.fail(w, r, err)
	}
	return oc.c.render(w, r, http.StatusOK, "oidc_client_delete", oc.view(r, "console.oidc_clients.delete.title", cl))
}

func (oc *OIDCClientPages) delete(w http.ResponseWriter, r *http.Request) error {
	c := oc.c
	err := c.attempt(r.Context(), func(ctx context.Context) error { return oc.clients.DeleteClient(ctx, r.PathValue("id")) })
	if err != nil {
		if !refused(err) {
			return err
		}
		return c.fail(w, r, err)
	}
	return see(w, r, oidcClientsPath+"?notice=oidc_client_deleted")
}
