// Package settlement is Silkgate's settlement module (standard clauses
// 6.1.2 and 6.3.2): sellers are paid in their own currency. It owns the
// module's subpackages, each with its own dependencies:
//
//   - fx: reference exchange rates (ECB imports, dated lookups, cross
//     rates), the Converter other modules use, and executable FX quotes
//     from liquidity-provider connectors with spread and expiry.
//
// Money itself is internal/platform/money: decimal strings in ISO 4217
// minor units, never floats.
package settlement
