// Package events owns the platform's domain events: the registry of event
// types ("order.created", "shipment.updated", …) and the transactional
// outbox that records each event in the transaction of the change it
// describes and hands it on to consumers (webhook delivery) after commit.
//
// # Why an outbox
//
// A module that changed an order and then called a partner's webhook
// directly would either call out for a change that later rolls back, or
// commit a change whose notice is lost when the process dies before the
// call. Publish instead inserts the event into the outbox_events table
// through the caller's transaction (db.InTx joins the one in ctx), so the
// event exists exactly when the change does. A relay reads committed
// events in the order they were published and passes them to the
// consumers, which turn them into durable work of their own (webhook
// deliveries on the job queue) in the relay's transaction before the
// events are marked relayed. Nothing is lost between the two, and a crash
// at any point only means the relay does the same batch again — which is
// why consumers must be idempotent.
//
// The relay runs in every serving process, woken right after Publish and
// otherwise every poll interval. Its progress lives in the table, not in
// the process: a relay that dies leaves the events unrelayed for the next
// one. Relays of several nodes take turns on a lock row, so events reach
// consumers in publish order.
//
// # Order
//
// Events are numbered (seq) as they are inserted. On SQLite, with its one
// writer, that is also commit order. On PostgreSQL two transactions may
// commit in the opposite order of their numbers, and the relay hands on
// what has committed; two events about the same resource nevertheless keep
// their order, because a module writes the resource's row before it
// publishes, and the row lock holds the second writer back until the first
// has committed. Modules must keep to that: change the row, then Publish.
//
// # Bulk writes
//
// A bulk ingest publishes an event per order, a million in one request.
// Relaying them while the ingest runs would take the writer (SQLite has
// one) and the CPU from it for work that can wait, so the ingest calls
// Defer and the relay of that process holds off until the ingest ends —
// for at most Config.MaxDeferral, which bounds how long one tenant's
// ingest can delay everyone's events. The events are committed with the
// orders either way: deferring changes when they are relayed, never
// whether.
//
// # Using it
//
// A module receives an *Outbox (or declares the one-method interface it
// needs) from internal/app and publishes after writing its change:
//
//	err := s.events.Publish(ctx, events.Event{Type: events.OrderCreated,
//		ResourceID: o.ID, Data: o})
//
// TenantID and Sandbox default to the caller's scope. Event types are
// registered once, at init, with Register; Publish refuses an unknown type,
// and the webhook API lists and accepts exactly the registered ones.
package events
