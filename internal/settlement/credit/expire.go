package credit

import (
	"context"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
)

type expireArgs struct{}

func (expireArgs) Kind() string { return "credit_expire_guarantees" }

// UseJobs registers the sweep that expires due guarantees in every
// tenant, every minute, so that a buyer nobody touches still gets its
// exposure back. Call it while wiring, before q starts.
func (s *Service) UseJobs(q *jobs.Queue) {
	jobs.Handle(q, 5*time.Minute, func(ctx context.Context, _ *jobs.Job[expireArgs]) error {
		_, err := s.ExpireAll(ctx)
		return err
	})
	q.Every("credit_expire_guarantees", time.Minute, func() jobs.Args { return expireArgs{} })
}

// sweepBatch bounds how many buyers one query of the sweep returns.
const sweepBatch = 500

// ExpireAll expires every due guarantee in every tenant and partition and
// returns how many it expired. Each buyer is done in its own transaction
// under its limit lock — the guarantee's status, the freed exposure, the
// audit record and the event commit together — so one failure does not
// hold back the rest (the next run retries it), and a guarantee is freed
// once however many sweeps or requests race for it.
func (s *Service) ExpireAll(ctx context.Context) (int, error) {
	expired := 0
	var firstErr error
	for {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT DISTINCT tenant_id, sandbox, buyer FROM credit_guarantees
			WHERE status = $1 AND expires_at <= $2 ORDER BY tenant_id, sandbox, buyer LIMIT $3`,
			StatusActive, s.clock(), sweepBatch)
		if err != nil {
			return expired, fmt.Errorf("credit: find due guarantees: %w", err)
		}
		type due struct {
			scope db.Scope
			buyer string
		}
		batch, err := db.Collect(rows, func(r db.Row) (due, error) {
			var d due
			return d, r.Scan(&d.scope.TenantID, &d.scope.Sandbox, &d.buyer)
		})
		if err != nil {
			return expired, fmt.Errorf("credit: find due guarantees: %w", err)
		}
		progress := false
		for _, d := range batch {
			var n int
			err := s.db.InTx(db.WithScope(ctx, d.scope), func(ctx context.Context) error {
				t, err := s.db.Tenant(ctx)
				if err != nil {
					return err
				}
				if _, err := s.lockLimit(ctx, t, d.buyer); err != nil {
					return err
				}
				n, err = s.expireDue(ctx, t, d.buyer)
				return err
			})
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				s.log.Warn("credit: expire guarantees", "tenant", d.scope.TenantID, "buyer", d.buyer, "error", err)
				continue
			}
			expired += n
			progress = progress || n > 0
		}
		if len(batch) < sweepBatch || !progress {
			return expired, firstErr
		}
	}
}
