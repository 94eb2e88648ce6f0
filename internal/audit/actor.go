package audit

import "context"

// Actor is who did something: set once per request by the identity layer,
// read by Record.
type Actor struct {
	ID       string // user id, API key id, or "system"
	Type     string // "user", "apikey", "system", "anonymous"
	Email    string
	TenantID string // "" for platform staff
	SourceIP string
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or an anonymous one.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{ID: "anonymous", Type: "anonymous"}
}
