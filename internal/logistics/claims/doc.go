// Package claims owns carrier claims: a seller's claim against the
// carrier for a shipment that was lost, damaged, delayed or delivered
// short. A claim is filed against one of the tenant's shipments with the
// amount claimed (money in the currency's ISO 4217 minor units, never a
// float), a description, the lines affected and evidence documents (PDF,
// JPEG, PNG), and follows the carrier's process through a strict life
// cycle with a timestamped history, each step audited and announced as
// claim.updated through the events outbox.
//
// # Life cycle
//
//	filed → submitted → under_review → approved → paid → closed
//	  ↘ withdrawn ↘ withdrawn ↘ withdrawn
//	                                ↘ rejected → closed
//
// withdrawn and closed are final. Any other move is 409
// invalid_claim_transition naming the current state and the moves it
// allows. approved carries the settled amount (at most the claimed
// amount, in its currency), rejected the carrier's reason.
//
// # Windows
//
// Carriers accept claims only for a time (DefaultWindows, overridden per
// carrier code by CarrierWindows and Service.SetWindow): a claim filed
// after its window is refused naming `type`.
//
// # Quality
//
// An upheld claim is evidence about the carrier's service that tracking
// alone may miss (a parcel scanned as delivered but broken, or late by
// the carrier's own admission). Upheld reports, per service on a lane,
// the shipments whose claims count against the loss-and-damage and
// on-time measures of rate comparison's quality score; the shipments
// module folds them into its record (see docs/LOGISTICS.md).
//
// # Collaborators
//
// The shipments module (required; FromShipments adapts it) says which
// shipments exist for the caller and how tracking counted them. The
// events outbox and the audit log record every write in the caller's
// transaction. A Payments booker (LedgerPayments writes a balanced
// ledger entry) books a paid claim; without one, nothing is booked.
package claims
