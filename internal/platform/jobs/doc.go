// Package jobs is the durable background-job queue: work that must happen
// after a request (deliver a webhook, send a notice, simulate a partner)
// and must not be lost when the process dies. It is business-free
// infrastructure: it never imports a domain.
//
// # What it offers
//
// A job is a small JSON-serialisable value with a Kind. A domain registers
// a handler for its kind with [Handle], and enqueues jobs with
// [Queue.Enqueue]. Enqueue joins the transaction carried by ctx (see
// db.InTx), so a job enqueued by a request commits with the request's
// changes, or vanishes with them when it rolls back: there is no window in
// which the change is stored but its follow-up work is not, or the reverse.
// [Queue.Every] names periodic work.
//
// Delivery is at least once: a handler must be idempotent. A handler that
// returns an error is retried with exponential back-off (and a panic is
// recovered and treated as an error); one that returns [Snooze] runs again
// after the given delay without using up an attempt; one that returns
// [Cancel] is given up at once. A job still running when its process is
// killed is picked up again by another worker once RescueAfter has passed.
// [Queue.Shutdown] stops fetching, waits for running jobs (cancelling them
// only when its context runs out), and returns.
//
// # Why River
//
// The queue is River (riverqueue.com), which keeps its jobs in tables of the
// same database as everything else, on both engines: riversqlite for the
// embedded SQLite store and riverdatabasesql for PostgreSQL (through the
// same database/sql pool, so that River's InsertTx accepts the very
// *sql.Tx a request runs in). Writing a jobs table of our own was the
// alternative; River was tried against the store's SQLite set-up first —
// one writer connection, BEGIN IMMEDIATE transactions — and works with it:
// River's own statements queue for the writer like everyone else's, a
// transactional insert runs on the caller's transaction and never asks the
// pool for a second connection, and jobs survive a restart. Its retry
// scheduling, rescue of jobs abandoned by a dead process, panic recovery,
// unique jobs, periodic jobs and graceful stop are what we would otherwise
// have had to write and prove.
//
// Two consequences of that set-up are worth knowing:
//
//   - Neither driver here can LISTEN, so workers poll for new jobs (every
//     PollInterval, one second by default) instead of being woken.
//   - On SQLite every poll is a short write on the one writer connection.
//     A handler must therefore never hold a transaction open while it waits
//     on the network: read, call out, then write the outcome in a
//     transaction of its own.
//
// River keeps its schema in its own tables (river_job, river_leader, …) and
// versions it in river_migration; [Migrate] brings it up to date and runs at
// start-up right after the store's own migrations.
package jobs
