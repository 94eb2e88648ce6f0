package payouts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/events"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
	"github.com/silkgate/silkgate/internal/settlement/rails"
)

var b32 = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// derivedID is prefix- and 26 characters of a hash of parts: ids that a
// retry of the same request derives again. They travel as MsgId and
// EndToEndId, so they keep to the EPC's character set, which has no "_".
func derivedID(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + "-" + b32.EncodeToString(h[:])[:26]
}

// holdExpiry is how long a payout's hold may wait for the rail: the
// ledger's longest. A hold that expires is voided by the ledger's job and
// its payout can then only fail.
const holdExpiry = ledger.MaxExpiresIn

const batchCols = `id, idem_key, body_hash, rail, currency, status, payouts, total_minor, rail_ref, message_type, created_at, updated_at`

func scanBatch(r db.Row) (Batch, string, error) {
	var (
		b     Batch
		hash  string
		total int64
	)
	err := r.Scan(&b.ID, &b.IdempotencyKey, &hash, &b.Rail, &b.Currency, &b.Status, &b.Count, &total, &b.RailReference,
		&b.MessageType, &b.CreatedAt, &b.UpdatedAt)
	b.Total, b.CreatedAt, b.UpdatedAt = moneyOf(total, b.Currency), b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, hash, err
}

const payoutCols = `id, batch_id, seller_id, end_to_end_id, currency, amount_minor, beneficiary, hold_entry_id, post_entry_id,
	void_entry_id, status, rail_status, reason, created_at, updated_at`

func scanPayout(r db.Row) (Payout, error) {
	var (
		p     Payout
		ccy   string
		amt   int64
		benef string
	)
	err := r.Scan(&p.ID, &p.BatchID, &p.SellerID, &p.EndToEndID, &ccy, &amt, &benef, &p.HoldEntryID, &p.PostEntryID,
		&p.VoidEntryID, &p.Status, &p.RailStatus, &p.Reason, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return p, err
	}
	p.Amount, p.CreatedAt, p.UpdatedAt = moneyOf(amt, ccy), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(benef), &p.Beneficiary); err != nil {
		return p, fmt.Errorf("payouts: decode beneficiary of %s: %w", p.ID, err)
	}
	return p, nil
}

func (in *BatchInput) validate(ctx context.Context, s *Service) (rails.Rail, error) {
	var fs problem.Errors
	in.IdempotencyKey = strings.TrimSpace(in.IdempotencyKey)
	switch {
	case in.IdempotencyKey == "":
		fs.Add("idempotency_key", "required")
	case len(in.IdempotencyKey) > 200:
		fs.Add("idempotency_key", "max_length", "max", 200)
	}
	if !money.ValidCurrency(in.Currency) {
		fs.Add("currency", money.CodeCurrency, "currency", in.Currency)
	}
	if len(in.SellerIDs) > 1000 {
		fs.Add("seller_ids", "max_items", "max", 1000)
	}
	for i, id := range in.SellerIDs {
		checkID(&fs, fmt.Sprintf("seller_ids[%d]", i), id)
	}
	// A live batch on a sandbox rail (or on no live rail at all) is
	// refused here, before any hold is written.
	r := s.resolveRail(ctx, &fs, in.Rail, in.Currency, true)
	switch {
	case r == nil:
	case money.ValidCurrency(in.Currency) && !slices.Contains(r.Capabilities().Currencies, in.Currency):
		fs.Add("currency", "rail_currency", "rail", in.Rail, "currencies", strings.Join(r.Capabilities().Currencies, ", "))
	}
	return r, fs.Err()
}

// CreateBatch pays every seller with a payout account on in.Rail in
// in.Currency (or those of in.SellerIDs) its whole available balance: one
// ledger hold per payout, then one message to the rail. A rail that
// refuses the batch has its holds voided at once (status refused); a rail
// that settles at once (e-CNY) has them posted or voided before this
// returns. A repeat with the same idempotency key and body answers the
// first batch (replay true); with another body it is 409.
//
// The rail is called inside the transaction: should the commit fail, a
// retry derives the same message id and end-to-end ids, which the rail
// deduplicates.
func (s *Service) CreateBatch(ctx context.Context, in BatchInput) (Batch, bool, error) {
	rail, err := in.validate(ctx, s)
	if err != nil {
		return Batch{}, false, err
	}
	slices.Sort(in.SellerIDs)
	in.SellerIDs = slices.Compact(in.SellerIDs)
	hash := hashOf(in)
	var (
		out    Batch
		replay bool
	)
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		prev, h, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchCols+` FROM settlement_batches
			WHERE tenant_id = $1 AND sandbox = $2 AND idem_key = $3`, in.IdempotencyKey))
		switch {
		case err == nil && h == hash:
			replay = true
			out, err = s.withPayouts(ctx, q, prev)
			return err
		case err == nil:
			return &problem.Error{Status: http.StatusConflict, Code: "idempotency_key_reused", Params: []any{"id", prev.ID},
				Fields: []problem.Field{{Field: "idempotency_key", Code: "reused"}}}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("payouts: find batch: %w", err)
		}
		sc := q.Scope()
		batchID := derivedID("spb", sc.TenantID, fmt.Sprint(sc.Sandbox), in.IdempotencyKey)
		rows, err := q.QueryContext(ctx, `SELECT `+accountCols+` FROM settlement_payout_accounts
			WHERE tenant_id = $1 AND sandbox = $2 AND rail = $3 AND currency = $4 ORDER BY seller_id`, in.Rail, in.Currency)
		if err != nil {
			return fmt.Errorf("payouts: payout accounts: %w", err)
		}
		accts, err := db.Collect(rows, scanAccount)
		if err != nil {
			return fmt.Errorf("payouts: payout accounts: %w", err)
		}
		now := nowUTC(s)
		var (
			payouts []Payout
			total   int64
		)
		for _, a := range accts {
			if len(in.SellerIDs) > 0 && !slices.Contains(in.SellerIDs, a.SellerID) {
				continue
			}
			acct, err := s.findAccount(ctx, payableCode(a.SellerID), a.Currency)
			if err != nil {
				return err
			}
			if acct == "" {
				continue
			}
			la, err := s.ledger.GetAccount(ctx, acct)
			if err != nil {
				return err
			}
			avail, err := iso20022.ToMinor(la.Balance.Available)
			if err != nil || avail == 0 {
				continue // nothing, or less than nothing, to pay
			}
			if len(payouts) == rail.Capabilities().MaxBatch {
				break // the rest wait for the next batch
			}
			pid := derivedID("spo", batchID, a.SellerID)
			amt := moneyOf(avail, a.Currency)
			hold, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:payout:" + pid, Pending: true,
				ExpiresIn: holdExpiry, Description: fmt.Sprintf("Payout %s to %s", pid, a.SellerID),
				Metadata: map[string]string{"payout_id": pid, "batch_id": batchID, "seller_id": a.SellerID},
				Postings: []ledger.PostingInput{{Account: acct, Direction: ledger.Debit, Amount: amt},
					{Account: ledger.PayoutsInTransit, Direction: ledger.Credit, Amount: amt}}})
			if err != nil {
				return err
			}
			payouts = append(payouts, Payout{ID: pid, BatchID: batchID, SellerID: a.SellerID, EndToEndID: pid, Amount: amt,
				Beneficiary: Beneficiary{Name: a.Name, Kind: a.Kind, IBAN: a.IBAN, BIC: a.BIC, Wallet: a.Wallet, Country: a.Country},
				Status:      StatusPending, HoldEntryID: hold.ID, CreatedAt: now, UpdatedAt: now})
			total += avail
		}
		if len(payouts) == 0 {
			return problem.Invalid(problem.Field{Field: "currency", Code: "nothing_to_pay", Params: []any{"rail", in.Rail, "currency", in.Currency}})
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO settlement_batches (tenant_id, sandbox, id, idem_key, body_hash, rail,
			currency, status, payouts, total_minor, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
			batchID, in.IdempotencyKey, hash, in.Rail, in.Currency, BatchSubmitted, len(payouts), total, now); err != nil {
			return fmt.Errorf("payouts: create batch: %w", err)
		}
		for _, p := range payouts {
			benef, _ := json.Marshal(p.Beneficiary)
			if _, err := q.ExecContext(ctx, `INSERT INTO settlement_payouts (tenant_id, sandbox, id, batch_id, seller_id,
				end_to_end_id, currency, amount_minor, beneficiary, hold_entry_id, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`, p.ID, p.BatchID, p.SellerID, p.EndToEndID,
				p.Amount.Currency, minorOf(p.Amount), string(benef), p.HoldEntryID, p.Status, now); err != nil {
				return fmt.Errorf("payouts: create payout: %w", err)
			}
		}
		rc, err := rail.Initiate(ctx, railBatch(batchID, now, payouts))
		var sts []iso20022.TxStatus
		status := BatchSubmitted
		if rail.Capabilities().File {
			// The file waits for the finance user to carry it to the bank.
			status = BatchReady
		}
		switch {
		case errors.Is(err, rails.ErrRefused):
			// Nothing was sent: every hold is voided, and the sellers'
			// balances are exactly what they were.
			status = BatchRefused
			for _, p := range payouts {
				sts = append(sts, iso20022.TxStatus{EndToEndID: p.EndToEndID, Status: iso20022.StatusRJCT, Reason: "refused",
					Info: truncate(err.Error(), 200)})
			}
		case err != nil:
			return fmt.Errorf("payouts: initiate batch %s on %s: %w", batchID, in.Rail, err)
		default:
			sts = rc.Statuses
		}
		if _, err := q.ExecContext(ctx, `UPDATE settlement_batches SET rail_ref = $4, message_type = $5, message = $6, status = $7
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, batchID, rc.Reference, rc.MessageType, string(rc.Message), status); err != nil {
			return fmt.Errorf("payouts: record receipt: %w", err)
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "settlement.batch.create", Resource: "settlement_batch/" + batchID,
			Change: map[string]any{"rail": in.Rail, "currency": in.Currency, "payouts": len(payouts),
				"total": moneyOf(total, in.Currency), "status": status}}); err != nil {
			return err
		}
		if _, err := s.apply(ctx, q, batchID, sts); err != nil {
			return err
		}
		out, err = s.getBatch(ctx, q, batchID)
		return err
	})
	if err != nil {
		return Batch{}, false, err
	}
	return out, replay, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// railBatch is the rail's view of a batch's payouts.
func railBatch(id string, at time.Time, ps []Payout) rails.Batch {
	b := rails.Batch{ID: id, CreatedAt: at}
	for _, p := range ps {
		b.Instructions = append(b.Instructions, rails.Instruction{EndToEndID: p.EndToEndID, Amount: p.Amount,
			Remittance: "Silkgate payout " + p.ID, Beneficiary: rails.Beneficiary{Name: p.Beneficiary.Name,
				Kind: p.Beneficiary.Kind, IBAN: p.Beneficiary.IBAN, BIC: p.Beneficiary.BIC, Wallet: p.Beneficiary.Wallet,
				Country: p.Beneficiary.Country}})
	}
	return b
}

// Batch and payout ids are derived from idempotency keys, so they do not
// sort by creation: their lists page by (created_at, id), and the cursor
// carries both.
func cursorOf(t time.Time, id string) string { return strconv.FormatInt(t.UnixMicro(), 10) + "." + id }

// parseCursor returns the position after which a page starts; the zero
// cursor starts at the newest.
func parseCursor(c string) (time.Time, string) {
	us, id, ok := strings.Cut(c, ".")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil {
		return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), ""
	}
	return time.UnixMicro(n).UTC(), id
}

func (s *Service) getBatch(ctx context.Context, q db.Tenanted, id string) (Batch, error) {
	b, _, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchCols+` FROM settlement_batches
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, problem.ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("payouts: get batch: %w", err)
	}
	return s.withPayouts(ctx, q, b)
}

// batchRail returns the batch id and the rail it was submitted on; a rail
// no longer registered is a configuration error, not the caller's.
func (s *Service) batchRail(ctx context.Context, q db.Tenanted, id string) (Batch, rails.Rail, error) {
	b, err := s.getBatch(ctx, q, id)
	if err != nil {
		return Batch{}, nil, err
	}
	rail, ok := s.rails.Get(b.Rail)
	if !ok {
		return Batch{}, nil, fmt.Errorf("payouts: batch %s: rail %s is not registered", id, b.Rail)
	}
	return b, rail, nil
}

func (s *Service) withPayouts(ctx context.Context, q db.Tenanted, b Batch) (Batch, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
		WHERE tenant_id = $1 AND sandbox = $2 AND batch_id = $3 ORDER BY seller_id`, b.ID)
	if err != nil {
		return Batch{}, fmt.Errorf("payouts: batch payouts: %w", err)
	}
	b.Payouts, err = db.Collect(rows, scanPayout)
	if err != nil {
		return Batch{}, fmt.Errorf("payouts: batch payouts: %w", err)
	}
	return b, nil
}

// GetBatch returns a batch with its payouts.
func (s *Service) GetBatch(ctx context.Context, id string) (Batch, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Batch{}, err
	}
	return s.getBatch(ctx, q, id)
}

// ListBatches lists batches newest first, without their payouts.
func (s *Service) ListBatches(ctx context.Context, p web.Page) (web.List[Batch], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Batch]{}, err
	}
	at, after := parseCursor(p.After)
	rows, err := q.QueryContext(ctx, `SELECT `+batchCols+` FROM settlement_batches
		WHERE tenant_id = $1 AND sandbox = $2 AND (created_at < $3 OR created_at = $3 AND id < $4)
		ORDER BY created_at DESC, id DESC LIMIT $5`, at, after, p.FetchLimit())
	if err != nil {
		return web.List[Batch]{}, fmt.Errorf("payouts: list batches: %w", err)
	}
	items, err := db.Collect(rows, func(r db.Row) (Batch, error) { b, _, err := scanBatch(r); return b, err })
	if err != nil {
		return web.List[Batch]{}, fmt.Errorf("payouts: list batches: %w", err)
	}
	return web.NewList(p, items, func(b Batch) string { return cursorOf(b.CreatedAt, b.ID) }), nil
}

// Message returns the message a batch was sent as (pain.001 or pacs.008
// XML) and its type.
func (s *Service) Message(ctx context.Context, id string) ([]byte, string, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, "", err
	}
	var msg, typ string
	err = q.QueryRowContext(ctx, `SELECT message, message_type FROM settlement_batches
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).Scan(&msg, &typ)
	if errors.Is(err, sql.ErrNoRows) || err == nil && msg == "" {
		return nil, "", problem.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("payouts: batch message: %w", err)
	}
	return []byte(msg), typ, nil
}

// apply moves each pending payout of batchID named in sts to its final
// status: posted and paid on ACSC/ACCC, voided and failed on RJCT (or
// cancelled on CANC). Payouts already final and statuses still in
// progress change nothing but the recorded rail status.
func (s *Service) apply(ctx context.Context, q db.Tenanted, batchID string, sts []iso20022.TxStatus) (IntakeResult, error) {
	res := IntakeResult{BatchID: batchID, Unknown: []string{}}
	now := nowUTC(s)
	for _, st := range sts {
		p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
			WHERE tenant_id = $1 AND sandbox = $2 AND batch_id = $3 AND end_to_end_id = $4`, batchID, st.EndToEndID))
		if errors.Is(err, sql.ErrNoRows) {
			res.Unknown = append(res.Unknown, st.EndToEndID)
			continue
		}
		if err != nil {
			return res, fmt.Errorf("payouts: find payout: %w", err)
		}
		if p.Status != StatusPending || !iso20022.Final(st.Status) {
			res.Unchanged++
			if p.Status == StatusPending {
				if _, err := q.ExecContext(ctx, `UPDATE settlement_payouts SET rail_status = $4, updated_at = $5
					WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'pending'`, p.ID, st.Status, now); err != nil {
					return res, fmt.Errorf("payouts: update payout: %w", err)
				}
			}
			continue
		}
		var post, void string
		status := StatusFailed
		switch {
		case iso20022.Settled(st.Status):
			// The amount is the payout's: a report naming another amount
			// is not one about this payout.
			if st.Amount != nil && *st.Amount != p.Amount {
				return res, problem.Invalid(problem.Field{Field: "file", Code: "amount_mismatch",
					Params: []any{"end_to_end_id", p.EndToEndID, "expected", p.Amount.String(), "got", st.Amount.String()}})
			}
			e, err := s.ledger.Post(ctx, p.HoldEntryID, ledger.PostRequest{})
			if err != nil {
				return res, err
			}
			// The money has left the platform's account at the rail.
			if _, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:payout_settled:" + p.ID,
				Description: "Payout " + p.ID + " settled", Metadata: map[string]string{"payout_id": p.ID},
				Postings: []ledger.PostingInput{{Account: ledger.PayoutsInTransit, Direction: ledger.Debit, Amount: p.Amount},
					{Account: ledger.World, Direction: ledger.Credit, Amount: p.Amount}}}); err != nil {
				return res, err
			}
			post, status = e.ID, StatusPaid
		default:
			e, err := s.ledger.Void(ctx, p.HoldEntryID)
			if err != nil {
				return res, err
			}
			void = e.ClosedBy
			if st.Status == iso20022.StatusCANC {
				status = StatusCancelled
			}
		}
		reason := st.Reason
		if st.Info != "" {
			reason = strings.TrimSpace(reason + " " + st.Info)
		}
		r, err := q.ExecContext(ctx, `UPDATE settlement_payouts SET status = $4, rail_status = $5, reason = $6, post_entry_id = $7,
			void_entry_id = $8, updated_at = $9 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'pending'`,
			p.ID, status, st.Status, truncate(reason, 300), post, void, now)
		if err != nil {
			return res, fmt.Errorf("payouts: settle payout: %w", err)
		}
		if n, _ := r.RowsAffected(); n != 1 {
			return res, fmt.Errorf("payouts: payout %s changed meanwhile", p.ID)
		}
		p.Status, p.RailStatus, p.Reason, p.PostEntryID, p.VoidEntryID, p.UpdatedAt = status, st.Status, truncate(reason, 300), post, void, now
		if err := s.audit.Record(ctx, audit.Event{Action: "settlement.payout." + status, Resource: "settlement_payout/" + p.ID,
			Change: map[string]any{"rail_status": st.Status, "reason": p.Reason, "post_entry_id": post, "void_entry_id": void}}); err != nil {
			return res, err
		}
		if status == StatusPaid && s.events != nil {
			if err := s.events.Publish(ctx, events.Event{Type: events.SettlementPaid, ResourceID: p.ID, Data: p}); err != nil {
				return res, err
			}
		}
		res.Applied++
	}
	var pending int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM settlement_payouts
		WHERE tenant_id = $1 AND sandbox = $2 AND batch_id = $3 AND status = 'pending'`, batchID).Scan(&pending); err != nil {
		return res, fmt.Errorf("payouts: count pending: %w", err)
	}
	if pending == 0 {
		if _, err := q.ExecContext(ctx, `UPDATE settlement_batches SET status = $4, updated_at = $5
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status IN ('submitted', 'ready', 'sent')`,
			batchID, BatchCompleted, now); err != nil {
			return res, fmt.Errorf("payouts: complete batch: %w", err)
		}
	}
	return res, nil
}

// Refresh asks the batch's rail for its status report and applies it. A
// rail that no longer knows the batch is sent it again, under the same
// message id.
func (s *Service) Refresh(ctx context.Context, id string) (IntakeResult, error) {
	var res IntakeResult
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		b, rail, err := s.batchRail(ctx, q, id)
		if err != nil {
			return err
		}
		rep, err := rail.Status(ctx, id)
		if errors.Is(err, rails.ErrUnknownBatch) && b.Status == BatchSubmitted {
			var pending []Payout
			for _, p := range b.Payouts {
				if p.Status == StatusPending {
					pending = append(pending, p)
				}
			}
			if _, err = rail.Initiate(ctx, railBatch(id, b.CreatedAt, pending)); err == nil {
				rep, err = rail.Status(ctx, id)
			}
		}
		if err != nil {
			return fmt.Errorf("payouts: status of %s: %w", id, err)
		}
		if res, err = s.apply(ctx, q, id, rep.Statuses); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "settlement.batch.refresh", Resource: "settlement_batch/" + id,
			Change: map[string]any{"applied": res.Applied, "unchanged": res.Unchanged}}); err != nil {
			return err
		}
		res.Batch, err = s.getBatch(ctx, q, id)
		return err
	})
	return res, err
}

// IntakeStatusReport applies a pacs.002 or pain.002 received from the
// bank: the batch is the report's original message id. A camt.054 or
// camt.053 is taken too (intakeBankFile): its booked debits settle the
// payouts they name.
func (s *Service) IntakeStatusReport(ctx context.Context, data []byte) (IntakeResult, error) {
	rep, err := iso20022.ParseStatusReport(data)
	if errors.Is(err, iso20022.ErrUnknownMessage) {
		bf, berr := iso20022.ParseBankFile(data)
		switch {
		case berr == nil:
			return s.intakeBankFile(ctx, bf)
		case !errors.Is(berr, iso20022.ErrUnknownMessage):
			return IntakeResult{}, fileError(berr) // a camt file, malformed
		}
	}
	if err != nil {
		return IntakeResult{}, fileError(err)
	}
	var res IntakeResult
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		if _, err := s.getBatch(ctx, q, rep.OrgnlMsgID); errors.Is(err, problem.ErrNotFound) {
			return problem.Invalid(problem.Field{Field: "file", Code: "unknown_batch", Params: []any{"id", rep.OrgnlMsgID}})
		} else if err != nil {
			return err
		}
		if res, err = s.apply(ctx, q, rep.OrgnlMsgID, rep.Transactions); err != nil {
			return err
		}
		if err := s.audit.Record(ctx, audit.Event{Action: "settlement.status_report.intake", Resource: "settlement_batch/" + rep.OrgnlMsgID,
			Change: map[string]any{"message": rep.Message, "msg_id": rep.MsgID, "applied": res.Applied, "unknown": res.Unknown}}); err != nil {
			return err
		}
		res.Batch, err = s.getBatch(ctx, q, rep.OrgnlMsgID)
		return err
	})
	return res, err
}

// fileError turns a parse failure into a field error on "file".
func fileError(err error) error {
	var pe *iso20022.ParseError
	if errors.As(err, &pe) {
		return problem.Invalid(problem.Field{Field: "file", Code: "iso20022_invalid", Params: []any{"where", pe.Where, "reason", pe.Reason}})
	}
	if errors.Is(err, iso20022.ErrUnknownMessage) {
		return problem.Invalid(problem.Field{Field: "file", Code: "iso20022_unknown_message"})
	}
	return err
}

// GetPayout returns a payout.
func (s *Service) GetPayout(ctx context.Context, id string) (Payout, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Payout{}, err
	}
	p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Payout{}, problem.ErrNotFound
	}
	if err != nil {
		return Payout{}, fmt.Errorf("payouts: get payout: %w", err)
	}
	return p, nil
}

// ListPayouts lists payouts newest first, of one seller when seller is
// set and of one status when status is.
func (s *Service) ListPayouts(ctx context.Context, seller, status string, p web.Page) (web.List[Payout], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Payout]{}, err
	}
	at, after := parseCursor(p.After)
	rows, err := q.QueryContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
		WHERE tenant_id = $1 AND sandbox = $2 AND (created_at < $3 OR created_at = $3 AND id < $4)
		AND ($5 = '' OR seller_id = $5) AND ($6 = '' OR status = $6)
		ORDER BY created_at DESC, id DESC LIMIT $7`, at, after, seller, status, p.FetchLimit())
	if err != nil {
		return web.List[Payout]{}, fmt.Errorf("payouts: list payouts: %w", err)
	}
	items, err := db.Collect(rows, scanPayout)
	if err != nil {
		return web.List[Payout]{}, fmt.Errorf("payouts: list payouts: %w", err)
	}
	return web.NewList(p, items, func(x Payout) string { return cursorOf(x.CreatedAt, x.ID) }), nil
}

// Cancel asks the rail to stop a pending payout; once it has, the hold is
// voided.
func (s *Service) Cancel(ctx context.Context, id string) (Payout, error) {
	var out Payout
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		p, err := scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return problem.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("payouts: get payout: %w", err)
		}
		if p.Status != StatusPending {
			return problem.Conflict("payout_not_cancellable", "id", id, "status", p.Status)
		}
		_, rail, err := s.batchRail(ctx, q, p.BatchID)
		if err != nil {
			return err
		}
		if err := rail.Cancel(ctx, p.BatchID, p.EndToEndID); errors.Is(err, rails.ErrNotCancellable) {
			return problem.Conflict("payout_not_cancellable", "id", id, "status", p.Status)
		} else if err != nil {
			return fmt.Errorf("payouts: cancel %s: %w", id, err)
		}
		if _, err := s.apply(ctx, q, p.BatchID, []iso20022.TxStatus{{EndToEndID: p.EndToEndID, Status: iso20022.StatusCANC,
			Reason: "cancelled"}}); err != nil {
			return err
		}
		out, err = scanPayout(q.QueryRowContext(ctx, `SELECT `+payoutCols+` FROM settlement_payouts
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
		return err
	})
	return out, err
}
