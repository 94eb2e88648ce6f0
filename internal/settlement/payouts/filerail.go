package payouts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

// Batch statuses of file rails (rails.Capabilities.File): the file waits
// for download (ready), then the finance user says it was uploaded to the
// bank (sent); the bank's reports complete it.
const (
	BatchReady = "ready"
	BatchSent  = "sent"
)

// MarkSent records that the file of a ready batch was uploaded to the
// bank. A batch already sent answers as it is; any other status is 409
// batch_not_ready, and a batch of a rail that sends its own messages is
// 409 batch_not_file.
func (s *Service) MarkSent(ctx context.Context, id string) (Batch, error) {
	var out Batch
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		b, rail, err := s.batchRail(ctx, q, id)
		if err != nil {
			return err
		}
		fr, ok := rail.(rails.FileRail)
		switch {
		case !ok:
			return problem.Conflict("batch_not_file", "id", id, "rail", b.Rail)
		case b.Status == BatchSent:
			out = b
			return nil
		case b.Status != BatchReady:
			return problem.Conflict("batch_not_ready", "id", id, "status", b.Status)
		}
		actor := audit.ActorFrom(ctx)
		if err := fr.MarkSent(ctx, id, actor.ID); err != nil {
			return fmt.Errorf("payouts: mark %s sent: %w", id, err)
		}
		r, err := q.ExecContext(ctx, `UPDATE settlement_batches SET status = $4, updated_at = $5
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'ready'`, id, BatchSent, nowUTC(s))
		if err != nil {
			return fmt.Errorf("payouts: mark %s sent: %w", id, err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return problem.Conflict("batch_not_ready", "id", id, "status", b.Status)
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "settlement.batch.sent", Resource: "settlement_batch/" + id,
			Change: map[string]any{"rail": b.Rail, "status": BatchSent, "payouts": b.Count, "total": b.Total}}); err != nil {
			return err
		}
		out, err = s.getBatch(ctx, q, id)
		return err
	})
	return out, err
}

// intakeBankFile applies a camt.054/camt.053 to the payouts it names: each
// booked debit (not a reversal) with the EndToEndId of a payout settles
// it, at the payout's amount or not at all (a booking of another amount
// is refused by apply, naming the payout). Credits, pending entries and
// entries naming no payout are left to reconciliation. Result.Batch is the
// batch when the file names exactly one.
func (s *Service) intakeBankFile(ctx context.Context, bf iso20022.BankFile) (IntakeResult, error) {
	res := IntakeResult{Unknown: []string{}}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		byBatch := map[string][]iso20022.TxStatus{}
		var order []string
		for _, e := range bf.Entries {
			if e.Direction != iso20022.Debit || e.Status != "BOOK" || e.Reversal || e.EndToEndID == "" {
				continue
			}
			var batch string
			err := q.QueryRowContext(ctx, `SELECT batch_id FROM settlement_payouts
				WHERE tenant_id = $1 AND sandbox = $2 AND end_to_end_id = $3`, e.EndToEndID).Scan(&batch)
			if errors.Is(err, sql.ErrNoRows) {
				res.Unknown = append(res.Unknown, e.EndToEndID)
				continue
			}
			if err != nil {
				return fmt.Errorf("payouts: find payout: %w", err)
			}
			if _, ok := byBatch[batch]; !ok {
				order = append(order, batch)
			}
			amt := e.Amount
			byBatch[batch] = append(byBatch[batch], iso20022.TxStatus{EndToEndID: e.EndToEndID, Status: iso20022.StatusACSC,
				Amount: &amt})
		}
		if len(order) == 0 {
			return problem.Invalid(problem.Field{Field: "file", Code: "no_payout_debits", Params: []any{"msg_id", bf.MsgID}})
		}
		for _, id := range order {
			r, err := s.apply(ctx, q, id, byBatch[id])
			if err != nil {
				return err
			}
			res.Applied, res.Unchanged = res.Applied+r.Applied, res.Unchanged+r.Unchanged
			if err := s.audit.Record(ctx, audit.Event{Action: "settlement.status_report.intake", Resource: "settlement_batch/" + id,
				Change: map[string]any{"message": bf.Message, "msg_id": bf.MsgID, "applied": r.Applied}}); err != nil {
				return err
			}
		}
		if len(order) == 1 {
			res.BatchID = order[0]
			res.Batch, err = s.getBatch(ctx, q, order[0])
		}
		return err
	})
	return res, err
}

func (s *Service) handleMarkSent(w http.ResponseWriter, r *http.Request) error {
	b, err := s.MarkSent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, b)
}
