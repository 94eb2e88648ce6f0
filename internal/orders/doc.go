// Package orders owns marketplace and shop orders (clauses 5.3.1 and 6.2.1):
// the canonical order every channel's data is mapped to, its validation,
// its status life cycle with history, the order API (JSON and XML by
// content negotiation) and the bulk NDJSON ingest.
//
// # Identity
//
// An order is identified by the platform's id ("ord_…") and, for the
// channel it came from, by (channel, external_id): that pair is unique per
// tenant and per live/sandbox partition. A second POST of the same pair is
// a 409 duplicate_external_id naming the existing order; a bulk line that
// repeats an existing pair is counted as accepted and reported under
// "duplicates", and never stored twice.
//
// # Storage
//
// One row per order. The parts of an order that are read and written as a
// whole — buyer, ship-to address, lines, status history — are kept as JSON
// documents in the row; the columns are only what lists filter on. The
// only indexes are the primary key (tenant, sandbox, id), which serves
// reads by id and cursor pages, and the unique (tenant, sandbox, channel,
// external_id), which is the idempotency guarantee. Every index is paid
// for by the bulk path, so no other earns a place yet.
//
// # Bulk ingest
//
// POST /api/v1/orders/bulk streams its body through a pipeline: one
// goroutine splits lines (bounded buffers, over-long lines skipped without
// being held), one decoder per core parses and validates them, a collector
// puts them back in line order, and a single writer inserts them in
// transactions of 2,500 orders, 250 to a multi-row prepared INSERT with ON
// CONFLICT DO NOTHING RETURNING id — which tells created orders from
// repeats, and lets order.created be published for the created ones in
// the same transaction. The answer is sent only after the last batch has
// committed (on SQLite with a synchronous commit, which makes the whole
// request durable against power loss too), so every line it counts as
// accepted is stored; a client whose connection dropped re-sends the same
// body and nothing is stored twice.
package orders
