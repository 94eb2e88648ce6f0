// Package connectors is the interface layer (clause 6.1.2): the contracts
// through which the function modules reach outside systems — marketplaces
// (marketplace), carriers and their tracking (carrier), payment
// institutions (payment), overseas-warehouse operators (warehouse) — and,
// below each, one package per partner.
//
// The contracts are small on purpose: a module depends on the interface
// of its kind, and internal/app decides which partner implementation it
// gets. The sandbox implementations (sandboxcarrier, sandboxpay,
// sandboxmarket, sandboxwarehouse) are complete partners of their own, deterministic so that
// integrators and tests can rely on what they answer; the sandbox API in
// internal/sandbox puts them in front of sandbox credentials.
package connectors
