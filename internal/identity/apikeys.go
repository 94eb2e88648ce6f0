package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Key prefixes tell a live key from a sandbox key at a glance (and let
// secret scanners find leaked ones).
const (
	LivePrefix = "sk_live_"
	TestPrefix = "sk_test_"
)

// APIKey is a credential for machines. The key itself and its signing
// secret are shown once, at creation; the store keeps a keyed hash of the
// key and the signing secret encrypted (it is needed in clear to check
// signatures).
type APIKey struct {
	ID         string     `json:"id"`
	TenantID   string     `json:"tenant_id"`
	Name       string     `json:"name,omitempty"`
	Role       Role       `json:"role"`
	Sandbox    bool       `json:"sandbox"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewAPIKey is the input to CreateAPIKey.
type NewAPIKey struct {
	TenantID string `json:"tenant_id,omitempty"`
	Name     string `json:"name,omitempty"`
	Role     Role   `json:"role"`
	Sandbox  bool   `json:"sandbox"`
}

// Validate checks the input's shape.
func (n *NewAPIKey) Validate() error {
	var fs problem.Errors
	if n.Role == "" {
		fs.Add("role", "required")
	} else if !n.Role.Valid() || n.Role.Platform() {
		fs.Add("role", "one_of", "values", "tenant_owner, tenant_admin, operator, viewer, finance")
	}
	if len(n.Name) > 100 {
		fs.Add("name", "max_length", "max", 100)
	}
	return fs.Err()
}

// CreatedAPIKey carries the secrets shown once.
type CreatedAPIKey struct {
	APIKey
	Key           string `json:"key"`
	SigningSecret string `json:"signing_secret"`
}

// CreateAPIKey issues a key. A caller may issue keys up to its own role.
func (s *Service) CreateAPIKey(ctx context.Context, n NewAPIKey) (CreatedAPIKey, error) {
	if err := n.Validate(); err != nil {
		return CreatedAPIKey{}, err
	}
	createdBy := "system"
	if p, ok := PrincipalFrom(ctx); ok {
		if p.TenantID != "" {
			if n.TenantID != "" && n.TenantID != p.TenantID {
				return CreatedAPIKey{}, problem.ErrNotFound
			}
			n.TenantID = p.TenantID
		}
		if !p.Role.CanGrant(n.Role) && p.Role != n.Role && !p.Role.Can(PermSecurityManage) {
			return CreatedAPIKey{}, problem.Invalid(problem.Field{Field: "role", Code: "role_not_allowed", Params: []any{"role", n.Role}})
		}
		createdBy = p.PrincipalID()
	}
	if n.TenantID == "" {
		return CreatedAPIKey{}, problem.Invalid(problem.Field{Field: "tenant_id", Code: "required"})
	}
	prefix := LivePrefix
	if n.Sandbox {
		prefix = TestPrefix
	}
	now := s.now()
	k := CreatedAPIKey{
		APIKey: APIKey{ID: ids.New("key"), TenantID: n.TenantID, Name: n.Name, Role: n.Role, Sandbox: n.Sandbox,
			CreatedBy: createdBy, CreatedAt: now},
		Key:           prefix + ids.Secret(30),
		SigningSecret: "whsk_" + ids.Secret(30),
	}
	k.Prefix = k.Key[:len(prefix)+6]
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		if _, _, err := s.tenants.RateLimit(ctx, n.TenantID); err != nil {
			return problem.Invalid(problem.Field{Field: "tenant_id", Code: "not_found"})
		}
		sealed, err := s.seal.Encrypt(ctx, n.TenantID, []byte(k.SigningSecret), signingAAD(k.ID))
		if err != nil {
			return err
		}
		if _, err := s.db.Q(ctx).ExecContext(ctx, `INSERT INTO api_keys (id, tenant_id, name, role, sandbox, prefix,
			key_hash, signing_secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			k.ID, k.TenantID, k.Name, string(k.Role), k.Sandbox, k.Prefix, s.keyHash(k.Key), sealed, createdBy, now); err != nil {
			return fmt.Errorf("identity: create api key: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "apikey.create", Resource: "apikey/" + k.ID, Outcome: "success",
			TenantID: k.TenantID, Change: map[string]any{"role": k.Role, "sandbox": k.Sandbox, "name": k.Name}})
	})
	return k, err
}

func signingAAD(keyID string) []byte { return []byte("api_keys.signing_secret:" + keyID) }

// SigningSecret returns a key's signing secret, for verifying signed
// requests. It fails with problem.ErrNotFound for a revoked key and for a
// key of a suspended tenant.
func (s *Service) SigningSecret(ctx context.Context, keyID string) (string, error) {
	var tenant string
	var sealed []byte
	// As for bearer keys: a revoked key, or a key of a suspended tenant,
	// signs nothing.
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT k.tenant_id, k.signing_secret FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.id = $1 AND k.revoked_at IS NULL AND t.status = 'active'`, keyID).Scan(&tenant, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", problem.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	pt, err := s.seal.Decrypt(ctx, tenant, sealed, signingAAD(keyID))
	return string(pt), err
}

const keyCols = `id, tenant_id, name, role, sandbox, prefix, created_by, created_at, last_used_at, revoked_at`

func scanKey(sc interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var role string
	var used, revoked sql.NullTime
	err := sc.Scan(&k.ID, &k.TenantID, &k.Name, &role, &k.Sandbox, &k.Prefix, &k.CreatedBy, &k.CreatedAt, &used, &revoked)
	k.Role = Role(role)
	if used.Valid {
		k.LastUsedAt = &used.Time
	}
	if revoked.Valid {
		k.RevokedAt = &revoked.Time
	}
	return k, err
}

// ListAPIKeys lists a tenant's keys (the caller's own tenant; security
// administrators may name one).
func (s *Service) ListAPIKeys(ctx context.Context, tenantID string, pg web.Page) (web.List[APIKey], error) {
	tenantID, err := visibleTenant(ctx, tenantID)
	if err != nil {
		return web.List[APIKey]{}, err
	}
	rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT `+keyCols+` FROM api_keys
		WHERE ($1 = '' OR tenant_id = $1) AND id > $2 ORDER BY id LIMIT $3`, tenantID, pg.After, pg.Limit+1)
	if err != nil {
		return web.List[APIKey]{}, fmt.Errorf("identity: list keys: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (APIKey, error) { return scanKey(r) })
	if err != nil {
		return web.List[APIKey]{}, err
	}
	return web.NewList(pg, out, func(k APIKey) string { return k.ID }), nil
}

// GetAPIKey returns one key the caller may see.
func (s *Service) GetAPIKey(ctx context.Context, id string) (APIKey, error) {
	k, err := scanKey(s.db.Q(ctx).QueryRowContext(ctx, `SELECT `+keyCols+` FROM api_keys WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, problem.ErrNotFound
	}
	if err != nil {
		return APIKey{}, err
	}
	if p, ok := PrincipalFrom(ctx); ok && p.TenantID != "" && p.TenantID != k.TenantID {
		return APIKey{}, problem.ErrNotFound
	}
	return k, nil
}

// RevokeAPIKey revokes a key at once on this node (and within the key
// cache's lifetime on others).
func (s *Service) RevokeAPIKey(ctx context.Context, id string) (APIKey, error) {
	var k APIKey
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		var err error
		if k, err = s.GetAPIKey(ctx, id); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		now := s.now()
		if _, err := s.db.Q(ctx).ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1`, id, now); err != nil {
			return fmt.Errorf("identity: revoke api key: %w", err)
		}
		k.RevokedAt = &now
		return s.audit.Record(ctx, audit.Event{Action: "apikey.revoke", Resource: "apikey/" + id, Outcome: "success",
			TenantID: k.TenantID})
	})
	if err != nil {
		return APIKey{}, err
	}
	s.forgetKey(id)
	return k, nil
}

func isAPIKey(tok string) bool {
	return strings.HasPrefix(tok, LivePrefix) || strings.HasPrefix(tok, TestPrefix)
}
