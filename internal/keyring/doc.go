// Package keyring encrypts sensitive fields at rest (clause 7.1.1) with
// envelope encryption: every tenant has its own data keys, and those are
// stored only wrapped by a key-encryption key (KEK) that never enters the
// database. A stolen database or backup is therefore unreadable without the
// KEK, and one tenant's key never opens another tenant's data.
//
// Domains depend on the Provider interface. The built-in implementation,
// *Keyring, uses Tink (github.com/tink-crypto/tink-go/v2); nothing here
// implements a cipher by hand.
//
// # Keys
//
//   - The KEK is a Tink AEAD keyset (AES-256-GCM keys). It comes from the
//     SILKGATE_KEK environment variable when set, otherwise from kek.json in
//     the data folder, generated on first start (folder 0700, file 0600; a
//     file readable by others is refused). A missing kek.json while data keys
//     exist is an error, never a reason to make a new KEK.
//   - Each tenant has two data keysets, each created on first use, stored in
//     data_keys wrapped by the KEK: "aead" (AES-256-GCM, for Encrypt and
//     Decrypt) and "prf" (HMAC-SHA256, for Fingerprint). Tenant "" means the
//     platform's own keys, stored under PlatformTenant ("_platform").
//   - A wrapped keyset is bound to its row (tenant and purpose are its
//     associated data), so a keyset copied into another tenant's row does
//     not unwrap.
//
// Unwrapped keysets are cached in memory for five minutes; rotation through
// this Keyring drops them at once, and a ciphertext naming a key the cache
// does not hold forces a reload, so other nodes read new ciphertexts
// immediately and start writing with a new key within the cache lifetime.
//
// # SILKGATE_KEK
//
// The value is a Tink cleartext keyset of AEAD keys, either as Tink JSON
// (the same content as kek.json; the value starts with "{") or as standard
// base64 of the binary Tink keyset. GenerateKEK returns a new one; Tink's
// own tool makes one with
//
//	tinkey create-keyset --key-template AES256_GCM --out-format binary | base64 -w0
//
// Every node sharing a PostgreSQL store must use the same KEK, so such
// deployments should supply it through SILKGATE_KEK (from a secret store)
// rather than let each node generate its own file. To move from the file to
// the variable, set SILKGATE_KEK to the content of kek.json.
//
// # Rotation
//
// Rotation never needs downtime: keys are added, never replaced.
//
//   - RotateTenant adds a new primary key to a tenant's AEAD keyset. Old
//     ciphertexts stay readable (Tink ciphertexts start with the id of their
//     key); new ones use the new key. Re-encrypting old rows, if wanted, is
//     the owning domain's job: read, Decrypt, Encrypt, write.
//   - RotateKEK adds a new primary key to the KEK, saves kek.json and
//     re-wraps every stored keyset (Rewrap). Old KEK keys stay until
//     RetireOldKEKKeys, which first proves that every stored keyset opens
//     with the primary alone.
//   - With SILKGATE_KEK the keyring cannot change the KEK itself. Add and
//     promote a key outside (tinkey add-key, then promote-key), deploy the new
//     value to every node, run Rewrap (RotateOptions.Rewrap), check Status
//     until every keyset is wrapped by the primary, then deploy a value
//     without the old keys.
//   - Fingerprint keys are not rotated: a new key would change every
//     fingerprint and break look-ups of stored ones.
//
// Rotate bundles these for the `keys rotate` command.
//
// # Associated data
//
// Always pass associated data that names where the ciphertext is stored,
// e.g. AAD(table, column, rowID). AEAD ciphertexts are valid anywhere under
// the same key, and all of a tenant's fields share that key: without the
// binding, someone who can write the database (but has no key) could copy
// the ciphertext of one row into another (swap two customers' bank
// accounts, move a card to another payer) and the application would decrypt
// it without complaint. With the binding, a ciphertext decrypts only in the
// row and column it was made for. Use a stable id, not something that
// changes when the row is edited, and never include the plaintext.
//
// Fingerprints of different kinds of data share a key too; when fingerprints
// of, say, card numbers and phone numbers must not be comparable, prefix the
// data with a label (Fingerprint(ctx, t, AAD("pan", pan))).
//
// # Another provider
//
// A deployment that must use certified commercial cryptography (SM4, SM3
// from a certified module, or a cloud KMS) implements Provider and is wired
// in place of *Keyring. Such a provider should:
//
//   - keep a separate key, or key hierarchy, per tenant, with "" for the
//     platform, and never let one tenant's ciphertext open under another's;
//   - authenticate aad (SM4-GCM, or SM4-CBC with HMAC-SM3 over aad and
//     ciphertext) and fail with an error wrapping ErrDecrypt on any mismatch;
//   - put a key identifier into each ciphertext so keys can rotate while old
//     ciphertexts remain readable;
//   - make Fingerprint a keyed MAC (HMAC-SM3, or the KMS's MAC) per tenant,
//     printable, deterministic and at most 128 bytes;
//   - create keys lazily inside the transaction ctx carries, as Keyring
//     does, or create them ahead of time.
//
// Ciphertexts of different providers are not interchangeable: switching a
// running deployment means re-encrypting its data.
package keyring
