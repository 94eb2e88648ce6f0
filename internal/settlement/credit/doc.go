// Package credit owns credit guarantee (clause 6.3.2.3): credit limits
// per buyer of a tenant, in one currency and with a grade; guarantees with
// fee = amount × annual rate × days / 365 (rounded half-even to the
// currency's minor units); open-account receivables; and the exposure
// they add up to, which must stay within the buyer's limit before
// open-account terms are allowed.
//
// # Exposure
//
// A buyer's exposure is the sum of its active guarantees and open
// receivables. It is kept beside the limit, in integer minor units, and
// changed only by one guarded UPDATE (exposure + amount ≤ limit) that
// must touch exactly one row: concurrent requests on either engine can
// never take a buyer past its limit. Every change locks the buyer's limit
// row first; releasing, expiring or settling frees exposure. Guarantees
// past their end are expired by a periodic job across tenants (UseJobs),
// and, until it has run, by whichever request next touches the buyer, so
// exposure never counts them.
package credit
