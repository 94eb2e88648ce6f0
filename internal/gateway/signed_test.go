package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app"
	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

func TestSignedRequests(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Signed Partner Ltd")
		k := key(t, env, tenant, identity.TenantOwner)
		s := signer{keyID: k.ID, secret: k.SigningSecret}

		t.Run("GET", func(t *testing.T) {
			r := send(t, env, "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil)
			if r.StatusCode != 200 {
				t.Fatalf("status %d %s", r.StatusCode, apptest.Body(r))
			}
			var me identity.Me
			decode(t, r, &me)
			if me.KeyID != k.ID || me.TenantID != tenant || me.Role != identity.TenantOwner {
				t.Errorf("me = %+v", me)
			}
		})
		t.Run("GET with query", func(t *testing.T) {
			path := "/api/v1/apikeys?limit=5&cursor="
			if r := send(t, env, "GET", path, s.headers("GET", path, nil), nil); r.StatusCode != 200 {
				t.Fatalf("status %d %s", r.StatusCode, apptest.Body(r))
			}
		})
		t.Run("POST with body", func(t *testing.T) {
			body := []byte(`{"role":"viewer","name":"made by a signed request"}`)
			r := send(t, env, "POST", "/api/v1/apikeys", s.headers("POST", "/api/v1/apikeys", body), body)
			if r.StatusCode != 201 {
				t.Fatalf("status %d %s", r.StatusCode, apptest.Body(r))
			}
			var made identity.CreatedAPIKey
			decode(t, r, &made)
			if made.Name != "made by a signed request" || made.TenantID != tenant {
				t.Errorf("created %+v", made.APIKey)
			}
			// The handler saw the whole body after the signature was
			// checked, and the write was attributed to the key.
			if n := countAudit(t, env, "apikey.create", "apikey/"+made.ID); n != 1 {
				t.Errorf("%d audit records of the creation", n)
			}
		})
		t.Run("timestamp inside the window", func(t *testing.T) {
			for _, d := range []time.Duration{-290 * time.Second, 290 * time.Second} {
				ts := time.Now().Add(d).Unix()
				s := s
				s.ts = &ts
				if r := send(t, env, "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
					t.Errorf("timestamp %v away: status %d %s", d, r.StatusCode, apptest.Body(r))
				}
			}
		})

		past, future := time.Now().Add(-330*time.Second).Unix(), time.Now().Add(330*time.Second).Unix()
		body := []byte(`{"role":"viewer"}`)
		for _, tc := range []struct {
			name   string
			s      signer
			method string
			path   string
			sent   string // path actually requested, when it differs
			body   []byte
			edit   func(h http.Header)
			code   string
			field  string
		}{
			{name: "wrong secret", s: signer{badSecret: true}, code: "bad_signature"},
			{name: "unknown key", s: signer{keyID: "key_doesnotexist0000000000000"}, code: "bad_signature"},
			{name: "tampered body", s: signer{signBody: []byte(`{"role":"tenant_owner"}`)}, method: "POST", path: "/api/v1/apikeys", body: body, code: "bad_signature"},
			{name: "tampered query", s: signer{signPath: "/api/v1/apikeys?limit=5"}, path: "/api/v1/apikeys?limit=6", code: "bad_signature"},
			{name: "other method", method: "DELETE", path: "/api/v1/apikeys/" + k.ID, edit: func(h http.Header) {
				// Signed as GET, sent as DELETE.
				h.Set("Silkgate-Signature", contractSignature(k.SigningSecret, "GET", "/api/v1/apikeys/"+k.ID,
					h.Get("Silkgate-Timestamp"), h.Get("Silkgate-Nonce"), nil))
			}, code: "bad_signature"},
			{name: "missing nonce", edit: func(h http.Header) { h.Del("Silkgate-Nonce") }, code: "bad_signature", field: "Silkgate-Nonce"},
			{name: "short nonce", s: signer{nonce: "too-short"}, code: "bad_signature", field: "Silkgate-Nonce"},
			{name: "long nonce", s: signer{nonce: strings.Repeat("n", 65)}, code: "bad_signature", field: "Silkgate-Nonce"},
			{name: "timestamp not a number", edit: func(h http.Header) { h.Set("Silkgate-Timestamp", "2026-11-20T10:00:00Z") },
				code: "bad_signature", field: "Silkgate-Timestamp"},
			{name: "signature not v1", edit: func(h http.Header) { h.Set("Silkgate-Signature", "sha256=abc") },
				code: "bad_signature", field: "Silkgate-Signature"},
			{name: "no signature", edit: func(h http.Header) { h.Del("Silkgate-Signature") }, code: "bad_signature", field: "Silkgate-Signature"},
			{name: "stale, past", s: signer{ts: &past}, code: "stale_request"},
			{name: "stale, future", s: signer{ts: &future}, code: "stale_request"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				sg := tc.s
				if sg.keyID == "" {
					sg.keyID = k.ID
				}
				sg.secret = k.SigningSecret
				method, path := tc.method, tc.path
				if method == "" {
					method = "GET"
				}
				if path == "" {
					path = "/api/v1/me"
				}
				h := sg.headers(method, path, tc.body)
				if tc.edit != nil {
					tc.edit(h)
				}
				r := send(t, env, method, path, h, tc.body)
				if r.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d %s", r.StatusCode, apptest.Body(r))
				}
				if code := problemCode(t, r); code != tc.code {
					t.Errorf("code %q, want %q", code, tc.code)
				}
				if tc.field != "" && !strings.Contains(apptest.Body(r), `"field":"`+tc.field+`"`) {
					t.Errorf("errors do not name %s: %s", tc.field, apptest.Body(r))
				}
			})
		}

		t.Run("replay", func(t *testing.T) {
			h := s.headers("GET", "/api/v1/me", nil)
			if r := send(t, env, "GET", "/api/v1/me", h, nil); r.StatusCode != 200 {
				t.Fatalf("first: %d %s", r.StatusCode, apptest.Body(r))
			}
			r := send(t, env, "GET", "/api/v1/me", h, nil)
			if r.StatusCode != 401 || problemCode(t, r) != "replayed_request" {
				t.Fatalf("replay: %d %s", r.StatusCode, apptest.Body(r))
			}
			// The same nonce signed afresh is still a replay; another key may
			// use it.
			s2 := s
			s2.nonce = h.Get("Silkgate-Nonce")
			if r := send(t, env, "GET", "/api/v1/me", s2.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 401 {
				t.Errorf("same nonce re-signed: %d", r.StatusCode)
			}
			other := key(t, env, tenant, identity.Viewer)
			s3 := signer{keyID: other.ID, secret: other.SigningSecret, nonce: h.Get("Silkgate-Nonce")}
			if r := send(t, env, "GET", "/api/v1/me", s3.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
				t.Errorf("same nonce with another key: %d %s", r.StatusCode, apptest.Body(r))
			}
			// A replayed write is refused before it runs.
			body := []byte(`{"role":"viewer","name":"once"}`)
			h = s.headers("POST", "/api/v1/apikeys", body)
			if r := send(t, env, "POST", "/api/v1/apikeys", h, body); r.StatusCode != 201 {
				t.Fatalf("write: %d", r.StatusCode)
			}
			if r := send(t, env, "POST", "/api/v1/apikeys", h, body); r.StatusCode != 401 {
				t.Fatalf("replayed write: %d", r.StatusCode)
			}
			var n int
			env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM api_keys WHERE name = 'once'`).Scan(&n)
			if n != 1 {
				t.Errorf("%d keys made by one request replayed", n)
			}
		})

		t.Run("revoked key", func(t *testing.T) {
			gone := key(t, env, tenant, identity.Viewer)
			sg := signer{keyID: gone.ID, secret: gone.SigningSecret}
			if r := send(t, env, "GET", "/api/v1/me", sg.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
				t.Fatalf("before revocation: %d", r.StatusCode)
			}
			if _, err := env.App.Identity.RevokeAPIKey(env.Ctx, gone.ID); err != nil {
				t.Fatal(err)
			}
			r := send(t, env, "GET", "/api/v1/me", sg.headers("GET", "/api/v1/me", nil), nil)
			if r.StatusCode != 401 || problemCode(t, r) != "bad_signature" {
				t.Errorf("after revocation: %d %s", r.StatusCode, apptest.Body(r))
			}
		})

		t.Run("refusals are audited", func(t *testing.T) {
			if n := countAudit(t, env, "security.signed_request.rejected", "apikey/"+k.ID); n < 5 {
				t.Errorf("%d refusals audited", n)
			}
		})
	})
}

// TestSignedStream: a signed bulk ingest is verified before any line is
// stored, in memory and when the body spills to disk.
func TestSignedStream(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		tenant := env.Tenant("Bulk Signer GmbH")
		k := key(t, env, tenant, identity.Operator)
		s := signer{keyID: k.ID, secret: k.SigningSecret}
		ndjson := func(prefix string, n int) []byte {
			var b strings.Builder
			for i := range n {
				fmt.Fprintf(&b, `{"external_id":"%s-%06d","channel":"amazon-de","placed_at":"2026-11-20T10:00:00Z","currency":"EUR",`+
					`"buyer":{"name":"Jonas Weber","email":"j@example.de","country":"DE"},`+
					`"ship_to":{"name":"Jonas Weber","line1":"Invalidenstr. 1","city":"Berlin","postcode":"10115","country":"DE"},`+
					`"lines":[{"sku":"TOY-001","quantity":2,"unit_price":{"amount":"19.99","currency":"EUR"}}]}`+"\n", prefix, i)
			}
			return []byte(b.String())
		}
		count := func(prefix string) int {
			var n int
			if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM orders WHERE tenant_id = $1 AND external_id LIKE $2`,
				tenant, prefix+"-%").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, tc := range []struct {
			name  string
			lines int
		}{{"small", 3}, {"spilled", 4000}} {
			t.Run(tc.name, func(t *testing.T) {
				good := ndjson(tc.name+"-ok", tc.lines)
				if tc.lines > 100 && len(good) <= 1<<20 {
					t.Fatalf("body of %d bytes does not spill", len(good))
				}
				h := s.headers("POST", "/api/v1/orders/bulk", good)
				h.Set("Content-Type", "application/x-ndjson")
				r := send(t, env, "POST", "/api/v1/orders/bulk", h, good)
				if r.StatusCode != 200 {
					t.Fatalf("status %d %s", r.StatusCode, apptest.Body(r))
				}
				var res struct{ Accepted, Rejected int }
				if err := json.Unmarshal([]byte(apptest.Body(r)), &res); err != nil || res.Accepted != tc.lines {
					t.Fatalf("result %s", apptest.Body(r))
				}
				if n := count(tc.name + "-ok"); n != tc.lines {
					t.Errorf("%d orders stored, want %d", n, tc.lines)
				}

				// The same body with one byte changed after signing: refused,
				// and not one line of it stored.
				bad := ndjson(tc.name+"-bad", tc.lines)
				h = s.headers("POST", "/api/v1/orders/bulk", bad)
				h.Set("Content-Type", "application/x-ndjson")
				bad[len(bad)-10] = '9'
				r = send(t, env, "POST", "/api/v1/orders/bulk", h, bad)
				if r.StatusCode != 401 || problemCode(t, r) != "bad_signature" {
					t.Fatalf("tampered stream: %d %s", r.StatusCode, apptest.Body(r))
				}
				if n := count(tc.name + "-bad"); n != 0 {
					t.Errorf("%d orders stored from a stream whose signature failed", n)
				}
			})
		}
	})
}

// TestNonceTwoNodes: two nodes on one store agree that a nonce is used
// once, even when the same signed request reaches both at the same time.
func TestNonceTwoNodes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		second, err := app.Open(env.Ctx, env.App.Cfg, app.Options{Argon2: apptest.FastArgon2})
		if err != nil {
			t.Fatal(err)
		}
		defer second.Close()
		k := key(t, env, env.Tenant("Two Nodes Ltd"), identity.Viewer)
		s := signer{keyID: k.ID, secret: k.SigningSecret}
		for round := range 5 {
			h := s.headers("GET", "/api/v1/me", nil)
			codes := make(chan int, 8)
			var wg sync.WaitGroup
			for i := range 8 {
				node := env.App.Handler
				if i%2 == 1 {
					node = second.Handler
				}
				wg.Go(func() {
					req := httptest.NewRequest("GET", "/api/v1/me", nil)
					req.RemoteAddr = "192.0.2.9:1234"
					for k, v := range h {
						req.Header[k] = v
					}
					rec := httptest.NewRecorder()
					node.ServeHTTP(rec, req)
					codes <- rec.Code
				})
			}
			wg.Wait()
			close(codes)
			ok, replayed := 0, 0
			for c := range codes {
				switch c {
				case 200:
					ok++
				case 401:
					replayed++
				default:
					t.Errorf("round %d: status %d", round, c)
				}
			}
			if ok != 1 || replayed != 7 {
				t.Errorf("round %d: %d accepted, %d refused; want 1 and 7", round, ok, replayed)
			}
		}
	})
}

// TestNoncesExpire: used nonces are deleted once their window has passed.
func TestNoncesExpire(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		old := time.Now().UTC().Add(-time.Hour)
		if _, err := env.App.DB.Writer().ExecContext(env.Ctx, `INSERT INTO request_nonces (key_id, nonce, expires_at)
			VALUES ('key_old', 'n-0000000000000000', $1)`, old); err != nil {
			t.Fatal(err)
		}
		k := key(t, env, env.Tenant("Sweeper Ltd"), identity.Viewer)
		s := signer{keyID: k.ID, secret: k.SigningSecret}
		if r := send(t, env, "GET", "/api/v1/me", s.headers("GET", "/api/v1/me", nil), nil); r.StatusCode != 200 {
			t.Fatal(r.StatusCode)
		}
		var stale, kept int
		env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM request_nonces WHERE key_id = 'key_old'`).Scan(&stale)
		env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM request_nonces WHERE key_id = $1`, k.ID).Scan(&kept)
		if stale != 0 || kept != 1 {
			t.Errorf("expired nonces left: %d; fresh nonces kept: %d", stale, kept)
		}
	})
}
