// Package iso20022 owns the ISO 20022 messages of the settlement rails
// (clause 6.3.2): it generates customer credit transfer initiations
// (pain.001.001.09) and FI-to-FI customer credit transfers
// (pacs.008.001.08), and parses payment status reports (pacs.002 and
// pain.002, any version) and bank-to-customer notifications and statements
// (camt.054 and camt.053, any version) into per-transaction results keyed by
// EndToEndId. It also validates the identifiers those messages carry: IBAN
// (length per country and the ISO 13616 mod-97 check) and BIC (ISO 9362).
//
// Amounts never pass through a float: they are decimal strings in the
// currency's ISO 4217 minor units (platform/money), and control sums are
// added as integers of minor units. Parsing is namespace-agnostic, so the
// same code reads every version a bank sends, and checks every amount
// against its currency, so a file with a malformed amount is refused with
// the entry at fault instead of being rounded.
package iso20022
