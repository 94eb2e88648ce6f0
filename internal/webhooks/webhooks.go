package webhooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Queue is the job queue deliveries run on; internal/app gives it its
// workers, so that slow receivers never hold up other background work.
const Queue = "webhooks"

// Sealer encrypts webhook secrets at rest under the tenant's key
// (keyring.Provider satisfies it).
type Sealer interface {
	Encrypt(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Config tunes the Service. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	// Now is the clock (time.Now): signature timestamps, back-off and the
	// retry window are read from it.
	Now func() time.Time
	// Window is how long after its event a delivery is retried before it
	// is given up (24 h).
	Window time.Duration
	// Timeout bounds one attempt, connection to last byte (10 s).
	Timeout time.Duration
	// Backoff is the wait after the n-th failed attempt (DefaultBackoff).
	Backoff func(attempt int) time.Duration
	// AllowPrivate lets every webhook reach private, loopback and
	// link-local addresses, over http too: for a deployment whose
	// receivers live on an internal network, and for tests. Without it only
	// sandbox webhooks may reach loopback, and only they may use http (to
	// localhost).
	AllowPrivate bool
	// MaxPerScope bounds the webhooks of one tenant on one side of the
	// sandbox (50).
	MaxPerScope int
	// Retention is how long the delivery log is kept (30 days).
	Retention time.Duration
}

// Service manages webhooks and delivers events to them.
type Service struct {
	db     *db.DB
	jobs   *jobs.Queue
	events *events.Outbox
	seal   Sealer
	audit  Recorder
	cfg    Config
	log    *slog.Logger
	now    func() time.Time

	live, sandbox *http.Client
}

// New returns the service, registers its delivery and purge jobs on q and
// subscribes it to the outbox.
func New(d *db.DB, q *jobs.Queue, o *events.Outbox, seal Sealer, rec Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window <= 0 {
		cfg.Window = 24 * time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.MaxPerScope <= 0 {
		cfg.MaxPerScope = 50
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	s := &Service{db: d, jobs: q, events: o, seal: seal, audit: rec, cfg: cfg, log: cfg.Log,
		now: func() time.Time { return cfg.Now().UTC() }}
	s.live = newClient(cfg.Timeout, s.allowed(false))
	s.sandbox = newClient(cfg.Timeout, s.allowed(true))
	// The attempt's own time-out is 10 s; the job's leaves room for
	// reading the delivery and writing its outcome.
	jobs.Handle(q, cfg.Timeout+30*time.Second, s.work)
	jobs.Handle(q, 0, func(ctx context.Context, _ *jobs.Job[purgeArgs]) error {
		return s.Purge(ctx, s.now().Add(-s.cfg.Retention))
	})
	q.Every("webhooks_purge", time.Hour, func() jobs.Args { return purgeArgs{} })
	o.Subscribe(s)
	return s
}

// Webhook is a subscription as the API shows it; the secret is never
// shown again after creation.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Description string    `json:"description,omitempty"`
	Sandbox     bool      `json:"sandbox"`
	CreatedAt   time.Time `json:"created_at"`
}

// NewWebhook is the body of POST /api/v1/webhooks.
type NewWebhook struct {
	URL         string   `json:"url"`
	Events      []string `json:"events"`
	Description string   `json:"description,omitempty"`
}

// CreatedWebhook is the answer to a creation: the webhook and its signing
// secret, shown this once.
type CreatedWebhook struct {
	Webhook
	Secret string `json:"secret"`
}

// Limits on one webhook.
const (
	maxURL         = 2048
	maxEvents      = 50
	maxDescription = 200
)

// Validate checks what can be checked without knowing the caller: the
// URL's shape and the event types.
func (n *NewWebhook) Validate() error {
	var fs problem.Errors
	if n.URL == "" {
		fs.Add("url", "required")
	} else if len(n.URL) > maxURL {
		fs.Add("url", "max_length", "max", maxURL)
	} else if u, err := url.Parse(n.URL); err != nil || u.Host == "" || u.Opaque != "" || u.User != nil ||
		u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" {
		fs.Add("url", "invalid_format", "format", "an absolute https:// URL without credentials or fragment")
	}
	if len(n.Events) == 0 {
		fs.Add("events", "required")
	} else if len(n.Events) > maxEvents {
		fs.Add("events", "max_items", "max", maxEvents)
	}
	for i, t := range n.Events {
		if !events.Known(t) {
			fs.Add("events["+strconv.Itoa(i)+"]", "unknown_event_type", "type", t)
		}
	}
	if len(n.Description) > maxDescription {
		fs.Add("description", "max_length", "max", maxDescription)
	}
	return fs.Err()
}

// checkTarget applies the rules that depend on the side of the sandbox:
// https always, http only to loopback from the sandbox; no internal
// addresses from live webhooks. The dialer checks the resolved address
// again at every delivery.
func (s *Service) checkTarget(raw string, sandbox bool) error {
	u, _ := url.Parse(raw)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	ip, literal := netip.ParseAddr(host)
	if literal == nil {
		ip = ip.Unmap()
		loopback = ip.IsLoopback()
	}
	if u.Scheme == "http" && !(loopback && (sandbox || s.cfg.AllowPrivate)) {
		return problem.Invalid(problem.Field{Field: "url", Code: "https_required"})
	}
	if s.cfg.AllowPrivate {
		return nil
	}
	internal := loopback && !sandbox
	if literal == nil && !loopback && !public(ip) {
		internal = true
	}
	if internal {
		return problem.Invalid(problem.Field{Field: "url", Code: "private_address"})
	}
	return nil
}

func secretAAD(id string) []byte { return keyring.AAD("webhooks", "secret", id) }

// scope returns the caller's partition; webhooks belong to a tenant, so a
// platform account without one may not manage any.
func scope(ctx context.Context) (db.Scope, error) {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return db.Scope{}, problem.ErrForbidden
	}
	return sc, nil
}

// Create subscribes a URL to event types and returns the webhook with its
// secret, which is shown only here.
func (s *Service) Create(ctx context.Context, n NewWebhook) (CreatedWebhook, error) {
	if err := n.Validate(); err != nil {
		return CreatedWebhook{}, err
	}
	sc, err := scope(ctx)
	if err != nil {
		return CreatedWebhook{}, err
	}
	if err := s.checkTarget(n.URL, sc.Sandbox); err != nil {
		return CreatedWebhook{}, err
	}
	evs := make([]string, 0, len(n.Events))
	for _, t := range n.Events {
		if !slices.Contains(evs, t) {
			evs = append(evs, t)
		}
	}
	slices.Sort(evs)
	w := CreatedWebhook{
		Webhook: Webhook{ID: ids.New("whk"), URL: n.URL, Events: evs, Description: n.Description,
			Sandbox: sc.Sandbox, CreatedAt: s.now().Truncate(time.Millisecond)},
		Secret: "whsec_" + ids.Secret(32),
	}
	evJSON, _ := json.Marshal(evs)
	createdBy := audit.ActorFrom(ctx).ID
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		var count int
		if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhooks
			WHERE tenant_id = $1 AND sandbox = $2 AND deleted_at IS NULL`).Scan(&count); err != nil {
			return fmt.Errorf("webhooks: count: %w", err)
		}
		if count >= s.cfg.MaxPerScope {
			return problem.Conflict("webhook_limit", "max", s.cfg.MaxPerScope)
		}
		sealed, err := s.seal.Encrypt(ctx, sc.TenantID, []byte(w.Secret), secretAAD(w.ID))
		if err != nil {
			return fmt.Errorf("webhooks: seal secret: %w", err)
		}
		if _, err := t.ExecContext(ctx, `INSERT INTO webhooks (tenant_id, sandbox, id, url, events, description,
			secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			w.ID, w.URL, string(evJSON), w.Description, sealed, createdBy, w.CreatedAt); err != nil {
			return fmt.Errorf("webhooks: create: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "webhook.create", Resource: "webhook/" + w.ID,
			TenantID: sc.TenantID, Change: map[string]any{"url": w.URL, "events": evs, "sandbox": sc.Sandbox}})
	})
	if err != nil {
		return CreatedWebhook{}, err
	}
	return w, nil
}

const webhookCols = `id, url, events, description, sandbox, created_at`

func scanWebhook(sc interface{ Scan(...any) error }) (Webhook, error) {
	var w Webhook
	var evs string
	if err := sc.Scan(&w.ID, &w.URL, &evs, &w.Description, &w.Sandbox, &w.CreatedAt); err != nil {
		return Webhook{}, err
	}
	if err := json.Unmarshal([]byte(evs), &w.Events); err != nil {
		return Webhook{}, fmt.Errorf("webhooks: %s: events: %w", w.ID, err)
	}
	w.CreatedAt = w.CreatedAt.UTC()
	return w, nil
}

// List returns the caller's webhooks, oldest first.
func (s *Service) List(ctx context.Context, pg web.Page) (web.List[Webhook], error) {
	if _, err := scope(ctx); err != nil {
		return web.List[Webhook]{}, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Webhook]{}, err
	}
	rows, err := t.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks
		WHERE tenant_id = $1 AND sandbox = $2 AND deleted_at IS NULL AND id > $3 ORDER BY id LIMIT $4`,
		pg.After, pg.FetchLimit())
	if err != nil {
		return web.List[Webhook]{}, fmt.Errorf("webhooks: list: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (Webhook, error) { return scanWebhook(r) })
	if err != nil {
		return web.List[Webhook]{}, fmt.Errorf("webhooks: list: %w", err)
	}
	return web.NewList(pg, out, func(w Webhook) string { return w.ID }), nil
}

// Get returns one of the caller's webhooks; another tenant's, the other
// side of the sandbox's, or a deleted one is problem.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Webhook, error) {
	if _, err := scope(ctx); err != nil {
		return Webhook{}, err
	}
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Webhook{}, err
	}
	w, err := scanWebhook(t.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND deleted_at IS NULL`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Webhook{}, problem.ErrNotFound
	}
	if err != nil {
		return Webhook{}, fmt.Errorf("webhooks: get %s: %w", id, err)
	}
	return w, nil
}

// Delete removes a webhook: it receives nothing more, and its pending
// deliveries are cancelled. Its delivery log stays until the purge.
func (s *Service) Delete(ctx context.Context, id string) error {
	sc, err := scope(ctx)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(ctx context.Context) error {
		t, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := t.ExecContext(ctx, `UPDATE webhooks SET deleted_at = $4
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND deleted_at IS NULL`, id, now)
		if err != nil {
			return fmt.Errorf("webhooks: delete %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return problem.ErrNotFound
		}
		if _, err := t.ExecContext(ctx, `UPDATE webhook_deliveries SET status = 'cancelled', completed_at = $4,
			next_attempt_at = NULL WHERE tenant_id = $1 AND sandbox = $2 AND webhook_id = $3 AND status = 'pending'`,
			id, now); err != nil {
			return fmt.Errorf("webhooks: cancel deliveries of %s: %w", id, err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "webhook.delete", Resource: "webhook/" + id, TenantID: sc.TenantID})
	})
}

// secretOf returns a webhook's signing secret (deleted or not), with the
// webhook, for a delivery in ctx's scope.
func (s *Service) secretOf(ctx context.Context, id string) (Webhook, string, bool, error) {
	t, err := s.db.TenantRead(ctx)
	if err != nil {
		return Webhook{}, "", false, err
	}
	var w Webhook
	var evs string
	var sealed []byte
	var deleted sql.NullTime
	err = t.QueryRowContext(ctx, `SELECT id, url, events, sandbox, created_at, secret, deleted_at FROM webhooks
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).
		Scan(&w.ID, &w.URL, &evs, &w.Sandbox, &w.CreatedAt, &sealed, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Webhook{}, "", false, problem.ErrNotFound
	}
	if err != nil {
		return Webhook{}, "", false, fmt.Errorf("webhooks: read %s: %w", id, err)
	}
	secret, err := s.seal.Decrypt(ctx, t.Scope().TenantID, sealed, secretAAD(id))
	if err != nil {
		return Webhook{}, "", false, fmt.Errorf("webhooks: open secret of %s: %w", id, err)
	}
	return w, string(secret), deleted.Valid, nil
}

// allowed returns the address policy of live (sandbox false) or sandbox
// webhooks, applied by the dialer to every address connected to.
func (s *Service) allowed(sandbox bool) func(netip.Addr) bool {
	return func(ip netip.Addr) bool {
		ip = ip.Unmap()
		switch {
		case s.cfg.AllowPrivate:
			return true
		case ip.IsLoopback():
			return sandbox
		}
		return public(ip)
	}
}

// nonPublic lists ranges that are not reachable Internet hosts beyond what
// netip's predicates cover: shared address space (CGNAT), the IETF
// protocol block, documentation and benchmarking nets, and the reserved
// and broadcast block.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
}

// public reports whether ip is a global unicast address outside every
// private, loopback, link-local and special-purpose range.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() ||
		ip.IsLinkLocalUnicast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// errBlocked is the outcome of an attempt whose address the policy
// refuses.
type errBlocked struct{ addr string }

func (e errBlocked) Error() string {
	return "address " + e.addr + " is not allowed for this webhook (private, loopback or reserved)"
}

// newClient returns the HTTP client of one address policy: no proxy, no
// redirects, the attempt time-out, and a dialer that refuses addresses
// the policy does not allow — checked on the address connected to, after
// DNS, so a name that resolves to an internal address is refused too.
func newClient(timeout time.Duration, allow func(netip.Addr) bool) *http.Client {
	dialer := &net.Dialer{
		Timeout: timeout,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return err
			}
			ip, err := netip.ParseAddr(host)
			if err != nil || !allow(ip) {
				return errBlocked{addr: host}
			}
			return nil
		},
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
