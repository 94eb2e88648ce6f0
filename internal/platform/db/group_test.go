package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
)

func TestGroupCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Writer().ExecContext(ctx, `CREATE TABLE grp (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		const n = 60
		boom := errors.New("boom")
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		// The shared-transaction cases only exist where transactions are
		// shared; on PostgreSQL each member has its own.
		shared := d.Engine() == db.SQLite
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := ctx
				if i == 7 && shared {
					// A caller that has gone away must not break the
					// members it shares a transaction with.
					c = cancelled
				}
				errs[i] = d.Group(c, func(ctx context.Context) error {
					if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO grp (id, v) VALUES ($1, $2)`, i, fmt.Sprint("row ", i)); err != nil {
						return err
					}
					time.Sleep(time.Millisecond) // let others queue up behind
					if i%10 == 3 {
						return boom // its own row is undone, nobody else's
					}
					if i == 11 && shared {
						// A duplicate key fails one statement, not the group.
						if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO grp (id, v) VALUES ($1, 'dup')`, i); err == nil {
							return errors.New("duplicate accepted")
						}
					}
					return nil
				})
			}()
		}
		wg.Wait()
		want := 0
		for i, err := range errs {
			switch {
			case i%10 == 3:
				if !errors.Is(err, boom) {
					t.Errorf("member %d: err = %v, want boom", i, err)
				}
			case err != nil:
				t.Errorf("member %d: %v", i, err)
			default:
				want++
			}
		}
		var got int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM grp WHERE id % 10 <> 3`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		var failed int
		if err := d.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM grp WHERE id % 10 = 3`).Scan(&failed); err != nil {
			t.Fatal(err)
		}
		if got != want || failed != 0 {
			t.Fatalf("rows kept = %d (want %d), failed members' rows = %d", got, want, failed)
		}
		if d.Engine() == db.SQLite {
			commits, members := d.GroupStats()
			if members != n || commits >= members {
				t.Fatalf("commits = %d for %d members: no grouping", commits, members)
			}
			t.Logf("%d members in %d commits", members, commits)
		}
	})
}

func TestGroupPanicSettlesTheGroup(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if _, err := d.Writer().ExecContext(ctx, `CREATE TABLE grp (id INTEGER PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("panic swallowed")
				}
			}()
			_ = d.Group(ctx, func(ctx context.Context) error {
				_, _ = d.Q(ctx).ExecContext(ctx, `INSERT INTO grp (id) VALUES (1)`)
				panic("handler bug")
			})
		}()
		// The writer is free again and the panicking member left nothing.
		if err := d.Group(ctx, func(ctx context.Context) error {
			_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO grp (id) VALUES (2)`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var ids []int
		rows, err := d.Q(ctx).QueryContext(ctx, `SELECT id FROM grp ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		ids, err = db.Collect(rows, func(r db.Row) (int, error) { var id int; return id, r.Scan(&id) })
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids) != "[2]" {
			t.Fatalf("rows = %v, want [2]", ids)
		}
	})
}

// TestGroupStartsAtFirstUse shows that a Group's transaction begins with
// its first statement: until then the caller is Pristine and may hand its
// write to a transaction of its own, and a Group that never touches the
// store commits nothing (and holds no connection).
func TestGroupStartsAtFirstUse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		dbtest.MustExec(t, d, `CREATE TABLE lazy (id INTEGER PRIMARY KEY)`)
		count := func() int {
			var n int
			if err := d.Q(ctx).QueryRowContext(ctx, `SELECT count(*) FROM lazy`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if db.Pristine(ctx) {
			t.Error("a context without a Group is Pristine")
		}
		err := d.Group(ctx, func(ctx context.Context) error {
			if !db.Pristine(ctx) {
				t.Error("a new Group is not Pristine")
			}
			// Committed on its own, outside the request's transaction.
			if err := d.InTx(db.WithoutTx(ctx), func(ctx context.Context) error {
				_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO lazy (id) VALUES (1)`)
				return err
			}); err != nil {
				return err
			}
			if !db.Pristine(ctx) {
				t.Error("a write through WithoutTx started the Group's transaction")
			}
			return nil
		})
		if err != nil || count() != 1 {
			t.Fatalf("hand-off: err %v, rows %d", err, count())
		}

		boom := errors.New("boom")
		err = d.Group(ctx, func(ctx context.Context) error {
			if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO lazy (id) VALUES (2)`); err != nil {
				return err
			}
			if db.Pristine(ctx) {
				t.Error("still Pristine after a write")
			}
			return boom
		})
		if !errors.Is(err, boom) || count() != 1 {
			t.Fatalf("failed Group: err %v, rows %d (its row must be undone)", err, count())
		}

		var late context.Context
		if err := d.Group(ctx, func(ctx context.Context) error {
			late = ctx
			_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO lazy (id) VALUES (3)`)
			return err
		}); err != nil || count() != 2 {
			t.Fatalf("committed Group: err %v, rows %d", err, count())
		}
		if _, err := d.Q(late).ExecContext(ctx, `INSERT INTO lazy (id) VALUES (4)`); err == nil || count() != 2 {
			t.Errorf("a Group's context used after it ended wrote: err %v, rows %d", err, count())
		}

		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic was swallowed")
				}
			}()
			_ = d.Group(ctx, func(ctx context.Context) error {
				if _, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO lazy (id) VALUES (5)`); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if count() != 2 {
			t.Errorf("a panicking Group's row was kept: rows %d", count())
		}
		// The connection went back to the pool: a further Group works.
		if err := d.Group(ctx, func(ctx context.Context) error {
			_, err := d.Q(ctx).ExecContext(ctx, `INSERT INTO lazy (id) VALUES (6)`)
			return err
		}); err != nil || count() != 3 {
			t.Fatalf("Group after a panic: err %v, rows %d", err, count())
		}
	})
}
