package identity

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/keyring"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// fastArgon2 keeps password hashing cheap in tests.
var fastArgon2 = Argon2Params{Time: 1, MemoryKiB: 8 * 1024, Threads: 1}

// testPassword satisfies the policy.
const testPassword = "Test-Passw0rd-2026"

// t0 is where every test clock starts: a whole TOTP step, far from any
// step boundary surprises.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// clock is a controllable Config.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeTenants answers RateLimit from a table of limits, with the plan
// defaults of the contract, and reads the tenant's status from the store
// so that suspending a tenant there is seen here too.
type fakeTenants struct {
	d *db.DB

	mu     sync.Mutex
	plans  map[string]string
	limits map[string][2]float64 // tenant → {rps, burst}
	calls  int
}

var planLimits = map[string][2]float64{"saas": {50, 100}, "enterprise": {500, 1000}}

func (f *fakeTenants) RateLimit(ctx context.Context, tenantID string) (float64, int, error) {
	var status string
	err := f.d.Q(ctx).QueryRowContext(ctx, `SELECT status FROM tenants WHERE id = $1`, tenantID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) || err == nil && status != "active" {
		return 0, 0, problem.ErrNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	l, ok := f.limits[tenantID]
	if !ok {
		l = planLimits[f.plans[tenantID]]
	}
	return l[0], int(l[1]), nil
}

func (f *fakeTenants) setLimit(tenantID string, rps float64, burst int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits[tenantID] = [2]float64{rps, float64(burst)}
}

// harness is a Service on a real store with a real keyring and audit log,
// a fake tenant service and a controllable clock.
type harness struct {
	t       *testing.T
	d       *db.DB
	s       *Service
	clock   *clock
	tenants *fakeTenants
	keys    *keyring.Keyring
	audit   *audit.Log
	cfg     Config
	ctx     context.Context // the system acting, as the command line does
}

var testPepper = []byte("0123456789abcdef0123456789abcdef")

func newHarness(t *testing.T, d *db.DB, tune ...func(*Config)) *harness {
	t.Helper()
	ctx := context.Background()
	kr, err := keyring.Open(ctx, d, t.TempDir(), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	signer, _, err := audit.LoadOrCreateSigner(t.TempDir(), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, d: d, clock: &clock{t: t0}, keys: kr, audit: audit.New(d, signer, nil),
		tenants: &fakeTenants{d: d, plans: map[string]string{}, limits: map[string][2]float64{}},
		ctx:     audit.WithActor(ctx, audit.Actor{ID: "system", Type: "system"})}
	h.cfg = Config{Pepper: testPepper, Argon2: fastArgon2, Now: h.clock.Now, KeyCacheTTL: 2 * time.Second}
	for _, f := range tune {
		f(&h.cfg)
	}
	if h.s, err = New(d, kr, h.audit, h.tenants, h.cfg); err != nil {
		t.Fatal(err)
	}
	return h
}

// each runs fn on every engine with a fresh store and harness.
func each(t *testing.T, fn func(t *testing.T, h *harness), tune ...func(*Config)) {
	t.Helper()
	dbtest.Each(t, func(t *testing.T, d *db.DB) { fn(t, newHarness(t, d, tune...)) })
}

// tenant inserts an active tenant on plan.
func (h *harness) tenant(plan string) string {
	h.t.Helper()
	id := ids.New("ten")
	dbtest.MustExec(h.t, h.d, `INSERT INTO tenants (id, name, region, plan, status, created_at) VALUES ($1, $2, 'cn', $3, 'active', $4)`,
		id, "Tenant "+id, plan, time.Now().UTC())
	h.tenants.mu.Lock()
	h.tenants.plans[id] = plan
	h.tenants.mu.Unlock()
	return id
}

// user creates an account as the system.
func (h *harness) user(tenantID string, role Role) CreatedUser {
	h.t.Helper()
	email := strings.ReplaceAll(ids.New(string(role)), "_", "-") + "@example.com"
	return h.userWith(tenantID, role, email)
}

func (h *harness) userWith(tenantID string, role Role, email string) CreatedUser {
	h.t.Helper()
	u, err := h.s.CreateUser(h.ctx, NewUser{TenantID: tenantID, Email: email, Role: role, Password: testPassword})
	if err != nil {
		h.t.Fatalf("create %s %s: %v", role, email, err)
	}
	return u
}

// code is the TOTP code of secret at the harness clock's time plus skew.
func (h *harness) code(secret string, skew time.Duration) string {
	h.t.Helper()
	c, err := totp.GenerateCodeCustom(secret, h.clock.Now().Add(skew), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// login signs u in (with a code when it has a TOTP secret) and returns
// the session token.
func (h *harness) login(u CreatedUser) string {
	h.t.Helper()
	c := Credentials{Email: u.Email, Password: testPassword}
	if u.TOTPSecret != "" {
		c.TOTP = h.code(u.TOTPSecret, 0)
	}
	sess, _, err := h.s.Login(context.Background(), c, "192.0.2.1", "test")
	if err != nil {
		h.t.Fatalf("login %s: %v", u.Email, err)
	}
	return sess.Token
}

// auth authenticates a bearer credential as a request would.
func (h *harness) auth(cred string) (context.Context, *Principal, error) {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	r.RemoteAddr = "192.0.2.7:4711"
	if cred != "" {
		r.Header.Set("Authorization", "Bearer "+cred)
	}
	ctx, c, err := h.s.Authenticate(r)
	if err != nil {
		return nil, nil, err
	}
	return ctx, c.(*Principal), nil
}

// as returns a context carrying the principal of cred.
func (h *harness) as(cred string) context.Context {
	h.t.Helper()
	ctx, _, err := h.auth(cred)
	if err != nil {
		h.t.Fatalf("authenticate: %v", err)
	}
	return ctx
}

// count returns the number of rows of a query.
func (h *harness) count(query string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.d.Writer().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// code returns the problem code of err, or "".
func codeOf(err error) string {
	if pe, ok := problem.As(err); ok {
		return pe.Code
	}
	return ""
}

// wantCode fails unless err is a problem with status and code.
func wantCode(t *testing.T, err error, status int, code string) {
	t.Helper()
	pe, ok := problem.As(err)
	if !ok {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
	if pe.Status != status || pe.Code != code {
		t.Fatalf("error %d %s (%v), want %d %s", pe.Status, pe.Code, err, status, code)
	}
}

// wantField fails unless err is a 422 naming field with code.
func wantField(t *testing.T, err error, field, code string) {
	t.Helper()
	pe, ok := problem.As(err)
	if !ok || pe.Status != http.StatusUnprocessableEntity {
		t.Fatalf("error %v, want 422 naming %s", err, field)
	}
	for _, f := range pe.Fields {
		if f.Field == field && f.Code == code {
			return
		}
	}
	t.Fatalf("fields %+v, want %s:%s", pe.Fields, field, code)
}
