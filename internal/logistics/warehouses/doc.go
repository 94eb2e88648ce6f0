// Package warehouses owns the overseas-warehouse part of the logistics
// module (clause 6.3.3.2): the tenant's warehouses with the countries
// they deliver to and the operator's fee schedule; stock per warehouse,
// SKU and quality grade (on hand, reserved, available, in transit, age);
// the append-only movement ledger every stock change is recorded in;
// inbound notices with their receipts and discrepancies; outbound orders
// allocated to the warehouse that serves the buyer fastest; stock sync
// with operators by snapshot (with reconciliation reports) and by delta;
// handling and storage fees; and low-stock and ageing-stock alerts.
//
// # Stock and the ledger
//
// A stock row changes only together with a movement, in one transaction,
// so the movements of a warehouse always add up to its stock. A
// reservation is a guarded UPDATE that must leave available ≥ 0: two
// concurrent allocations can never promise the same unit, on either
// engine. Units received are kept as dated lots, consumed oldest first,
// which gives stock age and prices storage by age band.
//
// # Operators
//
// Operators are reached through internal/connectors/warehouse; a
// warehouse's connector kind picks the implementation internal/app
// registered with UseConnector ("sandbox" is the simulated operator;
// "manual" has no API and is fed through this package's API).
//
// # Returns
//
// ReceiveReturn is the entry point for the returns module: it puts
// inspected units back into stock under their grade, idempotently by the
// return's reference.
//
// The allocation rule and the fee formulas are in docs/WAREHOUSES.md.
package warehouses
