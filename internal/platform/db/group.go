package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit bounds: a group commits when nobody else is waiting to join
// it, or when it has this many members or is this old, so a steady stream
// of writers cannot hold one transaction open indefinitely.
const (
	groupMaxMembers = 128
	groupMaxAge     = 20 * time.Millisecond
)

// ErrGroupAborted is returned to every member of a group whose shared
// transaction could not be committed or rolled back to a member's
// savepoint. None of the group's changes were kept.
var ErrGroupAborted = errors.New("db: group commit aborted")

// grouper serialises writers into shared SQLite transactions. SQLite has a
// single writer and each COMMIT appends and syncs the WAL, so with many
// small concurrent writes the commit, not the work, is the bottleneck.
// Each member runs inside its own SAVEPOINT of the group's transaction: a
// member that fails rolls back only its own changes, and every member
// learns its outcome only after the group's COMMIT, so nothing is
// acknowledged before it is durable.
type grouper struct {
	mu      sync.Mutex // held while one member runs; guards cur
	waiting atomic.Int32
	cur     *txGroup

	commits, members atomic.Int64
}

// GroupStats reports how many group transactions have committed and how
// many members they carried; their ratio is the batching achieved.
func (d *DB) GroupStats() (commits, members int64) {
	if d.group == nil {
		return 0, 0
	}
	return d.group.commits.Load(), d.group.members.Load()
}

type txGroup struct {
	tx      *sql.Tx
	started time.Time
	members int
	done    chan struct{}
	err     error // set before done is closed
}

// Group runs fn in a transaction carried by ctx and returns once that
// transaction has committed. On SQLite, concurrent callers share one
// transaction (group commit), each isolated by a savepoint: fn's error
// rolls back fn's changes only. On PostgreSQL, which commits concurrent
// transactions in parallel, fn has a transaction of its own. When ctx
// already carries a transaction fn joins it.
//
// The transaction starts lazily, at fn's first use of the store (Q, W,
// Tx): whatever fn computes before — decoding, validating, encoding —
// holds neither SQLite's single writer nor a PostgreSQL connection. A fn
// that never touches the store commits nothing, and one that hands its
// whole write to a batched writer may do so while its own transaction is
// still unused (see Pristine).
//
// fn must not use the writer outside ctx's transaction, nor wait for
// another writer: on SQLite the group holds the only write connection.
func (d *DB) Group(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if InTransaction(ctx) {
		return fn(ctx)
	}
	if d.engine != SQLite {
		return d.solo(ctx, fn)
	}
	// fn's context does not carry the caller's cancellation: interrupting a
	// SQLite statement inside a transaction rolls back the whole
	// transaction, which here is every member's.
	m := &member{d: d}
	var (
		fnErr    error
		panicked any
	)
	func() {
		defer func() { panicked = recover() }()
		fnErr = fn(context.WithValue(context.WithoutCancel(ctx), txKey{}, m))
	}()
	// A panic is re-raised only once the group is settled, so the lock and
	// the shared transaction never leak.
	defer func() {
		if panicked != nil {
			panic(panicked)
		}
	}()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.grp == nil {
		// Never joined (or could not): nothing to commit.
		return fnErr
	}
	g, grp := d.group, m.grp
	m.grp = nil // the member is over; a late use of its context fails
	m.err = errMemberDone

	if broken := finish(grp.tx, fnErr != nil || panicked != nil); broken != nil {
		// The transaction is in an unknown state: give up on the whole
		// group rather than commit something half-undone.
		g.abort(grp, broken)
		g.mu.Unlock()
		return grp.err
	}
	if g.waiting.Load() == 0 || grp.members >= groupMaxMembers || time.Since(grp.started) >= groupMaxAge {
		g.cur = nil
		if err := grp.tx.Commit(); err != nil {
			grp.err = fmt.Errorf("%w: commit: %w", ErrGroupAborted, err)
		} else {
			g.commits.Add(1)
			g.members.Add(int64(grp.members))
		}
		close(grp.done)
		g.mu.Unlock()
	} else {
		// The next waiter joins this transaction; the last member of the
		// group commits it.
		g.mu.Unlock()
		<-grp.done
	}
	if grp.err != nil {
		return grp.err
	}
	return fnErr
}

var errMemberDone = errors.New("db: transaction already finished")

// solo is Group on PostgreSQL: a transaction of fn's own, begun at fn's
// first use of the store and bound to ctx like InTx's.
func (d *DB) solo(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	m := &member{d: d, ctx: ctx}
	defer func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		tx := m.own
		m.own, m.err = nil, errMemberDone
		switch {
		case tx == nil:
		case err != nil:
			_ = tx.Rollback()
		default:
			if cerr := tx.Commit(); cerr != nil {
				err = fmt.Errorf("db: commit: %w", cerr)
			}
		}
	}()
	defer func() {
		if p := recover(); p != nil {
			m.mu.Lock()
			if m.own != nil {
				_ = m.own.Rollback()
				m.own = nil
			}
			m.mu.Unlock()
			panic(p)
		}
	}()
	return fn(context.WithValue(ctx, txKey{}, m))
}

// Pristine reports whether ctx carries a Group transaction that has not
// started: nothing has been read or written through it yet. A caller whose
// whole write is still to come may then commit that write in a transaction
// of its own — batched with other callers' — and leave ctx's unused, with
// the same all-or-nothing outcome for its request.
func Pristine(ctx context.Context) bool {
	m, ok := ctx.Value(txKey{}).(*member)
	if !ok {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.grp == nil && m.own == nil && m.err == nil
}

// member is one Group caller's share of a group transaction (SQLite), or
// its own lazily begun transaction (PostgreSQL).
type member struct {
	d   *DB
	mu  sync.Mutex
	grp *txGroup // set once joined, while the member runs
	err error    // why the member could not join
	// ctx and own: PostgreSQL only.
	ctx context.Context
	own *sql.Tx
}

// tx joins the current group (opening one if there is none) on first use
// and returns its transaction. While joined the member holds the group
// lock. On PostgreSQL it begins the member's own transaction.
func (m *member) tx() (*sql.Tx, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.grp != nil {
		return m.grp.tx, nil
	}
	if m.own != nil {
		return m.own, nil
	}
	if m.err != nil {
		return nil, m.err
	}
	if m.ctx != nil {
		tx, err := m.d.write.BeginTx(m.ctx, nil)
		if err != nil {
			m.err = fmt.Errorf("db: begin: %w", err)
			return nil, m.err
		}
		m.own = tx
		return tx, nil
	}
	g := m.d.group
	g.waiting.Add(1)
	g.mu.Lock()
	g.waiting.Add(-1)
	grp := g.cur
	if grp == nil {
		tx, err := m.d.write.BeginTx(context.Background(), nil)
		if err != nil {
			g.mu.Unlock()
			m.err = fmt.Errorf("db: begin: %w", err)
			return nil, m.err
		}
		grp = &txGroup{tx: tx, started: time.Now(), done: make(chan struct{})}
		g.cur = grp
	}
	if _, err := grp.tx.Exec("SAVEPOINT member"); err != nil {
		g.abort(grp, err)
		g.mu.Unlock()
		m.err = grp.err
		return nil, m.err
	}
	grp.members++
	m.grp = grp
	return grp.tx, nil
}

// finish ends a member's savepoint, undoing its changes when failed. It
// reports an error that leaves the group's transaction unusable.
func finish(tx *sql.Tx, failed bool) error {
	if failed {
		if _, err := tx.Exec("ROLLBACK TO member"); err != nil {
			return err
		}
	}
	_, err := tx.Exec("RELEASE member")
	return err
}

// abort rolls back grp and fails all its members. The caller holds g.mu.
func (g *grouper) abort(grp *txGroup, cause error) {
	if g.cur == grp {
		g.cur = nil
	}
	_ = grp.tx.Rollback()
	grp.err = fmt.Errorf("%w: %w", ErrGroupAborted, cause)
	close(grp.done)
}
