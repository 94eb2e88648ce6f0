package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// Scope is the data partition a caller may see: one tenant, and within it
// either live or sandbox data. It is set once, by the authentication
// middleware, from the credential — never from request parameters.
type Scope struct {
	TenantID string
	Sandbox  bool
}

type scopeKey struct{}

// WithScope returns ctx carrying s.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ByScope groups items by their scope, keeping their order, with the
// groups in order of first appearance: for batches that hold several
// tenants' work and write each tenant's in statements of its own.
func ByScope[T any](items []T, scope func(T) Scope) [][]T {
	var (
		groups [][]T
		at     = map[Scope]int{}
	)
	for _, it := range items {
		sc := scope(it)
		k, ok := at[sc]
		if !ok {
			k = len(groups)
			at[sc] = k
			groups = append(groups, nil)
		}
		groups[k] = append(groups[k], it)
	}
	return groups
}

// ScopeFrom returns the scope in ctx.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok && s.TenantID != ""
}

// ErrNoScope is returned when tenant-owned data is touched without a tenant
// scope: the code path is a bug, and failing closed keeps it from leaking.
var ErrNoScope = errors.New("db: no tenant scope in context")

// Tenanted runs queries on tenant-owned tables. It is the one place tenant
// isolation is enforced: it binds the caller's tenant as $1 and the sandbox
// flag as $2 ahead of the caller's own arguments, and refuses any statement
// that does not constrain both. Store code therefore cannot forget the
// predicate, and cannot supply someone else's tenant.
type Tenanted struct {
	q     Querier
	scope Scope
}

// Tenant returns a Tenanted querier for the scope in ctx (joining the
// transaction in ctx when there is one).
func (d *DB) Tenant(ctx context.Context) (Tenanted, error) {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return Tenanted{}, ErrNoScope
	}
	return Tenanted{q: d.W(ctx), scope: s}, nil
}

// TenantRead is Tenant for read-only use: outside a transaction it reads
// from the read pool.
func (d *DB) TenantRead(ctx context.Context) (Tenanted, error) {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return Tenanted{}, ErrNoScope
	}
	return Tenanted{q: d.Q(ctx), scope: s}, nil
}

// Scope is the partition t is bound to.
func (t Tenanted) Scope() Scope { return t.scope }

func (t Tenanted) check(query string) error {
	if !strings.Contains(query, "tenant_id") || !strings.Contains(query, "$1") ||
		!strings.Contains(query, "sandbox") || !strings.Contains(query, "$2") {
		return fmt.Errorf("db: tenant-owned statement must bind tenant_id to $1 and sandbox to $2: %.80s", query)
	}
	return nil
}

func (t Tenanted) args(args []any) []any {
	return append([]any{t.scope.TenantID, t.scope.Sandbox}, args...)
}

// ExecContext runs a statement; args start at $3.
func (t Tenanted) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.check(query); err != nil {
		return nil, err
	}
	return t.q.ExecContext(ctx, query, t.args(args)...)
}

// QueryContext runs a query; args start at $3.
func (t Tenanted) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.check(query); err != nil {
		return nil, err
	}
	return t.q.QueryContext(ctx, query, t.args(args)...)
}

// QueryRowContext runs a single-row query; args start at $3. A statement
// that fails the scope check yields a row whose Scan returns the error.
func (t Tenanted) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if err := t.check(query); err != nil {
		// Re-issue as a query guaranteed to fail so the error surfaces at Scan.
		return t.q.QueryRowContext(ctx, "SELECT tenant_scope_violation FROM tenant_scope_violation")
	}
	return t.q.QueryRowContext(ctx, query, t.args(args)...)
}
