package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// SessionCookie is the console's session cookie.
const SessionCookie = "silkgate_session"

type cachedKey struct {
	p       Principal
	revoked bool
	expires time.Time
	touched time.Time
}

// limiter is one credential's token bucket. lim, rps and burst are set
// once; seen is guarded by Service.mu.
type limiter struct {
	lim   *rate.Limiter
	rps   float64
	burst int
	seen  time.Time
}

// ClientIP is the caller's address as this process sees it. Behind a
// reverse proxy, the proxy must set the connection address (PROXY
// protocol) or the operator must terminate at a trusted hop; headers like
// X-Forwarded-For are client-controlled and not believed.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Authenticate implements web.Authenticator: an API key or session token
// as a bearer credential, or the console's session cookie.
func (s *Service) Authenticate(r *http.Request) (context.Context, web.Caller, error) {
	ctx := r.Context()
	var tok string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(rest) == "" {
			return nil, nil, problem.ErrUnauthenticated
		}
		tok = strings.TrimSpace(rest)
	} else if c, err := r.Cookie(SessionCookie); err == nil {
		tok = c.Value
	}
	if tok == "" {
		return nil, nil, problem.ErrUnauthenticated
	}
	var p *Principal
	var err error
	if isAPIKey(tok) {
		p, err = s.keyPrincipal(ctx, tok)
	} else {
		p, err = s.sessionPrincipal(ctx, tok)
	}
	if err != nil {
		return nil, nil, err
	}
	if err := s.allow(ctx, p); err != nil {
		return nil, nil, err
	}
	return WithPrincipal(ctx, p, ClientIP(r)), p, nil
}

// keyPrincipal resolves an API key, from a short-lived cache when it can:
// at tens of thousands of requests a second the lookup must not cost a
// query each time.
func (s *Service) keyPrincipal(ctx context.Context, key string) (*Principal, error) {
	h := s.keyHash(key)
	now := s.now()
	s.mu.Lock()
	ck, ok := s.keys[h]
	s.mu.Unlock()
	if !ok || now.After(ck.expires) {
		var role string
		var revoked sql.NullTime
		var last sql.NullTime
		ck = &cachedKey{}
		err := s.db.Q(ctx).QueryRowContext(ctx, `SELECT k.id, k.tenant_id, k.role, k.sandbox, k.revoked_at, k.last_used_at
			FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.key_hash = $1 AND t.status = 'active'`, h).
			Scan(&ck.p.KeyID, &ck.p.TenantID, &role, &ck.p.Sandbox, &revoked, &last)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, problem.ErrUnauthenticated
		}
		if err != nil {
			return nil, fmt.Errorf("identity: read api key: %w", err)
		}
		ck.p.Kind, ck.p.Role, ck.revoked = "apikey", Role(role), revoked.Valid
		ck.expires = now.Add(s.cfg.KeyCacheTTL)
		if last.Valid {
			ck.touched = last.Time
		}
		s.mu.Lock()
		if len(s.keys) > 100_000 {
			clear(s.keys)
		}
		s.keys[h] = ck
		s.mu.Unlock()
	}
	if ck.revoked || s.revokedHere(ck.p.KeyID, now) {
		return nil, problem.ErrUnauthenticated
	}
	// Record last use at most once a minute per key. It is bookkeeping: a
	// failure to write it is logged, and does not fail the request.
	s.mu.Lock()
	stale := now.Sub(ck.touched) > time.Minute
	if stale {
		ck.touched = now
	}
	s.mu.Unlock()
	if stale {
		if _, err := s.db.W(ctx).ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, ck.p.KeyID, now); err != nil {
			s.cfg.Log.Warn("identity: record api key use", "key_id", ck.p.KeyID, "error", err)
		}
	}
	p := ck.p
	return &p, nil
}

// revokedWindow is how long this node refuses a key it revoked whatever
// the store says: longer than the cache keeps an entry, and than any
// revoking transaction should take to commit.
func (s *Service) revokedWindow() time.Duration { return max(s.cfg.KeyCacheTTL, time.Minute) }

// revokedHere reports whether this node revoked key id within
// revokedWindow.
func (s *Service) revokedHere(id string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.revoked[id]
	if ok && !now.Before(until) {
		delete(s.revoked, id)
		return false
	}
	return ok
}

// forgetKey drops key id from the cache and refuses it on this node from
// now on, even if a request that read it before the revocation committed
// puts it back in the cache.
func (s *Service) forgetKey(id string) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, ck := range s.keys {
		if ck.p.KeyID == id {
			delete(s.keys, h)
		}
	}
	for k, until := range s.revoked {
		if !now.Before(until) {
			delete(s.revoked, k)
		}
	}
	s.revoked[id] = now.Add(s.revokedWindow())
}

// limitRefresh is how often a limiter re-reads its tenant's limit.
const limitRefresh = 10 * time.Second

// allow applies the per-credential rate limit of the tenant's plan. Limits
// are per key, so one tenant's burst never spends another's allowance.
func (s *Service) allow(ctx context.Context, p *Principal) error {
	if p.TenantID == "" {
		return nil
	}
	id := p.PrincipalID()
	now := s.now()
	s.mu.Lock()
	l, ok := s.limiters[id]
	fresh := ok && now.Sub(l.seen) <= limitRefresh
	s.mu.Unlock()
	if !fresh {
		// Read outside the lock: a query must not hold up every other
		// caller. Two callers may both read; the second finds the first's
		// limiter and keeps it when the limit has not changed.
		rps, burst, err := s.tenants.RateLimit(ctx, p.TenantID)
		if errors.Is(err, problem.ErrNotFound) {
			return problem.ErrUnauthenticated
		}
		if err != nil {
			return fmt.Errorf("identity: read rate limit: %w", err)
		}
		s.mu.Lock()
		l, ok = s.limiters[id]
		if !ok || l.rps != rps || l.burst != burst {
			lim := rate.NewLimiter(rate.Limit(rps), burst)
			if rps == 0 {
				lim = rate.NewLimiter(rate.Inf, 0)
			}
			l = &limiter{lim: lim, rps: rps, burst: burst}
			if len(s.limiters) > 100_000 {
				for k, v := range s.limiters {
					if now.Sub(v.seen) > limitRefresh {
						delete(s.limiters, k)
					}
				}
			}
			s.limiters[id] = l
		}
		l.seen = now
		s.mu.Unlock()
	}
	// rps and burst never change once a limiter is made; rate.Limiter is
	// safe for concurrent use.
	if l.rps == 0 {
		return nil
	}
	res := l.lim.ReserveN(now, 1)
	if !res.OK() {
		return problem.RateLimited(time.Second)
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return problem.RateLimited(d)
	}
	return nil
}

// Authorize implements web.Authorizer: the caller's role must hold perm.
// A refusal is itself a security event and is audited.
func (s *Service) Authorize(ctx context.Context, c web.Caller, perm string) error {
	p, ok := c.(*Principal)
	if !ok {
		return problem.ErrUnauthenticated
	}
	if p.Role.Can(perm) {
		return nil
	}
	err := s.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		return s.audit.Record(ctx, audit.Event{Action: "access.denied", Resource: perm, Outcome: "denied", TenantID: p.TenantID})
	})
	if err != nil {
		s.cfg.Log.Error("audit denied access", "error", err)
	}
	return problem.ErrForbidden
}
