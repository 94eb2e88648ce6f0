package keyring

import (
	"context"
	"encoding/binary"
	"errors"
)

// Provider encrypts and fingerprints sensitive fields for one tenant at a
// time. Domains depend on this interface, never on *Keyring, so that a
// deployment can plug in a certified SM4 module or a cloud KMS instead of the
// built-in Tink implementation.
//
// tenantID "" means the platform's own keys. Implementations must keep every
// tenant's keys apart: a ciphertext made for one tenant must not decrypt for
// another.
type Provider interface {
	// Encrypt seals plaintext for tenantID, authenticating aad with it. The
	// result is opaque bytes that carry whatever the provider needs to pick
	// the right key on Decrypt (so keys can rotate). It may create the
	// tenant's key on first use, inside the transaction ctx carries.
	Encrypt(ctx context.Context, tenantID string, plaintext, aad []byte) ([]byte, error)

	// Decrypt opens a ciphertext made by Encrypt for the same tenantID and
	// the same aad. Any mismatch yields an error wrapping ErrDecrypt.
	Decrypt(ctx context.Context, tenantID string, ciphertext, aad []byte) ([]byte, error)

	// Fingerprint is a keyed, deterministic digest of data for tenantID:
	// equal inputs give equal strings within a tenant, different tenants
	// give unrelated strings, and without the key it reveals nothing about
	// data (so a card number can be looked up without being stored). The
	// result is printable and at most 128 bytes long.
	Fingerprint(ctx context.Context, tenantID string, data []byte) (string, error)
}

var _ Provider = (*Keyring)(nil)

var (
	// ErrDecrypt means a ciphertext did not authenticate: wrong tenant,
	// wrong associated data, a key that is gone, or tampering. The cause is
	// deliberately not told apart.
	ErrDecrypt = errors.New("keyring: decryption failed")

	// ErrNoKeyset means the tenant has no data keyset yet (rotation only
	// acts on existing keysets).
	ErrNoKeyset = errors.New("keyring: tenant has no data keyset")

	// ErrInvalidTenant rejects tenant ids that start with "_": that prefix is
	// reserved for the keyring's own owners such as PlatformTenant.
	ErrInvalidTenant = errors.New("keyring: tenant ids starting with _ are reserved")

	// ErrKEKExternal means the KEK was supplied through the environment, so
	// the keyring cannot add or remove KEK keys itself; see the package
	// documentation for rotating it outside.
	ErrKEKExternal = errors.New("keyring: the KEK comes from " + EnvKEK + "; change it there, then run a rewrap")

	// ErrOldKEKInUse refuses to retire old KEK keys while some data keyset
	// still needs one of them to be unwrapped.
	ErrOldKEKInUse = errors.New("keyring: data keysets are still wrapped by a non-primary KEK key; rewrap first")
)

// AAD builds associated data from parts in an unambiguous encoding (each
// part is length-prefixed), so ("ab", "c") and ("a", "bc") never collide.
// Bind every ciphertext to where it is stored:
//
//	aad := keyring.AAD("payment_methods", "pan", row.ID)
//
// Then a ciphertext copied into another row or column no longer decrypts.
func AAD(parts ...string) []byte {
	n := 0
	for _, p := range parts {
		n += 4 + len(p)
	}
	b := make([]byte, 0, n)
	for _, p := range parts {
		b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
		b = append(b, p...)
	}
	return b
}
