// Package vault is the settlement module's card vault (clause 6.3.2.2,
// PCI DSS v4.0): it owns the card numbers the platform keeps and the
// authorisations made with them. Callers get a random token, the brand
// and the masked number; nothing outside this package ever sees a number
// again, except the payment institution that authorises a charge.
//
// # What is kept, and how
//
//   - The primary account number (PAN) only as ciphertext under the
//     tenant's AES-256-GCM data key from keyring.Provider (envelope
//     encryption, key-encryption key outside the database), bound to its
//     row and column by associated data (PCI DSS 3.5.1). Key rotation
//     (`silkgate keys rotate`) adds a key; old ciphertexts stay readable.
//   - A fingerprint: HMAC-SHA256 of the PAN under a key kept outside the
//     database and bound to the tenant and partition, so the same card
//     vaulted twice gets the same token (a reissued card's new expiry and
//     holder replace the old ones) without the store being searchable
//     for a known number (3.5.1.1, keyed cryptographic hash).
//   - The first six and last four digits, brand, length and expiry, in
//     clear: that is what PCI DSS 3.4.1 allows to be displayed.
//   - The holder's name, encrypted like the PAN.
//   - The card verification code never: it is held in memory for the one
//     authorisation it was entered for, keyed by token, and wiped when
//     used, when the card is deleted, or after CVCTTL (3.3.1.2). A node
//     restart, or a charge served by another node, goes without it.
//
// Deleting a card crypto-shreds it: the ciphertexts and the fingerprint
// are erased and a masked tombstone keeps the token from being reused.
//
// # Charges
//
// A charge decrypts the PAN into memory, hands it to the partition's
// payment.Institution (sandbox credentials: the sandbox institution and
// its documented test cards) and records the outcome with the masked card
// and the institution's reference. It runs in the request's transaction,
// so the router's Idempotency-Key (required on this route) makes a retry
// answer the first charge instead of charging twice.
//
// # Segmentation
//
// The vault's storage is the Store interface over its own two tables,
// vault_cards and vault_charges; no query joins another module's table
// and no foreign key leaves them. Other modules reach the vault only
// through Service (or its HTTP API) and hold tokens, never numbers. The
// vault can therefore run as its own service on its own database, inside
// a segmented cardholder data environment, with the rest of the platform
// out of PCI DSS scope; docs/PCI.md tells the story.
package vault
