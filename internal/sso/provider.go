package sso

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// SigningKeyFile is the provider's RSA signing key in the data folder,
// made on first start when SILKGATE_OIDC_SIGNING_KEY does not give one. To
// rotate it, replace the file (or the variable) on every node and restart.
const SigningKeyFile = "oidc-signing.key"

// Provider endpoints. Discovery is at the site root, where relying parties
// look for it (issuer + /.well-known/openid-configuration).
const (
	pathAuthorize = "/oidc/authorize"
	pathToken     = "/oidc/token"
	pathUserinfo  = "/oidc/userinfo"
	pathKeys      = "/oidc/keys"
	pathRevoke    = "/oidc/revoke"
)

// startProvider builds the OpenID Connect provider on the signing key of
// the data folder or pemKey.
func (s *Service) startProvider(dataDir, pemKey string) error {
	key, err := loadSigningKey(dataDir, pemKey)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	kid := sha256.Sum256(der)
	st := &opStore{s: s, key: key, kid: hex.EncodeToString(kid[:8])}
	// The key that seals opaque access tokens derives from the signing
	// key, so every node that shares one shares the other.
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	cfg := &op.Config{CryptoKey: sha256.Sum256(append([]byte("silkgate-oidc-access-token\x00"), priv...)),
		CodeMethodS256: true, GrantTypeRefreshToken: true}
	issuer := op.IssuerFromHost("")
	if s.cfg.PublicURL != "" {
		issuer = op.StaticIssuer(s.cfg.PublicURL)
	}
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint(pathAuthorize), op.NewEndpoint(pathToken), op.NewEndpoint(pathUserinfo),
			op.NewEndpoint(pathRevoke), op.NewEndpoint("/oidc/end_session"), op.NewEndpoint(pathKeys)),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("/oidc/introspect")),
		op.WithCustomDeviceAuthorizationEndpoint(op.NewEndpoint("/oidc/device_authorization")),
		op.WithLogger(s.cfg.Log),
	}
	// Plain http only where the platform itself is served so (a developer's
	// machine, tests); a public https address makes it https-only.
	if !strings.HasPrefix(s.cfg.PublicURL, "https://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(cfg, st, issuer, opts...)
	if err != nil {
		return fmt.Errorf("sso: openid provider: %w", err)
	}
	s.op, s.opStore = p, st
	return nil
}

// loadSigningKey reads the signing key from pemKey, else from the data
// folder, making one there (mode 0600) on first use.
func loadSigningKey(dataDir, pemKey string) (*rsa.PrivateKey, error) {
	raw := []byte(pemKey)
	if pemKey == "" {
		path := filepath.Join(dataDir, SigningKeyFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				return nil, err
			}
			der, err := x509.MarshalPKCS8PrivateKey(key)
			if err != nil {
				return nil, err
			}
			out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
			// O_EXCL: two processes starting at once must not each write
			// a key of their own.
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, os.ErrExist) {
				return loadSigningKey(dataDir, "")
			}
			if err != nil {
				return nil, fmt.Errorf("sso: write signing key: %w", err)
			}
			if _, err := f.Write(out); err != nil {
				f.Close()
				return nil, fmt.Errorf("sso: write signing key: %w", err)
			}
			if err := f.Close(); err != nil {
				return nil, err
			}
			return key, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sso: read signing key: %w", err)
		}
		raw = b
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New("sso: signing key is not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sso: parse signing key: %w", err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok || rk.N.BitLen() < 2048 {
		return nil, errors.New("sso: the signing key must be RSA, 2048 bits or more")
	}
	return rk, nil
}

// providerRoutes registers the provider's endpoints (public: relying
// parties authenticate themselves with their client secret) and the page
// that hands an authorisation request to the signed-in console user.
func (s *Service) providerRoutes(rt *web.Router) {
	serve := web.H(func(w http.ResponseWriter, r *http.Request) error {
		s.op.ServeHTTP(w, r)
		return nil
	})
	pub := func(method, path, summary string) web.Route {
		// Stream: the provider reads its own form and writes through its
		// storage, which keeps its own transactions.
		return web.Route{Method: method, Path: path, Public: true, Stream: method == "POST", Tag: "oidc", Summary: summary, Handler: serve}
	}
	discovery := pub("GET", "/.well-known/openid-configuration", "OpenID Connect discovery")
	discovery.Handler = s.handleDiscovery
	for _, r := range []web.Route{
		discovery,
		pub("GET", pathKeys, "Signing keys of the OpenID Connect provider (JWKS)"),
		pub("GET", pathAuthorize, "Authorisation endpoint (code flow with PKCE)"),
		pub("GET", pathAuthorize+"/callback", "Return from the console sign-in to the authorisation endpoint"),
		pub("POST", pathToken, "Token endpoint (authorization_code, refresh_token)"),
		pub("GET", pathUserinfo, "Userinfo endpoint"),
		pub("POST", pathUserinfo, "Userinfo endpoint"),
		pub("POST", pathRevoke, "Token revocation"),
		{Method: "GET", Path: "/oidc/login", Perm: identity.PermMe, Page: true, Tag: "oidc",
			Summary: "Sign a partner application's user in with the console session", Handler: s.handleOPLogin},
		{Method: "GET", Path: "/api/v1/oidc/clients", Perm: identity.PermAPIKeysRead, Tag: "oidc",
			Summary: "List partner applications that sign users in with Silkgate", Response: web.List[OIDCClient]{}, Handler: s.handleListClients},
		{Method: "POST", Path: "/api/v1/oidc/clients", Perm: identity.PermAPIKeysManage, Tag: "oidc",
			Summary: "Register a partner application (secret shown once)", Request: NewOIDCClient{}, Response: OIDCClient{},
			Status: http.StatusCreated, Handler: s.handleCreateClient},
		{Method: "DELETE", Path: "/api/v1/oidc/clients/{id}", Perm: identity.PermAPIKeysManage, Tag: "oidc",
			Summary: "Revoke a partner application and its tokens", Handler: s.handleRevokeClient},
	} {
		rt.Handle(r)
	}
}

// unserved are the discovery fields of endpoints the provider library
// always advertises but Silkgate does not serve: token introspection (access
// tokens are opaque to relying parties, who call userinfo instead),
// RP-initiated logout, and the device flow. A relying party that believed
// the document would call a 404.
var unserved = []string{"introspection_endpoint", "introspection_endpoint_auth_methods_supported",
	"introspection_endpoint_auth_signing_alg_values_supported", "end_session_endpoint",
	"device_authorization_endpoint"}

// handleDiscovery serves the provider's discovery document without the
// endpoints in unserved.
func (s *Service) handleDiscovery(w http.ResponseWriter, r *http.Request) error {
	rec := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	s.op.ServeHTTP(rec, r)
	var doc map[string]json.RawMessage
	if rec.status != http.StatusOK || json.Unmarshal(rec.body.Bytes(), &doc) != nil {
		maps.Copy(w.Header(), rec.header)
		w.WriteHeader(rec.status)
		_, err := w.Write(rec.body.Bytes())
		return err
	}
	for _, k := range unserved {
		delete(doc, k)
	}
	maps.Copy(w.Header(), rec.header)
	w.Header().Del("Content-Length")
	w.Header().Set("Content-Type", "application/json")
	return json.NewEncoder(w).Encode(doc)
}

// bufferedResponse holds a response of the provider library for editing.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// handleOPLogin completes an authorisation request for the signed-in
// console user: only a person's session (not an API key), and only for an
// application of their own tenant.
func (s *Service) handleOPLogin(w http.ResponseWriter, r *http.Request) error {
	p, _ := identity.PrincipalFrom(r.Context())
	if p == nil || p.Kind != "session" {
		return problem.ErrForbidden
	}
	ctx := r.Context()
	a, err := s.opStore.readAuthRequest(ctx, "id = $1", r.URL.Query().Get("authRequestID"))
	if err != nil {
		return problem.ErrNotFound
	}
	c, _, err := s.opStore.client(ctx, a.ClientID)
	if err != nil {
		return problem.ErrNotFound
	}
	if c.tenantID != p.TenantID {
		// An application of another tenant may not sign this person in.
		err := s.db.InTx(ctx, func(ctx context.Context) error {
			return s.audit.Record(ctx, audit.Event{Action: "oidc.authorize", Resource: "oidc_client/other_tenant",
				Outcome: audit.OutcomeDenied, TenantID: p.TenantID, Detail: "client_of_other_tenant"})
		})
		if err != nil {
			return err
		}
		return problem.ErrForbidden
	}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if err := s.opStore.complete(ctx, a, p.UserID, p.MFA); err != nil {
			return err
		}
		return s.audit.Record(ctx, audit.Event{Action: "oidc.authorize", Resource: "oidc_client/" + c.id, TenantID: p.TenantID,
			Detail: strings.Join(a.Scopes, " ")})
	})
	if err != nil {
		return err
	}
	http.Redirect(w, r, pathAuthorize+"/callback?id="+url.QueryEscape(a.ID), http.StatusSeeOther)
	return nil
}

// OIDCClient is a partner application registered with the provider.
type OIDCClient struct {
	ID           string     `json:"id"`
	TenantID     string     `json:"tenant_id"`
	Name         string     `json:"name"`
	RedirectURIs []string   `json:"redirect_uris"`
	Secret       string     `json:"secret,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// NewOIDCClient is the input to CreateClient.
type NewOIDCClient struct {
	Name         string   `json:"name"`
	RedirectURIs []string `json:"redirect_uris"`
}

// Validate checks the redirect URIs: https, or http on a loopback address
// for an application under development; no fragments.
func (n *NewOIDCClient) Validate() error {
	var fs problem.Errors
	n.Name = strings.TrimSpace(n.Name)
	if len(n.Name) > 200 {
		fs.Add("name", "max_length", "max", 200)
	}
	if len(n.RedirectURIs) == 0 {
		fs.Add("redirect_uris", "required")
	}
	if len(n.RedirectURIs) > 10 {
		fs.Add("redirect_uris", "max_items", "max", 10)
	}
	for i, s := range n.RedirectURIs {
		u, err := url.Parse(s)
		ok := err == nil && u.Host != "" && u.Fragment == "" && !strings.ContainsAny(s, " \t\r\n") && len(s) <= 500
		if ok && u.Scheme == "http" {
			ip := net.ParseIP(u.Hostname())
			ok = u.Hostname() == "localhost" || ip != nil && ip.IsLoopback()
		} else if ok {
			ok = u.Scheme == "https"
		}
		if !ok {
			fs.Add(fmt.Sprintf("redirect_uris[%d]", i), "https_required")
		}
	}
	return fs.Err()
}

// CreateClient registers a partner application of the caller's tenant.
// The secret is returned once and kept only as a hash.
func (s *Service) CreateClient(ctx context.Context, n NewOIDCClient) (OIDCClient, error) {
	p, err := callerTenant(ctx)
	if err != nil {
		return OIDCClient{}, err
	}
	if err := n.Validate(); err != nil {
		return OIDCClient{}, err
	}
	c := OIDCClient{ID: ids.New("oic"), TenantID: p.TenantID, Name: n.Name, RedirectURIs: n.RedirectURIs,
		Secret: "sgc_" + ids.Secret(32), CreatedAt: s.now()}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO oidc_clients (id, tenant_id, name, redirect_uris, secret_hash,
			created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.TenantID, c.Name,
			strings.Join(c.RedirectURIs, " "), hash(c.Secret), p.PrincipalID(), c.CreatedAt); err != nil {
			return fmt.Errorf("sso: register client: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "oidc.client_create", Resource: "oidc_client/" + c.ID, TenantID: c.TenantID,
			Change: n})
	})
	if err != nil {
		return OIDCClient{}, err
	}
	return c, nil
}

// ListClients lists the caller's tenant's partner applications.
func (s *Service) ListClients(ctx context.Context, pg web.Page) (web.List[OIDCClient], error) {
	p, err := callerTenant(ctx)
	if err != nil {
		return web.List[OIDCClient]{}, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT id, tenant_id, name, redirect_uris, created_at, revoked_at FROM oidc_clients
		WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`, p.TenantID, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[OIDCClient]{}, err
	}
	defer rows.Close()
	var out []OIDCClient
	for rows.Next() {
		var c OIDCClient
		var uris string
		var revoked sql.NullTime
		if err := rows.Scan(&c.ID, &c.TenantID, &c.Name, &uris, &c.CreatedAt, &revoked); err != nil {
			return web.List[OIDCClient]{}, err
		}
		c.RedirectURIs = strings.Fields(uris)
		if revoked.Valid {
			c.RevokedAt = &revoked.Time
		}
		out = append(out, c)
	}
	return web.NewList(pg, out, func(c OIDCClient) string { return c.ID }), rows.Err()
}

// RevokeClient revokes a partner application and every token it holds.
func (s *Service) RevokeClient(ctx context.Context, id string) error {
	p, err := callerTenant(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		now := s.now()
		res, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE oidc_clients SET revoked_at = $3 WHERE id = $1 AND tenant_id = $2
			AND revoked_at IS NULL`, id, p.TenantID, now)
		if err != nil {
			return fmt.Errorf("sso: revoke client: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.ErrNotFound
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE oidc_tokens SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL`,
			id, now); err != nil {
			return fmt.Errorf("sso: revoke client tokens: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "oidc.client_revoke", Resource: "oidc_client/" + id, TenantID: p.TenantID})
	})
}

func (s *Service) handleListClients(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.ListClients(r.Context(), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}

func (s *Service) handleCreateClient(w http.ResponseWriter, r *http.Request) error {
	var n NewOIDCClient
	if err := web.Decode(r, &n); err != nil {
		return err
	}
	c, err := s.CreateClient(r.Context(), n)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusCreated, c)
}

func (s *Service) handleRevokeClient(w http.ResponseWriter, r *http.Request) error {
	if err := s.RevokeClient(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	return web.NoContent(w)
}
