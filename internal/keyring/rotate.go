package keyring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

// maxConflicts bounds retries of a keyset update that lost a race with
// another writer of the same row.
const maxConflicts = 5

var errConflict = errors.New("keyring: data key changed concurrently")

// RotateTenant adds a new AES-256-GCM key to the tenant's data keyset and
// makes it primary, returning its key id. Old keys stay, so old ciphertexts
// remain readable; new ciphertexts use the new key (on other nodes within
// the cache lifetime of five minutes). tenantID "" (or PlatformTenant)
// names the platform's keyset. The fingerprint key is not rotated.
// It returns ErrNoKeyset when the tenant has never encrypted anything.
func (k *Keyring) RotateTenant(ctx context.Context, tenantID string) (uint32, error) {
	own, err := owner(tenantID)
	if err != nil {
		return 0, err
	}
	var id uint32
	err = k.update(ctx, own, purposeAEAD, func(h *keyset.Handle) (*keyset.Handle, error) {
		m := keyset.NewManagerFromHandle(h)
		nid, err := m.Add(purposeAEAD.template())
		if err != nil {
			return nil, err
		}
		if err := m.SetPrimary(nid); err != nil {
			return nil, err
		}
		id = nid
		return m.Handle()
	})
	k.forget(own)
	if err != nil {
		return 0, fmt.Errorf("keyring: rotate %s: %w", own, err)
	}
	return id, nil
}

// update rewrites one stored keyset under the KEK's current primary key,
// after applying change to it when change is not nil (a rotation). It runs
// in the caller's transaction when ctx carries one, and retries when a
// concurrent writer bumped the row's version first.
func (k *Keyring) update(ctx context.Context, own string, p purpose, change func(*keyset.Handle) (*keyset.Handle, error)) error {
	for attempt := 1; ; attempt++ {
		err := k.db.InTx(ctx, func(ctx context.Context) error {
			q := k.db.Q(ctx)
			r, err := readRow(ctx, q, own, p)
			if err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return ErrNoKeyset
				}
				return err
			}
			h, err := k.unwrapHandle(own, p, r.keyset)
			if err != nil {
				return err
			}
			query := `UPDATE data_keys SET keyset = $3, kek_id = $4, version = version + 1, wrapped_at = $5
				WHERE tenant_id = $1 AND purpose = $2 AND version = $6`
			if change != nil {
				if h, err = change(h); err != nil {
					return err
				}
				query = `UPDATE data_keys SET keyset = $3, kek_id = $4, version = version + 1, wrapped_at = $5, rotated_at = $5
					WHERE tenant_id = $1 AND purpose = $2 AND version = $6`
			}
			wrapped, kekID, err := k.wrap(own, p, h)
			if err != nil {
				return err
			}
			res, err := q.ExecContext(ctx, query, own, string(p), wrapped, kekID, k.now(), r.version)
			if err != nil {
				return fmt.Errorf("keyring: store data key: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return errConflict
			}
			return nil
		})
		if errors.Is(err, errConflict) && attempt < maxConflicts {
			continue
		}
		return err
	}
}

// ref names one stored keyset.
type ref struct {
	owner   string
	purpose purpose
}

// each calls fn for every stored keyset (optionally only those of one
// purpose), a page at a time, so no statement stays open while fn writes.
func (k *Keyring) each(ctx context.Context, only purpose, fn func(r ref, wrapped []byte) error) error {
	const page = 500
	var after ref
	for {
		rows, err := k.db.Q(ctx).QueryContext(ctx, `SELECT tenant_id, purpose, keyset FROM data_keys
			WHERE (tenant_id > $1 OR (tenant_id = $1 AND purpose > $2)) AND ($3 = '' OR purpose = $3)
			ORDER BY tenant_id, purpose LIMIT $4`, after.owner, string(after.purpose), string(only), page)
		if err != nil {
			return fmt.Errorf("keyring: list data keys: %w", err)
		}
		type item struct {
			ref
			wrapped []byte
		}
		var items []item
		for rows.Next() {
			var it item
			var p string
			if err := rows.Scan(&it.owner, &p, &it.wrapped); err != nil {
				rows.Close()
				return fmt.Errorf("keyring: list data keys: %w", err)
			}
			it.purpose = purpose(p)
			items = append(items, it)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("keyring: list data keys: %w", err)
		}
		for _, it := range items {
			if err := fn(it.ref, it.wrapped); err != nil {
				return err
			}
		}
		if len(items) < page {
			return nil
		}
		after = items[len(items)-1].ref
	}
}

// Rewrap re-wraps every stored keyset with the KEK's current primary key and
// returns how many it rewrote. Run it after the KEK gained a new primary key
// outside the keyring (EnvKEK changed); RotateKEK calls it itself. Each
// keyset is rewritten in its own short transaction unless ctx carries one,
// so encryption carries on meanwhile; it is safe to interrupt and rerun.
func (k *Keyring) Rewrap(ctx context.Context) (int, error) {
	k.adminMu.Lock()
	defer k.adminMu.Unlock()
	return k.rewrapAll(ctx)
}

func (k *Keyring) rewrapAll(ctx context.Context) (int, error) {
	n := 0
	err := k.each(ctx, "", func(r ref, _ []byte) error {
		err := k.update(ctx, r.owner, r.purpose, nil)
		if errors.Is(err, ErrNoKeyset) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return fmt.Errorf("keyring: rewrap %s %s: %w", r.owner, r.purpose, err)
		}
		n++
		return nil
	})
	return n, err
}

// RotateKEK adds a new key to the KEK keyset, makes it primary, saves the
// KEK file and re-wraps every stored keyset with it. It returns the new KEK
// key id and the number of keysets re-wrapped. Old KEK keys stay until
// RetireOldKEKKeys. The KEK file is replaced before any keyset is re-wrapped,
// so an interruption leaves a KEK that opens both; rerun Rewrap to finish.
// It returns ErrKEKExternal when the KEK comes from EnvKEK.
func (k *Keyring) RotateKEK(ctx context.Context) (uint32, int, error) {
	if k.kekPath == "" {
		return 0, 0, ErrKEKExternal
	}
	k.adminMu.Lock()
	defer k.adminMu.Unlock()
	k.mu.RLock()
	m := keyset.NewManagerFromHandle(k.kek)
	k.mu.RUnlock()
	id, err := m.Add(kekTemplate())
	if err != nil {
		return 0, 0, fmt.Errorf("keyring: rotate KEK: %w", err)
	}
	if err := m.SetPrimary(id); err != nil {
		return 0, 0, fmt.Errorf("keyring: rotate KEK: %w", err)
	}
	h, err := m.Handle()
	if err != nil {
		return 0, 0, fmt.Errorf("keyring: rotate KEK: %w", err)
	}
	if err := writeKEKFile(k.kekPath, h, false); err != nil {
		return 0, 0, err
	}
	if err := k.setKEK(h); err != nil {
		return 0, 0, err
	}
	k.forget("")
	n, err := k.rewrapAll(ctx)
	return id, n, err
}

// RetireOldKEKKeys removes every non-primary key from the KEK keyset and
// saves the KEK file, returning the ids removed. It first proves that every
// stored keyset unwraps with the primary key alone and refuses with
// ErrOldKEKInUse otherwise (run Rewrap, then retry). It returns
// ErrKEKExternal when the KEK comes from EnvKEK.
func (k *Keyring) RetireOldKEKKeys(ctx context.Context) ([]uint32, error) {
	if k.kekPath == "" {
		return nil, ErrKEKExternal
	}
	k.adminMu.Lock()
	defer k.adminMu.Unlock()
	k.mu.RLock()
	cur, primary := k.kek, k.kekPrimary
	k.mu.RUnlock()
	var old []uint32
	m := keyset.NewManagerFromHandle(cur)
	for _, id := range keyIDs(cur) {
		if id == primary {
			continue
		}
		if err := m.Delete(id); err != nil {
			return nil, fmt.Errorf("keyring: retire KEK key %d: %w", id, err)
		}
		old = append(old, id)
	}
	if len(old) == 0 {
		return nil, nil
	}
	h, err := m.Handle()
	if err != nil {
		return nil, fmt.Errorf("keyring: retire KEK keys: %w", err)
	}
	only, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("keyring: retire KEK keys: %w", err)
	}
	// Trust the keysets, not their kek_id column: try each with the primary
	// alone. New keysets made meanwhile use the primary, and adminMu keeps
	// the primary from changing.
	stuck, first := 0, ""
	err = k.each(ctx, "", func(r ref, wrapped []byte) error {
		if _, err := unwrapWith(only, r.owner, r.purpose, wrapped); err != nil {
			if stuck == 0 {
				first = r.owner + "/" + string(r.purpose)
			}
			stuck++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if stuck > 0 {
		return nil, fmt.Errorf("%w (%d keysets, first %s)", ErrOldKEKInUse, stuck, first)
	}
	if err := writeKEKFile(k.kekPath, h, false); err != nil {
		return nil, err
	}
	if err := k.setKEK(h); err != nil {
		return nil, err
	}
	return old, nil
}

// RotateOptions says what Rotate does. At least one field must be set.
type RotateOptions struct {
	// Tenant rotates this tenant's data keyset ("_platform" for the
	// platform's own).
	Tenant string
	// All rotates every stored data keyset.
	All bool
	// KEK adds a new primary KEK key and re-wraps every keyset (not
	// possible when the KEK comes from EnvKEK).
	KEK bool
	// Rewrap only re-wraps every keyset with the KEK's current primary,
	// e.g. after EnvKEK was given a new primary key.
	Rewrap bool
}

// TenantRotation is one data keyset rotated by Rotate.
type TenantRotation struct {
	Tenant string `json:"tenant"` // data_keys owner: the tenant id or PlatformTenant
	KeyID  uint32 `json:"key_id"` // the new primary key
}

// RotateReport tells what Rotate did.
type RotateReport struct {
	KEKRotated bool             `json:"kek_rotated"`
	KEKKeyID   uint32           `json:"kek_key_id"` // the KEK's primary key after the run
	Rewrapped  int              `json:"rewrapped"`  // keysets re-wrapped
	Tenants    []TenantRotation `json:"tenants"`
}

// Rotate is the body of the `keys rotate` command: KEK rotation or
// re-wrapping first, then data keyset rotation.
func (k *Keyring) Rotate(ctx context.Context, o RotateOptions) (RotateReport, error) {
	var rep RotateReport
	if !o.KEK && !o.Rewrap && !o.All && o.Tenant == "" {
		return rep, errors.New("keyring: rotate: choose a tenant, all tenants, the KEK or a rewrap")
	}
	if o.All && o.Tenant != "" {
		return rep, errors.New("keyring: rotate: a tenant and all tenants are exclusive")
	}
	var err error
	switch {
	case o.KEK:
		rep.KEKKeyID, rep.Rewrapped, err = k.RotateKEK(ctx)
		rep.KEKRotated = err == nil || rep.KEKKeyID != 0
	case o.Rewrap:
		rep.Rewrapped, err = k.Rewrap(ctx)
	}
	if err != nil {
		return rep, err
	}
	k.mu.RLock()
	rep.KEKKeyID = k.kekPrimary
	k.mu.RUnlock()
	rotate := func(own string) error {
		id, err := k.RotateTenant(ctx, own)
		if err != nil {
			return err
		}
		rep.Tenants = append(rep.Tenants, TenantRotation{Tenant: own, KeyID: id})
		return nil
	}
	if o.Tenant != "" {
		own, err := owner(o.Tenant)
		if err != nil {
			return rep, err
		}
		return rep, rotate(own)
	}
	if o.All {
		// One broken keyset must not keep the others from rotating.
		var failed []error
		err = k.each(ctx, purposeAEAD, func(r ref, _ []byte) error {
			err := rotate(r.owner)
			if err != nil && !errors.Is(err, ErrNoKeyset) {
				failed = append(failed, err)
			}
			return nil
		})
		err = errors.Join(append([]error{err}, failed...)...)
	}
	return rep, err
}

// Status describes the KEK and what it wraps, for `keys status` and for
// deciding when old KEK keys can be retired.
type Status struct {
	KEKFromEnv bool     // the KEK comes from EnvKEK
	KEKPrimary uint32   // KEK key new wraps use
	KEKKeys    []uint32 // all KEK key ids
	Keysets    int      // stored data keysets (two per tenant that used both)
	// WrappedBy counts stored keysets by the KEK key id recorded with them.
	WrappedBy map[uint32]int
}

// Status reports the KEK's keys and how many stored keysets each wraps.
func (k *Keyring) Status(ctx context.Context) (Status, error) {
	k.mu.RLock()
	s := Status{KEKFromEnv: k.kekPath == "", KEKPrimary: k.kekPrimary, KEKKeys: keyIDs(k.kek), WrappedBy: map[uint32]int{}}
	k.mu.RUnlock()
	slices.Sort(s.KEKKeys)
	rows, err := k.db.Q(ctx).QueryContext(ctx, `SELECT kek_id, COUNT(*) FROM data_keys GROUP BY kek_id`)
	if err != nil {
		return s, fmt.Errorf("keyring: status: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return s, fmt.Errorf("keyring: status: %w", err)
		}
		v, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			return s, fmt.Errorf("keyring: status: bad kek_id %q", id)
		}
		s.WrappedBy[uint32(v)] += n
		s.Keysets += n
	}
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("keyring: status: %w", err)
	}
	return s, nil
}
