package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

func TestCreateAPIKey(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant, other := h.tenant("saas"), h.tenant("saas")
		live, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: Operator, Name: "shop sync"})
		if err != nil {
			t.Fatal(err)
		}
		test, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: Viewer, Sandbox: true})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("prefixes", func(t *testing.T) {
			for _, tc := range []struct {
				k      CreatedAPIKey
				prefix string
			}{{live, LivePrefix}, {test, TestPrefix}} {
				if !strings.HasPrefix(tc.k.Key, tc.prefix) || len(tc.k.Key) < len(tc.prefix)+40 {
					t.Errorf("key %q, want %s and 40+ random characters", tc.k.Key, tc.prefix)
				}
				if tc.k.Prefix != tc.k.Key[:len(tc.prefix)+6] || tc.k.SigningSecret == "" || tc.k.SigningSecret == tc.k.Key {
					t.Errorf("prefix %q secret %q", tc.k.Prefix, tc.k.SigningSecret)
				}
			}
		})

		t.Run("shown once", func(t *testing.T) {
			secrets := []string{live.Key, live.SigningSecret, test.Key, test.SigningSecret}
			got, err := h.s.GetAPIKey(h.ctx, live.ID)
			if err != nil || got.ID != live.ID || got.Role != Operator || got.Name != "shop sync" || got.Sandbox {
				t.Fatalf("GetAPIKey = %+v, %v", got, err)
			}
			l, err := h.s.ListAPIKeys(h.ctx, tenant, web.Page{Limit: 10})
			if err != nil || len(l.Items) != 2 {
				t.Fatalf("ListAPIKeys = %+v, %v", l, err)
			}
			for _, v := range []any{got, l} {
				b, _ := json.Marshal(v)
				for _, s := range secrets {
					if strings.Contains(string(b), s) {
						t.Errorf("%s shows a secret", b)
					}
				}
			}
		})

		t.Run("stored as HMAC and ciphertext", func(t *testing.T) {
			rows := h.dump("api_keys")
			if len(rows) != 2 {
				t.Fatalf("%d rows", len(rows))
			}
			for _, k := range []CreatedAPIKey{live, test} {
				var row map[string]string
				for _, r := range rows {
					for col, v := range r {
						for _, s := range []string{k.Key, k.SigningSecret, strings.TrimPrefix(k.SigningSecret, "whsk_"), k.Key[len(k.Prefix):]} {
							if strings.Contains(v, s) {
								t.Errorf("api_keys.%s holds a secret in clear", col)
							}
						}
					}
					if r["id"] == k.ID {
						row = r
					}
				}
				m := hmac.New(sha256.New, testPepper)
				m.Write([]byte(k.Key))
				if row["key_hash"] != hex.EncodeToString(m.Sum(nil)) {
					t.Errorf("key_hash is not HMAC-SHA256(pepper, key)")
				}
				plain, err := h.keys.Decrypt(context.Background(), tenant, []byte(row["signing_secret"]), signingAAD(k.ID))
				if err != nil || string(plain) != k.SigningSecret {
					t.Errorf("signing_secret does not open to the secret: %v", err)
				}
				if got, err := h.s.SigningSecret(context.Background(), k.ID); err != nil || got != k.SigningSecret {
					t.Errorf("SigningSecret = %q, %v", got, err)
				}
			}
			// Sealed to its own row: another key's id does not open it.
			var sealed []byte
			h.d.Writer().QueryRow(`SELECT signing_secret FROM api_keys WHERE id = $1`, live.ID).Scan(&sealed)
			if _, err := h.keys.Decrypt(context.Background(), tenant, sealed, signingAAD(test.ID)); err == nil {
				t.Error("signing secret opens under another key's id")
			}
		})

		t.Run("role-scoped", func(t *testing.T) {
			admin := h.keyAs(tenant, TenantAdmin)
			for _, tc := range []struct {
				name   string
				ctx    context.Context
				in     NewAPIKey
				status int
				field  string
				code   string
			}{
				{"admin issues operator", admin, NewAPIKey{Role: Operator}, 0, "", ""},
				{"admin issues its own role", admin, NewAPIKey{Role: TenantAdmin}, 0, "", ""},
				{"admin cannot issue owner", admin, NewAPIKey{Role: TenantOwner}, 422, "role", "role_not_allowed"},
				{"admin cannot issue finance", admin, NewAPIKey{Role: Finance}, 422, "role", "role_not_allowed"},
				{"another tenant", admin, NewAPIKey{TenantID: other, Role: Viewer}, 404, "", "not_found"},
				{"platform role", h.ctx, NewAPIKey{TenantID: tenant, Role: Auditor}, 422, "role", "one_of"},
				{"no role", h.ctx, NewAPIKey{TenantID: tenant}, 422, "role", "required"},
				{"no tenant", h.ctx, NewAPIKey{Role: Viewer}, 422, "tenant_id", "required"},
				{"unknown tenant", h.ctx, NewAPIKey{TenantID: "ten_nope", Role: Viewer}, 422, "tenant_id", "not_found"},
				{"long name", h.ctx, NewAPIKey{TenantID: tenant, Role: Viewer, Name: strings.Repeat("n", 101)}, 422, "name", "max_length"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					k, err := h.s.CreateAPIKey(tc.ctx, tc.in)
					switch {
					case tc.status == 0:
						if err != nil {
							t.Fatal(err)
						}
						if k.TenantID != tenant || k.Role != tc.in.Role {
							t.Errorf("created %+v", k.APIKey)
						}
						_, p, err := h.auth(k.Key)
						if err != nil || p.Role != tc.in.Role || p.TenantID != tenant {
							t.Errorf("new key: %+v %v", p, err)
						}
					case tc.field != "":
						wantField(t, err, tc.field, tc.code)
					default:
						wantCode(t, err, tc.status, tc.code)
					}
				})
			}
		})

		t.Run("audited", func(t *testing.T) {
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'apikey.create' AND resource = $1 AND tenant_id = $2`,
				"apikey/"+live.ID, tenant); n != 1 {
				t.Errorf("%d apikey.create records", n)
			}
		})
	})
}

func TestAPIKeyAuthentication(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")
		issue := func(role Role, sandbox bool) CreatedAPIKey {
			t.Helper()
			k, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: role, Sandbox: sandbox})
			if err != nil {
				t.Fatal(err)
			}
			return k
		}

		t.Run("principal and scope", func(t *testing.T) {
			for _, sandbox := range []bool{false, true} {
				k := issue(Operator, sandbox)
				ctx, p, err := h.auth(k.Key)
				if err != nil {
					t.Fatal(err)
				}
				if p.Kind != "apikey" || p.KeyID != k.ID || p.TenantID != tenant || p.Role != Operator || p.Sandbox != sandbox || p.UserID != "" {
					t.Errorf("principal %+v", p)
				}
				if sc, ok := db.ScopeFrom(ctx); !ok || sc.TenantID != tenant || sc.Sandbox != sandbox {
					t.Errorf("scope %+v %v", sc, ok)
				}
				if a := audit.ActorFrom(ctx); a.ID != k.ID || a.Type != "apikey" || a.TenantID != tenant || a.SourceIP != "192.0.2.7" {
					t.Errorf("actor %+v", a)
				}
				if got, ok := PrincipalFrom(ctx); !ok || got.KeyID != k.ID {
					t.Errorf("PrincipalFrom = %+v", got)
				}
			}
		})

		t.Run("refused credentials", func(t *testing.T) {
			k := issue(Viewer, false)
			// One character changed (to one it is not already).
			last := "x"
			if strings.HasSuffix(k.Key, last) {
				last = "y"
			}
			mangled := k.Key[:len(k.Key)-1] + last
			for _, tc := range []struct{ name, header string }{
				{"none", ""},
				{"unknown key", "Bearer " + LivePrefix + strings.Repeat("a", 48)},
				{"mangled key", "Bearer " + mangled},
				{"sandbox prefix on a live key", "Bearer " + TestPrefix + strings.TrimPrefix(k.Key, LivePrefix)},
				{"basic scheme", "Basic " + k.Key},
				{"scheme only", "Bearer"},
				{"blank credential", "Bearer   "},
				{"unknown session", "Bearer sgs_nothing"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := httptest.NewRequest(http.MethodGet, "/", nil)
					if tc.header != "" {
						r.Header.Set("Authorization", tc.header)
					}
					_, _, err := h.s.Authenticate(r)
					if pe, ok := problem.As(err); !ok || pe.Status != http.StatusUnauthorized {
						t.Errorf("Authenticate = %v, want 401", err)
					}
				})
			}
			// The console's cookie carries sessions.
			tok := h.login(h.user(tenant, Viewer))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: tok})
			if _, _, err := h.s.Authenticate(r); err != nil {
				t.Errorf("session cookie: %v", err)
			}
		})

		t.Run("revoked at once on this node", func(t *testing.T) {
			k := issue(Operator, false)
			if !h.alive(k.Key) {
				t.Fatal("new key refused")
			}
			got, err := h.s.RevokeAPIKey(h.ctx, k.ID)
			if err != nil || got.RevokedAt == nil {
				t.Fatalf("RevokeAPIKey = %+v, %v", got, err)
			}
			if h.alive(k.Key) {
				t.Fatal("revoked key still works")
			}
			if _, err := h.s.SigningSecret(context.Background(), k.ID); err == nil {
				t.Error("a revoked key's signing secret is still handed out")
			}
			// Revoking twice is harmless and audited once.
			if _, err := h.s.RevokeAPIKey(h.ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			if n := h.count(`SELECT count(*) FROM audit_events WHERE action = 'apikey.revoke' AND resource = $1`, "apikey/"+k.ID); n != 1 {
				t.Errorf("%d apikey.revoke records", n)
			}
			// Long after any cache has expired, still refused.
			h.clock.Advance(time.Hour)
			if h.alive(k.Key) {
				t.Error("revoked key works again later")
			}
		})

		t.Run("revoked while a request reads it", func(t *testing.T) {
			// A request that reads the key before the revocation commits
			// must not keep it alive in this node's cache afterwards.
			k := issue(Operator, false)
			if !h.alive(k.Key) { // recorded as used: no write on the next read
				t.Fatal("new key refused")
			}
			ctx, tx, err := h.d.Begin(h.ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := h.s.RevokeAPIKey(ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			// Another request, outside the revoking transaction, still sees
			// the key as valid in the store and caches it.
			_, _, _ = h.auth(k.Key)
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			if h.alive(k.Key) {
				t.Error("revoked key honoured from the cache after the revocation committed")
			}
		})

		t.Run("other nodes honour revocation within the cache lifetime", func(t *testing.T) {
			k := issue(Operator, false)
			other, err := New(h.d, h.keys, h.audit, h.tenants, h.cfg)
			if err != nil {
				t.Fatal(err)
			}
			node := &harness{t: t, d: h.d, s: other, clock: h.clock}
			if !node.alive(k.Key) {
				t.Fatal("key refused on the other node")
			}
			if _, err := h.s.RevokeAPIKey(h.ctx, k.ID); err != nil {
				t.Fatal(err)
			}
			h.clock.Advance(h.cfg.KeyCacheTTL + time.Second)
			if node.alive(k.Key) {
				t.Errorf("other node honours a revoked key after %v", h.cfg.KeyCacheTTL)
			}
		})

		t.Run("last use recorded, once a minute", func(t *testing.T) {
			k := issue(Viewer, false)
			lastUsed := func() *time.Time {
				t.Helper()
				got, err := h.s.GetAPIKey(h.ctx, k.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.LastUsedAt
			}
			if lastUsed() != nil {
				t.Fatal("unused key has a last use")
			}
			first := h.clock.Now()
			h.alive(k.Key)
			if got := lastUsed(); got == nil || !got.Equal(first) {
				t.Fatalf("last_used_at = %v, want %v", got, first)
			}
			for range 5 {
				h.clock.Advance(10 * time.Second)
				h.alive(k.Key)
			}
			if got := lastUsed(); !got.Equal(first) {
				t.Errorf("last_used_at moved within the minute: %v", got)
			}
			h.clock.Advance(15 * time.Second)
			h.alive(k.Key)
			if got := lastUsed(); !got.Equal(h.clock.Now()) {
				t.Errorf("last_used_at = %v, want %v", got, h.clock.Now())
			}
		})

		t.Run("a suspended tenant's keys stop working", func(t *testing.T) {
			other := h.tenant("saas")
			k, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: other, Role: TenantOwner})
			if err != nil {
				t.Fatal(err)
			}
			mine := issue(Viewer, false)
			if !h.alive(k.Key) {
				t.Fatal("key refused")
			}
			h.suspend(other)
			h.clock.Advance(h.cfg.KeyCacheTTL + time.Second)
			if h.alive(k.Key) {
				t.Error("key of a suspended tenant works after the cache lifetime")
			}
			if _, err := h.s.SigningSecret(context.Background(), k.ID); codeOf(err) != "not_found" {
				t.Errorf("signing secret of a suspended tenant's key: %v", err)
			}
			if !h.alive(mine.Key) {
				t.Error("another tenant's key stopped")
			}
		})
	})
}

// TestRateLimits: per key, by plan, with tenant overrides; rps 0 lifts.
func TestRateLimits(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		for _, tc := range []struct {
			name  string
			plan  string
			rps   float64 // override, when burst > 0
			burst int
			want  [2]int // burst, then per second
		}{
			{"saas", "saas", 0, 0, [2]int{100, 50}},
			{"enterprise", "enterprise", 0, 0, [2]int{1000, 500}},
			{"override", "saas", 2, 3, [2]int{3, 2}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tenant, other := h.tenant(tc.plan), h.tenant(tc.plan)
				if tc.burst > 0 {
					h.tenants.setLimit(tenant, tc.rps, tc.burst)
					h.tenants.setLimit(other, tc.rps, tc.burst)
				}
				a := h.issue(tenant, Operator)
				b := h.issue(tenant, Operator)
				c := h.issue(other, Operator)
				// The burst, all at one instant.
				for i := range tc.want[0] {
					if _, _, err := h.auth(a); err != nil {
						t.Fatalf("request %d of the burst: %v", i+1, err)
					}
				}
				_, _, err := h.auth(a)
				wantCode(t, err, http.StatusTooManyRequests, "rate_limited")
				pe, _ := problem.As(err)
				if pe.RetryAfter <= 0 || pe.RetryAfter > time.Second {
					t.Errorf("RetryAfter %v", pe.RetryAfter)
				}
				// Other keys, of the same tenant or another, are untouched.
				for name, k := range map[string]string{"same tenant": b, "other tenant": c} {
					for i := range tc.want[0] {
						if _, _, err := h.auth(k); err != nil {
							t.Fatalf("%s, request %d: %v", name, i+1, err)
						}
					}
				}
				// A second refills the allowance of one second.
				h.clock.Advance(time.Second)
				for i := range tc.want[1] {
					if _, _, err := h.auth(a); err != nil {
						t.Fatalf("request %d of the next second: %v", i+1, err)
					}
				}
				if _, _, err := h.auth(a); codeOf(err) != "rate_limited" {
					t.Errorf("over the refill: %v", err)
				}
			})
		}

		t.Run("rps 0 lifts the limit", func(t *testing.T) {
			tenant := h.tenant("saas")
			h.tenants.setLimit(tenant, 0, 0)
			k := h.issue(tenant, Operator)
			for i := range 3000 {
				if _, _, err := h.auth(k); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
			}
		})

		t.Run("a changed limit applies within seconds", func(t *testing.T) {
			tenant := h.tenant("saas")
			k := h.issue(tenant, Operator)
			h.auth(k)
			h.tenants.setLimit(tenant, 1, 1)
			h.clock.Advance(limitRefresh + time.Second)
			h.auth(k)
			if _, _, err := h.auth(k); codeOf(err) != "rate_limited" {
				t.Errorf("new limit not applied: %v", err)
			}
		})

		t.Run("platform sessions are not tenant-limited", func(t *testing.T) {
			tok := h.login(h.user("", CSAgent))
			for i := range 150 {
				if _, _, err := h.auth(tok); err != nil {
					t.Fatalf("request %d: %v", i+1, err)
				}
			}
		})
	})
}

// issue creates an API key and returns it.
func (h *harness) issue(tenant string, role Role) string {
	h.t.Helper()
	k, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: role})
	if err != nil {
		h.t.Fatal(err)
	}
	return k.Key
}

// TestAuthenticateConcurrent drives the key cache and the limiters from
// many goroutines while the clock moves past their refresh intervals and
// keys are revoked; run with -race.
func TestAuthenticateConcurrent(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, h *harness) {
		tenant := h.tenant("saas")
		h.tenants.setLimit(tenant, 0, 0)
		keys := []string{h.issue(tenant, Operator), h.issue(tenant, Viewer), h.issue(tenant, TenantAdmin)}
		victim, err := h.s.CreateAPIKey(h.ctx, NewAPIKey{TenantID: tenant, Role: Viewer})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		stop := make(chan struct{})
		wg.Go(func() {
			for range 20 {
				h.clock.Advance(limitRefresh/2 + h.cfg.KeyCacheTTL)
				time.Sleep(5 * time.Millisecond)
			}
			close(stop)
		})
		for i := range 6 {
			wg.Go(func() {
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					if _, _, err := h.auth(keys[(i+n)%len(keys)]); err != nil {
						t.Errorf("authenticate: %v", err)
						return
					}
					_, _, _ = h.auth(victim.Key)
				}
			})
		}
		wg.Go(func() {
			time.Sleep(20 * time.Millisecond)
			if _, err := h.s.RevokeAPIKey(h.ctx, victim.ID); err != nil {
				t.Errorf("revoke: %v", err)
			}
		})
		wg.Wait()
		if h.alive(victim.Key) {
			t.Error("revoked key alive")
		}
	})
}
