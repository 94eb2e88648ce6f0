package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/platform/problem"
)

// This file holds the small seams the access layer (the gateway) needs to
// authenticate partners the same way identity authenticates bearer keys:
// the same key store, the same revocation rule, the same rate limits.

// SigningKey is an API key as a signed request needs it: the principal the
// request acts as and the secret its signature is checked with.
type SigningKey struct {
	Principal Principal
	Secret    []byte
}

// LookupSigningKey resolves an API key by its id for a signed request. It
// fails with problem.ErrNotFound for an unknown or revoked key and for a
// key of a suspended tenant, exactly as a bearer key would be refused.
// Callers may cache the result for KeyCacheTTL, and must still ask
// KeyRevokedHere on every request.
func (s *Service) LookupSigningKey(ctx context.Context, keyID string) (SigningKey, error) {
	var k SigningKey
	var role string
	var sealed []byte
	err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT k.tenant_id, k.role, k.sandbox, k.signing_secret
		FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
		WHERE k.id = $1 AND k.revoked_at IS NULL AND t.status = 'active'`, keyID).
		Scan(&k.Principal.TenantID, &role, &k.Principal.Sandbox, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return SigningKey{}, problem.ErrNotFound
	}
	if err != nil {
		return SigningKey{}, fmt.Errorf("identity: read signing key: %w", err)
	}
	if s.revokedHere(keyID, s.now()) {
		return SigningKey{}, problem.ErrNotFound
	}
	k.Secret, err = s.seal.Decrypt(ctx, k.Principal.TenantID, sealed, signingAAD(keyID))
	if err != nil {
		return SigningKey{}, fmt.Errorf("identity: open signing secret: %w", err)
	}
	k.Principal.Kind, k.Principal.KeyID, k.Principal.Role = "apikey", keyID, Role(role)
	return k, nil
}

// KeyRevokedHere reports whether this node revoked key id recently: a
// cached copy of the key must then be refused, whatever the cache says.
func (s *Service) KeyRevokedHere(keyID string) bool { return s.revokedHere(keyID, s.now()) }

// KeyCacheTTL is how long a copy of a credential may be trusted without
// asking the store again (and so how long another node may keep honouring
// a revoked one).
func (s *Service) KeyCacheTTL() time.Duration { return s.cfg.KeyCacheTTL }

// ResolveAPIKey returns the principal of a bearer API key, or 401. It does
// not apply the rate limit: callers that check more (an IP allow-list)
// first call Allow after their own checks.
func (s *Service) ResolveAPIKey(ctx context.Context, key string) (*Principal, error) {
	if !isAPIKey(key) {
		return nil, problem.ErrUnauthenticated
	}
	return s.keyPrincipal(ctx, key)
}

// IsAPIKey reports whether a bearer token has the shape of an API key.
func IsAPIKey(tok string) bool { return isAPIKey(tok) }

// Allow applies the per-credential rate limit of p's tenant plan, keyed by
// p.PrincipalID(): signed requests share their key's allowance with bearer
// use of the same key, and an OAuth client has an allowance of its own.
func (s *Service) Allow(ctx context.Context, p *Principal) error { return s.allow(ctx, p) }

// KeyedHash is the stored form of a high-entropy secret (an OAuth client
// secret or access token): an HMAC under the same pepper as API keys,
// separated by purpose so that one kind of secret never matches another.
func (s *Service) KeyedHash(purpose, secret string) string {
	m := hmac.New(sha256.New, s.cfg.Pepper)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// TouchAPIKey records that key id was used at t. It is bookkeeping for the
// console's "last used" column; callers throttle it (once a minute per key)
// and a failure is only logged.
func (s *Service) TouchAPIKey(ctx context.Context, keyID string, t time.Time) {
	if _, err := s.db.W(ctx).ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, keyID, t.UTC()); err != nil {
		s.cfg.Log.Warn("identity: record api key use", "key_id", keyID, "error", err)
	}
}
