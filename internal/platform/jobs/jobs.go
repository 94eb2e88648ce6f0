package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/silkgate/silkgate/internal/platform/db"
)

// Args is a job's payload: a JSON-serialisable value whose Kind names its
// handler. Kinds are snake_case, domain first ("webhook_deliver").
type Args = river.JobArgs

// Job is a job being worked: its id, attempt number and decoded Args.
type Job[A Args] = river.Job[A]

// InsertOpts tune one enqueue: its queue, when it may run, its maximum
// attempts, uniqueness.
type InsertOpts = river.InsertOpts

// DefaultQueue is the queue of jobs whose InsertOpts name none.
const DefaultQueue = river.QueueDefault

// Config tunes a Queue. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	// Queues maps each queue this process works to its number of workers,
	// which bounds how many of its jobs run at once. DefaultQueue gets 4
	// workers unless it is listed.
	Queues map[string]int
	// PollInterval is how often idle workers look for new jobs (1 s).
	PollInterval time.Duration
	// JobTimeout cancels a handler's context after this long, unless its
	// kind sets its own (5 min).
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken
	// for abandoned (its process died) and run again (15 min). It must
	// exceed every job's timeout.
	RescueAfter time.Duration
	// StopTimeout is how long Shutdown waits for running jobs before it
	// cancels them (25 s).
	StopTimeout time.Duration
	// Decorate, when set, prepares the context each job runs with (the
	// actor its audit records name, a request id for its logs).
	Decorate func(ctx context.Context, kind string, id int64) context.Context
	// FastStart skips the jittered start-up delays of River's maintenance
	// services; for tests.
	FastStart bool
}

// Queue is the job queue over one store. It is safe for concurrent use.
// Register every handler (Handle, Every) before Start.
type Queue struct {
	db      *db.DB
	client  *river.Client[*sql.Tx]
	workers *river.Workers
	cfg     Config
	log     *slog.Logger

	mu      sync.Mutex
	started bool
}

// driver returns the River driver for d's engine, over the writer pool:
// on SQLite that is the single writer connection River's documentation
// asks for; on PostgreSQL it is the whole pool.
func driver(d *db.DB) riverdriver.Driver[*sql.Tx] {
	if d.Engine() == db.SQLite {
		return riversqlite.New(d.Writer())
	}
	return riverdatabasesql.New(d.Writer())
}

// Migrate brings River's tables in d up to date. It runs River's own
// migrator, each step in its own transaction, so it must not be called
// inside a transaction.
func Migrate(ctx context.Context, d *db.DB, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, err := rivermigrate.New(driver(d), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// New returns the queue stored in d, which must be migrated (Migrate). It
// can enqueue at once; it works jobs only after Start.
func New(d *db.DB, cfg Config) (*Queue, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 5 * time.Minute
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = 15 * time.Minute
	}
	if cfg.RescueAfter <= cfg.JobTimeout {
		return nil, fmt.Errorf("jobs: RescueAfter (%s) must exceed JobTimeout (%s)", cfg.RescueAfter, cfg.JobTimeout)
	}
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = 25 * time.Second
	}
	queues := map[string]river.QueueConfig{DefaultQueue: {MaxWorkers: 4}}
	for name, n := range cfg.Queues {
		if n < 1 {
			return nil, fmt.Errorf("jobs: queue %q needs at least one worker", name)
		}
		queues[name] = river.QueueConfig{MaxWorkers: n}
	}
	q := &Queue{db: d, workers: river.NewWorkers(), cfg: cfg, log: cfg.Log}
	rc := &river.Config{
		Queues:            queues,
		Workers:           q.workers,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(100*time.Millisecond, cfg.PollInterval),
		JobTimeout:        cfg.JobTimeout,
		// Rescue must not run a job twice while its first run is still
		// within its timeout.
		RescueStuckJobsAfter: cfg.RescueAfter,
		SoftStopTimeout:      cfg.StopTimeout,
		// River logs through ours: the command line keeps stdout for its
		// JSON answers.
		Logger:   cfg.Log,
		TestOnly: cfg.FastStart,
		// Completed jobs are kept a day for inspection, failed ones a week;
		// domains keep their own history (webhook deliveries) where it
		// matters for longer.
		CompletedJobRetentionPeriod: 24 * time.Hour,
		DiscardedJobRetentionPeriod: 7 * 24 * time.Hour,
	}
	if cfg.Decorate != nil {
		rc.Middleware = []rivertype.Middleware{&decorator{fn: cfg.Decorate}}
	}
	c, err := river.NewClient(driver(d), rc)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	q.client = c
	return q, nil
}

// Handle registers fn as the handler of jobs with A's kind. timeout, when
// positive, replaces Config.JobTimeout for this kind. It panics when the
// kind is registered twice (a programming error found by the first test
// that builds the app).
func Handle[A Args](q *Queue, timeout time.Duration, fn func(ctx context.Context, job *Job[A]) error) {
	river.AddWorker(q.workers, &worker[A]{fn: fn, timeout: timeout})
}

type worker[A Args] struct {
	river.WorkerDefaults[A]
	fn      func(ctx context.Context, job *Job[A]) error
	timeout time.Duration
}

func (w *worker[A]) Work(ctx context.Context, job *Job[A]) error { return w.fn(ctx, job) }

func (w *worker[A]) Timeout(*Job[A]) time.Duration { return w.timeout }

// decorator gives every job the context Config.Decorate prepares.
type decorator struct {
	river.MiddlewareDefaults
	fn func(ctx context.Context, kind string, id int64) context.Context
}

func (d *decorator) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	return doInner(d.fn(ctx, job.Kind, job.ID))
}

// Every enqueues the job made by args every interval (and once at start),
// on whichever process currently leads. name identifies the schedule.
// Periodic jobs are a timer, not a promise: a missed tick is not caught up,
// so their handlers must do whatever has accumulated (purge everything
// older than a cut-off, not "yesterday's").
func (q *Queue) Every(name string, interval time.Duration, args func() Args) {
	q.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args(), nil },
		&river.PeriodicJobOpts{ID: name, RunOnStart: true}))
}

// tx returns the transaction in ctx; callers wrap the call in db.InTx so
// there always is one.
func (q *Queue) tx(ctx context.Context) (*sql.Tx, error) {
	tx, ok := db.Tx(ctx)
	if !ok {
		return nil, errors.New("jobs: no transaction in context")
	}
	return tx, nil
}

// Enqueue adds a job and returns its id. It joins the transaction in ctx
// (or runs one of its own), so the job becomes visible to workers only if
// and when that transaction commits.
func (q *Queue) Enqueue(ctx context.Context, args Args, opts *InsertOpts) (int64, error) {
	ids, err := q.EnqueueMany(ctx, []Args{args}, opts)
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

// EnqueueMany adds jobs in one go, in the transaction in ctx, and returns
// their ids in order. opts apply to all of them.
func (q *Queue) EnqueueMany(ctx context.Context, args []Args, opts *InsertOpts) ([]int64, error) {
	if len(args) == 0 {
		return nil, nil
	}
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a, InsertOpts: opts}
	}
	var ids []int64
	err := q.db.InTx(ctx, func(ctx context.Context) error {
		tx, err := q.tx(ctx)
		if err != nil {
			return err
		}
		res, err := q.client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return fmt.Errorf("jobs: enqueue %s: %w", args[0].Kind(), err)
		}
		ids = make([]int64, len(res))
		for i, r := range res {
			ids[i] = r.Job.ID
		}
		return nil
	})
	return ids, err
}

// RetryNow makes job id runnable now (a snoozed or scheduled job that
// someone is waiting for), in the transaction in ctx. A running job is left
// alone, a job that no longer exists is not an error.
func (q *Queue) RetryNow(ctx context.Context, id int64) error {
	return q.db.InTx(ctx, func(ctx context.Context) error {
		tx, err := q.tx(ctx)
		if err != nil {
			return err
		}
		if _, err := q.client.JobRetryTx(ctx, tx, id); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("jobs: retry %d: %w", id, err)
		}
		return nil
	})
}

// Start begins working jobs in the background until Shutdown.
func (q *Queue) Start(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.started {
		return errors.New("jobs: already started")
	}
	// The workers' lifetime is Shutdown's business, not the caller's
	// context's: cancelling that would cancel running jobs outright.
	if err := q.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	q.started = true
	return nil
}

// Shutdown stops fetching jobs and waits for the running ones to finish;
// after StopTimeout, or when ctx ends, their contexts are cancelled (a
// cancelled job runs again later). It returns once no handler is running.
func (q *Queue) Shutdown(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.started {
		return nil
	}
	q.started = false
	err := q.client.Stop(ctx)
	if err != nil && ctx.Err() != nil {
		hctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = q.client.StopAndCancel(hctx)
	}
	if err != nil {
		return fmt.Errorf("jobs: shutdown: %w", err)
	}
	return nil
}

// Run works jobs until ctx ends, then shuts down (waiting up to
// StopTimeout and ten seconds more). It is the form app uses for its
// background work.
func (q *Queue) Run(ctx context.Context) error {
	if err := q.Start(ctx); err != nil {
		return err
	}
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), q.cfg.StopTimeout+10*time.Second)
	defer cancel()
	return q.Shutdown(sctx)
}

// Snooze is returned by a handler to run the job again after d without
// counting an attempt: the job is waiting for something, not failing.
func Snooze(d time.Duration) error { return river.JobSnooze(max(d, 0)) }

// Cancel is returned by a handler to give the job up at once, recording
// err: retrying cannot help.
func Cancel(err error) error { return river.JobCancel(err) }
