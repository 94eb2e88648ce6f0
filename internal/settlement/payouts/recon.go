package payouts

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
)

// Reconciliation results of a bank entry.
const (
	// ReconMatched: a paid payout with the same EndToEndId, amount and
	// currency.
	ReconMatched = "matched"
	// ReconAmountMismatch: the payout exists but the bank moved another
	// amount or currency.
	ReconAmountMismatch = "amount_mismatch"
	// ReconNotPaid: the bank booked a payout Silkgate does not hold as paid
	// (still pending, failed or cancelled).
	ReconNotPaid = "status_mismatch"
	// ReconUnmatched: no payout has the EndToEndId (or the entry names
	// none, or it is a credit).
	ReconUnmatched = "unmatched"
)

// ReconEntry is one bank entry and what it matched.
type ReconEntry struct {
	iso20022.BankEntry
	Result   string       `json:"result"`
	PayoutID string       `json:"payout_id,omitempty"`
	Expected *money.Money `json:"expected,omitempty"`
	Status   string       `json:"payout_status,omitempty"`
	// A booked credit is taken into the ledger (bankcredits.go): the
	// bank credit it became, the proceeds it cleared, or why it went to
	// suspense.
	BankCreditID string   `json:"bank_credit_id,omitempty"`
	ProceedsID   string   `json:"proceeds_id,omitempty"`
	ProceedsIDs  []string `json:"proceeds_ids,omitempty"`
	Reason       string   `json:"reason,omitempty"`
}

// Reconciliation is the report of one bank file.
type Reconciliation struct {
	ID         string       `json:"id"`
	FileName   string       `json:"file_name"`
	Message    string       `json:"message"`
	MsgID      string       `json:"msg_id"`
	Matched    int          `json:"matched"`
	Unmatched  int          `json:"unmatched"`
	Mismatched int          `json:"mismatched"`
	Entries    []ReconEntry `json:"entries"`
	// Missing are paid payouts of the batches the file speaks of that the
	// file does not contain.
	Missing   []Payout  `json:"missing"`
	CreatedAt time.Time `json:"created_at"`
}

// Reconcile reads a camt.054 (or camt.053) bank file and matches each
// debit entry to a payout by EndToEndId, then amount and currency; each
// booked credit entry is taken into the ledger, clearing the marketplace
// proceeds it pays or landing in suspense (bookCredit); and it keeps the
// report. A file that is not valid ISO 20022 is refused, naming
// the entry at fault; nothing is kept.
func (s *Service) Reconcile(ctx context.Context, fileName string, data []byte) (Reconciliation, error) {
	bf, err := iso20022.ParseBankFile(data)
	if err != nil {
		return Reconciliation{}, fileError(err)
	}
	fileName = strings.TrimSpace(fileName)
	if len(fileName) > 200 {
		fileName = fileName[:200]
	}
	r := Reconciliation{ID: ids.New("src"), FileName: fileName, Message: bf.Message, MsgID: bf.MsgID,
		Entries: []ReconEntry{}, Missing: []Payout{}, CreatedAt: nowUTC(s)}
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		batches := map[string]bool{}
		for _, e := range bf.Entries {
			re := ReconEntry{BankEntry: e, Result: ReconUnmatched}
			if e.EndToEndID != "" && e.Direction == iso20022.Debit && !e.Reversal {
				p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
					WHERE tenant_id = $1 AND sandbox = $2 AND end_to_end_id = $3`, e.EndToEndID))
				switch {
				case errors.Is(err, sql.ErrNoRows):
				case err != nil:
					return fmt.Errorf("payouts: reconcile: %w", err)
				default:
					amt := p.Amount
					re.PayoutID, re.Expected, re.Status = p.ID, &amt, p.Status
					batches[p.BatchID] = true
					seen[p.ID] = true
					switch {
					case e.Amount != p.Amount:
						re.Result = ReconAmountMismatch
					case p.Status != StatusPaid:
						re.Result = ReconNotPaid
					default:
						re.Result = ReconMatched
					}
				}
			}
			if bookableCredit(e) {
				if err := s.bookCredit(ctx, q, r.ID, bf.MsgID, e, &re); err != nil {
					return err
				}
			}
			switch re.Result {
			case ReconMatched, ReconCleared:
				r.Matched++
			case ReconAlreadyBooked:
				if re.Reason == "" {
					r.Matched++
				} else {
					r.Unmatched++
				}
			case ReconUnmatched, ReconSuspense:
				r.Unmatched++
			default:
				r.Mismatched++
			}
			r.Entries = append(r.Entries, re)
		}
		for b := range batches {
			rows, err := q.QueryContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
				WHERE tenant_id = $1 AND sandbox = $2 AND batch_id = $3 AND status = 'paid' ORDER BY id`, b)
			if err != nil {
				return fmt.Errorf("payouts: reconcile: %w", err)
			}
			ps, err := db.Collect(rows, scanPayout)
			if err != nil {
				return fmt.Errorf("payouts: reconcile: %w", err)
			}
			for _, p := range ps {
				if !seen[p.ID] {
					r.Missing = append(r.Missing, p)
				}
			}
		}
		report, _ := json.Marshal(struct {
			Entries []ReconEntry `json:"entries"`
			Missing []Payout     `json:"missing"`
		}{r.Entries, r.Missing})
		if _, err := q.ExecContext(ctx, `INSERT INTO settlement_reconciliations (tenant_id, sandbox, id, file_name, message,
			msg_id, matched, unmatched, mismatched, report, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			r.ID, r.FileName, r.Message, r.MsgID, r.Matched, r.Unmatched, r.Mismatched, string(report), r.CreatedAt); err != nil {
			return fmt.Errorf("payouts: keep reconciliation: %w", err)
		}
		return s.audit.Record(ctx, audit.Event{Action: "settlement.reconciliation.create", Resource: "settlement_reconciliation/" + r.ID,
			Change: map[string]any{"file_name": r.FileName, "message": r.Message, "msg_id": r.MsgID, "matched": r.Matched,
				"unmatched": r.Unmatched, "mismatched": r.Mismatched, "missing": len(r.Missing)}})
	})
	if err != nil {
		return Reconciliation{}, err
	}
	return r, nil
}

const reconCols = `id, file_name, message, msg_id, matched, unmatched, mismatched, report, created_at`

func scanRecon(row db.Row) (Reconciliation, error) {
	var (
		r      Reconciliation
		report string
	)
	if err := row.Scan(&r.ID, &r.FileName, &r.Message, &r.MsgID, &r.Matched, &r.Unmatched, &r.Mismatched, &report, &r.CreatedAt); err != nil {
		return r, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	var rep struct {
		Entries []ReconEntry `json:"entries"`
		Missing []Payout     `json:"missing"`
	}
	if err := json.Unmarshal([]byte(report), &rep); err != nil {
		return r, fmt.Errorf("payouts: decode reconciliation %s: %w", r.ID, err)
	}
	r.Entries, r.Missing = rep.Entries, rep.Missing
	if r.Entries == nil {
		r.Entries = []ReconEntry{}
	}
	if r.Missing == nil {
		r.Missing = []Payout{}
	}
	return r, nil
}

// GetReconciliation returns a kept reconciliation report.
func (s *Service) GetReconciliation(ctx context.Context, id string) (Reconciliation, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Reconciliation{}, err
	}
	r, err := scanRecon(q.QueryRowContext(ctx, `SELECT `+reconCols+` FROM settlement_reconciliations
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Reconciliation{}, problem.ErrNotFound
	}
	return r, err
}

// ListReconciliations lists reports newest first, without their entries.
func (s *Service) ListReconciliations(ctx context.Context, p web.Page) (web.List[Reconciliation], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Reconciliation]{}, err
	}
	after := p.After
	if after == "" {
		after = "~"
	}
	rows, err := q.QueryContext(ctx, `SELECT id, file_name, message, msg_id, matched, unmatched, mismatched, '{}', created_at
		FROM settlement_reconciliations WHERE tenant_id = $1 AND sandbox = $2 AND id < $3 ORDER BY id DESC LIMIT $4`,
		after, p.FetchLimit())
	if err != nil {
		return web.List[Reconciliation]{}, fmt.Errorf("payouts: list reconciliations: %w", err)
	}
	items, err := db.Collect(rows, scanRecon)
	if err != nil {
		return web.List[Reconciliation]{}, fmt.Errorf("payouts: list reconciliations: %w", err)
	}
	return web.NewList(p, items, func(r Reconciliation) string { return r.ID }), nil
}
