package web

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// DefaultMaxBody bounds a request body unless the route says otherwise.
const DefaultMaxBody = 1 << 20

// Route is one entry of the route table. Every route names the permission
// its caller must hold, or says it is public; Handle refuses anything else.
type Route struct {
	Method  string
	Path    string
	Perm    string
	Public  bool
	Summary string
	Tag     string
	// Description is a longer text for the API reference (optional).
	Description string
	// Request and Response are zero values of the body types, for the
	// OpenAPI document.
	Request  any
	Response any
	// Status is the success status (default 200).
	Status int
	// Query documents the query parameters; routes whose Response is a
	// List get limit and cursor without saying so.
	Query []Param
	// Consumes and Produces override the media types the OpenAPI document
	// lists for the request and response bodies (default JSON and XML),
	// e.g. application/x-ndjson for a bulk route.
	Consumes []string
	Produces []string
	// Errors lists problem statuses the route answers beyond those its
	// declaration implies (401/403/429 when authenticated, 404 with path
	// parameters, 400/413/415/422 with a body), e.g. 409 or 423.
	Errors []int
	// Stream routes read their own body (bulk ingest, EDI) and manage their
	// own transactions; everything else that writes runs in one transaction.
	Stream bool
	// KeepsIdempotency says a Stream route honours Idempotency-Key itself
	// (the router does so for every other write), so the API reference
	// lists the header for it too.
	KeepsIdempotency bool
	MaxBody          int64
	// Page routes belong to the console: an unauthenticated caller is sent
	// to the sign-in page instead of getting a 401.
	Page    bool
	Handler H
}

// Param documents one query parameter of a route.
type Param struct {
	Name        string
	Description string
	Required    bool
	// Type is the JSON Schema type: "string" (default), "integer",
	// "number" or "boolean".
	Type string
	// Enum lists the allowed values, if any.
	Enum []string
}

// Caller is whoever the authenticator recognised.
type Caller interface {
	// PrincipalID identifies the credential (user or API key); idempotency
	// keys are scoped to it.
	PrincipalID() string
}

// Authenticator identifies and authorises callers. It lives in the identity
// layer; the router only asks it. On writing routes the body has already
// been read (within the route's size limit) when Authenticate runs: r.Body
// reads it, and r.GetBody returns a fresh copy, so a signature check can hash
// it without taking it from the handler. A Stream route's body is not read
// in advance; an authenticator that reads it must put it back.
type Authenticator interface {
	// Authenticate returns r's context enriched with the caller (and its
	// tenant scope), or a 401/429 problem.
	Authenticate(r *http.Request) (context.Context, Caller, error)
	// Authorize returns nil when c holds perm, else a 403 problem.
	Authorize(ctx context.Context, c Caller, perm string) error
}

// Router is the route table in front of http.ServeMux.
type Router struct {
	mux    *http.ServeMux
	mu     sync.RWMutex // guards routes: the API reference reads them while serving
	routes []Route
	auth   Authenticator
	db     *db.DB
	// SignInPath is where page routes send unauthenticated callers.
	SignInPath string
	// AfterWrite, when set, runs inside every successful write's
	// transaction. The platform uses it to guarantee that every write is
	// audited: a handler that recorded nothing richer gets a generic record.
	AfterWrite func(ctx context.Context, r *http.Request, route Route) error
	// PageError, when set, renders errors of page routes (the console's
	// own error page) instead of problem+json.
	PageError func(w http.ResponseWriter, r *http.Request, err error)
	// Seal, when set, encrypts the responses kept for idempotent replay:
	// they can hold secrets shown once (a new API key, a TOTP secret) and
	// must not sit in clear in the store or its backups.
	Seal Sealer
	// FingerprintKey keys the hash of a request kept with its
	// Idempotency-Key to tell a repeat from a different request. Bodies can
	// hold card numbers, and PCI DSS allows only keyed hashes of those.
	FingerprintKey []byte
}

// Sealer encrypts data at rest under a tenant's key ("" for the platform's).
type Sealer interface {
	Encrypt(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)
	Decrypt(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)
}

const sealedMagic = "SGSEAL1\n"

func idempotencyAAD(principal, key string) []byte {
	return []byte("idempotency_keys.body:" + principal + "\x00" + key)
}

func scopeTenant(ctx context.Context) string {
	if sc, ok := db.ScopeFrom(ctx); ok {
		return sc.TenantID
	}
	return ""
}

type auditMark struct{ recorded bool }

type auditMarkKey struct{}

// MarkAudited notes that the request in ctx has written an audit record.
func MarkAudited(ctx context.Context) {
	if m, ok := ctx.Value(auditMarkKey{}).(*auditMark); ok {
		m.recorded = true
	}
}

// Audited reports whether MarkAudited was called for the request in ctx.
func Audited(ctx context.Context) bool {
	m, ok := ctx.Value(auditMarkKey{}).(*auditMark)
	return ok && m.recorded
}

// NewRouter returns an empty route table.
func NewRouter(store *db.DB, auth Authenticator) *Router {
	return &Router{mux: http.NewServeMux(), auth: auth, db: store, SignInPath: "/login"}
}

// Routes returns the registered routes sorted by path then method.
func (rt *Router) Routes() []Route {
	rt.mu.RLock()
	out := append([]Route(nil), rt.routes...)
	rt.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Handle registers a route. It panics on a route that neither names a
// permission nor says it is public: that is a programming error caught by
// the first test that builds the router.
func (rt *Router) Handle(r Route) {
	if r.Perm == "" && !r.Public {
		panic(fmt.Sprintf("web: route %s %s declares no permission", r.Method, r.Path))
	}
	if r.MaxBody == 0 {
		r.MaxBody = DefaultMaxBody
	}
	// The mux first: it panics on a conflicting pattern, and the table
	// must not list a route that is not served.
	rt.mux.Handle(r.Method+" "+r.Path, rt.wrap(r))
	rt.mu.Lock()
	rt.routes = append(rt.routes, r)
	rt.mu.Unlock()
}

// Mount registers a raw handler under a pattern without the pipeline
// (static assets, health checks); pattern must be a public path.
func (rt *Router) Mount(pattern string, h http.Handler) {
	rt.mux.Handle(pattern, h)
}

func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

// setBody gives r a fresh reader over body, and a GetBody so that an
// authenticator can hash the body without consuming it.
func setBody(r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	r.ContentLength = int64(len(body))
}

func (rt *Router) wrap(route Route) http.Handler {
	h := rt.pipeline(route)
	if !route.Page || rt.PageError == nil {
		return h
	}
	// Console pages answer in HTML: a refusal or failure is a page of the
	// console, not a JSON document in the browser.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rt.PageError(w, r, err)
		}
	})
}

func (rt *Router) pipeline(route Route) H {
	return H(func(w http.ResponseWriter, r *http.Request) error {
		setRoutePattern(r, r.Pattern)
		if r.Body == nil {
			r.Body = http.NoBody
		}
		// The limit applies before authentication: a signed request's
		// authenticator reads the body to check its hash.
		r.Body = http.MaxBytesReader(w, r.Body, route.MaxBody)
		buffered := isWrite(r.Method) && !route.Stream
		var body []byte
		if buffered {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				if pe := tooLarge(err); pe != nil {
					return pe
				}
				return fmt.Errorf("web: read body: %w", err)
			}
			body = b
			setBody(r, body)
		}
		var caller Caller
		if !route.Public {
			ctx, c, err := rt.auth.Authenticate(r)
			if err != nil {
				// Any 401 — no session, or one expired or revoked — sends a
				// browser back to the sign-in page.
				if pe, ok := problem.As(err); route.Page && ok && pe.Status == http.StatusUnauthorized {
					http.Redirect(w, r, rt.SignInPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return nil
				}
				return err
			}
			if err := rt.auth.Authorize(ctx, c, route.Perm); err != nil {
				return err
			}
			r = r.WithContext(ctx)
			caller = c
		}
		if buffered {
			setBody(r, body)
		}
		if !buffered || rt.db == nil {
			return route.Handler(w, r)
		}
		return rt.serveWrite(w, r, route, caller, body)
	})
}

// IdempotencyTTL is how long the first response to an Idempotency-Key is
// kept for replay; after that the key may be used afresh.
const IdempotencyTTL = 24 * time.Hour

// serveWrite runs a writing handler in one transaction: its changes, their
// audit records and the idempotency record commit together or not at all.
// The body has been read before the transaction starts, so a slow client
// never holds the writer.
//
// The response is buffered until the commit: a handler that fails leaves
// nothing written and nothing half-sent. Headers set by a handler whose
// error rolls the transaction back are dropped with it, since they describe
// a response that never happened; with KeepWrites they are kept.
func (rt *Router) serveWrite(w http.ResponseWriter, r *http.Request, route Route, caller Caller, body []byte) error {
	key := r.Header.Get("Idempotency-Key")
	principal := ""
	if caller != nil {
		principal = caller.PrincipalID()
	}
	var fingerprint string
	if key != "" && principal != "" {
		if len(key) > 255 || !printableASCII(key) {
			return problem.Invalid(problem.Field{Field: "Idempotency-Key", Code: "invalid_format",
				Params: []any{"format", "1 to 255 printable ASCII characters"}})
		}
		mac := hmac.New(sha256.New, rt.FingerprintKey)
		mac.Write([]byte(r.Method + "\n" + r.URL.RequestURI() + "\n"))
		mac.Write(body)
		fingerprint = hex.EncodeToString(mac.Sum(nil))
	}

	rec := newRecorder(w.Header())
	rec.rc = http.NewResponseController(w)
	var herr error // the handler's error when its writes are kept
	ctx := context.WithValue(r.Context(), auditMarkKey{}, &auditMark{})
	err := rt.db.Group(ctx, func(ctx context.Context) error {
		if fingerprint != "" {
			claimed, err := rt.claimKey(ctx, principal, key, fingerprint)
			if err != nil {
				return err
			}
			if !claimed {
				return errReplay
			}
		}
		herr = route.Handler(rec, r.WithContext(ctx))
		if herr != nil && !KeptWrites(herr) {
			return herr
		}
		if herr == nil && rt.AfterWrite != nil && rec.status < 400 {
			ar := r.WithContext(ctx)
			ar.Body = io.NopCloser(bytes.NewReader(body))
			if err := rt.AfterWrite(ctx, ar, route); err != nil {
				return err
			}
		}
		if fingerprint != "" {
			var err error
			if herr == nil && rec.status < 500 {
				err = rt.storeResponse(ctx, principal, key, rec)
			} else {
				// Only successful responses are replayed; a failure may be
				// retried with the same key.
				_, err = rt.db.Q(ctx).ExecContext(ctx, `DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2`, principal, key)
			}
			if err != nil {
				return fmt.Errorf("web: store idempotency key: %w", err)
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errReplay):
		// The first request with this key has committed by now (it may
		// have shared this request's group).
		return rt.replay(w, r, principal, key, fingerprint)
	case err != nil:
		return err
	case herr != nil:
		rec.copyHeader(w)
		return herr
	}
	rec.flush(w)
	return nil
}

// errReplay makes a write whose Idempotency-Key is already taken give up
// its transaction and answer with the first response.
var errReplay = errors.New("web: idempotency key already used")

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

// claimKey records (principal, key) as taken by this transaction, or reports
// that an earlier request holds it. On PostgreSQL a concurrent request with
// the same key waits here until the first commits and then replays it; on
// SQLite the single writer serialises them anyway. A record older than
// IdempotencyTTL is taken over.
func (rt *Router) claimKey(ctx context.Context, principal, key, fingerprint string) (bool, error) {
	now := time.Now().UTC()
	res, err := rt.db.Q(ctx).ExecContext(ctx, `INSERT INTO idempotency_keys
		(principal, key, fingerprint, status, content_type, body, created_at)
		VALUES ($1, $2, $3, 0, '', $4, $5)
		ON CONFLICT (principal, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = 0,
			content_type = '', body = excluded.body, created_at = excluded.created_at
		WHERE idempotency_keys.created_at < $6`,
		principal, key, fingerprint, []byte{}, now, now.Add(-IdempotencyTTL))
	if err != nil {
		return false, fmt.Errorf("web: claim idempotency key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("web: claim idempotency key: %w", err)
	}
	return n > 0, nil
}

// replayHeaders are the response headers kept with an idempotent response.
// Cookies are deliberately not among them.
var replayHeaders = []string{"Content-Type", "Content-Language", "Location", "Content-Location",
	"ETag", "Last-Modified", "Link", "Cache-Control", "Vary"}

// storedMagic starts a stored response that carries its headers.
const storedMagic = "SGRESP1\n"

func (rt *Router) storeResponse(ctx context.Context, principal, key string, rec *recorder) error {
	h := rec.finalHeader()
	var buf bytes.Buffer
	buf.WriteString(storedMagic)
	kept := http.Header{}
	for _, k := range replayHeaders {
		if v := h.Values(k); len(v) > 0 {
			kept[k] = v
		}
	}
	if err := kept.Write(&buf); err != nil {
		return err
	}
	buf.WriteString("\r\n")
	buf.Write(rec.body.Bytes())
	stored := buf.Bytes()
	if rt.Seal != nil {
		ct, err := rt.Seal.Encrypt(ctx, scopeTenant(ctx), stored, idempotencyAAD(principal, key))
		if err != nil {
			return fmt.Errorf("web: seal stored response: %w", err)
		}
		stored = append([]byte(sealedMagic), ct...)
	}
	_, err := rt.db.Q(ctx).ExecContext(ctx, `UPDATE idempotency_keys SET status = $3, content_type = $4, body = $5
		WHERE principal = $1 AND key = $2`, principal, key, rec.status, h.Get("Content-Type"), stored)
	return err
}

// replay answers a repeated request from the stored first response.
func (rt *Router) replay(w http.ResponseWriter, r *http.Request, principal, key, fingerprint string) error {
	var (
		fp, ctype string
		status    int
		stored    []byte
	)
	err := rt.db.Q(r.Context()).QueryRowContext(r.Context(), `SELECT fingerprint, status, content_type, body
		FROM idempotency_keys WHERE principal = $1 AND key = $2`, principal, key).Scan(&fp, &status, &ctype, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		// The request holding the key rolled back in between: the client
		// may retry.
		return problem.Conflict("idempotency_in_progress")
	}
	if err != nil {
		return fmt.Errorf("web: read idempotency key: %w", err)
	}
	if fp != fingerprint {
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused",
			Fields: []problem.Field{{Field: "Idempotency-Key", Code: "reused"}}}
	}
	if status == 0 {
		return problem.Conflict("idempotency_in_progress")
	}
	if bytes.HasPrefix(stored, []byte(sealedMagic)) {
		if rt.Seal == nil {
			return errors.New("web: stored response is sealed but no sealer is configured")
		}
		stored, err = rt.Seal.Decrypt(r.Context(), scopeTenant(r.Context()), stored[len(sealedMagic):], idempotencyAAD(principal, key))
		if err != nil {
			return fmt.Errorf("web: open stored response: %w", err)
		}
	}
	header, body := http.Header{}, stored
	if bytes.HasPrefix(stored, []byte(storedMagic)) {
		tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(stored[len(storedMagic):])))
		mh, err := tp.ReadMIMEHeader()
		if err != nil {
			return fmt.Errorf("web: read stored response: %w", err)
		}
		header = http.Header(mh)
		rest, err := io.ReadAll(tp.R)
		if err != nil {
			return fmt.Errorf("web: read stored response: %w", err)
		}
		body = rest
	} else if ctype != "" {
		header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		w.Header()[k] = v
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

// keepWrites marks an error whose transaction must still commit: a failed
// sign-in is refused, yet its audit record and strike count must stay.
type keepWrites struct{ err error }

func (k *keepWrites) Error() string { return k.err.Error() }
func (k *keepWrites) Unwrap() error { return k.err }

// KeepWrites returns err marked so that the request's transaction commits
// before err is rendered.
func KeepWrites(err error) error { return &keepWrites{err: err} }

// KeptWrites reports whether err was marked by KeepWrites.
func KeptWrites(err error) bool {
	var k *keepWrites
	return errors.As(err, &k)
}

// recorder buffers a response until the transaction has committed. It
// starts from a copy of the real writer's headers, so a handler sees (and
// may change) what the pipeline set, and it behaves like a real writer:
// the first status wins, and headers changed after it are not sent.
type recorder struct {
	header  http.Header
	sent    http.Header // snapshot taken when the status was written
	status  int
	written bool
	body    bytes.Buffer
	// rc reaches the real connection for deadlines; nil for the router's
	// own use.
	rc *http.ResponseController
}

func newRecorder(base http.Header) *recorder {
	h := http.Header{}
	if base != nil {
		h = base.Clone()
	}
	return &recorder{header: h, status: http.StatusOK}
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(s int) {
	if r.written || s < 200 {
		return
	}
	r.status, r.written = s, true
	r.sent = r.header.Clone()
}

func (r *recorder) Write(b []byte) (int, error) {
	if !r.written {
		r.WriteHeader(http.StatusOK)
	}
	return r.body.Write(b)
}

func (r *recorder) headerWritten() bool { return r.written }

// Flush is a no-op: the response is held until the transaction commits.
func (r *recorder) Flush() {}

// SetReadDeadline and SetWriteDeadline reach the real connection through
// http.ResponseController.
func (r *recorder) SetReadDeadline(t time.Time) error {
	if r.rc == nil {
		return http.ErrNotSupported
	}
	return r.rc.SetReadDeadline(t)
}

func (r *recorder) SetWriteDeadline(t time.Time) error {
	if r.rc == nil {
		return http.ErrNotSupported
	}
	return r.rc.SetWriteDeadline(t)
}

func (r *recorder) finalHeader() http.Header {
	if r.sent != nil {
		return r.sent
	}
	return r.header
}

// copyHeader makes w's headers those the handler left.
func (r *recorder) copyHeader(w http.ResponseWriter) {
	h := r.finalHeader()
	dst := w.Header()
	for k := range dst {
		if _, ok := h[k]; !ok {
			delete(dst, k)
		}
	}
	for k, v := range h {
		dst[k] = v
	}
}

func (r *recorder) flush(w http.ResponseWriter) {
	r.copyHeader(w)
	w.WriteHeader(r.status)
	if r.body.Len() > 0 {
		_, _ = w.Write(r.body.Bytes())
	}
}

// ServeHTTP routes r, answering unmatched requests with problem+json 404 or
// 405 (keeping Allow) instead of the mux's plain text.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := rt.mux.Handler(r); pattern != "" {
		setRoutePattern(r, pattern)
		// ServeHTTP, not the handler mux.Handler returned: only ServeHTTP
		// sets r.Pattern and the path values that r.PathValue reads.
		rt.mux.ServeHTTP(w, r)
		return
	}
	rec := newRecorder(w.Header())
	rt.mux.ServeHTTP(rec, r)
	switch {
	case rec.status == http.StatusMethodNotAllowed:
		WriteError(w, r, &problem.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Allow: rec.header.Get("Allow"), Params: []any{"method", r.Method}})
	case rec.status >= 300 && rec.status < 400:
		// The mux redirects to a cleaned path.
		rec.flush(w)
	default:
		WriteError(w, r, &problem.Error{Status: http.StatusNotFound, Code: "route_not_found",
			Params: []any{"path", r.URL.Path}})
	}
}
