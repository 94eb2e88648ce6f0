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
	Reason string `json:"reason,omitempty"`
	// ProceedsID is the proceeds line the credit paid when it paid one;
	// ProceedsIDs lists every line it paid (one transfer may pay several
	// settlement lines, of one seller or of several).
	ProceedsID  string   `json:"proceeds_id,omitempty"`
	ProceedsIDs []string `json:"proceeds_ids,omitempty"`
	// EntryID is the entry that booked the money in: clearing → bank, or
	// suspense → bank. MatchEntryID is the later suspense → clearing.
	EntryID      string    `json:"entry_id"`
	MatchEntryID string    `json:"match_entry_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// MatchInput names the proceeds a suspense credit paid: one line, or
// several whose gross adds up to the credit.
type MatchInput struct {
	ProceedsID  string   `json:"proceeds_id,omitempty"`
	ProceedsIDs []string `json:"proceeds_ids,omitempty"`
}

// maxCreditLines bounds the proceeds lines one credit may pay.
const maxCreditLines = 200

// ids returns the distinct proceeds ids named, or the field error.
func (in MatchInput) ids() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, id := range append([]string{in.ProceedsID}, in.ProceedsIDs...) {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	switch {
	case len(out) == 0:
		return nil, problem.Invalid(problem.Field{Field: "proceeds_id", Code: "required"})
	case len(out) > maxCreditLines:
		return nil, problem.Invalid(problem.Field{Field: "proceeds_ids", Code: "max_items",
			Params: []any{"max", maxCreditLines}})
	}
	return out, nil
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
// or id) and for exactly its gross amount and currency — one line, or,
// when no single line fits, every line named whose gross adds up to the
// credit (a transfer that pays several settlement lines lists their
// references). Anything else gives the suspense reason.
func (s *Service) matchProceeds(ctx context.Context, q db.Tenanted, e iso20022.BankEntry) ([]Proceeds, string, error) {
	idents := identifiers(e)
	if len(idents) == 0 {
		return nil, SuspenseNoMatch, nil
	}
	args := make([]any, 0, len(idents)+1)
	for _, v := range idents {
		args = append(args, v)
	}
	in := db.Params(3, len(idents))
	args = append(args, maxCreditLines+1)
	rows, err := q.QueryContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds p
		WHERE tenant_id = $1 AND sandbox = $2 AND (reference IN (`+in+`) OR id IN (`+in+`))
		AND NOT EXISTS (SELECT 1 FROM settlement_bank_credit_lines l WHERE l.tenant_id = p.tenant_id
			AND l.sandbox = p.sandbox AND l.proceeds_id = p.id)
		ORDER BY id LIMIT $`+strconv.Itoa(len(args)+2), args...)
	if err != nil {
		return nil, "", fmt.Errorf("payouts: match bank credit: %w", err)
	}
	named, err := collectProceeds(rows)
	if err != nil {
		return nil, "", err
	}
	var fit []Proceeds
	for _, p := range named {
		if p.Gross == e.Amount {
			fit = append(fit, p)
		}
	}
	switch {
	case len(fit) == 1:
		return fit, "", nil
	case len(fit) > 1:
		return nil, SuspenseAmbiguous, nil
	case len(named) == 0:
		return nil, SuspenseNoMatch, nil
	case len(named) > 1 && len(named) <= maxCreditLines && sumGross(named, e.Amount.Currency) == minorOf(e.Amount):
		return named, "", nil
	}
	return nil, SuspenseAmount, nil
}

// sumGross adds the gross of ps in minor units; -1 when one is in another
// currency.
func sumGross(ps []Proceeds, ccy string) int64 {
	var n int64
	for _, p := range ps {
		if p.Gross.Currency != ccy {
			return -1
		}
		n += minorOf(p.Gross)
	}
	return n
}

// clearingPostings credits each marketplace's clearing account with the
// gross of its lines in ps, in the order the marketplaces first appear.
func (s *Service) clearingPostings(ctx context.Context, ps []Proceeds, ccy string) ([]ledger.PostingInput, error) {
	var (
		out []ledger.PostingInput
		at  = map[string]int{}
		sum []int64
	)
	for _, p := range ps {
		k, ok := at[p.Marketplace]
		if !ok {
			acct, err := s.ensureAccount(ctx, clearingCode(p.Marketplace), ccy, "asset")
			if err != nil {
				return nil, err
			}
			k = len(out)
			at[p.Marketplace] = k
			out = append(out, ledger.PostingInput{Account: acct, Direction: ledger.Credit})
			sum = append(sum, 0)
		}
		sum[k] += minorOf(p.Gross)
	}
	for i := range out {
		out[i].Amount = moneyOf(sum[i], ccy)
	}
	return out, nil
}

// keepLines records that credit paid ps. A line another credit paid
// meanwhile is the 409.
func keepLines(ctx context.Context, q db.Tenanted, credit string, ps []Proceeds) error {
	for _, p := range ps {
		_, err := q.ExecContext(ctx, `INSERT INTO settlement_bank_credit_lines (tenant_id, sandbox, credit_id, proceeds_id)
			VALUES ($1, $2, $3, $4)`, credit, p.ID)
		if db.IsUnique(err) {
			return proceedsCleared(p.ID, "")
		}
		if err != nil {
			return fmt.Errorf("payouts: keep bank credit line: %w", err)
		}
	}
	return nil
}

// proceedsIDs returns the ids of ps.
func proceedsIDs(ps []Proceeds) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// withLines fills the ProceedsIDs of cs from their lines.
func withLines(ctx context.Context, q db.Tenanted, cs []BankCredit) error {
	if len(cs) == 0 {
		return nil
	}
	args := make([]any, len(cs))
	at := make(map[string]int, len(cs))
	for i, c := range cs {
		args[i], at[c.ID] = c.ID, i
	}
	rows, err := q.QueryContext(ctx, `SELECT credit_id, proceeds_id FROM settlement_bank_credit_lines
		WHERE tenant_id = $1 AND sandbox = $2 AND credit_id IN (`+db.Params(3, len(cs))+`) ORDER BY proceeds_id`, args...)
	if err != nil {
		return fmt.Errorf("payouts: bank credit lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var credit, proceeds string
		if err := rows.Scan(&credit, &proceeds); err != nil {
			return fmt.Errorf("payouts: bank credit lines: %w", err)
		}
		c := &cs[at[credit]]
		c.ProceedsIDs = append(c.ProceedsIDs, proceeds)
	}
	return rows.Err()
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
		cs := []BankCredit{prev}
		if err := withLines(ctx, q, cs); err != nil {
			return err
		}
		re.Result, re.BankCreditID, re.ProceedsID, re.ProceedsIDs, re.Reason = ReconAlreadyBooked, prev.ID, prev.ProceedsID,
			cs[0].ProceedsIDs, prev.Reason
		return nil
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("payouts: find bank credit: %w", err)
	}
	if _, err := iso20022.ToMinor(e.Amount); err != nil || e.Amount.Amount == "" {
		return nil // not an amount the ledger can take; reported unmatched
	}
	ps, reason, err := s.matchProceeds(ctx, q, e)
	if err != nil {
		return err
	}
	ccy := e.Amount.Currency
	cash, err := s.ensureAccount(ctx, BankCashCode, ccy, "asset")
	if err != nil {
		return err
	}
	now := nowUTC(s)
	c := BankCredit{ID: ids.New("sbc"), ReconciliationID: reconID, MsgID: msgID, Account: e.Account, EndToEndID: e.EndToEndID,
		Remittance: e.Remittance, BankRef: e.BankRef, BookingDate: e.BookingDate, Amount: e.Amount, Status: CreditSuspense,
		Reason: reason, CreatedAt: now, UpdatedAt: now}
	desc := fmt.Sprintf("Bank credit %s to suspense", e.Amount)
	var from []ledger.PostingInput
	if reason == "" {
		c.Status, c.ProceedsIDs = CreditCleared, proceedsIDs(ps)
		if len(ps) == 1 {
			c.ProceedsID = ps[0].ID
			desc = fmt.Sprintf("Bank credit %s clears proceeds %s %s", e.Amount, ps[0].Marketplace, ps[0].Reference)
		} else {
			desc = fmt.Sprintf("Bank credit %s clears %d proceeds lines", e.Amount, len(ps))
		}
		if from, err = s.clearingPostings(ctx, ps, ccy); err != nil {
			return err
		}
	} else {
		suspense, err := s.ensureAccount(ctx, SuspenseCode, ccy, "liability")
		if err != nil {
			return err
		}
		from = []ledger.PostingInput{{Account: suspense, Direction: ledger.Credit, Amount: e.Amount}}
	}
	entry, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:bank-credit:" + key,
		Description: desc, Metadata: map[string]string{"bank_credit_id": c.ID, "proceeds_id": strings.Join(c.ProceedsIDs, " "),
			"end_to_end_id": e.EndToEndID},
		Postings: append([]ledger.PostingInput{{Account: cash, Direction: ledger.Debit, Amount: e.Amount}}, from...)})
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
	if err := keepLines(ctx, q, c.ID, ps); err != nil {
		return err
	}
	re.Result, re.BankCreditID, re.ProceedsID, re.ProceedsIDs, re.Reason = ReconSuspense, c.ID, c.ProceedsID, c.ProceedsIDs, c.Reason
	if c.Status == CreditCleared {
		re.Result = ReconCleared
		expected := moneyOf(sumGross(ps, ccy), ccy)
		re.Expected = &expected
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
	cs := []BankCredit{c}
	if err := withLines(ctx, q, cs); err != nil {
		return BankCredit{}, err
	}
	return cs[0], nil
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
	if err := withLines(ctx, q, items); err != nil {
		return web.List[BankCredit]{}, err
	}
	return web.NewList(p, items, func(c BankCredit) string { return c.ID }), nil
}

// MatchBankCredit says which proceeds a credit in suspense paid — one
// line, or several whose gross adds up to it: their gross moves from the
// suspense account to the marketplaces' clearing accounts, in one entry
// with the credit's change of status. The lines must be in the credit's
// currency, add up to exactly its amount and not be cleared yet; a credit
// not in suspense is 409.
func (s *Service) MatchBankCredit(ctx context.Context, id string, in MatchInput) (BankCredit, error) {
	want, err := in.ids()
	if err != nil {
		return BankCredit{}, err
	}
	field := "proceeds_id"
	if len(want) > 1 {
		field = "proceeds_ids"
	}
	var out BankCredit
	err = s.db.InTx(ctx, func(ctx context.Context) error {
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
		args := make([]any, len(want))
		for i, pid := range want {
			args[i] = pid
		}
		rows, err := q.QueryContext(ctx, `SELECT `+proceedsCols+` FROM settlement_proceeds
			WHERE tenant_id = $1 AND sandbox = $2 AND id IN (`+db.Params(3, len(want))+`)`, args...)
		if err != nil {
			return fmt.Errorf("payouts: find proceeds: %w", err)
		}
		found, err := collectProceeds(rows)
		if err != nil {
			return err
		}
		byID := make(map[string]Proceeds, len(found))
		for _, p := range found {
			byID[p.ID] = p
		}
		ps := make([]Proceeds, 0, len(want))
		for _, pid := range want {
			p, ok := byID[pid]
			if !ok {
				return problem.Invalid(problem.Field{Field: field, Code: "not_found", Params: []any{"id", pid}})
			}
			ps = append(ps, p)
		}
		ccy := before.Amount.Currency
		if got := sumGross(ps, ccy); got != minorOf(before.Amount) {
			expected := ps[0].Gross.String()
			if got >= 0 {
				expected = moneyOf(got, ccy).String()
			}
			ref := before.EndToEndID
			if ref == "" {
				ref = before.ID
			}
			return problem.Invalid(problem.Field{Field: field, Code: SuspenseAmount,
				Params: []any{"expected", expected, "amount", before.Amount.String(), "got", before.Amount.String(),
					"end_to_end_id", ref}})
		}
		var cleared, by string
		err = q.QueryRowContext(ctx, `SELECT proceeds_id, credit_id FROM settlement_bank_credit_lines
			WHERE tenant_id = $1 AND sandbox = $2 AND proceeds_id IN (`+db.Params(3, len(want))+`)
			ORDER BY proceeds_id LIMIT 1`, args...).Scan(&cleared, &by)
		switch {
		case err == nil:
			return proceedsCleared(cleared, by)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("payouts: find clearing credit: %w", err)
		}
		suspense, err := s.ensureAccount(ctx, SuspenseCode, ccy, "liability")
		if err != nil {
			return err
		}
		clearing, err := s.clearingPostings(ctx, ps, ccy)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("Bank credit %s matched to %d proceeds lines", before.Amount, len(ps))
		if len(ps) == 1 {
			desc = fmt.Sprintf("Bank credit %s matched to proceeds %s %s", before.Amount, ps[0].Marketplace, ps[0].Reference)
		}
		e, _, err := s.ledger.CreateEntry(ctx, ledger.NewEntry{IdempotencyKey: "settlement:bank-credit-match:" + id,
			Description: desc, Metadata: map[string]string{"bank_credit_id": id, "proceeds_id": strings.Join(want, " ")},
			Postings: append([]ledger.PostingInput{{Account: suspense, Direction: ledger.Debit, Amount: before.Amount}},
				clearing...)})
		if err != nil {
			return err
		}
		single := ""
		if len(ps) == 1 {
			single = ps[0].ID
		}
		now := nowUTC(s)
		res, err := q.ExecContext(ctx, `UPDATE settlement_bank_credits SET status = $4, proceeds_id = $5, match_entry_id = $6,
			updated_at = $7 WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = $8`,
			id, CreditCleared, single, e.ID, now, CreditSuspense)
		if db.IsUnique(err) {
			return proceedsCleared(single, "")
		}
		if err != nil {
			return fmt.Errorf("payouts: match bank credit: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return problem.Conflict("bank_credit_not_in_suspense", "id", id, "status", CreditCleared)
		}
		if err := keepLines(ctx, q, id, ps); err != nil {
			return err
		}
		out = before
		out.Status, out.ProceedsID, out.ProceedsIDs, out.MatchEntryID, out.UpdatedAt = CreditCleared, single, proceedsIDs(ps), e.ID, now
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
