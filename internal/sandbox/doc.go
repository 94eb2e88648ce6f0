// Package sandbox is the interface test environment of clause 5.3.3, in the
// access layer: an HTTP API, for sandbox credentials only, in front of
// three simulated partners from the interface layer — a marketplace that
// pushes realistic orders (connectors/marketplace/sandboxmarket), a carrier
// that prints labels and plays tracking timelines
// (connectors/carrier/sandboxcarrier) and a card-accepting payment
// institution driven by test cards (connectors/payment/sandboxpay). The
// console's Sandbox page (internal/console) drives the same service for a
// signed-in seller.
//
// # Only sandbox data
//
// Every route refuses a live credential with 403 sandbox_only before it
// reads anything; the console page acts on the signed-in tenant's sandbox
// data set. The sandbox's own tables hold sandbox rows only (a CHECK on
// the sandbox column) and are reached through db.Tenanted like every
// tenant-owned table, so tenants never see each other's parcels or
// payments.
//
// # Time
//
// Tracking timelines run compressed: one simulated day passes in one real
// minute (sandboxcarrier.Speed), so a standard parcel is delivered about
// ten minutes after its label. A durable job (River, kind
// "sandbox_tracking") emits each event when it falls due, and survives
// restarts; POST …/advance emits the next event at once. Each event is
// published as shipment.tracking_updated through the outbox, so webhooks
// deliver it like any other event.
package sandbox
