// Package sandboxwarehouse is a simulated overseas-warehouse operator,
// "Silkgate Sandbox Fulfilment", for the sandbox (clause 5.3.3) and for
// tests: it accepts inbound notices and outbound orders, receives and
// dispatches them, keeps stock per SKU and grade, and answers stock
// snapshots and movement deltas like a real operator's API.
//
// # Behaviour
//
// Work happens when the operator is next asked anything (a snapshot or
// movements): every inbound notice sent before is received, then every
// outbound order whose stock is there is dispatched, in the order they
// were sent. An outbound order the stock cannot cover waits, unshipped,
// until a later receipt covers it. Each receipt and dispatch is one
// movement per line, with an id of the form "SBXW-<account hash>-<n>".
//
// # Determinism and triggers
//
// The operator's answers depend only on what it was sent and on its seed
// (one per tenant is usual): movement ids and the simulated receipt
// times derive from them, so the same calls give the same answers on
// every machine. SKUs containing these markers trigger the variances an
// integrator needs to exercise reconciliation:
//
//	SBX-SHORT    each receipt of the SKU is one unit short of the notice
//	SBX-DAMAGED  one unit of each receipt is graded damaged
//	SBX-SHRINK   the snapshot counts one unit fewer than the movements
//	             say (a unit lost in the warehouse, found by a count and
//	             reported only in the snapshot)
//
// The operator keeps its accounts in the store (one row per seed and
// account, its state as JSON), and every call loads the account, works
// and saves it in one transaction: a restarted process finds every
// account as it left it, and serving nodes sharing a store give the same
// answers, their calls on one account taking turns.
package sandboxwarehouse
