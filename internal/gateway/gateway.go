package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the gateway; zero values take the documented defaults.
type Config struct {
	// Window is how far a signed request's timestamp may be from the
	// server's clock (CONTRACT: 300 s).
	Window time.Duration
	// TokenTTL is the lifetime of an OAuth access token (1 h).
	TokenTTL time.Duration
	// Policy tunes the intrusion detector.
	Policy Policy
	// SpoolDir holds signed stream bodies while they are verified (the
	// system's temporary folder by default).
	SpoolDir string
	// Metrics, when set, receives silkgate_security_blocks_total and
	// silkgate_security_auth_failures_total.
	Metrics prometheus.Registerer
	Now     func() time.Time
	Log     *slog.Logger
}

// DefaultWindow is the signed-request clock window of the CONTRACT.
const DefaultWindow = 300 * time.Second

// Gateway is the access layer's authenticator, middleware and partner
// security API. It implements web.Authenticator.
type Gateway struct {
	db    *db.DB
	id    *identity.Service
	audit Recorder
	cfg   Config
	log   *slog.Logger

	det   *Detector
	allow *allowLists

	blocks   *prometheus.CounterVec
	failures prometheus.Counter

	// lastSweep is when this node last deleted expired nonces and tokens
	// (unix nanoseconds).
	lastSweep atomic.Int64

	mu sync.Mutex // guards signing, tokens and revoked
	// signing caches signed-request keys by id for identity.KeyCacheTTL.
	signing map[string]*cachedSigningKey
	// tokens caches OAuth access tokens by their hash.
	tokens map[string]*cachedToken
	// revoked holds OAuth clients revoked on this node, refused whatever a
	// cache says until the cache has surely forgotten them.
	revoked map[string]time.Time
}

// New returns the gateway in front of id.
func New(d *db.DB, id *identity.Service, rec Recorder, cfg Config) *Gateway {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{db: d, id: id, audit: rec, cfg: cfg, log: cfg.Log,
		det:     NewDetector(cfg.Policy, cfg.Now),
		signing: map[string]*cachedSigningKey{}, tokens: map[string]*cachedToken{}, revoked: map[string]time.Time{},
		blocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "silkgate_security_blocks_total",
			Help: "Sources and keys temporarily blocked by the intrusion detector, by kind (source, key).",
		}, []string{"kind"}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "silkgate_security_auth_failures_total",
			Help: "Failed authentications counted by the intrusion detector.",
		}),
	}
	g.allow = &allowLists{db: d, ttl: id.KeyCacheTTL(), now: cfg.Now, cache: map[string]cachedList{}, fresh: map[string]time.Time{}}
	if cfg.Metrics != nil {
		cfg.Metrics.MustRegister(g.blocks, g.failures)
	}
	return g
}

// Detector returns the intrusion detector (for its block list).
func (g *Gateway) Detector() *Detector { return g.det }

func (g *Gateway) now() time.Time { return g.cfg.Now().UTC() }

// attempt is what Authenticate learns about a request that Guard needs
// afterwards to count the strike against the right subjects.
type attempt struct {
	mu        sync.Mutex
	keyStrike string // key or client id a failure also counts against
	tenantID  string // the tenant of that key, for the alert
	denied    bool   // refused by an allow-list: a strike though not a 401
}

type attemptKey struct{}

func attemptFrom(ctx context.Context) *attempt {
	if a, ok := ctx.Value(attemptKey{}).(*attempt); ok {
		return a
	}
	return &attempt{}
}

func (a *attempt) strikeKey(id, tenantID string) {
	a.mu.Lock()
	a.keyStrike, a.tenantID = id, tenantID
	a.mu.Unlock()
}

func (a *attempt) deny() {
	a.mu.Lock()
	a.denied = true
	a.mu.Unlock()
}

// unguarded paths are health probes: a load balancer on a blocked address
// must still see the node as alive.
func unguarded(path string) bool { return path == "/healthz" || path == "/readyz" }

// Guard wraps the whole router: it refuses blocked sources before
// anything runs and, once the response is written, counts a strike for a
// failed authentication. It must sit inside web.Pipeline, which gives the
// request its id and language.
func (g *Gateway) Guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unguarded(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		src := g.det.SourceSubject(identity.ClientIP(r))
		if until, ok := g.det.Blocked(src); ok {
			web.WriteError(w, r, g.blockedError(until))
			return
		}
		at := &attempt{}
		r = r.WithContext(context.WithValue(r.Context(), attemptKey{}, at))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		at.mu.Lock()
		failed := sw.status == http.StatusUnauthorized || at.denied
		key, tenant := at.keyStrike, at.tenantID
		at.mu.Unlock()
		if !failed {
			return
		}
		g.failures.Inc()
		ctx := context.WithoutCancel(r.Context())
		if b, ok := g.det.Fail(src); ok {
			g.raise(ctx, b, identity.ClientIP(r), "")
		}
		if key != "" && sw.status == http.StatusUnauthorized {
			if b, ok := g.det.Fail(KeySubject(key)); ok {
				g.raise(ctx, b, identity.ClientIP(r), tenant)
			}
		}
	})
}

func (g *Gateway) blockedError(until time.Time) error {
	d := max(until.Sub(g.cfg.Now()), time.Second)
	return &problem.Error{Status: http.StatusTooManyRequests, Code: "temporarily_blocked", RetryAfter: d,
		Params: []any{"seconds", strconv.Itoa(int((d + time.Second - 1) / time.Second))}}
}

// raise makes a block known: a durable alert, an audit record (in one
// transaction), a log line and the counter. A failure to store them is
// logged; the block itself stands.
func (g *Gateway) raise(ctx context.Context, b Block, sourceIP, tenantID string) {
	g.blocks.WithLabelValues(b.Kind).Inc()
	g.log.Warn("security: blocked after failed authentications", "subject", b.Subject, "until", b.Until,
		"level", b.Level, "source_ip", sourceIP)
	ctx = audit.WithActor(ctx, audit.Actor{ID: "system", Type: "system", SourceIP: sourceIP})
	err := g.db.InTx(ctx, func(ctx context.Context) error {
		if err := g.insertAlert(ctx, b, sourceIP, tenantID); err != nil {
			return err
		}
		return g.audit.Record(ctx, audit.Event{Action: "security.block", Resource: b.Subject, Outcome: "denied",
			TenantID: tenantID, Change: b,
			Detail: b.Kind + " blocked until " + b.Until.UTC().Format(time.RFC3339) + " after " + strconv.Itoa(b.Failures) + " failed authentications"})
	})
	if err != nil {
		g.log.Error("security: record block", "subject", b.Subject, "error", err)
	}
}

// statusWriter notes the response status for Guard. It unwraps for
// http.ResponseController and web's own checks.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 && code >= 200 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Flush implements http.Flusher for handlers that still type-assert.
func (s *statusWriter) Flush() {
	if err := http.NewResponseController(s.ResponseWriter).Flush(); err == nil && s.status == 0 {
		s.status = http.StatusOK
	}
}

// Headers of a signed request (CONTRACT).
const (
	HeaderKeyID     = "Silkgate-Key-Id"
	HeaderTimestamp = "Silkgate-Timestamp"
	HeaderNonce     = "Silkgate-Nonce"
	HeaderSignature = "Silkgate-Signature"
)

// Authenticate implements web.Authenticator: a signed request, an OAuth
// access token or a bearer API key is the gateway's; anything else
// (sessions, the console's cookie) is identity's.
func (g *Gateway) Authenticate(r *http.Request) (context.Context, web.Caller, error) {
	if r.Header.Get(HeaderSignature) != "" || r.Header.Get(HeaderKeyID) != "" {
		return g.authSigned(r)
	}
	if tok, ok := bearer(r); ok {
		switch {
		case strings.HasPrefix(tok, TokenPrefix):
			return g.authToken(r, tok)
		case identity.IsAPIKey(tok):
			return g.authKey(r, tok)
		}
	}
	return g.id.Authenticate(r)
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, rest, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok := strings.TrimSpace(rest)
	return tok, tok != ""
}

// authKey is identity's bearer-key check with the key's allow-list between
// recognising the key and spending its rate allowance.
func (g *Gateway) authKey(r *http.Request, key string) (context.Context, web.Caller, error) {
	ctx := r.Context()
	p, err := g.id.ResolveAPIKey(ctx, key)
	if err != nil {
		return nil, nil, err
	}
	if err := g.checkAllowed(r, p.KeyID, p.TenantID, "apikey/"+p.KeyID); err != nil {
		return nil, nil, err
	}
	if err := g.id.Allow(ctx, p); err != nil {
		return nil, nil, err
	}
	return identity.WithPrincipal(ctx, p, identity.ClientIP(r)), p, nil
}

// checkAllowed refuses a credential used from outside its allow-list, with
// an audit record in a transaction of its own (the request's never
// starts).
func (g *Gateway) checkAllowed(r *http.Request, credID, tenantID, resource string) error {
	ctx := r.Context()
	ps, err := g.allow.get(ctx, credID)
	if err != nil {
		return err
	}
	ip := identity.ClientIP(r)
	if permits(ps, ip) {
		return nil
	}
	attemptFrom(ctx).deny()
	actx := audit.WithActor(context.WithoutCancel(ctx), audit.Actor{ID: credID, Type: "apikey", TenantID: tenantID, SourceIP: ip})
	if err := g.db.InTx(actx, func(ctx context.Context) error {
		return g.audit.Record(ctx, audit.Event{Action: "security.ip_not_allowed", Resource: resource, Outcome: "denied",
			TenantID: tenantID, Detail: "request from " + ip + " outside the credential's allow-list"})
	}); err != nil {
		g.log.Error("security: audit refused address", "credential", credID, "error", err)
	}
	return &problem.Error{Status: http.StatusForbidden, Code: "ip_not_allowed", Params: []any{"ip", ip}}
}

// Authorize implements web.Authenticator: an OAuth token must carry the
// permission among its scopes (when it has any); then the role decides, as
// for every caller.
func (g *Gateway) Authorize(ctx context.Context, c web.Caller, perm string) error {
	tc, ok := c.(*tokenCaller)
	if !ok {
		return g.id.Authorize(ctx, c, perm)
	}
	if perm != identity.PermMe && len(tc.scopes) > 0 && !contains(tc.scopes, perm) {
		err := g.db.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
			return g.audit.Record(ctx, audit.Event{Action: "access.denied", Resource: perm, Outcome: "denied",
				TenantID: tc.TenantID, Detail: "outside the token's scope"})
		})
		if err != nil {
			g.log.Error("audit denied access", "error", err)
		}
		return &problem.Error{Status: http.StatusForbidden, Code: "insufficient_scope", Params: []any{"scope", perm}}
	}
	return g.id.Authorize(ctx, tc.Principal, perm)
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sweep deletes expired nonces and access tokens, at most once a minute on
// this node. It rides on the requests that create them, so the tables stay
// small without a scheduler of their own; it joins the transaction in ctx,
// if any (on SQLite the single writer is already held by it). Failures
// are logged.
func (g *Gateway) sweep(ctx context.Context) {
	now := g.now()
	last := g.lastSweep.Load()
	if now.UnixNano()-last < int64(time.Minute) || !g.lastSweep.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, q := range []string{
		`DELETE FROM request_nonces WHERE expires_at < $1`,
		`DELETE FROM oauth_tokens WHERE expires_at < $1`,
	} {
		if _, err := g.db.W(ctx).ExecContext(ctx, q, now); err != nil && !errors.Is(err, context.Canceled) {
			g.log.Warn("gateway: sweep", "error", err)
		}
	}
}
