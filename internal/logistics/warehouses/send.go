package warehouses

import (
	"context"
	"errors"
	"fmt"

	"github.com/silkgate/silkgate/internal/connectors/warehouse"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// sendArgs is the job handing one outbound order to its operator.
type sendArgs struct {
	TenantID   string `json:"tenant_id"`
	Sandbox    bool   `json:"sandbox"`
	OutboundID string `json:"outbound_id"`
}

func (sendArgs) Kind() string { return "warehouses_outbound_send" }

// sendAttempts bounds the job's retries (about eleven hours with River's
// back-off); a sync sends whatever is still unsent after that.
const sendAttempts = 12

// UseJobs sends each new outbound order to its operator in a job enqueued
// with the order, instead of waiting for the next sync: the operator is
// called after the order's transaction has committed and outside any
// transaction, and a failed call is retried with back-off under the same
// Reference. Without it orders go out at the next sync.
func (s *Service) UseJobs(q *jobs.Queue) {
	s.jobs = q
	jobs.Handle(q, 0, s.sendJob)
}

// enqueueSend enqueues the sending of o, in the transaction in ctx, when
// its warehouse has an operator that takes outbound orders.
func (s *Service) enqueueSend(ctx context.Context, w Warehouse, o Outbound) error {
	if s.jobs == nil {
		return nil
	}
	c, err := s.connector(w)
	if err != nil || !c.Capabilities().Outbound {
		return nil
	}
	sc, _ := db.ScopeFrom(ctx)
	_, err = s.jobs.Enqueue(ctx, sendArgs{TenantID: sc.TenantID, Sandbox: sc.Sandbox, OutboundID: o.ID},
		&jobs.InsertOpts{MaxAttempts: sendAttempts})
	return err
}

func (s *Service) sendJob(ctx context.Context, j *jobs.Job[sendArgs]) error {
	ctx = db.WithScope(ctx, db.Scope{TenantID: j.Args.TenantID, Sandbox: j.Args.Sandbox})
	o, err := s.GetOutbound(ctx, j.Args.OutboundID)
	if errors.Is(err, problem.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	w, err := s.Get(ctx, o.WarehouseID)
	if err != nil {
		return err
	}
	c, err := s.connector(w)
	if err != nil {
		return nil
	}
	_, err = s.sendOutbound(ctx, c, s.account(ctx, w), o.ID)
	if errors.Is(err, warehouse.ErrRejected) {
		// The operator's definitive answer: retrying cannot help. The
		// order stays allocated and unsent, for someone to look at.
		return jobs.Cancel(fmt.Errorf("warehouses: operator refused outbound %s: %w", o.ID, err))
	}
	return err
}
