// Package audit owns the audit trail (clause 6.4.2): an append-only,
// tamper-evident record of every sign-in, write and permission change.
//
// # Why records are written in the change's transaction
//
// A record written after the change commits can be lost to a crash, and a
// record written before can describe a change that then rolled back. Record
// joins the transaction carried by ctx, so the change and its record commit
// or vanish together; an assessor can rely on "no record, no change".
//
// # Why a hash chain per tenant
//
// Each record carries the SHA-256 of its own content (the chain and
// sequence number included) and the hash of the record before it. Editing a
// record breaks its hash, deleting one leaves a gap in the sequence numbers,
// reordering breaks the links, and cutting the tail off leaves the head row
// pointing past the end. One chain per tenant, rather than one for the
// whole platform, keeps tenants from queueing behind each other for the
// chain head, lets a tenant's records be verified and exported without
// anyone else's, and lets one tenant's retention be handled on its own.
// Actions that belong to no tenant go to the chain named "_platform".
//
// Appends serialise on the chain's head row: on PostgreSQL with SELECT …
// FOR UPDATE (the row is created first with ON CONFLICT DO NOTHING so two
// first writers cannot both start a chain), on SQLite by its single,
// immediate writer. That is what keeps sequence numbers gap-free however
// many requests record at once, and why a transaction should record as late
// as it can: the head stays locked until it commits.
//
// # Why signed checkpoints
//
// A chain proves that records agree with each other, not that they are the
// ones originally written: anyone who can write to the database and read
// this source can edit a record and recompute every hash after it. So the
// head of each chain is signed periodically with a key the database does
// not hold, as a C2SP signed note (golang.org/x/mod/sumdb/note), and each
// note is stored beside the records and appended to a file meant to be
// shipped off the host. Verify then checks every record a checkpoint
// covers against the signed hash, which a recomputed chain cannot match.
// Only records newer than the last checkpoint are exposed to an undetected
// rewrite, so RunCheckpoints keeps that window short: every minute, or
// sooner after a burst of records. Before signing, Checkpoint checks that
// the new records link to the last signed head, so a rewrite is reported
// instead of being signed over.
//
// # Why purges leave anchors
//
// Retention (never under 180 days, see MinRetention) removes the oldest
// records of a chain, which would leave the first survivor linking to a
// hash nothing can check, exactly what an attacker deleting old records
// leaves behind too. A purge therefore writes a signed anchor holding the
// hash of the last record it removed and records itself in the platform
// chain; Verify trusts a chain that starts after seq 1 only when such an
// anchor vouches for the link.
//
// # What the triggers are for
//
// The database triggers refuse UPDATE, and DELETE of anything younger than
// 180 days. They stop mistakes and careless scripts; they do not stop
// someone who can drop them. The chain and the checkpoints are what catch
// that.
package audit
