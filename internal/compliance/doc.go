// Package compliance is the compliance module of the function layer
// (clauses 4.4.2, 5.1.2 and 6.3.1). Its subpackages own one capability each:
//
//   - rules: the versioned regulation database, its import format and the
//     draft → review → publish workflow;
//   - checks: the rule engine that checks products and order lines against
//     markets and transport, and the reports it produces;
//   - sanctions: denied-party list importers and list versions;
//   - screening: name matching against the loaded lists, review cases and
//     remembered false positives;
//   - alerts: subscriptions, regulatory notices and change alerts;
//   - hs: the HS nomenclature and HS code suggestions from product titles.
package compliance
