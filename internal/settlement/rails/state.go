package rails

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
)

// State keeps what a rail connector knows of its batches — the message,
// each transfer and its status — in the store, scoped like every
// tenant-owned row by tenant and sandbox. A connector that kept it in
// memory would forget, on restart, the transfers payouts wait on, and two
// serving nodes would answer differently; with State every node reads the
// same rows, in the caller's transaction.
type State struct {
	db   *db.DB
	rail string
	now  func() time.Time
}

// NewState returns the state of the rail named rail; now defaults to
// time.Now.
func NewState(d *db.DB, rail string, now func() time.Time) *State {
	if now == nil {
		now = time.Now
	}
	return &State{db: d, rail: rail, now: now}
}

// StoredBatch is a batch as a rail received it.
type StoredBatch struct {
	ID          string
	Reference   string
	MessageType string
	Message     []byte
	// Phase is the rail's own progress of the batch (the bank file rail's
	// ready or sent); empty for rails without one.
	Phase string
	// Reports counts the status reports issued on the batch, for report
	// message ids.
	Reports   int
	SentBy    string
	SentAt    *time.Time
	CreatedAt time.Time
	Transfers []Transfer
}

// Transfer is one transfer of a stored batch.
type Transfer struct {
	In     Instruction
	Status iso20022.TxStatus
	// Polls counts the status requests that found it not yet final.
	Polls int
}

func (s *State) tx(ctx context.Context, fn func(ctx context.Context, q db.Tenanted) error) error {
	return s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		return fn(ctx, q)
	})
}

// Create stores b unless the rail already has a batch of that id, and
// returns the stored batch with created true when it is b. Two nodes
// initiating the same batch at once store it once: the second finds the
// first's.
func (s *State) Create(ctx context.Context, b StoredBatch) (StoredBatch, bool, error) {
	var (
		out     StoredBatch
		created bool
	)
	err := s.tx(ctx, func(ctx context.Context, q db.Tenanted) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		r, err := q.ExecContext(ctx, `INSERT INTO rail_batches (tenant_id, sandbox, rail, id, reference, message_type, message,
			phase, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
			ON CONFLICT (tenant_id, sandbox, rail, id) DO NOTHING`,
			s.rail, b.ID, b.Reference, b.MessageType, string(b.Message), b.Phase, now)
		if err != nil {
			return fmt.Errorf("rails: store batch %s: %w", b.ID, err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			created = true
			for i, t := range b.Transfers {
				in, _ := json.Marshal(t.In)
				minor, err := iso20022.ToMinor(t.In.Amount)
				if err != nil {
					return fmt.Errorf("rails: store batch %s: %s: %w", b.ID, t.In.EndToEndID, err)
				}
				if _, err := q.ExecContext(ctx, `INSERT INTO rail_transfers (tenant_id, sandbox, rail, batch_id, seq,
					end_to_end_id, instr_id, currency, amount_minor, instruction, status, reason, info, polls, updated_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
					s.rail, b.ID, i, t.In.EndToEndID, t.Status.InstrID, t.In.Amount.Currency, minor, string(in),
					t.Status.Status, t.Status.Reason, t.Status.Info, t.Polls, now); err != nil {
					return fmt.Errorf("rails: store transfer %s: %w", t.In.EndToEndID, err)
				}
			}
		}
		out, err = s.get(ctx, q, b.ID)
		return err
	})
	return out, created, err
}

// Get returns the stored batch of id, or ErrUnknownBatch.
func (s *State) Get(ctx context.Context, id string) (StoredBatch, error) {
	var out StoredBatch
	err := s.tx(ctx, func(ctx context.Context, q db.Tenanted) error {
		var err error
		out, err = s.get(ctx, q, id)
		return err
	})
	return out, err
}

func (s *State) get(ctx context.Context, q db.Tenanted, id string) (StoredBatch, error) {
	var (
		b      StoredBatch
		msg    string
		sentAt sql.NullTime
	)
	err := q.QueryRowContext(ctx, `SELECT id, reference, message_type, message, phase, reports, sent_by, sent_at, created_at
		FROM rail_batches WHERE tenant_id = $1 AND sandbox = $2 AND rail = $3 AND id = $4`, s.rail, id).
		Scan(&b.ID, &b.Reference, &b.MessageType, &msg, &b.Phase, &b.Reports, &b.SentBy, &sentAt, &b.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrUnknownBatch
	}
	if err != nil {
		return b, fmt.Errorf("rails: read batch %s: %w", id, err)
	}
	b.Message, b.CreatedAt = []byte(msg), b.CreatedAt.UTC()
	if sentAt.Valid {
		t := sentAt.Time.UTC()
		b.SentAt = &t
	}
	rows, err := q.QueryContext(ctx, `SELECT end_to_end_id, instr_id, currency, amount_minor, instruction, status, reason, info,
		polls FROM rail_transfers WHERE tenant_id = $1 AND sandbox = $2 AND rail = $3 AND batch_id = $4 ORDER BY seq`, s.rail, id)
	if err != nil {
		return b, fmt.Errorf("rails: read transfers of %s: %w", id, err)
	}
	b.Transfers, err = db.Collect(rows, func(r db.Row) (Transfer, error) {
		var (
			t     Transfer
			ccy   string
			minor int64
			in    string
		)
		if err := r.Scan(&t.Status.EndToEndID, &t.Status.InstrID, &ccy, &minor, &in, &t.Status.Status, &t.Status.Reason,
			&t.Status.Info, &t.Polls); err != nil {
			return t, err
		}
		if err := json.Unmarshal([]byte(in), &t.In); err != nil {
			return t, err
		}
		amt := iso20022.FromMinor(minor, ccy)
		t.Status.Amount = &amt
		return t, nil
	})
	if err != nil {
		return b, fmt.Errorf("rails: read transfers of %s: %w", id, err)
	}
	return b, nil
}

// SetStatus records a transfer's status and status-request count.
func (s *State) SetStatus(ctx context.Context, batchID string, t Transfer) error {
	return s.tx(ctx, func(ctx context.Context, q db.Tenanted) error {
		r, err := q.ExecContext(ctx, `UPDATE rail_transfers SET status = $6, reason = $7, info = $8, polls = $9, updated_at = $10
			WHERE tenant_id = $1 AND sandbox = $2 AND rail = $3 AND batch_id = $4 AND end_to_end_id = $5`,
			s.rail, batchID, t.Status.EndToEndID, t.Status.Status, t.Status.Reason, t.Status.Info, t.Polls,
			s.now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return fmt.Errorf("rails: update transfer %s: %w", t.Status.EndToEndID, err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return fmt.Errorf("rails: %w: no transfer %s in %s", ErrUnknownBatch, t.Status.EndToEndID, batchID)
		}
		return nil
	})
}

// NextReport counts one more status report on the batch and returns its
// number (from 1), so that report message ids differ on every node.
func (s *State) NextReport(ctx context.Context, batchID string) (int, error) {
	var n int
	err := s.tx(ctx, func(ctx context.Context, q db.Tenanted) error {
		err := q.QueryRowContext(ctx, `UPDATE rail_batches SET reports = reports + 1, updated_at = $5
			WHERE tenant_id = $1 AND sandbox = $2 AND rail = $3 AND id = $4 RETURNING reports`,
			s.rail, batchID, s.now().UTC().Truncate(time.Microsecond)).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrUnknownBatch
		}
		return err
	})
	return n, err
}

// SetPhase moves the batch from phase from to phase to, recording by as
// the person who sent it; it reports whether the batch was in from.
func (s *State) SetPhase(ctx context.Context, batchID, from, to, by string) (bool, error) {
	var moved bool
	err := s.tx(ctx, func(ctx context.Context, q db.Tenanted) error {
		now := s.now().UTC().Truncate(time.Microsecond)
		r, err := q.ExecContext(ctx, `UPDATE rail_batches SET phase = $6, sent_by = $7, sent_at = $8, updated_at = $8
			WHERE tenant_id = $1 AND sandbox = $2 AND rail = $3 AND id = $4 AND phase = $5`, s.rail, batchID, from, to, by, now)
		if err != nil {
			return fmt.Errorf("rails: update batch %s: %w", batchID, err)
		}
		n, _ := r.RowsAffected()
		moved = n == 1
		return nil
	})
	return moved, err
}

// Receipt is the receipt of a stored batch, with every transfer's status.
func (b StoredBatch) Receipt() Receipt {
	r := Receipt{Reference: b.Reference, Message: b.Message, MessageType: b.MessageType}
	for _, t := range b.Transfers {
		if t.Status.Status != "" {
			r.Statuses = append(r.Statuses, t.Status)
		}
	}
	return r
}
