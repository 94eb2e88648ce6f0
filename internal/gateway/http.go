package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Routes registers the partner-security API.
func (g *Gateway) Routes(rt *web.Router) {
	tenantQuery := []web.Param{{Name: "tenant_id", Description: "Platform staff: only this tenant's entries."}}
	for _, r := range []web.Route{
		{Method: "POST", Path: "/api/v1/oauth/token", Public: true, Tag: "partners", MaxBody: 16 << 10,
			Summary: "Issue an OAuth 2.0 access token (client credentials)",
			Description: "RFC 6749 §4.4. Send grant_type=client_credentials as application/x-www-form-urlencoded, " +
				"with the client's id and secret in HTTP Basic authentication or as client_id and client_secret, and " +
				"optionally a space-separated scope. Errors follow RFC 6749 §5.2: {\"error\", \"error_description\"}. " +
				"Use the token as \"Authorization: Bearer <access_token>\" until expires_in seconds have passed.",
			Request: TokenRequest{}, Response: TokenResponse{}, Consumes: []string{"application/x-www-form-urlencoded"},
			Produces: []string{"application/json"}, Errors: []int{400, 401, 403, 429}, Handler: g.handleToken},

		{Method: "GET", Path: "/api/v1/oauth/clients", Perm: identity.PermAPIKeysRead, Tag: "partners",
			Summary: "List OAuth clients", Query: tenantQuery, Response: web.List[Client]{}, Handler: g.handleListClients},
		{Method: "POST", Path: "/api/v1/oauth/clients", Perm: identity.PermAPIKeysManage, Tag: "partners",
			Summary: "Register an OAuth client (its secret is shown once)", Request: NewClient{}, Response: CreatedClient{},
			Status: 201, Handler: g.handleCreateClient},
		{Method: "GET", Path: "/api/v1/oauth/clients/{id}", Perm: identity.PermAPIKeysRead, Tag: "partners",
			Summary: "Get an OAuth client", Response: Client{}, Handler: g.handleGetClient},
		{Method: "DELETE", Path: "/api/v1/oauth/clients/{id}", Perm: identity.PermAPIKeysManage, Tag: "partners",
			Summary: "Revoke an OAuth client and its tokens", Response: Client{}, Handler: g.handleRevokeClient},
		{Method: "GET", Path: "/api/v1/oauth/clients/{id}/allowed-ips", Perm: identity.PermAPIKeysRead, Tag: "partners",
			Summary: "Get an OAuth client's IP allow-list", Response: AllowedIPs{}, Handler: g.handleGetClientIPs},
		{Method: "PUT", Path: "/api/v1/oauth/clients/{id}/allowed-ips", Perm: identity.PermAPIKeysManage, Tag: "partners",
			Summary:     "Replace an OAuth client's IP allow-list",
			Description: "Addresses and CIDR blocks; an empty list lets the client be used from anywhere.",
			Request:     AllowedIPsChange{}, Response: AllowedIPs{}, Handler: g.handlePutClientIPs},
		{Method: "GET", Path: "/api/v1/apikeys/{id}/allowed-ips", Perm: identity.PermAPIKeysRead, Tag: "partners",
			Summary: "Get an API key's IP allow-list", Response: AllowedIPs{}, Handler: g.handleGetKeyIPs},
		{Method: "PUT", Path: "/api/v1/apikeys/{id}/allowed-ips", Perm: identity.PermAPIKeysManage, Tag: "partners",
			Summary: "Replace an API key's IP allow-list",
			Description: "Addresses and CIDR blocks; an empty list lets the key be used from anywhere. A request with " +
				"the key (bearer or signed) from another address is refused with 403 ip_not_allowed and audited.",
			Request: AllowedIPsChange{}, Response: AllowedIPs{}, Handler: g.handlePutKeyIPs},

		{Method: "GET", Path: "/api/v1/security/alerts", Perm: identity.PermSecurityManage, Tag: "security",
			Summary:  "List intrusion alerts, newest first",
			Query:    []web.Param{{Name: "status", Enum: []string{"open", "resolved"}}, {Name: "subject", Description: "e.g. ip:203.0.113.9"}},
			Response: web.List[Alert]{}, Handler: g.handleListAlerts},
		{Method: "GET", Path: "/api/v1/security/blocks", Perm: identity.PermSecurityManage, Tag: "security",
			Summary: "List the sources and keys this node blocks now", Response: BlockList{}, Handler: g.handleBlocks},
		{Method: "DELETE", Path: "/api/v1/security/blocks/{subject}", Perm: identity.PermSecurityManage, Tag: "security",
			Summary:     "Lift a block and resolve its alerts",
			Description: "subject is as listed: ip:<address> (ip:<prefix>/64 for IPv6, URL-escaped) or key:<key or client id>.",
			Response:    Unblocked{}, Handler: g.handleUnblock},
	} {
		rt.Handle(r)
	}
}

// handleToken is the token endpoint. Protocol errors are answered in RFC
// 6749's own shape, with a nil error so that the transaction (holding the
// audit record of a refused client) commits; anything else (413, 429, 403
// ip_not_allowed, 500) is a problem document like everywhere else.
func (g *Gateway) handleToken(w http.ResponseWriter, r *http.Request) error {
	err := g.token(w, r)
	var tf *tokenFailure
	if err == nil || !errors.As(err, &tf) {
		return err
	}
	h := w.Header()
	if tf.basic && tf.status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="silkgate", charset="UTF-8"`)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(tf.status)
	return json.NewEncoder(w).Encode(TokenError{Error: tf.code, Description: tf.desc, RequestID: web.RequestID(r.Context())})
}

func invalidRequest(desc string) *tokenFailure {
	return &tokenFailure{status: http.StatusBadRequest, code: "invalid_request", desc: desc}
}

func (g *Gateway) token(w http.ResponseWriter, r *http.Request) error {
	if mt := web.MediaType(r); mt != "application/x-www-form-urlencoded" {
		return invalidRequest("Send the parameters as application/x-www-form-urlencoded.")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return readFailure(err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return invalidRequest("The body is not a valid form.")
	}
	for k, v := range form {
		if len(v) > 1 {
			return invalidRequest("The parameter " + k + " is repeated.")
		}
	}
	switch gt := form.Get("grant_type"); gt {
	case "":
		return invalidRequest("grant_type is required.")
	case "client_credentials":
	default:
		return &tokenFailure{status: http.StatusBadRequest, code: "unsupported_grant_type",
			desc: "Only grant_type=client_credentials is supported."}
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		if form.Has("client_secret") {
			return invalidRequest("Authenticate the client one way only: HTTP Basic or client_secret.")
		}
		// RFC 6749 §2.3.1: both are form-encoded before Basic encoding.
		var e1, e2 error
		id, e1 = url.QueryUnescape(id)
		secret, e2 = url.QueryUnescape(secret)
		if e1 != nil || e2 != nil {
			return &tokenFailure{status: http.StatusUnauthorized, code: "invalid_client", desc: "Malformed client credentials.", basic: true}
		}
	} else {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if r.Header.Get("Authorization") != "" && !basic {
		return invalidRequest("Only HTTP Basic client authentication is accepted in the Authorization header.")
	}
	resp, err := g.issueToken(r.Context(), r, id, secret, form.Get("scope"), basic)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	return json.NewEncoder(w).Encode(resp)
}

func (g *Gateway) handleListClients(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := g.ListClients(r.Context(), r.URL.Query().Get("tenant_id"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (g *Gateway) handleCreateClient(w http.ResponseWriter, r *http.Request) error {
	var n NewClient
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	c, err := g.CreateClient(r.Context(), n)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, c)
}

func (g *Gateway) handleGetClient(w http.ResponseWriter, r *http.Request) error {
	c, err := g.GetClient(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (g *Gateway) handleRevokeClient(w http.ResponseWriter, r *http.Request) error {
	c, err := g.RevokeClient(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, c)
}

func (g *Gateway) handleGetClientIPs(w http.ResponseWriter, r *http.Request) error {
	return g.getIPs(w, r, CredentialClient)
}

func (g *Gateway) handlePutClientIPs(w http.ResponseWriter, r *http.Request) error {
	return g.putIPs(w, r, CredentialClient)
}

func (g *Gateway) handleGetKeyIPs(w http.ResponseWriter, r *http.Request) error {
	return g.getIPs(w, r, CredentialAPIKey)
}

func (g *Gateway) handlePutKeyIPs(w http.ResponseWriter, r *http.Request) error {
	return g.putIPs(w, r, CredentialAPIKey)
}

func (g *Gateway) getIPs(w http.ResponseWriter, r *http.Request, kind CredentialKind) error {
	l, err := g.AllowedIPs(r.Context(), kind, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (g *Gateway) putIPs(w http.ResponseWriter, r *http.Request, kind CredentialKind) error {
	// The credential first: another tenant's id is 404 whatever the body.
	if _, err := g.AllowedIPs(r.Context(), kind, r.PathValue("id")); err != nil {
		return err
	}
	var c AllowedIPsChange
	if err := web.Decode(r, &c); err != nil {
		return err
	}
	if c.AllowedIPs == nil {
		return problem.Invalid(problem.Field{Field: "allowed_ips", Code: "required"})
	}
	l, err := g.SetAllowedIPs(r.Context(), kind, r.PathValue("id"), c.AllowedIPs)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (g *Gateway) handleListAlerts(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	l, err := g.ListAlerts(r.Context(), AlertFilter{Status: q.Get("status"), Subject: q.Get("subject")}, pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (g *Gateway) handleBlocks(w http.ResponseWriter, r *http.Request) error {
	return web.Respond(w, r, http.StatusOK, g.Blocks())
}

func (g *Gateway) handleUnblock(w http.ResponseWriter, r *http.Request) error {
	u, err := g.Unblock(r.Context(), r.PathValue("subject"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, u)
}
