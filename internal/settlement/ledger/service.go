package ledger

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/silkgate/silkgate/internal/audit"
	"github.com/silkgate/silkgate/internal/platform/db"
	"github.com/silkgate/silkgate/internal/platform/ids"
	"github.com/silkgate/silkgate/internal/platform/problem"
)

// Recorder writes audit records in the caller's transaction.
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Service is the ledger.
type Service struct {
	db    *db.DB
	audit Recorder
	log   *slog.Logger
	now   func() time.Time
	// accounts caches account rows, which never change once written, by
	// scope and id and by scope, code and asset. Accounts created in the
	// caller's transaction are not cached; one read from a SQLite group
	// whose commit then failed fails at its balance UPDATE (no row) and is
	// dropped.
	accounts sync.Map
}

// New returns the ledger service.
func New(d *db.DB, rec Recorder, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: d, audit: rec, log: log, now: time.Now}
}

// account is the cached part of an account row.
type account struct {
	id, code, asset, kind string
	flags, shards         int
}

func cacheKey(s db.Scope, ref, asset string) string {
	return s.TenantID + "\x00" + strconv.FormatBool(s.Sandbox) + "\x00" + ref + "\x00" + asset
}

const accountCols = `id, code, asset, kind, flags, shards, description, created_at`

func scanAccount(r db.Row) (Account, int, error) {
	var (
		a     Account
		flags int
	)
	if err := r.Scan(&a.ID, &a.Code, &a.Asset, &a.Kind, &flags, &a.Shards, &a.Description, &a.CreatedAt); err != nil {
		return Account{}, 0, err
	}
	a.Flags, a.CreatedAt = flagNames(flags), a.CreatedAt.UTC()
	return a, flags, nil
}

// CreateAccount opens an account with zero balances.
func (s *Service) CreateAccount(ctx context.Context, n NewAccount) (Account, error) {
	if err := n.Validate(); err != nil {
		return Account{}, err
	}
	a := Account{ID: ids.New("lac"), Code: n.Code, Asset: n.Asset, Kind: n.Kind, Flags: flagNames(flagBits(n.Flags)),
		Shards: n.Shards, Description: n.Description, CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		ok, err := s.insertAccount(ctx, q, a, flagBits(n.Flags))
		if err != nil {
			return err
		}
		if !ok {
			return &problem.Error{Status: 409, Code: "conflict",
				Fields: []problem.Field{{Field: "code", Code: "taken"}}}
		}
		return s.audit.Record(ctx, audit.Event{Action: "ledger.account.create", Resource: "ledger_account/" + a.ID, Change: a})
	})
	if err != nil {
		return Account{}, err
	}
	a.Balance = counters{}.balance(a.Asset)
	return a, nil
}

// insertAccount writes a and its shard rows; false when (code, asset) is
// taken.
func (s *Service) insertAccount(ctx context.Context, q db.Tenanted, a Account, flags int) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO ledger_accounts (tenant_id, sandbox, id, code, asset, kind, flags,
		shards, description, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (tenant_id, sandbox, code, asset) DO NOTHING`,
		a.ID, a.Code, a.Asset, a.Kind, flags, a.Shards, a.Description, a.CreatedAt)
	if err != nil {
		return false, fmt.Errorf("ledger: create account: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO ledger_balances (tenant_id, sandbox, account_id, shard) VALUES `)
	args := []any{a.ID}
	for i := range a.Shards {
		if i > 0 {
			b.WriteString(", ")
		}
		args = append(args, i)
		fmt.Fprintf(&b, "($1, $2, $3, $%d)", len(args)+2)
	}
	if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
		return false, fmt.Errorf("ledger: create balances: %w", err)
	}
	return true, nil
}

// resolve finds the account a leg names (by id, or by code in the leg's
// asset), creating a platform account on first use.
func (s *Service) resolve(ctx context.Context, q db.Tenanted, ref, asset string) (*account, error) {
	key := cacheKey(q.Scope(), ref, asset)
	if v, ok := s.accounts.Load(key); ok {
		return v.(*account), nil
	}
	query := `SELECT id, code, asset, kind, flags, shards FROM ledger_accounts
		WHERE tenant_id = $1 AND sandbox = $2 AND code = $3 AND asset = $4`
	args := []any{ref, asset}
	if strings.HasPrefix(ref, "lac_") {
		query = `SELECT id, code, asset, kind, flags, shards FROM ledger_accounts
			WHERE tenant_id = $1 AND sandbox = $2 AND id = $3`
		args = args[:1]
	}
	var a account
	err := q.QueryRowContext(ctx, query, args...).Scan(&a.id, &a.code, &a.asset, &a.kind, &a.flags, &a.shards)
	if errors.Is(err, sql.ErrNoRows) {
		spec, ok := platformAccounts[ref]
		if !ok {
			return nil, nil
		}
		na := Account{ID: ids.New("lac"), Code: ref, Asset: asset, Kind: spec.kind, Shards: spec.shards,
			CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
		created, ierr := s.insertAccount(ctx, q, na, spec.flags)
		if ierr != nil {
			return nil, ierr
		}
		err = q.QueryRowContext(ctx, query, args...).Scan(&a.id, &a.code, &a.asset, &a.kind, &a.flags, &a.shards)
		if err == nil && created {
			// Not cached: this transaction may yet roll back, and the
			// account with it.
			return &a, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: find account %s: %w", ref, err)
	}
	s.accounts.Store(key, &a)
	s.accounts.Store(cacheKey(q.Scope(), a.id, ""), &a)
	return &a, nil
}

// accountByID returns a cached account for an id read from a posting.
func (s *Service) accountByID(ctx context.Context, q db.Tenanted, id string) (*account, error) {
	if v, ok := s.accounts.Load(cacheKey(q.Scope(), id, "")); ok {
		return v.(*account), nil
	}
	a, err := s.resolve(ctx, q, id, "")
	if err == nil && a == nil {
		err = fmt.Errorf("ledger: account %s vanished", id)
	}
	return a, err
}

func (s *Service) forget(sc db.Scope, a *account) {
	s.accounts.Delete(cacheKey(sc, a.id, ""))
	s.accounts.Delete(cacheKey(sc, a.id, a.asset))
	s.accounts.Delete(cacheKey(sc, a.code, a.asset))
}

func hashBody(v any) string {
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// CreateEntry writes a balanced entry. A repeat of an earlier request
// with the same idempotency key and body returns the first entry and
// replay true.
func (s *Service) CreateEntry(ctx context.Context, n NewEntry) (e Entry, replay bool, err error) {
	legs, err := n.validate()
	if err != nil {
		return Entry{}, false, err
	}
	key := n.IdempotencyKey
	n.IdempotencyKey = ""
	hash := hashBody(n)
	now := s.now().UTC().Truncate(time.Microsecond)
	e = Entry{ID: ids.New("len"), Kind: KindTransfer, Status: StatusPosted, IdempotencyKey: key,
		Description: n.Description, Metadata: n.Metadata, CreatedAt: now}
	phase := StatusPosted
	if n.Pending {
		e.Status, phase = StatusPending, StatusPending
		exp := n.ExpiresIn
		if exp == 0 {
			exp = DefaultExpiresIn
		}
		t := now.Add(time.Duration(exp) * time.Second)
		e.ExpiresAt = &t
	}
	meta := "{}"
	if len(n.Metadata) > 0 {
		b, _ := json.Marshal(n.Metadata)
		meta = string(b)
	}
	err = s.db.Group(ctx, func(ctx context.Context) error {
		q, err := s.db.Tenant(ctx)
		if err != nil {
			return err
		}
		var fs problem.Errors
		// An account named by two legs is resolved once: a platform
		// account opened by the first is not cached (the transaction may
		// roll back), and a second lookup would cache it.
		resolved := map[[2]string]*account{}
		for i := range legs {
			k := [2]string{legs[i].ref, legs[i].asset}
			a, seen := resolved[k]
			if !seen {
				var err error
				if a, err = s.resolve(ctx, q, legs[i].ref, legs[i].asset); err != nil {
					return err
				}
				resolved[k] = a
			}
			switch {
			case a == nil:
				fs.Add(legs[i].field+".account", "not_found")
			case a.asset != legs[i].asset:
				fs.Add(legs[i].field+".amount.currency", "asset_mismatch", "account", a.code, "asset", a.asset)
			default:
				legs[i].acct = a
			}
		}
		if err := fs.Err(); err != nil {
			return err
		}
		var keyArg any
		if key != "" {
			keyArg = key
		}
		res, err := q.ExecContext(ctx, `INSERT INTO ledger_entries (tenant_id, sandbox, id, idem_key, body_hash, kind,
			status, description, metadata, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (tenant_id, sandbox, idem_key) DO NOTHING`,
			e.ID, keyArg, hash, e.Kind, e.Status, e.Description, meta, e.ExpiresAt, e.CreatedAt)
		if err != nil {
			return fmt.Errorf("ledger: create entry: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("ledger: create entry: %w", err)
		} else if n == 0 {
			var id, h string
			if err := q.QueryRowContext(ctx, `SELECT id, body_hash FROM ledger_entries
				WHERE tenant_id = $1 AND sandbox = $2 AND idem_key = $3`, key).Scan(&id, &h); err != nil {
				return fmt.Errorf("ledger: find idempotent entry: %w", err)
			}
			if h != hash {
				return errKeyReused(key, id)
			}
			replay = true
			e, err = s.get(ctx, q, id)
			return err
		}
		if err := s.move(ctx, q, e.ID, legs, phase); err != nil {
			return err
		}
		return s.insertPostings(ctx, q, e.ID, legs, phase)
	})
	if err != nil {
		return Entry{}, false, err
	}
	if !replay {
		e.Postings = postingsOf(legs, phase)
	}
	return e, replay, nil
}

func postingsOf(legs []leg, phase string) []Posting {
	out := make([]Posting, len(legs))
	for i, l := range legs {
		dir := Credit
		if l.debit {
			dir = Debit
		}
		out[i] = Posting{AccountID: l.acct.id, AccountCode: l.acct.code, Direction: dir,
			Amount: fromMinor(l.amount, l.asset), Phase: phase}
	}
	return out
}

// delta is one UPDATE of one balance row.
type delta struct {
	acct  *account
	shard int
	// fixed: the shard is where a reservation was made; otherwise another
	// shard may serve a guarded debit this one cannot.
	fixed bool
	c     counters
	legs  []int
}

// The guard is part of the UPDATE: zero rows affected means it refused.
const (
	updateSQL = `UPDATE ledger_balances SET debits_posted = debits_posted + $5, credits_posted = credits_posted + $6,
		debits_pending = debits_pending + $7, credits_pending = credits_pending + $8
		WHERE tenant_id = $1 AND sandbox = $2 AND account_id = $3 AND shard = $4`
	guardNoNegative = ` AND debits_posted + debits_pending + $5 + $7 <= credits_posted + $6`
	guardNoPositive = ` AND credits_posted + credits_pending + $6 + $8 <= debits_posted + $5`
)

// move applies legs (not yet sharded unless fixed) to the balance rows
// and records each leg's shard. Rows are updated in (account, shard)
// order so that concurrent PostgreSQL writers lock in one order and never
// deadlock.
func (s *Service) move(ctx context.Context, q db.Tenanted, entryID string, legs []leg, phase string) error {
	h := fnv.New32a()
	h.Write([]byte(entryID))
	seed := int(h.Sum32() & 0x7fffffff)
	var ds []*delta
	for i := range legs {
		l := &legs[i]
		shard := seed % l.acct.shards
		var d *delta
		for _, x := range ds {
			if x.acct == l.acct {
				d = x
				break
			}
		}
		if d == nil {
			d = &delta{acct: l.acct, shard: shard}
			ds = append(ds, d)
		}
		switch {
		case l.debit && phase == StatusPending:
			d.c.dPend += l.amount
		case l.debit:
			d.c.dPost += l.amount
		case phase == StatusPending:
			d.c.cPend += l.amount
		default:
			d.c.cPost += l.amount
		}
		d.legs = append(d.legs, i)
	}
	if err := s.apply(ctx, q, ds, legs); err != nil {
		return err
	}
	for _, d := range ds {
		for _, i := range d.legs {
			legs[i].shard = d.shard
		}
	}
	return nil
}

func (s *Service) apply(ctx context.Context, q db.Tenanted, ds []*delta, legs []leg) error {
	slices.SortFunc(ds, func(a, b *delta) int {
		return cmp.Or(strings.Compare(a.acct.id, b.acct.id), cmp.Compare(a.shard, b.shard))
	})
	for _, d := range ds {
		query := updateSQL
		switch {
		case d.acct.flags&flagNoNegative != 0:
			query += guardNoNegative
		case d.acct.flags&flagNoPositive != 0:
			query += guardNoPositive
		}
		tries := d.acct.shards
		if d.fixed || query == updateSQL {
			tries = 1
		}
		done := false
		for t := range tries {
			shard := (d.shard + t) % d.acct.shards
			res, err := q.ExecContext(ctx, query, d.acct.id, shard, d.c.dPost, d.c.cPost, d.c.dPend, d.c.cPend)
			if err != nil {
				return fmt.Errorf("ledger: update balance of %s: %w", d.acct.code, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("ledger: update balance of %s: %w", d.acct.code, err)
			} else if n == 1 {
				d.shard, done = shard, true
				break
			}
		}
		if !done {
			if query == updateSQL {
				s.forget(q.Scope(), d.acct)
				return fmt.Errorf("ledger: no balance row for %s/%d", d.acct.id, d.shard)
			}
			field := "postings"
			if len(d.legs) > 0 && legs != nil {
				field = legs[d.legs[0]].field + ".account"
			}
			if d.acct.flags&flagNoNegative != 0 {
				return errInsufficient(field, d.acct.code)
			}
			return errBalanceLimit(field, d.acct.code)
		}
	}
	return nil
}

// insertPostings writes legs as one multi-row INSERT.
func (s *Service) insertPostings(ctx context.Context, q db.Tenanted, entryID string, legs []leg, phase string) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO ledger_postings (tenant_id, sandbox, entry_id, seq, account_id, shard, asset, debit,
		credit, phase) VALUES `)
	args := make([]any, 0, len(legs)*8)
	sqlite := s.db.Engine() == db.SQLite
	for i, l := range legs {
		if i > 0 {
			b.WriteString(", ")
		}
		var dr, cr int64
		if l.debit {
			dr = l.amount
		} else {
			cr = l.amount
		}
		args = append(args, entryID, i, l.acct.id, l.shard, l.asset, dr, cr, phase)
		if sqlite {
			// Anonymous parameters number on from the largest so far ($2):
			// binding many "$N" by name is quadratic in modernc.
			b.WriteString("($1, $2, ?, ?, ?, ?, ?, ?, ?, ?)")
			continue
		}
		n := len(args) - 8 + 3
		fmt.Fprintf(&b, "($1, $2, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", n, n+1, n+2, n+3, n+4, n+5, n+6, n+7)
	}
	if _, err := q.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("ledger: write postings: %w", err)
	}
	return nil
}
