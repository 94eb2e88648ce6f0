package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/money"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

// MaxBalances bounds Balances: an account code exists at most once per
// asset, and there are fewer than 200 active ISO 4217 currencies.
const MaxBalances = 500

// Balances returns the accounts matching f, each with its balance summed
// over its shards, ordered by asset then code. It reads every balance in
// one query, for pages that show a tenant's money in every currency at
// once.
func (s *Service) Balances(ctx context.Context, f AccountFilter) ([]Account, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.code, a.asset, a.kind, a.flags, a.shards, a.description, a.created_at,
		COALESCE(SUM(b.debits_posted), 0), COALESCE(SUM(b.credits_posted), 0),
		COALESCE(SUM(b.debits_pending), 0), COALESCE(SUM(b.credits_pending), 0)
		FROM ledger_accounts a LEFT JOIN ledger_balances b ON b.account_id = a.id
		WHERE a.tenant_id = $1 AND a.sandbox = $2 AND ($3 = '' OR a.code = $3) AND ($4 = '' OR a.asset = $4)
		GROUP BY a.id, a.code, a.asset, a.kind, a.flags, a.shards, a.description, a.created_at
		ORDER BY a.asset, a.code LIMIT $5`, f.Code, f.Asset, MaxBalances)
	if err != nil {
		return nil, fmt.Errorf("ledger: balances: %w", err)
	}
	out, err := db.Collect(rows, func(r db.Row) (Account, error) {
		var (
			a     Account
			flags int
			c     counters
		)
		if err := r.Scan(&a.ID, &a.Code, &a.Asset, &a.Kind, &flags, &a.Shards, &a.Description, &a.CreatedAt,
			&c.dPost, &c.cPost, &c.dPend, &c.cPend); err != nil {
			return Account{}, err
		}
		a.Flags, a.CreatedAt, a.Balance = flagNames(flags), a.CreatedAt.UTC(), c.balance(a.Asset)
		return a, nil
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: balances: %w", err)
	}
	return out, nil
}

// StatementLine is what one entry did to one account: the sums of the
// entry's debits and credits to it (an entry may touch an account more
// than once, say an FX conversion's amount and its spread).
type StatementLine struct {
	EntryID     string      `json:"entry_id"`
	Kind        string      `json:"kind"`
	Status      string      `json:"status"`
	Description string      `json:"description,omitempty"`
	Phase       string      `json:"phase"`
	Debit       money.Money `json:"debit"`
	Credit      money.Money `json:"credit"`
	CreatedAt   time.Time   `json:"created_at"`
}

// Statement lists the entries that moved an account, newest first.
func (s *Service) Statement(ctx context.Context, accountID string, p web.Page) (web.List[StatementLine], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[StatementLine]{}, err
	}
	var asset string
	if err := q.QueryRowContext(ctx, `SELECT asset FROM ledger_accounts WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`,
		accountID).Scan(&asset); errors.Is(err, sql.ErrNoRows) {
		return web.List[StatementLine]{}, problem.ErrNotFound
	} else if err != nil {
		return web.List[StatementLine]{}, fmt.Errorf("ledger: statement: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT p.entry_id, e.kind, e.status, e.description, p.phase, e.created_at,
		SUM(p.debit), SUM(p.credit)
		FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		WHERE p.tenant_id = $1 AND p.sandbox = $2 AND p.account_id = $3 AND ($4 = '' OR p.entry_id < $4)
		GROUP BY p.entry_id, e.kind, e.status, e.description, p.phase, e.created_at
		ORDER BY p.entry_id DESC LIMIT $5`, accountID, p.After, p.FetchLimit())
	if err != nil {
		return web.List[StatementLine]{}, fmt.Errorf("ledger: statement: %w", err)
	}
	items, err := db.Collect(rows, func(r db.Row) (StatementLine, error) {
		var (
			l      StatementLine
			dr, cr int64
		)
		if err := r.Scan(&l.EntryID, &l.Kind, &l.Status, &l.Description, &l.Phase, &l.CreatedAt, &dr, &cr); err != nil {
			return StatementLine{}, err
		}
		l.Debit, l.Credit, l.CreatedAt = fromMinor(dr, asset), fromMinor(cr, asset), l.CreatedAt.UTC()
		return l, nil
	})
	if err != nil {
		return web.List[StatementLine]{}, fmt.Errorf("ledger: statement: %w", err)
	}
	return web.NewList(p, items, func(l StatementLine) string { return l.EntryID }), nil
}

func (s *Service) handleStatement(w http.ResponseWriter, r *http.Request) error {
	pg, err := web.PageFrom(r)
	if err != nil {
		return err
	}
	l, err := s.Statement(r.Context(), r.PathValue("id"), pg)
	if err != nil {
		return err
	}
	return web.Respond(w, r, http.StatusOK, l)
}
