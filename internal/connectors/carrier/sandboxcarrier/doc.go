// Package sandboxcarrier is a simulated parcel carrier, "Silkgate Sandbox
// Post", for the sandbox (clause 5.3.3): it issues tracking numbers with
// a check digit, prints 100 × 150 mm PDF labels with a Code-128 barcode,
// and plays a realistic cross-border tracking timeline — pick-up, export
// customs, departure, arrival in the destination country, import customs,
// last mile — with exceptions an integrator can trigger on purpose.
//
// # Determinism
//
// Everything follows from the label request and the tracking number: the
// number from a hash of the request, and the whole timeline (its stages,
// their timings, the hubs) from a hash of the number. The same request
// gives the same label bytes, and the same number the same timeline, on
// every machine: tests and integrators can rely on what comes back.
//
// # Tracking numbers
//
// Numbers follow the UPU S10 layout: two service letters, an eight-digit
// serial, a mod-11 check digit and the origin country, e.g.
// "LS512345679CN". The check digit weighs the serial's digits by
// 8 6 4 2 3 5 9 7; c = 11 − (sum mod 11), with 10 written 0 and 11
// written 5. The serial's first digit carries the scenario (see
// Scenario), so a number alone is enough to replay its timeline.
//
// # Triggering exceptions
//
// A recipient postcode picks a scenario (TriggerPostcodes); any other
// postcode is delivered normally.
//
//	SBX-ADDRESS  delivery fails (address problem), parcel returned to sender
//	SBX-CUSTOMS  held at import customs about four days, then delivered
//	SBX-LOST     no scan after departure; declared lost ten days later
//	SBX-RETURN   recipient refuses the parcel; returned to sender
package sandboxcarrier
