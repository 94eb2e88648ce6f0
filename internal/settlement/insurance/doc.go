// Package insurance owns cargo insurance (clause 6.3.2.3): quotes priced
// on a rate table, policies bound to shipments or orders, bilingual
// certificates of insurance as PDF, and claims with their review
// workflow.
//
// # Pricing
//
// The insured value is the CIF value plus an uplift, 10 % by default
// (110 % of CIF, the customary marine basis). The CIF value comes from
// the Incoterm of the cargo value: CIF, CIP and the D terms are taken as
// CIF; for CFR and CPT the premium is solved for, CIF = CFR / (1 − rate ×
// 1.1); for FOB, FAS, EXW and FCA the freight is added first, CIF = (FOB
// + freight) / (1 − rate × 1.1). premium = insured value × rate, at least
// the currency's minimum premium. The rate is the commodity class's base
// rate for the transport mode times the route band's factor (the riskier
// of origin and destination); countries under comprehensive sanctions or
// at war are refused. All arithmetic is decimal (cockroachdb/apd) and
// only final amounts are rounded, half-even, to the currency's minor
// units. docs/INSURANCE.md gives the formulas with worked examples.
//
// # Tariff
//
// tariff.yaml is the shipped sample tariff: illustrative figures, not an
// insurer's offer. ParseTariff checks a replacement table.
package insurance
