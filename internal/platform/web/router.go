package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
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
	// Request and Response are zero values of the body types, for the
	// OpenAPI document.
	Request  any
	Response any
	Status   int
	// Stream routes read their own body (bulk ingest, EDI) and manage their
	// own transactions; everything else that writes runs in one transaction.
	Stream  bool
	MaxBody int64
	// Page routes belong to the console: an unauthenticated caller is sent
	// to the sign-in page instead of getting a 401.
	Page    bool
	Handler H
}

// Caller is whoever the authenticator recognised.
type Caller interface {
	// PrincipalID identifies the credential (user or API key); idempotency
	// keys are scoped to it.
	PrincipalID() string
}

// Authenticator identifies and authorises callers. It lives in the identity
// layer; the router only asks it.
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
	routes []Route
	auth   Authenticator
	db     *db.DB
	// SignInPath is where page routes send unauthenticated callers.
	SignInPath string
}

// NewRouter returns an empty route table.
func NewRouter(store *db.DB, auth Authenticator) *Router {
	return &Router{mux: http.NewServeMux(), auth: auth, db: store, SignInPath: "/login"}
}

// Routes returns the registered routes sorted by path then method.
func (rt *Router) Routes() []Route {
	out := append([]Route(nil), rt.routes...)
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
	rt.routes = append(rt.routes, r)
	rt.mux.Handle(r.Method+" "+r.Path, rt.wrap(r))
}

// Mount registers a raw handler under a pattern without the pipeline
// (static assets, health checks); pattern must be a public path.
func (rt *Router) Mount(pattern string, h http.Handler) {
	rt.mux.Handle(pattern, h)
}

func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
}

func (rt *Router) wrap(route Route) http.Handler {
	return H(func(w http.ResponseWriter, r *http.Request) error {
		var caller Caller
		if !route.Public {
			ctx, c, err := rt.auth.Authenticate(r)
			if err != nil {
				if route.Page && errors.Is(err, problem.ErrUnauthenticated) {
					http.Redirect(w, r, rt.SignInPath+"?next="+urlEscape(r.URL.RequestURI()), http.StatusSeeOther)
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
		r.Body = http.MaxBytesReader(w, r.Body, route.MaxBody)
		if !isWrite(r.Method) || route.Stream || rt.db == nil {
			return route.Handler(w, r)
		}
		return rt.serveWrite(w, r, route, caller)
	})
}

// serveWrite runs a writing handler in one transaction: its changes, their
// audit records and the idempotency record commit together or not at all.
// The body is read before the transaction starts so a slow client never
// holds the writer.
func (rt *Router) serveWrite(w http.ResponseWriter, r *http.Request, route Route, caller Caller) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &problem.Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
				Params: []any{"limit", mbe.Limit}}
		}
		return fmt.Errorf("web: read body: %w", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))

	key := r.Header.Get("Idempotency-Key")
	principal := ""
	if caller != nil {
		principal = caller.PrincipalID()
	}
	var fingerprint string
	if key != "" && principal != "" {
		if len(key) > 255 {
			return problem.Invalid(problem.Field{Field: "Idempotency-Key", Code: "max_length", Params: []any{"max", 255}})
		}
		sum := sha256.Sum256([]byte(r.Method + "\n" + r.URL.RequestURI() + "\n" + string(body)))
		fingerprint = hex.EncodeToString(sum[:])
		replayed, err := rt.replay(w, r, principal, key, fingerprint)
		if replayed || err != nil {
			return err
		}
	}

	ctx, tx, err := rt.db.Begin(r.Context())
	if err != nil {
		return err
	}
	rec := newRecorder()
	herr := route.Handler(rec, r.WithContext(ctx))
	var keep *keepWrites
	if herr != nil && !errors.As(herr, &keep) {
		_ = tx.Rollback()
		return herr
	}
	if herr == nil && fingerprint != "" && rec.status < 500 {
		_, err := rt.db.Q(ctx).ExecContext(ctx, `INSERT INTO idempotency_keys
			(principal, key, fingerprint, status, content_type, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			principal, key, fingerprint, rec.status, rec.Header().Get("Content-Type"), rec.body.Bytes(), time.Now().UTC())
		if err != nil {
			_ = tx.Rollback()
			if db.IsUnique(err) {
				return problem.Conflict("idempotency_in_progress")
			}
			return fmt.Errorf("web: store idempotency key: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("web: commit: %w", err)
	}
	if keep != nil {
		return keep.err
	}
	rec.flush(w)
	return nil
}

func (rt *Router) replay(w http.ResponseWriter, r *http.Request, principal, key, fingerprint string) (bool, error) {
	var (
		fp, ctype string
		status    int
		body      []byte
	)
	err := rt.db.Q(r.Context()).QueryRowContext(r.Context(), `SELECT fingerprint, status, content_type, body
		FROM idempotency_keys WHERE principal = $1 AND key = $2`, principal, key).Scan(&fp, &status, &ctype, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("web: read idempotency key: %w", err)
	}
	if fp != fingerprint {
		return true, &problem.Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused",
			Fields: []problem.Field{{Field: "Idempotency-Key", Code: "reused"}}}
	}
	if ctype != "" {
		w.Header().Set("Content-Type", ctype)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(status)
	_, err = w.Write(body)
	return true, err
}

// keepWrites marks an error whose transaction must still commit: a failed
// sign-in is refused, yet its audit record and strike count must stay.
type keepWrites struct{ err error }

func (k *keepWrites) Error() string { return k.err.Error() }
func (k *keepWrites) Unwrap() error { return k.err }

// KeepWrites returns err marked so that the request's transaction commits
// before err is rendered.
func KeepWrites(err error) error { return &keepWrites{err: err} }

// recorder buffers a response until the transaction has committed.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}, status: http.StatusOK} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int)   { r.status = s }
func (r *recorder) Write(b []byte) (int, error) {
	return r.body.Write(b)
}

func (r *recorder) flush(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

// ServeHTTP routes r, answering unmatched requests with problem+json 404 or
// 405 (keeping Allow) instead of the mux's plain text.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if pattern != "" {
		h.ServeHTTP(w, r)
		return
	}
	rec := newRecorder()
	h.ServeHTTP(rec, r)
	switch {
	case rec.status == http.StatusMethodNotAllowed:
		WriteError(w, r, &problem.Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
			Allow: rec.header.Get("Allow"), Params: []any{"method", r.Method}})
	case rec.status >= 300 && rec.status < 400:
		rec.flush(w)
	default:
		WriteError(w, r, &problem.Error{Status: http.StatusNotFound, Code: "route_not_found",
			Params: []any{"path", r.URL.Path}})
	}
}

func urlEscape(s string) string {
	return strings.NewReplacer("%", "%25", "&", "%26", "?", "%3F", "#", "%23", " ", "%20", "+", "%2B").Replace(s)
}
