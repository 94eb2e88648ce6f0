// Package checks owns the compliance check engine and its reports (issue
// 4, clauses 6.3.1.2 and 5.1.2): it checks a product — from the catalogue,
// given inline, or named by an order line — against the rules in force for
// its markets and transport, and keeps each check with the product
// snapshot and the rule versions it used, for audit.
//
// # The engine
//
// Engine is pure Go and does no I/O. Compile indexes a rule set by market
// (a member state inherits EU, GLOBAL applies everywhere, a country also
// sees the rules of its subdivisions), and within a market by HS prefix
// (one map per prefix length), category, material and title keyword, so a
// check touches only the rules that may concern the product.
//
// The product's facts (the vocabulary in rules.Facts) come from its fields,
// from attributes of the same name (battery.wh also as battery_wh), and by
// inference: HS 8517.62 or a title naming Bluetooth, Wi-Fi, 无线 or 蓝牙
// make a radio, HS 9601.10 ivory, the HS chapter gives categories, a
// battery's chemistry and packing give the lithium flag and the UN number
// (UN3480/3481 for lithium ion, UN3090/3091 for lithium metal). Each
// inferred fact keeps its source, and findings repeat it ("inferred from HS
// 8517.62"), so a wrong inference is corrected by stating the attribute.
//
// A rule applies when one of its selectors matches (or it has none), its
// transport and channel match, and all its conditions hold. A condition on
// a fact the product does not state and that cannot be inferred makes the
// finding a warn naming the fact and where to provide it, never a silent
// pass. A limit exceeded prohibits (battery.wh over 100 on a passenger
// aircraft). Evidence groups are satisfied by certifications, labels or
// attributes carrying the evidence code; a missing group fails the finding
// with what is missing and the rule's action. A prohibited rule that
// applies fails with severity prohibited. The verdict is prohibited when a
// prohibited finding fails, fail when any other fails, warn when any
// warns, and pass otherwise — with one refinement: a prohibited rule that
// names evidence (phthalates above 0.1 % are banned; a test report shows
// the product is below) fails without evidence, but makes the verdict fail,
// not prohibited, since the product is unproven rather than banned.
//
// # List data
//
// Facts that rest on list membership come from the same data as
// denied-party screening, through the ListLookup the check passes in
// (Input.Lists; the engine stays free of I/O): covered_equipment is
// attributes.manufacturer or attributes.brand matched by the screening
// matcher against the FCC Covered List, uflpa_entity the same against the
// UFLPA Entity List, and embargoed_destination the market against the
// embargo list (package sanctions embeds all three, with source and
// date). A match at screening's potential-match score sets the fact and
// carries the entry matched and the list version into every finding it
// triggers (Trigger.List, and the source text); no match sets it false,
// saying what was screened against which version. A stated attribute wins,
// and with no manufacturer or brand the fact stays missing, so US-FCC-002
// warns and asks for the manufacturer. Service uses ProductLists unless
// UseLists replaces it.
//
// # Rules
//
// The engine takes its rules from a RuleSource (package rules' store in
// production). Service keeps one compiled engine and recompiles it when the
// source's generation number moves on, or at most a minute after the last
// compile when the source has none, so that rules coming into force at a
// date are picked up.
//
// # Orders
//
// Service consumes order.created from the events outbox. In the relay's
// transaction it enqueues one durable job per relayed batch; the job
// checks every order line whose SKU is a catalogue product against the
// order's ship-to country and stores the checks linked to the order, with
// an order summary (the worst verdict). A repeat of the same event is
// skipped by the summary's primary key, so the consumer is idempotent.
//
// # Catalogue checks
//
// POST /api/v1/compliance/checks/catalogue runs synchronously, a page of
// products per call (up to 2,000, by SKU, with a cursor), outside any
// write transaction: it reads products and rules and writes no check of
// its own, only a summary of counts per verdict and the worst products
// and an audit record. A client walks a large catalogue by following
// next_cursor. This keeps the request bounded (the engine checks
// thousands of products per second) without holding the store's writer.
//
// # Reports
//
// GET /api/v1/compliance/checks/{id}?format=html renders a printable
// bilingual report (English and 简体中文, the Accept-Language choosing
// which comes first) with html/template; ?format=pdf renders the same with
// go-pdf/fpdf and the embedded Droid Sans Fallback font (internal/platform/pdffont/fonts/README.md),
// which covers both scripts.
package checks
