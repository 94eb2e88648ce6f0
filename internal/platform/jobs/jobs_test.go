package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/db/dbtest"
	"github.com/silkgate/silkgate/internal/platform/jobs"
)

type noteArgs struct {
	N int `json:"n"`
}

func (noteArgs) Kind() string { return "test_note" }

func open(t *testing.T, d *db.DB) *jobs.Queue { return openN(t, d, 4) }

// openN returns a queue over d whose default queue has n workers.
func openN(t *testing.T, d *db.DB, n int) *jobs.Queue {
	t.Helper()
	if err := jobs.Migrate(context.Background(), d, nil); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(d, jobs.Config{PollInterval: 20 * time.Millisecond, FastStart: true,
		Queues:     map[string]int{jobs.DefaultQueue: n},
		JobTimeout: 5 * time.Second, RescueAfter: time.Minute, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func start(t *testing.T, q *jobs.Queue) {
	t.Helper()
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Shutdown(context.Background()) })
}

// seen records the job numbers handled, in a goroutine-safe way.
type seen struct {
	mu sync.Mutex
	ns map[int]int
}

func (s *seen) add(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ns == nil {
		s.ns = map[int]int{}
	}
	s.ns[n]++
}

func (s *seen) count(n int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ns[n]
}

func (s *seen) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ns)
}

func waitFor(t *testing.T, what string, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEnqueueCommitsWithTheTransaction: a job enqueued in a transaction
// that rolls back never runs; one whose transaction commits does.
func TestEnqueueCommitsWithTheTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := open(t, d)
		var s seen
		jobs.Handle(q, 0, func(ctx context.Context, j *jobs.Job[noteArgs]) error {
			s.add(j.Args.N)
			return nil
		})
		errRollback := errors.New("roll back")
		err := d.InTx(ctx, func(ctx context.Context) error {
			if _, err := q.Enqueue(ctx, noteArgs{N: 1}, nil); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if err := d.InTx(ctx, func(ctx context.Context) error {
			_, err := q.Enqueue(ctx, noteArgs{N: 2}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		start(t, q)
		waitFor(t, "job 2", 10*time.Second, func() bool { return s.count(2) == 1 })
		time.Sleep(200 * time.Millisecond)
		if s.count(1) != 0 {
			t.Error("a job enqueued in a rolled-back transaction ran")
		}
	})
}

// TestRetriesAfterErrorAndPanic: a failing or panicking handler is retried
// and its job completes on a later attempt; Snooze runs it again without
// counting an attempt.
func TestRetriesAfterErrorAndPanic(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := open(t, d)
		var s seen
		var attempts sync.Map
		jobs.Handle(q, 0, func(ctx context.Context, j *jobs.Job[noteArgs]) error {
			n, _ := attempts.LoadOrStore(j.ID, new(atomic.Int32))
			k := n.(*atomic.Int32).Add(1)
			switch {
			case j.Args.N == 1 && k == 1:
				return errors.New("receiver down")
			case j.Args.N == 2 && k == 1:
				panic("handler bug")
			case j.Args.N == 3 && k < 3:
				if j.Attempt != 1 {
					t.Errorf("snoozed job at attempt %d, want 1", j.Attempt)
				}
				return jobs.Snooze(10 * time.Millisecond)
			}
			s.add(j.Args.N)
			return nil
		})
		for n := 1; n <= 3; n++ {
			if _, err := q.Enqueue(ctx, noteArgs{N: n}, nil); err != nil {
				t.Fatal(err)
			}
		}
		start(t, q)
		waitFor(t, "every job", 20*time.Second, func() bool { return s.total() == 3 })
	})
}

// TestJobsSurviveRestart: jobs enqueued while no worker runs, or left
// waiting when one stops, are done by a worker started later on the same
// store — including after the store was closed and opened again.
func TestJobsSurviveRestart(t *testing.T) {
	for _, e := range dbtest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			dsn, dir := dbtest.DSN(t, e)
			d1, err := db.Open(ctx, dir, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := d1.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			q1 := openN(t, d1, 1)
			release := make(chan struct{})
			var s1 seen
			jobs.Handle(q1, 0, func(ctx context.Context, j *jobs.Job[noteArgs]) error {
				if j.Args.N == 0 {
					<-release // keeps the one worker busy
				}
				s1.add(j.Args.N)
				return nil
			})
			for n := 0; n < 20; n++ {
				if _, err := q1.Enqueue(ctx, noteArgs{N: n}, nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := q1.Start(ctx); err != nil {
				t.Fatal(err)
			}
			// Stop while job 0 holds the only worker and the others wait:
			// Shutdown waits for the running one and leaves the rest.
			time.Sleep(300 * time.Millisecond)
			done := make(chan error, 1)
			go func() { done <- q1.Shutdown(ctx) }()
			time.Sleep(50 * time.Millisecond)
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if s1.count(0) != 1 {
				t.Errorf("job 0 handled %d times before shutdown returned, want 1", s1.count(0))
			}
			handled := s1.total()
			if handled >= 20 {
				t.Fatal("every job ran before the restart; the test proves nothing")
			}
			d1.Close()

			d2, err := db.Open(ctx, dir, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d2.Close() })
			q2 := open(t, d2)
			var s2 seen
			jobs.Handle(q2, 0, func(ctx context.Context, j *jobs.Job[noteArgs]) error {
				s2.add(j.Args.N)
				return nil
			})
			start(t, q2)
			waitFor(t, "the rest", 20*time.Second, func() bool { return handled+s2.total() >= 20 })
			for n := 0; n < 20; n++ {
				if s1.count(n)+s2.count(n) == 0 {
					t.Errorf("job %d never ran", n)
				}
			}
		})
	}
}

// TestShutdownWaitsForRunningJobs: Shutdown returns only after a running
// handler has finished.
func TestShutdownWaitsForRunningJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := open(t, d)
		started := make(chan struct{})
		var finished atomic.Bool
		jobs.Handle(q, 0, func(ctx context.Context, j *jobs.Job[noteArgs]) error {
			close(started)
			time.Sleep(300 * time.Millisecond)
			finished.Store(true)
			return nil
		})
		if _, err := q.Enqueue(ctx, noteArgs{N: 1}, nil); err != nil {
			t.Fatal(err)
		}
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		<-started
		if err := q.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		if !finished.Load() {
			t.Error("Shutdown returned while a job was still running")
		}
	})
}
