package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/jobs"
	"github.com/silkgate/silkgate/internal/platform/problem"
	"github.com/silkgate/silkgate/internal/platform/web"
)

const balanceSQL = `SELECT COALESCE(SUM(debits_posted), 0), COALESCE(SUM(credits_posted), 0),
	COALESCE(SUM(debits_pending), 0), COALESCE(SUM(credits_pending), 0)
	FROM ledger_balances WHERE tenant_id = $1 AND sandbox = $2 AND account_id = $3`

// GetAccount returns an account with its balance summed over its shards.
func (s *Service) GetAccount(ctx context.Context, id string) (Account, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Account{}, err
	}
	a, _, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountCols+` FROM ledger_accounts
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, problem.ErrNotFound
	}
	if err != nil {
		return Account{}, fmt.Errorf("ledger: get account: %w", err)
	}
	var c counters
	if err := q.QueryRowContext(ctx, balanceSQL, id).Scan(&c.dPost, &c.cPost, &c.dPend, &c.cPend); err != nil {
		return Account{}, fmt.Errorf("ledger: balance of %s: %w", id, err)
	}
	a.Balance = c.balance(a.Asset)
	return a, nil
}

// AccountFilter narrows ListAccounts.
type AccountFilter struct {
	Asset string
	Code  string
}

// ListAccounts lists accounts oldest first, without balances.
func (s *Service) ListAccounts(ctx context.Context, f AccountFilter, p web.Page) (web.List[Account], error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return web.List[Account]{}, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+accountCols+` FROM ledger_accounts
		WHERE tenant_id = $1 AND sandbox = $2 AND id > $3 AND ($4 = '' OR asset = $4) AND ($5 = '' OR code = $5)
		ORDER BY id LIMIT $6`, p.After, f.Asset, f.Code, p.FetchLimit())
	if err != nil {
		return web.List[Account]{}, fmt.Errorf("ledger: list accounts: %w", err)
	}
	items, err := db.Collect(rows, func(r db.Row) (Account, error) {
		a, _, err := scanAccount(r)
		return a, err
	})
	if err != nil {
		return web.List[Account]{}, fmt.Errorf("ledger: list accounts: %w", err)
	}
	return web.NewList(p, items, func(a Account) string { return a.ID }), nil
}

// Mismatch is an account whose balance rows disagree with its postings.
type Mismatch struct {
	AccountID string
	Stored    counters
	Derived   counters
}

// Verify recomputes every account's counters of the caller's partition
// from the postings — posted from posted postings, pending from the
// pending postings of entries still pending — and returns the accounts
// whose balance rows disagree. An empty result is the proof that the
// balance rows (kept for speed) are the postings' sums.
func (s *Service) Verify(ctx context.Context) ([]Mismatch, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return nil, err
	}
	stored := map[string]counters{}
	rows, err := q.QueryContext(ctx, `SELECT account_id, SUM(debits_posted), SUM(credits_posted), SUM(debits_pending),
		SUM(credits_pending) FROM ledger_balances WHERE tenant_id = $1 AND sandbox = $2 GROUP BY account_id`)
	if err != nil {
		return nil, fmt.Errorf("ledger: verify: %w", err)
	}
	for rows.Next() {
		var (
			id string
			c  counters
		)
		if err := rows.Scan(&id, &c.dPost, &c.cPost, &c.dPend, &c.cPend); err != nil {
			rows.Close()
			return nil, fmt.Errorf("ledger: verify: %w", err)
		}
		stored[id] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	derived := map[string]counters{}
	rows, err = q.QueryContext(ctx, `SELECT p.account_id, p.phase, SUM(p.debit), SUM(p.credit)
		FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id
		WHERE p.tenant_id = $1 AND p.sandbox = $2 AND (p.phase = 'posted' OR e.status = 'pending')
		GROUP BY p.account_id, p.phase`)
	if err != nil {
		return nil, fmt.Errorf("ledger: verify: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, phase string
			dr, cr    int64
		)
		if err := rows.Scan(&id, &phase, &dr, &cr); err != nil {
			return nil, fmt.Errorf("ledger: verify: %w", err)
		}
		c := derived[id]
		if phase == StatusPending {
			c.dPend, c.cPend = dr, cr
		} else {
			c.dPost, c.cPost = dr, cr
		}
		derived[id] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Mismatch
	for id, c := range stored {
		if d := derived[id]; d != c {
			out = append(out, Mismatch{AccountID: id, Stored: c, Derived: d})
		}
	}
	for id, d := range derived {
		if _, ok := stored[id]; !ok {
			out = append(out, Mismatch{AccountID: id, Derived: d})
		}
	}
	return out, nil
}

type expireArgs struct{}

func (expireArgs) Kind() string { return "ledger_expire_holds" }

// UseJobs registers the job that voids expired pending entries, every
// minute. Call it while wiring, before q starts.
func (s *Service) UseJobs(q *jobs.Queue) {
	jobs.Handle(q, 5*time.Minute, func(ctx context.Context, _ *jobs.Job[expireArgs]) error {
		_, err := s.ExpireHolds(ctx)
		return err
	})
	q.Every("ledger_expire_holds", time.Minute, func() jobs.Args { return expireArgs{} })
}

// ExpireHolds voids every pending entry past its expiry, in every tenant,
// and returns how many it voided. Each is voided in its own transaction,
// so one failure does not hold back the rest (the next run retries it).
func (s *Service) ExpireHolds(ctx context.Context) (int, error) {
	voided := 0
	var firstErr error
	for {
		rows, err := s.db.Q(ctx).QueryContext(ctx, `SELECT tenant_id, sandbox, id FROM ledger_entries
			WHERE status = 'pending' AND expires_at <= $1 ORDER BY expires_at, id LIMIT 500`, s.now().UTC())
		if err != nil {
			return voided, fmt.Errorf("ledger: find expired holds: %w", err)
		}
		type due struct {
			scope db.Scope
			id    string
		}
		batch, err := db.Collect(rows, func(r db.Row) (due, error) {
			var d due
			return d, r.Scan(&d.scope.TenantID, &d.scope.Sandbox, &d.id)
		})
		if err != nil {
			return voided, fmt.Errorf("ledger: find expired holds: %w", err)
		}
		progress := false
		for _, d := range batch {
			e, err := s.void(db.WithScope(ctx, d.scope), d.id, "expired")
			if err != nil {
				if !errors.Is(err, problem.ErrConflict) && firstErr == nil {
					firstErr = err
				}
				s.log.Warn("ledger: expire hold", "entry", d.id, "error", err)
				continue
			}
			if e.Status == StatusVoided {
				voided++
				progress = true
			}
		}
		if len(batch) < 500 || !progress {
			return voided, firstErr
		}
	}
}
