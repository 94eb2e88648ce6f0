package payouts

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
	"github.com/silkgate/silkgate/internal/settlement/iso20022"
	"github.com/silkgate/silkgate/internal/settlement/ledger"
)

// Ledger account codes of the money the bank holds: cash received, and
// what was received but not yet known to be for anything.
const (
	BankCashCode = "bank:cash"
	SuspenseCode = "bank:suspense"
)

// Bank credit statuses.
const (
	// CreditCleared: the credit paid booked marketplace proceeds; their
	// clearing account was credited.
	CreditCleared = "cleared"
	// CreditSuspense: the credit waits in the suspense account for
	// someone to say which proceeds it paid.
	CreditSuspense = "suspense"
)

// Reconciliation results of a bank credit entry.
const (
	// ReconCleared: the credit matched proceeds and cleared them.
	ReconCleared = "cleared"
	// ReconSuspense: the credit matched nothing and went to suspense.
	ReconSuspense = "suspense"
	// ReconAlreadyBooked: the same credit came in an earlier file (or
	// earlier in this one); nothing new was booked.
	ReconAlreadyBooked = "already_booked"
)

// Why a credit went to suspense.
const (
	SuspenseNoMatch   = "no_match"
	SuspenseAmount    = "amount_mismatch"
	SuspenseAmbiguous = "ambiguous"
)

// maxIdentifiers bounds how many identifiers of one credit are looked up.
const maxIdentifiers = 20

// BankCredit is money the bank reported received, and what it paid.
type BankCredit struct {
	ID               string      `json:"id"`
	ReconciliationID string      `json:"reconciliation_id"`
	MsgID            string      `json:"msg_id"`
	Account          string      `json:"account,omitempty"`
	EndToEndID       string      `json:"end_to_end_id,omitempty"`
	Remittance       string      `json:"remittance,omitempty"`
	BankRef          string      `json:"bank_ref,omitempty"`
	BookingDate      string      `json:"booking_date,omitempty"`
	Amount           money.Money `json:"amount"`
	// Status is cleared or suspense.
	Status string `json:"status"`
	// Reason says why a credit went to suspense: no_match,
	// amount_mismatch (proceeds named by it are for another amount or
	// currency) or ambiguous (it could pay several).
	Reason     string `json:"reason,omitempty"`
	ProceedsID string `json:"proceeds_id,omitempty"`
	// EntryID is the entry that booked the money in: clearing → bank, or
	// suspense → bank. MatchEntryID is the later suspense → clearing.
	EntryID      string    `json:"entry_id"`
	MatchEntryID string    `json:"match_entry_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// MatchInput names the proceeds a suspense credit paid.
type MatchInput struct {
	ProceedsID string `json:"proceeds_id"`
}

const bankCreditCols = `id, recon_id, msg_id, account, end_to_end_id, remittance, bank_ref, booking_date, currency,
	amount_minor, status, reason, proceeds_id, entry_id, match_entry_id, created_at, updated_at`

func scanBankCredit(r db.Row) (BankCredit, error) {
	var (
		c   BankCredit
		ccy string
		amt int64
	)
	err := r.Scan(&c.ID, &c.ReconciliationID, &c.MsgID, &c.Account, &c.EndToEndID, &c.Remittance, &c.BankRef, &c.BookingDate,
		&ccy, &amt, &c.Status, &c.Reason, &c.ProceedsID, &c.EntryID, &c.MatchEntryID, &c.CreatedAt, &c.UpdatedAt)
	c.Amount = moneyOf(amt, ccy)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// bookableCredit says whether a bank entry is money received that the
// ledger should take: a booked credit, not a reversal.
func bookableCredit(e iso20022.BankEntry) bool {
	return e.Direction == iso20022.Credit && !e.Reversal && e.Status == "BOOK"
}

// creditKey identifies a credit across files: by the bank's own reference
// when it gives one (so a later file repeating the credit under that
// reference agrees), else by the message and the entry's place in it, so
// the same file read twice has the same keys.
func creditKey(msgID string, e iso20022.BankEntry) string {
	parts := []string{e.Account, e.EndToEndID, e.Amount.Currency, e.Amount.Amount, e.Remittance}
	if e.BankRef != "" {
		parts = append(parts, "ref", e.BankRef)
	} else {
		parts = append(parts, "msg", msgID, strconv.Itoa(e.Entry), e.EntryRef)
	}
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

// identifiers are the strings of a credit that may name proceeds: its
// end-to-end id, its remittance information whole, and each word of it.
func identifiers(e iso20022.BankEntry) []string {
	var out []string
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v == "" || strings.EqualFold(v, "NOTPROVIDED") || len(out) >= maxIdentifiers {
			return
		}
		for _, o := range out {
			if o == v {
				return
			}
		}
		out = append(out, v)
	}
	add(e.EndToEndID)
	add(e.Remittance)
	for _, w := range strings.FieldsFunc(e.Remittance, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' }) {
		add(w)
	}
	return out
}

// matchProceeds finds the booked proceeds not yet cleared that a credit
// pays: named by its end-to-end id or remittance (the proceeds' reference
// or id) and for exactly its gross amount and currency. Zero or several
// give the suspense reason.
func (s *Service) matchProceeds(ctx context.Context, q db.Tenanted, e iso20022.BankEntry) (Proceeds, string, error) {
	idents := identifiers(e)
	if len(idents) == 0 {
		return Proceeds{}, SuspenseNoMatch, nil
	}
	args := make([]any, 0, len(idents))
	marks := make([]string, 0, len(idents))
	for i, v := range idents {
		args = append(args, v)
		marks = append(marks, "$"+strconv.Itoa(i+3))
	}
	in := strings.Join(marks, ", ")
	rows, err := q.QueryContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds p
		WHERE tenant_id = $1 AND sandbox = $2 AND (reference IN (`+in+`) OR id IN (`+in+`))
		AND NOT EXISTS (SELECT 1 FROM settlement_bank_credits b WHERE b.tenant_id = p.tenant_id AND b.sandbox = p.sandbox
			AND b.proceeds_id = p.id)
		ORDER BY id LIMIT 50`, args...)
	if err != nil {
		return Proceeds{}, "", fmt.Errorf("payouts: match bank credit: %w", err)
	}
	named, err := collectProceeds(rows)
	if err != nil {
		return Proceeds{}, "", err
	}
	var fit []Proceeds
	for _, p := range named {
		if p.Gross == e.Amount {
			fit = append(fit, p)
		}
	}
	switch {
	case len(fit) == 1:
		return fit[0], "", nil
	case len(fit) > 1:
		return Proceeds{}, SuspenseAmbiguous, nil
	case len(named) > 0:
		return Proceeds{}, SuspenseAmount, nil
	}
	return Proceeds{}, SuspenseNoMatch, nil
}

// bookCredit takes one booked bank credit of a reconciliation into the
// ledger, in the caller's transaction: matched to proceeds it moves their
// gross from the marketplace's clearing account to the bank account;
// unmatched it lands in the suspense account. A credit booked before is
// left alone (ReconAlreadyBooked).
func (s *Service) bookCredit(ctx context.Context, q db.Tenanted, reconID, msgID string, e iso20022.BankEntry, re *ReconEntry) error {
	key := creditKey(msgID, e)
	prev, err := scanBankCredit(q.QueryRowContext(ctx, `SELECT `+bankCreditCols+` FROM settlement_bank_credits
		WHERE tenant_id = $1 AND sandbox = $2 AND dedup_key = $3`, key))
	switch {
	case err == nil:
		re.Result, re.BankCreditID, re.ProceedsID, re.Reason = ReconAlreadyBooked, prev.ID, prev.ProceedsID, prev.Reason
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("payouts: find bank credit: %w", err)
	}
	if _, err := iso20022.ToMinor(e.Amount); err != nil || e.Amount.Amount == "" {
		return nil // not an amount the ledger can take; reported unmatched
	}
	p, reason, err := s.matchProceeds(ctx, q, e)
	if err != nil {
		return err
	}
	ccy := e.Amount.Currency
	cash, err := s.ensureAccount(ctx, BankCashCode, ccy, "asset")
	if err != nil {
		return err
	}
	from, status := "", CreditSuspense
	if reason == "" {
		status = CreditCleared
		if from, err = s.ensureAccount(ctx, clearingCode(p.Marketplace), ccy, "asset"); err != nil {
			return err
		}
	} else if from, err = s.ensureAccount(ctx, SuspenseCode, ccy, "liability"); err != nil {
		return err
	}
	now := nowUTC(s)
	c := BankCredit{ID: ids.New("sbc"), ReconciliationID: reconID, MsgID: msgID, Account: e.Account, EndToEndID: e.EndToEndID,
		Remittance: e.Remittance, BankRef: e.BankRef, BookingDate: e.BookingDate, Amount: e.Amount, Status: status,
		Reason: reason, ProceedsID: p.ID, CreatedAt: now, UpdatedAt: now}
	desc := fmt.Sprintf("Bank credit %s to suspense", e.Amount)
	if status == CreditCleared {
		desc = fmt.Sprintf("Bank credit %s clears proceeds %s %s", e.Amount, p.Marketplace, p.Reference)
	}
	entry, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:bank-credit:" + key,
		Description: desc, Metadata: map[string]string{"bank_credit_id": c.ID, "proceeds_id": p.ID, "end_to_end_id": e.EndToEndID},
		Postings: []ledger.PostingInput{{Account: cash, Direction: ledger.Debit, Amount: e.Amount},
			{Account: from, Direction: ledger.Credit, Amount: e.Amount}}})
	if err != nil {
		return err
	}
	c.EntryID = entry.ID
	if _, err := q.ExecContext(ctx, `INSERT INTO settlement_bank_credits (tenant_id, sandbox, id, dedup_key, recon_id, msg_id,
		account, end_to_end_id, remittance, bank_ref, booking_date, currency, amount_minor, status, reason, proceeds_id,
		entry_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
		c.ID, key, reconID, msgID, c.Account, c.EndToEndID, c.Remittance, c.BankRef, c.BookingDate, ccy, minorOf(e.Amount),
		c.Status, c.Reason, c.ProceedsID, c.EntryID, now); err != nil {
		return fmt.Errorf("payouts: keep bank credit: %w", err)
	}
	re.Result, re.BankCreditID, re.ProceedsID, re.Reason = ReconSuspense, c.ID, c.ProceedsID, c.Reason
	if status == CreditCleared {
		re.Result = ReconCleared
		gross := p.Gross
		re.Expected = &gross
	}
	return s.audit.Record(ctx, audit.Event{Action: "settlement.bank_credit.book", Resource: "settlement_bank_credit/" + c.ID,
		Change: c})
}

// GetBankCredit returns a bank credit.
func (s *Service) GetBankCredit(ctx context.Context, id string) (BankCredit, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return BankCredit{}, err
	}
	c, err := scanBankCredit(q.QueryRowContext(ctx, `SELECT `+bankCreditCols+` FROM settlement_bank_credits
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return BankCredit{}, problem.ErrNotFound
	}
	if err != nil {
		return BankCredit{}, fmt.Errorf("payouts: get bank credit: %w", err)
	}
	return c, nil
}

// ListBankCredits lists bank credits newest first, of one status (cleared
// or suspense) or all.
func (s *Service) ListBankCredits(ctx context.Context, status string, p web.Page) (web.List[BankCredit], error) {
	if status != "" && status != CreditCleared && status != CreditSuspense {
		return web.List[BankCredit]{}, problem.Invalid(problem.Field{Field: "status", Code: "one_of",
			Params: []any{"values", CreditCleared + ", " + CreditSuspense}})
	}
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[BankCredit]{}, err
	}
	after := p.After
	if after == "" {
		after = "~"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+bankCreditCols+` FROM settlement_bank_credits
		WHERE tenant_id = $1 AND sandbox = $2 AND id < $3 AND ($4 = '' OR status = $4) ORDER BY id DESC LIMIT $5`,
		after, status, p.FetchLimit())
	if err != nil {
		return web.List[BankCredit]{}, fmt.Errorf("payouts: list bank credits: %w", err)
	}
	items, err := db.Collect(rows, scanBankCredit)
	if err != nil {
		return web.List[BankCredit]{}, fmt.Errorf("payouts: list bank credits: %w", err)
	}
	return web.NewList(p, items, func(c BankCredit) string { return c.ID }), nil
}

// MatchBankCredit says which proceeds a credit in suspense paid: their
// gross moves from the suspense account to the marketplace's clearing
// account, in one entry with the credit's change of status. The proceeds
// must be for exactly the credit's amount and currency and not cleared
// yet; a credit not in suspense is 409.
func (s *Service) MatchBankCredit(ctx context.Context, id string, in MatchInput) (BankCredit, error) {
	in.ProceedsID = strings.TrimSpace(in.ProceedsID)
	if in.ProceedsID == "" {
		return BankCredit{}, problem.Invalid(problem.Field{Field: "proceeds_id", Code: "required"})
	}
	var out BankCredit
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		before, err := scanBankCredit(q.QueryRowContext(ctx, `SELECT `+bankCreditCols+` FROM settlement_bank_credits
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return problem.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("payouts: get bank credit: %w", err)
		}
		if before.Status != CreditSuspense {
			return problem.Conflict("bank_credit_not_in_suspense", "id", id, "status", before.Status)
		}
		p, _, err := scanProceeds(q.QueryRowContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, in.ProceedsID))
		if errors.Is(err, sql.ErrNoRows) {
			return errNotFound("proceeds_id")
		}
		if err != nil {
			return fmt.Errorf("payouts: find proceeds: %w", err)
		}
		if p.Gross != before.Amount {
			return problem.Invalid(problem.Field{Field: "proceeds_id", Code: SuspenseAmount,
				Params: []any{"expected", p.Gross.String(), "amount", before.Amount.String()}})
		}
		var other string
		err = q.QueryRowContext(ctx, `SELECT id FROM settlement_bank_credits WHERE tenant_id = $1 AND sandbox = $2
			AND proceeds_id = $3`, p.ID).Scan(&other)
		switch {
		case err == nil:
			return proceedsCleared(p.ID, other)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("payouts: find clearing credit: %w", err)
		}
		ccy := before.Amount.Currency
		suspense, err := s.ensureAccount(ctx, SuspenseCode, ccy, "liability")
		if err != nil {
			return err
		}
		clearing, err := s.ensureAccount(ctx, clearingCode(p.Marketplace), ccy, "asset")
		if err != nil {
			return err
		}
		e, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:bank-credit-match:" + id,
			Description: fmt.Sprintf("Bank credit %s matched to proceeds %s %s", before.Amount, p.Marketplace, p.Reference),
			Metadata:    map[string]string{"bank_credit_id": id, "proceeds_id": p.ID},
			Postings: []ledger.PostingInput{{Account: suspense, Direction: ledger.Debit, Amount: before.Amount},
				{Account: clearing, Direction: ledger.Credit, Amount: before.Amount}}})
		if err != nil {
			return err
		}
		now := nowUTC(s)
		res, err := q.ExecContext(ctx, `UPDATE settlement_bank_credits SET status = $4, proceeds_id = $5, match_entry_id = $6,
			updated_at = $7 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = $8`,
			id, CreditCleared, p.ID, e.ID, now, CreditSuspense)
		if db.IsUnique(err) {
			return proceedsCleared(p.ID, "")
		}
		if err != nil {
			return fmt.Errorf("payouts: match bank credit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.Conflict("bank_credit_not_in_suspense", "id", id, "status", CreditCleared)
		}
		out = before
		out.Status, out.ProceedsID, out.MatchEntryID, out.UpdatedAt = CreditCleared, p.ID, e.ID, now
		return s.audit.Record(ctx, audit.Event{Action: "settlement.bank_credit.match", Resource: "settlement_bank_credit/" + id,
			Change: map[string]any{"before": before, "after": out}})
	})
	if err != nil {
		return BankCredit{}, err
	}
	return out, nil
}

func proceedsCleared(proceeds, by string) error {
	return &problem.Error{Status: http.StatusConflict, Code: "proceeds_already_cleared", Params: []any{"id", proceeds, "by", by},
		Fields: []problem.Field{{Field: "proceeds_id", Code: "proceeds_already_cleared", Params: []any{"id", proceeds, "by", by}}}}
}
