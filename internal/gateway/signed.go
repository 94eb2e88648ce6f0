package gateway

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/identity"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// Nonce length bounds (CONTRACT).
const (
	MinNonce = 16
	MaxNonce = 64
)

// StringToSign is the text a signed request's signature covers (CONTRACT):
// METHOD, path with query, timestamp, nonce and the hex SHA-256 of the
// body, each ended by a newline except the last.
func StringToSign(method, pathWithQuery, timestamp, nonce, bodySHA256Hex string) string {
	return method + "\n" + pathWithQuery + "\n" + timestamp + "\n" + nonce + "\n" + bodySHA256Hex
}

// Sign returns the Silkgate-Signature header value for a request: "v1="
// and the hex HMAC-SHA256 of StringToSign under secret. Partners' SDKs do
// the same; the tests use it as the reference.
func Sign(secret []byte, method, pathWithQuery, timestamp, nonce string, body []byte) string {
	sum := sha256.Sum256(body)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(StringToSign(method, pathWithQuery, timestamp, nonce, hex.EncodeToString(sum[:]))))
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

type cachedSigningKey struct {
	key     identity.SigningKey
	expires time.Time
	touched time.Time
}

func badSignature(fields ...problem.Field) error {
	return &problem.Error{Status: http.StatusUnauthorized, Code: "bad_signature", Fields: fields}
}

// signedHeaders are a signed request's four headers, checked for shape.
type signedHeaders struct {
	keyID, timestamp, nonce string
	ts                      int64
	sigs                    [][]byte
}

func parseSigned(r *http.Request) (signedHeaders, error) {
	h := signedHeaders{keyID: r.Header.Get(HeaderKeyID), timestamp: r.Header.Get(HeaderTimestamp), nonce: r.Header.Get(HeaderNonce)}
	var fs []problem.Field
	bad := func(header, code string, params ...any) {
		fs = append(fs, problem.Field{Field: header, Code: code, Params: params})
	}
	if h.keyID == "" {
		bad(HeaderKeyID, "required")
	} else if len(h.keyID) > 100 || !visibleASCII(h.keyID) {
		bad(HeaderKeyID, "invalid_format", "format", "an API key id")
	}
	if h.timestamp == "" {
		bad(HeaderTimestamp, "required")
	} else if ts, err := strconv.ParseInt(h.timestamp, 10, 64); err != nil || !digits(h.timestamp) {
		bad(HeaderTimestamp, "invalid_format", "format", "unix time in seconds")
	} else {
		h.ts = ts
	}
	if h.nonce == "" {
		bad(HeaderNonce, "required")
	} else if len(h.nonce) < MinNonce || len(h.nonce) > MaxNonce || !visibleASCII(h.nonce) {
		bad(HeaderNonce, "invalid_format", "format", "16 to 64 printable ASCII characters")
	}
	sig := r.Header.Get(HeaderSignature)
	if sig == "" {
		bad(HeaderSignature, "required")
	} else {
		// Several comma-separated values are accepted (any may match), so
		// that a client can sign with two secrets during a rotation.
		for part := range strings.SplitSeq(sig, ",") {
			v, ok := strings.CutPrefix(strings.TrimSpace(part), "v1=")
			if !ok {
				continue
			}
			b, err := hex.DecodeString(v)
			if err == nil && len(b) == sha256.Size {
				h.sigs = append(h.sigs, b)
			}
		}
		if len(h.sigs) == 0 || len(h.sigs) > 4 {
			bad(HeaderSignature, "invalid_format", "format", "v1=<64 hex digits>")
		}
	}
	if len(fs) > 0 {
		return h, badSignature(fs...)
	}
	return h, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func visibleASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// pathWithQuery is the request target as the client sent it: the raw
// request URI in origin form, else the path and query of the URL.
func pathWithQuery(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// authSigned authenticates a signed request in the order the package
// documentation gives.
func (g *Gateway) authSigned(r *http.Request) (context.Context, web.Caller, error) {
	ctx := r.Context()
	h, err := parseSigned(r)
	if err != nil {
		return nil, nil, err
	}
	if until, ok := g.det.Blocked(KeySubject(h.keyID)); ok {
		return nil, nil, g.blockedError(until)
	}
	k, err := g.signingKey(ctx, h.keyID)
	if errors.Is(err, problem.ErrNotFound) {
		return nil, nil, badSignature()
	}
	if err != nil {
		return nil, nil, err
	}
	p := k.key.Principal
	if err := g.checkAllowed(r, p.KeyID, p.TenantID, "apikey/"+p.KeyID); err != nil {
		return nil, nil, err
	}
	digest, err := bodyDigest(r, g.cfg.SpoolDir)
	if err != nil {
		return nil, nil, err
	}
	m := hmac.New(sha256.New, k.key.Secret)
	m.Write([]byte(StringToSign(r.Method, pathWithQuery(r), h.timestamp, h.nonce, digest)))
	want := m.Sum(nil)
	match := 0
	for _, s := range h.sigs {
		// Every candidate is compared, in constant time, whatever the
		// result of the previous one.
		match |= boolInt(hmac.Equal(s, want))
	}
	if match == 0 {
		attemptFrom(ctx).strikeKey(p.KeyID, p.TenantID)
		g.auditRejected(r, p, "bad_signature")
		return nil, nil, badSignature()
	}
	now := g.now()
	if d := now.Sub(time.Unix(h.ts, 0)); d > g.cfg.Window || d < -g.cfg.Window {
		g.auditRejected(r, p, "stale_request")
		return nil, nil, &problem.Error{Status: http.StatusUnauthorized, Code: "stale_request",
			Params: []any{"server_time", strconv.FormatInt(now.Unix(), 10)}}
	}
	fresh, err := g.claimNonce(ctx, p.KeyID, h.nonce, time.Unix(h.ts, 0))
	if err != nil {
		return nil, nil, err
	}
	if !fresh {
		g.auditRejected(r, p, "replayed_request")
		return nil, nil, problem.Unauthorized("replayed_request")
	}
	if err := g.id.Allow(ctx, &p); err != nil {
		return nil, nil, err
	}
	g.touch(ctx, k, now)
	return identity.WithPrincipal(ctx, &p, identity.ClientIP(r)), &p, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// signingKey returns key id with its secret, from a cache kept as long as
// identity keeps bearer keys; a key revoked on this node is refused at once.
func (g *Gateway) signingKey(ctx context.Context, keyID string) (*cachedSigningKey, error) {
	now := g.now()
	g.mu.Lock()
	c, ok := g.signing[keyID]
	g.mu.Unlock()
	if ok && now.Before(c.expires) {
		if g.id.KeyRevokedHere(keyID) {
			return nil, problem.ErrNotFound
		}
		return c, nil
	}
	k, err := g.id.LookupSigningKey(ctx, keyID)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.signing[keyID]; ok {
		c = &cachedSigningKey{key: k, expires: now.Add(g.id.KeyCacheTTL()), touched: old.touched}
	} else {
		c = &cachedSigningKey{key: k, expires: now.Add(g.id.KeyCacheTTL())}
	}
	if len(g.signing) > 100_000 {
		clear(g.signing)
	}
	g.signing[keyID] = c
	return c, nil
}

// touch records the key's last use at most once a minute.
func (g *Gateway) touch(ctx context.Context, c *cachedSigningKey, now time.Time) {
	g.mu.Lock()
	stale := now.Sub(c.touched) > time.Minute
	if stale {
		c.touched = now
	}
	g.mu.Unlock()
	if stale {
		g.id.TouchAPIKey(ctx, c.key.Principal.KeyID, now)
	}
}

// auditRejected records a refused signed request of a known key. The
// detector bounds how many such records one source or key can cause.
func (g *Gateway) auditRejected(r *http.Request, p identity.Principal, code string) {
	ip := identity.ClientIP(r)
	ctx := audit.WithActor(context.WithoutCancel(r.Context()), audit.Actor{ID: p.KeyID, Type: "apikey", TenantID: p.TenantID, SourceIP: ip})
	if err := g.db.InTx(ctx, func(ctx context.Context) error {
		return g.audit.Record(ctx, audit.Event{Action: "security.signed_request.rejected", Resource: "apikey/" + p.KeyID,
			Outcome: "failure", TenantID: p.TenantID, Detail: code})
	}); err != nil {
		g.log.Error("security: audit rejected signature", "key_id", p.KeyID, "error", err)
	}
}

// claimNonce stores (key, nonce) in a statement of its own, before the
// request's transaction, and reports whether it was fresh. The row is kept
// until the request's timestamp leaves the window (plus a minute for clock
// differences between nodes): after that the timestamp alone refuses a
// replay. A row past its expiry that the sweep has not yet deleted is taken
// over rather than mistaken for a replay.
func (g *Gateway) claimNonce(ctx context.Context, keyID, nonce string, ts time.Time) (bool, error) {
	g.sweep(ctx)
	now := g.now()
	expires := ts.UTC().Add(g.cfg.Window + time.Minute)
	res, err := g.db.W(ctx).ExecContext(ctx, `INSERT INTO request_nonces (key_id, nonce, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (key_id, nonce) DO UPDATE SET expires_at = excluded.expires_at
		WHERE request_nonces.expires_at < $4`, keyID, nonce, expires, now)
	if err != nil {
		return false, fmt.Errorf("gateway: store nonce: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("gateway: store nonce: %w", err)
	}
	return n > 0, nil
}

// spoolMemory is how much of a signed stream body is held in memory before
// it spills to a temporary file.
const spoolMemory = 1 << 20

// bodyDigest returns the hex SHA-256 of r's body and leaves the body for
// the handler to read in full:
//
//   - a writing route's body was read by the router: r.GetBody gives a copy;
//   - any other method's body (normally empty) is read here within the
//     router's limit and put back;
//   - a Stream route's body is spooled while hashed, and r.Body becomes the
//     spool: the handler reads nothing until the signature is verified.
func bodyDigest(r *http.Request, spoolDir string) (string, error) {
	hs := sha256.New()
	if r.GetBody != nil {
		rc, err := r.GetBody()
		if err != nil {
			return "", fmt.Errorf("gateway: body copy: %w", err)
		}
		defer rc.Close()
		if _, err := io.Copy(hs, rc); err != nil {
			return "", readFailure(err)
		}
		return hex.EncodeToString(hs.Sum(nil)), nil
	}
	if r.Body == nil || r.Body == http.NoBody {
		return hex.EncodeToString(hs.Sum(nil)), nil
	}
	if !isWrite(r.Method) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return "", readFailure(err)
		}
		hs.Write(b)
		r.Body = io.NopCloser(bytes.NewReader(b))
		return hex.EncodeToString(hs.Sum(nil)), nil
	}
	body, n, err := spool(r, hs, spoolDir)
	if err != nil {
		return "", err
	}
	r.Body, r.ContentLength = body, n
	return hex.EncodeToString(hs.Sum(nil)), nil
}

func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

func readFailure(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Params: []any{"limit", mbe.Limit}}
	}
	return fmt.Errorf("gateway: read body: %w", err)
}

// spool reads r's body into memory, spilling to a private temporary file
// past spoolMemory, hashing it on the way. The file is removed when the
// request ends.
func spool(r *http.Request, hs hash.Hash, dir string) (io.ReadCloser, int64, error) {
	var mem bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&mem, hs), io.LimitReader(r.Body, spoolMemory+1))
	if err != nil {
		return nil, 0, readFailure(err)
	}
	if n <= spoolMemory {
		return io.NopCloser(bytes.NewReader(mem.Bytes())), n, nil
	}
	f, err := os.CreateTemp(dir, "silkgate-signed-*")
	if err != nil {
		return nil, 0, fmt.Errorf("gateway: spool body: %w", err)
	}
	cleanup := func() {
		f.Close()
		os.Remove(f.Name())
	}
	if _, err := f.Write(mem.Bytes()); err != nil {
		cleanup()
		return nil, 0, fmt.Errorf("gateway: spool body: %w", err)
	}
	rest, err := io.Copy(io.MultiWriter(f, hs), r.Body)
	if err != nil {
		cleanup()
		return nil, 0, readFailure(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		cleanup()
		return nil, 0, fmt.Errorf("gateway: spool body: %w", err)
	}
	// The server cancels the request's context when the handler returns:
	// that is when the spool goes.
	context.AfterFunc(r.Context(), cleanup)
	return io.NopCloser(f), n + rest, nil
}
