package keyring

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/prf"
	tinkpb "github.com/tink-crypto/tink-go/v2/proto/tink_go_proto"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/silkgate/silkgate/internal/platform/db"
)

// PlatformTenant is the data_keys owner id of the platform's own keys, used
// when a caller passes tenant "". Real tenant ids never start with "_".
const PlatformTenant = "_platform"

// purpose tells a tenant's keysets apart: one AEAD keyset for encryption
// and one PRF keyset for fingerprints.
type purpose string

const (
	purposeAEAD purpose = "aead"
	purposePRF  purpose = "prf"
)

func (p purpose) template() *tinkpb.KeyTemplate {
	if p == purposePRF {
		return prf.HMACSHA256PRFKeyTemplate()
	}
	return aead.AES256GCMKeyTemplate()
}

const (
	// cacheTTL bounds how long a node keeps using a keyset after another
	// node rotated it. Staleness is harmless for reading (an unknown key id
	// forces a reload) and only delays the switch to the new primary.
	cacheTTL = 5 * time.Minute
	// cacheMax bounds the cache; past it, expired entries go first, then
	// arbitrary ones (they are reloaded on next use).
	cacheMax = 10000
	// fingerprintLen is the PRF output length in bytes.
	fingerprintLen = 32
	// tinkPrefixLen is Tink's output prefix: version byte 1 + 4-byte key id.
	tinkPrefixLen = 5
)

// Keyring is the built-in Provider: Tink keysets per tenant, wrapped by a
// key-encryption key (KEK) and stored in data_keys. It is safe for
// concurrent use. Make one per process with Open and share it.
type Keyring struct {
	db      *db.DB
	kekPath string // "" when the KEK comes from EnvKEK
	now     func() time.Time

	// adminMu serialises the operations that change the KEK or re-wrap
	// keysets (RotateKEK, Rewrap, RetireOldKEKKeys).
	adminMu sync.Mutex

	// mu guards the KEK fields; Encrypt and Decrypt take it shared.
	mu         sync.RWMutex
	kek        *keyset.Handle
	kekAEAD    tink.AEAD
	kekPrimary uint32

	// cacheMu guards cache, which holds unwrapped keysets. Only keysets
	// known to be committed are cached: a keyset made inside a caller's
	// transaction that later rolls back must not outlive it.
	cacheMu sync.Mutex
	cache   map[cacheKey]*entry
}

type cacheKey struct {
	owner   string
	purpose purpose
}

// entry is one unwrapped keyset, ready to use.
type entry struct {
	version int64
	keys    []uint32
	aead    tink.AEAD // purposeAEAD
	prf     *prf.Set  // purposePRF
	loaded  time.Time
}

// Open loads the KEK (from EnvKEK through getenv, else <dataDir>/kek.json,
// generated on first start) and returns a Keyring over the data_keys table
// of d, which must be migrated. It refuses a KEK that cannot unwrap the
// stored keysets.
func Open(ctx context.Context, d *db.DB, dataDir string, getenv func(string) string) (*Keyring, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	h, path, err := loadKEK(ctx, d, dataDir, getenv)
	if err != nil {
		return nil, err
	}
	if err := checkKEKCovers(ctx, d, h); err != nil {
		return nil, err
	}
	k := &Keyring{
		db:      d,
		kekPath: path,
		now:     func() time.Time { return time.Now().UTC() },
		cache:   make(map[cacheKey]*entry),
	}
	if err := k.setKEK(h); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *Keyring) setKEK(h *keyset.Handle) error {
	a, err := aead.New(h)
	if err != nil {
		return fmt.Errorf("keyring: KEK is not an AEAD keyset: %w", err)
	}
	p, err := h.Primary()
	if err != nil {
		return fmt.Errorf("keyring: KEK has no primary key: %w", err)
	}
	k.mu.Lock()
	k.kek, k.kekAEAD, k.kekPrimary = h, a, p.KeyID()
	k.mu.Unlock()
	return nil
}

// owner maps a tenant id to its data_keys owner.
func owner(tenantID string) (string, error) {
	if tenantID == "" || tenantID == PlatformTenant {
		return PlatformTenant, nil
	}
	if strings.HasPrefix(tenantID, "_") {
		return "", ErrInvalidTenant
	}
	return tenantID, nil
}

// wrapAAD binds a wrapped keyset to its row, so a keyset copied into
// another tenant's row does not unwrap.
func wrapAAD(own string, p purpose) []byte {
	return AAD("data_keys", own, string(p))
}

// Encrypt implements Provider with the tenant's primary AES-256-GCM key.
// The ciphertext starts with Tink's 5-byte prefix naming the key.
func (k *Keyring) Encrypt(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error) {
	own, err := owner(tenantID)
	if err != nil {
		return nil, err
	}
	e, err := k.keys(ctx, own, purposeAEAD, true, false)
	if err != nil {
		return nil, err
	}
	ct, err := e.aead.Encrypt(plaintext, aad)
	if err != nil {
		return nil, fmt.Errorf("keyring: encrypt: %w", err)
	}
	return ct, nil
}

// Decrypt implements Provider. It never creates a keyset.
func (k *Keyring) Decrypt(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error) {
	own, err := owner(tenantID)
	if err != nil {
		return nil, err
	}
	e, err := k.keys(ctx, own, purposeAEAD, false, false)
	if errors.Is(err, ErrNoKeyset) {
		return nil, ErrDecrypt
	}
	if err != nil {
		return nil, err
	}
	// A key id this node has not seen means another node rotated the
	// keyset since it was cached: reload once.
	if id, ok := ciphertextKeyID(ciphertext); ok && !slices.Contains(e.keys, id) {
		if e, err = k.keys(ctx, own, purposeAEAD, false, true); err != nil {
			return nil, err
		}
	}
	pt, err := e.aead.Decrypt(ciphertext, aad)
	if err != nil {
		return nil, ErrDecrypt
	}
	return pt, nil
}

// Fingerprint implements Provider with the tenant's HMAC-SHA256 PRF key:
// base64url (no padding) of 32 bytes. The PRF keyset is never rotated by
// RotateTenant, because a new key would change every fingerprint and break
// look-ups of stored ones.
func (k *Keyring) Fingerprint(ctx context.Context, tenantID string, data []byte) (string, error) {
	own, err := owner(tenantID)
	if err != nil {
		return "", err
	}
	e, err := k.keys(ctx, own, purposePRF, true, false)
	if err != nil {
		return "", err
	}
	out, err := e.prf.ComputePrimaryPRF(data, fingerprintLen)
	if err != nil {
		return "", fmt.Errorf("keyring: fingerprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// ciphertextKeyID reads the key id from a Tink-prefixed ciphertext.
func ciphertextKeyID(ct []byte) (uint32, bool) {
	if len(ct) < tinkPrefixLen || ct[0] != 1 {
		return 0, false
	}
	return binary.BigEndian.Uint32(ct[1:tinkPrefixLen]), true
}

// keys returns the owner's keyset for p. Order of look-up: the cache (unless
// fresh is set), committed rows (cached), rows visible only to the caller's
// transaction (not cached), and finally, when create is set, a new keyset
// inserted in the caller's transaction (cached only if that transaction was
// ours and committed).
func (k *Keyring) keys(ctx context.Context, own string, p purpose, create, fresh bool) (*entry, error) {
	ck := cacheKey{own, p}
	if !fresh {
		k.cacheMu.Lock()
		e := k.cache[ck]
		k.cacheMu.Unlock()
		if e != nil && k.now().Sub(e.loaded) < cacheTTL {
			return e, nil
		}
	}
	// d.Q of a context without a transaction is the read pool, which only
	// sees committed rows.
	r, err := readRow(ctx, k.db.Q(context.Background()), own, p)
	if err == nil {
		return k.remember(ck, r)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	inTx := db.InTransaction(ctx)
	if inTx {
		r, err := readRow(ctx, k.db.Q(ctx), own, p)
		if err == nil {
			return k.unwrap(own, p, r)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	if !create {
		return nil, ErrNoKeyset
	}
	e, err := k.create(ctx, own, p)
	if err != nil {
		return nil, err
	}
	if !inTx {
		k.put(ck, e)
	}
	return e, nil
}

// row is one data_keys row.
type row struct {
	kekID   string
	keyset  []byte
	version int64
}

func readRow(ctx context.Context, q db.Querier, own string, p purpose) (row, error) {
	var r row
	err := q.QueryRowContext(ctx, `SELECT kek_id, keyset, version FROM data_keys WHERE tenant_id = $1 AND purpose = $2`,
		own, string(p)).Scan(&r.kekID, &r.keyset, &r.version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("keyring: read data key: %w", err)
	}
	return r, err
}

// create makes a keyset for own and inserts it. When a concurrent first use
// won the race, the insert does nothing and the winner's keyset is used.
// ON CONFLICT DO NOTHING rather than catching the unique violation: on
// PostgreSQL a failed statement would abort the caller's transaction.
func (k *Keyring) create(ctx context.Context, own string, p purpose) (*entry, error) {
	h, err := keyset.NewHandle(p.template())
	if err != nil {
		return nil, fmt.Errorf("keyring: new keyset: %w", err)
	}
	wrapped, kekID, err := k.wrap(own, p, h)
	if err != nil {
		return nil, err
	}
	var e *entry
	err = k.db.InTx(ctx, func(ctx context.Context) error {
		now := k.now()
		q := k.db.Q(ctx)
		if _, err := q.ExecContext(ctx, `INSERT INTO data_keys
			(tenant_id, purpose, kek_id, keyset, version, created_at, rotated_at, wrapped_at)
			VALUES ($1, $2, $3, $4, 1, $5, $5, $5)
			ON CONFLICT (tenant_id, purpose) DO NOTHING`,
			own, string(p), kekID, wrapped, now); err != nil {
			return fmt.Errorf("keyring: store data key: %w", err)
		}
		r, err := readRow(ctx, q, own, p)
		if err != nil {
			return err
		}
		e, err = k.unwrap(own, p, r)
		return err
	})
	return e, err
}

// wrap encrypts h under the KEK's primary key.
func (k *Keyring) wrap(own string, p purpose, h *keyset.Handle) ([]byte, string, error) {
	k.mu.RLock()
	kekAEAD, kekID := k.kekAEAD, k.kekPrimary
	k.mu.RUnlock()
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kekAEAD, wrapAAD(own, p)); err != nil {
		return nil, "", fmt.Errorf("keyring: wrap data key: %w", err)
	}
	return buf.Bytes(), strconv.FormatUint(uint64(kekID), 10), nil
}

// unwrapHandle decrypts a stored keyset with the KEK. When that fails and
// the KEK lives in the data folder, the file is read again and the unwrap
// retried once: `silkgate keys rotate --kek`, run from another process
// while this one serves, re-wraps the keysets under a new KEK key that only
// the file knows. The rotated file keeps the old keys, so re-reading it is
// always safe.
func (k *Keyring) unwrapHandle(own string, p purpose, wrapped []byte) (*keyset.Handle, error) {
	k.mu.RLock()
	kekAEAD := k.kekAEAD
	k.mu.RUnlock()
	h, err := unwrapWith(kekAEAD, own, p, wrapped)
	if err == nil || k.kekPath == "" {
		return h, err
	}
	fresh, rerr := readKEKFile(k.kekPath)
	if rerr != nil {
		return nil, err
	}
	if serr := k.setKEK(fresh); serr != nil {
		return nil, err
	}
	k.mu.RLock()
	kekAEAD = k.kekAEAD
	k.mu.RUnlock()
	return unwrapWith(kekAEAD, own, p, wrapped)
}

func unwrapWith(kekAEAD tink.AEAD, own string, p purpose, wrapped []byte) (*keyset.Handle, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), kekAEAD, wrapAAD(own, p))
	if err != nil {
		return nil, fmt.Errorf("keyring: unwrap %s keyset of %s: %w", p, own, err)
	}
	return h, nil
}

// unwrap turns a row into a usable entry.
func (k *Keyring) unwrap(own string, p purpose, r row) (*entry, error) {
	h, err := k.unwrapHandle(own, p, r.keyset)
	if err != nil {
		return nil, err
	}
	e := &entry{version: r.version, keys: keyIDs(h), loaded: k.now()}
	switch p {
	case purposePRF:
		e.prf, err = prf.NewPRFSet(h)
	default:
		e.aead, err = aead.New(h)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %s keyset of %s: %w", p, own, err)
	}
	return e, nil
}

// remember unwraps a committed row and caches it.
func (k *Keyring) remember(ck cacheKey, r row) (*entry, error) {
	e, err := k.unwrap(ck.owner, ck.purpose, r)
	if err != nil {
		return nil, err
	}
	k.put(ck, e)
	return e, nil
}

func (k *Keyring) put(ck cacheKey, e *entry) {
	k.cacheMu.Lock()
	defer k.cacheMu.Unlock()
	if old := k.cache[ck]; old != nil && old.version > e.version {
		return // a newer keyset got there first
	}
	if len(k.cache) >= cacheMax {
		now := k.now()
		for key, v := range k.cache {
			if now.Sub(v.loaded) >= cacheTTL {
				delete(k.cache, key)
			}
		}
		for key := range k.cache {
			if len(k.cache) < cacheMax {
				break
			}
			delete(k.cache, key)
		}
	}
	k.cache[ck] = e
}

// forget drops cached keysets: one owner's, or all when own is "".
func (k *Keyring) forget(own string) {
	k.cacheMu.Lock()
	defer k.cacheMu.Unlock()
	if own == "" {
		clear(k.cache)
		return
	}
	delete(k.cache, cacheKey{own, purposeAEAD})
	delete(k.cache, cacheKey{own, purposePRF})
}
