package db

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the statement cache; queries whose text is
// built at run time (multi-row inserts, filters) could otherwise grow it
// without end. Past the bound statements are simply prepared per call.
const maxCachedStatements = 512

// stmtCache keeps SQLite statements prepared on the writer connection.
// The driver prepares a statement on every call otherwise, and parsing the
// SQL was a sixth of a small write's CPU time. PostgreSQL needs none of
// this: pgx caches prepared statements per connection itself.
//
// A statement is prepared in the background after its first use, since
// inside a transaction the writer's only connection is busy; from then on
// Tx.StmtContext reuses the connection's prepared handle.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt // nil value: preparation under way or failed
}

func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, seen := c.m[query]
	if seen || len(c.m) >= maxCachedStatements {
		return s
	}
	c.m[query] = nil
	go c.prepare(query)
	return nil
}

func (c *stmtCache) prepare(query string) {
	s, err := c.db.PrepareContext(context.Background(), query)
	if err != nil {
		return // stays nil: the statement is prepared per call, as before
	}
	c.mu.Lock()
	c.m[query] = s
	c.mu.Unlock()
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.m {
		if s != nil {
			s.Close()
		}
	}
	c.m = map[string]*sql.Stmt{}
}

// cachedTx is a SQLite transaction whose single-row statements use the
// statement cache. Multi-row queries are not cached: a prepared handle
// being read by open rows must not be reset by a second use of the same
// text.
type cachedTx struct {
	*sql.Tx
	cache *stmtCache
}

func (t cachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.cache.get(query); s != nil {
		return t.Tx.StmtContext(ctx, s).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t cachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.cache.get(query); s != nil {
		return t.Tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}
