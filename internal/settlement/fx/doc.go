// Package fx owns foreign-exchange rates and quotes for settlement.
//
// Reference rates are platform-wide: the ECB's euro reference rates,
// imported from its eurofxref files (daily or historical, XML or CSV)
// and kept per (source, date, base, quote) as decimal strings. A lookup
// takes the latest rate on or before the date asked for and says which
// date it used; a pair that neither side is the base of is crossed
// through the base. The ECB publishes its rates "for information
// purposes only", so they are used for display, valuation and as the
// sanity band of a quote, never as the rate a customer trades at.
//
// Quotes are tenant-owned: the executable rate of a liquidity provider,
// checked against the reference rate, less the tenant's spread (set
// per tenant and currency pair by the platform administrator), with
// amounts in each currency's minor units and an expiry. A quote is
// honoured exactly, once, until it expires.
//
// Rounding, in one place: a cross rate is the quotient of two reference
// rates computed at 34 significant digits and rounded half-even to
// RateDigits significant digits; an amount is the product (or quotient)
// of an amount and that rate rounded half-even to the currency's minor
// units. No float is used anywhere (a test enforces it).
package fx
