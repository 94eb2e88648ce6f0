package ledger

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// stored is an entry row with its postings as legs.
type stored struct {
	Entry
	hash string
	legs []leg
}

func (s *Service) load(ctx context.Context, q db.Tenanted, id string) (stored, error) {
	var (
		st                         stored
		key, ref, closed, reversed sql.NullString
		meta                       string
		exp                        sql.NullTime
	)
	err := q.QueryRowContext(ctx, `SELECT id, kind, status, idem_key, body_hash, ref_id, closed_by, reversed_by,
		description, metadata, expires_at, created_at FROM ledger_entries
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`, id).Scan(&st.ID, &st.Kind, &st.Status, &key, &st.hash,
		&ref, &closed, &reversed, &st.Description, &meta, &exp, &st.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return stored{}, problem.ErrNotFound
	}
	if err != nil {
		return stored{}, fmt.Errorf("ledger: get entry: %w", err)
	}
	st.IdempotencyKey, st.RefID, st.ClosedBy, st.ReversedBy = key.String, ref.String, closed.String, reversed.String
	st.CreatedAt = st.CreatedAt.UTC()
	if exp.Valid {
		t := exp.Time.UTC()
		st.ExpiresAt = &t
	}
	if meta != "{}" {
		if err := json.Unmarshal([]byte(meta), &st.Metadata); err != nil {
			return stored{}, fmt.Errorf("ledger: decode metadata of %s: %w", id, err)
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT p.account_id, a.code, p.shard, p.asset, p.debit, p.credit, p.phase
		FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id
		WHERE p.tenant_id = $1 AND p.sandbox = $2 AND p.entry_id = $3 ORDER BY p.seq`, id)
	if err != nil {
		return stored{}, fmt.Errorf("ledger: get postings: %w", err)
	}
	defer rows.Close()
	st.Postings = []Posting{}
	for rows.Next() {
		var (
			l             leg
			code, phase   string
			debit, credit int64
		)
		if err := rows.Scan(&l.accountID, &code, &l.shard, &l.asset, &debit, &credit, &phase); err != nil {
			return stored{}, fmt.Errorf("ledger: get postings: %w", err)
		}
		l.debit, l.amount = debit > 0, debit+credit
		dir := Credit
		if l.debit {
			dir = Debit
		}
		st.Postings = append(st.Postings, Posting{AccountID: l.accountID, AccountCode: code, Direction: dir,
			Amount: fromMinor(l.amount, l.asset), Phase: phase})
		st.legs = append(st.legs, l)
	}
	return st, rows.Err()
}

func (s *Service) get(ctx context.Context, q db.Tenanted, id string) (Entry, error) {
	st, err := s.load(ctx, q, id)
	return st.Entry, err
}

// GetEntry returns an entry with its postings.
func (s *Service) GetEntry(ctx context.Context, id string) (Entry, error) {
	q, err := s.db.TenantRead(ctx)
	if err != nil {
		return Entry{}, err
	}
	return s.get(ctx, q, id)
}

// withAccounts fills each leg's account.
func (s *Service) withAccounts(ctx context.Context, q db.Tenanted, legs []leg) error {
	for i := range legs {
		a, err := s.accountByID(ctx, q, legs[i].accountID)
		if err != nil {
			return err
		}
		legs[i].acct = a
	}
	return nil
}

// Post posts a pending entry, in full or (with req.Postings) for less; the
// remainder of every reservation is released. It returns the post entry.
// Repeating the same request returns the same post entry.
func (s *Service) Post(ctx context.Context, id string, req PostRequest) (Entry, error) {
	var (
		fs  problem.Errors
		in  []leg
		out Entry
	)
	if len(req.Postings) > 0 {
		in = validateLegs("postings", req.Postings, &fs)
		if err := fs.Err(); err != nil {
			return Entry{}, err
		}
	}
	hash := hashBody(req)
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.Group(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		st, err := s.load(ctx, q, id)
		if err != nil {
			return err
		}
		if st.Status != StatusPending {
			if st.ClosedBy != "" {
				if c, err := s.load(ctx, q, st.ClosedBy); err == nil && c.Kind == KindPost && c.hash == hash {
					out = c.Entry
					return nil
				}
			}
			return errState("entry_not_pending", id, st.Status)
		}
		if st.ExpiresAt != nil && !now.Before(*st.ExpiresAt) {
			return errState("entry_expired", id, st.Status)
		}
		if err := s.withAccounts(ctx, q, st.legs); err != nil {
			return err
		}
		// posted[i] is how much of pending leg i is posted.
		posted := make([]int64, len(st.legs))
		if in == nil {
			for i, l := range st.legs {
				posted[i] = l.amount
			}
		} else {
			for _, l := range in {
				i := matchLeg(st.legs, l, posted)
				switch {
				case i < 0:
					fs.Add(l.field, "not_found")
				case l.amount > st.legs[i].amount:
					fs.Add(l.field+".amount.amount", "exceeds_pending", "max", fromMinor(st.legs[i].amount, l.asset).Amount)
				default:
					posted[i] = l.amount
				}
			}
			if err := fs.Err(); err != nil {
				return err
			}
		}
		postID := ids.New("len")
		if err := s.close(ctx, q, id, StatusPosted, postID); err != nil {
			return err
		}
		if err := s.insertEntry(ctx, q, postID, KindPost, id, hash, now); err != nil {
			return err
		}
		var ds []*delta
		var outLegs []leg
		for i, l := range st.legs {
			c := counters{}
			if l.debit {
				c.dPend, c.dPost = -l.amount, posted[i]
			} else {
				c.cPend, c.cPost = -l.amount, posted[i]
			}
			ds = append(ds, &delta{acct: l.acct, shard: l.shard, fixed: true, c: c})
			if posted[i] > 0 {
				pl := l
				pl.amount = posted[i]
				outLegs = append(outLegs, pl)
			}
		}
		if err := s.apply(ctx, q, ds, nil); err != nil {
			return err
		}
		if len(outLegs) > 0 {
			if err := s.insertPostings(ctx, q, postID, outLegs, StatusPosted); err != nil {
				return err
			}
		}
		out = Entry{ID: postID, Kind: KindPost, Status: StatusPosted, RefID: id, CreatedAt: now,
			Postings: postingsOf(outLegs, StatusPosted)}
		return nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}

// matchLeg finds the pending leg l posts: same account, direction and
// asset, not already matched.
func matchLeg(legs []leg, l leg, posted []int64) int {
	for i, p := range legs {
		if posted[i] == 0 && p.debit == l.debit && p.asset == l.asset &&
			(p.accountID == l.ref || p.acct.code == l.ref) {
			return i
		}
	}
	return -1
}

// close moves a pending entry to status, guarded so it happens once.
func (s *Service) close(ctx context.Context, q db.Tenanted, id, status, by string) error {
	res, err := q.ExecContext(ctx, `UPDATE ledger_entries SET status = $4, closed_by = $5
		WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND status = 'pending'`, id, status, by)
	if err != nil {
		return fmt.Errorf("ledger: close %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("ledger: close %s: %w", id, err)
	} else if n == 0 {
		return errState("entry_not_pending", id, "")
	}
	return nil
}

func (s *Service) insertEntry(ctx context.Context, q db.Tenanted, id, kind, ref, hash string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ledger_entries (tenant_id, sandbox, id, body_hash, kind, status, ref_id,
		created_at) VALUES ($1, $2, $3, $4, $5, 'posted', $6, $7)`, id, hash, kind, ref, now)
	if err != nil {
		return fmt.Errorf("ledger: write %s entry: %w", kind, err)
	}
	return nil
}

// Void releases a pending entry's reservations. Voiding a voided entry
// returns it unchanged.
func (s *Service) Void(ctx context.Context, id string) (Entry, error) {
	return s.void(ctx, id, "")
}

func (s *Service) void(ctx context.Context, id, reason string) (Entry, error) {
	var out Entry
	now := s.now().UTC().Truncate(time.Microsecond)
	err := s.db.Group(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		st, err := s.load(ctx, q, id)
		if err != nil {
			return err
		}
		if st.Status == StatusVoided {
			out = st.Entry
			return nil
		}
		if st.Status != StatusPending {
			return errState("entry_not_pending", id, st.Status)
		}
		if err := s.withAccounts(ctx, q, st.legs); err != nil {
			return err
		}
		voidID := ids.New("len")
		if err := s.close(ctx, q, id, StatusVoided, voidID); err != nil {
			return err
		}
		if err := s.insertEntry(ctx, q, voidID, KindVoid, id, hashBody(reason), now); err != nil {
			return err
		}
		var ds []*delta
		for _, l := range st.legs {
			c := counters{}
			if l.debit {
				c.dPend = -l.amount
			} else {
				c.cPend = -l.amount
			}
			ds = append(ds, &delta{acct: l.acct, shard: l.shard, fixed: true, c: c})
		}
		if err := s.apply(ctx, q, ds, nil); err != nil {
			return err
		}
		st.Status, st.ClosedBy = StatusVoided, voidID
		out = st.Entry
		if reason != "" {
			return s.audit.Record(ctx, audit.Event{Action: "ledger.entry.expire", Resource: "ledger_entry/" + id,
				Change: map[string]any{"void_entry": voidID, "reason": reason}})
		}
		return nil
	})
	if err != nil {
		return Entry{}, err
	}
	return out, nil
}

// Reverse writes the reversing entry of a posted entry: every posting
// with its direction swapped, on the same account. A pending entry that
// was posted is reversed through its post entry. Reversing twice returns
// the first reversal (replay true). A reversal is refused like any entry
// when a guarded account no longer holds the funds.
func (s *Service) Reverse(ctx context.Context, id string) (out Entry, replay bool, err error) {
	now := s.now().UTC().Truncate(time.Microsecond)
	err = s.db.Group(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		st, err := s.load(ctx, q, id)
		if err != nil {
			return err
		}
		if st.ReversedBy != "" {
			replay = true
			out, err = s.get(ctx, q, st.ReversedBy)
			return err
		}
		if st.Status != StatusPosted || (st.Kind != KindTransfer && st.Kind != KindReversal) {
			return errState("entry_not_reversible", id, st.Status)
		}
		legs := st.legs
		if st.ClosedBy != "" {
			// A hold that was posted: its posted amounts are the post
			// entry's.
			c, err := s.load(ctx, q, st.ClosedBy)
			if err != nil {
				return err
			}
			legs = c.legs
		}
		if err := s.withAccounts(ctx, q, legs); err != nil {
			return err
		}
		revID := ids.New("len")
		res, err := q.ExecContext(ctx, `UPDATE ledger_entries SET reversed_by = $4
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3 AND reversed_by IS NULL`, id, revID)
		if err != nil {
			return fmt.Errorf("ledger: reverse %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errState("entry_not_reversible", id, st.Status)
		}
		if err := s.insertEntry(ctx, q, revID, KindReversal, id, hashBody(id), now); err != nil {
			return err
		}
		rev := make([]leg, len(legs))
		var ds []*delta
		for i, l := range legs {
			l.debit = !l.debit
			l.field = fmt.Sprintf("postings[%d]", i)
			rev[i] = l
			c := counters{}
			if l.debit {
				c.dPost = l.amount
			} else {
				c.cPost = l.amount
			}
			d := &delta{acct: l.acct, shard: l.shard, c: c, legs: []int{i}}
			ds = append(ds, d)
		}
		if err := s.apply(ctx, q, ds, rev); err != nil {
			return err
		}
		for _, d := range ds {
			rev[d.legs[0]].shard = d.shard
		}
		if err := s.insertPostings(ctx, q, revID, rev, StatusPosted); err != nil {
			return err
		}
		out = Entry{ID: revID, Kind: KindReversal, Status: StatusPosted, RefID: id, CreatedAt: now,
			Postings: postingsOf(rev, StatusPosted)}
		return s.audit.Record(ctx, audit.Event{Action: "ledger.entry.reverse", Resource: "ledger_entry/" + id,
			Change: map[string]any{"reversal": revID}})
	})
	if err != nil {
		return Entry{}, false, err
	}
	return out, replay, nil
}
