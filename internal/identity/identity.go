// Package identity owns who may do what (clauses 5.3.2, 6.4.1): users and
// their roles, password and second-factor sign-in with lockout, sessions
// with idle and absolute timeouts, API keys, and the authenticator every
// route goes through. It is the one identity service for the console and
// the API.
package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Sealer encrypts sensitive fields at rest (TOTP secrets, signing secrets)
// under a tenant's data key; the keyring implements it.
type Sealer interface {
	Encrypt(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Tenants is what identity needs to know about tenants.
type Tenants interface {
	// RateLimit returns the per-key limit for the tenant's plan and
	// overrides; rps 0 means unlimited. It fails with problem.ErrNotFound
	// for an unknown or suspended tenant.
	RateLimit(ctx context.Context, tenantID string) (rps float64, burst int, err error)
}

// Config tunes the service; zero values take the documented defaults.
type Config struct {
	// Pepper keys the hash of API keys. It must be the same on every node.
	Pepper []byte
	// Argon2 is the password hashing cost.
	Argon2 Argon2Params
	// IdleTimeout ends a tenant user's session after inactivity (30 min);
	// PlatformIdleTimeout does the same for platform staff (15 min).
	IdleTimeout         time.Duration
	PlatformIdleTimeout time.Duration
	// AbsoluteTimeout ends every session (12 h).
	AbsoluteTimeout time.Duration
	// KeyCacheTTL bounds how long another node may keep honouring a
	// revoked key (5 s); on the node that revoked it, revocation is
	// immediate.
	KeyCacheTTL time.Duration
	Now         func() time.Time
	Log         *slog.Logger
}

// Lockout policy (CONTRACT): 5 failures within 15 minutes lock the account
// for 15 minutes.
const (
	MaxFailures   = 5
	FailureWindow = 15 * time.Minute
	LockDuration  = 15 * time.Minute
)

// Service is the identity service.
type Service struct {
	db      *db.DB
	seal    Sealer
	audit   Recorder
	tenants Tenants
	cfg     Config
	// dummy is verified against when the account does not exist, so a
	// failed sign-in takes as long whether or not the e-mail is known. It
	// is made on first use: hashing costs ~100 ms and start-up must not.
	dummy     string
	dummyOnce sync.Once

	// mu guards keys, limiters and revoked, and the touched field of every
	// cached key.
	mu       sync.Mutex
	keys     map[string]*cachedKey // by key hash
	limiters map[string]*limiter   // by principal id
	// revoked holds the ids of keys revoked by this node, until when they
	// must be refused whatever the store or the cache says: a request that
	// read the key before the revocation committed may cache it afresh
	// after RevokeAPIKey cleared the cache.
	revoked map[string]time.Time
}

// New returns the identity service.
func New(d *db.DB, seal Sealer, rec Recorder, tenants Tenants, cfg Config) (*Service, error) {
	if cfg.Argon2.Time == 0 {
		cfg.Argon2 = DefaultArgon2
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 30 * time.Minute
	}
	if cfg.PlatformIdleTimeout == 0 {
		cfg.PlatformIdleTimeout = 15 * time.Minute
	}
	if cfg.AbsoluteTimeout == 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	if cfg.KeyCacheTTL == 0 {
		cfg.KeyCacheTTL = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// Checked here, since the first hash is made later: parameters Argon2
	// cannot run with would otherwise surface as a sign-in that never
	// matches, or an unknown e-mail answered at once.
	if !cfg.Argon2.valid() {
		return nil, fmt.Errorf("identity: %w: %+v", errBadParams, cfg.Argon2)
	}
	s := &Service{db: d, seal: seal, audit: rec, tenants: tenants, cfg: cfg,
		keys: map[string]*cachedKey{}, limiters: map[string]*limiter{}, revoked: map[string]time.Time{}}
	// Made in the background so that start-up does not wait for it, and
	// the first unknown e-mail most likely does not either. Argon2id
	// borrows 64 MiB for the hash; hand it back to the system at once so
	// an idle node stays small.
	go func() {
		s.dummyHash()
		debug.FreeOSMemory()
	}()
	return s, nil
}

// refusal marks an error whose writes must be kept: a refused sign-in is
// still a strike and an audit record.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

func refuse(err error) error { return &refusal{err: err} }

// keepingRefusals runs fn in the transaction carried by ctx, or in one of
// its own. A refusal returned by fn keeps fn's writes: in its own
// transaction it commits before the refusal is returned; in the caller's it
// is returned marked web.KeepWrites so that the router commits it. Any
// other error rolls back as usual.
func (s *Service) keepingRefusals(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.InTransaction(ctx) {
		err := fn(ctx)
		if r, ok := errors.AsType[*refusal](err); ok {
			return web.KeepWrites(r.err)
		}
		return err
	}
	var refused error
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		err := fn(ctx)
		if r, ok := errors.AsType[*refusal](err); ok {
			refused = r.err
			return nil
		}
		return err
	})
	if err != nil {
		return err
	}
	return refused
}

// dummyHash returns the hash an unknown e-mail's password is checked
// against, making it on first use.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = HashPassword("unknown-account-Pw0", s.cfg.Argon2)
	})
	return s.dummy
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// keyHash is the stored form of an API key: a keyed hash. Keys carry 160+
// bits of entropy, so a fast HMAC is as safe as a slow password hash and
// costs microseconds per request instead of tens of milliseconds.
func (s *Service) keyHash(key string) string {
	m := hmac.New(sha256.New, s.cfg.Pepper)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

func tokenHash(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// Principal is an authenticated caller.
type Principal struct {
	Kind      string // "session" or "apikey"
	UserID    string
	KeyID     string
	SessionID string
	Email     string
	TenantID  string
	Role      Role
	Sandbox   bool
	MFA       bool
}

// PrincipalID identifies the credential, for idempotency keys and limits.
func (p *Principal) PrincipalID() string {
	if p.Kind == "apikey" {
		return p.KeyID
	}
	return p.UserID
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p, its tenant scope and audit actor.
func WithPrincipal(ctx context.Context, p *Principal, sourceIP string) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	if p.TenantID != "" {
		ctx = db.WithScope(ctx, db.Scope{TenantID: p.TenantID, Sandbox: p.Sandbox})
	}
	a := audit.Actor{ID: p.PrincipalID(), Type: "user", Email: p.Email, TenantID: p.TenantID, SourceIP: sourceIP}
	if p.Kind == "apikey" {
		a.Type = "apikey"
	}
	return audit.WithActor(ctx, a)
}

// PrincipalFrom returns the caller in ctx.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok
}
