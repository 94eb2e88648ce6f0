// Package payouts owns the settlement flows of issue item 4 (clauses
// 6.1.2 and 6.3.2): marketplace proceeds credited to sellers less the
// platform's fee, converted at a locked FX quote when the seller is paid in
// another currency; payouts to sellers in batches over a settlement rail;
// the status intake that settles or refuses each payout; statements per
// seller and period (JSON, CSV, PDF); and the reconciliation of bank files
// against payouts.
//
// # Money
//
// Every amount moves through the ledger, never around it:
//
//   - Proceeds are one entry: the marketplace's clearing account
//     (marketplaces:<id>:clearing) is debited the gross, platform:fees is
//     credited the fee and the seller's payable account
//     (sellers:<id>:payable, no_negative) the rest. With FX the rest passes
//     through platform:fx in both currencies at the quote's amounts, and
//     the quote is used in the same transaction: booked and used, or
//     neither.
//   - A payout is a pending entry (a hold) from the seller's payable
//     account to platform:payouts_in_transit for the whole available
//     balance. When the rail reports it settled (ACSC/ACCC) the hold is
//     posted and the money leaves through platform:world; when the rail
//     rejects or cancels it (RJCT/CANC) the hold is voided and the seller's
//     balance is exactly what it was. A payout's status moves once, from
//     pending, so a repeated report changes nothing.
//
// Amounts are integers of minor units or decimal strings; no float is
// used (the fx package's test walks this tree).
//
// # Idempotency
//
// A batch request carries an idempotency key. The batch's id — the
// message id the rail deduplicates on — and each payout's EndToEndId are
// derived from it, so a retry after a failure sends the very same message,
// and a repeat after success answers the first batch. Proceeds are keyed
// by (marketplace, reference).
package payouts
