// Package db owns the connection to the store: the embedded SQLite file by
// default or PostgreSQL when the DSN says so, the transaction-in-context
// helpers that make one request one transaction, the narrow dialect seam
// between the two engines, and the embedded, versioned migrations.
//
// It is business-free infrastructure: it never imports a domain package.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Engine names the SQL engine behind a DB.
type Engine string

const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is the store. For SQLite it keeps one writer connection (SQLite allows
// one writer at a time; queueing in Go is cheaper than busy-waiting in SQLite)
// and a pool of readers. For PostgreSQL both are the same pool.
type DB struct {
	engine Engine
	write  *sql.DB
	read   *sql.DB
	path   string // SQLite file, empty for PostgreSQL
	dsn    string
	group  *grouper   // SQLite group commit; see Group
	stmts  *stmtCache // SQLite prepared statements; see stmtCache
}

// Querier is what both *sql.DB and *sql.Tx offer.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Open connects to dsn, or to the embedded SQLite file in dataDir when dsn is
// empty. It does not migrate; call Migrate.
func Open(ctx context.Context, dataDir, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn)
	}
	path := dsn
	if path == "" || path == "sqlite" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("db: create data folder: %w", err)
		}
		path = filepath.Join(dataDir, "silkgate.db")
	}
	path = strings.TrimPrefix(path, "sqlite://")
	return openSQLite(ctx, path)
}

// sqliteDSN sets temp_store to memory because group commit (see Group)
// runs each member in a savepoint, and SQLite copies every page a savepoint
// touches into a statement journal: in a temporary file, that was the
// largest system-call cost of a small write.
func sqliteDSN(path string, readOnly bool) string {
	q := "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_time_format=sqlite&_txlock=immediate"
	if readOnly {
		q += "&_query_only=1"
	}
	return path + q
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite %s: %w", path, err)
	}
	// The store holds personal data: readable by its owner only, whatever
	// the umask. SQLite gives the -wal and -shm files the same mode.
	if err := os.Chmod(path, 0o600); err != nil && !os.IsNotExist(err) {
		w.Close()
		return nil, fmt.Errorf("db: protect %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{engine: SQLite, write: w, read: r, path: path, dsn: path, group: &grouper{},
		stmts: &stmtCache{db: w, m: map[string]*sql.Stmt{}}}, nil
}

// defaultPoolSize is the PostgreSQL pool size unless the DSN's
// pool_max_conns says otherwise: four connections per core this process
// may use, from 8 to 64. More connections than cores to run them mostly
// add contention (docs/BENCHMARKS.md, Single orders); requests hold a
// connection only from their first statement to their commit.
func defaultPoolSize() int {
	return min(64, max(8, 4*runtime.GOMAXPROCS(0)))
}

// poolSize takes pool_max_conns (the name pgxpool uses) out of dsn: pgx's
// database/sql driver would pass it to the server as a run-time parameter,
// which the server refuses.
func poolSize(dsn string) (string, int, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", 0, fmt.Errorf("db: postgres DSN: %w", err)
	}
	q := u.Query()
	v := q.Get("pool_max_conns")
	if v == "" {
		return dsn, defaultPoolSize(), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 10000 {
		return "", 0, fmt.Errorf("db: postgres DSN: pool_max_conns=%q is not a number from 1 to 10000", v)
	}
	q.Del("pool_max_conns")
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	dsn, size, err := poolSize(dsn)
	if err != nil {
		return nil, err
	}
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open postgres: %w", err)
	}
	p.SetMaxOpenConns(size)
	// Every connection may stay idle (until ConnMaxIdleTime): closing the
	// surplus after each burst would make the next burst pay for new
	// backends and re-prepare their statements.
	p.SetMaxIdleConns(size)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, fmt.Errorf("db: connect postgres: %w", err)
	}
	return &DB{engine: Postgres, write: p, read: p, dsn: dsn}, nil
}

// Engine reports which engine is behind d.
func (d *DB) Engine() Engine { return d.engine }

// Path is the SQLite file, or "" on PostgreSQL.
func (d *DB) Path() string { return d.path }

// DSN is the connection string d was opened with.
func (d *DB) DSN() string { return d.dsn }

// Close closes every pool.
func (d *DB) Close() error {
	if d.stmts != nil {
		d.stmts.close()
	}
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Ping checks that the store answers; /readyz uses it.
func (d *DB) Ping(ctx context.Context) error {
	var one int
	return d.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

type txKey struct{}

// InTx runs fn in a transaction carried by ctx. When ctx already carries one,
// fn joins it, so a service can call another service and both commit or roll
// back together. Side effects that must not happen on rollback (sending mail,
// calling partners) belong after InTx returns.
func (d *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if InTransaction(ctx) {
		return fn(ctx)
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	ctx = context.WithValue(ctx, txKey{}, tx)
	if err := fn(ctx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// Begin starts a transaction and returns a context carrying it, for callers
// (the request middleware) that decide about commit after fn-style code has
// run. The caller must call Commit or Rollback on the returned Tx.
func (d *DB) Begin(ctx context.Context) (context.Context, *sql.Tx, error) {
	if InTransaction(ctx) {
		return ctx, nil, errors.New("db: transaction already open")
	}
	tx, err := d.write.BeginTx(ctx, nil)
	if err != nil {
		return ctx, nil, fmt.Errorf("db: begin: %w", err)
	}
	return context.WithValue(ctx, txKey{}, tx), tx, nil
}

// WithoutTx returns ctx without the transaction it may carry: for work
// that a request hands on to be committed on its own (see Pristine).
func WithoutTx(ctx context.Context) context.Context {
	return context.WithValue(ctx, txKey{}, nil)
}

// InTransaction reports whether ctx carries a transaction (or a group
// membership that will join one on first use).
func InTransaction(ctx context.Context) bool {
	switch ctx.Value(txKey{}).(type) {
	case *sql.Tx, *member:
		return true
	}
	return false
}

// Tx returns the transaction ctx carries, for code that needs *sql.Tx
// itself (prepared bulk statements, the job queue's driver).
func Tx(ctx context.Context) (*sql.Tx, bool) {
	tx, err, ok := txFrom(ctx)
	return tx, ok && err == nil
}

// txFrom returns the transaction ctx carries, joining a group transaction
// on first use (see Group).
func txFrom(ctx context.Context) (*sql.Tx, error, bool) {
	switch v := ctx.Value(txKey{}).(type) {
	case *sql.Tx:
		return v, nil, true
	case *member:
		tx, err := v.tx()
		return tx, err, true
	}
	return nil, nil, false
}

// Q returns the transaction in ctx, or the read pool. Writes must run inside
// InTx: on SQLite the read pool is query-only.
func (d *DB) Q(ctx context.Context) Querier {
	if tx, err, ok := txFrom(ctx); ok {
		return d.inTx(tx, err)
	}
	return d.read
}

// W returns the transaction in ctx, or the writer, for single-statement
// writes that need no transaction of their own (counters, last-used stamps).
func (d *DB) W(ctx context.Context) Querier {
	if tx, err, ok := txFrom(ctx); ok {
		return d.inTx(tx, err)
	}
	return d.write
}

func (d *DB) inTx(tx *sql.Tx, err error) Querier {
	switch {
	case err != nil:
		return failedQuerier{err: err, read: d.read}
	case d.stmts != nil:
		return cachedTx{Tx: tx, cache: d.stmts}
	}
	return tx
}

// failedQuerier answers every call with the error that kept it from
// joining its transaction.
type failedQuerier struct {
	err  error
	read *sql.DB
}

func (f failedQuerier) ExecContext(context.Context, string, ...any) (sql.Result, error) {
	return nil, f.err
}

func (f failedQuerier) QueryContext(context.Context, string, ...any) (*sql.Rows, error) {
	return nil, f.err
}

// QueryRowContext cannot put an error of its own into a *sql.Row, so it
// asks the read pool with a context already ended: the row then fails with
// the context's error, never with data read outside the transaction.
func (f failedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return f.read.QueryRowContext(ctx, query, args...)
}

// Writer exposes the writer pool for bulk paths that manage their own
// batches and for backups.
func (d *DB) Writer() *sql.DB { return d.write }

// Collect reads every row of rows with scan and closes rows: the loop each
// list query would otherwise repeat, with its easy-to-forget rows.Err.
func Collect[T any](rows *sql.Rows, scan func(Row) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ScanString is the scan function of a one-column text result, for
// Collect.
func ScanString(r Row) (string, error) {
	var v string
	return v, r.Scan(&v)
}

// Row is what a scan function reads from: *sql.Row or *sql.Rows.
type Row interface{ Scan(dest ...any) error }
