package gateway

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Access tokens are opaque random strings stored as keyed hashes, not
// signed JWTs: every use already goes through the gateway, which must look
// up the client's allow-list and rate limit anyway, so a self-contained
// token would save nothing; an opaque one can be revoked at once (with its
// client) and needs no signing key to manage and rotate. The prefix tells
// them apart from API keys and sessions, and lets secret scanners find
// leaked ones.
const (
	TokenPrefix        = "sgat_"
	ClientSecretPrefix = "sgcs_"
)

// Hash purposes, so that no kind of secret can stand in for another.
const (
	purposeToken  = "oauth.access_token"
	purposeSecret = "oauth.client_secret"
)

// Client is a partner application registered with a tenant.
type Client struct {
	ID        string        `json:"id"`
	TenantID  string        `json:"tenant_id"`
	Name      string        `json:"name,omitempty"`
	Role      identity.Role `json:"role"`
	Scopes    []string      `json:"scopes"`
	Sandbox   bool          `json:"sandbox"`
	CreatedBy string        `json:"created_by,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	LastUsed  *time.Time    `json:"last_used_at,omitempty"`
	RevokedAt *time.Time    `json:"revoked_at,omitempty"`
	Allowed   []string      `json:"allowed_ips"`
}

// NewClient is the input to CreateClient.
type NewClient struct {
	TenantID   string        `json:"tenant_id,omitempty"`
	Name       string        `json:"name,omitempty"`
	Role       identity.Role `json:"role"`
	Scopes     []string      `json:"scopes,omitempty"`
	Sandbox    bool          `json:"sandbox"`
	AllowedIPs []string      `json:"allowed_ips,omitempty"`
}

// Validate checks the input's shape: a tenant role, and scopes that the
// role holds.
func (n *NewClient) Validate() error {
	var fs problem.Errors
	if n.Role == "" {
		fs.Add("role", "required")
	} else if !n.Role.Valid() || n.Role.Platform() {
		fs.Add("role", "one_of", "values", "tenant_owner, tenant_admin, operator, viewer, finance")
	}
	if len(n.Name) > 100 {
		fs.Add("name", "max_length", "max", 100)
	}
	if len(n.Scopes) > 50 {
		fs.Add("scopes", "out_of_range", "min", 0, "max", 50)
	}
	for i, s := range n.Scopes {
		if n.Role.Valid() && !n.Role.Can(s) {
			fs.Add(fmt.Sprintf("scopes[%d]", i), "scope_not_in_role", "scope", s, "role", n.Role)
		}
	}
	if _, err := ParseAllowedIPs(n.AllowedIPs); err != nil {
		if pe, ok := problem.As(err); ok {
			fs = append(fs, pe.Fields...)
		}
	}
	return fs.Err()
}

// CreatedClient carries the client secret, shown once.
type CreatedClient struct {
	Client
	ClientSecret string `json:"client_secret"`
}

// TokenResponse is the answer of the token endpoint (RFC 6749 §5.1).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// TokenRequest documents the token endpoint's form fields.
type TokenRequest struct {
	GrantType    string `json:"grant_type"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// TokenError is an error of the token endpoint (RFC 6749 §5.2).
type TokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
	RequestID   string `json:"request_id,omitempty"`
}

const clientCols = `id, tenant_id, name, role, scopes, sandbox, created_by, created_at, last_used_at, revoked_at`

// scanClient reads clientCols, then any extra columns into extra.
func scanClient(sc interface{ Scan(...any) error }, extra ...any) (Client, string, error) {
	var c Client
	var role, scopes string
	var used, revoked sql.NullTime
	err := sc.Scan(append([]any{&c.ID, &c.TenantID, &c.Name, &role, &scopes, &c.Sandbox, &c.CreatedBy, &c.CreatedAt, &used, &revoked}, extra...)...)
	c.Role = identity.Role(role)
	c.Scopes = splitScopes(scopes)
	if used.Valid {
		c.LastUsed = &used.Time
	}
	if revoked.Valid {
		c.RevokedAt = &revoked.Time
	}
	c.Allowed = []string{}
	return c, scopes, err
}

func splitScopes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Fields(s)
}

// callerTenant returns the tenant a tenant caller is confined to, or "" for
// platform staff, who may name one.
func callerTenant(ctx context.Context) (string, *identity.Principal) {
	p, ok := identity.PrincipalFrom(ctx)
	if !ok {
		return "", nil
	}
	return p.TenantID, p
}

// CreateClient registers a partner application. A caller may give it a
// role up to its own, as for API keys.
func (g *Gateway) CreateClient(ctx context.Context, n NewClient) (CreatedClient, error) {
	if err := n.Validate(); err != nil {
		return CreatedClient{}, err
	}
	createdBy := "system"
	if own, p := callerTenant(ctx); p != nil {
		if own != "" {
			if n.TenantID != "" && n.TenantID != own {
				return CreatedClient{}, problem.ErrNotFound
			}
			n.TenantID = own
		}
		if !p.Role.CanGrant(n.Role) && p.Role != n.Role && !p.Role.Can(identity.PermSecurityManage) {
			return CreatedClient{}, problem.Invalid(problem.Field{Field: "role", Code: "role_not_allowed", Params: []any{"role", n.Role}})
		}
		createdBy = p.PrincipalID()
	}
	if n.TenantID == "" {
		return CreatedClient{}, problem.Invalid(problem.Field{Field: "tenant_id", Code: "required"})
	}
	ps, _ := ParseAllowedIPs(n.AllowedIPs)
	now := g.now()
	scopes := slices.Clone(n.Scopes)
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	c := CreatedClient{
		Client: Client{ID: ids.New("occ"), TenantID: n.TenantID, Name: n.Name, Role: n.Role, Scopes: scopes,
			Sandbox: n.Sandbox, CreatedBy: createdBy, CreatedAt: now, Allowed: formatPrefixes(ps)},
		ClientSecret: ClientSecretPrefix + ids.Secret(30),
	}
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	err := g.db.InTx(ctx, func(ctx context.Context) error {
		var active int
		if err := g.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = $1 AND status = 'active'`,
			n.TenantID).Scan(&active); err != nil {
			return fmt.Errorf("gateway: read tenant: %w", err)
		}
		if active == 0 {
			return problem.Invalid(problem.Field{Field: "tenant_id", Code: "not_found"})
		}
		if _, err := g.db.Q(ctx).ExecContext(ctx, `INSERT INTO oauth_clients (id, tenant_id, name, role, scopes, sandbox,
			secret_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			c.ID, c.TenantID, c.Name, string(c.Role), strings.Join(c.Scopes, " "), c.Sandbox,
			g.id.KeyedHash(purposeSecret, c.ClientSecret), createdBy, now); err != nil {
			return fmt.Errorf("gateway: create client: %w", err)
		}
		if err := g.audit.Record(ctx, audit.Event{Action: "oauth.client.create", Resource: "oauth_client/" + c.ID,
			TenantID: c.TenantID, Change: map[string]any{"role": c.Role, "scopes": c.Scopes, "sandbox": c.Sandbox, "name": c.Name}}); err != nil {
			return err
		}
		if len(ps) > 0 {
			_, err := g.allow.set(ctx, g.audit, c.TenantID, c.ID, "oauth_client/"+c.ID, ps)
			return err
		}
		return nil
	})
	if err != nil {
		return CreatedClient{}, err
	}
	return c, nil
}

// GetClient returns a client the caller may see.
func (g *Gateway) GetClient(ctx context.Context, id string) (Client, error) {
	c, _, err := scanClient(g.db.Q(ctx).QueryRowContext(ctx, `SELECT `+clientCols+` FROM oauth_clients WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Client{}, problem.ErrNotFound
	}
	if err != nil {
		return Client{}, fmt.Errorf("gateway: read client: %w", err)
	}
	if own, _ := callerTenant(ctx); own != "" && own != c.TenantID {
		return Client{}, problem.ErrNotFound
	}
	l, err := g.allow.read(ctx, id)
	if err != nil {
		return Client{}, err
	}
	c.Allowed = l.AllowedIPs
	return c, nil
}

// ListClients lists a tenant's clients: the caller's own tenant, or for
// platform staff the one named (all when none is).
func (g *Gateway) ListClients(ctx context.Context, tenantID string, pg web.Page) (web.List[Client], error) {
	if own, _ := callerTenant(ctx); own != "" {
		if tenantID != "" && tenantID != own {
			return web.List[Client]{}, problem.ErrForbidden
		}
		tenantID = own
	}
	rows, err := g.db.Q(ctx).QueryContext(ctx, `SELECT `+clientCols+` FROM oauth_clients
		WHERE ($1 = '' OR tenant_id = $1) AND id > $2 ORDER BY id LIMIT $3`, tenantID, pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Client]{}, fmt.Errorf("gateway: list clients: %w", err)
	}
	defer rows.Close()
	var out []Client
	for rows.Next() {
		c, _, err := scanClient(rows)
		if err != nil {
			return web.List[Client]{}, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return web.List[Client]{}, err
	}
	for i := range out {
		l, err := g.allow.read(ctx, out[i].ID)
		if err != nil {
			return web.List[Client]{}, err
		}
		out[i].Allowed = l.AllowedIPs
	}
	return web.NewList(pg, out, func(c Client) string { return c.ID }), nil
}

// RevokeClient revokes a client and every token it holds, at once on this
// node and within the token cache's lifetime on others.
func (g *Gateway) RevokeClient(ctx context.Context, id string) (Client, error) {
	var c Client
	err := g.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if c, err = g.GetClient(ctx, id); err != nil {
			return err
		}
		if c.RevokedAt != nil {
			return nil
		}
		now := g.now()
		if _, err := g.db.Q(ctx).ExecContext(ctx, `UPDATE oauth_clients SET revoked_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("gateway: revoke client: %w", err)
		}
		if _, err := g.db.Q(ctx).ExecContext(ctx, `DELETE FROM oauth_tokens WHERE client_id = $1`, id); err != nil {
			return fmt.Errorf("gateway: revoke client tokens: %w", err)
		}
		c.RevokedAt = &now
		return g.audit.Record(ctx, audit.Event{Action: "oauth.client.revoke", Resource: "oauth_client/" + id, TenantID: c.TenantID})
	})
	if err != nil {
		return Client{}, err
	}
	g.forgetClient(id)
	return c, nil
}

func (g *Gateway) forgetClient(id string) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	for h, t := range g.tokens {
		if t.p.KeyID == id {
			delete(g.tokens, h)
		}
	}
	for k, until := range g.revoked {
		if !now.Before(until) {
			delete(g.revoked, k)
		}
	}
	g.revoked[id] = now.Add(max(g.id.KeyCacheTTL(), time.Minute))
}

func (g *Gateway) clientRevokedHere(id string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.revoked[id]
	return ok && now.Before(until)
}

// tokenCaller is an OAuth client acting with a token: its principal (whose
// PrincipalID is the client id, so limits and idempotency are per client)
// and the token's scopes ([] for everything the role holds).
type tokenCaller struct {
	*identity.Principal
	scopes []string
}

type cachedToken struct {
	p         identity.Principal
	scopes    []string
	expiresAt time.Time // the token's own expiry
	cachedTo  time.Time // until when this copy may be used
}

// authToken authenticates an OAuth access token.
func (g *Gateway) authToken(r *http.Request, tok string) (context.Context, web.Caller, error) {
	ctx := r.Context()
	g.sweep(ctx)
	h := g.id.KeyedHash(purposeToken, tok)
	now := g.now()
	g.mu.Lock()
	c, ok := g.tokens[h]
	g.mu.Unlock()
	if !ok || !now.Before(c.cachedTo) {
		c = &cachedToken{}
		var role, scopes string
		err := g.db.Q(ctx).QueryRowContext(ctx, `SELECT c.id, c.tenant_id, c.role, c.sandbox, t.scopes, t.expires_at
			FROM oauth_tokens t JOIN oauth_clients c ON c.id = t.client_id JOIN tenants tn ON tn.id = c.tenant_id
			WHERE t.token_hash = $1 AND c.revoked_at IS NULL AND tn.status = 'active'`, h).
			Scan(&c.p.KeyID, &c.p.TenantID, &role, &c.p.Sandbox, &scopes, &c.expiresAt)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, problem.ErrUnauthenticated
		}
		if err != nil {
			return nil, nil, fmt.Errorf("gateway: read token: %w", err)
		}
		c.p.Kind, c.p.Role, c.scopes = "apikey", identity.Role(role), splitScopes(scopes)
		c.cachedTo = now.Add(g.id.KeyCacheTTL())
		g.mu.Lock()
		if len(g.tokens) > 100_000 {
			clear(g.tokens)
		}
		g.tokens[h] = c
		g.mu.Unlock()
	}
	if !now.Before(c.expiresAt) {
		return nil, nil, problem.Unauthorized("token_expired")
	}
	if g.clientRevokedHere(c.p.KeyID, now) {
		return nil, nil, problem.ErrUnauthenticated
	}
	p := c.p
	if err := g.checkAllowed(r, p.KeyID, p.TenantID, "oauth_client/"+p.KeyID); err != nil {
		return nil, nil, err
	}
	if err := g.id.Allow(ctx, &p); err != nil {
		return nil, nil, err
	}
	ctx = identity.WithPrincipal(ctx, &p, identity.ClientIP(r))
	// Recorded as the client, not as an API key, in the audit trail.
	a := audit.ActorFrom(ctx)
	a.Type = "oauth_client"
	ctx = audit.WithActor(ctx, a)
	return ctx, &tokenCaller{Principal: &p, scopes: c.scopes}, nil
}

// tokenFailure is an RFC 6749 error of the token endpoint.
type tokenFailure struct {
	status int
	code   string
	desc   string
	basic  bool // the client tried HTTP Basic: answer with its challenge
}

func (e *tokenFailure) Error() string { return "oauth: " + e.code }

// issueToken checks a client's credentials and issues a token. It runs in
// the request's transaction: the token row and the audit record commit
// together.
func (g *Gateway) issueToken(ctx context.Context, r *http.Request, clientID, secret, scope string, basic bool) (TokenResponse, error) {
	invalid := &tokenFailure{status: http.StatusUnauthorized, code: "invalid_client",
		desc: "Client authentication failed: unknown client, wrong secret or revoked client.", basic: basic}
	if clientID == "" || secret == "" || len(clientID) > 100 || len(secret) > 200 {
		return TokenResponse{}, invalid
	}
	if until, ok := g.det.Blocked(KeySubject(clientID)); ok {
		return TokenResponse{}, g.blockedError(until)
	}
	var stored string
	c, scopes, err := scanClient(g.db.Q(ctx).QueryRowContext(ctx, `SELECT `+clientCols+`, secret_hash FROM oauth_clients WHERE id = $1`, clientID), &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return TokenResponse{}, invalid
	}
	if err != nil {
		return TokenResponse{}, fmt.Errorf("gateway: read client: %w", err)
	}
	if !hmac.Equal([]byte(g.id.KeyedHash(purposeSecret, secret)), []byte(stored)) {
		attemptFrom(ctx).strikeKey(clientID, c.TenantID)
		g.auditTokenDenied(ctx, r, c, "wrong client secret")
		return TokenResponse{}, invalid
	}
	now := g.now()
	if c.RevokedAt != nil || g.clientRevokedHere(c.ID, now) {
		return TokenResponse{}, invalid
	}
	var active int
	if err := g.db.Q(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM tenants WHERE id = $1 AND status = 'active'`, c.TenantID).Scan(&active); err != nil {
		return TokenResponse{}, fmt.Errorf("gateway: read tenant: %w", err)
	}
	if active == 0 {
		return TokenResponse{}, invalid
	}
	// The scopes a token may carry: the client's, or its role's.
	allowed := c.Scopes
	if scopes == "" {
		allowed = c.Role.Permissions()
	}
	granted := strings.Join(c.Scopes, " ")
	if scope != "" {
		req := strings.Fields(scope)
		for _, s := range req {
			if !contains(allowed, s) {
				return TokenResponse{}, &tokenFailure{status: http.StatusBadRequest, code: "invalid_scope",
					desc: "The scope " + s + " is not granted to this client."}
			}
		}
		slices.Sort(req)
		granted = strings.Join(slices.Compact(req), " ")
	}
	p := identity.Principal{Kind: "apikey", KeyID: c.ID, TenantID: c.TenantID, Role: c.Role, Sandbox: c.Sandbox}
	if err := g.checkAllowed(r.WithContext(ctx), c.ID, c.TenantID, "oauth_client/"+c.ID); err != nil {
		// Keep the audit record written in this transaction.
		return TokenResponse{}, web.KeepWrites(err)
	}
	if err := g.id.Allow(ctx, &p); err != nil {
		return TokenResponse{}, err
	}
	tok := TokenPrefix + ids.Secret(32)
	expires := now.Add(g.cfg.TokenTTL)
	if _, err := g.db.Q(ctx).ExecContext(ctx, `INSERT INTO oauth_tokens (token_hash, client_id, scopes, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, g.id.KeyedHash(purposeToken, tok), c.ID, granted, now, expires); err != nil {
		return TokenResponse{}, fmt.Errorf("gateway: store token: %w", err)
	}
	if _, err := g.db.Q(ctx).ExecContext(ctx, `UPDATE oauth_clients SET last_used_at = $2 WHERE id = $1`, c.ID, now); err != nil {
		return TokenResponse{}, fmt.Errorf("gateway: note client use: %w", err)
	}
	actx := audit.WithActor(ctx, audit.Actor{ID: c.ID, Type: "oauth_client", TenantID: c.TenantID, SourceIP: identity.ClientIP(r)})
	if err := g.audit.Record(actx, audit.Event{Action: "oauth.token.issue", Resource: "oauth_client/" + c.ID, TenantID: c.TenantID,
		Change: map[string]any{"scope": granted, "expires_at": expires}}); err != nil {
		return TokenResponse{}, err
	}
	return TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(g.cfg.TokenTTL / time.Second), Scope: granted}, nil
}

// auditTokenDenied records a refused client authentication in the
// request's transaction, which commits although the request fails (the
// handler answers the error itself).
func (g *Gateway) auditTokenDenied(ctx context.Context, r *http.Request, c Client, why string) {
	actx := audit.WithActor(ctx, audit.Actor{ID: c.ID, Type: "oauth_client", TenantID: c.TenantID, SourceIP: identity.ClientIP(r)})
	if err := g.audit.Record(actx, audit.Event{Action: "oauth.token.denied", Resource: "oauth_client/" + c.ID,
		Outcome: "denied", TenantID: c.TenantID, Detail: why}); err != nil {
		g.log.Error("security: audit token refusal", "client_id", c.ID, "error", err)
	}
}
