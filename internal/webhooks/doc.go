// Package webhooks owns tenants' webhook subscriptions and the signed,
// logged delivery of events to them (CONTRACT "Webhooks").
//
// # Subscriptions
//
// A webhook is a URL and a list of event types, created with POST
// /api/v1/webhooks. Its signing secret is generated here, shown once in
// the answer, and stored encrypted under the tenant's data key. Webhooks
// are tenant data like any other: every statement goes through
// db.Tenanted, and a sandbox key sees only sandbox webhooks, which receive
// only sandbox events.
//
// # From event to delivery
//
// Modules publish events through the outbox (package events). The outbox
// relay hands committed events to this package's consumer, which — in the
// relay's transaction — creates one delivery row per matching webhook and
// enqueues one job per delivery on the durable job queue. A delivery is
// therefore created exactly once per event and webhook, and only for
// changes that committed.
//
// A delivery job reads, calls out, then records: the outcome of each
// attempt (status code, duration, error, the start of the response body)
// is written in a transaction of its own after the call, never while the
// store's writer is held. A 2xx answer within ten seconds is success;
// anything else — an error status, a redirect (never followed), a time-out,
// a refused address — is retried after an exponential back-off with jitter,
// until the attempt that would fall more than 24 hours after the event,
// when the delivery is given up ("failed"). Delivery is at least once: a
// process that dies after the receiver answered but before the outcome
// was stored delivers again, so receivers de-duplicate by the event id.
//
// # Order per resource
//
// Deliveries carry a lane — the event's resource id — and the event's
// publish order. A delivery does not start while an earlier delivery of
// the same lane to the same webhook is still pending: it snoozes until
// that one is due, and the earlier one, when it succeeds or is given up,
// wakes the next. So a receiver never sees order.updated before the
// order.created it follows, even across failures and retries; deliveries
// about different resources do not wait for each other, so one failing
// resource cannot hold up the rest. Replays and test events are outside
// any lane: they are sent at once.
//
// # Signature
//
// Each request carries Silkgate-Signature: t=<unix seconds>,v1=<hex
// HMAC-SHA256(secret, "<t>.<body>")>, plus Silkgate-Event-Id and
// Silkgate-Delivery-Id. Verify checks one as a receiver should, with a
// tolerance on t against replays.
//
// # Outbound safety
//
// Requests go out through a dialer that checks the address actually
// connected to, after DNS resolution, so a name that resolves to an
// internal address is refused too: live webhooks may reach public
// addresses only, sandbox webhooks also loopback (to test against a local
// receiver), and private, link-local and other internal ranges are never
// reached unless the operator allows it (Config.AllowPrivate). Proxies
// from the environment are ignored.
package webhooks
