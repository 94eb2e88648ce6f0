// Package ledger is the settlement module's double-entry ledger (issue 6,
// clause 6.1.2): tenanted accounts in one ISO 4217 asset each, entries
// that are balanced groups of postings, balances derived from those
// postings, two-phase holds and reversing corrections. Other settlement
// code (FX conversion, payouts) moves money only through its Service.
//
// # Model
//
// The semantics follow TigerBeetle's transfers and Formance's accounts:
//
//   - A posting debits or credits one account by a positive amount in the
//     account's asset. An entry balances per asset: for every asset its
//     debits equal its credits, so an FX conversion is one entry whose
//     legs pass through the platform's FX position account in each asset.
//   - Every account keeps four counters — debits and credits, posted and
//     pending. Its balance is credits − debits; summed over every account
//     of an asset the balances are zero.
//   - Flags guard an account: no_negative refuses a debit that would take
//     posted + pending debits above posted credits (TigerBeetle's
//     debits_must_not_exceed_credits); no_positive is the mirror image.
//     The guard is the WHERE clause of the one UPDATE that moves the
//     counters, which must affect exactly one row: atomic on SQLite (one
//     writer) and on PostgreSQL (the row lock re-evaluates the condition
//     on the latest row version), with no read-check-write window.
//   - A pending entry reserves its amounts (pending counters) until it is
//     posted — in full or for less — or voided, or it expires and the
//     expiry job voids it.
//   - Postings are never updated or deleted: a correction is a reversing
//     entry. Only an entry's status and its links to the entry that closed
//     or reversed it change, each guarded so it changes once.
//   - A client's idempotency key makes a retry safe: the same key with the
//     same body answers the first result, with another body 409.
//
// # Storage
//
// Amounts are stored as integers in the asset's minor units (exact, and
// cheap to add inside a guarded UPDATE); the API speaks decimal strings
// (platform/money). The counters live in ledger_balances, updated in the
// transaction that writes the postings; Verify recomputes them from the
// postings. A hot account (the platform's fees, FX position, world and
// payouts in transit) has several balance rows — shards — chosen per entry
// by a hash of its id, so concurrent PostgreSQL writers do not queue on
// one row lock; its balance is their sum. Every shard is guarded on its
// own, which keeps the sum guarded too; a debit that no single shard can
// cover is refused even when the sum could.
package ledger
