package gateway_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/app/apptest"
	"github.com/silkgate/silkgate/internal/identity"
)

// signer signs requests exactly as the CONTRACT describes, independently of
// the package under test.
type signer struct {
	keyID, secret string
	// Overrides, for the failure cases.
	ts        *int64
	nonce     string
	signBody  []byte // when set, the body signed instead of the one sent
	signPath  string // when set, the path signed instead of the one sent
	badSecret bool
}

func nonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func contractSignature(secret, method, pathWithQuery, ts, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method + "\n" + pathWithQuery + "\n" + ts + "\n" + nonce + "\n" + hex.EncodeToString(sum[:])))
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// headers returns the four signed-request headers for method, path and
// body as sent.
func (s signer) headers(method, path string, body []byte) http.Header {
	ts := time.Now().Unix()
	if s.ts != nil {
		ts = *s.ts
	}
	n := s.nonce
	if n == "" {
		n = nonce()
	}
	signed, signedPath, secret := body, path, s.secret
	if s.signBody != nil {
		signed = s.signBody
	}
	if s.signPath != "" {
		signedPath = s.signPath
	}
	if s.badSecret {
		secret = "whsk_" + strings.Repeat("0", 48)
	}
	h := http.Header{}
	h.Set("Silkgate-Key-Id", s.keyID)
	h.Set("Silkgate-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("Silkgate-Nonce", n)
	h.Set("Silkgate-Signature", contractSignature(secret, method, signedPath, strconv.FormatInt(ts, 10), n, signed))
	return h
}

// send makes a request to the test server with extra headers and returns
// the response with its body read.
func send(t *testing.T, env *apptest.Env, method, path string, h http.Header, body []byte) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, env.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := env.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return resp
}

// from serves one request through the whole handler as if it came from
// addr (the test server's requests all come from loopback).
func from(t *testing.T, env *apptest.Env, addr, method, path string, h http.Header, body []byte) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	ctx, cancel := context.WithCancel(req.Context())
	defer cancel()
	req = req.WithContext(ctx)
	req.RemoteAddr = addr
	for k, v := range h {
		req.Header[k] = v
	}
	if body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	env.App.Handler.ServeHTTP(rec, req)
	return rec.Result()
}

func bearer(tok string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	return h
}

func decode(t *testing.T, r *http.Response, v any) {
	t.Helper()
	raw := apptest.Body(r)
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
}

// problemCode returns the code of a problem+json answer.
func problemCode(t *testing.T, r *http.Response) string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json (body %s)", ct, apptest.Body(r))
		return ""
	}
	var p struct{ Code string }
	decode(t, r, &p)
	return p.Code
}

func key(t *testing.T, env *apptest.Env, tenant string, role identity.Role) identity.CreatedAPIKey {
	t.Helper()
	k, err := env.App.Identity.CreateAPIKey(env.Ctx, identity.NewAPIKey{TenantID: tenant, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func countAudit(t *testing.T, env *apptest.Env, action, resource string) int {
	t.Helper()
	var n int
	if err := env.App.DB.Q(env.Ctx).QueryRowContext(env.Ctx, `SELECT COUNT(*) FROM audit_events
		WHERE action = $1 AND ($2 = '' OR resource = $2)`, action, resource).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
