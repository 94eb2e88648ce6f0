package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/orders"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Publisher records events in the caller's transaction (the outbox).
type Publisher interface {
	Publish(ctx context.Context, e events.Event) error
}

// Service runs the simulated partners.
type Service struct {
	db     *db.DB
	orders *orders.Service
	jobs   *jobs.Queue
	events Publisher
	audit  Recorder
	log    *slog.Logger
	now    func() time.Time
}

// Config tunes the service. Zero values mean the defaults.
type Config struct {
	Log *slog.Logger
	// Now is the clock (time.Now).
	Now func() time.Time
}

// New returns the sandbox service and registers its tracking job on q.
func New(d *db.DB, o *orders.Service, q *jobs.Queue, pub Publisher, rec Recorder, cfg Config) *Service {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{db: d, orders: o, jobs: q, events: pub, audit: rec, log: cfg.Log, now: cfg.Now}
	jobs.Handle(q, time.Minute, s.work)
	return s
}

// ErrSandboxOnly refuses a live credential.
var ErrSandboxOnly = problem.New(http.StatusForbidden, "sandbox_only")

// sandboxOnly checks that ctx is scoped to a sandbox data set.
func sandboxOnly(ctx context.Context) error {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return problem.ErrForbidden
	}
	if !sc.Sandbox {
		return ErrSandboxOnly
	}
	return nil
}

// InSandbox returns ctx scoped to the sandbox data set of its tenant: the
// console, signed in to live data, acts on the tenant's sandbox with it.
func InSandbox(ctx context.Context) (context.Context, error) {
	sc, ok := db.ScopeFrom(ctx)
	if !ok {
		return ctx, problem.ErrForbidden
	}
	sc.Sandbox = true
	return db.WithScope(ctx, sc), nil
}

func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
