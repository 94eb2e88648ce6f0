// Package web is Silkgate's HTTP toolkit, free of business rules: the
// error-returning handler type, the route table (every route declares the
// permission it needs), the request pipeline (request ids, language,
// logging, panics, size limits, one transaction per write, idempotency),
// JSON/XML decoding and encoding by content negotiation, cursor pages,
// problem+json rendering of every error — including the mux's own 404/405 —
// and the OpenAPI 3.1 document and HTML API reference generated from the
// route table (openapi.go, docs.go).
package web

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/silkgate/silkgate/internal/platform/i18n"
)

// H is a handler that returns its error instead of writing it, so error
// rendering happens in exactly one place.
type H func(w http.ResponseWriter, r *http.Request) error

func (h H) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		WriteError(w, r, err)
	}
}

// Env is what the pipeline needs to render and log; it rides in the request
// context so helpers deep in a handler can reach it without globals.
type Env struct {
	Log     *slog.Logger
	Catalog *i18n.Catalog
}

type envKey struct{}

// WithEnv returns ctx carrying env.
func WithEnv(ctx context.Context, env *Env) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

// EnvFrom returns the Env in ctx (a silent default outside a request).
func EnvFrom(ctx context.Context) *Env {
	if e, ok := ctx.Value(envKey{}).(*Env); ok {
		return e
	}
	return &Env{Log: slog.New(slog.DiscardHandler)}
}

type ridKey struct{}

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(ridKey{}).(string)
	return s
}

// WithRequestID returns ctx carrying id (for jobs and CLI commands that act
// outside a request but still write audit records).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ridKey{}, id)
}
