// Package returns owns returns and reverse logistics (clause 6.3.3.3): the
// return merchandise authorisation (RMA) as a first-class object linking
// the original order and shipment, its strict life cycle with a
// timestamped history, per-unit inspection and disposition, and the flow
// of each step back to the originating channel (return.created and
// return.updated webhooks through the events outbox), to warehouse stock
// and, on refund, to settlement.
//
// # Life cycle
//
//	requested → approved → label_issued → in_transit → received → inspected → refunded  → closed
//	          ↘ rejected   ↘ cancelled     ↘ received                          ↘ exchanged → closed
//	                                                                           ↘ closed
//
// requested and approved may also be cancelled, and so may label_issued
// (the label is then no longer expected to move). rejected, cancelled and
// closed are final. Any other move is 409 invalid_return_transition naming
// the current state and the moves it allows. See docs/RETURNS.md.
//
// # Collaborators
//
// The package depends only on what exists when it is wired: the orders
// service (required; lines and quantities are checked against the order
// and earlier returns), the events outbox and the audit log. Everything
// else is an optional interface, nil meaning the feature is off:
//
//   - ShipmentLookup checks a return's shipment_id against the shipments
//     module; without it shipment_id is kept as given.
//   - LabelIssuer buys return labels (CarrierLabels adapts any
//     carrier.Carrier); without it a label is recorded by hand (carrier
//     and tracking number the buyer or seller obtained elsewhere).
//   - StockReceiver books resellable units back into warehouse stock;
//     without it inspection records dispositions and books nothing.
//   - Refunder books refunds (LedgerRefunds writes a balanced ledger
//     entry); without it refunds are refused (409 refunds_unavailable).
//
// Every write runs in the caller's transaction: the return row, its audit
// record, its event and the ledger entry of a refund commit together or
// not at all. Calls to a StockReceiver and a Refunder happen inside that
// transaction, so implementations must join it (the ledger does) or be
// idempotent on the reference they are given. A LabelIssuer is the
// exception: it reaches a carrier, so it is called outside any
// transaction, between the one that records the purchase (with the job
// that retries it) and the one that issues the label (labels.go).
package returns
