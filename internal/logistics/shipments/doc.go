// Package shipments owns shipments and tracking, part of clause 6.3.3 of
// the standard (the logistics module): a shipment is created from an
// order and an offer of rate comparison, its label bought through a
// carrier connector, and its tracking events taken in from every channel
// carriers use — the API, a carrier webhook, CSV files, EDI (X12 214 and
// EDIFACT IFTSTA through the EDI gateway), connectors that are polled and
// events carriers publish on the outbox — into one status model with the
// cross-border stages of package carrier.
//
// # Forward only
//
// A shipment's status only moves forward (Progress.Step). An event for an
// earlier stage than the one reached is kept in the history, marked as
// not applied, and never moves the status back; delivered and returned
// are final. Exceptions may follow any stage: each applied one raises an
// alert and publishes shipment.exception beside shipment.updated.
//
// # Nothing dropped
//
// An event whose tracking number no shipment carries is stored all the
// same, unmatched, and applied in the order the events happened when a
// shipment with that number is created. Every event has a fingerprint
// (number, status, code, reason, time, place), so an event delivered
// twice — a webhook retried, a file uploaded again, the outbox relayed
// after a crash — is stored once.
//
// # Quality
//
// When a shipment closes (delivered, returned or lost) its outcome —
// on time against the quoted days, delivered at the first attempt, lost
// or damaged, tracking complete — is counted per service and lane in the
// closing transaction, with a histogram of door-to-door days. Rate
// comparison reads these records through rates.QualitySource (Observed),
// so its quality score and, from MinTransitHistory deliveries on, its
// transit days come from the platform's own history.
//
// # Buying labels
//
// The carrier is never called inside a transaction (purchase.go): the
// shipment is recorded as requested with the job that completes it, the
// label is bought after that commits with the shipment id as idempotency
// key, and a second transaction stores the shipment. A carrier that is
// slow, fails or outlives the process is asked again by the job with the
// same key, so one label is bought however often it is asked.
//
// # Carriers
//
// The Registry maps rate-card services to connectors (carrier.Carrier).
// Sandbox data never reaches a real carrier: sandbox shipments, and the
// platform's sample services, use SandboxCarrier, which plays the
// sandbox carrier's scripted timelines from the label request kept with
// the shipment, so tracking survives restarts.
package shipments
