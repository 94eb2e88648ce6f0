// Package sso is enterprise single sign-on (clause 5.3.2): console sign-in
// federated to a tenant's own OpenID Connect identity provider.
//
// # Federation
//
// A tenant administrator registers Silkgate as a client at the company's
// identity provider and enters, here, its issuer, client id and secret,
// the e-mail domains it speaks for, the claim that carries groups and how
// groups map to tenant roles. People then choose "Sign in with your company
// account" and give the company's sign-in name:
//
//	GET /sso/{company}/start   → the provider (state, nonce, PKCE S256)
//	GET /sso/callback          ← the provider's answer
//
// The callback checks the state against the browser's cookie and the
// server-side record (used once, ten minutes), exchanges the code, verifies
// the ID token (signature, issuer, audience, expiry, nonce), maps groups to
// a tenant role — never a platform role — and opens an ordinary console
// session for the account of that tenant, creating it when the tenant
// allows. An e-mail that belongs to another tenant or to platform staff is
// refused. Every outcome is audited as "auth.sso_login".
package sso

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Sealer encrypts the client secret under the tenant's data key; the
// keyring implements it.
type Sealer interface {
	Encrypt(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Recorder writes audit records.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the service.
type Config struct {
	// PublicURL is the address people reach Silkgate at (e.g.
	// https://silkgate.example.com). The callback URL registered at the
	// identity provider is PublicURL + "/sso/callback". Empty: taken from
	// each request's host.
	PublicURL string
	// HTTPClient calls identity providers (discovery, keys, tokens);
	// nil means a client with a 10 s timeout.
	HTTPClient *http.Client
	// DataDir holds the OpenID provider's signing key (SigningKeyFile)
	// unless SigningKeyPEM gives it.
	DataDir       string
	SigningKeyPEM string
	Now           func() time.Time
	Log           *slog.Logger
}

// Service runs federation.
type Service struct {
	db    *db.DB
	id    *identity.Service
	seal  Sealer
	audit Recorder
	cfg   Config

	// mu guards providers.
	mu        sync.Mutex
	providers map[string]cachedProvider // by issuer

	// op is Silkgate's own OpenID provider for partner applications.
	op      *op.Provider
	opStore *opStore
}

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
}

// providerTTL is how long a provider's discovery document is trusted
// before it is read again (its keys are refreshed by go-oidc as they
// rotate).
const providerTTL = 15 * time.Minute

// New returns the service: federation, and the OpenID provider on the
// signing key of cfg.
func New(d *db.DB, id *identity.Service, seal Sealer, rec Recorder, cfg Config) (*Service, error) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	s := &Service{db: d, id: id, seal: seal, audit: rec, cfg: cfg, providers: map[string]cachedProvider{}}
	if err := s.startProvider(cfg.DataDir, cfg.SigningKeyPEM); err != nil {
		return nil, err
	}
	return s, nil
}

// SetHTTPClient replaces the client that calls identity providers, e.g.
// to trust a private certificate authority.
func (s *Service) SetHTTPClient(c *http.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.HTTPClient = c
	clear(s.providers)
}

func (s *Service) client() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.HTTPClient
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// Connection is a tenant's identity provider.
type Connection struct {
	TenantID string `json:"tenant_id"`
	// Slug is the company sign-in name people type on the sign-in page.
	Slug     string `json:"slug"`
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// SecretSet tells whether a client secret is stored; the secret itself
	// is never shown again.
	SecretSet      bool                     `json:"client_secret_set"`
	AllowedDomains []string                 `json:"allowed_domains"`
	GroupsClaim    string                   `json:"groups_claim"`
	GroupRoles     map[string]identity.Role `json:"group_roles"`
	DefaultRole    identity.Role            `json:"default_role,omitempty"`
	AutoProvision  bool                     `json:"auto_provision"`
	RequireMFA     bool                     `json:"require_mfa"`
	Enabled        bool                     `json:"enabled"`
	UpdatedAt      time.Time                `json:"updated_at"`
	// CallbackURL is the redirect URI to register at the provider.
	CallbackURL string `json:"callback_url,omitempty"`
}

// ConnectionInput is the input to Save. An empty ClientSecret keeps the
// stored one.
type ConnectionInput struct {
	Slug           string                   `json:"slug"`
	Issuer         string                   `json:"issuer"`
	ClientID       string                   `json:"client_id"`
	ClientSecret   string                   `json:"client_secret,omitempty"`
	AllowedDomains []string                 `json:"allowed_domains"`
	GroupsClaim    string                   `json:"groups_claim,omitempty"`
	GroupRoles     map[string]identity.Role `json:"group_roles,omitempty"`
	DefaultRole    identity.Role            `json:"default_role,omitempty"`
	AutoProvision  bool                     `json:"auto_provision"`
	RequireMFA     bool                     `json:"require_mfa"`
	Enabled        bool                     `json:"enabled"`
}

var (
	slugRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	domainRe = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

// Validate normalises the input and checks its shape; Save checks the
// roles against the caller.
func (in *ConnectionInput) Validate() error {
	var fs problem.Errors
	in.Slug = strings.ToLower(strings.TrimSpace(in.Slug))
	in.Issuer = strings.TrimSpace(in.Issuer)
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.GroupsClaim = strings.TrimSpace(in.GroupsClaim)
	if in.GroupsClaim == "" {
		in.GroupsClaim = "groups"
	}
	if !slugRe.MatchString(in.Slug) || strings.HasPrefix(in.Slug, "ten_") {
		fs.Add("slug", "invalid_format", "format", "2 to 63 lower-case letters, digits and hyphens")
	}
	if u, err := url.Parse(in.Issuer); in.Issuer == "" {
		fs.Add("issuer", "required")
	} else if err != nil || u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || len(in.Issuer) > 500 {
		fs.Add("issuer", "invalid_format", "format", "an https URL without query or fragment")
	}
	if in.ClientID == "" {
		fs.Add("client_id", "required")
	} else if len(in.ClientID) > 255 {
		fs.Add("client_id", "max_length", "max", 255)
	}
	if len(in.ClientSecret) > 1024 {
		fs.Add("client_secret", "max_length", "max", 1024)
	}
	var domains []string
	for _, d := range in.AllowedDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d == "" || slices.Contains(domains, d) {
			continue
		}
		if !domainRe.MatchString(d) {
			fs.Add("allowed_domains", "invalid_format", "format", "domain names such as example.com")
			break
		}
		domains = append(domains, d)
	}
	in.AllowedDomains = domains
	// A provider may speak only for the company's own domains: without
	// the list, anyone it lets in — a guest account, a personal address —
	// would become a member of the tenant.
	if len(domains) == 0 {
		fs.Add("allowed_domains", "required")
	}
	if len(in.GroupsClaim) > 100 {
		fs.Add("groups_claim", "max_length", "max", 100)
	}
	roles := map[string]identity.Role{}
	for g, r := range in.GroupRoles {
		g = strings.TrimSpace(g)
		if g == "" {
			continue
		}
		if !tenantRole(r) {
			fs.Add("group_roles", "one_of", "values", tenantRoleList())
			break
		}
		roles[g] = r
	}
	in.GroupRoles = roles
	if in.DefaultRole != "" && !tenantRole(in.DefaultRole) {
		fs.Add("default_role", "one_of", "values", tenantRoleList())
	}
	return fs.Err()
}

// rolePriority orders tenant roles for a person in several mapped groups:
// they get the highest.
var rolePriority = []identity.Role{identity.TenantOwner, identity.TenantAdmin, identity.Finance, identity.Operator, identity.Viewer}

func tenantRole(r identity.Role) bool { return slices.Contains(rolePriority, r) }

func tenantRoleList() string {
	var s []string
	for _, r := range rolePriority {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func secretAAD(tenantID string) []byte { return []byte("sso_connections.client_secret:" + tenantID) }

const connCols = `tenant_id, slug, issuer, client_id, client_secret, allowed_domains, groups_claim, group_roles,
	default_role, auto_provision, require_mfa, enabled, updated_at`

type connRow struct {
	Connection
	sealed []byte
}

func scanConn(sc interface{ Scan(...any) error }) (connRow, error) {
	var c connRow
	var domains, roles, def string
	err := sc.Scan(&c.TenantID, &c.Slug, &c.Issuer, &c.ClientID, &c.sealed, &domains, &c.GroupsClaim, &roles,
		&def, &c.AutoProvision, &c.RequireMFA, &c.Enabled, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, problem.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("sso: read connection: %w", err)
	}
	c.AllowedDomains = strings.Fields(domains)
	c.DefaultRole = identity.Role(def)
	c.SecretSet = len(c.sealed) > 0
	if err := json.Unmarshal([]byte(roles), &c.GroupRoles); err != nil {
		return c, fmt.Errorf("sso: read group roles: %w", err)
	}
	if c.GroupRoles == nil {
		c.GroupRoles = map[string]identity.Role{}
	}
	return c, nil
}

// callerTenant is the tenant of the signed-in caller; platform staff have
// none and configure nothing here.
func callerTenant(ctx context.Context) (*identity.Principal, error) {
	p, ok := identity.PrincipalFrom(ctx)
	if !ok || p.TenantID == "" {
		return nil, problem.ErrNotFound
	}
	return p, nil
}

// Get returns the caller's tenant's connection, or problem.ErrNotFound.
func (s *Service) Get(ctx context.Context) (Connection, error) {
	p, err := callerTenant(ctx)
	if err != nil {
		return Connection{}, err
	}
	c, err := scanConn(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+connCols+` FROM sso_connections WHERE tenant_id = $1`, p.TenantID))
	return c.Connection, err
}

// Save creates or replaces the caller's tenant's connection. Every role it
// maps to must be one the caller may grant.
func (s *Service) Save(ctx context.Context, in ConnectionInput) (Connection, error) {
	p, err := callerTenant(ctx)
	if err != nil {
		return Connection{}, err
	}
	if err := in.Validate(); err != nil {
		return Connection{}, err
	}
	for _, r := range append(mapValues(in.GroupRoles), in.DefaultRole) {
		if r != "" && !p.Role.CanGrant(r) {
			return Connection{}, problem.Invalid(problem.Field{Field: "group_roles", Code: "role_not_allowed", Params: []any{"role", r}})
		}
	}
	// nil, not an empty slice, so that the stored secret is kept.
	var sealed any
	if in.ClientSecret != "" {
		if sealed, err = s.seal.Encrypt(ctx, p.TenantID, []byte(in.ClientSecret), secretAAD(p.TenantID)); err != nil {
			return Connection{}, err
		}
	}
	roles, err := json.Marshal(in.GroupRoles)
	if err != nil {
		return Connection{}, err
	}
	now := s.now()
	var out Connection
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q := s.db.Q(ctx)
		var taken string
		err := q.QueryRowContext(ctx, `SELECT tenant_id FROM sso_connections WHERE lower(slug) = $1 AND tenant_id <> $2`,
			in.Slug, p.TenantID).Scan(&taken)
		if err == nil {
			return problem.Invalid(problem.Field{Field: "slug", Code: "taken"})
		} else if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sso: check slug: %w", err)
		}
		// COALESCE keeps the stored secret when none is given.
		if _, err := q.ExecContext(ctx, `INSERT INTO sso_connections (`+connCols+`, updated_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
			ON CONFLICT (tenant_id) DO UPDATE SET slug = excluded.slug, issuer = excluded.issuer,
				client_id = excluded.client_id, client_secret = COALESCE(excluded.client_secret, sso_connections.client_secret),
				allowed_domains = excluded.allowed_domains, groups_claim = excluded.groups_claim,
				group_roles = excluded.group_roles, default_role = excluded.default_role,
				auto_provision = excluded.auto_provision, require_mfa = excluded.require_mfa,
				enabled = excluded.enabled, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			p.TenantID, in.Slug, in.Issuer, in.ClientID, sealed, strings.Join(in.AllowedDomains, " "), in.GroupsClaim,
			string(roles), string(in.DefaultRole), in.AutoProvision, in.RequireMFA, in.Enabled, now, p.PrincipalID()); err != nil {
			if db.IsUnique(err) {
				return problem.Invalid(problem.Field{Field: "slug", Code: "taken"})
			}
			return fmt.Errorf("sso: save connection: %w", err)
		}
		c, err := scanConn(q.QueryRowContext(ctx, `SELECT `+connCols+` FROM sso_connections WHERE tenant_id = $1`, p.TenantID))
		if err != nil {
			return err
		}
		out = c.Connection
		// The change is kept as a digest only; the secret is not part of it.
		change := in
		change.ClientSecret = ""
		return s.audit.Record(ctx, audit.Event{Action: "sso.configure", Resource: "sso_connection/" + p.TenantID,
			TenantID: p.TenantID, Change: change})
	})
	if err != nil {
		return Connection{}, err
	}
	s.forgetProvider(in.Issuer)
	return out, nil
}

func mapValues(m map[string]identity.Role) []identity.Role {
	var out []identity.Role
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// CallbackURL is the redirect URI to register at identity providers.
func (s *Service) CallbackURL(r *http.Request) string {
	return s.base(r) + "/sso/callback"
}

func (s *Service) base(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return s.cfg.PublicURL
	}
	scheme := "http"
	if web.IsHTTPS(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// provider returns issuer's discovered configuration, from the cache when
// fresh.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	now := s.now()
	s.mu.Lock()
	cp, ok := s.providers[issuer]
	s.mu.Unlock()
	if ok && now.Sub(cp.fetched) < providerTTL {
		return cp.p, nil
	}
	// The provider keeps the context for fetching its keys later: it must
	// outlive this request.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), s.client())
	p, err := oidc.NewProvider(pctx, issuer)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.providers[issuer] = cachedProvider{p: p, fetched: now}
	s.mu.Unlock()
	return p, nil
}

func (s *Service) forgetProvider(issuer string) {
	s.mu.Lock()
	delete(s.providers, issuer)
	s.mu.Unlock()
}
